#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 200
# The bm case (tests/cases/bm.sh) against the kernel twin.
TWIN=kernel exec "$(dirname "$0")/../cases/bm.sh"
