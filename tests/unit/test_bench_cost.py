#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench/cost.py and bench/trafgen_conf.py: the soaker's cost arithmetic
(baseline subtraction), intervals over repetitions, the verdict rule
(including zero and negative added delays, and a bound that needs its
event), and the trafgen configuration writer. Prints TAP lines."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import cost  # noqa: E402
import trafgen_conf as tg  # noqa: E402

n = 0
failed = 0


def check(name, cond, detail=""):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {name}")
    else:
        failed += 1
        print(f"not ok {n} - {name}")
        if detail:
            print(f"# {detail}")


def close(a, b, eps=1e-9):
    return a is not None and b is not None and abs(a - b) <= eps * max(1.0, abs(b))


# --- cost: baseline subtraction ----------------------------------------------------
# Full speed 1e6 chunks/s; nothing else on the CPU: 50 % taken at 100 kpps
# is 5 us per packet, capacity 200 kpps.
check("cost: idle CPU, half taken at 100 kpps = 5000 ns/packet",
      close(cost.cost_ns(1e6, 5e5, 1e6, 100000), 5000.0))
check("cost: capacity = 1e9 / cost", close(cost.capacity_pps(5000.0), 200000.0))
# Other load takes 20 % of the CPU in the baseline AND under traffic: it is
# subtracted, not scaled (dividing by the baseline would say 6250 ns).
check("cost: other load in the baseline is subtracted, not scaled",
      close(cost.cost_ns(8e5, 3e5, 1e6, 100000), 5000.0),
      f"got {cost.cost_ns(8e5, 3e5, 1e6, 100000)}")
check("cost: no packets forwarded gives no cost", cost.cost_ns(1e6, 5e5, 1e6, 0) is None)
check("cost: no full speed gives no cost", cost.cost_ns(1e6, 5e5, 0, 1000) is None)
check("cost: loaded faster than baseline (noise) is a negative cost, kept as measured",
      close(cost.cost_ns(1e6, 1.01e6, 1e6, 1000), -10000.0))
check("cost: a zero or negative cost has no capacity",
      cost.capacity_pps(0) is None and cost.capacity_pps(-3.0) is None)

check("baseline: usable when the soaker got at least half its full speed",
      cost.baseline_usable(6e5, 1e6) and cost.baseline_usable(5e5, 1e6)
      and not cost.baseline_usable(4.9e5, 1e6) and not cost.baseline_usable(None, 1e6)
      and not cost.baseline_usable(6e5, 0))

# --- intervals ----------------------------------------------------------------------
iv = cost.Interval([3.0, 1.0, 2.0])
check("interval: median [min-max] of three", (iv.med, iv.lo, iv.hi, iv.n) == (2.0, 1.0, 3.0, 3))
iv = cost.Interval([4.0, 1.0, 2.0, 3.0])
check("interval: median of an even count is the mean of the middle two", iv.med == 2.5)
iv = cost.Interval([None, 1.0, float("nan")])
check("interval: missing values are left out", iv.n == 1 and iv.med == 1.0)
check("interval: formatted with its count", cost.Interval([1, 2, 3]).fmt(1) == "2.0 [1.0–3.0] (n=3)")
check("paired ratios: only repetitions both have, by repetition",
      cost.paired_ratios({1: 2.0, 2: 4.0, 3: 9.0}, {1: 1.0, 2: 2.0, 4: 5.0}) == [2.0, 2.0])

# --- verdicts ----------------------------------------------------------------------
V = cost.verdict_at_least
check("verdict >=: whole interval above the limit is met", V(cost.Interval([0.95, 1.0, 1.1]), 0.9)[0] == cost.MET)
check("verdict >=: whole interval below is not met", V(cost.Interval([0.5, 0.6, 0.85]), 0.9)[0] == cost.NOT_MET)
v, why = V(cost.Interval([0.85, 0.95, 1.0]), 0.9)
check("verdict >=: an interval across the limit is undetermined, with the reason",
      v == cost.UNDET and "contains the limit" in why, why)
check("verdict >=: the limit itself counts as met", V(cost.Interval([0.9, 1.0, 1.0]), 0.9)[0] == cost.MET)
v, why = V(cost.Interval([1.0, 1.0]), 0.9)
check("verdict >=: fewer than 3 repetitions is undetermined", v == cost.UNDET and "3" in why, why)
check("verdict <=: mirrored", cost.verdict_at_most(cost.Interval([0.2, 0.3, 0.4]), 0.5)[0] == cost.MET
      and cost.verdict_at_most(cost.Interval([0.6, 0.7, 0.8]), 0.5)[0] == cost.NOT_MET
      and cost.verdict_at_most(cost.Interval([0.4, 0.5, 0.6]), 0.5)[0] == cost.UNDET)

D = cost.verdict_delay_ratio
v, why, r = D({1: 5.0, 2: 6.0, 3: 4.0}, {1: 20.0, 2: 25.0, 3: 30.0}, 0.5)
check("delay ratio: clearly positive and below 0.5x is met", v == cost.MET and close(r.med, 0.24), f"{v} {why} {r.fmt()}")
v, why, r = D({1: -15.8, 2: 3.0, 3: 4.0}, {1: 200.0, 2: 210.0, 3: 190.0}, 0.5)
check("delay ratio: a negative kernel figure cannot meet (issue 11: -0.07 was 'met')",
      v == cost.UNDET and "zero or a negative" in why, f"{v} {why}")
v, why, r = D({1: 0.0, 2: 1.0, 3: 2.0}, {1: 20.0, 2: 25.0, 3: 30.0}, 0.5)
check("delay ratio: an interval touching zero cannot meet", v == cost.UNDET, f"{v} {why}")
v, why, r = D({1: 5.0, 2: 6.0, 3: 4.0}, {1: -2.0, 2: 3.0, 3: 1.0}, 0.5)
check("delay ratio: the other's figure including a negative is undetermined", v == cost.UNDET, f"{v} {why}")
v, why, r = D({1: 5.0, 2: 6.0, 3: 4.0}, {1: -2.0, 2: -1.0, 3: 0.0}, 0.5)
check("delay ratio: a positive figure against one <= 0 throughout is not met", v == cost.NOT_MET, f"{v} {why}")
v, why, r = D({1: 5.0, 2: 6.0}, {1: 20.0, 2: 25.0}, 0.5)
check("delay ratio: two repetitions are undetermined", v == cost.UNDET, f"{v} {why}")
v, why, r = D({1: 9.0, 2: 11.0, 3: 14.0}, {1: 20.0, 2: 20.0, 3: 20.0}, 0.5)
check("delay ratio: ratios 0.45..0.7 across 0.5 are undetermined", v == cost.UNDET, f"{v} {why}")

B = cost.bound_verdict
check("bound: a queue that filled to maxlen is met", B(1024, 1024, 0)[0] == cost.MET)
check("bound: overflow drops show it filled", B(1000, 1024, 17)[0] == cost.MET)
check("bound: depth 0 is undetermined (the queue never filled)", B(0, 1024, 0)[0] == cost.UNDET)
check("bound: deeper than maxlen is not met", B(2000, 1024, 5)[0] == cost.NOT_MET)

# --- capacity from the two highest rates, pooled ------------------------------------
# Full speed 1e6; baseline 1e6; 5 us per packet at every rate: the soaker
# keeps 1 - 0.005 x kpps of its speed. Pooled over the two highest rates
# (40k and 80k pps: utilisation 0.2 and 0.4) = (0.2 + 0.4) x 1e9 /
# (40000 + 80000) = 5000 ns.
pts = [(20000, 9e5), (40000, 8e5), (80000, 6e5)]
check("pooled cost: constant cost 5 us over the two highest rates = 5000 ns",
      close(cost.pooled_cost_ns(1e6, pts, 1e6), 5000.0), f"got {cost.pooled_cost_ns(1e6, pts, 1e6)}")
check("pooled cost: the lowest rate is left out (its cost 50 us does not count)",
      close(cost.pooled_cost_ns(1e6, [(1000, 9.5e5)] + pts[1:], 1e6), 5000.0))
check("pooled cost: the rates may come in any order",
      close(cost.pooled_cost_ns(1e6, list(reversed(pts)), 1e6), 5000.0))
check("pooled cost: one rate only is that rate's cost",
      close(cost.pooled_cost_ns(1e6, [(40000, 8e5)], 1e6), 5000.0))
# A batching twin: 10 us at 10k, 4 us at 50k and 100k (cheaper near
# saturation): the pooled figure is the cost near saturation.
bt = [(10000, 9e5), (50000, 8e5), (100000, 6e5)]
check("pooled cost: a batching twin's cost near saturation, not its low-load cost",
      close(cost.pooled_cost_ns(1e6, bt, 1e6), 4000.0), f"got {cost.pooled_cost_ns(1e6, bt, 1e6)}")
check("pooled cost: no points, no baseline or no full speed gives no cost",
      cost.pooled_cost_ns(1e6, [], 1e6) is None and cost.pooled_cost_ns(None, pts, 1e6) is None
      and cost.pooled_cost_ns(1e6, pts, 0) is None)

# --- added cost ratios (user twin / BPF twin, issue 16) ------------------------------
iv = cost.overhead_ratio([(100.0, 110.0, 150.0), (100.0, 120.0, 160.0), (100.0, 105.0, 130.0)])
check("overhead ratio: (a - base) / (b - base) per repetition", (iv.n, iv.lo, iv.med, iv.hi) == (3, 3.0, 5.0, 6.0),
      f"{iv.values}")
iv = cost.overhead_ratio([(100.0, 100.0, 150.0), (100.0, 95.0, 160.0), (100.0, 110.0, 130.0)])
check("overhead ratio: a repetition whose b adds nothing or less gives no ratio", iv.n == 1 and iv.med == 3.0)
r = cost.ratio_of_intervals(cost.Interval([4.0, 5.0, 6.0]), cost.Interval([1.0, 2.0, 4.0]))
check("ratio of intervals: median over median, ends crossed", (r.med, r.lo, r.hi) == (2.5, 1.0, 6.0),
      f"{r.med} {r.lo} {r.hi}")

# --- fixed-service-time target (one sleep module) -----------------------------------------
S = cost.sleep_rep_state
check("sleep rep: loss above the loss-free limit is lossy", S(0.225, 300, 100, 0.1) == "lossy")
check("sleep rep: loss-free with a median delay of 20 service times or less is clear",
      S(0.0, 441, 100, 0.1) == "clear" and S(0.1, 2000, 100, 0.1) == "clear")
check("sleep rep: loss-free with a standing queue (median > 20 service times) is queued",
      S(0.0, 5500, 100, 0.1) == "queued" and S(0.0, None, 100, 0.1) == "queued")
check("sleep rep: no loss figure is lossy (never evidence for met)", S(None, 300, 100, 0.1) == "lossy")
V = cost.sleep_verdict
check("sleep verdict: every repetition clear is met", V(["clear"] * 3)[0] == cost.MET)
check("sleep verdict: every repetition lossy is not met", V(["lossy"] * 3)[0] == cost.NOT_MET)
v, why = V(["queued", "queued", "queued"])
check("sleep verdict: loss-free with a standing queue every time is undetermined (at capacity)",
      v == cost.UNDET and "3 queued" in why, why)
v, why = V(["clear", "queued", "lossy"])
check("sleep verdict: mixed repetitions are undetermined and counted",
      v == cost.UNDET and "1 clear" in why and "1 lossy" in why, why)
check("sleep verdict: fewer than 3 repetitions is undetermined", V(["clear"] * 2)[0] == cost.UNDET)

# --- trafgen configuration writer ---------------------------------------------------
text = tg.conf_text("02:00:00:00:00:01", "02:00:00:00:00:02", "10.91.1.1", "10.91.2.99", 64, 4)
frames = tg.parse_conf(text)
check("trafgen: one packet per flow", len(frames) == 4, text[:300])
f0 = frames[0] if frames else b""
check("trafgen: frame length 14 + 20 + 8 + payload", all(len(f) == 14 + 28 + 64 for f in frames))
check("trafgen: MACs and EtherType IPv4",
      f0[:6] == bytes.fromhex("020000000001") and f0[6:12] == bytes.fromhex("020000000002") and f0[12:14] == b"\x08\x00")
ip = f0[14:34]
check("trafgen: IPv4 header checksum verifies", tg.ip_checksum(ip) == 0, ip.hex())
check("trafgen: IPv4 total length, UDP, addresses",
      struct.unpack("!H", ip[2:4])[0] == 92 and ip[9] == 17 and ip[12:16] == bytes([10, 91, 1, 1])
      and ip[16:20] == bytes([10, 91, 2, 99]))
ports = [struct.unpack("!HH", f[34:38]) for f in frames]
check("trafgen: source ports 3001..3004, destination port 9", ports == [(3001 + i, 9) for i in range(4)], str(ports))
check("trafgen: UDP length 8 + payload, checksum 0 (none), zero payload",
      struct.unpack("!HH", f0[38:42]) == (72, 0) and f0[42:] == bytes(64))
check("trafgen: 1000-byte payload", len(tg.parse_conf(tg.conf_text("02:00:00:00:00:01", "02:00:00:00:00:02",
      "10.91.1.1", "10.91.2.99", 1000, 1))[0]) == 1042)
for bad in (lambda: tg.conf_text("02:00:00:00:01", "02:00:00:00:00:02", "10.91.1.1", "10.91.2.99", 64, 1),
            lambda: tg.conf_text("02:00:00:00:00:01", "02:00:00:00:00:02", "10.91.1.300", "10.91.2.99", 64, 1),
            lambda: tg.conf_text("02:00:00:00:00:01", "02:00:00:00:00:02", "10.91.1.1", "10.91.2.99", 1473, 1),
            lambda: tg.conf_text("02:00:00:00:00:01", "02:00:00:00:00:02", "10.91.1.1", "10.91.2.99", 64, 0)):
    try:
        bad()
        ok = False
    except ValueError:
        ok = True
    check("trafgen: a bad MAC, address, payload or flow count is refused", ok)
check("trafgen gap: the target interval minus trafgen's own time per packet",
      tg.gap_ns(50000, 5000) == 15000 and tg.gap_ns(1000, 0) == 1000000)
check("trafgen gap: never 0 (0 would switch trafgen to its unpaced path)", tg.gap_ns(1e6, 5000) == 1)
st = tg.gap_stats([0.0, 0.00001, 0.00002, 0.0000201, 0.0000202, 0.00003], nominal_ns=10000)
check("trafgen gaps: quantiles and the longest back-to-back run",
      st["n"] == 5 and st["max_burst"] == 3 and round(st["max"]) == 10000 and round(st["p50"]) == 9800, str(st))

print(f"1..{n}")
sys.exit(1 if failed else 0)
