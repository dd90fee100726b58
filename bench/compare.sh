#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make compare: the short grid of the reference comparison (about 18 minutes
# on a 2-core machine, bench/README.md "Time"); see bench/driver.sh.
exec "$(dirname "$0")/driver.sh" --grid short "$@"
