// SPDX-License-Identifier: GPL-2.0
/* Instance helpers of the op-module contract (nfips_op.h). */
#include "nfips_op.h"

struct nfips_op *nfips_op_alloc(const struct nfips_op_ops *ops,
				size_t priv_size)
{
	struct nfips_op *op = nfips_zalloc(sizeof(*op) + priv_size);

	if (op)
		op->ops = ops;
	return op;
}
NFIPS_EXPORT(nfips_op_alloc);

void nfips_op_free(struct nfips_op *op)
{
	if (!op)
		return;
	if (op->ops->destroy)
		op->ops->destroy(op);
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
