// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsctl's kernel backend: the generic netlink family "nfips" of nfips.ko
 * (include/uapi/linux/nfips.h), through libnl-genl-3. This file owns the
 * netlink socket; main.c prints.
 *
 * The family is per network namespace: nfipsctl acts on the namespace it
 * runs in (`ip netns exec NS nfipsctl -k ...`).
 */
#include <signal.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <uapi/linux/nfips.h>

#include "nfipsctl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* A dump that met a config swap is restarted; give up after this many. */
#define DUMP_RETRIES	5

struct kpriv {
	struct nl_sock *sk;
	int family;
};

/* State of one request: its answer or error, filled by the callbacks. */
struct xfer {
	struct nfipsctl *ctl;
	int (*valid)(struct xfer *x, struct nlattr **tb, struct genlmsghdr *gh);
	void *arg;
	int error;		/* errno from the kernel's ACK, <= 0 */
	bool done;
	bool intr;		/* NLM_F_DUMP_INTR seen */
	int cb_ret;		/* a valid() callback failed */
	char kmsg[NFIPS_ERR_MAX + 16];	/* NFIPS_A_ERR_MSG, or the extack */
	u32 kline;		/* NFIPS_A_ERR_LINE */
};

static struct kpriv *priv(struct nfipsctl *ctl)
{
	return ctl->priv;
}

/* A string attribute as sent by the kernel, checked for its terminator. */
static const char *attr_str(const struct nlattr *nla)
{
	const char *s;
	int len;

	if (!nla)
		return NULL;
	s = nla_data(nla);
	len = nla_len(nla);
	if (len < 1 || strnlen(s, (size_t)len) == (size_t)len)
		return NULL;
	return s;
}

static bool attr_ok(const struct nlattr *nla, int len)
{
	return nla && nla_len(nla) >= len;
}

static int valid_handler(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[NFIPS_A_MAX + 1];
	struct xfer *x = arg;
	const char *s;

	if (genlmsg_parse(nlh, 0, tb, NFIPS_A_MAX, NULL) < 0) {
		x->cb_ret = -EPROTO;
		return NL_SKIP;
	}
	if (tb[NFIPS_A_ERR_MSG]) {
		s = attr_str(tb[NFIPS_A_ERR_MSG]);
		snprintf(x->kmsg, sizeof(x->kmsg), "%s", s ? s : "(bad message)");
		if (attr_ok(tb[NFIPS_A_ERR_LINE], 4))
			x->kline = nla_get_u32(tb[NFIPS_A_ERR_LINE]);
		return NL_OK;
	}
	if (x->valid && !x->cb_ret)
		x->cb_ret = x->valid(x, tb, gh);
	return NL_OK;
}

static int error_handler(struct sockaddr_nl *nla, struct nlmsgerr *err,
			 void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	struct xfer *x = arg;
	struct nlattr *tlv;
	size_t off;
	int rem;

	(void)nla;
	x->error = err->error;
	x->done = true;
	/* The extended ACK's message, when the kernel gave one. */
	if (!x->kmsg[0] && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (NLMSG_HDRLEN + off <= nlh->nlmsg_len) {
			rem = (int)(nlh->nlmsg_len - NLMSG_HDRLEN - off);
			tlv = (struct nlattr *)((char *)err + NLMSG_ALIGN(off));
			for (; nla_ok(tlv, rem); tlv = nla_next(tlv, &rem))
				if (nla_type(tlv) == NLMSGERR_ATTR_MSG &&
				    attr_str(tlv))
					snprintf(x->kmsg, sizeof(x->kmsg),
						 "%s", (char *)nla_data(tlv));
		}
	}
	return NL_STOP;
}

static int ack_handler(struct nl_msg *msg, void *arg)
{
	struct xfer *x = arg;

	(void)msg;
	x->done = true;
	return NL_STOP;
}

static int finish_handler(struct nl_msg *msg, void *arg)
{
	struct xfer *x = arg;

	(void)msg;
	x->done = true;
	return NL_STOP;
}

static int intr_handler(struct nl_msg *msg, void *arg)
{
	struct xfer *x = arg;

	(void)msg;
	x->intr = true;
	return NL_SKIP;
}

static struct nl_msg *new_msg(struct nfipsctl *ctl, u8 cmd, int flags,
			      size_t size)
{
	struct nl_msg *msg = nlmsg_alloc_size(size);

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, priv(ctl)->family, 0,
			 flags, cmd, NFIPS_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Send @msg (consumed) and read until its ACK or the end of its dump. */
static int transact(struct nfipsctl *ctl, struct nl_msg *msg, struct xfer *x)
{
	struct nl_sock *sk = priv(ctl)->sk;
	struct nl_cb *cb;
	int ret;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_handler, x);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_handler, x);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_handler, x);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, intr_handler, x);
	nl_cb_err(cb, NL_CB_CUSTOM, error_handler, x);

	x->ctl = ctl;
	x->done = false;
	x->error = 0;
	ret = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		snprintf(ctl->err, sizeof(ctl->err), "sending to nfips.ko failed: %s",
			 nl_geterror(ret));
		ret = -EIO;
		goto out;
	}
	ret = 0;
	while (!x->done) {
		int r = nl_recvmsgs(sk, cb);

		if (r < 0) {
			snprintf(ctl->err, sizeof(ctl->err),
				 "receiving from nfips.ko failed: %s", nl_geterror(r));
			ret = -EIO;
			goto out;
		}
	}
	if (x->error) {
		ret = x->error;
		if (x->kmsg[0])
			snprintf(ctl->err, sizeof(ctl->err), "%s", x->kmsg);
		else
			snprintf(ctl->err, sizeof(ctl->err), "nfips.ko: %s",
				 strerror(-ret));
	} else if (x->cb_ret) {
		ret = x->cb_ret;
		if (!ctl->err[0])
			snprintf(ctl->err, sizeof(ctl->err),
				 "nfips.ko sent a reply nfipsctl cannot read");
	}
out:
	nl_cb_put(cb);
	return ret;
}

static int kernel_open(struct nfipsctl *ctl)
{
	struct kpriv *p;
	int one = 1, ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->sk = nl_socket_alloc();
	if (!p->sk) {
		free(p);
		return -ENOMEM;
	}
	ret = genl_connect(p->sk);
	if (ret < 0) {
		snprintf(ctl->err, sizeof(ctl->err),
			 "cannot open a generic netlink socket: %s", nl_geterror(ret));
		ret = -EIO;
		goto err_free;
	}
	p->family = genl_ctrl_resolve(p->sk, NFIPS_GENL_NAME);
	if (p->family < 0) {
		snprintf(ctl->err, sizeof(ctl->err),
			 "nfips.ko is not loaded (no generic netlink family \"%s\" in this network namespace)",
			 NFIPS_GENL_NAME);
		ret = -ENOENT;
		goto err_free;
	}
	/* Big replies (GET_CONFIG) are read whole; errors carry the extack. */
	nl_socket_enable_msg_peek(p->sk);
	setsockopt(nl_socket_get_fd(p->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	ctl->priv = p;
	return 0;

err_free:
	nl_socket_free(p->sk);
	free(p);
	return ret;
}

static void kernel_close(struct nfipsctl *ctl)
{
	struct kpriv *p = priv(ctl);

	if (!p)
		return;
	nl_socket_free(p->sk);
	free(p);
	ctl->priv = NULL;
}

/* --- load ---------------------------------------------------------------- */

static size_t load_size(const struct nfips_conf *c)
{
	size_t n = 4096;
	u32 i;

	for (i = 0; i < c->n_ops; i++)
		n += 2 * NFIPS_NAME_MAX + strlen(c->ops[i].args) + 64;
	for (i = 0; i < c->n_chains; i++)
		n += NFIPS_NAME_MAX + 64 + c->chains[i].n_ops * (NFIPS_NAME_MAX + 16);
	n += (size_t)c->n_rules * 256;
	return n;
}

static struct nlattr *nest(struct nl_msg *msg, int type)
{
	return nla_nest_start(msg, type | NLA_F_NESTED);
}

static int put_rule(struct nl_msg *msg, const struct nfips_conf *c,
		    const struct nfips_conf_rule *r)
{
	const struct nfips_match *m = &r->match;
	struct nlattr *n = nest(msg, NFIPS_A_RULE);
	u32 f = m->fields;

	if (!n)
		return -ENOMEM;
	if (((f & NFIPS_M_FAMILY) && nla_put_u8(msg, NFIPS_RULE_A_FAMILY, m->family)) ||
	    ((f & NFIPS_M_SRC) &&
	     (nla_put(msg, NFIPS_RULE_A_SRC, 16, m->src) ||
	      nla_put_u8(msg, NFIPS_RULE_A_SRC_PLEN, m->src_plen))) ||
	    ((f & NFIPS_M_DST) &&
	     (nla_put(msg, NFIPS_RULE_A_DST, 16, m->dst) ||
	      nla_put_u8(msg, NFIPS_RULE_A_DST_PLEN, m->dst_plen))) ||
	    ((f & NFIPS_M_PROTO) && nla_put_u8(msg, NFIPS_RULE_A_PROTO, m->proto)) ||
	    ((f & NFIPS_M_SPORT) &&
	     (nla_put_u16(msg, NFIPS_RULE_A_SPORT_MIN, m->sport_lo) ||
	      nla_put_u16(msg, NFIPS_RULE_A_SPORT_MAX, m->sport_hi))) ||
	    ((f & NFIPS_M_DPORT) &&
	     (nla_put_u16(msg, NFIPS_RULE_A_DPORT_MIN, m->dport_lo) ||
	      nla_put_u16(msg, NFIPS_RULE_A_DPORT_MAX, m->dport_hi))) ||
	    ((f & NFIPS_M_IIF) && nla_put_string(msg, NFIPS_RULE_A_IIF, m->iif)) ||
	    (r->chain == NFIPS_BYPASS ? nla_put_flag(msg, NFIPS_RULE_A_BYPASS) :
	     nla_put_string(msg, NFIPS_RULE_A_CHAIN, c->chains[r->chain].name)) ||
	    nla_put_u32(msg, NFIPS_RULE_A_LINE, r->line))
		return -ENOMEM;
	nla_nest_end(msg, n);
	return 0;
}

static int build_load(struct nl_msg *msg, const struct nfips_conf *c)
{
	struct nlattr *n, *ops, *el;
	u32 i, j;

	n = nest(msg, NFIPS_A_QUEUE);
	if (!n || nla_put_u32(msg, NFIPS_QUEUE_A_WORKERS, c->queue.workers) ||
	    nla_put_u32(msg, NFIPS_QUEUE_A_MAXLEN, c->queue.maxlen) ||
	    nla_put_u32(msg, NFIPS_QUEUE_A_OVERFLOW, c->queue.overflow))
		return -ENOMEM;
	nla_nest_end(msg, n);
	for (i = 0; i < c->n_ops; i++) {
		n = nest(msg, NFIPS_A_OP);
		if (!n || nla_put_string(msg, NFIPS_OP_A_NAME, c->ops[i].name) ||
		    nla_put_string(msg, NFIPS_OP_A_TYPE, c->ops[i].type) ||
		    nla_put_string(msg, NFIPS_OP_A_ARGS, c->ops[i].args) ||
		    nla_put_u32(msg, NFIPS_OP_A_LINE, c->ops[i].line))
			return -ENOMEM;
		nla_nest_end(msg, n);
	}
	for (i = 0; i < c->n_chains; i++) {
		const struct nfips_conf_chain *ch = &c->chains[i];

		n = nest(msg, NFIPS_A_CHAIN);
		if (!n || nla_put_string(msg, NFIPS_CHAIN_A_NAME, ch->name) ||
		    nla_put_u32(msg, NFIPS_CHAIN_A_LINE, ch->line))
			return -ENOMEM;
		ops = nest(msg, NFIPS_CHAIN_A_OPS);
		if (!ops)
			return -ENOMEM;
		for (j = 0; j < ch->n_ops; j++) {
			el = nest(msg, (int)j + 1);
			if (!el || nla_put_string(msg, NFIPS_CHAIN_OP_A_NAME,
						  c->ops[ch->ops[j]].name))
				return -ENOMEM;
			nla_nest_end(msg, el);
		}
		nla_nest_end(msg, ops);
		nla_nest_end(msg, n);
	}
	for (i = 0; i < c->n_rules; i++)
		if (put_rule(msg, c, &c->rules[i]))
			return -ENOMEM;
	return 0;
}

static int kernel_load(struct nfipsctl *ctl, const char *path,
		       const char *text, const struct nfips_conf *conf)
{
	struct xfer x = { 0 };
	struct nl_msg *msg;
	size_t size = load_size(conf);
	int ret, sndbuf;

	(void)text;
	msg = new_msg(ctl, NFIPS_CMD_LOAD, NLM_F_ACK, size);
	if (!msg)
		return -ENOMEM;
	if (build_load(msg, conf)) {
		nlmsg_free(msg);
		snprintf(ctl->err, sizeof(ctl->err), "%s: config too large for one message", path);
		return -E2BIG;
	}
	/* The kernel refuses a message larger than the socket's send buffer:
	 * make room for big configs (FORCE needs CAP_NET_ADMIN, which LOAD
	 * needs anyway). */
	if (nlmsg_hdr(msg)->nlmsg_len > 128 * 1024) {
		sndbuf = (int)nlmsg_hdr(msg)->nlmsg_len + 65536;
		if (setsockopt(nl_socket_get_fd(priv(ctl)->sk), SOL_SOCKET,
			       SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
			setsockopt(nl_socket_get_fd(priv(ctl)->sk), SOL_SOCKET,
				   SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
	ret = transact(ctl, msg, &x);
	if (ret && x.kmsg[0]) {
		if (x.kline)
			snprintf(ctl->err, sizeof(ctl->err), "%s:%u: %s", path,
				 x.kline, x.kmsg);
		else
			snprintf(ctl->err, sizeof(ctl->err), "%s: %s", path, x.kmsg);
	}
	return ret;
}

/* --- show ---------------------------------------------------------------- */

static int parse_match(struct nlattr *nest_attr, struct nfips_match *m,
		       const char **chain, u32 *line)
{
	struct nlattr *tb[NFIPS_RULE_A_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (nla_parse_nested(tb, NFIPS_RULE_A_MAX, nest_attr, NULL) < 0)
		return -EPROTO;
	if (attr_ok(tb[NFIPS_RULE_A_FAMILY], 1)) {
		m->family = nla_get_u8(tb[NFIPS_RULE_A_FAMILY]);
		m->fields |= NFIPS_M_FAMILY;
	}
	if (attr_ok(tb[NFIPS_RULE_A_SRC], 16) && attr_ok(tb[NFIPS_RULE_A_SRC_PLEN], 1)) {
		memcpy(m->src, nla_data(tb[NFIPS_RULE_A_SRC]), 16);
		m->src_plen = nla_get_u8(tb[NFIPS_RULE_A_SRC_PLEN]);
		m->fields |= NFIPS_M_SRC;
	}
	if (attr_ok(tb[NFIPS_RULE_A_DST], 16) && attr_ok(tb[NFIPS_RULE_A_DST_PLEN], 1)) {
		memcpy(m->dst, nla_data(tb[NFIPS_RULE_A_DST]), 16);
		m->dst_plen = nla_get_u8(tb[NFIPS_RULE_A_DST_PLEN]);
		m->fields |= NFIPS_M_DST;
	}
	if (attr_ok(tb[NFIPS_RULE_A_PROTO], 1)) {
		m->proto = nla_get_u8(tb[NFIPS_RULE_A_PROTO]);
		m->fields |= NFIPS_M_PROTO;
	}
	if (attr_ok(tb[NFIPS_RULE_A_SPORT_MIN], 2) && attr_ok(tb[NFIPS_RULE_A_SPORT_MAX], 2)) {
		m->sport_lo = nla_get_u16(tb[NFIPS_RULE_A_SPORT_MIN]);
		m->sport_hi = nla_get_u16(tb[NFIPS_RULE_A_SPORT_MAX]);
		m->fields |= NFIPS_M_SPORT;
	}
	if (attr_ok(tb[NFIPS_RULE_A_DPORT_MIN], 2) && attr_ok(tb[NFIPS_RULE_A_DPORT_MAX], 2)) {
		m->dport_lo = nla_get_u16(tb[NFIPS_RULE_A_DPORT_MIN]);
		m->dport_hi = nla_get_u16(tb[NFIPS_RULE_A_DPORT_MAX]);
		m->fields |= NFIPS_M_DPORT;
	}
	if (attr_str(tb[NFIPS_RULE_A_IIF])) {
		strscpy(m->iif, attr_str(tb[NFIPS_RULE_A_IIF]), sizeof(m->iif));
		m->fields |= NFIPS_M_IIF;
	}
	*chain = attr_str(tb[NFIPS_RULE_A_CHAIN]);
	*line = attr_ok(tb[NFIPS_RULE_A_LINE], 4) ?
		nla_get_u32(tb[NFIPS_RULE_A_LINE]) : 0;
	return 0;
}

static int show_item(struct xfer *x, struct nlattr **top, struct genlmsghdr *gh)
{
	struct nfips_conf *c = x->arg;
	struct nlattr *tb[NFIPS_RULE_A_MAX + 1], *el;
	struct nfips_err err = { { 0 } };
	const char *chain;
	int ret = 0, rem;
	u32 line;

	(void)gh;
	if (top[NFIPS_A_QUEUE]) {
		struct nfips_queue_conf q = c->queue;

		if (nla_parse_nested(tb, NFIPS_QUEUE_A_MAX, top[NFIPS_A_QUEUE], NULL) < 0)
			return -EPROTO;
		if (attr_ok(tb[NFIPS_QUEUE_A_WORKERS], 4))
			q.workers = nla_get_u32(tb[NFIPS_QUEUE_A_WORKERS]);
		if (attr_ok(tb[NFIPS_QUEUE_A_MAXLEN], 4))
			q.maxlen = nla_get_u32(tb[NFIPS_QUEUE_A_MAXLEN]);
		if (attr_ok(tb[NFIPS_QUEUE_A_OVERFLOW], 4))
			q.overflow = nla_get_u32(tb[NFIPS_QUEUE_A_OVERFLOW]);
		ret = nfips_conf_set_queue(c, &q, &err);
	} else if (top[NFIPS_A_OP]) {
		if (nla_parse_nested(tb, NFIPS_OP_A_MAX, top[NFIPS_A_OP], NULL) < 0 ||
		    !attr_str(tb[NFIPS_OP_A_NAME]) || !attr_str(tb[NFIPS_OP_A_TYPE]))
			return -EPROTO;
		ret = nfips_conf_add_op(c, attr_str(tb[NFIPS_OP_A_NAME]),
					attr_str(tb[NFIPS_OP_A_TYPE]),
					attr_str(tb[NFIPS_OP_A_ARGS]),
					attr_ok(tb[NFIPS_OP_A_LINE], 4) ?
					nla_get_u32(tb[NFIPS_OP_A_LINE]) : 0, &err);
	} else if (top[NFIPS_A_CHAIN]) {
		if (nla_parse_nested(tb, NFIPS_CHAIN_A_MAX, top[NFIPS_A_CHAIN], NULL) < 0 ||
		    !attr_str(tb[NFIPS_CHAIN_A_NAME]))
			return -EPROTO;
		ret = nfips_conf_add_chain(c, attr_str(tb[NFIPS_CHAIN_A_NAME]),
					   attr_ok(tb[NFIPS_CHAIN_A_LINE], 4) ?
					   nla_get_u32(tb[NFIPS_CHAIN_A_LINE]) : 0, &err);
		if (!ret && tb[NFIPS_CHAIN_A_OPS]) {
			nla_for_each_nested(el, tb[NFIPS_CHAIN_A_OPS], rem) {
				struct nlattr *ot[NFIPS_CHAIN_OP_A_MAX + 1];

				if (nla_parse_nested(ot, NFIPS_CHAIN_OP_A_MAX, el, NULL) < 0 ||
				    !attr_str(ot[NFIPS_CHAIN_OP_A_NAME]))
					return -EPROTO;
				ret = nfips_conf_chain_append(c,
						attr_str(ot[NFIPS_CHAIN_OP_A_NAME]), &err);
				if (ret)
					break;
			}
		}
	} else if (top[NFIPS_A_RULE]) {
		struct nfips_match m;

		if (parse_match(top[NFIPS_A_RULE], &m, &chain, &line))
			return -EPROTO;
		ret = nfips_conf_add_rule(c, &m, chain, line, &err);
	}
	if (ret)
		snprintf(x->ctl->err, sizeof(x->ctl->err),
			 "the running config does not read back: %s", err.msg);
	return ret;
}

static int dump(struct nfipsctl *ctl, u8 cmd, struct xfer *x)
{
	struct nl_msg *msg = new_msg(ctl, cmd, NLM_F_DUMP, 256);

	if (!msg)
		return -ENOMEM;
	x->intr = false;
	return transact(ctl, msg, x);
}

static int kernel_show(struct nfipsctl *ctl, struct nfips_conf *conf)
{
	struct xfer x = { .valid = show_item, .arg = conf };
	int ret, tries;

	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		nfips_conf_free(conf);
		ret = dump(ctl, NFIPS_CMD_GET_CONFIG, &x);
		if (ret || !x.intr)
			return ret;
	}
	snprintf(ctl->err, sizeof(ctl->err), "the config kept changing while being read");
	return -EAGAIN;
}

/* --- stats --------------------------------------------------------------- */

static const char *const stat_keys[NFIPS_STAT_A_MAX + 1] = {
	[NFIPS_STAT_A_RECEIVED] = "received",
	[NFIPS_STAT_A_ACCEPTED] = "accepted",
	[NFIPS_STAT_A_DROPPED] = "dropped",
	[NFIPS_STAT_A_QUEUED] = "queued",
	[NFIPS_STAT_A_OVERFLOW] = "overflow",
	[NFIPS_STAT_A_BYPASSED] = "bypassed",
	[NFIPS_STAT_A_MALFORMED] = "malformed",
	[NFIPS_STAT_A_PACKETS] = "packets",
	[NFIPS_STAT_A_ACCEPTS] = "accepts",
	[NFIPS_STAT_A_DROPS] = "drops",
	[NFIPS_STAT_A_ALERTS] = "alerts",
	[NFIPS_STAT_A_TIME_NS] = "time_ns",
	[NFIPS_STAT_A_ENQUEUED] = "enqueued",
	[NFIPS_STAT_A_DEPTH] = "depth",
	[NFIPS_STAT_A_MAX_DEPTH] = "max_depth",
	[NFIPS_STAT_A_ALERTS_SUPPRESSED] = "alerts_suppressed",
};

static const char *const stat_kinds[] = {
	[NFIPS_STAT_KIND_GLOBAL] = "global",
	[NFIPS_STAT_KIND_RULE] = "rule",
	[NFIPS_STAT_KIND_CHAIN] = "chain",
	[NFIPS_STAT_KIND_OP] = "op",
	[NFIPS_STAT_KIND_QUEUE] = "queue",
};

/* Records are collected first: a dump restarted by a config swap must not
 * have printed half of the old config's counters. */
struct stat_buf {
	struct nfipsctl_stat *recs;
	size_t n, cap;
};

static int stat_record(struct xfer *x, struct nlattr **top, struct genlmsghdr *gh)
{
	struct stat_buf *b = x->arg;
	struct nfipsctl_stat *st;
	struct nlattr *a;
	const char *name, *chain;
	struct nfips_match m;
	char match[256];
	u32 line;
	u8 kind = 0;
	int rem;

	(void)gh;
	if (!top[NFIPS_A_STAT])
		return 0;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		void *p = realloc(b->recs, cap * sizeof(*b->recs));

		if (!p)
			return -ENOMEM;
		b->recs = p;
		b->cap = cap;
	}
	st = &b->recs[b->n];
	memset(st, 0, sizeof(*st));
	nla_for_each_nested(a, top[NFIPS_A_STAT], rem) {
		int t = nla_type(a);

		if (t == NFIPS_STAT_A_KIND && attr_ok(a, 1)) {
			kind = nla_get_u8(a);
		} else if (t == NFIPS_STAT_A_NAME && (name = attr_str(a))) {
			/* The kernel sends an op's NAME before its TYPE. */
			strscpy(st->name, name, sizeof(st->name));
		} else if (t == NFIPS_STAT_A_TYPE && (name = attr_str(a))) {
			size_t l = strlen(st->name);

			snprintf(st->name + l, sizeof(st->name) - l, " (%s)", name);
		} else if (t == NFIPS_STAT_A_INDEX && attr_ok(a, 4)) {
			snprintf(st->name, sizeof(st->name), "%u", nla_get_u32(a));
		} else if (t == NFIPS_STAT_A_RULE) {
			if (parse_match(a, &m, &chain, &line))
				return -EPROTO;
			nfips_match_format(&m, match, sizeof(match));
			snprintf(st->name, sizeof(st->name), "%u: %.100s -> %s",
				 line, match, chain ? chain : "bypass");
		} else if (t <= NFIPS_STAT_A_MAX && stat_keys[t] && attr_ok(a, 8)) {
			nfipsctl_stat_add(st, stat_keys[t], nla_get_u64(a));
		}
	}
	if (kind < 1 || kind >= ARRAY_SIZE(stat_kinds))
		return -EPROTO;
	strscpy(st->kind, stat_kinds[kind], sizeof(st->kind));
	if (kind == NFIPS_STAT_KIND_GLOBAL)
		st->name[0] = '\0';	/* as nfipsd: the global record has no name */
	b->n++;
	return 0;
}

static int kernel_stats(struct nfipsctl *ctl, nfipsctl_stat_cb cb, void *arg)
{
	struct stat_buf b = { 0 };
	struct xfer x = { .valid = stat_record, .arg = &b };
	int ret = -EAGAIN, tries;
	size_t i;

	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		b.n = 0;
		x.cb_ret = 0;
		ret = dump(ctl, NFIPS_CMD_GET_STATS, &x);
		if (ret || !x.intr)
			break;
		ret = -EAGAIN;
	}
	if (ret == -EAGAIN)
		snprintf(ctl->err, sizeof(ctl->err), "the config kept changing while its counters were read");
	for (i = 0; !ret && i < b.n; i++)
		ret = cb(arg, &b.recs[i]);
	free(b.recs);
	return ret;
}

/* --- monitor ------------------------------------------------------------- */

#define NFIPSCTL_ALERT_RCVBUF	(16 << 20)

struct monitor {
	nfipsctl_alert_cb cb;
	void *arg;
	int stop;
};

static int alert_handler(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[NFIPS_A_MAX + 1], *at[NFIPS_ALERT_A_MAX + 1];
	struct monitor *mon = arg;
	struct nfipsctl_alert a = { 0 };
	const char *s;

	if (genlmsg_parse(nlh, 0, tb, NFIPS_A_MAX, NULL) < 0 || !tb[NFIPS_A_ALERT] ||
	    nla_parse_nested(at, NFIPS_ALERT_A_MAX, tb[NFIPS_A_ALERT], NULL) < 0)
		return NL_SKIP;
	if (attr_ok(at[NFIPS_ALERT_A_TIME_NS], 8))
		a.time_ns = nla_get_u64(at[NFIPS_ALERT_A_TIME_NS]);
	if ((s = attr_str(at[NFIPS_ALERT_A_CHAIN])))
		strscpy(a.chain, s, sizeof(a.chain));
	if ((s = attr_str(at[NFIPS_ALERT_A_OP])))
		strscpy(a.op, s, sizeof(a.op));
	if (attr_ok(at[NFIPS_ALERT_A_RESULT], 4))
		a.result = nla_get_u32(at[NFIPS_ALERT_A_RESULT]);
	if (attr_ok(at[NFIPS_ALERT_A_FAMILY], 1))
		a.family = nla_get_u8(at[NFIPS_ALERT_A_FAMILY]);
	if (attr_ok(at[NFIPS_ALERT_A_PROTO], 1))
		a.proto = nla_get_u8(at[NFIPS_ALERT_A_PROTO]);
	if (attr_ok(at[NFIPS_ALERT_A_SPORT], 2))
		a.sport = nla_get_u16(at[NFIPS_ALERT_A_SPORT]);
	if (attr_ok(at[NFIPS_ALERT_A_DPORT], 2))
		a.dport = nla_get_u16(at[NFIPS_ALERT_A_DPORT]);
	if (attr_ok(at[NFIPS_ALERT_A_LEN], 4))
		a.len = nla_get_u32(at[NFIPS_ALERT_A_LEN]);
	if (attr_ok(at[NFIPS_ALERT_A_SADDR], 16))
		memcpy(a.saddr, nla_data(at[NFIPS_ALERT_A_SADDR]), 16);
	if (attr_ok(at[NFIPS_ALERT_A_DADDR], 16))
		memcpy(a.daddr, nla_data(at[NFIPS_ALERT_A_DADDR]), 16);
	mon->stop = mon->cb(mon->arg, &a);
	return mon->stop ? NL_STOP : NL_OK;
}

static int kernel_monitor(struct nfipsctl *ctl, nfipsctl_alert_cb cb, void *arg)
{
	struct nl_sock *sk = priv(ctl)->sk;
	struct monitor mon = { .cb = cb, .arg = arg };
	int grp, ret;

	grp = genl_ctrl_resolve_grp(sk, NFIPS_GENL_NAME, NFIPS_MCGRP_ALERTS);
	if (grp < 0) {
		snprintf(ctl->err, sizeof(ctl->err), "nfips.ko has no \"%s\" group",
			 NFIPS_MCGRP_ALERTS);
		return -ENOENT;
	}
	ret = nl_socket_add_membership(sk, grp);
	if (ret < 0) {
		snprintf(ctl->err, sizeof(ctl->err), "cannot join the alerts group: %s%s",
			 nl_geterror(ret), ret == -NLE_PERM ? " (needs CAP_NET_ADMIN)" : "");
		return -EPERM;
	}
	/*
	 * Alerts come in bursts (one per matching packet) and each is a
	 * page-sized skb in the socket's accounting: libnl's default 32 KiB
	 * receive buffer overflowed at 400 alerting packets/s under TCG
	 * (tests/diff). Ask for NFIPSCTL_ALERT_RCVBUF; SO_RCVBUFFORCE needs
	 * CAP_NET_ADMIN, which joining the group already needs, and is not
	 * capped by net.core.rmem_max; without it take what rmem_max allows.
	 */
	{
		int sz = NFIPSCTL_ALERT_RCVBUF;

		if (setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVBUFFORCE,
			       &sz, sizeof(sz)) < 0)
			nl_socket_set_buffer_size(sk, sz, 0);
	}
	/* Events are not answers: no sequence numbers to check. */
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, alert_handler, &mon);
	while (!mon.stop) {
		ret = nl_recvmsgs_default(sk);
		if (ret < 0 && ret != -NLE_INTR && ret != -NLE_AGAIN) {
			/* A full socket loses alerts; say so and go on. */
			if (ret == -NLE_NOMEM || ret == -NLE_OBJ_NOTFOUND) {
				fprintf(stderr, "nfipsctl: alerts lost (%s)\n", nl_geterror(ret));
				continue;
			}
			snprintf(ctl->err, sizeof(ctl->err), "reading alerts: %s",
				 nl_geterror(ret));
			return -EIO;
		}
	}
	return 0;
}

/* --- flush, version ------------------------------------------------------ */

static int kernel_flush(struct nfipsctl *ctl)
{
	struct xfer x = { 0 };
	struct nl_msg *msg = new_msg(ctl, NFIPS_CMD_FLUSH, NLM_F_ACK, 256);

	if (!msg)
		return -ENOMEM;
	return transact(ctl, msg, &x);
}

struct version {
	char *buf;
	size_t len;
};

static int version_reply(struct xfer *x, struct nlattr **tb, struct genlmsghdr *gh)
{
	struct version *v = x->arg;
	const char *s = attr_str(tb[NFIPS_A_VERSION]);

	if (!s)
		return -EPROTO;
	snprintf(v->buf, v->len, "%s (netlink family version %u)", s, gh->version);
	return 0;
}

static int kernel_version(struct nfipsctl *ctl, char *buf, size_t len)
{
	struct version v = { buf, len };
	struct xfer x = { .valid = version_reply, .arg = &v };
	struct nl_msg *msg = new_msg(ctl, NFIPS_CMD_GET_VERSION, NLM_F_ACK, 256);

	if (!msg)
		return -ENOMEM;
	buf[0] = '\0';
	return transact(ctl, msg, &x);
}

const struct nfipsctl_backend nfipsctl_kernel_backend = {
	.name = "kernel",
	.open = kernel_open,
	.close = kernel_close,
	.load = kernel_load,
	.show = kernel_show,
	.stats = kernel_stats,
	.monitor = kernel_monitor,
	.flush = kernel_flush,
	.version = kernel_version,
};
