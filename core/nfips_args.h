/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one bounded parser for numbers and op-module arguments, used by every
 * op-module, the config-file parser and the kernel's netlink handler alike.
 *
 * Argument text is a list of words separated by blanks:
 *     key                     a flag             (nocase)
 *     key=value               a bare value       (usec=100, pattern=EVIL)
 *     key="quoted value"      blanks allowed; \" and \\ escape
 *     key=|de ad be ef|       hex bytes; may be mixed with text:
 *     key="GET /|0d 0a|"      (as in Snort's content)
 * A literal '|' inside a value is written "\|".
 */
#ifndef NFIPS_ARGS_H
#define NFIPS_ARGS_H

#include "nfips_compat.h"

#define NFIPS_NAME_MAX	32	/* op, chain and type names, with the NUL */
#define NFIPS_ARGS_MAX	60000	/* an op's whole argument text (fits one netlink attribute) */
#define NFIPS_ERR_MAX	192

struct nfips_err {
	char msg[NFIPS_ERR_MAX];
};

__printf(2, 3) void nfips_err_set(struct nfips_err *err, const char *fmt, ...);

/* Iterator over one argument string. */
struct nfips_args {
	const char *p;
	const char *end;
};

struct nfips_arg {
	char key[NFIPS_NAME_MAX];
	const char *val;	/* raw value text (quotes and pipes still in), or NULL */
	u32 val_len;
};

/* Returns -EINVAL (with @err set) when @s is longer than NFIPS_ARGS_MAX. */
int nfips_args_init(struct nfips_args *it, const char *s, struct nfips_err *err);

/* 1: @arg holds the next argument; 0: no more; <0: malformed, @err says why. */
int nfips_args_next(struct nfips_args *it, struct nfips_arg *arg,
		    struct nfips_err *err);

/* Reports "unknown argument 'key'" and returns -EINVAL; for op-modules. */
int nfips_arg_unknown(const struct nfips_arg *arg, struct nfips_err *err);

/*
 * The one number parser: decimal, or hex with 0x, no sign, no blanks;
 * the whole of s[0 .. len) must be the number. 0 or -EINVAL / -ERANGE.
 */
int nfips_parse_u32(const char *s, u32 len, u32 *out);

/* Value of @arg as a number in [min, max]; names the argument on error. */
int nfips_arg_u32(const struct nfips_arg *arg, u32 min, u32 max, u32 *out,
		  struct nfips_err *err);

/*
 * Decode the value of @arg (text, quoted text, |hex|) into at most @cap bytes.
 * An empty result is an error.
 */
int nfips_arg_bytes(const struct nfips_arg *arg, u8 *buf, u32 cap, u32 *len,
		    struct nfips_err *err);

/* Value of @arg as a short word (no quotes or pipes) copied into @buf. */
int nfips_arg_word(const struct nfips_arg *arg, char *buf, u32 cap,
		   struct nfips_err *err);

/* Index of the value of @arg in @names[0 .. n), or -EINVAL naming the choices. */
int nfips_arg_choice(const struct nfips_arg *arg, const char *const *names,
		     u32 n, struct nfips_err *err);

/* True when s[0 .. len) is a valid name: [A-Za-z0-9_.-], 1..NFIPS_NAME_MAX-1. */
bool nfips_name_valid(const char *s, u32 len);

/*
 * A patterns-file, the one format every pattern op reads (hs, ac): one
 * pattern per line in argument syntax (text, "quoted", |hex|), blank lines
 * and lines starting with '#' skipped, CRLF accepted, a NUL byte refused.
 * The file is read with nfips_file_read() (at most NFIPS_PATTERNS_FILE_MAX
 * bytes), in the kernel twin as the loading process. Each pattern is decoded
 * into @buf (at most @cap bytes) and handed to @add with the file's path and
 * line, for the op's own limits and messages. A decoding error is named
 * "patterns-file PATH:LINE: ..."; @add names its own errors.
 */
#define NFIPS_PATTERNS_FILE_MAX	(64u << 20)

typedef int (*nfips_pattern_add_fn)(void *ctx, const u8 *p, u32 len,
				    const char *path, u32 line,
				    struct nfips_err *err);

int nfips_patterns_file(const struct nfips_arg *arg, u8 *buf, u32 cap,
			nfips_pattern_add_fn add, void *ctx,
			struct nfips_err *err);

#endif /* NFIPS_ARGS_H */
