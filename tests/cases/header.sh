#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# header: the TCP flag op-module in either twin (TWIN=user|kernel). NULL-scan
# (no flag) and Xmas (FIN|PSH|URG) segments to the selected destination are
# dropped; SYN, ACK and PSH|ACK with data arrive; a real TCP connection
# (socat, a few hundred KB) works through the chain; an IPv6 NULL scan is
# dropped too.
#
#   NS_SRC                    NS_IPS: twin                    NS_DST
#   eth0 10.91.1.1 -------- eth0  chain tcpin:   eth1 -------- eth0 10.91.2.2
#        fd91:1::1                 scan(null) xmas                 fd91:2::2
#   nfips-send, socat client                               count_in, socat server
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

require_root
require_cmd iptables ip6tables "$BUILD_DIR/nfips-send"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"

N=5
cat >"$T/header.conf" <<'CONF'
op     scan  header sig=null action=drop
op     xmas  header sig=xmas action=drop
chain  tcpin scan xmas
select dst=10.91.2.2/32 proto=tcp chain=tcpin
select dst=fd91:2::2/128 proto=tcp chain=tcpin
select any bypass
CONF
twin_load_check "load the header config" "$T/header.conf"

for p in 8000 8001 8002 8003 8004; do count_in "$NS_DST" tcp $p t$p; done
count_in "$NS_DST" tcp 8010 v6null ip6
count_in "$NS_DST" tcp 8011 v6syn ip6

# NULL scan and Xmas: wait until the op dropped them all, then count at dst.
send_from "$NS_SRC" -d $DST_IP -P tcp --flags 0x00 --dport 8000 --count $N
expect_stat "$TWIN: op scan drops the NULL-scan segments" op scan drops $N
tap_expect "$TWIN: no NULL-scan segment reaches dst" 0 "$(arrived "$NS_DST" t8000)"

send_from "$NS_SRC" -d $DST_IP -P tcp --flags 0x29 --dport 8001 --count $N
expect_stat "$TWIN: op xmas drops the Xmas segments" op xmas drops $N
tap_expect "$TWIN: no Xmas segment reaches dst" 0 "$(arrived "$NS_DST" t8001)"
tap_expect "$TWIN: Xmas segments do not move op scan" $N "$(twin_stat op scan drops)"

send_from "$NS_SRC" -d $DST_IP -P tcp --flags 0x02 --dport 8002 --count $N
expect_arrived "$TWIN: SYN segments arrive" "$NS_DST" t8002 $N
send_from "$NS_SRC" -d $DST_IP -P tcp --flags 0x10 --dport 8003 --count $N
expect_arrived "$TWIN: ACK segments arrive" "$NS_DST" t8003 $N
send_from "$NS_SRC" -d $DST_IP -P tcp --flags 0x18 --dport 8004 --payload "GET / HTTP/1.0" --count $N
expect_arrived "$TWIN: PSH|ACK segments with data arrive" "$NS_DST" t8004 $N
tap_expect "$TWIN: chain tcpin saw every IPv4 segment" $((5 * N)) "$(twin_stat chain tcpin packets)"

# IPv6: the same signatures.
send_from "$NS_SRC" -6 -d $DST_IP6 -P tcp --flags 0x00 --dport 8010 --count $N
expect_stat "$TWIN: IPv6 NULL-scan segments are dropped" op scan drops $((2 * N))
tap_expect "$TWIN: no IPv6 NULL-scan segment reaches dst" 0 "$(arrived "$NS_DST" v6null ip6)"
send_from "$NS_SRC" -6 -d $DST_IP6 -P tcp --flags 0x02 --dport 8011 --count $N
expect_arrived "$TWIN: IPv6 SYN segments arrive" "$NS_DST" v6syn $N ip6

# A real connection through the chain: every segment is inspected and passes.
if command -v socat >/dev/null && [[ -r /dev/urandom ]]; then
	head -c 300000 /dev/urandom >"$T/tx"
	$IP netns exec "$NS_DST" socat -u TCP-LISTEN:8080,reuseaddr OPEN:"$T/rx",creat,trunc &
	srv=$!
	lib_pids+=($srv)
	wait_for 5 listening "$NS_DST" 8080
	pk0=$(twin_stat chain tcpin packets)
	if timeout 30 $IP netns exec "$NS_SRC" socat -u OPEN:"$T/tx" TCP:$DST_IP:8080 2>"$T/cli.err" &&
	   wait_for 10 cmp -s "$T/tx" "$T/rx"; then
		tap_ok "$TWIN: a TCP connection carries 300000 bytes intact through the chain"
	else
		tap_fail "$TWIN: a TCP connection carries 300000 bytes intact through the chain" \
			"received $(stat -c %s "$T/rx" 2>/dev/null || echo 0) bytes" "$(cat "$T/cli.err")"
	fi
	pk1=$(twin_stat chain tcpin packets)
	if [[ $pk0 =~ ^[0-9]+$ && $pk1 =~ ^[0-9]+$ ]] && ((pk1 > pk0)); then
		tap_ok "$TWIN: the connection's segments ran chain tcpin"
	else
		tap_fail "$TWIN: the connection's segments ran chain tcpin" "packets before $pk0, after $pk1"
	fi
	tap_expect "$TWIN: the connection lost nothing to the signatures" $((3 * N)) \
		"$(twin_stat chain tcpin drops)"
else
	tap_skip "$TWIN: a TCP connection through the chain" "socat or /dev/urandom missing"
fi
[[ $tap_failed -gt 0 ]] && twin_stats_diag

twin_done
