#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packet messages whose attributes fail validation still get their verdict,
# per the fail policy (tests/user/t_62_sendfail.sh, MODE=attrs).
MODE=attrs exec "$(dirname "$0")/t_62_sendfail.sh"
