// SPDX-License-Identifier: GPL-2.0
/*
 * hs: Hyperscan multi-pattern matching over the L4 payload (user twin only:
 * Hyperscan is a user-space library, so Kbuild never builds this file).
 *
 *   op NAME hs [pattern=P ...] [regex=R ...] [patterns-file=PATH]
 *              [nocase] [offset=N] [depth=N] [action=drop|alert|accept]
 *
 * pattern= is a literal in bm's syntax (text, "quoted text", |hex| bytes,
 * nfips_args.h). regex= is a Hyperscan (PCRE-like) expression; inside it
 * write alternation as "\|" (a bare '|' starts a hex segment for the
 * argument parser) and a literal pipe as [|]; "\"" is a quote, every other
 * backslash goes to Hyperscan unchanged. Expressions are compiled with
 * HS_FLAG_DOTALL (a payload is bytes, not lines). patterns-file=PATH reads
 * one literal per line in pattern='s syntax (blank lines and lines
 * starting with '#' skipped), so thousands of patterns need no 60 KB
 * config line; PATH is read once, when the config is loaded, relative to
 * nfipsd's working directory. nocase, offset and depth apply to every
 * pattern; the window is payload[offset .. offset + depth) and a pattern
 * matches only when it lies wholly inside it, as with bm.
 *
 * All patterns of one op are compiled into one block-mode database
 * (hs_compile_multi, literals escaped as \xHH: see compile() for why not
 * hs_compile_lit_multi); the first match stops the scan.
 *
 * Scratch space: Hyperscan needs one scratch per concurrent scanner. The op
 * contract's per-worker scratch (nfips_op.h) provides it: .scratch_alloc
 * makes one for the database, the core calls it for each worker of the twin
 * once the config is loaded, and .process scans with the scratch its worker
 * passes, so it never allocates or locks.
 */
#include <hs.h>

#include "nfips_op.h"

#define HS_MAX_PATTERNS		100000
#define HS_MAX_PATTERN_LEN	1024

struct hs_priv {
	hs_database_t *db;
	struct nfips_payload_opts o;
	int result;
};

/* Patterns collected by .init before compiling. */
struct hs_list {
	u32 n, cap;
	char **expr;		/* NUL-terminated (regex) or raw bytes */
	size_t *len;
	bool *regex;
	char **where;		/* "pattern #3", "patterns-file f.txt:12" */
	u32 longest;		/* longest literal (depth check) */
};

static int on_match(unsigned int id, unsigned long long from,
		    unsigned long long to, unsigned int flags, void *ctx)
{
	(void)id; (void)from; (void)to; (void)flags;
	*(bool *)ctx = true;
	return 1;		/* stop at the first match */
}

/*
 * Hyperscan 5.4's AVX-512 engines (its fat runtime picks them on a CPU with
 * AVX512VBMI) load whole 64-byte vectors and can read past the end of the
 * block they scan (the overread of VectorCamp/vectorscan issue 322): `make
 * fuzz` died with SEGV in avx512vbmi_hs_scan on a window that ended at a
 * page boundary, and tests/unit/test_hs_bounds.c reproduces it with guard
 * pages. A read that stays on the window's own pages cannot fault (and the
 * bytes it reads do not change a match: the differential tests agree), so
 * only a window that starts or ends within HS_SLACK bytes of a page
 * boundary is scanned from a copy with HS_SLACK readable bytes on each
 * side, in its worker's bounce buffer: about 1 window in 32, bounded
 * work, no allocation here. HS_SLACK is one vector; measured with the
 * guard pages, the reads went less than 16 bytes past the end. 4096 is the
 * smallest page size; a larger page's boundary is also a 4096-byte one.
 * nfipsd copies at most 65535 bytes of a packet (NFQNL_COPY_PACKET,
 * uspace/queue.c), so a window never exceeds HS_BOUNCE; a longer one (a
 * caller's jumbogram) is scanned in place.
 */
#define HS_SLACK	64u
#define HS_EDGE		4096u
#define HS_BOUNCE	65536u

struct hs_worker {
	hs_scratch_t *s;
	u8 bounce[HS_SLACK + HS_BOUNCE + HS_SLACK];
};

static bool hs_near_edge(const u8 *t, u32 n)
{
	uintptr_t a = (uintptr_t)t, e = a + n;

	return (a & (HS_EDGE - 1)) < HS_SLACK ||
	       (-e & (HS_EDGE - 1)) < HS_SLACK;
}

static int hs_process(const struct nfips_op *op, const struct nfips_pkt *pkt,
		      void *scratch)
{
	struct hs_priv *h = nfips_op_priv(op);
	struct hs_worker *w = scratch;
	bool found = false;
	const u8 *t;
	u32 n;

	if (!nfips_payload_window(pkt, &h->o, &t, &n))
		return NFIPS_CONTINUE;
	if (n <= HS_BOUNCE && hs_near_edge(t, n)) {
		memcpy(w->bounce + HS_SLACK, t, n);
		t = w->bounce + HS_SLACK;
	}
	hs_scan(h->db, (const char *)t, n, 0, w->s, on_match, &found);
	return found ? h->result : NFIPS_CONTINUE;
}

static void list_free(struct hs_list *l)
{
	u32 i;

	for (i = 0; i < l->n; i++) {
		free(l->expr[i]);
		free(l->where[i]);
	}
	free(l->expr);
	free(l->len);
	free(l->regex);
	free(l->where);
	memset(l, 0, sizeof(*l));
}

static int list_add(struct hs_list *l, const void *p, size_t len, bool regex,
		    char *where, struct nfips_err *err)
{
	if (l->n == HS_MAX_PATTERNS) {
		nfips_err_set(err, "more than %u patterns", HS_MAX_PATTERNS);
		free(where);
		return -E2BIG;
	}
	if (l->n == l->cap) {
		u32 cap = l->cap ? l->cap * 2 : 64;
		char **e = realloc(l->expr, cap * sizeof(*e));
		size_t *ln;
		bool *r;
		char **w;

		if (e)
			l->expr = e;
		ln = realloc(l->len, cap * sizeof(*ln));
		if (ln)
			l->len = ln;
		r = realloc(l->regex, cap * sizeof(*r));
		if (r)
			l->regex = r;
		w = realloc(l->where, cap * sizeof(*w));
		if (w)
			l->where = w;
		if (!e || !ln || !r || !w)
			goto nomem;
		l->cap = cap;
	}
	l->expr[l->n] = malloc(len + 1);
	if (!l->expr[l->n] || !where) {
		free(l->expr[l->n]);
		goto nomem;
	}
	memcpy(l->expr[l->n], p, len);
	l->expr[l->n][len] = '\0';
	l->len[l->n] = len;
	l->regex[l->n] = regex;
	l->where[l->n] = where;
	l->n++;
	if (!regex && len > l->longest)
		l->longest = (u32)len;
	return 0;
nomem:
	free(where);
	nfips_err_set(err, "out of memory");
	return -ENOMEM;
}

static char *where_fmt(const char *fmt, const char *s, u32 n)
{
	char *w;

	if (asprintf(&w, fmt, s, n) < 0)
		return NULL;
	return w;
}

/* regex= value: drop grouping quotes, unescape \| and \", keep the rest. */
static int regex_decode(const struct nfips_arg *arg, char *buf, u32 cap,
			u32 *len, struct nfips_err *err)
{
	const char *p = arg->val, *end;
	u32 n = 0;

	/* "regex" alone has no value: no pointer arithmetic on NULL. */
	if (!p) {
		nfips_err_set(err, "argument 'regex' needs a value");
		return -EINVAL;
	}
	for (end = p + arg->val_len; p < end; p++) {
		if (*p == '"')
			continue;
		if (n + 2 >= cap) {
			nfips_err_set(err, "argument 'regex': longer than %u bytes",
				      cap - 2);
			return -EINVAL;
		}
		if (*p == '\\' && p + 1 < end) {
			if (p[1] == '|' || p[1] == '"') {
				buf[n++] = *++p;
				continue;
			}
			buf[n++] = *p++;
		}
		buf[n++] = *p;
	}
	if (!n) {
		nfips_err_set(err, "argument 'regex': empty value");
		return -EINVAL;
	}
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* One line of a patterns-file (nfips_patterns_file, shared with ac). */
static int hs_file_add(void *ctx, const u8 *p, u32 len, const char *path,
		       u32 line, struct nfips_err *err)
{
	return list_add(ctx, p, len, false,
			where_fmt("patterns-file %s:%u", path, line), err);
}

static void hs_destroy(struct nfips_op *op)
{
	struct hs_priv *h = nfips_op_priv(op);

	hs_free_database(h->db);
}

/* One worker's scratch for this op's database and its bounce buffer
 * (NULL: out of memory). */
static void *hs_scratch_alloc(const struct nfips_op *op)
{
	const struct hs_priv *h = nfips_op_priv(op);
	struct hs_worker *w = malloc(sizeof(*w));

	if (!w)
		return NULL;
	w->s = NULL;
	if (hs_alloc_scratch(h->db, &w->s) != HS_SUCCESS) {
		free(w);
		return NULL;
	}
	return w;
}

static void hs_scratch_free(const struct nfips_op *op, void *scratch)
{
	struct hs_worker *w = scratch;

	(void)op;
	hs_free_scratch(w->s);
	free(w);
}

static struct nfips_op *hs_init(const char *args, struct nfips_err *err);

struct nfips_op_ops nfips_op_hs_ops = {
	.process	= hs_process,
	.init		= hs_init,
	.destroy	= hs_destroy,
	.scratch_alloc	= hs_scratch_alloc,
	.scratch_free	= hs_scratch_free,
	.name		= "hs",
	.owner		= NFIPS_THIS_MODULE,
};

/* Literals as a regex: every byte as \xHH, so any byte is allowed. */
static char *literal_regex(const char *p, size_t len)
{
	char *r = malloc(len * 4 + 1);
	size_t i;

	if (!r)
		return NULL;
	for (i = 0; i < len; i++)
		sprintf(r + i * 4, "\\x%02x", (u8)p[i]);
	r[len * 4] = '\0';
	return r;
}

static int compile(struct hs_priv *h, struct hs_list *l, bool nocase,
		   struct nfips_err *err)
{
	unsigned int *flags = NULL, *ids = NULL;
	hs_compile_error_t *cerr = NULL;
	char **exprs = NULL;
	hs_error_t r;
	u32 i;
	int ret = -ENOMEM;

	flags = calloc(l->n, sizeof(*flags));
	ids = calloc(l->n, sizeof(*ids));
	exprs = calloc(l->n, sizeof(*exprs));
	if (!flags || !ids || !exprs)
		goto out;
	/*
	 * Literals are compiled as \xHH regexes, never with
	 * hs_compile_lit_multi, and without HS_FLAG_SINGLEMATCH (on_match()
	 * ends the scan at the first match anyway): Hyperscan 5.4's literal
	 * API misses matches - a literal of 37 bytes or more is never found
	 * when the database also holds a one-byte literal, and with
	 * SINGLEMATCH a short literal near the end of a short payload is
	 * missed when a ~40-byte one is present. Found by tests/fuzz/fuzz_args
	 * against a naive search; each miss is a signature evaded.
	 */
	for (i = 0; i < l->n; i++) {
		ids[i] = i;
		flags[i] = HS_FLAG_DOTALL | (nocase ? HS_FLAG_CASELESS : 0);
		exprs[i] = l->regex[i] ? l->expr[i] :
			   literal_regex(l->expr[i], l->len[i]);
		if (!exprs[i])
			goto out;
	}
	r = hs_compile_multi((const char *const *)exprs, flags, ids, l->n,
			     HS_MODE_BLOCK, NULL, &h->db, &cerr);
	if (r != HS_SUCCESS) {
		if (cerr && cerr->expression >= 0 && (u32)cerr->expression < l->n)
			nfips_err_set(err, "%s '%.60s': %s",
				      l->where[cerr->expression],
				      l->regex[cerr->expression] ?
				      l->expr[cerr->expression] : "(literal)",
				      cerr->message);
		else
			nfips_err_set(err, "hyperscan: %s",
				      cerr ? cerr->message : "compile failed");
		hs_free_compile_error(cerr);
		ret = -EINVAL;
		goto out;
	}
	ret = 0;
out:
	if (ret == -ENOMEM)
		nfips_err_set(err, "out of memory");
	if (exprs)
		for (i = 0; i < l->n; i++)
			if (exprs[i] && exprs[i] != l->expr[i])
				free(exprs[i]);
	free(exprs);
	free(flags);
	free(ids);
	return ret;
}

static struct nfips_op *hs_init(const char *args, struct nfips_err *err)
{
	u32 len, npat = 0, nre = 0;
	struct hs_list l = { 0 };
	struct nfips_op *op;
	struct nfips_args it;
	struct nfips_arg arg;
	struct hs_priv *h;
	u8 *buf;
	int ret;

	if (hs_valid_platform() != HS_SUCCESS) {
		nfips_err_set(err, "hyperscan does not support this CPU (needs SSSE3)");
		return NULL;
	}
	buf = malloc(HS_MAX_PATTERN_LEN * 4);
	op = nfips_op_alloc(&nfips_op_hs_ops, sizeof(*h));
	if (!buf || !op) {
		nfips_err_set(err, "out of memory");
		goto err_free;
	}
	h = nfips_op_priv(op);
	nfips_payload_opts_init(&h->o);

	if (nfips_args_init(&it, args, err))
		goto err_free;
	while ((ret = nfips_args_next(&it, &arg, err)) > 0) {
		if (!strcmp(arg.key, "pattern")) {
			ret = nfips_arg_bytes(&arg, buf, HS_MAX_PATTERN_LEN, &len, err);
			if (!ret)
				ret = list_add(&l, buf, len, false,
					       where_fmt("pattern #%s%u", "", ++npat), err);
		} else if (!strcmp(arg.key, "regex")) {
			ret = regex_decode(&arg, (char *)buf, HS_MAX_PATTERN_LEN * 4,
					   &len, err);
			if (!ret)
				ret = list_add(&l, buf, len, true,
					       where_fmt("regex #%s%u", "", ++nre), err);
		} else if (!strcmp(arg.key, "patterns-file")) {
			ret = nfips_patterns_file(&arg, buf, HS_MAX_PATTERN_LEN,
						  hs_file_add, &l, err);
		} else {
			ret = nfips_payload_opt(&arg, &h->o, err);
			if (ret == 1)
				ret = nfips_arg_unknown(&arg, err);
		}
		if (ret)
			goto err_free;
	}
	if (ret < 0)
		goto err_free;
	if (!l.n) {
		nfips_err_set(err, "missing argument 'pattern', 'regex' or 'patterns-file'");
		goto err_free;
	}
	if (nfips_payload_check(&h->o, l.longest, err))
		goto err_free;
	h->result = nfips_action_result(h->o.action);
	if (compile(h, &l, h->o.nocase, err))
		goto err_free;
	list_free(&l);
	free(buf);
	return op;

err_free:
	list_free(&l);
	if (op)
		nfips_op_free(op);	/* ->destroy frees what exists */
	free(buf);
	return NULL;
}

NFIPS_OP_MODULE(hs);
