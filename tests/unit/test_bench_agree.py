#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/agree.py: two runs agree only when every verdict is the same and
every ratio's median is within the tolerance. Prints TAP lines."""
import json
import os
import subprocess
import sys
import tempfile

AGREE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "agree.py")
n = 0
failed = 0


def check(name, cond, detail=""):
    global n, failed
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {name}")
    if not cond:
        failed += 1
        if detail:
            print("# " + detail.replace("\n", "\n# "))


def run_dir(tmp, name, targets, headline=()):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump({"targets": targets, "headline": list(headline)}, f)
    return d


def tgt(name, status, med=None):
    return {"target": name, "status": status,
            "ratio": None if med is None else {"median": med, "min": med, "max": med, "n": 3}}


def agree(a, b):
    r = subprocess.run([sys.executable, AGREE, a, b], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


with tempfile.TemporaryDirectory() as tmp:
    a = run_dir(tmp, "a", [tgt("t1", "met", 1.00), tgt("mem", "met")],
                [{"ratio": "E1", "median": 0.40, "min": 0.3, "max": 0.5, "n": 3}])
    b = run_dir(tmp, "b", [tgt("t1", "met", 1.10), tgt("mem", "met")],
                [{"ratio": "E1", "median": 0.44, "min": 0.3, "max": 0.5, "n": 3}])
    rc, out = agree(a, b)
    check("agree: same verdicts, medians 10 % apart -> exit 0", rc == 0, out)
    c = run_dir(tmp, "c", [tgt("t1", "met", 1.20), tgt("mem", "met")],
                [{"ratio": "E1", "median": 0.40, "min": 0.3, "max": 0.5, "n": 3}])
    rc, out = agree(a, c)
    check("agree: a ratio median 20 % apart -> exit 1", rc == 1 and "over the tolerance" in out, out)
    d = run_dir(tmp, "d", [tgt("t1", "undetermined", 1.00), tgt("mem", "met")],
                [{"ratio": "E1", "median": 0.40, "min": 0.3, "max": 0.5, "n": 3}])
    rc, out = agree(a, d)
    check("agree: a verdict differs -> exit 1", rc == 1 and "DIFFERENT" in out, out)
    e = run_dir(tmp, "e", [tgt("t1", "met"), tgt("mem", "met")],
                [{"ratio": "E1", "median": 0.40, "min": 0.3, "max": 0.5, "n": 3}])
    rc, out = agree(a, e)
    check("agree: a ratio missing in one run -> exit 1", rc == 1 and "not comparable" in out, out)
    f = run_dir(tmp, "f", [tgt("t1", "met", 1.00), tgt("mem", "met")], [])
    rc, out = agree(a, f)
    check("agree: a headline ratio missing in one run -> exit 1", rc == 1 and "missing in B" in out, out)
    rc, out = agree(a, os.path.join(tmp, "nothing"))
    check("agree: a run folder without results.json -> exit 2", rc == 2, out)

print(f"1..{n}")
sys.exit(1 if failed else 0)
