// SPDX-License-Identifier: GPL-2.0
/*
 * Harness: the op-module argument parser and the value parsers behind it.
 *
 * Input: an argument string (the ARGS of an "op NAME TYPE ARGS" line, or the
 * text the kernel gets in a netlink attribute). It goes
 *   - to every op type's ->init (hs too, when built with libhs); an instance
 *     it returns is run over a few packets (bm, and hs with literal
 *     patterns, against a naive search over the same patterns) and freed;
 *   - through nfips_args_next() directly, each argument decoded with
 *     nfips_arg_bytes/_u32/_word/_choice into exact-size buffers;
 *   - whole, to nfips_parse_u32() and nfips_parse_addr(), each checked
 *     against a reference (a plain loop, inet_pton()).
 */
#include <arpa/inet.h>

#include "fuzz_common.h"
#include "nfips_conf_text.h"

#define BM_PATTERN_CAP	1024	/* BM_MAX_PATTERN_LEN of op_bm.c */

static u8 arg_pkts[3][2048];
static u32 arg_pkt_len[3];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] = "GET /index.html HTTP/1.0\r\nHost: EVIL\r\n\r\n";
	static u8 bin[1400];
	struct unit_l4 l4 = {
		.proto = NFIPS_PROTO_TCP, .sport = 1024, .dport = 80,
		.tcp_flags = NFIPS_TCP_PSH | NFIPS_TCP_ACK,
		.payload = text, .payload_len = sizeof(text) - 1,
	};
	u32 i;

	(void)argc;
	(void)argv;
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (u8)(i * 7 + (i >> 3));
	arg_pkt_len[0] = unit_build_pkt(arg_pkts[0], 4, &l4);
	l4.tcp_flags = 0;
	l4.payload = bin;
	l4.payload_len = sizeof(bin);
	arg_pkt_len[1] = unit_build_pkt(arg_pkts[1], 6, &l4);
	l4.proto = NFIPS_PROTO_UDP;
	l4.payload_len = 0;
	arg_pkt_len[2] = unit_build_pkt(arg_pkts[2], 4, &l4);
	return 0;
}

/* What bm_init accepted, read back with the same argument parser. */
struct bm_ref {
	u8 pats[8][BM_PATTERN_CAP];
	u32 lens[8];
	u32 n, offset, depth, action;
	bool nocase;
};

static void bm_ref_read(const char *args, struct bm_ref *r)
{
	struct nfips_args it;
	struct nfips_arg arg;
	struct nfips_err err;
	u32 len;

	memset(r, 0, sizeof(*r));
	FUZZ_CHECK(!nfips_args_init(&it, args, &err));
	while (nfips_args_next(&it, &arg, &err) > 0) {
		if (!strcmp(arg.key, "pattern")) {
			/* More than fit here: counted, and bm_check() gives up. */
			if (r->n < ARRAY_SIZE(r->pats)) {
				FUZZ_CHECK(!nfips_arg_bytes(&arg, r->pats[r->n],
							    BM_PATTERN_CAP, &len,
							    &err));
				r->lens[r->n] = len;
			}
			r->n++;
		} else if (!strcmp(arg.key, "nocase")) {
			r->nocase = true;
		} else if (!strcmp(arg.key, "offset")) {
			nfips_arg_u32(&arg, 0, 65535, &r->offset, &err);
		} else if (!strcmp(arg.key, "depth")) {
			nfips_arg_u32(&arg, 1, 65535, &r->depth, &err);
		} else if (!strcmp(arg.key, "action")) {
			nfips_op_action(&arg, &r->action, &err);
		}
	}
}

static int bm_ref_result(const struct bm_ref *r, const struct nfips_pkt *pkt)
{
	const u8 *t;
	u32 n, i;

	if (pkt->payload_len <= r->offset)
		return NFIPS_CONTINUE;
	t = pkt->data + pkt->payload_off + r->offset;
	n = pkt->payload_len - r->offset;
	if (r->depth && n > r->depth)
		n = r->depth;
	for (i = 0; i < r->n; i++)
		if (fuzz_naive_find(t, n, r->pats[i], r->lens[i], r->nocase))
			return nfips_action_result(r->action);
	return NFIPS_CONTINUE;
}

/*
 * Check a bm instance against the reference on packets whose payload holds
 * the first pattern (whole, and with its last byte changed) at a spot in the
 * search window, after a prefix that nearly matches it.
 */
static void bm_check(const struct nfips_op *op, const char *args)
{
	static struct bm_ref r;
	static u8 buf[2 * BM_PATTERN_CAP + 200];
	static u8 payload[2 * BM_PATTERN_CAP + 100];
	struct unit_l4 l4 = { .proto = NFIPS_PROTO_UDP, .sport = 1, .dport = 2 };
	struct nfips_pkt pkt;
	u32 m, pre, n, v, i;
	int got, want;

	bm_ref_read(args, &r);
	if (r.n > ARRAY_SIZE(r.pats) || !r.n)
		return;
	m = r.lens[0];
	for (v = 0; v < 4; v++) {
		/* prefix: the pattern minus its first byte, cut to fit */
		pre = r.offset + (v & 1) * (m > 1 ? m - 1 : 1);
		if (pre + m + 16 > sizeof(payload))
			pre = 0;
		memset(payload, 'x', sizeof(payload));
		if (pre > r.offset && m > 1)
			memcpy(payload + pre - (m - 1), r.pats[0] + 1, m - 1);
		memcpy(payload + pre, r.pats[0], m);
		if (v & 2)
			payload[pre + m - 1] ^= 0x20;
		n = pre + m + (v & 1) * 7;
		l4.payload = payload;
		l4.payload_len = n;
		i = unit_build_pkt(buf, 4, &l4);
		FUZZ_CHECK(!nfips_pkt_parse(&pkt, buf, i, i));
		got = nfips_op_process(op, &pkt);
		want = bm_ref_result(&r, &pkt);
		FUZZ_CHECK(got == want, "(bm: %d, naive search: %d)", got, want);
	}
	for (i = 0; i < ARRAY_SIZE(arg_pkts); i++) {
		FUZZ_CHECK(!nfips_pkt_parse(&pkt, arg_pkts[i], arg_pkt_len[i], arg_pkt_len[i]));
		got = nfips_op_process(op, &pkt);
		want = bm_ref_result(&r, &pkt);
		FUZZ_CHECK(got == want, "(bm: %d, naive search: %d)", got, want);
	}
}

#ifdef FUZZ_HAVE_HS
extern struct nfips_op_ops nfips_op_hs_ops;

/*
 * The Hyperscan op-module (not in the unit registry): literal patterns only
 * are held to the naive reference, regexes just run. patterns-file= never
 * opens anything here: the file jail is not set up in this harness.
 */
static void run_hs(const char *args)
{
	struct nfips_pkt pkt;
	struct nfips_err err;
	struct nfips_op *op;
	u32 i;
	int r;

	memset(&err, 0, sizeof(err));
	op = nfips_op_hs_ops.init(args, &err);
	if (!op) {
		FUZZ_CHECK(err.msg[0], "(hs refused without a reason)");
		return;
	}
	FUZZ_CHECK(!nfips_op_scratch_init(op, &err), "(hs scratch: %s)",
		   err.msg);
	for (i = 0; i < ARRAY_SIZE(arg_pkts); i++) {
		FUZZ_CHECK(!nfips_pkt_parse(&pkt, arg_pkts[i], arg_pkt_len[i],
					    arg_pkt_len[i]));
		r = nfips_op_process(op, &pkt);
		FUZZ_CHECK(r >= 0 && r <= (NFIPS_DROP | NFIPS_ALERT) &&
			   (r & NFIPS_VERDICT_MASK) != NFIPS_VERDICT_MASK);
	}
	if (!strstr(args, "regex") && !strstr(args, "patterns-file"))
		bm_check(op, args);
	nfips_op_free(op);
}
#endif

static void run_inits(const char *args)
{
	static const char *const types[] = { "header", "bm", "sleep" };
	struct nfips_pkt pkt;
	struct nfips_err err;
	struct nfips_op *op;
	int refs = unit_op_refs;	/* a program may hold others */
	u32 t, i;
	int r;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		memset(&err, 0, sizeof(err));
		op = unit_op(types[t], args, &err);
		if (!op) {
			/* A refusal says why. */
			FUZZ_CHECK(err.msg[0] && strnlen(err.msg, sizeof(err.msg)) <
				   sizeof(err.msg), "(%s refused without a reason)",
				   types[t]);
			continue;
		}
		/* sleep busy-waits up to a second per packet: not run here. */
		if (strcmp(types[t], "sleep")) {
			for (i = 0; i < ARRAY_SIZE(arg_pkts); i++) {
				FUZZ_CHECK(!nfips_pkt_parse(&pkt, arg_pkts[i], arg_pkt_len[i],
							    arg_pkt_len[i]));
				r = nfips_op_process(op, &pkt);
				FUZZ_CHECK(r >= 0 && r <= (NFIPS_DROP | NFIPS_ALERT) &&
					   (r & NFIPS_VERDICT_MASK) != NFIPS_VERDICT_MASK);
			}
		}
		if (!strcmp(types[t], "bm"))
			bm_check(op, args);
		unit_op_free(op);
	}
	FUZZ_CHECK(unit_op_refs == refs, "(op references leaked)");
}

/* Each argument through the iterator and every value decoder. */
static void run_iterator(const char *args, size_t size)
{
	static const char *const names[] = { "drop", "alert", "accept" };
	struct nfips_args it;
	struct nfips_arg arg;
	struct nfips_err err;
	const char *prev;
	u32 len, v, steps = 0;
	int ret;

	if (nfips_args_init(&it, args, &err))
		return;
	for (;;) {
		prev = it.p;
		memset(&arg, 0xa5, sizeof(arg));
		ret = nfips_args_next(&it, &arg, &err);
		if (ret <= 0)
			break;
		FUZZ_CHECK(it.p > prev && it.p <= args + size, "(no progress)");
		FUZZ_CHECK(nfips_name_valid(arg.key, strnlen(arg.key, sizeof(arg.key))));
		if (arg.val) {
			FUZZ_CHECK(arg.val > args && arg.val_len > 0 &&
				   arg.val + arg.val_len <= it.p);
			FUZZ_CHECK(arg.val[-1] == '=');
		} else {
			FUZZ_CHECK(arg.val_len == 0);
		}
		/* Exact-size outputs: a one-byte overflow is an ASan report. */
		{
			u32 caps[] = { 1, 4, 16, BM_PATTERN_CAP };
			u32 c;

			for (c = 0; c < ARRAY_SIZE(caps); c++) {
				u8 *out = malloc(caps[c]);

				if (!out)
					abort();
				len = 0;
				if (!nfips_arg_bytes(&arg, out, caps[c], &len, &err))
					FUZZ_CHECK(len >= 1 && len <= caps[c]);
				free(out);
			}
		}
		{
			char *word = malloc(NFIPS_NAME_MAX);

			if (!word)
				abort();
			if (!nfips_arg_word(&arg, word, NFIPS_NAME_MAX, &err))
				FUZZ_CHECK(strlen(word) == arg.val_len);
			free(word);
		}
		if (!nfips_arg_u32(&arg, 3, 65535, &v, &err))
			FUZZ_CHECK(v >= 3 && v <= 65535);
		ret = nfips_arg_choice(&arg, names, ARRAY_SIZE(names), &err);
		FUZZ_CHECK(ret == -EINVAL || (ret >= 0 && ret < 3));
		steps++;
	}
	FUZZ_CHECK(steps <= size);
}

/* Reference for nfips_parse_u32: decimal, or hex after 0x; whole string. */
static int ref_u32(const char *s, u32 len, u32 *out)
{
	u64 v = 0;
	u32 base = 10, i = 0, d;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (u32)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (u32)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (u32)(c - 'A' + 10);
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		v = v * base + d;
		if (v > 0xffffffffu)
			v = 0x100000000ull;	/* saturate: out of range */
	}
	if (v > 0xffffffffu)
		return -ERANGE;
	*out = (u32)v;
	return 0;
}

static void run_values(const char *s, size_t size)
{
	u8 addr[16], want[16];
	u32 a = 0, b = 0, len = (u32)size;
	int ra, rb, fam;

	/* Both must agree on the verdict; ERANGE vs EINVAL may differ in order. */
	ra = nfips_parse_u32(s, len, &a);
	rb = ref_u32(s, len, &b);
	FUZZ_CHECK((ra == 0) == (rb == 0) && (ra || a == b),
		   "(parse_u32 '%.*s': %d/%u, reference %d/%u)", (int)min(len, 40u),
		   s, ra, a, rb, b);

	/* Addresses: inet_pton() is the reference; no embedded NUL there. */
	if (size > 64 || strlen(s) != size)
		return;
	fam = nfips_parse_addr(s, len, addr);
	if (inet_pton(AF_INET, s, want) == 1) {
		FUZZ_CHECK(fam == 4 && !memcmp(addr, want, 4),
			   "(parse_addr '%s': %d, inet_pton: IPv4)", s, fam);
	} else if (inet_pton(AF_INET6, s, want) == 1) {
		FUZZ_CHECK(fam == 6 && !memcmp(addr, want, 16),
			   "(parse_addr '%s': %d, inet_pton: IPv6)", s, fam);
	} else {
		FUZZ_CHECK(fam == -EINVAL, "(parse_addr '%s': %d, inet_pton: none)",
			   s, fam);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *args;

	if (size > NFIPS_ARGS_MAX)
		return -1;
	args = fuzz_strdup(data, size);
	run_inits(args);
#ifdef FUZZ_HAVE_HS
	run_hs(args);
#endif
	run_iterator(args, strlen(args));
	free(args);

	/* The value parsers get the bytes without a NUL after them. */
	args = (char *)fuzz_dup(data, size);
	{
		u32 a;

		nfips_parse_u32(args, (u32)size, &a);
	}
	free(args);
	args = fuzz_strdup(data, size);
	run_values(args, size);
	free(args);
	return 0;
}
