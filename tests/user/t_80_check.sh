#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nfipsctl check FILE: a config validated completely with no twin running
# and no privilege (run as nobody, no nfipsd socket, nfips.ko never loaded
# on this host). Good configs exit 0 with a summary; each bad one exits 1
# with "FILE:LINE: reason" naming what is wrong, whether the grammar, a
# reference, the op-module type (its plugin) or an op-module's arguments.
set -u
cd "$(dirname "$0")/../.." || exit 1

ctl=$PWD/build/nfipsctl
[[ -x $ctl ]] || { echo "1..0 # SKIP build/nfipsctl not built"; exit 4; }
tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
chmod 755 "$tmp"
# nobody must reach the program and its plugins: the repo may live where it
# cannot (root's 0700 home on a fresh machine). A copy laid out as in build/
# keeps the default plugin lookup (plugins/ next to the binary) under test.
mkdir -p "$tmp/build"
cp -p "$ctl" "$tmp/build/nfipsctl"
cp -rp build/plugins "$tmp/build/plugins"
chmod -R a+rX "$tmp/build"
ctl=$tmp/build/nfipsctl

# As nobody when we can switch (the tier runs as root), else as we are.
as_user=()
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
fi
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }

run_check() {	# run_check FILE [ARGS...] -> $out, $rc
	out=$(NFIPSD_SOCKET=$tmp/no-such.sock "${as_user[@]}" "$ctl" check "$@" 2>&1)
	rc=$?
}

good() {	# good NAME TEXT
	printf '%s\n' "$2" >"$tmp/$1.conf"
	run_check "$tmp/$1.conf"
	if [[ $rc -eq 0 && $out == "$tmp/$1.conf: ok ("* ]]; then
		ok "good config '$1': exit 0, '$out'"
	else
		nok "good config '$1': exit $rc, '$out'"
	fi
}

bad() {	# bad NAME LINE EXPECTED_TEXT TEXT
	printf '%s\n' "$4" >"$tmp/$1.conf"
	run_check "$tmp/$1.conf"
	if [[ $rc -eq 1 && $out == "nfipsctl: $tmp/$1.conf:$2: "*"$3"* ]]; then
		ok "bad config '$1': exit 1, line $2 named: ${out#nfipsctl: $tmp/}"
	else
		nok "bad config '$1': expected exit 1 and '$1.conf:$2: ...$3...', got exit $rc: '$out'"
	fi
}

echo "TAP version 13"
echo "# running as: ${as_user[*]:-$(id -un)}"

readme='queue   workers=2 maxlen=4096 overflow=drop
op      nullscan  header  sig=null action=drop
op      evil      bm      pattern="EVIL" action=drop
op      delay     sleep   usec=100
chain   web       nullscan evil delay
select  dst=10.0.2.0/24 proto=udp dport=5000-6000 chain=web   # first match wins
select  any bypass'
good readme "$readme"
good hs "op many hs pattern=\"abc\" pattern=|de ad|
chain c many
select proto=tcp chain=c"
good empty "# nothing selected
select any bypass"

bad grammar 2 "" 'queue workers=1
chain'
bad keyword 3 "" 'queue workers=1
op a header sig=null
frobnicate x'
bad unknown-chain 2 "" 'op a header sig=null
select any chain=nosuch'
bad op-type 2 "unknown op-module type 'nosuch'" 'queue workers=1
op a nosuch x=1
chain c a
select any chain=c'
bad op-args 3 "usec" 'op a header sig=null
chain c a
op d sleep usec=lots'
bad bm-args 1 "" 'op e bm nocase
chain c e
select any chain=c'
bad hs-args 1 "bogus" 'op h hs pattern="x" bogus=1
chain c h
select any chain=c'
bad iif 3 "interface 'nfips-no-if0' does not exist" 'op a header sig=null
chain c a
select iif=nfips-no-if0 chain=c'

# Not a config at all.
run_check "$tmp/missing.conf"
if [[ $rc -eq 1 && $out == *"missing.conf"*"No such file"* ]]; then
	ok "missing file: exit 1, '$out'"
else
	nok "missing file: exit $rc, '$out'"
fi
# A plugin directory without the plugins: the type is named, not a crash.
mkdir "$tmp/empty-plugins"
run_check -p "$tmp/empty-plugins" "$tmp/readme.conf"
if [[ $rc -eq 1 && $out == *"readme.conf:2: "*"no plugin $tmp/empty-plugins/nfips_op_header.so"* ]]; then
	ok "-p DIR without plugins: exit 1, the missing plugin named"
else
	nok "-p DIR without plugins: exit $rc, '$out'"
fi
# Usage errors are exit 1 with a usage line, never a twin connection.
run_check
if [[ $rc -eq 1 && $out == *"usage: check"* ]]; then
	ok "no FILE: exit 1 with usage"
else
	nok "no FILE: exit $rc, '$out'"
fi

echo "1..$n"
[[ $fails -eq 0 ]]
