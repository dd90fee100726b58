#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the kernel fault and soak tests (tests/kmod/t_9x_*.sh), which
# run in both kernel tiers: on Debian's stock kernel (tests/kmod/run.sh) and
# on the project's debug kernel (tests/kmod-debug/run.sh). Source after
# tests/lib.sh and tests/twin.sh.
#
#   soak_setup PORT [PROGRAM...]  the common start of a src - ips - dst
#                            test: TAP header, root, the programs (iptables,
#                            nfips-send, nfipsctl and PROGRAMs), the topology
#                            (topo_setup), the kernel twin (twin_init), a
#                            scratch folder $T, the kmemleak baseline and the
#                            counter "rx" of UDP PORT arriving in $NS_DST
#   global_above KEY N       the twin's global counter KEY is above N (for
#                            wait_for)
#   soak_count VAR FULL [SHORT]  an iteration count: $VAR if set (the
#                            kmod-debug tier hands NFIPS_SOAK_* to the VM),
#                            else FULL (the issue's numbers) on the debug
#                            kernel and SHORT (default FULL) on a stock one:
#                            the stock tier checks the same paths, the debug
#                            tier soaks them with its detectors on
#   SLOW                     1 on a stock kernel, 20 on the debug kernel
#                            (KASAN + lockdep under TCG): scale waits by it
#   kmemleak_begin           note the suspected leaks that exist now
#   kmemleak_check NAME      a TAP line: no new suspected leak since
#                            kmemleak_begin (two forced scans); a SKIP line
#                            when the kernel has no kmemleak
#   stats_balance NAME       a TAP line: the global counters of the twin in
#                            $NS_IPS balance, received = accepted + dropped +
#                            queued; sets RCV ACC DRP QUE OVF to the values
#   klog_begin / klog_new    the kernel log since klog_begin (for messages
#                            that are not splats, such as a netdevice that
#                            cannot be unregistered)

KMEMLEAK=/sys/kernel/debug/kmemleak

if [[ $(uname -r) == *debug* || -e $KMEMLEAK ]]; then
	SLOW=20
else
	SLOW=1
fi

soak_count() {	# soak_count VAR FULL [SHORT]
	local v=${!1:-}
	if [[ $v =~ ^[0-9]+$ ]]; then
		echo "$v"
	elif [[ $SLOW -gt 1 ]]; then
		echo "$2"
	else
		echo "${3:-$2}"
	fi
}

soak_setup() {	# soak_setup PORT [PROGRAM...]
	local port=$1
	shift
	echo "TAP version 13"
	require_root
	require_cmd iptables "$BUILD_DIR/nfips-send" "$BUILD_DIR/nfipsctl" "$@"
	topo_setup || skip_all "cannot build the namespaces"
	twin_init
	case_tmp || skip_all "mktemp failed"
	kmemleak_begin
	count_in "$NS_DST" udp "$port" rx
}

global_above() {	# global_above KEY N
	local v
	v=$(twin_stat global "" "$1")
	[[ $v =~ ^[0-9]+$ ]] && ((v > $2))
}

kmemleak_begin() {
	soak_leaks0=$(mktemp /tmp/nfips-soak-leaks.XXXXXX) || return 1
	on_cleanup "rm -f '$soak_leaks0'"
	[[ -w $KMEMLEAK ]] || return 0
	echo scan >"$KMEMLEAK" 2>/dev/null
	grep '^unreferenced object' "$KMEMLEAK" 2>/dev/null | sort >"$soak_leaks0"
}

kmemleak_check() {	# kmemleak_check NAME
	local name=$1 new
	if [[ ! -w $KMEMLEAK ]]; then
		tap_skip "$name" "this kernel has no kmemleak (the kmod-debug tier's has)"
		return 0
	fi
	# Objects younger than 5 s are never reported; two scans, as the
	# kmemleak documentation recommends.
	sleep 6
	echo scan >"$KMEMLEAK"
	echo scan >"$KMEMLEAK"
	new=$(grep '^unreferenced object' "$KMEMLEAK" | sort | comm -13 "$soak_leaks0" -)
	if [[ -z $new ]]; then
		tap_ok "$name"
		return 0
	fi
	tap_fail "$name" "$(wc -l <<<"$new") new unreferenced objects; the first ones:"
	# Each report: its header line and the backtrace up to the next one.
	awk -v want="$(head -n 3 <<<"$new")" '
		BEGIN { n = split(want, w, "\n"); for (i = 1; i <= n; i++) keep[w[i]] = 1 }
		/^unreferenced object/ { on = ($0 in keep) }
		on { print "#   " $0 }' "$KMEMLEAK" | head -n 80
}

stats_balance() {	# stats_balance NAME
	local out
	out=$(twin_ctl stats 2>&1)
	RCV=$(twin_stat global "" received) ACC=$(twin_stat global "" accepted)
	DRP=$(twin_stat global "" dropped) QUE=$(twin_stat global "" queued)
	OVF=$(twin_stat global "" overflow)
	if [[ $RCV =~ ^[0-9]+$ && $ACC =~ ^[0-9]+$ && $DRP =~ ^[0-9]+$ && $QUE =~ ^[0-9]+$ ]] &&
		((RCV == ACC + DRP + QUE)); then
		tap_ok "$1 (received $RCV = accepted $ACC + dropped $DRP + queued $QUE; overflow $OVF)"
		return 0
	fi
	tap_fail "$1" "received $RCV != accepted $ACC + dropped $DRP + queued $QUE" \
		"stats:" "$out"
	return 1
}

# Global counters all present and the queue drained (for wait_for).
stats_idle() { [[ $(twin_stat global "" queued) == 0 ]]; }

klog_begin() { soak_klog0=$(dmesg 2>/dev/null | wc -l); }
klog_new() { dmesg 2>/dev/null | tail -n +$((soak_klog0 + 1)); }
