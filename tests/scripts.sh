# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The loop of the tiers made of test scripts (tests/build, tests/user): runs
# each script under a timeout and passes its TAP lines on, numbered in one
# stream, with the script's name in front. A script that exits 4 without
# test lines is one skip; one that fails (or times out) without a "not ok"
# line of its own is one failure, and so is one that exits 0 without any
# test line (it checked nothing; it must not vanish from the count).
# Sourced; sets n, passed, failed, skipped.
#
# Usage: run_scripts TIMEOUT SCRIPT...

n=0 failed=0 passed=0 skipped=0

emit() {	# emit STATUS NAME
	n=$((n + 1))
	echo "$1 $n - $2"
}

run_scripts() {
	local timeout_s=$1 t name p f s rc skip_reason line rest
	shift
	for t in "$@"; do
		[[ -f $t ]] || continue
		name=$(basename "$t" .sh)
		p=0 f=0 s=0 rc=1 skip_reason=
		while IFS= read -r line; do
			if [[ $line == __rc=* ]]; then
				rc=${line#__rc=}
			elif [[ $line =~ ^(not\ )?ok\ [0-9]+\ *-?\ *(.*)$ ]]; then
				rest=${BASH_REMATCH[2]}
				if [[ -n ${BASH_REMATCH[1]} ]]; then
					emit "not ok" "$name: $rest"; f=$((f + 1))
				else
					emit ok "$name: $rest"
					if [[ $rest =~ \#\ *SKIP ]]; then s=$((s + 1)); else p=$((p + 1)); fi
				fi
			elif [[ $line =~ ^1\.\.0\ *#\ *SKIP\ *(.*)$ ]]; then
				skip_reason=${BASH_REMATCH[1]}
			elif [[ $line =~ ^(TAP\ version|1\.\.) ]]; then
				:
			elif [[ $line == \#* ]]; then
				echo "$line"
			else
				echo "# $line"
			fi
		done < <(timeout -k 10 "$timeout_s" bash "$t" 2>&1; echo "__rc=$?")
		if [[ $rc -eq 4 && $p -eq 0 && $f -eq 0 ]]; then
			emit ok "$name # SKIP ${skip_reason:-skipped}"
			s=$((s + 1))
		elif [[ $rc -ne 0 && $rc -ne 4 && $f -eq 0 ]]; then
			if [[ $rc -eq 124 ]]; then
				emit "not ok" "$name: timed out after ${timeout_s}s"
			else
				emit "not ok" "$name: exited with status $rc"
			fi
			f=$((f + 1))
		elif [[ $rc -eq 0 && $p -eq 0 && $f -eq 0 && $s -eq 0 ]]; then
			emit "not ok" "$name: exited 0 without a test line"
			f=$((f + 1))
		fi
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	done
}

# scripts_exit: the tier's plan and exit status (0, 1 on a failure, 4 when
# everything was skipped).
scripts_exit() {
	echo "1..$n"
	[[ $failed -gt 0 ]] && exit 1
	[[ $passed -eq 0 && $skipped -gt 0 ]] && exit 4
	exit 0
}
