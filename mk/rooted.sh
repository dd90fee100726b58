#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs a command where `ip netns exec` works. ip netns exec makes "/" a slave
# mount ("mount --make-rslave /"), which fails with EINVAL when "/" is not a
# mount point: inside a chroot, such as a pristine build root (see
# ../shared/tools/fresh-machine.sh) or a schroot. There the command runs in a
# mount namespace of its own, chrooted into a recursive bind of "/" (a mount
# point), so the namespace tests and the bench work as on a whole machine.
# Elsewhere it just runs the command.
#
# Usage: mk/rooted.sh COMMAND [ARG...]
set -u
if mountpoint -q / 2>/dev/null || [[ $(id -u) -ne 0 ]] || [[ -n ${NFIPS_ROOTED:-} ]]; then
	exec "$@"
fi
if ! mountpoint -q /run 2>/dev/null; then
	echo "rooted.sh: / is not a mount point and /run is none either; ip netns exec will fail" >&2
	exec "$@"
fi
# --propagation unchanged: changing "/" is what fails here. /run is made
# private first so that nothing mounted below it shows outside.
exec unshare -m --propagation unchanged bash -c '
	set -e
	mount --make-rprivate /run
	mkdir -p /run/nfips-root
	mount --rbind / /run/nfips-root
	mount --make-rslave /run/nfips-root
	cwd=$PWD
	exec chroot /run/nfips-root /usr/bin/env NFIPS_ROOTED=1 bash -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
' rooted "$@"
