#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 5
# Harness self-test: a test that hangs the VM so that the VM cannot recover by
# itself. Init (and with it the test's own timeout, and the result stream)
# is starved for good on CPU1 by a SCHED_FIFO busy loop with RT throttling
# off, in a session of its own so that neither the test's timeout nor init's
# cleanup kills it (not that init gets to run); CPU0 keeps running, so the
# kernel sees no soft lockup, RCU stall or hung task - only the host's
# watchdog can notice.
# The host must kill the VM, fail this test and run the next ones in a fresh
# VM. Needs chrt in the image (KMOD_BINS=chrt).
echo "ok 1 - freezes init next"
command -v chrt >/dev/null || { echo "not ok 2 - chrt is missing (KMOD_BINS=chrt)"; exit 1; }
echo -1 >/proc/sys/kernel/sched_rt_runtime_us
taskset -p -c 1 1 >/dev/null
taskset -p -c 1 $$ >/dev/null
setsid chrt -f 99 bash -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
sleep 600
