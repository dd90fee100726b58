// SPDX-License-Identifier: GPL-2.0
/*
 * The published policy and the counters.
 *
 * Replacing the config never stalls or drops a packet: the new policy is
 * built whole by the main thread, off the packet path (op-module .init may
 * compile big pattern databases), then published with one atomic pointer
 * store. The old one is freed only when no worker can still use it -
 * quiescent-state based reclamation (the user-space twin of RCU):
 *
 *  - a worker loads d->policy only right after it stores the current
 *    generation d->gen into its w->qs, and stores 0 in w->qs before it
 *    blocks in recv (holding no pointer then);
 *  - the main thread stores the new pointer, increments d->gen to G, and
 *    waits until every worker's qs is 0 or >= G. Both sides use seq_cst
 *    atomics, so a worker that stored a qs >= G, or that goes online after
 *    the check, loads the new pointer. Workers never wait for the main
 *    thread; the main thread waits at most one message's processing time.
 *
 * Only the main thread publishes, so it may read d->policy without this.
 */
#include <net/if.h>
#include <unistd.h>

#include "nfipsd.h"

void nfipsd_on_alert(void *ctx, const struct nfips_chain *chain,
		     const struct nfips_op *op, const struct nfips_pkt *pkt,
		     int result);

static int env_ifindex(void *ctx, const char *name)
{
	(void)ctx;
	return (int)if_nametoindex(name);
}

const struct nfips_policy_env nfipsd_policy_env_tmpl = {
	.ifindex = env_ifindex,
	.alert = nfipsd_on_alert,
};

static void wait_quiescent(struct nfipsd *d, u64 gen)
{
	u32 i;

	for (i = 0; i < d->n_workers; i++) {
		struct nfipsd_worker *w = &d->workers[i];
		u64 q;

		while ((q = atomic_load(&w->qs)) != 0 && q < gen)
			usleep(100);
	}
}

void nfipsd_policy_publish(struct nfipsd *d, struct nfips_policy *p)
{
	struct nfips_policy *old = atomic_load(&d->policy);
	u64 gen;

	atomic_store(&d->policy, p);
	gen = atomic_fetch_add(&d->gen, 1) + 1;
	wait_quiescent(d, gen);
	nfips_policy_destroy(old);
}

/* Build from parsed @conf (taken over), install the rules, publish. */
static int build_publish(struct nfipsd *d, struct nfips_conf *conf,
			 const char *name, char *msg, size_t msglen)
{
	struct nfips_policy_env env = {
		.ifindex = env_ifindex,
		.alert = nfipsd_on_alert,
		.ctx = d,
	};
	struct nfips_policy *p, *old;
	struct nfips_err err;
	u64 bypassed;
	u32 line = 0;
	int ret;

	err.msg[0] = '\0';
	p = nfips_policy_build(conf, &env, &err, &line);
	if (!p) {
		if (line)
			snprintf(msg, msglen, "%s:%u: %s", name, line, err.msg);
		else
			snprintf(msg, msglen, "%s: %s", name, err.msg);
		nfips_conf_free(conf);
		return -EINVAL;
	}
	/*
	 * Rules first: if they cannot be installed nothing has changed. The
	 * old chain's bypass counts are kept before it goes (packets counted
	 * between this read and the swap are missed).
	 */
	old = atomic_load(&d->policy);
	bypassed = old ? nfipsd_rules_bypassed(d, &old->conf) : 0;
	ret = nfipsd_rules_install(d, &p->conf, msg, msglen);
	if (ret) {
		nfips_policy_destroy(p);
		return ret;
	}
	d->bypass_base += bypassed;
	if (d->n_workers && p->conf.queue.workers &&
	    p->conf.queue.workers != d->n_workers && !d->queues_given)
		NFIPSD_LOG("%s: queue workers=%u takes effect at the next start (running %u)",
			   name, p->conf.queue.workers, d->n_workers);
	nfipsd_policy_publish(d, p);
	return 0;
}

int nfipsd_policy_load(struct nfipsd *d, const char *name, const char *text,
		       size_t len, char *msg, size_t msglen)
{
	struct nfips_conf conf;
	struct nfips_err err;
	u32 line;

	if (nfips_config_parse(text, len, &conf, &err, &line)) {
		if (line)
			snprintf(msg, msglen, "%s:%u: %s", name, line, err.msg);
		else
			snprintf(msg, msglen, "%s: %s", name, err.msg);
		return -EINVAL;
	}
	return build_publish(d, &conf, name, msg, msglen);
}

int nfipsd_policy_flush(struct nfipsd *d, char *msg, size_t msglen)
{
	struct nfips_policy *cur = atomic_load(&d->policy);
	struct nfips_conf conf;

	nfips_conf_init(&conf);
	if (cur)
		conf.queue = cur->conf.queue;
	return build_publish(d, &conf, "flush", msg, msglen);
}

int nfipsd_kqueue_read(u16 queue, struct nfipsd_kqueue *kq)
{
	unsigned int q, portid, total, mode, range, dropped, udropped, seq;
	char line[256];
	FILE *f;

	memset(kq, 0, sizeof(*kq));
	f = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %u %u %u %u %u %u %u", &q, &portid, &total,
			   &mode, &range, &dropped, &udropped, &seq) != 8)
			continue;
		if (q != queue)
			continue;
		kq->total = total;
		kq->dropped = dropped;
		kq->user_dropped = udropped;
		kq->id_seq = seq;
		kq->found = true;
		break;
	}
	fclose(f);
	return 0;
}

/*
 * Fold the kernel's per-queue drop counters into overflow. They count
 * packets that never reached us: a full queue (queue_dropped) and a full
 * socket (user_dropped). The kernel counts neither with FAIL_OPEN set, so
 * fail-open overflow is only seen as ENOBUFS (README). Main thread.
 */
void nfipsd_kqueue_poll(struct nfipsd *d)
{
	struct nfips_policy *p = atomic_load(&d->policy);
	struct nfipsd_kqueue kq;
	u32 i, now, delta;

	for (i = 0; i < d->n_workers; i++) {
		if (nfipsd_kqueue_read(d->workers[i].queue, &kq) || !kq.found)
			continue;
		now = kq.dropped + kq.user_dropped;
		delta = now - d->kq_last[i];
		d->kq_last[i] = now;
		if (!delta)
			continue;
		if (p && p->conf.queue.overflow == NFIPS_OVERFLOW_ACCEPT)
			d->overflow_accept += delta;
		else
			d->overflow_drop += delta;
	}
}

/* Growing text buffer for replies (main thread, not the packet path). */
struct tbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static __printf(2, 3) void tb_printf(struct tbuf *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = t->cap - t->len;

		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if (t->p && (size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		{
			size_t cap = t->cap ? t->cap * 2 : 4096;
			char *np;

			while (cap < t->len + (size_t)n + 1)
				cap *= 2;
			np = realloc(t->p, cap);
			if (!np) {
				t->oom = true;
				return;
			}
			t->p = np;
			t->cap = cap;
		}
	}
}

static void stats_vals(struct tbuf *t, const char *kind, const char *name,
		       const char *const *keys, const u64 *vals, u32 n)
{
	u32 i;

	tb_printf(t, "%s\t%s\t", kind, name);
	for (i = 0; i < n; i++)
		tb_printf(t, "%s%s=%llu", i ? " " : "", keys[i],
			  (unsigned long long)vals[i]);
	tb_printf(t, "\n");
}

static void stats_op(struct tbuf *t, const char *kind, const char *name,
		     const struct nfips_stats *s)
{
	static const char *const keys[] = {
		"packets", "accepts", "drops", "alerts", "time_ns",
	};
	u64 v[] = {
		nfips_counter_read(&s->packets), nfips_counter_read(&s->accepts),
		nfips_counter_read(&s->drops), nfips_counter_read(&s->alerts),
		nfips_counter_read(&s->time_ns),
	};

	stats_vals(t, kind, name, keys, v, ARRAY_SIZE(v));
}

char *nfipsd_stats_text(struct nfipsd *d, size_t *len)
{
	static const char *const gkeys[] = {
		"received", "accepted", "dropped", "queued", "overflow",
		"bypassed", "malformed", "alerts_lost", "alerts_suppressed",
	};
	static const char *const qkeys[] = {
		"received", "verdicts", "enobufs", "batches", "gso",
		"csum_partial", "send_retries", "send_errors", "verdicts_lost",
		"resent",
	};
	struct nfips_policy *p = atomic_load(&d->policy);
	u64 g[ARRAY_SIZE(gkeys)] = { 0 };
	struct tbuf t = { 0 };
	char name[224], match[128];
	struct nfipsd_kqueue kq;
	u64 *ipt = NULL, unmatched = 0;
	u32 i;

	nfipsd_kqueue_poll(d);
	if (p) {
		ipt = calloc(p->n_rules + 1, sizeof(*ipt));
		if (ipt)
			nfipsd_rules_counters(d, ipt, p->n_rules, &unmatched);
	}
	for (i = 0; i < d->n_workers; i++) {
		struct nfipsd_worker *w = &d->workers[i];

		g[0] += nfips_counter_read(&w->selected);
		g[1] += nfips_counter_read(&w->accepted);
		g[2] += nfips_counter_read(&w->dropped);
		g[5] += nfips_counter_read(&w->bypassed);
		g[6] += nfips_counter_read(&w->malformed);
		if (!nfipsd_kqueue_read(w->queue, &kq) && kq.found)
			g[3] += kq.total;
	}
	/* Overflowed packets were selected (an NFQUEUE rule matched them). */
	g[4] = d->overflow_accept + d->overflow_drop;
	g[0] += g[4];
	g[1] += d->overflow_accept;
	g[2] += d->overflow_drop;
	g[7] = nfips_counter_read(&d->alerts_lost);
	/* The kernel twin's key, in the same schema: nfipsd does not limit
	 * the rate of alerts (a full alert ring loses them, counted in
	 * alerts_lost), so it suppresses none. */
	g[8] = 0;
	/*
	 * Bypassed: queued but not selected by the policy, plus what the
	 * iptables chain let pass without queueing it (bypass rules and no
	 * match), as the kernel twin's selector counts all of them.
	 */
	g[5] += d->bypass_base + unmatched;
	for (i = 0; ipt && i < p->n_rules; i++)
		if (!p->rules[i].chain)
			g[5] += ipt[i];
	/* The global record has no name (as in the kernel twin). */
	stats_vals(&t, "global", "", gkeys, g, ARRAY_SIZE(gkeys));

	for (i = 0; p && i < p->n_rules; i++) {
		const struct nfips_rule *r = &p->rules[i];
		u64 v = nfips_counter_read(&r->packets);

		/* A bypass rule's packets never reach us: iptables counted them. */
		if (!r->chain && ipt)
			v += ipt[i];
		static const char *const rk[] = { "packets" };

		nfips_match_format(&r->match, match, sizeof(match));
		snprintf(name, sizeof(name), "%u: %s -> %s", r->line, match,
			 r->chain ? r->chain->name : "bypass");
		stats_vals(&t, "rule", name, rk, &v, 1);
	}
	for (i = 0; p && i < p->n_chains; i++)
		stats_op(&t, "chain", p->chains[i].name, &p->chains[i].stats);
	for (i = 0; p && i < p->n_ops; i++) {
		snprintf(name, sizeof(name), "%s (%s)", p->ops[i]->name,
			 p->ops[i]->ops->name);
		stats_op(&t, "op", name, &p->ops[i]->stats);
	}
	for (i = 0; i < d->n_workers; i++) {
		struct nfipsd_worker *w = &d->workers[i];
		u64 v[] = {
			nfips_counter_read(&w->received),
			nfips_counter_read(&w->verdicts),
			nfips_counter_read(&w->enobufs),
			nfips_counter_read(&w->batches),
			nfips_counter_read(&w->gso),
			nfips_counter_read(&w->csum_partial),
			nfips_counter_read(&w->send_retries),
			nfips_counter_read(&w->send_errors),
			nfips_counter_read(&w->verdicts_lost),
			nfips_counter_read(&w->resent),
		};

		snprintf(name, sizeof(name), "%u", w->queue);
		stats_vals(&t, "queue", name, qkeys, v, ARRAY_SIZE(v));
	}
	free(ipt);
	if (t.oom) {
		free(t.p);
		return NULL;
	}
	*len = t.len;
	return t.p;
}

char *nfipsd_show_text(struct nfipsd *d, size_t *len)
{
	struct nfips_policy *p = atomic_load(&d->policy);
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	f = open_memstream(&buf, &n);
	if (!f)
		return NULL;
	if (p)
		nfips_config_write(&p->conf, f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}
