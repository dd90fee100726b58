#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nfipsd's global stats carry the kernel twin's alerts_suppressed key (one
# stats schema for both twins). nfipsd does not limit the rate of alerts
# (README: a full alert ring loses them, counted in alerts_lost), so after a
# flood of alerting packets far above the kernel twin's default limit
# (1000/s) with a listener attached, alerts_suppressed is there and 0, and
# every EVIL packet raised one alert and was dropped.
#
#   NS_SRC                   NS_IPS (nfipsd)                       NS_DST
#   eth0 10.91.1.1 ------- eth0   chain c: bm EVIL action=drop
#   nfips-send 3000 EVIL          nfipsctl monitor > file
#   udp dport 7300                eth1 --------------------------- eth0 10.91.2.2
source "$(dirname "$0")/../lib.sh"
TWIN=user
source "$(dirname "$0")/../twin.sh"

PORT=7300
N=3000
require_root
require_cmd iptables "$BUILD_DIR/nfips-send"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"
count_in "$NS_DST" udp $PORT rx

cat >"$T/alert.conf" <<CONF
queue  workers=1 maxlen=65536 overflow=drop
op     bad bm pattern="EVIL" action=drop
chain  c bad
select dst=$DST_IP/32 proto=udp dport=$PORT chain=c
select any bypass
CONF
twin_load_check "load the alerting chain" "$T/alert.conf"

ns "$NS_IPS" "$NFIPSCTL" --user="$twin_sock" monitor >"$T/monitor" 2>"$T/monitor.err" &
lib_pids+=($!)
lines() { grep -c 'alert chain=c op=bad verdict=drop' "$T/monitor"; }
twin_probe_monitor $PORT
tap_check "the monitor receives alerts" test "$(lines)" -gt 0

send_from "$NS_SRC" -d $DST_IP -P udp --dport $PORT --payload "flood EVIL" --count $N --rate 20000 >/dev/null
evil=$((N + probes))
done_all() { [[ $(twin_stat chain c drops) == "$evil" ]]; }
tap_check "every EVIL packet was dropped by the chain ($evil)" wait_for 30 done_all
tap_expect "every EVIL packet raised one alert" "$evil" "$(twin_stat op bad alerts)"
tap_expect "the global stats carry alerts_suppressed, 0 (nfipsd has no rate limit)" 0 \
	"$(twin_stat global "" alerts_suppressed)"
tap_diag "delivered to the monitor: $(lines); alerts_lost $(twin_stat global "" alerts_lost)"
tap_expect "no EVIL packet arrived" 0 "$(arrived "$NS_DST" rx)"
twin_done
