#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unit tier: runs every unit test program (built with ASan/UBSan by make).
set -u
cd "$(dirname "$0")/../.."
make -s unit-build >&2 || { echo "not ok 1 - unit tests build"; exit 1; }
# No program may hang the tier: each takes seconds; NFIPS_UNIT_TIMEOUT bounds it.
tmo=${NFIPS_UNIT_TIMEOUT:-300}
rc=0
for t in build/unit/test_*; do
	echo "# $(basename "$t")"
	timeout -k 5 "$tmo" "$t"
	r=$?
	if [[ $r -eq 124 || $r -eq 137 ]]; then
		echo "not ok 1 - $(basename "$t"): timed out after ${tmo}s"
		rc=1
	elif [[ $r -ne 0 && $r -ne 4 ]]; then
		rc=1
	fi
done
# The bench's arithmetic (bench/cost.py, bench/trafgen_conf.py) is Python,
# as bench/report.py that uses it: its tests run here too.
for t in tests/unit/test_*.py; do
	[[ -e $t ]] || continue
	echo "# $(basename "$t")"
	python3 "$t" || rc=1
done
exit $rc
