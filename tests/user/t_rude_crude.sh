#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nfips-rude -> nfips-crude end to end, no IPS in between: the counts, loss,
# sequence numbers and delays CRUDE reports for a short RUDE script, in each
# wire layout, and CRUDE's per-packet line, binary log and -n.
#
#   NS_SRC (rude-s-<id>)                    NS_DST (rude-d-<id>)
#   nfips-rude                              nfips-crude -6 :10001
#   vs<id> 10.201.0.1/24 ---- veth ---- vd<id> 10.201.0.2/24
#          fd00:201::1/64                         fd00:201::2/64
#
# Run 1 (--wire 070-64, -s + --json): flow 10 IPv4 1000 pps x 200 B for
# 1 s; flow 11 IPv4 500 pps x 100 B, MODIFY to 1000 pps at 500 ms; flow 12
# IPv6 200 pps x 300 B. Run 2 (--wire 070): per-packet lines on stdout.
# Run 3 (--wire 08, minimum payload 24): -l binary log, -n, then -d.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
RUDE=$PWD/$BUILD/nfips-rude
CRUDE=$PWD/$BUILD/nfips-crude
ID=$(printf '%04x%02x' $((RANDOM)) $((RANDOM % 256)))
NS_SRC=rude-s-$ID
NS_DST=rude-d-$ID
T=
CRUDE_PID=
N=0
FAILED=0

ok() { N=$((N + 1)); echo "ok $N - $1"; }
fail() {
	N=$((N + 1)); FAILED=1
	echo "not ok $N - $1"
	shift
	[[ $# -gt 0 ]] && printf '# %s\n' "$@"
}
check() {	# check NAME COND-COMMAND...: ok when the command succeeds
	local name=$1
	shift
	if "$@" >/dev/null; then ok "$name"; else fail "$name"; fi
}
skip_all() { echo "1..0 # SKIP $1"; exit 4; }

cleanup() {
	[[ -n $CRUDE_PID ]] && kill "$CRUDE_PID" 2>/dev/null
	ip netns del "$NS_SRC" 2>/dev/null
	ip netns del "$NS_DST" 2>/dev/null
	[[ -n $T ]] && rm -rf "$T"
}
trap cleanup EXIT
[[ -n ${KEEP:-} ]] && trap - EXIT

echo "TAP version 13"
for c in ip ss jq; do
	command -v $c >/dev/null || skip_all "$c is missing"
done
[[ -x $RUDE && -x $CRUDE ]] || skip_all "build nfips-rude and nfips-crude first (make)"
[[ $(id -u) -eq 0 ]] || skip_all "needs root for network namespaces"
T=$(mktemp -d /tmp/t_rude_crude.XXXXXX) || skip_all "mktemp failed"

ip netns add "$NS_SRC" && ip netns add "$NS_DST" &&
ip link add "vs$ID" netns "$NS_SRC" type veth peer name "vd$ID" netns "$NS_DST" &&
ip -n "$NS_SRC" addr add 10.201.0.1/24 dev "vs$ID" &&
ip -n "$NS_DST" addr add 10.201.0.2/24 dev "vd$ID" &&
ip -n "$NS_SRC" addr add fd00:201::1/64 dev "vs$ID" nodad &&
ip -n "$NS_DST" addr add fd00:201::2/64 dev "vd$ID" nodad &&
ip -n "$NS_SRC" link set "vs$ID" up && ip -n "$NS_DST" link set "vd$ID" up &&
ip -n "$NS_SRC" link set lo up && ip -n "$NS_DST" link set lo up ||
	skip_all "cannot build the namespaces"
echo "1..17"

# Start nfips-crude in NS_DST; wait until it says it listens.
crude_start() {	# crude_start NAME ARGS...
	local name=$1 i
	shift
	ip netns exec "$NS_DST" "$CRUDE" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	CRUDE_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -qs "listening" "$T/$name.err" && return 0
		kill -0 "$CRUDE_PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

# Stop it once its socket is drained (CRUDE flushes on SIGINT).
crude_stop() {
	local i q
	for ((i = 0; i < 100; i++)); do
		q=$(ip netns exec "$NS_DST" ss -Huln 'sport = :10001' | awk '{ s += $2 } END { print s + 0 }')
		[[ $q == 0 ]] && break
		sleep 0.05
	done
	kill -INT "$CRUDE_PID" 2>/dev/null
	wait "$CRUDE_PID"
	local rc=$?
	CRUDE_PID=
	return $rc
}

# Permanent neighbour entries: no ARP/ND at the first packet (a lost first
# solicitation on a fresh link holds IPv6 packets for a 1 s retransmit).
mac() { ip -n "$1" link show dev "$2" | awk '/link\/ether/ { print $2 }'; }
MAC_S=$(mac "$NS_SRC" "vs$ID") MAC_D=$(mac "$NS_DST" "vd$ID")
ip -n "$NS_SRC" neigh replace 10.201.0.2 lladdr "$MAC_D" dev "vs$ID" nud permanent &&
ip -n "$NS_SRC" neigh replace fd00:201::2 lladdr "$MAC_D" dev "vs$ID" nud permanent &&
ip -n "$NS_DST" neigh replace 10.201.0.1 lladdr "$MAC_S" dev "vd$ID" nud permanent &&
ip -n "$NS_DST" neigh replace fd00:201::1 lladdr "$MAC_S" dev "vd$ID" nud permanent ||
	echo "# could not set neighbour entries"

# ---- run 1: three flows, statistics and JSON --------------------------
cat >"$T/run1.rude" <<'EOF'
# nfips t_rude_crude run 1
START NOW
0 10 ON 3001 10.201.0.2:10001 CONSTANT 1000 200
0 11 ON 3002 10.201.0.2:10001 CONSTANT 500 100
TOS 11 0x10
0 12 ON 3003 [fd00:201::2]:10001 CONSTANT 200 300
500 11 MODIFY CONSTANT 1000 100
1000 10 OFF
1000 11 OFF
1000 12 OFF
EOF
if crude_start run1 -6 -s 10,11,12 --json "$T/run1.json"; then
	ok "nfips-crude listens (dual stack)"
else
	fail "nfips-crude listens (dual stack)" "$(cat "$T/run1.err")"
fi
if ip netns exec "$NS_SRC" "$RUDE" -s "$T/run1.rude" --wire 070-64 2>"$T/rude1.err"; then
	ok "nfips-rude runs the script"
else
	fail "nfips-rude runs the script" "$(cat "$T/rude1.err")"
fi
crude_stop
check "nfips-crude exits 0 on SIGINT and writes JSON" test -s "$T/run1.json"

flow() {	# flow ID FIELD: a field of flow ID in run 1's JSON
	jq -r ".flows[] | select(.id == $1) | .$2" "$T/run1.json" 2>/dev/null
}
expect_flow() {	# expect_flow NAME ID RECEIVED
	local r l o f s
	r=$(flow "$2" received) l=$(flow "$2" lost) o=$(flow "$2" out_of_sequence)
	f=$(flow "$2" first_seq) s=$(flow "$2" last_seq)
	if [[ $r == "$3" && $l == 0 && $o == 0 && $f == 0 && $s == $(($3 - 1)) ]]; then
		ok "$1: $3 packets, no loss, in sequence"
	else
		fail "$1: $3 packets, no loss, in sequence" \
			"received=$r lost=$l out_of_sequence=$o seq=$f..$s" \
			"$(cat "$T/rude1.err")"
	fi
}
expect_flow "flow 10 (IPv4, 1000 pps)" 10 1000
expect_flow "flow 11 (IPv4, 500 then 1000 pps)" 11 750
expect_flow "flow 12 (IPv6 destination)" 12 200

# Delays: positive, and far below a millisecond-scale bound on a veth.
sane=1
for id in 10 11 12; do
	jq -e --argjson id $id '.flows[] | select(.id == $id) |
		.delay_min_s >= 0 and .delay_avg_s > 0 and .delay_median_s > 0 and
		.delay_p99_s < 0.05 and .delay_max_s < 0.5 and
		.delay_min_s <= .delay_median_s and .delay_median_s <= .delay_p99_s and
		.delay_p99_s <= .delay_max_s and .jitter_s >= 0' \
		"$T/run1.json" >/dev/null || sane=0
done
check "one-way delays are positive and sane (min <= median <= p99 <= max)" test $sane = 1
check "layout detected as 070-64, kernel timestamps, no socket drops" \
	jq -e '([.flows[].wire] | unique) == ["070-64"] and .kernel_timestamps and
	       .socket_drops == 0 and .undecodable == 0' "$T/run1.json"
bps=$(flow 10 throughput_Bps)
# Functional, not a speed target: a loaded machine may stall a send for tens
# of ms, so only a gross error in the computation fails this.
check "flow 10 throughput near 200000 B/s ($bps)" \
	jq -e '.flows[] | select(.id == 10) | .throughput_Bps > 180000 and .throughput_Bps < 220000' "$T/run1.json"
if grep -q "^Flow_ID=11 $" "$T/run1.out" && grep -q "^Packets: received=750 " "$T/run1.out" &&
   grep -q "^Runtime statistics results: $" "$T/run1.out"; then
	ok "-s prints CRUDE statistics per flow"
else
	fail "-s prints CRUDE statistics per flow" "$(cat "$T/run1.out")"
fi
# nfips-rude's own report: achieved rate within 5 % of the request (a
# loaded machine delays single sends; the schedule itself does not drift).
line=$(grep '^flow 10:' "$T/rude1.err")
if [[ $line =~ requested\ ([0-9.]+)\ pps,\ achieved\ ([0-9.]+)\ pps,\ 1000\ packets\ sent,\ 0\ missed.*,\ 0\ send\ errors ]] &&
   awk -v r="${BASH_REMATCH[1]}" -v a="${BASH_REMATCH[2]}" \
	'BEGIN { exit !(r == 1000 && a > 950 && a < 1050) }'; then
	ok "nfips-rude reports 1000 pps requested and achieved"
else
	fail "nfips-rude reports 1000 pps requested and achieved" "$line"
fi

# ---- run 2: 0.70 20-byte layout, per-packet lines ----------------------
cat >"$T/run2.rude" <<'EOF'
START NOW
0 20 ON 4001 10.201.0.2:10001 CONSTANT 1000 64
100 20 OFF
EOF
crude_start run2 || echo "# nfips-crude did not start: $(cat "$T/run2.err")"
ip netns exec "$NS_SRC" "$RUDE" -q -s "$T/run2.rude" --wire 070 2>"$T/rude2.err"
crude_stop
re='^ID=20 SEQ=[0-9]+ SRC=10\.201\.0\.1:4001 DST=10\.201\.0\.2:10001 Tx=[0-9]+\.[0-9]{6} Rx=[0-9]+\.[0-9]{6} SIZE=64$'
n=$(grep -cE "$re" "$T/run2.out")
seqs=$(sed -n 's/^ID=20 SEQ=\([0-9]*\) .*/\1/p' "$T/run2.out" | sort -n | uniq | tr '\n' ' ')
if [[ $n == 100 && $seqs == "$(seq -s ' ' 0 99) " ]]; then
	ok "070: 100 CRUDE per-packet lines, seq 0..99"
else
	fail "070: 100 CRUDE per-packet lines, seq 0..99" "lines=$n" "$(head -3 "$T/run2.out")"
fi
# Rx not before Tx on any line (one clock on both ends), in microseconds:
# sec.usec does not fit a double's precision as one number.
check "070: Rx >= Tx on every line" awk '
	{ for (i = 1; i <= NF; i++) {
		if ($i ~ /^Tx=/) { split(substr($i, 4), t, ".") }
		if ($i ~ /^Rx=/) { split(substr($i, 4), r, ".") } }
	  if ((r[1] - t[1]) * 1000000 + (r[2] - t[2]) < 0) bad++ }
	END { exit bad > 0 || NR != 100 }' "$T/run2.out"

# ---- run 3: 0.8.x 144-byte layout at its minimum payload, -l, -n, -d ----
cat >"$T/run3.rude" <<'EOF'
START NOW
0 30 ON 5001 10.201.0.2:10001 CONSTANT 2000 24
50 30 OFF
EOF
crude_start run3 -l "$T/run3.bin" -n 50 ||
	echo "# nfips-crude did not start: $(cat "$T/run3.err")"
ip netns exec "$NS_SRC" "$RUDE" -q -s "$T/run3.rude" --wire 08 2>"$T/rude3.err"
# -n 50 must end it by itself.
for ((i = 0; i < 100; i++)); do
	kill -0 "$CRUDE_PID" 2>/dev/null || break
	sleep 0.05
done
if ! kill -0 "$CRUDE_PID" 2>/dev/null && wait "$CRUDE_PID"; then
	ok "-n 50 stops nfips-crude after 100 packets were sent"
else
	fail "-n 50 stops nfips-crude after 100 packets were sent" "$(cat "$T/run3.err")"
fi
CRUDE_PID=
"$CRUDE" -d "$T/run3.bin" -s 30 >"$T/run3.dec" 2>"$T/run3.derr"
n=$(grep -cE '^ID=30 SEQ=[0-9]+ SRC=10\.201\.0\.1:5001 DST=10\.201\.0\.2:10001 Tx=[0-9.]+ Rx=[0-9.]+ SIZE=24$' "$T/run3.dec")
if [[ $n == 50 ]] && grep -q "^Sequence numbers: first=0   last=49 $" "$T/run3.dec"; then
	ok "08: binary log of 50 packets decodes with -d (and -s from the log)"
else
	fail "08: binary log of 50 packets decodes with -d (and -s from the log)" \
		"lines=$n" "$(head -3 "$T/run3.dec")" "$(cat "$T/run3.derr")"
fi
check "a file that is not a log is refused" \
	bash -c "! '$CRUDE' -d '$T/run3.rude' >/dev/null 2>&1"

# ---- errors ------------------------------------------------------------
printf 'START NOW\n0 1 ON 3001 10.201.0.2:10001 CONSTANT 10 10\n1 1 OFF\n' >"$T/bad.rude"
msg=$("$RUDE" -s "$T/bad.rude" 2>&1)
if [[ $? -ne 0 && $msg == "nfips-rude: $T/bad.rude:2: payload size 10 out of range 40..32768" ]]; then
	ok "a bad script is refused with file:line: reason"
else
	fail "a bad script is refused with file:line: reason" "$msg"
fi

exit $FAILED
