#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Queue overflow is counted, never silent: a queue of 8 packets, a chain
# that spends 2 ms per packet, and a burst of 400 packets. The kernel drops
# what does not fit (overflow=drop); nfipsd reads the kernel's queue
# counters, so overflow > 0 and received = accepted + dropped = sent, with
# accepted = what arrived.
#
#   src (nfips-send, 400 pkts, no pacing) ---> ips (nfipsd, 1 queue,   ---> dst
#   UDP :5080                                   maxlen=8, sleep 2 ms)       counts
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

TWIN=user
require_root
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp

cat >"$T/slow.conf" <<CONF
queue workers=1 maxlen=8 overflow=drop
op    slow  sleep usec=2000
chain c     slow
select dst=$DST_IP/32 proto=udp dport=5080 chain=c
select any bypass
CONF

twin_load "$T/slow.conf" || { tap_fail "nfipsd starts"; twin_done; }
count_in "$NS_DST" udp 5080 o5080
N=400
send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5080 --payload "burst" --count $N

# Done when every burst packet is accounted for: the kernel's overflow count
# and nfipsd's verdicts are read at different times, so poll until received
# reaches N and balances (the last verdicts are counted after they are sent).
settled() {
	local r a d
	r=$(twin_stat global "" received) a=$(twin_stat global "" accepted) d=$(twin_stat global "" dropped)
	[[ "$r $a $d" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]] && ((r == N && r == a + d)) &&
		[[ $(twin_stat global "" queued) == 0 ]]
}
wait_for 10 settled
rx=$(twin_stat global "" received)
acc=$(twin_stat global "" accepted)
drop=$(twin_stat global "" dropped)
ovf=$(twin_stat global "" overflow)
got=$(arrived "$NS_DST" o5080)
tap_diag "sent $N: received $rx accepted $acc dropped $drop overflow $ovf arrived $got"
tap_check "overflow is counted (> 0)" test "$ovf" -gt 0
tap_expect "received = sent" $N "$rx"
tap_expect "received = accepted + dropped" "$rx" $((acc + drop))
tap_expect "dropped = overflow (the chain accepts everything)" "$ovf" "$drop"
tap_expect "accepted packets arrived" "$acc" "$got"
tap_expect "chain packets = accepted" "$acc" "$(twin_stat chain c packets)"

twin_done
