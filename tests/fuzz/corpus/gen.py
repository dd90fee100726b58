#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the seed corpora of tests/fuzz/corpus/<harness>/ (run from anywhere;
the files are committed, this script documents how they were made)."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(harness, name, data):
    d = os.path.join(HERE, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- packets (fuzz_pkt) -------------------------------------------------
SRC4, DST4 = bytes([10, 0, 0, 1]), bytes([10, 0, 2, 7])
SRC6 = bytes.fromhex("20010db8000000000000000000000001")
DST6 = bytes.fromhex("20010db8000000000000000000000002")


def ip4(proto, l4, frag=0, opts=b"", tot=None):
    ihl = 5 + len(opts) // 4
    tot = ihl * 4 + len(l4) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, 0x1234, frag, 64,
                    proto, 0, SRC4, DST4)
    return h + opts + l4


def ip6(nh, rest, plen=None):
    plen = len(rest) if plen is None else plen
    return struct.pack("!IHBB16s16s", 0x60000000, plen, nh, 64, SRC6,
                       DST6) + rest


def tcp(sport, dport, flags, payload=b"", opts=b""):
    doff = 5 + len(opts) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, doff << 4, flags,
                       65535, 0, 0) + opts + payload


def udp(sport, dport, payload=b"", ulen=None):
    ulen = 8 + len(payload) if ulen is None else ulen
    return struct.pack("!HHHH", sport, dport, ulen, 0) + payload


def ext(nh, body):		# hop-by-hop / routing / destination options
    body = body + b"\0" * (-(len(body) + 2) % 8)
    return bytes([nh, (len(body) + 2) // 8 - 1]) + body


HTTP = b"GET /index.html HTTP/1.0\r\nHost: EVIL\r\n\r\nattack\xde\xad\xbe\xef"
pk = {
    "v4_tcp_syn": ip4(6, tcp(40000, 80, 0x02)),
    "v4_tcp_http": ip4(6, tcp(40000, 80, 0x18, HTTP)),
    "v4_tcp_null": ip4(6, tcp(40000, 22, 0x00)),
    "v4_tcp_xmas": ip4(6, tcp(40000, 22, 0x29)),
    "v4_tcp_synack": ip4(6, tcp(80, 40000, 0x12)),
    "v4_tcp_opts": ip4(6, tcp(1, 443, 0x10, b"payload", b"\x02\x04\x05\xb4\x01\x01\x04\x02\x01\x03\x03\x07")),
    "v4_ipopts_udp": ip4(17, udp(53, 53, b"\x12\x34\x01\x00"), opts=b"\x01\x01\x01\x00"),
    "v4_udp": ip4(17, udp(5000, 5001, b"EVIL" * 10)),
    "v4_udp_port9": ip4(17, udp(7, 9, b"discard")),
    "v4_udp_lying_len": ip4(17, udp(1, 2, b"abcd", ulen=200)),
    "v4_icmp_echo": ip4(1, b"\x08\x00\xf7\xff\x00\x01\x00\x01" + b"ping"),
    "v4_frag_first": ip4(6, tcp(40000, 80, 0x18, b"EV"), frag=0x2000),
    "v4_frag_later": ip4(6, b"IL and more", frag=185),
    "v4_sctp": ip4(132, struct.pack("!HHII", 5000, 38412, 0, 0) + b"chunk"),
    "v4_udplite": ip4(136, struct.pack("!HHHH", 1, 2, 8, 0) + b"lite"),
    "v4_proto99": ip4(99, b"opaque data"),
    "v4_trailing_garbage": ip4(17, udp(1, 2, b"x")) + b"ETHERNET-PADDING",
    "v6_tcp": ip6(6, tcp(40000, 80, 0x18, HTTP)),
    "v6_udp_dns": ip6(17, udp(53, 33333, b"\x00\x01\x81\x80")),
    "v6_icmpv6": ip6(58, b"\x80\x00\x00\x00\x00\x01\x00\x01"),
    "v6_ext_chain": ip6(0, ext(60, b"\x01\x00") + ext(43, b"\x00\x00" + b"\0" * 16) +
                        ext(6, b"\x01\x00") + tcp(1, 80, 0x00)),
    "v6_ah_tcp": ip6(51, bytes([6, 4, 0, 0]) + b"\0" * 20 + tcp(1, 80, 0x29)),
    "v6_frag_first": ip6(44, bytes([17, 0, 0x00, 0x01]) + b"\0\0\0\x2a" +
                         udp(53, 53, b"A" * 16, ulen=1000)),
    "v6_frag_later": ip6(44, bytes([6, 0, 0x05, 0x00]) + b"\0\0\0\x2a" + b"rest of it"),
    "v6_jumbo": ip6(0, bytes([17, 0, 0xc2, 4, 0, 0, 0, 0]) + udp(1, 2, b"big"), plen=0),
    "v6_no_next": ip6(59, b"nothing"),
}
for name, data in pk.items():
    put("fuzz_pkt", name, data)

# ---- op arguments (fuzz_args): the op-module docs and nfips_args.h -------
args = [
    "sig=null action=drop", "sig=xmas count=200", "sig=synfin action=alert",
    "flags=0x3f/0x00", "flags=0x12/0x02 count=0 action=accept",
    'pattern="EVIL" action=drop', "pattern=|de ad be ef| nocase offset=4 depth=100",
    'pattern="GET /|0d 0a|" pattern=attack', 'pattern=a\\|b pattern="x\\"y z"',
    "pattern=abcabcab pattern=aaaaab pattern=ABAB nocase", "usec=100", "usec=0x10",
    "usec=1000000", "10.0.2.0", "2001:db8::1", "::ffff:1.2.3.4", "fe80::1:2:3:4:5:6",
    "1:2:3:4:5:6:7::", "::", "4294967295", "0xffffffff", "4294967296", "0x",
]
for i, a in enumerate(args):
    put("fuzz_args", "%02d" % i, a)

# ---- ac op-module (fuzz_ac): ARGS, newline, PAYLOAD -----------------------
ac = [
    ("pattern=he pattern=she pattern=his pattern=hers", b"ushers"),
    ("pattern=abcdef pattern=abc pattern=bcd pattern=cde", b"xxabxcdefab"),
    ('pattern="EVIL" nocase offset=2 depth=10 action=alert', b"..xxevil...EVIL"),
    ("pattern=|00 ff 00| pattern=\"GET /|0d 0a|\" action=accept", b"a\0\xff\0GET /\r\n"),
    ("patterns-file=pats.txt nocase", b"GET /?q=QUOTED PAT&sig0001"),
    ("patterns-file=pats.txt pattern=extra depth=40", b"EV" + b"x" * 40 + b"EVIL"),
    ("patterns-file=badpat.txt", b"ok"),
    ("patterns-file=missing.txt", b""),
    ("pattern=aaaa pattern=aaab pattern=aab pattern=b offset=3", b"aaaaab"),
    ("pattern=" + " pattern=".join("p%02d" % i for i in range(40)), b"zzp39zz"),
]
for i, (a, payload) in enumerate(ac):
    put("fuzz_ac", "%02d" % i, a.encode() + b"\n" + payload)

# ---- config files (fuzz_config): README.md, DESIGN.md, test_config.c -----
put("fuzz_config", "readme", """queue   workers=2 maxlen=4096 overflow=drop          # or overflow=accept (fail-open)
op      nullscan  header  sig=null action=drop
op      evil      bm      pattern="EVIL" action=drop
op      delay     sleep   usec=100
chain   web       nullscan evil delay
select  dst=10.0.2.0/24 proto=udp dport=5000-6000 chain=web   # first match wins
select  any bypass
""")
put("fuzz_config", "unit_good", """# nfips.conf
queue   workers=2 maxlen=4096 overflow=accept
op      nullscan  header  sig=null action=drop
op      evil      bm      pattern="EV#IL" pattern=|de ad| \\
                          nocase   # a comment
op      delay     sleep   usec=100
chain   web       nullscan evil delay
chain   empty
select  dst=10.0.2.0/24 proto=udp dport=5000-6000 chain=web
select  src=2001:db8::/32 family=ipv6 chain=empty
select  any bypass
""")
put("fuzz_config", "all_matches", """queue workers=0 maxlen=1 overflow=accept
op h header flags=0x12/0x02 count=3 action=alert
op b bm pattern=|00 01|abc offset=2 depth=40 action=accept
chain c h b
select family=ipv4 proto=tcp sport=1-1023 dport=80 iif=eth0 chain=c
select src=::ffff:10.0.0.0/104 dst=fe80::/10 proto=icmpv6 chain=c
select src=192.168.0.1 proto=sctp dport=0x50 bypass
select proto=132 iif=lo chain=c
select family=ipv6 bypass
""")
put("fuzz_config", "crlf", "op a sleep usec=1\r\nchain x a\r\nselect any chain=x\r\n")

# ---- RUDE scripts (fuzz_rude_script): notes/rude-crude.md ---------------
put("fuzz_rude_script", "notes_example", """START NOW
1000 10 ON 3002 10.1.1.1:10001 CONSTANT 200 250
5000 10 OFF
""")
put("fuzz_rude_script", "modify_tos", """# two flows, a modify and a TOS
START 12:30:00
0 1 ON 3001 10.99.0.2:10001 CONSTANT 1000 20
TOS 1 0x10
0 2 ON 3002 [2001:db8::2]:10001 CONSTANT 0 32768
2000 1 MODIFY CONSTANT 100 100
3000 2 MODIFY TRACE one.trace
4000 1 OFF
4000 2 OFF
""")
put("fuzz_rude_script", "trace", """START NOW
0 7 ON 5000 192.0.2.1:9 TRACE trace.txt
100 7 MODIFY TRACE one.trace
200 7 OFF
""")
put("fuzz_rude_script", "trace_zero", """START NOW
0 7 ON 5000 192.0.2.1:9 TRACE zero.trace
200 7 OFF
""")

# ---- RUDE/CRUDE wire (fuzz_rude_wire): rude.h layouts ----------------------
def w070(seq, sec, usec, flow, dst, size):
    return struct.pack("!5I", seq, sec, usec, flow, dst).ljust(size, b"\0")


def w070_64(seq, sec, usec, flow, dst, size):
    return b"".join(struct.pack("!II", v, 0) for v in (seq, sec, usec, flow, dst)).ljust(size, b"\0")


def w08(seq, sec, usec, flow, sa, size):
    return (struct.pack("!4I", seq, sec, usec, flow) + sa.ljust(128, b"\0"))[:size].ljust(size, b"\0")


SA4 = struct.pack("<H", 2) + struct.pack("!H", 10001) + bytes([10, 99, 0, 2])
SA6 = struct.pack("<H", 10) + struct.pack("!HI", 10001, 0) + DST6
put("fuzz_rude_wire", "w070_20", w070(0, 1795337831, 826105, 10, 0x0a630002, 20))
put("fuzz_rude_wire", "w070_250", w070(41, 1795337831, 999999, 10, 0x0a630002, 250))
put("fuzz_rude_wire", "w070_64_40", w070_64(0, 1795337831, 826105, 10, 0x0a630002, 40))
put("fuzz_rude_wire", "w070_64_200", w070_64(7, 1795337831, 5, 3, 0, 200))
put("fuzz_rude_wire", "w08_v4_144", w08(0, 1795337831, 826105, 10, SA4, 144))
put("fuzz_rude_wire", "w08_v4_24", w08(1, 1795337831, 826105, 10, SA4, 24))
put("fuzz_rude_wire", "w08_v4_30", w08(2, 1795337831, 826105, 10, SA4, 30))
put("fuzz_rude_wire", "w08_v6_144", w08(3, 1795337831, 826105, 11, SA6, 144))
put("fuzz_rude_wire", "w08_ns_200", w08(4, 1795337831, 999999999, 12, SA4, 200))
put("fuzz_rude_wire", "stream_070", b"".join(w070(i, 1795337831, i * 1000, 5, 0x0a630002, 20) for i in range(8)))
rec = struct.pack("<IIIIQIHH16sHH16sHB9x", 10, 0, 1795337831, 826105,
                  1795337831826510000, 200, 2, 10001, bytes([10, 99, 0, 2]) + b"\0" * 12,
                  2, 3001, bytes([10, 99, 0, 1]) + b"\0" * 12, 10001, 2)
assert len(rec) == 80
put("fuzz_rude_wire", "crude_log_rec", rec)
put("fuzz_rude_wire", "crude_log_hdr_rec", b"NFCRUDE1" + struct.pack("<II", 1, 80) + rec)
