// SPDX-License-Identifier: GPL-2.0
/* Config-file parser: every statement, every error with its line number. */
#include "kselftest.h"
#include "nfips_conf_text.h"
#include "unit_lib.h"

static const char good[] =
	"# nfips.conf\n"
	"queue   workers=2 maxlen=4096 overflow=accept\n"
	"op      nullscan  header  sig=null action=drop\n"
	"op      evil      bm      pattern=\"EV#IL\" pattern=|de ad| \\\n"
	"                          nocase   # a comment\n"
	"op      delay     sleep   usec=100\n"
	"chain   web       nullscan evil delay\n"
	"chain   empty\n"
	"select  dst=10.0.2.0/24 proto=udp dport=5000-6000 chain=web\n"
	"select  src=2001:db8::/32 family=ipv6 chain=empty\n"
	"select  any bypass\n";

static void test_good(void)
{
	struct nfips_conf conf, again;
	struct nfips_err err;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	u32 line;
	int ret;

	ret = nfips_config_parse(good, sizeof(good) - 1, &conf, &err, &line);
	ksft_test_result(!ret, "good config parses%s%s\n", ret ? ": " : "",
			 ret ? err.msg : "");
	if (ret)
		return;
	ksft_test_result(conf.queue.workers == 2 && conf.queue.maxlen == 4096 &&
			 conf.queue.overflow == NFIPS_OVERFLOW_ACCEPT,
			 "queue statement\n");
	ksft_test_result(conf.n_ops == 3 && !strcmp(conf.ops[1].type, "bm") &&
			 conf.ops[1].line == 4 &&
			 !strcmp(conf.ops[1].args,
				 "pattern=\"EV#IL\" pattern=|de ad|                            nocase   "),
			 "op statement keeps args, continuation and line\n");
	ksft_test_result(conf.n_chains == 2 && conf.chains[0].n_ops == 3 &&
			 conf.chains[0].ops[2] == 2 && conf.chains[1].n_ops == 0,
			 "chain statements\n");
	ksft_test_result(conf.n_rules == 3 && conf.rules[0].chain == 0 &&
			 conf.rules[0].match.dport_lo == 5000 &&
			 conf.rules[0].match.dport_hi == 6000 &&
			 conf.rules[0].match.dst_plen == 24 &&
			 conf.rules[1].match.family == 6 &&
			 conf.rules[2].chain == NFIPS_BYPASS &&
			 conf.rules[2].match.fields == 0 && conf.rules[2].line == 11,
			 "select statements\n");

	/* Writing the config and parsing it again gives the same config. */
	f = open_memstream(&text, &len);
	nfips_config_write(&conf, f);
	fclose(f);
	ret = nfips_config_parse(text, len, &again, &err, &line);
	ksft_test_result(!ret && again.n_ops == conf.n_ops &&
			 again.n_rules == conf.n_rules &&
			 !memcmp(&again.rules[0].match, &conf.rules[0].match,
				 sizeof(conf.rules[0].match)) &&
			 !memcmp(&again.rules[1].match, &conf.rules[1].match,
				 sizeof(conf.rules[1].match)) &&
			 !strcmp(again.ops[1].args, conf.ops[1].args),
			 "write then parse round-trips\n");
	if (!ret)
		nfips_conf_free(&again);
	free(text);
	nfips_conf_free(&conf);
}

static const struct {
	const char *text;
	u32 line;
	const char *msg;	/* a part of the message */
} bad[] = {
	{ "bogus x\n", 1, "unknown statement 'bogus'" },
	{ "\n\nqueue workers=999\n", 3, "out of range" },
	{ "queue maxlen=0\n", 1, "out of range" },
	{ "queue overflow=maybe\n", 1, "'maybe' is not one of drop, accept" },
	{ "queue color=red\n", 1, "unknown argument 'color'" },
	{ "op a\n", 1, "missing op type name" },
	{ "op a bm pattern=\"open\n", 1, "unterminated quote" },
	{ "op a bm pattern=|0g|\n", 0, NULL },	/* hex checked by the op */
	{ "op a bm x=1\nop a bm y=2\n", 2, "op 'a' is defined twice" },
	{ "op b@d bm\n", 1, "op name 'b@d' is not valid" },
	{ "chain c nothere\n", 1, "chain 'c': unknown op 'nothere'" },
	{ "op a sleep usec=1\nchain c a\nchain c a\n", 3, "chain 'c' is defined twice" },
	{ "select any\n", 1, "exactly one of chain=NAME or bypass" },
	{ "select any chain=nope\n", 1, "unknown chain 'nope'" },
	{ "select dst=10.0.0.300 bypass\n", 1, "not an IPv4 or IPv6 address" },
	{ "select dst=10.0.0.0/33 bypass\n", 1, "bad prefix length" },
	{ "select src=::1 dst=1.2.3.4 bypass\n", 1, "mixes IPv4 and IPv6" },
	{ "select dport=80 bypass\n", 1, "need proto" },
	{ "select proto=tcp dport=90-80 bypass\n", 1, "not a port or port range" },
	{ "select proto=xyz bypass\n", 1, "'xyz' is not tcp" },
	{ "select family=ipv4 src=::/0 bypass\n", 1, "mixes IPv4 and IPv6" },
	{ "select colour=red bypass\n", 1, "unknown match 'colour'" },
	{ "select proto=tcp proto=udp bypass\n", 1, "given twice" },
};

static void test_bad(void)
{
	struct nfips_conf conf;
	struct nfips_err err;
	size_t i;
	u32 line;
	int ret;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err.msg[0] = '\0';
		ret = nfips_config_parse(bad[i].text, strlen(bad[i].text),
					 &conf, &err, &line);
		if (!bad[i].msg) {
			ksft_test_result(!ret, "config accepted: %s", bad[i].text);
			if (!ret)
				nfips_conf_free(&conf);
			continue;
		}
		ksft_test_result(ret < 0 && line == bad[i].line &&
				 strstr(err.msg, bad[i].msg),
				 "config rejected at line %u (%s): %s\n",
				 bad[i].line, err.msg, bad[i].msg);
		if (!ret)
			nfips_conf_free(&conf);
	}
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(6 + ARRAY_SIZE(bad));
	test_good();
	test_bad();
	ksft_finished();
}
