// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: each namespace has its own hooks, config,
 * queue and counters (pernet_operations, as the netfilter modules do).
 *
 * Order at namespace exit: the netns core unregisters the namespace's
 * devices before it calls our exit (subsys ops exit after device ops), and
 * the device notifier has freed their queued packets; exit then removes the
 * hooks and retires the run with @discard, so whatever is left is freed, and
 * waits for the runs of earlier swaps still retiring in the background.
 * At rmmod the same exit runs for every namespace.
 */
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>

#include "hook.h"
#include "netns.h"
#include "queue.h"

unsigned int nfips_net_id __read_mostly;

/*
 * Alert events per second and namespace. Each one is a netlink message
 * allocated with GFP_ATOMIC and multicast to every listener: a flood of
 * alerting packets must not turn into a flood of allocations and copies. The
 * default, 1000/s with a burst of 1000, is far above what an operator reads
 * and far below what a flood makes. Fixed when the module loads (0444).
 */
static unsigned int alert_rate = 1000;
module_param(alert_rate, uint, 0444);
MODULE_PARM_DESC(alert_rate,
		 "alert events per second and network namespace, the same as a burst (0: no limit; default 1000)");

/*
 * At most alert_rate events per second (a window of HZ jiffies) and namespace.
 * Not __ratelimit(): it takes its lock with a trylock and suppresses an event
 * whenever another CPU is checking at the same moment, so at any rate alerts
 * went missing when two workers alerted together - two packets of 12,000 in
 * the kernel tier's differential test lost all their alerts at 235 alerts/s
 * (sixth session), and the twins disagreed. A spinlock held for a few
 * instructions suppresses only above the rate. Any context (the workers
 * alert from process context; irqsave costs nothing next to the netlink
 * message that follows).
 */
bool nfips_alert_ok(struct nfips_net *nn)
{
	unsigned long flags;
	bool ok;

	if (!alert_rate)
		return true;
	spin_lock_irqsave(&nn->alert_lock, flags);
	if (time_after_eq(jiffies, nn->alert_begin + HZ)) {
		nn->alert_begin = jiffies;
		nn->alert_n = 0;
	}
	ok = nn->alert_n < alert_rate;
	if (ok)
		nn->alert_n++;
	spin_unlock_irqrestore(&nn->alert_lock, flags);
	if (!ok)
		nfips_net_count(nn, alerts_suppressed);
	return ok;
}

void nfips_net_stats_read(struct nfips_net *nn, struct nfips_net_snapshot *s)
{
	const struct nfips_net_stats *c;
	int cpu;

	memset(s, 0, sizeof(*s));
	/* ACCEPTED and DROPPED first, then RECEIVED: a packet is counted as
	 * received before it can be counted as leaving (the queue lock orders
	 * the hook's increment before the worker's, whichever CPUs they run
	 * on), so what we read as received includes everything we read as
	 * left, and QUEUED is never negative. */
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(nn->stats, cpu);
		s->accepted += READ_ONCE(c->accepted);
		s->dropped += READ_ONCE(c->dropped);
	}
	smp_rmb();
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(nn->stats, cpu);
		s->received += READ_ONCE(c->received);
		s->overflow += READ_ONCE(c->overflow);
		s->bypassed += READ_ONCE(c->bypassed);
		s->malformed += READ_ONCE(c->malformed);
		s->alerts_suppressed += READ_ONCE(c->alerts_suppressed);
	}
	s->queued = s->received - s->accepted - s->dropped;
}

/*
 * Publish @run (NULL: none) and return the run it replaces, still to be
 * retired by the caller. Under nn->lock: each run is unpublished exactly once,
 * by exactly one caller.
 */
static struct nfips_run *publish(struct nfips_net *nn, struct nfips_run *run)
{
	lockdep_assert_held(&nn->lock);
	if (run) {
		/* Visible to the device notifier before any packet can be
		 * queued on it. */
		spin_lock(&nn->runs_lock);
		list_add(&run->node, &nn->runs);
		spin_unlock(&nn->runs_lock);
	}
	nn->gen++;
	if (run)
		run->gen = nn->gen;
	return rcu_replace_pointer(nn->run, run, lockdep_is_held(&nn->lock));
}

/*
 * The old run is retired in the background, not under nn->lock: its queues
 * may take maxlen x chain cost per worker to drain, and a LOAD or FLUSH after
 * it, or a dump, must not wait for that (issue 14). Its packets are still
 * inspected by the config that selected them, and counted as they leave.
 */
void nfips_net_swap(struct nfips_net *nn, struct nfips_run *run)
{
	struct nfips_run *old;

	old = publish(nn, run);
	if (old)
		nfips_run_retire_async(old);
}

static int __net_init nfips_net_init(struct net *net)
{
	struct nfips_net *nn = nfips_net(net);
	int ret;

	nn->net = net;
	mutex_init(&nn->lock);
	spin_lock_init(&nn->runs_lock);
	INIT_LIST_HEAD(&nn->runs);
	spin_lock_init(&nn->alert_lock);
	nn->alert_begin = jiffies;
	nn->alert_n = 0;
	nn->stats = alloc_percpu(struct nfips_net_stats);
	if (!nn->stats)
		return -ENOMEM;
	ret = nfips_hook_register(nn);
	if (ret)
		goto err_free_stats;
	return 0;

err_free_stats:
	free_percpu(nn->stats);
	return ret;
}

static void __net_exit nfips_net_exit(struct net *net)
{
	struct nfips_net *nn = nfips_net(net);
	struct nfips_run *old;

	nfips_hook_unregister(nn);
	mutex_lock(&nn->lock);
	old = publish(nn, NULL);
	mutex_unlock(&nn->lock);
	/* No LOAD or FLUSH runs any more: their requests hold the namespace
	 * (the sender's socket), and at rmmod the genetlink family is gone
	 * first. */
	if (old) {
		synchronize_rcu();
		nfips_run_retire(old, true);
	}
	/* Runs retired after earlier swaps may still be draining: fail closed
	 * and wait for them, they use @nn and its counters. */
	nfips_run_retire_wait_all(nn);
	WARN_ON_ONCE(!list_empty(&nn->runs));
	/* No hook runs and no packet is queued any more: nothing counts. */
	free_percpu(nn->stats);
}

static struct pernet_operations nfips_net_ops = {
	.init = nfips_net_init,
	.exit = nfips_net_exit,
	.id = &nfips_net_id,
	.size = sizeof(struct nfips_net),
};

int nfips_netns_init(void)
{
	return register_pernet_subsys(&nfips_net_ops);
}

void nfips_netns_exit(void)
{
	unregister_pernet_subsys(&nfips_net_ops);
}
