#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kmod tier: tests the kernel twin inside Debian's 6.1 kernel under qemu
# (this machine's own kernel cannot load modules). Builds the modules and the
# user-space programs, fetches the kernel (cached outside the repo), builds
# an initramfs with the tests, boots it, and prints each test's TAP lines as
# they come, renumbered, for tests/run.sh. A crash, a hang or a VM that stops
# without its end marker is a "not ok" line with the console log's tail as
# diagnostics. Exit status: 0 all passed, 1 a failure, 4 all skipped.
#
# Inside the VM (tests/kmod/vm/init) every tests/kmod/t_*.sh runs in sorted
# order with bash from the repo root (/nfips), under a per-test timeout; the
# kernel log is checked for splats after each one. A test may ask for a longer
# timeout with a line "# kmod-timeout: SECONDS".
#
# Env:
#   KMOD_TESTS         tests to run, e.g. "t_00_smoke t_10_select" (default:
#                      every tests/kmod/t_*.sh); a path under tests/kmod
#                      without .sh also works (vm/selftest/panic)
#   KMOD_TEST_TIMEOUT  seconds per test (default 300: stress tests take
#                      up to two minutes on a busy host)
#   KMOD_TIMEOUT       seconds for the whole VM (default: from the tests' timeouts)
#   KMOD_KVER          kernel release (default: mk/kver.sh, Debian's 6.1 ABI)
#   KMOD_KERNEL        kernel image to boot (default: Debian's, fetched and
#                      cached by vm/kernel.sh; its vmlinux, else the bzImage)
#   KMOD_MODROOT       folder with lib/modules/<kver>/ (default: the cache's)
#   KDIR               kernel build folder for `make modules`
#   KMOD_BUILD=0       skip `make modules` and `make all`
#   KMOD_OUT           work folder (default build/kmod; another tier running
#                      at the same time needs its own)
#   KMOD_RETRIES       boots retried when init never reports in (default 1)
#   KMOD_PRELOAD       modules loaded before the first test
#   KMOD_MEM, KMOD_SMP, KMOD_APPEND, KMOD_QEMU_ARGS   see vm/boot.sh
#   KMOD_KO, KMOD_MODULES, KMOD_BINS, KMOD_DIRS       see vm/initramfs.sh
#   NFIPS_KCACHE       kernel cache root (default /var/cache/nfips/kernel)
set -u
cd "$(dirname "$0")/../.." || exit 1
vm=tests/kmod/vm

out=${KMOD_OUT:-build/kmod}
mkdir -p "$out" || {
	echo "not ok 1 - kmod: cannot create $out"
	exit 1
}
n=0 failed=0 passed=0 skipped=0

tap() {	# tap STATUS TEXT
	n=$((n + 1))
	echo "$1 $n - $2"
	case $1 in
	"not ok") failed=$((failed + 1)) ;;
	*) if [[ $2 =~ \#\ *SKIP ]]; then skipped=$((skipped + 1)); else passed=$((passed + 1)); fi ;;
	esac
}

finish() {
	echo "1..$n"
	if [[ $failed -gt 0 ]]; then
		exit 1
	elif [[ $passed -eq 0 && $skipped -gt 0 ]]; then
		exit 4
	fi
	exit 0
}

# fail_with TEXT FILE: a failed step, with the tail of FILE as diagnostics.
fail_with() {
	tap "not ok" "$1"
	# Without the firmware's terminal escapes and carriage returns.
	[[ -s $2 ]] && tail -n "${3:-30}" "$2" |
		sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g' -e 's/^/# /'
	finish
}

skip_all() {
	tap ok "kmod # SKIP $1"
	finish
}

echo "TAP version 13"
# Two runs in one work folder would overwrite each other's image and logs.
exec 9>"$out/lock"
if ! flock -n 9; then
	echo "# kmod: another run uses $out; waiting for it"
	flock 9
fi
t0=$SECONDS

kver=${KMOD_KVER:-}
if [[ -z $kver && -n ${KMOD_MODROOT:-} ]]; then
	# shellcheck disable=SC2012
	kver=$(ls "$KMOD_MODROOT/lib/modules" 2>/dev/null | head -n 1)
fi
[[ -n $kver ]] || kver=$(mk/kver.sh)
[[ -n $kver ]] || skip_all "no Debian 6.1 kernel ABI known (linux-headers-amd64 not in apt's lists)"
echo "# kmod: kernel $kver"

# --- build ---------------------------------------------------------------------
if [[ ${KMOD_BUILD:-1} != 0 ]]; then
	kdir_arg=()
	[[ -n ${KDIR:-} ]] && kdir_arg=("KDIR=$KDIR")
	# The VM's kernel, not the one `make modules` would pick (the running
	# kernel on a machine that has its headers).
	[[ -z ${KDIR:-} ]] && kdir_arg=("KVER=$kver")
	make -s modules "${kdir_arg[@]}" >"$out/make-modules.log" 2>&1 ||
		fail_with "kmod: make modules failed (log: $out/make-modules.log)" "$out/make-modules.log"
	make -s all >"$out/make-all.log" 2>&1 ||
		fail_with "kmod: make all failed (log: $out/make-all.log)" "$out/make-all.log"
	echo "# kmod: built modules and programs in $((SECONDS - t0))s"
fi

# --- kernel ------------------------------------------------------------------
kernel=${KMOD_KERNEL:-}
modroot=${KMOD_MODROOT:-}
if [[ -z $kernel || -z $modroot ]]; then
	if ! kc=$($vm/kernel.sh "$kver" 2>"$out/kernel.log"); then
		sed 's/^/# /' "$out/kernel.log"
		skip_all "cannot fetch Debian's kernel $kver (apt-get download failed)"
	fi
	if [[ -z $kernel ]]; then
		kernel=$kc/vmlinux
		[[ -f $kernel ]] || kernel=$kc/boot/vmlinuz-$kver
	fi
	[[ -n $modroot ]] || modroot=$kc
fi
[[ -f $kernel ]] || fail_with "kmod: kernel image $kernel does not exist" /dev/null
[[ -d $modroot/lib/modules/$kver ]] ||
	fail_with "kmod: no modules tree $modroot/lib/modules/$kver" /dev/null

# --- tests and the VM's settings ---------------------------------------------
tests=${KMOD_TESTS:-}
if [[ -z $tests ]]; then
	for p in tests/kmod/t_*.sh; do
		[[ -f $p ]] && tests+=" $(basename "$p" .sh)"
	done
fi
[[ -n ${tests// /} ]] || skip_all "no tests/kmod/t_*.sh yet"
test_timeout=${KMOD_TEST_TIMEOUT:-300}
# The whole VM's budget: boot, then each test's own timeout and its checks.
budget=90
for t in $tests; do
	t=${t%.sh}
	t=${t#tests/kmod/}
	tt=$(sed -n 's/^# kmod-timeout: *\([0-9]\+\).*/\1/p' "tests/kmod/$t.sh" 2>/dev/null | head -n 1)
	budget=$((budget + ${tt:-$test_timeout} + 15))
done
export KMOD_TIMEOUT=${KMOD_TIMEOUT:-$budget}

# Loaded before the first test, in this order (notes/kernel-vm.md).
preload=${KMOD_PRELOAD:-veth nfnetlink nfnetlink_queue crc32c-intel crc32c_generic
	libcrc32c nf_tables nft_queue x_tables nft_compat xt_NFQUEUE xt_string
	xt_tcpudp ts_bm ts_kmp ip_tables iptable_filter}
conf=$out/nfips-vm.conf
cat >"$conf" <<EOF
# Written by tests/kmod/run.sh for tests/kmod/vm/init.
TESTS="$tests"
TEST_TIMEOUT=$test_timeout
PRELOAD="$preload"
EOF

t1=$SECONDS
KMOD_KVER=$kver KMOD_MODROOT=$modroot KMOD_CONF=$conf \
	$vm/initramfs.sh "$out/initramfs.cpio" >"$out/initramfs.log" 2>&1 ||
	fail_with "kmod: building the initramfs failed (log: $out/initramfs.log)" "$out/initramfs.log"
grep -v '^initramfs.sh: note' "$out/initramfs.log" | sed 's/^/# /'
echo "# kmod: initramfs $(($(stat -c %s "$out/initramfs.cpio") / 1048576)) MiB in $((SECONDS - t1))s"

# --- boot and run --------------------------------------------------------------
# The result stream (ttyS1) is read line by line as the tests run; test lines
# are renumbered into this tier's stream, the rest passed on as diagnostics.
: >"$out/results.log"
attempt=0
while :; do
	attempt=$((attempt + 1))
	t2=$SECONDS
	up=0 ended=0 current=
	: >"$out/console.log"
	while IFS= read -r line; do
		line=${line%$'\r'}
		echo "$line" >>"$out/results.log"
		if [[ $line =~ ^(not\ )?ok\ +[0-9]+\ *-?\ *(.*)$ ]]; then
			tap "${BASH_REMATCH[1]}ok" "${BASH_REMATCH[2]}"
		elif [[ $line == "# nfips-vm: init up"* ]]; then
			up=1
			echo "$line (after $((SECONDS - t2))s)"
		elif [[ $line == "# nfips-vm: running "* ]]; then
			current=${line#\# nfips-vm: running }
			echo "$line"
		elif [[ $line == "# nfips-vm: end of tests"* ]]; then
			ended=1
			echo "$line"
		elif [[ $line == \#* ]]; then
			echo "$line"
		elif [[ -n $line ]]; then
			echo "# $line"
		fi
	done < <($vm/boot.sh "$kernel" "$out/initramfs.cpio" "$out/console.log" 2>"$out/qemu.log"
		echo "__rc=$?" >"$out/boot.rc")
	rc=$(sed -n 's/^__rc=//p' "$out/boot.rc")
	[[ -s $out/qemu.log ]] && sed 's/^/# qemu: /' "$out/qemu.log"
	echo "# kmod: VM ran $((SECONDS - t2))s (qemu exit $rc)"
	[[ $ended -eq 1 ]] && break
	# About one boot in twenty of a KASAN kernel dies silently early
	# (notes/kernel-vm.md): a VM that never reached init is retried.
	if [[ $up -eq 0 && $attempt -le ${KMOD_RETRIES:-1} ]]; then
		echo "# kmod: the VM never reached init; retrying (console log kept as console.log.$attempt)"
		cp "$out/console.log" "$out/console.log.$attempt"
		continue
	fi
	if grep -q 'Kernel panic' "$out/console.log"; then
		why="kernel panic"
	elif [[ $rc -eq 124 || $rc -eq 137 ]]; then
		why="VM timed out after ${KMOD_TIMEOUT}s"
	elif [[ $up -eq 0 ]]; then
		why="VM stopped before init reported in (qemu exit $rc)"
	else
		why="VM stopped without the end marker (qemu exit $rc)"
	fi
	fail_with "${current:-kmod}: $why${current:+ while running it} (console: $out/console.log)" \
		"$out/console.log" 50
done
echo "# kmod: total $((SECONDS - t0))s"
finish
