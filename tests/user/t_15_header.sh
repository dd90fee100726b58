#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The header case (tests/cases/header.sh) against the user twin.
TWIN=user exec "$(dirname "$0")/../cases/header.sh"
