#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 420
# The differential test (tests/diff/diff.sh) against the kernel twin, in the
# VM. Under TCG the VM forwards and runs the chains far slower than the host:
# the corpus goes at 400 pps (about 30 s a pass), so no queue overflows and
# no alert is lost, which the test checks before comparing. The debug
# kernel (KASAN, lockdep: about 20 times slower) gets 3,000 packets at 150
# pps: its tier is for the sanitizers' verdict on these paths. The
# 12,000-packet agreement is the 6.1 tier's job (Debian 12's default
# kernel); the 6.12 tier sends the corpus's first 3,000 packets, every
# category of it (a packet's category is its id mod 12), to keep a cold
# make test near its hour (README).
if [[ $(uname -r) == *nfips-debug* ]]; then
	export NFIPS_DIFF_COUNT=${NFIPS_DIFF_COUNT:-3000} NFIPS_DIFF_PPS=${NFIPS_DIFF_PPS:-150}
elif [[ $(uname -r) == 6.12.* ]]; then
	export NFIPS_DIFF_COUNT=${NFIPS_DIFF_COUNT:-3000}
fi
NFIPS_DIFF_PPS=${NFIPS_DIFF_PPS:-400} TWIN=kernel exec "$(dirname "$0")/../diff/diff.sh"
