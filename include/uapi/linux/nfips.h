/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * nfips - the generic netlink interface of the kernel twin (nfips.ko).
 *
 * Family NFIPS_GENL_NAME ("nfips"), version NFIPS_GENL_VERSION, one instance
 * per network namespace: a request acts on the namespace of the socket that
 * sends it (run the tool inside it: `ip netns exec NS nfipsctl -k ...`).
 * Every command and the "alerts" group need CAP_NET_ADMIN in the user
 * namespace that owns that network namespace; otherwise -EPERM.
 *
 * Validation is strict: an attribute this header does not list for a command,
 * a nested attribute without NLA_F_NESTED, a string longer than its limit
 * (limits are given without the terminating NUL, which every string must
 * carry), a flag this header does not define, or a non-zero
 * genlmsghdr.reserved is rejected with -EINVAL and an extended ack naming
 * the attribute. Unknown commands get -EOPNOTSUPP.
 *
 * NFIPS_CMD_GET_VERSION (do)
 *   request:  no attributes
 *   reply:    NFIPS_A_VERSION: NLA_NUL_STRING, the module version
 *             (the family version is in the genl header and the controller)
 *
 * NFIPS_CMD_LOAD (do): replace the whole config atomically
 *   request:  NFIPS_A_FLAGS: NLA_U32, optional, NFIPS_LOAD_F_*
 *             NFIPS_A_QUEUE: nested, optional (defaults: workers 0,
 *                            maxlen 1024, overflow drop)
 *               NFIPS_QUEUE_A_WORKERS:  NLA_U32, 0..64; 0: one per online CPU
 *               NFIPS_QUEUE_A_MAXLEN:   NLA_U32, 1..1048576 packets per worker
 *               NFIPS_QUEUE_A_OVERFLOW: NLA_U32, NFIPS_QUEUE_OVERFLOW_*
 *             NFIPS_A_OP: nested, repeated, one per op (config "op" line)
 *               NFIPS_OP_A_NAME: NLA_NUL_STRING, 1..31, [A-Za-z0-9_.-]
 *               NFIPS_OP_A_TYPE: NLA_NUL_STRING, 1..31: the op-module type;
 *                                autoloaded as module "nfips-op-<TYPE>"
 *               NFIPS_OP_A_ARGS: NLA_NUL_STRING, 0..60000, optional: the
 *                                argument text, parsed by the op-module with
 *                                the same parser as in user space
 *               NFIPS_OP_A_LINE: NLA_U32, optional: config line, for errors
 *             NFIPS_A_CHAIN: nested, repeated, one per chain
 *               NFIPS_CHAIN_A_NAME: NLA_NUL_STRING, 1..31
 *               NFIPS_CHAIN_A_OPS:  nested array, optional, 0..256 elements
 *                                   in run order, each nested:
 *                 NFIPS_CHAIN_OP_A_NAME: NLA_NUL_STRING, an op's name
 *               NFIPS_CHAIN_A_LINE: NLA_U32, optional
 *             NFIPS_A_RULE: nested, repeated, one per select rule, in
 *                           match order (the first match wins)
 *               NFIPS_RULE_A_FAMILY:    NLA_U8, 4 or 6; required with SRC/DST
 *               NFIPS_RULE_A_SRC:       16 bytes, IPv4 in the first 4
 *               NFIPS_RULE_A_SRC_PLEN:  NLA_U8, required with SRC, <= 32 / 128
 *               NFIPS_RULE_A_DST, NFIPS_RULE_A_DST_PLEN: as SRC
 *               NFIPS_RULE_A_PROTO:     NLA_U8, IP protocol number
 *               NFIPS_RULE_A_SPORT_MIN, NFIPS_RULE_A_SPORT_MAX: NLA_U16, both
 *                                       or neither, MIN <= MAX, need PROTO
 *               NFIPS_RULE_A_DPORT_MIN, NFIPS_RULE_A_DPORT_MAX: as SPORT
 *               NFIPS_RULE_A_IIF:       NLA_NUL_STRING, 1..15: input interface,
 *                                       resolved to its index at load time
 *               NFIPS_RULE_A_CHAIN:     NLA_NUL_STRING: the chain, or
 *               NFIPS_RULE_A_BYPASS:    NLA_FLAG: accept uninspected
 *                                       (exactly one of CHAIN and BYPASS)
 *               NFIPS_RULE_A_LINE:      NLA_U32, optional
 *             Names are resolved in the order ops, chains, rules, whatever
 *             the order of the attributes in the message. The message as a
 *             whole is not limited to 64 KiB (the lists are top-level
 *             attributes, not one nest); raise SO_SNDBUF for large configs.
 *   reply:    none on success (ask for an ACK). When the config is rejected
 *             (a bad op argument, an unknown name or type, ...), a reply
 *             message with NFIPS_A_ERR_MSG (NLA_NUL_STRING, why) and
 *             NFIPS_A_ERR_LINE (NLA_U32, the config line, absent when not
 *             line-bound) comes first, then the error ACK. The old config
 *             stays in force, untouched.
 *
 * NFIPS_CMD_GET_CONFIG (dump): the running config, as LOAD takes it
 *   request:  no attributes
 *   reply:    one message per item, in the order queue, ops, chains, rules:
 *             NFIPS_A_QUEUE, NFIPS_A_OP, NFIPS_A_CHAIN or NFIPS_A_RULE,
 *             nested exactly as in LOAD. No config: no messages. A config
 *             swapped in the middle of the dump sets NLM_F_DUMP_INTR: retry.
 *
 * NFIPS_CMD_GET_STATS (dump): counters, one message per record, records
 *   grouped by kind in the order GLOBAL, RULE, CHAIN, OP, QUEUE
 *   request:  no attributes
 *   reply:    NFIPS_A_STAT: nested
 *               NFIPS_STAT_A_KIND:  NLA_U8, NFIPS_STAT_KIND_*
 *               NFIPS_STAT_A_NAME:  NLA_NUL_STRING: chain or op name
 *               NFIPS_STAT_A_TYPE:  NLA_NUL_STRING: op-module type (OP)
 *               NFIPS_STAT_A_INDEX: NLA_U32: worker number (QUEUE)
 *               NFIPS_STAT_A_RULE:  nested as NFIPS_A_RULE (RULE)
 *               counters, NLA_U64 each, in this order:
 *               GLOBAL: RECEIVED (selected for a chain), ACCEPTED, DROPPED,
 *                       QUEUED (in the queue or being inspected now),
 *                       OVERFLOW (found the queue full; also counted in
 *                       ACCEPTED or DROPPED as the overflow policy says),
 *                       BYPASSED (not selected), MALFORMED (no parsable L3
 *                       header: accepted, the IP stack drops it next),
 *                       ALERTS_SUPPRESSED (alert events not sent over the
 *                       namespace's rate limit while someone listened).
 *                       RECEIVED = ACCEPTED + DROPPED + QUEUED in every
 *                       record. Not reset by LOAD; reset by reloading nfips.ko.
 *               RULE:   PACKETS
 *               CHAIN, OP: PACKETS, ACCEPTS, DROPS, ALERTS, TIME_NS
 *               QUEUE:  ENQUEUED, OVERFLOW, DEPTH, MAX_DEPTH
 *             RULE, CHAIN, OP and QUEUE counters belong to the running config
 *             and start at zero with each LOAD. NLM_F_DUMP_INTR as above.
 *
 * NFIPS_CMD_FLUSH (do): remove the config; all traffic bypasses. Packets
 *   queued under the old config are still inspected by it and leave once.
 *   request:  no attributes
 *
 * NFIPS_CMD_ALERT (event on multicast group NFIPS_MCGRP_ALERTS "alerts"):
 *   one message per op result carrying NFIPS_ALERT, sent only while someone
 *   listens and within the namespace's rate limit (module parameter
 *   alert_rate, default 1000/s; the rest counted in ALERTS_SUPPRESSED);
 *   lost (not queued) when the listener's socket is full.
 *             NFIPS_A_ALERT: nested
 *               NFIPS_ALERT_A_TIME_NS: NLA_U64, CLOCK_REALTIME
 *               NFIPS_ALERT_A_CHAIN, NFIPS_ALERT_A_OP: NLA_NUL_STRING names
 *               NFIPS_ALERT_A_RESULT:  NLA_U32, the op's result bits
 *                                      (NFIPS_RESULT_*)
 *               NFIPS_ALERT_A_FAMILY:  NLA_U8, 4 or 6
 *               NFIPS_ALERT_A_PROTO:   NLA_U8
 *               NFIPS_ALERT_A_SADDR, NFIPS_ALERT_A_DADDR: 16 bytes
 *               NFIPS_ALERT_A_SPORT, NFIPS_ALERT_A_DPORT: NLA_U16 (0: none)
 *               NFIPS_ALERT_A_LEN:     NLA_U32, L3 length
 *               NFIPS_ALERT_A_IFINDEX: NLA_U32, input interface
 */
#ifndef _UAPI_LINUX_NFIPS_H
#define _UAPI_LINUX_NFIPS_H

#define NFIPS_GENL_NAME		"nfips"
#define NFIPS_GENL_VERSION	1
#define NFIPS_MCGRP_ALERTS	"alerts"

#define NFIPS_NL_NAME_MAXLEN	31	/* op, chain, type names, no NUL */
#define NFIPS_NL_ARGS_MAXLEN	60000	/* an op's argument text, no NUL */
#define NFIPS_NL_IFNAME_MAXLEN	15
#define NFIPS_NL_ADDR_LEN	16

enum nfips_cmd {
	NFIPS_CMD_UNSPEC,
	NFIPS_CMD_GET_VERSION,
	NFIPS_CMD_LOAD,
	NFIPS_CMD_GET_CONFIG,
	NFIPS_CMD_GET_STATS,
	NFIPS_CMD_FLUSH,
	NFIPS_CMD_ALERT,
	__NFIPS_CMD_MAX
};
#define NFIPS_CMD_MAX (__NFIPS_CMD_MAX - 1)

enum nfips_load_flags {
	NFIPS_LOAD_F_CHECK	= 1U << 0, /* build and check, do not swap in */
	__NFIPS_LOAD_F_ALL	= NFIPS_LOAD_F_CHECK
};

enum nfips_attr {
	NFIPS_A_UNSPEC,
	NFIPS_A_VERSION,
	NFIPS_A_FLAGS,
	NFIPS_A_QUEUE,
	NFIPS_A_OP,
	NFIPS_A_CHAIN,
	NFIPS_A_RULE,
	NFIPS_A_ERR_MSG,
	NFIPS_A_ERR_LINE,
	NFIPS_A_STAT,
	NFIPS_A_ALERT,
	__NFIPS_A_MAX
};
#define NFIPS_A_MAX (__NFIPS_A_MAX - 1)

enum nfips_queue_overflow {
	NFIPS_QUEUE_OVERFLOW_DROP,	/* full queue: drop the packet */
	NFIPS_QUEUE_OVERFLOW_ACCEPT,	/* full queue: accept uninspected */
};

enum nfips_queue_attr {
	NFIPS_QUEUE_A_UNSPEC,
	NFIPS_QUEUE_A_WORKERS,
	NFIPS_QUEUE_A_MAXLEN,
	NFIPS_QUEUE_A_OVERFLOW,
	__NFIPS_QUEUE_A_MAX
};
#define NFIPS_QUEUE_A_MAX (__NFIPS_QUEUE_A_MAX - 1)

enum nfips_op_attr {
	NFIPS_OP_A_UNSPEC,
	NFIPS_OP_A_NAME,
	NFIPS_OP_A_TYPE,
	NFIPS_OP_A_ARGS,
	NFIPS_OP_A_LINE,
	__NFIPS_OP_A_MAX
};
#define NFIPS_OP_A_MAX (__NFIPS_OP_A_MAX - 1)

enum nfips_chain_attr {
	NFIPS_CHAIN_A_UNSPEC,
	NFIPS_CHAIN_A_NAME,
	NFIPS_CHAIN_A_OPS,
	NFIPS_CHAIN_A_LINE,
	__NFIPS_CHAIN_A_MAX
};
#define NFIPS_CHAIN_A_MAX (__NFIPS_CHAIN_A_MAX - 1)

enum nfips_chain_op_attr {
	NFIPS_CHAIN_OP_A_UNSPEC,
	NFIPS_CHAIN_OP_A_NAME,
	__NFIPS_CHAIN_OP_A_MAX
};
#define NFIPS_CHAIN_OP_A_MAX (__NFIPS_CHAIN_OP_A_MAX - 1)

enum nfips_rule_attr {
	NFIPS_RULE_A_UNSPEC,
	NFIPS_RULE_A_FAMILY,
	NFIPS_RULE_A_SRC,
	NFIPS_RULE_A_SRC_PLEN,
	NFIPS_RULE_A_DST,
	NFIPS_RULE_A_DST_PLEN,
	NFIPS_RULE_A_PROTO,
	NFIPS_RULE_A_SPORT_MIN,
	NFIPS_RULE_A_SPORT_MAX,
	NFIPS_RULE_A_DPORT_MIN,
	NFIPS_RULE_A_DPORT_MAX,
	NFIPS_RULE_A_IIF,
	NFIPS_RULE_A_CHAIN,
	NFIPS_RULE_A_BYPASS,
	NFIPS_RULE_A_LINE,
	__NFIPS_RULE_A_MAX
};
#define NFIPS_RULE_A_MAX (__NFIPS_RULE_A_MAX - 1)

enum nfips_stat_kind {
	NFIPS_STAT_KIND_UNSPEC,
	NFIPS_STAT_KIND_GLOBAL,
	NFIPS_STAT_KIND_RULE,
	NFIPS_STAT_KIND_CHAIN,
	NFIPS_STAT_KIND_OP,
	NFIPS_STAT_KIND_QUEUE,
	__NFIPS_STAT_KIND_MAX
};

enum nfips_stat_attr {
	NFIPS_STAT_A_UNSPEC,
	NFIPS_STAT_A_PAD,
	NFIPS_STAT_A_KIND,
	NFIPS_STAT_A_NAME,
	NFIPS_STAT_A_TYPE,
	NFIPS_STAT_A_INDEX,
	NFIPS_STAT_A_RULE,
	NFIPS_STAT_A_RECEIVED,
	NFIPS_STAT_A_ACCEPTED,
	NFIPS_STAT_A_DROPPED,
	NFIPS_STAT_A_QUEUED,
	NFIPS_STAT_A_OVERFLOW,
	NFIPS_STAT_A_BYPASSED,
	NFIPS_STAT_A_MALFORMED,
	NFIPS_STAT_A_PACKETS,
	NFIPS_STAT_A_ACCEPTS,
	NFIPS_STAT_A_DROPS,
	NFIPS_STAT_A_ALERTS,
	NFIPS_STAT_A_TIME_NS,
	NFIPS_STAT_A_ENQUEUED,
	NFIPS_STAT_A_DEPTH,
	NFIPS_STAT_A_MAX_DEPTH,
	NFIPS_STAT_A_ALERTS_SUPPRESSED,
	__NFIPS_STAT_A_MAX
};
#define NFIPS_STAT_A_MAX (__NFIPS_STAT_A_MAX - 1)

/* Result bits of an alert: the op's verdict, ORed with NFIPS_RESULT_ALERT. */
enum nfips_result_bits {
	NFIPS_RESULT_CONTINUE	= 0,
	NFIPS_RESULT_ACCEPT	= 1,
	NFIPS_RESULT_DROP	= 2,
	NFIPS_RESULT_ALERT	= 4,
};

enum nfips_alert_attr {
	NFIPS_ALERT_A_UNSPEC,
	NFIPS_ALERT_A_PAD,
	NFIPS_ALERT_A_TIME_NS,
	NFIPS_ALERT_A_CHAIN,
	NFIPS_ALERT_A_OP,
	NFIPS_ALERT_A_RESULT,
	NFIPS_ALERT_A_FAMILY,
	NFIPS_ALERT_A_PROTO,
	NFIPS_ALERT_A_SADDR,
	NFIPS_ALERT_A_DADDR,
	NFIPS_ALERT_A_SPORT,
	NFIPS_ALERT_A_DPORT,
	NFIPS_ALERT_A_LEN,
	NFIPS_ALERT_A_IFINDEX,
	__NFIPS_ALERT_A_MAX
};
#define NFIPS_ALERT_A_MAX (__NFIPS_ALERT_A_MAX - 1)

#endif /* _UAPI_LINUX_NFIPS_H */
