// SPDX-License-Identifier: GPL-2.0
/*
 * Packet-view builder (nfips_pkt_parse) against hostile packets.
 *
 * Every parse runs on an exact-size heap copy of the bytes, so ASan reports
 * any read past data[len). Expected views are written out by hand from the
 * packet layouts below, not derived from the parser. Also: the L4 header
 * at any depth (extension-header chains up to and past a whole MTU, read
 * through a reader beyond the view as the kernel hook does), and how the
 * selector treats a packet whose L4 header is not within it (issue 14).
 */
#include "unit_check.h"
#include "nfips_conf_text.h"

#define L4	NFIPS_PKT_L4
#define FRAG	NFIPS_PKT_FRAG
#define LATER	NFIPS_PKT_FRAG_LATER
#define L4BAD	NFIPS_PKT_L4_BAD
#define TRUNC	NFIPS_PKT_TRUNC
#define PORTS	NFIPS_PKT_PORTS

#define NH_HOP	0
#define NH_RT	43
#define NH_FRAG	44
#define NH_AH	51
#define NH_NONE	59
#define NH_DST	60

static u8 buf[80000];

struct exp {
	u32 len, wire_len, l4_off, payload_off, payload_len;
	u8 family, l4_proto, flags, tcp_flags;
	u16 sport, dport;
};

static void put16(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

/* IPv4 header of @ihl words (options are NOPs), claiming @tot bytes. */
static void v4(u8 *b, u32 ihl, u32 tot, u8 proto, u16 frag)
{
	memset(b, 0, ihl * 4 > 20 ? ihl * 4 : 20);
	memset(b + 20, 1, ihl * 4 > 20 ? ihl * 4 - 20 : 0);
	b[0] = (u8)(0x40 | (ihl & 0x0f));
	put16(b + 2, tot);
	put16(b + 4, 0x1234);
	put16(b + 6, frag);
	b[8] = 64;
	b[9] = proto;
	b[12] = 192; b[13] = 0; b[14] = 2; b[15] = 1;
	b[16] = 198; b[17] = 51; b[18] = 100; b[19] = 7;
}

static void v6(u8 *b, u32 plen, u8 nh)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	put16(b + 4, plen);
	b[6] = nh;
	b[7] = 64;
	b[8] = 0x20; b[9] = 0x01; b[10] = 0x0d; b[11] = 0xb8; b[23] = 1;
	b[24] = 0x20; b[25] = 0x01; b[26] = 0x0d; b[27] = 0xb8;
	b[28] = 0xff; b[29] = 0xff; b[39] = 2;
}

/* TCP header with data offset @doff (20 bytes written when doff < 5). */
static void tcp(u8 *p, u16 sport, u16 dport, u32 doff, u8 flags)
{
	u32 hl = doff > 5 ? doff * 4 : 20;

	memset(p, 0, 20);
	memset(p + 20, 1, hl - 20);
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, 0xdead);		/* sequence number */
	p[12] = (u8)(doff << 4);
	p[13] = flags;
	put16(p + 14, 0xffff);		/* window */
}

static void udp(u8 *p, u16 sport, u16 dport, u32 ulen)
{
	memset(p, 0, 8);
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, ulen);
}

/* Hop-by-hop, routing or destination options header of @bytes (8k). */
static void ext(u8 *p, u8 nh, u32 bytes)
{
	memset(p, 0, bytes);
	p[0] = nh;
	p[1] = (u8)(bytes / 8 - 1);
	if (bytes >= 8) {
		p[2] = 1;		/* PadN */
		p[3] = (u8)(bytes - 4);
	}
}

/* Authentication header of @bytes (4k, >= 12). */
static void ah(u8 *p, u8 nh, u32 bytes)
{
	memset(p, 0xaa, bytes);
	p[0] = nh;
	p[1] = (u8)(bytes / 4 - 2);
	p[2] = 0;
	p[3] = 0;
}

static void frag6(u8 *p, u8 nh, u32 off_units, bool mf)
{
	memset(p, 0, 8);
	p[0] = nh;
	put16(p + 2, (off_units << 3) | (mf ? 1 : 0));
	p[7] = 0x42;			/* identification */
}

static void fill(u8 *p, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		p[i] = (u8)('a' + i % 26);
}

/*
 * The properties every successful view has, whatever the input. Returns
 * NULL or a description of the first one broken.
 */
static const char *invariants(const struct nfips_pkt *p, int ret,
			      const u8 *data, u32 len, u32 wire)
{
	u32 view = len < wire ? len : wire;
	u64 end;

	if (ret != 0 && ret != -EBADMSG && ret != -EPROTONOSUPPORT)
		return "unexpected error code";
	if (ret == -EPROTONOSUPPORT)
		return view && (data[0] >> 4) != 4 && (data[0] >> 4) != 6 ?
		       NULL : "EPROTONOSUPPORT for IPv4/IPv6";
	if (ret)
		return NULL;
	if (!view || p->data != data || p->family != data[0] >> 4)
		return "family or data pointer";
	if (p->len > view || p->wire_len > wire || p->len > p->wire_len)
		return "len <= wire_len <= the caller's lengths";
	end = (u64)p->payload_off + p->payload_len;
	if (end > p->len)
		return "payload_off + payload_len <= len";
	if (!!(p->flags & TRUNC) != (p->len < p->wire_len))
		return "TRUNC exactly when len < wire_len";
	if (p->flags & ~(L4 | FRAG | LATER | L4BAD | TRUNC | PORTS))
		return "unknown flag";
	if ((p->flags & PORTS) &&
	    (!(p->flags & L4BAD) || !nfips_proto_has_ports(p->l4_proto)))
		return "PORTS without L4_BAD, or for a protocol without ports";
	if ((p->flags & L4) && (p->flags & L4BAD))
		return "L4 and L4_BAD together";
	if ((p->flags & LATER) && (!(p->flags & FRAG) || (p->flags & L4)))
		return "FRAG_LATER without FRAG, or with L4";
	if ((p->flags & L4BAD) && p->payload_len)
		return "a payload behind a bad L4 header";
	if (p->family == 4) {
		if (p->wire_len != nfips_get_be16(data + 2) ||
		    p->len != (view < p->wire_len ? view : p->wire_len))
			return "IPv4 lengths not from the total length";
		if (memcmp(p->saddr, data + 12, 4) || memcmp(p->daddr, data + 16, 4))
			return "IPv4 addresses";
	} else {
		if (memcmp(p->saddr, data + 8, 16) || memcmp(p->daddr, data + 24, 16))
			return "IPv6 addresses";
	}
	if (!(p->flags & L4)) {
		if (p->tcp_flags || p->l4_off)
			return "TCP flags or l4_off without L4";
		if (!(p->flags & PORTS))
			return p->sport || p->dport ? "ports without L4 or PORTS" : NULL;
		/* Only the IPv4 cases can be checked here without a walk. */
		if (p->family == 4 &&
		    (p->sport != nfips_get_be16(data + (data[0] & 0x0f) * 4) ||
		     p->dport != nfips_get_be16(data + (data[0] & 0x0f) * 4 + 2)))
			return "PORTS: ports not from the fixed header";
		return NULL;
	}
	if (p->l4_off < (p->family == 4 ? 20u : 40u) ||
	    p->payload_off < p->l4_off + 8 || p->payload_off > p->len)
		return "L4 offsets";
	switch (p->l4_proto) {
	case NFIPS_PROTO_TCP:
		if (p->payload_off - p->l4_off != (u32)(data[p->l4_off + 12] >> 4) * 4 ||
		    p->tcp_flags != data[p->l4_off + 13])
			return "TCP header length or flags";
		break;
	case NFIPS_PROTO_UDP:
		/* A first fragment's UDP length counts the whole datagram. */
		if (p->payload_off - p->l4_off != 8 ||
		    (!(p->flags & TRUNC) &&
		     p->payload_len != min(nfips_get_be16(data + p->l4_off + 4),
					   p->len - p->l4_off) - 8u))
			return "UDP payload not from the UDP length";
		break;
	case NFIPS_PROTO_ICMP:
	case NFIPS_PROTO_ICMPV6:
		if (p->sport || p->dport)
			return "ICMP has no ports";
		return NULL;
	case NFIPS_PROTO_SCTP:
	case NFIPS_PROTO_UDPLITE:
		break;
	default:
		return "L4 for an unknown transport";
	}
	if (p->sport != nfips_get_be16(data + p->l4_off) ||
	    p->dport != nfips_get_be16(data + p->l4_off + 2))
		return "ports";
	return NULL;
}

/* Parse @len bytes (an exact heap copy) of @bytes claiming @wire; check. */
static void check(const char *name, const u8 *bytes, u32 len, u32 wire,
		  int want, const struct exp *w)
{
	struct nfips_pkt p;
	const char *why;
	u8 *copy;
	int ret;

	copy = malloc(len);
	if (!copy && len)
		ksft_exit_fail_msg("out of memory\n");
	if (len)
		memcpy(copy, bytes, len);
	CASE_BEGIN();
	ret = nfips_pkt_parse(&p, copy, len, wire);
	EXPECT_EQ(ret, want);
	why = invariants(&p, ret, copy, len, wire);
	if (why) {
		ksft_print_msg("invariant broken: %s\n", why);
		unit_case_ok = false;
	}
	if (!ret && w) {
		EXPECT_EQ(p.len, w->len);
		EXPECT_EQ(p.wire_len, w->wire_len);
		EXPECT_EQ(p.family, w->family);
		EXPECT_EQ(p.l4_proto, w->l4_proto);
		EXPECT_EQ(p.flags, w->flags);
		EXPECT_EQ(p.l4_off, w->l4_off);
		EXPECT_EQ(p.payload_off, w->payload_off);
		EXPECT_EQ(p.payload_len, w->payload_len);
		EXPECT_EQ(p.tcp_flags, w->tcp_flags);
		EXPECT_EQ(p.sport, w->sport);
		EXPECT_EQ(p.dport, w->dport);
		EXPECT_EQ(p.ifindex, 0);
	}
	free(copy);
	CASE_END("%s", name);
}

#define CHECK(name, len, wire, want, ...) \
	check(name, buf, len, wire, want, &(struct exp){ __VA_ARGS__ })
#define CHECK_ERR(name, len, wire, want) \
	check(name, buf, len, wire, want, NULL)

static void test_v4_happy(void)
{
	v4(buf, 5, 45, NFIPS_PROTO_TCP, 0);
	tcp(buf + 20, 1234, 80, 5, NFIPS_TCP_SYN | NFIPS_TCP_ACK);
	memcpy(buf + 40, "hello", 5);
	CHECK("v4 tcp: offsets, ports, flags, payload", 45, 45, 0,
	      .len = 45, .wire_len = 45, .family = 4, .l4_proto = 6,
	      .flags = L4, .l4_off = 20, .payload_off = 40, .payload_len = 5,
	      .tcp_flags = 0x12, .sport = 1234, .dport = 80);
	/* len > wire_len: the view is cut to wire_len, below the total length. */
	CHECK_ERR("v4 tcp: total length beyond wire_len < len", 45, 40, -EBADMSG);

	v4(buf, 6, 63, NFIPS_PROTO_TCP, 0);
	tcp(buf + 24, 40000, 443, 8, NFIPS_TCP_PSH | NFIPS_TCP_ACK);
	fill(buf + 56, 7);
	CHECK("v4 tcp: IP options (ihl 6) and TCP options (doff 8)", 63, 63, 0,
	      .len = 63, .wire_len = 63, .family = 4, .l4_proto = 6,
	      .flags = L4, .l4_off = 24, .payload_off = 56, .payload_len = 7,
	      .tcp_flags = 0x18, .sport = 40000, .dport = 443);

	v4(buf, 15, 60 + 20, NFIPS_PROTO_TCP, 0);
	tcp(buf + 60, 1, 2, 5, NFIPS_TCP_RST);
	CHECK("v4 tcp: ihl 15, the longest IP header", 80, 80, 0,
	      .len = 80, .wire_len = 80, .family = 4, .l4_proto = 6,
	      .flags = L4, .l4_off = 60, .payload_off = 80, .payload_len = 0,
	      .tcp_flags = NFIPS_TCP_RST, .sport = 1, .dport = 2);

	v4(buf, 5, 31, NFIPS_PROTO_UDP, 0);
	udp(buf + 20, 53, 5353, 11);
	fill(buf + 28, 3);
	CHECK("v4 udp: UDP length equal to the IP payload", 31, 31, 0,
	      .len = 31, .wire_len = 31, .family = 4, .l4_proto = 17,
	      .flags = L4, .l4_off = 20, .payload_off = 28, .payload_len = 3,
	      .sport = 53, .dport = 5353);

	v4(buf, 5, 44, NFIPS_PROTO_UDP, 0);
	udp(buf + 20, 7, 9, 12);
	CHECK("v4 udp: UDP length shorter than the IP payload bounds the payload",
	      44, 44, 0,
	      .len = 44, .wire_len = 44, .family = 4, .l4_proto = 17,
	      .flags = L4, .l4_off = 20, .payload_off = 28, .payload_len = 4,
	      .sport = 7, .dport = 9);

	v4(buf, 5, 32, NFIPS_PROTO_UDP, 0);
	udp(buf + 20, 7, 9, 8);
	CHECK("v4 udp: UDP length 8, empty payload before IP trailer",
	      32, 32, 0,
	      .len = 32, .wire_len = 32, .family = 4, .l4_proto = 17,
	      .flags = L4, .l4_off = 20, .payload_off = 28, .payload_len = 0,
	      .sport = 7, .dport = 9);

	v4(buf, 5, 32, NFIPS_PROTO_ICMP, 0);
	buf[20] = 8; buf[21] = 0; put16(buf + 24, 0x1234); put16(buf + 26, 1);
	fill(buf + 28, 4);
	CHECK("v4 icmp: L4 without ports", 32, 32, 0,
	      .len = 32, .wire_len = 32, .family = 4, .l4_proto = 1,
	      .flags = L4, .l4_off = 20, .payload_off = 28, .payload_len = 4);

	v4(buf, 5, 36, NFIPS_PROTO_SCTP, 0);
	memset(buf + 20, 0, 12);
	put16(buf + 20, 5000); put16(buf + 22, 6000);
	CHECK("v4 sctp: 12-byte common header, ports", 36, 36, 0,
	      .len = 36, .wire_len = 36, .family = 4, .l4_proto = 132,
	      .flags = L4, .l4_off = 20, .payload_off = 32, .payload_len = 4,
	      .sport = 5000, .dport = 6000);

	v4(buf, 5, 30, 47, 0);
	fill(buf + 20, 10);
	CHECK("v4 other protocol (GRE): all data is payload, no L4", 30, 30, 0,
	      .len = 30, .wire_len = 30, .family = 4, .l4_proto = 47,
	      .flags = 0, .payload_off = 20, .payload_len = 10);

	v4(buf, 5, 40, NFIPS_PROTO_TCP, 0);
	tcp(buf + 20, 1, 2, 5, NFIPS_TCP_ACK);
	memset(buf + 40, 0xee, 20);
	CHECK("v4 tcp: Ethernet padding after the total length is ignored",
	      60, 60, 0,
	      .len = 40, .wire_len = 40, .family = 4, .l4_proto = 6,
	      .flags = L4, .l4_off = 20, .payload_off = 40, .payload_len = 0,
	      .tcp_flags = NFIPS_TCP_ACK, .sport = 1, .dport = 2);
}

static void test_v6_happy(void)
{
	v6(buf, 26, NFIPS_PROTO_TCP);
	tcp(buf + 40, 2222, 22, 5, NFIPS_TCP_FIN | NFIPS_TCP_ACK);
	fill(buf + 60, 6);
	CHECK("v6 tcp", 66, 66, 0,
	      .len = 66, .wire_len = 66, .family = 6, .l4_proto = 6,
	      .flags = L4, .l4_off = 40, .payload_off = 60, .payload_len = 6,
	      .tcp_flags = 0x11, .sport = 2222, .dport = 22);

	v6(buf, 10, NFIPS_PROTO_UDP);
	udp(buf + 40, 500, 4500, 10);
	fill(buf + 48, 2);
	CHECK("v6 udp", 50, 50, 0,
	      .len = 50, .wire_len = 50, .family = 6, .l4_proto = 17,
	      .flags = L4, .l4_off = 40, .payload_off = 48, .payload_len = 2,
	      .sport = 500, .dport = 4500);

	v6(buf, 12, NFIPS_PROTO_ICMPV6);
	buf[40] = 128; put16(buf + 44, 0x77); fill(buf + 48, 4);
	CHECK("v6 icmpv6: L4 without ports", 52, 52, 0,
	      .len = 52, .wire_len = 52, .family = 6, .l4_proto = 58,
	      .flags = L4, .l4_off = 40, .payload_off = 48, .payload_len = 4);

	v6(buf, 0, NH_NONE);
	CHECK("v6 no next header (59): no L4, empty payload", 40, 40, 0,
	      .len = 40, .wire_len = 40, .family = 6, .l4_proto = 59,
	      .flags = 0, .payload_off = 40, .payload_len = 0);

	v6(buf, 20, NFIPS_PROTO_UDP);
	udp(buf + 40, 1, 2, 8);
	CHECK("v6 udp: view beyond the payload length is cut", 80, 80, 0,
	      .len = 60, .wire_len = 60, .family = 6, .l4_proto = 17,
	      .flags = L4, .l4_off = 40, .payload_off = 48, .payload_len = 0,
	      .sport = 1, .dport = 2);
}

static void test_l3_errors(void)
{
	v4(buf, 5, 40, NFIPS_PROTO_TCP, 0);
	CHECK_ERR("v4: 19-byte IP header", 19, 19, -EBADMSG);
	CHECK_ERR("v4: 19-byte view of a longer packet", 19, 1000, -EBADMSG);
	v6(buf, 0, NH_NONE);
	CHECK_ERR("v6: 39-byte IP header", 39, 39, -EBADMSG);
	CHECK_ERR("v6: 39-byte view of a longer packet", 39, 1000, -EBADMSG);

	v4(buf, 5, 40, NFIPS_PROTO_TCP, 0);
	buf[0] = 0x44;
	CHECK_ERR("v4: IHL 4", 40, 40, -EBADMSG);
	buf[0] = 0x40;
	CHECK_ERR("v4: IHL 0", 40, 40, -EBADMSG);

	v4(buf, 15, 40, NFIPS_PROTO_TCP, 0);
	CHECK_ERR("v4: IHL 15 beyond a 40-byte buffer", 40, 40, -EBADMSG);
	v4(buf, 15, 100, NFIPS_PROTO_TCP, 0);
	CHECK_ERR("v4: IHL 15 beyond a 40-byte view", 40, 100, -EBADMSG);
	v4(buf, 6, 40, NFIPS_PROTO_TCP, 0);
	CHECK_ERR("v4: IHL 6 beyond a 20-byte buffer", 20, 20, -EBADMSG);

	v4(buf, 5, 100, NFIPS_PROTO_TCP, 0);
	CHECK_ERR("v4: total length beyond the packet", 60, 60, -EBADMSG);
	v4(buf, 5, 19, NFIPS_PROTO_TCP, 0);
	CHECK_ERR("v4: total length 19 < IHL", 40, 40, -EBADMSG);
	v4(buf, 6, 23, NFIPS_PROTO_TCP, 0);
	CHECK_ERR("v4: total length 23 < IHL 6", 40, 40, -EBADMSG);
	v4(buf, 5, 0, NFIPS_PROTO_TCP, 0);
	CHECK_ERR("v4: total length 0", 40, 40, -EBADMSG);

	v4(buf, 5, 20, NFIPS_PROTO_TCP, 0);
	CHECK("v4: total length == IHL, TCP header missing", 40, 40, 0,
	      .len = 20, .wire_len = 20, .family = 4, .l4_proto = 6,
	      .flags = L4BAD, .payload_off = 20, .payload_len = 0);
	v4(buf, 5, 20, 99, 0);
	CHECK("v4: total length == IHL, other protocol", 20, 20, 0,
	      .len = 20, .wire_len = 20, .family = 4, .l4_proto = 99,
	      .flags = 0, .payload_off = 20, .payload_len = 0);

	v6(buf, 30, NFIPS_PROTO_TCP);
	CHECK_ERR("v6: payload length beyond the packet", 60, 60, -EBADMSG);
}

static void test_l4_errors(void)
{
	v4(buf, 5, 45, NFIPS_PROTO_TCP, 0);
	tcp(buf + 20, 1, 2, 4, NFIPS_TCP_SYN);
	CHECK("tcp: doff 4", 45, 45, 0,
	      .len = 45, .wire_len = 45, .family = 4, .l4_proto = 6,
	      .flags = L4BAD | PORTS, .payload_off = 45, .payload_len = 0,
	      .sport = 1, .dport = 2);
	tcp(buf + 20, 1, 2, 0, NFIPS_TCP_SYN);
	CHECK("tcp: doff 0", 45, 45, 0,
	      .len = 45, .wire_len = 45, .family = 4, .l4_proto = 6,
	      .flags = L4BAD | PORTS, .payload_off = 45, .payload_len = 0,
	      .sport = 1, .dport = 2);
	tcp(buf + 20, 1, 2, 5, NFIPS_TCP_SYN);
	buf[32] = 15 << 4;
	CHECK("tcp: doff 15 beyond the packet", 45, 45, 0,
	      .len = 45, .wire_len = 45, .family = 4, .l4_proto = 6,
	      .flags = L4BAD | PORTS, .payload_off = 45, .payload_len = 0,
	      .sport = 1, .dport = 2);
	v4(buf, 5, 47, NFIPS_PROTO_TCP, 0);
	tcp(buf + 20, 1, 2, 5, NFIPS_TCP_SYN);
	buf[32] = 7 << 4;
	CHECK("tcp: doff 7 in a 27-byte segment", 47, 47, 0,
	      .len = 47, .wire_len = 47, .family = 4, .l4_proto = 6,
	      .flags = L4BAD | PORTS, .payload_off = 47, .payload_len = 0,
	      .sport = 1, .dport = 2);
	v4(buf, 5, 48, NFIPS_PROTO_TCP, 0);
	CHECK("tcp: doff 7 exactly to the end", 48, 48, 0,
	      .len = 48, .wire_len = 48, .family = 4, .l4_proto = 6,
	      .flags = L4, .l4_off = 20, .payload_off = 48, .payload_len = 0,
	      .tcp_flags = NFIPS_TCP_SYN, .sport = 1, .dport = 2);

	v4(buf, 5, 39, NFIPS_PROTO_TCP, 0);
	tcp(buf + 20, 1, 2, 5, NFIPS_TCP_SYN);
	CHECK("tcp: 19-byte header", 39, 39, 0,
	      .len = 39, .wire_len = 39, .family = 4, .l4_proto = 6,
	      .flags = L4BAD, .payload_off = 39, .payload_len = 0);
	v4(buf, 5, 27, NFIPS_PROTO_UDP, 0);
	udp(buf + 20, 1, 2, 7);
	CHECK("udp: 7-byte header", 27, 27, 0,
	      .len = 27, .wire_len = 27, .family = 4, .l4_proto = 17,
	      .flags = L4BAD, .payload_off = 27, .payload_len = 0);
	v4(buf, 5, 27, NFIPS_PROTO_ICMP, 0);
	CHECK("icmp: 7-byte header", 27, 27, 0,
	      .len = 27, .wire_len = 27, .family = 4, .l4_proto = 1,
	      .flags = L4BAD, .payload_off = 27, .payload_len = 0);
	v4(buf, 5, 31, NFIPS_PROTO_SCTP, 0);
	CHECK("sctp: 11-byte header", 31, 31, 0,
	      .len = 31, .wire_len = 31, .family = 4, .l4_proto = 132,
	      .flags = L4BAD, .payload_off = 31, .payload_len = 0);

	v4(buf, 5, 31, NFIPS_PROTO_UDP, 0);
	udp(buf + 20, 1, 2, 7);
	CHECK("udp: length 7 (< 8)", 31, 31, 0,
	      .len = 31, .wire_len = 31, .family = 4, .l4_proto = 17,
	      .flags = L4BAD | PORTS, .payload_off = 31, .payload_len = 0,
	      .sport = 1, .dport = 2);
	udp(buf + 20, 1, 2, 0);
	CHECK("udp: length 0", 31, 31, 0,
	      .len = 31, .wire_len = 31, .family = 4, .l4_proto = 17,
	      .flags = L4BAD | PORTS, .payload_off = 31, .payload_len = 0,
	      .sport = 1, .dport = 2);
	udp(buf + 20, 1, 2, 12);
	CHECK("udp: length 12 > 11-byte IP payload", 31, 31, 0,
	      .len = 31, .wire_len = 31, .family = 4, .l4_proto = 17,
	      .flags = L4BAD | PORTS, .payload_off = 31, .payload_len = 0,
	      .sport = 1, .dport = 2);
	udp(buf + 20, 1, 2, 0xffff);
	CHECK("udp: length 65535", 31, 31, 0,
	      .len = 31, .wire_len = 31, .family = 4, .l4_proto = 17,
	      .flags = L4BAD | PORTS, .payload_off = 31, .payload_len = 0,
	      .sport = 1, .dport = 2);
	v6(buf, 11, NFIPS_PROTO_UDP);
	udp(buf + 40, 1, 2, 12);
	CHECK("v6 udp: length 12 > 11-byte IP payload", 51, 51, 0,
	      .len = 51, .wire_len = 51, .family = 6, .l4_proto = 17,
	      .flags = L4BAD | PORTS, .payload_off = 51, .payload_len = 0,
	      .sport = 1, .dport = 2);
}

static void test_v4_frag(void)
{
	v4(buf, 5, 44, NFIPS_PROTO_TCP, 0x2000 | 185);
	tcp(buf + 20, 1, 2, 5, NFIPS_TCP_SYN);
	CHECK("v4 non-first fragment (MF, offset 185): no L4, data after IP",
	      44, 44, 0,
	      .len = 44, .wire_len = 44, .family = 4, .l4_proto = 6,
	      .flags = FRAG | LATER, .payload_off = 20, .payload_len = 24);
	v4(buf, 5, 23, NFIPS_PROTO_UDP, 1);
	CHECK("v4 last fragment (offset 1), 3 bytes", 23, 23, 0,
	      .len = 23, .wire_len = 23, .family = 4, .l4_proto = 17,
	      .flags = FRAG | LATER, .payload_off = 20, .payload_len = 3);
	v4(buf, 5, 20, NFIPS_PROTO_TCP, 0x1fff);
	CHECK("v4 last fragment, largest offset, no data", 20, 20, 0,
	      .len = 20, .wire_len = 20, .family = 4, .l4_proto = 6,
	      .flags = FRAG | LATER, .payload_off = 20, .payload_len = 0);

	v4(buf, 5, 45, NFIPS_PROTO_TCP, 0x2000);
	tcp(buf + 20, 1, 2, 5, NFIPS_TCP_SYN);
	fill(buf + 40, 5);
	CHECK("v4 first fragment (MF): FRAG and L4", 45, 45, 0,
	      .len = 45, .wire_len = 45, .family = 4, .l4_proto = 6,
	      .flags = FRAG | L4, .l4_off = 20, .payload_off = 40,
	      .payload_len = 5, .tcp_flags = NFIPS_TCP_SYN, .sport = 1,
	      .dport = 2);
	v4(buf, 5, 45, NFIPS_PROTO_TCP, 0x4000);
	CHECK("v4 DF is not a fragment", 45, 45, 0,
	      .len = 45, .wire_len = 45, .family = 4, .l4_proto = 6,
	      .flags = L4, .l4_off = 20, .payload_off = 40,
	      .payload_len = 5, .tcp_flags = NFIPS_TCP_SYN, .sport = 1,
	      .dport = 2);
	v4(buf, 5, 45, NFIPS_PROTO_TCP, 0x8000);
	CHECK("v4 reserved bit is not a fragment", 45, 45, 0,
	      .len = 45, .wire_len = 45, .family = 4, .l4_proto = 6,
	      .flags = L4, .l4_off = 20, .payload_off = 40,
	      .payload_len = 5, .tcp_flags = NFIPS_TCP_SYN, .sport = 1,
	      .dport = 2);
	v4(buf, 5, 25, NFIPS_PROTO_TCP, 0x2000);
	CHECK("v4 first fragment with a 5-byte TCP header", 25, 25, 0,
	      .len = 25, .wire_len = 25, .family = 4, .l4_proto = 6,
	      .flags = FRAG | L4BAD, .payload_off = 25, .payload_len = 0);
}

static void test_v6_ext(void)
{
	u32 off, i;

	v6(buf, 31, NH_HOP);
	ext(buf + 40, NFIPS_PROTO_TCP, 8);
	tcp(buf + 48, 10, 20, 5, NFIPS_TCP_ACK);
	fill(buf + 68, 3);
	CHECK("v6 hop-by-hop + tcp", 71, 71, 0,
	      .len = 71, .wire_len = 71, .family = 6, .l4_proto = 6,
	      .flags = L4, .l4_off = 48, .payload_off = 68, .payload_len = 3,
	      .tcp_flags = NFIPS_TCP_ACK, .sport = 10, .dport = 20);

	v6(buf, 36, NH_RT);
	ext(buf + 40, NFIPS_PROTO_UDP, 24);
	udp(buf + 64, 30, 40, 12);
	fill(buf + 72, 4);
	CHECK("v6 routing (24 bytes) + udp", 76, 76, 0,
	      .len = 76, .wire_len = 76, .family = 6, .l4_proto = 17,
	      .flags = L4, .l4_off = 64, .payload_off = 72, .payload_len = 4,
	      .sport = 30, .dport = 40);

	v6(buf, 36, NH_DST);
	ext(buf + 40, NFIPS_PROTO_TCP, 16);
	tcp(buf + 56, 50, 60, 5, NFIPS_TCP_URG);
	CHECK("v6 destination options (16 bytes) + tcp", 76, 76, 0,
	      .len = 76, .wire_len = 76, .family = 6, .l4_proto = 6,
	      .flags = L4, .l4_off = 56, .payload_off = 76, .payload_len = 0,
	      .tcp_flags = NFIPS_TCP_URG, .sport = 50, .dport = 60);

	v6(buf, 46, NH_AH);
	ah(buf + 40, NFIPS_PROTO_TCP, 24);
	tcp(buf + 64, 70, 80, 5, NFIPS_TCP_PSH);
	fill(buf + 84, 2);
	CHECK("v6 AH (24 bytes, 4-byte units) + tcp", 86, 86, 0,
	      .len = 86, .wire_len = 86, .family = 6, .l4_proto = 6,
	      .flags = L4, .l4_off = 64, .payload_off = 84, .payload_len = 2,
	      .tcp_flags = NFIPS_TCP_PSH, .sport = 70, .dport = 80);

	v6(buf, 21, NH_FRAG);
	frag6(buf + 40, NFIPS_PROTO_UDP, 0, true);
	udp(buf + 48, 90, 100, 13);
	fill(buf + 56, 5);
	CHECK("v6 first fragment + udp: FRAG and L4", 61, 61, 0,
	      .len = 61, .wire_len = 61, .family = 6, .l4_proto = 17,
	      .flags = FRAG | L4, .l4_off = 48, .payload_off = 56,
	      .payload_len = 5, .sport = 90, .dport = 100);

	v6(buf, 16, NH_FRAG);
	frag6(buf + 40, NFIPS_PROTO_UDP, 0, false);
	udp(buf + 48, 90, 100, 8);
	CHECK("v6 atomic fragment (offset 0, no M): FRAG and L4", 56, 56, 0,
	      .len = 56, .wire_len = 56, .family = 6, .l4_proto = 17,
	      .flags = FRAG | L4, .l4_off = 48, .payload_off = 56,
	      .payload_len = 0, .sport = 90, .dport = 100);

	v6(buf, 24, NH_FRAG);
	frag6(buf + 40, NFIPS_PROTO_TCP, 100, true);
	tcp(buf + 48, 1, 2, 5, NFIPS_TCP_SYN);
	CHECK("v6 non-first fragment: no L4, data after the fragment header",
	      64, 64, 0,
	      .len = 64, .wire_len = 64, .family = 6, .l4_proto = 6,
	      .flags = FRAG | LATER, .payload_off = 48, .payload_len = 16);
	frag6(buf + 40, NFIPS_PROTO_TCP, 1, false);
	CHECK("v6 last fragment (offset 1)", 64, 64, 0,
	      .len = 64, .wire_len = 64, .family = 6, .l4_proto = 6,
	      .flags = FRAG | LATER, .payload_off = 48, .payload_len = 16);

	/* HBH(8) DST(8) RT(16) AH(16) FRAG(8) DST(24) TCP(20) payload(4) */
	v6(buf, 104, NH_HOP);
	ext(buf + 40, NH_DST, 8);
	ext(buf + 48, NH_RT, 8);
	ext(buf + 56, NH_AH, 16);
	ah(buf + 72, NH_FRAG, 16);
	frag6(buf + 88, NH_DST, 0, true);
	ext(buf + 96, NFIPS_PROTO_TCP, 24);
	tcp(buf + 120, 443, 1024, 5, NFIPS_TCP_SYN | NFIPS_TCP_FIN);
	fill(buf + 140, 4);
	CHECK("v6 chain of six extension headers + tcp", 144, 144, 0,
	      .len = 144, .wire_len = 144, .family = 6, .l4_proto = 6,
	      .flags = FRAG | L4, .l4_off = 120, .payload_off = 140,
	      .payload_len = 4, .tcp_flags = 0x03, .sport = 443, .dport = 1024);

	/*
	 * A chain that runs past the end of the packet: no L4 header within
	 * it, the protocol is unknown (l4_proto is the header that runs past
	 * the end), and the IPv6 header still stands - not a parse error.
	 */
	v6(buf, 16, NH_DST);
	ext(buf + 40, NFIPS_PROTO_TCP, 16);
	buf[41] = 10;			/* claims 88 bytes */
	CHECK("v6 destination options longer than the packet: no L4", 56, 56, 0,
	      .len = 56, .wire_len = 56, .family = 6, .l4_proto = NH_DST,
	      .flags = L4BAD, .payload_off = 56, .payload_len = 0);
	v6(buf, 16, NH_AH);
	ah(buf + 40, NFIPS_PROTO_TCP, 16);
	buf[41] = 20;			/* claims 88 bytes */
	CHECK("v6 AH longer than the packet: no L4", 56, 56, 0,
	      .len = 56, .wire_len = 56, .family = 6, .l4_proto = NH_AH,
	      .flags = L4BAD, .payload_off = 56, .payload_len = 0);
	v6(buf, 4, NH_RT);
	CHECK("v6 routing header in a 4-byte payload: no L4", 44, 44, 0,
	      .len = 44, .wire_len = 44, .family = 6, .l4_proto = NH_RT,
	      .flags = L4BAD, .payload_off = 44, .payload_len = 0);
	v6(buf, 12, NH_FRAG);
	frag6(buf + 40, NH_FRAG, 0, true);
	CHECK("v6 second fragment header past the end: no L4", 52, 52, 0,
	      .len = 52, .wire_len = 52, .family = 6, .l4_proto = NH_FRAG,
	      .flags = FRAG | L4BAD, .payload_off = 52, .payload_len = 0);
	v6(buf, 12, NH_DST);
	ext(buf + 40, NH_DST, 8);
	CHECK("v6 second extension header cut by the payload length: no L4",
	      52, 52, 0,
	      .len = 52, .wire_len = 52, .family = 6, .l4_proto = NH_DST,
	      .flags = L4BAD, .payload_off = 52, .payload_len = 0);

	/* No cap on the number of headers: the walk ends with the packet. */
	for (i = 0, off = 40; i < 16; i++, off += 8)
		ext(buf + off, i == 15 ? NFIPS_PROTO_UDP : NH_DST, 8);
	udp(buf + off, 5, 6, 8);
	v6(buf, off + 8 - 40, NH_DST);
	CHECK("v6 16 extension headers + udp", off + 8, off + 8, 0,
	      .len = 176, .wire_len = 176, .family = 6, .l4_proto = 17,
	      .flags = L4, .l4_off = 168, .payload_off = 176, .payload_len = 0,
	      .sport = 5, .dport = 6);
	for (i = 0, off = 40; i < 17; i++, off += 8)
		ext(buf + off, i == 16 ? NFIPS_PROTO_UDP : NH_DST, 8);
	udp(buf + off, 5, 6, 8);
	v6(buf, off + 8 - 40, NH_DST);
	CHECK("v6 17 extension headers + udp: L4 found", off + 8, off + 8, 0,
	      .len = 184, .wire_len = 184, .family = 6, .l4_proto = 17,
	      .flags = L4, .l4_off = 176, .payload_off = 184, .payload_len = 0,
	      .sport = 5, .dport = 6);
	for (i = 0, off = 40; i < 180; i++, off += 8)
		ext(buf + off, i == 179 ? NFIPS_PROTO_TCP : (i % 2 ? NH_RT : NH_DST), 8);
	tcp(buf + off, 7, 8, 5, NFIPS_TCP_SYN);
	fill(buf + off + 20, 12);
	v6(buf, off + 32 - 40, NH_DST);
	CHECK("v6 180 extension headers (1440 bytes) + tcp: a whole MTU",
	      off + 32, off + 32, 0,
	      .len = 1512, .wire_len = 1512, .family = 6, .l4_proto = 6,
	      .flags = L4, .l4_off = 1480, .payload_off = 1500, .payload_len = 12,
	      .tcp_flags = NFIPS_TCP_SYN, .sport = 7, .dport = 8);
	/* Hop-by-hop 2048 (the largest), routing 1024, dst options 8 + UDP */
	v6(buf, 2048 + 1024 + 8 + 8 + 3, NH_HOP);
	ext(buf + 40, NH_RT, 2048);
	ext(buf + 40 + 2048, NH_DST, 1024);
	ext(buf + 40 + 3072, NFIPS_PROTO_UDP, 8);
	udp(buf + 40 + 3080, 9, 4000, 11);
	fill(buf + 40 + 3088, 3);
	CHECK("v6 hop-by-hop 2048 + routing 1024 + dst options 8 + udp",
	      3131, 3131, 0,
	      .len = 3131, .wire_len = 3131, .family = 6, .l4_proto = 17,
	      .flags = L4, .l4_off = 3120, .payload_off = 3128, .payload_len = 3,
	      .sport = 9, .dport = 4000);
	for (i = 0, off = 40; i < 40; i++, off += 8)
		ext(buf + off, NH_HOP, 8);
	v6(buf, off - 40, NH_HOP);
	CHECK("v6 40 hop-by-hop headers and nothing after: no L4", off, off, 0,
	      .len = 360, .wire_len = 360, .family = 6, .l4_proto = NH_HOP,
	      .flags = L4BAD, .payload_off = 360, .payload_len = 0);
}

/* The packet a reader reads from: an exact-size heap copy (ASan). */
static const u8 *rd_pkt;
static u32 rd_len, rd_calls;

static const void *test_read(const void *ctx, u32 off, u32 len, void *b)
{
	(void)ctx;
	rd_calls++;
	if (off > rd_len || len > rd_len - off)
		return NULL;
	memcpy(b, rd_pkt + off, len);
	return b;
}

/*
 * The kernel hook's case: the linear view holds only the first @view bytes
 * (or 40), the rest is read through the reader - the L4 header is found at
 * any depth. Without a reader the same view has no L4 header (TRUNC).
 */
static void check_rd(const char *name, u32 n, u32 view, u8 proto, u16 sport,
		     u16 dport, u32 l4_off)
{
	struct nfips_pkt_reader rd = { .read = test_read };
	struct nfips_pkt p;
	u8 *copy = malloc(n), *lin = malloc(view);
	int ret;

	if (!copy || !lin)
		ksft_exit_fail_msg("out of memory\n");
	memcpy(copy, buf, n);
	memcpy(lin, buf, view);
	rd_pkt = copy;
	rd_len = n;
	rd_calls = 0;
	CASE_BEGIN();
	ret = nfips_pkt_parse_rd(&p, lin, view, n, &rd);
	EXPECT_EQ(ret, 0);
	EXPECT_EQ(p.flags & (L4 | TRUNC), L4 | TRUNC);
	EXPECT_EQ(p.l4_proto, proto);
	EXPECT_EQ(p.l4_off, l4_off);
	EXPECT_EQ(p.sport, sport);
	EXPECT_EQ(p.dport, dport);
	EXPECT(p.data == lin && p.len == view && p.wire_len == n);
	EXPECT(p.payload_off + p.payload_len <= p.len);
	EXPECT(rd_calls > 0);
	ret = nfips_pkt_parse(&p, lin, view, n);
	EXPECT_EQ(ret, 0);
	EXPECT_EQ(p.flags & L4, 0);
	EXPECT_EQ(p.sport, 0);
	CASE_END("reader: %s (view %u of %u)", name, view, n);
	free(copy);
	free(lin);
}

static void test_reader(void)
{
	u32 i, off;

	for (i = 0, off = 40; i < 180; i++, off += 8)
		ext(buf + off, i == 179 ? NFIPS_PROTO_UDP : NH_DST, 8);
	udp(buf + off, 1111, 5001, 8 + 20);
	fill(buf + off + 8, 20);
	v6(buf, off + 28 - 40, NH_DST);
	check_rd("udp behind 180 destination options", off + 28, 192,
		 NFIPS_PROTO_UDP, 1111, 5001, off);
	check_rd("udp behind 180 destination options, IPv6 header only",
		 off + 28, 40, NFIPS_PROTO_UDP, 1111, 5001, off);

	v6(buf, 2048 + 8 + 20, NH_HOP);
	ext(buf + 40, NH_DST, 2048);
	ext(buf + 2088, NFIPS_PROTO_TCP, 8);
	tcp(buf + 2096, 2222, 80, 5, NFIPS_TCP_SYN);
	check_rd("tcp behind hop-by-hop 2048 + dst options 8", 2116, 192,
		 NFIPS_PROTO_TCP, 2222, 80, 2096);

	/* IPv4 with 40 bytes of options and a TCP header with 40 of its own. */
	v4(buf, 15, 60 + 60 + 10, NFIPS_PROTO_TCP, 0);
	tcp(buf + 60, 3333, 443, 15, NFIPS_TCP_ACK);
	fill(buf + 120, 10);
	check_rd("v4 with 40 bytes of options, tcp cut by the view", 130, 70,
		 NFIPS_PROTO_TCP, 3333, 443, 60);
}

/*
 * Selection of parsed packets whose L4 header is not within the packet
 * (nfips_policy_select_ex): a rule that needs ports or the protocol is
 * "blind" to them - the twins drop such a packet (fail closed); a rule
 * naming only addresses matches it as any other packet.
 */
static struct nfips_policy *sel_policy(const char *text)
{
	struct nfips_policy *p;
	struct nfips_conf conf;
	struct nfips_err err;
	u32 line = 0;

	if (nfips_config_parse(text, strlen(text), &conf, &err, &line))
		ksft_exit_fail_msg("config line %u: %s\n", line, err.msg);
	p = nfips_policy_build(&conf, NULL, &err, &line);
	if (!p)
		ksft_exit_fail_msg("build line %u: %s\n", line, err.msg);
	return p;
}

static void check_sel(const char *name, struct nfips_policy *pol, u32 n,
		      int want_line, bool want_blind)
{
	const struct nfips_rule *r;
	struct nfips_pkt p;
	bool blind = !want_blind;
	u8 *copy = malloc(n);

	if (!copy)
		ksft_exit_fail_msg("out of memory\n");
	memcpy(copy, buf, n);
	CASE_BEGIN();
	EXPECT_EQ(nfips_pkt_parse(&p, copy, n, n), 0);
	r = nfips_policy_select_ex(pol, &p, &blind);
	EXPECT_EQ(r ? (int)r->line : 0, want_line);
	EXPECT_EQ(blind, want_blind);
	CASE_END("select: %s -> %s%d", name, want_blind ? "BLIND (drop) at line " :
		 "line ", want_line);
	free(copy);
}

static void test_select_blind(void)
{
	static const char ports[] =
		"op a header sig=null\n"
		"chain c a\n"
		"select proto=tcp dport=22 bypass\n"
		"select proto=udp dport=5000-6000 chain=c\n"
		"select proto=tcp dport=5000-6000 chain=c\n"
		"select proto=udp chain=c\n"
		"select dst=2001:db8:ffff::/48 chain=c\n";
	struct nfips_policy *pol = sel_policy(ports);
	u32 i, off;

	v4(buf, 5, 28, NFIPS_PROTO_UDP, 0);
	udp(buf + 20, 1, 5000, 8);
	check_sel("v4 udp dport 5000", pol, 28, 4, false);
	v4(buf, 5, 27, NFIPS_PROTO_UDP, 0);
	check_sel("v4 udp with a 7-byte header", pol, 27, 4, true);
	v4(buf, 5, 39, NFIPS_PROTO_TCP, 0);
	tcp(buf + 20, 1, 22, 5, NFIPS_TCP_SYN);
	check_sel("v4 tcp with a 19-byte header (bypass rule needs ports)",
		  pol, 39, 3, true);
	v4(buf, 5, 40, NFIPS_PROTO_TCP, 0);
	tcp(buf + 20, 1, 5001, 15, NFIPS_TCP_SYN);
	check_sel("v4 tcp doff 15 lies, ports whole: matched on them", pol, 40,
		  5, false);
	tcp(buf + 20, 1, 7000, 15, NFIPS_TCP_SYN);
	check_sel("v4 tcp doff 15 lies, port 7000: no rule", pol, 40, 0, false);
	v4(buf, 5, 27, NFIPS_PROTO_ICMP, 0);
	check_sel("v4 icmp with a 7-byte header: no ports to need", pol, 27, 0,
		  false);
	v4(buf, 5, 44, NFIPS_PROTO_UDP, 0x2000 | 3);
	check_sel("v4 later udp fragment: no ports, proto rule matches", pol,
		  44, 6, false);

	/* v6 whose chain runs past the end: the protocol is unknown. */
	v6(buf, 16, NH_DST);
	ext(buf + 40, NFIPS_PROTO_UDP, 16);
	buf[41] = 10;
	check_sel("v6 chain past the end (bypass rule needs the protocol)",
		  pol, 56, 3, true);
	/* v6 with the L4 header 1440 bytes deep: found, matched. */
	for (i = 0, off = 40; i < 180; i++, off += 8)
		ext(buf + off, i == 179 ? NFIPS_PROTO_UDP : NH_DST, 8);
	udp(buf + off, 1, 5555, 8);
	v6(buf, off + 8 - 40, NH_DST);
	check_sel("v6 udp dport 5555 behind 180 extension headers", pol,
		  off + 8, 4, false);
	nfips_policy_destroy(pol);

	/* Rules without ports or protocol match such packets as any other. */
	pol = sel_policy("op a header sig=null\nchain c a\n"
			 "select dst=2001:db8:ffff::/48 chain=c\n");
	v6(buf, 16, NH_DST);
	ext(buf + 40, NFIPS_PROTO_UDP, 16);
	buf[41] = 10;
	check_sel("v6 chain past the end, address rule", pol, 56, 3, false);
	nfips_policy_destroy(pol);
}

static void test_jumbo(void)
{
	u32 n = 40 + 8 + 20 + 70000;

	v6(buf, 0, NH_HOP);
	ext(buf + 40, NFIPS_PROTO_TCP, 8);
	buf[42] = 0xc2;			/* Jumbo Payload option */
	buf[43] = 4;
	buf[44] = (u8)((n - 40) >> 24); buf[45] = (u8)((n - 40) >> 16);
	buf[46] = (u8)((n - 40) >> 8); buf[47] = (u8)(n - 40);
	tcp(buf + 48, 1, 2, 5, NFIPS_TCP_ACK);
	fill(buf + 68, 70000);
	CHECK("v6 jumbogram: payload length 0 + hop-by-hop, 70068 bytes",
	      n, n, 0,
	      .len = n, .wire_len = n, .family = 6, .l4_proto = 6,
	      .flags = L4, .l4_off = 48, .payload_off = 68,
	      .payload_len = 70000, .tcp_flags = NFIPS_TCP_ACK, .sport = 1,
	      .dport = 2);
	CHECK("v6 jumbogram, headers-only view of 100 bytes", 100, n, 0,
	      .len = 100, .wire_len = n, .family = 6, .l4_proto = 6,
	      .flags = L4 | TRUNC, .l4_off = 48, .payload_off = 68,
	      .payload_len = 32, .tcp_flags = NFIPS_TCP_ACK, .sport = 1,
	      .dport = 2);

	v6(buf, 0, NFIPS_PROTO_TCP);
	tcp(buf + 40, 1, 2, 5, NFIPS_TCP_ACK);
	CHECK("v6 payload length 0 without hop-by-hop: 40 bytes, no TCP",
	      60, 60, 0,
	      .len = 40, .wire_len = 40, .family = 6, .l4_proto = 6,
	      .flags = L4BAD, .payload_off = 40, .payload_len = 0);
	v6(buf, 0, NH_HOP);
	CHECK("v6 jumbogram of 40 bytes: no room for hop-by-hop, no L4", 40, 40,
	      0, .len = 40, .wire_len = 40, .family = 6, .l4_proto = NH_HOP,
	      .flags = L4BAD, .payload_off = 40, .payload_len = 0);
}

static void test_headers_only(void)
{
	v4(buf, 5, 1000, NFIPS_PROTO_TCP, 0);
	tcp(buf + 20, 1234, 80, 5, NFIPS_TCP_SYN);
	fill(buf + 40, 960);
	CHECK("view 60 of 1000: L4 and a 20-byte payload, TRUNC", 60, 1000, 0,
	      .len = 60, .wire_len = 1000, .family = 4, .l4_proto = 6,
	      .flags = L4 | TRUNC, .l4_off = 20, .payload_off = 40,
	      .payload_len = 20, .tcp_flags = NFIPS_TCP_SYN, .sport = 1234,
	      .dport = 80);
	CHECK("view 40 of 1000: TCP header exactly, empty payload", 40, 1000, 0,
	      .len = 40, .wire_len = 1000, .family = 4, .l4_proto = 6,
	      .flags = L4 | TRUNC, .l4_off = 20, .payload_off = 40,
	      .payload_len = 0, .tcp_flags = NFIPS_TCP_SYN, .sport = 1234,
	      .dport = 80);
	CHECK("view 30 of 1000: TCP header cut in the middle", 30, 1000, 0,
	      .len = 30, .wire_len = 1000, .family = 4, .l4_proto = 6,
	      .flags = TRUNC, .payload_off = 30, .payload_len = 0);
	CHECK("view 33 of 1000: flags byte (13) just outside", 33, 1000, 0,
	      .len = 33, .wire_len = 1000, .family = 4, .l4_proto = 6,
	      .flags = TRUNC, .payload_off = 33, .payload_len = 0);
	CHECK("view 20 of 1000: IP header only", 20, 1000, 0,
	      .len = 20, .wire_len = 1000, .family = 4, .l4_proto = 6,
	      .flags = TRUNC, .payload_off = 20, .payload_len = 0);
	CHECK_ERR("view 19 of 1000", 19, 1000, -EBADMSG);
	CHECK_ERR("view 0 of 1000", 0, 1000, -EBADMSG);
	CHECK_ERR("view 60 of a 999-byte packet claiming 1000", 60, 999,
		  -EBADMSG);

	tcp(buf + 20, 1234, 80, 10, NFIPS_TCP_SYN);
	CHECK("view 50 of 1000: TCP options cut", 50, 1000, 0,
	      .len = 50, .wire_len = 1000, .family = 4, .l4_proto = 6,
	      .flags = TRUNC, .payload_off = 50, .payload_len = 0);
	v4(buf, 5, 45, NFIPS_PROTO_TCP, 0);
	tcp(buf + 20, 1, 2, 15, NFIPS_TCP_SYN);
	CHECK("view 40 of 45: doff 15 lies beyond the real packet", 40, 45, 0,
	      .len = 40, .wire_len = 45, .family = 4, .l4_proto = 6,
	      .flags = L4BAD | PORTS | TRUNC, .payload_off = 40, .payload_len = 0,
	      .sport = 1, .dport = 2);

	v4(buf, 5, 1000, NFIPS_PROTO_UDP, 0);
	udp(buf + 20, 1, 2, 980);
	CHECK("udp view 32 of 1000", 32, 1000, 0,
	      .len = 32, .wire_len = 1000, .family = 4, .l4_proto = 17,
	      .flags = L4 | TRUNC, .l4_off = 20, .payload_off = 28,
	      .payload_len = 4, .sport = 1, .dport = 2);
	CHECK("udp view 24 of 1000: UDP header cut", 24, 1000, 0,
	      .len = 24, .wire_len = 1000, .family = 4, .l4_proto = 17,
	      .flags = TRUNC, .payload_off = 24, .payload_len = 0);
	udp(buf + 20, 1, 2, 1200);
	CHECK("udp view 32 of 1000: UDP length lies", 32, 1000, 0,
	      .len = 32, .wire_len = 1000, .family = 4, .l4_proto = 17,
	      .flags = L4BAD | PORTS | TRUNC, .payload_off = 32, .payload_len = 0,
	      .sport = 1, .dport = 2);

	v4(buf, 5, 1000, NFIPS_PROTO_TCP, 100);
	CHECK("non-first fragment view 100 of 1000", 100, 1000, 0,
	      .len = 100, .wire_len = 1000, .family = 4, .l4_proto = 6,
	      .flags = FRAG | LATER | TRUNC, .payload_off = 20,
	      .payload_len = 80);

	v6(buf, 960, NH_HOP);
	ext(buf + 40, NFIPS_PROTO_TCP, 8);
	tcp(buf + 48, 7, 8, 5, NFIPS_TCP_ACK);
	CHECK("v6 view 44 of 1000: hop-by-hop header cut", 44, 1000, 0,
	      .len = 44, .wire_len = 1000, .family = 6, .l4_proto = NH_HOP,
	      .flags = TRUNC, .payload_off = 44, .payload_len = 0);
	CHECK("v6 view 58 of 1000: TCP header cut", 58, 1000, 0,
	      .len = 58, .wire_len = 1000, .family = 6, .l4_proto = 6,
	      .flags = TRUNC, .payload_off = 58, .payload_len = 0);
	CHECK("v6 view 70 of 1000: hop-by-hop + TCP + 2 bytes", 70, 1000, 0,
	      .len = 70, .wire_len = 1000, .family = 6, .l4_proto = 6,
	      .flags = L4 | TRUNC, .l4_off = 48, .payload_off = 68,
	      .payload_len = 2, .tcp_flags = NFIPS_TCP_ACK, .sport = 7,
	      .dport = 8);
	v6(buf, 960, NH_FRAG);
	frag6(buf + 40, NFIPS_PROTO_UDP, 9, true);
	CHECK("v6 non-first fragment view 50 of 1000", 50, 1000, 0,
	      .len = 50, .wire_len = 1000, .family = 6, .l4_proto = 17,
	      .flags = FRAG | LATER | TRUNC, .payload_off = 48,
	      .payload_len = 2);
}

static void test_version(void)
{
	static const u8 versions[] = { 0, 1, 5, 7, 15 };
	char name[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		v4(buf, 5, 40, NFIPS_PROTO_TCP, 0);
		buf[0] = (u8)(versions[i] << 4 | 5);
		snprintf(name, sizeof(name), "version %u", versions[i]);
		CHECK_ERR(name, 40, 40, -EPROTONOSUPPORT);
	}
	buf[0] = 0x55;
	CHECK_ERR("version 5, 1-byte view", 1, 1, -EPROTONOSUPPORT);
	buf[0] = 0x45;
	CHECK_ERR("version 4, 1-byte view", 1, 1, -EBADMSG);
	buf[0] = 0x60;
	CHECK_ERR("version 6, 1-byte view", 1, 1, -EBADMSG);
	CHECK_ERR("len 0", 0, 0, -EBADMSG);
	/* An IPv4 header version nibble with an IPv6 packet behind it. */
	v6(buf, 0, NH_NONE);
	buf[0] = 0x45;
	CHECK_ERR("IPv6 bytes with version 4", 40, 40, -EBADMSG);
}

/* A valid packet of random shape; returns its length. */
static u32 random_valid(struct unit_rng *r, u8 *b)
{
	static const u8 protos[] = {
		NFIPS_PROTO_TCP, NFIPS_PROTO_UDP, NFIPS_PROTO_ICMP,
		NFIPS_PROTO_SCTP, NFIPS_PROTO_UDPLITE, 47, NFIPS_PROTO_ICMPV6,
	};
	static const u8 exts[] = { NH_HOP, NH_RT, NH_DST, NH_AH, NH_FRAG };
	u8 proto = protos[unit_rng_below(r, ARRAY_SIZE(protos))];
	u32 l3, off, l4, pay = unit_rng_below(r, 4) ? unit_rng_below(r, 40) :
			       unit_rng_below(r, 600);
	u32 n_ext = 0, i, bytes;
	u8 *nhp;
	bool six = unit_rng_below(r, 2);

	if (six) {
		n_ext = unit_rng_below(r, 8) ? unit_rng_below(r, 4) :
			14 + unit_rng_below(r, 5);
		v6(b, 0, 0);
		nhp = b + 6;
		off = 40;
		for (i = 0; i < n_ext; i++) {
			u8 t = exts[unit_rng_below(r, ARRAY_SIZE(exts))];

			*nhp = t;
			if (t == NH_FRAG) {
				frag6(b + off, 0, unit_rng_below(r, 4) ? 0 :
				      unit_rng_below(r, 8192), unit_rng_below(r, 2));
				bytes = 8;
			} else if (t == NH_AH) {
				bytes = 12 + 4 * unit_rng_below(r, 4);
				ah(b + off, 0, bytes);
			} else {
				bytes = 8 * (1 + unit_rng_below(r, 3));
				ext(b + off, 0, bytes);
			}
			nhp = b + off;
			off += bytes;
		}
		*nhp = proto;
		l3 = off;
	} else {
		l3 = 4 * (5 + (unit_rng_below(r, 4) ? 0 : unit_rng_below(r, 11)));
		v4(b, l3 / 4, 0, proto, unit_rng_below(r, 4) ? 0 :
		   (u16)unit_rng_next(r));
	}
	switch (proto) {
	case NFIPS_PROTO_TCP:
		l4 = 4 * (5 + unit_rng_below(r, 3));
		tcp(b + l3, (u16)unit_rng_next(r), (u16)unit_rng_next(r),
		    l4 / 4, (u8)unit_rng_next(r));
		break;
	case NFIPS_PROTO_UDP:
	case NFIPS_PROTO_UDPLITE:
		l4 = 8;
		udp(b + l3, (u16)unit_rng_next(r), (u16)unit_rng_next(r),
		    8 + pay);
		break;
	case NFIPS_PROTO_SCTP:
		l4 = 12;
		memset(b + l3, 0x5c, 12);
		break;
	case 47:
		l4 = 0;
		break;
	default:
		l4 = 8;
		memset(b + l3, 0x08, 8);
		break;
	}
	for (i = 0; i < pay; i++)
		b[l3 + l4 + i] = (u8)unit_rng_next(r);
	if (six)
		put16(b + 4, l3 + l4 + pay - 40);
	else
		put16(b + 2, l3 + l4 + pay);
	return l3 + l4 + pay;
}

/*
 * Random buffers and mutated valid packets of random lengths, parsed from
 * exact-size heap copies: ASan catches any read outside the view, and every
 * successful view must keep the invariants.
 */
static void test_random(void)
{
	static u8 scratch[2048];
	const u32 iters = 200000;
	u64 seed = unit_seed(20240607);
	u32 i, n, len, wire, ok = 0, l4 = 0, fails = 0, k;
	struct unit_rng r;
	struct nfips_pkt p;
	const char *why;
	u8 *copy;
	int ret;

	ksft_print_msg("seed %llu (set NFIPS_UNIT_SEED to repeat)\n",
		       (unsigned long long)seed);
	unit_rng_seed(&r, seed);
	for (i = 0; i < iters; i++) {
		if (unit_rng_below(&r, 3) == 0) {
			n = unit_rng_below(&r, 128);
			for (k = 0; k < n; k++)
				scratch[k] = (u8)unit_rng_next(&r);
			if (n && unit_rng_below(&r, 2))
				scratch[0] = (u8)((unit_rng_below(&r, 2) ? 0x40 : 0x60) |
						  (scratch[0] & 0x0f));
		} else {
			n = random_valid(&r, scratch);
			for (k = unit_rng_below(&r, 4); k > 0; k--)
				scratch[unit_rng_below(&r, n < 100 ? n : 100)] ^=
					(u8)(1 + unit_rng_below(&r, 255));
		}
		/* View: whole, a prefix or more than the packet; wire_len >= view mostly. */
		switch (unit_rng_below(&r, 4)) {
		case 0:
			len = n ? unit_rng_below(&r, n + 1) : 0;
			wire = n;
			break;
		case 1:
			len = n;
			wire = n + unit_rng_below(&r, 3000);
			break;
		case 2:
			len = n;
			wire = n ? unit_rng_below(&r, n + 1) : 0;
			break;
		default:
			len = n;
			wire = n;
			break;
		}
		copy = malloc(len);
		if (len)
			memcpy(copy, scratch, len);
		ret = nfips_pkt_parse(&p, copy, len, wire);
		why = invariants(&p, ret, copy, len, wire);
		if (why && fails++ < 5)
			ksft_print_msg("iteration %u (len %u wire %u ret %d): %s\n",
				       i, len, wire, ret, why);
		ok += !ret;
		l4 += !ret && (p.flags & L4);
		free(copy);
	}
	ksft_print_msg("%u parsed, %u with L4, %u invariant failures\n", ok, l4,
		       fails);
	ksft_test_result(!fails && ok > iters / 10 && l4 > iters / 20,
			 "random: %u buffers, exact-size copies, invariants hold\n",
			 iters);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(119);
	test_v4_happy();
	test_v6_happy();
	test_l3_errors();
	test_l4_errors();
	test_v4_frag();
	test_v6_ext();
	test_jumbo();
	test_headers_only();
	test_reader();
	test_select_blind();
	test_version();
	test_random();
	ksft_finished();
}
