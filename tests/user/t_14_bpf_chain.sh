#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The chain case (tests/cases/chain.sh) against the BPF twin, natively on the host.
TWIN=bpf exec "$(dirname "$0")/../cases/chain.sh"
