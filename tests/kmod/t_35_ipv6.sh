#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 150
# The ipv6 case (tests/cases/ipv6.sh) against the kernel twin.
TWIN=kernel exec "$(dirname "$0")/../cases/ipv6.sh"
