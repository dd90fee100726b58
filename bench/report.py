#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns one bench run into results: merged CSV, JSON, PNG plots in the
style of the paper's figures 3-7 (gnuplot) and summary.md with the targets
marked met / not met next to the paper's figures.

Usage: bench/report.py RUN_DIR [--grid short|full] [--duration SECONDS]
RUN_DIR holds vm/ and/or host/, each with points.csv and facts.csv as
bench/run.sh writes them. Only measured values are reported; a target whose
inputs are missing or failed says so with the reason.
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys

LOSS_FREE_PCT = 0.1
SLEEP_US = 100
WORKERS_W = 1   # CPUs the IPS may use under the pinning: CPU1 only

VARIANT_TITLE = {
    "none": "plain forwarding",
    "kernel": "kernel twin (nfips.ko)",
    "user": "user twin (nfipsd)",
    "kernel_bm": "kernel twin bm",
    "user_bm": "user twin bm",
    "user_hs": "user twin hs",
    "xt_string": "xt_string rules",
}
WHERE_TITLE = {"vm": "VM (Debian 6.1, qemu TCG, 2 vCPUs)",
               "host": "host (native, this machine's kernel)"}


def fnum(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class Run:
    def __init__(self, d):
        self.dir = d
        self.points, self.facts = [], []
        for where in ("vm", "host"):
            self.points += read_csv(os.path.join(d, where, "points.csv"))
            self.facts += read_csv(os.path.join(d, where, "facts.csv"))

    def pts(self, where, exp, variant=None, param=None, ok=True):
        out = []
        for p in self.points:
            if p["where"] != where or p["exp"] != exp:
                continue
            if variant is not None and p["variant"] != variant:
                continue
            if param is not None and p["param"] != str(param):
                continue
            if ok and p["status"] != "ok":
                continue
            out.append(p)
        return out

    def failed(self, where, exp, variant=None):
        return [p for p in self.pts(where, exp, variant, ok=False)
                if p["status"] != "ok"]

    def fact(self, where, key, variant=None, param=None):
        """The last matching fact (a later repetition wins), or None."""
        found = None
        for f in self.facts:
            if f["where"] == where and f["key"] == key and \
                    (variant is None or f["variant"] == variant) and \
                    (param is None or f["param"] == param):
                found = f
        return found

    def facts_all(self, where, key, variant=None):
        return [f for f in self.facts if f["where"] == where and f["key"] == key
                and (variant is None or f["variant"] == variant)]


# --- values with reasons ---------------------------------------------------------

class Val:
    """A measured value, or the reason there is none."""

    def __init__(self, v=None, why=None, how=""):
        self.v, self.why, self.how = v, why, how

    def ok(self):
        return self.v is not None


def mlfr(run, where, variant, param):
    """Max loss-free rate fact: median over repetitions (pps)."""
    fs = [f for f in run.facts_all(where, "mlfr", variant) if f["param"] == param]
    if not fs:
        if run.failed(where, param.split(":")[0], variant):
            return Val(why=f"{variant} {param} on {where}: its measurement failed: "
                       + run.failed(where, param.split(':')[0], variant)[0]["note"])
        return Val(why=f"{variant} {param} on {where} was not measured "
                   "(variant unavailable or run did not get there)")
    good = [fnum(f["value"]) for f in fs if f["status"] == "ok" and fnum(f["value"]) is not None]
    if not good:
        if fs[-1]["status"] == "skipped":
            return Val(why=f"{variant} {param} on {where}: not measured: {fs[-1]['note']}")
        return Val(why=f"{variant} {param} on {where}: search failed: {fs[-1]['note']}")
    good.sort()
    v = good[len(good) // 2]
    note = fs[-1]["note"]
    val = Val(v, how=f"{len(good)} search(es); {note}")
    # No lossy rate above it ("bracket G..none"): only a lower bound.
    val.lower = all("lower-bound" in f["note"] or "..none" in f["note"]
                    for f in fs if f["status"] == "ok")
    return val


def payload_of(run, where, variant, param, default="?"):
    """The payload of a loss-free-rate search, from its fact's note."""
    for f in run.facts_all(where, "mlfr", variant):
        if f["param"] == param and "payload " in f["note"]:
            return f["note"].split("payload ")[1].split(";")[0].split()[0]
    return default


def gen_of(run, where, variant, param):
    """The generator of a loss-free-rate search, from its fact's note."""
    for f in run.facts_all(where, "mlfr", variant):
        if f["param"] == param and "generator " in f["note"]:
            return f["note"].split("generator ")[1].split(";")[0].strip()
    return "?"


def at_least(a, c, b):
    """Is a >= c x b? True / False / None (undetermined), where a or b may be
    only a lower bound of the true loss-free rate (the generator's limit)."""
    al, bl = getattr(a, "lower", False), getattr(b, "lower", False)
    if a.v >= c * b.v:
        return None if bl else True     # b could be higher still
    return None if al else False        # a could be higher still


def bound_txt(*vals):
    lb = [v for v in vals if getattr(v, "lower", False)]
    if not lb:
        return ""
    return " [≥: " + ", ".join(f"{fmt(v.v, 'pps', 0)} is a lower bound" for v in lb) + "]"


def ratio_target(add, name, a, c, b, how, where_txt):
    """A target of the form a >= c x b between two loss-free rates."""
    r = ratio(a, b)
    if not r.ok():
        add(name, "—", f">= {c:.2f} x", None, how, r.why)
        return
    verdict = at_least(a, c, b)
    measured = f"{fmt(a.v, 'pps', 0)} vs {fmt(b.v, 'pps', 0)} = {fmt(r.v, '', 2)} x" + bound_txt(a, b)
    why = None
    if verdict is None:
        why = ("undetermined: the generator, not the IPS, set the limit of " +
               " and ".join(f"{fmt(v.v, 'pps', 0)}" for v in (a, b) if getattr(v, "lower", False)) +
               f" ({where_txt}); no lossy rate was reached there")
    add(name, measured, f">= {c:.2f} x", verdict, how, why)


def low_load_delay(run, where, exp, variant, param):
    """Median delay (us) at the lowest offered load measured."""
    ps = run.pts(where, exp, variant, param)
    ps = [p for p in ps if fnum(p["delay_med_us"]) is not None]
    if not ps:
        return Val(why=f"no {exp} delay point for {variant} on {where}")
    lo = min(ps, key=lambda p: fnum(p["offered_pps"]))
    lows = [p for p in ps if p["offered_pps"] == lo["offered_pps"]]
    vals = sorted(fnum(p["delay_med_us"]) for p in lows)
    return Val(vals[len(vals) // 2],
               how=f"{lo['offered_mbps']} Mbit/s ({lo['offered_pps']} pps, payload {lo['payload']})")


def max_throughput(run, where, exp, variant, param):
    ps = run.pts(where, exp, variant, param)
    ps = [p for p in ps if fnum(p["rx_mbps"]) is not None]
    if not ps:
        return Val(why=f"no {exp} points for {variant} on {where}")
    best = max(ps, key=lambda p: fnum(p["rx_mbps"]))
    return Val(fnum(best["rx_mbps"]),
               how=f"max received over the sweep, at {best['offered_mbps']} Mbit/s offered")


def gen_note(*vals):
    """Which of the loss-free rates were the generator's limit, not the IPS's."""
    def limited(c):
        return "generator-limited" in c or "generator could not" in c
    lim = [v for v in vals if v.ok() and limited(v.how or "")]
    if not lim:
        return ""
    why = []
    for v in lim:
        why += [c.strip() for c in v.how.split(";") if limited(c) and c.strip() not in why]
    return " (" + "; ".join(why) + ")"


def ratio(a, b):
    if not a.ok():
        return Val(why=a.why)
    if not b.ok():
        return Val(why=b.why)
    if b.v == 0:
        return Val(why="the reference value is 0")
    return Val(a.v / b.v)


def fmt(v, unit="", digits=1):
    if v is None:
        return "—"
    if abs(v) >= 1000 and unit in ("pps",):
        return f"{v:,.0f} {unit}".strip()
    return f"{v:.{digits}f} {unit}".strip()


# --- targets ---------------------------------------------------------------------------

def targets(run):
    rows = []

    def add(name, measured, limit_txt, met, how, why=None):
        rows.append({"target": name, "measured": measured, "limit": limit_txt,
                     "status": (("undetermined" if measured not in ("—", "") else "not measured")
                                if met is None else
                                ("met" if met else "not met")),
                     "how": how, "why": why})

    # 1. kernel twin, empty chain, >= 0.9 x plain forwarding (VM, same run)
    ratio_target(add, "kernel twin, chain selected but empty: max loss-free rate >= 0.9 x plain forwarding",
                 mlfr(run, "vm", "kernel", "E1:empty"), 0.9, mlfr(run, "vm", "none", "E1:empty"),
                 f"VM, same run, 64-byte payload, E1 search, generator {gen_of(run, 'vm', 'kernel', 'E1:empty')}", "VM")
    # 2. user twin, empty chain, >= 0.5 x plain forwarding (native host)
    ratio_target(add, "user twin, chain selected but empty: max loss-free rate >= 0.5 x plain forwarding",
                 mlfr(run, "host", "user", "E1:empty"), 0.5, mlfr(run, "host", "none", "E1:empty"),
                 f"native host, same run, 64-byte payload, E1 search, generator {gen_of(run, 'host', 'user', 'E1:empty')}", "host")
    # 3. one 100 us sleep module: >= 0.8 x W x 10,000 pps in each twin
    lim = 0.8 * WORKERS_W * (1e6 / SLEEP_US)
    for where, v in (("vm", "kernel"), ("vm", "user"), ("host", "user")):
        m = mlfr(run, where, v, "E4:1")
        verdict = None
        if m.ok():
            verdict = True if m.v >= lim else (None if getattr(m, "lower", False) else False)
        add(f"{VARIANT_TITLE[v]}, one 100 us sleep module ({where}): max loss-free rate "
            f">= 0.8 x W x 10,000 pps, W = {WORKERS_W}",
            fmt(m.v, "pps", 0) + gen_note(m) + bound_txt(m), f">= {lim:,.0f} pps", verdict,
            f"{where}, 1000-byte payload, 4 flows, E4 search; W = {WORKERS_W}: the IPS may use "
            "CPU1 only (CPU0 generates and collects)",
            m.why or (None if verdict is not None else "undetermined: the generator set the limit"))
    # 4a. kernel bm with 200 patterns >= 0.8 x 200 xt_string rules (VM)
    ratio_target(add, "200 payload patterns: kernel-twin bm >= 0.8 x 200 xt_string rules",
                 mlfr(run, "vm", "kernel_bm", "E3:200"), 0.8, mlfr(run, "vm", "xt_string", "E3:200"),
                 f"VM, same run, max loss-free rates, {payload_of(run, 'vm', 'kernel_bm', 'E3:200')}-byte "
                 f"payload, no pattern matches, generator {gen_of(run, 'vm', 'kernel_bm', 'E3:200')}", "VM")
    # 4b. user hs >= 10 x user bm, 200 patterns (host; VM too on the full grid)
    for where in ("host", "vm"):
        if where == "vm" and not run.facts_all("vm", "mlfr", "user_hs"):
            continue    # hs runs in the VM on the full grid only
        ratio_target(add, f"200 payload patterns: user-twin hs >= 10 x user-twin bm ({where})",
                     mlfr(run, where, "user_hs", "E3:200"), 10, mlfr(run, where, "user_bm", "E3:200"),
                     f"{where}, max loss-free rates, {payload_of(run, where, 'user_hs', 'E3:200')}-byte "
                     f"payload, generator {gen_of(run, where, 'user_hs', 'E3:200')}", where)
    # 5. added median one-way delay at low load: kernel <= 0.5 x user (VM)
    dk = low_load_delay(run, "vm", "E1", "kernel", "empty")
    du = low_load_delay(run, "vm", "E1", "user", "empty")
    dn = low_load_delay(run, "vm", "E1", "none", "empty")
    if dk.ok() and du.ok() and dn.ok():
        ak, au = dk.v - dn.v, du.v - dn.v
        if au <= 0:
            add("added median one-way delay at low load: kernel twin <= 0.5 x user twin",
                f"kernel +{ak:.1f} us, user +{au:.1f} us", "<= 0.50 x", None,
                "VM, same run, empty chain", "the user twin added no delay over plain forwarding")
        else:
            add("added median one-way delay at low load: kernel twin <= 0.5 x user twin",
                f"kernel +{ak:.1f} us, user +{au:.1f} us = {ak / au:.2f} x "
                f"(plain {dn.v:.1f} us)", "<= 0.50 x", ak <= 0.5 * au,
                f"VM, same run, empty chain, {dk.how}; added = median - plain forwarding's median")
    else:
        add("added median one-way delay at low load: kernel twin <= 0.5 x user twin", "—",
            "<= 0.50 x", None, "VM", dk.why or du.why or dn.why)
    # 6a. memory
    f = run.fact("host", "nfipsd_rss", "user")
    if f and f["status"] == "ok" and fnum(f["value"]) is not None:
        mib = fnum(f["value"]) / 1024
        add("memory: nfipsd resident size <= 64 MiB with 1,000 hs patterns and two workers",
            f"{mib:.1f} MiB", "<= 64 MiB", mib <= 64, "host; " + f["note"])
    else:
        add("memory: nfipsd resident size <= 64 MiB with 1,000 hs patterns and two workers",
            "—", "<= 64 MiB", None, "host",
            (f["note"] if f else "not measured (user twin unavailable or the run did not get there)"))
    # 6b. kernel queues bounded
    fs = [f for f in run.facts_all("vm", "kq_max_depth", "kernel")]
    good = [fnum(f["value"]) for f in fs if f["status"] == "ok" and fnum(f["value"]) is not None]
    maxlen = 1024
    setup = run.fact("vm", "setup")
    if setup and "maxlen " in setup["value"]:
        maxlen = int(setup["value"].split("maxlen ")[1].split()[0])
    if good:
        md = max(good)
        add("kernel queues bounded by maxlen (max_depth from the kernel stats)",
            f"max_depth {md:.0f}", f"<= {maxlen}", md <= maxlen,
            f"VM, read after the sleep-module overload runs ({len(good)} readings)")
    else:
        add("kernel queues bounded by maxlen (max_depth from the kernel stats)", "—",
            f"<= {maxlen}", None, "VM",
            fs[-1]["note"] if fs else "not measured (kernel twin unavailable or the run did not get there)")
    return rows


def op_time_rows(run):
    """Supplementary to the E3 targets: the pattern op's own time per packet
    (nfipsctl stats: op time_ns / packets), without the forwarding path."""
    rows = []
    for where in ("vm", "host"):
        for f in run.facts_all(where, "op_ns_per_pkt"):
            v = fnum(f["value"])
            rows.append([WHERE_TITLE[where].split(" (")[0], VARIANT_TITLE.get(f["variant"], f["variant"]),
                         f["param"], f"{v:,.0f} ns" if v is not None and f["status"] == "ok" else "—",
                         f["note"]])
        vals = {f["variant"]: fnum(f["value"]) for f in run.facts_all(where, "op_ns_per_pkt")
                if f["status"] == "ok" and fnum(f["value"])}
        if vals.get("user_bm") and vals.get("user_hs"):
            rows.append([WHERE_TITLE[where].split(" (")[0], "user twin bm / hs", "E3:200",
                         f"{vals['user_bm'] / vals['user_hs']:.1f} x",
                         "how many times longer bm takes per packet than hs (same patterns, same traffic)"])
    return rows


def paper_rows(run):
    rows = []
    tk = max_throughput(run, "vm", "E4", "kernel", "1")
    tu = max_throughput(run, "vm", "E4", "user", "1")
    r = ratio(tk, tu)
    rows.append(["max throughput, one sleep module (kernel / user)",
                 "FIDRAN 70 vs MIPSA 35 Mbit/s = 2.0",
                 f"{fmt(tk.v, 'Mbit/s')} vs {fmt(tu.v, 'Mbit/s')} = {fmt(r.v, '', 2)}" if r.ok() else "— (" + (r.why or "") + ")",
                 "VM, E4 sweep, 1000-byte payload"])
    mk, mu = mlfr(run, "vm", "kernel", "E4:1"), mlfr(run, "vm", "user", "E4:1")
    r = ratio(mk, mu)
    rows.append(["max loss-free rate, one sleep module (kernel / user)", "—",
                 f"{fmt(mk.v, 'pps', 0)} vs {fmt(mu.v, 'pps', 0)} = {fmt(r.v, '', 2)}" if r.ok() else "— (" + (r.why or "") + ")",
                 "VM, E4 search"])
    dk = low_load_delay(run, "vm", "E4", "kernel", "1")
    du = low_load_delay(run, "vm", "E4", "user", "1")
    r = ratio(dk, du)
    rows.append(["delay at low load, one sleep module (kernel / user)",
                 "FIDRAN 0.167 vs MIPSA 0.230 ms = 0.73",
                 f"{fmt(dk.v and dk.v / 1000, 'ms', 3)} vs {fmt(du.v and du.v / 1000, 'ms', 3)} = {fmt(r.v, '', 2)}" if r.ok() else "— (" + (r.why or "") + ")",
                 "VM, E4, " + (dk.how or "")])
    dk = low_load_delay(run, "vm", "E1", "kernel", "empty")
    du = low_load_delay(run, "vm", "E1", "user", "empty")
    r = ratio(dk, du)
    rows.append(["delay at low load, empty chain (kernel / user)", "fig. 3: close at low load",
                 f"{fmt(dk.v, 'us')} vs {fmt(du.v, 'us')} = {fmt(r.v, '', 2)}" if r.ok() else "— (" + (r.why or "") + ")",
                 "VM, E1, " + (dk.how or "")])
    return rows


# --- plots -------------------------------------------------------------------------------

def gnuplot_terminal():
    try:
        out = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True,
                             text=True, timeout=20)
        t = out.stdout + out.stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    if "pngcairo" in t:
        return "pngcairo size 900,600 font ',11'"
    if " png " in t or "\npng" in t:
        return "png size 900,600"
    return None


class Plotter:
    def __init__(self, outdir):
        self.outdir = outdir
        self.term = gnuplot_terminal() if shutil.which("gnuplot") else None
        self.made, self.errors = [], []
        os.makedirs(os.path.join(outdir, "plots", "data"), exist_ok=True)

    def plot(self, name, title, xlabel, ylabel, series, logy=False, yrange=None):
        """series: [(label, [(x, y), ...])]; one line per series."""
        series = [(l, sorted(pts)) for l, pts in series if pts]
        if not series:
            return None
        if not self.term:
            self.errors.append(f"{name}: gnuplot with a png terminal is not available")
            return None
        ddir = os.path.join(self.outdir, "plots", "data")
        cmds = [f"set terminal {self.term}", "set termoption noenhanced",
                f"set output '{name}.png'",
                f"set title \"{title}\"", f"set xlabel \"{xlabel}\"",
                f"set ylabel \"{ylabel}\"", "set grid", "set key top left",
                "set datafile separator ' '"]
        if logy:
            cmds.append("set logscale y")
        if yrange:
            cmds.append(f"set yrange [{yrange}]")
        plots = []
        for i, (label, pts) in enumerate(series):
            df = os.path.join(ddir, f"{name}-{i}.dat")
            with open(df, "w") as f:
                for x, y in pts:
                    f.write(f"{x} {y}\n")
            plots.append(f"'data/{name}-{i}.dat' using 1:2 with linespoints "
                         f"title \"{label}\"")
        cmds.append("plot " + ", ".join(plots))
        gp = os.path.join(self.outdir, "plots", f"{name}.gp")
        with open(gp, "w") as f:
            f.write("\n".join(cmds) + "\n")
        r = subprocess.run(["gnuplot", f"{name}.gp"], cwd=os.path.join(self.outdir, "plots"),
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.errors.append(f"{name}: gnuplot: {r.stderr.strip()[:200]}")
            return None
        self.made.append(f"plots/{name}.png")
        return f"plots/{name}.png"


def xy(points, xkey, ykey, scale=1.0):
    out = []
    for p in points:
        x, y = fnum(p[xkey]), fnum(p[ykey])
        if x is None or y is None:
            continue
        out.append((x, y * scale))
    return out


def sweep(ps):
    """The points of a sweep, without the trials of loss-free searches."""
    return [p for p in ps if not p["note"].startswith("search")]


def make_plots(run, pl):
    figs = []
    for where in ("vm", "host"):
        wt = "VM" if where == "vm" else "host"
        # Fig. 3: delay over load, empty chains
        # All E1 points: the search trials are delay measurements too.
        s = [(VARIANT_TITLE[v], xy(run.pts(where, "E1", v, "empty"), "offered_mbps", "delay_med_us", 1e-3))
             for v in ("none", "kernel", "user")]
        figs.append(("E1 (fig. 3) basic packet delay, " + wt,
                     pl.plot(f"E1_delay_{where}", f"E1: delay over load, empty chains ({wt})",
                             "offered load [Mbit/s]", "median one-way delay [ms]", s, logy=True)))
        # Fig. 4a: header signatures (the 100 Mbit/s points, not the
        # loss-free searches)
        def sat(ps):
            return [p for p in ps if (fnum(p["offered_mbps"]) or 0) >= 99]
        s = [(VARIANT_TITLE[v], xy(sat(run.pts(where, "E2", v)), "param", "rx_mbps"))
             for v in ("kernel", "user")]
        nn = run.pts(where, "E2", "none")
        if nn:
            s.append((VARIANT_TITLE["none"] + " (ceiling)",
                      [(0, fnum(nn[-1]["rx_mbps"])), (200, fnum(nn[-1]["rx_mbps"]))]))
        figs.append(("E2 (fig. 4a) header analysis, " + wt,
                     pl.plot(f"E2_header_{where}", f"E2: throughput over TCP-NULL signatures, 100 Mbit/s offered ({wt})",
                             "number of signatures", "throughput [Mbit/s]", s)))
        # Fig. 4b: payload patterns
        # 0 patterns = the empty chain (E2's 0 signatures) or no rules
        # (plain forwarding), when the grid did not measure it here.
        zero_of = {"kernel_bm": ("E2", "kernel"), "user_bm": ("E2", "user"),
                   "user_hs": ("E2", "user"), "xt_string": ("E3", "none")}
        s = []
        for v in ("kernel_bm", "user_bm", "user_hs", "xt_string"):
            ps = sat(run.pts(where, "E3", v))
            if ps and not [p for p in ps if p["param"] == "0"]:
                ps += [dict(p, param="0") for p in sat(run.pts(where, *zero_of[v]))
                       if p["param"] in ("0", "empty")][:1]
            s.append((VARIANT_TITLE[v], xy(ps, "param", "rx_mbps")))
        nn = run.pts(where, "E3", "none")
        if nn:
            s.append((VARIANT_TITLE["none"] + " (ceiling)",
                      [(0, fnum(nn[-1]["rx_mbps"])), (200, fnum(nn[-1]["rx_mbps"]))]))
        figs.append(("E3 (fig. 4b) payload analysis, " + wt,
                     pl.plot(f"E3_payload_{where}", f"E3: throughput over payload patterns (none matching), 100 Mbit/s offered ({wt})",
                             "number of patterns", "throughput [Mbit/s]", s)))
        # Fig. 5a-c: one sleep module
        for key, ylabel, name, scale, logy in (
                ("rx_mbps", "throughput [Mbit/s]", "throughput", 1.0, False),
                ("delay_med_us", "median one-way delay [ms]", "delay", 1e-3, True),
                ("loss_pct", "packet loss [%]", "loss", 1.0, False)):
            s = [(VARIANT_TITLE[v], xy(sweep(run.pts(where, "E4", v, "1")), "offered_mbps", key, scale))
                 for v in ("kernel", "user")]
            figs.append((f"E4 (fig. 5) one sleep module: {name}, " + wt,
                         pl.plot(f"E4_{name}_{where}", f"E4: one 100 us sleep module, {name} ({wt})",
                                 "offered load [Mbit/s]", ylabel, s, logy=logy)))
        # Figs. 6/7: loss over load and sleep modules, one plot per twin
        for v in ("kernel", "user"):
            ps = run.pts(where, "E5", v)
            if ps and not [p for p in ps if p["param"] == "1"]:
                ps = ps + sweep(run.pts(where, "E4", v, "1"))   # 1 module: E4's sweep
            ks = sorted({int(p["param"]) for p in ps})
            s = [(f"{k} sleep module{'s' if k > 1 else ''}",
                  xy([p for p in ps if p["param"] == str(k)], "offered_mbps", "loss_pct")) for k in ks]
            figs.append((f"E5 (figs. 6/7) loss over load and sleep modules, {VARIANT_TITLE[v]}, " + wt,
                         pl.plot(f"E5_loss_{v}_{where}", f"E5: packet loss, {VARIANT_TITLE[v]} ({wt})",
                                 "offered load [Mbit/s]", "packet loss [%]", s)))
    return [(t, p) for t, p in figs if p]


# --- summary -------------------------------------------------------------------------------

def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |")
    return "\n".join(out)


def mlfr_table(run):
    rows = []
    for where in ("vm", "host"):
        for f in run.facts_all(where, "mlfr"):
            v = fnum(f["value"])
            payload = fnum(payload_of(run, where, f["variant"], f["param"],
                                      "1000" if f["param"].startswith("E4") else "64")) or 64
            rows.append([WHERE_TITLE[where].split(" (")[0], f["variant"], f["param"],
                         (f"{v:,.0f} pps = {v * (payload + 28) * 8 / 1e6:.1f} Mbit/s"
                          if v is not None and f["status"] == "ok" else "FAILED"),
                         f["note"]])
    return rows


def point_rows(run):
    rows = []
    for p in run.points:
        rows.append([p["where"], p["exp"], p["variant"], p["param"], p["offered_pps"],
                     p["offered_mbps"], p["rx_pps"], p["loss_pct"], p["delay_med_us"],
                     p["delay_p99_us"], p["status"] + ("" if p["gen_ok"] in ("1", "") else " (gen-limited)"),
                     p["note"]])
    return rows


def write_summary(run, args, tgt, paper, figs, pl):
    d = run.dir
    L = []
    L.append(f"# nfips bench — {args.grid} grid")
    L.append("")
    L.append(f"Run folder: `{d}`; total wall time {args.duration or '?'} s. "
             "Every figure below was measured in this run; nothing is carried over.")
    L.append("")
    L.append("## How it was measured")
    for where in ("vm", "host"):
        m, s, du = run.fact(where, "machine"), run.fact(where, "setup"), run.fact(where, "duration")
        if not m:
            L.append(f"- **{WHERE_TITLE[where]}**: not run or no result came back.")
            continue
        L.append(f"- **{WHERE_TITLE[where]}**: {m['value']}; {s['value'] if s else ''}; "
                 f"{s['note'] if s else ''}; {m['note']}"
                 + (f"; {du['note']}; took {du['value']} s" if du else " (did not finish)"))
    kp = run.fact("vm", "kernel_pinned")
    if kp:
        L.append(f"- kernel twin worker threads pinned: {kp['value']} ({kp['note']})")
    L.append("- Topology: three network namespaces src — ips — dst joined by veth pairs; "
             "nfips-rude sends from src, nfips-crude collects in dst; both on CPU0 (`--cpu 0`), "
             "dst's receive processing steered to CPU0 by RPS; the ips namespace's input veth "
             "steered to CPU1 by RPS, nfipsd / the kernel workers pinned to CPU1 (taskset). "
             "One variant at a time in ips.")
    L.append("- One point: 4 CONSTANT flows (source ports 3001–3004) for the stated duration; "
             "loss = (packets rude sent − packets crude received) / sent, after the IPS queues "
             "drained; delay = median of the per-flow median one-way delays (p99: the largest "
             "per-flow p99), same clock on both ends. Mbit/s counts IPv4 datagrams "
             "((payload + 28) × 8 bits per packet). Points where the generator could not "
             "offer the asked rate are flagged (gen-limited).")
    bis = set()
    for where in ("vm", "host"):
        f = run.fact(where, "setup")
        if f and "bisect " in f["value"]:
            bis.add(int(f["value"].split("bisect ")[1].split()[0]))
    steps = "/".join(str(b) for b in sorted(bis)) or "?"
    res = "/".join(f"{(2 ** (1 / 2 ** b) - 1) * 100:.0f} %" for b in sorted(bis)) or "?"
    L.append(f"- **Maximum loss-free rate** (MLFR): the highest offered rate with loss ≤ "
             f"{LOSS_FREE_PCT} %, found by doubling from a start rate until a point is lossy "
             f"(or the generator cannot offer the rate), then {steps} geometric bisection steps "
             f"in the last bracket (resolution ≈ {res}). A point counts as lossy only when a "
             "second trial at the same rate is lossy too (one preemption of CPU1 by other load "
             "loses a few packets at any rate). When the generator was the limit, the MLFR is "
             "the rate it did offer, marked generator-limited (a lower bound for the IPS). "
             "Single searches (REPS=1); the project's notes measured ±15–20 % noise near the limits.")
    for where in ("vm", "host"):
        g = [f for f in run.facts_all(where, "generator") if f["status"] == "ok"]
        bad = [f for f in run.facts_all(where, "generator") if f["status"] != "ok"]
        if g or bad:
            L.append(f"- **Generators, {WHERE_TITLE[where].split(' (')[0]}**: "
                     + "; ".join(f["note"] for f in g + bad) + ".")
    L.append("  pktgen (VM): the kernel's packet generator, kpktgend_0 on CPU0 writing straight "
             "into src's eth0 (no socket), UDP to 10.91.2.99:9 (selected like the RUDE traffic), "
             "4 source ports in turn, pkt_size = 14 + 20 + 8 + payload (the frame without FCS); "
             "sent = pkts-sofar + errors (a packet the veth refused, ips's input backlog being "
             "full, is a loss); received = dst eth0's rx_packets delta after the IPS queues "
             "drained (ips resolves 10.91.2.99 to a MAC that is not dst's: dst counts each frame "
             "and drops it at once, nothing in user space receives; `counted at dst: rule` = an "
             "iptables counter in dst instead); no delay. "
             "nfips-rude --burst N (host): each flow sends N packets per sendmmsg every N/rate s, "
             "the same average rate in micro-bursts far below the IPS's queue length (1024): more "
             "generator throughput, no delay figures taken from it.")
    L.append("- E1 and E2 use a 64-byte payload; E3 (payload patterns) a 1000-byte payload, chosen "
             "so that searching the payload dominates the per-packet cost (with 64 bytes, 200 "
             "Boyer-Moore searches cost little next to NFQUEUE's per-packet overhead); E4/E5 "
             "(sleep modules) a 1000-byte payload, "
             "because the paper's 70 Mbit/s at 0.1 ms per packet implies packets of ~900 bytes. "
             "E2/E3 throughput = received rate with 100 Mbit/s offered (the paper's link speed). "
             "Trials last the `dur` above (E1–E3), 2 s for E4/E5 points and 3 s in the E4 "
             "loss-free searches: a trial of D seconds hides an overload of up to maxlen/D "
             "packets/s in the IPS queue, 10 % of the sleep module's capacity at D = 1 s.")
    L.append("")
    L.append("## Targets")
    L.append(md_table(["target", "measured", "limit", "status", "how", "why not measured"],
                      [[t["target"], t["measured"], t["limit"], f"**{t['status']}**", t["how"],
                        t["why"] or ""] for t in tgt]))
    ot = op_time_rows(run)
    if ot:
        L.append("")
        L.append("Supplementary to the E3 targets (not a target): the pattern op's own time per "
                 "packet from the twins' statistics (`nfipsctl stats`: the op's time_ns / packets, "
                 "every packet since the config was loaded), the algorithms' cost without the "
                 "forwarding path. VM times are emulated (TCG): compare within a place only.")
        L.append(md_table(["where", "variant", "experiment:param", "op time per packet", "note"], ot))
    L.append("")
    L.append("## Next to the paper (Hess et al., figures 3–7)")
    L.append("Absolute numbers under emulation mean little; ratios of twins measured in the "
             "same VM run are the comparison.")
    L.append(md_table(["figure", "paper", "nfips (this run)", "how"], paper))
    L.append("")
    L.append("## Maximum loss-free rates")
    L.append(md_table(["where", "variant", "experiment:param", "MLFR", "note"], mlfr_table(run)))
    L.append("")
    L.append("## Plots")
    for t, p in figs:
        L.append(f"- {t}: ![]({p})")
    for e in pl.errors:
        L.append(f"- plot not drawn: {e}")
    L.append("")
    fails = [p for p in run.points if p["status"] != "ok"]
    L.append(f"## Failed or skipped measurements ({len(fails)})")
    if fails:
        L.append(md_table(["where", "exp", "variant", "param", "offered pps", "status", "reason"],
                          [[p["where"], p["exp"], p["variant"], p["param"], p["offered_pps"],
                            p["status"], p["note"]] for p in fails]))
    else:
        L.append("None.")
    bad_facts = [f for f in run.facts if f["status"] not in ("ok",)]
    if bad_facts:
        L.append("")
        L.append("Facts not available:")
        for f in bad_facts:
            L.append(f"- {f['where']} {f['key']} {f['variant']} {f['param']}: {f['status']} — {f['note']}")
    L.append("")
    L.append("## All points")
    L.append(md_table(["where", "exp", "variant", "param", "offered pps", "offered Mbit/s",
                       "rx pps", "loss %", "delay p50 us", "delay p99 us", "status", "note"],
                      point_rows(run)))
    L.append("")
    with open(os.path.join(d, "summary.md"), "w") as f:
        f.write("\n".join(L))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--grid", default="short")
    ap.add_argument("--duration", default=None)
    args = ap.parse_args()
    run = Run(args.dir)
    # Merged CSVs
    for name, rows in (("points.csv", run.points), ("facts.csv", run.facts)):
        if rows:
            with open(os.path.join(args.dir, name), "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
                w.writeheader()
                w.writerows(rows)
    tgt = targets(run)
    paper = paper_rows(run)
    pl = Plotter(args.dir)
    figs = make_plots(run, pl)
    with open(os.path.join(args.dir, "results.json"), "w") as f:
        json.dump({"grid": args.grid, "duration_s": fnum(args.duration),
                   "targets": tgt,
                   "paper": [dict(zip(["figure", "paper", "nfips", "how"], r)) for r in paper],
                   "facts": run.facts, "points": run.points, "plots": pl.made,
                   "plot_errors": pl.errors}, f, indent=1)
    write_summary(run, args, tgt, paper, figs, pl)
    if not run.points:
        print("report.py: no measurement points in " + args.dir, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
