// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration as data (nfips_policy.h): checked builders used by the
 * config-file parser and the kernel's netlink handler alike.
 */
#include "nfips_policy.h"

void nfips_conf_init(struct nfips_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->queue.maxlen = 1024;
	conf->queue.overflow = NFIPS_OVERFLOW_DROP;
}

void nfips_conf_free(struct nfips_conf *conf)
{
	u32 i;

	for (i = 0; i < conf->n_ops; i++)
		nfips_free(conf->ops[i].args);
	nfips_kvfree(conf->ops);
	nfips_kvfree(conf->chains);
	nfips_kvfree(conf->rules);
	nfips_conf_init(conf);
}

int nfips_conf_set_queue(struct nfips_conf *conf,
			 const struct nfips_queue_conf *q, struct nfips_err *err)
{
	if (q->workers > NFIPS_MAX_WORKERS) {
		nfips_err_set(err, "workers=%u: at most %u", q->workers,
			      NFIPS_MAX_WORKERS);
		return -EINVAL;
	}
	if (q->maxlen < 1 || q->maxlen > NFIPS_MAX_QUEUE_LEN) {
		nfips_err_set(err, "maxlen=%u: must be 1..%u", q->maxlen,
			      NFIPS_MAX_QUEUE_LEN);
		return -EINVAL;
	}
	if (q->overflow > NFIPS_OVERFLOW_ACCEPT) {
		nfips_err_set(err, "overflow: must be drop or accept");
		return -EINVAL;
	}
	conf->queue = *q;
	return 0;
}

/*
 * Make room for element @n of an array that grows by doubling from 8: it is
 * full exactly when @n is 0 or a power of two of at least 8. kvmalloc-family
 * memory (a config of thousands of ops or rules makes arrays of hundreds of
 * KiB, which a physically contiguous krealloc may not find): a new array,
 * the old elements copied, the old one freed.
 */
static int grow(void **arr, u32 n, size_t size)
{
	u32 cap = n ? n * 2 : 8;
	void *p;

	if (n && (n < 8 || (n & (n - 1))))
		return 0;
	p = nfips_kvzalloc((size_t)cap * size);
	if (!p)
		return -ENOMEM;
	if (n)
		memcpy(p, *arr, (size_t)n * size);
	nfips_kvfree(*arr);
	*arr = p;
	return 0;
}

static int check_name(const char *what, const char *name, struct nfips_err *err)
{
	if (nfips_name_valid(name, strnlen(name, NFIPS_NAME_MAX)))
		return 0;
	nfips_err_set(err, "%s name '%.40s' is not valid (1-%u of A-Z a-z 0-9 _ . -)",
		      what, name, NFIPS_NAME_MAX - 1);
	return -EINVAL;
}

static s32 find_op(const struct nfips_conf *conf, const char *name)
{
	u32 i;

	for (i = 0; i < conf->n_ops; i++)
		if (!strcmp(conf->ops[i].name, name))
			return (s32)i;
	return -1;
}

static s32 find_chain(const struct nfips_conf *conf, const char *name)
{
	u32 i;

	for (i = 0; i < conf->n_chains; i++)
		if (!strcmp(conf->chains[i].name, name))
			return (s32)i;
	return -1;
}

int nfips_conf_add_op(struct nfips_conf *conf, const char *name,
		      const char *type, const char *args, u32 line,
		      struct nfips_err *err)
{
	struct nfips_conf_op *op;
	size_t alen = args ? strnlen(args, NFIPS_ARGS_MAX + 1) : 0;

	if (check_name("op", name, err) || check_name("op type", type, err))
		return -EINVAL;
	if (find_op(conf, name) >= 0) {
		nfips_err_set(err, "op '%s' is defined twice", name);
		return -EEXIST;
	}
	if (conf->n_ops == NFIPS_MAX_OPS) {
		nfips_err_set(err, "more than %u ops", NFIPS_MAX_OPS);
		return -E2BIG;
	}
	if (alen > NFIPS_ARGS_MAX) {
		nfips_err_set(err, "op '%s': arguments longer than %u bytes",
			      name, NFIPS_ARGS_MAX);
		return -E2BIG;
	}
	if (grow((void **)&conf->ops, conf->n_ops, sizeof(*op)))
		goto nomem;
	op = &conf->ops[conf->n_ops];
	memset(op, 0, sizeof(*op));
	op->args = nfips_zalloc(alen + 1);
	if (!op->args)
		goto nomem;
	memcpy(op->args, args ? args : "", alen);
	strscpy(op->name, name, sizeof(op->name));
	strscpy(op->type, type, sizeof(op->type));
	op->line = line;
	conf->n_ops++;
	return 0;
nomem:
	nfips_err_set(err, "out of memory");
	return -ENOMEM;
}

int nfips_conf_add_chain(struct nfips_conf *conf, const char *name, u32 line,
			 struct nfips_err *err)
{
	struct nfips_conf_chain *c;

	if (check_name("chain", name, err))
		return -EINVAL;
	if (find_chain(conf, name) >= 0) {
		nfips_err_set(err, "chain '%s' is defined twice", name);
		return -EEXIST;
	}
	if (conf->n_chains == NFIPS_MAX_CHAINS) {
		nfips_err_set(err, "more than %u chains", NFIPS_MAX_CHAINS);
		return -E2BIG;
	}
	if (grow((void **)&conf->chains, conf->n_chains, sizeof(*c))) {
		nfips_err_set(err, "out of memory");
		return -ENOMEM;
	}
	c = &conf->chains[conf->n_chains++];
	memset(c, 0, sizeof(*c));
	strscpy(c->name, name, sizeof(c->name));
	c->line = line;
	return 0;
}

int nfips_conf_chain_append(struct nfips_conf *conf, const char *op_name,
			    struct nfips_err *err)
{
	struct nfips_conf_chain *c;
	s32 op;

	if (!conf->n_chains) {
		nfips_err_set(err, "no chain to append op '%.40s' to", op_name);
		return -EINVAL;
	}
	c = &conf->chains[conf->n_chains - 1];
	op = find_op(conf, op_name);
	if (op < 0) {
		nfips_err_set(err, "chain '%s': unknown op '%.40s'", c->name,
			      op_name);
		return -ENOENT;
	}
	if (c->n_ops == NFIPS_CHAIN_MAX_OPS) {
		nfips_err_set(err, "chain '%s': more than %u ops", c->name,
			      NFIPS_CHAIN_MAX_OPS);
		return -E2BIG;
	}
	c->ops[c->n_ops++] = (u32)op;
	return 0;
}

int nfips_conf_add_rule(struct nfips_conf *conf,
			const struct nfips_match *match,
			const char *chain_name, u32 line,
			struct nfips_err *err)
{
	struct nfips_conf_rule *r;
	s32 chain = NFIPS_BYPASS;

	if (chain_name) {
		chain = find_chain(conf, chain_name);
		if (chain < 0) {
			nfips_err_set(err, "select: unknown chain '%.40s'",
				      chain_name);
			return -ENOENT;
		}
	}
	if (conf->n_rules == NFIPS_MAX_RULES) {
		nfips_err_set(err, "more than %u select rules", NFIPS_MAX_RULES);
		return -E2BIG;
	}
	if ((match->fields & (NFIPS_M_SPORT | NFIPS_M_DPORT)) &&
	    !(match->fields & NFIPS_M_PROTO)) {
		nfips_err_set(err, "select: sport/dport need proto=tcp, udp, sctp or udplite");
		return -EINVAL;
	}
	if (grow((void **)&conf->rules, conf->n_rules, sizeof(*r))) {
		nfips_err_set(err, "out of memory");
		return -ENOMEM;
	}
	r = &conf->rules[conf->n_rules++];
	r->match = *match;
	r->chain = chain;
	r->line = line;
	return 0;
}

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

