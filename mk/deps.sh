#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install every Debian package nfips needs; idempotent and quick when all
# are present (one dpkg-query). Usage: mk/deps.sh [--check]
set -euo pipefail

cd "$(dirname "$0")/.."

PKGS=(
	# build
	build-essential pkg-config clang llvm lld ccache
	# the supported kernels' headers (mk/kver.sh): Debian 12's 6.1 LTS and
	# its 6.12 LTS; dkms for make install-dkms and the build tier's check
	linux-headers-amd64 linux-headers-6.12-amd64 linux-source-6.1 dkms
	# man pages: the build tier formats them with groff -ww
	groff-base
	bc bison flex libelf-dev libssl-dev dwarves cpio xz-utils kmod rsync
	# user twin and tools
	libnl-3-dev libnl-genl-3-dev libmnl-dev libnetfilter-queue-dev
	libhyperscan-dev
	# the BPF twin (bpf/, nfipsctl -b): libbpf and bpftool for vmlinux.h
	libbpf-dev bpftool
	# network tests and bench
	iproute2 iptables nftables ethtool procps psmisc socat jq netsniff-ng
	# the kernel-twin VM
	qemu-system-x86 busybox-static
	# plots
	gnuplot-nox
	python3
)

missing=()
for p in "${PKGS[@]}"; do
	[[ $p == \#* ]] && continue
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		missing+=("$p")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	# A metapackage may have moved to a newer ABI than the one installed.
	for series in 6.1 6.12; do
		k=$(mk/kver.sh "$series")
		if [[ -n $k && ! -d /lib/modules/$k/build ]]; then
			missing+=("linux-headers-$k")
		fi
	done
	[[ ${#missing[@]} -eq 0 ]] && exit 0
fi

if [[ ${1:-} == --check ]]; then
	echo "missing packages: ${missing[*]}" >&2
	exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "deps: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet: its first try fails ("Unable to
# locate package"), quietly, and the lists are fetched.
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -q >/dev/null
	apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
