#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a test that exits 0 without a test line checked nothing;
# it must be a failure, not a pass.
echo "# checking nothing"
exit 0
