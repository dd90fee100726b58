#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bm case (tests/cases/bm.sh) against the user twin.
TWIN=user exec "$(dirname "$0")/../cases/bm.sh"
