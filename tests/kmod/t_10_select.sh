#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 150
# The select case (tests/cases/select.sh) against the kernel twin.
TWIN=kernel exec "$(dirname "$0")/../cases/select.sh"
