#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 120
# The header case (tests/cases/header.sh) against the kernel twin.
TWIN=kernel exec "$(dirname "$0")/../cases/header.sh"
