// SPDX-License-Identifier: GPL-2.0
/*
 * The nfips queue: bounded per-worker FIFOs between the PREROUTING hook and
 * the worker kthreads that run the chains (FIDRAN's packet queue).
 *
 * Hand-off contract (as in net/netfilter/nf_queue.c): a packet the hook
 * steals (NF_STOLEN) belongs to the queue until it leaves, and it leaves
 * exactly once, through leave(): either re-injected through state.okfn (as
 * nf_reinject() does it: BH off, under rcu_read_lock) or freed. While it is
 * queued it holds
 *   - a reference on its input device (dev_hold), released when it leaves;
 *     a device going away first has its packets freed (nfips_queue_flush_dev
 *     from the netdevice notifier), or unregister_netdevice would wait for
 *     the reference forever;
 *   - a reference on its run (nfips_run.refs), so that the policy its chain
 *     pointer belongs to is not destroyed under it by a config swap.
 * There are four ways off a queue, each one taking the entry off the list
 * under the worker's lock, so no packet can be taken twice:
 *   1. the worker dequeues it and leaves it with its chain's verdict;
 *   2. the device notifier takes the device's packets and frees them;
 *   3. retire after a config swap or FLUSH, in the background (retire_wq,
 *      without the namespace's config lock): the old workers keep going until
 *      their queues are empty (packets are still inspected by the config that
 *      selected them), then stop;
 *   4. retire at teardown (rmmod, netns exit): same, with @discard set (also
 *      on runs still draining after a swap), so the rest is freed
 *      uninspected - the IPS fails closed when it goes away.
 * Every way off counts the packet in ACCEPTED or DROPPED, which keeps
 * RECEIVED = ACCEPTED + DROPPED + QUEUED.
 *
 * Context: the hook runs in softirq and never sleeps or allocates with
 * GFP_KERNEL (entries come from a kmem_cache with GFP_ATOMIC); workers are
 * kthreads, run the chain in process context with preemption allowed between
 * packets (cond_resched), and never run a chain under a lock.
 */
#include <linux/kthread.h>
#include <linux/netdevice.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "queue.h"

struct nfips_entry {
	struct list_head list;
	struct sk_buff *skb;
	struct nfips_run *run;		/* one reference held (run->refs) */
	struct nfips_chain *chain;	/* belongs to run->policy */
	struct nf_hook_state state;	/* state.in held */
};

static struct kmem_cache *entry_cache;

/*
 * Where runs are retired after a swap: off the caller of LOAD and FLUSH, which
 * returns without waiting for the old queues to drain. Unbound, so one slow
 * drain does not hold up another namespace's retire. Destroyed (drained) at
 * module exit, after every namespace has waited for its own retires.
 */
static struct workqueue_struct *retire_wq;

/* Drop a reference on @run; the last one frees it with its policy (and so
 * the op instances and their module references). Process context. */
static void run_put(struct nfips_run *run)
{
	if (refcount_dec_and_test(&run->refs)) {
		nfips_policy_destroy(run->policy);
		kvfree(run);
	}
}

/* The one way off the queue. Process context, no lock held. */
static void leave(struct nfips_run *run, struct nfips_entry *e, int verdict)
{
	struct nfips_net *nn = run->nn;
	struct sk_buff *skb = e->skb;

	if (verdict == NFIPS_ACCEPT) {
		nfips_net_count(nn, accepted);
		/* What nf_reinject() does for NF_ACCEPT: the rest of the stack
		 * expects BH off and an RCU read side, as in the hook. We are
		 * the last PREROUTING hook, so okfn is where the packet goes. */
		rcu_read_lock();
		local_bh_disable();
		e->state.okfn(e->state.net, e->state.sk, skb);
		local_bh_enable();
		rcu_read_unlock();
	} else {
		nfips_net_count(nn, dropped);
		kfree_skb(skb);
	}
	dev_put(e->state.in);
	if (e->state.sk)
		sock_put(e->state.sk);
	kmem_cache_free(entry_cache, e);
	/* The last reference goes only after retire dropped the owner's and
	 * stopped the workers: nobody else can see the run any more. */
	run_put(run);
}

static struct nfips_entry *dequeue(struct nfips_worker *w)
{
	struct nfips_entry *e;

	spin_lock_bh(&w->lock);
	e = list_first_entry_or_null(&w->list, struct nfips_entry, list);
	if (e) {
		list_del(&e->list);
		w->len--;
	}
	spin_unlock_bh(&w->lock);
	return e;
}

static int inspect(struct nfips_run *run, struct nfips_entry *e)
{
	struct sk_buff *skb = e->skb;
	struct nfips_pkt pkt;
	int off;

	/* The whole packet in one piece: ops see every byte (bm never misses
	 * a pattern across fragments). Fails only for lack of memory: drop,
	 * an IPS does not pass what it could not inspect. */
	if (skb_linearize(skb))
		return NFIPS_DROP;
	off = skb_network_offset(skb);
	if (off < 0 || off > skb_headlen(skb))
		return NFIPS_DROP;
	/* The hook parsed the same bytes (beyond the linear part through
	 * skb_header_pointer; the same parser, so the same L4 header at any
	 * depth), so this fails only if a packet changed under us - drop it
	 * then as well. */
	if (nfips_pkt_parse(&pkt, skb_network_header(skb),
			    skb_headlen(skb) - off, skb->len - off))
		return NFIPS_DROP;
	pkt.ifindex = e->state.in ? e->state.in->ifindex : 0;
	/* No worker number: the kernel twin gives no op scratch (nfips_op.h) */
	return nfips_chain_run(run->policy, e->chain, &pkt, NFIPS_NO_WORKER);
}

static int worker_fn(void *data)
{
	struct nfips_worker *w = data;
	struct nfips_run *run = w->run;
	struct nfips_entry *e;

	for (;;) {
		e = dequeue(w);
		if (!e) {
			/* Stop only with an empty queue: retire unpublished
			 * the run first, so nothing is added after this. */
			if (kthread_should_stop())
				break;
			wait_event_interruptible(w->wq, READ_ONCE(w->len) ||
						 kthread_should_stop());
			continue;
		}
		leave(run, e, READ_ONCE(run->discard) ? NFIPS_DROP :
			      inspect(run, e));
		cond_resched();
	}
	return 0;
}

unsigned int nfips_queue_packet(struct nfips_run *run,
				struct nfips_chain *chain, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct nfips_net *nn = run->nn;
	struct nfips_worker *w;
	struct nfips_entry *e = NULL;
	bool wake;

	/* Flow-affine: one flow, one worker, so its packets keep their order. */
	w = &run->workers[reciprocal_scale(skb_get_hash(skb), run->n_workers)];
	nfips_net_count(nn, received);

	/* Unlocked peek first, so a flood against a full queue costs no
	 * allocation; the locked check below is the one that counts. */
	if (READ_ONCE(w->len) < run->qconf.maxlen)
		e = kmem_cache_alloc(entry_cache, GFP_ATOMIC);
	if (!e)
		goto overflow;
	e->skb = skb;
	e->run = run;
	e->chain = chain;
	e->state = *state;

	spin_lock_bh(&w->lock);
	if (w->len >= run->qconf.maxlen) {
		spin_unlock_bh(&w->lock);
		kmem_cache_free(entry_cache, e);
		goto overflow;
	}
	/* References first: the worker may take the packet the moment the
	 * lock is dropped. */
	dev_hold(state->in);
	if (state->sk)
		sock_hold(state->sk);
	refcount_inc(&run->refs);
	wake = !w->len;
	list_add_tail(&e->list, &w->list);
	w->len++;
	w->enqueued++;
	if (w->len > w->max_depth)
		w->max_depth = w->len;
	spin_unlock_bh(&w->lock);
	if (wake)
		wake_up(&w->wq);
	return NF_STOLEN;

overflow:
	/* Also reached when no entry could be allocated: no room is no room.
	 * Counted without the worker's lock: a flood against a full queue
	 * must not contend with the worker for it. */
	atomic64_inc(&w->overflow);
	nfips_net_count(nn, overflow);
	if (run->qconf.overflow == NFIPS_OVERFLOW_ACCEPT) {
		nfips_net_count(nn, accepted);
		return NF_ACCEPT;
	}
	nfips_net_count(nn, dropped);
	return NF_DROP;
}

void nfips_queue_flush_dev(struct nfips_net *nn, struct net_device *dev)
{
	struct nfips_entry *e, *tmp;
	struct nfips_run *run;
	LIST_HEAD(gone);
	u32 i;

	/* Take the entries off under the locks, leave them outside: leave()
	 * re-enters no lock, but freeing many skbs is better done unlocked.
	 * Each entry keeps its run alive (refs) until it has left. */
	spin_lock(&nn->runs_lock);
	list_for_each_entry(run, &nn->runs, node) {
		for (i = 0; i < run->n_workers; i++) {
			struct nfips_worker *w = &run->workers[i];

			spin_lock_bh(&w->lock);
			list_for_each_entry_safe(e, tmp, &w->list, list) {
				if (e->state.in != dev)
					continue;
				list_move_tail(&e->list, &gone);
				w->len--;
			}
			spin_unlock_bh(&w->lock);
		}
	}
	spin_unlock(&nn->runs_lock);

	list_for_each_entry_safe(e, tmp, &gone, list) {
		list_del(&e->list);
		leave(e->run, e, NFIPS_DROP);
	}
}

/*
 * A run's retire after a swap (LOAD, FLUSH), in retire_wq. Why it is safe
 * outside nfips_net.lock:
 *   - each run is unpublished exactly once, under the lock, and the one who
 *     unpublished it queues its work once: two LOADs, or a FLUSH and a LOAD,
 *     each retire the run they replaced, never the same one;
 *   - the run stays on nfips_net.runs until nfips_run_retire() unlinks it, so
 *     the device notifier still finds its packets while it drains;
 *   - namespace exit (and so rmmod, which exits every namespace after the
 *     genetlink family is gone and no LOAD or FLUSH can run any more) marks
 *     such runs @discard and waits for nfips_net.retiring to reach 0 before
 *     freeing the namespace state: no retire outlives its namespace, and every
 *     queued packet has left once. The last instructions of this function,
 *     after the count drops, run before retire_wq is destroyed at module exit.
 */
static void retire_work_fn(struct work_struct *work)
{
	struct nfips_run *run = container_of(work, struct nfips_run, retire_work);
	struct nfips_net *nn = run->nn;

	/* After this no hook holds @run: nothing more is added to its queues,
	 * and retire may wait for them to empty. */
	synchronize_rcu();
	nfips_run_retire(run, false);
	/* @run may be gone; @nn lives until the count is 0 (wait_all), and
	 * wake_up_var() only hashes the address, it does not read @nn. Every
	 * decrement wakes: LOAD waits for the count to drop below its cap. */
	atomic_dec(&nn->retiring);
	/* Order the decrement before wake_up_var()'s check for waiters, as
	 * its waiter's condition check is ordered after queueing itself. */
	smp_mb__after_atomic();
	wake_up_var(&nn->retiring);
}

void nfips_run_retire_async(struct nfips_run *run)
{
	lockdep_assert_held(&run->nn->lock);
	atomic_inc(&run->nn->retiring);
	queue_work(retire_wq, &run->retire_work);
}

void nfips_run_retire_wait_all(struct nfips_net *nn)
{
	struct nfips_run *run;

	might_sleep();
	/* A run is on @runs until its retire unlinks it, and freed only after
	 * that: it is alive while we mark it. Its workers read @discard per
	 * packet, so the rest of the queue goes uninspected (fails closed). */
	spin_lock(&nn->runs_lock);
	list_for_each_entry(run, &nn->runs, node)
		WRITE_ONCE(run->discard, true);
	spin_unlock(&nn->runs_lock);
	wait_var_event(&nn->retiring, !atomic_read(&nn->retiring));
}

struct nfips_run *nfips_run_create(struct nfips_net *nn,
				   struct nfips_policy *policy,
				   struct nfips_err *err)
{
	u32 n = policy->conf.queue.workers, i;
	struct nfips_run *run;
	int ret;

	if (!n)
		n = clamp_t(u32, num_online_cpus(), 1, NFIPS_MAX_WORKERS);
	run = kvzalloc(struct_size(run, workers, n), GFP_KERNEL);
	if (!run) {
		nfips_err_set(err, "out of memory");
		return NULL;
	}
	run->nn = nn;
	run->policy = policy;
	run->qconf = policy->conf.queue;
	run->n_workers = n;
	refcount_set(&run->refs, 1);
	INIT_LIST_HEAD(&run->node);
	INIT_WORK(&run->retire_work, retire_work_fn);
	for (i = 0; i < n; i++) {
		struct nfips_worker *w = &run->workers[i];

		spin_lock_init(&w->lock);
		INIT_LIST_HEAD(&w->list);
		init_waitqueue_head(&w->wq);
		w->run = run;
	}
	for (i = 0; i < n; i++) {
		struct nfips_worker *w = &run->workers[i];

		w->task = kthread_run(worker_fn, w, "nfips/%u", i);
		if (IS_ERR(w->task)) {
			ret = PTR_ERR(w->task);
			w->task = NULL;
			nfips_err_set(err, "cannot start worker thread %u (%d)",
				      i, ret);
			goto err_stop_workers;
		}
	}
	return run;

err_stop_workers:
	/* Never published: their queues are empty. */
	while (i--)
		kthread_stop(run->workers[i].task);
	kvfree(run);
	return NULL;
}

void nfips_run_retire(struct nfips_run *run, bool discard)
{
	u32 i;

	might_sleep();
	/* Only ever set: teardown may have set it on a run whose retire after
	 * a swap (without @discard) is already under way. */
	if (discard)
		WRITE_ONCE(run->discard, true);
	/* Each worker returns only once its queue is empty (worker_fn). */
	for (i = 0; i < run->n_workers; i++)
		kthread_stop(run->workers[i].task);

	spin_lock(&run->nn->runs_lock);
	list_del_init(&run->node);
	spin_unlock(&run->nn->runs_lock);

	/* The last reference is ours, unless the device notifier is freeing
	 * packets it took off just before: then it frees the run. */
	run_put(run);
}

int nfips_queue_init(void)
{
	entry_cache = KMEM_CACHE(nfips_entry, 0);
	if (!entry_cache)
		return -ENOMEM;
	retire_wq = alloc_workqueue("nfips_retire", WQ_UNBOUND, 0);
	if (!retire_wq)
		goto err_cache;
	return 0;

err_cache:
	kmem_cache_destroy(entry_cache);
	return -ENOMEM;
}

void nfips_queue_exit(void)
{
	/* Every namespace waited for its retires (nfips_run_retire_wait_all);
	 * this waits for the work functions' last instructions. */
	destroy_workqueue(retire_wq);
	kmem_cache_destroy(entry_cache);
}
