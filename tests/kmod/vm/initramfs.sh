#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the VM's initramfs: uncompressed newc cpio (the kernel unpacks it
# faster than it could decompress anything) with
#   - the host's bash, dash (/bin/sh), coreutils, grep, sed, awk, find,
#     procps, iproute2 (the real `ip`: busybox's applet has no netns/veth),
#     iptables (nft and legacy multi-binaries plus their xtables extensions),
#     nft, ethtool, socat, kmod (modprobe is what the kernel's
#     request_module runs), with every shared library they need, in the
#     host's merged-/usr layout;
#   - busybox-static for everything else (mount, poweroff, ping, ...);
#   - the kernel modules the tests need, with their dependencies, and the
#     project's .ko files under lib/modules/<kver>/extra/, depmod'ed, so that
#     `modprobe nfips` and the "nfips-op-<type>" autoload work;
#   - the repo's tests/ and every executable, .so and .bpf.o (the BPF
#     twin's program, tests/kmod/t_39_bpf.sh) under build/, at /nfips
#     in the same layout as the repo, so tests/lib.sh and build/... resolve
#     from the repo root as on the host;
#   - /init (tests/kmod/vm/init) and its settings in /etc/nfips-vm.conf.
#
# The image is two archives back to back (the kernel unpacks both): a base
# with the host programs, libraries and kernel modules, cached next to OUT and
# rebuilt only when its inputs change (this script, the kernel's modules, the
# installed packages), and the project's part, built on every run in about a
# second.
#
# Usage: tests/kmod/vm/initramfs.sh OUT.cpio
# Env (set by tests/kmod/run.sh):
#   KMOD_KVER       kernel release of the modules (required)
#   KMOD_MODROOT    folder holding lib/modules/<kver>/ (required)
#   KMOD_KO         the project's .ko files (default: those in modules.order)
#   KMOD_MODULES    extra kernel modules to copy in (space separated)
#   KMOD_BINS       extra host programs to copy in (names or paths)
#   KMOD_DIRS       repo folders copied to /nfips (default: tests bench; the
#                   native-compare test runs bench/ in the VM)
#   KMOD_BUILD_EXCLUDE  folders under build/ left out (default: unit fuzz
#                   tests kmod kmod-*)
#   KMOD_CONF       file copied to /etc/nfips-vm.conf (settings for /init)
#   KMOD_INSTALL    0 leaves out the `make install` layout (default: in, when
#                   build/nfipsd exists)
#   KMOD_INSTALL_FROM  the tree `make install` runs in (default: this repo; the
#                   debug tier's scratch copy has no Makefile, so it names the
#                   real one)
set -u

out=${1:?usage: initramfs.sh OUT.cpio}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
kver=${KMOD_KVER:?KMOD_KVER is not set}
modroot=${KMOD_MODROOT:?KMOD_MODROOT is not set}

die() {
	echo "initramfs.sh: $*" >&2
	exit 1
}

[[ -d $modroot/lib/modules/$kver ]] || die "no modules tree at $modroot/lib/modules/$kver"
bb=$(command -v busybox) || die "busybox is missing (apt-get install busybox-static)"

work=$(cd "$(dirname "$out")" && pwd)
# Staged outside the repo: the top Makefile includes every *.d under build/,
# and /etc/iproute2/rt_tables.d is a folder.
stage=$(mktemp -d "${TMPDIR:-/tmp}/nfips-initramfs.XXXXXX") || die "cannot create a staging folder"
trap 'rm -rf "$stage"' EXIT

elfs=()			# copied ELF files whose shared libraries must come along
declare -A canon	# host folder -> its canonical path
declare -A have		# files the base image already has
root=			# the tree add() copies into

# add PATH: copies one host file into $root at the same (canonical) path,
# following symlinks and copying each link on the way, so /sbin/x ->
# /etc/alternatives/x -> /usr/sbin/x-nft resolves inside as it does outside.
add() {
	local p=$1 d b dst t m
	[[ -e $p || -L $p ]] || return 1
	d=${p%/*} b=${p##*/}
	[[ -n ${canon[$d/]:-} ]] || canon[$d/]=$(readlink -f "$d/")
	d=${canon[$d/]%/}
	dst=$root$d/$b
	[[ -e $dst || -L $dst ]] && return 0
	[[ -n ${have[$d/$b]:-} ]] && return 0
	mkdir -p "$root$d"
	if [[ -L $d/$b ]]; then
		cp -P "$d/$b" "$dst"
		t=$(readlink "$d/$b")
		[[ $t == /* ]] || t=$d/$t
		add "$t"
	elif [[ -d $d/$b ]]; then
		mkdir -p "$dst"
	else
		cp -p "$d/$b" "$dst"
		m=
		LC_ALL=C read -r -n 4 m <"$d/$b" 2>/dev/null
		[[ $m == $'\x7fELF' ]] && elfs+=("$d/$b")
	fi
	return 0
}

# add_libs: the shared libraries of every ELF file copied so far, in one ldd
# call (a static binary only makes ldd print "not a dynamic executable").
add_libs() {
	local lib
	[[ ${#elfs[@]} -gt 0 ]] || return 0
	while IFS= read -r lib; do
		add "$lib" || die "cannot copy shared library $lib"
	done < <(ldd "${elfs[@]}" 2>/dev/null |
		sed -n -e 's/.*=> \(\/[^ ]*\) (0x.*/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p' |
		sort -u)
	elfs=()
}

# add_bin NAME|PATH: a program, by name from the host's PATH or by path.
add_bin() {
	local p=$1
	[[ $p == /* ]] || p=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$p") || {
		echo "initramfs.sh: warning: $1 is not installed on the host; not in the VM" >&2
		return 0
	}
	add "$p"
}

# pack DIR OUT: a newc archive, sorted so that equal trees give equal files.
pack() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) >"$2" || die "cpio of $1 failed"
}

# --- the base: host programs, libraries, kernel modules ------------------------
# Kept: base-<kver>.cpio, .files (its file list), .modules/ (its modules
# tree, for depmod), .key (what it was built from).
base=$work/base-$kver
key=$({
	cat "$0"
	echo "$kver $modroot ${KMOD_MODULES:-} ${KMOD_BINS:-}"
	stat -c '%Y %s' "$modroot/lib/modules/$kver/modules.dep" /var/lib/dpkg/status
} | sha1sum | cut -d' ' -f1)

build_base() {
	local p d f a name dst m deps kind path rel src missing='' modules

	root=$stage/base
	mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc,proc,sys,dev,run,tmp,root,mnt,var}
	# The host's merged-/usr layout: the same paths work inside.
	ln -s usr/bin "$root/bin"
	ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	ln -s ../run "$root/var/run"
	chmod 1777 "$root/tmp"

	for p in $(dpkg -L coreutils grep sed findutils diffutils procps 2>/dev/null |
			grep -E '^/(usr/)?s?bin/'); do
		[[ -f $p ]] && add "$p"
	done
	for p in bash dash sh awk mawk \
		ip tc ss bridge ethtool nft \
		xtables-nft-multi xtables-legacy-multi \
		kmod modprobe insmod rmmod lsmod depmod modinfo \
		taskset nsenter unshare flock setsid socat ${KMOD_BINS:-}; do
		add_bin "$p"
	done
	# Every iptables/ip6tables/arptables/ebtables name the host has (the
	# multi-binaries pick their role by the name they are called by).
	for p in /usr/sbin/*tables*; do
		add "$p"
	done
	# Loaded at run time: iptables' extensions, tc's netem tables.
	for d in /usr/lib/x86_64-linux-gnu/xtables /usr/lib/x86_64-linux-gnu/tc /etc/iproute2; do
		[[ -d $d ]] || continue
		while IFS= read -r f; do
			add "$f"
		done < <(find "$d" -type f -o -type l)
	done
	for f in /etc/protocols /etc/services /etc/ethertypes; do
		[[ -e $f ]] && add "$f"
	done
	add_libs
	[[ -e $root/lib64/ld-linux-x86-64.so.2 ]] || die "the dynamic loader did not come along"

	# busybox for everything the host tools above do not provide; never for
	# the module tools (the kernel and the tests need kmod's) or ip (no netns).
	cp "$bb" "$root/usr/bin/busybox"
	while IFS= read -r a; do
		name=${a##*/}
		case $name in
		ip | modprobe | insmod | rmmod | lsmod | depmod | modinfo | busybox) continue ;;
		esac
		[[ -e $root/usr/bin/$name || -e $root/usr/sbin/$name ]] && continue
		# Merged /usr: bin/x and sbin/x are usr/bin/x and usr/sbin/x.
		dst=$root/usr/${a#usr/}
		[[ -e $dst || -L $dst ]] && continue
		mkdir -p "${dst%/*}"
		ln -s /usr/bin/busybox "$dst"
	done < <("$bb" --list-full)

	printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost\n' >"$root/etc/hosts"
	echo nfips-vm >"$root/etc/hostname"

	# Kernel modules: what the network tests need (load order per
	# notes/kernel-vm.md), NAT and conntrack, the schedulers the bench shapes
	# links with, and common matches iptables autoloads. Built-in ones are
	# noted and skipped.
	modules="veth nfnetlink nfnetlink_queue crc32c-intel crc32c_generic libcrc32c
		nf_tables nft_queue x_tables nft_compat xt_NFQUEUE xt_string xt_tcpudp
		ts_bm ts_kmp ip_tables iptable_filter
		nf_conntrack nf_nat nf_defrag_ipv4 nf_defrag_ipv6 iptable_nat iptable_mangle
		iptable_raw xt_nat nft_nat nft_chain_nat nft_ct nft_reject nft_reject_inet
		nft_limit xt_conntrack xt_state xt_MASQUERADE ipt_REJECT ip6t_REJECT
		xt_mark xt_comment xt_multiport xt_length xt_limit xt_u32
		ip6_tables ip6table_filter ip6table_nat ip6table_mangle
		sch_tbf sch_netem sch_htb sch_ingress sch_fq_codel cls_u32 cls_matchall
		act_mirred dummy ${KMOD_MODULES:-}"
	src=$modroot/lib/modules/$kver
	dst=$root/usr/lib/modules/$kver
	mkdir -p "$dst"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[[ -f $src/$f ]] && cp "$src/$f" "$dst/"
	done
	for m in $modules; do
		deps=$(modprobe -d "$modroot" -S "$kver" --show-depends "$m" 2>/dev/null) || {
			missing+=" $m"
			continue
		}
		while read -r kind path _; do
			[[ $kind == insmod ]] || continue
			rel=${path#"$src"/}
			mkdir -p "$dst/${rel%/*}"
			cp -n "$path" "$dst/$rel"
		done <<<"$deps"
	done
	[[ -n $missing ]] && echo "initramfs.sh: note: not modules of $kver:$missing" >&2
	depmod -b "$root" "$kver" || die "depmod -b failed on the base image"

	pack "$root" "$stage/base.cpio"
	rm -rf "$base.key" "$base.modules"
	(cd "$root" && find . -mindepth 1 ! -type d | cut -c2-) >"$base.files"
	mkdir -p "$base.modules/lib/modules"
	mv "$root/usr/lib/modules/$kver" "$base.modules/lib/modules/"
	mv "$stage/base.cpio" "$base.cpio"
	echo "$key" >"$base.key"
}

if [[ ! -f $base.key || $(cat "$base.key") != "$key" || ! -f $base.cpio ||
	! -f $base.files || ! -d $base.modules/lib/modules/$kver ]]; then
	echo "initramfs.sh: building the base image (host programs, kernel modules)" >&2
	build_base
fi
while IFS= read -r f; do
	have[$f]=1
done <"$base.files"

# --- the project's part: programs, tests, modules, init ------------------------
root=$stage/proj
mkdir -p "$root/nfips" "$root/etc"
# Not the host tiers' own test programs (unit tests, fuzz harnesses: 20 MB
# that never run in the VM) nor the VM tiers' work folders.
prune=()
for d in ${KMOD_BUILD_EXCLUDE-unit fuzz tests kmod kmod-*}; do
	prune+=(-path "build/$d" -prune -o)
done
if [[ -d $repo/build ]]; then
	while IFS= read -r f; do
		mkdir -p "$root/nfips/${f%/*}"
		cp -p "$repo/$f" "$root/nfips/$f"
		# A BPF object is loaded by nfipsctl, not by the dynamic loader.
		[[ $f == *.bpf.o ]] || elfs+=("$repo/$f")
	done < <(cd "$repo" && find build "${prune[@]}" -type f \( -perm -u+x -o -name '*.so' -o -name '*.bpf.o' \) -print)
fi
# nfips as `make install` lays it out on a user's machine (/usr/sbin,
# /usr/lib/nfips/plugins, /etc/nfips, the systemd unit): tests/kmod/
# t_85_service.sh runs the installed unit's commands. KMOD_INSTALL=0 leaves it out.
if [[ ${KMOD_INSTALL:-1} != 0 && -x $repo/build/nfipsd ]]; then
	make -s -C "${KMOD_INSTALL_FROM:-$repo}" install DESTDIR="$root" PREFIX=/usr >"$stage/install.log" 2>&1 ||
		die "make install into the image failed: $(tail -n 5 "$stage/install.log")"
	elfs+=("$root"/usr/sbin/nfips* "$root"/usr/bin/nfips-* "$root"/usr/lib/nfips/plugins/*.so)
fi
for d in ${KMOD_DIRS:-tests bench}; do
	[[ -d $repo/$d ]] || die "KMOD_DIRS names $d, which is not a folder of the repo"
	mkdir -p "$root/nfips/$(dirname "$d")"
	cp -a "$repo/$d" "$root/nfips/$(dirname "$d")/"
done
# Libraries the base lacks (libasan for sanitizer builds, libnl, ...).
add_libs

# The project's modules: those the last `make modules` listed, unless named.
ko=${KMOD_KO:-}
if [[ -z $ko && -f $repo/modules.order ]]; then
	ko=$(sed -e 's/\.o$/.ko/' -e "s|^\([^/]\)|$repo/\1|" "$repo/modules.order")
fi
# depmod needs the whole tree: the base's modules plus ours; only ours and
# the new index files go into this part.
dep=$stage/dep
mkdir -p "$dep/lib/modules"
cp -a "$base.modules/lib/modules/$kver" "$dep/lib/modules/$kver"
rm -f "$dep/lib/modules/$kver"/modules.*.bin "$dep/lib/modules/$kver"/modules.{dep,alias,symbols,softdep,devname}
mkdir -p "$dep/lib/modules/$kver/extra"
for k in $ko; do
	[[ -f $k ]] || die "$k is missing (run make modules)"
	v=$(modinfo -F vermagic "$k" 2>/dev/null)
	[[ ${v%% *} == "$kver" ]] || die "$k is built for '${v%% *}' but the VM runs $kver (KDIR and kernel do not match)"
	cp "$k" "$dep/lib/modules/$kver/extra/"
	# Also at its repo path, for tests that insmod a file.
	rel=${k#"$repo"/}
	if [[ $rel != /* ]]; then
		mkdir -p "$root/nfips/$(dirname "$rel")"
		cp "$k" "$root/nfips/$rel"
	fi
done
depmod -b "$dep" "$kver" || die "depmod -b failed on the image"
mkdir -p "$root/usr/lib/modules/$kver"
cp -a "$dep/lib/modules/$kver/extra" "$dep/lib/modules/$kver"/modules.* "$root/usr/lib/modules/$kver/"

cp "$here/init" "$root/init"
chmod 755 "$root/init"
if [[ -n ${KMOD_CONF:-} ]]; then
	cp "$KMOD_CONF" "$root/etc/nfips-vm.conf"
else
	: >"$root/etc/nfips-vm.conf"
fi

pack "$root" "$stage/proj.cpio"
cat "$base.cpio" "$stage/proj.cpio" >"$out.tmp" || die "cannot write $out"
mv "$out.tmp" "$out"
