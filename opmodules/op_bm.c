// SPDX-License-Identifier: GPL-2.0
/*
 * bm: Boyer-Moore substring search in the L4 payload, the paper's payload
 * signature op-module.
 *
 *   op NAME bm pattern=P [pattern=P ...] [nocase] [offset=N] [depth=N]
 *              [action=drop|alert|accept]
 *
 * Each pattern is searched on its own, with both of Boyer-Moore's rules (bad
 * character and good suffix), as the paper's N payload signatures are; the
 * first pattern found decides. Patterns are text, "quoted text" or |hex|
 * bytes (nfips_args.h). nocase, offset and depth apply to every pattern of
 * the op: the search window is payload[offset .. offset + depth), and a
 * pattern matches only when it lies wholly inside it.
 *
 * The payload must be linear: the twins hand over a linearized packet, so a
 * pattern straddling two fragments of a socket buffer is found. IP fragments
 * are searched one by one (a pattern split between two IP fragments is found
 * only when conntrack's defragmentation runs before nfips).
 */
#include "nfips_op.h"

#define BM_MAX_PATTERNS		1024
#define BM_MAX_PATTERN_LEN	1024

struct bm_pattern {
	u32 len;
	u16 bad[256];		/* bad character: m - 1 - last position of c */
	u16 *good;		/* good suffix shift per mismatch position */
	u8 *pat;		/* folded when nocase */
};

struct bm_priv {
	u32 n;
	struct nfips_payload_opts o;
	int result;
	struct bm_pattern *pats[BM_MAX_PATTERNS];
};

static inline u8 fold(u8 c, bool nocase)
{
	return (nocase && c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Returns true when @p occurs in t[0 .. n). */
static inline bool bm_find(const struct bm_pattern *p, const u8 *t, u32 n,
			   bool nocase)
{
	u32 m = p->len, i = 0, j, shift;
	int bc;

	while (n >= m && i <= n - m) {
		j = m;
		while (j > 0 && p->pat[j - 1] == fold(t[i + j - 1], nocase))
			j--;
		if (j == 0)
			return true;
		/* Mismatch at pattern position j - 1. */
		bc = (int)p->bad[fold(t[i + j - 1], nocase)] - (int)(m - j);
		shift = p->good[j - 1];
		if (bc > (int)shift)
			shift = (u32)bc;
		i += shift;
	}
	return false;
}

static int bm_process(const struct nfips_op *op, const struct nfips_pkt *pkt,
		      void *scratch)
{
	const struct bm_priv *b = nfips_op_priv(op);
	const u8 *t;
	u32 n, i;

	(void)scratch;	/* no ->scratch_alloc */
	if (!nfips_payload_window(pkt, &b->o, &t, &n))
		return NFIPS_CONTINUE;

	for (i = 0; i < b->n; i++) {
		bool found = b->o.nocase ? bm_find(b->pats[i], t, n, true) :
					 bm_find(b->pats[i], t, n, false);
		if (found)
			return b->result;
	}
	return NFIPS_CONTINUE;
}

/*
 * Good-suffix table (Charras & Lecroq, "Handbook of Exact String Matching"):
 * good[j] is the shift when p[j] mismatches after p[j+1 .. m) matched.
 */
static int bm_good_suffix(struct bm_pattern *p)
{
	const u8 *x = p->pat;
	int m = (int)p->len, i, j, f = 0, g;
	int *suff;

	suff = nfips_zalloc(sizeof(*suff) * m);
	if (!suff)
		return -ENOMEM;
	suff[m - 1] = m;
	g = m - 1;
	for (i = m - 2; i >= 0; i--) {
		if (i > g && suff[i + m - 1 - f] < i - g) {
			suff[i] = suff[i + m - 1 - f];
		} else {
			if (i < g)
				g = i;
			f = i;
			while (g >= 0 && x[g] == x[g + m - 1 - f])
				g--;
			suff[i] = f - g;
		}
	}
	for (i = 0; i < m; i++)
		p->good[i] = (u16)m;
	for (j = 0, i = m - 1; i >= 0; i--)
		if (suff[i] == i + 1)
			for (; j < m - 1 - i; j++)
				if (p->good[j] == m)
					p->good[j] = (u16)(m - 1 - i);
	for (i = 0; i <= m - 2; i++)
		p->good[m - 1 - suff[i]] = (u16)(m - 1 - i);
	nfips_free(suff);
	return 0;
}

static void bm_free_pattern(struct bm_pattern *p)
{
	if (!p)
		return;
	nfips_free(p->good);
	nfips_free(p->pat);
	nfips_free(p);
}

static struct bm_pattern *bm_compile(const u8 *pat, u32 len, bool nocase)
{
	struct bm_pattern *p;
	u32 i;

	p = nfips_zalloc(sizeof(*p));
	if (!p)
		return NULL;
	p->len = len;
	p->pat = nfips_zalloc(len);
	p->good = nfips_zalloc(sizeof(*p->good) * len);
	if (!p->pat || !p->good)
		goto err_free;
	for (i = 0; i < len; i++)
		p->pat[i] = fold(pat[i], nocase);
	for (i = 0; i < 256; i++)
		p->bad[i] = (u16)len;
	/*
	 * With nocase the text is folded before the lookup, so only folded
	 * characters need entries.
	 */
	for (i = 0; i < len; i++)
		p->bad[p->pat[i]] = (u16)(len - 1 - i);
	if (bm_good_suffix(p))
		goto err_free;
	return p;

err_free:
	bm_free_pattern(p);
	return NULL;
}

static void bm_destroy(struct nfips_op *op)
{
	struct bm_priv *b = nfips_op_priv(op);
	u32 i;

	for (i = 0; i < b->n; i++)
		bm_free_pattern(b->pats[i]);
}

static struct nfips_op *bm_init(const char *args, struct nfips_err *err);

struct nfips_op_ops nfips_op_bm_ops = {
	.process	= bm_process,
	.init		= bm_init,
	.destroy	= bm_destroy,
	.name		= "bm",
	.owner		= NFIPS_THIS_MODULE,
};

static struct nfips_op *bm_init(const char *args, struct nfips_err *err)
{
	u32 len, i, longest = 0;
	struct nfips_op *op = NULL;
	struct nfips_args it;
	struct nfips_arg arg;
	struct bm_priv *b;
	u8 *buf;
	int ret;

	/*
	 * Two passes over the arguments: nocase anywhere on the line applies to
	 * every pattern, so the options are read before patterns are compiled.
	 */
	buf = nfips_zalloc(BM_MAX_PATTERN_LEN);
	op = nfips_op_alloc(&nfips_op_bm_ops, sizeof(*b));
	if (!buf || !op) {
		nfips_err_set(err, "out of memory");
		goto err_free;
	}
	b = nfips_op_priv(op);
	nfips_payload_opts_init(&b->o);

	if (nfips_args_init(&it, args, err))
		goto err_free;
	while ((ret = nfips_args_next(&it, &arg, err)) > 0) {
		if (!strcmp(arg.key, "pattern")) {
			ret = nfips_arg_bytes(&arg, buf, BM_MAX_PATTERN_LEN,
					      &len, err);
			if (!ret && b->n == BM_MAX_PATTERNS) {
				nfips_err_set(err, "more than %u patterns",
					      BM_MAX_PATTERNS);
				ret = -E2BIG;
			}
			if (!ret) {
				b->n++;
				if (len > longest)
					longest = len;
			}
		} else {
			ret = nfips_payload_opt(&arg, &b->o, err);
			if (ret == 1)
				ret = nfips_arg_unknown(&arg, err);
		}
		if (ret)
			goto err_free;
	}
	if (ret < 0)
		goto err_free;
	if (!b->n) {
		nfips_err_set(err, "missing argument 'pattern'");
		goto err_free;
	}
	if (nfips_payload_check(&b->o, longest, err))
		goto err_free;
	b->result = nfips_action_result(b->o.action);

	/* Second pass: compile; the first pass validated every argument. */
	nfips_args_init(&it, args, err);
	for (i = 0; nfips_args_next(&it, &arg, err) > 0;) {
		if (strcmp(arg.key, "pattern"))
			continue;
		nfips_arg_bytes(&arg, buf, BM_MAX_PATTERN_LEN, &len, err);
		b->pats[i] = bm_compile(buf, len, b->o.nocase);
		if (!b->pats[i]) {
			nfips_err_set(err, "out of memory");
			b->n = i;
			goto err_free;
		}
		i++;
	}
	nfips_free(buf);
	return op;

err_free:
	if (op) {
		b = nfips_op_priv(op);
		for (i = 0; i < b->n; i++)
			if (b->pats[i])
				bm_free_pattern(b->pats[i]);
		nfips_free(op);
	}
	nfips_free(buf);
	return NULL;
}

NFIPS_OP_MODULE(bm);
