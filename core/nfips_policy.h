/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Security policy shared by both twins: the configuration as data
 * (struct nfips_conf, filled from a config file in user space or from netlink
 * attributes in the kernel, through the same checked builders), and the
 * runtime built from it (struct nfips_policy: op instances, chains and select
 * rules) that decides every verdict.
 *
 * Lifetime: a policy is built whole in process context, then published; the
 * twin keeps it alive while any packet selected by it is still being
 * processed, and destroys it in process context.
 */
#ifndef NFIPS_POLICY_H
#define NFIPS_POLICY_H

#include "nfips_op.h"

#define NFIPS_MAX_OPS		1024
#define NFIPS_MAX_CHAINS	256
#define NFIPS_MAX_RULES		1024
#define NFIPS_CHAIN_MAX_OPS	256
#define NFIPS_MAX_WORKERS	64
#define NFIPS_MAX_QUEUE_LEN	(1u << 20)
#define NFIPS_IFNAME_MAX	16	/* IFNAMSIZ */

enum nfips_overflow {
	NFIPS_OVERFLOW_DROP,	/* full queue: drop the packet, count it */
	NFIPS_OVERFLOW_ACCEPT,	/* full queue: accept uninspected (fail-open), count it */
};

struct nfips_queue_conf {
	u32 workers;		/* 0: one per CPU (kernel) / per queue (nfipsd) */
	u32 maxlen;		/* packets per worker queue */
	u32 overflow;		/* enum nfips_overflow */
};

enum nfips_match_fields {
	NFIPS_M_FAMILY	= 1 << 0,
	NFIPS_M_SRC	= 1 << 1,
	NFIPS_M_DST	= 1 << 2,
	NFIPS_M_PROTO	= 1 << 3,
	NFIPS_M_SPORT	= 1 << 4,
	NFIPS_M_DPORT	= 1 << 5,
	NFIPS_M_IIF	= 1 << 6,
};

/* A select rule's match; an empty field set matches everything ("any"). */
struct nfips_match {
	u32 fields;		/* enum nfips_match_fields */
	u8 family;		/* 4 or 6; implied by src/dst */
	u8 proto;
	u8 src_plen;
	u8 dst_plen;
	u8 src[16];
	u8 dst[16];
	u16 sport_lo, sport_hi;
	u16 dport_lo, dport_hi;
	char iif[NFIPS_IFNAME_MAX];
};

#define NFIPS_BYPASS	(-1)	/* a rule's chain: accept without inspection */

struct nfips_conf_op {
	char name[NFIPS_NAME_MAX];
	char type[NFIPS_NAME_MAX];
	char *args;		/* owned, NUL-terminated */
	u32 line;
};

struct nfips_conf_chain {
	char name[NFIPS_NAME_MAX];
	u32 n_ops;
	u32 ops[NFIPS_CHAIN_MAX_OPS];	/* indices into nfips_conf.ops */
	u32 line;
};

struct nfips_conf_rule {
	struct nfips_match match;
	s32 chain;		/* index into nfips_conf.chains, or NFIPS_BYPASS */
	u32 line;
};

struct nfips_conf {
	struct nfips_queue_conf queue;
	u32 n_ops, n_chains, n_rules;
	struct nfips_conf_op *ops;
	struct nfips_conf_chain *chains;
	struct nfips_conf_rule *rules;
};

/*
 * Builders: each checks its item (names, limits, references) and reports
 * what is wrong in @err. @line is the config-file line (0 when unknown).
 */
void nfips_conf_init(struct nfips_conf *conf);
void nfips_conf_free(struct nfips_conf *conf);
int nfips_conf_set_queue(struct nfips_conf *conf,
			 const struct nfips_queue_conf *q, struct nfips_err *err);
int nfips_conf_add_op(struct nfips_conf *conf, const char *name,
		      const char *type, const char *args, u32 line,
		      struct nfips_err *err);
int nfips_conf_add_chain(struct nfips_conf *conf, const char *name, u32 line,
			 struct nfips_err *err);
/* Append op @op_name to the chain added last. */
int nfips_conf_chain_append(struct nfips_conf *conf, const char *op_name,
			    struct nfips_err *err);
/* @chain_name NULL: bypass. */
int nfips_conf_add_rule(struct nfips_conf *conf,
			const struct nfips_match *match,
			const char *chain_name, u32 line,
			struct nfips_err *err);
/* The text form of a select rule: nfips_conf_text.h (user space). */

struct nfips_chain {
	char name[NFIPS_NAME_MAX];
	u32 n_ops;
	struct nfips_op **ops;
	struct nfips_stats stats;
};

struct nfips_rule {
	struct nfips_match match;
	int ifindex;			/* resolved from match.iif at build */
	struct nfips_chain *chain;	/* NULL: bypass */
	struct nfips_counter packets;	/* packets this rule selected */
	u32 line;
};

struct nfips_policy;

/* What the twin provides to a policy. */
struct nfips_policy_env {
	/* Interface name to index, <= 0 when there is none. Process context. */
	int (*ifindex)(void *ctx, const char *name);
	/*
	 * @op returned @result (which has NFIPS_ALERT set) for @pkt.
	 * Worker context: must not sleep.
	 */
	void (*alert)(void *ctx, const struct nfips_chain *chain,
		      const struct nfips_op *op, const struct nfips_pkt *pkt,
		      int result);
	void *ctx;
};

struct nfips_policy {
	struct nfips_conf conf;		/* the description it was built from */
	struct nfips_policy_env env;
	u32 n_rules;
	struct nfips_rule *rules;
	u32 n_chains;
	struct nfips_chain *chains;
	u32 n_ops;
	struct nfips_op **ops;
};

/*
 * Build a policy from @conf, taking its contents over (@conf is left empty).
 * On error returns NULL, leaves @conf for the caller to free, says why in
 * @err and, when the error belongs to a config line, sets *@err_line.
 * Process context.
 */
struct nfips_policy *nfips_policy_build(struct nfips_conf *conf,
					const struct nfips_policy_env *env,
					struct nfips_err *err, u32 *err_line);
void nfips_policy_destroy(struct nfips_policy *policy);

/* The first rule matching @pkt, or NULL (not selected: bypass). */
const struct nfips_rule *nfips_policy_select(const struct nfips_policy *policy,
					     const struct nfips_pkt *pkt);

/*
 * nfips_policy_select(), telling the twin in *@blind (may be NULL) that the
 * rule returned needs the protocol or ports of a packet that cannot show
 * them: its L4 header is not within the packet (a TCP, UDP, UDP-Lite or SCTP
 * header cut short, or an IPv6 extension-header chain that runs past the
 * end). Both twins then DROP the packet, whatever the rule's chain (also a
 * bypass rule): an IPS fails closed, a packet that might carry the ports a
 * rule names is never waved through uninspected. It is what iptables does
 * with such a packet at a -p/--dport match (hotdrop), so the user twin's
 * NFQUEUE rules and nfipsd agree by construction. Rules that need neither
 * (addresses, iif, "any") still match such a packet normally.
 */
const struct nfips_rule *nfips_policy_select_ex(const struct nfips_policy *policy,
						const struct nfips_pkt *pkt,
						bool *blind);

/*
 * Run @pkt through @chain; returns NFIPS_ACCEPT or NFIPS_DROP and counts it in
 * the chain's and each op's statistics. @worker is the caller's worker
 * number, which picks the ops' scratch (nfips_op.h), or NFIPS_NO_WORKER.
 * Worker context: process context in the kernel, where it may reschedule
 * between ops (cond_resched).
 */
int nfips_chain_run(const struct nfips_policy *policy,
		    struct nfips_chain *chain, const struct nfips_pkt *pkt,
		    u32 worker);

#endif /* NFIPS_POLICY_H */
