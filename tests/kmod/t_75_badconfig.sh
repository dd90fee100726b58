#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 120
#
# A config the kernel rejects leaves the running one in force: nfipsctl
# prints "file:line: reason" (the kernel's reason and line, for errors only
# the kernel can find: an unknown op-module type, an interface that does not
# exist in this namespace), `nfipsctl show` is unchanged, and traffic is
# still inspected by the old config.
#
#   $NS_SRC                   $NS_IPS (nfips.ko)                      $NS_DST
#   eth0 10.91.1.1 --------- eth0 10.91.1.2
#   UDP to 10.91.2.2:5000    select proto=udp dport=5000 -> chain web (bm EVIL)
#                            eth1 10.91.2.1 -------------------- eth0 10.91.2.2
source "$(dirname "$0")/../lib.sh"
TWIN=kernel
source "$NFIPS_ROOT/tests/twin.sh"

require_root
require_cmd iptables "$BUILD_DIR/nfipsctl" "$BUILD_DIR/nfips-send"
[[ -e /proc/modules ]] || skip_all "no module support (run through tests/kmod/run.sh)"
topo_setup || skip_all "topology setup failed"
twin_init

dir=$(mktemp -d /tmp/nfips-bad.XXXXXX)
on_cleanup "rm -rf $dir"
cat >"$dir/good.conf" <<'CONF'
queue  workers=1 maxlen=256 overflow=drop
op     evil bm pattern="EVIL" action=drop
chain  web evil
select proto=udp dport=5000 chain=web
CONF
# Valid syntax (nfipsctl's own check passes); only the kernel can reject it.
cat >"$dir/badtype.conf" <<'CONF'
queue  workers=1 maxlen=256 overflow=drop
# an op-module type no module provides
op     evil bm pattern="EVIL" action=drop
op     x nosuchtype foo=1
chain  web evil x
select any chain=web
CONF
cat >"$dir/badif.conf" <<'CONF'
queue  workers=1 maxlen=256 overflow=drop
op     evil bm pattern="EVIL" action=drop
chain  web evil
select proto=udp chain=web
select iif=nosuchif0 chain=web
CONF
count_in "$NS_DST" udp 5000 in

twin_load_check "load the good config" "$dir/good.conf"
before=$(twin_ctl show)
send_from "$NS_SRC" -d $DST_IP -P udp --dport 5000 --payload "EVIL" --count 3
tap_check "the good config drops EVIL" wait_for 10 twin_stat_is chain web drops 3

for case in "badtype:4:nosuchtype" "badif:5:nosuchif0"; do
	IFS=: read -r name line word <<<"$case"
	err=$(twin_ctl load "$dir/$name.conf" 2>&1)
	rc=$?
	[[ $rc -ne 0 ]] && tap_ok "$name: nfipsctl load fails" || tap_fail "$name: nfipsctl load fails" "$err"
	[[ $err == *"$dir/$name.conf:$line: "*"$word"* ]] &&
		tap_ok "$name: the error reads file:$line: reason" ||
		tap_fail "$name: the error reads file:$line: reason" "got: $err"
	tap_expect "$name: nfipsctl show is unchanged" "$before" "$(twin_ctl show)"
done

send_from "$NS_SRC" -d $DST_IP -P udp --dport 5000 --payload "EVIL" --count 2
tap_check "the old config still inspects: 2 more EVIL dropped" wait_for 10 twin_stat_is chain web drops 5
send_from "$NS_SRC" -d $DST_IP -P udp --dport 5000 --payload "fine" --count 4
tap_check "and passes clean traffic" wait_for 10 arrived_is "$NS_DST" in 4
twin_done
