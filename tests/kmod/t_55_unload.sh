#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 120
#
# Unload safety of the kernel twin, under a flood.
#
#   $NS_SRC                   $NS_IPS (forwards, nfips.ko)           $NS_DST
#   eth0 10.91.1.1 --------- eth0 10.91.1.2
#   nfips-send UDP flood      select proto=udp dport=5000
#   to 10.91.2.2:5000          -> chain slow (sleep) / chain pass (no op)
#                            eth1 10.91.2.1 -------------------- eth0 10.91.2.2
#
# 1. With a sleep op in use and packets queued: `rmmod nfips_op_sleep` is
#    refused (module reference per instance), and so is `rmmod nfips` (the
#    op-modules link against it: an op-module in use pins nfips.ko too -
#    removal order is flush, rmmod op-modules, rmmod nfips).
# 2. FLUSH with packets queued: it returns at once and the old config drains
#    in the background; then every queued packet has left exactly once
#    (received = accepted + dropped, queued 0), the op-module is unused and
#    unloads.
# 3. `rmmod nfips` under the flood with packets queued on an op-less chain:
#    clean (no splat - the VM panics on a warning), traffic keeps flowing
#    without nfips, and after reloading the counters start fresh.
# 4. The namespaces (and their devices, whose references queued packets
#    held) go away.
source "$(dirname "$0")/../lib.sh"

require_root
require_cmd "$BUILD_DIR/nfipsctl" "$BUILD_DIR/nfips-send" iptables
[[ -e /proc/modules ]] || skip_all "no module support (run through tests/kmod/run.sh)"
for m in nfips nfips_op_sleep nfips_op_bm nfips_op_header; do
	grep -q "^$m " /proc/modules && skip_all "$m is already loaded"
done
modprobe nfips || skip_all "cannot load nfips.ko"
on_cleanup 'ns "$NS_IPS" "$BUILD_DIR/nfipsctl" -k flush; rmmod nfips_op_sleep nfips'
topo_setup || skip_all "topology setup failed"

ctl() { ns "$NS_IPS" "$BUILD_DIR/nfipsctl" -k "$@"; }
loaded() { grep -q "^$1 " /proc/modules; }
# gstat KEY: a global counter; gq: global queued.
gstat() { ctl stats | awk -v k="$1" '$1 == "global" { for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }'; }
queued_above() { [[ $(gstat queued) -gt $1 ]]; }
# One snapshot: received accepted dropped queued.
balance() {
	ctl stats | awk '$1 == "global" { for (i = 2; i < NF; i++) v[$i] = $(i + 1)
		print v["received"], v["accepted"], v["dropped"], v["queued"] }'
}
flood() {	# flood COUNT RATE: in the background, killed at cleanup
	bg $IP netns exec "$NS_SRC" "$BUILD_DIR/nfips-send" -d $DST_IP -P udp --dport 5000 \
		--size 64 --count "$1" --rate "$2"
	flood_pid=${lib_pids[-1]}
}
stop_flood() { kill "$flood_pid" 2>/dev/null; wait "$flood_pid" 2>/dev/null; }

dir=$(mktemp -d /tmp/nfips-unload.XXXXXX)
on_cleanup "rm -rf $dir"
cat >"$dir/slow.conf" <<'CONF'
queue  workers=1 maxlen=50000 overflow=drop
op     delay sleep usec=500
chain  slow delay
select proto=udp dport=5000 chain=slow
CONF
cat >"$dir/pass.conf" <<'CONF'
queue  workers=1 maxlen=200000 overflow=drop
chain  pass
select proto=udp dport=5000 chain=pass
CONF
count_in "$NS_DST" udp 5000 flood-in

# --- 1: in use --------------------------------------------------------------
tap_check "load a config with a sleep op (autoloads nfips_op_sleep)" ctl load "$dir/slow.conf"
tap_check "nfips_op_sleep was autoloaded" loaded nfips_op_sleep
flood 1000000 20000
tap_check "packets are queued behind the sleep op" wait_for 90 queued_above 50

out=$(rmmod nfips_op_sleep 2>&1)
rc=$?
[[ $rc -ne 0 ]] && loaded nfips_op_sleep &&
	tap_ok "rmmod nfips_op_sleep refused while in use ($out)" ||
	tap_fail "rmmod nfips_op_sleep refused while in use" "rc=$rc out=$out"
out=$(rmmod nfips 2>&1)
rc=$?
[[ $rc -ne 0 ]] && loaded nfips &&
	tap_ok "rmmod nfips refused while an op-module uses it ($out)" ||
	tap_fail "rmmod nfips refused while an op-module uses it" "rc=$rc out=$out"
tap_check "still inspecting after the refused unloads" wait_for 30 queued_above 0

# --- 2: flush with packets queued --------------------------------------------
before=$(gstat queued)
tap_check "flush with $before packets queued, under the flood" ctl flush
# FLUSH returns at once; the old config drains in the background.
idle() { [[ $(gstat queued) == 0 ]]; }
wait_for 90 idle
read -r rec acc drp q < <(balance)
tap_diag "after flush: received $rec accepted $acc dropped $drp queued $q"
tap_expect "after flush: nothing queued once the old config drained" 0 "$q"
tap_expect "after flush: received = accepted + dropped (each left once)" "$rec" "$((acc + drp))"
tap_check "the sleep op-module is unused now and unloads" wait_for 30 rmmod nfips_op_sleep

# --- 3: rmmod nfips with packets queued ---------------------------------------
tap_check "load a config with an op-less chain" ctl load "$dir/pass.conf"
stop_flood
flood 3000000 0
depth_seen() {
	ctl stats | awk '$1 == "queue" { for (i = 2; i < NF; i++) if ($i == "depth" && $(i + 1) > 0) f = 1 } END { exit !f }'
}
if wait_for 60 depth_seen; then
	tap_ok "packets seen queued on the op-less chain"
else
	tap_skip "packets seen queued on the op-less chain" "the worker kept up with the flood"
fi
tap_diag "$(ctl stats | grep -E '^(global|queue)')"
tap_check "rmmod nfips under the flood" rmmod nfips
tap_check "nfips is gone" bash -c '! grep -q "^nfips " /proc/modules && [[ ! -e /sys/module/nfips ]]'
n0=$(ipt_count "$NS_DST" filter INPUT flood-in)
more() { [[ $(ipt_count "$NS_DST" filter INPUT flood-in) -gt $((n0 + 100)) ]]; }
tap_check "traffic keeps flowing without nfips" wait_for 60 more
stop_flood

tap_check "modprobe nfips again" modprobe nfips
read -r rec acc drp q < <(balance)
tap_expect "after reload: counters start fresh (received accepted dropped queued)" "0 0 0 0" "$rec $acc $drp $q"
tap_expect "after reload: no config" "" "$(ctl show | grep -v '^#' | grep -v '^queue')"

# --- 4: the namespaces go away -------------------------------------------------
tap_check "rmmod nfips (idle)" rmmod nfips
for n in "$NS_SRC" "$NS_IPS" "$NS_DST"; do $IP netns del "$n"; done
lib_netns=()
tap_done
