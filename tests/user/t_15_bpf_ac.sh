#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ac case (tests/cases/ac.sh) against the BPF twin, natively on the host:
# the automaton op_ac compiles, walked by the BPF program.
TWIN=bpf exec "$(dirname "$0")/../cases/ac.sh"
