// SPDX-License-Identifier: GPL-2.0
/*
 * ac: Aho-Corasick multi-pattern search in the L4 payload, in both twins.
 *
 *   op NAME ac [pattern=P ...] [patterns-file=PATH ...] [nocase]
 *              [offset=N] [depth=N] [action=drop|alert|accept]
 *
 * Arguments as bm's and hs's: a pattern is text, "quoted text" or |hex|
 * bytes (nfips_args.h); patterns-file=PATH reads one pattern per line in the
 * same syntax, blank lines and lines starting with '#' skipped (hs's
 * format; a NUL byte in the file is refused: write |00|). At least one
 * pattern. nocase, offset and depth apply to every pattern: the window is
 * payload[offset .. offset + depth) and a pattern matches only when it lies
 * wholly inside it. The first match decides (action=, default drop).
 *
 * Where the file is read: nfipsd (and nfipsctl check) open PATH relative to
 * their own working directory; the kernel twin opens it in .init, which runs
 * in the context of the process that loads the config (nfipsctl), with that
 * process's credentials, root and working directory (filp_open() and
 * kernel_read(), nfips_compat.h). Absolute paths mean the same file to both
 * twins. The file format and reader are shared with hs (nfips_patterns_file,
 * core/nfips_args.c; at most NFIPS_PATTERNS_FILE_MAX, 64 MiB).
 *
 * Which payload op-module to pick:
 *   bm   one or a few patterns: Boyer-Moore skips ahead and reads a fraction
 *        of the payload per pattern, but each pattern is a separate search,
 *        so its cost grows linearly with the number of patterns.
 *   ac   many literal patterns in either twin: one pass over the window,
 *        at most one table lookup per byte (start-state acceleration,
 *        below, skips the bytes that cannot begin a pattern), whatever
 *        the number of patterns (a larger automaton costs cache misses,
 *        not passes).
 *   hs   regexes, or the fastest literal matching in the user twin only
 *        (Hyperscan: SIMD, user space only).
 *
 * The automaton. Patterns go into a trie whose edges are labelled with
 * bytes (folded to lower case under nocase). Alphabet compression: every
 * byte value that occurs in some pattern gets its own class 1..k, every
 * other byte class 0 (under nocase 'A' and 'a' share a class, so the scan
 * never folds). The trie is then turned into a complete DFA, breadth first:
 * each state's row (stride = k + 1 entries) starts as a copy of its failure
 * state's row and gets its own trie edges on top, so a failure link is
 * never followed while scanning. States are numbered in that order, and an
 * entry holds the next state's row offset (id x stride), not its id: the
 * scan's chain of dependent loads then has no multiply in it. Entries are
 * u16 while every offset fits, else u32. Measured against ids (best of 3,
 * -O2, loaded 2-core host): 1.4-1.8 x faster for 200 and 1,000 text
 * patterns; a table that offsets push from u16 to u32 can lose it to cache
 * misses (1,000 random binary patterns: 10 MiB instead of 5, slower).
 *
 * Only "is there any match" matters (the first match decides), so every
 * state at which some pattern ends - its own or, through its failure chain,
 * a suffix's - is one absorbing state, offset `match`, with no row, and
 * the trie below it is never built into the table. The scan is
 *
 *	for each byte b of the window:
 *		s = tbl[s + cls[b]];  if (s == match) matched
 *
 * Start-state acceleration. Most of a payload that does not match keeps
 * the automaton in its start state (row 0): a byte leaves it only when it
 * can begin some pattern. So whenever s is the start state, the scan skips
 * ahead to the next byte that leaves it and resumes the table walk there,
 * as production AC engines do (Rust's aho-corasick, Hyperscan's literal
 * prefilters). The set of those bytes is read back from the built table's
 * row 0 (an entry is nonzero exactly when the byte leaves), so the skip
 * cannot disagree with the automaton: nocase (both cases fold to one class)
 * and the offset/depth window (the skip only runs inside it) hold as they
 * did. How it searches, by the size of the set:
 *	1 byte		memchr in user space (SIMD in glibc)
 *	2-3 bytes	eight bytes at a time (XOR with each byte repeated,
 *	(1 in kernel)	then the zero-byte test), the hit found byte by byte:
 *			x86-64's kernel memchr() is a byte loop
 *			(NFIPS_FAST_MEMCHR, nfips_compat.h)
 *	4 or more	a loop over a 256-entry "leaves" table
 * All three are plain C plus memchr, so both twins compile the same code.
 * Measured (-O2, best of 7, 1000-byte random payload without a 'Z', 200
 * bench patterns "Zq%05uxJ"): 1.5 us a payload before, 9 ns after (memchr
 * for 'Z'; 25 ns with three 'Z's in it); the kernel's way, the word search
 * for 'Z', 159 ns; nocase ('Z', 'z') 166 ns; 200 patterns with 20 distinct
 * first bytes (the table loop) 1.9 -> 0.37 us. The gain shrinks
 * as start bytes get frequent in the payload: a payload made of them only
 * costs one test per step more than before.
 *
 * Memory: rows x stride x (2 or 4) bytes, rows <= the pattern bytes + 1.
 * Measured (tests/unit/test_ac.c prints it): 200 patterns like the bench's
 * "Zq00042xJ" 12.5 KiB, 1,000 random lower-case words of 8-16 letters
 * 1 MiB, 10,000 of them 9 MiB; random binary patterns use all 256 byte
 * classes: 1,000 of 8-16 bytes 10 MiB, 10,000 are refused (97 MiB).
 *
 * Limits (op_ac.h), each refused by .init naming the number exceeded:
 * 100,000 patterns (NFIPS_AC_MAX_PATTERNS), 1,024 bytes per pattern, 2 MiB
 * of pattern bytes in all (NFIPS_AC_MAX_BYTES: bounds the trie built on the
 * way, 12 bytes per node) and a 64 MiB table (NFIPS_AC_MAX_TABLE, checked
 * against the rows the trie can need, before allocating). Tables are
 * nfips_kvzalloc()ed: kvmalloc in the kernel.
 *
 * The payload must be linear; the twins linearize as for bm, so a pattern
 * straddling two fragments of a socket buffer (or of an IP datagram that
 * conntrack reassembled first) is found. IP fragments reaching nfips one by
 * one are searched one by one.
 */
#include "nfips_op.h"
#include "op_ac.h"

/* One trie node; index 0 is the root, so 0 also means "none" below it. */
struct ac_node {
	u32 child;		/* first child */
	u32 sib;		/* next sibling */
	u8 label;		/* byte (folded under nocase) */
	u8 end;			/* a pattern ends here */
};

struct ac_build {
	struct ac_node *node;
	u32 n, cap;
	u32 patterns, longest;
	u32 bytes;
	bool nocase;
};

static inline u8 fold(u8 c, bool nocase)
{
	return (nocase && c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/*
 * Start-state skip (see the top of the file): the first i' >= i at which
 * t[i'] leaves the start state, or n when none does.
 */
#define ONES	0x0101010101010101ULL

/* Nonzero iff some byte of v is zero (never a false "no"). */
static inline u64 has_zero(u64 v)
{
	return (v - ONES) & ~v & (ONES << 7);
}

static u32 skip_swar(const struct nfips_ac *a, const u8 *t, u32 i, u32 n)
{
	u64 b0 = ONES * a->start_b[0], b1 = ONES * a->start_b[1];
	u64 b2 = ONES * a->start_b[2], v;

	/* Eight bytes at a time until a word holds one of the bytes ... */
	for (; n - i >= 8; i += 8) {
		memcpy(&v, t + i, sizeof(v));	/* an unaligned load */
		if (has_zero(v ^ b0) | has_zero(v ^ b1) | has_zero(v ^ b2))
			break;
	}
	/* ... then byte by byte to it (or through the short tail). */
	for (; i < n; i++)
		if (a->leaves[t[i]])
			return i;
	return n;
}

static inline u32 ac_skip(const struct nfips_ac *a, const u8 *t, u32 i, u32 n)
{
	const u8 *p;

	switch (a->start_n) {
	case 1:
		p = memchr(t + i, a->start_b[0], n - i);
		return p ? (u32)(p - t) : n;
	case 2:
	case 3:
		return skip_swar(a, t, i, n);
	default:
		while (i < n && !a->leaves[t[i]])
			i++;
		return i;
	}
}

/*
 * s is a row's offset in the table (see the top of the file); 0 is start.
 * @wide is a constant at both call sites, so the compiler makes one loop
 * per entry width from this one source.
 */
static inline bool ac_scan(const struct nfips_ac *a, const u8 *t, u32 n, bool wide)
{
	const u16 *t16 = a->tbl;
	const u32 *t32 = a->tbl;
	u32 s = 0, i = 0, x, match = a->match;

	while (i < n) {
		if (!s) {
			i = ac_skip(a, t, i, n);
			if (i == n)
				break;
		}
		x = s + a->cls[t[i++]];
		s = wide ? t32[x] : t16[x];
		if (unlikely(s == match))
			return true;
	}
	return false;
}

static int ac_process(const struct nfips_op *op, const struct nfips_pkt *pkt,
		      void *scratch)
{
	const struct nfips_ac *a = nfips_op_priv(op);
	const u8 *t;
	u32 n;
	bool found;

	(void)scratch;	/* no ->scratch_alloc */
	if (!nfips_payload_window(pkt, &a->o, &t, &n))
		return NFIPS_CONTINUE;
	found = a->wide ? ac_scan(a, t, n, true) : ac_scan(a, t, n, false);
	return found ? a->result : NFIPS_CONTINUE;
}

/* Add one pattern to the trie; counts it against the limits first. */
static int ac_add(struct ac_build *b, const u8 *p, u32 len,
		  struct nfips_err *err)
{
	u32 s = 0, i, x;
	u8 c;

	if (b->patterns == NFIPS_AC_MAX_PATTERNS) {
		nfips_err_set(err, "more than %u patterns", NFIPS_AC_MAX_PATTERNS);
		return -E2BIG;
	}
	if (len > NFIPS_AC_MAX_BYTES - b->bytes) {
		nfips_err_set(err, "more than %u bytes of patterns in all",
			      NFIPS_AC_MAX_BYTES);
		return -E2BIG;
	}
	b->patterns++;
	b->bytes += len;
	if (len > b->longest)
		b->longest = len;

	for (i = 0; i < len; i++) {
		/* A shorter pattern is a prefix: this one cannot match first. */
		if (b->node[s].end)
			return 0;
		c = fold(p[i], b->nocase);
		for (x = b->node[s].child; x && b->node[x].label != c;
		     x = b->node[x].sib)
			;
		if (!x) {
			if (b->n == b->cap) {
				/* bytes + 1 nodes at most: the cap never passes it. */
				u32 cap = min(b->cap * 2, NFIPS_AC_MAX_BYTES + 1);
				struct ac_node *nn;

				nn = nfips_kvzalloc(sizeof(*nn) * cap);
				if (!nn) {
					nfips_err_set(err, "out of memory");
					return -ENOMEM;
				}
				memcpy(nn, b->node, sizeof(*nn) * b->n);
				nfips_kvfree(b->node);
				b->node = nn;
				b->cap = cap;
			}
			x = b->n++;
			b->node[x].label = c;
			b->node[x].sib = b->node[s].child;
			b->node[s].child = x;
		}
		s = x;
	}
	b->node[s].end = 1;
	return 0;
}

/* One line of a patterns-file (nfips_patterns_file): its errors name it. */
static int ac_file_add(void *ctx, const u8 *p, u32 len, const char *path,
		       u32 line, struct nfips_err *err)
{
	int ret = ac_add(ctx, p, len, err);

	if (ret) {
		struct nfips_err e2;

		nfips_err_set(&e2, "patterns-file %.80s:%u: %s", path, line,
			      err->msg);
		*err = e2;
	}
	return ret;
}

/* Entries are row offsets (id x stride); these take and give row ids. */
static inline u32 tget(const struct nfips_ac *a, void *tbl, u32 row, u32 c)
{
	size_t i = (size_t)row * a->stride + c;

	return (a->wide ? ((u32 *)tbl)[i] : ((u16 *)tbl)[i]) / a->stride;
}

static inline void tset(const struct nfips_ac *a, void *tbl, u32 row, u32 c,
			u32 v)
{
	size_t i = (size_t)row * a->stride + c;

	if (a->wide)
		((u32 *)tbl)[i] = v * a->stride;
	else
		((u16 *)tbl)[i] = (u16)(v * a->stride);
}

/*
 * The bytes that leave the start state, read from the built table's row 0
 * (the root's): an entry is 0 exactly when the byte stays at the root, so
 * the skip agrees with the table by construction, nocase included (the
 * classes fold). Up to 3 values go into start_b[] for memchr or the
 * word-at-a-time search; leaves[] is filled in every case.
 */
static void start_set(struct nfips_ac *a)
{
	u32 i, k = 0;
	bool leaves;

	for (i = 0; i < 256; i++) {
		leaves = a->wide ? ((const u32 *)a->tbl)[a->cls[i]] != 0 :
				   ((const u16 *)a->tbl)[a->cls[i]] != 0;
		a->leaves[i] = leaves;
		if (leaves && k < 3)
			a->start_b[k] = (u8)i;
		k += leaves;
	}
	/* One byte without a fast memchr(): the word search, the byte twice. */
	a->start_n = (u8)(k == 1 && !NFIPS_FAST_MEMCHR ? 2 : min(k, 4u));
	for (i = k; i < 3; i++)
		a->start_b[i] = a->start_b[0];
}

/*
 * The complete DFA from the trie, breadth first (see the top of the file).
 * Row r is trie node node_of[r]; its failure state fail[r] is a row built
 * earlier (a shorter suffix), so row r can start as a copy of it.
 */
static int ac_compile(struct nfips_ac *a, struct ac_build *b,
		      struct nfips_err *err)
{
	u32 *fail = NULL, *node_of = NULL;
	u32 bound = 0, rows, r, x, c, f, v, k = 0, i;
	u16 id[256] = { 0 };
	size_t w, bytes;
	void *tbl = NULL, *small;
	u64 need;
	int ret = -ENOMEM;

	/*
	 * Byte classes: one per byte value on some trie edge, class 0 for
	 * the rest; when every value occurs, the byte is its own class.
	 */
	for (i = 1; i < b->n; i++)
		id[b->node[i].label] = 1;
	for (i = 0; i < 256; i++)
		if (id[i])
			id[i] = (u16)(++k);
	for (i = 0; k == 256 && i < 256; i++)
		id[i] = (u16)i;
	for (i = 0; i < 256; i++)
		a->cls[i] = (u8)id[fold((u8)i, b->nocase)];
	a->stride = k == 256 ? 256 : k + 1;

	/*
	 * Rows: at most the nodes where no pattern ends; the match id
	 * follows them, and its offset must fit the entries too.
	 */
	for (i = 0; i < b->n; i++)
		bound += !b->node[i].end;
	a->wide = (u64)bound * a->stride > 65535;
	a->match = bound * a->stride;	/* < 64 MiB: checked below */
	w = a->wide ? sizeof(u32) : sizeof(u16);
	need = (u64)bound * a->stride * w;
	if (need > NFIPS_AC_MAX_TABLE) {
		nfips_err_set(err, "%u patterns need a %llu KiB automaton, more than the %u KiB limit",
			      b->patterns, (unsigned long long)(need >> 10),
			      NFIPS_AC_MAX_TABLE >> 10);
		return -E2BIG;
	}
	tbl = nfips_kvzalloc((size_t)need);
	fail = nfips_kvzalloc(sizeof(*fail) * bound);
	node_of = nfips_kvzalloc(sizeof(*node_of) * bound);
	if (!tbl || !fail || !node_of)
		goto out;

	rows = 1;		/* row 0: the root, all zero (back to the root) */
	for (r = 0; r < rows; r++) {
		if (r)
			memcpy((u8 *)tbl + (size_t)r * a->stride * w,
			       (u8 *)tbl + (size_t)fail[r] * a->stride * w,
			       a->stride * w);
		for (x = b->node[node_of[r]].child; x; x = b->node[x].sib) {
			c = a->cls[b->node[x].label];
			f = r ? tget(a, tbl, fail[r], c) : 0;
			if (b->node[x].end || f == bound) {
				v = bound;
			} else {
				v = rows++;
				node_of[v] = x;
				fail[v] = f;
			}
			tset(a, tbl, r, c, v);
		}
	}

	/* Nodes below a match never got a row: give their room back. */
	bytes = (size_t)rows * a->stride * w;
	if (rows < bound) {
		small = nfips_kvzalloc(bytes);
		if (small) {
			memcpy(small, tbl, bytes);
			nfips_kvfree(tbl);
			tbl = small;
		}
	}
	a->tbl = tbl;
	tbl = NULL;
	start_set(a);
	a->rows = rows;
	a->table_bytes = bytes;
	a->trie_nodes = b->n;
	a->patterns = b->patterns;
	ret = 0;
out:
	if (ret)
		nfips_err_set(err, "out of memory");
	nfips_kvfree(tbl);
	nfips_kvfree(fail);
	nfips_kvfree(node_of);
	return ret;
}

static void ac_destroy(struct nfips_op *op)
{
	struct nfips_ac *a = nfips_op_priv(op);

	nfips_kvfree((void *)a->tbl);
}

static struct nfips_op *ac_init(const char *args, struct nfips_err *err);

struct nfips_op_ops nfips_op_ac_ops = {
	.process	= ac_process,
	.init		= ac_init,
	.destroy	= ac_destroy,
	.name		= "ac",
	.owner		= NFIPS_THIS_MODULE,
};

static struct nfips_op *ac_init(const char *args, struct nfips_err *err)
{
	struct ac_build b = { 0 };
	struct nfips_op *op = NULL;
	struct nfips_args it;
	struct nfips_arg arg;
	struct nfips_ac *a;
	u8 *buf;
	u32 len;
	int ret;

	if (nfips_args_init(&it, args, err))
		return NULL;
	/*
	 * nocase anywhere on the line folds every pattern, and patterns go
	 * into the trie as they are read: find it first (errors are reported
	 * by the real pass below).
	 */
	while (nfips_args_next(&it, &arg, err) > 0)
		if (!strcmp(arg.key, "nocase"))
			b.nocase = true;

	buf = nfips_zalloc(NFIPS_AC_MAX_PATTERN_LEN);
	op = nfips_op_alloc(&nfips_op_ac_ops, sizeof(*a));
	b.cap = 256;
	b.n = 1;		/* the root */
	b.node = nfips_kvzalloc(sizeof(*b.node) * b.cap);
	if (!buf || !op || !b.node) {
		nfips_err_set(err, "out of memory");
		goto err_free;
	}
	a = nfips_op_priv(op);
	nfips_payload_opts_init(&a->o);

	nfips_args_init(&it, args, err);
	while ((ret = nfips_args_next(&it, &arg, err)) > 0) {
		if (!strcmp(arg.key, "pattern")) {
			ret = nfips_arg_bytes(&arg, buf, NFIPS_AC_MAX_PATTERN_LEN,
					      &len, err);
			if (!ret)
				ret = ac_add(&b, buf, len, err);
		} else if (!strcmp(arg.key, "patterns-file")) {
			ret = nfips_patterns_file(&arg, buf, NFIPS_AC_MAX_PATTERN_LEN,
						  ac_file_add, &b, err);
		} else {
			ret = nfips_payload_opt(&arg, &a->o, err);
			if (ret == 1)
				ret = nfips_arg_unknown(&arg, err);
		}
		if (ret)
			goto err_free;
	}
	if (ret < 0)
		goto err_free;
	if (!b.patterns) {
		nfips_err_set(err, "missing argument 'pattern' or 'patterns-file'");
		goto err_free;
	}
	if (nfips_payload_check(&a->o, b.longest, err))
		goto err_free;
	a->result = nfips_action_result(a->o.action);
	if (ac_compile(a, &b, err))
		goto err_free;
	nfips_kvfree(b.node);
	nfips_free(buf);
	return op;

err_free:
	nfips_op_free(op);	/* ->destroy frees the table if there is one */
	nfips_kvfree(b.node);
	nfips_free(buf);
	return NULL;
}

NFIPS_OP_MODULE(ac);
