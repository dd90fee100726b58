#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a non-zero exit without a "not ok" line is a failure;
# output without a newline at the end still arrives.
echo "ok 1 - passes, then exits 3"
printf 'a last line without newline'
exit 3
