/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The config text grammar (user space only: nfipsctl and nfipsd; the kernel
 * gets the config model of nfips_policy.h as netlink attributes). Grammar,
 * one statement per line, '#' starts a comment, a '\' at the end of a line
 * continues it:
 *
 *   queue  [workers=N] [maxlen=N] [overflow=drop|accept]
 *   op     NAME TYPE [ARGS...]        ARGS go to the op-module (nfips_args.h)
 *   chain  NAME [OP...]               ops run in this order; may be empty
 *   select MATCH... chain=NAME|bypass first matching rule wins; unmatched
 *                                      traffic bypasses
 *   MATCH: any | src=PREFIX | dst=PREFIX | proto=tcp|udp|icmp|icmpv6|sctp|
 *          udplite|N | sport=N[-M] | dport=N[-M] | iif=IFNAME |
 *          family=ipv4|ipv6
 *
 * Names are defined before use. Errors carry the line of the statement.
 */
#ifndef NFIPS_CONF_TEXT_H
#define NFIPS_CONF_TEXT_H

#include "nfips_policy.h"

/* Longest statement, continuation lines joined. */
#define NFIPS_CONFIG_LINE_MAX	(NFIPS_ARGS_MAX + 1024)

/*
 * Parse @text into @conf (initialised here). On error returns <0, fills @err
 * and *@line (the first line of the bad statement; 0 when not line-bound).
 */
int nfips_config_parse(const char *text, size_t len, struct nfips_conf *conf,
		       struct nfips_err *err, u32 *line);

/*
 * Read and parse the file @path. On error fills @msg with "path:line: reason"
 * (or "path: reason") and returns <0.
 */
int nfips_config_load_file(const char *path, struct nfips_conf *conf,
			   char *msg, size_t msglen);

/* Read a whole file into a NUL-terminated buffer (caller frees); NULL + errno. */
char *nfips_read_file(const char *path, size_t max, size_t *len);

/* Write @conf as config text that parses back to the same @conf. */
int nfips_config_write(const struct nfips_conf *conf, FILE *f);

/* Parse one "key=value" match word of a select rule into @m. */
int nfips_match_parse(struct nfips_match *m, const struct nfips_arg *arg,
		      struct nfips_err *err);
/* Parse an IPv4 or IPv6 address of s[0 .. len); returns the family or -EINVAL. */
int nfips_parse_addr(const char *s, u32 len, u8 addr[16]);

/* Write @m as select words ("any" when empty). */
int nfips_match_format(const struct nfips_match *m, char *buf, size_t len);

#endif /* NFIPS_CONF_TEXT_H */
