#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kmod tier: tests the kernel twin inside Debian's 6.1 kernel under qemu
# (this machine's own kernel cannot load modules). Builds the modules and the
# user-space programs, fetches the kernel (cached outside the repo), builds
# an initramfs with the tests, boots it, and prints each test's TAP lines as
# they come, renumbered, for tests/run.sh. A crash, a hang or a VM that stops
# without its end marker is a "not ok" line with the console log's tail as
# diagnostics; the tests after it run in a fresh VM (see "boot and run").
# Exit status: 0 all passed, 1 a failure, 4 all skipped.
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
#   KMOD_TEST_TIMEOUT  seconds per test without its own "# kmod-timeout:"
#                      (default 120; every test states its own, about three
#                      times what it took on a loaded 2-core host)
#   KMOD_TIMEOUT       seconds for one VM (default: from its tests' timeouts;
#                      a backstop behind the watchdog below)
#   KMOD_HANG_GRACE    seconds the watchdog allows past a test's timeout, and
#                      between a test's end and the next start (default 90)
#   KMOD_BOOT_TIMEOUT  seconds from starting qemu to init's first line, and
#                      from there to the first test (default 180)
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
test_timeout=${KMOD_TEST_TIMEOUT:-120}
# Each test's own timeout ("# kmod-timeout: N", else the default), by name:
# the host holds the VM to it too (see the watchdog below).
names=() tmos=()
for t in $tests; do
	t=${t%.sh}
	t=${t#tests/kmod/}
	tt=$(sed -n 's/^# kmod-timeout: *\([0-9]\+\).*/\1/p' "tests/kmod/$t.sh" 2>/dev/null | head -n 1)
	names+=("${t##*/}")
	tmos+=("${tt:-$test_timeout}")
done
# vm_budget FIRST: the whole VM's budget for the tests from index FIRST on:
# boot, then each test's own timeout and its checks. A backstop only: the
# watchdog ends a stuck VM long before.
vm_budget() {
	local i b=90
	for ((i = $1; i < ${#names[@]}; i++)); do
		b=$((b + tmos[i] + 15))
	done
	echo "$b"
}

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
# No test can hang the tier. A hang is one of:
#   - a kernel that stops making progress: the kernel command line below makes
#     a soft lockup, a hung task and (init sets it) an RCU stall panic, and
#     the panic print every CPU's backtrace and replay the whole kernel log
#     on the console (panic_print=0x60: with `quiet` the detectors' own
#     backtraces would not reach the console; ignore_loglevel would print
#     everything all the time, and a synchronous serial console under TCG
#     slows the kernel wherever it logs, the bench's measurements too);
#   - a VM that stops talking with no kernel report (init itself starved, a
#     test's cleanup stuck in D state): the host's watchdog gives each test
#     its own timeout plus KMOD_HANG_GRACE seconds from its start line, and
#     init KMOD_HANG_GRACE seconds between a test's end and the next start,
#     then kills qemu.
# Either way the test that was running fails, with the console's story, and
# the tests after it run in a fresh VM (init starts at NFIPS_TESTS_FROM).
hang_grace=${KMOD_HANG_GRACE:-90}
boot_grace=${KMOD_BOOT_TIMEOUT:-180}
hang_append="softlockup_panic=1 softlockup_all_cpu_backtrace=1 hung_task_panic=1"
hang_append+=" unknown_nmi_panic=1 panic_print=0x60"

index_of() {	# index_of NAME FROM: its index in names[] from FROM on, or -1
	local i
	for ((i = $2; i < ${#names[@]}; i++)); do
		[[ ${names[i]} == "$1" ]] && { echo "$i"; return; }
	done
	echo -1
}

# console_story FILE: what a dead VM's console says, from the first report of
# trouble (panic, lockup, stall, BUG), else its tail; escapes stripped.
console_story() {
	local from
	from=$(grep -n -m1 -aE 'soft lockup|rcu_(preempt|sched)? ?(self-)?detected stall|rcu: INFO|blocked for more than|hard LOCKUP|BUG:|Oops|Kernel panic' "$1" | cut -d: -f1)
	if [[ -n $from ]]; then
		sed -n "$((from > 5 ? from - 5 : 1)),$((from + 200))p" "$1"
	else
		tail -n 50 "$1"
	fi | sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g' -e 's/^/# /'
}

# kill_vm: ends qemu (the boot.sh timeout exits with it). First an NMI through
# qemu's QMP socket: with unknown_nmi_panic and panic_print=0x60 on the
# command line the kernel panics with every CPU's backtrace, which is the
# evidence a silent hang otherwise leaves none of; qemu exits on the panic.
kill_vm() {
	local pid i
	read -r pid 2>/dev/null <"$out/qemu.pid" || return 0
	if [[ -S $out/qmp.sock ]] && command -v socat >/dev/null; then
		printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"inject-nmi"}' |
			timeout 5 socat -t 2 - "UNIX-CONNECT:$out/qmp.sock" >/dev/null 2>&1
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || return 0
			sleep 0.1
		done
		echo "# kmod: the VM did not panic on the NMI; killing qemu"
	fi
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

# The result stream (ttyS1) is read line by line as the tests run; test lines
# are renumbered into this tier's stream, the rest passed on as diagnostics.
: >"$out/results.log"
rm -f "$out"/console.log.* "$out"/console.vm*.log
attempt=0 first=0 vms=0
while :; do
	attempt=$((attempt + 1)) vms=$((vms + 1))
	t2=$SECONDS
	up=0 ended=0 current= cur_i=-1 cur_done=0 hung= partial=
	deadline=$((SECONDS + boot_grace))
	: >"$out/console.log"
	rm -f "$out/qemu.pid" "$out/qmp.sock" "$out/boot.rc"
	exec {vmfd}< <(KMOD_TIMEOUT=${KMOD_TIMEOUT:-$(vm_budget "$first")} \
		KMOD_APPEND="$hang_append NFIPS_TESTS_FROM=$first ${KMOD_APPEND:-}" \
		KMOD_QEMU_ARGS="-pidfile $out/qemu.pid -qmp unix:$out/qmp.sock,server=on,wait=off ${KMOD_QEMU_ARGS:-}" \
		$vm/boot.sh "$kernel" "$out/initramfs.cpio" "$out/console.log" 2>"$out/qemu.log"
		echo "__rc=$?" >"$out/boot.rc")
	vmpid=$!
	while :; do
		if IFS= read -r -t 2 -u "$vmfd" chunk; then
			line=$partial$chunk
			partial=
		else
			st=$?
			if [[ $st -gt 128 ]]; then
				# No whole line yet: keep what came, check the watchdog.
				partial+=$chunk
				if [[ -z $hung && $SECONDS -gt $deadline ]]; then
					if [[ -n $current && $cur_done -eq 0 ]]; then
						hung="no progress ${cur_tmo}s (its timeout) + ${hang_grace}s after it started"
					elif [[ -n $current ]]; then
						hung="no progress ${hang_grace}s after it ended (its cleanup or checks)"
					else
						hung="no progress ${boot_grace}s after the VM started"
					fi
					echo "# kmod: watchdog: ${current:-the VM}: $hung; killing the VM"
					kill_vm
				fi
				continue
			fi
			line=$partial$chunk
			partial=
			[[ -z $line ]] && break
		fi
		line=${line%$'\r'}
		echo "$line" >>"$out/results.log"
		if [[ $line =~ ^(not\ )?ok\ +[0-9]+\ *-?\ *(.*)$ ]]; then
			tap "${BASH_REMATCH[1]}ok" "${BASH_REMATCH[2]}"
		elif [[ $line == "# nfips-vm: init up"* ]]; then
			up=1
			deadline=$((SECONDS + boot_grace))
			echo "$line (after $((SECONDS - t2))s)"
		elif [[ $line == "# nfips-vm: running "* ]]; then
			current=${line#\# nfips-vm: running }
			# The next test of that name: a name may stand in the
			# list more than once (a test looped for a soak).
			cur_i=$(index_of "$current" $((cur_i < 0 ? first : cur_i + 1)))
			cur_done=0
			cur_tmo=$test_timeout
			[[ $cur_i -ge 0 ]] && cur_tmo=${tmos[cur_i]}
			deadline=$((SECONDS + cur_tmo + hang_grace))
			echo "$line"
		elif [[ -n $current && $line == "# nfips-vm: $current took "* ]]; then
			cur_done=1
			deadline=$((SECONDS + hang_grace))
			echo "$line"
		elif [[ $line == "# nfips-vm: final checks"* ]]; then
			# kmemleak's scans of a debug kernel's memory: minutes
			# under emulation on a loaded host.
			current="final checks (kmemleak)" cur_done=1
			deadline=$((SECONDS + 4 * hang_grace))
			echo "$line"
		elif [[ $line == "# nfips-vm: end of tests"* ]]; then
			ended=1
			echo "$line"
		elif [[ $line == \#* ]]; then
			echo "$line"
		elif [[ -n $line ]]; then
			echo "# $line"
		fi
	done
	exec {vmfd}<&-
	wait "$vmpid" 2>/dev/null
	rc=$(sed -n 's/^__rc=//p' "$out/boot.rc" 2>/dev/null)
	[[ -s $out/qemu.log ]] && sed 's/^/# qemu: /' "$out/qemu.log"
	echo "# kmod: VM $vms ran $((SECONDS - t2))s (qemu exit ${rc:-?})"
	cp "$out/console.log" "$out/console.vm$vms.log"
	[[ $ended -eq 1 ]] && break
	# About one boot in twenty of a KASAN kernel dies silently early
	# (notes/kernel-vm.md): a VM that never reached init is retried.
	if [[ $up -eq 0 && $attempt -le ${KMOD_RETRIES:-1} ]]; then
		echo "# kmod: the VM never reached init; retrying (console log kept as console.vm$vms.log)"
		continue
	fi
	if [[ -n $hung ]]; then
		why="VM hung: $hung"
	elif grep -qa 'Kernel panic' "$out/console.log"; then
		why="kernel panic"
		grep -qaE 'Kernel panic - not syncing: (softlockup|hung_task|RCU Stall)' "$out/console.log" &&
			why="kernel hang (the kernel's detector panicked it)"
	elif [[ $rc == 124 || $rc == 137 ]]; then
		why="VM timed out after ${KMOD_TIMEOUT:-$(vm_budget "$first")}s"
	elif [[ $up -eq 0 ]]; then
		why="VM stopped before init reported in (qemu exit $rc)"
	else
		why="VM stopped without the end marker (qemu exit $rc)"
	fi
	if [[ -z $current ]]; then
		# Nothing ran in this VM: a fresh one would fare no better.
		tap "not ok" "kmod: $why (console: $out/console.vm$vms.log)"
		console_story "$out/console.log"
		finish
	fi
	tap "not ok" "$current: $why while running it (console: $out/console.vm$vms.log)"
	console_story "$out/console.log"
	first=$((cur_i + 1))
	if [[ $cur_i -lt 0 || $first -ge ${#names[@]} ]]; then
		break
	fi
	echo "# kmod: the tests after $current run in a fresh VM (${names[*]:first})"
	attempt=0
done
echo "# kmod: total $((SECONDS - t0))s"
finish
