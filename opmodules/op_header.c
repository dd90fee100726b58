// SPDX-License-Identifier: GPL-2.0
/*
 * header: TCP flag signatures, the paper's "TCP-NULL scan" op-module.
 *
 *   op NAME header sig=null|xmas|synfin [count=N] [action=drop|alert|accept]
 *   op NAME header flags=MASK/VALUE     [count=N] [action=...]
 *
 * A signature matches a TCP segment whose flags byte, ANDed with MASK, equals
 * VALUE. count=N keeps N copies of the signature, each a record read from
 * memory and checked on its own (the paper's 0-200 signatures): the cost
 * grows with N as it would with N distinct signatures, and the compiler
 * cannot fold the copies into one check. count=0 checks nothing.
 *
 * Non-TCP packets, non-first fragments and TCP segments whose header is
 * truncated never match (NFIPS_PKT_L4 is clear for them).
 */
#include "nfips_op.h"

#define HEADER_MAX_COUNT	100000

/* The six flags the named signatures look at. */
#define SIX_FLAGS	(NFIPS_TCP_SYN | NFIPS_TCP_ACK | NFIPS_TCP_FIN | \
			 NFIPS_TCP_RST | NFIPS_TCP_URG | NFIPS_TCP_PSH)

static const struct {
	const char *name;
	u8 mask;
	u8 value;
} named_sigs[] = {
	/* nmap -sN: none of the six set */
	{ "null", SIX_FLAGS, 0 },
	/* nmap -sX: exactly FIN, PSH and URG of the six */
	{ "xmas", SIX_FLAGS, NFIPS_TCP_FIN | NFIPS_TCP_PSH | NFIPS_TCP_URG },
	/* SYN and FIN together, whatever else is set */
	{ "synfin", NFIPS_TCP_SYN | NFIPS_TCP_FIN, NFIPS_TCP_SYN | NFIPS_TCP_FIN },
};

struct header_sig {
	u8 proto;
	u8 mask;
	u8 value;
};

struct header_priv {
	u32 count;
	int result;
	struct header_sig sigs[];
};

static int header_process(const struct nfips_op *op,
			  const struct nfips_pkt *pkt, void *scratch)
{
	const struct header_priv *h = nfips_op_priv(op);
	bool l4 = pkt->flags & NFIPS_PKT_L4;
	u32 i;

	(void)scratch;	/* no ->scratch_alloc */
	for (i = 0; i < h->count; i++) {
		const struct header_sig *s = &h->sigs[i];

		if (l4 && pkt->l4_proto == s->proto &&
		    (pkt->tcp_flags & s->mask) == s->value)
			return h->result;
	}
	return NFIPS_CONTINUE;
}

static int parse_flags(const struct nfips_arg *arg, u8 *mask, u8 *value,
		       struct nfips_err *err)
{
	u32 slash, m, v;

	if (!arg->val) {
		nfips_err_set(err, "argument 'flags' needs a value");
		return -EINVAL;
	}
	for (slash = 0; slash < arg->val_len; slash++)
		if (arg->val[slash] == '/')
			break;
	if (slash == arg->val_len ||
	    nfips_parse_u32(arg->val, slash, &m) ||
	    nfips_parse_u32(arg->val + slash + 1, arg->val_len - slash - 1, &v)) {
		nfips_err_set(err, "argument 'flags': expected MASK/VALUE, e.g. 0x3f/0x00");
		return -EINVAL;
	}
	if (m > 0xff || v > 0xff || (v & ~m)) {
		nfips_err_set(err, "argument 'flags': MASK and VALUE are 8-bit and VALUE must lie within MASK");
		return -EINVAL;
	}
	*mask = (u8)m;
	*value = (u8)v;
	return 0;
}

static struct nfips_op *header_init(const char *args, struct nfips_err *err);

struct nfips_op_ops nfips_op_header_ops = {
	.process	= header_process,
	.init		= header_init,
	.name		= "header",
	.owner		= NFIPS_THIS_MODULE,
};

static struct nfips_op *header_init(const char *args, struct nfips_err *err)
{
	u32 count = 1, action = NFIPS_ACTION_DROP, i;
	bool have_sig = false;
	struct header_priv *h;
	struct nfips_args it;
	struct nfips_arg arg;
	struct nfips_op *op;
	u8 mask = 0, value = 0;
	int ret;

	if (nfips_args_init(&it, args, err))
		return NULL;
	while ((ret = nfips_args_next(&it, &arg, err)) > 0) {
		if (!strcmp(arg.key, "sig")) {
			const char *names[ARRAY_SIZE(named_sigs)];

			for (i = 0; i < ARRAY_SIZE(named_sigs); i++)
				names[i] = named_sigs[i].name;
			ret = nfips_arg_choice(&arg, names, ARRAY_SIZE(names), err);
			if (ret >= 0) {
				mask = named_sigs[ret].mask;
				value = named_sigs[ret].value;
				ret = 0;
			}
		} else if (!strcmp(arg.key, "flags")) {
			ret = parse_flags(&arg, &mask, &value, err);
		} else if (!strcmp(arg.key, "count")) {
			ret = nfips_arg_u32(&arg, 0, HEADER_MAX_COUNT, &count, err);
		} else if (!strcmp(arg.key, "action")) {
			ret = nfips_op_action(&arg, &action, err);
		} else {
			ret = nfips_arg_unknown(&arg, err);
		}
		if (ret)
			return NULL;
		if (!strcmp(arg.key, "sig") || !strcmp(arg.key, "flags")) {
			if (have_sig) {
				nfips_err_set(err, "give one signature (sig= or flags=) per op");
				return NULL;
			}
			have_sig = true;
		}
	}
	if (ret < 0)
		return NULL;
	if (!have_sig) {
		nfips_err_set(err, "missing argument 'sig' (null, xmas, synfin) or 'flags'");
		return NULL;
	}

	op = nfips_op_alloc(&nfips_op_header_ops,
			    sizeof(*h) + (size_t)count * sizeof(h->sigs[0]));
	if (!op) {
		nfips_err_set(err, "out of memory");
		return NULL;
	}
	h = nfips_op_priv(op);
	h->count = count;
	h->result = nfips_action_result(action);
	for (i = 0; i < count; i++) {
		h->sigs[i].proto = NFIPS_PROTO_TCP;
		h->sigs[i].mask = mask;
		h->sigs[i].value = value;
	}
	return op;
}

NFIPS_OP_MODULE(header);
