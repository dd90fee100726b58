// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "nfips": the control interface documented in
 * include/uapi/linux/nfips.h (after drivers/net/wireguard/netlink.c).
 *
 * Every command acts on the namespace of the requesting socket and needs
 * CAP_NET_ADMIN in that namespace's user namespace (GENL_UNS_ADMIN_PERM;
 * GENL_ADMIN_PERM would ask for it in the initial one). Policies are strict:
 * resv_start_op = 1 puts every command under the core's strict checks, and
 * commands without attributes get the core's reject-all policy.
 *
 * parallel_ops: handlers do not run under genl_mutex - a LOAD may sleep for a
 * long time (request_module, starting workers) and must not stall other
 * families. Config changes of one namespace are serialized by nfips_net.lock,
 * held only to publish: the old config drains in the background
 * (nfips_net_swap()). Dumps read the running config under RCU.
 */
#include <linux/ktime.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <uapi/linux/nfips.h>

#include "netlink.h"
#include "netns.h"
#include "queue.h"

static struct genl_family nfips_genl_family;

static struct netlink_range_validation maxlen_range __ro_after_init = {
	.min = 1,
	.max = NFIPS_MAX_QUEUE_LEN,
};

static const struct nla_policy queue_policy[NFIPS_QUEUE_A_MAX + 1] = {
	[NFIPS_QUEUE_A_WORKERS]	= NLA_POLICY_MAX(NLA_U32, NFIPS_MAX_WORKERS),
	[NFIPS_QUEUE_A_MAXLEN]	= NLA_POLICY_FULL_RANGE(NLA_U32, &maxlen_range),
	[NFIPS_QUEUE_A_OVERFLOW] = NLA_POLICY_MAX(NLA_U32, NFIPS_QUEUE_OVERFLOW_ACCEPT),
};

static const struct nla_policy op_policy[NFIPS_OP_A_MAX + 1] = {
	[NFIPS_OP_A_NAME]	= { .type = NLA_NUL_STRING, .len = NFIPS_NL_NAME_MAXLEN },
	[NFIPS_OP_A_TYPE]	= { .type = NLA_NUL_STRING, .len = NFIPS_NL_NAME_MAXLEN },
	[NFIPS_OP_A_ARGS]	= { .type = NLA_NUL_STRING, .len = NFIPS_NL_ARGS_MAXLEN },
	[NFIPS_OP_A_LINE]	= { .type = NLA_U32 },
};

static const struct nla_policy chain_op_policy[NFIPS_CHAIN_OP_A_MAX + 1] = {
	[NFIPS_CHAIN_OP_A_NAME]	= { .type = NLA_NUL_STRING, .len = NFIPS_NL_NAME_MAXLEN },
};

static const struct nla_policy chain_policy[NFIPS_CHAIN_A_MAX + 1] = {
	[NFIPS_CHAIN_A_NAME]	= { .type = NLA_NUL_STRING, .len = NFIPS_NL_NAME_MAXLEN },
	[NFIPS_CHAIN_A_OPS]	= NLA_POLICY_NESTED_ARRAY(chain_op_policy),
	[NFIPS_CHAIN_A_LINE]	= { .type = NLA_U32 },
};

static const struct nla_policy rule_policy[NFIPS_RULE_A_MAX + 1] = {
	[NFIPS_RULE_A_FAMILY]	= NLA_POLICY_RANGE(NLA_U8, 4, 6),
	[NFIPS_RULE_A_SRC]	= NLA_POLICY_EXACT_LEN(NFIPS_NL_ADDR_LEN),
	[NFIPS_RULE_A_SRC_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
	[NFIPS_RULE_A_DST]	= NLA_POLICY_EXACT_LEN(NFIPS_NL_ADDR_LEN),
	[NFIPS_RULE_A_DST_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
	[NFIPS_RULE_A_PROTO]	= { .type = NLA_U8 },
	[NFIPS_RULE_A_SPORT_MIN] = { .type = NLA_U16 },
	[NFIPS_RULE_A_SPORT_MAX] = { .type = NLA_U16 },
	[NFIPS_RULE_A_DPORT_MIN] = { .type = NLA_U16 },
	[NFIPS_RULE_A_DPORT_MAX] = { .type = NLA_U16 },
	[NFIPS_RULE_A_IIF]	= { .type = NLA_NUL_STRING, .len = NFIPS_NL_IFNAME_MAXLEN },
	[NFIPS_RULE_A_CHAIN]	= { .type = NLA_NUL_STRING, .len = NFIPS_NL_NAME_MAXLEN },
	[NFIPS_RULE_A_BYPASS]	= { .type = NLA_FLAG },
	[NFIPS_RULE_A_LINE]	= { .type = NLA_U32 },
};

static const struct nla_policy load_policy[NFIPS_A_MAX + 1] = {
	[NFIPS_A_VERSION]	= { .type = NLA_REJECT },
	[NFIPS_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32, __NFIPS_LOAD_F_ALL),
	[NFIPS_A_QUEUE]		= NLA_POLICY_NESTED(queue_policy),
	[NFIPS_A_OP]		= NLA_POLICY_NESTED(op_policy),
	[NFIPS_A_CHAIN]		= NLA_POLICY_NESTED(chain_policy),
	[NFIPS_A_RULE]		= NLA_POLICY_NESTED(rule_policy),
	[NFIPS_A_ERR_MSG]	= { .type = NLA_REJECT },
	[NFIPS_A_ERR_LINE]	= { .type = NLA_REJECT },
	[NFIPS_A_STAT]		= { .type = NLA_REJECT },
	[NFIPS_A_ALERT]		= { .type = NLA_REJECT },
};

/* The uapi result bits are the core's enum nfips_result. */
static_assert((int)NFIPS_RESULT_ACCEPT == (int)NFIPS_ACCEPT);
static_assert((int)NFIPS_RESULT_DROP == (int)NFIPS_DROP);
static_assert((int)NFIPS_RESULT_ALERT == (int)NFIPS_ALERT);
static_assert((int)NFIPS_QUEUE_OVERFLOW_ACCEPT == (int)NFIPS_OVERFLOW_ACCEPT);
static_assert(NFIPS_NL_NAME_MAXLEN == NFIPS_NAME_MAX - 1);
static_assert(NFIPS_NL_ARGS_MAXLEN == NFIPS_ARGS_MAX);
static_assert(NFIPS_NL_IFNAME_MAXLEN == NFIPS_IFNAME_MAX - 1);

/* Where a LOAD went wrong: the message and config line for the reply. */
struct load_err {
	struct nfips_err err;
	u32 line;
};

static u32 get_line(struct nlattr *nla)
{
	return nla ? nla_get_u32(nla) : 0;
}

static int parse_queue(struct nfips_conf *conf, struct nlattr *nest,
		       struct load_err *le, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFIPS_QUEUE_A_MAX + 1];
	struct nfips_queue_conf q = conf->queue;
	int ret;

	ret = nla_parse_nested(tb, NFIPS_QUEUE_A_MAX, nest, queue_policy, extack);
	if (ret)
		return ret;
	if (tb[NFIPS_QUEUE_A_WORKERS])
		q.workers = nla_get_u32(tb[NFIPS_QUEUE_A_WORKERS]);
	if (tb[NFIPS_QUEUE_A_MAXLEN])
		q.maxlen = nla_get_u32(tb[NFIPS_QUEUE_A_MAXLEN]);
	if (tb[NFIPS_QUEUE_A_OVERFLOW])
		q.overflow = nla_get_u32(tb[NFIPS_QUEUE_A_OVERFLOW]);
	return nfips_conf_set_queue(conf, &q, &le->err);
}

static int parse_op(struct nfips_conf *conf, struct nlattr *nest,
		    struct load_err *le, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFIPS_OP_A_MAX + 1];
	int ret;

	ret = nla_parse_nested(tb, NFIPS_OP_A_MAX, nest, op_policy, extack);
	if (ret)
		return ret;
	le->line = get_line(tb[NFIPS_OP_A_LINE]);
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, NFIPS_OP_A_NAME) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, NFIPS_OP_A_TYPE)) {
		nfips_err_set(&le->err, "op: name and type are required");
		return -EINVAL;
	}
	return nfips_conf_add_op(conf, nla_data(tb[NFIPS_OP_A_NAME]),
				 nla_data(tb[NFIPS_OP_A_TYPE]),
				 tb[NFIPS_OP_A_ARGS] ?
				 nla_data(tb[NFIPS_OP_A_ARGS]) : "",
				 le->line, &le->err);
}

static int parse_chain(struct nfips_conf *conf, struct nlattr *nest,
		       struct load_err *le, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFIPS_CHAIN_A_MAX + 1];
	struct nlattr *op_tb[NFIPS_CHAIN_OP_A_MAX + 1];
	struct nlattr *el;
	int ret, rem;

	ret = nla_parse_nested(tb, NFIPS_CHAIN_A_MAX, nest, chain_policy, extack);
	if (ret)
		return ret;
	le->line = get_line(tb[NFIPS_CHAIN_A_LINE]);
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, NFIPS_CHAIN_A_NAME)) {
		nfips_err_set(&le->err, "chain: name is required");
		return -EINVAL;
	}
	ret = nfips_conf_add_chain(conf, nla_data(tb[NFIPS_CHAIN_A_NAME]),
				   le->line, &le->err);
	if (ret || !tb[NFIPS_CHAIN_A_OPS])
		return ret;
	nla_for_each_nested(el, tb[NFIPS_CHAIN_A_OPS], rem) {
		ret = nla_parse_nested(op_tb, NFIPS_CHAIN_OP_A_MAX, el,
				       chain_op_policy, extack);
		if (ret)
			return ret;
		if (NL_REQ_ATTR_CHECK(extack, el, op_tb, NFIPS_CHAIN_OP_A_NAME)) {
			nfips_err_set(&le->err, "chain: an op without a name");
			return -EINVAL;
		}
		ret = nfips_conf_chain_append(conf,
					      nla_data(op_tb[NFIPS_CHAIN_OP_A_NAME]),
					      &le->err);
		if (ret)
			return ret;
	}
	return 0;
}

/* An address and its prefix length, both or neither, in the rule's family. */
static int parse_prefix(struct nlattr **tb, int a_addr, int a_plen, u8 family,
			u8 *addr, u8 *plen, struct load_err *le)
{
	if (!tb[a_addr] && !tb[a_plen])
		return 0;
	if (!tb[a_addr] || !tb[a_plen] || !family) {
		nfips_err_set(&le->err, "select: an address needs its prefix length and family");
		return -EINVAL;
	}
	*plen = nla_get_u8(tb[a_plen]);
	if (*plen > (family == 4 ? 32 : 128)) {
		nfips_err_set(&le->err, "select: prefix length %u too long for IPv%u",
			      *plen, family);
		return -EINVAL;
	}
	nla_memcpy(addr, tb[a_addr], NFIPS_NL_ADDR_LEN);
	return 1;
}

static int parse_ports(struct nlattr **tb, int a_min, int a_max, u16 *lo,
		       u16 *hi, struct load_err *le)
{
	if (!tb[a_min] && !tb[a_max])
		return 0;
	if (!tb[a_min] || !tb[a_max] ||
	    nla_get_u16(tb[a_min]) > nla_get_u16(tb[a_max])) {
		nfips_err_set(&le->err, "select: a port range needs MIN <= MAX");
		return -EINVAL;
	}
	*lo = nla_get_u16(tb[a_min]);
	*hi = nla_get_u16(tb[a_max]);
	return 1;
}

static int parse_rule(struct nfips_conf *conf, struct nlattr *nest,
		      struct load_err *le, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFIPS_RULE_A_MAX + 1];
	struct nfips_match m = {};
	const char *chain = NULL;
	int ret;

	ret = nla_parse_nested(tb, NFIPS_RULE_A_MAX, nest, rule_policy, extack);
	if (ret)
		return ret;
	le->line = get_line(tb[NFIPS_RULE_A_LINE]);
	if (tb[NFIPS_RULE_A_FAMILY]) {
		m.family = nla_get_u8(tb[NFIPS_RULE_A_FAMILY]);
		if (m.family != 4 && m.family != 6) {
			nfips_err_set(&le->err, "select: family must be 4 or 6");
			return -EINVAL;
		}
		m.fields |= NFIPS_M_FAMILY;
	}
	ret = parse_prefix(tb, NFIPS_RULE_A_SRC, NFIPS_RULE_A_SRC_PLEN, m.family,
			   m.src, &m.src_plen, le);
	if (ret < 0)
		return ret;
	if (ret)
		m.fields |= NFIPS_M_SRC;
	ret = parse_prefix(tb, NFIPS_RULE_A_DST, NFIPS_RULE_A_DST_PLEN, m.family,
			   m.dst, &m.dst_plen, le);
	if (ret < 0)
		return ret;
	if (ret)
		m.fields |= NFIPS_M_DST;
	if (tb[NFIPS_RULE_A_PROTO]) {
		m.proto = nla_get_u8(tb[NFIPS_RULE_A_PROTO]);
		m.fields |= NFIPS_M_PROTO;
	}
	ret = parse_ports(tb, NFIPS_RULE_A_SPORT_MIN, NFIPS_RULE_A_SPORT_MAX,
			  &m.sport_lo, &m.sport_hi, le);
	if (ret < 0)
		return ret;
	if (ret)
		m.fields |= NFIPS_M_SPORT;
	ret = parse_ports(tb, NFIPS_RULE_A_DPORT_MIN, NFIPS_RULE_A_DPORT_MAX,
			  &m.dport_lo, &m.dport_hi, le);
	if (ret < 0)
		return ret;
	if (ret)
		m.fields |= NFIPS_M_DPORT;
	if (tb[NFIPS_RULE_A_IIF]) {
		if (!nla_strscpy(m.iif, tb[NFIPS_RULE_A_IIF], sizeof(m.iif))) {
			nfips_err_set(&le->err, "select: empty interface name");
			return -EINVAL;
		}
		m.fields |= NFIPS_M_IIF;
	}
	if (!!tb[NFIPS_RULE_A_CHAIN] == !!tb[NFIPS_RULE_A_BYPASS]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "exactly one of chain and bypass");
		nfips_err_set(&le->err, "select: needs exactly one of chain=NAME and bypass");
		return -EINVAL;
	}
	if (tb[NFIPS_RULE_A_CHAIN])
		chain = nla_data(tb[NFIPS_RULE_A_CHAIN]);
	return nfips_conf_add_rule(conf, &m, chain, le->line, &le->err);
}

/*
 * Fill @conf from a LOAD request: queue first, then ops, chains and rules,
 * each through the shared checked builders, whatever the message order.
 */
static int parse_load(struct genl_info *info, struct nfips_conf *conf,
		      struct load_err *le)
{
	static const struct {
		int type;
		int (*parse)(struct nfips_conf *conf, struct nlattr *nest,
			     struct load_err *le, struct netlink_ext_ack *extack);
	} passes[] = {
		{ NFIPS_A_QUEUE, parse_queue },
		{ NFIPS_A_OP, parse_op },
		{ NFIPS_A_CHAIN, parse_chain },
		{ NFIPS_A_RULE, parse_rule },
	};
	struct nlattr *nla;
	int ret, rem;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(passes); i++) {
		nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
			if (nla_type(nla) != passes[i].type)
				continue;
			le->line = 0;
			ret = passes[i].parse(conf, nla, le, info->extack);
			if (ret) {
				if (!le->err.msg[0])
					nfips_err_set(&le->err, "malformed request (%d)", ret);
				return ret;
			}
		}
	}
	return 0;
}

/* nfips_policy_env.ifindex: @ctx is the nfips_net. Process context. */
static int env_ifindex(void *ctx, const char *name)
{
	struct nfips_net *nn = ctx;
	struct net_device *dev;
	int ifindex = 0;

	rcu_read_lock();
	dev = dev_get_by_name_rcu(nn->net, name);
	if (dev)
		ifindex = dev->ifindex;
	rcu_read_unlock();
	return ifindex;
}

/*
 * The dynamic reason and line of a rejected LOAD travel in a reply ahead of
 * the error ACK (NL_SET_ERR_MSG takes only static strings in 6.1).
 */
static void reply_error(struct genl_info *info, const struct load_err *le)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(nla_total_size(NFIPS_ERR_MAX) + nla_total_size(4),
			  GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put_reply(skb, info, &nfips_genl_family, 0, NFIPS_CMD_LOAD);
	if (!hdr)
		goto err_free;
	if (nla_put_string(skb, NFIPS_A_ERR_MSG, le->err.msg) ||
	    (le->line && nla_put_u32(skb, NFIPS_A_ERR_LINE, le->line)))
		goto err_free;
	genlmsg_end(skb, hdr);
	genlmsg_reply(skb, info);
	return;
err_free:
	nlmsg_free(skb);
}

static int nfips_nl_load(struct sk_buff *skb, struct genl_info *info)
{
	struct nfips_net *nn = nfips_net(genl_info_net(info));
	const struct nfips_policy_env env = {
		.ifindex = env_ifindex,
		.alert = nfips_netlink_alert,
		.ctx = nn,
	};
	struct nfips_policy *policy;
	struct nfips_conf conf;
	struct nfips_run *run;
	struct load_err *le;
	u32 flags = 0;
	int ret;

	/* struct nfips_err is too big for a stack frame shared with the rest. */
	le = kzalloc(sizeof(*le), GFP_KERNEL);
	if (!le)
		return -ENOMEM;
	if (info->attrs[NFIPS_A_FLAGS])
		flags = nla_get_u32(info->attrs[NFIPS_A_FLAGS]);

	nfips_conf_init(&conf);
	ret = parse_load(info, &conf, le);
	if (ret)
		goto err_reply;

	/* Ops are instantiated here: autoload, argument parsing, all in
	 * process context; the running config is untouched until the swap. */
	le->line = 0;
	policy = nfips_policy_build(&conf, &env, &le->err, &le->line);
	if (!policy) {
		ret = -EINVAL;
		goto err_reply;
	}
	if (flags & NFIPS_LOAD_F_CHECK) {
		nfips_policy_destroy(policy);
		ret = 0;
		goto out_free;
	}
	/* Each config still draining holds up to workers x maxlen packets and
	 * its threads: a loop of LOADs under a flood must not pile them up
	 * without bound. Wait (outside the lock, killable) while too many are
	 * draining; fewer than NFIPS_MAX_RETIRING are never waited for. A soft
	 * cap: LOADs passing this at once may exceed it by their number. */
	if (wait_var_event_killable(&nn->retiring, atomic_read(&nn->retiring) <
				    NFIPS_MAX_RETIRING)) {
		nfips_policy_destroy(policy);
		ret = -EINTR;
		goto out_free;
	}
	le->line = 0;
	run = nfips_run_create(nn, policy, &le->err);
	if (!run) {
		nfips_policy_destroy(policy);
		ret = -ENOMEM;
		goto err_reply;
	}

	mutex_lock(&nn->lock);
	nfips_net_swap(nn, run);
	mutex_unlock(&nn->lock);
	ret = 0;
	goto out_free;

err_reply:
	NL_SET_ERR_MSG(info->extack, "config rejected: see NFIPS_A_ERR_MSG");
	reply_error(info, le);
out_free:
	nfips_conf_free(&conf);
	kfree(le);
	return ret;
}

static int nfips_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct nfips_net *nn = nfips_net(genl_info_net(info));

	/* Never waits for the cap: a FLUSH adds no run, and it is what an
	 * operator reaches for when a config misbehaves. */
	mutex_lock(&nn->lock);
	nfips_net_swap(nn, NULL);
	mutex_unlock(&nn->lock);
	return 0;
}

static int nfips_nl_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(sizeof(NFIPS_VERSION)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nfips_genl_family, 0,
				NFIPS_CMD_GET_VERSION);
	if (!hdr || nla_put_string(msg, NFIPS_A_VERSION, NFIPS_VERSION)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* --- the running config and the counters, as dumps ----------------------- */

static int put_rule(struct sk_buff *skb, int attr, const struct nfips_match *m,
		    const char *chain, u32 line)
{
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest)
		return -EMSGSIZE;
	if (((m->fields & NFIPS_M_FAMILY) &&
	     nla_put_u8(skb, NFIPS_RULE_A_FAMILY, m->family)) ||
	    ((m->fields & NFIPS_M_SRC) &&
	     (nla_put(skb, NFIPS_RULE_A_SRC, NFIPS_NL_ADDR_LEN, m->src) ||
	      nla_put_u8(skb, NFIPS_RULE_A_SRC_PLEN, m->src_plen))) ||
	    ((m->fields & NFIPS_M_DST) &&
	     (nla_put(skb, NFIPS_RULE_A_DST, NFIPS_NL_ADDR_LEN, m->dst) ||
	      nla_put_u8(skb, NFIPS_RULE_A_DST_PLEN, m->dst_plen))) ||
	    ((m->fields & NFIPS_M_PROTO) &&
	     nla_put_u8(skb, NFIPS_RULE_A_PROTO, m->proto)) ||
	    ((m->fields & NFIPS_M_SPORT) &&
	     (nla_put_u16(skb, NFIPS_RULE_A_SPORT_MIN, m->sport_lo) ||
	      nla_put_u16(skb, NFIPS_RULE_A_SPORT_MAX, m->sport_hi))) ||
	    ((m->fields & NFIPS_M_DPORT) &&
	     (nla_put_u16(skb, NFIPS_RULE_A_DPORT_MIN, m->dport_lo) ||
	      nla_put_u16(skb, NFIPS_RULE_A_DPORT_MAX, m->dport_hi))) ||
	    ((m->fields & NFIPS_M_IIF) &&
	     nla_put_string(skb, NFIPS_RULE_A_IIF, m->iif)) ||
	    (chain ? nla_put_string(skb, NFIPS_RULE_A_CHAIN, chain) :
		     nla_put_flag(skb, NFIPS_RULE_A_BYPASS)) ||
	    nla_put_u32(skb, NFIPS_RULE_A_LINE, line)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_config_item(struct sk_buff *skb, const struct nfips_conf *c,
			   u32 phase, u32 i)
{
	struct nlattr *nest, *ops, *el;
	u32 j;

	switch (phase) {
	case 0:
		nest = nla_nest_start(skb, NFIPS_A_QUEUE);
		if (!nest ||
		    nla_put_u32(skb, NFIPS_QUEUE_A_WORKERS, c->queue.workers) ||
		    nla_put_u32(skb, NFIPS_QUEUE_A_MAXLEN, c->queue.maxlen) ||
		    nla_put_u32(skb, NFIPS_QUEUE_A_OVERFLOW, c->queue.overflow))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
		return 0;
	case 1:
		nest = nla_nest_start(skb, NFIPS_A_OP);
		if (!nest ||
		    nla_put_string(skb, NFIPS_OP_A_NAME, c->ops[i].name) ||
		    nla_put_string(skb, NFIPS_OP_A_TYPE, c->ops[i].type) ||
		    nla_put_string(skb, NFIPS_OP_A_ARGS, c->ops[i].args) ||
		    nla_put_u32(skb, NFIPS_OP_A_LINE, c->ops[i].line))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
		return 0;
	case 2:
		nest = nla_nest_start(skb, NFIPS_A_CHAIN);
		if (!nest ||
		    nla_put_string(skb, NFIPS_CHAIN_A_NAME, c->chains[i].name) ||
		    nla_put_u32(skb, NFIPS_CHAIN_A_LINE, c->chains[i].line))
			return -EMSGSIZE;
		ops = nla_nest_start(skb, NFIPS_CHAIN_A_OPS);
		if (!ops)
			return -EMSGSIZE;
		for (j = 0; j < c->chains[i].n_ops; j++) {
			el = nla_nest_start(skb, j + 1);
			if (!el || nla_put_string(skb, NFIPS_CHAIN_OP_A_NAME,
					c->ops[c->chains[i].ops[j]].name))
				return -EMSGSIZE;
			nla_nest_end(skb, el);
		}
		nla_nest_end(skb, ops);
		nla_nest_end(skb, nest);
		return 0;
	default:
		return put_rule(skb, NFIPS_A_RULE, &c->rules[i].match,
				c->rules[i].chain == NFIPS_BYPASS ? NULL :
				c->chains[c->rules[i].chain].name,
				c->rules[i].line);
	}
}

/*
 * Dump cursor in cb->args: [0] phase, [1] index within it, [2] generation
 * of the config the dump started on (a swap in between: NLM_F_DUMP_INTR).
 */
static struct nfips_run *dump_begin(struct netlink_callback *cb,
				    struct nfips_net *nn)
{
	struct nfips_run *run = rcu_dereference(nn->run);

	/* Every swap (FLUSH too) takes a new generation; +1 because the core
	 * ignores a sequence of 0. A racing swap only flags a retry. */
	cb->seq = (run ? run->gen : READ_ONCE(nn->gen)) + 1;
	return run;
}

/* Nothing fitted in an empty buffer: an error, not the end of the dump. */
static int dump_end(struct sk_buff *skb, bool more)
{
	return more && !skb->len ? -EMSGSIZE : skb->len;
}

static void *dump_put(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, &nfips_genl_family,
				NLM_F_MULTI, cmd);

	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

static int nfips_nl_config_start(struct netlink_callback *cb)
{
	/* One op's argument text may be close to 64 KiB: make room for it. */
	cb->min_dump_alloc = NFIPS_ARGS_MAX + 4096;
	return 0;
}

static int nfips_nl_get_config(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nfips_net *nn = nfips_net(sock_net(skb->sk));
	const struct nfips_conf *c;
	struct nfips_run *run;
	u32 phase = cb->args[0], i = cb->args[1], n;
	bool more = false;
	void *hdr;

	rcu_read_lock();
	run = dump_begin(cb, nn);
	if (!run)
		goto out;
	c = &run->policy->conf;
	for (; phase < 4; phase++, i = 0) {
		n = phase == 0 ? 1 : phase == 1 ? c->n_ops :
		    phase == 2 ? c->n_chains : c->n_rules;
		for (; i < n; i++) {
			hdr = dump_put(skb, cb, NFIPS_CMD_GET_CONFIG);
			more = true;
			if (!hdr)
				goto out;
			if (put_config_item(skb, c, phase, i)) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			more = false;
		}
	}
out:
	rcu_read_unlock();
	cb->args[0] = phase;
	cb->args[1] = i;
	return dump_end(skb, more);
}

static int put_u64s(struct sk_buff *skb, const int *types, const u64 *vals,
		    int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (nla_put_u64_64bit(skb, types[i], vals[i], NFIPS_STAT_A_PAD))
			return -EMSGSIZE;
	return 0;
}

static int put_stats(struct sk_buff *skb, const struct nfips_stats *st)
{
	static const int types[] = {
		NFIPS_STAT_A_PACKETS, NFIPS_STAT_A_ACCEPTS, NFIPS_STAT_A_DROPS,
		NFIPS_STAT_A_ALERTS, NFIPS_STAT_A_TIME_NS,
	};
	const u64 vals[] = {
		nfips_counter_read(&st->packets), nfips_counter_read(&st->accepts),
		nfips_counter_read(&st->drops), nfips_counter_read(&st->alerts),
		nfips_counter_read(&st->time_ns),
	};

	return put_u64s(skb, types, vals, ARRAY_SIZE(types));
}

static int put_global(struct sk_buff *skb, struct nfips_net *nn)
{
	static const int types[] = {
		NFIPS_STAT_A_RECEIVED, NFIPS_STAT_A_ACCEPTED, NFIPS_STAT_A_DROPPED,
		NFIPS_STAT_A_QUEUED, NFIPS_STAT_A_OVERFLOW, NFIPS_STAT_A_BYPASSED,
		NFIPS_STAT_A_MALFORMED, NFIPS_STAT_A_ALERTS_SUPPRESSED,
	};
	struct nfips_net_snapshot s;
	u64 vals[ARRAY_SIZE(types)];

	nfips_net_stats_read(nn, &s);
	vals[0] = s.received;
	vals[1] = s.accepted;
	vals[2] = s.dropped;
	vals[3] = s.queued;
	vals[4] = s.overflow;
	vals[5] = s.bypassed;
	vals[6] = s.malformed;
	vals[7] = s.alerts_suppressed;
	return put_u64s(skb, types, vals, ARRAY_SIZE(types));
}

static int put_queue(struct sk_buff *skb, struct nfips_worker *w)
{
	static const int types[] = {
		NFIPS_STAT_A_ENQUEUED, NFIPS_STAT_A_OVERFLOW, NFIPS_STAT_A_DEPTH,
		NFIPS_STAT_A_MAX_DEPTH,
	};
	u64 vals[ARRAY_SIZE(types)];

	/* A consistent set from one worker: its lock is cheap to take. */
	spin_lock_bh(&w->lock);
	vals[0] = w->enqueued;
	vals[1] = atomic64_read(&w->overflow);
	vals[2] = w->len;
	vals[3] = w->max_depth;
	spin_unlock_bh(&w->lock);
	return put_u64s(skb, types, vals, ARRAY_SIZE(types));
}

static int put_stat_record(struct sk_buff *skb, struct nfips_net *nn,
			   struct nfips_run *run, u32 kind, u32 i)
{
	struct nfips_policy *p = run ? run->policy : NULL;
	struct nlattr *nest = nla_nest_start(skb, NFIPS_A_STAT);
	const struct nfips_conf_rule *cr;

	if (!nest || nla_put_u8(skb, NFIPS_STAT_A_KIND, kind))
		return -EMSGSIZE;
	switch (kind) {
	case NFIPS_STAT_KIND_GLOBAL:
		if (put_global(skb, nn))
			return -EMSGSIZE;
		break;
	case NFIPS_STAT_KIND_RULE:
		cr = &p->conf.rules[i];
		if (put_rule(skb, NFIPS_STAT_A_RULE, &cr->match,
			     p->rules[i].chain ? p->rules[i].chain->name : NULL,
			     cr->line) ||
		    nla_put_u64_64bit(skb, NFIPS_STAT_A_PACKETS,
				      nfips_counter_read(&p->rules[i].packets),
				      NFIPS_STAT_A_PAD))
			return -EMSGSIZE;
		break;
	case NFIPS_STAT_KIND_CHAIN:
		if (nla_put_string(skb, NFIPS_STAT_A_NAME, p->chains[i].name) ||
		    put_stats(skb, &p->chains[i].stats))
			return -EMSGSIZE;
		break;
	case NFIPS_STAT_KIND_OP:
		if (nla_put_string(skb, NFIPS_STAT_A_NAME, p->ops[i]->name) ||
		    nla_put_string(skb, NFIPS_STAT_A_TYPE, p->ops[i]->ops->name) ||
		    put_stats(skb, &p->ops[i]->stats))
			return -EMSGSIZE;
		break;
	default:
		if (nla_put_u32(skb, NFIPS_STAT_A_INDEX, i) ||
		    put_queue(skb, &run->workers[i]))
			return -EMSGSIZE;
		break;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int nfips_nl_get_stats(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nfips_net *nn = nfips_net(sock_net(skb->sk));
	u32 kind = cb->args[0], i = cb->args[1], n;
	struct nfips_run *run;
	void *hdr;

	if (!kind)
		kind = NFIPS_STAT_KIND_GLOBAL;
	bool more = false;

	rcu_read_lock();
	run = dump_begin(cb, nn);
	for (; kind < __NFIPS_STAT_KIND_MAX; kind++, i = 0) {
		if (kind == NFIPS_STAT_KIND_GLOBAL)
			n = 1;
		else if (!run)
			n = 0;
		else if (kind == NFIPS_STAT_KIND_RULE)
			n = run->policy->n_rules;
		else if (kind == NFIPS_STAT_KIND_CHAIN)
			n = run->policy->n_chains;
		else if (kind == NFIPS_STAT_KIND_OP)
			n = run->policy->n_ops;
		else
			n = run->n_workers;
		for (; i < n; i++) {
			hdr = dump_put(skb, cb, NFIPS_CMD_GET_STATS);
			more = true;
			if (!hdr)
				goto out;
			if (put_stat_record(skb, nn, run, kind, i)) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			more = false;
		}
	}
out:
	rcu_read_unlock();
	cb->args[0] = kind;
	cb->args[1] = i;
	return dump_end(skb, more);
}

/* --- alerts ------------------------------------------------------------- */

/* One alert event, at most (names are bounded by NFIPS_NAME_MAX): not a
 * whole NLMSG_GOODSIZE page per event. */
static size_t alert_size(void)
{
	return nla_total_size(0) +			/* NFIPS_A_ALERT */
	       nla_total_size_64bit(sizeof(u64)) +	/* TIME_NS */
	       2 * nla_total_size(NFIPS_NAME_MAX) +	/* CHAIN, OP */
	       nla_total_size(sizeof(u32)) +		/* RESULT */
	       2 * nla_total_size(sizeof(u8)) +		/* FAMILY, PROTO */
	       2 * nla_total_size(NFIPS_NL_ADDR_LEN) +	/* SADDR, DADDR */
	       2 * nla_total_size(sizeof(u16)) +	/* SPORT, DPORT */
	       2 * nla_total_size(sizeof(u32));		/* LEN, IFINDEX */
}

void nfips_netlink_alert(void *ctx, const struct nfips_chain *chain,
			 const struct nfips_op *op, const struct nfips_pkt *pkt,
			 int result)
{
	struct nfips_net *nn = ctx;
	struct net *net = nn->net;
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;

	/* Nobody listens: nothing to send, and nothing suppressed. */
	if (!genl_has_listeners(&nfips_genl_family, net, 0))
		return;
	if (!nfips_alert_ok(nn))
		return;

	skb = genlmsg_new(alert_size(), GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &nfips_genl_family, 0, NFIPS_CMD_ALERT);
	if (!hdr)
		goto err_free;
	nest = nla_nest_start(skb, NFIPS_A_ALERT);
	if (!nest ||
	    nla_put_u64_64bit(skb, NFIPS_ALERT_A_TIME_NS, ktime_get_real_ns(),
			      NFIPS_ALERT_A_PAD) ||
	    nla_put_string(skb, NFIPS_ALERT_A_CHAIN, chain->name) ||
	    nla_put_string(skb, NFIPS_ALERT_A_OP, op->name) ||
	    nla_put_u32(skb, NFIPS_ALERT_A_RESULT, (u32)result) ||
	    nla_put_u8(skb, NFIPS_ALERT_A_FAMILY, pkt->family) ||
	    nla_put_u8(skb, NFIPS_ALERT_A_PROTO, pkt->l4_proto) ||
	    nla_put(skb, NFIPS_ALERT_A_SADDR, NFIPS_NL_ADDR_LEN, pkt->saddr) ||
	    nla_put(skb, NFIPS_ALERT_A_DADDR, NFIPS_NL_ADDR_LEN, pkt->daddr) ||
	    nla_put_u16(skb, NFIPS_ALERT_A_SPORT, pkt->sport) ||
	    nla_put_u16(skb, NFIPS_ALERT_A_DPORT, pkt->dport) ||
	    nla_put_u32(skb, NFIPS_ALERT_A_LEN, pkt->wire_len) ||
	    nla_put_u32(skb, NFIPS_ALERT_A_IFINDEX, pkt->ifindex))
		goto err_free;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&nfips_genl_family, net, skb, 0, 0, GFP_ATOMIC);
	return;
err_free:
	nlmsg_free(skb);
}

/* --- the family ---------------------------------------------------------- */

static const struct genl_ops nfips_genl_ops[] = {
	{
		.cmd = NFIPS_CMD_GET_VERSION,
		.doit = nfips_nl_version,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFIPS_CMD_LOAD,
		.doit = nfips_nl_load,
		.policy = load_policy,
		.maxattr = NFIPS_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFIPS_CMD_GET_CONFIG,
		.start = nfips_nl_config_start,
		.dumpit = nfips_nl_get_config,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFIPS_CMD_GET_STATS,
		.dumpit = nfips_nl_get_stats,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFIPS_CMD_FLUSH,
		.doit = nfips_nl_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group nfips_genl_mcgrps[] = {
	{ .name = NFIPS_MCGRP_ALERTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family nfips_genl_family __ro_after_init = {
	.name = NFIPS_GENL_NAME,
	.version = NFIPS_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.resv_start_op = NFIPS_CMD_GET_VERSION,
	.ops = nfips_genl_ops,
	.n_ops = ARRAY_SIZE(nfips_genl_ops),
	.mcgrps = nfips_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nfips_genl_mcgrps),
	.module = THIS_MODULE,
};

int __init nfips_netlink_init(void)
{
	return genl_register_family(&nfips_genl_family);
}

void nfips_netlink_exit(void)
{
	genl_unregister_family(&nfips_genl_family);
}
