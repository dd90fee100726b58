#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The config case (tests/cases/config.sh) against the BPF twin, natively on the host.
TWIN=bpf exec "$(dirname "$0")/../cases/config.sh"
