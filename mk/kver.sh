#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Debian 6.1 kernel ABI the project builds and tests against: the one
# linux-headers-amd64 depends on (follows security bumps), else the newest
# 6.1 headers installed.
k=$(apt-cache show linux-headers-amd64 2>/dev/null |
	sed -n 's/^Depends: linux-headers-\([^ ]*\) .*/\1/p' | sort -V | tail -n1)
if [ -z "$k" ]; then
	k=$(ls -d /lib/modules/6.1.*/build 2>/dev/null | sort -V | tail -n1 |
		cut -d/ -f4)
fi
echo "$k"
