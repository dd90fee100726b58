#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ac case (tests/cases/ac.sh) against the user twin.
TWIN=user exec "$(dirname "$0")/../cases/ac.sh"
