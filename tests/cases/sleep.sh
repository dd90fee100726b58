#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sleep: the fixed-delay op-module in either twin (TWIN=user|kernel). Traffic
# through a `sleep usec=N` op passes and is counted; on the forwarding path
# it adds at least 80% of N to the one-way delay, decided under any load.
#
# The measurement is paired, so that the machine's load (other VMs, builds,
# a TCG vCPU taken away) falls on both sides of each comparison alike. One
# config selects two probe flows to the same dst port by source port: 3001
# runs an empty chain (the twin's own cost), 3002 a chain of one sleep op.
# nfips-rude in src sends both at 100 pps, the sleep probe 5 ms after its
# empty twin (so a probe never waits behind the other's sleep); nfips-crude in
# dst prints each packet's send and receive time (one machine, one clock).
# Per pair of the same sequence number: added = delay(sleep) - delay(empty).
# The median of the differences and its distribution-free 95% confidence
# interval (order statistics) are computed after each round of 300 pairs;
# the check passes once the interval's lower end is >= 0.8 N (a one-sided
# test), fails once its upper end is below 0.8 N, and otherwise takes another
# round, up to 6 (1800 pairs). Still undecided then is a failure, never a
# skip: a machine too noisy to tell whether the op sleeps cannot say it does.
# An op that takes longer than N (its CPU taken away mid-wait) is not a
# failure: the median and interval are shown, the lower bound is what counts.
# N: 500 us on the host (user twin), 2000 us in the VM, whose TCG emulation
# makes scheduling noise of a few hundred us common (SLEEP_USEC overrides).
#
#   NS_SRC                    NS_IPS: twin                        NS_DST
#   eth0 10.91.1.1 -------- eth0  sport 3001 -> chain empty  eth1 ---- eth0 10.91.2.2
#   nfips-rude: flows 1        sport 3002 -> chain sleepy:        nfips-crude -p 10001
#   (sport 3001), 2 (3002)     op slow sleep usec=N               (per-packet lines)
# kmod-timeout: 240
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

require_root
require_cmd iptables "$BUILD_DIR/nfips-send"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"

if [[ $TWIN == kernel ]]; then USEC=${SLEEP_USEC:-2000}; else USEC=${SLEEP_USEC:-500}; fi
PORT=10001 ROUND=300 MAX_ROUNDS=6
THRESH=$((USEC * 8 / 10))

cat >"$T/sleep.conf" <<CONF
op     slow sleep usec=$USEC
chain  empty
chain  sleepy slow
select dst=10.91.2.2/32 proto=udp sport=3001 dport=$PORT chain=empty
select dst=10.91.2.2/32 proto=udp sport=3002 dport=$PORT chain=sleepy
select any bypass
CONF
count_in "$NS_DST" udp $PORT rx

RUDE=$BUILD_DIR/nfips-rude CRUDE=$BUILD_DIR/nfips-crude
listening_udp() { ns "$1" ss -Hlun "sport = :$2" | grep -q .; }

# round R: one round of ROUND probe pairs; appends each pair's added delay
# (us) to $T/diffs and each probe's delay to $T/delays.empty|sleep.
round() {
	local r=$1 before crude
	cat >"$T/rude.$r" <<SCRIPT
START NOW
0 1 ON 3001 $DST_IP:$PORT CONSTANT 100 64
5 2 ON 3002 $DST_IP:$PORT CONSTANT 100 64
$((ROUND * 10)) 1 OFF
$((ROUND * 10 + 5)) 2 OFF
SCRIPT
	before=$(arrived "$NS_DST" rx)
	$IP netns exec "$NS_DST" "$CRUDE" -p $PORT >"$T/crude.$r" 2>"$T/crude.$r.err" &
	crude=$!
	lib_pids+=($crude)
	wait_for 5 listening_udp "$NS_DST" $PORT || {
		echo "nfips-crude does not listen: $(head -c 300 "$T/crude.$r.err")" >&2
		return 1
	}
	ns "$NS_SRC" "$RUDE" -s "$T/rude.$r" >"$T/rude.$r.out" 2>&1 || {
		echo "nfips-rude failed: $(head -c 300 "$T/rude.$r.out")" >&2
		return 1
	}
	wait_for 10 arrived_ge "$NS_DST" rx $((before + 2 * ROUND))
	kill -INT "$crude" 2>/dev/null
	wait "$crude" 2>/dev/null
	# "ID=1 SEQ=0 SRC=... DST=... Tx=S.US Rx=S.US SIZE=64": integer
	# microseconds (a double holds no 16 digits of S.US exactly).
	awk -v out="$T" '
	{
		id = seq = tx = rx = ""
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "ID") id = kv[2]
			else if (kv[1] == "SEQ") seq = kv[2]
			else if (kv[1] == "Tx") tx = kv[2]
			else if (kv[1] == "Rx") rx = kv[2]
		}
		if (id == "" || seq == "" || tx == "" || rx == "")
			next
		split(tx, t, "."); split(rx, x, ".")
		d = (x[1] - t[1]) * 1000000 + (x[2] - t[2])
		if (id == 1) e[seq] = d
		else if (id == 2) s[seq] = d
	}
	END {
		for (q in e) print e[q] >> (out "/delays.empty")
		for (q in s) print s[q] >> (out "/delays.sleep")
		for (q in e) if (q in s) { print s[q] - e[q] >> (out "/diffs"); n++ }
		if (n == 0) exit 1
	}' "$T/crude.$r" || {
		echo "no probe pair in nfips-crude's output: $(head -c 300 "$T/crude.$r") $(head -c 300 "$T/crude.$r.err")" >&2
		return 1
	}
}

# median FILE: the median of the numbers in FILE.
median() { sort -n "$1" | awk '{ d[NR] = $1 } END { if (NR) print d[int((NR + 1) / 2)] }'; }

# ci: "N LOW MEDIAN HIGH" of $T/diffs: the median and its distribution-free
# 95% confidence interval, the order statistics k and N + 1 - k with
# k = floor((N - 1.96 sqrt(N)) / 2) (the binomial(N, 1/2) bound).
ci() {
	sort -n "$T/diffs" | awk '{ d[NR] = $1 }
	END {
		n = NR
		k = int((n - 1.96 * sqrt(n)) / 2)
		if (k < 1) k = 1
		print n, d[k], d[int((n + 1) / 2)], d[n + 1 - k]
	}'
}

# Functional part: traffic through the sleep op passes and is counted.
twin_load_check "load chains empty and sleepy (sleep usec=$USEC)" "$T/sleep.conf"
send_from "$NS_SRC" -d $DST_IP --sport 3002 --dport $PORT --payload "slowly" --count 5
expect_arrived "$TWIN: packets through the sleep op arrive" "$NS_DST" rx 5
tap_expect "$TWIN: op slow counts them, drops none" "5 0" \
	"$(twin_stat op slow packets) $(twin_stat op slow drops)"
t=$(twin_stat op slow time_ns)
if [[ $t =~ ^[0-9]+$ ]] && ((t >= 5 * USEC * 1000)); then
	tap_ok "$TWIN: op slow's time_ns covers 5 x $USEC us ($t ns)"
else
	tap_fail "$TWIN: op slow's time_ns covers 5 x $USEC us" "time_ns $t"
fi

# The measurement.
name="$TWIN: sleep usec=$USEC adds >= $THRESH us (80%) of one-way delay on the forwarding path (paired probes, 95% lower bound)"
if [[ ! -x $RUDE || ! -x $CRUDE ]]; then
	# Built by `make all` with everything else: missing means a broken build.
	tap_fail "$name" "build/nfips-rude or build/nfips-crude is missing"
	twin_done
fi
: >"$T/diffs"
verdict= why=
for ((r = 1; r <= MAX_ROUNDS; r++)); do
	if ! round $r 2>"$T/round.err"; then
		verdict=error why=$(cat "$T/round.err")
		break
	fi
	read -r n lo med hi < <(ci)
	tap_diag "round $r: $n pairs; added delay: median $med us, 95% interval $lo..$hi us (threshold $THRESH us; load $(cut -d' ' -f1-3 /proc/loadavg))"
	if ((lo >= THRESH)); then
		verdict=pass
		break
	elif ((hi < THRESH)); then
		verdict=fail
		break
	fi
done
tap_diag "one-way delay medians: empty chain $(median "$T/delays.empty") us, sleep chain $(median "$T/delays.sleep") us"
p=$(twin_stat op slow packets) t=$(twin_stat op slow time_ns)
[[ $p =~ ^[1-9][0-9]*$ && $t =~ ^[0-9]+$ ]] &&
	tap_diag "op slow: $p packets, $((t / p / 1000)) us of op time per packet"
case $verdict in
pass)
	tap_ok "$name: median $med us, 95% interval $lo..$hi us over $n pairs" ;;
fail)
	tap_fail "$name" "the added delay is below $THRESH us: median $med us, 95% interval $lo..$hi us over $n pairs"
	twin_stats_diag ;;
error)
	tap_fail "$name" "the measurement failed: $why" ;;
*)
	tap_fail "$name" "undecided after $n pairs: 95% interval $lo..$hi us straddles $THRESH us (too noisy to tell; load $(cut -d' ' -f1-3 /proc/loadavg))" ;;
esac

twin_done
