#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The user tier: nfipsd on real NFQUEUE in network namespaces on the host.
# Builds what it needs, runs every tests/user/t_*.sh in sorted order, each
# under a timeout (NFIPS_TEST_TIMEOUT seconds, default 300), and passes
# their TAP lines on with the script's name in front. A script that exits
# 4 without test lines is one skip; one that fails (or times out) without
# a "not ok" line of its own is one failure. Exits 0 when nothing failed,
# 4 when everything was skipped, 1 otherwise.
#
# Usage: tests/user/run.sh [PATTERN]   (PATTERN selects scripts: t_5*)
set -u
cd "$(dirname "$0")/../.."

timeout_s=${NFIPS_TEST_TIMEOUT:-300}
n=0 failed=0 passed=0 skipped=0

echo "TAP version 13"
if [[ $(id -u) -ne 0 ]]; then
	echo "1..0 # SKIP the user tier needs root (network namespaces, NFQUEUE)"
	exit 4
fi
if ! make -s all >build.log.user 2>&1; then
	echo "not ok 1 - user: make all"
	sed 's/^/# /' build.log.user | tail -n 30
	rm -f build.log.user
	echo "1..1"
	exit 1
fi
rm -f build.log.user

emit() {	# emit STATUS NAME
	n=$((n + 1))
	echo "$1 $n - $2"
}

for t in tests/user/${1:-t_*}.sh; do
	[[ -f $t ]] || continue
	name=$(basename "$t" .sh)
	echo "# $name"
	p=0 f=0 s=0 rc=1
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
		[[ $rc -eq 124 ]] && emit "not ok" "$name: timed out after ${timeout_s}s" ||
			emit "not ok" "$name: exited with status $rc"
		f=$((f + 1))
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	skip_reason=""
done

echo "1..$n"
echo "# user tier: $passed passed, $failed failed, $skipped skipped"
[[ $failed -gt 0 ]] && exit 1
[[ $passed -eq 0 && $skipped -gt 0 ]] && exit 4
exit 0
