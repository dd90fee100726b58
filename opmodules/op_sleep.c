// SPDX-License-Identifier: GPL-2.0
/*
 * sleep: a fixed per-packet delay, the paper's module of constant cost.
 *
 *   op NAME sleep usec=N          (0 <= N <= 1000000)
 *
 * It busy-waits on the monotonic clock rather than sleeping: a sleeping
 * worker would measure the scheduler's timer slack, not the cost of work,
 * and the kernel twin may not sleep here at all. Both twins therefore spend
 * the same CPU time per packet, which is what the paper's sleep module models.
 */
#include "nfips_op.h"

#define SLEEP_MAX_USEC	1000000

struct sleep_priv {
	u64 ns;
};

static int sleep_process(const struct nfips_op *op, const struct nfips_pkt *pkt,
			 void *scratch)
{
	const struct sleep_priv *s = nfips_op_priv(op);
	u64 end = nfips_now_ns() + s->ns;

	(void)scratch;	/* no ->scratch_alloc */
	(void)pkt;
	while (nfips_now_ns() < end)
		nfips_cpu_relax();
	return NFIPS_CONTINUE;
}

static struct nfips_op *sleep_init(const char *args, struct nfips_err *err);

struct nfips_op_ops nfips_op_sleep_ops = {
	.process	= sleep_process,
	.init		= sleep_init,
	.name		= "sleep",
	.owner		= NFIPS_THIS_MODULE,
};

static struct nfips_op *sleep_init(const char *args, struct nfips_err *err)
{
	struct nfips_args it;
	struct nfips_arg arg;
	struct nfips_op *op;
	bool have = false;
	u32 usec = 0;
	int ret;

	if (nfips_args_init(&it, args, err))
		return NULL;
	while ((ret = nfips_args_next(&it, &arg, err)) > 0) {
		if (strcmp(arg.key, "usec")) {
			nfips_arg_unknown(&arg, err);
			return NULL;
		}
		if (nfips_arg_u32(&arg, 0, SLEEP_MAX_USEC, &usec, err))
			return NULL;
		have = true;
	}
	if (ret < 0)
		return NULL;
	if (!have) {
		nfips_err_set(err, "missing argument 'usec'");
		return NULL;
	}
	op = nfips_op_alloc(&nfips_op_sleep_ops, sizeof(struct sleep_priv));
	if (!op) {
		nfips_err_set(err, "out of memory");
		return NULL;
	}
	((struct sleep_priv *)nfips_op_priv(op))->ns = (u64)usec * 1000;
	return op;
}

NFIPS_OP_MODULE(sleep);
