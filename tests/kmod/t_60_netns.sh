#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 200
#
# Deleting the namespace nfips runs in, with packets queued, is clean: the
# device notifier frees the queued packets of its devices (or
# unregister_netdevice would wait for their references forever), the
# namespace's exit removes the hooks and retires the config. Repeated.
#
#   $NS_SRC                   $NS_IPS (nfips.ko config, deleted)      $NS_DST
#   eth0 10.91.1.1 --------- eth0 10.91.1.2
#   UDP flood to             select proto=udp dport=5000 -> chain slow (sleep)
#   10.91.2.2:5000           eth1 10.91.2.1 -------------------- eth0 10.91.2.2
source "$(dirname "$0")/../lib.sh"

require_root
require_cmd "$BUILD_DIR/nfipsctl" "$BUILD_DIR/nfips-send"
[[ -e /proc/modules ]] || skip_all "no module support (run through tests/kmod/run.sh)"
grep -q "^nfips " /proc/modules && skip_all "nfips is already loaded"
modprobe nfips || skip_all "cannot load nfips.ko"
on_cleanup 'rmmod nfips_op_sleep nfips'

conf=$(mktemp /tmp/nfips-netns.XXXXXX)
on_cleanup "rm -f $conf"
cat >"$conf" <<'CONF'
queue  workers=2 maxlen=20000 overflow=drop
op     delay sleep usec=300
chain  slow delay
select proto=udp dport=5000 chain=slow
CONF

dmesg_before=$(dmesg | wc -l)
for round in 1 2 3; do
	TOPO_SUFFIX=r$round-$$ topo_setup || skip_all "topology setup failed"
	ctl() { ns "$NS_IPS" "$BUILD_DIR/nfipsctl" -k "$@"; }
	queued() { ctl stats | awk '$1 == "global" { for (i = 2; i < NF; i++) if ($i == "queued") print $(i + 1) }'; }
	queued_some() { [[ $(queued) -gt 20 ]]; }

	tap_check "round $round: load a sleep config in the ips namespace" ctl load "$conf"
	bg $IP netns exec "$NS_SRC" "$BUILD_DIR/nfips-send" -d $DST_IP -P udp --dport 5000 \
		--size 64 --count 1000000 --rate 20000 2>/dev/null
	tap_check "round $round: packets queued" wait_for 30 queued_some
	tap_diag "round $round: $(ctl stats | grep '^global')"
	tap_check "round $round: delete the ips namespace with packets queued" \
		$IP netns del "$NS_IPS"
	tap_check "round $round: the peers' veth ends vanish with it" \
		wait_for 30 bash -c "! $IP -n $NS_SRC link show eth0 && ! $IP -n $NS_DST link show eth0"
	# This round's sender and namespaces only (cleanup() would also run
	# the hooks registered for the whole test).
	for p in "${lib_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for n in "$NS_SRC" "$NS_DST"; do $IP netns del "$n"; done
	lib_pids=() lib_netns=()
done

# The namespace's own cleanup runs in a workqueue: give it the 10 s after
# which unregister_netdevice reports a leaked device reference.
sleep 12
leak=$(dmesg | tail -n +$((dmesg_before + 1)) | grep -E "to become free|nfips" | grep -v loaded)
tap_expect "no 'waiting for device to become free' and no nfips message in the log" "" "$leak"
tap_check "the sleep op-module is unused again (every config was retired)" rmmod nfips_op_sleep
tap_check "rmmod nfips" rmmod nfips
tap_done
