#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 240
# The ac case (tests/cases/ac.sh) against the kernel twin.
TWIN=kernel exec "$(dirname "$0")/../cases/ac.sh"
