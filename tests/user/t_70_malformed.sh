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

# Still inspecting correctly afterwards.
count_in "$NS_DST" udp 5090 m5090
send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5090 --payload "xEVILx"
send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5090 --payload "clean"
expect_arrived "afterwards: the evil packet is dropped, the clean one passes" "$NS_DST" m5090 1

# Every packet nfipsd received got exactly one verdict.
idle() { [[ $(twin_stat global "" queued) == 0 ]]; }
wait_for 5 idle
sleep 0.3
tap_expect "per queue: verdicts = packets received" \
	"$(twin_sum queue received)" "$(twin_sum queue verdicts)"
rx=$(twin_stat global "" received)
tap_expect "received = accepted + dropped" "$rx" \
	$(( $(twin_stat global "" accepted) + $(twin_stat global "" dropped) ))
tap_diag "queued packets: $(twin_sum queue received), selected $rx, malformed $(twin_stat global "" malformed)"

twin_done
