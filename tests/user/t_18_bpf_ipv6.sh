#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ipv6 case (tests/cases/ipv6.sh) against the BPF twin, natively on the host.
TWIN=bpf exec "$(dirname "$0")/../cases/ipv6.sh"
