#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kmod tier again, on Debian 12's 6.12 LTS kernel (the second supported
# kernel; tests/kmod is the 6.1 one). Same tests, same harness: only the
# kernel release and the work folder differ, so tests/run.sh names its lines
# "kmod-6.12: ..." next to the 6.1 tier's "kmod: ...". The modules are built
# against linux-headers-<6.12 ABI> (mk/deps.sh installs them) and the image is
# fetched like the 6.1 one (tests/kmod/vm/kernel.sh).
#
# Env: everything tests/kmod/run.sh reads; KMOD_KVER and KMOD_OUT default to
# the 6.12 ABI (mk/kver.sh 6.12) and build/kmod-6.12.
set -u
cd "$(dirname "$0")/../.." || exit 1

kver=${KMOD_KVER:-$(mk/kver.sh 6.12)}
if [[ -z $kver ]]; then
	echo "TAP version 13"
	echo "ok 1 - kmod-6.12 # SKIP no Debian 6.12 kernel ABI known (linux-headers-6.12-amd64 not in apt's lists)"
	echo "1..1"
	exit 4
fi
KMOD_KVER=$kver KMOD_OUT=${KMOD_OUT:-build/kmod-6.12} exec tests/kmod/run.sh
