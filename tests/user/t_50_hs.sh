#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hs (Hyperscan) with 1,000 literal patterns from a patterns-file, plus
# inline literals and a regex: exactly the packets carrying one of them are
# dropped.
#
#   src (nfips-send) ---> ips (nfipsd: chain sigs = hs 1000 + hs regex) ---> dst
#   UDP :5050, 25 packets with a sampled pattern,       counts what arrives
#   25 clean, 5 regex hits, 5 regex near-misses
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

TWIN=user
require_root
require_cmd iptables
[[ -x $BUILD_DIR/plugins/nfips_op_hs.so ]] || skip_all "the hs plugin is not built (libhyperscan-dev)"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp

# 1,000 distinct patterns no clean payload contains ("sig" + 4 digits + a tail).
for i in $(seq 1000); do
	printf 'sig%04d-%x-tail\n' "$i" $((i * 7919 % 65521))
done >"$T/pats.txt"
echo "# a comment line" >>"$T/pats.txt"
printf '|de ad be ef 00 01|\n' >>"$T/pats.txt"

cat >"$T/hs.conf" <<CONF
queue workers=2 maxlen=4096 overflow=drop
op   sigs  hs patterns-file=$T/pats.txt action=drop
op   rx    hs regex="evil[0-9]{3}x(yz\|zy)" nocase action=drop
chain ips  sigs rx
select dst=$DST_IP/32 proto=udp dport=5050 chain=ips
select any bypass
CONF

if ! twin_load "$T/hs.conf" 2>"$T/load.err"; then
	tap_fail "nfipsd starts with 1,000 hs patterns" "$(cat "$T/load.err")"
	twin_done
fi
tap_ok "nfipsd starts with 1,000 hs patterns"
count_in "$NS_DST" udp 5050 hs5050

sent_bad=0 sent_ok=0
for i in $(seq 1 40 1000); do	# 25 patterns spread over the file
	p=$(sed -n "${i}p" "$T/pats.txt")
	send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5050 --payload "GET /x?q=$p&y=1" && sent_bad=$((sent_bad + 1))
	send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5050 --payload "GET /x?q=sig$i-clean&y=1" && sent_ok=$((sent_ok + 1))
done
send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5050 --hex "00 de ad be ef 00 01 ff" && sent_bad=$((sent_bad + 1))
for i in 1 2 3 4 5; do
	send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5050 --payload "xx EVIL12${i}XZY yy" && sent_bad=$((sent_bad + 1))
	send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5050 --payload "xx evil12${i}xzz yy" && sent_ok=$((sent_ok + 1))
done
tap_diag "sent $sent_bad packets with a pattern, $sent_ok without"

expect_arrived "exactly the $sent_ok clean packets arrive" "$NS_DST" hs5050 "$sent_ok"
expect_stat "the chain dropped the $sent_bad pattern packets" chain ips drops "$sent_bad"
expect_stat "op sigs (1,000 literals) dropped 26" op sigs drops 26
expect_stat "op rx (regex, nocase) dropped 5" op rx drops 5

# A bad regex is refused, naming the pattern, and the old config stays.
cat >"$T/bad.conf" <<CONF
op   rx    hs regex="ok" regex="broken(" action=drop
chain ips  rx
select any chain=ips
CONF
out=$(twin_ctl load "$T/bad.conf" 2>&1)
if [[ $? -ne 0 && $out == *"bad.conf:1:"*"regex #2"* ]]; then
	tap_ok "a bad regex is refused with file:line and the pattern named"
else
	tap_fail "a bad regex is refused with file:line and the pattern named" "$out"
fi
expect_stat "the old config still runs" op sigs drops 26

twin_done
