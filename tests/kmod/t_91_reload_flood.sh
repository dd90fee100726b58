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
#   nfips-send floods           B: 2 workers, sleep+evil2      count_in udp 7200
#   good + EVIL (udp 7200)      load A, B, A, B, ...
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
for payload in good EVIL; do
	$IP netns exec "$NS_SRC" "$BUILD_DIR/nfips-send" -d $DST_IP -P udp --dport $PORT \
		--payload "$payload" --count 100000000 --rate "$PPS" >/dev/null 2>&1 &
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
drops=$(twin_sum chain drops)
if [[ $DRP =~ ^[0-9]+$ ]] && ((DRP > 0)); then
	tap_ok "EVIL packets were dropped ($DRP)"
else
	tap_fail "EVIL packets were dropped" "dropped: $DRP (chain drops of the last config: $drops)"
fi

# The last config still inspects: one EVIL and one good packet.
in0=$(arrived "$NS_DST" rx)
send_from "$NS_SRC" -d $DST_IP -P udp --dport $PORT --payload good --count 5 >/dev/null
send_from "$NS_SRC" -d $DST_IP -P udp --dport $PORT --payload EVIL --count 5 >/dev/null
wait_for $((5 * SLOW)) arrived_is "$NS_DST" rx $((in0 + 5))
wait_for $((5 * SLOW)) stats_idle
tap_expect "after the reloads: good passes, EVIL is dropped" 5 "$(($(arrived "$NS_DST" rx) - in0))"

if twin_ctl flush >/dev/null 2>&1; then tap_ok "flush"; else tap_fail "flush" "$(twin_ctl flush 2>&1)"; fi
rest=$(twin_rmmod 2>&1)
tap_expect "the modules unload after flush" "" "$rest"
twin_stopped=1
kmemleak_check "kmemleak: nothing new after the reloads"
tap_done
