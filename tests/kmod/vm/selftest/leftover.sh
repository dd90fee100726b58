#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: processes, namespaces and modules a test leaves behind
# are cleaned up (and said so) before the next test.
sleep 600 &
ip netns add nfips-selftest-left
modprobe nfips
echo "ok 1 - leaves a process, a netns and nfips.ko behind"
exit 0
