#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the network tests of both twins (host and VM), after
# tools/testing/selftests/net/lib.sh. Source it from a test script:
#
#   source "$(dirname "$0")/../lib.sh"
#
# Topology made by topo_setup (names carry a per-run suffix, so runs never
# collide; addresses are private and exist only inside these namespaces):
#
#   $NS_SRC                    $NS_IPS (forwards)                 $NS_DST
#   eth0 10.91.1.1/24 ------- eth0 10.91.1.2/24
#        fd91:1::1/64              fd91:1::2/64
#                              eth1 10.91.2.1/24 ------- eth0 10.91.2.2/24
#                                   fd91:2::1/64             fd91:2::2/64
#
# TAP: tap_ok/tap_fail/tap_skip/tap_check print "ok N - name" lines; tap_done
# exits 0 (all passed), 1 (a failure) or 4 (all skipped).

NFIPS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$NFIPS_ROOT/build}
KSFT_SKIP=4

# Always the real iproute2: busybox's `ip` applet knows no netns or veth.
IP=/usr/sbin/ip
[[ -x $IP ]] || IP=/sbin/ip
[[ -x $IP ]] || IP=/bin/ip

SRC_IP=10.91.1.1 IPS_IP_IN=10.91.1.2 IPS_IP_OUT=10.91.2.1 DST_IP=10.91.2.2
SRC_IP6=fd91:1::1 IPS_IP6_IN=fd91:1::2 IPS_IP6_OUT=fd91:2::1 DST_IP6=fd91:2::2

tap_n=0 tap_failed=0 tap_passed=0 tap_skipped=0

tap_ok()   { tap_n=$((tap_n + 1)); tap_passed=$((tap_passed + 1)); echo "ok $tap_n - $*"; }
tap_skip() { tap_n=$((tap_n + 1)); tap_skipped=$((tap_skipped + 1)); echo "ok $tap_n - $1 # SKIP ${2:-}"; }
tap_fail() {
	tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	local l
	for l in "$@"; do echo "# $l"; done
}

# tap_check NAME CMD...: one test line from a command's status.
tap_check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$name"
	else
		tap_fail "$name" "command failed: $*" "${out:0:2000}"
	fi
}

# tap_expect NAME EXPECTED ACTUAL: equality with both values shown on failure.
tap_expect() {
	if [[ "$2" == "$3" ]]; then
		tap_ok "$1"
	else
		tap_fail "$1" "expected: $2" "actual:   $3"
	fi
}

tap_diag() { local l; for l in "$@"; do echo "# $l"; done; }

tap_done() {
	echo "1..$tap_n"
	if [[ $tap_failed -gt 0 ]]; then exit 1; fi
	if [[ $tap_passed -eq 0 && $tap_skipped -gt 0 ]]; then exit $KSFT_SKIP; fi
	exit 0
}

# skip_all REASON: the whole test cannot run here (kselftest exit 4).
skip_all() {
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || [[ -x $c ]] ||
			skip_all "missing command: $c"
	done
}

require_root() { [[ $(id -u) -eq 0 ]] || skip_all "needs root"; }

# wait_for TIMEOUT_S CMD...: poll every 20 ms until CMD succeeds.
wait_for() {
	local deadline=$((SECONDS + $1)) 
	shift
	while ! "$@" >/dev/null 2>&1; do
		[[ $SECONDS -ge $deadline ]] && return 1
		sleep 0.02
	done
}

# Background processes to kill and namespaces to delete on exit.
lib_pids=()
lib_netns=()
lib_cleanup_hooks=()

bg() {	# bg CMD...: run in the background, killed by cleanup
	"$@" &
	lib_pids+=($!)
}

on_cleanup() { lib_cleanup_hooks+=("$*"); }

cleanup() {
	local p ns h
	for h in "${lib_cleanup_hooks[@]}"; do eval "$h" >/dev/null 2>&1; done
	for p in "${lib_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${lib_pids[@]}"; do wait "$p" 2>/dev/null; done
	for ns in "${lib_netns[@]}"; do $IP netns del "$ns" 2>/dev/null; done
	return 0
}
trap cleanup EXIT

ns_add() {
	$IP netns add "$1" || return 1
	lib_netns+=("$1")
	$IP -n "$1" link set lo up
}

# ns NAME CMD...: run CMD in namespace NAME.
ns() { local n=$1; shift; $IP netns exec "$n" "$@"; }

# Counter of an iptables rule, matched by its comment: ipt_count NS TABLE CHAIN COMMENT [ip6]
ipt_count() {
	local cmd=iptables
	[[ ${5:-} == ip6 ]] && cmd=ip6tables
	ns "$1" "$cmd" -w -t "$2" -L "$3" -v -x -n 2>/dev/null |
		awk -v c="/* $4 */" 'index($0, c) { print $1; found = 1; exit } END { if (!found) print -1 }'
}

# count_in NS PROTO PORT NAME [ip6]: count packets delivered to NS for PROTO/PORT
# (an INPUT rule with a comment; read it back with ipt_count NS filter INPUT NAME).
count_in() {
	local cmd=iptables
	[[ ${5:-} == ip6 ]] && cmd=ip6tables
	ns "$1" "$cmd" -w -I INPUT -p "$2" --dport "$3" -m comment --comment "$4" -j ACCEPT
}

# count_payload NS PROTO PORT NAME PATTERN: count the packets delivered to NS
# for PROTO/PORT whose payload holds PATTERN ("!PATTERN": does not hold it),
# so that good and bad packets of one flow are counted apart. The rule has no
# target: it counts and lets the packet on; it goes first in INPUT, so a
# count_in rule for the same port must be made before it, not after.
# Read it back with ipt_count NS filter INPUT NAME (or arrived).
count_payload() {
	local neg=() pat=$5
	if [[ $pat == !* ]]; then
		neg=('!')
		pat=${pat#!}
	fi
	ns "$1" iptables -w -I INPUT -p "$2" --dport "$3" -m string --algo bm \
		"${neg[@]}" --string "$pat" -m comment --comment "$4"
}

topo_setup() {
	local sfx=${TOPO_SUFFIX:-$$-$RANDOM}
	NS_SRC=nfsrc-$sfx NS_IPS=nfips-$sfx NS_DST=nfdst-$sfx
	ns_add "$NS_SRC" && ns_add "$NS_IPS" && ns_add "$NS_DST" || return 1

	$IP link add eth0 netns "$NS_SRC" type veth peer name eth0 netns "$NS_IPS" || return 1
	$IP link add eth1 netns "$NS_IPS" type veth peer name eth0 netns "$NS_DST" || return 1

	$IP -n "$NS_SRC" addr add $SRC_IP/24 dev eth0
	$IP -n "$NS_IPS" addr add $IPS_IP_IN/24 dev eth0
	$IP -n "$NS_IPS" addr add $IPS_IP_OUT/24 dev eth1
	$IP -n "$NS_DST" addr add $DST_IP/24 dev eth0
	$IP -n "$NS_SRC" addr add $SRC_IP6/64 dev eth0 nodad
	$IP -n "$NS_IPS" addr add $IPS_IP6_IN/64 dev eth0 nodad
	$IP -n "$NS_IPS" addr add $IPS_IP6_OUT/64 dev eth1 nodad
	$IP -n "$NS_DST" addr add $DST_IP6/64 dev eth0 nodad
	$IP -n "$NS_SRC" link set eth0 up
	$IP -n "$NS_IPS" link set eth0 up
	$IP -n "$NS_IPS" link set eth1 up
	$IP -n "$NS_DST" link set eth0 up
	$IP -n "$NS_SRC" route add default via $IPS_IP_IN
	$IP -n "$NS_DST" route add default via $IPS_IP_OUT
	$IP -n "$NS_SRC" -6 route add default via $IPS_IP6_IN
	$IP -n "$NS_DST" -6 route add default via $IPS_IP6_OUT
	ns "$NS_IPS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
	# Permanent neighbours: no packet waits on (or is lost to) ARP/ND, and
	# no test needs ping.
	local ms mi0 mi1 md
	ms=$(mac_of "$NS_SRC" eth0) mi0=$(mac_of "$NS_IPS" eth0)
	mi1=$(mac_of "$NS_IPS" eth1) md=$(mac_of "$NS_DST" eth0)
	$IP -n "$NS_SRC" neigh replace $IPS_IP_IN lladdr "$mi0" dev eth0 nud permanent &&
	$IP -n "$NS_SRC" neigh replace $IPS_IP6_IN lladdr "$mi0" dev eth0 nud permanent &&
	$IP -n "$NS_IPS" neigh replace $SRC_IP lladdr "$ms" dev eth0 nud permanent &&
	$IP -n "$NS_IPS" neigh replace $SRC_IP6 lladdr "$ms" dev eth0 nud permanent &&
	$IP -n "$NS_IPS" neigh replace $DST_IP lladdr "$md" dev eth1 nud permanent &&
	$IP -n "$NS_IPS" neigh replace $DST_IP6 lladdr "$md" dev eth1 nud permanent &&
	$IP -n "$NS_DST" neigh replace $IPS_IP_OUT lladdr "$mi1" dev eth0 nud permanent &&
	$IP -n "$NS_DST" neigh replace $IPS_IP6_OUT lladdr "$mi1" dev eth0 nud permanent
}

# MAC address of an interface in a namespace: mac_of NS IF
mac_of() { $IP -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# bpf_twin_kernel: why this kernel cannot run the BPF twin, on stdout with
# status 1, or nothing and status 0. Its programs exist when their context
# type is in the kernel's BTF (CONFIG_NETFILTER_BPF_LINK, 6.4+). One probe
# for tests/twin.sh, tests/kmod/t_39_bpf.sh and the bench.
bpf_twin_kernel() {
	if [[ ! -r /sys/kernel/btf/vmlinux ]]; then
		echo "kernel $(uname -r) has no BTF (/sys/kernel/btf/vmlinux): the BPF twin needs it"
		return 1
	fi
	if ! grep -aq BPF_PROG_TYPE_NETFILTER_prog /sys/kernel/btf/vmlinux; then
		echo "kernel $(uname -r) has no BPF netfilter links (BPF_PROG_TYPE_NETFILTER, CONFIG_NETFILTER_BPF_LINK: 6.4+)"
		return 1
	fi
}
