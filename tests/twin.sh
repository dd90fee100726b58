#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The twin adapter: lets one functional case (tests/cases/*.sh) drive either
# twin. Source it after tests/lib.sh, then call topo_setup and twin_init:
#
#   TWIN=kernel  nfips.ko in $NS_IPS, nfipsctl -k (only inside the VM:
#                tests/kmod/run.sh; the host cannot load modules)
#   TWIN=user    nfipsd on NFQUEUE in $NS_IPS, nfipsctl -u SOCKET (host)
#   TWIN=bpf     the BPF twin (bpf/) attached in $NS_IPS, nfipsctl -b, its
#                links and maps pinned in a private bpffs (host, natively;
#                a kernel >= 6.4 with BTF and BPF netfilter links). It runs
#                header, bm and sleep (tests/user/t_1*_bpf_*.sh wrap the
#                cases that need no other op; tests/kmod/t_39_bpf.sh runs
#                them in the VM's kernel)
#   TWIN=none    development only: plain forwarding, the twin checks fail
#
#   twin_init                  check the twin can run here, else skip_all
#   twin_load FILE             load a config; the nfipsctl (or nfipsd) exit
#                              status, its stderr passed through
#   twin_ctl ARGS...           nfipsctl for this twin, run in $NS_IPS
#   twin_stat KIND NAME KEY    one counter of `nfipsctl stats` ("none" and
#                              status 1 when absent). NAME: "" for global,
#                              the chain name, the op name (matches
#                              "NAME (TYPE)"), or a rule's line number
#                              (matches "LINE: MATCH -> ...")
#   twin_stat_is KIND NAME KEY VALUE   for wait_for
#   twin_sum KIND KEY          a counter summed over the records of KIND
#                              ("none" and status 1 when no record has it)
#   expect_dropped ...         a drop check that waits for proof that the
#                              packets under test were decided (below)
#   twin_done                  stop the twin with checks of its own
#                              (sanitizer reports, clean exit, module
#                              unload), then tap_done
#
#   twin_ctl_opts              the nfipsctl option that picks this twin
#
# Cleanup on any exit: nfipsd is stopped, the kernel config flushed and the
# modules this run loaded removed; the BPF twin is unloaded and its bpffs
# unmounted (which drops anything still pinned).

TWIN=${TWIN:-user}
NFIPSCTL=$BUILD_DIR/nfipsctl

twin_dir=""		# private temp dir: socket, daemon log
twin_sock=""
twin_pid=""		# nfipsd
twin_log=""
twin_mods_before=""	# kernel modules present before twin_init
twin_bpffs=""		# the BPF twin's private bpffs
twin_stopped=0

twin_modules() {
	awk '$1 == "nfips" || $1 ~ /^nfips_op_/ { print $1 }' /proc/modules 2>/dev/null | sort
}

twin_init() {
	require_root
	[[ -n ${NS_IPS:-} ]] || skip_all "twin_init: call topo_setup first"
	[[ -x $NFIPSCTL ]] || skip_all "build/nfipsctl is not built (make)"
	twin_dir=$(mktemp -d /tmp/nfips-twin.XXXXXX) || skip_all "mktemp failed"
	on_cleanup twin_cleanup
	case $TWIN in
	kernel)
		twin_mods_before=$(twin_modules)
		modprobe nfips 2>/dev/null ||
			skip_all "cannot load nfips.ko here (the kernel twin runs inside the VM: tests/kmod/run.sh)"
		;;
	user)
		if [[ -x $BUILD_DIR/nfipsd-san ]]; then
			NFIPSD=$BUILD_DIR/nfipsd-san
		elif [[ -x $BUILD_DIR/nfipsd ]]; then
			NFIPSD=$BUILD_DIR/nfipsd
		else
			skip_all "build/nfipsd is not built yet (make)"
		fi
		# NFQUEUE usable in this kernel: a rule for a protocol no
		# test sends (253, reserved for experiments).
		ns "$NS_IPS" iptables -w -t mangle -A PREROUTING -p 253 -j NFQUEUE --queue-bypass 2>/dev/null ||
			skip_all "this kernel has no NFQUEUE (iptables -j NFQUEUE fails)"
		ns "$NS_IPS" iptables -w -t mangle -D PREROUTING -p 253 -j NFQUEUE --queue-bypass
		twin_sock=$twin_dir/nfipsd.sock
		twin_log=$twin_dir/nfipsd.log
		: >"$twin_log"
		;;
	bpf)
		[[ -r $BUILD_DIR/nfips.bpf.o ]] ||
			skip_all "build/nfips.bpf.o is not built (make bpf: needs bpftool and a kernel with BTF)"
		why=$(bpf_twin_kernel) || skip_all "$why"
		# ip netns exec remounts /sys: a bpffs of our own, outside it,
		# is the same for every nfipsctl run (nfipsctl.8: -b).
		twin_bpffs=$twin_dir/bpffs
		mkdir -p "$twin_bpffs" && mount -t bpf bpf "$twin_bpffs" ||
			skip_all "cannot mount a BPF filesystem"
		export NFIPS_BPFFS=$twin_bpffs
		;;
	none)
		# Development only: plain forwarding, no IPS. The traffic and
		# counting parts of a case run; every twin check fails.
		;;
	*)
		skip_all "TWIN must be user, kernel or bpf, not '$TWIN'"
		;;
	esac
}

twin_ctl() {
	[[ $TWIN == none ]] && return 0
	if [[ $TWIN == kernel ]]; then
		ns "$NS_IPS" "$NFIPSCTL" -k "$@"
	elif [[ $TWIN == bpf ]]; then
		ns "$NS_IPS" "$NFIPSCTL" -b "$@"
	else
		ns "$NS_IPS" "$NFIPSCTL" --user="$twin_sock" "$@"
	fi
}

twin_alive() { [[ -n $twin_pid ]] && kill -0 "$twin_pid" 2>/dev/null; }

twin_load() {
	local file=$1 rc

	[[ $TWIN == none ]] && return 0
	if [[ $TWIN == kernel || $TWIN == bpf || -n $twin_pid ]]; then
		twin_ctl load "$file"
		return
	fi
	# First load: start nfipsd with this config; it is ready when its
	# control socket answers. Never from a subshell ($(...)): the pid
	# would be lost and nfipsd left behind; twin_load_check does it right.
	if ((BASH_SUBSHELL > 0)); then
		echo "twin_load: the first load must not run in a subshell" >&2
		return 1
	fi
	# Not through ns(): $! must be nfipsd itself (ip netns exec execs).
	$IP netns exec "$NS_IPS" "$NFIPSD" -c "$file" --socket "$twin_sock" \
		${NFIPSD_ARGS:-} 2>>"$twin_log" >>"$twin_log" &
	twin_pid=$!
	if wait_for 20 twin_ready; then
		return 0
	fi
	if ! twin_alive; then
		wait "$twin_pid"
		rc=$?
		twin_pid=""
		cat "$twin_log" >&2
		return $((rc ? rc : 1))
	fi
	echo "nfipsd did not answer on $twin_sock within 20 s" >&2
	tail -n 20 "$twin_log" >&2
	return 1
}

# twin_load_check NAME FILE: load FILE as one TAP check; on failure the
# case cannot go on, so stop here (twin_done).
twin_load_check() {
	local err=$twin_dir/load.err
	if twin_load "$2" 2>"$err" >/dev/null; then
		tap_ok "$TWIN: $1"
	else
		tap_fail "$TWIN: $1" "$(cat "$err")"
		twin_done
	fi
}

twin_ready() { twin_alive && twin_ctl version; }

twin_stat() {
	twin_ctl stats 2>/dev/null | awk -v kind="$1" -v name="$2" -v key="$3" '
	$1 == kind {
		line = $0
		sub(/^[^ ]+ /, "", line)	# the kind, then its padding
		sub(/^ +/, "", line)
		if (!match(line, /:[^:]*$/))
			next
		n = substr(line, 1, RSTART - 1)
		vals = substr(line, RSTART + 1)
		if (!(n == name ||
		      (kind == "op" && index(n, name " (") == 1) ||
		      (kind == "rule" && name != "" && index(n, name ":") == 1)))
			next
		c = split(vals, v, " ")
		for (i = 1; i < c; i += 2)
			if (v[i] == key) { print v[i + 1]; found = 1; exit }
	}
	END { if (!found) { print "none"; exit 1 } }'
}

# twin_sum KIND KEY: a counter summed over all records of KIND; "none" and
# status 1 when the twin gave no stats or no record of KIND carries KEY. A
# missing counter is an error, never 0: a check of "0 packets" must not pass
# because there were no stats to read.
twin_sum() {
	local out
	out=$(twin_ctl stats 2>/dev/null) || { echo none; return 1; }
	awk -v kind="$1" -v key="$2" '
	$1 == kind {
		line = $0
		if (!match(line, /:[^:]*$/))
			next
		c = split(substr(line, RSTART + 1), v, " ")
		for (i = 1; i < c; i += 2)
			if (v[i] == key) { s += v[i + 1]; found = 1 }
	}
	END { if (!found) { print "none"; exit 1 } print s + 0 }' <<<"$out"
}

twin_stat_is() { [[ $(twin_stat "$1" "$2" "$3") == "$4" ]]; }

# twin_ctl_opts: nfipsctl's option that picks this twin (for a case that
# runs nfipsctl itself, e.g. in the background).
twin_ctl_opts() {
	case $TWIN in
	kernel) echo -k ;;
	bpf) echo -b ;;
	*) echo --user="$twin_sock" ;;
	esac
}

# The whole stats output as TAP diagnostics (after a failed check).
twin_stats_diag() { tap_diag "stats of the $TWIN twin:"; twin_ctl stats 2>&1 | sed 's/^/#   /'; }

twin_sanitizer_check() {
	[[ -n $twin_log && -s $twin_log ]] || return 0
	! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error' "$twin_log"
}

# Stop the twin and check that it went cleanly; then tap_done.
twin_done() {
	local rc rest
	case $TWIN in
	user)
		if [[ -n $twin_pid ]]; then
			if twin_alive; then
				tap_ok "$TWIN: nfipsd still running at the end"
			else
				tap_fail "$TWIN: nfipsd still running at the end" \
					"nfipsd exited early; log:" "$(tail -n 20 "$twin_log")"
			fi
			kill -TERM "$twin_pid" 2>/dev/null
			wait "$twin_pid"
			rc=$?
			twin_pid=""
			tap_expect "$TWIN: nfipsd exits with 0 on SIGTERM" 0 "$rc"
			rest=$( { ns "$NS_IPS" iptables-save; ns "$NS_IPS" ip6tables-save; } 2>/dev/null |
				grep -c NFQUEUE)
			tap_expect "$TWIN: nfipsd removed its NFQUEUE rules" 0 "$rest"
		fi
		if twin_sanitizer_check; then
			tap_ok "$TWIN: no sanitizer report from nfipsd"
		else
			tap_fail "$TWIN: no sanitizer report from nfipsd" \
				"$(grep -m1 -A 30 -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$twin_log")"
		fi
		;;
	kernel)
		if twin_ctl flush >/dev/null 2>&1; then
			tap_ok "$TWIN: flush"
		else
			tap_fail "$TWIN: flush" "$(twin_ctl flush 2>&1)"
		fi
		# A config no longer in use holds no op-module: they unload.
		rest=$(twin_rmmod 2>&1)
		tap_expect "$TWIN: the modules this test loaded unload after flush" "" "$rest"
		;;
	bpf)
		if twin_ctl flush >/dev/null 2>&1; then
			tap_ok "$TWIN: flush"
		else
			tap_fail "$TWIN: flush" "$(twin_ctl flush 2>&1)"
		fi
		if twin_ctl unload >/dev/null 2>&1; then
			tap_ok "$TWIN: unload"
		else
			tap_fail "$TWIN: unload" "$(twin_ctl unload 2>&1)"
		fi
		# Nothing of ours is left pinned (a bpffs also shows the kernel's
		# own maps.debug/progs.debug): the links and the program are gone.
		rest=$(find "$twin_bpffs/nfips" -mindepth 1 2>/dev/null)
		tap_expect "$TWIN: unload leaves nothing pinned" "" "$rest"
		;;
	esac
	twin_stopped=1
	tap_done
}

# rmmod what twin_init and the configs loaded (op-modules first); prints
# what could not be removed. After a FLUSH the old config retires in the
# background (README): its op-modules are in use until its queues have
# drained and its workers stopped, so each rmmod is retried for a while.
twin_rmmod() {
	local m
	for m in $(twin_modules | grep -vxF -f <(echo "$twin_mods_before") | sort -r); do
		wait_for $((10 * ${SLOW:-1})) rmmod "$m" || echo "rmmod $m failed"
	done
}

twin_cleanup() {
	if [[ $twin_stopped == 1 && -z $twin_pid ]]; then
		[[ -n $twin_bpffs ]] && umount "$twin_bpffs" 2>/dev/null
		rm -rf "$twin_dir"
		return
	fi
	if [[ -n $twin_pid ]]; then
		kill -TERM "$twin_pid" 2>/dev/null
		wait "$twin_pid" 2>/dev/null
	fi
	if [[ $TWIN == kernel && -n ${NS_IPS:-} ]]; then
		twin_ctl flush >/dev/null 2>&1
		twin_rmmod
	fi
	if [[ $TWIN == bpf && -n $twin_bpffs ]]; then
		[[ -n ${NS_IPS:-} ]] && twin_ctl unload >/dev/null 2>&1
		umount "$twin_bpffs" 2>/dev/null
	fi
	[[ -n $twin_dir ]] && rm -rf "$twin_dir"
}

# ---- traffic helpers shared by the cases ----------------------------------

# send_from NS ARGS...: nfips-send inside namespace NS.
send_from() { local n=$1; shift; ns "$n" "$BUILD_DIR/nfips-send" "$@"; }

# arrived NS COUNTER [ip6]: packets counted by a count_in rule in NS.
arrived() { ipt_count "$1" filter INPUT "$2" "${3:-}"; }
arrived_is() { [[ $(arrived "$1" "$2" "${4:-}") == "$3" ]]; }

# expect_arrived NAME NS COUNTER N [ip6]: wait (up to 5 s) until N packets
# arrived, then report; a count above N shows too.
expect_arrived() {
	wait_for 5 arrived_is "$2" "$3" "$4" "${5:-}"
	tap_expect "$1" "$4" "$(arrived "$2" "$3" "${5:-}")"
}

# expect_stat NAME KIND OBJ KEY N: wait (up to 5 s) for a counter, then report.
expect_stat() {
	wait_for 5 twin_stat_is "$2" "$3" "$4" "$5"
	tap_expect "$1" "$5" "$(twin_stat "$2" "$3" "$4")"
}

# arrived_ge NS COUNTER N: at least N packets counted (for wait_for).
arrived_ge() { local a; a=$(arrived "$1" "$2"); [[ $a =~ ^[0-9]+$ ]] && ((a >= $3)); }

# expect_dropped NAME NS COUNTER WANT MARKER MARKER_WANT CMD...: a drop check
# that cannot pass before the packets under test were decided. Waiting for a
# counter to stay at its expected value proves nothing (it is there at once),
# so the caller sends the packets under test, then marker packets that must
# pass along the same path behind them: the same flow (addresses, protocol,
# ports), so the same queue and worker take them in order, counted apart at
# dst (count_payload). Waits (up to $EXPECT_WAIT s, default 5: a debug kernel
# under emulation needs more) until MARKER in NS reads MARKER_WANT:
# by then the twin decided the packets under test, and one it wrongly passed
# was forwarded ahead of the markers. Then COUNTER must read WANT, and CMD
# (polled as long), the IPS's own account of the drops, must succeed: for
# example twin_stat_is global "" dropped N.
expect_dropped() {
	local name=$1 ns=$2 ctr=$3 want=$4 mark=$5 mwant=$6 got m why=()
	shift 6
	wait_for "${EXPECT_WAIT:-5}" arrived_is "$ns" "$mark" "$mwant"
	m=$(arrived "$ns" "$mark")
	got=$(arrived "$ns" "$ctr")
	[[ $m == "$mwant" ]] ||
		why+=("the markers sent behind them: $m of $mwant arrived, so the packets under test are not known to be decided")
	[[ $got == "$want" ]] || why+=("$ctr: expected $want, counted $got at dst")
	wait_for "${EXPECT_WAIT:-5}" "$@" ||
		why+=("the IPS's count of the drops does not hold: $* (the twin's global dropped reads $(twin_stat global "" dropped))")
	if ((${#why[@]} == 0)); then
		tap_ok "$name"
	else
		tap_fail "$name" "${why[@]}"
	fi
}

# listening NS PORT: a TCP socket listens on PORT in NS.
listening() { ns "$1" ss -Hltn "sport = :$2" | grep -q .; }

# A private temp dir for configs and data, removed on exit.
case_tmp() {
	T=$(mktemp -d /tmp/nfips-case.XXXXXX) || return 1
	on_cleanup "rm -rf '$T'"
}

# twin_tcp_stream_cases OP [packets]: the TCP-stream cases of a payload
# search op (bm, ac) whose config sends TCP to $DST_IP ports 9050 and 9051
# through chain "pay", which drops "EVIL". Large writes become GSO-sized segments (up to 64 KB, paged)
# on the veth; GRO is turned on in ips where ethtool can. A clean
# $SIZE-byte stream must arrive intact ("packets": and must have run chain
# pay); a stream with 256 x EVIL at byte $AT must stall before it. Whatever
# the segment boundaries, a segment reaching more than 3 bytes into that
# region carries a whole EVIL and is dropped, and so are its
# retransmissions: in-order delivery stops at most 3 bytes past the
# region's start and at most one segment (64 KB, GSO) before it. Ends the
# case file (twin_done), also when socat is missing (skip).
twin_tcp_stream_cases() {
	local op=$1 count=${2:-} SIZE=2000000 AT=1000000 cli got pk0 pk1 d0 d1 name

	if ! command -v socat >/dev/null; then
		tap_skip "$TWIN: TCP streams through $op" "socat missing"
		twin_done
	fi
	if ns "$NS_IPS" ethtool -K eth0 gro on 2>/dev/null; then
		tap_diag "GRO on for ips eth0"
	else
		tap_diag "could not turn GRO on in ips (no ethtool?); the segments are GSO from src anyway"
	fi
	yes 'nfips clean stream 0123456789' | head -c $SIZE >"$T/clean"
	{ head -c $AT "$T/clean"; printf 'EVIL%.0s' {1..256}; tail -c +$((AT + 1025)) "$T/clean"; } >"$T/evil"

	# stream PORT FILE: a server writing $T/rx.PORT, a client sending FILE.
	stream() {
		$IP netns exec "$NS_DST" socat -u TCP-LISTEN:$1,reuseaddr OPEN:"$T/rx.$1",creat,trunc &
		lib_pids+=($!)
		wait_for 5 listening "$NS_DST" $1
		timeout 60 $IP netns exec "$NS_SRC" socat -u OPEN:"$2" TCP:$DST_IP:$1 2>/dev/null &
		cli=$!
		lib_pids+=($cli)
	}
	rx_size() { stat -c %s "$T/rx.$1" 2>/dev/null || echo 0; }
	rx_at_least() { (($(rx_size "$1") >= $2)); }
	drops_at_least() { local d; d=$(twin_stat chain pay drops); [[ $d =~ ^[0-9]+$ ]] && ((d >= $1)); }

	[[ $count == packets ]] && pk0=$(twin_stat chain pay packets)
	stream 9050 "$T/clean"
	if wait_for 30 cmp -s "$T/clean" "$T/rx.9050"; then
		tap_ok "$TWIN: a clean $SIZE-byte TCP stream completes intact"
	else
		tap_fail "$TWIN: a clean $SIZE-byte TCP stream completes intact" \
			"received $(rx_size 9050) bytes"
	fi
	if [[ $count == packets ]]; then
		pk1=$(twin_stat chain pay packets)
		if [[ $pk0 =~ ^[0-9]+$ && $pk1 =~ ^[0-9]+$ ]] && ((pk1 > pk0)); then
			tap_ok "$TWIN: the clean stream ran chain pay ($((pk1 - pk0)) packets)"
		else
			tap_fail "$TWIN: the clean stream ran chain pay" "packets before $pk0, after $pk1"
		fi
	fi

	d0=$(twin_stat chain pay drops)
	stream 9051 "$T/evil"
	wait_for 30 rx_at_least 9051 $((AT - 65536))
	wait_for 15 drops_at_least $((d0 + 2))
	got=$(rx_size 9051) d1=$(twin_stat chain pay drops)
	name="$TWIN: a TCP stream with EVIL at byte $AT stalls before it (retransmissions dropped too)"
	if ((got >= AT - 65536 && got <= AT + 3)) && [[ $d1 =~ ^[0-9]+$ ]] && ((d1 >= d0 + 2)); then
		tap_ok "$name"
		tap_diag "received $got of $SIZE bytes, chain pay drops $d0 -> $d1"
	else
		tap_fail "$name" \
			"received $got bytes (expected $((AT - 65536))..$((AT + 3))), chain pay drops $d0 -> $d1"
	fi
	kill "$cli" 2>/dev/null
	[[ $tap_failed -gt 0 ]] && twin_stats_diag
	twin_done
}

# A load that must be refused, with the running config left as it was
# (tests/cases/config.sh for every twin, tests/user/t_11_bpf_refuse.sh for
# what only the BPF twin cannot run). After twin_init and case_tmp:
#
#   twin_refusal_begin          load a good config (an "evil" bm op dropping
#                               EVIL on UDP 9300-9301 to dst) and count
#                               9300 as evil, 9301 as clean
#   twin_bad_load WHAT FILE LINE TEXT  the load of $T/FILE fails with
#                               "$T/FILE:LINE: " and TEXT on stderr, and
#                               then twin_still_running WHAT
#   twin_still_running WHAT     show is unchanged, EVIL is still dropped by
#                               the op and clean traffic passes
twin_refusal_begin() {
	cat >"$T/good.conf" <<'CONF'
op     evil bm pattern="EVIL" action=drop
chain  c    evil
select dst=10.91.2.2/32 proto=udp dport=9300-9301 chain=c
select any bypass
CONF
	twin_load_check "load a good config" "$T/good.conf"
	twin_show0=$(twin_ctl show 2>&1)
	count_in "$NS_DST" udp 9300 evil
	count_in "$NS_DST" udp 9301 clean
	twin_drops=0
}

twin_still_running() {
	local show d
	show=$(twin_ctl show 2>&1)
	if [[ $show == "$twin_show0" ]]; then
		tap_ok "$TWIN: after $1: show is unchanged"
	else
		tap_fail "$TWIN: after $1: show is unchanged" "before:" "$twin_show0" "after:" "$show"
	fi
	send_from "$NS_SRC" -d $DST_IP --dport 9300 --payload "xxEVILxx" --count 2
	send_from "$NS_SRC" -d $DST_IP --dport 9301 --payload "xxGOODxx" --count 2
	twin_drops=$((twin_drops + 2))
	wait_for 5 twin_stat_is op evil drops $twin_drops
	d=$(twin_stat op evil drops)
	wait_for 5 arrived_is "$NS_DST" clean $twin_drops
	if [[ $d == "$twin_drops" && $(arrived "$NS_DST" evil) == 0 &&
	      $(arrived "$NS_DST" clean) == "$twin_drops" ]]; then
		tap_ok "$TWIN: after $1: EVIL still dropped, clean traffic passes"
	else
		tap_fail "$TWIN: after $1: EVIL still dropped, clean traffic passes" \
			"op evil drops $d (expected $twin_drops); arrived: evil $(arrived "$NS_DST" evil), clean $(arrived "$NS_DST" clean) (expected 0, $twin_drops)"
		[[ $d =~ ^[0-9]+$ ]] && twin_drops=$d
	fi
}

twin_bad_load() {
	local what=$1 file=$T/$2 line=$3 text=$4 err rc
	twin_load "$file" 2>"$T/load.err" >/dev/null
	rc=$?
	err=$(cat "$T/load.err")
	if ((rc != 0)) && grep -qF "$file:$line: " <<<"$err" && grep -qF -- "$text" <<<"$err"; then
		tap_ok "$TWIN: $what is rejected with $2:$line naming '$text'"
		tap_diag "$err"
	else
		tap_fail "$TWIN: $what is rejected with $2:$line naming '$text'" \
			"status $rc, stderr:" "$err"
	fi
	twin_still_running "$what"
}

# twin_probe_monitor PORT: a monitor has no ready signal. Send one "probe
# EVIL" packet to PORT every 10 polls of `lines` (the caller's count of
# alert lines in its monitor's output) until one shows up, at most 250
# polls; $probes says how many probes went (each an alert raised and a
# packet dropped, to be counted).
twin_probe_monitor() {
	local i
	probes=0
	for i in $(seq 250); do
		if ((i % 10 == 1)); then
			send_from "$NS_SRC" -d $DST_IP -P udp --dport "$1" --payload "probe EVIL" --count 1 >/dev/null
			probes=$((probes + 1))
		fi
		(($(lines) > 0)) && break
		sleep 0.02
	done
}
