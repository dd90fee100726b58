#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 420
# The differential test (tests/diff/diff.sh) against the kernel twin, in the
# VM. Under TCG the VM forwards and runs the chains far slower than the host:
# the corpus goes at 400 pps (about 30 s a pass), so no queue overflows and
# no alert is lost, which the test checks before comparing. The debug
# kernel (KASAN, lockdep: about 20 times slower) gets 3,000 packets at 150
# pps: its tier is for the sanitizers' verdict on these paths; the
# 12,000-packet agreement is the stock kernels' tiers' job.
if [[ $(uname -r) == *nfips-debug* ]]; then
	export NFIPS_DIFF_COUNT=${NFIPS_DIFF_COUNT:-3000} NFIPS_DIFF_PPS=${NFIPS_DIFF_PPS:-150}
fi
NFIPS_DIFF_PPS=${NFIPS_DIFF_PPS:-400} TWIN=kernel exec "$(dirname "$0")/../diff/diff.sh"
