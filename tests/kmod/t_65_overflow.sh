#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 120
#
# Queue overflow, both policies: a short queue behind a slow op under a
# burst. overflow=drop drops what does not fit, overflow=accept (fail-open)
# lets it through uninspected; both count it (global and per queue), and
# received = accepted + dropped + queued holds in every snapshot, also while
# the queue is full (in every stats snapshot taken during the burst and the
# drain, and at least one of them has packets queued).
#
#   $NS_SRC                   $NS_IPS (nfips.ko)                      $NS_DST
#   eth0 10.91.1.1 --------- eth0 10.91.1.2
#   UDP burst to             queue workers=1 maxlen=32
#   10.91.2.2:5000           select proto=udp dport=5000 -> chain slow (sleep 1 ms)
#                            eth1 10.91.2.1 -------------------- eth0 10.91.2.2
source "$(dirname "$0")/../lib.sh"
TWIN=kernel
source "$NFIPS_ROOT/tests/twin.sh"

require_root
require_cmd iptables "$BUILD_DIR/nfipsctl" "$BUILD_DIR/nfips-send"
[[ -e /proc/modules ]] || skip_all "no module support (run through tests/kmod/run.sh)"
topo_setup || skip_all "topology setup failed"
twin_init

dir=$(mktemp -d /tmp/nfips-ovf.XXXXXX)
on_cleanup "rm -rf $dir"
count_in "$NS_DST" udp 5000 burst-in

# snapshot: "received accepted dropped queued overflow" from one stats read
snapshot() {
	twin_ctl stats | awk '$1 == "global" { for (i = 2; i < NF; i++) v[$i] = $(i + 1)
		print v["received"], v["accepted"], v["dropped"], v["queued"], v["overflow"] }'
}
queue_stat() { twin_sum queue "$1"; }
idle() { read -r _ _ _ q _ < <(snapshot); [[ $q == 0 ]]; }

# 6000 packets at 20 kpps: the burst lasts long enough for several stats
# snapshots while it runs (about 0.1 s each under emulation).
N=6000
base_rec=0 base_acc=0 base_drp=0 base_ovf=0 base_in=0
for policy in drop accept; do
	cat >"$dir/$policy.conf" <<CONF
queue  workers=1 maxlen=32 overflow=$policy
op     delay sleep usec=1000
chain  slow delay
select proto=udp dport=5000 chain=slow
CONF
	twin_load_check "overflow=$policy: load" "$dir/$policy.conf"
	in0=$(arrived "$NS_DST" burst-in)
	$IP netns exec "$NS_SRC" "$BUILD_DIR/nfips-send" -d $DST_IP -P udp \
		--dport 5000 --size 64 --count $N --rate 20000 &
	sender=$!
	# Balance while the queue is full and overflowing: snapshots while the
	# burst runs, then while the queue drains. A snapshot whose counters are
	# not all there is unbalanced, not skipped; and the statement needs
	# snapshots to be about, taken with packets in the queue.
	bad=0 seen=0 loaded=0 until=$((SECONDS + 60))
	while ((SECONDS < until)); do
		running=0
		kill -0 $sender 2>/dev/null && running=1
		read -r rec acc drp q ovf < <(snapshot)
		seen=$((seen + 1))
		if ! [[ "$rec $acc $drp $q $ovf" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]]; then
			bad=$((bad + 1))
			tap_diag "counters missing: '$rec' '$acc' '$drp' '$q' '$ovf'"
		else
			((rec == acc + drp + q)) || { bad=$((bad + 1)); tap_diag "unbalanced: $rec $acc $drp $q"; }
			((q > 0)) && loaded=$((loaded + 1))
		fi
		((running)) || [[ $q =~ ^[1-9] ]] || break
	done
	wait $sender
	if ((bad == 0 && loaded > 0)); then
		tap_ok "overflow=$policy: received = accepted + dropped + queued in all $seen snapshots ($loaded with packets queued)"
	else
		tap_fail "overflow=$policy: received = accepted + dropped + queued in every snapshot, some with packets queued" \
			"$bad of $seen snapshots unbalanced or incomplete; $loaded with packets queued"
	fi
	# Without the global counters nothing below can be judged (each
	# difference would read 0 and "0 = 0" pass): one failure, no more.
	if ! [[ $(snapshot) =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]]; then
		tap_fail "overflow=$policy: the twin's global counters are there" "stats: $(twin_ctl stats 2>&1)"
		break
	fi
	tap_check "overflow=$policy: the queue drains" wait_for 60 idle
	read -r rec acc drp q ovf < <(snapshot)
	rec=$((rec - base_rec)) acc=$((acc - base_acc)) drp=$((drp - base_drp)) ovf=$((ovf - base_ovf))
	tap_diag "overflow=$policy: received $rec accepted $acc dropped $drp overflow $ovf"
	tap_expect "overflow=$policy: every burst packet was received" $N "$rec"
	[[ $ovf -gt 0 ]] && tap_ok "overflow=$policy: overflow counted ($ovf)" ||
		tap_fail "overflow=$policy: overflow counted" "overflow $ovf"
	tap_expect "overflow=$policy: per-queue overflow = global overflow" "$ovf" "$(queue_stat overflow)"
	tap_expect "overflow=$policy: the queue never held more than maxlen" 32 "$(twin_sum queue max_depth)"
	chain_acc=$(twin_stat chain slow accepts)
	if [[ $policy == drop ]]; then
		tap_expect "overflow=drop: overflowed packets are dropped" "$ovf" "$drp"
		tap_expect "overflow=drop: accepted = inspected" "$chain_acc" "$acc"
	else
		tap_expect "overflow=accept: nothing dropped" 0 "$drp"
		tap_expect "overflow=accept: accepted = inspected + overflowed (fail-open)" \
			"$((chain_acc + ovf))" "$acc"
	fi
	tap_check "overflow=$policy: dst got every accepted packet" \
		wait_for 10 arrived_is "$NS_DST" burst-in $((in0 + acc))
	read -r base_rec base_acc base_drp _ base_ovf < <(snapshot)
done
twin_done
