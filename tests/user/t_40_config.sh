#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The config case (tests/cases/config.sh) against the user twin.
TWIN=user exec "$(dirname "$0")/../cases/config.sh"
