#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs test tiers (tests/<tier>/run.sh) and prints one TAP 13 stream with a
# final "N passed, N failed, N skipped" line. Each tier script prints TAP
# test lines ("ok N - name", "not ok N - name", "ok N - name # SKIP why") on
# stdout and exits 0 (all passed), 4 (whole tier skipped) or non-zero.
# A tier that is not built yet, or that exits non-zero without reporting a
# failure, is counted visibly: a skip or a failure, never a pass; a tier that
# exits 0 without a test line is a failure.
#
# With CI=true (.ci/run sets it) a tier that passed nothing (skipped whole,
# or not built) fails the run: in CI a skip must not hide a tier that never
# ran, such as the kmod tiers when the kernel cannot be fetched.
#
# Usage: tests/run.sh TIER...
set -u
cd "$(dirname "$0")/.."
mkdir -p build/tests

passed=0 failed=0 skipped=0 n=0
echo "TAP version 13"

# A cold debug kernel takes about 10 minutes of both CPUs to build, and the
# kmod-debug tier runs last. With more than 2 CPUs, when kmod-debug is asked
# for after other tiers, its build starts now, in the background at
# SCHED_IDLE (and the idle I/O class), on the CPUs the earlier tiers leave
# free (the kernel tiers' VMs have 2 vCPUs); the kmod-debug tier's own
# kernel.sh waits on the cache's lock for it and then finds the kernel built
# (or builds it itself if this one failed: its log is
# build/tests/kmod-debug-prebuild.log). Not on 2 CPUs: measured here, the
# build at SCHED_IDLE still slowed the 6.1 tier from 391 to 670-702 s (its
# VMs use both CPUs, and caches and memory bandwidth are shared) and was not
# done 25 minutes in: no gain. NFIPS_PREBUILD=1 forces it, =0 turns it off.
prebuild=
prebuild_on=0
(($(nproc) > 2)) && prebuild_on=1
if [[ ${NFIPS_PREBUILD:-$prebuild_on} != 0 && $# -gt 1 && " ${*:2} " == *" kmod-debug "* ]] &&
	key=$(tests/kmod-debug/kernel.sh --key 2>/dev/null) && [[ ! -f $key/.complete ]]; then
	# Its own session, so that an interrupted run stops the whole build
	# (make and its compilers hold the cache's lock too).
	setsid chrt --idle 0 ionice -c 3 tests/kmod-debug/kernel.sh \
		>build/tests/kmod-debug-prebuild.log 2>&1 </dev/null &
	prebuild=$!
	trap 'kill -- -$prebuild 2>/dev/null' EXIT
	echo "# the debug kernel is not cached: building it in the background (SCHED_IDLE) while the other tiers run"
fi

report() {	# report STATUS NAME [DIRECTIVE]
	n=$((n + 1))
	echo "$1 $n - $2${3:+ # $3}"
}

for tier in "$@"; do
	script=tests/$tier/run.sh
	log=build/tests/$tier.tap
	echo "# tier: $tier"
	if [[ ! -x $script ]]; then
		if [[ ${CI:-} == true ]]; then
			report "not ok" "$tier: no $script (CI=true: a tier that does not run fails)"
			failed=$((failed + 1))
		else
			report ok "$tier" "SKIP tier not built yet"
			skipped=$((skipped + 1))
		fi
		continue
	fi
	start=$SECONDS
	p=0 f=0 s=0
	# Renumber the tier's test lines into this stream; pass the rest on
	# as diagnostics.
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ [0-9]+\ *-?\ *(.*)$ ]]; then
			rest=${BASH_REMATCH[2]}
			if [[ -n ${BASH_REMATCH[1]} ]]; then
				report "not ok" "$tier: $rest"; f=$((f + 1))
			elif [[ $rest =~ \#\ *SKIP ]]; then
				report ok "$tier: $rest"; s=$((s + 1))
			else
				report ok "$tier: $rest"; p=$((p + 1))
			fi
		elif [[ $line =~ ^(TAP\ version|1\.\.) ]]; then
			:
		elif [[ $line == \#* ]]; then
			echo "$line"
		else
			echo "# $line"
		fi
	done < <("$script" 2>&1 | tee "$log"; echo "__rc=${PIPESTATUS[0]}" >"$log.rc")
	rc=$(sed -n 's/^__rc=//p' "$log.rc")
	echo "# tier $tier: $p passed, $f failed, $s skipped in $((SECONDS - start))s (rc=$rc)"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [[ $rc -eq 4 && $p -eq 0 && $f -eq 0 && ${CI:-} == true ]]; then
		report "not ok" "$tier: skipped whole (CI=true: a tier that does not run fails): $(grep -m1 -oE 'SKIP.*' "$log" | cut -c6- || true)"
		failed=$((failed + 1))
	elif [[ $rc -eq 4 && $p -eq 0 && $f -eq 0 ]]; then
		report ok "$tier" "SKIP $(grep -m1 -oE 'SKIP.*' "$log" | cut -c6- || true)"
		skipped=$((skipped + 1))
	elif [[ $rc -eq 0 && $p -eq 0 && $f -eq 0 && $s -eq 0 ]]; then
		report "not ok" "$tier exited 0 without a test line"
		failed=$((failed + 1))
	elif [[ $rc -eq 0 && $p -eq 0 && $f -eq 0 && ${CI:-} == true ]]; then
		report "not ok" "$tier: every test skipped (CI=true: a tier that does not run fails)"
		failed=$((failed + 1))
	elif [[ $rc -ne 0 && $rc -ne 4 && $f -eq 0 ]]; then
		report "not ok" "$tier exited with status $rc"
		failed=$((failed + 1))
	fi
done

echo "1..$n"
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
