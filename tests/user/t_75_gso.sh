#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# GSO-sized TCP segments: veth passes the sender's 64 KiB TSO segments
# through, and GRO in ips may merge more; with NFQA_CFG_F_GSO they reach
# nfipsd whole, with the transport checksum not yet computed
# (CHECKSUM_PARTIAL) - and are inspected, not skipped as "bad checksum".
# A 1 MiB TCP write with the bm pattern in the middle is blocked (the
# segment is dropped on every retransmission); a clean stream of the same
# size passes whole.
#
#   src (socat TCP, 1 MiB) ---> ips (GRO on; nfipsd: bm "EVILPATTERN") ---> dst (socat)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

TWIN=user
require_root
require_cmd socat ethtool cmp
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp

ns "$NS_IPS" ethtool -K eth0 gro on >/dev/null 2>&1 || tap_diag "ethtool -K eth0 gro on failed (TSO segments still arrive whole)"
cat >"$T/gso.conf" <<CONF
queue workers=2 maxlen=4096 overflow=drop
op    evil  bm pattern="EVILPATTERN" action=drop
chain c     evil
select dst=$DST_IP/32 proto=tcp dport=5095 chain=c
select any bypass
CONF
twin_load "$T/gso.conf" || { tap_fail "nfipsd starts"; twin_done; }

SIZE=$((1024 * 1024))
head -c $SIZE /dev/zero | tr '\0' 'a' >"$T/clean"
# The pattern a few times inside 4 KiB in the middle: at least one copy
# lies wholly inside any segment (a match split over two packets is not
# found - the documented limit of per-packet inspection).
{ head -c $((SIZE / 2)) "$T/clean"
  for i in 1 2 3 4; do printf 'EVILPATTERN'; head -c 1000 "$T/clean"; done
  head -c $((SIZE / 2 - 4 * 1011)) "$T/clean"; } >"$T/evil"

# transfer FILE OUT: send FILE from src to dst over TCP, at most 5 s.
transfer() {
	rm -f "$2"
	ns "$NS_DST" timeout 8 socat -u TCP-LISTEN:5095,reuseaddr OPEN:"$2",creat,trunc &
	local rx=$!
	wait_for 5 listening "$NS_DST" 5095
	ns "$NS_SRC" timeout 5 socat -u OPEN:"$1" TCP:$DST_IP:5095 2>/dev/null
	# The receiver ends at EOF, after writing everything; a blocked
	# stream never sends EOF.
	wait_for 3 bash -c "! kill -0 $rx 2>/dev/null"
	kill "$rx" 2>/dev/null
	wait "$rx" 2>/dev/null
}

transfer "$T/clean" "$T/out.clean"
tap_check "a clean 1 MiB stream passes whole" cmp -s "$T/clean" "$T/out.clean"
transfer "$T/evil" "$T/out.evil"
got=$(stat -c %s "$T/out.evil" 2>/dev/null || echo 0)
tap_diag "evil stream: $got of $SIZE bytes arrived"
if [[ $got -lt $((SIZE / 2 + 4 * 1011)) ]] && ! grep -q EVILPATTERN "$T/out.evil"; then
	tap_ok "the stream with the pattern in the middle is blocked"
else
	tap_fail "the stream with the pattern in the middle is blocked" "$got bytes arrived"
fi
tap_check "the chain dropped segments" test "$(twin_stat chain c drops)" -gt 0
gso=$(twin_sum queue gso) csum=$(twin_sum queue csum_partial)
tap_diag "queued packets: $(twin_sum queue received), GSO $gso, checksum not ready $csum"
tap_check "GSO packets reached nfipsd whole (NFQA_SKB_GSO seen)" test "$gso" -gt 0

twin_done
