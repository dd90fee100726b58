#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The evasion case (tests/cases/evasion.sh) against the user twin.
TWIN=user exec "$(dirname "$0")/../cases/evasion.sh"
