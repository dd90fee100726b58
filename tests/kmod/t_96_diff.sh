#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 420
# The differential test (tests/diff/diff.sh) against the kernel twin, in the
# VM. Under TCG the VM forwards and runs the chains far slower than the host:
# the corpus goes at NFIPS_DIFF_PPS (default here 400) so no queue
# overflows and no alert is lost, which the test checks before comparing.
NFIPS_DIFF_PPS=${NFIPS_DIFF_PPS:-400} TWIN=kernel exec "$(dirname "$0")/../diff/diff.sh"
