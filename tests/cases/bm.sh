#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bm: the Boyer-Moore payload op-module in either twin (TWIN=user|kernel).
# UDP and TCP packets that carry a pattern are dropped, others pass; nocase;
# a |hex| pattern; a pattern at offset 0, at the very end, and as the whole
# payload; offset/depth window edges; a pattern straddling two IP fragments
# of one UDP datagram, caught once conntrack reassembles in ips (the packet
# the twin sees is then non-linear: frag_list in the kernel); a TCP stream
# with the pattern in the middle of a large write (GSO-sized segments, GRO
# on in ips) stalls before the pattern, a clean stream of the same size
# completes.
#
#   NS_SRC                    NS_IPS: twin                     NS_DST
#   eth0 10.91.1.1 -------- eth0  chain pay:       eth1 -------- eth0 10.91.2.2
#   nfips-send, socat         evil nc hex win                    count_in per port,
#                             (+ conntrack defrag for            socat server
#                              the fragment checks)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

require_root
require_cmd iptables "$BUILD_DIR/nfips-send"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"

N=3
cat >"$T/bm.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
op     nc   bm pattern="attack" nocase action=drop
op     hex  bm pattern=|de ad be ef| action=drop
op     win  bm pattern="WIN" offset=4 depth=8 action=drop
chain  pay  evil nc hex win
select dst=10.91.2.2/32 proto=udp dport=9000-9099 chain=pay
select dst=10.91.2.2/32 proto=tcp dport=9000-9099 chain=pay
select any bypass
CONF
twin_load_check "load the bm config" "$T/bm.conf"

drops=0
# bm_case NAME PROTO PORT drop|pass COUNT NFIPS-SEND-ARGS...: one check.
# A drop is proven, not assumed from silence: COUNT marker packets follow
# the packets under test on the same flow (same queue, same worker), and
# only when the markers have arrived is "none of them arrived" a result;
# the chain's drop counter must also reach the expected total.
MARK=NFIPSMARK	# matches none of the patterns above
bm_case() {
	local name=$1 proto=$2 port=$3 want=$4 cnt=$5 d
	local flags=()
	shift 5
	[[ $proto == tcp ]] && flags=(--flags 0x18)
	count_payload "$NS_DST" $proto $port b$port "!$MARK"
	send_from "$NS_SRC" -d $DST_IP -P $proto --dport $port "${flags[@]}" --count $cnt "$@"
	if [[ $want == pass ]]; then
		expect_arrived "$TWIN: $name passes" "$NS_DST" b$port $cnt
		return
	fi
	drops=$((drops + cnt))
	count_payload "$NS_DST" $proto $port m$port "$MARK"
	send_from "$NS_SRC" -d $DST_IP -P $proto --dport $port "${flags[@]}" --count $cnt --payload "$MARK"
	expect_dropped "$TWIN: $name is dropped" "$NS_DST" b$port 0 m$port $cnt \
		twin_stat_is chain pay drops $drops
	d=$(twin_stat chain pay drops)
	[[ $d =~ ^[0-9]+$ ]] && drops=$d
}

z200=$(printf 'z%.0s' {1..200})
bm_case "UDP with EVIL in the middle"        udp 9001 drop $N --payload "xxEVILxx"
bm_case "UDP with EVLI"                      udp 9002 pass $N --payload "xxEVLIxx"
bm_case "TCP with EVIL in the middle"        tcp 9003 drop $N --payload "xxEVILxx"
bm_case "TCP with EVLI"                      tcp 9004 pass $N --payload "xxEVLIxx"
bm_case "nocase: AtTaCk"                     udp 9005 drop $N --payload "an AtTaCk here"
bm_case "nocase: attac k"                    udp 9006 pass $N --payload "an attac k here"
bm_case "|de ad be ef|"                      udp 9007 drop $N --hex "00 de ad be ef 00"
bm_case "|de ad be ee|"                      udp 9008 pass $N --hex "de ad be ee de ad"
bm_case "EVIL at payload offset 0"           udp 9009 drop $N --payload "EVIL and more"
bm_case "EVIL as the last payload bytes"     udp 9010 drop $N --payload "${z200}EVIL"
bm_case "EVI cut at the payload's end"       udp 9011 pass $N --payload "${z200}EVI"
bm_case "EVIL as the whole payload"          udp 9012 drop $N --payload "EVIL"
bm_case "EVIL as the last bytes of TCP"      tcp 9013 drop $N --payload "${z200}EVIL"
# win: window payload[4 .. 12), the pattern wholly inside.
bm_case "offset=4: WIN at 4"                 udp 9020 drop $N --payload "xxxxWINxxxxxxxx"
bm_case "offset=4: WIN at 3"                 udp 9021 pass $N --payload "xxxWINxxxxxxxxx"
bm_case "depth=8: WIN at 9 (ends at 12)"     udp 9022 drop $N --payload "xxxxxxxxxWINxxxx"
bm_case "depth=8: WIN at 10 (ends at 13)"    udp 9023 pass $N --payload "xxxxxxxxxxWINxxx"

# IP fragments: conntrack in ips reassembles before the twin sees the
# datagram (PREROUTING defrag at -400). UDP payload 100 bytes, fragments of
# 48 bytes of L4: EVIL at payload 38 = L4 46..49 straddles the first cut.
ns "$NS_IPS" iptables -w -A FORWARD -m conntrack --ctstate NEW,ESTABLISHED,RELATED -j ACCEPT
f38=$(printf 'f%.0s' {1..38}) f58=$(printf 'f%.0s' {1..58})
bm_case "EVIL straddling two IP fragments (conntrack defrag)" udp 9030 drop 2 \
	--frag 48 --payload "${f38}EVIL${f58}"
bm_case "a clean fragmented datagram (conntrack defrag)"    udp 9031 pass 2 \
	--frag 48 --payload "${f38}EVIM${f58}"

# TCP streams (tests/twin.sh): a clean one arrives intact, one with EVIL stalls before it.
twin_tcp_stream_cases bm packets
