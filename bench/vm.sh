#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bench inside the kernel-twin VM. tests/kmod/vm/init runs it like a
# kmod test (bench/compare.sh names it in KMOD_TESTS as ../../bench/vm, a
# path relative to tests/kmod, and copies bench/ in with KMOD_DIRS); it runs
# bench/run.sh --where vm, whose result rows come out as "BENCH:" lines on
# the result stream, and ends with one TAP line for the harness.
#
# Settings come on the kernel command line (KMOD_APPEND, read here from
# /proc/cmdline): nfips_bench_grid=short|full, nfips_bench_tbf=1,
# nfips_bench_variants=none+kernel+user+xt_string, nfips_bench_dur=SECONDS,
# nfips_bench_budget=SECONDS (past it, points are reported as skipped),
# nfips_bench_exps=E1+E3 (the experiments to run; default all),
# nfips_bench_costc3=0 (COST without its 200-pattern blocks).
#
#   src (CPU0) --- ips: forwards + IPS under test (CPU1) --- dst (CPU0)
set -u
cd "$(dirname "$0")/.."

arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^nfips_bench_$1=//p" | tail -n 1; }
grid=$(arg grid) tbf=$(arg tbf) variants=$(arg variants) dur=$(arg dur) budget=$(arg budget) exps=$(arg exps)
opts=(--where vm --grid "${grid:-short}")
[[ $tbf == 1 ]] && opts+=(--tbf)
[[ -n $variants ]] && opts+=(--variants "${variants//+/ }")
[[ -n $dur ]] && opts+=(--dur "$dur")
[[ -n $budget ]] && opts+=(--budget "$budget")
[[ -n $exps ]] && opts+=(--exps "${exps//+/ }")
# nfips_bench_costc3=0: COST measures the empty chains only (the BPF VM).
[[ $(arg costc3) == 0 ]] && export COST_C3=0

echo "# bench: bench/run.sh ${opts[*]}"
if BENCH_STREAM=1 bench/run.sh "${opts[@]}" --out /tmp/bench-vm 2>&1; then
	echo "ok 1 - bench ran in the VM"
else
	echo "not ok 1 - bench broke in the VM (see BENCH:broken)"
	exit 1
fi
