#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The select case (tests/cases/select.sh) against the BPF twin, natively on the host.
TWIN=bpf exec "$(dirname "$0")/../cases/select.sh"
