#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kmod-debug tier (`make test-kmod-debug`): the whole kernel-twin tier
# (every tests/kmod/t_*.sh) on a debug kernel the project builds from
# Debian's linux-source-6.1 with KASAN, kmemleak, lockdep, PROVE_RCU, UBSAN,
# DEBUG_ATOMIC_SLEEP and DEBUG_LIST (tests/kmod-debug/kernel.sh, cached
# outside the repo). Pass/fail only: everything runs about 20 times slower
# than on Debian's stock kernel, so no timing is meaningful here.
#
# A run fails on a test's own failure and on any kernel splat: the VM's init
# (tests/kmod/vm/init) scans the kernel log after each test for KASAN, UBSAN,
# lockdep, RCU, "scheduling while atomic", WARN and BUG reports (lockdep and
# RCU reports do not trigger panic_on_warn; a KASAN report or a WARN panics
# the VM at once, which fails the test that was running) and, after the last
# test, forces two kmemleak scans and fails on any unreferenced object.
#
# Steps:
#   1. build or reuse the debug kernel (tests/kmod-debug/kernel.sh);
#   2. `make all` in the repo (the test programs), then a scratch copy of the
#      repo under $KMOD_OUT/repo: the module sources, tests/, mk/ and the
#      built programs. Our modules are built against the debug kernel there,
#      not in the repo root where `make modules` puts the stock kernel's
#      .ko files, so both tiers can run at the same time without
#      overwriting each other. In the copy every "# kmod-timeout: N" of
#      tests/kmod/t_*.sh is multiplied by KMOD_DEBUG_TIMEOUT_SCALE: the
#      tests declare timeouts for the stock kernel;
#   3. run the copy's tests/kmod/run.sh with the debug kernel, its modules
#      tree and the .ko files (KMOD_KERNEL, KMOD_MODROOT, KMOD_KO,
#      KMOD_BUILD=0), its own work folder and longer timeouts; its TAP lines
#      are prefixed with "[debug <kver>]" so the output says which kernel
#      ran them.
#
# Env (besides those of tests/kmod/run.sh, passed on):
#   KMOD_OUT            work folder (default build/kmod-debug)
#   KMOD_DEBUG_TIMEOUT_SCALE   factor on the tests' own timeouts (default 3;
#                       measured: no test took more than 1/3 of its own
#                       timeout on the debug kernel)
#   KMOD_TIMEOUT        seconds for the whole VM (default: tests/kmod/run.sh's,
#                       the sum of the tests' timeouts; a backstop only: a
#                       hung test ends its VM within its own timeout + the
#                       watchdog's grace, and the rest run in a fresh VM)
#   KMOD_TEST_TIMEOUT   seconds per test without its own (default 360 here,
#                       3 x the stock kernel's 120)
#   KMOD_MEM            guest memory (default 2048 here: KASAN's shadow and
#                       kmemleak's metadata need room)
#   NFIPS_SOAK_*        iteration counts of tests/kmod/t_9x_*.sh (see each
#                       test; default here: the reliability issue's numbers,
#                       NFIPS_SOAK_RMMOD_CYCLES=20 NFIPS_SOAK_RELOADS=100
#                       NFIPS_SOAK_NETNS=20 NFIPS_SOAK_NLFUZZ=3000; smaller
#                       ones make a quicker run for development);
#                       handed to the VM on the kernel command line
#                       (an unknown NAME=VALUE parameter becomes an
#                       environment variable of init, and so of the tests)
#   NFIPS_DKCACHE, KDEBUG_JOBS   see kernel.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
here=tests/kmod-debug

out=${KMOD_OUT:-build/kmod-debug}
mkdir -p "$out" || {
	echo "not ok 1 - kmod-debug: cannot create $out"
	exit 1
}
echo "TAP version 13"
# Two runs would share the scratch copy under $out.
exec 9>"$out/lock"
if ! flock -n 9; then
	echo "# kmod-debug: another run uses $out; waiting for it"
	flock 9
fi

fail() {	# fail TEXT [FILE]: the tier's one failed line, FILE's tail as diagnostics
	echo "not ok 1 - kmod-debug: $1"
	[[ -n ${2:-} && -s $2 ]] && tail -n 40 "$2" | sed 's/^/# /'
	echo "1..1"
	exit 1
}

t0=$SECONDS
# --- 1. the kernel ---------------------------------------------------------------
# kernel.sh prints the folder on stdout and its progress on stderr. The
# progress goes to our stdout through fd 7, as diagnostics: a bare
# `2> >(sed ...)` would inherit the command substitution's stdout, and the
# progress of a cold build would end up in $kdir.
exec 7>&1
kdir=$($here/kernel.sh 2> >(sed -u 's/^/# /' >&7)) || fail "building the debug kernel failed"
exec 7>&-
[[ -f $kdir/kver ]] || fail "kernel.sh named no kernel folder (got '$kdir')"
kver=$(cat "$kdir/kver")
echo "# kmod-debug: kernel $kver from $kdir ($((SECONDS - t0))s)"

# --- 2. programs, a scratch copy of the repo, our modules against the kernel ----------
t1=$SECONDS
make -s all >"$out/make-all.log" 2>&1 ||
	fail "make all failed (log: $out/make-all.log)" "$out/make-all.log"
repo=$out/repo
mkdir -p "$repo/build"
# Sources only; the module objects of the last build stay (--delete spares
# excluded files), so an unchanged tree rebuilds nothing.
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude='*.d' --exclude='/build' --exclude=modules.order \
	--exclude=Module.symvers \
	Kbuild kmod core opmodules include tests mk "$repo/" >"$out/copy.log" 2>&1 ||
	fail "copying the repo to $repo failed" "$out/copy.log"
# What the initramfs takes from build/: programs and shared objects.
(cd build && find . -path ./kmod -prune -o -path './kmod-*' -prune -o \
	-type f \( -perm -u+x -o -name '*.so' \) -print) |
	rsync -a --files-from=- build/ "$repo/build/" >>"$out/copy.log" 2>&1 ||
	fail "copying build/ to $repo failed" "$out/copy.log"
scale=${KMOD_DEBUG_TIMEOUT_SCALE:-3}
for t in "$repo"/tests/kmod/t_*.sh; do
	tt=$(sed -n 's/^# kmod-timeout: *\([0-9]\+\).*/\1/p' "$t" | head -n 1)
	[[ -n $tt ]] && sed -i "s/^# kmod-timeout: *[0-9]\+/# kmod-timeout: $((tt * scale))/" "$t"
done
version=$(sed -n 's/^NFIPS_VERSION *:= *//p' Makefile)
make -C "$kdir/build" M="$(cd "$repo" && pwd)" W=1 NFIPS_VERSION="$version" modules \
	>"$out/make-modules.log" 2>&1 ||
	fail "make modules against the debug kernel failed (log: $out/make-modules.log)" \
		"$out/make-modules.log"
ko=$(sed -e 's/\.o$/.ko/' -e "s|^\([^/]\)|$PWD/$repo/\1|" "$repo/modules.order")
echo "# kmod-debug: built modules and programs in $((SECONDS - t1))s"

# --- 3. the kernel-twin tier on it ------------------------------------------------
export KMOD_KERNEL=$kdir/bzImage KMOD_MODROOT=$kdir/modroot KMOD_KVER=$kver
export KDIR=$kdir/build KMOD_KO=$ko KMOD_BUILD=0 KMOD_OUT=$PWD/$out/vm
export KMOD_TEST_TIMEOUT=${KMOD_TEST_TIMEOUT:-$((120 * scale))}
export KMOD_MEM=${KMOD_MEM:-2048}
# The scratch copy has no bench/: the native-compare test skips on this
# kernel anyway (a measurement path).
export KMOD_DIRS=${KMOD_DIRS:-tests}
# `make install` into the image (t_85_service) runs in the real tree, where
# `make all` just built what it installs: the copy has no Makefile.
export KMOD_INSTALL_FROM=$PWD
# Soak counts: the reliability issue's (also the tests' own defaults on this
# kernel), spelled out so that they reach the VM's command line and the log.
export NFIPS_SOAK_RMMOD_CYCLES=${NFIPS_SOAK_RMMOD_CYCLES:-20}
export NFIPS_SOAK_RELOADS=${NFIPS_SOAK_RELOADS:-100}
export NFIPS_SOAK_NETNS=${NFIPS_SOAK_NETNS:-20}
export NFIPS_SOAK_NLFUZZ=${NFIPS_SOAK_NLFUZZ:-3000}
soak=$(env | grep -E '^NFIPS_SOAK_[A-Z_]+=[0-9]+$' | sort | tr '\n' ' ')
# The guest's CPUs are emulated on a shared host and may be descheduled for
# seconds: RCU stall and soft lockup reports get more room before they fire
# (a real stall still shows, later). kmemleak scans only when asked.
export KMOD_APPEND="${soak}rcupdate.rcu_cpu_stall_timeout=60 watchdog_thresh=30 ${KMOD_APPEND:-}"
# Everything is in: built-in drivers need no preloading, and modprobe of a
# built-in one only reads modules.builtin.
export KMOD_PRELOAD=${KMOD_PRELOAD:-veth}
"$repo/tests/kmod/run.sh" | sed -u -E "s/^((not )?ok [0-9]+ *-? *)/\1[debug $kver] /"
rc=${PIPESTATUS[0]}
echo "# kmod-debug: total $((SECONDS - t0))s"
exit "$rc"
