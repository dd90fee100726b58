// SPDX-License-Identifier: GPL-2.0
/*
 * nfips BPF twin: the selector and the chain as one BPF_PROG_TYPE_NETFILTER
 * program at NF_INET_PRE_ROUTING (IPv4 and IPv6, one link each, created by
 * nfipsctl inside the network namespace). It runs inline in the receive path
 * (softirq): no queue, no kthreads; the verdict is NF_DROP or NF_ACCEPT.
 * The policy is in maps (bpf/nfips_bpf.h), filled by nfipsctl from the same
 * config file as the other twins.
 *
 * What is shared with core/ and opmodules/, and what could not be:
 *  - The config grammar, the op arguments and every load-time check are the
 *    core's own (nfipsctl parses with nfips_config_parse and the ops' argument
 *    parsers); the program only reads their result.
 *  - The packet view (core/nfips_pkt.c) and the rule match
 *    (core/nfips_policy.c) are rewritten here, field for field: the core reads
 *    packet bytes through plain pointers and walks IPv6 extension headers in
 *    an unbounded loop, which the verifier cannot bound; here every byte read
 *    is an offset masked into a per-CPU copy of the packet, and the walks are
 *    bpf_loop callbacks. The semantics are the core's, including the
 *    fail-closed "blind" decision (README: no way around the selector).
 *  - Ops: see atop each op below.
 *
 * Packet bytes: bpf_dynptr_from_skb (allowed for netfilter programs since
 * 6.4) and bpf_dynptr_read copy the whole L3 packet, across the skb's frags
 * and frag_list (a GSO/GRO or reassembled packet), into a per-CPU buffer; so
 * a pattern spanning two skb fragments is found, as the other twins find it
 * after linearizing. At PREROUTING skb->data is the network header.
 *
 * Needs a kernel with BTF (vmlinux.h is generated from /sys/kernel/btf/vmlinux
 * at build time; CO-RE relocates the few kernel fields read here) and with
 * CONFIG_NETFILTER_BPF_LINK (>= 6.4).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "nfips_bpf.h"

#define NF_DROP		0
#define NF_ACCEPT	1

/* enum nfips_result and enum nfips_match_fields (core/), redefined here:
 * the core's headers pull in libc. */
#define R_CONTINUE	0
#define R_ACCEPT	1
#define R_DROP		2
#define R_VERDICT_MASK	3
#define R_ALERT		4

#define M_FAMILY	(1 << 0)
#define M_SRC		(1 << 1)
#define M_DST		(1 << 2)
#define M_PROTO		(1 << 3)
#define M_SPORT		(1 << 4)
#define M_DPORT		(1 << 5)
#define M_IIF		(1 << 6)

/* enum nfips_pkt_flags */
#define P_L4		(1 << 0)
#define P_FRAG		(1 << 1)
#define P_FRAG_LATER	(1 << 2)
#define P_L4_BAD	(1 << 3)
#define P_TRUNC		(1 << 4)
#define P_PORTS		(1 << 5)

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ICMPV6	58
#define PROTO_SCTP	132
#define PROTO_UDPLITE	136

extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym;

char LICENSE[] SEC("license") = "GPL";

/* The packet view: the fields of struct nfips_pkt the selector and ops use. */
struct pkt {
	__u32 len;		/* bytes in buf: min(copied, L3 length) */
	__u32 wire_len;
	__u32 payload_off;
	__u32 payload_len;
	__u8 family;
	__u8 l4_proto;
	__u8 flags;
	__u8 tcp_flags;
	__u16 sport, dport;
	__s32 ifindex;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct scratch {
	struct pkt pkt;
	__u8 buf[NFIPS_BPF_BUF_SIZE];
};

/* One scratch per CPU, indexed by CPU id: a per-CPU map value may not be
 * this large. The hook runs in softirq, which does not nest on one CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);		/* set to the CPU count by the loader */
	__type(key, __u32);
	__type(value, struct scratch);
} nfips_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nfips_bpf_state);
} nfips_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * NFIPS_BPF_MAX_RULES);
	__type(key, __u32);
	__type(value, struct nfips_bpf_rule);
} nfips_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * NFIPS_BPF_MAX_CHAINS);
	__type(key, __u32);
	__type(value, struct nfips_bpf_chain);
} nfips_chains SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * NFIPS_BPF_MAX_OPS);
	__type(key, __u32);
	__type(value, struct nfips_bpf_op);
} nfips_ops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * NFIPS_BPF_MAX_PATS);
	__type(key, __u32);
	__type(value, struct nfips_bpf_pat);
} nfips_pats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * NFIPS_BPF_AC_MAX_ENTRIES / NFIPS_BPF_AC_CHUNK);
	__type(key, __u32);
	__type(value, struct nfips_bpf_ac_chunk);
} nfips_ac SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nfips_bpf_gstats);
} nfips_gstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * NFIPS_BPF_MAX_RULES);
	__type(key, __u32);
	__type(value, __u64);
} nfips_rstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * NFIPS_BPF_MAX_CHAINS);
	__type(key, __u32);
	__type(value, struct nfips_bpf_cstats);
} nfips_cstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * NFIPS_BPF_MAX_OPS);
	__type(key, __u32);
	__type(value, struct nfips_bpf_cstats);
} nfips_ostats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NFIPS_BPF_ALERT_RING);
} nfips_alerts SEC(".maps");

static __always_inline struct scratch *scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&nfips_scratch, &cpu);
}

/* Byte @off of the copy; callers checked off < pkt.len (<= mask). */
static __always_inline __u32 b8(const struct scratch *s, __u32 off)
{
	return s->buf[off & NFIPS_BPF_BUF_MASK];
}

static __always_inline __u32 be16(const struct scratch *s, __u32 off)
{
	return b8(s, off) << 8 | b8(s, off + 1);
}

/* ---- packet view (core/nfips_pkt.c) -------------------------------- */

static __always_inline bool ipv6_exthdr(__u32 nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

static __always_inline bool proto_has_ports(__u32 p)
{
	return p == PROTO_TCP || p == PROTO_UDP || p == PROTO_UDPLITE ||
	       p == PROTO_SCTP;
}

static __always_inline bool proto_unknown(const struct pkt *p)
{
	return p->family == 6 && !(p->flags & P_FRAG_LATER) &&
	       ipv6_exthdr(p->l4_proto);
}

static __always_inline void set_payload(struct pkt *p, __u32 off, __u32 end)
{
	if (end > p->len)
		end = p->len;
	if (off > end)
		off = end;
	p->payload_off = off;
	p->payload_len = end - off;
}

/*
 * The L4 header at @off (off <= wire_len). The whole packet up to len is in
 * the copy, so there is no reader: a header beyond len is "trunc", as in the
 * core without a reader.
 */
static __always_inline void parse_l4(struct scratch *s, __u32 off)
{
	struct pkt *p = &s->pkt;
	__u32 end = p->wire_len, hlen, ulen;
	bool ports = false;

	switch (p->l4_proto) {
	case PROTO_TCP:
		hlen = 20;
		break;
	case PROTO_UDP:
	case PROTO_UDPLITE:
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		hlen = 8;
		break;
	case PROTO_SCTP:
		hlen = 12;
		break;
	default:
		set_payload(p, off, end);
		return;
	}
	if (off > end || hlen > end - off)
		goto bad;
	if (off > p->len || hlen > p->len - off)
		goto trunc;
	if (proto_has_ports(p->l4_proto)) {
		p->sport = be16(s, off);
		p->dport = be16(s, off + 2);
		ports = true;
	}
	if (p->l4_proto == PROTO_TCP) {
		p->tcp_flags = b8(s, off + 13);
		hlen = (b8(s, off + 12) >> 4) * 4;
		if (hlen < 20 || hlen > end - off)
			goto bad;
		if (hlen > p->len - off)
			goto trunc;
	} else if (p->l4_proto == PROTO_UDP) {
		ulen = be16(s, off + 4);
		if (ulen < 8 || (ulen > end - off && !(p->flags & P_FRAG)))
			goto bad;
		if (ulen <= end - off)
			end = off + ulen;
	}
	p->flags |= P_L4;
	set_payload(p, off + hlen, end);
	return;
bad:
	p->flags |= P_L4_BAD;
	p->tcp_flags = 0;
	if (ports)
		p->flags |= P_PORTS;
	set_payload(p, p->len, p->len);
	return;
trunc:
	p->flags |= P_TRUNC;
	p->sport = p->dport = 0;
	p->tcp_flags = 0;
	set_payload(p, p->len, p->len);
}

static __always_inline int parse_ipv4(struct scratch *s)
{
	struct pkt *p = &s->pkt;
	__u32 ihl, tot, frag, i;

	if (p->len < 20)
		return -1;
	ihl = (b8(s, 0) & 0x0f) * 4;
	tot = be16(s, 2);
	if (ihl < 20 || ihl > p->len || tot < ihl || tot > p->wire_len)
		return -1;
	p->wire_len = tot;
	if (p->len > tot)
		p->len = tot;
	p->l4_proto = b8(s, 9);
	for (i = 0; i < 4; i++) {
		p->saddr[i] = b8(s, 12 + i);
		p->daddr[i] = b8(s, 16 + i);
	}
	frag = be16(s, 6);
	if (frag & 0x3fff)
		p->flags |= P_FRAG;
	if (frag & 0x1fff) {
		p->flags |= P_FRAG_LATER;
		set_payload(p, ihl, tot);
		return 0;
	}
	parse_l4(s, ihl);
	return 0;
}

struct exthdr_ctx {
	__u32 off;
	__u32 tot;
	__u32 nh;
	int state;		/* 0 walking, 1 at L4, 2 lost, 3 later frag,
				 * 4 beyond the copy */
};

/*
 * One IPv6 extension header per call: the walk goes on to the end of the
 * packet however many there are (each is at least 8 bytes, so a 64 KiB
 * packet has fewer than 8192), as nfips_pkt.c's walk does.
 */
static long exthdr_step(__u32 idx, struct exthdr_ctx *c)
{
	struct scratch *s = scratch();
	__u32 hlen, nh = c->nh;

	(void)idx;
	if (!s)
		return 1;
	if (!ipv6_exthdr(nh)) {
		c->state = 1;
		return 1;
	}
	if (c->off > c->tot || 8 > c->tot - c->off) {
		c->state = 2;		/* the chain runs past the end */
		return 1;
	}
	/* Beyond the copy (a packet over 64 KiB): as the core's view without
	 * a reader, the header is not there to read. */
	if (c->off > s->pkt.len || 8 > s->pkt.len - c->off) {
		c->state = 4;
		return 1;
	}
	if (nh == 44) {
		hlen = 8;
		s->pkt.flags |= P_FRAG;
		if (be16(s, c->off + 2) & 0xfff8) {
			c->nh = b8(s, c->off);
			c->state = 3;
			return 1;
		}
	} else if (nh == 51) {
		hlen = (b8(s, c->off + 1) + 2) * 4;
	} else {
		hlen = (b8(s, c->off + 1) + 1) * 8;
	}
	if (hlen > c->tot - c->off) {
		c->state = 2;
		return 1;
	}
	c->nh = b8(s, c->off);
	c->off += hlen;
	return 0;
}

static __always_inline int parse_ipv6(struct scratch *s)
{
	struct pkt *p = &s->pkt;
	struct exthdr_ctx c = { .off = 40 };
	__u32 i;

	if (p->len < 40)
		return -1;
	c.nh = b8(s, 6);
	c.tot = 40 + be16(s, 4);
	if (c.tot == 40 && c.nh == 0)
		c.tot = p->wire_len;		/* jumbogram */
	if (c.tot > p->wire_len)
		return -1;
	p->wire_len = c.tot;
	if (p->len > c.tot)
		p->len = c.tot;
	for (i = 0; i < 16; i++) {
		p->saddr[i] = b8(s, 8 + i);
		p->daddr[i] = b8(s, 24 + i);
	}
	bpf_loop(8192 + 1, exthdr_step, &c, 0);
	p->l4_proto = c.nh;
	switch (c.state) {
	case 1:
		parse_l4(s, c.off);
		break;
	case 3:
		p->flags |= P_FRAG_LATER;
		set_payload(p, c.off + 8, c.tot);
		break;
	case 4:
		p->flags |= P_TRUNC;
		set_payload(p, p->len, p->len);
		break;
	default:
		/* The chain runs past the end: the protocol is unknown. */
		p->flags |= P_L4_BAD;
		set_payload(p, p->len, p->len);
		break;
	}
	return 0;
}

/* ---- selector (core/nfips_policy.c) --------------------------------- */

static __always_inline bool prefix_match(const __u8 *addr, const __u8 *pfx,
					 __u32 plen)
{
	__u32 i, bits;
	__u8 mask;

	for (i = 0; i < 16; i++) {
		if (plen >= 8 * (i + 1)) {
			if (addr[i] != pfx[i])
				return false;
			continue;
		}
		bits = plen - 8 * i;
		if (plen <= 8 * i)
			return true;
		mask = (__u8)(0xff << (8 - bits));
		return ((addr[i] ^ pfx[i]) & mask) == 0;
	}
	return true;
}

enum { SEL_NONE, SEL_MATCH, SEL_BLIND };

static __always_inline int rule_match(const struct nfips_bpf_rule *r,
				      const struct pkt *p)
{
	__u32 f = r->fields;

	if (!f)
		return SEL_MATCH;
	if ((f & M_FAMILY) && r->family != p->family)
		return SEL_NONE;
	if ((f & M_SRC) && !prefix_match(p->saddr, r->src, r->src_plen))
		return SEL_NONE;
	if ((f & M_DST) && !prefix_match(p->daddr, r->dst, r->dst_plen))
		return SEL_NONE;
	if ((f & M_IIF) && p->ifindex != r->ifindex)
		return SEL_NONE;
	if (f & M_PROTO) {
		if (proto_unknown(p))
			return SEL_BLIND;
		if (p->l4_proto != r->proto)
			return SEL_NONE;
	}
	if (!(f & (M_SPORT | M_DPORT)))
		return SEL_MATCH;
	if (p->flags & P_FRAG_LATER)
		return SEL_NONE;
	if (proto_unknown(p))
		return SEL_BLIND;
	if (!proto_has_ports(p->l4_proto))
		return SEL_NONE;
	if (!(p->flags & (P_L4 | P_PORTS)))
		return SEL_BLIND;
	if ((f & M_SPORT) && (p->sport < r->sport_lo || p->sport > r->sport_hi))
		return SEL_NONE;
	if ((f & M_DPORT) && (p->dport < r->dport_lo || p->dport > r->dport_hi))
		return SEL_NONE;
	return SEL_MATCH;
}

struct select_ctx {
	__u32 base;		/* gen * NFIPS_BPF_MAX_RULES */
	__s32 rule;		/* index of the rule found, -1 none */
	int match;
};

static long select_step(__u32 i, struct select_ctx *c)
{
	struct scratch *s = scratch();
	const struct nfips_bpf_rule *r;
	__u32 key = c->base + i;
	int m;

	if (!s)
		return 1;
	r = bpf_map_lookup_elem(&nfips_rules, &key);
	if (!r)
		return 1;
	m = rule_match(r, &s->pkt);
	if (m == SEL_NONE)
		return 0;
	c->rule = i;
	c->match = m;
	return 1;
}

/* ---- op header ------------------------------------------------------
 * The same check as opmodules/op_header.c's header_process, count copies
 * included. Not shared: op_header keeps its N records in the instance's
 * memory behind a pointer; here the op's single record is read from the
 * map count times (a bpf_loop, so that the cost still grows with count).
 */
struct header_ctx {
	__u32 key;		/* the op's key in nfips_ops */
	int result;
};

static long header_step(__u32 i, struct header_ctx *c)
{
	const struct nfips_bpf_op *op = bpf_map_lookup_elem(&nfips_ops, &c->key);
	struct scratch *s = scratch();

	(void)i;
	if (!op || !s)
		return 1;
	if ((s->pkt.flags & P_L4) && s->pkt.l4_proto == op->proto &&
	    (s->pkt.tcp_flags & op->mask) == op->value) {
		c->result = op->result;
		return 1;
	}
	return 0;
}

/* ---- op bm ----------------------------------------------------------
 * Same match semantics as opmodules/op_bm.c: each pattern searched on its
 * own in payload[offset .. offset + depth), wholly inside it, nocase folding
 * A-Z; the first pattern found decides. The search is Boyer-Moore-Horspool
 * (the bad-character rule only): op_bm's good-suffix table needs a second
 * per-pattern table of up to 1 KiB and a data-dependent inner loop the
 * verifier explores per position; Horspool finds exactly the same
 * occurrences (any complete search does), with one 256-byte table per
 * pattern computed at load. Patterns are limited to NFIPS_BPF_PAT_MAX bytes
 * (op_bm: 1024); longer ones are refused at load with file:line.
 */
struct bm_ctx {
	__u32 pat;		/* key in nfips_pats */
	__u32 t;		/* window start in the copy */
	__u32 n;		/* window length */
	__u32 i;		/* alignment of the pattern in the window */
	int found;
};

/*
 * One alignment per call. The comparison runs from the pattern's end, as
 * op_bm's; case folding is a table lookup (pattern->fold), not a branch,
 * so that the verifier walks one path per compared byte.
 */
static long bm_step(__u32 idx, struct bm_ctx *c)
{
	const struct nfips_bpf_pat *p = bpf_map_lookup_elem(&nfips_pats, &c->pat);
	struct scratch *s = scratch();
	__u32 m, k, base;

	(void)idx;
	if (!p || !s)
		return 1;
	m = p->len;
	if (m < 1 || m > NFIPS_BPF_PAT_MAX || c->n < m || c->i > c->n - m)
		return 1;
	base = c->t + c->i;
	for (k = 0; k < m && k < NFIPS_BPF_PAT_MAX; k++) {
		__u32 j = m - 1 - k;

		if (p->pat[j & (NFIPS_BPF_PAT_MAX - 1)] != p->fold[b8(s, base + j) & 0xff])
			break;
	}
	if (k >= m) {
		c->found = 1;
		return 1;
	}
	c->i += p->shift[p->fold[b8(s, base + m - 1) & 0xff]];
	return 0;
}

struct bm_op_ctx {
	__u32 pat_base;		/* first pattern's key */
	__u32 t, n;
	int found;
};

static long bm_pattern(__u32 i, struct bm_op_ctx *o)
{
	struct bm_ctx c = {
		.pat = o->pat_base + i, .t = o->t, .n = o->n,
	};

	bpf_loop(o->n + 1, bm_step, &c, 0);
	if (c.found) {
		o->found = 1;
		return 1;
	}
	return 0;
}

static __always_inline int bm_run(const struct nfips_bpf_op *op, __u32 gen,
				  const struct pkt *p)
{
	struct bm_op_ctx o = {
		.pat_base = gen * NFIPS_BPF_MAX_PATS + op->pat_first,
	};

	/* nfips_payload_window() */
	if (p->payload_len <= op->offset)
		return R_CONTINUE;
	o.t = p->payload_off + op->offset;
	o.n = p->payload_len - op->offset;
	if (op->depth && o.n > op->depth)
		o.n = op->depth;
	bpf_loop(op->n_pats, bm_pattern, &o, 0);
	return o.found ? op->result : R_CONTINUE;
}

/* ---- op ac ----------------------------------------------------------
 * The automaton is opmodules/op_ac.c's own: nfipsctl builds the op with
 * op_ac's .init (the plugin nfipsd uses) and copies its table, byte classes
 * and start-state set into maps (bpf/nfips_bpf.h). The scan is op_ac's
 * ac_scan over the same window (nfips_payload_window), so the matches are
 * the same, nocase included (it is in the classes):
 *
 *	s = 0; for each byte b: if (s == 0 && !leaves[b]) skip;
 *	       s = tbl[s + cls[b]]; if (s == match) matched
 *
 * AC_STEP (8) bytes per bpf_loop call, unrolled, with one lookup in
 * nfips_ac per byte that is not skipped. The unrolled body is verified
 * once per callback, each byte's three ways out (end of window, skip,
 * table step) no more than 3^8 paths; a rolled loop over the bytes would
 * be walked by the verifier iteration by iteration. Measured on this
 * host's 6.18 (op time_ns / packets, 1,000-byte payloads without a match,
 * 3,000 packets): one byte per call 2.6 us a packet; 8 a call 1.2 us; 32 a
 * call no faster (1.2 us), so 8, the smaller program. The pattern count
 * barely matters (1, 200 bench patterns: 1.2-1.25 us; tests/cases/ac.sh's
 * 1,000: 1.3-1.6 us); bm with one pattern takes 0.9-1.0 us there, so ac
 * wins from two patterns on. Why not a per-CPU copy of the table: it would
 * be copied per packet or kept per CPU (x CPUs the memory) for no fewer
 * lookups; array-map lookups are inlined by the verifier into address
 * arithmetic anyway. The start-state skip (op_ac's acceleration) is the
 * leaves[] test: no table lookup for a byte that cannot begin a pattern
 * (no memchr here).
 */
/* Bytes per bpf_loop call (unrolled; see above). */
#define AC_STEP		8

struct ac_ctx {
	__u32 key;		/* the op's key in nfips_ops */
	__u32 base;		/* the op's first entry in nfips_ac */
	__u32 t;		/* window start in the copy */
	__u32 n;		/* window length */
	__u32 s;		/* state: a row offset, 0 the start */
	int found;
};

static long ac_step(__u32 idx, struct ac_ctx *c)
{
	const struct nfips_bpf_op *op = bpf_map_lookup_elem(&nfips_ops, &c->key);
	const struct nfips_bpf_ac_chunk *e;
	struct scratch *s = scratch();
	__u32 b, x, k, j, i = idx * AC_STEP, st = c->s;

	if (!op || !s)
		return 1;
#pragma unroll
	for (j = 0; j < AC_STEP; j++, i++) {
		if (i >= c->n)
			return 1;
		b = b8(s, c->t + i) & 0xff;
		if (!st && !op->leaves[b])
			continue;
		x = c->base + st + op->cls[b];
		k = x / NFIPS_BPF_AC_CHUNK;
		e = bpf_map_lookup_elem(&nfips_ac, &k);
		if (!e)
			return 1;	/* not reached: the loader keeps x in range */
		st = e->e[x & (NFIPS_BPF_AC_CHUNK - 1)];
		if (st == op->ac_match) {
			c->found = 1;
			return 1;
		}
	}
	c->s = st;
	return 0;
}

static __always_inline int ac_run(const struct nfips_bpf_op *op, __u32 key,
				  __u32 gen, const struct pkt *p)
{
	struct ac_ctx c = {
		.key = key,
		.base = gen * NFIPS_BPF_AC_MAX_ENTRIES + op->ac_base,
	};

	/* nfips_payload_window() */
	if (p->payload_len <= op->offset)
		return R_CONTINUE;
	c.t = p->payload_off + op->offset;
	c.n = p->payload_len - op->offset;
	if (op->depth && c.n > op->depth)
		c.n = op->depth;
	bpf_loop((c.n + AC_STEP - 1) / AC_STEP, ac_step, &c, 0);
	return c.found ? op->result : R_CONTINUE;
}

/* ---- op sleep -------------------------------------------------------
 * opmodules/op_sleep.c's busy-wait on the monotonic clock, as a bpf_loop
 * (a BPF program cannot spin in an open loop). Not shared: op_sleep calls
 * the twin's clock and cpu_relax through nfips_compat.h. It waits in the
 * receive path: the receive CPU does nothing else meanwhile (README).
 */
struct sleep_ctx {
	__u64 end;
};

static long sleep_step(__u32 i, struct sleep_ctx *w)
{
	(void)i;
	return bpf_ktime_get_ns() >= w->end;
}

/* ---- alerts ----------------------------------------------------------- */

static __always_inline void alert(const struct scratch *s, __u32 gen,
				  __u32 chain, __u32 op, int r)
{
	struct nfips_bpf_alert *a;
	struct nfips_bpf_gstats *g;
	__u32 zero = 0, i;

	a = bpf_ringbuf_reserve(&nfips_alerts, sizeof(*a), 0);
	if (!a) {
		/* The reader is behind (or absent): counted, never waited for. */
		g = bpf_map_lookup_elem(&nfips_gstats, &zero);
		if (g)
			g->alerts_lost++;
		return;
	}
	a->time_ns = bpf_ktime_get_ns();
	a->gen = gen;
	a->chain = chain;
	a->op = op;
	a->result = r;
	a->len = s->pkt.wire_len;
	a->family = s->pkt.family;
	a->proto = s->pkt.l4_proto;
	a->sport = s->pkt.sport;
	a->dport = s->pkt.dport;
	for (i = 0; i < 16; i++) {
		a->saddr[i] = s->pkt.saddr[i];
		a->daddr[i] = s->pkt.daddr[i];
	}
	bpf_ringbuf_submit(a, 0);
}

/* ---- chain (nfips_chain_run) ---------------------------------------- */

struct chain_ctx {
	__u32 chain;		/* key in nfips_chains */
	__u32 gen;
	int verdict;
	__u32 alerts;
	__u64 t0;
};

static __always_inline void cstats_add(void *map, __u32 key, int r, __u64 dt)
{
	struct nfips_bpf_cstats *st = bpf_map_lookup_elem(map, &key);

	if (!st)
		return;
	st->packets++;
	st->time_ns += dt;
	if (r & R_ALERT)
		st->alerts++;
	if ((r & R_VERDICT_MASK) == R_DROP)
		st->drops++;
	else if ((r & R_VERDICT_MASK) == R_ACCEPT)
		st->accepts++;
}

static long chain_step(__u32 i, struct chain_ctx *c)
{
	const struct nfips_bpf_chain *ch;
	const struct nfips_bpf_op *op;
	struct scratch *s = scratch();
	__u32 key;
	__u64 t;
	int r = R_CONTINUE;

	ch = bpf_map_lookup_elem(&nfips_chains, &c->chain);
	/* i < n_ops <= NFIPS_BPF_CHAIN_MAX_OPS (the loader); masked for the verifier. */
	if (!ch || !s)
		return 1;
	key = (c->gen & 1) * NFIPS_BPF_MAX_OPS +
	      (ch->ops[i & (NFIPS_BPF_CHAIN_MAX_OPS - 1)] & (NFIPS_BPF_MAX_OPS - 1));
	op = bpf_map_lookup_elem(&nfips_ops, &key);
	if (!op)
		return 1;
	if (op->type == NFIPS_BPF_OP_HEADER) {
		struct header_ctx h = { .key = key };

		bpf_loop(op->count, header_step, &h, 0);
		r = h.result;
	} else if (op->type == NFIPS_BPF_OP_BM) {
		r = bm_run(op, c->gen, &s->pkt);
	} else if (op->type == NFIPS_BPF_OP_AC) {
		r = ac_run(op, key, c->gen, &s->pkt);
	} else if (op->type == NFIPS_BPF_OP_SLEEP) {
		struct sleep_ctx w = { .end = bpf_ktime_get_ns() + op->ns };

		bpf_loop(1 << 23, sleep_step, &w, 0);
	}
	t = bpf_ktime_get_ns();
	/* An op's own count: only the drops/accepts it decided, as the core. */
	cstats_add(&nfips_ostats, key, r, t - c->t0);
	c->t0 = t;
	if (r & R_ALERT) {
		c->alerts++;
		alert(s, c->gen, c->chain - c->gen * NFIPS_BPF_MAX_CHAINS,
		      key - c->gen * NFIPS_BPF_MAX_OPS, r);
	}
	if ((r & R_VERDICT_MASK) == R_DROP) {
		c->verdict = R_DROP;
		return 1;
	}
	if ((r & R_VERDICT_MASK) == R_ACCEPT)
		return 1;
	return 0;
}

SEC("nfips")
int nfips_hook(struct bpf_nf_ctx *ctx)
{
	struct sk_buff *skb = ctx->skb;
	struct nfips_bpf_gstats *g;
	struct nfips_bpf_state *st;
	const struct nfips_bpf_rule *r;
	const struct nfips_bpf_chain *ch;
	struct select_ctx sel = { .rule = -1 };
	struct chain_ctx cc = { .verdict = R_ACCEPT };
	struct bpf_dynptr ptr;
	struct scratch *s;
	__u32 zero = 0, len, key, wire, n;
	__u64 start, *rp;
	int ret = -1;

	g = bpf_map_lookup_elem(&nfips_gstats, &zero);
	st = bpf_map_lookup_elem(&nfips_state, &zero);
	s = scratch();
	if (!g || !st || !s)
		return NF_ACCEPT;
	cc.gen = st->gen & 1;

	wire = skb->len;
	len = wire > NFIPS_BPF_BUF_MASK ? NFIPS_BPF_BUF_MASK : wire;
	__builtin_memset(&s->pkt, 0, sizeof(s->pkt));
	s->pkt.len = len;
	s->pkt.wire_len = wire;
	if (len >= 1 && !bpf_dynptr_from_skb((struct __sk_buff *)skb, 0, &ptr) &&
	    !bpf_dynptr_read(s->buf, len & NFIPS_BPF_BUF_MASK, &ptr, 0, 0)) {
		if (b8(s, 0) >> 4 == 4) {
			s->pkt.family = 4;
			ret = parse_ipv4(s);
		} else if (b8(s, 0) >> 4 == 6) {
			s->pkt.family = 6;
			ret = parse_ipv6(s);
		}
	}
	if (ret) {
		/* Unusable L3: accepted and counted, as the other twins do. */
		g->malformed++;
		return NF_ACCEPT;
	}
	if (s->pkt.len < s->pkt.wire_len)
		s->pkt.flags |= P_TRUNC;
	if (ctx->state && ctx->state->in)
		s->pkt.ifindex = BPF_CORE_READ(ctx->state, in, ifindex);

	sel.base = cc.gen * NFIPS_BPF_MAX_RULES;
	/* A branch, not an index: the verifier bounds it without more ado. */
	n = cc.gen ? st->n_rules[1] : st->n_rules[0];
	if (n > NFIPS_BPF_MAX_RULES)
		n = NFIPS_BPF_MAX_RULES;
	bpf_loop(n, select_step, &sel, 0);
	if (sel.rule < 0) {
		g->bypassed++;
		return NF_ACCEPT;
	}
	key = sel.base + sel.rule;
	rp = bpf_map_lookup_elem(&nfips_rstats, &key);
	if (rp)
		(*rp)++;
	r = bpf_map_lookup_elem(&nfips_rules, &key);
	if (!r)
		return NF_ACCEPT;
	if (sel.match == SEL_BLIND) {
		/* Fail closed: README, "no way around the selector". */
		g->received++;
		g->dropped++;
		return NF_DROP;
	}
	if (r->chain < 0) {
		g->bypassed++;
		return NF_ACCEPT;
	}
	g->received++;
	cc.chain = cc.gen * NFIPS_BPF_MAX_CHAINS + (__u32)r->chain;
	ch = bpf_map_lookup_elem(&nfips_chains, &cc.chain);
	if (!ch)
		return NF_ACCEPT;
	start = bpf_ktime_get_ns();
	cc.t0 = start;
	bpf_loop(ch->n_ops & (NFIPS_BPF_CHAIN_MAX_OPS * 2 - 1), chain_step, &cc, 0);
	{
		struct nfips_bpf_cstats *cs =
			bpf_map_lookup_elem(&nfips_cstats, &cc.chain);

		if (cs) {
			cs->packets++;
			cs->time_ns += cc.t0 - start;
			cs->alerts += cc.alerts;
			if (cc.verdict == R_DROP)
				cs->drops++;
			else
				cs->accepts++;
		}
	}
	if (cc.verdict == R_DROP) {
		g->dropped++;
		return NF_DROP;
	}
	g->accepted++;
	return NF_ACCEPT;
}
