#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 120
#
# Smoke test of the VM harness: the kernel twin's modules load, show up in
# /proc/modules with the right dependencies, autoload by alias, refuse to
# unload while in use, and unload cleanly (twice, to catch what a first
# unload leaves behind); and the environment the network tests rely on
# (tests/lib.sh) works: real ip with netns and veth, iptables (both
# backends), nft, sysctl, timeout, mktemp, fractional sleep, /dev/urandom.
#
# Runs inside the VM (tests/kmod/run.sh); kselftest conventions: TAP 13,
# exit 0 pass, 1 fail, 4 skip.
set -u
cd "$(dirname "$0")/../.." || exit 1

KSFT_SKIP=4
n=0 failed=0

ok() {	# ok COND_STATUS NAME
	n=$((n + 1))
	if [[ $1 -eq 0 ]]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

check() {	# check NAME CMD...: a test line for one command, its output as diagnostics
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	[[ $rc -ne 0 && -n $out ]] && sed 's/^/# /' <<<"$out"
	ok "$rc" "$name"
}

echo "TAP version 13"
if [[ ! -e /proc/modules ]]; then
	echo "1..0 # SKIP this kernel has no module support (run through tests/kmod/run.sh)"
	exit $KSFT_SKIP
fi

mods="nfips_op_header nfips_op_bm nfips_op_sleep nfips"
loaded() { grep -q "^$1 " /proc/modules; }
none_loaded() {
	local m
	for m in $mods; do
		loaded "$m" && return 1
	done
	return 0
}
unload_all() {
	local m
	for m in $mods; do
		loaded "$m" && rmmod "$m"
	done
}
trap unload_all EXIT

kver=$(uname -r)
dmesg_before=$(dmesg | wc -l)

# The kernel's request_module() runs this program.
[[ $(cat /proc/sys/kernel/modprobe) == /sbin/modprobe && $(readlink -f /sbin/modprobe) == */kmod ]]
ok $? "kernel.modprobe is kmod's /sbin/modprobe"
[[ $(modprobe -R nfips-op-bm 2>/dev/null) == nfips_op_bm ]]
ok $? "alias nfips-op-bm resolves to nfips_op_bm"

# The kernel's own autoload path (request_module -> usermode helper ->
# /sbin/modprobe), which nfips uses for "nfips-op-<type>": creating a dummy
# link makes the kernel ask for "rtnl-link-dummy".
if ! grep -q '^dummy ' /proc/modules; then
	ip link add nfips-smoke0 type dummy 2>/dev/null && grep -q '^dummy ' /proc/modules
	ok $? "kernel autoload: a dummy link loads dummy.ko through /sbin/modprobe"
	ip link del nfips-smoke0 2>/dev/null
	rmmod dummy 2>/dev/null
fi

none_loaded
ok $? "no nfips module loaded before the test"

for cycle in 1 2; do
	check "cycle $cycle: modprobe nfips" modprobe nfips
	check "cycle $cycle: modprobe nfips-op-header (by alias)" modprobe nfips-op-header
	check "cycle $cycle: modprobe nfips_op_bm" modprobe nfips_op_bm
	check "cycle $cycle: insmod nfips_op_sleep.ko" \
		insmod "/lib/modules/$kver/extra/nfips_op_sleep.ko"
	# "nfips <size> <refs> <users>, Live": each op-module holds nfips.
	line=$(grep '^nfips ' /proc/modules)
	echo "# /proc/modules: $line"
	[[ $line =~ ^nfips\ [0-9]+\ 3\ .*nfips_op_header.*\ Live ]] &&
		[[ $line == *nfips_op_bm* && $line == *nfips_op_sleep* ]]
	ok $? "cycle $cycle: /proc/modules: nfips Live, used by the three op-modules"
	! rmmod nfips 2>/dev/null && loaded nfips
	ok $? "cycle $cycle: rmmod nfips refused while op-modules use it"
	check "cycle $cycle: rmmod op-modules, then nfips" \
		rmmod nfips_op_header nfips_op_bm nfips_op_sleep nfips
	none_loaded && [[ ! -e /sys/module/nfips ]]
	ok $? "cycle $cycle: unloaded: gone from /proc/modules and /sys/module"
done

# Everything nfips said in the kernel log, as diagnostics; errors fail. The
# out-of-tree and unsigned-module taint notes are expected.
klog=$(dmesg | tail -n +$((dmesg_before + 1)) | grep -E 'nfips')
[[ -n $klog ]] && sed 's/^/# dmesg: /' <<<"$klog"
! grep -vE 'taints kernel|tainting kernel' <<<"$klog" |
	grep -qiE 'error|fail|leak|BUG|WARNING|Oops'
ok $? "kernel log: no errors from nfips"

# --- the environment tests/lib.sh needs ---------------------------------------
tmp=$(mktemp -d) && [[ -d $tmp ]] && sleep 0.1 &&
	timeout 1 sleep 0.01 && head -c 16 /dev/urandom | od -An -tx1 >/dev/null &&
	sysctl -q -w net.ipv4.ip_forward=1 && [[ $(sysctl -n net.ipv4.ip_forward) == 1 ]] &&
	[[ $(cat /sys/class/net/lo/operstate) != down ]] && ip -o addr show dev lo | grep -q 127.0.0.1
ok $? "env: mktemp, sleep 0.1, timeout, urandom, sysctl, loopback up"
rm -rf "$tmp"

ns=nfips-smoke-$$
env_netns() {
	ip netns add "${ns}a" && ip netns add "${ns}b" &&
		ip link add veth0 netns "${ns}a" type veth peer name veth1 netns "${ns}b" &&
		ip -n "${ns}a" addr add 10.99.0.1/24 dev veth0 &&
		ip -n "${ns}b" addr add 10.99.0.2/24 dev veth1 &&
		ip -n "${ns}a" link set veth0 up && ip -n "${ns}b" link set veth1 up &&
		ip netns exec "${ns}a" ping -c 1 -W 5 10.99.0.2 >/dev/null
}
env_netns
ok $? "env: ip netns + veth pair, ping across"
ip netns del "${ns}a" 2>/dev/null
ip netns del "${ns}b" 2>/dev/null

check "env: iptables (nft) NFQUEUE and string rules" bash -c '
	iptables-nft -A FORWARD -p udp --dport 5000 -j NFQUEUE --queue-num 0 --queue-bypass &&
	iptables-nft -A FORWARD -m string --algo bm --string EVIL -j DROP &&
	iptables-nft -F FORWARD'
check "env: iptables (legacy) NFQUEUE rule" bash -c '
	iptables-legacy -A FORWARD -p udp -j NFQUEUE --queue-num 0 &&
	iptables-legacy -F FORWARD'
check "env: nft table with a queue statement" bash -c '
	nft add table inet nfips_smoke &&
	nft "add chain inet nfips_smoke c { type filter hook prerouting priority 0; }" &&
	nft add rule inet nfips_smoke c udp dport 5000 queue num 0 bypass &&
	nft delete table inet nfips_smoke'

echo "1..$n"
[[ $failed -eq 0 ]]
