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

cat >"$T/good.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
chain  c    evil
select dst=10.91.2.2/32 proto=udp dport=9300-9301 chain=c
select any bypass
CONF
twin_load_check "load a good config" "$T/good.conf"
show0=$(twin_ctl show 2>&1)
count_in "$NS_DST" udp 9300 evil
count_in "$NS_DST" udp 9301 clean
drops=0

still_running() {
	local d
	if [[ $(twin_ctl show 2>&1) == "$show0" ]]; then
		tap_ok "bpf: after $1: show is unchanged"
	else
		tap_fail "bpf: after $1: show is unchanged" "$(twin_ctl show 2>&1)"
	fi
	send_from "$NS_SRC" -d $DST_IP --dport 9300 --payload "xxEVILxx" --count 2
	send_from "$NS_SRC" -d $DST_IP --dport 9301 --payload "xxGOODxx" --count 2
	drops=$((drops + 2))
	wait_for 5 twin_stat_is op evil drops $drops
	d=$(twin_stat op evil drops)
	wait_for 5 arrived_is "$NS_DST" clean $drops
	if [[ $d == "$drops" && $(arrived "$NS_DST" evil) == 0 &&
	      $(arrived "$NS_DST" clean) == "$drops" ]]; then
		tap_ok "bpf: after $1: EVIL still dropped, clean traffic passes"
	else
		tap_fail "bpf: after $1: EVIL still dropped, clean traffic passes" \
			"op evil drops $d (expected $drops); arrived: evil $(arrived "$NS_DST" evil), clean $(arrived "$NS_DST" clean)"
		[[ $d =~ ^[0-9]+$ ]] && drops=$d
	fi
}

# refused WHAT FILE LINE TEXT: the load fails with "FILE:LINE: " and TEXT.
refused() {
	local file=$T/$2 err rc
	twin_load "$file" 2>"$T/load.err" >/dev/null
	rc=$?
	err=$(cat "$T/load.err")
	if ((rc != 0)) && grep -qF "$file:$3: " <<<"$err" && grep -qF -- "$4" <<<"$err"; then
		tap_ok "bpf: $1 is refused with $2:$3"
		tap_diag "$err"
	else
		tap_fail "bpf: $1 is refused with $2:$3 ('$4')" "status $rc, stderr:" "$err"
	fi
	still_running "$1"
}

cat >"$T/sleep.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
# valid for the other twins (op_sleep takes up to 1 s)
op     slow sleep usec=10001
chain  c    evil slow
select any chain=c
CONF
refused "sleep usec=10001" sleep.conf 3 "usec=10001 is above its limit of 10000"

cat >"$T/hs.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
op     re   hs pattern="one"
chain  c    evil re
select any chain=c
CONF
refused "an hs op" hs.conf 2 "type 'hs' is not supported by the BPF twin"

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
refused "an ac automaton over 1 Mi entries" acbig.conf 2 \
	"the BPF twin holds 1048576 in all ac ops (0 used before it)"

cat >"$T/actwo.conf" <<CONF
op     evil bm pattern="EVIL" action=drop
op     a1   ac patterns-file=$T/bin300a.txt
op     a2   ac patterns-file=$T/bin300b.txt
chain  c    evil a1 a2
select any chain=c
CONF
refused "two ac automata over 1 Mi entries together" actwo.conf 3 \
	"the BPF twin holds 1048576 in all ac ops"

long=$(printf 'L%.0s' {1..129})
cat >"$T/long.conf" <<CONF
op     evil bm pattern="EVIL" action=drop
op     long bm pattern="$long"
chain  c    evil long
select any chain=c
CONF
refused "a 129-byte bm pattern" long.conf 2 "at most 128 bytes"

{
	for i in $(seq 1 33); do echo "op h$i header sig=null"; done
	echo "chain c $(seq -f 'h%g' -s ' ' 1 33)"
	echo "select any chain=c"
} >"$T/chain.conf"
refused "a chain of 33 ops" chain.conf 34 "at most 32 ops per chain"

[[ $tap_failed -gt 0 ]] && twin_stats_diag

twin_done
