/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The op-module contract. An op-module is one source file in opmodules/ that
 * is compiled twice: into a kernel module (registering with nfips.ko) and into
 * a user-space plugin (dlopen()ed by nfipsd). Only NFIPS_OP_MODULE() differs.
 *
 * Model: textsearch (lib/textsearch.c) - a static ops struct is the algorithm,
 * struct nfips_op is one configured use of it, with the op-module's private
 * state in the same allocation.
 */
#ifndef NFIPS_OP_H
#define NFIPS_OP_H

#include "nfips_compat.h"
#include "nfips_pkt.h"
#include "nfips_args.h"

/* Results of ->process(): one verdict, optionally ORed with NFIPS_ALERT. */
enum nfips_result {
	NFIPS_CONTINUE	= 0,	/* go on with the next op of the chain */
	NFIPS_ACCEPT	= 1,	/* accept now, skip the rest of the chain */
	NFIPS_DROP	= 2,	/* drop now */
	NFIPS_VERDICT_MASK = 3,
	NFIPS_ALERT	= 4,	/* report this packet to the alert listeners */
};

/* What a matching signature does; parsed by nfips_op_action(). */
enum nfips_action {
	NFIPS_ACTION_DROP,	/* drop and alert */
	NFIPS_ACTION_ALERT,	/* alert and continue */
	NFIPS_ACTION_ACCEPT,	/* accept, skip the rest of the chain */
};

struct nfips_stats {
	struct nfips_counter packets;
	struct nfips_counter accepts;	/* op: returned ACCEPT; chain: verdict ACCEPT */
	struct nfips_counter drops;
	struct nfips_counter alerts;
	struct nfips_counter time_ns;	/* time spent processing */
};

/* Make (0 or -ENOMEM) and free the counters of @s (see nfips_counter_init;
 * destroy is safe on zeroed or half-made stats). Process context. */
int nfips_stats_init(struct nfips_stats *s);
void nfips_stats_destroy(struct nfips_stats *s);

struct nfips_op;

/**
 * struct nfips_op_ops - one op-module type
 * @process: (required) inspect @pkt; returns enum nfips_result bits.
 *	Hot path. Context: kernel worker thread or nfipsd worker, must not
 *	sleep or allocate; may read only pkt->data[0 .. pkt->len).
 *	Runs concurrently on several workers with the same @op: treat @op as
 *	read-only. @scratch is the calling worker's own scratch of @op (from
 *	@scratch_alloc; NULL for an op without one), writable.
 * @init: (required) parse @args with nfips_args_*() and return a new
 *	instance from nfips_op_alloc(), or NULL with @err saying why (naming
 *	the argument). Context: process, may sleep and allocate.
 * @destroy: (optional) free what @init allocated beyond the instance itself.
 * @scratch_alloc: (optional) allocate one scratch of @op: writable memory
 *	for one scan at a time, for an algorithm that needs it (Hyperscan's
 *	hs_scratch_t) since @process may neither allocate nor write to @op.
 *	Called by nfips_op_scratch_init() after @init, once per worker of the
 *	twin and once more for callers outside a worker. NULL on failure.
 *	Context: process. User twin only (see nfips_op_workers_set()).
 * @scratch_free: (required with @scratch_alloc) free one scratch.
 * @name: type name as written in the config ("header", "bm", ...)
 * @owner: the kernel module implementing it (NFIPS_THIS_MODULE)
 */
struct nfips_op_ops {
	int (*process)(const struct nfips_op *op, const struct nfips_pkt *pkt,
		       void *scratch);
	struct nfips_op *(*init)(const char *args, struct nfips_err *err);
	void (*destroy)(struct nfips_op *op);
	void *(*scratch_alloc)(const struct nfips_op *op);
	void (*scratch_free)(const struct nfips_op *op, void *scratch);
	const char *name;
	struct module *owner;
};

/* One configured op: what the config's "op NAME TYPE ARGS" line creates. */
struct nfips_op {
	const struct nfips_op_ops *ops;
	char name[NFIPS_NAME_MAX];	/* set by the policy builder */
	struct nfips_stats stats;
	u32 n_scratch;		/* workers + 1; 0 without ->scratch_alloc */
	void **scratch;		/* [worker], then the one outside workers */
	u64 priv[];			/* op-module private state */
};

static inline void *nfips_op_priv(const struct nfips_op *op)
{
	return (void *)op->priv;
}

/* Allocate a zeroed instance with @priv_size bytes of private state and
 * its counters (stats). NULL when out of memory. */
struct nfips_op *nfips_op_alloc(const struct nfips_op_ops *ops,
				size_t priv_size);
/* Free the scratches, call ->destroy (if any) and free the instance. */
void nfips_op_free(struct nfips_op *op);

/*
 * Per-worker scratch. The twin runs chains on a fixed set of workers,
 * numbered 0 .. n-1, and tells the core how many once, before it builds any
 * policy: nfips_op_workers_set(n). Whoever creates an op (the policy
 * builder, the unit tests) then calls nfips_op_scratch_init(), which gives
 * an op with ->scratch_alloc one scratch per worker plus one for callers
 * outside a worker. A worker runs chains with its number
 * (nfips_chain_run()), and ->process gets that worker's scratch, so it
 * never allocates or locks. Callers outside a worker pass NFIPS_NO_WORKER
 * and share the last scratch: they must not run one op concurrently
 * (unit tests, fuzzers and nfips-diff are single-threaded).
 *
 * The kernel twin does not declare its workers (its per-namespace worker
 * sets would share numbers) and no kernel op needs scratch (hs, the one
 * that does, is user space only): in the kernel nfips_op_scratch_init()
 * refuses an op with ->scratch_alloc, naming it, rather than let its
 * workers share one scratch.
 */
#define NFIPS_NO_WORKER		((u32)-1)

void nfips_op_workers_set(u32 n);
/* Allocate @op's scratches (if it has ->scratch_alloc). Process context. */
int nfips_op_scratch_init(struct nfips_op *op, struct nfips_err *err);

/* The scratch of @op that worker @worker (or NFIPS_NO_WORKER) passes. */
static inline void *nfips_op_scratch(const struct nfips_op *op, u32 worker)
{
	if (!op->n_scratch)
		return NULL;
	if (worker >= op->n_scratch - 1)
		worker = op->n_scratch - 1;
	return op->scratch[worker];
}

/* Run @op on @pkt outside any worker (tests, fuzzers, nfips-diff). */
static inline int nfips_op_process(const struct nfips_op *op,
				   const struct nfips_pkt *pkt)
{
	return op->ops->process(op, pkt, nfips_op_scratch(op, NFIPS_NO_WORKER));
}

/* Parse "action=drop|alert|accept". */
int nfips_op_action(const struct nfips_arg *arg, u32 *action,
		    struct nfips_err *err);
/* What ->process returns when a signature with @action matches. */
int nfips_action_result(u32 action);

/*
 * Options shared by the payload-search op-modules (bm, hs): nocase,
 * offset=N, depth=N, action=. The search window is
 * payload[offset .. offset + depth); a pattern matches only wholly inside it.
 */
struct nfips_payload_opts {
	u32 offset;
	u32 depth;		/* 0: to the end of the payload */
	u32 action;		/* enum nfips_action, default drop */
	bool nocase;
};

void nfips_payload_opts_init(struct nfips_payload_opts *o);
/* Parse @arg if it is one of these options: 0 parsed, 1 not one, <0 error. */
int nfips_payload_opt(const struct nfips_arg *arg, struct nfips_payload_opts *o,
		      struct nfips_err *err);
/* A depth shorter than the longest literal pattern could never match it. */
int nfips_payload_check(const struct nfips_payload_opts *o, u32 longest,
			struct nfips_err *err);

/* The window of @pkt to search; false when it is empty. Hot path. */
static inline bool nfips_payload_window(const struct nfips_pkt *pkt,
					const struct nfips_payload_opts *o,
					const u8 **t, u32 *n)
{
	if (pkt->payload_len <= o->offset)
		return false;
	*t = pkt->data + pkt->payload_off + o->offset;
	*n = pkt->payload_len - o->offset;
	if (o->depth && *n > o->depth)
		*n = o->depth;
	return true;
}

/*
 * Provided by each twin (the registry): find the op-module type @name and
 * hold it (kernel: a module reference, autoloading "nfips-op-<name>";
 * nfipsd: the plugin, dlopen()ed on first use). NULL with @err set when
 * there is none. nfips_op_put() releases what nfips_op_get() took.
 */
const struct nfips_op_ops *nfips_op_get(const char *name, struct nfips_err *err);
void nfips_op_put(const struct nfips_op_ops *ops);

#endif /* NFIPS_OP_H */
