// SPDX-License-Identifier: GPL-2.0
/*
 * header op-module: every combination of the TCP flags against each named
 * signature, with the expected result computed here from the signature's
 * definition; actions, count, packets that must never match, bad arguments.
 */
#include "unit_check.h"

#define FIN	NFIPS_TCP_FIN
#define SYN	NFIPS_TCP_SYN
#define RST	NFIPS_TCP_RST
#define PSH	NFIPS_TCP_PSH
#define ACK	NFIPS_TCP_ACK
#define URG	NFIPS_TCP_URG
#define ECE	0x40
#define CWR	0x80

#define DROP	(NFIPS_DROP | NFIPS_ALERT)

/* The six flags in the order the test enumerates them. */
static const u8 six[] = { SYN, ACK, FIN, RST, URG, PSH };

/* Definitions, from DESIGN.md and nmap, written without the op's tables. */
static bool def_null(u8 f)
{
	return !(f & SYN) && !(f & ACK) && !(f & FIN) && !(f & RST) &&
	       !(f & URG) && !(f & PSH);
}

static bool def_xmas(u8 f)
{
	return (f & FIN) && (f & PSH) && (f & URG) &&
	       !(f & SYN) && !(f & ACK) && !(f & RST);
}

static bool def_synfin(u8 f)
{
	return (f & SYN) && (f & FIN);
}

static const struct {
	const char *name;
	bool (*def)(u8 f);
} sigs[] = {
	{ "null", def_null }, { "xmas", def_xmas }, { "synfin", def_synfin },
};

/* Run @op on a packet built by unit_build_pkt, from an exact-size copy. */
static int run_l4(struct nfips_op *op, int family, const struct unit_l4 *l4)
{
	static u8 tmp[256];
	struct nfips_pkt pkt;
	u32 len = unit_build_pkt(tmp, family, l4);
	u8 *copy = malloc(len);
	int r;

	if (!copy) {
		ksft_exit_fail_msg("out of memory\n");
		return -1;
	}
	memcpy(copy, tmp, len);
	unit_view(&pkt, copy, len);
	r = unit_process(op, &pkt);
	free(copy);
	return r;
}

static int run_tcp(struct nfips_op *op, int family, u8 flags)
{
	struct unit_l4 l4 = {
		.proto = NFIPS_PROTO_TCP, .sport = 40000, .dport = 80,
		.tcp_flags = flags, .payload = "data", .payload_len = 4,
	};

	return run_l4(op, family, &l4);
}

static struct nfips_op *must_op(const char *args)
{
	struct nfips_err err;
	struct nfips_op *op = unit_op("header", args, &err);

	if (!op)
		ksft_exit_fail_msg("header %s: %s\n", args, err.msg);
	return op;
}

/* For each combination of the six flags (with @extra ORed in). */
static void test_sig_combinations(void)
{
	static const u8 extras[] = { 0, ECE, CWR, ECE | CWR };
	struct nfips_op *op;
	char args[64];
	size_t s, e;
	u32 bits, i, matches;

	for (s = 0; s < ARRAY_SIZE(sigs); s++) {
		snprintf(args, sizeof(args), "sig=%s", sigs[s].name);
		op = must_op(args);

		for (e = 0; e < ARRAY_SIZE(extras); e++) {
			CASE_BEGIN();
			matches = 0;
			for (bits = 0; bits < 64; bits++) {
				u8 f = extras[e];
				bool want;
				int r;

				for (i = 0; i < 6; i++)
					if (bits & (1u << i))
						f |= six[i];
				want = sigs[s].def(f);
				r = run_tcp(op, 4, f);
				matches += want;
				if (r != (want ? DROP : NFIPS_CONTINUE)) {
					ksft_print_msg("sig=%s flags 0x%02x: got %d, want %d\n",
						       sigs[s].name, f, r,
						       want ? DROP : NFIPS_CONTINUE);
					unit_case_ok = false;
				}
			}
			/* The definitions themselves: 1, 1 and 16 of 64. */
			EXPECT_EQ(matches, s == 2 ? 16 : 1);
			CASE_END("sig=%s: 64 flag combinations%s%s", sigs[s].name,
				 extras[e] & ECE ? " +ECE" : "",
				 extras[e] & CWR ? " +CWR" : "");
		}
		unit_op_free(op);
	}
}

static void test_mask_value(void)
{
	static const struct {
		const char *args;
		u8 mask, value;
	} t[] = {
		{ "flags=0x12/0x02", 0x12, 0x02 },	/* SYN without ACK */
		{ "flags=18/2", 0x12, 0x02 },
		{ "flags=0xc0/0xc0", 0xc0, 0xc0 },	/* ECE and CWR */
		{ "flags=0xff/0x29", 0xff, 0x29 },	/* exactly FIN PSH URG */
		{ "flags=0x3f/0x00", 0x3f, 0x00 },	/* null, spelt out */
		{ "flags=0/0", 0, 0 },			/* every TCP segment */
	};
	size_t i;
	u32 f;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct nfips_op *op = must_op(t[i].args);

		CASE_BEGIN();
		for (f = 0; f < 256; f++) {
			bool want = (f & t[i].mask) == t[i].value;
			int r = run_tcp(op, 4, (u8)f);

			if (r != (want ? DROP : NFIPS_CONTINUE)) {
				ksft_print_msg("flags 0x%02x: got %d\n", f, r);
				unit_case_ok = false;
			}
		}
		CASE_END("%s: all 256 flag bytes", t[i].args);
		unit_op_free(op);
	}
}

static void test_actions(void)
{
	static const struct {
		const char *args;
		int result;
	} t[] = {
		{ "sig=null", NFIPS_DROP | NFIPS_ALERT },
		{ "sig=null action=drop", NFIPS_DROP | NFIPS_ALERT },
		{ "sig=null action=alert", NFIPS_CONTINUE | NFIPS_ALERT },
		{ "action=accept sig=null", NFIPS_ACCEPT },
		{ "sig=null count=200", NFIPS_DROP | NFIPS_ALERT },
		{ "sig=null count=100000 action=alert", NFIPS_CONTINUE | NFIPS_ALERT },
		{ "sig=null count=0", NFIPS_CONTINUE },
		{ "flags=0/0 count=0 action=accept", NFIPS_CONTINUE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct nfips_op *op = must_op(t[i].args);

		CASE_BEGIN();
		EXPECT_EQ(run_tcp(op, 4, 0), t[i].result);
		EXPECT_EQ(run_tcp(op, 6, 0), t[i].result);
		EXPECT_EQ(run_tcp(op, 4, SYN), NFIPS_CONTINUE);
		CASE_END("%s: null segment gives %d, SYN gives 0", t[i].args,
			 t[i].result);
		unit_op_free(op);
	}
}

static void test_ipv6(void)
{
	struct nfips_op *x = must_op("sig=xmas action=alert");
	struct nfips_op *sf = must_op("sig=synfin");

	CASE_BEGIN();
	EXPECT_EQ(run_tcp(x, 6, FIN | PSH | URG), NFIPS_ALERT);
	EXPECT_EQ(run_tcp(x, 6, FIN | PSH | URG | ECE), NFIPS_ALERT);
	EXPECT_EQ(run_tcp(x, 6, FIN | PSH | URG | ACK), NFIPS_CONTINUE);
	EXPECT_EQ(run_tcp(sf, 6, SYN | FIN | ACK), DROP);
	EXPECT_EQ(run_tcp(sf, 6, SYN), NFIPS_CONTINUE);
	CASE_END("IPv6 TCP segments match");
	unit_op_free(x);
	unit_op_free(sf);
}

/* Packets without a usable TCP header never match, even flags=0/0. */
static void test_never(void)
{
	static const char *const args[] = { "sig=null", "flags=0/0" };
	static u8 tmp[256];
	struct unit_l4 udp = { .proto = NFIPS_PROTO_UDP, .sport = 1, .dport = 2 };
	struct unit_l4 tcp = { .proto = NFIPS_PROTO_TCP, .sport = 1, .dport = 2,
			       .payload = "0123456789", .payload_len = 10 };
	struct unit_l4 icmp = { .proto = NFIPS_PROTO_ICMP,
				.payload = "\x08\0\0\0\0\0\0\0", .payload_len = 8 };
	struct nfips_pkt pkt;
	size_t i;
	u32 len;

	for (i = 0; i < ARRAY_SIZE(args); i++) {
		struct nfips_op *op = must_op(args[i]);

		CASE_BEGIN();
		EXPECT_EQ(run_l4(op, 4, &udp), NFIPS_CONTINUE);
		EXPECT_EQ(run_l4(op, 6, &udp), NFIPS_CONTINUE);
		EXPECT_EQ(run_l4(op, 4, &icmp), NFIPS_CONTINUE);
		CASE_END("%s: UDP and ICMP never match", args[i]);

		/* Non-first fragment (offset 8) of a null-flag TCP segment. */
		len = unit_build_pkt(tmp, 4, &tcp);
		tmp[6] = 0x20;
		tmp[7] = 0x08;
		CASE_BEGIN();
		EXPECT_EQ(nfips_pkt_parse(&pkt, tmp, len, len), 0);
		EXPECT(pkt.flags & NFIPS_PKT_FRAG_LATER);
		EXPECT_EQ(unit_process(op, &pkt), NFIPS_CONTINUE);
		/* The same segment as a first fragment does match. */
		tmp[7] = 0;
		EXPECT_EQ(nfips_pkt_parse(&pkt, tmp, len, len), 0);
		EXPECT_EQ(unit_process(op, &pkt), DROP);
		CASE_END("%s: a non-first fragment never matches", args[i]);

		/* Truncated (IP total length 30) and lying (doff 4) headers. */
		len = unit_build_pkt(tmp, 4, &tcp);
		CASE_BEGIN();
		tmp[3] = 30;
		EXPECT_EQ(nfips_pkt_parse(&pkt, tmp, 30, 30), 0);
		EXPECT(pkt.flags & NFIPS_PKT_L4_BAD);
		EXPECT_EQ(unit_process(op, &pkt), NFIPS_CONTINUE);
		tmp[3] = (u8)len;
		tmp[32] = 4 << 4;
		EXPECT_EQ(nfips_pkt_parse(&pkt, tmp, len, len), 0);
		EXPECT(pkt.flags & NFIPS_PKT_L4_BAD);
		EXPECT_EQ(unit_process(op, &pkt), NFIPS_CONTINUE);
		tmp[32] = 5 << 4;
		/* Headers-only view that cuts the TCP header. */
		EXPECT_EQ(nfips_pkt_parse(&pkt, tmp, 30, len), 0);
		EXPECT(pkt.flags & NFIPS_PKT_TRUNC);
		EXPECT_EQ(unit_process(op, &pkt), NFIPS_CONTINUE);
		CASE_END("%s: a truncated TCP header never matches", args[i]);
		unit_op_free(op);
	}
}

static const struct {
	const char *args;
	const char *msg;
} bad[] = {
	{ "", "missing argument 'sig'" },
	{ "action=drop count=3", "missing argument 'sig'" },
	{ "sig=null sig=xmas", "one signature (sig= or flags=)" },
	{ "sig=null flags=0x3f/0", "one signature (sig= or flags=)" },
	{ "sig=foo", "argument 'sig': 'foo' is not one of null, xmas, synfin" },
	{ "sig=NULL", "argument 'sig': 'NULL' is not one of" },
	{ "sig", "argument 'sig' needs a value" },
	{ "sig=\"null", "argument 'sig': unterminated quote" },
	{ "flags=0x3f", "argument 'flags': expected MASK/VALUE" },
	{ "flags=0x3f/", "argument 'flags': expected MASK/VALUE" },
	{ "flags=/0", "argument 'flags': expected MASK/VALUE" },
	{ "flags=zz/0", "argument 'flags': expected MASK/VALUE" },
	{ "flags=1/2/3", "argument 'flags': expected MASK/VALUE" },
	{ "flags", "argument 'flags' needs a value" },
	{ "flags=0x100/0", "argument 'flags': MASK and VALUE are 8-bit" },
	{ "flags=0x0f/0x10", "argument 'flags': MASK and VALUE are 8-bit and VALUE must lie within MASK" },
	{ "sig=null count=100001", "argument 'count': 100001 is out of range 0..100000" },
	{ "sig=null count=-1", "argument 'count': '-1' is not a number" },
	{ "sig=null count=4294967296", "argument 'count': 4294967296 is out of range" },
	{ "sig=null action=maybe", "argument 'action': 'maybe' is not one of drop, alert, accept" },
	{ "sig=null bogus=1", "unknown argument 'bogus'" },
	{ "sig=null nocase", "unknown argument 'nocase'" },
};

static void test_bad_args(void)
{
	struct nfips_err err;
	struct nfips_op *op;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CASE_BEGIN();
		op = unit_op("header", bad[i].args, &err);
		EXPECT(!op);
		if (!op)
			EXPECT_HAS(err.msg, bad[i].msg);
		unit_op_free(op);
		EXPECT_EQ(unit_op_refs, 0);
		CASE_END("header '%s': %s", bad[i].args, op ? "accepted" : err.msg);
	}
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(12 + 6 + 8 + 1 + 6 + ARRAY_SIZE(bad) + 1);
	test_sig_combinations();
	test_mask_value();
	test_actions();
	test_ipv6();
	test_never();
	test_bad_args();
	ksft_test_result(unit_op_refs == 0, "no op-module reference left (%d)\n",
			 unit_op_refs);
	ksft_finished();
}
