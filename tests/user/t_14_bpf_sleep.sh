#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The sleep case (tests/cases/sleep.sh) against the BPF twin, natively on the host.
TWIN=bpf exec "$(dirname "$0")/../cases/sleep.sh"
