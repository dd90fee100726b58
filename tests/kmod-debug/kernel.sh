#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the kmod-debug tier's kernel from Debian's linux-source-6.1 into a
# cache outside the repo, or reuses the one built before, and prints its
# folder:
#   bzImage                  the kernel to boot (the compressed image: the
#                            uncompressed PVH entry triple-faults under KASAN)
#   kver                     its release (6.1.<n>-nfips-debug)
#   build/                   the configured tree, `make clean`ed after the
#                            build: what out-of-tree modules build against
#                            (KDIR=<folder>/build; clean leaves that part)
#   modroot/lib/modules/<kver>/  its modules tree, depmod'ed, with
#                            modules.builtin (modprobe of a built-in succeeds)
#   build.log, config        the build's log and the final .config
#
# The config is x86_64_defconfig + kvm_guest.config + debug.config (this
# folder): KASAN, kmemleak, lockdep, PROVE_RCU, UBSAN, DEBUG_ATOMIC_SLEEP,
# DEBUG_LIST; the netfilter pieces the tests use built in; no debug info.
#
# Cache: $NFIPS_DKCACHE (default /var/cache/nfips/debug-kernel)/
#   <srcver>-<key>/  one kernel; key = sha1 of debug.config and this
#                    script's commands (comments do not count), so changing
#                    either builds a new one; a new linux-source package
#                    version does too
#   ccache/          the compiler cache all builds share (a rebuild after a
#                    config change is mostly cache hits)
# A half-built folder (no .complete) is removed and rebuilt. Two runs at once
# wait for each other on a lock.
#
# Measured on 2 busy cores: cold (empty ccache) about 10-20 min, a new key
# with a warm ccache a few minutes, an existing key instant.
#
# Usage: tests/kmod-debug/kernel.sh        prints the folder
#        tests/kmod-debug/kernel.sh --key  prints the folder it would use
# Env:   NFIPS_DKCACHE   cache root
#        KDEBUG_JOBS     make -j (default: CPUs + 1)
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${NFIPS_DKCACHE:-/var/cache/nfips/debug-kernel}
tarball=/usr/src/linux-source-6.1.tar.xz
frag=$here/debug.config

die() {
	echo "kernel.sh: $*" >&2
	exit 1
}

if [[ ! -f $tarball ]]; then
	"$repo/mk/deps.sh" >&2 || die "mk/deps.sh failed; linux-source-6.1 is needed"
fi
[[ -f $tarball ]] || die "$tarball is missing (apt-get install linux-source-6.1)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null)
[[ -n $srcver ]] || srcver=$(stat -c %s-%Y "$tarball")
key=$({
	cat "$frag"
	grep -v '^[[:space:]]*#' "$0"
} | sha1sum | cut -c1-12)
dir=$cache/$srcver-$key

if [[ ${1:-} == --key ]]; then
	echo "$dir"
	exit 0
fi
if [[ -f $dir/.complete ]]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache" 2>/dev/null || die "cannot create $cache (set NFIPS_DKCACHE)"
exec 8>"$cache/.lock"
if ! flock -n 8; then
	echo "kernel.sh: another run is building a debug kernel; waiting" >&2
	flock 8
fi
if [[ -f $dir/.complete ]]; then
	echo "$dir"
	exit 0
fi

t0=$SECONDS
rm -rf "$dir"
mkdir -p "$dir/build" || die "cannot create $dir"
log=$dir/build.log
echo "kernel.sh: building the debug kernel in $dir (log: $log)" >&2
tar -xJf "$tarball" -C "$dir/build" --strip-components=1 ||
	die "cannot extract $tarball"
echo "kernel.sh: extracted the source in $((SECONDS - t0))s" >&2

export CCACHE_DIR=$cache/ccache CCACHE_BASEDIR=$dir/build CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros
# Fixed build stamps: the same config gives the same objects (ccache hits).
export KBUILD_BUILD_TIMESTAMP="@0" KBUILD_BUILD_USER=nfips KBUILD_BUILD_HOST=nfips
jobs=${KDEBUG_JOBS:-$(($(nproc) + 1))}
kmake() {
	make -C "$dir/build" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" -j"$jobs" "$@"
}

{
	kmake x86_64_defconfig &&
		(cd "$dir/build" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m .config \
			kernel/configs/kvm_guest.config "$frag") &&
		kmake olddefconfig
} >>"$log" 2>&1 || die "configuring failed; see $log"

# Every setting of the fragment must have survived olddefconfig (a symbol
# whose dependencies are off is silently dropped).
bad=
while IFS= read -r line; do
	[[ $line =~ ^(CONFIG_[A-Z0-9_]+)=(.*)$ ]] || continue
	sym=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
	got=$(grep -E "^$sym=|^# $sym is not set" "$dir/build/.config" | head -n 1)
	case $want in
	n) [[ -z $got || $got == "# $sym is not set" ]] || bad+=" $sym(want n, got ${got#*=})" ;;
	*) [[ $got == "$sym=$want" ]] || bad+=" $sym(want $want, got ${got:-unset})" ;;
	esac
done <"$frag"
if [[ -n $bad ]]; then
	# Only the debug and module options are required; the rest is a note.
	echo "kernel.sh: note: settings of debug.config that did not take:$bad" >&2
	for sym in MODULES MODULE_UNLOAD KASAN KASAN_GENERIC KASAN_INLINE DEBUG_KMEMLEAK \
		PROVE_LOCKING PROVE_RCU DEBUG_ATOMIC_SLEEP DEBUG_LIST UBSAN DEBUG_FS \
		NETFILTER_NETLINK_QUEUE NF_TABLES NETFILTER_XT_MATCH_STRING VETH NET_NS; do
		[[ $bad == *" CONFIG_$sym("* ]] && die "required CONFIG_$sym did not take; see $log"
	done
fi
cp "$dir/build/.config" "$dir/config"

t1=$SECONDS
kmake bzImage modules >>"$log" 2>&1 || {
	tail -n 40 "$log" >&2
	die "the kernel build failed; see $log"
}
echo "kernel.sh: built bzImage and modules in $((SECONDS - t1))s" >&2
kver=$(kmake -s kernelrelease 2>/dev/null | tail -n 1)
[[ -n $kver ]] || die "cannot read the kernel release"
kmake modules_install INSTALL_MOD_PATH="$dir/modroot" INSTALL_MOD_STRIP=1 \
	DEPMOD=/sbin/depmod >>"$log" 2>&1 || die "modules_install failed; see $log"
rm -f "$dir/modroot/lib/modules/$kver/build" "$dir/modroot/lib/modules/$kver/source"
cp "$dir/build/arch/x86/boot/bzImage" "$dir/bzImage" || die "no bzImage"
echo "$kver" >"$dir/kver"
# Keep what out-of-tree modules need (headers, scripts, objtool, .config,
# Module.symvers), drop the objects: several GB with KASAN.
kmake clean >>"$log" 2>&1 || die "make clean failed; see $log"
kmake modules_prepare >>"$log" 2>&1 || die "make modules_prepare failed; see $log"
[[ -f $dir/build/Module.symvers ]] || die "Module.symvers is missing after the build"
ccache -s >>"$log" 2>&1
touch "$dir/.complete"
echo "kernel.sh: debug kernel $kver ready in $((SECONDS - t0))s" >&2
echo "$dir"
