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

source tests/scripts.sh
echo "TAP version 13"
run_scripts "${NFIPS_TEST_TIMEOUT:-300}" tests/build/${1:-t_*}.sh
scripts_exit
