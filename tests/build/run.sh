#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The build tier (host, about a minute): what a user meets before any packet
# flows. Runs every tests/build/t_*.sh in sorted order under a timeout
# (NFIPS_TEST_TIMEOUT, default 300 s) and passes their TAP lines on with the
# script's name in front:
#   t_10_parse_order  no package is read while make parses before mk/deps.sh ran
#   t_15_kernel       the kernel make modules builds for (running / 6.1 / KVER= / KDIR=)
#   t_20_install      make install DESTDIR=... installs every expected file
#   t_30_dkms         the module sources registered with DKMS build for 6.1 and 6.12
# A script that exits 4 without test lines is one skip; one that fails
# without a "not ok" line of its own is one failure.
#
# Usage: tests/build/run.sh [PATTERN]   (PATTERN selects scripts: t_2*)
set -u
cd "$(dirname "$0")/../.." || exit 1

timeout_s=${NFIPS_TEST_TIMEOUT:-300}
n=0 failed=0 passed=0 skipped=0

emit() {	# emit STATUS NAME
	n=$((n + 1))
	echo "$1 $n - $2"
}

echo "TAP version 13"
for t in tests/build/${1:-t_*}.sh; do
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
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

echo "1..$n"
[[ $failed -gt 0 ]] && exit 1
[[ $passed -eq 0 && $skipped -gt 0 ]] && exit 4
exit 0
