#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks that the kmod harness reports what it must: a kernel warning in the
# log, a kernel panic, a test timeout, a VM timeout, a bad exit status, an
# exit 0 without a test line, a skip, and that what a test leaves behind is
# cleaned up before the next one; and that no test can hang the tier: a test that freezes the VM for good, or
# crashes its kernel, fails within a bounded time and the tests after it run
# in a fresh VM. Boots the VM six times (about two minutes). Prints TAP;
# exit 0 when the harness behaves.
#
# Usage: tests/kmod/vm/selftest.sh   (after make modules && make)
set -u
cd "$(dirname "$0")/../../.." || exit 1

n=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

expect() {	# expect NAME EGREP: one line of the last run's output matches
	n=$((n + 1))
	if grep -qE -- "$2" "$log"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1 (no line matching: $2)"
		failed=$((failed + 1))
	fi
}

run() {	# run EXPECTED_STATUS: tests/kmod/run.sh, output in $log
	local want=$1 rc
	shift
	env KMOD_BUILD=0 "$@" tests/kmod/run.sh >"$log" 2>&1
	rc=$?
	n=$((n + 1))
	if [[ $rc -eq $want ]]; then
		echo "ok $n - run.sh ($*) exits $want"
	else
		echo "not ok $n - run.sh ($*) exits $rc, not $want"
		sed 's/^/# /' "$log"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
run 1 KMOD_TESTS="vm/selftest/warn vm/selftest/hang vm/selftest/leftover vm/selftest/skip vm/selftest/status vm/selftest/silent t_00_smoke vm/selftest/pin"
expect "a warning in the kernel log fails the test that caused it" '^not ok [0-9]+ - warn: kernel splat: WARNING: CPU'
expect "a test over its own timeout is killed and fails" '^not ok [0-9]+ - hang: timed out after 3s'
expect "left processes are killed and named" '^# nfips-vm: leftover left processes running, killed: [0-9]+\(sleep\)'
expect "left namespaces are deleted" '^# nfips-vm: leftover left network namespaces: nfips-selftest-left'
expect "left modules are unloaded" '^# nfips-vm: leftover left modules loaded: nfips'
expect "exit 4 without test lines is a skip" '^ok [0-9]+ - skip # SKIP'
expect "a bad exit status without not ok fails" '^not ok [0-9]+ - status: exited with status 3'
expect "a last line without a newline arrives" '^# a last line without newline'
expect "exit 0 without a test line fails" '^not ok [0-9]+ - silent: exited 0 without a test line'
expect "the smoke test passes after all that" '^ok [0-9]+ - t_00_smoke: cycle 2: unloaded'
n=$((n + 1))
if grep -qE '^not ok [0-9]+ - t_00_smoke' "$log"; then
	echo "not ok $n - the smoke test failed after the other cases"
	failed=$((failed + 1))
else
	echo "ok $n - no smoke test failure after the other cases"
fi
expect "the run is numbered and planned" '^1\.\.[0-9]+$'
expect "the static-key pin survives every test's cleanup" '^ok [0-9]+ - pin: the static-key pin is in place'

run 1 KMOD_TESTS="vm/selftest/panic vm/selftest/skip"
expect "a kernel panic fails the running test" '^not ok [0-9]+ - panic: kernel panic while running it'
expect "the console tail shows the panic" '^# .*Kernel panic - not syncing'
expect "after a panic the next test runs in a fresh VM" '^# nfips-vm: a fresh VM, from test 2 of 2'
expect "... and reports" '^ok [0-9]+ - skip # SKIP'

# A VM that cannot recover by itself (init starved for good, no kernel
# report): the host's watchdog, at the test's timeout (5 s) + the grace.
start=$SECONDS
run 1 KMOD_TESTS="vm/selftest/freeze vm/selftest/skip" KMOD_HANG_GRACE=10 KMOD_BINS=chrt
took=$((SECONDS - start))
expect "a frozen VM fails the test that froze it" '^not ok [0-9]+ - freeze: VM hung: no progress 5s \(its timeout\) \+ 10s after it started while running it'
expect "the watchdog says what it does" '^# kmod: watchdog: freeze: .*killing the VM'
expect "the host's NMI makes the frozen kernel show every CPU" '^# .*NMI backtrace for cpu 1'
expect "after a frozen VM the next test runs in a fresh VM" '^# nfips-vm: a fresh VM, from test 2 of 2'
expect "... and reports" '^ok [0-9]+ - skip # SKIP'
n=$((n + 1))
# Two boots (about 10-20 s each under emulation), the 15 s watchdog, slack
# for a loaded host; what matters is that it is not the VM's whole budget.
if [[ $took -lt 240 ]]; then
	echo "ok $n - the frozen VM cost bounded time (${took}s for the whole run)"
else
	echo "not ok $n - the frozen VM cost ${took}s"
	failed=$((failed + 1))
fi

run 1 KMOD_TESTS=vm/selftest/hang KMOD_TIMEOUT=2 KMOD_RETRIES=0
expect "a VM over its time budget fails" '^not ok [0-9]+ - kmod: VM timed out after 2s'

echo "1..$n"
[[ $failed -eq 0 ]]
