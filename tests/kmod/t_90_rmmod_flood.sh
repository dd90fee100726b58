#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module unload under fire, CYCLES times: load nfips.ko and a config, flood
# the selected traffic, and unload while packets are queued; then reload.
# Every stolen packet must leave exactly once, also on rmmod: no splat, no
# hang, no leak, and the module reloads each time.
#
# Odd cycles: a config whose chain is empty (nfips.ko holds no op-module),
# `rmmod nfips` straight away with the flood and a burst at full speed
# running and packets in the queue (the rest of the queue is freed, the IPS
# fails closed). Even cycles: a chain with a sleep op (the queue is never empty
# under the flood); `rmmod nfips_op_sleep` is refused while the config uses
# it; after `nfipsctl -k flush` the packets queued under the old config
# still leave through it, the op-module unloads once they have, and
# `rmmod nfips` follows with the flood still running.
# At the end, with no flood, traffic passes a fresh load: the twin works.
#
#   NS_SRC                  NS_IPS: nfips.ko (un)loaded         NS_DST
#   eth0 10.91.1.1 ------ eth0  queue workers=1        eth1 ----- eth0 10.91.2.2
#   nfips-send flood         chain pass (empty) |                count_in udp 7100
#   (udp dport 7100)         chain slow: sleep usec=200
#
# Env: NFIPS_SOAK_RMMOD_CYCLES  cycles (default 20; 6 on a stock kernel)
#      NFIPS_SOAK_FLOOD_PPS     flood rate (default 20000)
# kmod-timeout: 200
source "$(dirname "$0")/../lib.sh"
TWIN=kernel
source "$(dirname "$0")/../twin.sh"
source "$(dirname "$0")/../kmod-debug/soak.sh"

CYCLES=$(soak_count NFIPS_SOAK_RMMOD_CYCLES 20 6)
PPS=$(soak_count NFIPS_SOAK_FLOOD_PPS 20000)
PORT=7100
soak_setup $PORT

cat >"$T/pass.conf" <<CONF
queue  workers=1 maxlen=65536 overflow=drop
chain  pass
select dst=$DST_IP/32 proto=udp dport=$PORT chain=pass
select any bypass
CONF
cat >"$T/slow.conf" <<CONF
queue  workers=1 maxlen=65536 overflow=drop
op     slow sleep usec=200
chain  slow slow
select dst=$DST_IP/32 proto=udp dport=$PORT chain=slow
select any bypass
CONF

loaded() { grep -q "^$1 " /proc/modules; }
not_loaded() { ! loaded "$1"; }
rmmod_ok() { rmmod "$1" 2>/dev/null; }

flood_pid=
flood_start() {
	$IP netns exec "$NS_SRC" "$BUILD_DIR/nfips-send" -d $DST_IP -P udp --dport $PORT \
		--payload flood --count 100000000 --rate "$PPS" >/dev/null 2>&1 &
	flood_pid=$!
	lib_pids+=("$flood_pid")
}
flood_stop() {
	[[ -n $flood_pid$burst ]] || return 0
	kill $flood_pid $burst 2>/dev/null
	wait $flood_pid $burst 2>/dev/null
	flood_pid='' burst=''
}

fails=0 queued_seen=0 refused=0 burst=
note() { tap_diag "cycle $c: $*"; fails=$((fails + 1)); }
for ((c = 1; c <= CYCLES; c++)); do
	loaded nfips || modprobe nfips || { note "modprobe nfips failed"; break; }
	if ((c % 2)); then conf=pass; else conf=slow; fi
	if ! out=$(twin_load "$T/$conf.conf" 2>&1); then
		note "load $conf.conf: $out"
		continue
	fi
	flood_start
	# The flood reaches nfips and fills its queue.
	r=$(twin_stat global "" received)
	[[ $r =~ ^[0-9]+$ ]] || r=0
	wait_for $((5 * SLOW)) global_above received $((r + 100)) || note "the flood did not reach nfips"
	burst=
	if [[ $conf == pass ]]; then
		# The empty chain keeps up with the flood: a burst at full
		# speed on top makes the worker fall behind.
		$IP netns exec "$NS_SRC" "$BUILD_DIR/nfips-send" -d $DST_IP -P udp --dport $PORT \
			--payload burst --count 1000000 --rate 0 >/dev/null 2>&1 &
		burst=$!
		lib_pids+=("$burst")
		wait_for $((2 * SLOW)) global_above queued 0
	fi
	q=$(twin_stat global "" queued)
	[[ $q =~ ^[0-9]+$ ]] && ((q > 0)) && queued_seen=$((queued_seen + 1))
	if [[ $conf == slow ]]; then
		if rmmod nfips_op_sleep 2>/dev/null; then
			note "rmmod nfips_op_sleep succeeded while the config uses it"
		else
			refused=$((refused + 1))
		fi
		twin_ctl flush >/dev/null 2>&1 || note "flush failed"
		# The packets queued under the old config leave through it first.
		wait_for $((20 * SLOW)) rmmod_ok nfips_op_sleep ||
			note "nfips_op_sleep did not unload after flush"
	fi
	echo "# cycle $c ($conf): $q queued at rmmod"
	if ! out=$(rmmod nfips 2>&1); then
		note "rmmod nfips with packets queued: $out"
		twin_ctl flush >/dev/null 2>&1
		flood_stop
		wait_for $((20 * SLOW)) rmmod_ok nfips
		continue
	fi
	not_loaded nfips || note "nfips still in /proc/modules after rmmod"
	flood_stop
done
flood_stop
if ((fails == 0)); then
	tap_ok "$CYCLES cycles of load, flood, rmmod with packets queued, reload"
else
	tap_fail "$CYCLES cycles of load, flood, rmmod with packets queued, reload" "$fails problems (above)"
fi
tap_expect "rmmod nfips_op_sleep refused while in use (every even cycle)" $((CYCLES / 2)) "$refused"
# Not guaranteed by the test's construction, so a note: how often the queue
# held packets at the moment of the unload.
tap_diag "the queue held packets at rmmod in $queued_seen of $CYCLES cycles"

# Afterwards: the twin still works.
modprobe nfips
if out=$(twin_load "$T/pass.conf" 2>&1); then
	in0=$(arrived "$NS_DST" rx)
	send_from "$NS_SRC" -d $DST_IP -P udp --dport $PORT --payload after --count 50 >/dev/null
	wait_for $((5 * SLOW)) arrived_is "$NS_DST" rx $((in0 + 50))
	tap_expect "after the cycles: traffic passes a fresh config" 50 "$(($(arrived "$NS_DST" rx) - in0))"
	stats_balance "after the cycles: counters balance"
else
	tap_fail "after the cycles: load a config" "$out"
fi
twin_ctl flush >/dev/null 2>&1
rest=$(twin_rmmod 2>&1)
loaded nfips && { rmmod nfips 2>/dev/null || rest+=" rmmod nfips failed"; }
tap_expect "the modules unload at the end" "" "$rest"
twin_stopped=1
kmemleak_check "kmemleak: nothing new after the unload cycles"
tap_done
