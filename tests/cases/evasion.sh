#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# evasion: no way around the selector (issue 14). Port rules must find the
# L4 header at any depth - behind IPv6 extension headers of several kinds and
# lengths, up to a whole 1500-byte MTU, and behind 40 bytes of IPv4 options -
# in either twin (TWIN=user|kernel): an EVIL payload or a TCP NULL scan there
# is dropped by the chain, a clean packet passes. A packet that cannot show
# the ports a rule needs (its L4 header is not within the packet: cut short,
# or behind an extension header that runs past the end) is dropped, never
# bypassed (README, "Decisions"); a packet of a protocol without ports still
# passes the same way, which shows the counters used here count.
#
#   NS_SRC                          NS_IPS: twin                 NS_DST
#   eth0 fd91:1::1 --------- eth0  chain c:          eth1 ------ eth0 fd91:2::2
#        10.91.1.1                 evil(bm) scan(header)              10.91.2.2
#   nfips-send [-6 --ext ...]      udp 5000-5999, tcp 6000-6999   count_in (INPUT)
#   nfips-send --iface (cut)       -> chain c; any -> bypass      mangle PREROUTING
#                                                                 counts (cut ones)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

require_root
require_cmd iptables ip6tables "$BUILD_DIR/nfips-send"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"

N=3
cat >"$T/evasion.conf" <<'CONF'
queue  workers=2 maxlen=4096 overflow=drop
op     evil bm pattern="EVIL" action=drop
op     scan header sig=null action=drop
chain  c    evil scan
select proto=udp dport=5000-5999 chain=c
select proto=tcp dport=6000-6999 chain=c
select any bypass
CONF
twin_load_check "load the evasion config" "$T/evasion.conf"

# 180 destination options headers of 8 bytes: 1440 bytes of chain, so the
# 1500-byte MTU holds the IPv6 header, the chain, UDP and 12 bytes.
many=$(printf 'dst:8,%.0s' $(seq 179))dst:8

drops=0
port=5100
# ev_case NAME FAMILY PROTO drop|pass NFIPS-SEND-ARGS...: N packets to a
# new port of the selected range; drop: the chain drops all N, none arrives.
ev_case() {
	local name=$1 fam=$2 proto=$3 want=$4 d got dport ip6="" dst=$DST_IP
	shift 4
	port=$((port + 1))
	dport=$port
	[[ $proto == tcp ]] && dport=$((port + 1000))
	[[ $fam == 6 ]] && { ip6=ip6; dst=$DST_IP6; }
	count_in "$NS_DST" "$proto" "$dport" "e$dport" $ip6
	send_from "$NS_SRC" ${ip6:+-6} -d "$dst" -P "$proto" --dport "$dport" \
		--count $N "$@" || tap_diag "nfips-send failed: $name"
	if [[ $want == pass ]]; then
		expect_arrived "$TWIN: $name passes" "$NS_DST" "e$dport" $N $ip6
		return
	fi
	drops=$((drops + N))
	wait_for 5 twin_stat_is chain c drops $drops
	d=$(twin_stat chain c drops)
	got=$(arrived "$NS_DST" "e$dport" $ip6)
	if [[ $d == "$drops" && $got == 0 ]]; then
		tap_ok "$TWIN: $name is dropped"
	else
		tap_fail "$TWIN: $name is dropped" \
			"chain c drops $d (expected $drops), $got of $N arrived"
		[[ $d =~ ^[0-9]+$ ]] && drops=$d
	fi
}

# IPv6: kinds and lengths of extension headers, up to the whole MTU.
for spec in "dst:8" "hbh:8,dst:8,rt:16,dst:24" "hbh:256" "rt:512" \
	"hbh:1024,dst:400" "rt:1016,dst:400" "$many"; do
	label=${spec:0:40}
	[[ $spec == "$many" ]] && label="180 x dst:8 (1440 bytes, 1500-byte packet)"
	ev_case "v6 UDP EVIL behind $label" 6 udp drop --ext "$spec" --payload "xxEVILxxxxxx"
	ev_case "v6 UDP clean behind $label" 6 udp pass --ext "$spec" --payload "xxcleanxxxxx"
	ev_case "v6 TCP NULL scan behind $label" 6 tcp drop --ext "$spec" --flags 0x00
done
# IPv4 with the most options an IP header can carry (40 bytes).
ev_case "v4+40 bytes of options UDP EVIL" 4 udp drop --ipopt 40 --payload "an EVIL one"
ev_case "v4+40 bytes of options UDP clean" 4 udp pass --ipopt 40 --payload "a clean one"
ev_case "v4+40 bytes of options TCP NULL scan" 4 tcp drop --ipopt 40 --flags 0x00
ev_case "v4+40 bytes of options TCP SYN" 4 tcp pass --ipopt 40 --flags 0x02
tap_expect "$TWIN: chain c saw every packet sent to the selected ports" \
	$((N * (7 * 3 + 4))) "$(twin_stat chain c packets)"

# No L4 header within the packet: the port rules cannot see the ports, so
# such a packet is dropped (fail closed) - counted where it would arrive, in
# dst's mangle PREROUTING, by its length. ip_rcv/ipv6_rcv trim the frame to
# the IP length, so --tot-len cuts the L4 header (bytes sent as built).
mi=$(mac_of "$NS_IPS" eth0)
cut() { send_from "$NS_SRC" --iface eth0 --dmac "$mi" --count $N "$@"; }
at_dst() {	# at_dst NAME ip4|ip6 MATCH...
	local name=$1 fam=$2 cmd=iptables
	shift 2
	[[ $fam == ip6 ]] && cmd=ip6tables
	ns "$NS_DST" $cmd -w -t mangle -I PREROUTING "$@" -m comment --comment "$name" -j ACCEPT
}
cut_count() { ipt_count "$NS_DST" mangle PREROUTING "$1" "${2:-}"; }
cut_is() { [[ $(cut_count "$1" "${3:-}") == "$2" ]]; }

at_dst cut4udp ip4 -p udp -m length --length 27
at_dst cut4icmp ip4 -p icmp -m length --length 27
at_dst cut6udp ip6 -p udp -m length --length 44
at_dst cut6icmp ip6 -p icmpv6 -m length --length 44
at_dst cut6chain ip6 -m length --length 48
# Controls first: no ports to need, so they pass (the counters count).
cut -d "$DST_IP" -P icmp --tot-len 27 --payload "0123456789"
cut -6 -d "$DST_IP6" -P 58 --tot-len 4 --hex "80000000aabbccdd"
wait_for 5 cut_is cut4icmp $N
tap_expect "$TWIN: v4 ICMP with a 7-byte header (no ports) passes" $N "$(cut_count cut4icmp)"
wait_for 5 cut_is cut6icmp $N ip6
tap_expect "$TWIN: v6 ICMPv6 with a 4-byte header (no ports) passes" $N "$(cut_count cut6icmp ip6)"
# Then the ones a port rule cannot see into, and a marker after them: when
# the marker has arrived, the cut packets have passed the IPS too.
cut -d "$DST_IP" -P udp --dport 5001 --tot-len 27 --payload "an EVIL one"
cut -6 -d "$DST_IP6" -P udp --dport 5001 --tot-len 4 --payload "an EVIL one"
cut -6 -d "$DST_IP6" --ext dst:16 -P udp --dport 5001 --tot-len 8 --payload "an EVIL one"
count_in "$NS_DST" udp 5999 marker
send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 5999 --payload "marker"
expect_arrived "$TWIN: the marker after the cut packets arrives" "$NS_DST" marker 1
tap_expect "$TWIN: v4 UDP with a 7-byte header to a port rule is dropped" 0 "$(cut_count cut4udp)"
tap_expect "$TWIN: v6 UDP with a 4-byte header to a port rule is dropped" 0 "$(cut_count cut6udp ip6)"
tap_expect "$TWIN: v6 destination options running past the end (protocol unknown) is dropped" \
	0 "$(cut_count cut6chain ip6)"
if [[ $tap_failed -gt 0 ]]; then
	twin_stats_diag
	[[ $TWIN == user ]] && ns "$NS_IPS" ip6tables-save -c -t mangle | sed 's/^/#   /'
fi

twin_done
