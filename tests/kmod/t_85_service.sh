#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The installed systemd unit, on a kernel the twin supports. systemd cannot
# run as this initramfs VM's init, so the unit's own command lines are read
# from the file `make install` wrote (tests/kmod/vm/initramfs.sh installs
# nfips with PREFIX=/usr into the image) and run as systemd would run them:
#
#   ExecStartPre  nfipsctl check  -> 0 on the installed config; a bad config
#                                    stops the start with "file:line: reason"
#   ExecStart     nfipsd          -> runs (in its own network namespace, so
#                                    its NFQUEUE rules stay out of the VM's),
#                                    nfipsctl -u talks to it: version, show, stats
#   ExecReload    kill -HUP $MAINPID -> the edited config is running
#   stop (SIGTERM)                -> exits 0, removes its socket
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib.sh

unit=/usr/lib/systemd/system/nfipsd.service
conf=/etc/nfips/nfips.conf
[[ -f $unit ]] || skip_all "no installed unit $unit (KMOD_INSTALL=0?)"
require_root
ctl=/usr/sbin/nfipsctl
sock=/run/nfipsd.sock

# unit_cmd KEY: the command line of KEY= in the unit, $MAINPID expanded.
unit_cmd() { sed -n "s/^$1=//p" "$unit" | head -n 1 | sed "s/\\\$MAINPID/${mainpid:-0}/g"; }
pre=$(unit_cmd ExecStartPre)
start=$(unit_cmd ExecStart)
tap_diag "ExecStartPre=$pre" "ExecStart=$start"
cp "$conf" /tmp/nfips.conf.orig
on_cleanup "cp /tmp/nfips.conf.orig $conf; rm -f $sock"

# shellcheck disable=SC2086  # the unit's words, as systemd splits them
out=$($pre 2>&1)
tap_expect "ExecStartPre (nfipsctl check) accepts the installed config" 0 "$?"
tap_diag "$out"

printf 'op bad sleep usec=many\n' >>"$conf"
# shellcheck disable=SC2086
out=$($pre 2>&1)
rc=$?
if [[ $rc -eq 1 && $out == *"$conf:"*": op 'bad' (sleep): "* ]]; then
	tap_ok "ExecStartPre refuses a bad config, naming the line: ${out#nfipsctl: }"
else
	tap_fail "ExecStartPre on a bad config" "exit $rc: $out"
fi
cp /tmp/nfips.conf.orig "$conf"

ns_add nfips-svc
rm -f "$sock"
# shellcheck disable=SC2086
bg ns nfips-svc $start
mainpid=
if wait_for 30 test -S "$sock"; then
	mainpid=$(pgrep -n -x nfipsd)
	tap_ok "ExecStart runs nfipsd (pid $mainpid), its control socket is up"
else
	tap_fail "ExecStart: no control socket $sock after 30 s"
	tap_done
fi

out=$("$ctl" -u "$sock" version 2>&1)
if [[ $? -eq 0 && $out == *"daemon twin"* ]]; then
	tap_ok "nfipsctl -u talks to it: $(tr '\n' ' ' <<<"$out")"
else
	tap_fail "nfipsctl -u version" "$out"
fi
out=$("$ctl" -u "$sock" show 2>&1)
if grep -q '^op *nullscan' <<<"$out" && ! grep -q '^op *extra' <<<"$out"; then
	tap_ok "nfipsctl show: the installed config is running"
else
	tap_fail "nfipsctl show" "$out"
fi
tap_check "nfipsctl stats --json" "$ctl" -u "$sock" stats --json

printf 'op extra sleep usec=1\nchain extra extra\n' >>"$conf"
reload=$(unit_cmd ExecReload)
# shellcheck disable=SC2086
tap_check "ExecReload ($reload)" $reload
shows_extra() { "$ctl" -u "$sock" show 2>/dev/null | grep -q '^op *extra'; }
if wait_for 20 shows_extra; then
	tap_ok "after ExecReload the edited config runs"
else
	tap_fail "after ExecReload the edited config is not running" "$("$ctl" -u "$sock" show 2>&1)"
fi

kill -TERM "$mainpid"
gone() { ! kill -0 "$mainpid" 2>/dev/null; }
if wait_for 20 gone && [[ ! -e $sock ]]; then
	tap_ok "SIGTERM (systemctl stop): nfipsd exits and removes its socket"
else
	tap_fail "SIGTERM: nfipsd still running or socket left"
fi
tap_done
