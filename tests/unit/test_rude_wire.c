// SPDX-License-Identifier: GPL-2.0
/*
 * RUDE wire formats: the exact bytes of each layout, round trips, the layout
 * detection (including the look-alikes it must not be fooled by), truncated
 * packets, and CRUDE's per-packet line and the binary log records. Decoding
 * always reads from a buffer of exactly the packet's length, so ASan catches
 * any read past the end.
 */
#include <arpa/inet.h>
#include "unit_check.h"
#include "rude.h"

static struct nfips_rude_hdr hdr4(u32 seq, u32 dst)
{
	struct nfips_rude_hdr h = {
		.seq = seq, .tx_sec = 1795337831, .tx_usec = 826105,
		.flow_id = 10, .dst_family = AF_INET, .dst_port = 10001,
	};

	h.dst_addr[0] = (u8)(dst >> 24);
	h.dst_addr[1] = (u8)(dst >> 16);
	h.dst_addr[2] = (u8)(dst >> 8);
	h.dst_addr[3] = (u8)dst;
	return h;
}

/* Decode @len bytes of @src from an exactly sized heap copy. */
static int decode_exact(const u8 *src, u32 len, struct nfips_rude_hdr *h)
{
	u8 *p = malloc(len ? len : 1);
	int ret;

	memcpy(p, src, len);
	ret = nfips_rude_decode(p, len, h);
	free(p);
	return ret;
}

static void test_bytes(void)
{
	static const u8 want070[20] = {
		0, 0, 0, 7, 0x6b, 0x02, 0xae, 0x67, 0, 0x0c, 0x9a, 0xf9,
		0, 0, 0, 10, 10, 99, 0, 2,
	};
	static const u8 want08[28] = {
		0, 0, 0, 7, 0x6b, 0x02, 0xae, 0x67, 0, 0x0c, 0x9a, 0xf9,
		0, 0, 0, 10, 2, 0, 0x27, 0x11, 10, 99, 0, 2, 0, 0, 0, 0,
	};
	struct nfips_rude_hdr h = hdr4(7, 0x0a630002);
	u8 buf[200], want64[40] = { 0 };
	u32 i;

	CASE_BEGIN();
	memset(buf, 0xee, sizeof(buf));
	EXPECT_EQ(nfips_rude_encode(NFIPS_RUDE_W070, &h, buf, 200), 0);
	EXPECT(!memcmp(buf, want070, 20));
	for (i = 20; i < 200; i++)
		EXPECT_EQ(buf[i], 0);
	/* 64-bit 0.70: the same values in the first half of 8-byte slots. */
	for (i = 0; i < 5; i++)
		memcpy(want64 + 8 * i, want070 + 4 * i, 4);
	memset(buf, 0xee, sizeof(buf));
	EXPECT_EQ(nfips_rude_encode(NFIPS_RUDE_W070_64, &h, buf, 200), 0);
	EXPECT(!memcmp(buf, want64, 40));
	for (i = 40; i < 200; i++)
		EXPECT_EQ(buf[i], 0);
	/* 0.8.x: sockaddr_in at @16, "02 00", port and address big-endian. */
	memset(buf, 0xee, sizeof(buf));
	EXPECT_EQ(nfips_rude_encode(NFIPS_RUDE_W08, &h, buf, 200), 0);
	EXPECT(!memcmp(buf, want08, sizeof(want08)));
	for (i = sizeof(want08); i < 200; i++)
		EXPECT_EQ(buf[i], 0);
	/* Shorter than the minimum of its layout: refused. */
	EXPECT_EQ(nfips_rude_encode(NFIPS_RUDE_W070, &h, buf, 19), -EINVAL);
	EXPECT_EQ(nfips_rude_encode(NFIPS_RUDE_W070_64, &h, buf, 39), -EINVAL);
	EXPECT_EQ(nfips_rude_encode(NFIPS_RUDE_W08, &h, buf, 23), -EINVAL);
	EXPECT_EQ(nfips_rude_encode(NFIPS_RUDE_WIRE_COUNT, &h, buf, 200), -EINVAL);
	CASE_END("encoders write RUDE's exact bytes in every layout");
}

static void test_names(void)
{
	enum nfips_rude_wire w;

	CASE_BEGIN();
	EXPECT(!nfips_rude_wire_parse("070", &w) && w == NFIPS_RUDE_W070);
	EXPECT(!nfips_rude_wire_parse("070-64", &w) && w == NFIPS_RUDE_W070_64);
	EXPECT(!nfips_rude_wire_parse("08", &w) && w == NFIPS_RUDE_W08);
	EXPECT_EQ(nfips_rude_wire_parse("0.8", &w), -EINVAL);
	EXPECT(!strcmp(nfips_rude_wire_name(NFIPS_RUDE_W070_64), "070-64"));
	EXPECT(!nfips_rude_wire_name(NFIPS_RUDE_WIRE_COUNT));
	EXPECT_EQ(nfips_rude_wire_min(NFIPS_RUDE_W070), 20);
	EXPECT_EQ(nfips_rude_wire_min(NFIPS_RUDE_W070_64), 40);
	EXPECT_EQ(nfips_rude_wire_min(NFIPS_RUDE_W08), 24);
	CASE_END("layout names and minimum payloads");
}

static bool same(const struct nfips_rude_hdr *a, const struct nfips_rude_hdr *b,
		 enum nfips_rude_wire w)
{
	u32 alen = a->dst_family == AF_INET6 ? 16 : 4;

	if (a->seq != b->seq || a->tx_sec != b->tx_sec ||
	    a->tx_usec != b->tx_usec || a->flow_id != b->flow_id)
		return false;
	if (w != NFIPS_RUDE_W08)	/* 0.70 carries an IPv4 address only */
		return b->dst_family == (a->dst_family == AF_INET ? AF_INET : 0) &&
		       (b->dst_family == 0 || !memcmp(a->dst_addr, b->dst_addr, 4));
	return a->dst_family == b->dst_family && a->dst_port == b->dst_port &&
	       !memcmp(a->dst_addr, b->dst_addr, alen);
}

/* Random headers and sizes: every layout decodes back to itself. */
static void test_round_trip(void)
{
	struct nfips_rude_hdr h, d;
	struct unit_rng rng;
	u64 seed = unit_seed(0x7275646531ull);
	u8 buf[NFIPS_RUDE_MAX_PAYLOAD];
	u32 i, w, len, bad = 0;
	int ret;

	CASE_BEGIN();
	unit_rng_seed(&rng, seed);
	for (i = 0; i < 30000; i++) {
		w = i % NFIPS_RUDE_WIRE_COUNT;
		memset(&h, 0, sizeof(h));
		h.seq = (u32)unit_rng_next(&rng);
		h.tx_sec = 1 + unit_rng_below(&rng, 0xfffffffe);
		h.tx_usec = unit_rng_below(&rng, 1000000);
		h.flow_id = (u32)unit_rng_next(&rng);
		/* Edge values now and then. */
		if (i % 7 == 0)
			h.seq = i % 2 ? 0 : 0xffffffff;
		if (i % 11 == 0)
			h.tx_usec = i % 2 ? 0 : 999999;
		h.dst_port = (u16)(1 + unit_rng_below(&rng, 65535));
		if (w == NFIPS_RUDE_W08 && i % 5 == 0) {
			h.dst_family = AF_INET6;
			for (len = 0; len < 16; len++)
				h.dst_addr[len] = (u8)unit_rng_next(&rng);
			h.dst_addr[0] = 0x20;	/* never :: */
		} else {
			h.dst_family = AF_INET;
			do	/* a first byte of 0 is no destination */
				len = (u32)unit_rng_next(&rng);
			while (!(len >> 24));
			h.dst_addr[0] = (u8)(len >> 24);
			h.dst_addr[1] = (u8)(len >> 16);
			h.dst_addr[2] = (u8)(len >> 8);
			h.dst_addr[3] = (u8)len;
		}
		/* An IPv6 0.8.x header is only recognisable from 40 bytes. */
		len = nfips_rude_wire_min(w) +
		      unit_rng_below(&rng, i % 3 ? 200 : NFIPS_RUDE_MAX_PAYLOAD - 40);
		if (h.dst_family == AF_INET6 && len < 40)
			len = 40;
		nfips_rude_encode(w, &h, buf, len);
		ret = decode_exact(buf, len, &d);
		if (ret != (int)w || !same(&h, &d, w)) {
			if (bad++ < 5)
				ksft_print_msg("seed %#llx case %u: layout %u len %u decoded as %d\n",
					       (unsigned long long)seed, i, w, len, ret);
			unit_case_ok = false;
		}
	}
	CASE_END("round trip in every layout, 30000 random headers (seed %#llx)",
		 (unsigned long long)seed);
}

static void test_detect(void)
{
	struct nfips_rude_hdr h = hdr4(1, 0x0a000001), d;	/* to 10.0.0.1 */
	u8 buf[300];
	u32 len;

	CASE_BEGIN();
	/* 0.70 to 10.0.x.x has "0a 00" at @16 like an IPv6 sockaddr. */
	nfips_rude_encode(NFIPS_RUDE_W070, &h, buf, 200);
	EXPECT_EQ(decode_exact(buf, 200, &d), NFIPS_RUDE_W070);
	EXPECT_EQ(d.dst_family, AF_INET);
	EXPECT_EQ(nfips_get_be32(d.dst_addr), 0x0a000001);
	EXPECT_EQ(d.dst_port, 0);
	/* ... and to 2.0.x.x "02 00", like an IPv4 one. */
	h = hdr4(1, 0x02000305);
	nfips_rude_encode(NFIPS_RUDE_W070, &h, buf, 144);
	EXPECT_EQ(decode_exact(buf, 144, &d), NFIPS_RUDE_W070);
	EXPECT_EQ(nfips_get_be32(d.dst_addr), 0x02000305);
	/* Exactly 20 and 40 bytes. */
	EXPECT_EQ(decode_exact(buf, 20, &d), NFIPS_RUDE_W070);
	h = hdr4(3, 0x0a000001);
	nfips_rude_encode(NFIPS_RUDE_W070_64, &h, buf, 40);
	EXPECT_EQ(decode_exact(buf, 40, &d), NFIPS_RUDE_W070_64);
	EXPECT_EQ(d.seq, 3);
	/* 0.8.x at its minimum, 24 bytes: the sockaddr is cut after the address. */
	nfips_rude_encode(NFIPS_RUDE_W08, &h, buf, 24);
	EXPECT_EQ(decode_exact(buf, 24, &d), NFIPS_RUDE_W08);
	EXPECT_EQ(d.dst_port, 10001);
	/* A big-endian 0.8.x sender writes the family "00 02". */
	nfips_rude_encode(NFIPS_RUDE_W08, &h, buf, 144);
	buf[16] = 0;
	buf[17] = AF_INET;
	EXPECT_EQ(decode_exact(buf, 144, &d), NFIPS_RUDE_W08);
	/* 0.8.x with the nanosecond tx field of the later branch. */
	h.tx_usec = 999999999;
	nfips_rude_encode(NFIPS_RUDE_W08, &h, buf, 100);
	EXPECT_EQ(decode_exact(buf, 100, &d), NFIPS_RUDE_W08);
	EXPECT_EQ(d.tx_usec, 999999999);
	/* 0.8.x IPv6 below 40 bytes cannot be told apart: read as 0.70. */
	h = hdr4(1, 0);
	h.dst_family = AF_INET6;
	h.dst_addr[0] = 0x20;
	h.dst_addr[15] = 1;
	nfips_rude_encode(NFIPS_RUDE_W08, &h, buf, 39);
	EXPECT_EQ(decode_exact(buf, 39, &d), NFIPS_RUDE_W070);
	nfips_rude_encode(NFIPS_RUDE_W08, &h, buf, 40);
	EXPECT_EQ(decode_exact(buf, 40, &d), NFIPS_RUDE_W08);
	EXPECT_EQ(d.dst_family, AF_INET6);
	/* 0.70 to an IPv6 flow: no address in the header. */
	nfips_rude_encode(NFIPS_RUDE_W070_64, &h, buf, 64);
	EXPECT_EQ(decode_exact(buf, 64, &d), NFIPS_RUDE_W070_64);
	EXPECT_EQ(d.dst_family, 0);
	/* Nonsense 0.8.x sockaddr (address 0.0.0.0, or sin_zero set): 0.70. */
	h = hdr4(1, 0x0a000001);
	nfips_rude_encode(NFIPS_RUDE_W08, &h, buf, 144);
	memset(buf + 20, 0, 4);
	EXPECT_EQ(decode_exact(buf, 144, &d), NFIPS_RUDE_W070);
	nfips_rude_encode(NFIPS_RUDE_W08, &h, buf, 144);
	buf[30] = 1;
	EXPECT_EQ(decode_exact(buf, 144, &d), NFIPS_RUDE_W070);
	/* Every length below 20 is rejected, whatever the bytes. */
	memset(buf, 0, sizeof(buf));
	for (len = 0; len < 20; len++)
		EXPECT_EQ(decode_exact(buf, len, &d), -EBADMSG);
	CASE_END("layout detection: look-alikes, minimum sizes, byte orders");
}

static void test_truncated(void)
{
	struct nfips_rude_hdr h = hdr4(5, 0x0a630002), d;
	u8 buf[64], junk[64];
	u32 len;
	int ret;

	CASE_BEGIN();
	/*
	 * A 64-bit 0.70 packet cut below 40 bytes: read as 20-byte 0.70, its
	 * tx_usec would be the real tx_sec, which is never below 10^6.
	 */
	nfips_rude_encode(NFIPS_RUDE_W070_64, &h, buf, 64);
	for (len = 0; len < 40; len++) {
		ret = decode_exact(buf, len, &d);
		if (ret != -EBADMSG) {
			ksft_print_msg("070-64 cut to %u bytes decoded as %d\n", len, ret);
			unit_case_ok = false;
		}
	}
	/* tx_usec out of range in the 0.70 layouts. */
	h.tx_usec = 1000000;
	nfips_rude_encode(NFIPS_RUDE_W070, &h, buf, 20);
	EXPECT_EQ(decode_exact(buf, 20, &d), -EBADMSG);
	nfips_rude_encode(NFIPS_RUDE_W070_64, &h, buf, 40);
	EXPECT_EQ(decode_exact(buf, 40, &d), -EBADMSG);
	/* Random junk of every length: never a read past the end (ASan). */
	for (len = 0; len < sizeof(junk); len++)
		junk[len] = (u8)(len * 37 + 11);
	for (len = 0; len <= sizeof(junk); len++)
		decode_exact(junk, len, &d);
	CASE_END("truncated packets are rejected, junk is read within bounds");
}

static void test_line(void)
{
	struct nfips_crude_rec r = { .h = hdr4(0, 0x0a630002) }, back;
	u8 rec[NFIPS_CRUDE_REC_SIZE], hdr[NFIPS_CRUDE_LOG_HDR];
	char line[256];

	CASE_BEGIN();
	r.src_family = AF_INET;
	r.src_port = 3001;
	memcpy(r.src_addr, "\x0a\x63\x00\x01", 4);
	r.local_port = 10001;
	r.rx_ns = 1795337831826510123ull;
	r.size = 200;
	r.wire = NFIPS_RUDE_W070_64;
	nfips_crude_rec_format(&r, line, sizeof(line));
	EXPECT_HAS(line, "ID=10 SEQ=0 SRC=10.99.0.1:3001 DST=10.99.0.2:10001 "
		   "Tx=1795337831.826105 Rx=1795337831.826510 SIZE=200\n");
	EXPECT_EQ(strlen(line), 102);
	/* 0.8.x: the DST port is the packet's own. */
	r.wire = NFIPS_RUDE_W08;
	r.h.dst_port = 5000;
	r.h.tx_usec = 7;
	nfips_crude_rec_format(&r, line, sizeof(line));
	EXPECT_HAS(line, "DST=10.99.0.2:5000 Tx=1795337831.000007 ");
	/* IPv6 ends in brackets, as in scripts. */
	r.src_family = AF_INET6;
	memset(r.src_addr, 0, 16);
	r.src_addr[0] = 0x20;
	r.src_addr[1] = 0x01;
	r.src_addr[15] = 1;
	nfips_crude_rec_format(&r, line, sizeof(line));
	EXPECT_HAS(line, "SRC=[2001::1]:3001 ");
	/* Truncation is reported by the length, never overflows. */
	EXPECT_EQ(nfips_crude_rec_format(&r, line, 10), 9);
	EXPECT_EQ(strlen(line), 9);
	/* Binary log: header and a record round trip. */
	nfips_crude_log_header(hdr);
	EXPECT_EQ(nfips_crude_log_check(hdr), 0);
	hdr[8] = 2;
	EXPECT_EQ(nfips_crude_log_check(hdr), -EINVAL);
	nfips_crude_rec_pack(&r, rec);
	EXPECT_EQ(nfips_crude_rec_unpack(rec, &back), 0);
	EXPECT(!memcmp(&r.h, &back.h, sizeof(r.h)));
	EXPECT(r.rx_ns == back.rx_ns && r.size == back.size &&
	       r.src_port == back.src_port && r.src_family == back.src_family &&
	       r.local_port == back.local_port && r.wire == back.wire &&
	       !memcmp(r.src_addr, back.src_addr, 16));
	rec[70] = NFIPS_RUDE_WIRE_COUNT;
	EXPECT_EQ(nfips_crude_rec_unpack(rec, &back), -EINVAL);
	CASE_END("CRUDE per-packet line and binary log records");
}

static void test_dst(void)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	CASE_BEGIN();
	EXPECT_EQ(nfips_rude_parse_dst("10.1.1.1:10001", 14, &ss, &sl), 0);
	EXPECT_EQ(sl, sizeof(struct sockaddr_in));
	EXPECT_EQ(nfips_rude_parse_dst("[::1]:1", 7, &ss, &sl), 0);
	EXPECT_EQ(sl, sizeof(struct sockaddr_in6));
	/* Only the given length is read. */
	EXPECT_EQ(nfips_rude_parse_dst("10.1.1.1:10001xyz", 14, &ss, &sl), 0);
	EXPECT_EQ(nfips_rude_parse_dst("[::1]:", 6, &ss, &sl), -EINVAL);
	EXPECT_EQ(nfips_rude_parse_dst("[::1]", 5, &ss, &sl), -EINVAL);
	EXPECT_EQ(nfips_rude_parse_dst("::1:5", 5, &ss, &sl), -EINVAL);
	EXPECT_EQ(nfips_rude_parse_dst(":5", 2, &ss, &sl), -EINVAL);
	EXPECT_EQ(nfips_rude_parse_dst("", 0, &ss, &sl), -EINVAL);
	CASE_END("destinations: a.b.c.d:port and [v6]:port");
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(7);
	test_bytes();
	test_names();
	test_round_trip();
	test_detect();
	test_truncated();
	test_line();
	test_dst();
	ksft_finished();
}
