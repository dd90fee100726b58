#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ac: the Aho-Corasick payload op-module in either twin (TWIN=user|kernel).
# UDP and TCP packets that carry one of the patterns are dropped, others
# pass: overlapping patterns (he/she/hers), nocase, |hex|, a pattern at
# offset 0, at the very end and as the whole payload, offset/depth window
# edges; 1,000 patterns from a patterns-file (25 sampled ones dropped, 25
# near misses pass); a missing patterns-file is refused with its name and
# the old config stays; a pattern straddling two IP fragments of one UDP
# datagram, caught once conntrack reassembles in ips (the twin then sees a
# non-linear packet and linearizes it, as for bm); a TCP stream with a
# pattern in the middle of a large write (GSO-sized segments) stalls before
# it, a clean stream of the same size completes.
#
#   NS_SRC                    NS_IPS: twin                     NS_DST
#   eth0 10.91.1.1 -------- eth0  chain pay:       eth1 -------- eth0 10.91.2.2
#   nfips-send, socat         evil nc win sigs                   count_in per port,
#                             (+ conntrack defrag for            socat server
#                              the fragment checks)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

require_root
require_cmd iptables "$BUILD_DIR/nfips-send"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"

# 1,000 distinct patterns no clean payload contains ("sig" + 4 digits + a
# tail), the format hs reads, with a comment, a blank line and a |hex| line.
for i in $(seq 1000); do
	printf 'sig%04d-%x-tail\n' "$i" $((i * 7919 % 65521))
done >"$T/pats.txt"
printf '# a comment line\n\n|c0 ff ee 00 01|\n' >>"$T/pats.txt"

N=3
cat >"$T/ac.conf" <<CONF
op     evil ac pattern="EVIL" pattern=|de ad be ef| pattern=he pattern=she pattern=hers action=drop
op     nc   ac pattern="attack" pattern="exploit" nocase action=drop
op     win  ac pattern="WIN" pattern="WON" offset=4 depth=8 action=drop
op     sigs ac patterns-file=$T/pats.txt action=drop
chain  pay  evil nc win sigs
select dst=10.91.2.2/32 proto=udp dport=9000-9099 chain=pay
select dst=10.91.2.2/32 proto=tcp dport=9000-9099 chain=pay
select any bypass
CONF
twin_load_check "load the ac config (1,000 patterns from a file)" "$T/ac.conf"

drops=0
# ac_case NAME PROTO PORT drop|pass COUNT NFIPS-SEND-ARGS...: one check.
ac_case() {
	local name=$1 proto=$2 port=$3 want=$4 cnt=$5 got d
	local flags=()
	shift 5
	[[ $proto == tcp ]] && flags=(--flags 0x18)
	count_in "$NS_DST" $proto $port a$port
	send_from "$NS_SRC" -d $DST_IP -P $proto --dport $port "${flags[@]}" --count $cnt "$@"
	if [[ $want == pass ]]; then
		expect_arrived "$TWIN: $name passes" "$NS_DST" a$port $cnt
		return
	fi
	drops=$((drops + cnt))
	wait_for 5 twin_stat_is chain pay drops $drops
	d=$(twin_stat chain pay drops)
	got=$(arrived "$NS_DST" a$port)
	if [[ $d == "$drops" && $got == 0 ]]; then
		tap_ok "$TWIN: $name is dropped"
	else
		tap_fail "$TWIN: $name is dropped" "chain pay drops $d (expected $drops), $got of $cnt arrived"
		[[ $d =~ ^[0-9]+$ ]] && drops=$d
	fi
}

z200=$(printf 'z%.0s' {1..200})
ac_case "UDP with EVIL in the middle"        udp 9001 drop $N --payload "xxEVILxx"
ac_case "UDP with EVLI"                      udp 9002 pass $N --payload "xxEVLIxx"
ac_case "TCP with EVIL in the middle"        tcp 9003 drop $N --payload "xxEVILxx"
ac_case "TCP with EVLI"                      tcp 9004 pass $N --payload "xxEVLIxx"
ac_case "ushers (he, she, hers overlap)"     udp 9005 drop $N --payload "ushers"
ac_case "s h e r s (no pattern)"             udp 9006 pass $N --payload "s h e r s"
ac_case "nocase: ExPlOiT"                    udp 9007 drop $N --payload "an ExPlOiT now"
ac_case "nocase: exploi t"                   udp 9008 pass $N --payload "an exploi t now"
ac_case "|de ad be ef|"                      udp 9009 drop $N --hex "00 de ad be ef 00"
ac_case "|de ad be ee|"                      udp 9010 pass $N --hex "de ad be ee de ad"
ac_case "EVIL at payload offset 0"           udp 9011 drop $N --payload "EVIL and more"
ac_case "EVIL as the last payload bytes"     udp 9012 drop $N --payload "${z200}EVIL"
ac_case "EVI cut at the payload's end"       udp 9013 pass $N --payload "${z200}EVI"
ac_case "EVIL as the whole payload"          udp 9014 drop $N --payload "EVIL"
ac_case "EVIL as the last bytes of TCP"      tcp 9015 drop $N --payload "${z200}EVIL"
# win: window payload[4 .. 12), the pattern wholly inside.
ac_case "offset=4: WON at 4"                 udp 9020 drop $N --payload "xxxxWONxxxxxxxx"
ac_case "offset=4: WON at 3"                 udp 9021 pass $N --payload "xxxWONxxxxxxxxx"
ac_case "depth=8: WIN at 9 (ends at 12)"     udp 9022 drop $N --payload "xxxxxxxxxWINxxxx"
ac_case "depth=8: WIN at 10 (ends at 13)"    udp 9023 pass $N --payload "xxxxxxxxxxWINxxx"

# 1,000 patterns from the file: 25 spread over it, and near misses (the
# same pattern with its last byte changed: every prefix state is walked).
count_in "$NS_DST" udp 9040 a9040
sent_bad=0 sent_ok=0
for i in $(seq 1 40 1000); do
	p=$(sed -n "${i}p" "$T/pats.txt")
	send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 9040 --payload "GET /x?q=$p&y=1" &&
		sent_bad=$((sent_bad + 1))
	send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 9040 --payload "GET /x?q=${p%?}X&y=1" &&
		sent_ok=$((sent_ok + 1))
done
send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 9040 --hex "00 c0 ff ee 00 01 ff" &&
	sent_bad=$((sent_bad + 1))
tap_diag "sent $sent_bad packets with one of the file's patterns, $sent_ok near misses"
drops=$((drops + sent_bad))
expect_arrived "$TWIN: exactly the $sent_ok near misses of the 1,000 patterns arrive" \
	"$NS_DST" a9040 "$sent_ok"
expect_stat "$TWIN: op sigs (1,000 patterns) dropped the $sent_bad with a pattern" \
	op sigs drops "$sent_bad"

# A patterns-file that does not exist: refused, naming it; the old config stays.
sed "s|$T/pats.txt|$T/missing.txt|" "$T/ac.conf" >"$T/bad.conf"
if twin_load "$T/bad.conf" 2>"$T/bad.err" >/dev/null; then
	tap_fail "$TWIN: a config naming a missing patterns-file is refused" "it was loaded"
elif grep -q "patterns-file $T/missing.txt: no such file" "$T/bad.err"; then
	tap_ok "$TWIN: a config naming a missing patterns-file is refused ($(head -c 160 "$T/bad.err"))"
else
	tap_fail "$TWIN: a config naming a missing patterns-file is refused with its name" \
		"$(cat "$T/bad.err")"
fi
ac_case "after the refused load: EVIL still" udp 9041 drop 1 --payload "xxEVILxx"

# IP fragments: conntrack in ips reassembles before the twin sees the
# datagram (PREROUTING defrag at -400). UDP payload 100 bytes, fragments of
# 48 bytes of L4: EVIL at payload 38 = L4 46..49 straddles the first cut,
# and so does sig0007-... at payload 35.
ns "$NS_IPS" iptables -w -A FORWARD -m conntrack --ctstate NEW,ESTABLISHED,RELATED -j ACCEPT
f38=$(printf 'f%.0s' {1..38}) f58=$(printf 'f%.0s' {1..58})
p7=$(sed -n 7p "$T/pats.txt")
f35=$(printf 'f%.0s' {1..35}) rest=$(printf 'f%.0s' $(seq $((65 - ${#p7}))))
ac_case "EVIL straddling two IP fragments (conntrack defrag)" udp 9030 drop 2 \
	--frag 48 --payload "${f38}EVIL${f58}"
ac_case "a file pattern straddling two IP fragments"        udp 9031 drop 2 \
	--frag 48 --payload "${f35}${p7}${rest}"
ac_case "a clean fragmented datagram (conntrack defrag)"    udp 9032 pass 2 \
	--frag 48 --payload "${f38}EVIM${f58}"

# TCP streams (tests/twin.sh): a clean one arrives intact, one with EVIL stalls before it.
twin_tcp_stream_cases ac
