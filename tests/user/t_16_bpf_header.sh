#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The header case (tests/cases/header.sh) against the BPF twin, natively on the host.
TWIN=bpf exec "$(dirname "$0")/../cases/header.sh"
