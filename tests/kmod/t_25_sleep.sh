#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 120
# The sleep case (tests/cases/sleep.sh) against the kernel twin.
TWIN=kernel exec "$(dirname "$0")/../cases/sleep.sh"
