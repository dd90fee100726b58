// SPDX-License-Identifier: GPL-2.0
/*
 * The config text grammar (nfips_conf_text.h), user space only: the parser
 * (statements, select words, addresses) that fills the config model through
 * the builders of nfips_conf.c, and the writer that turns a model back into
 * text. nfipsctl and nfipsd link it; nfips.ko does not (it gets the model as
 * netlink attributes).
 */
#include <arpa/inet.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "nfips_conf_text.h"

/* ---- select words and addresses ---- */

static int parse_ipv4(const char *s, u32 len, u8 *addr)
{
	u32 i = 0, part, start, v;

	for (part = 0; part < 4; part++) {
		start = i;
		while (i < len && s[i] != '.')
			i++;
		if (i - start > 3 || nfips_parse_u32(s + start, i - start, &v) ||
		    v > 255 || (i - start > 1 && s[start] == '0'))
			return -EINVAL;
		addr[part] = (u8)v;
		if (part < 3) {
			if (i == len)
				return -EINVAL;
			i++;
		}
	}
	return i == len ? 0 : -EINVAL;
}

static int hex16(const char *s, u32 len, u16 *out)
{
	u32 v = 0, i;
	char c;

	if (len < 1 || len > 4)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		c = (char)tolower((unsigned char)s[i]);
		if (c >= '0' && c <= '9')
			v = v * 16 + (u32)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (u32)(c - 'a' + 10);
		else
			return -EINVAL;
	}
	*out = (u16)v;
	return 0;
}

/* RFC 4291 text form, with "::" and an optional trailing dotted IPv4. */
static int parse_ipv6(const char *s, u32 len, u8 *addr)
{
	u16 words[8];
	int n = 0, gap = -1, j;
	u32 i = 0, start;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	}
	while (i < len) {
		start = i;
		while (i < len && s[i] != ':' && s[i] != '.')
			i++;
		if (i < len && s[i] == '.') {
			/* The last 32 bits as IPv4. */
			if (n > 6 || parse_ipv4(s + start, len - start, addr))
				return -EINVAL;
			words[n++] = (u16)(addr[0] << 8 | addr[1]);
			words[n++] = (u16)(addr[2] << 8 | addr[3]);
			i = len;
			break;
		}
		if (n == 8 || hex16(s + start, i - start, &words[n]))
			return -EINVAL;
		n++;
		if (i == len)
			break;
		i++;			/* the ':' */
		if (i < len && s[i] == ':') {
			if (gap >= 0)
				return -EINVAL;
			gap = n;
			i++;
		} else if (i == len) {
			return -EINVAL;	/* a trailing single ':' */
		}
	}
	if (gap < 0 && n != 8)
		return -EINVAL;
	if (gap >= 0 && n > 7)
		return -EINVAL;
	memset(addr, 0, 16);
	for (j = 0; j < n; j++) {
		int pos = (gap >= 0 && j >= gap) ? 8 - (n - j) : j;

		addr[2 * pos] = (u8)(words[j] >> 8);
		addr[2 * pos + 1] = (u8)words[j];
	}
	return 0;
}

int nfips_parse_addr(const char *s, u32 len, u8 addr[16])
{
	u32 i;

	for (i = 0; i < len; i++)
		if (s[i] == ':')
			return parse_ipv6(s, len, addr) ? -EINVAL : 6;
	memset(addr, 0, 16);
	return parse_ipv4(s, len, addr) ? -EINVAL : 4;
}

static int parse_prefix(const struct nfips_arg *arg, u8 *family, u8 *addr,
			u8 *plen, struct nfips_err *err)
{
	u32 alen = arg->val_len, bits, i;
	int fam;

	for (i = 0; i < arg->val_len; i++)
		if (arg->val[i] == '/')
			alen = i;
	fam = nfips_parse_addr(arg->val, alen, addr);
	if (fam < 0) {
		nfips_err_set(err, "%s: '%.*s' is not an IPv4 or IPv6 address",
			      arg->key, (int)min(alen, 48u), arg->val);
		return -EINVAL;
	}
	bits = fam == 4 ? 32 : 128;
	if (alen < arg->val_len &&
	    (nfips_parse_u32(arg->val + alen + 1, arg->val_len - alen - 1, &bits) ||
	     bits > (fam == 4 ? 32u : 128u))) {
		nfips_err_set(err, "%s: bad prefix length", arg->key);
		return -EINVAL;
	}
	if (*family && *family != fam) {
		nfips_err_set(err, "%s: mixes IPv4 and IPv6", arg->key);
		return -EINVAL;
	}
	*family = (u8)fam;
	*plen = (u8)bits;
	return 0;
}

static int parse_range(const struct nfips_arg *arg, u16 *lo, u16 *hi,
		       struct nfips_err *err)
{
	u32 i, a, b;
	u32 dash = arg->val_len;

	for (i = 0; i < arg->val_len; i++)
		if (arg->val[i] == '-')
			dash = i;
	if (nfips_parse_u32(arg->val, dash, &a) || a > 65535)
		goto bad;
	b = a;
	if (dash < arg->val_len &&
	    (nfips_parse_u32(arg->val + dash + 1, arg->val_len - dash - 1, &b) ||
	     b > 65535 || b < a))
		goto bad;
	*lo = (u16)a;
	*hi = (u16)b;
	return 0;
bad:
	nfips_err_set(err, "%s: '%.*s' is not a port or port range (N or N-M, 0-65535)",
		      arg->key, (int)min(arg->val_len, 24u), arg->val);
	return -EINVAL;
}

static const struct {
	const char *name;
	u8 proto;
} protos[] = {
	{ "tcp", NFIPS_PROTO_TCP }, { "udp", NFIPS_PROTO_UDP },
	{ "icmp", NFIPS_PROTO_ICMP }, { "icmpv6", NFIPS_PROTO_ICMPV6 },
	{ "sctp", NFIPS_PROTO_SCTP }, { "udplite", NFIPS_PROTO_UDPLITE },
};

static int parse_proto(const struct nfips_arg *arg, u8 *proto,
		       struct nfips_err *err)
{
	char word[NFIPS_NAME_MAX];
	u32 i, v;

	if (nfips_arg_word(arg, word, sizeof(word), err))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(protos); i++) {
		if (!strcmp(word, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	}
	if (nfips_parse_u32(word, strlen(word), &v) || v > 255) {
		nfips_err_set(err, "proto: '%s' is not tcp, udp, icmp, icmpv6, sctp, udplite or 0-255",
			      word);
		return -EINVAL;
	}
	*proto = (u8)v;
	return 0;
}

int nfips_match_parse(struct nfips_match *m, const struct nfips_arg *arg,
		      struct nfips_err *err)
{
	static const char *const families[] = { "ipv4", "ipv6" };
	u32 field;
	int ret;

	if (!strcmp(arg->key, "any") && !arg->val)
		return 0;
	if (!arg->val) {
		nfips_err_set(err, "select: unknown word '%s'", arg->key);
		return -EINVAL;
	}
	if (!strcmp(arg->key, "src")) {
		field = NFIPS_M_SRC;
		ret = parse_prefix(arg, &m->family, m->src, &m->src_plen, err);
	} else if (!strcmp(arg->key, "dst")) {
		field = NFIPS_M_DST;
		ret = parse_prefix(arg, &m->family, m->dst, &m->dst_plen, err);
	} else if (!strcmp(arg->key, "proto")) {
		field = NFIPS_M_PROTO;
		ret = parse_proto(arg, &m->proto, err);
	} else if (!strcmp(arg->key, "sport")) {
		field = NFIPS_M_SPORT;
		ret = parse_range(arg, &m->sport_lo, &m->sport_hi, err);
	} else if (!strcmp(arg->key, "dport")) {
		field = NFIPS_M_DPORT;
		ret = parse_range(arg, &m->dport_lo, &m->dport_hi, err);
	} else if (!strcmp(arg->key, "iif")) {
		field = NFIPS_M_IIF;
		ret = nfips_arg_word(arg, m->iif, sizeof(m->iif), err);
	} else if (!strcmp(arg->key, "family")) {
		u8 fam;

		field = NFIPS_M_FAMILY;
		ret = nfips_arg_choice(arg, families, 2, err);
		if (ret >= 0) {
			fam = ret ? 6 : 4;
			if (m->family && m->family != fam) {
				nfips_err_set(err, "family: conflicts with the address family of src/dst");
				return -EINVAL;
			}
			m->family = fam;
			ret = 0;
		}
	} else {
		nfips_err_set(err, "select: unknown match '%s'", arg->key);
		return -EINVAL;
	}
	if (ret)
		return ret;
	/* family may also be implied by src/dst; its conflicts are checked above. */
	if (field != NFIPS_M_FAMILY && (m->fields & field)) {
		nfips_err_set(err, "select: '%s' given twice", arg->key);
		return -EINVAL;
	}
	m->fields |= field;
	if (m->family)
		m->fields |= NFIPS_M_FAMILY;
	return 0;
}

/* ---- statements ---- */

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Next word of s (blank-separated, no quoting): returns its length. */
static u32 word(const char **s, const char **w)
{
	const char *p = *s;

	while (*p && blank(*p))
		p++;
	*w = p;
	while (*p && !blank(*p))
		p++;
	*s = p;
	return (u32)(p - *w);
}

static int copy_name(char *dst, const char *w, u32 len, const char *what,
		     struct nfips_err *err)
{
	if (!len) {
		nfips_err_set(err, "missing %s name", what);
		return -EINVAL;
	}
	if (!nfips_name_valid(w, len)) {
		nfips_err_set(err, "%s name '%.*s' is not valid (1-%u of A-Z a-z 0-9 _ . -)",
			      what, (int)min(len, 40u), w, NFIPS_NAME_MAX - 1);
		return -EINVAL;
	}
	memcpy(dst, w, len);
	dst[len] = '\0';
	return 0;
}

static int parse_queue(struct nfips_conf *conf, const char *rest,
		       struct nfips_err *err)
{
	static const char *const overflow[] = { "drop", "accept" };
	struct nfips_queue_conf q = conf->queue;
	struct nfips_args it;
	struct nfips_arg arg;
	int ret;

	if (nfips_args_init(&it, rest, err))
		return -EINVAL;
	while ((ret = nfips_args_next(&it, &arg, err)) > 0) {
		if (!strcmp(arg.key, "workers")) {
			ret = nfips_arg_u32(&arg, 0, NFIPS_MAX_WORKERS, &q.workers, err);
		} else if (!strcmp(arg.key, "maxlen")) {
			ret = nfips_arg_u32(&arg, 1, NFIPS_MAX_QUEUE_LEN, &q.maxlen, err);
		} else if (!strcmp(arg.key, "overflow")) {
			ret = nfips_arg_choice(&arg, overflow, 2, err);
			if (ret >= 0) {
				q.overflow = (u32)ret;
				ret = 0;
			}
		} else {
			nfips_err_set(err, "queue: unknown argument '%s'", arg.key);
			ret = -EINVAL;
		}
		if (ret)
			return ret;
	}
	if (ret < 0)
		return ret;
	return nfips_conf_set_queue(conf, &q, err);
}

static int parse_op(struct nfips_conf *conf, const char *rest, u32 line,
		    struct nfips_err *err)
{
	char name[NFIPS_NAME_MAX], type[NFIPS_NAME_MAX];
	struct nfips_args it;
	struct nfips_arg arg;
	const char *w;
	u32 len;
	int ret;

	len = word(&rest, &w);
	if (copy_name(name, w, len, "op", err))
		return -EINVAL;
	len = word(&rest, &w);
	if (copy_name(type, w, len, "op type", err))
		return -EINVAL;
	while (*rest && blank(*rest))
		rest++;

	/* Check the argument syntax here; the op-module checks the meaning. */
	if (nfips_args_init(&it, rest, err))
		return -EINVAL;
	while ((ret = nfips_args_next(&it, &arg, err)) > 0)
		;
	if (ret < 0)
		return ret;
	return nfips_conf_add_op(conf, name, type, rest, line, err);
}

static int parse_chain(struct nfips_conf *conf, const char *rest, u32 line,
		       struct nfips_err *err)
{
	char name[NFIPS_NAME_MAX];
	const char *w;
	u32 len;
	int ret;

	len = word(&rest, &w);
	if (copy_name(name, w, len, "chain", err))
		return -EINVAL;
	ret = nfips_conf_add_chain(conf, name, line, err);
	while (!ret && (len = word(&rest, &w)) > 0) {
		if (copy_name(name, w, len, "op", err))
			return -EINVAL;
		ret = nfips_conf_chain_append(conf, name, err);
	}
	return ret;
}

static int parse_select(struct nfips_conf *conf, const char *rest, u32 line,
			struct nfips_err *err)
{
	char chain[NFIPS_NAME_MAX] = "";
	struct nfips_match m;
	struct nfips_args it;
	struct nfips_arg arg;
	bool bypass = false;
	int ret;

	memset(&m, 0, sizeof(m));
	if (nfips_args_init(&it, rest, err))
		return -EINVAL;
	while ((ret = nfips_args_next(&it, &arg, err)) > 0) {
		if (!strcmp(arg.key, "bypass") && !arg.val) {
			bypass = true;
			ret = 0;
		} else if (!strcmp(arg.key, "chain")) {
			ret = nfips_arg_word(&arg, chain, sizeof(chain), err);
		} else {
			ret = nfips_match_parse(&m, &arg, err);
		}
		if (ret)
			return ret;
	}
	if (ret < 0)
		return ret;
	if (bypass == !!chain[0]) {
		nfips_err_set(err, "select: give exactly one of chain=NAME or bypass");
		return -EINVAL;
	}
	return nfips_conf_add_rule(conf, &m, bypass ? NULL : chain, line, err);
}

/* Cut a '#' comment that is outside quotes and hex segments. */
static void strip_comment(char *s)
{
	bool quote = false, hex = false;

	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		else if (*s == '"' && !hex)
			quote = !quote;
		else if (*s == '|' && !quote)
			hex = !hex;
		else if (*s == '#' && !quote && !hex) {
			*s = '\0';
			return;
		}
	}
}

/* True when s[0 .. len) ends in an odd run of '\\' (the last is unescaped). */
static bool odd_backslashes(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && s[len - 1 - n] == '\\')
		n++;
	return n & 1;
}

static int parse_statement(struct nfips_conf *conf, char *stmt, u32 line,
			   struct nfips_err *err)
{
	const char *rest = stmt, *w;
	u32 len;

	strip_comment(stmt);
	len = word(&rest, &w);
	if (!len)
		return 0;
	if (len == 5 && !memcmp(w, "queue", 5))
		return parse_queue(conf, rest, err);
	if (len == 2 && !memcmp(w, "op", 2))
		return parse_op(conf, rest, line, err);
	if (len == 5 && !memcmp(w, "chain", 5))
		return parse_chain(conf, rest, line, err);
	if (len == 6 && !memcmp(w, "select", 6))
		return parse_select(conf, rest, line, err);
	nfips_err_set(err, "unknown statement '%.*s' (queue, op, chain, select)",
		      (int)min(len, 40u), w);
	return -EINVAL;
}

int nfips_config_parse(const char *text, size_t len, struct nfips_conf *conf,
		       struct nfips_err *err, u32 *line)
{
	const char *p = text, *end = text + len, *eol;
	u32 lineno = 0, first = 0;
	size_t slen = 0, n;
	char *stmt;
	int ret = 0;

	nfips_conf_init(conf);
	*line = 0;
	stmt = malloc(NFIPS_CONFIG_LINE_MAX + 1);
	if (!stmt) {
		nfips_err_set(err, "out of memory");
		return -ENOMEM;
	}
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		n = (size_t)(eol - p);
		lineno++;
		if (!slen)
			first = lineno;
		if (memchr(p, '\0', n)) {
			nfips_err_set(err, "NUL byte in config text");
			ret = -EINVAL;
			goto fail;
		}
		if (slen + n > NFIPS_CONFIG_LINE_MAX) {
			nfips_err_set(err, "statement longer than %u bytes",
				      NFIPS_CONFIG_LINE_MAX);
			ret = -E2BIG;
			goto fail;
		}
		memcpy(stmt + slen, p, n);
		slen += n;
		p = eol + 1;
		if (slen && stmt[slen - 1] == '\r')
			slen--;
		/*
		 * An unescaped '\' at the end of a line joins the next line; on
		 * the last line it joins nothing. Either way it becomes a blank,
		 * so a statement reads the same wherever it stands (the writer
		 * moves ops before chains). "\\" at the end is an escaped
		 * backslash in an op's args, data that must stay.
		 */
		if (slen && stmt[slen - 1] == '\\' && odd_backslashes(stmt, slen)) {
			stmt[slen - 1] = ' ';
			if (p < end)
				continue;
		}
		stmt[slen] = '\0';
		slen = 0;
		ret = parse_statement(conf, stmt, first, err);
		if (ret)
			goto fail;
	}
	free(stmt);
	return 0;
fail:
	*line = first;
	free(stmt);
	nfips_conf_free(conf);
	return ret;
}

char *nfips_read_file(const char *path, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf, *nb;
	ssize_t r;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	if (!buf)
		goto err_close;
	for (;;) {
		/* Keep room for the NUL; grow by doubling up to max + 1 bytes. */
		if (n + 1 == cap) {
			if (cap > max) {
				errno = EFBIG;
				goto err_free;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap);
			if (!nb)
				goto err_free;
			buf = nb;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto err_free;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;

err_free:
	e = errno;
	free(buf);
	errno = e;
err_close:
	e = errno;
	close(fd);
	errno = e;
	return NULL;
}

int nfips_config_load_file(const char *path, struct nfips_conf *conf,
			   char *msg, size_t msglen)
{
	struct nfips_err err;
	size_t len;
	char *text;
	u32 line;
	int ret;

	text = nfips_read_file(path, 16u << 20, &len);
	if (!text) {
		ret = -errno;
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return ret;
	}
	ret = nfips_config_parse(text, len, conf, &err, &line);
	free(text);
	if (ret && line)
		snprintf(msg, msglen, "%s:%u: %s", path, line, err.msg);
	else if (ret)
		snprintf(msg, msglen, "%s: %s", path, err.msg);
	return ret;
}

static const char *proto_name(u8 proto)
{
	switch (proto) {
	case NFIPS_PROTO_TCP: return "tcp";
	case NFIPS_PROTO_UDP: return "udp";
	case NFIPS_PROTO_ICMP: return "icmp";
	case NFIPS_PROTO_ICMPV6: return "icmpv6";
	case NFIPS_PROTO_SCTP: return "sctp";
	case NFIPS_PROTO_UDPLITE: return "udplite";
	default: return NULL;
	}
}

int nfips_match_format(const struct nfips_match *m, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;
	int af = m->family == 6 ? AF_INET6 : AF_INET;

#define OUT(...) do {							\
		int _r = snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__); \
		if (_r > 0)						\
			n += (size_t)_r;				\
	} while (0)

	if (len)
		buf[0] = '\0';
	if (!m->fields) {
		OUT("any");
		return (int)n;
	}
	if ((m->fields & NFIPS_M_FAMILY) &&
	    !(m->fields & (NFIPS_M_SRC | NFIPS_M_DST)))
		OUT("family=%s", m->family == 6 ? "ipv6" : "ipv4");
	if (m->fields & NFIPS_M_SRC) {
		inet_ntop(af, m->src, a, sizeof(a));
		OUT("%ssrc=%s/%u", n ? " " : "", a, m->src_plen);
	}
	if (m->fields & NFIPS_M_DST) {
		inet_ntop(af, m->dst, a, sizeof(a));
		OUT("%sdst=%s/%u", n ? " " : "", a, m->dst_plen);
	}
	if (m->fields & NFIPS_M_PROTO) {
		if (proto_name(m->proto))
			OUT("%sproto=%s", n ? " " : "", proto_name(m->proto));
		else
			OUT("%sproto=%u", n ? " " : "", m->proto);
	}
	if (m->fields & NFIPS_M_SPORT)
		OUT("%ssport=%u-%u", n ? " " : "", m->sport_lo, m->sport_hi);
	if (m->fields & NFIPS_M_DPORT)
		OUT("%sdport=%u-%u", n ? " " : "", m->dport_lo, m->dport_hi);
	if (m->fields & NFIPS_M_IIF)
		OUT("%siif=%s", n ? " " : "", m->iif);
#undef OUT
	return (int)n;
}

int nfips_config_write(const struct nfips_conf *conf, FILE *f)
{
	char match[256];
	u32 i, j;

	fprintf(f, "queue workers=%u maxlen=%u overflow=%s\n",
		conf->queue.workers, conf->queue.maxlen,
		conf->queue.overflow == NFIPS_OVERFLOW_ACCEPT ? "accept" : "drop");
	for (i = 0; i < conf->n_ops; i++) {
		const char *args = conf->ops[i].args;
		size_t alen = strlen(args);

		/*
		 * Args cut short by a comment may end in a CR, which the reader
		 * takes for a CRLF line ending when it ends a line: a blank
		 * after it keeps it (trailing blanks mean nothing in args).
		 */
		fprintf(f, "op %s %s%s%s%s\n", conf->ops[i].name,
			conf->ops[i].type, alen ? " " : "", args,
			alen && args[alen - 1] == '\r' ? " " : "");
	}
	for (i = 0; i < conf->n_chains; i++) {
		fprintf(f, "chain %s", conf->chains[i].name);
		for (j = 0; j < conf->chains[i].n_ops; j++)
			fprintf(f, " %s", conf->ops[conf->chains[i].ops[j]].name);
		fputc('\n', f);
	}
	for (i = 0; i < conf->n_rules; i++) {
		const struct nfips_conf_rule *r = &conf->rules[i];

		nfips_match_format(&r->match, match, sizeof(match));
		if (r->chain == NFIPS_BYPASS)
			fprintf(f, "select %s bypass\n", match);
		else
			fprintf(f, "select %s chain=%s\n", match,
				conf->chains[r->chain].name);
	}
	return ferror(f) ? -EIO : 0;
}
