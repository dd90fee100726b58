#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kmod-harness tier: the kernel-twin VM harness checks itself before the
# kmod tiers rely on it (tests/kmod/vm/selftest.sh): a kernel warning, a
# panic, a test timeout, a VM timeout, leftovers, and above all that no test
# can hang a tier - a VM frozen for good or a crashed kernel fails the test
# that did it within a bounded time, and the rest run in a fresh VM. About two
# minutes on Debian's stock kernel. Exit 0 when the harness behaves.
set -u
cd "$(dirname "$0")/../.." || exit 1
mkdir -p build/kmod-harness
echo "TAP version 13"
# The modules for the VM's kernel (Debian's 6.1), not for the running one.
if ! { make -s all && make -s modules KVER="$(mk/kver.sh 6.1)"; } >build/kmod-harness/make.log 2>&1; then
	echo "not ok 1 - kmod-harness: make all modules failed (build/kmod-harness/make.log)"
	tail -n 30 build/kmod-harness/make.log | sed 's/^/# /'
	exit 1
fi
# Its own work folder: the kmod tier's is build/kmod.
KMOD_OUT=build/kmod-harness/vm exec tests/kmod/vm/selftest.sh
