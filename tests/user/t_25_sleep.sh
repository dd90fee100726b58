#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The sleep case (tests/cases/sleep.sh) against the user twin.
TWIN=user exec "$(dirname "$0")/../cases/sleep.sh"
