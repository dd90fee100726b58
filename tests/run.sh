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
