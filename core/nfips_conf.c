// SPDX-License-Identifier: GPL-2.0
/*
 * The config model, both twins: struct nfips_conf (declared in
 * nfips_policy.h) and its checked builders, called by the config text parser
 * in user space (nfips_conf_text.c) and by the kernel's netlink handler
 * alike, so both reject the same configs with the same words. The text
 * grammar itself is not linked into the kernel: it gets netlink attributes.
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
