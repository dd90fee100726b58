#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# config: bad configs in either twin (TWIN=user|kernel). An unknown op type,
# a bad op argument, an unknown chain and a syntax error are each rejected
# with "FILE:LINE: reason" on stderr and a non-zero status; the old config
# keeps running (`show` unchanged, EVIL still dropped, clean traffic passes).
# The first two are found by the twin itself (the op-module, or its absence),
# the last two already by nfipsctl's parser.
#
#   NS_SRC                    NS_IPS: twin                     NS_DST
#   eth0 10.91.1.1 -------- eth0  chain c: evil(bm) eth1 ----- eth0 10.91.2.2
#   nfips-send                    nfipsctl load BAD              count_in 9300, 9301
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

require_root
require_cmd iptables "$BUILD_DIR/nfips-send"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"

twin_refusal_begin

cat >"$T/bad_type.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
op     odd  nosuchop level=3
chain  c    evil odd
select any chain=c
CONF
twin_bad_load "an unknown op type" bad_type.conf 2 nosuchop

cat >"$T/bad_arg.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
# a comment line counts as a line
op     slow sleep usec=5000000
chain  c    evil slow
select any chain=c
CONF
twin_bad_load "an op argument out of range (sleep usec=5000000)" bad_arg.conf 3 usec

cat >"$T/bad_arg2.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop depth=many
chain  c    evil
select any chain=c
CONF
twin_bad_load "a bad op argument (bm depth=many)" bad_arg2.conf 1 depth

cat >"$T/bad_chain.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
chain  c    evil
select dst=10.91.2.2/32 chain=c
select any chain=nochain
CONF
twin_bad_load "an unknown chain" bad_chain.conf 4 nochain

cat >"$T/bad_syntax.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
chain  c    evil
select dst=10.91.2.2/33 chain=c
CONF
twin_bad_load "a syntax error (prefix /33)" bad_syntax.conf 3 "prefix"

cat >"$T/bad_stmt.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
chian  c    evil
CONF
twin_bad_load "an unknown statement" bad_stmt.conf 2 chian

# And a good config still replaces the old one afterwards.
cat >"$T/good2.conf" <<'CONF'
op     evil2 bm pattern="EVIL" action=drop
chain  c2    evil2
select dst=10.91.2.2/32 proto=udp dport=9300 chain=c2
select any bypass
CONF
if twin_load "$T/good2.conf" 2>"$T/load.err" >/dev/null; then
	tap_ok "$TWIN: a good config loads after the bad ones"
else
	tap_fail "$TWIN: a good config loads after the bad ones" "$(cat "$T/load.err")"
fi
tap_expect "$TWIN: show names the new op" 1 "$(twin_ctl show 2>/dev/null | grep -cE '^[[:space:]]*op[[:space:]]+evil2[[:space:]]')"
[[ $tap_failed -gt 0 ]] && twin_stats_diag

twin_done
