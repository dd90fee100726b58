#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Queue overflow, both policies: a queue of 8 packets in front of one worker
# whose chain spends 5 ms per packet (a sleep op) gets a burst of BURST UDP
# packets at once. Most find the queue full. With overflow=drop they are
# dropped, with overflow=accept they pass uninspected; either way each is
# counted as overflow and in exactly one of accepted/dropped, and when the
# queue has drained the global counters balance:
#   received = accepted + dropped + queued (queued = 0), received = BURST,
#   drop:   dropped = overflow > 0, dst receives accepted packets
#   accept: dropped = 0, overflow > 0, dst receives all BURST
# and the queue's max depth stayed within maxlen. The module unloads after
# flush (nothing left queued), and kmemleak has nothing new (debug kernel).
#
#   NS_SRC                 NS_IPS: nfips.ko                       NS_DST
#   eth0 10.91.1.1 ----- eth0  queue workers=1 maxlen=8    eth1 ----- eth0 10.91.2.2
#   nfips-send burst        overflow=drop|accept                  count_in udp 7000
#   (udp dport 7000)        chain slow: sleep usec=5000
#
# Env: NFIPS_SOAK_BURST   packets per burst (default 200)
# kmod-timeout: 120
source "$(dirname "$0")/../lib.sh"
TWIN=kernel
source "$(dirname "$0")/../twin.sh"
source "$(dirname "$0")/../kmod-debug/soak.sh"

BURST=$(soak_count NFIPS_SOAK_BURST 200)
PORT=7000
MAXLEN=8
soak_setup $PORT

for policy in drop accept; do
	cat >"$T/$policy.conf" <<CONF
queue  workers=1 maxlen=$MAXLEN overflow=$policy
op     slow sleep usec=5000
chain  slow slow
select dst=$DST_IP/32 proto=udp dport=$PORT chain=slow
select any bypass
CONF
	# Counters are global and not reset by a load: work with differences.
	if ! out=$(twin_load "$T/$policy.conf" 2>&1); then
		tap_fail "$policy: load the config" "$out"
		continue
	fi
	tap_ok "$policy: load the config"
	r0=$(twin_stat global "" received) a0=$(twin_stat global "" accepted)
	d0=$(twin_stat global "" dropped) o0=$(twin_stat global "" overflow)
	in0=$(arrived "$NS_DST" rx)

	send_from "$NS_SRC" -d $DST_IP -P udp --dport $PORT --payload burst \
		--count "$BURST" --rate 0 >/dev/null
	# BURST x 5 ms of work at most: wait for the queue to drain.
	if ! wait_for $((BURST / 100 + 10 * SLOW)) stats_idle; then
		tap_fail "$policy: the queue drains after the burst" \
			"queued $(twin_stat global "" queued) after $((BURST / 100 + 10 * SLOW)) s"
	fi
	stats_balance "$policy: counters balance after the burst"
	rcv=$((RCV - r0)) acc=$((ACC - a0)) drp=$((DRP - d0)) ovf=$((OVF - o0))
	tap_expect "$policy: every packet of the burst was received by nfips" "$BURST" "$rcv"
	if ((ovf > 0 && ovf < BURST)); then
		tap_ok "$policy: the burst overflowed the queue ($ovf of $BURST)"
	else
		tap_fail "$policy: the burst overflowed the queue" "overflow $ovf of $BURST"
	fi
	if [[ $policy == drop ]]; then
		tap_expect "$policy: overflowed packets are dropped (dropped = overflow)" "$ovf" "$drp"
		want=$acc
	else
		tap_expect "$policy: nothing dropped when overflow=accept" 0 "$drp"
		tap_expect "$policy: every packet accepted" "$BURST" "$acc"
		want=$BURST
	fi
	wait_for $((5 * SLOW)) arrived_is "$NS_DST" rx $((in0 + want))
	tap_expect "$policy: dst received the accepted packets" "$want" "$(($(arrived "$NS_DST" rx) - in0))"
	md=$(twin_stat queue 0 max_depth)
	if [[ $md =~ ^[0-9]+$ ]] && ((md <= MAXLEN)); then
		tap_ok "$policy: queue max depth $md <= maxlen $MAXLEN"
	else
		tap_fail "$policy: queue max depth <= maxlen $MAXLEN" "max_depth: $md"
		twin_stats_diag
	fi
done

if twin_ctl flush >/dev/null 2>&1; then tap_ok "flush"; else tap_fail "flush" "$(twin_ctl flush 2>&1)"; fi
rest=$(twin_rmmod 2>&1)
tap_expect "the modules unload after flush" "" "$rest"
twin_stopped=1
kmemleak_check "kmemleak: nothing new after the overflow bursts"
tap_done
