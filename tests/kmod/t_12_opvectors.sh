#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmod-timeout: 240
#
# The op-modules' unit vectors against their kernel build (issue 13 item 6;
# STYLE.md principle 10). No network: loads nfips_test_ops.ko
# (tests/kmod/opvec/), which at load time runs tests/unit/test_header.c,
# test_bm.c and test_ac.c - the same vector tables and randomised
# cross-checks as the unit tier, the 100,000-pair Boyer-Moore and ac checks
# included - against the op types of nfips.ko (nfips_op_<type>.ko, autoloaded
# by its registry), and prints each test's TAP lines to the kernel log under
# this run's tag. Here every one of those lines becomes a line of this test,
# named "<test>: <its name>"; then: each test's plan was met, it did not
# bail out, all three ran to the end, and every op-module reference was
# given back (nfips_test_ops, the op-modules and nfips unload).
#
#   tag=<run tag>  dir=<temporary dir, for ac's patterns files>
#   modprobe nfips_test_ops --> nfips.ko registry --> nfips_op_{header,bm,ac}.ko
#        kernel log "nfips_test_ops: [tag] ok N - ..."  --> TAP here
#
# Full counts on the stock kernels (the same pairs as the unit tier): 9-11 s
# under qemu TCG on 6.1 and 6.12 (2026-12-01). The KASAN debug kernel took
# 132 s for them (bm 40 s, ac 83 s), so it runs a tenth of the random pairs
# (random_div=10, below); every fixed vector runs everywhere.
source "$(dirname "$0")/../lib.sh"

require_root
[[ -e /proc/modules ]] || skip_all "no module support (run through tests/kmod/run.sh)"
mods="nfips_test_ops nfips_op_ac nfips_op_bm nfips_op_header nfips"
for m in $mods; do
	grep -q "^$m " /proc/modules && skip_all "$m is already loaded"
done
loaded() { grep -q "^$1 " /proc/modules; }
unload() {
	local m
	for m in $mods; do
		loaded "$m" && rmmod "$m"
	done
}
on_cleanup unload

dir=$(mktemp -d) || skip_all "mktemp -d failed"
on_cleanup "rm -rf '$dir'"
tag="t12.$$.$RANDOM"

# The debug kernel runs a tenth of the random pairs (unit_lib.h,
# unit_random_ops): KASAN checks every byte read, and the full count took
# 132 s there.
div=1
[[ $(uname -r) == *nfips-debug* ]] && div=10
t0=$SECONDS
if out=$(modprobe nfips_test_ops tag="$tag" dir="$dir" random_div=$div 2>&1); then
	tap_ok "modprobe nfips_test_ops (ran the vectors in $((SECONDS - t0)) s)"
else
	tap_fail "modprobe nfips_test_ops" "$out"
fi

# This run's lines, without the log's time stamp and the module's prefix.
log=$(dmesg | sed -n "s/^.*nfips_test_ops: \[$tag\] //p")
[[ -n $log ]] || tap_fail "the test module reported nothing under tag $tag"

prog="" plan=0 count=0 programs=0 done_line=""
declare -A finished=()
while IFS= read -r line; do
	case $line in
	"# program "*:*)	# end of a program: "# program NAME: passed, N ms"
		tap_diag "${line#\# }"
		if [[ $plan -gt 0 && $count -eq $plan ]]; then
			tap_ok "$prog: all $plan of its plan reported"
		else
			tap_fail "$prog: $count lines reported, plan $plan"
		fi
		finished[$prog]=1
		prog="" ;;
	"# program "*)
		prog=${line#\# program } plan=0 count=0
		programs=$((programs + 1)) ;;
	"# done:"*) done_line=$line; tap_diag "${line#\# }" ;;
	"1.."*) plan=${line#1..} ;;
	"ok "*)
		count=$((count + 1))
		tap_ok "$prog: ${line#ok * - }" ;;
	"not ok "*)
		count=$((count + 1))
		tap_fail "$prog: ${line#not ok * - }" ;;
	"Bail out!"*) tap_fail "$prog: ${line}" ;;
	"TAP version"*) ;;
	*) tap_diag "${line#\# }" ;;
	esac
done <<<"$log"

for p in test_header test_bm test_ac; do
	[[ -n ${finished[$p]:-} ]] || tap_fail "$p ran to its end in the kernel"
done
[[ -n $done_line && $programs -eq 3 ]] ||
	tap_fail "the test module finished (3 programs; saw $programs, '${done_line}')"

# Every op reference the vectors took was given back: all unload.
tap_check "nfips_test_ops, the op-modules and nfips unload" unload

tap_done
