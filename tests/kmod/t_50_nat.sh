#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 120
#
# Conntrack and NAT keep working with nfips.ko loaded and a chain selected:
# nfips is the last PREROUTING hook, so it sees the packet after DNAT and
# re-injects it past every other hook.
#
#   $NS_SRC                  $NS_IPS (forwards, nfips.ko)            $NS_DST
#   eth0 10.91.1.1 ------- eth0 10.91.1.2
#                           DNAT 10.91.9.9:8000 -> 10.91.2.2:9000
#                           select proto=udp dport=9000 -> chain web (bm EVIL)
#                          eth1 10.91.2.1 ------------------- eth0 10.91.2.2
#
# Checks: DNATed traffic arrives at 10.91.2.2:9000 and was inspected (the
# rule matched the translated port, so nfips ran after DNAT); a signature in
# a DNATed packet is dropped; replies are un-NATed by conntrack on the way
# back (src sees them from 10.91.9.9:8000) and conntrack marks them
# ESTABLISHED.
source "$(dirname "$0")/../lib.sh"
TWIN=kernel
source "$NFIPS_ROOT/tests/twin.sh"

require_root
require_cmd iptables "$BUILD_DIR/nfipsctl" "$BUILD_DIR/nfips-send"
[[ -e /proc/modules ]] || skip_all "no module support (run through tests/kmod/run.sh)"
topo_setup || skip_all "topology setup failed"
twin_init

ctl() { twin_ctl "$@"; }
send() { send_from "$NS_SRC" "$@"; }
stat() { twin_stat "$@"; }
stat_is() { twin_stat_is "$@"; }
delivered() { ipt_count "$NS_DST" filter INPUT dnat-in; }
delivered_is() { [[ $(delivered) == "$1" ]]; }
unnat_is() { [[ $(ipt_count "$NS_SRC" filter INPUT unnat) == "$1" ]]; }

conf=$(mktemp /tmp/nfips-nat.XXXXXX)
on_cleanup "rm -f $conf"
cat >"$conf" <<'CONF'
queue  workers=1 maxlen=1024 overflow=drop
op     evil bm pattern="EVIL" action=drop
chain  web evil
select proto=udp dport=9000 chain=web
CONF

ns "$NS_IPS" iptables -w -t nat -A PREROUTING -d 10.91.9.9 -p udp --dport 8000 \
	-j DNAT --to-destination $DST_IP:9000 ||
	skip_all "no DNAT here (iptable_nat, xt_nat)"
ns "$NS_IPS" iptables -w -A FORWARD -m conntrack --ctstate ESTABLISHED \
	-m comment --comment est -j ACCEPT || skip_all "no xt_conntrack"
count_in "$NS_DST" udp 9000 dnat-in
ns "$NS_SRC" iptables -w -I INPUT -p udp -s 10.91.9.9 --sport 8000 \
	-m comment --comment unnat -j ACCEPT

tap_check "load a config selecting UDP to port 9000" ctl load "$conf"

send -d 10.91.9.9 -P udp --sport 4444 --dport 8000 --payload hello --count 20
tap_check "20 DNATed packets arrive at $DST_IP:9000" wait_for 10 delivered_is 20
tap_expect "the rule on the translated port selected them (nfips ran after DNAT)" \
	20 "$(stat rule 4 packets)"
tap_expect "chain web inspected and accepted them" 20 "$(stat chain web accepts)"

send -d 10.91.9.9 -P udp --sport 4444 --dport 8000 --payload "xxEVILxx" --count 5
tap_check "chain web dropped 5 DNATed packets with the signature" \
	wait_for 10 stat_is chain web drops 5
tap_expect "none of them arrived" 20 "$(delivered)"

# A reply from the real server: conntrack must map it back to 10.91.9.9:8000.
ns "$NS_DST" "$BUILD_DIR/nfips-send" -d $SRC_IP -P udp --sport 9000 --dport 4444 \
	--payload reply --count 3
tap_check "replies reach the source un-NATed (from 10.91.9.9:8000)" \
	wait_for 10 unnat_is 3
est=$(ipt_count "$NS_IPS" filter FORWARD est)
[[ $est -ge 3 ]] && tap_ok "conntrack saw the replies as ESTABLISHED ($est)" ||
	tap_fail "conntrack saw the replies as ESTABLISHED" "count: $est"

rec=$(stat global "" received) acc=$(stat global "" accepted) drp=$(stat global "" dropped) q=$(stat global "" queued)
tap_expect "global: received = accepted + dropped + queued" "$rec" "$((acc + drp + q))"
twin_stats_diag
twin_done
