#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The select case (tests/cases/select.sh) against the user twin.
TWIN=user exec "$(dirname "$0")/../cases/select.sh"
