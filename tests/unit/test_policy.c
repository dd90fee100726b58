// SPDX-License-Identifier: GPL-2.0
/*
 * Policy: build (and its errors), select (first match wins, every match
 * field at its edges) and chain runs (order, short-cuts, alerts, counters).
 * Policies are written as config text; the config parser has its own test.
 */
#include <arpa/inet.h>
#include "unit_check.h"
#include "nfips_conf_text.h"

/* The twin's interface table: eth0 = 2, lo = 1, everything else missing. */
static int fake_ifindex(void *ctx, const char *name)
{
	(void)ctx;
	if (!strcmp(name, "eth0"))
		return 2;
	if (!strcmp(name, "lo"))
		return 1;
	return 0;
}

#define MAX_ALERTS 16
static struct {
	const struct nfips_chain *chain;
	const struct nfips_op *op;
	const struct nfips_pkt *pkt;
	void *ctx;
	int result;
} alerts[MAX_ALERTS];
static u32 n_alerts;

static void record_alert(void *ctx, const struct nfips_chain *chain,
			 const struct nfips_op *op, const struct nfips_pkt *pkt,
			 int result)
{
	if (n_alerts < MAX_ALERTS) {
		alerts[n_alerts].result = result;
		alerts[n_alerts].chain = chain;
		alerts[n_alerts].op = op;
		alerts[n_alerts].pkt = pkt;
		alerts[n_alerts].ctx = ctx;
	}
	n_alerts++;
}

static int ctx_token;
static const struct nfips_policy_env env = {
	.ifindex = fake_ifindex, .alert = record_alert, .ctx = &ctx_token,
};

static struct nfips_policy *build(const char *text)
{
	struct nfips_policy *p;
	struct nfips_conf conf;
	struct nfips_err err;
	u32 line = 0;

	if (nfips_config_parse(text, strlen(text), &conf, &err, &line))
		ksft_exit_fail_msg("config line %u: %s\n", line, err.msg);
	p = nfips_policy_build(&conf, &env, &err, &line);
	if (!p)
		ksft_exit_fail_msg("build line %u: %s\n", line, err.msg);
	if (conf.n_ops || conf.n_chains || conf.n_rules || conf.ops)
		ksft_exit_fail_msg("the built policy did not take the conf over\n");
	return p;
}

/* A packet view with only what selection reads. */
struct fpkt {
	const char *src, *dst;
	u8 proto;
	int sport, dport;	/* < 0: no L4 header (flags without NFIPS_PKT_L4) */
	int ifindex;
};

static struct nfips_pkt view(const struct fpkt *f)
{
	struct nfips_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = strchr(f->src, ':') ? 6 : 4;
	if (inet_pton(p.family == 6 ? AF_INET6 : AF_INET, f->src, p.saddr) != 1 ||
	    inet_pton(p.family == 6 ? AF_INET6 : AF_INET, f->dst, p.daddr) != 1)
		ksft_exit_fail_msg("bad test address %s / %s\n", f->src, f->dst);
	p.l4_proto = f->proto;
	if (f->sport >= 0) {
		p.flags = NFIPS_PKT_L4;
		p.sport = (u16)f->sport;
		p.dport = (u16)f->dport;
	} else {
		p.flags = NFIPS_PKT_FRAG | NFIPS_PKT_FRAG_LATER;
	}
	p.ifindex = f->ifindex;
	return p;
}

#define V4(s, d, pr, sp, dp)	{ s, d, pr, sp, dp, 2 }
#define TCP	NFIPS_PROTO_TCP
#define UDP	NFIPS_PROTO_UDP

static const struct {
	const char *match;
	struct fpkt pkt;
	bool hit;
} matches[] = {
	{ "any", V4("1.2.3.4", "5.6.7.8", 99, -1, -1), true },
	{ "src=0.0.0.0/0", V4("255.255.255.255", "0.0.0.0", TCP, 1, 2), true },
	{ "src=0.0.0.0/0", V4("::1", "::2", TCP, 1, 2), false },
	{ "dst=::/0", V4("2001:db8::1", "ffff::", UDP, 1, 2), true },
	{ "dst=::/0", V4("10.0.0.1", "10.0.0.2", UDP, 1, 2), false },
	{ "dst=10.0.2.0/23", V4("1.1.1.1", "10.0.2.0", TCP, 1, 2), true },
	{ "dst=10.0.2.0/23", V4("1.1.1.1", "10.0.3.255", TCP, 1, 2), true },
	{ "dst=10.0.2.0/23", V4("1.1.1.1", "10.0.4.0", TCP, 1, 2), false },
	{ "dst=10.0.2.0/23", V4("1.1.1.1", "10.0.1.255", TCP, 1, 2), false },
	{ "dst=10.0.2.0/23", V4("10.0.2.1", "1.1.1.1", TCP, 1, 2), false },
	{ "dst=10.0.3.7/23", V4("1.1.1.1", "10.0.2.9", TCP, 1, 2), true },
	{ "src=128.0.0.0/1", V4("128.0.0.0", "1.1.1.1", TCP, 1, 2), true },
	{ "src=128.0.0.0/1", V4("127.255.255.255", "1.1.1.1", TCP, 1, 2), false },
	{ "src=192.168.1.1/32", V4("192.168.1.1", "1.1.1.1", TCP, 1, 2), true },
	{ "src=192.168.1.1/32", V4("192.168.1.0", "1.1.1.1", TCP, 1, 2), false },
	{ "src=192.168.1.1", V4("192.168.1.1", "1.1.1.1", TCP, 1, 2), true },
	{ "src=192.168.1.1", V4("192.168.1.3", "1.1.1.1", TCP, 1, 2), false },
	{ "dst=2001:db8::/127", V4("::1", "2001:db8::", TCP, 1, 2), true },
	{ "dst=2001:db8::/127", V4("::1", "2001:db8::1", TCP, 1, 2), true },
	{ "dst=2001:db8::/127", V4("::1", "2001:db8::2", TCP, 1, 2), false },
	{ "dst=2001:db8::/127", V4("::1", "2001:db9::", TCP, 1, 2), false },
	{ "dst=2001:db8::1/128", V4("::1", "2001:db8::1", TCP, 1, 2), true },
	{ "dst=2001:db8::1/128", V4("::1", "2001:db8::", TCP, 1, 2), false },
	{ "dst=2001:db8:8000::/33", V4("::1", "2001:db8:ffff::", TCP, 1, 2), true },
	{ "dst=2001:db8:8000::/33", V4("::1", "2001:db8:7fff:ffff::", TCP, 1, 2), false },
	{ "src=10.0.0.0/8 dst=192.168.0.0/16", V4("10.9.9.9", "192.168.5.5", TCP, 1, 2), true },
	{ "src=10.0.0.0/8 dst=192.168.0.0/16", V4("10.9.9.9", "192.169.5.5", TCP, 1, 2), false },
	{ "src=10.0.0.0/8 dst=192.168.0.0/16", V4("11.9.9.9", "192.168.5.5", TCP, 1, 2), false },
	{ "proto=udp", V4("1.1.1.1", "2.2.2.2", UDP, 1, 2), true },
	{ "proto=udp", V4("1.1.1.1", "2.2.2.2", TCP, 1, 2), false },
	{ "proto=47", V4("1.1.1.1", "2.2.2.2", 47, -1, -1), true },
	{ "proto=tcp", V4("1.1.1.1", "2.2.2.2", TCP, -1, -1), true },
	{ "proto=tcp dport=1000-2000", V4("1.1.1.1", "2.2.2.2", TCP, 5, 999), false },
	{ "proto=tcp dport=1000-2000", V4("1.1.1.1", "2.2.2.2", TCP, 5, 1000), true },
	{ "proto=tcp dport=1000-2000", V4("1.1.1.1", "2.2.2.2", TCP, 5, 2000), true },
	{ "proto=tcp dport=1000-2000", V4("1.1.1.1", "2.2.2.2", TCP, 5, 2001), false },
	{ "proto=tcp dport=1000-2000", V4("1.1.1.1", "2.2.2.2", UDP, 5, 1500), false },
	{ "proto=tcp sport=0", V4("1.1.1.1", "2.2.2.2", TCP, 0, 9), true },
	{ "proto=tcp sport=0", V4("1.1.1.1", "2.2.2.2", TCP, 1, 9), false },
	{ "proto=udp sport=65535", V4("1.1.1.1", "2.2.2.2", UDP, 65535, 9), true },
	{ "proto=udp sport=65535", V4("1.1.1.1", "2.2.2.2", UDP, 65534, 9), false },
	{ "proto=tcp dport=0-65535", V4("1.1.1.1", "2.2.2.2", TCP, 7, 65535), true },
	{ "proto=tcp dport=0-65535", V4("1.1.1.1", "2.2.2.2", TCP, -1, -1), false },
	{ "proto=tcp sport=0-65535", V4("1.1.1.1", "2.2.2.2", TCP, -1, -1), false },
	{ "proto=tcp sport=10-20 dport=80", V4("1.1.1.1", "2.2.2.2", TCP, 20, 80), true },
	{ "proto=tcp sport=10-20 dport=80", V4("1.1.1.1", "2.2.2.2", TCP, 21, 80), false },
	{ "proto=tcp sport=10-20 dport=80", V4("1.1.1.1", "2.2.2.2", TCP, 10, 81), false },
	{ "family=ipv6", V4("::1", "::2", UDP, 1, 2), true },
	{ "family=ipv6", V4("1.1.1.1", "2.2.2.2", UDP, 1, 2), false },
	{ "family=ipv4", V4("1.1.1.1", "2.2.2.2", UDP, 1, 2), true },
	{ "family=ipv4", V4("::1", "::2", UDP, 1, 2), false },
	{ "iif=eth0", { "1.1.1.1", "2.2.2.2", UDP, 1, 2, 2 }, true },
	{ "iif=eth0", { "1.1.1.1", "2.2.2.2", UDP, 1, 2, 1 }, false },
	{ "iif=eth0", { "1.1.1.1", "2.2.2.2", UDP, 1, 2, 0 }, false },
	{ "iif=lo family=ipv6", { "::1", "::1", UDP, 1, 2, 1 }, true },
};

static void test_matches(void)
{
	char text[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(matches); i++) {
		struct nfips_pkt pkt = view(&matches[i].pkt);
		const struct nfips_rule *r;
		struct nfips_policy *p;

		snprintf(text, sizeof(text), "select %s bypass\n", matches[i].match);
		p = build(text);
		CASE_BEGIN();
		r = nfips_policy_select(p, &pkt);
		EXPECT_EQ(r != NULL, matches[i].hit);
		EXPECT_EQ(nfips_counter_read(&p->rules[0].packets), matches[i].hit);
		CASE_END("select %s: %s -> %s proto %u ports %d/%d iif %d%s: %s",
			 matches[i].match, matches[i].pkt.src, matches[i].pkt.dst,
			 matches[i].pkt.proto, matches[i].pkt.sport,
			 matches[i].pkt.dport, matches[i].pkt.ifindex,
			 matches[i].pkt.sport < 0 ? " (no L4)" : "",
			 matches[i].hit ? "match" : "no match");
		nfips_policy_destroy(p);
	}
}

static void test_first_match(void)
{
	static const char text[] =
		"op a header sig=null\n"
		"chain c1 a\n"
		"chain c2 a\n"
		"select dst=10.0.2.0/24 proto=udp dport=5000-6000 chain=c1\n"
		"select dst=10.0.0.0/8 chain=c2\n"
		"select src=2001:db8::/32 bypass\n";
	static const struct {
		struct fpkt pkt;
		int line;	/* of the rule selected; 0: none */
	} t[] = {
		{ V4("1.1.1.1", "10.0.2.5", UDP, 1, 5000), 4 },
		{ V4("1.1.1.1", "10.0.2.5", UDP, 1, 6000), 4 },
		{ V4("1.1.1.1", "10.0.2.5", UDP, 1, 4999), 5 },
		{ V4("1.1.1.1", "10.0.2.5", TCP, 1, 5000), 5 },
		{ V4("1.1.1.1", "10.0.3.1", UDP, 1, 5000), 5 },
		{ V4("1.1.1.1", "10.0.2.5", UDP, -1, -1), 5 },
		{ V4("1.1.1.1", "11.0.0.1", UDP, 1, 5000), 0 },
		{ V4("2001:db8::1", "::2", UDP, 1, 5000), 6 },
		{ V4("2001:db9::1", "::2", UDP, 1, 5000), 0 },
	};
	struct nfips_policy *p = build(text);
	u64 want[3] = { 0 };
	size_t i;

	CASE_BEGIN();
	EXPECT_EQ(p->n_rules, 3);
	EXPECT(p->rules[0].chain == &p->chains[0]);
	EXPECT(p->rules[1].chain == &p->chains[1]);
	EXPECT(p->rules[2].chain == NULL);
	EXPECT(!strcmp(p->chains[1].name, "c2") && p->chains[1].n_ops == 1 &&
	       p->chains[1].ops[0] == p->ops[0] && !strcmp(p->ops[0]->name, "a"));
	CASE_END("built: rules point at their chains, bypass at none");

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct nfips_pkt pkt = view(&t[i].pkt);
		const struct nfips_rule *r = nfips_policy_select(p, &pkt);

		CASE_BEGIN();
		EXPECT_EQ(r ? (int)r->line : 0, t[i].line);
		if (t[i].line)
			want[t[i].line - 4]++;
		if (t[i].line)
			CASE_END("first match: %s %s proto %u dport %d -> the rule on line %d",
				 t[i].pkt.src, t[i].pkt.dst, t[i].pkt.proto,
				 t[i].pkt.dport, t[i].line);
		else
			CASE_END("first match: %s %s proto %u dport %d -> no rule (NULL)",
				 t[i].pkt.src, t[i].pkt.dst, t[i].pkt.proto,
				 t[i].pkt.dport);
	}
	CASE_BEGIN();
	for (i = 0; i < 3; i++)
		EXPECT_EQ(nfips_counter_read(&p->rules[i].packets), want[i]);
	CASE_END("rule packet counters: %llu %llu %llu",
		 (unsigned long long)want[0], (unsigned long long)want[1],
		 (unsigned long long)want[2]);
	nfips_policy_destroy(p);
}

static const struct nfips_op *op_named(const struct nfips_policy *p,
				       const char *name)
{
	u32 i;

	for (i = 0; i < p->n_ops; i++)
		if (!strcmp(p->ops[i]->name, name))
			return p->ops[i];
	ksft_exit_fail_msg("no op %s\n", name);
	return NULL;
}

static struct nfips_chain *chain_named(const struct nfips_policy *p,
				       const char *name)
{
	u32 i;

	for (i = 0; i < p->n_chains; i++)
		if (!strcmp(p->chains[i].name, name))
			return &p->chains[i];
	ksft_exit_fail_msg("no chain %s\n", name);
	return NULL;
}

/* Run chain @name on @pkt as a caller outside any worker. */
static int run_chain(const struct nfips_policy *p, const char *name,
		     const struct nfips_pkt *pkt)
{
	return nfips_chain_run(p, chain_named(p, name), pkt, NFIPS_NO_WORKER);
}

#define RD(c)	nfips_counter_read(&(c))

static void expect_op_stats(const struct nfips_policy *p, const char *name,
			    u64 packets, u64 accepts, u64 drops, u64 alerts)
{
	const struct nfips_stats *s = &op_named(p, name)->stats;

	if (RD(s->packets) != packets || RD(s->accepts) != accepts ||
	    RD(s->drops) != drops || RD(s->alerts) != alerts) {
		ksft_print_msg("op %s: packets %llu accepts %llu drops %llu alerts %llu, want %llu %llu %llu %llu\n",
			       name, (unsigned long long)RD(s->packets),
			       (unsigned long long)RD(s->accepts),
			       (unsigned long long)RD(s->drops),
			       (unsigned long long)RD(s->alerts),
			       (unsigned long long)packets,
			       (unsigned long long)accepts,
			       (unsigned long long)drops,
			       (unsigned long long)alerts);
		unit_case_ok = false;
	}
}

static void expect_chain_stats(const struct nfips_policy *p, const char *name,
			       u64 packets, u64 accepts, u64 drops, u64 alerts)
{
	const struct nfips_stats *s = &chain_named(p, name)->stats;

	EXPECT_EQ(RD(s->packets), RD(s->accepts) + RD(s->drops));
	if (RD(s->packets) != packets || RD(s->accepts) != accepts ||
	    RD(s->drops) != drops || RD(s->alerts) != alerts) {
		ksft_print_msg("chain %s: packets %llu accepts %llu drops %llu alerts %llu, want %llu %llu %llu %llu\n",
			       name, (unsigned long long)RD(s->packets),
			       (unsigned long long)RD(s->accepts),
			       (unsigned long long)RD(s->drops),
			       (unsigned long long)RD(s->alerts),
			       (unsigned long long)packets,
			       (unsigned long long)accepts,
			       (unsigned long long)drops,
			       (unsigned long long)alerts);
		unit_case_ok = false;
	}
}

static void test_chains(void)
{
	static const char text[] =
		"op a1    header flags=0/0 action=alert\n"	/* every TCP segment */
		"op a2    bm pattern=EVIL action=alert\n"
		"op d     header sig=null action=drop\n"
		"op after bm pattern=EVIL action=alert\n"
		"op acc   header flags=0/0 action=accept\n"
		"op never bm pattern=NEVER\n"
		"chain dropc a1 a2 d after\n"
		"chain accc  a1 acc d after\n"
		"chain empty\n"
		"chain clean never\n"
		"select any chain=dropc\n";
	static const char *const chains[] = { "dropc", "accc", "empty", "clean" };
	struct unit_l4 evil = { .proto = NFIPS_PROTO_TCP, .sport = 1, .dport = 2,
				.tcp_flags = 0, .payload = "an EVIL null scan",
				.payload_len = 17 };
	struct unit_l4 fine = { .proto = NFIPS_PROTO_TCP, .sport = 1, .dport = 2,
				.tcp_flags = NFIPS_TCP_SYN, .payload = "hello",
				.payload_len = 5 };
	static u8 b1[128], b2[128];
	struct nfips_pkt p1, p2;
	struct nfips_policy *p;
	int v;
	size_t i;

	unit_view(&p1, b1, unit_build_pkt(b1, 4, &evil));
	unit_view(&p2, b2, unit_build_pkt(b2, 6, &fine));
	p = build(text);

	CASE_BEGIN();
	EXPECT_EQ(unit_op_refs, 6);
	n_alerts = 0;
	v = run_chain(p, "dropc", &p1);
	EXPECT_EQ(v, NFIPS_DROP);
	EXPECT_EQ(n_alerts, 3);
	EXPECT(alerts[0].op == op_named(p, "a1") && alerts[1].op == op_named(p, "a2") &&
	       alerts[2].op == op_named(p, "d"));
	/* The callback gets each op's own result: two alert-and-continue, one drop. */
	EXPECT(alerts[0].result == (NFIPS_CONTINUE | NFIPS_ALERT) &&
	       alerts[1].result == (NFIPS_CONTINUE | NFIPS_ALERT) &&
	       alerts[2].result == (NFIPS_DROP | NFIPS_ALERT));
	for (i = 0; i < 3; i++)
		EXPECT(alerts[i].chain == chain_named(p, "dropc") &&
		       alerts[i].pkt == &p1 && alerts[i].ctx == &ctx_token);
	EXPECT_EQ(RD(op_named(p, "after")->stats.packets), 0);
	CASE_END("drop chain: a1 and a2 alert, d drops (and alerts), after never runs");

	CASE_BEGIN();
	n_alerts = 0;
	v = run_chain(p, "accc", &p1);
	EXPECT_EQ(v, NFIPS_ACCEPT);
	EXPECT_EQ(n_alerts, 1);
	EXPECT(alerts[0].op == op_named(p, "a1") &&
	       alerts[0].chain == chain_named(p, "accc"));
	EXPECT_EQ(RD(op_named(p, "d")->stats.packets), 1);	/* from dropc only */
	CASE_END("accept short-cuts the rest of the chain (d would drop)");

	CASE_BEGIN();
	n_alerts = 0;
	EXPECT_EQ(run_chain(p, "empty", &p1), NFIPS_ACCEPT);
	EXPECT_EQ(run_chain(p, "clean", &p1), NFIPS_ACCEPT);
	EXPECT_EQ(n_alerts, 0);
	CASE_END("an empty chain and a chain without matches accept");

	CASE_BEGIN();
	n_alerts = 0;
	EXPECT_EQ(run_chain(p, "dropc", &p2), NFIPS_ACCEPT);
	EXPECT_EQ(run_chain(p, "accc", &p2), NFIPS_ACCEPT);
	EXPECT_EQ(run_chain(p, "empty", &p2), NFIPS_ACCEPT);
	EXPECT_EQ(run_chain(p, "clean", &p2), NFIPS_ACCEPT);
	EXPECT_EQ(n_alerts, 2);
	EXPECT(alerts[0].op == op_named(p, "a1") && alerts[1].op == op_named(p, "a1") &&
	       alerts[0].chain == chain_named(p, "dropc") &&
	       alerts[1].chain == chain_named(p, "accc") && alerts[1].pkt == &p2);
	CASE_END("an IPv6 SYN runs every chain to its end or accept");

	CASE_BEGIN();
	expect_op_stats(p, "a1", 4, 0, 0, 4);
	expect_op_stats(p, "a2", 2, 0, 0, 1);
	expect_op_stats(p, "d", 2, 0, 1, 1);
	expect_op_stats(p, "after", 1, 0, 0, 0);
	expect_op_stats(p, "acc", 2, 2, 0, 0);
	expect_op_stats(p, "never", 2, 0, 0, 0);
	CASE_END("op counters (an op shared by two chains counts both)");

	CASE_BEGIN();
	expect_chain_stats(p, "dropc", 2, 1, 1, 4);
	expect_chain_stats(p, "accc", 2, 2, 0, 2);
	expect_chain_stats(p, "empty", 2, 2, 0, 0);
	expect_chain_stats(p, "clean", 2, 2, 0, 0);
	{
		u64 op_alerts = 0, ch_alerts = 0, ch_packets = 0, ch_verdicts = 0;

		for (i = 0; i < p->n_ops; i++)
			op_alerts += RD(p->ops[i]->stats.alerts);
		for (i = 0; i < ARRAY_SIZE(chains); i++) {
			const struct nfips_stats *s = &chain_named(p, chains[i])->stats;

			ch_alerts += RD(s->alerts);
			ch_packets += RD(s->packets);
			ch_verdicts += RD(s->accepts) + RD(s->drops);
		}
		EXPECT_EQ(op_alerts, ch_alerts);
		EXPECT_EQ(ch_packets, 8);
		EXPECT_EQ(ch_verdicts, ch_packets);
	}
	CASE_END("chain counters balance: packets = accepts + drops, alerts = op alerts");

	nfips_policy_destroy(p);
	ksft_test_result(unit_op_refs == 0, "destroy releases every op (%d left)\n",
			 unit_op_refs);
}

/* A config whose build fails; the conf must come back whole. */
static void test_build_errors(void)
{
	static const struct {
		const char *text;
		bool with_env;
		u32 line;
		const char *msg;
	} t[] = {
		{ "op a header sig=null\n"
		  "op b nosuch x=1\n"
		  "chain c a b\n"
		  "select any chain=c\n",
		  true, 2, "op 'b': unknown op-module type 'nosuch'" },
		{ "op a header sig=null\n"
		  "op s sleep usec=1\n"
		  "op b bm pattern=EVIL depth=2\n"
		  "chain c a s b\n"
		  "select any chain=c\n",
		  true, 3, "op 'b' (bm): argument 'depth': 2 is shorter than a 4-byte pattern" },
		{ "\n# first\nop x header sig=nil\n"
		  "op b bm pattern=EVIL\n",
		  true, 3, "op 'x' (header): argument 'sig': 'nil' is not one of null, xmas, synfin" },
		{ "op s sleep usec=1 usec=2000000\n",
		  true, 1, "op 's' (sleep): argument 'usec': 2000000 is out of range" },
		{ "op a header sig=null\n"
		  "chain c a\n"
		  "select iif=eth0 chain=c\n"
		  "select iif=nope0 chain=c\n",
		  true, 4, "select: interface 'nope0' does not exist" },
		{ "op a header sig=null\n"
		  "chain c a\n"
		  "select iif=eth0 chain=c\n",
		  false, 3, "select: interface 'eth0' does not exist" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct nfips_conf conf, copy;
		struct nfips_policy *p;
		struct nfips_err err;
		u32 line = 0, j;

		if (nfips_config_parse(t[i].text, strlen(t[i].text), &conf, &err,
				       &line))
			ksft_exit_fail_msg("config: %s\n", err.msg);
		/* Shallow copy of the counts and pointers to compare with. */
		copy = conf;
		CASE_BEGIN();
		line = 12345;
		err.msg[0] = '\0';
		p = nfips_policy_build(&conf, t[i].with_env ? &env : NULL, &err,
				       &line);
		EXPECT(!p);
		EXPECT_EQ(line, t[i].line);
		EXPECT_HAS(err.msg, t[i].msg);
		EXPECT_EQ(unit_op_refs, 0);
		EXPECT_EQ(conf.n_ops, copy.n_ops);
		EXPECT_EQ(conf.n_chains, copy.n_chains);
		EXPECT_EQ(conf.n_rules, copy.n_rules);
		EXPECT(conf.ops == copy.ops && conf.chains == copy.chains &&
		       conf.rules == copy.rules);
		for (j = 0; j < conf.n_ops; j++)
			EXPECT(conf.ops[j].args && conf.ops[j].line);
		nfips_policy_destroy(p);
		CASE_END("build fails at line %u: %s", t[i].line, err.msg);
		nfips_conf_free(&conf);
	}

	/* The conf handed back can be built once the world is right. */
	CASE_BEGIN();
	{
		static const char text[] =
			"op a header sig=null\nchain c a\nselect iif=lo chain=c\n";
		struct nfips_policy *p;
		struct nfips_conf conf;
		struct nfips_err err;
		u32 line = 0;

		if (nfips_config_parse(text, strlen(text), &conf, &err, &line))
			ksft_exit_fail_msg("config: %s\n", err.msg);
		p = nfips_policy_build(&conf, NULL, &err, &line);
		EXPECT(!p);
		EXPECT_EQ(conf.n_ops, 1);
		p = nfips_policy_build(&conf, &env, &err, &line);
		EXPECT(p);
		EXPECT_EQ(conf.n_ops, 0);
		EXPECT_EQ(unit_op_refs, 1);
		if (p) {
			EXPECT_EQ(p->rules[0].ifindex, 1);
			EXPECT_EQ(p->conf.n_ops, 1);
		}
		nfips_policy_destroy(p);
		nfips_conf_free(&conf);
		EXPECT_EQ(unit_op_refs, 0);
	}
	CASE_END("a conf handed back by a failed build builds later");
}

/*
 * The per-worker scratch of the op contract (nfips_op.h): a type with
 * ->scratch_alloc gets one scratch per declared worker plus one for callers
 * outside a worker, each worker's chain run hands its own to ->process, and
 * nfips_op_free() frees them all.
 */
static int scratch_live;
static void *scratch_seen;

static int scratch_process(const struct nfips_op *op,
			   const struct nfips_pkt *pkt, void *scratch)
{
	(void)op;
	(void)pkt;
	scratch_seen = scratch;
	return NFIPS_CONTINUE;
}

static void *scratch_alloc(const struct nfips_op *op)
{
	(void)op;
	scratch_live++;
	return malloc(1);
}

static void scratch_free(const struct nfips_op *op, void *scratch)
{
	(void)op;
	scratch_live--;
	free(scratch);
}

static const struct nfips_op_ops scratch_ops = {
	.process	= scratch_process,
	.scratch_alloc	= scratch_alloc,
	.scratch_free	= scratch_free,
	.name		= "scratchy",
};

static void test_scratch(void)
{
	struct nfips_policy pol = { 0 };
	struct nfips_chain chain = { .n_ops = 1 };
	struct nfips_op *op = nfips_op_alloc(&scratch_ops, 0);
	struct nfips_pkt pkt = { 0 };
	struct nfips_err err = { 0 };
	u32 w;

	CASE_BEGIN();
	EXPECT(op);
	if (!op)
		goto out;
	chain.ops = &op;
	nfips_op_workers_set(3);
	EXPECT_EQ(nfips_op_scratch_init(op, &err), 0);
	EXPECT_EQ(op->n_scratch, 4);
	EXPECT_EQ(scratch_live, 4);
	for (w = 0; w < 3 && op->n_scratch == 4; w++) {
		scratch_seen = NULL;
		nfips_chain_run(&pol, &chain, &pkt, w);
		EXPECT(scratch_seen == op->scratch[w]);
	}
	if (op->n_scratch == 4) {
		EXPECT(op->scratch[0] != op->scratch[1]);
		nfips_chain_run(&pol, &chain, &pkt, NFIPS_NO_WORKER);
		EXPECT(scratch_seen == op->scratch[3]);
		scratch_seen = NULL;
		nfips_op_process(op, &pkt);
		EXPECT(scratch_seen == op->scratch[3]);
	}
	nfips_op_free(op);
	EXPECT_EQ(scratch_live, 0);
out:
	nfips_op_workers_set(0);
	CASE_END("per-worker scratch: one per worker plus one outside, each worker's to its chain run, all freed");
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(matches) + 1 + 9 + 1 + 6 + 1 + 6 + 1 + 1 + 1);
	test_matches();
	test_first_match();
	test_chains();
	test_build_errors();
	test_scratch();
	ksft_test_result(unit_op_refs == 0, "no op-module reference left (%d)\n",
			 unit_op_refs);
	ksft_finished();
}
