// SPDX-License-Identifier: GPL-2.0
/*
 * bm op-module: boundary cases, arguments, and a randomised cross-check of
 * the Boyer-Moore search against a naive search. Payloads sit at the very
 * end of exact-size heap packets, so ASan reports a read one byte too far.
 */
#include "unit_check.h"

#define DROP	(NFIPS_DROP | NFIPS_ALERT)
#define ALERT	(NFIPS_CONTINUE | NFIPS_ALERT)

static int run(struct nfips_op *op, const void *pay, u32 plen)
{
	return unit_run_payload(op, 4, pay, plen);
}

#define RUN(op, s)	run(op, s, sizeof(s) - 1)

static struct nfips_op *must_op(const char *args)
{
	struct nfips_err err;
	struct nfips_op *op = unit_op("bm", args, &err);

	if (!op)
		ksft_exit_fail_msg("bm %s: %s\n", args, err.msg);
	return op;
}

static void test_boundaries(void)
{
	struct nfips_op *op = must_op("pattern=EVIL");
	struct nfips_op *one = must_op("pattern=X");
	struct nfips_op *five = must_op("pattern=EVILS");

	CASE_BEGIN();
	EXPECT_EQ(RUN(op, "EVILxxxx"), DROP);
	EXPECT_EQ(RUN(op, "EVIL"), DROP);
	CASE_END("pattern at payload offset 0");
	CASE_BEGIN();
	EXPECT_EQ(RUN(op, "xxxxEVIL"), DROP);
	EXPECT_EQ(RUN(op, "EVIEVIEVIL"), DROP);
	CASE_END("pattern ending at the last byte");
	CASE_BEGIN();
	EXPECT_EQ(RUN(op, "xxxxEVI"), NFIPS_CONTINUE);
	EXPECT_EQ(RUN(op, "VILxEVI"), NFIPS_CONTINUE);
	EXPECT_EQ(RUN(op, "EVIxEVI"), NFIPS_CONTINUE);
	CASE_END("pattern one byte past the end: no match");
	CASE_BEGIN();
	EXPECT_EQ(RUN(op, "EVI"), NFIPS_CONTINUE);
	EXPECT_EQ(RUN(five, "EVIL"), NFIPS_CONTINUE);
	EXPECT_EQ(RUN(five, "EVILS"), DROP);
	CASE_END("pattern longer than the payload");
	CASE_BEGIN();
	EXPECT_EQ(RUN(one, "X"), DROP);
	EXPECT_EQ(RUN(one, "Xab"), DROP);
	EXPECT_EQ(RUN(one, "abX"), DROP);
	EXPECT_EQ(RUN(one, "aXb"), DROP);
	EXPECT_EQ(RUN(one, "abc"), NFIPS_CONTINUE);
	EXPECT_EQ(RUN(one, "x"), NFIPS_CONTINUE);
	CASE_END("1-byte pattern");
	CASE_BEGIN();
	EXPECT_EQ(run(op, "", 0), NFIPS_CONTINUE);
	EXPECT_EQ(run(one, "", 0), NFIPS_CONTINUE);
	CASE_END("empty payload");
	CASE_BEGIN();
	EXPECT_EQ(unit_run_payload(op, 6, "..EVIL", 6), DROP);
	EXPECT_EQ(unit_run_payload(op, 6, "..EVI", 5), NFIPS_CONTINUE);
	CASE_END("IPv6 payload");
	unit_op_free(op);
	unit_op_free(one);
	unit_op_free(five);

	/* A TCP segment's payload and a non-first fragment's data. */
	op = must_op("pattern=EVIL");
	CASE_BEGIN();
	{
		static u8 tmp[128];
		struct unit_l4 l4 = { .proto = NFIPS_PROTO_TCP, .sport = 1,
				      .dport = 2, .payload = "xEVIL",
				      .payload_len = 5 };
		struct nfips_pkt pkt;
		u32 len = unit_build_pkt(tmp, 4, &l4);

		unit_view(&pkt, tmp, len);
		EXPECT_EQ(unit_process(op, &pkt), DROP);
		/* "EVIL" in the TCP header only is not in the payload. */
		l4.payload_len = 0;
		len = unit_build_pkt(tmp, 4, &l4);
		memcpy(tmp + 24, "EVIL", 4);
		unit_view(&pkt, tmp, len);
		EXPECT_EQ(unit_process(op, &pkt), NFIPS_CONTINUE);
	}
	CASE_END("TCP payload searched, TCP header not");
	unit_op_free(op);
}

static void test_nocase(void)
{
	struct nfips_op *lo = must_op("pattern=evil nocase");
	struct nfips_op *up = must_op("nocase pattern=EVIL");
	struct nfips_op *cs = must_op("pattern=evil");
	struct nfips_op *at = must_op("pattern=|40 5b c0| nocase");

	CASE_BEGIN();
	EXPECT_EQ(RUN(lo, "xxEVILxx"), DROP);
	EXPECT_EQ(RUN(lo, "xxeViLxx"), DROP);
	EXPECT_EQ(RUN(lo, "xxevilxx"), DROP);
	CASE_END("nocase: lower-case pattern finds upper and mixed case");
	CASE_BEGIN();
	EXPECT_EQ(RUN(up, "xxevilxx"), DROP);
	EXPECT_EQ(RUN(up, "xxEvILxx"), DROP);
	EXPECT_EQ(RUN(up, "xxEVILxx"), DROP);
	CASE_END("nocase: upper-case pattern (nocase given first) finds lower case");
	CASE_BEGIN();
	EXPECT_EQ(RUN(cs, "xxEVILxx"), NFIPS_CONTINUE);
	EXPECT_EQ(RUN(cs, "xxEviLxx"), NFIPS_CONTINUE);
	EXPECT_EQ(RUN(cs, "xxevilxx"), DROP);
	CASE_END("without nocase the case matters");
	CASE_BEGIN();
	EXPECT_EQ(RUN(at, "\x40\x5b\xc0"), DROP);
	EXPECT_EQ(RUN(at, "\x60\x5b\xc0"), NFIPS_CONTINUE);
	EXPECT_EQ(RUN(at, "\x40\x7b\xc0"), NFIPS_CONTINUE);
	EXPECT_EQ(RUN(at, "\x40\x5b\xe0"), NFIPS_CONTINUE);
	CASE_END("nocase folds only A-Z ('@' '[' 0xc0 are not letters)");
	unit_op_free(lo);
	unit_op_free(up);
	unit_op_free(cs);
	unit_op_free(at);
}

static void test_hex_and_many(void)
{
	struct nfips_op *h = must_op("pattern=|00 ff 00|");
	struct nfips_op *mix = must_op("pattern=\"GET /|0d 0a|\"");
	struct nfips_op *ff = must_op("pattern=|ff ff|");
	struct nfips_op *many = must_op("pattern=AAA pattern=BBB pattern=|00|");

	CASE_BEGIN();
	EXPECT_EQ(run(h, "a\0\xff\0b", 5), DROP);
	EXPECT_EQ(run(h, "\0\xff\0", 3), DROP);
	EXPECT_EQ(run(h, "\0\xff\x01", 3), NFIPS_CONTINUE);
	EXPECT_EQ(run(h, "\0\0\xff", 3), NFIPS_CONTINUE);
	CASE_END("|00 ff 00|: NUL and 0xff bytes");
	CASE_BEGIN();
	EXPECT_EQ(RUN(mix, "xGET /\r\n"), DROP);
	EXPECT_EQ(RUN(mix, "xGET /\n\r"), NFIPS_CONTINUE);
	EXPECT_EQ(RUN(ff, "\xfe\xff\xfe\xff\xff"), DROP);
	EXPECT_EQ(RUN(ff, "\xff\xfe\xff"), NFIPS_CONTINUE);
	CASE_END("mixed text and hex; 0xff runs");
	CASE_BEGIN();
	EXPECT_EQ(RUN(many, "xxAAA"), DROP);
	EXPECT_EQ(RUN(many, "BBBxx"), DROP);
	EXPECT_EQ(run(many, "xx\0", 3), DROP);
	EXPECT_EQ(RUN(many, "AABBAB"), NFIPS_CONTINUE);
	CASE_END("several patterns: any one matches");
	unit_op_free(h);
	unit_op_free(mix);
	unit_op_free(ff);
	unit_op_free(many);
}

/* EVIL at payload[10 .. 14) of a 19-byte payload. */
static const char window_pay[] = "0123456789EVIL56789";

static const struct {
	const char *args;
	int result;
} windows[] = {
	{ "offset=10", DROP },
	{ "offset=11", NFIPS_CONTINUE },
	{ "depth=14", DROP },
	{ "depth=13", NFIPS_CONTINUE },
	{ "offset=10 depth=4", DROP },
	{ "offset=9 depth=4", NFIPS_CONTINUE },
	{ "offset=11 depth=4", NFIPS_CONTINUE },
	{ "offset=9 depth=5", DROP },
	{ "offset=10 depth=65535", DROP },
	{ "offset=0 depth=19", DROP },
	{ "offset=15", NFIPS_CONTINUE },
	{ "offset=18", NFIPS_CONTINUE },
	{ "offset=19", NFIPS_CONTINUE },
	{ "offset=20", NFIPS_CONTINUE },
	{ "offset=65535", NFIPS_CONTINUE },
};

static void test_windows(void)
{
	char args[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(windows); i++) {
		struct nfips_op *op;

		snprintf(args, sizeof(args), "pattern=EVIL %s", windows[i].args);
		op = must_op(args);
		CASE_BEGIN();
		EXPECT_EQ(run(op, window_pay, sizeof(window_pay) - 1),
			  windows[i].result);
		CASE_END("%s: EVIL at 10..13 of 19 bytes: %s", windows[i].args,
			 windows[i].result ? "match" : "no match");
		unit_op_free(op);
	}

	/* offset at and beyond the end, with a 1-byte pattern: the last byte. */
	CASE_BEGIN();
	{
		struct nfips_op *op = must_op("pattern=9 offset=18");

		EXPECT_EQ(run(op, window_pay, 19), DROP);
		EXPECT_EQ(run(op, window_pay, 18), NFIPS_CONTINUE);
		EXPECT_EQ(run(op, window_pay, 0), NFIPS_CONTINUE);
		unit_op_free(op);
	}
	CASE_END("offset=18, 1-byte pattern: payload_len 19, 18 and 0");
}

static void test_actions(void)
{
	static const struct {
		const char *args;
		int result;
	} t[] = {
		{ "pattern=EVIL action=drop", DROP },
		{ "pattern=EVIL action=alert", ALERT },
		{ "action=accept pattern=EVIL", NFIPS_ACCEPT },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct nfips_op *op = must_op(t[i].args);

		CASE_BEGIN();
		EXPECT_EQ(RUN(op, "an EVIL packet"), t[i].result);
		EXPECT_EQ(RUN(op, "a good packet"), NFIPS_CONTINUE);
		CASE_END("%s", t[i].args);
		unit_op_free(op);
	}
}

static void test_long(void)
{
	static u8 pay[1500];
	char *args = malloc(20000);
	struct nfips_op *op;
	struct nfips_err err;
	u32 i, n;

	/* 1024 patterns of 9 bytes: pattern=p0000 ... pattern=p1023 */
	n = 0;
	for (i = 0; i < 1024; i++)
		n += sprintf(args + n, "pattern=p%04u ", i);
	CASE_BEGIN();
	op = unit_op("bm", args, &err);
	EXPECT(op);
	if (op) {
		EXPECT_EQ(RUN(op, "..p1023.."), DROP);
		EXPECT_EQ(RUN(op, "..p0000.."), DROP);
		EXPECT_EQ(RUN(op, "..p1024.."), NFIPS_CONTINUE);
	}
	unit_op_free(op);
	CASE_END("1024 patterns");
	sprintf(args + n, "pattern=p1024");
	CASE_BEGIN();
	op = unit_op("bm", args, &err);
	EXPECT(!op);
	EXPECT_HAS(err.msg, "more than 1024 patterns");
	unit_op_free(op);
	CASE_END("1025 patterns: %s", err.msg);

	/* A 1024-byte pattern of 'A'..'Z' cycles, at the end of 1500 bytes. */
	n = sprintf(args, "pattern=");
	for (i = 0; i < 1024; i++)
		args[n++] = (char)('A' + i % 26);
	args[n] = '\0';
	for (i = 0; i < 476; i++)
		pay[i] = (u8)('A' + (i + 1) % 26);
	for (i = 0; i < 1024; i++)
		pay[476 + i] = (u8)('A' + i % 26);
	CASE_BEGIN();
	op = unit_op("bm", args, &err);
	EXPECT(op);
	if (op) {
		EXPECT_EQ(run(op, pay, 1500), DROP);
		EXPECT_EQ(run(op, pay, 1499), NFIPS_CONTINUE);
		pay[476] = 'a';
		EXPECT_EQ(run(op, pay, 1500), NFIPS_CONTINUE);
		pay[476] = 'A';
	}
	unit_op_free(op);
	CASE_END("a 1024-byte pattern ending at the last byte of 1500");
	args[n++] = 'x';
	args[n] = '\0';
	CASE_BEGIN();
	op = unit_op("bm", args, &err);
	EXPECT(!op);
	EXPECT_HAS(err.msg, "argument 'pattern': longer than 1024 bytes");
	unit_op_free(op);
	CASE_END("a 1025-byte pattern: %s", err.msg);
	free(args);
}

static const struct {
	const char *args;
	const char *msg;
} bad[] = {
	{ "", "missing argument 'pattern'" },
	{ "nocase offset=3", "missing argument 'pattern'" },
	{ "pattern", "argument 'pattern' needs a value" },
	{ "pattern=\"\"", "argument 'pattern': empty value" },
	{ "pattern=||", "argument 'pattern': empty value" },
	{ "pattern=|0|", "argument 'pattern': odd number of hex digits" },
	{ "pattern=|zz|", "argument 'pattern': 'z' is not a hex digit" },
	{ "pattern=\"EVIL", "argument 'pattern': unterminated quote" },
	{ "pattern=EVIL foo=1", "unknown argument 'foo'" },
	{ "pattern=EVIL usec=1", "unknown argument 'usec'" },
	{ "pattern=EVIL nocase=1", "argument 'nocase' takes no value" },
	{ "pattern=EVIL offset=65536", "argument 'offset': 65536 is out of range 0..65535" },
	{ "pattern=EVIL offset=x", "argument 'offset': 'x' is not a number" },
	{ "pattern=EVIL depth=0", "argument 'depth': 0 is out of range 1..65535" },
	{ "pattern=EVIL depth=65536", "argument 'depth': 65536 is out of range 1..65535" },
	{ "pattern=EVIL depth=3", "argument 'depth': 3 is shorter than a 4-byte pattern" },
	{ "depth=3 pattern=EVIL", "argument 'depth': 3 is shorter than a 4-byte pattern" },
	{ "pattern=AB pattern=ABCDE depth=3", "argument 'depth': 3 is shorter than a 5-byte pattern" },
	{ "pattern=EVIL action=block", "argument 'action': 'block' is not one of drop, alert, accept" },
};

static void test_bad_args(void)
{
	struct nfips_err err;
	struct nfips_op *op;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CASE_BEGIN();
		op = unit_op("bm", bad[i].args, &err);
		EXPECT(!op);
		if (!op)
			EXPECT_HAS(err.msg, bad[i].msg);
		unit_op_free(op);
		EXPECT_EQ(unit_op_refs, 0);
		CASE_END("bm '%s': %s", bad[i].args, op ? "accepted" : err.msg);
	}
	CASE_BEGIN();
	op = unit_op("bm", "pattern=EVIL depth=4", &err);
	EXPECT(op);
	unit_op_free(op);
	CASE_END("depth equal to the pattern length is fine");
}

/* ---- randomised cross-check against a naive search ---- */

#define X_MAX_PATS	8
#define X_MAX_PLEN	48

/* The case, the naive reference, the random bytes and the argument
 * encoder are shared with test_ac (unit_lib.c). */

static void rnd_pattern(struct unit_rng *r, int alphabet, u8 *p, u32 *len)
{
	u32 n = unit_rng_below(r, 4) ? 1 + unit_rng_below(r, 6) :
		1 + unit_rng_below(r, X_MAX_PLEN);
	u32 unit, i;

	if (unit_rng_below(r, 3) == 0) {
		/* Periodic, maybe with a different last byte: good-suffix food. */
		unit = 1 + unit_rng_below(r, 3);
		for (i = 0; i < unit; i++)
			p[i] = unit_rnd_byte(r, alphabet);
		for (i = unit; i < n; i++)
			p[i] = p[i - unit];
		if (unit_rng_below(r, 2))
			p[n - 1] = unit_rnd_byte(r, alphabet);
	} else {
		for (i = 0; i < n; i++)
			p[i] = unit_rnd_byte(r, alphabet);
	}
	*len = n;
}

static void test_random(void)
{
	static const int results[] = { DROP, ALERT, NFIPS_ACCEPT };
	static const char *const actions[] = { "drop", "alert", "accept" };
	static u8 pay[600];
	static char args[X_MAX_PATS * (X_MAX_PLEN * 4 + 16) + 64];
	const u32 ops = unit_random_ops(14000), per_op = 8;
	u64 seed = unit_seed(12345);
	u32 i, j, k, pairs = 0, matched = 0, errors = 0, fails = 0, rejected = 0;
	u32 longest, plen, a;
	struct unit_rng r;
	struct nfips_err err;
	static struct unit_xcase x;	/* off the (kernel) stack */
	int alphabet;

	ksft_print_msg("seed %llu (set NFIPS_UNIT_SEED to repeat)\n",
		       (unsigned long long)seed);
	unit_rng_seed(&r, seed);
	for (i = 0; i < ops; i++) {
		struct nfips_op *op;
		int n = 0;
		bool expect_err = false;

		memset(&x, 0, sizeof(x));
		alphabet = (int)unit_rng_below(&r, 5);
		x.n = unit_rng_below(&r, 6) ? 1 + unit_rng_below(&r, 3) :
		      1 + unit_rng_below(&r, X_MAX_PATS);
		x.nocase = unit_rng_below(&r, 3) == 0;
		longest = 0;
		for (j = 0; j < x.n; j++) {
			rnd_pattern(&r, alphabet, x.pat[j], &x.len[j]);
			if (x.len[j] > longest)
				longest = x.len[j];
			n += sprintf(args + n, "pattern=");
			n += unit_encode_pattern(args + n, x.pat[j], x.len[j], &r);
			args[n++] = ' ';
		}
		if (x.nocase)
			n += sprintf(args + n, "nocase ");
		if (unit_rng_below(&r, 2)) {
			x.offset = unit_rng_below(&r, 4) ? unit_rng_below(&r, 16) :
				   unit_rng_below(&r, 400);
			n += sprintf(args + n, "offset=%u ", x.offset);
		}
		if (unit_rng_below(&r, 2)) {
			x.depth = unit_rng_below(&r, 16) ?
				  longest + unit_rng_below(&r, 40) :
				  1 + unit_rng_below(&r, longest);
			expect_err = x.depth < longest;
			n += sprintf(args + n, "depth=%u ", x.depth);
		}
		a = unit_rng_below(&r, 3);
		x.result = results[a];
		sprintf(args + n, "action=%s", actions[a]);

		op = unit_op("bm", args, &err);
		if (!op != expect_err) {
			if (fails++ < 5)
				ksft_print_msg("bm '%s': %s\n", args,
					       op ? "accepted" : err.msg);
			unit_op_free(op);
			continue;
		}
		if (!op) {
			rejected++;
			continue;
		}
		for (k = 0; k < per_op; k++) {
			bool want;
			int got;

			plen = unit_rng_below(&r, 4) ? unit_rng_below(&r, 64) :
			       unit_rng_below(&r, sizeof(pay));
			for (j = 0; j < plen; j++)
				pay[j] = unit_rnd_byte(&r, alphabet);
			/* Plant a pattern (case-flipped under nocase) half the time. */
			if (unit_rng_below(&r, 2)) {
				u32 p = unit_rng_below(&r, x.n), at;

				if (x.len[p] <= plen) {
					at = unit_rng_below(&r, plen - x.len[p] + 1);
					for (j = 0; j < x.len[p]; j++) {
						u8 c = x.pat[p][j];

						if (x.nocase && unit_isalpha(c) &&
						    unit_rng_below(&r, 2))
							c ^= 0x20;
						pay[at + j] = c;
					}
				}
			}
			want = unit_naive_search(&x, pay, plen);
			got = run(op, pay, plen);
			pairs++;
			matched += want;
			if (got != (want ? x.result : NFIPS_CONTINUE)) {
				errors++;
				if (fails++ < 5)
					ksft_print_msg("mismatch: '%s' payload %u bytes: got %d want %d\n",
						       args, plen, got,
						       want ? x.result : 0);
			}
		}
		unit_op_free(op);
	}
	ksft_print_msg("%u payload/pattern pairs, %u matches, %u mismatches, %u ops rejected as expected\n",
		       pairs, matched, errors, rejected);
	ksft_test_result(!fails && pairs >= unit_random_ops(100000) && matched > pairs / 5 &&
			 pairs - matched > pairs / 5 && rejected > 0,
			 "random: Boyer-Moore agrees with a naive search on %u pairs\n",
			 pairs);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(8 + 4 + 3 + ARRAY_SIZE(windows) + 1 + 3 + 4 +
		      ARRAY_SIZE(bad) + 1 + 1 + 1);
	test_boundaries();
	test_nocase();
	test_hex_and_many();
	test_windows();
	test_actions();
	test_long();
	test_bad_args();
	test_random();
	ksft_test_result(unit_op_refs == 0, "no op-module reference left (%d)\n",
			 unit_op_refs);
	ksft_finished();
}
