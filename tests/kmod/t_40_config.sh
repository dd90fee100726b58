#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 150
# The config case (tests/cases/config.sh) against the kernel twin.
TWIN=kernel exec "$(dirname "$0")/../cases/config.sh"
