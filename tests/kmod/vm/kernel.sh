#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetches Debian's kernel image for one ABI into a cache outside the repo and
# prints the cache folder. The folder holds what the VM needs:
#   boot/vmlinuz-<kver>     the bzImage, as packaged
#   vmlinux                 the same kernel uncompressed (PVH entry: boots in
#                           about 2 s under TCG instead of about 5 s)
#   lib/modules/<kver>/     the modules tree, depmod'ed
# The package is fetched with `apt-get download` and unpacked with dpkg-deb,
# never installed: its post-install hooks are slow and would touch the host.
# The folder is keyed by <kver>, so a security bump fetches the new ABI.
#
# Usage: tests/kmod/vm/kernel.sh KVER
# Env:   NFIPS_KCACHE  cache root (default /var/cache/nfips/kernel)
set -u

kver=${1:?usage: kernel.sh KVER}
cache=${NFIPS_KCACHE:-/var/cache/nfips/kernel}
dir=$cache/$kver

die() {
	echo "kernel.sh: $*" >&2
	exit 1
}

# Uncompressed vmlinux out of a bzImage: find the payload's compression magic
# and decompress from there (what the kernel's scripts/extract-vmlinux does;
# that script is only in the 140 MB linux-source tarball). Decompressors stop
# at the end of their stream and complain about the trailing bytes, so the
# result is checked by its ELF magic instead of the exit status.
extract_vmlinux() {	# extract_vmlinux BZIMAGE OUT
	local img=$1 out=$2 magic cmd off
	for magic in "xz:\xfd7zXZ\x00" "gzip:\x1f\x8b\x08" "zstd:\x28\xb5\x2f\xfd"; do
		cmd=${magic%%:*}
		for off in $(LC_ALL=C grep -oabUaP "${magic#*:}" "$img" 2>/dev/null |
				cut -d: -f1 | head -n 5); do
			tail -c +$((off + 1)) "$img" | $cmd -dc >"$out" 2>/dev/null
			if [[ $(head -c 4 "$out" | od -An -tx1 | tr -d ' ') == 7f454c46 ]]; then
				return 0
			fi
		done
	done
	rm -f "$out"
	return 1
}

if [[ -f $dir/.complete ]]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache" 2>/dev/null || die "cannot create the kernel cache $cache (set NFIPS_KCACHE)"
# Two runs at once must not unpack into the same folder.
exec 8>"$cache/.lock"
flock 8
if [[ -f $dir/.complete ]]; then
	echo "$dir"
	exit 0
fi

tmp=$(mktemp -d "$cache/.fetch.XXXXXX") || die "cannot write to $cache"
trap 'rm -rf "$tmp"' EXIT

# Debian ships the unsigned image as linux-image-<kver>-unsigned; the signed
# one (linux-image-<kver>) is the same kernel. Try unsigned first: it has no
# dependency on the signing template.
pkg=
for p in "linux-image-$kver-unsigned" "linux-image-$kver"; do
	if (cd "$tmp" && apt-get download "$p") >"$tmp/apt.log" 2>&1; then
		pkg=$p
		break
	fi
done
if [[ -z $pkg ]]; then
	# Package lists may be stale or missing on a fresh machine.
	apt-get update -q >/dev/null 2>&1
	for p in "linux-image-$kver-unsigned" "linux-image-$kver"; do
		if (cd "$tmp" && apt-get download "$p") >"$tmp/apt.log" 2>&1; then
			pkg=$p
			break
		fi
	done
fi
[[ -n $pkg ]] || die "apt-get download linux-image-$kver(-unsigned) failed: $(tail -n 2 "$tmp/apt.log")"

mkdir "$tmp/root"
dpkg-deb -x "$tmp"/*.deb "$tmp/root" || die "dpkg-deb -x of $pkg failed"
# Debian 12 packages the image under /boot and /lib/modules (not yet /usr/lib).
img=$tmp/root/boot/vmlinuz-$kver
[[ -f $img ]] || die "$pkg has no boot/vmlinuz-$kver"
moddir=$(ls -d "$tmp"/root/lib/modules/"$kver" "$tmp"/root/usr/lib/modules/"$kver" 2>/dev/null | head -n 1)
[[ -n $moddir ]] || die "$pkg has no lib/modules/$kver"
if [[ $moddir == */usr/lib/modules/* ]]; then
	mkdir -p "$tmp/root/lib"
	mv "$moddir" "$tmp/root/lib/modules"
fi
depmod -b "$tmp/root" "$kver" || die "depmod -b failed for $kver"
# The bzImage still boots when the payload cannot be extracted, only slower.
extract_vmlinux "$img" "$tmp/root/vmlinux" ||
	echo "kernel.sh: could not extract vmlinux from $img; the VM boots the bzImage" >&2
echo "$pkg" >"$tmp/root/.package"

rm -rf "$dir"
mv "$tmp/root" "$dir" || die "cannot move the kernel into $dir"
touch "$dir/.complete"
echo "$dir"
