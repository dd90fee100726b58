#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed packets against nfipsd-san (ASan + UBSan): truncated headers,
# lying lengths, random bytes as L3 and L4 - each is passed or dropped, no
# crash, every queued packet gets a verdict, and the daemon's stderr has no
# sanitizer report at the end. (IPv4 packets with a bad IP header are
# dropped by ip_rcv before PREROUTING; they are sent anyway.)
#
#   src (nfips-send --iface eth0: bytes exactly as built) ---> ips (nfipsd-san,
#                                                          select any -> chain)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

TWIN=user
require_root
require_cmd od
[[ -x $BUILD_DIR/nfipsd-san ]] || skip_all "build/nfipsd-san is not built"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp
[[ $NFIPSD == *-san ]] || skip_all "twin.sh did not pick nfipsd-san"

hs=""
[[ -x $BUILD_DIR/plugins-san/nfips_op_hs.so ]] && hs="op sigs hs pattern=EVIL regex=\"a+b{2,}\" action=drop"
cat >"$T/any.conf" <<CONF
queue workers=2 maxlen=4096 overflow=drop
op    null  header sig=null action=drop
op    evil  bm pattern="EVIL" pattern=|00 00 00 00 00 00 00 00 00 00 00 00| offset=1 depth=400 action=drop
$hs
chain c     null evil ${hs:+sigs}
select any chain=c
CONF
twin_load "$T/any.conf" || { tap_fail "nfipsd-san starts" "$(tail "$twin_log")"; twin_done; }

mi=$(mac_of "$NS_IPS" eth0)
rnd() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
send() { send_from "$NS_SRC" --iface eth0 --dmac "$mi" "$@" 2>/dev/null; }
n=0
for i in $(seq 30); do
	len=$((RANDOM % 200 + 1))
	send -d "$DST_IP" -P tcp --doff $((RANDOM % 16)) --hex "$(rnd $len)"; n=$((n + 1))
	send -d "$DST_IP" -P udp --udp-len $((RANDOM % 400)) --hex "$(rnd $len)"; n=$((n + 1))
	send -d "$DST_IP" -P $((RANDOM % 256)) --hex "$(rnd $len)"; n=$((n + 1))
	send -d "$DST_IP" -P tcp --tot-len $((RANDOM % 100)) --hex "$(rnd $len)"; n=$((n + 1))
	send -d "$DST_IP" -P udp --ihl $((RANDOM % 16)) --hex "$(rnd $len)"; n=$((n + 1))
	send -d "$DST_IP" --raw "$(rnd $len)"; n=$((n + 1))
	send -d "$DST_IP6" -P tcp --doff $((RANDOM % 16)) --hex "$(rnd $len)"; n=$((n + 1))
	send -d "$DST_IP6" -P udp --udp-len $((RANDOM % 400)) --hex "$(rnd $len)"; n=$((n + 1))
	send -d "$DST_IP6" -P $((RANDOM % 256)) --hex "$(rnd $len)"; n=$((n + 1))
	send -d "$DST_IP6" --raw "60$(rnd $len)"; n=$((n + 1))
	send -d "$DST_IP6" --hbh -P udp --hex "$(rnd $len)"; n=$((n + 1))
done
# Truncated TCP/UDP headers and fragments, well-formed IP.
for len in 0 1 7 12 19; do
	send -d "$DST_IP" -P tcp --tot-len $((20 + len)) --hex "$(rnd 40)"; n=$((n + 1))
	send -d "$DST_IP" -P udp --tot-len $((20 + len)) --hex "$(rnd 40)"; n=$((n + 1))
done
send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 9 --size 3000 --frag 64 2>/dev/null
tap_diag "sent $n malformed packets (and a fragmented datagram)"

alive() { kill -0 "$twin_pid" 2>/dev/null; }
tap_check "nfipsd-san survives the malformed packets" alive

# Every packet nfipsd received got exactly one verdict: the queues'
# counters, summed, agree once nothing is queued (polled: the last verdicts
# are counted after they are sent). The counters must exist and show the
# traffic: an absent counter is an error, and 0 = 0 would prove nothing.
# At least 150 queue: 180 of the packets above have a well-formed IP header
# and TCP or UDP behind it (IPv4 and IPv6 with a bad --doff or --udp-len,
# IPv6 with hop-by-hop + UDP, 30 each), which ip_rcv/ipv6_rcv pass on to
# PREROUTING, where "select any" queues everything.
settled() {
	local r v
	r=$(twin_sum queue received) v=$(twin_sum queue verdicts)
	[[ $r =~ ^[0-9]+$ && $r == "$v" && $(twin_stat global "" queued) == 0 ]]
}
wait_for 10 settled
qrx=$(twin_sum queue received) qv=$(twin_sum queue verdicts)
if [[ $qrx =~ ^[0-9]+$ && $qv =~ ^[0-9]+$ ]] && ((qrx >= 150 && qv == qrx)); then
	tap_ok "per queue: verdicts = packets received ($qv = $qrx, at least 150 expected)"
else
	tap_fail "per queue: verdicts = packets received" \
		"queue received $qrx, verdicts $qv (expected equal and at least 150)"
	twin_stats_diag
fi
rx=$(twin_stat global "" received) acc=$(twin_stat global "" accepted) drp=$(twin_stat global "" dropped)
if [[ "$rx $acc $drp" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]] && ((rx > 0 && rx == acc + drp)); then
	tap_ok "received = accepted + dropped ($rx = $acc + $drp)"
else
	tap_fail "received = accepted + dropped" "received $rx, accepted $acc, dropped $drp"
fi
tap_diag "queued packets: $qrx, selected $rx, malformed $(twin_stat global "" malformed)"

# Still inspecting correctly afterwards: an EVIL packet, then clean markers on
# the same flow, counted apart at dst; the EVIL one must not arrive, the
# markers must, and nfipsd must count exactly one more drop.
count_in "$NS_DST" udp 5090 m5090
count_payload "$NS_DST" udp 5090 e5090 EVIL
count_payload "$NS_DST" udp 5090 c5090 '!EVIL'
d0=$(twin_stat global "" dropped)
send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5090 --payload "xEVILx"
send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5090 --payload "clean" --count 3
expect_dropped "afterwards: the evil packet is dropped (the clean ones behind it pass)" \
	"$NS_DST" e5090 0 c5090 3 twin_stat_is global "" dropped $((d0 + 1))

twin_done
