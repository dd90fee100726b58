#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# select: the traffic selector of either twin (TWIN=user|kernel). Traffic
# that no rule selects passes untouched and is counted as bypassed only;
# selected traffic runs its chain; the first matching rule wins; port-range
# and prefix edges; iif=; a UDP rule does not select TCP to the same port.
#
#   NS_SRC                    NS_IPS: twin, selector          NS_DST
#   eth0 10.91.1.1 -------- eth0          eth1 -------- eth0 10.91.2.2
#   (spoofs 10.91.1.127/.128)  iif=eth1 rule: dst -> src      count_in rules
#
# The chains are empty: a selected packet is accepted at the chain's end, so
# every packet sent must arrive; only the counters tell where it went.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

require_root
require_cmd iptables "$BUILD_DIR/nfips-send"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"

N=3
cat >"$T/select.conf" <<'CONF'
# select case
chain c_tcp
chain c_udp5
chain c_pfx
chain c_iif
select dst=10.91.2.2/32 proto=tcp dport=7001 bypass
select dst=10.91.2.2/32 proto=tcp dport=7000-7010 chain=c_tcp
select proto=udp dport=5000 chain=c_udp5
select src=10.91.1.0/25 proto=udp dport=6100 chain=c_pfx
select iif=eth1 proto=udp dport=6200 chain=c_iif
select any bypass
CONF
RULE_BYPASS_7001=6

twin_load_check "load a config of four empty chains" "$T/select.conf"

for p in 4000 7000 6999 7001 7010 7011 5000 6100 6200; do
	count_in "$NS_DST" udp $p "u$p"
	count_in "$NS_DST" tcp $p "t$p"
done
count_in "$NS_SRC" udp 6200 back6200

# 1. Not selected: passes, bypassed grows, no chain sees it.
bypass0=$(twin_stat global "" bypassed)
send_from "$NS_SRC" -d $DST_IP -P udp --dport 4000 --payload hello --count $N
expect_arrived "$TWIN: unselected UDP passes" "$NS_DST" u4000 $N
bypass1=$(twin_stat global "" bypassed)
if [[ $bypass0 =~ ^[0-9]+$ && $bypass1 =~ ^[0-9]+$ ]] &&
   ((bypass1 - bypass0 >= N)); then
	tap_ok "$TWIN: unselected packets are counted as bypassed"
else
	tap_fail "$TWIN: unselected packets are counted as bypassed" \
		"bypassed before $bypass0, after $bypass1, sent $N"
fi
tap_expect "$TWIN: unselected packets reach no chain" 0 "$(twin_sum chain packets)"
tap_expect "$TWIN: unselected packets are not received" 0 "$(twin_stat global "" received)"

# 2. First match wins: the bypass rule for 7001 comes before the 7000-7010 chain.
send_from "$NS_SRC" -d $DST_IP -P tcp --flags 0x02 --dport 7001 --count $N
expect_arrived "$TWIN: TCP to 7001 passes" "$NS_DST" t7001 $N
tap_expect "$TWIN: first match wins: the bypass rule before the chain rule counts 7001" \
	$N "$(twin_stat rule $RULE_BYPASS_7001 packets)"
tap_expect "$TWIN: first match wins: 7001 does not run chain c_tcp" \
	0 "$(twin_stat chain c_tcp packets)"

# 3. Port-range edges 7000-7010: 6999 and 7011 bypass, 7000 and 7010 selected.
for p in 6999 7011 7000 7010; do
	send_from "$NS_SRC" -d $DST_IP -P tcp --flags 0x02 --dport $p --count $N
done
for p in 6999 7011 7000 7010; do
	expect_arrived "$TWIN: TCP to $p passes" "$NS_DST" t$p $N
done
tap_expect "$TWIN: dport=7000-7010 selects 7000 and 7010, not 6999 or 7011" \
	$((2 * N)) "$(twin_stat chain c_tcp packets)"

# 4. proto=udp dport=5000 selects UDP, not TCP to the same port.
send_from "$NS_SRC" -d $DST_IP -P udp --dport 5000 --payload x --count $N
send_from "$NS_SRC" -d $DST_IP -P tcp --flags 0x02 --dport 5000 --count $N
expect_arrived "$TWIN: UDP to 5000 passes its empty chain" "$NS_DST" u5000 $N
expect_arrived "$TWIN: TCP to 5000 passes" "$NS_DST" t5000 $N
tap_expect "$TWIN: proto=udp dport=5000 selects UDP only" \
	$N "$(twin_stat chain c_udp5 packets)"

# 5. Prefix edges of src=10.91.1.0/25: .0 and .127 in, .128 out.
for s in 10.91.1.128 10.91.1.0 10.91.1.127; do
	send_from "$NS_SRC" -s $s -d $DST_IP -P udp --dport 6100 --payload p --count $N
done
expect_arrived "$TWIN: UDP from the three sources passes" "$NS_DST" u6100 $((3 * N))
tap_expect "$TWIN: src=10.91.1.0/25 selects .0 and .127, not .128" \
	$((2 * N)) "$(twin_stat chain c_pfx packets)"

# 6. iif=eth1: only traffic entering ips from the dst side.
send_from "$NS_SRC" -d $DST_IP -P udp --dport 6200 --payload f --count $N
expect_arrived "$TWIN: UDP src -> dst to 6200 passes" "$NS_DST" u6200 $N
send_from "$NS_DST" -d $SRC_IP -P udp --dport 6200 --payload b --count $N
expect_arrived "$TWIN: UDP dst -> src to 6200 passes" "$NS_SRC" back6200 $N
tap_expect "$TWIN: iif=eth1 selects only packets entering on eth1" \
	$N "$(twin_stat chain c_iif packets)"

# 7. What was selected is what the twin received, all accepted.
sel=$((2 * N + N + 2 * N + N))
tap_expect "$TWIN: global received = packets selected" $sel "$(twin_stat global "" received)"
tap_expect "$TWIN: global accepted = received (empty chains)" $sel "$(twin_stat global "" accepted)"
tap_expect "$TWIN: global dropped = 0" 0 "$(twin_stat global "" dropped)"
[[ $tap_failed -gt 0 ]] && twin_stats_diag

twin_done
