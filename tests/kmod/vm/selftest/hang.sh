#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 3
# Harness self-test: a test that outlives its timeout is killed and reported.
echo "ok 1 - hangs next"
sleep 60
