# SPDX-License-Identifier: GPL-2.0
"""Per-packet CPU cost from the soaker, intervals over repetitions, and the
verdict rule of the bench's targets (bench/README.md, "Per-packet CPU cost"
and "Verdicts"). Pure functions: tests/unit/test_bench_cost.py checks them.

Soaker rows (bench/run.sh, cost.csv): for every window the rate at which
nfips-soak, a SCHED_IDLE busy loop on the IPS CPU, got through its loop
(chunks/s). With no traffic it gets what nothing else on that CPU wants (the
idle baseline B, measured several times in the same run, interleaved with
the traffic); with traffic at a forwarded rate of P packets/s it gets L < B.
The CPU's full speed F is the soaker's rate on a CPU that nothing else uses:
the highest baseline window of the run. Then

    utilisation  u = (B - L) / F          (share of the CPU the IPS took)
    cost         c = u * 1e9 / P          (ns of CPU per forwarded packet)
    capacity     C = 1e9 / c = P / u      (packets/s when the soaker starves)

Dividing by F rather than by B keeps other load on the CPU (in B as well as
in L) from inflating u: that load is subtracted, not scaled.
"""

import math


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return None
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


class Interval:
    """median [min-max] of repetitions; n = how many."""

    def __init__(self, values):
        vals = [v for v in values if v is not None and not math.isnan(v)]
        self.values = vals
        self.n = len(vals)
        self.med = median(vals)
        self.lo = min(vals) if vals else None
        self.hi = max(vals) if vals else None

    def ok(self):
        return self.n > 0

    def fmt(self, digits=2, unit=""):
        if not self.n:
            return "—"
        u = f" {unit}" if unit else ""
        f = f"{{:.{digits}f}}"
        return f"{f.format(self.med)}{u} [{f.format(self.lo)}–{f.format(self.hi)}] (n={self.n})"


def utilisation(base, load, full):
    """Share of the IPS CPU taken, from soaker rates (chunks/s)."""
    if full is None or full <= 0 or base is None or load is None:
        return None
    return (base - load) / full


def cost_ns(base, load, full, pps):
    """CPU ns per forwarded packet; None when nothing was forwarded."""
    u = utilisation(base, load, full)
    if u is None or not pps or pps <= 0:
        return None
    return u * 1e9 / pps


def pooled_cost_ns(base, points, full, top=2):
    """CPU ns per forwarded packet near saturation: the soaker work lost at
    the @top highest fixed rates, pooled (total CPU taken / total packets).
    points: [(forwarded pps, soaker rate under load)] at the fixed rates,
    each over the same window. One window of 0.7 s at the highest rate
    alone moved a ratio by up to 25 % between two runs (the baseline and
    the loaded window each carry a few % of noise, and the difference is
    divided by a utilisation near 1); pooling the two highest rates halves
    that and stays near saturation, where a batching twin's cost is lowest
    (bench/README.md "Capacity from the two highest rates")."""
    pts = sorted((p, l) for p, l in points if p is not None and l is not None)[-top:]
    if not pts or full is None or full <= 0 or base is None:
        return None
    pkts = sum(p for p, _ in pts)
    if pkts <= 0:
        return None
    return sum(base - l for _, l in pts) / full * 1e9 / pkts


def capacity_pps(cost):
    """Packets/s at which the soaker would starve (the CPU is full)."""
    if cost is None or cost <= 0:
        return None
    return 1e9 / cost


# A baseline window in which the soaker got less than this share of its
# full speed found the IPS CPU mostly busy with other work: a cost measured
# against it is dominated by how that work moved, not by the IPS.
BUSY_FRAC = 0.5


def baseline_usable(base, full):
    return base is not None and full is not None and full > 0 and base >= BUSY_FRAC * full


def paired_ratios(a, b):
    """a[i] / b[i] for the repetitions both have (interleaved: repetition i
    of a and of b were measured close together)."""
    out = []
    for i in sorted(set(a) & set(b)):
        if a[i] is None or b[i] is None or b[i] == 0:
            continue
        out.append(a[i] / b[i])
    return out


def overhead_ratio(triples):
    """(cost a - cost base) / (cost b - cost base) per repetition, from
    (base, b, a) cost triples: how much more a adds than b. A repetition in
    which b adds nothing or less (noise) gives no ratio."""
    return Interval([(a - n) / (b - n) for n, b, a in triples if b - n > 0])


def ratio_of_intervals(a, b):
    """a / b of two positive intervals measured apart (not paired): median
    over median, the interval from the ends (a.lo / b.hi, a.hi / b.lo)."""
    r = Interval([a.med / b.med])
    r.lo, r.hi = a.lo / b.hi, a.hi / b.lo
    return r


MET, NOT_MET, UNDET = "met", "not met", "undetermined"


def verdict_at_least(iv, limit):
    """Target value >= limit: met when the whole interval is at or above it,
    not met when it is wholly below, else undetermined (with the reason)."""
    if not iv.ok():
        return UNDET, "not measured"
    if iv.n < 3:
        # Fewer than three repetitions cannot give an interval to trust.
        return UNDET, f"only {iv.n} repetition(s), the target needs 3"
    if iv.lo >= limit:
        return MET, None
    if iv.hi < limit:
        return NOT_MET, None
    return UNDET, f"the interval [{iv.lo:.3g}–{iv.hi:.3g}] contains the limit {limit:g}"


def verdict_at_most(iv, limit):
    """Target value <= limit (same rule, mirrored)."""
    if not iv.ok():
        return UNDET, "not measured"
    if iv.n < 3:
        return UNDET, f"only {iv.n} repetition(s), the target needs 3"
    if iv.hi <= limit:
        return MET, None
    if iv.lo > limit:
        return NOT_MET, None
    return UNDET, f"the interval [{iv.lo:.3g}–{iv.hi:.3g}] contains the limit {limit:g}"


def verdict_delay_ratio(a, b, x):
    """Added delay a <= x * added delay b, from per-repetition added delays
    (dicts rep -> us, paired by repetition). A figure whose interval includes
    zero or a negative value is noise, never evidence: the target can then
    not be met (undetermined, or not met when a is clearly positive and b's
    whole interval is <= 0, since no positive a is <= x * b then)."""
    ia = Interval(list(a.values()))
    ib = Interval(list(b.values()))
    if not ia.ok() or not ib.ok():
        return UNDET, "not measured", Interval([])
    if min(ia.n, ib.n) < 3:
        return UNDET, f"only {min(ia.n, ib.n)} repetition(s), the target needs 3", \
            Interval(paired_ratios(a, b))
    if ib.hi <= 0 and ia.lo > 0:
        return NOT_MET, "the other's added delay is <= 0 in every repetition", Interval([])
    if ia.lo <= 0 or ib.lo <= 0:
        who = []
        if ia.lo <= 0:
            who.append(f"first [{ia.lo:.3g}–{ia.hi:.3g}] us")
        if ib.lo <= 0:
            who.append(f"second [{ib.lo:.3g}–{ib.hi:.3g}] us")
        return UNDET, "added delay not distinguishable from zero: " + ", ".join(who) + \
            " includes zero or a negative value", Interval(paired_ratios(a, b))
    r = Interval(paired_ratios(a, b))
    v, why = verdict_at_most(r, x)
    return v, why, r


# A trial of D seconds hides an overload of up to maxlen / D packets/s in
# the IPS queue (4 % of 8,000 pps at D = 3 s and maxlen 1024): "loss-free"
# alone cannot tell a twin at 97 % of the offered rate from one at 103 %.
# The median delay can: in a queue with a fixed service time s (M/D/1), the
# mean wait is rho / (2 (1 - rho)) x s, so a median delay above
# STANDING_QUEUE x s means a utilisation above ~97.5 %: the offered rate is
# at the twin's capacity, inside the band the trial cannot resolve.
STANDING_QUEUE = 20


def sleep_rep_state(loss_pct, delay_med_us, service_us, loss_free_pct):
    """One repetition of a fixed-service-time target: "lossy", "queued"
    (loss-free but with a standing queue: at capacity) or "clear"."""
    if loss_pct is None or loss_pct > loss_free_pct:
        return "lossy"
    if delay_med_us is None or delay_med_us > STANDING_QUEUE * service_us:
        return "queued"
    return "clear"


def sleep_verdict(states):
    """Met when every repetition is clear, not met when every one is lossy,
    else undetermined with the count of each."""
    if len(states) < 3:
        return UNDET, f"only {len(states)} repetition(s), the target needs 3"
    if all(s == "clear" for s in states):
        return MET, None
    if all(s == "lossy" for s in states):
        return NOT_MET, None
    parts = [f"{sum(s == k for s in states)} {k}" for k in ("clear", "queued", "lossy")
             if any(s == k for s in states)]
    return UNDET, ("at the twin's capacity: " + ", ".join(parts) + f" of {len(states)} repetitions "
                   f"(queued = loss-free with a median delay above {STANDING_QUEUE} service times, "
                   "a standing queue)")


def bound_verdict(max_depth, maxlen, drops):
    """Kernel queue bounded by maxlen: means something only when the queue
    filled (its depth reached maxlen or overflow drops were counted)."""
    if max_depth is None:
        return UNDET, "no max_depth reported"
    if max_depth > maxlen:
        return NOT_MET, f"max_depth {max_depth} > maxlen {maxlen}"
    if max_depth >= maxlen or (drops or 0) > 0:
        return MET, None
    return UNDET, f"the queue never filled (max_depth {max_depth} < maxlen {maxlen}, no overflow drops)"
