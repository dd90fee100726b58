// SPDX-License-Identifier: GPL-2.0
/*
 * Harness: the config-file parser (nfips_config_parse) and what consumes its
 * result.
 *
 * Input: config text, parsed from an exact-size heap copy with no NUL after
 * it. When it parses:
 *   - the result is consistent (every index in range, every name valid);
 *   - round trip: nfips_config_write() of it parses again, to the same
 *     config (nfips_conf_text.h promises "config text that parses back to the
 *     same @conf"; op args compared as argument lists), and the written
 *     text is a fixed point: parsed and written again, it comes out equal;
 *   - the policy built from it (op-modules' ->init on the config's args) is
 *     consistent, selects on a few packets and, without sleep ops, runs the
 *     selected chain.
 */
#include "fuzz_common.h"
#include "nfips_conf_text.h"

static u8 cfg_pkts[4][256];
static u32 cfg_pkt_len[4];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct unit_l4 l4 = { .proto = NFIPS_PROTO_TCP, .sport = 1024,
			      .dport = 80, .payload = "EVIL", .payload_len = 4 };

	(void)argc;
	(void)argv;
	cfg_pkt_len[0] = unit_build_pkt(cfg_pkts[0], 4, &l4);
	cfg_pkt_len[1] = unit_build_pkt(cfg_pkts[1], 6, &l4);
	l4.proto = NFIPS_PROTO_UDP;
	l4.dport = 5000;
	cfg_pkt_len[2] = unit_build_pkt(cfg_pkts[2], 4, &l4);
	l4.proto = 99;
	cfg_pkt_len[3] = unit_build_pkt(cfg_pkts[3], 6, &l4);
	return 0;
}

static void check_conf(const struct nfips_conf *c)
{
	u32 i, j;

	FUZZ_CHECK(c->n_ops <= NFIPS_MAX_OPS && c->n_chains <= NFIPS_MAX_CHAINS &&
		   c->n_rules <= NFIPS_MAX_RULES);
	for (i = 0; i < c->n_ops; i++) {
		FUZZ_CHECK(nfips_name_valid(c->ops[i].name, strlen(c->ops[i].name)));
		FUZZ_CHECK(nfips_name_valid(c->ops[i].type, strlen(c->ops[i].type)));
		FUZZ_CHECK(c->ops[i].args && strlen(c->ops[i].args) <= NFIPS_ARGS_MAX);
	}
	for (i = 0; i < c->n_chains; i++) {
		FUZZ_CHECK(nfips_name_valid(c->chains[i].name,
					    strlen(c->chains[i].name)));
		FUZZ_CHECK(c->chains[i].n_ops <= NFIPS_CHAIN_MAX_OPS);
		for (j = 0; j < c->chains[i].n_ops; j++)
			FUZZ_CHECK(c->chains[i].ops[j] < c->n_ops);
	}
	for (i = 0; i < c->n_rules; i++) {
		const struct nfips_match *m = &c->rules[i].match;

		FUZZ_CHECK(c->rules[i].chain == NFIPS_BYPASS ||
			   (c->rules[i].chain >= 0 &&
			    (u32)c->rules[i].chain < c->n_chains));
		FUZZ_CHECK(!(m->fields & (NFIPS_M_SRC | NFIPS_M_DST)) ||
			   m->family == 4 || m->family == 6);
		FUZZ_CHECK(m->src_plen <= (m->family == 4 ? 32 : 128) &&
			   m->dst_plen <= (m->family == 4 ? 32 : 128));
		FUZZ_CHECK(m->sport_lo <= m->sport_hi && m->dport_lo <= m->dport_hi);
		FUZZ_CHECK(memchr(m->iif, '\0', sizeof(m->iif)));
	}
}

/*
 * Two op argument texts say the same: the same arguments, in order. Blanks
 * between and after arguments carry no meaning (a lone CR before a comment
 * stays in the args as read, but is a line ending once written).
 */
static bool args_same(const char *a, const char *b)
{
	struct nfips_args ia, ib;
	struct nfips_arg xa, xb;
	struct nfips_err err;
	int ra, rb;

	if (nfips_args_init(&ia, a, &err) || nfips_args_init(&ib, b, &err))
		return false;
	do {
		ra = nfips_args_next(&ia, &xa, &err);
		rb = nfips_args_next(&ib, &xb, &err);
		if (ra != rb)
			return false;
		if (ra <= 0)
			break;
		if (strcmp(xa.key, xb.key) || !xa.val != !xb.val ||
		    xa.val_len != xb.val_len ||
		    (xa.val && memcmp(xa.val, xb.val, xa.val_len)))
			return false;
	} while (1);
	return ra == 0;
}

/* The first difference between @a and @b, or NULL when they are equal. */
static const char *conf_diff(const struct nfips_conf *a,
			     const struct nfips_conf *b)
{
	u32 i;

	if (memcmp(&a->queue, &b->queue, sizeof(a->queue)))
		return "queue";
	if (a->n_ops != b->n_ops || a->n_chains != b->n_chains ||
	    a->n_rules != b->n_rules)
		return "number of ops, chains or rules";
	for (i = 0; i < a->n_ops; i++)
		if (strcmp(a->ops[i].name, b->ops[i].name) ||
		    strcmp(a->ops[i].type, b->ops[i].type) ||
		    !args_same(a->ops[i].args, b->ops[i].args))
			return "an op";
	for (i = 0; i < a->n_chains; i++)
		if (strcmp(a->chains[i].name, b->chains[i].name) ||
		    a->chains[i].n_ops != b->chains[i].n_ops ||
		    memcmp(a->chains[i].ops, b->chains[i].ops,
			   a->chains[i].n_ops * sizeof(u32)))
			return "a chain";
	for (i = 0; i < a->n_rules; i++)
		if (a->rules[i].chain != b->rules[i].chain ||
		    memcmp(&a->rules[i].match, &b->rules[i].match,
			   sizeof(a->rules[i].match)))
			return "a select rule";
	return NULL;
}

static char *write_conf(const struct nfips_conf *c, size_t *len)
{
	char *text = NULL;
	FILE *f;

	f = open_memstream(&text, len);
	FUZZ_CHECK(f);
	FUZZ_CHECK(!nfips_config_write(c, f));
	FUZZ_CHECK(!fclose(f));
	return text;
}

static int env_ifindex(void *ctx, const char *name)
{
	(void)ctx;
	if (!strcmp(name, "lo"))
		return 1;
	if (!strcmp(name, "eth0"))
		return 2;
	return 0;
}

static void run_policy(struct nfips_conf *conf)
{
	const struct nfips_policy_env env = { .ifindex = env_ifindex };
	const struct nfips_rule *rule;
	struct nfips_policy *p;
	struct nfips_pkt pkt;
	struct nfips_err err;
	int refs = unit_op_refs;	/* a program may hold others */
	bool sleeps = false;
	u32 line = 0, i;
	int v;

	memset(&err, 0, sizeof(err));
	p = nfips_policy_build(conf, &env, &err, &line);
	if (!p) {
		FUZZ_CHECK(err.msg[0], "(policy refused without a reason)");
		FUZZ_CHECK(unit_op_refs == refs, "(op references leaked)");
		return;		/* @conf is handed back, the caller frees it */
	}
	FUZZ_CHECK(conf->n_ops == 0 && conf->ops == NULL);
	for (i = 0; i < p->n_ops; i++) {
		FUZZ_CHECK(p->ops[i] && p->ops[i]->ops);
		if (!strcmp(p->ops[i]->ops->name, "sleep"))
			sleeps = true;
	}
	for (i = 0; i < ARRAY_SIZE(cfg_pkts); i++) {
		FUZZ_CHECK(!nfips_pkt_parse(&pkt, cfg_pkts[i], cfg_pkt_len[i], cfg_pkt_len[i]));
		pkt.ifindex = (int)i % 3;
		rule = nfips_policy_select(p, &pkt);
		if (!rule || !rule->chain || sleeps)
			continue;
		v = nfips_chain_run(p, rule->chain, &pkt, NFIPS_NO_WORKER);
		FUZZ_CHECK(v == NFIPS_ACCEPT || v == NFIPS_DROP);
	}
	nfips_policy_destroy(p);
	FUZZ_CHECK(unit_op_refs == refs, "(op references leaked)");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nfips_conf conf, again;
	struct nfips_err err;
	char *text, *text2, *copy;
	size_t len, len2;
	const char *diff;
	u32 line;
	int ret;

	copy = (char *)fuzz_dup(data, size);
	memset(&err, 0, sizeof(err));
	ret = nfips_config_parse(copy, size, &conf, &err, &line);
	free(copy);
	if (ret) {
		FUZZ_CHECK(err.msg[0], "(refused without a reason)");
		FUZZ_CHECK(conf.n_ops == 0 && conf.ops == NULL);
		return 0;
	}
	check_conf(&conf);

	text = write_conf(&conf, &len);
	ret = nfips_config_parse(text, len, &again, &err, &line);
	FUZZ_CHECK(!ret, "(written config does not parse: line %u: %s\n%s)",
		   line, err.msg, text);
	diff = conf_diff(&conf, &again);
	FUZZ_CHECK(!diff, "(written config parses to a different %s:\n%s)",
		   diff, text);
	/* Stable: what was written once is written the same ever after. */
	text2 = write_conf(&again, &len2);
	nfips_conf_free(&again);
	ret = nfips_config_parse(text2, len2, &again, &err, &line);
	FUZZ_CHECK(!ret, "(rewritten config does not parse: line %u: %s)",
		   line, err.msg);
	free(text);
	text = write_conf(&again, &len);
	FUZZ_CHECK(len == len2 && !memcmp(text, text2, len),
		   "(writing is not stable:\n%s\n---\n%s)", text2, text);
	free(text);
	free(text2);
	nfips_conf_free(&again);

	run_policy(&conf);
	nfips_conf_free(&conf);
	return 0;
}
