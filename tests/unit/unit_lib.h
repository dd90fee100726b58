/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the unit tests: a static op registry and packet builders. */
#ifndef NFIPS_UNIT_LIB_H
#define NFIPS_UNIT_LIB_H

#include "nfips_policy.h"

/* Number of nfips_op_get() minus nfips_op_put() calls: must end at 0. */
extern int unit_op_refs;

/*
 * The registry the helpers below use: the unit tests' static one
 * (unit_user.c), or nfips.ko's in nfips_test_ops.ko. Both count in
 * unit_op_refs.
 */
const struct nfips_op_ops *unit_op_get(const char *type, struct nfips_err *err);
void unit_op_put(const struct nfips_op_ops *ops);

/* The seed of a randomised test: an override (environment or module
 * parameter), else @def. */
u64 unit_seed(u64 def);

/* The randomised cross-checks run unit_random_ops(N) rounds: N everywhere
 * but on the KASAN debug kernel, where t_12_opvectors.sh divides them by
 * 10 (module parameter random_div): there every byte the op reads is
 * checked, so a tenth of the pairs still finds an overread, at a tenth of
 * the 2 minutes the full count took under TCG. The stock kernels and user
 * space run them all. */
extern u32 unit_random_div;
static inline u32 unit_random_ops(u32 n)
{
	return unit_random_div > 1 ? n / unit_random_div : n;
}

/*
 * A directory for the test's files: @dir holds a mkdtemp() template in user
 * space (removed at exit); the kernel copies the directory t_12_opvectors.sh
 * made (module parameter dir=). 0, or -1 without one.
 */
int unit_tmpdir(char *dir, size_t cap);
/* Write @len bytes of @data to @path (created or truncated): 0 or -1. */
int unit_write_file(const char *path, const void *data, size_t len);

/* Long loops give the CPU up now and then in the kernel (module init). */
#ifdef UNIT_KERNEL
#define unit_yield()	cond_resched()
#else
#define unit_yield()	do { } while (0)
#endif

struct unit_l4 {
	u8 proto;		/* NFIPS_PROTO_TCP / UDP / other */
	u16 sport, dport;
	u8 tcp_flags;
	const void *payload;
	u32 payload_len;
};

/*
 * Write an IPv4 (family 4) or IPv6 (family 6) packet with a correct header
 * and the given L4 part into @buf (>= 60 + 40 + payload_len bytes).
 * Returns its length.
 */
u32 unit_build_pkt(u8 *buf, int family, const struct unit_l4 *l4);

/* Build @pkt from the packet in @buf; fails the program if parsing fails. */
void unit_view(struct nfips_pkt *pkt, const u8 *buf, u32 len);

/* Instantiate op type @type with @args, or NULL (error text in @err). */
struct nfips_op *unit_op(const char *type, const char *args,
			 struct nfips_err *err);
void unit_op_free(struct nfips_op *op);

/*
 * @op's verdict on @pkt; -1 (no verdict of any op) when @op is NULL: in the
 * kernel a vector whose op could not be built cannot exit, so it mismatches.
 */
int unit_process(struct nfips_op *op, const struct nfips_pkt *pkt);

/* Run @op on a UDP packet of @family (4 or 6) carrying @pay[0 .. plen). */
int unit_run_payload(struct nfips_op *op, int family, const void *pay, u32 plen);

struct unit_rng {
	u64 s;
};

static inline void unit_rng_seed(struct unit_rng *r, u64 seed)
{
	r->s = seed ? seed : 0x9e3779b97f4a7c15ull;
}

static inline u64 unit_rng_next(struct unit_rng *r)
{
	u64 x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n); n > 0. The tiny modulo bias does not matter here. */
static inline u32 unit_rng_below(struct unit_rng *r, u32 n)
{
	return (u32)((unit_rng_next(r) >> 11) % n);
}

/*
 * ASCII letters and digits: the kernel's isalpha() also takes Latin-1's
 * 0xc0..0xff, which would make the random streams of the two twins differ.
 */
static inline bool unit_isalpha(u8 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool unit_isalnum(u8 c)
{
	return unit_isalpha(c) || (c >= '0' && c <= '9');
}

/*
 * The randomised cross-checks of the pattern op-modules (test_bm, test_ac):
 * a case (patterns, nocase, offset/depth window), the reference search
 * (every position of the window, every pattern, byte by byte), a random
 * byte from one of five alphabets, and a pattern written as an argument
 * value (bare, quoted with escapes, or |hex|).
 */
#define UNIT_X_MAX_PATS	16
#define UNIT_X_MAX_PLEN	48

struct unit_xcase {
	u32 n;
	u32 len[UNIT_X_MAX_PATS];
	u8 pat[UNIT_X_MAX_PATS][UNIT_X_MAX_PLEN];
	bool nocase;
	u32 offset, depth;
	int result;
};

bool unit_naive_search(const struct unit_xcase *x, const u8 *t, u32 n);
u8 unit_rnd_byte(struct unit_rng *r, int alphabet);
int unit_encode_pattern(char *out, const u8 *p, u32 len, struct unit_rng *r);

#endif
