#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 120
#
# Malformed and unauthorized netlink requests are rejected with an error and
# no oops (the VM panics on a warning), and leave the running config alone.
# nfips-nlbad (tests/tools/nfips-nlbad.c) sends them and prints one TAP line
# per case: wrong attribute types, truncated and oversize strings, unknown
# op-module type, bad op arguments, missing and unknown attributes, unknown
# flags and commands, strictness (NLA_F_NESTED, genl reserved byte), and as
# uid 65534 without capabilities: EPERM for every command and the alerts
# group. Then a run of randomly mutated LOADs.
#
#   $NS_IPS: nfips.ko with a config; nfips-nlbad talks to its family
#   (no traffic, no other namespace)
source "$(dirname "$0")/../lib.sh"

require_root
require_cmd "$BUILD_DIR/nfipsctl" "$BUILD_DIR/nfips-nlbad"
[[ -e /proc/modules ]] || skip_all "no module support (run through tests/kmod/run.sh)"
grep -q "^nfips " /proc/modules && skip_all "nfips is already loaded"
modprobe nfips || skip_all "cannot load nfips.ko"
on_cleanup 'ns "$NS" "$BUILD_DIR/nfipsctl" -k flush; rmmod nfips_op_bm nfips_op_header nfips_op_sleep nfips'
NS=nfnl-$$-$RANDOM
ns_add "$NS" || skip_all "cannot create a namespace"
ctl() { ns "$NS" "$BUILD_DIR/nfipsctl" -k "$@"; }

conf=$(mktemp /tmp/nfips-nl.XXXXXX)
on_cleanup "rm -f $conf"
cat >"$conf" <<'CONF'
queue  workers=1 maxlen=64 overflow=accept
op     evil bm pattern="EVIL" nocase action=drop
chain  web evil
select proto=tcp dport=80 chain=web
select any bypass
CONF
tap_check "load a config" ctl load "$conf"
before=$(ctl show)

# nfips-nlbad's own TAP lines, renumbered into ours.
out=$(ns "$NS" "$BUILD_DIR/nfips-nlbad" 2>&1)
rc=$?
while IFS= read -r l; do
	if [[ $l =~ ^(not\ )?ok\ [0-9]+\ -\ (.*)$ ]]; then
		if [[ -n ${BASH_REMATCH[1]} ]]; then tap_fail "nlbad: ${BASH_REMATCH[2]}"; else tap_ok "nlbad: ${BASH_REMATCH[2]}"; fi
	elif [[ $l == \#* ]]; then
		echo "$l"
	fi
done <<<"$out"
tap_expect "nfips-nlbad exit status" 0 "$rc"
tap_expect "the running config is unchanged after the bad requests" "$before" "$(ctl show)"

out=$(ns "$NS" "$BUILD_DIR/nfips-nlbad" -f 2000 -s $RANDOM 2>&1)
sed "s/^/# /" <<<"$out"
[[ $out == *"ok"*"fuzz"* && $out != *"not ok"*"fuzz"* ]] &&
	tap_ok "2000 mutated LOADs: all answered, the family still works" ||
	tap_fail "2000 mutated LOADs: all answered, the family still works" "$out"
tap_check "a config loads after the fuzzing" ctl load "$conf"
tap_expect "and reads back as before" "$before" "$(ctl show)"
tap_done
