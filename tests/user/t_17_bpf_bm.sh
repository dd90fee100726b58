#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bm case (tests/cases/bm.sh) against the BPF twin, natively on the host.
TWIN=bpf exec "$(dirname "$0")/../cases/bm.sh"
