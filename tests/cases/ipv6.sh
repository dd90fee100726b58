#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipv6: IPv6 traffic through either twin (TWIN=user|kernel). dst=fd91:2::/64
# selects it; the header and bm op-modules drop v6 TCP NULL scans and v6
# payloads with EVIL, clean v6 passes; IPv4 with EVIL is not selected; with
# a hop-by-hop options header before TCP/UDP (nfips-send --hbh) the ops
# still find the L4 header and payload.
#
#   NS_SRC                    NS_IPS: twin                     NS_DST
#   eth0 fd91:1::1 -------- eth0  chain v6:      eth1 -------- eth0 fd91:2::2
#        10.91.1.1                scan(null) evil(bm)              10.91.2.2
#   nfips-send -6 [--hbh]                                     count_in (ip6tables)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

require_root
require_cmd iptables ip6tables "$BUILD_DIR/nfips-send"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"

N=3
cat >"$T/ipv6.conf" <<'CONF'
op     scan header sig=null action=drop
op     evil bm pattern="EVIL" action=drop
chain  v6   scan evil
select dst=fd91:2::/64 chain=v6
select any bypass
CONF
twin_load_check "load the ipv6 config" "$T/ipv6.conf"

drops=0
# v6_case NAME PROTO PORT drop|pass NFIPS-SEND-ARGS...
v6_case() {
	local name=$1 proto=$2 port=$3 want=$4 got d
	shift 4
	count_in "$NS_DST" $proto $port v$port ip6
	send_from "$NS_SRC" -6 -d $DST_IP6 -P $proto --dport $port --count $N "$@"
	if [[ $want == pass ]]; then
		expect_arrived "$TWIN: $name passes" "$NS_DST" v$port $N ip6
		return
	fi
	drops=$((drops + N))
	wait_for 5 twin_stat_is chain v6 drops $drops
	d=$(twin_stat chain v6 drops)
	got=$(arrived "$NS_DST" v$port ip6)
	if [[ $d == "$drops" && $got == 0 ]]; then
		tap_ok "$TWIN: $name is dropped"
	else
		tap_fail "$TWIN: $name is dropped" "chain v6 drops $d (expected $drops), $got of $N arrived"
		[[ $d =~ ^[0-9]+$ ]] && drops=$d
	fi
}

v6_case "v6 TCP NULL scan"              tcp 8100 drop --flags 0x00
v6_case "v6 TCP SYN"                    tcp 8101 pass --flags 0x02
v6_case "v6 UDP with EVIL"              udp 8102 drop --payload "an EVIL v6 payload"
v6_case "v6 UDP clean"                  udp 8103 pass --payload "a clean v6 payload"
v6_case "v6 TCP PSH|ACK with EVIL"      tcp 8104 drop --flags 0x18 --payload "xxEVILxx"
v6_case "v6+HBH TCP NULL scan"          tcp 8110 drop --flags 0x00 --hbh
v6_case "v6+HBH TCP SYN"                tcp 8111 pass --flags 0x02 --hbh
v6_case "v6+HBH UDP with EVIL"          udp 8112 drop --payload "an EVIL v6 payload" --hbh
v6_case "v6+HBH UDP clean"              udp 8113 pass --payload "a clean v6 payload" --hbh
tap_expect "$TWIN: chain v6 saw every v6 packet" $((9 * N)) "$(twin_stat chain v6 packets)"

# IPv4 is not selected by the v6 prefix.
count_in "$NS_DST" udp 8120 v4evil
send_from "$NS_SRC" -d $DST_IP -P udp --dport 8120 --payload "an EVIL v4 payload" --count $N
expect_arrived "$TWIN: IPv4 with EVIL is not selected and passes" "$NS_DST" v4evil $N
tap_expect "$TWIN: IPv4 adds nothing to chain v6" $((9 * N)) "$(twin_stat chain v6 packets)"
[[ $tap_failed -gt 0 ]] && twin_stats_diag

twin_done
