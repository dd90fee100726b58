#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a kernel crash ends the VM; the host must report it as a
# failure of this test, with the console's tail.
echo "ok 1 - crashes the kernel next"
echo 1 >/proc/sys/kernel/sysrq
echo c >/proc/sysrq-trigger
sleep 30
