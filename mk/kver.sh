#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Kernel releases the project builds for. Usage: mk/kver.sh [6.1 | 6.12 | build]
#
#   6.1 (default)  Debian 12's 6.1 LTS ABI: the one linux-headers-amd64
#                  depends on (follows security bumps), else the newest 6.1
#                  headers installed. The kmod tier's VM boots this one.
#   6.12           Debian 12's 6.12 LTS ABI (linux-headers-6.12-amd64 from the
#                  security suite), else the newest 6.12 headers installed.
#   build          what `make modules` builds for: the running kernel when its
#                  headers are installed (a user's own machine), else 6.1.
#
# Adding a kernel series: a case below naming its metapackage, the package
# in mk/deps.sh, a tests/kmod-<series>/ tier like tests/kmod-6.12/.
series=${1:-6.1}
case $series in
build)
	k=$(uname -r)
	if [ -d "/lib/modules/$k/build" ]; then
		echo "$k"
		exit 0
	fi
	exec "$0" 6.1
	;;
6.1)	meta=linux-headers-amd64 ;;
6.12)	meta=linux-headers-6.12-amd64 ;;
*)
	echo "kver.sh: unknown kernel series '$series' (6.1, 6.12 or build)" >&2
	exit 2
	;;
esac
k=$(apt-cache show "$meta" 2>/dev/null |
	sed -n 's/^Depends: linux-headers-\([^ ]*\) .*/\1/p' | sort -V | tail -n1)
# The metapackage may follow another series one day: only take its ABI when
# it is still of the series asked for.
case $k in
"$series".*) ;;
*) k= ;;
esac
if [ -z "$k" ]; then
	k=$(ls -d /lib/modules/"$series".*/build 2>/dev/null | sort -V | tail -n1 |
		cut -d/ -f4)
fi
echo "$k"
