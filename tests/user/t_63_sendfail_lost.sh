#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Verdict sends that fail for good (EPERM): lost drops are sent again, never
# covered by a later batch accept (tests/user/t_62_sendfail.sh, MODE=lost).
MODE=lost exec "$(dirname "$0")/t_62_sendfail.sh"
