#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Config reload under traffic: 1,000 loads (NFIPS_RELOADS; alternating two
# configs, both selecting the flow) while a steady UDP flow crosses nfipsd.
# Every packet must arrive: replacing the policy and swapping the iptables
# chain never drops or strands a packet.
#
#   src (nfips-send @ 1000 pps) ---> ips (nfipsd, 2 queues) ---> dst
#   UDP :5060                        load A, B, A, ... x1000     counts
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

TWIN=user
require_root
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp

cat >"$T/a.conf" <<CONF
queue workers=2 maxlen=4096 overflow=drop
op    evil  bm pattern="EVIL" action=drop
chain a     evil
select dst=$DST_IP/32 proto=udp dport=5060 chain=a
select any bypass
CONF
cat >"$T/b.conf" <<CONF
queue workers=2 maxlen=4096 overflow=drop
op    nope  bm pattern="NOPE" pattern=|00 ff 00 ff| nocase action=drop
op    wait  sleep usec=5
chain b     wait nope
select src=$SRC_IP/32 proto=udp dport=5000-5100 chain=b
select any bypass
CONF

twin_load "$T/a.conf" || { tap_fail "nfipsd starts"; twin_done; }
count_in "$NS_DST" udp 5060 r5060

# A steady flow for as long as the reloads take (issue: 1,000 reloads with
# zero loss); nfips-send stops on SIGTERM and says how many it sent.
RELOADS=${NFIPS_RELOADS:-1000}
# `ip netns exec` execs the command, so $! is nfips-send itself.
$IP netns exec "$NS_SRC" "$BUILD_DIR/nfips-send" -d "$DST_IP" -P udp --dport 5060 \
	--payload "clean payload" --count 100000000 --rate 1000 --report \
	2>"$T/sender.err" &
sender=$!
lib_pids+=($sender)
loads_ok=0
t0=$SECONDS
for ((i = 1; i <= RELOADS; i++)); do
	if ((i % 2)); then f=b.conf; else f=a.conf; fi
	twin_ctl load "$T/$f" && loads_ok=$((loads_ok + 1))
done
# Some traffic after the last swap too: 100 packets through the last config.
after=$(arrived "$NS_DST" r5060)
wait_for 5 arrived_ge "$NS_DST" r5060 $((after + 100))
kill -TERM $sender
wait $sender
N=$(sed -n 's/^sent \([0-9]*\) packets$/\1/p' "$T/sender.err")
tap_diag "$RELOADS reloads in $((SECONDS - t0)) s while $N packets were sent"
tap_expect "$RELOADS loads under traffic succeed" "$RELOADS" "$loads_ok"
expect_arrived "all $N packets arrive across $RELOADS reloads" "$NS_DST" r5060 "$N"
tap_expect "nfipsd received every packet (global received)" $N "$(twin_stat global "" received)"
tap_expect "none dropped" 0 "$(twin_stat global "" dropped)"
tap_expect "no overflow" 0 "$(twin_stat global "" overflow)"
if twin_ctl show | grep -qx 'chain a evil'; then
	tap_ok "the last config loaded runs (chain a)"
else
	tap_fail "the last config loaded runs (chain a)" "$(twin_ctl show 2>&1)"
fi

twin_done
