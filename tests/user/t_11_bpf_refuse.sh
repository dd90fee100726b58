#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the BPF twin cannot run is refused at load, with "FILE:LINE: reason"
# and a non-zero status, before any map is touched: an op type it does not
# implement (hs), a sleep longer than it may busy-wait in the receive path, a
# bm pattern longer than its limit, a chain longer than its limit, an ac
# automaton bigger than its table (1 Mi entries: 1,000 random binary
# patterns, all 256 byte classes), and two ac ops that fit alone but not
# together (refused at the second's line). After each refusal the running
# config is untouched (show unchanged, EVIL still dropped, clean traffic
# passes). Also: a command before any load says the twin is not loaded in
# this namespace.
#
#   NS_SRC                    NS_IPS: BPF twin                 NS_DST
#   eth0 10.91.1.1 -------- eth0  chain c: evil(bm) eth1 ----- eth0 10.91.2.2
#   nfips-send                    nfipsctl -b load BAD           count_in 9300, 9301
TWIN=bpf
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

require_root
require_cmd iptables "$BUILD_DIR/nfips-send"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"

# Before any load: stats names the problem.
err=$(twin_ctl stats 2>&1)
rc=$?
if ((rc != 0)) && grep -q "not loaded in this network namespace" <<<"$err"; then
	tap_ok "bpf: stats before a load says the twin is not loaded here"
else
	tap_fail "bpf: stats before a load says the twin is not loaded here" "status $rc: $err"
fi

twin_refusal_begin

cat >"$T/sleep.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
# valid for the other twins (op_sleep takes up to 1 s)
op     slow sleep usec=10001
chain  c    evil slow
select any chain=c
CONF
twin_bad_load "sleep usec=10001" sleep.conf 3 "usec=10001 is above its limit of 10000"

cat >"$T/hs.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
op     re   hs pattern="one"
chain  c    evil re
select any chain=c
CONF
twin_bad_load "an hs op" hs.conf 2 "type 'hs' is not supported by the BPF twin"

# Random binary patterns of 12 bytes (fixed seed: the same files each run)
# as |hex|: nearly every byte value occurs, so stride 256, and about 11
# rows a pattern: 300 of them are ~0.85 Mi entries, 1,000 ~2.8 Mi.
binpats() {
	awk -v n="$1" -v seed="$2" 'BEGIN {
		srand(seed)
		for (i = 0; i < n; i++) {
			s = "|"
			for (j = 0; j < 12; j++)
				s = s sprintf("%s%02x", j ? " " : "", int(rand() * 256))
			print s "|"
		}
	}'
}
binpats 1000 1 >"$T/bin1000.txt"
binpats 300 2 >"$T/bin300a.txt"
binpats 300 3 >"$T/bin300b.txt"
cat >"$T/acbig.conf" <<CONF
op     evil bm pattern="EVIL" action=drop
op     big  ac patterns-file=$T/bin1000.txt
chain  c    evil big
select any chain=c
CONF
twin_bad_load "an ac automaton over 1 Mi entries" acbig.conf 2 \
	"the BPF twin holds 1048576 in all ac ops (0 used before it)"

cat >"$T/actwo.conf" <<CONF
op     evil bm pattern="EVIL" action=drop
op     a1   ac patterns-file=$T/bin300a.txt
op     a2   ac patterns-file=$T/bin300b.txt
chain  c    evil a1 a2
select any chain=c
CONF
twin_bad_load "two ac automata over 1 Mi entries together" actwo.conf 3 \
	"the BPF twin holds 1048576 in all ac ops"

long=$(printf 'L%.0s' {1..129})
cat >"$T/long.conf" <<CONF
op     evil bm pattern="EVIL" action=drop
op     long bm pattern="$long"
chain  c    evil long
select any chain=c
CONF
twin_bad_load "a 129-byte bm pattern" long.conf 2 "at most 128 bytes"

{
	for i in $(seq 1 33); do echo "op h$i header sig=null"; done
	echo "chain c $(seq -f 'h%g' -s ' ' 1 33)"
	echo "select any chain=c"
} >"$T/chain.conf"
twin_bad_load "a chain of 33 ops" chain.conf 34 "at most 32 ops per chain"

[[ $tap_failed -gt 0 ]] && twin_stats_diag

twin_done
