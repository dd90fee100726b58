#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the full experiment grids (0-200 signatures and patterns in
# steps, 1-10 sleep modules, denser load sweeps); see bench/driver.sh.
exec "$(dirname "$0")/driver.sh" --grid full "$@"
