#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The differential test (tests/diff/diff.sh) against the BPF twin, natively on
# the host: about 12,000 corpus packets at 1,000 pps, twice (plain forwarding,
# then the BPF twin).
TWIN=bpf exec "$(dirname "$0")/../diff/diff.sh"
