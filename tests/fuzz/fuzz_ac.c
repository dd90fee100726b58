// SPDX-License-Identifier: GPL-2.0
/*
 * Harness: the ac op-module (opmodules/op_ac.c), its .init and its scan.
 *
 * Input: ARGS, a newline, PAYLOAD. ARGS goes to ac's ->init (patterns,
 * patterns-file, nocase, offset, depth, action); an instance it returns
 * scans PAYLOAD and three variants of it (the first pattern planted at the
 * window's start, ending at the window's end, and that with its last byte
 * changed), each in a UDP/IPv4 packet that is an exact-size heap copy.
 *
 * Properties besides ASan/UBSan: a refusal has a reason; without
 * patterns-file, ac accepts exactly what bm accepts (same options, same
 * pattern syntax; no input is large enough for a limit of either), and on
 * every packet its result equals a naive search over the patterns read back
 * with the argument parser, and equals bm's. patterns-file= opens only files
 * of the jail (fuzz_common.c: op_ac.o's fopen() is nfips_fuzz_fopen() in
 * this build); with it, results are only checked to be valid.
 */
#include "fuzz_common.h"

#define ACF_MAX_PATS	1100
#define ACF_MAX_LEN	1024	/* NFIPS_AC_MAX_PATTERN_LEN, bm's too */

struct acf_ref {
	u8 pat[ACF_MAX_PATS][ACF_MAX_LEN];
	u32 len[ACF_MAX_PATS];
	u32 n, offset, depth, action;
	bool nocase;
	bool noref;	/* patterns-file (not read back here) or over bm's limit */
};

static struct acf_ref acf_ref;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_CHECK(!fuzz_jail_init(), "(jail in $TMPDIR or NFIPS_FUZZ_JAIL)");
	return 0;
}

/*
 * The patterns and options of @args, read back with the same argument
 * parser; false when a pattern does not decode (ac must have refused).
 */
static bool acf_ref_read(const char *args)
{
	bool ok = true;
	struct nfips_args it;
	struct nfips_arg arg;
	struct nfips_err err;
	u32 len = 0;

	memset(&acf_ref, 0, sizeof(acf_ref));
	FUZZ_CHECK(!nfips_args_init(&it, args, &err));
	while (nfips_args_next(&it, &arg, &err) > 0) {
		if (!strcmp(arg.key, "pattern")) {
			if (acf_ref.n < ACF_MAX_PATS) {
				if (nfips_arg_bytes(&arg, acf_ref.pat[acf_ref.n],
						    ACF_MAX_LEN, &len, &err))
					ok = false;
				acf_ref.len[acf_ref.n] = len;
			}
			acf_ref.n++;
		} else if (!strcmp(arg.key, "patterns-file")) {
			acf_ref.noref = true;
		} else if (!strcmp(arg.key, "nocase")) {
			acf_ref.nocase = true;
		} else if (!strcmp(arg.key, "offset")) {
			nfips_arg_u32(&arg, 0, 65535, &acf_ref.offset, &err);
		} else if (!strcmp(arg.key, "depth")) {
			nfips_arg_u32(&arg, 1, 65535, &acf_ref.depth, &err);
		} else if (!strcmp(arg.key, "action")) {
			nfips_op_action(&arg, &acf_ref.action, &err);
		}
	}
	return ok;
}

static int acf_ref_result(const struct nfips_pkt *pkt)
{
	const u8 *t;
	u32 n, i;

	if (pkt->payload_len <= acf_ref.offset)
		return NFIPS_CONTINUE;
	t = pkt->data + pkt->payload_off + acf_ref.offset;
	n = pkt->payload_len - acf_ref.offset;
	if (acf_ref.depth && n > acf_ref.depth)
		n = acf_ref.depth;
	for (i = 0; i < acf_ref.n; i++)
		if (fuzz_naive_find(t, n, acf_ref.pat[i], acf_ref.len[i], acf_ref.nocase))
			return nfips_action_result(acf_ref.action);
	return NFIPS_CONTINUE;
}

static void acf_check_one(const struct nfips_op *ac, const struct nfips_op *bm,
		      const u8 *pay, u32 plen)
{
	static u8 buf[100 + 70000];
	struct unit_l4 l4 = { .proto = NFIPS_PROTO_UDP, .sport = 1, .dport = 2,
			      .payload = pay, .payload_len = plen };
	struct nfips_pkt pkt;
	u32 len = unit_build_pkt(buf, 4, &l4);
	u8 *copy = fuzz_dup(buf, len);
	int got, want;

	FUZZ_CHECK(!nfips_pkt_parse(&pkt, copy, len, len));
	got = nfips_op_process(ac, &pkt);
	FUZZ_CHECK(got >= 0 && got <= (NFIPS_DROP | NFIPS_ALERT) &&
		   (got & NFIPS_VERDICT_MASK) != NFIPS_VERDICT_MASK);
	if (!acf_ref.noref && acf_ref.n <= ACF_MAX_PATS) {
		want = acf_ref_result(&pkt);
		FUZZ_CHECK(got == want, "(ac: %d, naive search: %d)", got, want);
	}
	if (bm) {
		want = nfips_op_process(bm, &pkt);
		FUZZ_CHECK(got == want, "(ac: %d, bm: %d)", got, want);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 pay[70000];
	const u8 *nl = memchr(data, '\n', size);
	size_t alen = nl ? (size_t)(nl - data) : size;
	u32 plen = nl ? (u32)(size - alen - 1) : 0, m, at, end, k;
	struct nfips_op *ac, *bm = NULL;
	struct nfips_err err, bm_err;
	int refs = unit_op_refs;
	char *args;

	if (alen > NFIPS_ARGS_MAX || plen > 60000)
		return -1;
	args = fuzz_strdup(data, alen);
	memset(&err, 0, sizeof(err));
	ac = unit_op("ac", args, &err);
	if (!ac)
		FUZZ_CHECK(err.msg[0] && strnlen(err.msg, sizeof(err.msg)) < sizeof(err.msg),
			   "(ac refused without a reason)");
	if (!acf_ref_read(args))
		FUZZ_CHECK(!ac, "(ac accepted a pattern the parser cannot decode)");
	if (!acf_ref.noref) {
		memset(&bm_err, 0, sizeof(bm_err));
		bm = unit_op("bm", args, &bm_err);
		/* bm's own limit: more than 1024 patterns. */
		if (!bm && strstr(bm_err.msg, "more than 1024 patterns"))
			acf_ref.noref = true;
		else
			FUZZ_CHECK(!ac == !bm, "(ac %s '%s', bm %s '%s')",
				   ac ? "accepted" : "refused", err.msg,
				   bm ? "accepted" : "refused", bm_err.msg);
	}
	if (ac) {
		memcpy(pay, nl ? nl + 1 : data, plen);
		acf_check_one(ac, bm, pay, plen);
		if (acf_ref.n && !acf_ref.noref) {
			/* The first pattern at the window's start and end. */
			k = plen ? pay[0] % min(acf_ref.n, (u32)ACF_MAX_PATS) : 0;
			m = acf_ref.len[k];
			end = acf_ref.depth ? acf_ref.offset + acf_ref.depth : max(plen, acf_ref.offset + m);
			if (end + 1 <= 60000) {
				if (plen < end + 1) {
					memset(pay + plen, 'x', end + 1 - plen);
					plen = end + 1;
				}
				at = acf_ref.offset;
				memcpy(pay + at, acf_ref.pat[k], m);
				acf_check_one(ac, bm, pay, plen);
				at = end - m;
				memcpy(pay + at, acf_ref.pat[k], m);
				acf_check_one(ac, bm, pay, plen);
				pay[at + m - 1] ^= 0x21;
				acf_check_one(ac, bm, pay, plen);
			}
		}
	}
	unit_op_free(ac);
	unit_op_free(bm);
	FUZZ_CHECK(unit_op_refs == refs, "(op references leaked)");
	free(args);
	return 0;
}
