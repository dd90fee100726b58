#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel twin through DKMS: `make dkms` copies the module sources and
# registers them, and `dkms build` of that registration succeeds against each
# supported kernel's headers (Debian 12's 6.1 and 6.12 LTS, mk/kver.sh),
# whatever kernel this machine runs. Every module of dkms.conf is built, for
# the kernel asked (vermagic). Private source and DKMS trees
# (--sourcetree/--dkmstree) keep the host's /usr/src and /var/lib/dkms as
# they were.
set -u
cd "$(dirname "$0")/../.." || exit 1

echo "TAP version 13"
command -v dkms >/dev/null || { echo "1..0 # SKIP dkms not installed (make deps)"; exit 4; }
[[ $(id -u) -eq 0 ]] || { echo "1..0 # SKIP dkms needs root"; exit 4; }
tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }

ver=$(sed -n 's/^NFIPS_VERSION := //p' Makefile)
mkdir -p "$tmp/src" "$tmp/dkms"
flags=(--sourcetree "$tmp/src" --dkmstree "$tmp/dkms")
if make -s dkms DKMS_SRCTREE="$tmp/src" DKMS_FLAGS="${flags[*]}" >"$tmp/add.log" 2>&1 &&
	[[ -f $tmp/src/nfips-$ver/dkms.conf && -L $tmp/dkms/nfips/$ver/source ]]; then
	ok "make dkms: sources in nfips-$ver/, registered as nfips/$ver"
else
	nok "make dkms failed"
	sed 's/^/# /' "$tmp/add.log" | tail -n 20
	echo "1..$n"
	exit 1
fi
mods=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1/p' "$tmp/src/nfips-$ver/dkms.conf")

for series in 6.1 6.12; do
	kver=$(mk/kver.sh "$series")
	if [[ -z $kver || ! -d /lib/modules/$kver/build ]]; then
		ok "dkms build for $series # SKIP no $series headers installed (make deps)"
		continue
	fi
	t0=$SECONDS
	if ! dkms build "${flags[@]}" "nfips/$ver" -k "$kver" >"$tmp/build-$series.log" 2>&1; then
		nok "dkms build nfips/$ver -k $kver"
		sed 's/^/# /' "$tmp/build-$series.log" | tail -n 20
		find "$tmp/dkms" -name make.log -exec tail -n 20 {} \; | sed 's/^/# /'
		continue
	fi
	ok "dkms build nfips/$ver -k $kver ($((SECONDS - t0))s)"
	missing=
	for m in $mods; do
		f=$(find "$tmp/dkms/nfips/$ver/$kver" -name "$m.ko*" | head -n 1)
		v=$([[ -n $f ]] && modinfo -F vermagic "$f" 2>/dev/null)
		[[ ${v%% *} == "$kver" ]] || missing+=" $m(${f:-none}:${v%% *})"
	done
	if [[ -z $missing ]]; then
		ok "$kver: all $(wc -w <<<"$mods") modules of dkms.conf built for it"
	else
		nok "$kver: modules missing or for another kernel:$missing"
	fi
done

echo "1..$n"
[[ $fails -eq 0 ]]
