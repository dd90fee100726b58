// SPDX-License-Identifier: GPL-2.0
/* Policy build, selection and chain runs (nfips_policy.h). */
#include "nfips_policy.h"

static void policy_free(struct nfips_policy *p)
{
	u32 i;

	if (p->ops) {
		for (i = 0; i < p->n_ops; i++) {
			const struct nfips_op_ops *ops;

			if (!p->ops[i])
				continue;
			ops = p->ops[i]->ops;
			nfips_op_free(p->ops[i]);
			nfips_op_put(ops);
		}
	}
	if (p->chains)
		for (i = 0; i < p->n_chains; i++) {
			nfips_stats_destroy(&p->chains[i].stats);
			nfips_kvfree(p->chains[i].ops);
		}
	if (p->rules)
		for (i = 0; i < p->n_rules; i++)
			nfips_counter_destroy(&p->rules[i].packets);
	nfips_kvfree(p->ops);
	nfips_kvfree(p->chains);
	nfips_kvfree(p->rules);
	nfips_conf_free(&p->conf);
	nfips_free(p);
}

static int build_op(struct nfips_policy *p, u32 i, struct nfips_err *err)
{
	const struct nfips_conf_op *c = &p->conf.ops[i];
	const struct nfips_op_ops *ops;
	struct nfips_err sub;
	struct nfips_op *op;
	int ret;

	ops = nfips_op_get(c->type, &sub);
	if (!ops) {
		nfips_err_set(err, "op '%s': %s", c->name, sub.msg);
		return -ENOENT;
	}
	sub.msg[0] = '\0';
	op = ops->init(c->args, &sub);
	if (!op) {
		nfips_op_put(ops);
		nfips_err_set(err, "op '%s' (%s): %s", c->name, c->type,
			      sub.msg[0] ? sub.msg : "init failed");
		return -EINVAL;
	}
	strscpy(op->name, c->name, sizeof(op->name));
	p->ops[i] = op;
	ret = nfips_op_scratch_init(op, &sub);
	if (ret)
		nfips_err_set(err, "op '%s' (%s): %s", c->name, c->type,
			      sub.msg);
	return ret;
}

struct nfips_policy *nfips_policy_build(struct nfips_conf *conf,
					const struct nfips_policy_env *env,
					struct nfips_err *err, u32 *err_line)
{
	struct nfips_policy *p;
	u32 i, j;

	p = nfips_zalloc(sizeof(*p));
	if (!p)
		goto nomem;
	/* Take the description over; give it back if the build fails. */
	p->conf = *conf;
	nfips_conf_init(conf);
	if (env)
		p->env = *env;

	p->n_ops = p->conf.n_ops;
	p->n_chains = p->conf.n_chains;
	p->n_rules = p->conf.n_rules;
	/* Sized by the config: kvmalloc-family (see grow() in nfips_conf.c). */
	p->ops = nfips_kvzalloc(sizeof(*p->ops) * (p->n_ops + 1));
	p->chains = nfips_kvzalloc(sizeof(*p->chains) * (p->n_chains + 1));
	p->rules = nfips_kvzalloc(sizeof(*p->rules) * (p->n_rules + 1));
	if (!p->ops || !p->chains || !p->rules)
		goto nomem_free;

	for (i = 0; i < p->n_ops; i++) {
		if (build_op(p, i, err)) {
			*err_line = p->conf.ops[i].line;
			goto fail;
		}
	}

	for (i = 0; i < p->n_chains; i++) {
		const struct nfips_conf_chain *cc = &p->conf.chains[i];
		struct nfips_chain *c = &p->chains[i];

		strscpy(c->name, cc->name, sizeof(c->name));
		c->n_ops = cc->n_ops;
		c->ops = nfips_kvzalloc(sizeof(*c->ops) * (c->n_ops + 1));
		if (!c->ops || nfips_stats_init(&c->stats))
			goto nomem_free;
		for (j = 0; j < c->n_ops; j++)
			c->ops[j] = p->ops[cc->ops[j]];
	}

	for (i = 0; i < p->n_rules; i++) {
		const struct nfips_conf_rule *cr = &p->conf.rules[i];
		struct nfips_rule *r = &p->rules[i];

		r->match = cr->match;
		r->line = cr->line;
		r->chain = cr->chain == NFIPS_BYPASS ? NULL : &p->chains[cr->chain];
		if (nfips_counter_init(&r->packets))
			goto nomem_free;
		if (!(cr->match.fields & NFIPS_M_IIF))
			continue;
		r->ifindex = p->env.ifindex ?
			     p->env.ifindex(p->env.ctx, cr->match.iif) : -1;
		if (r->ifindex <= 0) {
			nfips_err_set(err, "select: interface '%s' does not exist",
				      cr->match.iif);
			*err_line = cr->line;
			goto fail;
		}
	}
	return p;

nomem_free:
	nfips_err_set(err, "out of memory");
fail:
	/* Hand the description back so the caller can report or retry. */
	*conf = p->conf;
	nfips_conf_init(&p->conf);
	policy_free(p);
	return NULL;
nomem:
	nfips_err_set(err, "out of memory");
	return NULL;
}

void nfips_policy_destroy(struct nfips_policy *policy)
{
	if (policy)
		policy_free(policy);
}

static bool prefix_match(const u8 *addr, const u8 *pfx, u8 plen)
{
	u32 bytes = plen / 8, bits = plen % 8;
	u8 mask;

	if (memcmp(addr, pfx, bytes))
		return false;
	if (!bits)
		return true;
	mask = (u8)(0xff << (8 - bits));
	return ((addr[bytes] ^ pfx[bytes]) & mask) == 0;
}

enum { NO_MATCH, MATCH, BLIND };

/*
 * Does @r select @pkt? BLIND: every field the packet shows matches, but the
 * rule needs its protocol or ports and the packet cannot show them - its L4
 * header is not within the packet (cut short, or behind an IPv6 extension
 * header that runs past the end). See nfips_policy_select_ex().
 */
static int rule_match(const struct nfips_rule *r, const struct nfips_pkt *pkt)
{
	const struct nfips_match *m = &r->match;
	u32 f = m->fields;

	if (!f)
		return MATCH;
	if ((f & NFIPS_M_FAMILY) && m->family != pkt->family)
		return NO_MATCH;
	if ((f & NFIPS_M_SRC) && !prefix_match(pkt->saddr, m->src, m->src_plen))
		return NO_MATCH;
	if ((f & NFIPS_M_DST) && !prefix_match(pkt->daddr, m->dst, m->dst_plen))
		return NO_MATCH;
	if ((f & NFIPS_M_IIF) && pkt->ifindex != r->ifindex)
		return NO_MATCH;
	if (f & NFIPS_M_PROTO) {
		if (nfips_pkt_proto_unknown(pkt))
			return BLIND;
		if (pkt->l4_proto != m->proto)
			return NO_MATCH;
	}
	if (!(f & (NFIPS_M_SPORT | NFIPS_M_DPORT)))
		return MATCH;
	/*
	 * Like iptables' --dport: a later fragment has no ports (and no
	 * header that could be cut), nor has a protocol without them.
	 */
	if (pkt->flags & NFIPS_PKT_FRAG_LATER)
		return NO_MATCH;
	if (nfips_pkt_proto_unknown(pkt))
		return BLIND;
	if (!nfips_proto_has_ports(pkt->l4_proto))
		return NO_MATCH;
	if (!(pkt->flags & (NFIPS_PKT_L4 | NFIPS_PKT_PORTS)))
		return BLIND;
	if ((f & NFIPS_M_SPORT) &&
	    (pkt->sport < m->sport_lo || pkt->sport > m->sport_hi))
		return NO_MATCH;
	if ((f & NFIPS_M_DPORT) &&
	    (pkt->dport < m->dport_lo || pkt->dport > m->dport_hi))
		return NO_MATCH;
	return MATCH;
}

const struct nfips_rule *nfips_policy_select_ex(const struct nfips_policy *policy,
						const struct nfips_pkt *pkt,
						bool *blind)
{
	u32 i;
	int m;

	if (blind)
		*blind = false;
	for (i = 0; i < policy->n_rules; i++) {
		struct nfips_rule *r = &policy->rules[i];

		m = rule_match(r, pkt);
		if (m == NO_MATCH)
			continue;
		if (blind)
			*blind = m == BLIND;
		nfips_counter_add(&r->packets, 1);
		return r;
	}
	return NULL;
}

const struct nfips_rule *nfips_policy_select(const struct nfips_policy *policy,
					     const struct nfips_pkt *pkt)
{
	return nfips_policy_select_ex(policy, pkt, NULL);
}

int nfips_chain_run(const struct nfips_policy *policy,
		    struct nfips_chain *chain, const struct nfips_pkt *pkt,
		    u32 worker)
{
	struct nfips_stats *cs = &chain->stats;
	u64 start = nfips_now_ns(), t0 = start, t;
	int verdict = NFIPS_ACCEPT, r;
	u32 i;

	for (i = 0; i < chain->n_ops; i++) {
		struct nfips_op *op = chain->ops[i];
		struct nfips_stats *os = &op->stats;

		r = op->ops->process(op, pkt, nfips_op_scratch(op, worker));
		t = nfips_now_ns();
		nfips_counter_add(&os->packets, 1);
		nfips_counter_add(&os->time_ns, t - t0);
		t0 = t;
		if (r & NFIPS_ALERT) {
			nfips_counter_add(&os->alerts, 1);
			nfips_counter_add(&cs->alerts, 1);
			if (policy->env.alert)
				policy->env.alert(policy->env.ctx, chain, op, pkt,
						  r);
		}
		if ((r & NFIPS_VERDICT_MASK) == NFIPS_DROP) {
			nfips_counter_add(&os->drops, 1);
			verdict = NFIPS_DROP;
			break;
		}
		if ((r & NFIPS_VERDICT_MASK) == NFIPS_ACCEPT) {
			nfips_counter_add(&os->accepts, 1);
			break;
		}
		/*
		 * A chain may hold NFIPS_CHAIN_MAX_OPS ops (sleep ones among
		 * them): let the kernel worker yield between them, not only
		 * between packets. Callers run chains in process context.
		 */
		nfips_cond_resched();
	}
	nfips_counter_add(&cs->packets, 1);
	nfips_counter_add(verdict == NFIPS_DROP ? &cs->drops : &cs->accepts, 1);
	nfips_counter_add(&cs->time_ns, t0 - start);
	return verdict;
}
