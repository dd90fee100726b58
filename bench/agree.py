#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Do two bench runs agree? (issue 11, "Done when")

Compares two runs' results.json: every target's verdict, and every ratio's
median (the ratio targets and the headline kernel/user ratios), which must
differ by less than --tol (15 %) relative to the first run's median.

Usage: bench/agree.py RUN_A RUN_B [--tol 0.15]   (RUN: a build/bench/<stamp> folder)
Exit:  0 when every verdict is the same and every ratio is within the
       tolerance, 1 otherwise, 2 on bad input.
"""
import argparse
import json
import os
import sys


def load(d):
    with open(os.path.join(d, "results.json")) as f:
        return json.load(f)


def rel(a, b):
    """|b - a| relative to a (the first run's median); None when undefined."""
    if a is None or b is None or a == 0:
        return None
    return abs(b - a) / abs(a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--tol", type=float, default=0.15)
    args = ap.parse_args()
    try:
        ra, rb = load(args.a), load(args.b)
    except (OSError, ValueError) as e:
        print(f"agree.py: {e}", file=sys.stderr)
        return 2
    ok = True
    tb = {t["target"]: t for t in rb["targets"]}
    print(f"| target | run A | run B | verdict | ratio median A | ratio median B | difference |")
    print("|---|---|---|---|---|---|---|")
    for t in ra["targets"]:
        u = tb.get(t["target"])
        if u is None:
            print(f"| {t['target']} | {t['status']} | missing | DIFFERENT | | | |")
            ok = False
            continue
        same = t["status"] == u["status"]
        ok &= same
        ma = (t.get("ratio") or {}).get("median")
        mb = (u.get("ratio") or {}).get("median")
        d = rel(ma, mb)
        dtxt = ""
        if ma is not None or mb is not None:
            if d is None:
                dtxt, ok = "not comparable", False
            else:
                dtxt = f"{d * 100:.1f} %" + ("" if d < args.tol else " (over the tolerance)")
                ok &= d < args.tol
        fa = f"{ma:.3f}" if ma is not None else ""
        fb = f"{mb:.3f}" if mb is not None else ""
        print(f"| {t['target']} | {t['status']} | {u['status']} | {'same' if same else 'DIFFERENT'} "
              f"| {fa} | {fb} | {dtxt} |")
    hb = {h["ratio"]: h for h in rb.get("headline", [])}
    for h in ra.get("headline", []):
        u = hb.get(h["ratio"])
        d = rel(h["median"], u["median"]) if u else None
        if d is None:
            ok = False
            dtxt = "missing in B" if u is None else "not comparable"
        else:
            ok &= d < args.tol
            dtxt = f"{d * 100:.1f} %" + ("" if d < args.tol else " (over the tolerance)")
        fb = f"{u['median']:.3f}" if u else ""
        print(f"| headline: {h['ratio']} (kernel / user) | | | | {h['median']:.3f} | {fb} | {dtxt} |")
    print()
    print(f"agree: {'yes' if ok else 'NO'} (verdicts equal, ratio medians within {args.tol * 100:.0f} %)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
