#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# chain: running a chain in any twin (TWIN=user|kernel|bpf). Ops run in order
# and the first DROP ends the chain (a later op's counters do not move); an
# op with action=accept ends it early (the packet passes, later ops see
# nothing); action=alert counts and goes on; `nfipsctl monitor` prints an
# alert line for a dropped packet; the counters balance (received =
# accepted + dropped + queued, chain and op counters equal what was sent);
# after flush everything bypasses.
#
#   NS_SRC                    NS_IPS: twin                     NS_DST
#   eth0 10.91.1.1 -------- eth0  main: mark(alert) drop after  eth1 ---- eth0 10.91.2.2
#   nfips-send (UDP)              acc:  good(accept) drop2              count_in 9100, 9200
#                                 nfipsctl monitor > file
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

require_root
require_cmd iptables "$BUILD_DIR/nfips-send"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"

cat >"$T/chain.conf" <<'CONF'
op     mark  bm pattern="MARK" action=alert
op     drop  bm pattern="EVIL" action=drop
op     after bm pattern="EVIL" action=drop
chain  main  mark drop after
op     good  bm pattern="GOOD" action=accept
op     drop2 bm pattern="EVIL" action=drop
chain  acc   good drop2
select dst=10.91.2.2/32 proto=udp dport=9100 chain=main
select dst=10.91.2.2/32 proto=udp dport=9200 chain=acc
select any bypass
CONF
twin_load_check "load the chain config" "$T/chain.conf"
count_in "$NS_DST" udp 9100 c9100
count_in "$NS_DST" udp 9200 c9200
main_sent=0 acc_sent=0 main_arr=0 main_drop=0

# stat_line "KIND NAME" KEY... : "key=val ..." of one record, for messages.
stat_vals() {
	local k=$1 n=$2 key out=""
	shift 2
	for key; do out+="$key=$(twin_stat "$k" "$n" "$key") "; done
	echo "${out% }"
}

# 1. First DROP ends the chain.
send_from "$NS_SRC" -d $DST_IP --dport 9100 --payload "xxEVILxx" --count 4
main_sent=$((main_sent + 4)) main_drop=$((main_drop + 4))
expect_stat "$TWIN: op drop drops the EVIL packets" op drop drops 4
tap_expect "$TWIN: no EVIL packet reaches dst" 0 "$(arrived "$NS_DST" c9100)"
tap_expect "$TWIN: the op after the DROP sees none of them" \
	"packets=0 drops=0" "$(stat_vals op after packets drops)"
tap_expect "$TWIN: chain main counts 4 packets, 4 drops" \
	"packets=4 drops=4" "$(stat_vals chain main packets drops)"

# 2. action=alert counts and continues.
send_from "$NS_SRC" -d $DST_IP --dport 9100 --payload "a MARK here" --count 3
main_sent=$((main_sent + 3)) main_arr=$((main_arr + 3))
expect_arrived "$TWIN: alerted packets pass" "$NS_DST" c9100 3
tap_expect "$TWIN: op mark counts 3 alerts" "packets=7 alerts=3 drops=0" \
	"$(stat_vals op mark packets alerts drops)"
tap_expect "$TWIN: the ops after an alert still run" "packets=3 drops=0" \
	"$(stat_vals op after packets drops)"
send_from "$NS_SRC" -d $DST_IP --dport 9100 --payload "MARK EVIL" --count 2
main_sent=$((main_sent + 2)) main_drop=$((main_drop + 2))
expect_stat "$TWIN: MARK+EVIL: alerted, then dropped" op drop drops 6
tap_expect "$TWIN: MARK+EVIL: op mark alerts 5" 5 "$(twin_stat op mark alerts)"
tap_expect "$TWIN: MARK+EVIL: none reaches dst" 3 "$(arrived "$NS_DST" c9100)"

# 3. action=accept: the packet leaves the chain at once.
send_from "$NS_SRC" -d $DST_IP --dport 9200 --payload "GOOD and EVIL" --count 5
acc_sent=$((acc_sent + 5))
expect_arrived "$TWIN: accepted by op good though it carries EVIL" "$NS_DST" c9200 5
tap_expect "$TWIN: op good counts 5 accepts" "packets=5 accepts=5" "$(stat_vals op good packets accepts)"
tap_expect "$TWIN: op drop2 after the accept sees nothing" "packets=0 drops=0" \
	"$(stat_vals op drop2 packets drops)"
send_from "$NS_SRC" -d $DST_IP --dport 9200 --payload "only EVIL" --count 2
acc_sent=$((acc_sent + 2))
expect_stat "$TWIN: without GOOD, op drop2 drops" op drop2 drops 2
tap_expect "$TWIN: without GOOD, nothing more reaches dst" 5 "$(arrived "$NS_DST" c9200)"

# 4. monitor: an alert line for a dropped packet. The monitor has no ready
# signal, so send one EVIL packet at a time until its line shows up.
$IP netns exec "$NS_IPS" "$NFIPSCTL" "$(twin_ctl_opts)" \
	monitor >"$T/monitor" 2>"$T/monitor.err" &
mon=$!
lib_pids+=($mon)
mon_line() { grep -qE "alert chain=main op=drop verdict=drop proto=17 $SRC_IP:40000 -> $DST_IP:9100 len=" "$T/monitor"; }
for i in $(seq 250); do		# up to about 5 s
	if ((i % 10 == 1)); then	# a probe every 0.2 s
		send_from "$NS_SRC" -d $DST_IP --dport 9100 --payload "mon EVIL" --count 1
		main_sent=$((main_sent + 1)) main_drop=$((main_drop + 1))
	fi
	mon_line && break
	sleep 0.02
done
if mon_line; then
	tap_ok "$TWIN: monitor prints an alert line for a dropped packet"
	tap_diag "$(grep -m1 'chain=main' "$T/monitor")"
else
	tap_fail "$TWIN: monitor prints an alert line for a dropped packet" \
		"monitor output: $(head -c 500 "$T/monitor")" "stderr: $(head -c 500 "$T/monitor.err")"
fi
kill "$mon" 2>/dev/null
expect_stat "$TWIN: every probe was dropped" op drop drops $main_drop

# 5. Counters balance.
sel=$((main_sent + acc_sent))
tap_expect "$TWIN: chain main packets = sent to 9100" $main_sent "$(twin_stat chain main packets)"
tap_expect "$TWIN: chain acc packets = sent to 9200" $acc_sent "$(twin_stat chain acc packets)"
tap_expect "$TWIN: op mark (first op) packets = chain main packets" $main_sent "$(twin_stat op mark packets)"
tap_expect "$TWIN: op good (first op) packets = chain acc packets" $acc_sent "$(twin_stat op good packets)"
tap_expect "$TWIN: chain drops = op drops" "$((main_drop)) 2" \
	"$(twin_stat chain main drops) $(twin_stat chain acc drops)"
g_rx=$(twin_stat global "" received) g_acc=$(twin_stat global "" accepted)
g_drop=$(twin_stat global "" dropped) g_q=$(twin_stat global "" queued)
tap_expect "$TWIN: global received = selected packets sent" $sel "$g_rx"
tap_expect "$TWIN: global dropped = drops of both chains" $((main_drop + 2)) "$g_drop"
if [[ "$g_rx $g_acc $g_drop $g_q" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]] &&
   ((g_rx == g_acc + g_drop + g_q)); then
	tap_ok "$TWIN: received = accepted + dropped + queued ($g_rx = $g_acc + $g_drop + $g_q)"
else
	tap_fail "$TWIN: received = accepted + dropped + queued" \
		"received $g_rx accepted $g_acc dropped $g_drop queued $g_q"
fi
tap_expect "$TWIN: received - dropped packets arrived" $((sel - main_drop - 2)) \
	$(($(arrived "$NS_DST" c9100) + $(arrived "$NS_DST" c9200)))

# 6. flush: everything bypasses.
[[ $tap_failed -gt 0 ]] && twin_stats_diag
if out=$(twin_ctl flush 2>&1); then
	tap_ok "$TWIN: flush"
else
	tap_fail "$TWIN: flush" "$out"
fi
tap_expect "$TWIN: show after flush lists no op, chain or select" 0 \
	"$(twin_ctl show 2>/dev/null | grep -cE '^[[:space:]]*(op|chain|select)[[:space:]]')"
b0=$(twin_stat global "" bypassed)
send_from "$NS_SRC" -d $DST_IP --dport 9100 --payload "xxEVILxx" --count 4
expect_arrived "$TWIN: after flush EVIL passes" "$NS_DST" c9100 7
b1=$(twin_stat global "" bypassed)
if [[ $b0 =~ ^[0-9]+$ && $b1 =~ ^[0-9]+$ ]] && ((b1 - b0 >= 4)); then
	tap_ok "$TWIN: after flush the packets count as bypassed"
else
	tap_fail "$TWIN: after flush the packets count as bypassed" "bypassed $b0 -> $b1"
fi
tap_expect "$TWIN: after flush nothing more is received" $sel "$(twin_stat global "" received)"

twin_done
