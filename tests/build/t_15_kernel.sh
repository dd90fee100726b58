#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Which kernel `make modules` builds for: the running one when its headers
# are installed, else Debian's 6.1 (the VM's); KVER= and KDIR= override.
# The running kernel is faked with a `uname` earlier in PATH, so both cases
# are tested whatever this machine runs. mk/kver.sh names each supported
# series' current ABI.
set -u
cd "$(dirname "$0")/../.." || exit 1

tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
expect() {	# expect NAME WANT GOT
	if [[ $2 == "$3" ]]; then ok "$1: $3"; else nok "$1: expected '$2', got '$3'"; fi
}

echo "TAP version 13"
k61=$(mk/kver.sh 6.1)
k612=$(mk/kver.sh 6.12)
[[ $k61 =~ ^6\.1\.[0-9]+-[0-9]+-amd64$ ]] && ok "mk/kver.sh 6.1: $k61" ||
	nok "mk/kver.sh 6.1 gave '$k61'"
[[ $k612 =~ ^6\.12\.[0-9]+\+deb12-amd64$ ]] && ok "mk/kver.sh 6.12: $k612" ||
	nok "mk/kver.sh 6.12 gave '$k612'"

fake_uname() {	# fake_uname RELEASE: a uname whose -r says RELEASE
	mkdir -p "$tmp/bin"
	printf '#!/bin/sh\n[ "$1" = -r ] && { echo %s; exit 0; }\nexec /bin/uname "$@"\n' "$1" >"$tmp/bin/uname"
	chmod +x "$tmp/bin/uname"
}
info() { PATH="$tmp/bin:$PATH" make -s kernel-info "$@" 2>&1; }

if [[ -d /lib/modules/$k612/build ]]; then
	fake_uname "$k612"
	expect "running $k612 with its headers installed: make modules builds for it" \
		"KVER=$k612 KDIR=/lib/modules/$k612/build" "$(info)"
else
	ok "running kernel with headers # SKIP no 6.12 headers installed"
fi
fake_uname 9.9.9-nfips-no-headers
expect "running a kernel without headers: make modules builds for Debian's 6.1" \
	"KVER=$k61 KDIR=/lib/modules/$k61/build" "$(info)"
expect "KVER= overrides" "KVER=$k612 KDIR=/lib/modules/$k612/build" "$(info KVER="$k612")"
expect "KDIR= overrides" "KVER=$k61 KDIR=/opt/linux" "$(info KDIR=/opt/linux)"

echo "1..$n"
[[ $fails -eq 0 ]]
