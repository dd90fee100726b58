#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make compare: the short grid of the reference comparison (under 12 minutes
# on a 2-core machine); see bench/driver.sh and bench/README.md.
exec "$(dirname "$0")/driver.sh" --grid short "$@"
