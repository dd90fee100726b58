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

source tests/scripts.sh
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

run_scripts "${NFIPS_TEST_TIMEOUT:-300}" tests/user/${1:-t_*}.sh
echo "# user tier: $passed passed, $failed failed, $skipped skipped"
scripts_exit
