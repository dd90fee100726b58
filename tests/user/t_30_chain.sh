#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The chain case (tests/cases/chain.sh) against the user twin.
TWIN=user exec "$(dirname "$0")/../cases/chain.sh"
