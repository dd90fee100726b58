// SPDX-License-Identifier: GPL-2.0
/* Instance helpers of the op-module contract (nfips_op.h). */
#include "nfips_op.h"

int nfips_stats_init(struct nfips_stats *s)
{
	if (nfips_counter_init(&s->packets) ||
	    nfips_counter_init(&s->accepts) ||
	    nfips_counter_init(&s->drops) ||
	    nfips_counter_init(&s->alerts) ||
	    nfips_counter_init(&s->time_ns)) {
		nfips_stats_destroy(s);
		return -ENOMEM;
	}
	return 0;
}

void nfips_stats_destroy(struct nfips_stats *s)
{
	nfips_counter_destroy(&s->packets);
	nfips_counter_destroy(&s->accepts);
	nfips_counter_destroy(&s->drops);
	nfips_counter_destroy(&s->alerts);
	nfips_counter_destroy(&s->time_ns);
}

struct nfips_op *nfips_op_alloc(const struct nfips_op_ops *ops,
				size_t priv_size)
{
	struct nfips_op *op = nfips_zalloc(sizeof(*op) + priv_size);

	if (!op)
		return NULL;
	op->ops = ops;
	/* Here, not in the policy build: every op-module's .init allocates
	 * through this, and nfips_op_free() is its one way back. */
	if (nfips_stats_init(&op->stats)) {
		nfips_free(op);
		return NULL;
	}
	return op;
}
NFIPS_EXPORT(nfips_op_alloc);

/* The twin's worker count (nfips_op.h, "Per-worker scratch"). */
static u32 nfips_op_n_workers;

void nfips_op_workers_set(u32 n)
{
	nfips_op_n_workers = n;
}
NFIPS_EXPORT(nfips_op_workers_set);

int nfips_op_scratch_init(struct nfips_op *op, struct nfips_err *err)
{
	const struct nfips_op_ops *ops = op->ops;
	u32 i, n;

	if (!ops->scratch_alloc)
		return 0;
#ifdef __KERNEL__
	nfips_err_set(err, "op-module '%s' needs per-worker scratch, which the kernel twin does not provide",
		      ops->name);
	return -EOPNOTSUPP;
#endif
	n = nfips_op_n_workers + 1;
	op->scratch = nfips_zalloc(n * sizeof(*op->scratch));
	if (!op->scratch)
		goto nomem;
	/* Counted as allocated so that nfips_op_free() frees what there is. */
	for (op->n_scratch = n, i = 0; i < n; i++) {
		op->scratch[i] = ops->scratch_alloc(op);
		if (!op->scratch[i])
			goto nomem;
	}
	return 0;
nomem:
	nfips_err_set(err, "out of memory for the per-worker scratch of op-module '%s'",
		      ops->name);
	return -ENOMEM;
}
NFIPS_EXPORT(nfips_op_scratch_init);

void nfips_op_free(struct nfips_op *op)
{
	u32 i;

	if (!op)
		return;
	for (i = 0; i < op->n_scratch; i++)
		if (op->scratch[i])
			op->ops->scratch_free(op, op->scratch[i]);
	nfips_free(op->scratch);
	if (op->ops->destroy)
		op->ops->destroy(op);
	nfips_stats_destroy(&op->stats);
	nfips_free(op);
}
NFIPS_EXPORT(nfips_op_free);

static const char *const action_names[] = {
	[NFIPS_ACTION_DROP] = "drop",
	[NFIPS_ACTION_ALERT] = "alert",
	[NFIPS_ACTION_ACCEPT] = "accept",
};

int nfips_op_action(const struct nfips_arg *arg, u32 *action,
		    struct nfips_err *err)
{
	int ret = nfips_arg_choice(arg, action_names, ARRAY_SIZE(action_names),
				   err);

	if (ret < 0)
		return ret;
	*action = (u32)ret;
	return 0;
}
NFIPS_EXPORT(nfips_op_action);

int nfips_action_result(u32 action)
{
	switch (action) {
	case NFIPS_ACTION_ALERT:
		return NFIPS_CONTINUE | NFIPS_ALERT;
	case NFIPS_ACTION_ACCEPT:
		return NFIPS_ACCEPT;
	default:
		return NFIPS_DROP | NFIPS_ALERT;
	}
}
NFIPS_EXPORT(nfips_action_result);

void nfips_payload_opts_init(struct nfips_payload_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->action = NFIPS_ACTION_DROP;
}
NFIPS_EXPORT(nfips_payload_opts_init);

int nfips_payload_opt(const struct nfips_arg *arg, struct nfips_payload_opts *o,
		      struct nfips_err *err)
{
	if (!strcmp(arg->key, "nocase")) {
		if (arg->val) {
			nfips_err_set(err, "argument 'nocase' takes no value");
			return -EINVAL;
		}
		o->nocase = true;
		return 0;
	}
	if (!strcmp(arg->key, "offset"))
		return nfips_arg_u32(arg, 0, 65535, &o->offset, err);
	if (!strcmp(arg->key, "depth"))
		return nfips_arg_u32(arg, 1, 65535, &o->depth, err);
	if (!strcmp(arg->key, "action"))
		return nfips_op_action(arg, &o->action, err);
	return 1;
}
NFIPS_EXPORT(nfips_payload_opt);

int nfips_payload_check(const struct nfips_payload_opts *o, u32 longest,
			struct nfips_err *err)
{
	/*
	 * Against the longest pattern, not the shortest: a pattern longer
	 * than depth can never lie inside the window, so it would be accepted
	 * and silently never match (Snort rejects such a depth too).
	 */
	if (o->depth && o->depth < longest) {
		nfips_err_set(err, "argument 'depth': %u is shorter than a %u-byte pattern",
			      o->depth, longest);
		return -EINVAL;
	}
	return 0;
}
NFIPS_EXPORT(nfips_payload_check);
