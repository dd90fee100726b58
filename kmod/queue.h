/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPS_KMOD_QUEUE_H
#define NFIPS_KMOD_QUEUE_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "nfips_policy.h"
#include "netns.h"

/*
 * One worker of the nfips queue: a bounded FIFO and the kthread that empties
 * it. @lock (taken with BH off: the hook runs in softirq) covers @list, @len
 * and the counters; the counters are read without it for statistics.
 */
struct nfips_worker {
	spinlock_t lock;
	struct list_head list;
	u32 len;
	u32 max_depth;
	u64 enqueued;
	atomic64_t overflow;		/* counted without @lock */
	wait_queue_head_t wq;
	struct task_struct *task;
	struct nfips_run *run;
} ____cacheline_aligned_in_smp;

/*
 * A running config: the policy and the queue that serves it. Created whole
 * by LOAD, published in nfips_net.run, retired by the next LOAD, FLUSH or
 * namespace exit (nfips_run_retire()).
 *
 * @refs: one reference for the owner (LOAD until retire) and one per queued
 *	packet: a packet's chain pointer belongs to @policy, so the policy
 *	lives until the last packet selected by it has left.
 * @discard: set by retire at teardown (rmmod, netns exit): packets still
 *	queued are freed uninspected instead of run through their chain.
 * @node: in nfips_net.runs, under nfips_net.runs_lock.
 * @retire_work: retires the run after a swap (nfips_run_retire_async()).
 */
struct nfips_run {
	struct nfips_net *nn;
	struct nfips_policy *policy;
	struct nfips_queue_conf qconf;
	refcount_t refs;
	bool discard;
	u32 gen;
	struct list_head node;
	struct work_struct retire_work;
	u32 n_workers;
	struct nfips_worker workers[];
};

/*
 * Make the run for @policy (taken over on success): starts its workers.
 * Process context. NULL with @err set on failure (@policy left to the caller).
 */
struct nfips_run *nfips_run_create(struct nfips_net *nn,
				   struct nfips_policy *policy,
				   struct nfips_err *err);

/*
 * Stop @run's workers after every packet on its queues has left (inspected,
 * or freed when @discard), unlink it from nfips_net.runs and drop the
 * owner's reference. The caller has unpublished @run and waited for an RCU
 * grace period, so no hook can add packets any more. Process context.
 */
void nfips_run_retire(struct nfips_run *run, bool discard);

/*
 * Retire @run, just unpublished from @run->nn, on the nfips workqueue: wait
 * for an RCU grace period, then nfips_run_retire(run, false). Returns at once;
 * nfips_net.retiring counts it until it is done. Caller holds nfips_net.lock
 * (so namespace exit, which takes it too, sees the count).
 */
void nfips_run_retire_async(struct nfips_run *run);

/*
 * Teardown of @nn (namespace exit, rmmod): make every run still draining
 * after a swap free the rest of its queue uninspected, and wait until each of
 * them is retired. Process context.
 */
void nfips_run_retire_wait_all(struct nfips_net *nn);

/*
 * Hook side: put @skb on the worker of its flow. Returns NF_STOLEN, or on
 * overflow the verdict of the overflow policy (counted). Softirq, RCU read
 * side held by the caller, which keeps @run alive until we took our ref.
 */
unsigned int nfips_queue_packet(struct nfips_run *run,
				struct nfips_chain *chain, struct sk_buff *skb,
				const struct nf_hook_state *state);

/* Free every queued packet of @nn that came in on @dev. Process context. */
void nfips_queue_flush_dev(struct nfips_net *nn, struct net_device *dev);

int nfips_queue_init(void);
void nfips_queue_exit(void);

#endif
