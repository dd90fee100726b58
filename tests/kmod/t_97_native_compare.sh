#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The native make compare path (issue 12): inside the VM, a machine that can
# load modules, bench/run.sh --where native measures plain forwarding, the
# kernel twin and the user twin side by side on the running kernel (the
# per-packet CPU cost, on a tiny grid: one repetition, three low rates, short
# windows). Checks that the result has kernel-twin and user-twin rows with
# figures (forwarded rate, soaker rate, a per-packet cost computed as
# bench/cost.py does), next to plain forwarding's and the idle baseline.
#
#   NS_SRC nfips-rude --- NS_IPS: none | nfips.ko | nfipsd (CPU1) + nfips-soak --- NS_DST (counts)
#
# Needs bench/ in the image (the harness copies tests/ and bench/ unless
# KMOD_DIRS says otherwise); without it, the test skips and says so. Skips on
# the debug kernel too: it is a measurement path, and the debug tier is for
# pass/fail of the kernel twin (everything there runs ~20 times slower).
# kmod-timeout: 400
set -u
cd "$(dirname "$0")/../.." || exit 1
KSFT_SKIP=4

if [[ $(uname -r) == *nfips-debug* ]]; then
	echo "ok 1 - native compare # SKIP a measurement path; not run on the debug kernel"
	exit $KSFT_SKIP
fi
if [[ ! -x bench/run.sh ]]; then
	echo "ok 1 - native compare # SKIP bench/ is not in the image (KMOD_DIRS=\"tests bench\")"
	exit $KSFT_SKIP
fi
out=$(mktemp -d /tmp/t97.XXXXXX)
n=0 failed=0
ok() {
	n=$((n + 1))
	if [[ $1 -eq 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

# Tiny grid: one repetition, rates far below the twins' capacities under
# emulation, 300 ms windows; only the empty-chain cost points.
COST_REPS=1 COST_C3=0 COST_RATES_NONE="2000 4000 8000" COST_RATES_FAST="2000 4000 8000" COST_RATES_USER="1000 2000 3000" \
	COST_LEAD_MS=100 COST_MS=300 COST_TAIL_MS=50 \
	bench/run.sh --where native --exps COST --variants "none kernel user" --out "$out" >"$out/run.log" 2>&1
rc=$?
ok $rc "bench/run.sh --where native ran (exit $rc)"
[[ $rc -eq 0 ]] || sed 's/^/# /' "$out/run.log" | tail -n 20

ok "$([[ -s $out/cost.csv ]]; echo $?)" "cost.csv written"
grep -q 'fact variant kernel.*unavailable' "$out/run.log"
ok "$((! $?))" "the kernel twin was available natively (not reported unavailable)"

# The summary: per variant, the cost at each rate, as bench/cost.py computes
# it (baseline of the block - loaded soaker rate) / full speed * 1e9 / pps.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["status"] != "ok" { next }
	{ r = $c["soak_rate"] + 0; if (r > full) full = r }
	$c["variant"] == "idle" { base[$c["param"]] = $c["soak_rate"] + 0; next }
	{ row[++k] = $0 }
	END {
		printf "# %-8s %8s %10s %12s %12s\n", "variant", "pps", "forwarded", "soaker/s", "ns/packet"
		for (i = 1; i <= k; i++) {
			split(row[i], f, ",")
			v = f[c["variant"]]; px = f[c["rx_pps"]] + 0; l = f[c["soak_rate"]] + 0
			cost = (full > 0 && px > 0 && (v in base)) ? (base[v] - l) / full * 1e9 / px : "nan"
			printf "# %-8s %8s %10s %12s %12s\n", v, f[c["offered_pps"]], px, l, cost
			if (px > 0 && f[c["soak_rate"]] != "") figs[v]++
		}
		for (v in figs) printf "FIGS %s %d\n", v, figs[v]
	}' "$out/cost.csv" >"$out/summary.txt"
grep '^#' "$out/summary.txt"
for v in none kernel user; do
	cnt=$(awk -v v="$v" '$1 == "FIGS" && $2 == v { print $3 }' "$out/summary.txt")
	ok "$([[ ${cnt:-0} -ge 3 ]]; echo $?)" "summary has $v rows with figures (${cnt:-0} of 3 rates)"
done
grep -q ',idle,' "$out/cost.csv"
ok $? "idle baselines measured in the same run"

rm -rf "$out"
echo "1..$n"
[[ $failed -eq 0 ]]
