/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF twin's maps: the layout shared by the program (bpf/nfips.bpf.c)
 * and its loader (tools/nfipsctl/bpf.c). Everything here is plain data with
 * fixed-width fields, so that the BPF object and the loader agree on it
 * without BTF.
 *
 * Config replacement: every config map holds two generations of
 * NFIPS_BPF_MAX_* entries (entry = gen * MAX + index). The loader fills the
 * generation the program is not using, zeroes its counters, then flips
 * nfips_state.gen (one aligned 4-byte store): a packet sees either the whole
 * old config or the whole new one, and a config that fails to load never
 * touches the running generation.
 */
#ifndef NFIPS_BPF_H
#define NFIPS_BPF_H

#define NFIPS_BPF_MAX_RULES	256
#define NFIPS_BPF_MAX_CHAINS	64
#define NFIPS_BPF_MAX_OPS	256
#define NFIPS_BPF_CHAIN_MAX_OPS	32
#define NFIPS_BPF_MAX_PATS	1024	/* bm patterns of all ops together */
#define NFIPS_BPF_PAT_MAX	128	/* bytes of one bm pattern */
#define NFIPS_BPF_HEADER_MAX_COUNT 100000

/*
 * Packet copy: the program copies the L3 packet into a per-CPU buffer
 * (bpf_dynptr_read, which reads across skb fragments). 64 KiB - 1 bytes
 * at most; a longer (BIG TCP) packet is viewed truncated, as the core's
 * view of a packet longer than what it holds (NFIPS_PKT_TRUNC).
 */
#define NFIPS_BPF_BUF_MASK	0xffff
#define NFIPS_BPF_BUF_SIZE	(NFIPS_BPF_BUF_MASK + 1 + 256)

enum nfips_bpf_op_type {
	NFIPS_BPF_OP_HEADER = 1,
	NFIPS_BPF_OP_BM = 2,
	NFIPS_BPF_OP_SLEEP = 3,
	NFIPS_BPF_OP_AC = 4,
};

/*
 * ac: the automaton op_ac.c compiled (opmodules/op_ac.h), its entries
 * widened to u32 row offsets, in nfips_ac. All ac ops of a generation share
 * NFIPS_BPF_AC_MAX_ENTRIES entries (rows x stride of each, one after the
 * other: an op's entries start at its ac_base); a config whose automata need
 * more is refused at load. The map is an array of NFIPS_BPF_AC_CHUNK-entry
 * values: an array map rounds every value up to 8 bytes, so one u32 a value
 * would take twice the memory. 2 generations x 1 Mi entries x 4 bytes: the
 * map is 8 MiB, allocated when the twin is first loaded.
 */
#define NFIPS_BPF_AC_CHUNK	16
#define NFIPS_BPF_AC_MAX_ENTRIES (1u << 20)

struct nfips_bpf_ac_chunk {
	__u32 e[NFIPS_BPF_AC_CHUNK];
};

/*
 * sleep busy-waits in the receive path (softirq), so its wait is capped
 * here, far below op_sleep's 1 s; a longer one is refused at load. The
 * wait is also bounded by bpf_loop's 2^23 calls, well above 10 ms.
 */
#define NFIPS_BPF_SLEEP_MAX_USEC	10000

/* Match fields: the values of enum nfips_match_fields (core/nfips_policy.h). */
struct nfips_bpf_rule {
	__u32 fields;
	__s32 chain;		/* index in this generation, -1: bypass */
	__s32 ifindex;		/* with NFIPS_M_IIF, resolved at load */
	__u32 line;
	__u8 family;
	__u8 proto;
	__u8 src_plen;
	__u8 dst_plen;
	__u16 sport_lo, sport_hi;
	__u16 dport_lo, dport_hi;
	__u8 src[16];
	__u8 dst[16];
};

struct nfips_bpf_chain {
	__u32 n_ops;
	__u32 ops[NFIPS_BPF_CHAIN_MAX_OPS];	/* indices in this generation */
};

struct nfips_bpf_op {
	__u32 type;		/* enum nfips_bpf_op_type */
	__u32 result;		/* enum nfips_result bits of a match */
	/* header */
	__u32 count;
	__u8 mask, value, proto, nocase;
	/* bm */
	__u32 pat_first;	/* index in this generation's patterns */
	__u32 n_pats;
	__u32 offset;
	__u32 depth;		/* 0: to the end of the payload */
	/* sleep */
	__u64 ns;
	/* ac (also offset, depth) */
	__u32 ac_base;		/* first entry in this generation's nfips_ac */
	__u32 ac_match;		/* the row offset of the matching state */
	__u8 cls[256];		/* byte -> class (folded under nocase) */
	__u8 leaves[256];	/* byte -> it leaves the start state */
};

struct nfips_bpf_pat {
	__u32 len;		/* 1 .. NFIPS_BPF_PAT_MAX */
	__u8 pat[NFIPS_BPF_PAT_MAX];	/* folded when nocase */
	__u8 shift[256];	/* Horspool: len - 1 - last position (< len - 1) */
	__u8 fold[256];		/* text byte -> compared byte (A-Z folded with nocase) */
};

/* One alert, through the ring buffer nfips_alerts (nfipsctl -b monitor). */
struct nfips_bpf_alert {
	__u64 time_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 gen;
	__u32 chain;		/* indices in generation gen */
	__u32 op;
	__u32 result;
	__u32 len;		/* L3 length */
	__u8 family, proto;
	__u16 sport, dport;
	__u8 saddr[16], daddr[16];
};

#define NFIPS_BPF_ALERT_RING	(256 * 1024)

struct nfips_bpf_state {
	__u32 gen;		/* 0 or 1: the generation packets use */
	__u32 n_rules[2];
};

/* Per-CPU counters, named as the other twins name theirs (nfipsctl.h). */
struct nfips_bpf_gstats {
	__u64 received, accepted, dropped, bypassed, malformed, alerts_lost;
};

struct nfips_bpf_cstats {		/* a chain's or an op's */
	__u64 packets, accepts, drops, alerts, time_ns;
};

#endif /* NFIPS_BPF_H */
