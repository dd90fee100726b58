/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nfipsd, the user twin: NFQUEUE workers running the shared policy and
 * op-modules. One file per concern:
 *   main.c     command line, start-up and shutdown order, the main loop
 *   queue.c    one worker thread per NFQUEUE queue: receive, decide, verdicts
 *   state.c    the published policy: build, atomic swap, quiescence, stats
 *   registry.c op-module plugins (dlopen), the twin of insmod/request_module
 *   rules.c    the NFQUEUE iptables rules derived from the select rules
 *   control.c  the control socket (nfipsd_proto.h) and alert fan-out
 *
 * Threads: the main thread owns everything except the workers' packet loops:
 * it loads configs, installs rules, serves the control socket and reads the
 * kernel's queue counters. Workers only read the published policy and write
 * their own counters; they never block on the main thread.
 */
#ifndef NFIPSD_H
#define NFIPSD_H

#include <pthread.h>
#include <stdatomic.h>

#include "nfips_conf_text.h"
#include <nfips/nfipsd_proto.h>

#define NFIPSD_LOG(fmt, ...)	fprintf(stderr, "nfipsd: " fmt "\n", ##__VA_ARGS__)
#define NFIPSD_DBG(d, fmt, ...)	do { if ((d)->verbose) NFIPSD_LOG(fmt, ##__VA_ARGS__); } while (0)

struct nfipsd;
struct mnl_socket;

#define NFIPSD_LOST_MAX	256

/* One worker: owns one queue's netlink socket and its buffers. */
struct nfipsd_worker {
	struct nfipsd *d;
	int index;
	u16 queue;
	pthread_t thread;
	bool started;
	struct mnl_socket *nl;
	u32 portid;
	u32 seq;

	char *rbuf;			/* receive buffer, one netlink message */
	size_t rbuf_len;
	char *sbuf;			/* verdict messages not yet sent */
	size_t sbuf_len, sbuf_used;
	u32 pending_id;			/* highest accepted id not yet sent */
	u32 npending;
	u64 pending_since;
	/*
	 * Verdicts whose send failed for good (queue.c): drops to send again
	 * before any batch accept, the highest lost accept to batch again.
	 */
	u32 lost_drop[NFIPSD_LOST_MAX];
	u32 n_lost_drop;
	u32 lost_accept_id;
	bool lost_accept;
	bool no_batch;			/* lost_drop overflowed: no batches */

	/* Queue parameters applied to the kernel, to notice config changes. */
	u32 applied_maxlen, applied_flags;
	int ack_err;			/* result of the last acked config msg */
	bool acked;

	/*
	 * Quiescent-state word (see state.c): 0 while the worker holds no
	 * policy pointer (blocked in recv), else the policy generation it
	 * saw when it last (re)loaded the pointer.
	 */
	_Atomic u64 qs;

	/* Counters, written by this worker only. */
	struct nfips_counter received, verdicts, enobufs, batches;
	struct nfips_counter gso, csum_partial;	/* NFQA_SKB_INFO flags seen */
	struct nfips_counter accepted, dropped, bypassed, malformed, selected;
	/* Verdict sends: failed and retried; failed for good (lost, re-sent). */
	struct nfips_counter send_retries, send_errors, verdicts_lost, resent;
};

/* Kernel counters of one queue, /proc/net/netfilter/nfnetlink_queue. */
struct nfipsd_kqueue {
	u32 total, dropped, user_dropped, id_seq;
	bool found;
};

struct nfipsd_alert_ring;

struct nfipsd {
	const char *config_path;
	const char *socket_path;
	const char *plugin_dir;
	const char *pidfile;
	bool no_rules;
	bool verbose;
	u16 queue_lo, queue_hi;
	bool queues_given;

	/* The published policy: written by the main thread only. */
	struct nfips_policy *_Atomic policy;
	_Atomic u64 gen;
	atomic_bool stopping;
	atomic_int monitors;		/* connected monitor clients */

	u32 n_workers;
	struct nfipsd_worker *workers;

	/* Overflow seen in the kernel counters, split by the policy then. */
	u64 overflow_accept, overflow_drop;
	u32 *kq_last;
	/* Bypassed by the iptables chains replaced so far (rules.c). */
	u64 bypass_base;			/* per worker: last dropped + user_dropped */

	struct nfipsd_alert_ring *alerts;
	struct nfips_counter alerts_lost;

	/* rules.c state */
	u32 rules_gen;
	char rules_chain[32];		/* installed chain, "" when none */
	bool rules_v6;
};

/* state.c */
extern const struct nfips_policy_env nfipsd_policy_env_tmpl;
int nfipsd_policy_load(struct nfipsd *d, const char *name, const char *text,
		       size_t len, char *msg, size_t msglen);
int nfipsd_policy_flush(struct nfipsd *d, char *msg, size_t msglen);
void nfipsd_policy_publish(struct nfipsd *d, struct nfips_policy *p);
void nfipsd_kqueue_poll(struct nfipsd *d);
int nfipsd_kqueue_read(u16 queue, struct nfipsd_kqueue *kq);
char *nfipsd_stats_text(struct nfipsd *d, size_t *len);
char *nfipsd_show_text(struct nfipsd *d, size_t *len);

/* queue.c */
int nfipsd_workers_start(struct nfipsd *d);
void nfipsd_workers_stop(struct nfipsd *d);

/* Called by a worker with its policy pointer held (state.c). */
static inline struct nfips_policy *nfipsd_online(struct nfipsd_worker *w)
{
	atomic_store(&w->qs, atomic_load(&w->d->gen));
	return atomic_load(&w->d->policy);
}

static inline void nfipsd_offline(struct nfipsd_worker *w)
{
	atomic_store(&w->qs, 0);
}

/* registry.c */
void nfipsd_registry_init(const char *plugin_dir);
void nfipsd_registry_exit(void);

/* rules.c */
int nfipsd_rules_init(struct nfipsd *d);
int nfipsd_rules_install(struct nfipsd *d, const struct nfips_conf *conf,
			 char *msg, size_t msglen);
void nfipsd_rules_remove(struct nfipsd *d);
int nfipsd_rules_counters(struct nfipsd *d, u64 *per_rule, u32 n_rules,
			  u64 *unmatched);
u64 nfipsd_rules_bypassed(struct nfipsd *d, const struct nfips_conf *conf);

/* control.c */
int nfipsd_control_open(struct nfipsd *d);
void nfipsd_control_close(struct nfipsd *d);
int nfipsd_control_fd(void);
void nfipsd_control_accept(struct nfipsd *d);
void nfipsd_control_poll_fds(struct nfipsd *d, void *pfds, int *n, int max);
void nfipsd_control_events(struct nfipsd *d, void *pfds, int n);
void nfipsd_alerts_drain(struct nfipsd *d);
struct nfipsd_alert_ring *nfipsd_alert_ring_new(void);
void nfipsd_alert_ring_free(struct nfipsd_alert_ring *r);
/* Worker context: never blocks; a full ring counts the alert as lost. */
void nfipsd_alert_push(struct nfipsd *d, const struct nfipsd_alert_wire *a);

#endif /* NFIPSD_H */
