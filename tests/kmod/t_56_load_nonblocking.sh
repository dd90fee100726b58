#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 300
#
# LOAD and FLUSH are not blocked behind a slow chain (issue 14 item 4). A
# chain of 10 sleep ops (2 ms each) holds a full queue of MAXLEN packets,
# which take MAXLEN x 10 x 2 ms to drain. A second LOAD while it is full, and
# a FLUSH while the second config's queue is full in turn, must each return
# in well under that drain time: the old config drains in the background,
# not under the namespace's config lock. Then every packet leaves exactly
# once: both old queues drain through their chains, each packet that entered
# ips was received by nfips, received = accepted + dropped with nothing
# queued, dst got exactly the accepted ones, and the only drops are the
# counted overflow drops (the chain itself accepts).
#
#   NS_SRC                      NS_IPS (nfips.ko)                    NS_DST
#   eth0 10.91.1.1 ---------- eth0 10.91.1.2
#   nfips-send flood          (mangle PREROUTING counts "entered")
#   udp dport 7200            queue workers=1 maxlen=MAXLEN overflow=drop
#                             chain slow: 10 x sleep usec=2000
#                             eth1 10.91.2.1 ------------------ eth0 10.91.2.2
#                                                               count_in udp 7200
source "$(dirname "$0")/../lib.sh"
TWIN=kernel
source "$(dirname "$0")/../twin.sh"
source "$(dirname "$0")/../kmod-debug/soak.sh"

PORT=7200
MAXLEN=1000
OPS=10
USEC=2000
soak_setup $PORT
ns "$NS_IPS" iptables -w -t mangle -I PREROUTING -p udp --dport $PORT -m comment --comment entered
entered() { ipt_count "$NS_IPS" mangle PREROUTING entered; }

{
	echo "queue  workers=1 maxlen=$MAXLEN overflow=drop"
	for ((i = 1; i <= OPS; i++)); do echo "op     s$i sleep usec=$USEC"; done
	echo "chain  slow $(for ((i = 1; i <= OPS; i++)); do printf 's%d ' $i; done)"
	echo "select dst=$DST_IP/32 proto=udp dport=$PORT chain=slow"
	echo "select any bypass"
} >"$T/slow.conf"

# What the old code waited for: one full queue through the whole chain.
drain_ms=$((MAXLEN * OPS * USEC / 1000))
# Generous for a loaded emulated machine, and still a quarter of the drain
# (half on the debug kernel, where nfipsctl itself is ~20 times slower and the
# real drain, sleep ops plus KASAN, takes longer than this figure).
if ((SLOW > 1)); then bound_ms=$((drain_ms / 2)); else bound_ms=$((drain_ms / 4)); fi

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# The running config's queue is full (its one worker's depth is MAXLEN).
queue_full() { [[ $(twin_sum queue depth) == "$MAXLEN" ]]; }
# timed NAME CMD...: run CMD, set $took to its wall time in ms.
timed() {
	local t0 out
	t0=$(now_ms)
	out=$("$@" 2>&1)
	local rc=$?
	took=$(($(now_ms) - t0))
	((rc == 0)) || tap_diag "$1: $out"
	return $rc
}

twin_load_check "load the 10-sleep chain" "$T/slow.conf"
e0=$(entered) a0=$(arrived "$NS_DST" rx)
# 2000 pps against a chain that serves 50 pps: the queue fills in about
# half a second and stays full.
$IP netns exec "$NS_SRC" "$BUILD_DIR/nfips-send" -d $DST_IP -P udp --dport $PORT \
	--payload flood --count 100000000 --rate 2000 >/dev/null 2>&1 &
flood=$!
lib_pids+=("$flood")
tap_check "the first config's queue is full ($MAXLEN packets)" wait_for $((30 * SLOW)) queue_full

tap_diag "drain of one full queue: $MAXLEN x $OPS x $USEC us = $drain_ms ms; bound for LOAD and FLUSH: $bound_ms ms"
if timed twin_ctl load "$T/slow.conf"; then
	tap_diag "second LOAD with the first queue full took $took ms"
	if ((took < bound_ms)); then
		tap_ok "a second LOAD returns while the old queue drains ($took ms < $bound_ms ms)"
	else
		tap_fail "a second LOAD returns while the old queue drains" "$took ms, bound $bound_ms ms"
	fi
else
	tap_fail "a second LOAD returns while the old queue drains" "the LOAD failed"
fi
old_queued=$(twin_stat global "" queued)
tap_diag "global queued right after the second LOAD: $old_queued"

# The second config's own queue fills from the flood; then the flood stops,
# so that everything that entered ips met one of the two configs.
tap_check "the second config's queue is full ($MAXLEN packets)" wait_for $((30 * SLOW)) queue_full
kill $flood 2>/dev/null
wait $flood 2>/dev/null
if timed twin_ctl flush; then
	tap_diag "FLUSH with a full queue (and the first still draining) took $took ms"
	if ((took < bound_ms)); then
		tap_ok "FLUSH returns while the queues drain ($took ms < $bound_ms ms)"
	else
		tap_fail "FLUSH returns while the queues drain" "$took ms, bound $bound_ms ms"
	fi
else
	tap_fail "FLUSH returns while the queues drain" "the FLUSH failed"
fi

# Both old configs drain in the background, through their chains.
idle() { [[ $(twin_stat global "" queued) == 0 ]]; }
tap_check "both old queues drain (global queued reaches 0)" wait_for $((4 * drain_ms / 1000 + 60 * SLOW)) idle
rcv=$(twin_stat global "" received) acc=$(twin_stat global "" accepted)
drp=$(twin_stat global "" dropped) ovf=$(twin_stat global "" overflow)
que=$(twin_stat global "" queued)
settled() { [[ $(($(arrived "$NS_DST" rx) - a0)) == "$acc" ]]; }
wait_for $((10 * SLOW)) settled
e=$(($(entered) - e0)) a=$(($(arrived "$NS_DST" rx) - a0))
tap_diag "entered ips $e, received $rcv, accepted $acc, dropped $drp (overflow $ovf), queued $que, arrived at dst $a"
if [[ "$rcv $acc $drp $ovf $que" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+\ 0$ ]] && ((rcv > 2 * MAXLEN)); then
	tap_ok "the counters are there, more than two full queues were received ($rcv)"
	tap_expect "every packet that entered ips was received by nfips" "$e" "$rcv"
	tap_expect "received = accepted + dropped, nothing queued" "$rcv" "$((acc + drp))"
	tap_expect "the only drops are the counted overflow drops" "$ovf" "$drp"
	tap_expect "dst got each accepted packet exactly once" "$acc" "$a"
else
	tap_fail "the counters are there, more than two full queues were received" \
		"received '$rcv' accepted '$acc' dropped '$drp' overflow '$ovf' queued '$que'"
fi
kmemleak_check "kmemleak: nothing new after the background retires"
twin_done
