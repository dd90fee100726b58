#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exactly one verdict on every path (issue 14): nfipsd under injected faults
# on its NFQUEUE socket. libnfips-fault.so (tests/tools/nfips-fault.c, by
# LD_PRELOAD through a wrapper script, so only nfipsd has it) fails verdict
# sends or corrupts received packet messages; MODE says which:
#
#   retry  every 3rd verdict send fails with ENOBUFS (retryable): resent,
#          nothing lost (this script)
#   lost   the first 6 sends that carry a drop fail with EPERM (not
#          retryable): counted, logged, and each lost drop is sent again
#          before any later batch accept could cover it (t_63_sendfail_lost.sh)
#   attrs  every 4th packet message has an attribute that fails validation:
#          the packet still gets its verdict by id, per the fail policy -
#          dropped with overflow=drop, accepted with overflow=accept
#          (t_64_badattrs.sh)
#
# Checked each time: the faults were injected (counted in the fault log), the
# twin's counters say what happened, every packet got a verdict (verdicts =
# received, nothing left queued in the kernel), what arrives at dst is
# exactly what should (no EVIL packet, every clean one).
#
#   NS_SRC                  NS_IPS: nfipsd + libnfips-fault.so      NS_DST
#   nfips-send ---- eth0    udp 7000-7999 -> chain c (bm EVIL)  eth1 ---- count_in
#   clean :7001, EVIL :7002                                            :7001 :7002
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../twin.sh"

MODE=${MODE:-retry}
TWIN=user
require_root
require_cmd iptables
FAULT=$BUILD_DIR/libnfips-fault.so
[[ -r $FAULT ]] || skip_all "build/libnfips-fault.so is not built (make)"
topo_setup || skip_all "cannot build the namespaces"
twin_init
case_tmp || skip_all "mktemp failed"

FLOG=$T/fault.log
: >"$FLOG"
case $MODE in
retry)	fenv="NFIPS_FAULT_SEND_ERRNO=105 NFIPS_FAULT_SEND_EVERY=3" ;;	# ENOBUFS
lost)	fenv="NFIPS_FAULT_SEND_ERRNO=1 NFIPS_FAULT_SEND_DROPS=1 NFIPS_FAULT_SEND_MAX=6" ;; # EPERM
attrs)	fenv="NFIPS_FAULT_RECV_EVERY=4" ;;
*)	skip_all "MODE must be retry, lost or attrs, not '$MODE'" ;;
esac
# nfipsd (its ASan flavour too) with the interposer; nothing else gets it.
cat >"$T/nfipsd-fault" <<EOF
#!/bin/sh
export LD_PRELOAD=$FAULT NFIPS_FAULT_LOG=$FLOG $fenv
export ASAN_OPTIONS=verify_asan_link_order=0\${ASAN_OPTIONS:+:\$ASAN_OPTIONS}
exec $NFIPSD "\$@"
EOF
chmod +x "$T/nfipsd-fault"
NFIPSD=$T/nfipsd-fault

conf() {	# conf OVERFLOW
	cat <<CONF
queue  workers=1 maxlen=4096 overflow=$1
op     evil bm pattern="EVIL" action=drop
chain  c    evil
select family=ipv4 proto=udp dport=7000-7999 chain=c
select any bypass
CONF
}
conf drop >"$T/drop.conf"
conf accept >"$T/accept.conf"
twin_load_check "nfipsd starts with libnfips-fault.so ($MODE)" "$T/drop.conf"
count_in "$NS_DST" udp 7001 clean
count_in "$NS_DST" udp 7002 evil

# send ROUNDS CLEAN EVIL: per round CLEAN clean and EVIL evil packets.
send() {
	local r
	for ((r = 0; r < $1; r++)); do
		send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 7001 --count "$2" \
			--rate 1000 --payload "a clean one"
		((${3:-0})) && send_from "$NS_SRC" -d "$DST_IP" -P udp --dport 7002 \
			--count "$3" --rate 1000 --payload "an EVIL one"
	done
	return 0
}
injected() { grep -c "^$1 " "$FLOG"; }
# qsum KEY: KEY summed over the queue records; "none" when no record has it
# (twin_sum would say 0 for a counter that is not there at all).
qsum() {
	twin_ctl stats 2>/dev/null | awk -v key="$1" '
	$1 == "queue" {
		if (!match($0, /:[^:]*$/))
			next
		c = split(substr($0, RSTART + 1), v, " ")
		for (i = 1; i < c; i += 2)
			if (v[i] == key) { s += v[i + 1]; found = 1 }
	}
	END { print found ? s : "none" }'
}
# Every packet the kernel queued got its verdict: the queue's received
# reached $1, verdicts = received, and the kernel holds none.
settled() {
	[[ $(qsum received) == "$1" && $(qsum verdicts) == "$1" &&
	   $(twin_stat global "" queued) == 0 ]]
}
check_settled() {
	wait_for 10 settled "$1"
	tap_expect "$MODE: nfipsd received every queued packet" "$1" "$(qsum received)"
	tap_expect "$MODE: one verdict per packet received" "$1" "$(qsum verdicts)"
	tap_expect "$MODE: no packet left in the kernel's queue" 0 "$(twin_stat global "" queued)"
}

case $MODE in
retry|lost)
	send 20 3 2		# 60 clean, 40 EVIL
	check_settled 100
	# The evil packets have all been decided (settled); a marker after
	# them shows the clean ones are through the IPS too.
	expect_arrived "$MODE: every clean packet arrives" "$NS_DST" clean 60
	tap_expect "$MODE: no EVIL packet arrives" 0 "$(arrived "$NS_DST" evil)"
	tap_expect "$MODE: the twin dropped the 40 EVIL packets" 40 \
		"$(twin_stat global "" dropped)"
	n=$(injected send)
	if [[ $MODE == retry ]]; then
		tap_check "retry: send failures were injected ($n)" test "$n" -gt 0
		tap_expect "retry: each failed send counted as a retry" "$n" "$(qsum send_retries)"
		tap_expect "retry: no verdict lost" 0 "$(qsum verdicts_lost)"
	else
		tap_expect "lost: 6 sends carrying a drop failed (EPERM)" 6 "$n"
		tap_expect "lost: each counted as a send error" 6 "$(qsum send_errors)"
		v=$(qsum verdicts_lost) r=$(qsum resent)
		# Each failed send carried a drop, and each lost drop is put
		# again (lost accepts may be covered by a later batch instead).
		tap_check "lost: verdicts lost ($v), drops sent again ($r)" \
			test "$v" -ge 6 -a "$r" -ge 6
		tap_check "lost: the failures were logged" \
			grep -q "sending .* verdict(s): Operation not permitted" "$twin_log"
	fi
	;;
attrs)
	send 1 100 0		# 100 clean, every 4th message corrupted
	check_settled 100
	n=$(injected recv)
	tap_check "attrs: packet messages were corrupted ($n)" test "$n" -gt 0
	tap_expect "attrs: each counted as malformed" "$n" "$(twin_stat global "" malformed)"
	expect_arrived "attrs: overflow=drop: all but the $n malformed arrive" \
		"$NS_DST" clean $((100 - n))
	twin_load_check "attrs: load overflow=accept" "$T/accept.conf"
	send 1 100 0
	check_settled 200
	m=$(injected recv)
	tap_check "attrs: more were corrupted ($((m - n)))" test "$m" -gt "$n"
	expect_arrived "attrs: overflow=accept: the malformed ones pass too" \
		"$NS_DST" clean $((200 - n))
	;;
esac
[[ $tap_failed -gt 0 ]] && { twin_stats_diag; tail -n 20 "$twin_log" | sed 's/^/# /'; }

twin_done
