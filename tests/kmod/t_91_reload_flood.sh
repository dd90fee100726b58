#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Config replacement under a flood: RELOADS times `nfipsctl -k load`, two
# configs alternating (different queue sizes and worker counts, different
# chains of header, bm and sleep ops), while a flood of good and EVIL UDP
# packets runs through the selected chain. Every load must succeed; packets
# queued under the old config leave through it (exactly once), so when the
# flood stops and the queue drains the global counters balance: received =
# accepted + dropped, and every received packet is accounted for. No splat,
# no leak (debug kernel), and the modules unload after flush.
#
#   NS_SRC                   NS_IPS: nfips.ko                   NS_DST
#   eth0 10.91.1.1 ------- eth0  A: 1 worker, evil+null  eth1 -- eth0 10.91.2.2
#   nfips-send floods           B: 2 workers, sleep+evil2      count udp 7200,
#   good + EVIL (udp 7200)      load A, B, A, B, ...           good and EVIL apart
#
# Env: NFIPS_SOAK_RELOADS    loads (default 100; 30 on a stock kernel)
#      NFIPS_SOAK_FLOOD_PPS  rate of each of the two floods (default 10000)
# kmod-timeout: 150
source "$(dirname "$0")/../lib.sh"
TWIN=kernel
source "$(dirname "$0")/../twin.sh"
source "$(dirname "$0")/../kmod-debug/soak.sh"

RELOADS=$(soak_count NFIPS_SOAK_RELOADS 100 30)
PPS=$(soak_count NFIPS_SOAK_FLOOD_PPS 10000)
PORT=7200
soak_setup $PORT
EXPECT_WAIT=$((5 * SLOW))

cat >"$T/a.conf" <<CONF
queue  workers=1 maxlen=512 overflow=drop
op     nullscan header sig=null action=drop
op     evil     bm pattern="EVIL" action=drop
chain  web nullscan evil
select dst=$DST_IP/32 proto=udp dport=$PORT chain=web
select any bypass
CONF
cat >"$T/b.conf" <<CONF
queue  workers=2 maxlen=128 overflow=accept
op     delay    sleep usec=100
op     evil2    bm pattern="EVIL" nocase action=drop
chain  slow delay evil2
select dst=$DST_IP/32 proto=udp dport=$PORT chain=slow
select any bypass
CONF

if ! out=$(twin_load "$T/a.conf" 2>&1); then
	tap_fail "load the first config" "$out"
	tap_done
fi
# Good and EVIL packets are counted apart at dst (by payload), and each flood
# says how many it sent (--report on SIGTERM).
count_payload "$NS_DST" udp $PORT evil EVIL
count_payload "$NS_DST" udp $PORT good '!EVIL'
for payload in good EVIL; do
	$IP netns exec "$NS_SRC" "$BUILD_DIR/nfips-send" -d $DST_IP -P udp --dport $PORT \
		--payload "$payload" --count 100000000 --rate "$PPS" --report \
		>/dev/null 2>"$T/sent.$payload" &
	lib_pids+=($!)
done
flood_pids=("${lib_pids[@]: -2}")

t0=$SECONDS fails=0 first=
for ((i = 1; i <= RELOADS; i++)); do
	if ((i % 2)); then c=b; else c=a; fi
	if ! out=$(twin_load "$T/$c.conf" 2>&1); then
		fails=$((fails + 1))
		[[ -z $first ]] && first="load $i ($c.conf): $out"
	fi
done
rcv_mid=$(twin_stat global "" received)
kill "${flood_pids[@]}" 2>/dev/null
wait "${flood_pids[@]}" 2>/dev/null
tap_diag "$RELOADS loads in $((SECONDS - t0)) s; $rcv_mid packets received meanwhile"
tap_expect "$RELOADS config replacements under a flood succeed" 0 "$fails"
[[ -n $first ]] && tap_diag "first failure: $first"
if [[ $rcv_mid =~ ^[0-9]+$ ]] && ((rcv_mid > 0)); then
	tap_ok "the flood went through nfips while configs were replaced"
else
	tap_fail "the flood went through nfips while configs were replaced" "received: $rcv_mid"
fi

wait_for $((10 * SLOW)) stats_idle || tap_diag "queue not drained: $(twin_stat global "" queued)"
stats_balance "counters balance after the flood"
tap_expect "nothing left queued" 0 "$QUE"
# What the floods lost and why. A good packet is lost only to overflow
# (config a drops what does not fit) or to the network; an EVIL one also to
# its chain's bm op. Both floods run at the same rate through the same
# queues, so they lose alike to overflow and the network, and the EVIL flood
# must lose more. An EVIL packet reaches dst only uninspected, as overflow
# under config b (fail-open), so no more of them can arrive than overflowed.
# (The global dropped counter alone would count overflow drops as well.)
sent_good=$(sed -n 's/^sent \([0-9]*\) packets$/\1/p' "$T/sent.good")
sent_evil=$(sed -n 's/^sent \([0-9]*\) packets$/\1/p' "$T/sent.EVIL")
# Every accepted packet has been forwarded by now (nothing queued); give the
# last of them the time to reach dst.
all_arrived() { (($(arrived "$NS_DST" good) + $(arrived "$NS_DST" evil) >= ACC)); }
[[ $ACC =~ ^[0-9]+$ ]] && wait_for $((5 * SLOW)) all_arrived
arr_good=$(arrived "$NS_DST" good) arr_evil=$(arrived "$NS_DST" evil)
tap_diag "sent good $sent_good, EVIL $sent_evil; arrived good $arr_good, EVIL $arr_evil; overflow $OVF, dropped $DRP"
if [[ "$sent_good $sent_evil $arr_good $arr_evil $OVF" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]] &&
	((sent_evil - arr_evil > sent_good - arr_good)); then
	tap_ok "EVIL packets were dropped by inspection: the EVIL flood lost $((sent_evil - arr_evil)) of $sent_evil, the good one $((sent_good - arr_good)) of $sent_good"
else
	tap_fail "EVIL packets were dropped by inspection (the EVIL flood lost more than the good one)" \
		"sent good $sent_good, EVIL $sent_evil; arrived good $arr_good, EVIL $arr_evil"
fi
if [[ "$arr_evil $OVF" =~ ^[0-9]+\ [0-9]+$ ]] && ((arr_evil <= OVF)); then
	tap_ok "no EVIL packet passed inspection: $arr_evil arrived, at most the $OVF that overflowed"
else
	tap_fail "no EVIL packet passed inspection (EVIL arrived <= overflow)" \
		"EVIL arrived $arr_evil, overflow $OVF"
fi

# The last config still inspects: EVIL packets, then good ones on the same
# flow behind them (expect_dropped).
g0=$(arrived "$NS_DST" good) e0=$(arrived "$NS_DST" evil) d0=$(twin_stat global "" dropped)
send_from "$NS_SRC" -d $DST_IP -P udp --dport $PORT --payload EVIL --count 5 >/dev/null
send_from "$NS_SRC" -d $DST_IP -P udp --dport $PORT --payload good --count 5 >/dev/null
expect_dropped "after the reloads: EVIL is dropped (the twin dropped 5, none arrived)" \
	"$NS_DST" evil "$e0" good $((g0 + 5)) twin_stat_is global "" dropped $((d0 + 5))
tap_expect "after the reloads: good passes" 5 "$(($(arrived "$NS_DST" good) - g0))"

if twin_ctl flush >/dev/null 2>&1; then tap_ok "flush"; else tap_fail "flush" "$(twin_ctl flush 2>&1)"; fi
rest=$(twin_rmmod 2>&1)
tap_expect "the modules unload after flush" "" "$rest"
twin_stopped=1
kmemleak_check "kmemleak: nothing new after the reloads"
tap_done
