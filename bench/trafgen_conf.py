#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""trafgen (netsniff-ng) packet configurations for the bench's host runs,
and the pacing that makes trafgen's stream even.

One packet per flow, each a complete Ethernet + IPv4 + UDP frame written
as constant bytes: no dynamic elements (csum16/drnd make trafgen compute per
packet, which costs generator speed), the IPv4 header checksum computed
here, the UDP checksum 0 ("none", legal for IPv4). trafgen sends the
packets round robin, so F packets = F flows (source ports 3001..), which the
twins' flow hash spreads over workers as nfips-rude's flows are.

Pacing (bench/README.md, "Generators"): trafgen's rate option (-b N pps)
sends N packets as fast as it can and then sleeps out the rest of the
second, i.e. one burst of up to N packets per second -- longer than the IPS
queue and the input backlog, so it measures bursts, not capacity. Its gap
option (-t) sleeps a fixed time after every packet (nanosleep), which gives
an even stream. The gap asked for is the target interval minus trafgen's
own time per packet (measured per run, the sendto and wake-up), see
gap_ns().

Usage: trafgen_conf.py conf --dst-mac M --src-mac M --src-ip A --dst-ip A
                            --payload N --flows F
       trafgen_conf.py gap --pps R --overhead-ns O
       trafgen_conf.py gaps PCAP   (inter-packet gap statistics of a capture)
"""
import argparse
import struct
import sys

UDP_SRC_BASE = 3001
UDP_DST = 9
TTL = 64


def mac_bytes(mac):
    parts = mac.split(":")
    if len(parts) != 6:
        raise ValueError(f"not a MAC address: {mac!r}")
    b = bytes(int(p, 16) for p in parts)
    return b


def ip_bytes(ip):
    parts = ip.split(".")
    if len(parts) != 4 or not all(p.isdigit() and 0 <= int(p) <= 255 for p in parts):
        raise ValueError(f"not an IPv4 address: {ip!r}")
    return bytes(int(p) for p in parts)


def ip_checksum(hdr):
    """RFC 1071 one's complement sum over an IPv4 header (checksum field 0)."""
    if len(hdr) % 2:
        hdr += b"\0"
    s = sum(struct.unpack(f"!{len(hdr) // 2}H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(dst_mac, src_mac, src_ip, dst_ip, sport, payload):
    """One Ethernet frame (no FCS): IPv4 + UDP with PAYLOAD zero bytes."""
    if not 0 <= payload <= 1472:
        raise ValueError(f"payload {payload} outside 0..1472 (one 1500-byte MTU frame)")
    udp_len = 8 + payload
    tot = 20 + udp_len
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, 0, 0x4000, TTL, 17, 0,
                     ip_bytes(src_ip), ip_bytes(dst_ip))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", sport, UDP_DST, udp_len, 0)
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + b"\x08\x00" + ip + udp + bytes(payload)


def conf_text(dst_mac, src_mac, src_ip, dst_ip, payload, flows):
    """trafgen's config language: one { bytes } block per packet."""
    if flows < 1:
        raise ValueError("flows must be >= 1")
    out = ["/* nfips bench: UDP, payload %d bytes, %d flows (source ports %d..%d) */"
           % (payload, flows, UDP_SRC_BASE, UDP_SRC_BASE + flows - 1)]
    for i in range(flows):
        f = frame(dst_mac, src_mac, src_ip, dst_ip, UDP_SRC_BASE + i, payload)
        lines = []
        for off in range(0, len(f), 16):
            lines.append("  " + ", ".join(f"0x{b:02x}" for b in f[off:off + 16]))
        out.append("{\n" + ",\n".join(lines) + "\n}")
    return "\n".join(out) + "\n"


def parse_conf(text):
    """The frames of a config written by conf_text (for tests)."""
    frames, cur = [], None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("/*") or not line:
            continue
        if line == "{":
            cur = bytearray()
        elif line == "}":
            frames.append(bytes(cur))
            cur = None
        elif cur is not None:
            cur += bytes(int(t, 16) for t in line.rstrip(",").split(", "))
    return frames


def gap_ns(pps, overhead_ns):
    """The -t gap for a target rate: trafgen sleeps the gap AFTER each
    packet, so one packet takes its own send time (overhead) + the gap.
    Never below 1 ns (0 would switch trafgen to its unpaced ring path)."""
    if pps <= 0:
        raise ValueError("pps must be > 0")
    return max(1, int(round(1e9 / pps - overhead_ns)))


def pcap_times(path):
    """Packet timestamps (s, float) of a pcap file (µs or ns resolution)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    else:
        magic = struct.unpack(">I", data[:4])[0]
        end = ">"
    if magic == 0xA1B2C3D4:
        div = 1e6
    elif magic == 0xA1B23C4D:
        div = 1e9
    else:
        raise ValueError(f"{path}: not a pcap file")
    off, ts = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        ts.append(sec + frac / div)
        off += 16 + incl
    return ts


def gap_stats(times, nominal_ns=None):
    """Inter-packet gaps in ns: count, p1, p50, p99, max, and the longest
    run of back-to-back packets (gap < 10 % of nominal), if nominal given."""
    g = sorted((b - a) * 1e9 for a, b in zip(times, times[1:]))
    if not g:
        return None

    def q(p):
        return g[min(len(g) - 1, int(p * (len(g) - 1) + 0.5))]
    st = {"n": len(g), "p1": q(0.01), "p50": q(0.5), "p99": q(0.99), "max": g[-1]}
    if nominal_ns:
        run = best = 1
        for a, b in zip(times, times[1:]):
            if (b - a) * 1e9 < 0.1 * nominal_ns:
                run += 1
                best = max(best, run)
            else:
                run = 1
        st["max_burst"] = best
    return st


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("conf")
    c.add_argument("--dst-mac", required=True)
    c.add_argument("--src-mac", required=True)
    c.add_argument("--src-ip", required=True)
    c.add_argument("--dst-ip", required=True)
    c.add_argument("--payload", type=int, required=True)
    c.add_argument("--flows", type=int, default=4)
    g = sub.add_parser("gap")
    g.add_argument("--pps", type=float, required=True)
    g.add_argument("--overhead-ns", type=float, default=0)
    s = sub.add_parser("gaps")
    s.add_argument("pcap")
    s.add_argument("--nominal-ns", type=float)
    a = ap.parse_args(argv)
    if a.cmd == "conf":
        sys.stdout.write(conf_text(a.dst_mac, a.src_mac, a.src_ip, a.dst_ip, a.payload, a.flows))
    elif a.cmd == "gap":
        print(gap_ns(a.pps, a.overhead_ns))
    else:
        st = gap_stats(pcap_times(a.pcap), a.nominal_ns)
        if st is None:
            print("gaps n 0")
            return 1
        print(" ".join(f"{k} {v:.0f}" for k, v in st.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
