#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Network namespace teardown with packets queued, ROUNDS times: a fresh pair
# of namespaces (src, ips), a config in ips whose chain spends 2 ms per
# packet (one worker, so the queue fills), a flood to ips's own address
# (selected in PREROUTING like forwarded traffic), and `ip netns del` of ips
# while the flood still runs and packets are queued. The queued packets hold
# references to the namespace's devices; nfips must give every one back
# (free them) so the namespace can go: no "unregister_netdevice: waiting for
# ... to become free", no splat, no leak. Proof that each namespace's nfips
# instance was destroyed: at the end the sleep op-module (whose instances
# only the dead configs held) unloads, and so does nfips.ko.
#
#   NS_SRC (new each round)          NS_IPS (new each round): nfips config
#   eth0 10.91.1.1 ---------------- eth0 10.91.1.2   queue workers=1
#   nfips-send flood                 chain slow: sleep usec=2000
#   (udp 10.91.1.2:7300)             `ip netns del` with packets queued
#
# Env: NFIPS_SOAK_NETNS      rounds (default 20; 6 on a stock kernel)
#      NFIPS_SOAK_FLOOD_PPS  flood rate (default 5000)
# kmod-timeout: 120
source "$(dirname "$0")/../lib.sh"
TWIN=kernel
source "$(dirname "$0")/../twin.sh"
source "$(dirname "$0")/../kmod-debug/soak.sh"

echo "TAP version 13"
require_root
require_cmd "$BUILD_DIR/nfips-send" "$BUILD_DIR/nfipsctl"

ROUNDS=$(soak_count NFIPS_SOAK_NETNS 20 6)
PPS=$(soak_count NFIPS_SOAK_FLOOD_PPS 5000)
PORT=7300
T=$(mktemp -d /tmp/nfips-netns.XXXXXX) || skip_all "mktemp failed"
on_cleanup "rm -rf '$T'"
cat >"$T/slow.conf" <<CONF
queue  workers=1 maxlen=65536 overflow=drop
op     slow sleep usec=2000
chain  slow slow
select dst=$IPS_IP_IN/32 proto=udp dport=$PORT chain=slow
select any bypass
CONF

mods_before=$(twin_modules)
[[ -z $mods_before ]] || skip_all "nfips modules already loaded: $mods_before"
modprobe nfips || skip_all "cannot load nfips.ko (the kernel twin runs inside the VM)"
on_cleanup "rmmod nfips_op_sleep; rmmod nfips"
kmemleak_begin
klog_begin

# Two namespaces and one veth pair; a permanent neighbour, so nothing waits
# on ARP.
pair_setup() {	# pair_setup SUFFIX
	NS_SRC=nfsrc-$1 NS_IPS=nfips-$1
	ns_add "$NS_SRC" && ns_add "$NS_IPS" &&
		$IP link add eth0 netns "$NS_SRC" type veth peer name eth0 netns "$NS_IPS" &&
		$IP -n "$NS_SRC" addr add $SRC_IP/24 dev eth0 &&
		$IP -n "$NS_IPS" addr add $IPS_IP_IN/24 dev eth0 &&
		$IP -n "$NS_SRC" link set eth0 up && $IP -n "$NS_IPS" link set eth0 up &&
		$IP -n "$NS_SRC" neigh replace $IPS_IP_IN lladdr "$(mac_of "$NS_IPS" eth0)" \
			dev eth0 nud permanent
}

fails=0 queued_seen=0
note() { tap_diag "round $r: $*"; fails=$((fails + 1)); }
for ((r = 1; r <= ROUNDS; r++)); do
	pair_setup "$$-$r" || { note "cannot build the namespaces"; break; }
	if ! out=$(twin_ctl load "$T/slow.conf" 2>&1); then
		note "load: $out"
		break
	fi
	$IP netns exec "$NS_SRC" "$BUILD_DIR/nfips-send" -d $IPS_IP_IN -P udp --dport $PORT \
		--payload flood --count 100000000 --rate "$PPS" >/dev/null 2>&1 &
	flood=$!
	lib_pids+=("$flood")
	if wait_for $((5 * SLOW)) global_above queued 10; then
		queued_seen=$((queued_seen + 1))
	else
		note "no packets queued after $((5 * SLOW)) s"
	fi
	# The ips namespace goes first, with the flood still coming in.
	$IP netns del "$NS_IPS" || note "ip netns del $NS_IPS failed"
	kill "$flood" 2>/dev/null
	wait "$flood" 2>/dev/null
	$IP netns del "$NS_SRC"
	lib_netns=()
done
tap_expect "$ROUNDS namespaces deleted with packets queued" 0 "$fails"
tap_expect "packets were queued at each deletion" "$ROUNDS" "$queued_seen"

# Each dead namespace's config held an instance of the sleep op-module: it
# unloads once every namespace is gone (cleanup_net runs asynchronously).
rmmod_ok() { rmmod "$1" 2>/dev/null; }
if wait_for $((30 * SLOW)) rmmod_ok nfips_op_sleep; then
	tap_ok "every namespace's config was destroyed (nfips_op_sleep unloads)"
else
	tap_fail "every namespace's config was destroyed (nfips_op_sleep unloads)" \
		"$(grep '^nfips' /proc/modules)"
fi
if wait_for $((10 * SLOW)) rmmod_ok nfips; then
	tap_ok "nfips.ko unloads"
else
	tap_fail "nfips.ko unloads" "$(grep '^nfips' /proc/modules)"
fi
stuck=$(klog_new | grep -m3 -E 'unregister_netdevice: waiting|waiting for .* to become free')
tap_expect "no netdevice left waiting for its references" "" "$stuck"
kmemleak_check "kmemleak: nothing new after the namespace deletions"
tap_done
