// SPDX-License-Identifier: GPL-2.0
/*
 * Harness: the packet-view builder (nfips_pkt_parse) and everything that
 * reads a view: every op-module's ->process, the selector and a chain run.
 *
 * Input: the raw L3 packet. Each input is parsed from an exact-size heap copy
 * (ASan sees any read past the view) twice over:
 *   - whole: len == wire_len == size, as nfipsd gets it from NFQUEUE;
 *   - headers only: the first k bytes of the same packet with wire_len ==
 *     size, as a kernel caller that copied only the headers passes it.
 * Properties: the view invariants of nfips_pkt.h, a headers-only view agrees
 * with the whole view once the headers fit in k, bm, header (and hs, when
 * built with libhs) agree with a naive reference, and a chain run gives the
 * verdict its ops give.
 */
#include "fuzz_common.h"
#include "nfips_conf_text.h"

/* The ops of the policy below, with what a naive reference needs to know. */
struct ref_pat {
	const char *bytes;
	u32 len;
};

struct ref_op {
	const char *name;
	bool bm;
	/* header */
	u8 mask, value;
	u32 count;
	/* bm */
	struct ref_pat pats[4];
	u32 n_pats, offset, depth;
	bool nocase;
	u32 action;
	struct nfips_op *op;	/* the instance in the policy */
	/* bm's args for the Hyperscan op-module: one more instance, held to
	 * the same reference (it is not in the unit registry). */
	const char *hs_args;
	struct nfips_op *hs;
};

#ifdef FUZZ_HAVE_HS
extern struct nfips_op_ops nfips_op_hs_ops;
static struct nfips_op *hs_regex;	/* regexes: run, no reference */
#endif

#define PAT(s)	{ s, sizeof(s) - 1 }

static struct ref_op refs[] = {
	{ .name = "nullscan", .mask = 0x3f, .value = 0, .count = 1,
	  .action = NFIPS_ACTION_DROP },
	{ .name = "xmas", .mask = 0x3f, .value = 0x29, .count = 3,
	  .action = NFIPS_ACTION_ALERT },
	{ .name = "synack", .mask = 0x12, .value = 0x12, .count = 1,
	  .action = NFIPS_ACTION_ACCEPT },
	{ .name = "none", .mask = 0x3f, .value = 0, .count = 0,
	  .action = NFIPS_ACTION_DROP },
	{ .name = "evil", .bm = true,
	  .pats = { PAT("EVIL"), PAT("\xde\xad\xbe\xef"), PAT("GET /") },
	  .n_pats = 3, .action = NFIPS_ACTION_DROP,
	  .hs_args = "pattern=EVIL pattern=|de ad be ef| pattern=\"GET /\"" },
	{ .name = "web", .bm = true,
	  .pats = { PAT("attack"), PAT("\r\n\r\n"), PAT("aAaA") },
	  .n_pats = 3, .nocase = true, .offset = 2, .depth = 64,
	  .action = NFIPS_ACTION_ALERT,
	  .hs_args = "pattern=attack pattern=|0d 0a 0d 0a| pattern=aAaA nocase offset=2 depth=64 action=alert" },
	{ .name = "one", .bm = true, .pats = { PAT("\x00") }, .n_pats = 1,
	  .offset = 40, .action = NFIPS_ACTION_ALERT },
	{ .name = "rep", .bm = true, .pats = { PAT("abcabcab"), PAT("aaaaab") },
	  .n_pats = 2, .depth = 1000, .action = NFIPS_ACTION_ACCEPT,
	  .hs_args = "pattern=abcabcab pattern=aaaaab depth=1000 action=accept" },
};

static const char policy_text[] =
	"op nullscan header sig=null action=drop\n"
	"op xmas header sig=xmas count=3 action=alert\n"
	"op synack header flags=0x12/0x12 action=accept\n"
	"op none header sig=null count=0\n"
	"op evil bm pattern=EVIL pattern=|de ad be ef| pattern=\"GET /\"\n"
	"op web bm pattern=attack pattern=|0d 0a 0d 0a| pattern=aAaA nocase offset=2 depth=64 action=alert\n"
	"op one bm pattern=|00| offset=40 action=alert\n"
	"op rep bm pattern=abcabcab pattern=aaaaab depth=1000 action=accept\n"
	"op delay sleep usec=0\n"
	"chain all none xmas one web nullscan evil rep synack delay\n"
	"chain v6 web delay evil\n"
	"chain empty\n"
	"select src=10.0.0.0/8 proto=tcp dport=1-1024 chain=all\n"
	"select family=ipv6 proto=udp sport=53 chain=v6\n"
	"select dst=2001:db8::/32 chain=all\n"
	"select dst=192.0.2.0/24 chain=empty\n"
	"select proto=udp dport=9 bypass\n"
	"select family=ipv4 chain=all\n";

static struct nfips_policy *policy;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct nfips_conf conf;
	struct nfips_err err;
	u32 line, i, j;

	(void)argc;
	(void)argv;
	if (nfips_config_parse(policy_text, sizeof(policy_text) - 1, &conf,
			       &err, &line))
		fuzz_fail(__FILE__, __LINE__, "the policy to build",
			  " (line %u: %s)", line, err.msg);
	policy = nfips_policy_build(&conf, NULL, &err, &line);
	if (!policy)
		fuzz_fail(__FILE__, __LINE__, "the policy to build",
			  " (line %u: %s)", line, err.msg);
	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		for (j = 0; j < policy->n_ops; j++)
			if (!strcmp(policy->ops[j]->name, refs[i].name))
				refs[i].op = policy->ops[j];
		FUZZ_CHECK(refs[i].op, "(op %s)", refs[i].name);
#ifdef FUZZ_HAVE_HS
		if (refs[i].hs_args) {
			refs[i].hs = nfips_op_hs_ops.init(refs[i].hs_args, &err);
			FUZZ_CHECK(refs[i].hs, "(hs %s: %s)", refs[i].name, err.msg);
			FUZZ_CHECK(!nfips_op_scratch_init(refs[i].hs, &err),
				   "(hs %s scratch: %s)", refs[i].name,
				   err.msg);
		}
#endif
	}
#ifdef FUZZ_HAVE_HS
	hs_regex = nfips_op_hs_ops.init("regex=att[a-z]{2}ck\\|^GET\\s+/ regex=\\x00{4,} nocase", &err);
	FUZZ_CHECK(hs_regex, "(hs regex: %s)", err.msg);
	FUZZ_CHECK(!nfips_op_scratch_init(hs_regex, &err),
		   "(hs regex scratch: %s)", err.msg);
#endif
	return 0;
}

static int ref_result(const struct ref_op *r, const struct nfips_pkt *pkt)
{
	const u8 *t;
	u32 n, i;

	if (!r->bm) {
		if (r->count && (pkt->flags & NFIPS_PKT_L4) &&
		    pkt->l4_proto == NFIPS_PROTO_TCP &&
		    (pkt->tcp_flags & r->mask) == r->value)
			return nfips_action_result(r->action);
		return NFIPS_CONTINUE;
	}
	if (pkt->payload_len <= r->offset)
		return NFIPS_CONTINUE;
	t = pkt->data + pkt->payload_off + r->offset;
	n = pkt->payload_len - r->offset;
	if (r->depth && n > r->depth)
		n = r->depth;
	for (i = 0; i < r->n_pats; i++)
		if (fuzz_naive_find(t, n, (const u8 *)r->pats[i].bytes,
				    r->pats[i].len, r->nocase))
			return nfips_action_result(r->action);
	return NFIPS_CONTINUE;
}

static void check_view(const struct nfips_pkt *pkt, u32 len, u32 wire_len)
{
	u8 f = pkt->flags;

	FUZZ_CHECK(pkt->len <= len && pkt->len <= pkt->wire_len &&
		   pkt->wire_len <= wire_len,
		   "(len %u wire_len %u of %u/%u)", pkt->len, pkt->wire_len,
		   len, wire_len);
	FUZZ_CHECK((u64)pkt->payload_off + pkt->payload_len <= pkt->len,
		   "(payload %u+%u, len %u)", pkt->payload_off,
		   pkt->payload_len, pkt->len);
	FUZZ_CHECK(pkt->family == 4 || pkt->family == 6);
	FUZZ_CHECK(pkt->len >= (pkt->family == 4 ? 20u : 40u));
	if (f & NFIPS_PKT_L4) {
		/* The ports (or ICMP type) were read from the view. */
		FUZZ_CHECK(pkt->l4_off + 8 <= pkt->payload_off &&
			   pkt->payload_off <= pkt->len);
		FUZZ_CHECK(!(f & (NFIPS_PKT_L4_BAD | NFIPS_PKT_FRAG_LATER)));
	}
	if (f & NFIPS_PKT_FRAG_LATER)
		FUZZ_CHECK(f & NFIPS_PKT_FRAG);
	if (pkt->len < pkt->wire_len)
		FUZZ_CHECK(f & NFIPS_PKT_TRUNC);
	if (!(f & NFIPS_PKT_L4))
		FUZZ_CHECK(!pkt->tcp_flags);
	/* Ports without L4 only from a whole fixed header that lies (PORTS). */
	if (!(f & (NFIPS_PKT_L4 | NFIPS_PKT_PORTS)))
		FUZZ_CHECK(!pkt->sport && !pkt->dport);
	if (f & NFIPS_PKT_PORTS)
		FUZZ_CHECK((f & NFIPS_PKT_L4_BAD) &&
			   nfips_proto_has_ports(pkt->l4_proto));

	/*
	 * The first fragment of a UDP datagram has its ports whatever its UDP
	 * length says (that counts the whole datagram; iptables' --dport
	 * matches first fragments), or fragmenting a datagram would slip it
	 * past a port rule. Found by this harness: tests/fuzz/regress/fuzz_pkt/.
	 */
	if (pkt->family == 4 && pkt->l4_proto == NFIPS_PROTO_UDP &&
	    (f & NFIPS_PKT_FRAG) && !(f & NFIPS_PKT_FRAG_LATER)) {
		u32 ihl = (u32)(pkt->data[0] & 0x0f) * 4;

		if (ihl + 8 <= pkt->len &&
		    nfips_get_be16(pkt->data + ihl + 4) >= 8)
			FUZZ_CHECK(f & NFIPS_PKT_L4, "(UDP first fragment)");
	}
}

/* Everything that reads a view, each against what it must return. */
static void run_view(const struct nfips_pkt *pkt)
{
	const struct nfips_rule *rule;
	int r, want, verdict;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		r = nfips_op_process(refs[i].op, pkt);
		want = ref_result(&refs[i], pkt);
		FUZZ_CHECK(r == want, "(op %s: %d, reference %d)", refs[i].name,
			   r, want);
		if (refs[i].hs) {
			r = nfips_op_process(refs[i].hs, pkt);
			FUZZ_CHECK(r == want, "(hs %s: %d, reference %d)",
				   refs[i].name, r, want);
		}
	}
#ifdef FUZZ_HAVE_HS
	r = nfips_op_process(hs_regex, pkt);
	FUZZ_CHECK(r == NFIPS_CONTINUE || r == (NFIPS_DROP | NFIPS_ALERT));
#endif
	rule = nfips_policy_select(policy, pkt);
	if (!rule || !rule->chain)
		return;
	want = NFIPS_ACCEPT;
	for (i = 0; i < rule->chain->n_ops; i++) {
		const struct nfips_op *op = rule->chain->ops[i];

		r = nfips_op_process(op, pkt) & NFIPS_VERDICT_MASK;
		if (r == NFIPS_DROP || r == NFIPS_ACCEPT) {
			want = r;
			break;
		}
	}
	verdict = nfips_chain_run(policy, rule->chain, pkt, NFIPS_NO_WORKER);
	FUZZ_CHECK(verdict == want, "(chain %s: %d, ops say %d)",
		   rule->chain->name, verdict, want);
}

/*
 * A headers-only view of the first @k bytes agrees with the whole view
 * @full once every header the whole view parsed lies within @k.
 */
static void check_prefix(const struct nfips_pkt *full, int full_ret,
			 const struct nfips_pkt *part, int ret, u32 k)
{
	if (full_ret)
		return;
	if (!ret) {
		FUZZ_CHECK(part->family == full->family &&
			   part->wire_len == full->wire_len &&
			   !memcmp(part->saddr, full->saddr, 16) &&
			   !memcmp(part->daddr, full->daddr, 16));
	}
	if (!(full->flags & NFIPS_PKT_L4) || k < full->payload_off)
		return;
	FUZZ_CHECK(!ret && (part->flags & NFIPS_PKT_L4),
		   "(k=%u: ret %d flags %#x; whole view payload_off %u)", k,
		   ret, part->flags, full->payload_off);
	FUZZ_CHECK(part->l4_proto == full->l4_proto &&
		   part->l4_off == full->l4_off &&
		   part->payload_off == full->payload_off &&
		   part->sport == full->sport && part->dport == full->dport &&
		   part->tcp_flags == full->tcp_flags);
	FUZZ_CHECK(part->payload_off + part->payload_len ==
		   min(full->payload_off + full->payload_len, k),
		   "(k=%u: payload %u+%u, whole %u+%u)", k, part->payload_off,
		   part->payload_len, full->payload_off, full->payload_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u32 cuts[] = { 1, 19, 20, 28, 40, 48, 60, 64, 128 };
	struct nfips_pkt full, part;
	int full_ret, ret;
	u32 len, k, i;
	u8 *buf;

	if (size > 65535 + 40)
		return -1;
	len = (u32)size;

	buf = fuzz_dup(data, size);
	full_ret = nfips_pkt_parse(&full, buf, len, len);
	FUZZ_CHECK(full_ret == 0 || full_ret == -EBADMSG ||
		   full_ret == -EPROTONOSUPPORT);
	if (!full_ret) {
		check_view(&full, len, len);
		run_view(&full);
	}

	/* Headers only: a few fixed cuts, half and all but one byte. */
	for (i = 0; i <= ARRAY_SIZE(cuts) + 1; i++) {
		if (i < ARRAY_SIZE(cuts))
			k = cuts[i];
		else
			k = i == ARRAY_SIZE(cuts) ? len / 2 : len - 1;
		if (k == 0 || k >= len)
			continue;
		/* The view of the cut bytes, copied to their own exact buffer. */
		{
			u8 *head = fuzz_dup(data, k);

			ret = nfips_pkt_parse(&part, head, k, len);
			if (!ret) {
				check_view(&part, k, len);
				run_view(&part);
			}
			check_prefix(&full, full_ret, &part, ret, k);
			free(head);
		}
	}
	free(buf);
	return 0;
}
