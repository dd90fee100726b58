#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a kernel warning in the log (written, not a real WARN,
# which would panic) must turn into a "not ok" line naming this test.
echo "ok 1 - writes a fake warning to the kernel log"
echo "<4>WARNING: CPU: 0 PID: $$ at nfips-harness-selftest (not a real bug)" >/dev/kmsg
exit 0
