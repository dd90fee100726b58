#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The evasion case (tests/cases/evasion.sh) against the BPF twin, natively on the host.
TWIN=bpf exec "$(dirname "$0")/../cases/evasion.sh"
