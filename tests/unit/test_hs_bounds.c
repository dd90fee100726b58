// SPDX-License-Identifier: GPL-2.0
/*
 * hs op-module: no read outside the payload window, where a read would
 * fault. Hyperscan's AVX-512 engines (the fat runtime picks them on a CPU
 * that has AVX512VBMI, as this machine's) load 64-byte vectors and can load
 * past the end of the scanned block: `make fuzz` (fuzz_pkt) died with SEGV
 * in avx512vbmi_hs_scan on a window that ended at a page boundary (the
 * known overread of VectorCamp/vectorscan issue 322). ASan cannot see reads
 * inside libhs (it is not instrumented), so this test puts every window
 * between two PROT_NONE guard pages: ending right at the upper guard,
 * starting right at the lower one, and at every position a few bytes away,
 * for windows of 0 to 300 bytes, with the fuzz harness's pattern sets and
 * larger ones (the engines differ by pattern count). Each scan's verdict is
 * also checked against a naive search (the op's guard against the overread
 * copies some windows; the copy must find the same matches).
 */
#include <sys/mman.h>
#include <unistd.h>

#include "unit_check.h"

#ifdef UNIT_HAVE_HS
extern struct nfips_op_ops nfips_op_hs_ops;

#define PAGE	4096u
#define EDGE	160u	/* positions tried near each guard */
#define MAXN	300u

/* A set of literals: its pattern= arguments, and the same literals as
 * UNIT_X_MAX_PATS-sized cases of the shared naive reference. */
#define SET_MAX		208
#define SET_CASES	(SET_MAX / UNIT_X_MAX_PATS)

struct set {
	const char *name;
	char args[8192];
	u32 n;
	struct unit_xcase x[SET_CASES];
};

static void set_add(struct set *s, const void *lit, u32 len)
{
	struct unit_xcase *x = &s->x[s->n / UNIT_X_MAX_PATS];

	memcpy(x->pat[x->n], lit, len);
	x->len[x->n++] = len;
	s->n++;
}

static bool naive(const struct set *s, const u8 *t, u32 n)
{
	u32 i;

	for (i = 0; i * UNIT_X_MAX_PATS < s->n; i++)
		if (unit_naive_search(&s->x[i], t, n))
			return true;
	return false;
}

/* n literals of 4-8 letters from r, written as pattern= arguments. */
static void set_random(struct set *s, const char *name, u32 n,
		       struct unit_rng *r, bool nocase)
{
	char lit[9];
	size_t off;
	u32 i, j, l;

	memset(s, 0, sizeof(*s));
	s->name = name;
	for (i = 0; i < SET_CASES; i++)
		s->x[i].nocase = nocase;
	off = 0;
	for (i = 0; i < n; i++) {
		l = 4 + unit_rng_below(r, 5);
		for (j = 0; j < l; j++)
			lit[j] = (char)('a' + unit_rng_below(r, 6));
		lit[l] = '\0';
		set_add(s, lit, l);
		off += (size_t)snprintf(s->args + off, sizeof(s->args) - off,
					"pattern=%s ", lit);
	}
	if (nocase)
		snprintf(s->args + off, sizeof(s->args) - off, "nocase");
}

int main(void)
{
	static struct set sets[4];
	struct unit_rng r;
	struct nfips_err err;
	struct nfips_op *op;
	struct nfips_pkt pkt;
	u8 *map, *page;
	u64 scans, bad;
	u32 si, n, pos;
	size_t i;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(sets));
	unit_rng_seed(&r, unit_seed(0x6a5f));

	/* The fuzz harness's "evil" set, then 12, 40 and 200 literals. */
	memset(&sets[0], 0, sizeof(sets[0]));
	sets[0].name = "3 literals";
	set_add(&sets[0], "EVIL", 4);
	set_add(&sets[0], "\xde\xad\xbe\xef", 4);
	set_add(&sets[0], "GET /", 5);
	snprintf(sets[0].args, sizeof(sets[0].args),
		 "pattern=EVIL pattern=|de ad be ef| pattern=\"GET /\"");
	set_random(&sets[1], "12 literals, nocase", 12, &r, true);
	set_random(&sets[2], "40 literals", 40, &r, false);
	set_random(&sets[3], "200 literals", 200, &r, false);

	/* guard | page | guard */
	map = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	page = map + PAGE;
	if (mprotect(map, PAGE, PROT_NONE) ||
	    mprotect(page + PAGE, PAGE, PROT_NONE))
		ksft_exit_fail_msg("mprotect: %s\n", strerror(errno));

	for (si = 0; si < ARRAY_SIZE(sets); si++) {
		struct set *s = &sets[si];

		CASE_BEGIN();
		op = nfips_op_hs_ops.init(s->args, &err);
		EXPECT(op);
		if (!op || nfips_op_scratch_init(op, &err)) {
			ksft_print_msg("hs %s: %s\n", s->name, err.msg);
			unit_case_ok = false;
			nfips_op_free(op);
			CASE_END("hs, %s: built", s->name);
			continue;
		}
		/* Text from the patterns' alphabet, so that some windows
		 * match and some do not. */
		for (i = 0; i < PAGE; i++)
			page[i] = (u8)("abcdefEVIL GET /"[unit_rng_below(&r, 16)]);
		scans = bad = 0;
		for (n = 0; n <= MAXN; n++)
			for (pos = 0; pos < EDGE; pos++) {
				const u8 *at[2] = {
					page + PAGE - n - pos,	/* ends pos before the upper guard */
					page + pos,		/* starts pos after the lower one */
				};

				for (i = 0; i < 2; i++) {
					memset(&pkt, 0, sizeof(pkt));
					pkt.data = at[i];
					pkt.len = pkt.wire_len = n;
					pkt.payload_len = n;
					pkt.family = 4;
					scans++;
					if ((nfips_op_process(op, &pkt) != NFIPS_CONTINUE) !=
					    naive(s, at[i], n) && bad++ < 5)
						ksft_print_msg("%s: window of %u bytes at page offset %ld: the op and the naive search differ\n",
							       s->name, n, (long)(at[i] - page));
				}
			}
		EXPECT_EQ(bad, 0);
		nfips_op_free(op);
		CASE_END("hs, %s: %llu windows of 0-%u bytes at both guard pages, no fault, verdicts as a naive search",
			 s->name, (unsigned long long)scans, MAXN);
	}
	munmap(map, 3 * PAGE);
	ksft_finished();
}
#else
int main(void)
{
	ksft_print_header();
	ksft_exit_skip("nfips was built without Hyperscan (libhs): no hs op-module to test\n");
}
#endif
