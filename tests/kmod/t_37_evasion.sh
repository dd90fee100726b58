#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 300
# The evasion case (tests/cases/evasion.sh) against the kernel twin.
TWIN=kernel exec "$(dirname "$0")/../cases/evasion.sh"
