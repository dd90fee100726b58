/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPS_KMOD_NETNS_H
#define NFIPS_KMOD_NETNS_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/netfilter.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

struct nfips_run;

/*
 * Global counters of one network namespace (GET_STATS "global"). RECEIVED
 * counts packets selected for a chain; each of them is counted once more,
 * when it leaves, in ACCEPTED or DROPPED. QUEUED is never stored: it is
 * RECEIVED - ACCEPTED - DROPPED, read in the order that makes it exact (see
 * nfips_net_stats_read()), so the three always balance.
 *
 * Per CPU, summed on read: every packet bumps them, from every CPU, and a
 * shared cache line would bounce between all of them.
 */
struct nfips_net_stats {
	u64 received;
	u64 accepted;
	u64 dropped;
	u64 overflow;
	u64 bypassed;
	u64 malformed;
	u64 alerts_suppressed;
};

/*
 * Count one event of @nn on this CPU. this_cpu_inc() is safe in the hook
 * (softirq) and in the workers (process context, preemptible) alike.
 */
#define nfips_net_count(nn, field)	this_cpu_inc((nn)->stats->field)

struct nfips_net_snapshot {
	u64 received, accepted, dropped, queued, overflow, bypassed, malformed;
	u64 alerts_suppressed;
};

/*
 * Per network namespace state (net_generic, zeroed by the netns core).
 *
 * @run: the running config (policy and its queue), published with RCU: the
 *	hook reads it under the RCU read lock of the netfilter core; writers
 *	hold @lock. NULL: no config, everything bypasses.
 * @lock: serializes config changes (LOAD, FLUSH) and namespace exit.
 * @runs: every run that may still hold packets - the published one and those
 *	being drained after a swap - for the device notifier; under @runs_lock
 *	(never taken in softirq).
 * @gen: generation of @run, changed by every swap (dump consistency).
 * @retiring: runs replaced by a swap whose retire has not finished yet
 *	(nfips_run_retire_async()); namespace exit waits for 0.
 * @alert_lock, @alert_begin, @alert_n: rate limit of the namespace's alert
 *	events (nfips_alert_ok()): @alert_n events since @alert_begin (jiffies),
 *	under @alert_lock.
 */
struct nfips_net {
	struct net *net;
	struct nfips_run __rcu *run;
	struct mutex lock;
	spinlock_t runs_lock;
	struct list_head runs;
	u32 gen;
	atomic_t retiring;
	spinlock_t alert_lock;
	unsigned long alert_begin;
	u32 alert_n;
	struct nfips_net_stats __percpu *stats;
	struct nf_hook_ops hook_ops[2];
};

/* LOAD waits while this many old configs of its namespace still drain. */
#define NFIPS_MAX_RETIRING	8

extern unsigned int nfips_net_id;

static inline struct nfips_net *nfips_net(const struct net *net)
{
	return net_generic(net, nfips_net_id);
}

void nfips_net_stats_read(struct nfips_net *nn, struct nfips_net_snapshot *s);

/*
 * May @nn send one more alert event now? Per namespace, at most the module
 * parameter alert_rate per second (a burst of as many); one that may not is
 * counted in ALERTS_SUPPRESSED. Any context, never sleeps.
 */
bool nfips_alert_ok(struct nfips_net *nn);

/*
 * Publish @run (may be NULL: flush) as the config of @nn and queue the old
 * one for retirement in the background (nfips_run_retire_async()): its queued
 * packets are inspected by it and leave exactly once, after this returns.
 * Caller holds nn->lock. Does not wait for the old queues to drain.
 */
void nfips_net_swap(struct nfips_net *nn, struct nfips_run *run);

int nfips_netns_init(void);
void nfips_netns_exit(void);

#endif
