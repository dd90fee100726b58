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
# Every cycle must find packets queued before its unload. Each cycle's
# packets are accounted for by what entered ips (counted before the hook)
# and what arrived at dst: none arrives twice, and in the flush-and-drain
# cycles every packet that entered arrives but for the counted overflow drops.
#
#   NS_SRC                  NS_IPS: nfips.ko (un)loaded         NS_DST
#   eth0 10.91.1.1 ------ eth0  queue workers=1        eth1 ----- eth0 10.91.2.2
#   nfips-send flood         chain pass (empty) |                count_in udp 7100
#                            (mangle PREROUTING counts entered)
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
# What entered ips for the flood's port, counted before nfips's hook (mangle
# PREROUTING runs first; nfips hooks PREROUTING last): against what arrived
# at dst, each cycle's packets are accounted for while counters of nfips
# itself vanish with each rmmod.
ns "$NS_IPS" iptables -w -t mangle -I PREROUTING -p udp --dport $PORT -m comment --comment entered
entered() { ipt_count "$NS_IPS" mangle PREROUTING entered; }

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

fails=0 queued_seen=0 pass_queued=0 refused=0 burst= twice=0 lost_slow=0 slow_cycles=0
note() { tap_diag "cycle $c: $*"; fails=$((fails + 1)); }
# account CYCLE CONF E0 A0 [OVF]: one cycle's packets, from what entered ips
# and arrived at dst since E0 and A0. None may arrive twice; in a slow cycle
# (flush, drain, then rmmod) none is freed by the unload, so every packet
# that entered arrived but for the overflow drops the twin counted (OVF).
account() {
	local e a
	e=$(($(entered) - $3)) a=$(($(arrived "$NS_DST" rx) - $4))
	tap_diag "cycle $1 ($2): $e entered ips, $a arrived at dst${5:+, $5 overflow drops}"
	((a > e)) && twice=$((twice + 1))
	if [[ $2 == slow ]]; then
		slow_cycles=$((slow_cycles + 1))
		((e - a == ${5:-0})) || lost_slow=$((lost_slow + 1))
	fi
}
slow_settled() { (($(entered) - e0 - $(arrived "$NS_DST" rx) + a0 == ovf)); }
pending=
for ((c = 1; c <= CYCLES; c++)); do
	loaded nfips || modprobe nfips || { note "modprobe nfips failed"; break; }
	[[ -n $pending ]] && account $pending
	pending=
	e0=$(entered) a0=$(arrived "$NS_DST" rx) ovf=
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
	fi
	# The unload must find work in flight: the queue held packets. The
	# queued count is a snapshot, and an empty chain can drain the queue
	# between two polls (seen on 6.12 under TCG), so the worker's
	# high-water mark (max_depth, fresh with each module load) counts too.
	if wait_for $((2 * SLOW)) global_above queued 0 ||
		(($(twin_stat queue 0 max_depth) + 0 > 0)); then
		queued_seen=$((queued_seen + 1))
	else
		note "the queue never held a packet before the unload"
	fi
	q=$(twin_stat global "" queued)
	[[ $conf == pass && $q =~ ^[0-9]+$ ]] && ((q > 0)) && pass_queued=$((pass_queued + 1))
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
		ovf=$(twin_stat global "" overflow)
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
	if [[ $conf == slow ]]; then
		# The last packets reach dst: poll until they are all there.
		wait_for $((5 * SLOW)) slow_settled
		account $c slow "$e0" "$a0" "$ovf"
	else
		# The packets freed by the unload never arrive, so there is no
		# count to wait for: accounted when the next cycle starts, when
		# those still in flight have long arrived.
		pending="$c pass $e0 $a0"
	fi
done
flood_stop
[[ -n $pending ]] && account $pending
if ((fails == 0)); then
	tap_ok "$CYCLES cycles of load, flood, rmmod with packets queued, reload"
else
	tap_fail "$CYCLES cycles of load, flood, rmmod with packets queued, reload" "$fails problems (above)"
fi
tap_expect "rmmod nfips_op_sleep refused while in use (every even cycle)" $((CYCLES / 2)) "$refused"
tap_expect "the queue held packets before the unload in every cycle" "$CYCLES" "$queued_seen"
# The free-on-unload path runs only if some rmmod found packets queued.
if ((pass_queued > 0)); then
	tap_ok "rmmod nfips found packets queued in $pass_queued of $(((CYCLES + 1) / 2)) empty-chain cycles"
else
	tap_fail "rmmod nfips found packets queued in some empty-chain cycle" "0 of $(((CYCLES + 1) / 2))"
fi
tap_expect "no stolen packet left twice (no cycle's dst count above what entered ips)" 0 "$twice"
tap_expect "every packet of the $slow_cycles flush-and-drain cycles left once: arrived = entered - overflow drops" \
	0 "$lost_slow"

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
