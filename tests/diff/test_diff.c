// SPDX-License-Identifier: GPL-2.0
/*
 * The differential test's unit step (unit tier, ASan/UBSan): the corpus is
 * what tests/diff/README.md promises - reproducible from its seed, covering
 * every kind of packet it lists - and the reference runs clean over all of
 * it with tests/diff/diff.conf, each rule selecting and each op firing at
 * least once, so the network passes compare something. Same source as
 * nfips-diff (included whole), its own main.
 */
#define NFIPS_DIFF_NO_MAIN
#include "nfips-diff.c"

#include "kselftest.h"

#define SEED	14		/* the network tests' default (diff.sh) */
#define COUNT	12000

static u64 corpus_hash(u64 seed)
{
	u64 h = 0xcbf29ce484222325ull;
	u8 pkt[MAX_PKT];
	u32 i, j, len;

	rng_state = seed;
	for (i = 1; i <= COUNT; i++) {
		len = gen_one(pkt, i);
		for (j = 0; j < len; j++)
			h = (h ^ pkt[j]) * 0x100000001b3ull;
	}
	return h;
}

static bool has_at(const struct nfips_pkt *p, const char *pat, u32 at)
{
	u32 l = (u32)strlen(pat);

	return p->payload_len >= at + l &&
	       !memcmp(p->data + p->payload_off + at, pat, l);
}

struct cover {
	bool flags[256];
	u32 udp, icmp, icmp6, other_l4, other_protos[256];
	u32 v4opts, v6deep, v6longest, frag4_first, frag4_later, frag6_first,
	    frag6_later, l4bad, tiny, mtu, edge_start, edge_end, split_tail,
	    split_head, malformed;
};

static void cover_one(struct cover *c, const u8 *d, u32 len)
{
	struct nfips_pkt p;
	bool l4;

	if (nfips_pkt_parse(&p, d, len, len)) {
		c->malformed++;
		return;
	}
	l4 = p.flags & NFIPS_PKT_L4;
	if (l4 && p.l4_proto == NFIPS_PROTO_TCP)
		c->flags[p.tcp_flags] = true;
	else if (l4 && p.l4_proto == NFIPS_PROTO_UDP)
		c->udp++;
	else if (l4 && p.l4_proto == NFIPS_PROTO_ICMP)
		c->icmp++;
	else if (l4 && p.l4_proto == NFIPS_PROTO_ICMPV6)
		c->icmp6++;
	else if (!(p.flags & (NFIPS_PKT_FRAG_LATER | NFIPS_PKT_L4_BAD)))
		c->other_protos[p.l4_proto]++;
	if (p.family == 4 && (d[0] & 0x0f) > 5)
		c->v4opts++;
	/* The L4 header beyond the kernel twin's fixed 192-byte window. */
	if (p.family == 6 && l4 && p.l4_off > 192)
		c->v6deep++;
	if (p.family == 6 && l4 && p.l4_off - 40 > c->v6longest)
		c->v6longest = p.l4_off - 40;
	if (p.flags & NFIPS_PKT_FRAG) {
		bool later = p.flags & NFIPS_PKT_FRAG_LATER;

		if (p.family == 4 && later)
			c->frag4_later++;
		else if (p.family == 4)
			c->frag4_first++;
		else if (later)
			c->frag6_later++;
		else
			c->frag6_first++;
		if (!later && p.payload_len >= 2 &&
		    !memcmp(p.data + p.payload_off + p.payload_len - 2, "EV", 2))
			c->split_tail++;
		if (later && has_at(&p, "IL", 0))
			c->split_head++;
	}
	if (p.flags & NFIPS_PKT_L4_BAD)
		c->l4bad++;
	if (l4 && p.payload_len <= 4)
		c->tiny++;
	if (p.wire_len == MAX_PKT)
		c->mtu++;
	if (has_at(&p, "EVIL", 0) || has_at(&p, "EDGE", 4))
		c->edge_start++;
	if (p.payload_len >= 4 && has_at(&p, "EVIL", p.payload_len - 4))
		c->edge_end++;
}

static void check_cover(void)
{
	static struct cover c;
	u8 pkt[MAX_PKT];
	u32 i, n = 0, others = 0;

	rng_state = SEED;
	for (i = 1; i <= COUNT; i++) {
		u32 len = gen_one(pkt, i);

		cover_one(&c, pkt, len);
	}
	for (i = 0; i < 256; i++) {
		n += c.flags[i];
		others += c.other_protos[i] > 0;
	}
	ksft_test_result(n == 256, "all 256 TCP flag bytes (%u)\n", n);
	ksft_test_result(c.udp >= 500 && c.icmp >= 100 && c.icmp6 >= 100,
			 "UDP %u, ICMP %u, ICMPv6 %u packets\n", c.udp, c.icmp, c.icmp6);
	ksft_test_result(others >= 20, "%u other protocols\n", others);
	ksft_test_result(c.v4opts >= 300, "IPv4 with options: %u\n", c.v4opts);
	ksft_test_result(c.v6deep >= 300 && c.v6longest >= 1000,
			 "IPv6 with the L4 header beyond 192 bytes: %u, longest chain %u bytes\n",
			 c.v6deep, c.v6longest);
	ksft_test_result(c.frag4_first >= 50 && c.frag4_later >= 50 &&
			 c.frag6_first >= 50 && c.frag6_later >= 50,
			 "fragments: IPv4 first %u later %u, IPv6 first %u later %u\n",
			 c.frag4_first, c.frag4_later, c.frag6_first, c.frag6_later);
	ksft_test_result(c.split_tail >= 20 && c.split_head >= 20,
			 "a pattern split across fragments: %u tails, %u heads\n",
			 c.split_tail, c.split_head);
	ksft_test_result(c.l4bad >= 300, "truncated or lying L4 headers: %u\n", c.l4bad);
	ksft_test_result(c.tiny >= 300 && c.mtu >= 300,
			 "tiny payloads (0-4 bytes) %u, MTU-sized packets %u\n", c.tiny, c.mtu);
	ksft_test_result(c.edge_start >= 50 && c.edge_end >= 50,
			 "patterns at the payload's edges: start %u, end %u\n",
			 c.edge_start, c.edge_end);
	ksft_test_result(c.malformed == 0, "every packet has a usable L3 header (%u not)\n",
			 c.malformed);
}

/* Every "select ... chain=" line of diff.conf selected a packet (rules[line]). */
static bool chain_rules_fire(const u32 *rules, u32 n, u32 *fire, u32 *total)
{
	FILE *f = fopen("tests/diff/diff.conf", "r");
	char line[512];
	u32 no = 0;

	*fire = *total = 0;
	if (!f)
		ksft_exit_fail_msg("tests/diff/diff.conf: %s\n", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		no++;
		if (strncmp(line, "select", 6) || !strstr(line, "chain="))
			continue;
		(*total)++;
		if (no < n && rules[no])
			(*fire)++;
	}
	fclose(f);
	return *total > 0 && *fire == *total;
}

/*
 * The reference over the corpus (nfips-diff gen and ref, as the network test
 * runs them): every rule with a chain selects, enough is dropped.
 */
static void check_ref(void)
{
	char pcap[] = "/tmp/nfips-test-diff-XXXXXX", ref[64], line[1024], num[16];
	char *gen_argv[3] = { num, num + 8, pcap };
	char *ref_argv[3] = { (char *)"tests/diff/diff.conf", pcap, ref };
	u32 rules[64] = { 0 }, drops = 0, sel = 0, total, r;
	int fd = mkstemp(pcap);
	FILE *f;

	if (fd < 0)
		ksft_exit_fail_msg("mkstemp: %s\n", strerror(errno));
	close(fd);
	snprintf(ref, sizeof(ref), "%s.ref", pcap);
	snprintf(num, 8, "%u", SEED);
	snprintf(num + 8, 8, "%u", COUNT);
	cmd_gen(3, gen_argv);
	cmd_ref(3, ref_argv);
	f = fopen(ref, "r");
	if (!f)
		ksft_exit_fail_msg("%s: %s\n", ref, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "P %*d rule:%u", &r) != 1)
			continue;
		sel++;
		if (r < ARRAY_SIZE(rules))
			rules[r]++;
		if (strstr(line, " drop\n"))
			drops++;
	}
	fclose(f);
	unlink(pcap);
	unlink(ref);
	ksft_test_result(chain_rules_fire(rules, ARRAY_SIZE(rules), &r, &total),
			 "reference: each of the %u rules with a chain selects (%u do)\n", total, r);
	ksft_test_result(sel > COUNT / 5 && sel < COUNT && drops > 100,
			 "reference: %u of %u packets selected, %u dropped\n", sel, COUNT, drops);
}

/* Every op of diff.conf decides something (alert, drop or accept) at least once. */
static void check_ops(void)
{
	struct nfips_policy_env env = { .ifindex = no_ifindex };
	struct nfips_policy *policy;
	const struct nfips_rule *rule;
	struct nfips_conf conf;
	struct nfips_err err;
	struct nfips_pkt p;
	u8 pkt[MAX_PKT];
	char msg[512];
	u32 i, len, line, idle = 0;
	bool blind;

	nfips_conf_init(&conf);
	if (nfips_config_load_file("tests/diff/diff.conf", &conf, msg, sizeof(msg)))
		ksft_exit_fail_msg("%s\n", msg);
	policy = nfips_policy_build(&conf, &env, &err, &line);
	if (!policy)
		ksft_exit_fail_msg("diff.conf:%u: %s\n", line, err.msg);
	rng_state = SEED;
	for (i = 1; i <= COUNT; i++) {
		len = gen_one(pkt, i);
		if (nfips_pkt_parse(&p, pkt, len, len))
			continue;
		rule = nfips_policy_select_ex(policy, &p, &blind);
		if (rule && rule->chain && !blind)
			nfips_chain_run(policy, rule->chain, &p,
					NFIPS_NO_WORKER);
	}
	for (i = 0; i < policy->n_ops; i++) {
		const struct nfips_stats *s = &policy->ops[i]->stats;
		u64 a = nfips_counter_read(&s->alerts), d = nfips_counter_read(&s->drops),
		    c = nfips_counter_read(&s->accepts);

		ksft_print_msg("op %s: %llu packets, %llu alerts, %llu drops, %llu accepts\n",
			       policy->ops[i]->name,
			       (unsigned long long)nfips_counter_read(&s->packets),
			       (unsigned long long)a, (unsigned long long)d,
			       (unsigned long long)c);
		if (!a && !d && !c)
			idle++;
	}
	ksft_test_result(idle == 0 && policy->n_ops > 0,
			 "reference: every op of diff.conf decides on some packet (%u never do)\n",
			 idle);
	nfips_policy_destroy(policy);
}

int main(void)
{
	u64 a, b, c;

	/* The network commands run in diff.sh, not here. */
	(void)cmd_send;
	(void)cmd_recv;
	(void)cmd_kmonitor;
	(void)cmd_cmp;
	ksft_print_header();
	ksft_set_plan(16);
	a = corpus_hash(SEED);
	b = corpus_hash(SEED);
	c = corpus_hash(SEED + 1);
	ksft_test_result(a == b, "the corpus is the same for the same seed\n");
	ksft_test_result(a != c, "another seed makes another corpus\n");
	check_cover();
	check_ref();
	check_ops();
	ksft_finished();
}
