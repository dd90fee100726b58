#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The measurement machinery of bench/, shared by the host run and the run
# inside the kernel-twin VM (bench/run.sh sources it). Pure bash + awk: the
# VM has no python.
#
#   $NS_SRC (CPU0)                $NS_IPS (CPU1)                  $NS_DST (CPU0)
#   nfips-rude --cpu 0            forwards; the IPS under test    nfips-crude --cpu 0
#   eth0 10.91.1.1 ----------- eth0 10.91.1.2   (RPS -> CPU1)
#                                 eth1 10.91.2.1 -------------- eth0 10.91.2.2 (RPS -> CPU0)
#
# Pinning (DESIGN.md, Measurement): the generator and the collector share
# CPU0; the ips namespace's receive processing (RPS on its input veth), the
# kernel twin's workers and nfipsd are on CPU1. Without it plain forwarding
# stalls near 230 kpps and results move by tens of percent.
#
# One measurement point = one nfips-rude run of F CONSTANT flows (several
# source ports, so flow-hashed workers all get work) for D seconds, collected
# by one nfips-crude run. Definitions used everywhere in bench/:
#   offered pps      the rate the script asks for (sum over flows)
#   sent             packets nfips-rude handed to the kernel
#   received         RUDE packets nfips-crude got (all flows)
#   loss             (sent - received) / sent
#   rx pps           received / D
#   Mbit/s           pps x IPv4 datagram bits: (payload + 28) x 8
#   delay            one-way rx - tx on one clock; median of the per-flow
#                    medians, p99 the largest per-flow p99
#   loss-free        loss <= LOSS_FREE_PCT (0.1 %)
#   max loss-free rate (MLFR)   the highest offered rate found loss-free by
#                    mlfr_search: doubling from a start rate until a point
#                    is lossy (or the cap), then BISECT geometric bisection
#                    steps inside the last bracket (resolution 2^(1/2^BISECT));
#                    a point is lossy when two trials in a row are (trial)
#
# Generators (GEN, per search or point): "rude" (nfips-rude, one deadline
# per packet: every delay figure), "rude-burst" (nfips-rude --burst
# RUDE_BURST: N packets per sendmmsg every N/rate, for rate searches on the
# host), "pktgen" (the kernel's pktgen in src, counted at dst by an iptables
# rule: for rate searches in the VM, where nfips-rude tops out near 25 kpps).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../tests/lib.sh
source "$BENCH_DIR/../tests/lib.sh"
# tests/lib.sh's cleanup runs on exit; ours runs first through its hook list.

BUILD_DIR=${BUILD_DIR:-$NFIPS_ROOT/build}
RUDE=$BUILD_DIR/nfips-rude
CRUDE=$BUILD_DIR/nfips-crude
NFIPSD=$BUILD_DIR/nfipsd
NFIPSCTL=$BUILD_DIR/nfipsctl

LOSS_FREE_PCT=${LOSS_FREE_PCT:-0.1}
DUR=${DUR:-1}			# seconds of traffic per point
FLOWS=${FLOWS:-4}		# CONSTANT flows per point (source ports 3001..)
CRUDE_PORT=10001
GEN_CPU=0 IPS_CPU=1
WHERE=${WHERE:-host}		# host | vm: a column of every row
BENCH_TMP=${BENCH_TMP:-$(mktemp -d /tmp/nfips-bench.XXXXXX)}
on_cleanup "rm -rf '$BENCH_TMP'"

# Result sinks: files, and (in the VM) the console with a BENCH: prefix.
POINTS_CSV=${POINTS_CSV:-$BENCH_TMP/points.csv}
FACTS_CSV=${FACTS_CSV:-$BENCH_TMP/facts.csv}
BENCH_STREAM=${BENCH_STREAM:-0}
POINTS_HDR="where,exp,variant,param,payload,flows,duration_s,offered_pps,offered_mbps,sent,received,loss_pct,rx_pps,rx_mbps,delay_med_us,delay_p99_us,gen_ok,status,note"
FACTS_HDR="where,key,variant,param,value,unit,status,note"

emit() {	# emit points|facts CSVLINE
	local f=$POINTS_CSV
	[[ $1 == facts ]] && f=$FACTS_CSV
	echo "$2" >>"$f"
	[[ $BENCH_STREAM == 1 ]] && echo "BENCH:$1,$2"
	return 0
}

BENCH_T0=$SECONDS
# A time budget for the whole run (seconds, 0 = none): past it, points are
# not measured but reported as "skipped" (make compare must stay short).
BENCH_BUDGET=${BENCH_BUDGET:-0}
over_budget() { ((BENCH_BUDGET > 0 && SECONDS - BENCH_T0 >= BENCH_BUDGET)); }
progress() { printf 'bench[%s]: %4ds %s\n' "$WHERE" $((SECONDS - BENCH_T0)) "$*" >&2; }

csv_clean() { local s=${1//,/;}; s=${s//$'\n'/ }; echo "${s:0:200}"; }

fact() {	# fact KEY VARIANT PARAM VALUE UNIT STATUS NOTE
	emit facts "$WHERE,$1,$2,$3,$4,$5,$6,$(csv_clean "$7")"
	progress "fact $1 $2 ${3:+$3 }= $4 $5 ($6${7:+: $7})"
}

# --- topology and pinning -----------------------------------------------------

# Current IPS variant state, for cleanup.
IPS_NFIPSD_PID=
IPS_KERNEL_LOADED=0
IPS_SOCK=
IPS_BPF_LOADED=0

bench_topo_up() {
	topo_setup || return 1
	# Queue sizes: the veth backlog is the kernel default (1000); do not
	# inflate it, both twins see the same.
	local cpu1 cpu0
	cpu1=$(printf %x $((1 << IPS_CPU))) cpu0=$(printf %x $((1 << GEN_CPU)))
	ns "$NS_IPS" sh -c "echo $cpu1 >/sys/class/net/eth0/queues/rx-0/rps_cpus" || return 1
	ns "$NS_IPS" sh -c "echo $cpu1 >/sys/class/net/eth1/queues/rx-0/rps_cpus" || return 1
	ns "$NS_DST" sh -c "echo $cpu0 >/sys/class/net/eth0/queues/rx-0/rps_cpus" || return 1
	ns "$NS_SRC" sh -c "echo $cpu0 >/sys/class/net/eth0/queues/rx-0/rps_cpus" || return 1
	if [[ ${TBF:-0} == 1 ]]; then
		# The paper's 100 Mbit/s links: on the generator's egress and
		# the IPS's egress.
		ns "$NS_SRC" tc qdisc replace dev eth0 root tbf rate 100mbit burst 16kb latency 20ms || return 1
		ns "$NS_IPS" tc qdisc replace dev eth1 root tbf rate 100mbit burst 16kb latency 20ms || return 1
	fi
}

# --- the variants in the ips namespace ------------------------------------------
#
# Config files: bench_conf KIND N [WORKERS] writes one and prints its path.
#   empty       chain selected but empty
#   header N    one op: N TCP-NULL signatures (count=N); N=0: empty chain
#   bm N        one bm op with N patterns, none in the traffic
#   hs N        one hs op with N patterns (user twin)
#   ac N        one ac op with N patterns
#   achs N      an ac op then an hs op, N patterns each (user twin)
#   sleep N     N sleep modules of 100 us each
# Every config selects the bench traffic (UDP to the dst subnet) into chain c.
BENCH_WORKERS=${BENCH_WORKERS:-1}
BENCH_MAXLEN=${BENCH_MAXLEN:-1024}

pattern_of() { printf 'Zq%05dxJ' "$1"; }	# never in a RUDE payload

bench_conf() {
	local kind=$1 n=${2:-0} w=${3:-$BENCH_WORKERS} f i k ops=
	f=$BENCH_TMP/conf-$kind-$n-$w.conf
	{
		echo "queue workers=$w maxlen=$BENCH_MAXLEN overflow=drop"
		case $kind in
		empty) ;;
		header)
			if ((n > 0)); then echo "op h0 header sig=null count=$n"; ops=h0; fi ;;
		bm | hs | ac)
			if ((n > 0)); then
				printf 'op p0 %s' "$kind"
				for ((i = 0; i < n; i++)); do printf ' pattern=%s' "$(pattern_of $i)"; done
				echo
				ops=p0
			fi ;;
		achs)	# ac then hs on the same packets: their op times paired
			for k in ac hs; do
				printf 'op %s %s' "$k" "$k"
				for ((i = 0; i < n; i++)); do printf ' pattern=%s' "$(pattern_of $i)"; done
				echo
			done
			ops="ac hs" ;;
		sleep)
			for ((i = 0; i < n; i++)); do echo "op s$i sleep usec=100"; ops+=" s$i"; done ;;
		*) return 1 ;;
		esac
		echo "chain c $ops"
		echo "select dst=10.91.2.0/24 proto=udp chain=c"
		echo "select any bypass"
	} >"$f"
	echo "$f"
}

# Kernel workers and nfipsd threads to CPU1. The kernel twin's worker threads
# are kthreads named nfips*; taskset on a kthread works unless it is bound
# per CPU by its creator (then the twin decided, and we say so).
pin_kernel_workers() {
	local p c n=0
	# Builtin reads only: a process per /proc entry is seconds under TCG.
	local cl
	for p in /proc/[0-9]*; do
		read -r c 2>/dev/null <"$p/comm" || continue
		[[ $c == nfips* ]] || continue
		cl=
		IFS= read -r -d '' cl 2>/dev/null <"$p/cmdline"
		[[ -z $cl ]] || continue	# kthreads only
		taskset -pc $IPS_CPU "${p#/proc/}" >/dev/null 2>&1 && n=$((n + 1))
	done
	echo $n
}

nfipsd_ready() { ns "$NS_IPS" "$NFIPSCTL" -u "$IPS_SOCK" version; }

# variant_start VARIANT KIND N: make the ips namespace run VARIANT with the
# config (KIND N). Returns non-zero with a reason on stderr.
variant_start() {
	local v=$1 kind=$2 n=$3 conf i
	case $v in
	none) return 0 ;;
	xt_string)
		# N rules, each its own string, none matching; the peer of bm. In
		# a chain of their own (one iptables-restore), so that removing
		# them touches nobody else's rules.
		{
			echo "*mangle"
			echo ":NFIPS-BENCH-XT - [0:0]"
			echo "-F NFIPS-BENCH-XT"
			for ((i = 0; i < n; i++)); do
				echo "-A NFIPS-BENCH-XT -p udp -d 10.91.2.0/24 -m string --algo bm --string $(pattern_of $i) -j DROP"
			done
			echo "-A PREROUTING -j NFIPS-BENCH-XT"
			echo "COMMIT"
		} >"$BENCH_TMP/xt.rules"
		ns "$NS_IPS" iptables-restore -w --noflush "$BENCH_TMP/xt.rules" || return 1
		return 0 ;;
	user)
		conf=$(bench_conf "$kind" "$n") || return 1
		if [[ -z $IPS_NFIPSD_PID ]]; then
			IPS_SOCK=$BENCH_TMP/nfipsd.sock
			$IP netns exec "$NS_IPS" taskset -c $IPS_CPU "$NFIPSD" -c "$conf" --socket "$IPS_SOCK" \
				${NFIPSD_ARGS:-} >"$BENCH_TMP/nfipsd.log" 2>&1 &
			IPS_NFIPSD_PID=$!
			if ! wait_for 20 nfipsd_ready; then
				echo "nfipsd not ready in 20 s: $(tail -n 3 "$BENCH_TMP/nfipsd.log" | tr '\n' ' ')" >&2
				variant_stop user
				return 1
			fi
			# Threads started later inherit the mask; pin them all anyway.
			taskset -apc $IPS_CPU "$IPS_NFIPSD_PID" >/dev/null 2>&1
			return 0
		fi
		ns "$NS_IPS" "$NFIPSCTL" -u "$IPS_SOCK" load "$conf" >&2 || return 1
		taskset -apc $IPS_CPU "$IPS_NFIPSD_PID" >/dev/null 2>&1
		return 0 ;;
	kernel)
		conf=$(bench_conf "$kind" "$n") || return 1
		if [[ $IPS_KERNEL_LOADED == 0 ]]; then
			kernel_twin_load >&2 || return 1
			IPS_KERNEL_LOADED=1
		fi
		ns "$NS_IPS" "$NFIPSCTL" -k load "$conf" >&2 || return 1
		KERNEL_PINNED=$(pin_kernel_workers)
		return 0 ;;
	bpf)
		# The BPF twin (bpf/, issue 16): attached by nfipsctl -b inside
		# the ips namespace, its links and maps pinned in a private bpffs
		# (ip netns exec remounts /sys). A new config is switched in by
		# the next load; nothing is queued, so there are no workers.
		conf=$(bench_conf "$kind" "$n") || return 1
		bpf_fs_up || return 1
		NFIPS_BPFFS=$BPF_FS ns "$NS_IPS" "$NFIPSCTL" -b load "$conf" >&2 || return 1
		IPS_BPF_LOADED=1
		return 0 ;;
	*) echo "unknown variant $v" >&2; return 1 ;;
	esac
}

# The BPF twin's prerequisites: its object, a kernel with BTF and BPF
# netfilter links (6.4+), as tests/twin.sh checks them.
bpf_twin_available() {
	[[ -r $NFIPS_ROOT/build/nfips.bpf.o ]] && bpf_twin_kernel >/dev/null
}
BPF_FS=
bpf_fs_up() {
	[[ -n $BPF_FS ]] && return 0
	BPF_FS=$BENCH_TMP/bpffs
	mkdir -p "$BPF_FS" && mount -t bpf bpf "$BPF_FS" && return 0
	echo "cannot mount a BPF filesystem at $BPF_FS" >&2
	BPF_FS=
	return 1
}

# The kernel twin: installed in this kernel's modules (the VM's image), or
# built in the repo for the running kernel (a native run: `make modules
# KVER=$(uname -r)`); then insmod, and the op-modules up front, since the
# twin's request_module() autoload only finds installed modules.
NFIPS_KO_DIR=${NFIPS_KO_DIR:-$NFIPS_ROOT}
kernel_ko_matches() {
	[[ -f $NFIPS_KO_DIR/nfips.ko ]] &&
		[[ $(modinfo -F vermagic "$NFIPS_KO_DIR/nfips.ko" 2>/dev/null | awk '{ print $1 }') == "$(uname -r)" ]]
}
kernel_twin_available() { modinfo nfips >/dev/null 2>&1 || kernel_ko_matches; }
# The ac op-module (issue 15) where it exists: the plugin next to nfipsd,
# the module in this kernel's modules or next to nfips.ko in the repo.
ac_available() {	# ac_available user|kernel
	case $1 in
	user) [[ -f $BUILD_DIR/plugins/nfips_op_ac.so ]] ;;
	kernel) modinfo nfips_op_ac >/dev/null 2>&1 || [[ -f $NFIPS_KO_DIR/nfips_op_ac.ko ]] ;;
	*) return 1 ;;
	esac
}
kernel_twin_load() {
	local m
	if modinfo nfips >/dev/null 2>&1; then
		modprobe nfips
		return
	fi
	kernel_ko_matches || { echo "no nfips.ko for $(uname -r)"; return 1; }
	insmod "$NFIPS_KO_DIR/nfips.ko" || return 1
	for m in "$NFIPS_KO_DIR"/nfips_op_*.ko; do
		[[ -f $m ]] && { insmod "$m" || return 1; }
	done
	return 0
}

# variant_stop VARIANT [final]: between two configs of one variant, nothing
# (the next load replaces the config); "final": back to plain forwarding —
# nfipsd stopped (it removes its rules), the kernel modules unloaded.
variant_stop() {
	local v=$1 final=${2:-}
	case $v in
	xt_string)
		ns "$NS_IPS" iptables -w -t mangle -D PREROUTING -j NFIPS-BENCH-XT 2>/dev/null
		ns "$NS_IPS" iptables -w -t mangle -F NFIPS-BENCH-XT 2>/dev/null
		ns "$NS_IPS" iptables -w -t mangle -X NFIPS-BENCH-XT 2>/dev/null ;;
	user)
		if [[ -n $final && -n $IPS_NFIPSD_PID ]]; then
			kill -TERM "$IPS_NFIPSD_PID" 2>/dev/null
			local i
			for ((i = 0; i < 100; i++)); do
				kill -0 "$IPS_NFIPSD_PID" 2>/dev/null || break
				sleep 0.05
			done
			kill -KILL "$IPS_NFIPSD_PID" 2>/dev/null
			wait "$IPS_NFIPSD_PID" 2>/dev/null
			IPS_NFIPSD_PID=
			# Rules nfipsd may have left: the bench must see a clean table.
			if ns "$NS_IPS" iptables-save 2>/dev/null | grep -q NFQUEUE; then
				echo "nfipsd left NFQUEUE rules behind; flushed" >&2
				ns "$NS_IPS" iptables -w -t mangle -F 2>/dev/null
				ns "$NS_IPS" iptables -w -t mangle -X 2>/dev/null
			fi
		fi ;;
	bpf)
		# unload removes the pins, which detaches the program.
		if [[ $IPS_BPF_LOADED == 1 && -n $final ]]; then
			NFIPS_BPFFS=$BPF_FS ns "$NS_IPS" "$NFIPSCTL" -b unload >/dev/null 2>&1
			IPS_BPF_LOADED=0
		fi ;;
	kernel)
		if [[ $IPS_KERNEL_LOADED == 1 && -n $final ]]; then
			ns "$NS_IPS" "$NFIPSCTL" -k flush >/dev/null 2>&1
			if [[ -n $final ]]; then
				local m
				for m in $(awk '$1 ~ /^nfips_op/ {print $1}' /proc/modules) nfips; do
					rmmod "$m" 2>/dev/null
				done
				IPS_KERNEL_LOADED=0
			fi
		fi ;;
	esac
	return 0
}

CRUDE_PID=
bench_cleanup() {
	[[ -n $CRUDE_PID ]] && kill -KILL "$CRUDE_PID" 2>/dev/null
	variant_stop user final
	variant_stop kernel final
	variant_stop bpf final
	[[ -n $BPF_FS ]] && umount "$BPF_FS" 2>/dev/null
	pktgen_cleanup
}
on_cleanup bench_cleanup

# nfipsd's resident set size in kB (VmRSS), or nothing.
nfipsd_rss_kb() {
	[[ -n $IPS_NFIPSD_PID ]] || return 1
	# The ns wrapper forks: the daemon is a child of the recorded pid.
	local p
	for p in $IPS_NFIPSD_PID $(pgrep -P "$IPS_NFIPSD_PID" 2>/dev/null); do
		if [[ $(cat /proc/$p/comm 2>/dev/null) == nfipsd ]]; then
			awk '/^VmRSS:/ {print $2}' /proc/$p/status
			return 0
		fi
	done
	return 1
}

# --- one measurement point ------------------------------------------------------

# The collector prints "listening on" once its socket is bound; reading its
# log costs no process (each ip netns exec does under emulation).
crude_ready() { [[ $(<"$1") == *"listening on"* ]]; }

# rx packets of an interface inside a namespace (ip -n: no sysfs remount)
if_rx() {
	$IP -n "$1" -s -o link show "$2" 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) {
			if ($i == "RX:") rx = 1
			else if (rx && $i ~ /^[0-9]+$/ && ++n == 2) { print $i; exit }
		} }'
}

# Wait until the dst interface stops receiving (the IPS queues drained):
# two readings 100 ms apart without a new packet, at most 5 s.
wait_quiet() {
	local last=-1 now t0=$SECONDS
	while ((SECONDS - t0 < 5)); do
		now=$(if_rx "$NS_DST" eth0)
		[[ $now == "$last" ]] && return 0
		last=$now
		sleep 0.1
	done
}

# rude_script PPS PAYLOAD FLOWS DUR_S FILE
# Warm-up flows (ids 101.., source ports 4001..) send a few packets during
# the first WARM_MS; the measured flows (ids 1.., ports 3001..) start after
# it. Seen here: now and then the first one or two packets of every flow of
# a run never reach the collector (all flows at once, at any rate); the
# warm-up takes that hit, and only flows 1..FLOWS are counted.
WARM_MS=${WARM_MS:-100}
rude_script() {
	local pps=$1 bytes=$2 flows=$3 dur=$4 f=$5 phases=${6:-1} i j id r base rem t0 t1
	base=$((pps / flows)) rem=$((pps % flows))
	{
		echo "START NOW"
		if ((WARM_MS > 0)); then
			for ((i = 1; i <= flows; i++)); do
				echo "0 $((100 + i)) ON $((4000 + i)) $DST_IP:$CRUDE_PORT CONSTANT 200 $bytes"
				echo "$((WARM_MS / 2)) $((100 + i)) OFF"
			done
		fi
		# Phase j (sub-trial j of the point, see measure) runs flows
		# (j-1)*flows+1 .. j*flows from its own source ports.
		for ((j = 0; j < phases; j++)); do
			t0=$((WARM_MS + dur * 1000 * j / phases))
			t1=$((WARM_MS + dur * 1000 * (j + 1) / phases))
			for ((i = 1; i <= flows; i++)); do
				r=$base
				((i <= rem)) && r=$((r + 1))
				((r > 0)) || continue
				id=$((j * flows + i))
				echo "$t0 $id ON $((3000 + id)) $DST_IP:$CRUDE_PORT CONSTANT $r $bytes"
				echo "$t1 $id OFF"
			done
		done
	} >"$f"
}

# Parse nfips-crude's --json summary into "received med_us p99_us" (awk:
# the VM has no python), over the flows with ids LO..HI (default: all
# measured flows, 1..99). See parse notes in bench/README.md.
crude_json_parse() {
	awk '
	function num(key,   m) {
		if (match(line, "\"" key "\"[ \t]*:[ \t]*-?[0-9.eE+-]+")) {
			m = substr(line, RSTART, RLENGTH); sub(/.*:[ \t]*/, "", m); return m + 0
		}
		return ""
	}
	{ line = $0; buf = buf line "\n" }
	END {
		# One object per flow: split on "id".
		n = split(buf, parts, /"id"[ \t]*:/)
		rx = 0; nf = 0
		for (i = 2; i <= n; i++) {
			line = parts[i]
			id = line + 0
			if (id >= 100 || id < LO || id > HI) continue	# warm-up flows, other phases
			r = num("received"); if (r == "") continue
			rx += r
			med = num(MED); p99 = num(P99)
			if (med != "") { meds[++nf] = med; if (p99 > maxp99) maxp99 = p99 }
		}
		# median of the per-flow medians
		for (i = 1; i <= nf; i++) for (j = i + 1; j <= nf; j++)
			if (meds[j] < meds[i]) { t = meds[i]; meds[i] = meds[j]; meds[j] = t }
		m = nf ? meds[int((nf + 1) / 2)] : ""
		printf "%d %s %s\n", rx, (m == "" ? "" : m * SCALE), (nf ? maxp99 * SCALE : "")
	}' MED="${CRUDE_MED_KEY:-delay_median_s}" P99="${CRUDE_P99_KEY:-delay_p99_s}" \
		SCALE="${CRUDE_DELAY_SCALE:-1000000}" LO="${2:-1}" HI="${3:-99}" "$1"
}

# nfips-rude's per-flow report, summed: "sent achieved_pps requested_pps errors missed"
# (lines "flow N: requested X pps, achieved Y pps, S packets sent, E send errors").
rude_report_parse() {	# FILE [LO HI]: only flows LO..HI
	awk -v lo="${2:-1}" -v hi="${3:-99}" '/^flow [0-9]+: requested/ && ($2 + 0) >= lo && ($2 + 0) <= hi {
		for (i = 1; i <= NF; i++) {
			if ($i == "requested") req += $(i + 1)
			if ($i == "achieved") ach += $(i + 1)
			if ($i == "packets" && $(i + 1) == "sent,") sent += $(i - 1)
			if ($i == "send" && $(i + 1) ~ /^errors/) err += $(i - 1)
			if ($i == "missed") missed += $(i - 1)
		}
		found = 1
	}
	END { if (found) printf "%d %.1f %.1f %d %d\n", sent, ach, req, err, missed }' "$1"
}

# Packets the collector's own socket dropped (receiver overload, not the IPS).
crude_socket_drops() { sed -n 's/.*"socket_drops": *\([0-9]*\).*/\1/p' "$1" | head -n1; }

# --- the kernel's packet generator (rate searches in the VM) -------------------
#
# pktgen sends from kpktgend_<GEN_CPU> (a per-CPU kthread, so on CPU0 like
# nfips-rude) straight into src's eth0 (ndo_start_xmit, no socket): UDP from
# SRC_IP, source ports 3001..3000+FLOWS in turn (several flows, so the
# kernel twin's flow hash and the user twin's queue-balance spread them), to
# PG_DST port PG_PORT, so the selector rule (dst 10.91.2.0/24, udp) selects
# them. pkt_size is the frame without the FCS: 14 (Ethernet) + 20 (IPv4) +
# 8 (UDP) + the UDP payload; the payload is pktgen's 16-byte header and
# zeros (none of the bench patterns). /proc/net/pktgen is per network
# namespace.
# Counting at dst, with nothing in user space on the receive path:
#   PG_COUNT=otherhost (default): PG_DST is 10.91.2.99, which ips resolves
#     (a permanent neighbour entry) to a MAC that is not dst's: dst's eth0
#     counts the frame (rx_packets, i.e. what ips's eth1 handed over) and
#     drops it at once as another host's (ip_rcv, PACKET_OTHERHOST), which
#     keeps CPU0, the generator's CPU, free for generating.
#   PG_COUNT=rule: PG_DST is dst's own address; an iptables rule in dst
#     (raw PREROUTING, udp dport PG_PORT, DROP) counts and drops them.
PG_PORT=9
PG_COUNT=${PG_COUNT:-otherhost}
PG_OTHER_IP=10.91.2.99 PG_OTHER_MAC=02:00:00:00:91:99
PKTGEN_READY=0
pg_rx() {	# packets counted at dst so far
	if [[ $PG_COUNT == rule ]]; then
		ns "$NS_DST" iptables -w -t raw -nvxL PREROUTING 2>/dev/null |
			awk -v p="dpt:$PG_PORT" '$0 ~ p && /DROP/ { print $1; exit }'
	else
		if_rx "$NS_DST" eth0
	fi
}

# pg_run COUNT PPS PAYLOAD FLOWS: one pktgen run in src (blocks until sent);
# prints "sent elapsed_us offered_pps errors" from pktgen's report. pktgen
# stops after COUNT packets the device took (pkts-sofar); a packet the veth
# refused (NET_XMIT_DROP: the ips CPU's input backlog was full) counts in
# "errors" and used its time slot like any other, so what was offered is
# pkts-sofar + errors. A refused packet is lost on the way into the IPS, as
# one of nfips-rude's is (there sendmsg reports success and the packet never
# arrives). The rate it could offer: pktgen's report "T(cC+dD) usec" splits
# the run into busy time C and idle time D (waiting for a packet's time slot,
# and at the end for the IPS to free the last packet); flat out it sends
# (sofar + errors) / C packets/s, so offered = min(asked, that). The total T
# would count the IPS's drain as the generator's.
pg_run() {
	local count=$1 pps=$2 bytes=$3 flows=$4
	ns "$NS_SRC" sh -c '
		set -e
		t=/proc/net/pktgen/kpktgend_'$GEN_CPU' d=/proc/net/pktgen/eth0
		echo rem_device_all >$t
		echo "add_device eth0" >$t
		for c in "count '$count'" "clone_skb 0" "pkt_size '$((14 + 20 + 8 + bytes))'" \
			"ratep '$pps'" "dst '$PG_DST'" "dst_mac '$PG_DST_MAC'" \
			"src_min '$SRC_IP'" "src_max '$SRC_IP'" \
			"udp_src_min 3001" "udp_src_max '$((3000 + flows))'" \
			"udp_dst_min '$PG_PORT'" "udp_dst_max '$PG_PORT'"; do
			echo "$c" >$d
		done
		echo start >/proc/net/pktgen/pgctrl
		cat $d' >"$BENCH_TMP/pg.out" 2>&1 || { tail -n 3 "$BENCH_TMP/pg.out" >&2; return 1; }
	awk -v r="$pps" '/pkts-sofar:/ { for (i = 1; i <= NF; i++) { if ($i == "pkts-sofar:") s = $(i + 1); if ($i == "errors:") e = $(i + 1) } }
		/Result: OK:/ { u = $3; c = u; sub(/\(.*/, "", u); sub(/.*\(c/, "", c); sub(/\+.*/, "", c) }
		END {
			if (s == "" || u == "" || c == "") exit 1
			o = c > 0 ? (s + e) * 1e6 / c : r; if (o > r) o = r
			printf "%.0f %.0f %.0f %.0f\n", s + e, u, o, e }' "$BENCH_TMP/pg.out"
}

# pktgen_setup: load pktgen, the counting at dst, one short warm-up run.
# 0 when pktgen can be used here; else the reason on stdout.
pktgen_setup() {
	[[ $PKTGEN_READY == 1 ]] && return 0
	modprobe pktgen 2>/dev/null || { echo "modprobe pktgen failed (not in this kernel's modules)"; return 1; }
	ns "$NS_SRC" test -e /proc/net/pktgen/kpktgend_$GEN_CPU ||
		{ echo "no /proc/net/pktgen/kpktgend_$GEN_CPU in src"; return 1; }
	PG_DST_MAC=$($IP -n "$NS_IPS" link show eth0 | awk '/link\/ether/ { print $2; exit }')
	[[ -n $PG_DST_MAC ]] || { echo "no MAC on ips eth0"; return 1; }
	if [[ $PG_COUNT == rule ]]; then
		PG_DST=$DST_IP
		ns "$NS_DST" iptables -w -t raw -I PREROUTING -p udp --dport $PG_PORT -j DROP 2>&1 ||
			{ echo "cannot add the counting rule in dst"; return 1; }
	else
		PG_DST=$PG_OTHER_IP
		$IP -n "$NS_IPS" neigh replace $PG_OTHER_IP lladdr $PG_OTHER_MAC dev eth1 nud permanent 2>&1 ||
			{ echo "cannot add the neighbour entry for $PG_OTHER_IP in ips"; return 1; }
	fi
	PKTGEN_READY=1
	pg_run 50 1000 64 "$FLOWS" >/dev/null 2>&1 ||
		{ echo "pktgen warm-up run failed: $(tail -n 2 "$BENCH_TMP/pg.out" | tr '\n' ' ')"; pktgen_cleanup; return 1; }
}
pktgen_cleanup() {
	[[ $PKTGEN_READY == 1 ]] || return 0
	ns "$NS_SRC" sh -c "echo rem_device_all >/proc/net/pktgen/kpktgend_$GEN_CPU" 2>/dev/null
	if [[ $PG_COUNT == rule ]]; then
		ns "$NS_DST" iptables -w -t raw -D PREROUTING -p udp --dport $PG_PORT -j DROP 2>/dev/null
	else
		$IP -n "$NS_IPS" neigh del $PG_OTHER_IP dev eth1 2>/dev/null
	fi
	PKTGEN_READY=0
}

# measure_pktgen EXP VARIANT PARAM PPS PAYLOAD: as measure, with pktgen;
# sent = what pktgen offered (pkts-sofar + errors, see pg_run), received =
# dst's count (pg_rx) after the IPS queues drained; no delay (pktgen's
# timestamps are not read).
measure_pktgen() {
	local exp=$1 v=$2 param=$3 pps=$4 bytes=$5 flows=$FLOWS dur=${PT_DUR:-$DUR}
	local want=$((pps * dur)) sent us ach err rx0 rx1 rx note=gen=pktgen st=ok gen_ok=1 mbps loss rxpps rxmbps
	((pps < flows)) && flows=1
	rx0=$(pg_rx)
	if [[ -z $rx0 ]]; then
		st=failed note="$note; no count at dst ($PG_COUNT)"
	elif ! read -r sent us ach err < <(pg_run "$want" "$pps" "$bytes" "$flows" 2>"$BENCH_TMP/pg.err"); then
		st=failed note="$note; pktgen failed: $(tr '\n' ' ' <"$BENCH_TMP/pg.err")"
	else
		wait_quiet
		rx1=$(pg_rx)
		rx=$((rx1 - rx0))
	fi
	M_LOSS= M_RX= M_GEN_OK=1
	mbps=$(awk -v p="$pps" -v b="$bytes" 'BEGIN { printf "%.3f", p * (b + 28) * 8 / 1e6 }')
	if [[ $st == ok ]]; then
		# Kept up: offered at >= 97 % of the rate asked.
		awk -v a="$ach" -v p="$pps" 'BEGIN { exit !(a < 0.97 * p) }' && gen_ok=0
		((${err:-0} > 0)) && note="$note; $err refused by the veth (ips input backlog full)"
		read -r loss rxpps rxmbps < <(awk -v s="$sent" -v r="$rx" -v d="$dur" -v b="$bytes" 'BEGIN {
			l = s > 0 ? (s - r) * 100 / s : 0; if (l < 0) l = 0
			printf "%.4f %.1f %.3f\n", l, r / d, r / d * (b + 28) * 8 / 1e6 }')
		M_LOSS=$loss M_RX=$rxpps M_GEN_OK=$gen_ok M_SENT_PPS=$ach
		((gen_ok)) || note="$note; generator offered less: $sent packets in $us us ($ach of $pps pps)"
	fi
	[[ -n ${IN_SEARCH:-} ]] && note="search; $note"
	M_STATUS=$st M_NOTE=$note
	[[ $st == ok ]] || gen_ok=
	emit points "$WHERE,$exp,$v,$param,$bytes,$flows,$dur,$pps,$mbps,${sent:-},${rx:-},${loss:-},${rxpps:-},${rxmbps:-},,,$gen_ok,$st,$(csv_clean "$note")"
	if [[ $st == ok ]]; then
		progress "$(printf '%-3s %-9s %-12s offered %8d pps %7.2f Mbit/s: rx %9.1f pps loss %7.3f %% (pktgen)%s' \
			"$exp" "$v" "${param:--}" "$pps" "$mbps" "$rxpps" "$loss" "${note:+ ($note)}")"
	else
		progress "$(printf '%-3s %-9s %-12s offered %8d pps: FAILED: %s' "$exp" "$v" "${param:--}" "$pps" "$note")"
	fi
	[[ $st == ok ]]
}

# measure EXP VARIANT PARAM PPS PAYLOAD: one point, one CSV row. Sets
# M_STATUS (ok|failed), M_LOSS (percent), M_RX (pps), M_GEN_OK (1 when the
# generator sent at least 97 % of what was asked).
measure() {
	local exp=$1 v=$2 param=$3 pps=$4 bytes=$5 flows=$FLOWS dur=${PT_DUR:-$DUR}
	local d=$BENCH_TMP/pt script json rlog clog cpid rc note= st=ok phases=1 j
	mkdir -p "$d"
	if over_budget; then
		M_STATUS=skipped M_NOTE="time budget of ${BENCH_BUDGET}s used up" M_LOSS= M_RX= M_GEN_OK=
		emit points "$WHERE,$exp,$v,$param,$bytes,$flows,$dur,$pps,,,,,,,,,,skipped,$M_NOTE"
		progress "$(printf '%-3s %-9s %-12s offered %8d pps: SKIPPED (%s)' "$exp" "$v" "${param:--}" "$pps" "$M_NOTE")"
		return 1
	fi
	if [[ ${GEN:-rude} == pktgen ]]; then
		measure_pktgen "$@"
		return
	fi
	# A sweep point (not a search trial, not a repetition of its own) is
	# PHASES back-to-back sub-trials of dur/PHASES each, one row each
	# ("rep N"): the figures' error bars (bench/README.md "Figures").
	[[ -z ${IN_SEARCH:-} && -z ${REP_TAG:-} ]] && phases=${PHASES:-1}
	local rargs=()
	[[ ${GEN:-rude} == rude-burst ]] && rargs=(--burst "$RUDE_BURST") note="gen=rude --burst $RUDE_BURST"
	script=$d/rude.script json=$d/crude.json rlog=$d/rude.log clog=$d/crude.log
	rm -f "$json"
	((pps < flows)) && flows=1
	rude_script "$pps" "$bytes" "$flows" "$dur" "$script" "$phases"

	# Straight to ip netns exec (it execs the program): the pid is the
	# collector's own, and SIGTERM (not SIGINT, which bash makes background
	# jobs ignore) ends it with its summary.
	$IP netns exec "$NS_DST" "$CRUDE" -p $CRUDE_PORT --cpu $GEN_CPU --json "$json" >"$clog" 2>&1 &
	cpid=$! CRUDE_PID=$!
	if ! wait_for 10 crude_ready "$clog"; then
		note="crude not ready: $(tail -n 2 "$clog" | tr '\n' ' ')"
		st=failed
	fi
	if [[ $st == ok ]]; then
		ns "$NS_SRC" "$RUDE" -s "$script" --cpu $GEN_CPU "${rargs[@]}" >"$rlog" 2>&1
		rc=$?
		if [[ $rc -ne 0 ]]; then
			note="rude exited $rc: $(tail -n 2 "$rlog" | tr '\n' ' ')"
			st=failed
		fi
		wait_quiet
	fi
	kill -TERM "$cpid" 2>/dev/null
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	CRUDE_PID=
	if [[ $st == ok && ! -s $json ]]; then
		note="crude wrote no JSON: $(tail -n 2 "$clog" | tr '\n' ' ')"
		st=failed
	fi
	if ((phases == 1)); then
		measure_row "$exp" "$v" "$param" "$pps" "$bytes" "$flows" "$dur" 1 99 "$st" "$note" "$json" "$rlog"
		return
	fi
	# One row per sub-trial; M_* (and the return code) from all of them.
	local worst=0 all=ok
	for ((j = 1; j <= phases; j++)); do
		REP_TAG="$j" measure_row "$exp" "$v" "$param" "$pps" "$bytes" "$flows" \
			"$(awk -v d="$dur" -v n="$phases" 'BEGIN { printf "%.6g", d / n }')" \
			$(((j - 1) * flows + 1)) $((j * flows)) "$st" \
			"sub-trial $j of $phases back to back${note:+; $note}" "$json" "$rlog" || all=failed
	done
	[[ $all == ok ]]
}

# measure_row EXP VARIANT PARAM PPS PAYLOAD FLOWS DUR LO HI STATUS NOTE JSON RLOG:
# the row of flows LO..HI of a point (DUR seconds of them).
measure_row() {
	local exp=$1 v=$2 param=$3 pps=$4 bytes=$5 flows=$6 dur=$7 lo=$8 hi=$9
	local st=${10} note=${11} json=${12} rlog=${13}
	local sent rx med p99 mbps rxpps rxmbps loss gen_ok=1 want
	want=$(awk -v p="$pps" -v d="$dur" 'BEGIN { printf "%d", p * d }')
	M_LOSS= M_RX= M_GEN_OK=1
	mbps=$(awk -v p="$pps" -v b="$bytes" 'BEGIN { printf "%.3f", p * (b + 28) * 8 / 1e6 }')
	if [[ $st == ok ]]; then
		read -r rx med p99 < <(crude_json_parse "$json" "$lo" "$hi")
		local ach req serr sdrop missed
		read -r sent ach req serr missed < <(rude_report_parse "$rlog" "$lo" "$hi")
		if [[ -z $sent ]]; then
			st=failed note="no report from nfips-rude: $(tail -n 2 "$rlog" | tr '\n' ' ')"
			sent=0
		fi
		# The generator must have offered what was asked, at that rate.
		# (Its "achieved" rate is only reported: one late wake-up near
		# the end lowers it without changing what was offered.)
		awk -v s="$sent" -v w="$want" 'BEGIN { exit !(s < 0.97 * w) }' && gen_ok=0
		((${missed:-0} > 0)) && note="${note:+$note; }rude missed $missed (sender too slow)"
		((${serr:-0} > 0)) && note="${note:+$note; }rude send errors $serr"
		sdrop=$(crude_socket_drops "$json")
		((${sdrop:-0} > 0)) && note="${note:+$note; }collector socket dropped $sdrop"
		read -r loss rxpps rxmbps < <(awk -v s="$sent" -v r="${rx:-0}" -v d="$dur" -v b="$bytes" 'BEGIN {
			l = s > 0 ? (s - r) * 100 / s : 0; if (l < 0) l = 0
			printf "%.4f %.1f %.3f\n", l, r / d, r / d * (b + 28) * 8 / 1e6 }')
		M_LOSS=$loss M_RX=$rxpps M_GEN_OK=$gen_ok M_SENT_PPS=$(awk -v s="$sent" -v d="$dur" 'BEGIN { printf "%d", s / d }')
		((gen_ok)) || note="${note:+$note; }generator offered less: sent $sent of $want, achieved $ach of $req pps"
	fi
	# Trials of a loss-free search say so: the plots draw the sweeps.
	[[ -n ${IN_SEARCH:-} ]] && note="search${note:+; $note}"
	# Repetitions say which they are (report.py pairs them by number).
	[[ -n ${REP_TAG:-} ]] && note="rep $REP_TAG${note:+; $note}"
	M_STATUS=$st M_NOTE=$note
	[[ $st == ok ]] || gen_ok=
	emit points "$WHERE,$exp,$v,$param,$bytes,$flows,$dur,$pps,$mbps,${sent:-},${rx:-},${loss:-},${rxpps:-},${rxmbps:-},${med:-},${p99:-},$gen_ok,$st,$(csv_clean "$note")"
	if [[ $st == ok ]]; then
		progress "$(printf '%-3s %-9s %-12s offered %8d pps %7.2f Mbit/s: rx %9.1f pps loss %7.3f %% delay p50 %s us p99 %s us%s' \
			"$exp" "$v" "${param:--}" "$pps" "$mbps" "$rxpps" "$loss" "${med:-?}" "${p99:-?}" "${note:+ ($note)}")"
	else
		progress "$(printf '%-3s %-9s %-12s offered %8d pps: FAILED: %s' "$exp" "$v" "${param:--}" "$pps" "$note")"
	fi
	[[ $st == ok ]]
}

# trial EXP VARIANT PARAM PPS PAYLOAD: one point of a loss-free search. A
# lossy point is measured once more and counts as lossy only if that is
# lossy too (the smaller loss is kept): on a shared 2-core machine a single
# preemption of CPU1 loses a handful of packets at any rate, and one such
# event must not end a search. Both points are in the CSV.
RETRY_LOSSY=${RETRY_LOSSY:-1}
RUDE_BURST=${RUDE_BURST:-32}
gen_label() {
	case ${GEN:-rude} in
	pktgen) echo "generator pktgen (counted at dst: $PG_COUNT)" ;;
	rude-burst) echo "generator nfips-rude --burst $RUDE_BURST" ;;
	*) echo "generator nfips-rude" ;;
	esac
}
trial() {
	local IN_SEARCH=1
	measure "$@" || return 1
	if [[ $RETRY_LOSSY == 1 && $M_GEN_OK == 1 ]] &&
		awk -v l="$M_LOSS" -v t="$LOSS_FREE_PCT" 'BEGIN { exit !(l > t) }'; then
		local first=$M_LOSS
		measure "$@" || return 1
		M_LOSS=$(awk -v a="$first" -v b="$M_LOSS" 'BEGIN { print (a < b ? a : b) }')
	fi
	return 0
}

# mlfr_search EXP VARIANT PARAM PAYLOAD START CAP: the max loss-free rate
# (see the header). Emits each point and one "mlfr" fact; sets MLFR (pps,
# empty when even START was lossy or failed) and MLFR_NOTE.
BISECT=${BISECT:-3}
mlfr_search() {
	local exp=$1 v=$2 param=$3 bytes=$4 r=$5 cap=$6 good= bad= i mid status=ok gen_lim= bad_real=
	MLFR_NOTE=
	# ok_at RATE: the last trial was loss-free; with the generator short of
	# RATE, what it did offer counts (never lowering what was found).
	ok_at() {
		local g=$1
		[[ $M_GEN_OK == 0 ]] && g=$M_SENT_PPS
		[[ -z $good ]] || ((g > good)) && good=$g
		return 0
	}
	lossfree() { awk -v l="$M_LOSS" -v t="$LOSS_FREE_PCT" 'BEGIN { exit !(l <= t) }'; }
	while :; do
		if ! trial "$exp" "$v" "$param" "$r" "$bytes"; then status=failed; break; fi
		if [[ $M_GEN_OK == 0 ]]; then
			# The generator could not offer r: the IPS's limit is not
			# reached; loss-free means "at least what it did offer".
			gen_lim=$r
			MLFR_NOTE="generator-limited: asked $r pps, it offered $M_SENT_PPS"
			lossfree && ok_at "$r" || bad=$r
			break
		fi
		if lossfree; then
			ok_at "$r"
			if ((r >= cap)); then MLFR_NOTE="loss-free at the cap $cap pps"; break; fi
			r=$((r * 2))
			((r > cap)) && r=$cap
		else
			bad=$r bad_real=$r
			break
		fi
	done
	if [[ $status == ok && -n $bad ]]; then
		local lo=${good:-$((bad / 8))}
		if [[ -z $good ]]; then
			# Even the start was lossy: one step down, by 8x, then bisect.
			if trial "$exp" "$v" "$param" "$lo" "$bytes" && lossfree; then
				ok_at "$lo"
			else
				[[ $M_STATUS == failed ]] && status=failed
				[[ $M_STATUS == ok && $M_GEN_OK == 1 ]] && bad_real=$lo
			fi
		fi
		if [[ -n $good && $status == ok ]]; then
			for ((i = 0; i < BISECT; i++)); do
				mid=$(awk -v a="$good" -v b="$bad" 'BEGIN { printf "%d", sqrt(a * b) }')
				((mid <= good || mid >= bad)) && break
				if ! trial "$exp" "$v" "$param" "$mid" "$bytes"; then status=failed; break; fi
				if lossfree; then
					ok_at "$mid"
				else
					bad=$mid
					[[ $M_GEN_OK == 1 ]] && bad_real=$mid
				fi
				if [[ $M_GEN_OK == 0 ]]; then
					gen_lim=$mid
					break	# nothing higher can be offered
				fi
			done
		fi
	fi
	MLFR=$good
	if [[ $status == failed ]]; then
		if [[ $M_STATUS == skipped ]]; then
			fact mlfr "$v" "$exp:$param" "" pps skipped "$M_NOTE"
		else
			fact mlfr "$v" "$exp:$param" "" pps failed "a point failed: ${M_NOTE:-}"
		fi
		MLFR=
		return 1
	fi
	[[ -z $good ]] && MLFR_NOTE="lossy even at the lowest rate tried"
	# No lossy rate above the loss-free one: the IPS's limit was not reached
	# (generator or cap): the value is only a lower bound.
	[[ -n $good && -z $bad_real ]] && MLFR_NOTE="lower-bound (no lossy rate reached with the generator keeping up)${MLFR_NOTE:+; $MLFR_NOTE}"
	if [[ -n $gen_lim && $MLFR_NOTE != *generator* ]]; then
		MLFR_NOTE="${MLFR_NOTE:+$MLFR_NOTE; }the generator could not offer $gen_lim pps (lowest such rate in the search)"
	fi
	fact mlfr "$v" "$exp:$param" "${good:-0}" pps ok "payload $bytes; $(gen_label); bracket ${good:-0}..${bad:-none}${MLFR_NOTE:+; $MLFR_NOTE}"
	return 0
}

# --- per-packet CPU cost (nfips-soak; bench/README.md "Per-packet CPU cost") ------
#
# One cost point = traffic at a fixed offered rate for COST_MS + lead-in and
# tail, while nfips-soak (a SCHED_IDLE busy loop pinned to the IPS CPU)
# counts how much of that CPU was left over in a COST_MS window inside the
# traffic. A baseline point is the same window with no traffic. The CPU
# time the IPS took per forwarded packet follows in report.py (cost.py):
# (baseline - loaded soaker rate) / full speed / forwarded pps.
# Traffic goes to PG_OTHER_IP (10.91.2.99), which ips resolves to a MAC that
# is not dst's: dst's eth0 counts what ips forwarded (rx_packets) and drops
# it at once, so no user-space receiver competes with the generator on CPU0.
# Generator: pktgen in the VM, nfips-rude (one deadline per packet: an even
# stream) on the host; see bench/README.md "Generators" for why not trafgen.
SOAK=$BUILD_DIR/nfips-soak
COST_LEAD_MS=${COST_LEAD_MS:-200}	# traffic before the window (queues in steady state)
COST_MS=${COST_MS:-700}			# the soaker's window
COST_TAIL_MS=${COST_TAIL_MS:-100}	# traffic after it
COST_CSV=${COST_CSV:-$BENCH_TMP/cost.csv}
COST_HDR="where,exp,variant,param,payload,rep,offered_pps,sent,received,rx_pps,loss_pct,soak_rate,window_ns,gen,status,note"
OTHER_READY=0

emit_cost() {
	echo "$1" >>"$COST_CSV"
	[[ $BENCH_STREAM == 1 ]] && echo "BENCH:cost,$1"
	return 0
}

# The neighbour entry that sends forwarded traffic to "another host" on
# dst's link (see pktgen_setup: the same trick, also without pktgen).
other_setup() {
	[[ $OTHER_READY == 1 ]] && return 0
	$IP -n "$NS_IPS" neigh replace $PG_OTHER_IP lladdr $PG_OTHER_MAC dev eth1 nud permanent || return 1
	OTHER_READY=1
}

# soak_run OUTFILE: start the soaker in the background (its window opens
# COST_LEAD_MS from now); sets SOAK_PID.
soak_run() {
	"$SOAK" --cpu $IPS_CPU --ctl-cpu $GEN_CPU --delay-ms "$COST_LEAD_MS" --ms "$COST_MS" >"$1" 2>&1 &
	SOAK_PID=$!
}
soak_parse() {	# "rate window_ns" from the soaker's line
	awk '$1 == "soak" { for (i = 2; i < NF; i++) { if ($i == "rate_per_s") r = $(i + 1); if ($i == "window_ns") w = $(i + 1) } }
		END { if (r != "") print r, w }' "$1"
}

# cost_baseline EXP REP [VARIANT]: the soaker alone (no traffic), same
# window; taken right before VARIANT's block, it is that block's baseline.
cost_baseline() {
	local exp=$1 rep=$2 blk=${3:-} f=$BENCH_TMP/soak.out rate win st=ok note=
	if over_budget; then
		emit_cost "$WHERE,$exp,idle,$blk,,$rep,0,,,,,,,,skipped,time budget of ${BENCH_BUDGET}s used up"
		return 1
	fi
	soak_run "$f"
	wait "$SOAK_PID"
	read -r rate win < <(soak_parse "$f")
	[[ -n $rate ]] || { st=failed note="soaker: $(head -c 150 "$f")"; }
	emit_cost "$WHERE,$exp,idle,$blk,,$rep,0,,,,,${rate:-},${win:-},,$st,$(csv_clean "$note")"
	progress "$(printf '%-3s %-9s baseline (no traffic) before %s rep %d: soaker %s chunks/s' "$exp" idle "${blk:-all}" "$rep" "${rate:-?}")"
}

# cost_point EXP VARIANT PARAM PPS PAYLOAD REP: traffic at PPS with the
# soaker counting; one cost.csv row.
cost_point() {
	local exp=$1 v=$2 param=$3 pps=$4 bytes=$5 rep=$6 f=$BENCH_TMP/soak.out
	local ms=$((COST_LEAD_MS + COST_MS + COST_TAIL_MS)) rx0 rx1 rx= sent= st=ok note= gen rate= win= loss= rxpps=
	local flows=$FLOWS
	if over_budget; then
		emit_cost "$WHERE,$exp,$v,$param,$bytes,$rep,$pps,,,,,,,,skipped,time budget of ${BENCH_BUDGET}s used up"
		progress "$(printf '%-3s %-9s %-8s %7d pps rep %d: SKIPPED (budget)' "$exp" "$v" "$param" "$pps" "$rep")"
		return 1
	fi
	other_setup || { emit_cost "$WHERE,$exp,$v,$param,$bytes,$rep,$pps,,,,,,,,failed,cannot add the neighbour entry"; return 1; }
	rx0=$(if_rx "$NS_DST" eth0)
	if [[ $PKTGEN_READY == 1 ]]; then
		gen=pktgen
		soak_run "$f"
		local us ach err
		# pktgen starts within a few ms; its count makes the duration.
		# pktgen's count is what the device took; refused packets do not
		# count, so an overloaded IPS makes it run longer than ms: the
		# forwarded rate is over pktgen's own elapsed time (PG_US).
		if read -r sent us ach err < <(pg_run "$((pps * ms / 1000))" "$pps" "$bytes" "$flows" 2>"$BENCH_TMP/pg.err"); then
			((us > 0)) && ms=$(((us + 500) / 1000))
			((${err:-0} > 0)) && note="$err refused by the veth"
			awk -v a="$ach" -v p="$pps" 'BEGIN { exit !(a > 0 && a < 0.97 * p) }' && note="${note:+$note; }generator offered only $ach pps"
		else
			st=failed note="pktgen failed: $(tr '\n' ' ' <"$BENCH_TMP/pg.err")"
		fi
	else
		gen=rude
		local script=$BENCH_TMP/cost.script rlog=$BENCH_TMP/cost-rude.log ach req serr missed
		# nfips-rude to the other host, no warm-up flows (no collector to
		# miss them), for the whole lead-in + window + tail.
		WARM_MS=0 DST_IP=$PG_OTHER_IP rude_script "$pps" "$bytes" "$flows" 1 "$script"
		sed -i "s/^1000 \([0-9]*\) OFF/$ms \1 OFF/" "$script"
		soak_run "$f"
		if ns "$NS_SRC" "$RUDE" -s "$script" --cpu $GEN_CPU >"$rlog" 2>&1; then
			read -r sent ach req serr missed < <(rude_report_parse "$rlog")
			[[ -n $sent ]] || { st=failed note="no report from nfips-rude: $(tail -n 2 "$rlog" | tr '\n' ' ')"; }
			awk -v s="${sent:-0}" -v w="$((pps * ms / 1000))" 'BEGIN { exit !(s < 0.97 * w) }' &&
				note="generator offered less: sent ${sent:-0} of $((pps * ms / 1000))"
		else
			st=failed note="nfips-rude failed: $(tail -n 2 "$rlog" | tr '\n' ' ')"
		fi
	fi
	wait "$SOAK_PID"
	read -r rate win < <(soak_parse "$f")
	[[ $st == ok && -z $rate ]] && st=failed note="soaker: $(head -c 150 "$f")"
	wait_quiet
	rx1=$(if_rx "$NS_DST" eth0)
	if [[ $st == ok ]]; then
		rx=$((rx1 - rx0))
		read -r loss rxpps < <(awk -v s="$sent" -v r="$rx" -v ms="$ms" 'BEGIN {
			l = s > 0 ? (s - r) * 100 / s : 0; if (l < 0) l = 0
			printf "%.4f %.1f\n", l, r * 1000 / ms }')
	fi
	emit_cost "$WHERE,$exp,$v,$param,$bytes,$rep,$pps,${sent:-},${rx:-},${rxpps:-},${loss:-},${rate:-},${win:-},$gen,$st,$(csv_clean "$note")"
	progress "$(printf '%-3s %-9s %-8s %7d pps rep %d: rx %9s pps loss %7s %% soaker %s chunks/s%s' \
		"$exp" "$v" "$param" "$pps" "$rep" "${rxpps:-?}" "${loss:-?}" "${rate:-?}" "${note:+ ($note)}")"
	[[ $st == ok ]]
}

# --- generator smoothness (host) ---------------------------------------------------
#
# gen_gaps LABEL PPS PAYLOAD CMD...: run a generator command (in src) while
# netsniff-ng captures the first GAPS_N packets leaving src's eth0, and
# report the inter-packet gaps (p1/p50/p99/max, longest back-to-back run)
# as a fact. Captured on the sender's egress: the tap's timestamp is taken
# in dev_queue_xmit_nit, when the generator's packet is transmitted (a
# capture on ips's side would time-stamp when CPU1 processes its input
# backlog, in batches of up to 64: it shows the receiver, not the
# generator). trafgen runs with -q (qdisc path) here, as its bypass path
# skips the taps. Host only (python3 reads the pcap).
GAPS_N=${GAPS_N:-3000}
gen_gaps() {
	local label=$1 pps=$2 bytes=$3 pcap=$BENCH_TMP/gaps.pcap cpid st
	shift 3
	command -v netsniff-ng >/dev/null || { fact gen_gaps "$label" "$pps" "" ns failed "netsniff-ng missing"; return 1; }
	other_setup || return 1
	rm -f "$pcap"
	# -S: a ring of 8 MiB holds GAPS_N packets many times over. Without it
	# netsniff-ng sizes its ring from the machine's free memory, and setting
	# up that ring took 0.6-7 s here: the generator had finished before the
	# capture ran, and two of the three gap facts failed with 0 packets in
	# every run of the fifth session.
	$IP netns exec "$NS_SRC" netsniff-ng --in eth0 --out "$pcap" --num "$GAPS_N" --no-sock-mem --bind-cpu $IPS_CPU \
		-S 8MiB -f "udp" >"$BENCH_TMP/gaps.log" 2>&1 &
	cpid=$!
	# Ready when it says so (after its ring is mapped and its filter set).
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q 'Running!' "$BENCH_TMP/gaps.log" 2>/dev/null && break
		sleep 0.05
	done
	ns "$NS_SRC" "$@" >"$BENCH_TMP/gaps-gen.log" 2>&1
	sleep 0.2
	kill -INT "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	wait_quiet
	if ! st=$(python3 "$BENCH_DIR/trafgen_conf.py" gaps "$pcap" --nominal-ns "$((1000000000 / pps))" 2>&1); then
		fact gen_gaps "$label" "$pps" "" ns failed "$(head -c 150 <<<"$st") $(tail -n 2 "$BENCH_TMP/gaps.log" | tr '\n' ' ')"
		return 1
	fi
	fact gen_gaps "$label" "$pps" "$(awk '{ for (i = 1; i < NF; i++) if ($i == "p50") print $(i + 1) }' <<<"$st")" ns ok \
		"inter-packet gaps leaving src eth0 (ns; nominal $((1000000000 / pps))): $st; payload $bytes"
}

# The host's generators at the rates the bench uses them: nfips-rude (one
# deadline per packet), and trafgen both ways it paces (-b: a budget per
# second; -t: a sleep after every packet) to show why it is not used.
gaps_all() {
	local pps=$1 bytes=$2 script=$BENCH_TMP/gaps.script cfg=$BENCH_TMP/gaps.trafgen dmac smac
	# 1 s of traffic (GAPS_N packets are the first 60 ms at 50,000 pps):
	# the capture is running before the generator starts.
	WARM_MS=0 DST_IP=$PG_OTHER_IP rude_script "$pps" "$bytes" "$FLOWS" 1 "$script"
	gen_gaps nfips-rude "$pps" "$bytes" "$RUDE" -s "$script" --cpu $GEN_CPU
	command -v trafgen >/dev/null || { fact gen_gaps trafgen "" "" "" failed "trafgen missing (netsniff-ng)"; return 0; }
	dmac=$($IP -n "$NS_IPS" link show eth0 | awk '/link\/ether/ { print $2; exit }')
	smac=$($IP -n "$NS_SRC" link show eth0 | awk '/link\/ether/ { print $2; exit }')
	python3 "$BENCH_DIR/trafgen_conf.py" conf --dst-mac "$dmac" --src-mac "$smac" --src-ip "$SRC_IP" \
		--dst-ip "$PG_OTHER_IP" --payload "$bytes" --flows "$FLOWS" >"$cfg" || return 1
	gen_gaps "trafgen -b" "$pps" "$bytes" timeout -s INT 1 trafgen -o eth0 -i "$cfg" -P 1 -b "${pps}pps" -q -C
	gen_gaps "trafgen -t" "$pps" "$bytes" timeout -s INT 1 trafgen -o eth0 -i "$cfg" -P 1 \
		-t "$(python3 "$BENCH_DIR/trafgen_conf.py" gap --pps "$pps")ns" -q -C
}
