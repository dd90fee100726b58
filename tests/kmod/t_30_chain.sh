#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 180
# The chain case (tests/cases/chain.sh) against the kernel twin.
TWIN=kernel exec "$(dirname "$0")/../cases/chain.sh"
