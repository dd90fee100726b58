#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fail-open: with overflow=accept the NFQUEUE rules carry --queue-bypass,
# so kill -9 of nfipsd leaves traffic flowing (uninspected) and a restart
# resumes inspection; with overflow=drop traffic stops while nfipsd is down.
#
#   src (nfips-send) ---> ips (nfipsd; kill -9; restart) ---> dst
#   UDP :5070 clean, :5071 "EVIL"    selects 5070-5071        counts 5070, 5072,
#   and markers behind it, :5072                              and 5071 EVIL apart
#   unselected                                                from its markers
#
# A drop check waits for proof that the packets were decided (markers sent
# behind them arrive) and checks the IPS's own count of the drops.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

TWIN=user
require_root
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp

conf() {	# conf OVERFLOW
	cat <<CONF
queue workers=2 maxlen=1024 overflow=$1
op    evil  bm pattern="EVIL" action=drop
chain c     evil
select dst=$DST_IP/32 proto=udp dport=5070-5071 chain=c
select any bypass
CONF
}
conf accept >"$T/open.conf"
conf drop >"$T/closed.conf"

# dst counts the clean port, and the EVIL port's packets apart by payload:
# "evil" those that carry EVIL, "mark" the clean markers sent behind them on
# the same flow (expect_dropped). 5072 is selected by no rule: it never
# queues, so it passes while nfipsd is down in either mode.
count_in "$NS_DST" udp 5070 clean
count_in "$NS_DST" udp 5072 free
count_payload "$NS_DST" udp 5071 evil EVIL
count_payload "$NS_DST" udp 5071 mark '!EVIL'
clean() { send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5070 --payload "fine" --count "$1"; }
evil() { send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5071 --payload "an EVIL one" --count "$1"; }
mark() { send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5071 --payload "a marker" --count "$1"; }
free() { send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5072 --payload "unselected" --count "$1"; }
kill9() {
	kill -9 "$twin_pid"
	wait "$twin_pid" 2>/dev/null
	twin_pid=""
}
queue_rules() { { ns "$NS_IPS" iptables-save -t mangle; } 2>/dev/null | grep -c -- '-j NFQUEUE'; }
# Packets the NFQUEUE rules sent towards the queues (their rule counters):
# with nfipsd down and no --queue-bypass, the kernel drops each one there.
queue_hits() {
	ns "$NS_IPS" iptables-save -c -t mangle 2>/dev/null |
		sed -n 's/^\[\([0-9]*\):.*-j NFQUEUE.*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}
queue_hits_ge() { (($(queue_hits) >= $1)); }
dropped_is() { twin_stat_is global "" dropped "$1"; }

twin_load "$T/open.conf" || { tap_fail "nfipsd starts"; twin_done; }
evil 5
mark 5
expect_dropped "running: evil packets dropped (5 markers behind them arrived, nfipsd dropped 5)" \
	"$NS_DST" evil 0 mark 5 dropped_is 5
clean 5
expect_arrived "running: clean packets pass" "$NS_DST" clean 5

# A steady flow while nfipsd dies: what is sent after the death arrives.
send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5070 --payload "flow" --count 1000 --rate 1000 &
flow=$!
# nfipsd is killed mid-flow: once the flow is seen passing it.
wait_for 5 arrived_ge "$NS_DST" clean 105
kill9
wait $flow
got=$(arrived "$NS_DST" clean)
tap_diag "steady flow: $((got - 5)) of 1000 arrived around kill -9 (packets queued at the kill are lost)"
if [[ $got -ge 700 ]]; then
	tap_ok "overflow=accept: the flow keeps going after kill -9"
else
	tap_fail "overflow=accept: the flow keeps going after kill -9" "arrived $((got - 5)) of 1000"
fi
tap_check "the --queue-bypass rules stay after kill -9" bash -c "[[ $(queue_rules) -ge 1 ]]"
base=$(arrived "$NS_DST" clean)
clean 20
evil 5
expect_arrived "nfipsd down, fail-open: clean packets pass" "$NS_DST" clean $((base + 20))
expect_arrived "nfipsd down, fail-open: evil packets pass uninspected" "$NS_DST" evil 5

twin_load "$T/open.conf" || { tap_fail "nfipsd restarts"; twin_done; }
tap_expect "the restart replaced the old rules (one NFQUEUE rule)" 1 "$(queue_rules)"
evil 5
mark 5
expect_dropped "restarted: evil packets dropped again (markers behind them arrived, nfipsd dropped 5)" \
	"$NS_DST" evil 5 mark 10 dropped_is 5
clean 5
expect_arrived "restarted: clean packets pass" "$NS_DST" clean $((base + 25))

# Fail-closed.
twin_ctl load "$T/closed.conf" || tap_fail "load overflow=drop config"
tap_check "overflow=drop: the rules have no --queue-bypass" \
	bash -c "! ip netns exec $NS_IPS iptables-save -t mangle | grep -q -- --queue-bypass"
kill9
hits0=$(queue_hits)
free0=$(arrived "$NS_DST" free)
clean 20
evil 5
mark 5
# Proof that they were decided: the NFQUEUE rules counted all 30 (the kernel
# drops each at the rule, in the same pass, with no listener), then
# unselected packets sent after that arrive.
wait_for 5 queue_hits_ge $((hits0 + 30))
free 5
expect_dropped "nfipsd down, overflow=drop: no evil passes" \
	"$NS_DST" evil 5 free $((free0 + 5)) queue_hits_ge $((hits0 + 30))
expect_arrived "nfipsd down, overflow=drop: no clean packet passes" "$NS_DST" clean $((base + 25))
tap_expect "nfipsd down, overflow=drop: no marker passes" 10 "$(arrived "$NS_DST" mark)"
twin_load "$T/closed.conf" || { tap_fail "nfipsd restarts"; twin_done; }
clean 5
expect_arrived "restarted: traffic flows again" "$NS_DST" clean $((base + 30))

twin_done
