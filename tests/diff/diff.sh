#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The differential test (tests/diff/README.md): a corpus of hostile packets
# made from a seed goes through the reference (the shared core's own verdict,
# nfips-diff ref) and through one twin (TWIN=user|kernel|bpf); per packet,
# over the packets plain forwarding delivers, the twin must do what the
# reference says: pass or drop, and the same alerts (which also show what
# was selected, through the config's marker ops).
#
#   $NS_SRC                       $NS_IPS: the twin, forwards             $NS_DST
#   eth0 -----------------------> eth0                  eth1 -----------> eth0
#   nfips-diff send: the corpus   10.200.0.0/16 routed back to src;       nfips-diff recv
#   from 10.200.H.L and           10.91.2.2/.3, fd91:2::2/::3 are         (packet socket:
#   fd91:1::d1ff:HHLL (the id),   permanent neighbours on dst's MAC;      what arrived);
#   raw frames to eth0's MAC      the twin's alerts (see "monitor")       nft drops all
#                                                                         before IP: no replies
#
# Two passes over the same corpus: plain forwarding (the twin holds no
# config) learns which packets the stack delivers at all; then the twin
# with tests/diff/diff.conf. Results and, on a disagreement, disagree.pcap
# and disagree.txt (one line per packet: what the reference and the twin
# did) stay in $NFIPS_DIFF_OUT (default build/diff/$TWIN); the first lines
# also go to the TAP output.
#
# Env: NFIPS_DIFF_SEED (default 14), NFIPS_DIFF_COUNT (packets, default
# 12000), NFIPS_DIFF_PPS (send rate, default 1000; under TCG the kernel
# tier's wrapper sets less).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

SEED=${NFIPS_DIFF_SEED:-14}
COUNT=${NFIPS_DIFF_COUNT:-12000}
PPS=${NFIPS_DIFF_PPS:-1000}
DIFF=$BUILD_DIR/nfips-diff
CONF=$NFIPS_ROOT/tests/diff/diff.conf
OUT=${NFIPS_DIFF_OUT:-$BUILD_DIR/diff/$TWIN}

require_root
require_cmd nft
[[ -x $DIFF ]] || { tap_fail "build/nfips-diff is built (make)"; tap_done; }
topo_setup || skip_all "cannot build the namespaces"
twin_init
mkdir -p "$OUT" && rm -f "$OUT"/{corpus.pcap,ref.txt,{plain,twin,reached}.ids,*.ready,alerts.txt,monitor.err,stats.txt,disagree.pcap,disagree.txt} || { tap_fail "$TWIN: cannot use $OUT"; tap_done; }

# The corpus' sources and second destinations (see the diagram).
DST_MAC=$(mac_of "$NS_DST" eth0)
IPS_MAC=$(mac_of "$NS_IPS" eth0)
ns "$NS_IPS" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 >/dev/null
$IP -n "$NS_IPS" route add 10.200.0.0/16 via $SRC_IP &&
$IP -n "$NS_IPS" -6 route add fd91:1::d1ff:0/112 via $SRC_IP6 &&
$IP -n "$NS_IPS" neigh replace 10.91.2.3 lladdr "$DST_MAC" dev eth1 nud permanent &&
$IP -n "$NS_IPS" neigh replace fd91:2::3 lladdr "$DST_MAC" dev eth1 nud permanent ||
	skip_all "cannot add the corpus' routes and neighbours"
ns "$NS_DST" nft -f - <<'NFT' || skip_all "nft cannot add a prerouting chain"
table inet nfips_diff {
	chain pre { type filter hook prerouting priority -500; policy drop; }
}
NFT

# ---- corpus and reference ----------------------------------------------------
t0=$SECONDS
tap_check "$TWIN: corpus of $COUNT packets from seed $SEED" \
	"$DIFF" gen "$SEED" "$COUNT" "$OUT/corpus.pcap"
tap_check "$TWIN: the reference's verdicts on it" \
	"$DIFF" ref "$CONF" "$OUT/corpus.pcap" "$OUT/ref.txt"
[[ -s $OUT/ref.txt ]] || twin_done
tap_diag "corpus and reference in $((SECONDS - t0)) s"

# ---- one pass: send the corpus, record what arrived at dst -----------------
recv_pid=""
recv_done() { ! kill -0 "$recv_pid" 2>/dev/null; }
loaded=0	# the twin holds the config (pass 2)
queue_empty() { [[ $loaded == 0 || $TWIN == none ]] || [[ $(twin_stat global "" queued) == 0 ]]; }

# pass NAME: the corpus from src, the ids that arrived in $OUT/NAME.ids.
pass() {
	local name=$1 t=$SECONDS rc

	rm -f "$OUT/$name.ready"
	$IP netns exec "$NS_DST" "$DIFF" recv eth0 "$OUT/$name.ids" "$OUT/$name.ready" &
	recv_pid=$!
	lib_pids+=("$recv_pid")
	wait_for 10 test -e "$OUT/$name.ready" || { tap_fail "$TWIN: $name: receiver ready"; return 1; }
	ns "$NS_SRC" "$DIFF" send eth0 "$IPS_MAC" "$OUT/corpus.pcap" "$PPS" ||
		{ tap_fail "$TWIN: $name: send the corpus"; return 1; }
	# Every selected packet has left the IPS before the end marker goes.
	if ! wait_for 60 queue_empty; then
		tap_fail "$TWIN: $name: the twin's queues drain" "queued: $(twin_stat global "" queued)"
		return 1
	fi
	ns "$NS_SRC" "$DIFF" send eth0 "$IPS_MAC" --marker
	if ! wait_for 20 recv_done; then
		kill "$recv_pid" 2>/dev/null
	fi
	wait "$recv_pid"
	rc=$?
	if [[ $rc -ne 0 ]]; then
		tap_fail "$TWIN: $name: the end marker arrived" "nfips-diff recv exited with $rc"
		return 1
	fi
	tap_ok "$TWIN: $name: $(wc -l <"$OUT/$name.ids") of $COUNT packets arrived ($((SECONDS - t)) s at $PPS pps)"
}

# ---- pass 1: plain forwarding (no config in the twin) ---------------------------
# Which packets reach the IPS's PREROUTING at all (the twins count those in
# their rule counters; some of them the stack drops after PREROUTING, like
# IPv4 options it cannot parse): an nft set of source addresses, at
# mangle's priority, where nfipsd's rules sit.
ns "$NS_IPS" nft -f - <<'NFT' || skip_all "nft cannot add a dynamic set"
table inet nfips_diff {
	set seen4 { type ipv4_addr; size 65536; flags dynamic; }
	set seen6 { type ipv6_addr; size 65536; flags dynamic; }
	chain pre {
		type filter hook prerouting priority -150;
		meta nfproto ipv4 ip saddr 10.200.0.0/16 add @seen4 { ip saddr }
		meta nfproto ipv6 ip6 saddr fd91:1::d1ff:0/112 add @seen6 { ip6 saddr }
	}
}
NFT
pass plain || twin_done
# reached.ids: "ID 1" lines, as nfips-diff recv writes them.
{
	ns "$NS_IPS" nft list set inet nfips_diff seen4 |
		grep -oE '10\.200\.[0-9]+\.[0-9]+' | awk -F. '{ print $3 * 256 + $4, 1 }'
	ns "$NS_IPS" nft list set inet nfips_diff seen6 | grep -oE 'fd91:1::d1ff:[0-9a-f]+' |
		while IFS= read -r a; do echo "$((16#${a##*:})) 1"; done
} | sort -n >"$OUT/reached.ids"
ns "$NS_IPS" nft delete table inet nfips_diff
if [[ $(wc -l <"$OUT/plain.ids") -lt $((COUNT / 2)) ]]; then
	tap_fail "$TWIN: plain forwarding delivers most of the corpus" \
		"only $(wc -l <"$OUT/plain.ids") of $COUNT: the topology is broken"
	twin_done
fi

# ---- pass 2: the twin ----------------------------------------------------------
twin_load_check "load tests/diff/diff.conf" "$CONF"
loaded=1
# The alerts: nfipsctl monitor for the user twin; for the kernel twin
# nfips-diff's own subscriber, whose 64 MiB receive buffer loses nothing
# (nfipsctl's libnl socket has 32 KiB: it lost alerts under TCG at 400 pps).
if [[ $TWIN == kernel ]]; then
	mon=("$DIFF" kmonitor)
else
	mon=("$NFIPSCTL" "$(twin_ctl_opts)" monitor)
fi
# Not through ns(): $! must be the monitor itself (ip netns exec execs).
$IP netns exec "$NS_IPS" "${mon[@]}" >"$OUT/alerts.txt" 2>"$OUT/monitor.err" &
lib_pids+=($!)

probes=0	# probes sent while the config is loaded: rule counters count them
probe_seen() {
	ns "$NS_SRC" "$DIFF" send eth0 "$IPS_MAC" --probe && probes=$((probes + 1))
	sleep 0.1
	grep -q ' 10\.200\.255\.254:' "$OUT/alerts.txt"
}
if ! wait_for 20 probe_seen; then
	tap_fail "$TWIN: the alert monitor listens" "$(cat "$OUT/monitor.err")"
	twin_done
fi
pass twin || twin_done
# The probe again: once its alert is read, every earlier one is too.
seen=$(grep -c ' 10\.200\.255\.254:' "$OUT/alerts.txt")
probe_again() { [[ $(grep -c ' 10\.200\.255\.254:' "$OUT/alerts.txt") -gt $seen ]]; }
ns "$NS_SRC" "$DIFF" send eth0 "$IPS_MAC" --probe && probes=$((probes + 1))
wait_for 20 probe_again || tap_fail "$TWIN: the alerts after the corpus were all read"
twin_ctl stats >"$OUT/stats.txt" 2>&1

# What would make the comparison meaningless is checked first.
tap_expect "$TWIN: no queue overflow (the corpus was sent slowly enough)" 0 \
	"$(twin_stat global "" overflow)"
if [[ $TWIN == user || $TWIN == bpf ]]; then
	tap_expect "$TWIN: no alert lost on the way to the monitor" 0 \
		"$(twin_stat global "" alerts_lost)"
fi
if grep -qi lost "$OUT/monitor.err"; then
	tap_fail "$TWIN: the monitor lost no alert" "$(cat "$OUT/monitor.err")"
else
	tap_ok "$TWIN: the monitor lost no alert"
fi

# ---- selection, counted -----------------------------------------------------------
# What the alerts cannot show (a selected packet with neither a TCP header
# nor the payload marker), the rule counters do: per rule with a chain, the
# twin's count must be the reference's over the packets that reached
# PREROUTING, plus the probes (rule of 10.91.2.3 tcp port 80).
probe_line=$(awk '/^select/ && /10\.91\.2\.3\/32 proto=tcp dport=0-1023/ { print NR }' "$CONF")
rule_bad=()
while read -r line; do
	want=$(awk -v l="$line" 'FNR == NR { r[$1] = 1; next }
		$1 == "P" && r[$2] && $3 == "rule:" l { n++ } END { print n + 0 }' \
		"$OUT/reached.ids" "$OUT/ref.txt")
	[[ $line == "$probe_line" ]] && want=$((want + probes))
	got=$(twin_stat rule "$line" packets)
	[[ $got == "$want" ]] || rule_bad+=("rule of line $line: reference $want, $TWIN twin $got")
done < <(awk '/^select/ && /chain=/ { print NR }' "$CONF")
if [[ ${#rule_bad[@]} -eq 0 ]]; then
	tap_ok "$TWIN: each rule selected as many packets as in the reference"
else
	tap_fail "$TWIN: each rule selected as many packets as in the reference" "${rule_bad[@]}"
fi

# ---- compare --------------------------------------------------------------------
if summary=$("$DIFF" cmp "$OUT/corpus.pcap" "$OUT/ref.txt" "$OUT/plain.ids" \
	"$OUT/twin.ids" "$OUT/alerts.txt" "$OUT" "$TWIN" 2>&1); then
	tap_ok "$TWIN: agrees with the reference on every packet: $summary"
else
	tap_fail "$TWIN: agrees with the reference on every packet" "$summary" \
		"disagreeing packets: $OUT/disagree.pcap, one line each in $OUT/disagree.txt; the first:" \
		"$(head -n "${NFIPS_DIFF_SHOW:-40}" "$OUT/disagree.txt")"
	# In the VM nothing outlives the run: the pcap as base64 in the log
	# (sed -n 's/^# b64: //p' LOG | base64 -d >disagree.pcap).
	if [[ -e /etc/nfips-vm.conf ]]; then
		head -c 65536 "$OUT/disagree.pcap" | base64 -w 76 | sed 's/^/# b64: /'
	fi
fi
twin_done
