// SPDX-License-Identifier: GPL-2.0
/*
 * nfips-rude's script parser: every command, and every error with the
 * "file:line: reason" it reports. Trace files live in a temporary
 * directory; '@' in a case's text and message stands for that directory.
 */
#include <unistd.h>
#include <arpa/inet.h>
#include "unit_check.h"
#include "rude.h"

static char dir[64];

static void put_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		ksft_exit_fail_msg("cannot write %s\n", path);
	fputs(text, f);
	fclose(f);
}

/* Copy @in to @out with every '@' replaced by the temporary directory. */
static void subst(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + sizeof(dir) + 1 < len; in++) {
		if (*in == '@')
			n += (size_t)snprintf(out + n, len - n, "%s", dir);
		else
			out[n++] = *in;
	}
	out[n] = '\0';
}

static int parse(const char *text, u32 min, struct nfips_rude_script *s,
		 char *err)
{
	char buf[2048];

	subst(text, buf, sizeof(buf));
	return nfips_rude_script_parse(buf, strlen(buf), "t.rude", min, s, err,
				       NFIPS_RUDE_ERR_MAX);
}

#define ON1 "0 1 ON 3001 10.0.0.1:10001 CONSTANT 10 100\n"

static void test_good(void)
{
	static const char text[] =
		"# A RUDE script: comments and blank lines anywhere\n"
		"\n"
		"START NOW\n"
		"   # indented comment\n"
		"0000 0001 ON 3001 10.1.1.1:10001 CONSTANT 200 250\n"
		"TOS 0001 0x10\n"
		"10 2 ON 3002 [2001:db8::2]:10002 TRACE @/tr.txt\n"
		"500 1 MODIFY CONSTANT 0 20\n"
		"600 1 modify trace @/tr.txt\n"
		"600 2 MODIFY CONSTANT 10000000 32768\n"
		"1000 1 OFF\r\n"
		"\t2000\t2\tOFF\n";
	struct nfips_rude_script s;
	const struct sockaddr_in6 *s6;
	const struct sockaddr_in *s4;
	char err[NFIPS_RUDE_ERR_MAX];
	int ret;

	CASE_BEGIN();
	put_file("tr.txt", "# bytes seconds\n100 0.001\n\n32768 1\n20 0.5\n");
	ret = parse(text, 20, &s, err);
	EXPECT_EQ(ret, 0);
	if (ret) {
		ksft_print_msg("%s\n", err);
		CASE_END("good script parses");
		return;
	}
	EXPECT(s.start_now);
	EXPECT_EQ(s.n_flows, 2);
	EXPECT_EQ(s.n_events, 7);
	EXPECT_EQ(s.n_traces, 2);
	EXPECT_EQ(s.flows[0].id, 1);
	EXPECT_EQ(s.flows[0].sport, 3001);
	EXPECT_EQ(s.flows[0].tos, 0x10);
	EXPECT_EQ(s.flows[1].tos, -1);
	s4 = (const void *)&s.flows[0].dst;
	EXPECT_EQ(s4->sin_family, AF_INET);
	EXPECT_EQ(ntohs(s4->sin_port), 10001);
	EXPECT_EQ(ntohl(s4->sin_addr.s_addr), 0x0a010101);
	s6 = (const void *)&s.flows[1].dst;
	EXPECT_EQ(s6->sin6_family, AF_INET6);
	EXPECT_EQ(s.flows[1].dst_len, sizeof(*s6));
	EXPECT_EQ(ntohs(s6->sin6_port), 10002);
	EXPECT_EQ(s6->sin6_addr.s6_addr[15], 2);
	/* Events in file order, with their lines and parameters. */
	EXPECT_EQ(s.events[0].cmd, NFIPS_RUDE_ON);
	EXPECT_EQ(s.events[0].line, 5);
	EXPECT_EQ(s.events[0].pps, 200);
	EXPECT_EQ(s.events[0].bytes, 250);
	EXPECT_EQ(s.events[1].mode, NFIPS_RUDE_TRACE);
	EXPECT_EQ(s.events[1].flow, 1);
	EXPECT_EQ(s.events[1].t_ms, 10);
	EXPECT_EQ(s.events[2].cmd, NFIPS_RUDE_MODIFY);
	EXPECT_EQ(s.events[2].pps, 0);
	EXPECT_EQ(s.events[3].mode, NFIPS_RUDE_TRACE);
	EXPECT_EQ(s.events[3].trace, 1);
	EXPECT_EQ(s.events[4].pps, 10000000);
	EXPECT_EQ(s.events[4].bytes, 32768);
	EXPECT_EQ(s.events[5].cmd, NFIPS_RUDE_OFF);
	EXPECT_EQ(s.events[5].line, 11);
	EXPECT_EQ(s.events[5].t_ms, 1000);
	EXPECT_EQ(s.events[5].flow, 0);
	EXPECT_EQ(s.events[6].line, 12);
	/* The trace: three entries, seconds as nanoseconds. */
	EXPECT_EQ(s.traces[0].n, 3);
	EXPECT_EQ(s.traces[0].ent[0].bytes, 100);
	EXPECT_EQ(s.traces[0].ent[0].gap_ns, 1000000);
	EXPECT_EQ(s.traces[0].ent[1].gap_ns, 1000000000);
	EXPECT_EQ(s.traces[0].ent[2].bytes, 20);
	EXPECT_EQ(s.traces[0].total_ns, 1501000000);
	nfips_rude_script_free(&s);
	CASE_END("good script: every command, IPv6, traces, comments");
}

static void test_start_time(void)
{
	struct nfips_rude_script s;
	char err[NFIPS_RUDE_ERR_MAX];
	int ret;

	CASE_BEGIN();
	ret = parse("START 23:59:07\n" ON1 "5 1 OFF\n", 20, &s, err);
	EXPECT_EQ(ret, 0);
	if (!ret) {
		EXPECT(!s.start_now);
		EXPECT_EQ(s.start_hms, 23 * 3600 + 59 * 60 + 7);
		nfips_rude_script_free(&s);
	}
	CASE_END("START HH:MM:SS");
}

/* A trace file beside the script is found when the name is relative. */
static void test_trace_beside_script(void)
{
	char text[256], name[128], err[NFIPS_RUDE_ERR_MAX];
	struct nfips_rude_script s;
	int ret;

	CASE_BEGIN();
	put_file("near.txt", "64 0.25\n");
	snprintf(text, sizeof(text),
		 "START NOW\n0 1 ON 1 10.0.0.1:1 TRACE near.txt\n1 1 OFF\n");
	snprintf(name, sizeof(name), "%s/s.rude", dir);
	ret = nfips_rude_script_parse(text, strlen(text), name, 20, &s, err,
				      sizeof(err));
	EXPECT_EQ(ret, 0);
	if (!ret) {
		EXPECT_EQ(s.traces[0].ent[0].gap_ns, 250000000);
		nfips_rude_script_free(&s);
	} else {
		ksft_print_msg("%s\n", err);
	}
	CASE_END("relative trace file found beside the script");
}

static const struct {
	const char *text;
	u32 min;
	const char *msg;	/* the whole "file:line: reason" prefix that matters */
} bad[] = {
	{ "", 20, "t.rude:0: missing START" },
	{ "# only a comment\n\n", 20, "t.rude:2: missing START" },
	{ "# c\n" ON1, 20, "t.rude:2: missing START (it must be the first command)" },
	{ "TOS 1 2\nSTART NOW\n", 20, "t.rude:1: missing START" },
	{ "START NOW\nSTART NOW\n", 20, "t.rude:2: START given twice" },
	{ "START\n", 20, "t.rude:1: START needs NOW or HH:MM:SS" },
	{ "START NOW now\n", 20, "t.rude:1: START needs NOW or HH:MM:SS" },
	{ "START LATER\n", 20, "t.rude:1: bad START time 'LATER'" },
	{ "START 12:00\n", 20, "t.rude:1: bad START time '12:00'" },
	{ "START 24:00:00\n", 20, "t.rude:1: hour 24 out of range 0..23" },
	{ "START 12:60:00\n", 20, "t.rude:1: minute 60 out of range 0..59" },
	{ "START 12:00:61\n", 20, "t.rude:1: second 61 out of range 0..59" },
	{ "START 12:00:1x\n", 20, "t.rude:1: bad second '1x'" },
	{ "START 12:00:00:00\n", 20, "t.rude:1: bad second '00:00'" },
	{ "START NOW\nFOO 1 2\n", 20, "t.rude:2: unknown command 'FOO'" },
	{ "START NOW\n0 1 JUMP\n", 20, "t.rude:2: unknown command 'JUMP'" },
	{ "START NOW\n0x 1 OFF\n", 20, "t.rude:2: bad time '0x'" },
	{ "START NOW\n-5 1 OFF\n", 20, "t.rude:2: unknown command '-5'" },
	{ "START NOW\n99999999999 1 OFF\n", 20,
	  "t.rude:2: time 99999999999 out of range" },
	{ "START NOW\n0 1\n", 20, "t.rude:2: expected '<ms> <flow-id> ON|MODIFY|OFF ...'" },
	{ "START NOW\n0 a ON 3001 10.0.0.1:1 CONSTANT 1 20\n", 20,
	  "t.rude:2: bad flow id 'a'" },
	{ "START NOW\n0 1 ON 3001\n", 20, "t.rude:2: ON needs <src-port>" },
	{ "START NOW\n0 1 ON 0 10.0.0.1:1 CONSTANT 1 20\n", 20,
	  "t.rude:2: source port 0 out of range 1..65535" },
	{ "START NOW\n0 1 ON 65536 10.0.0.1:1 CONSTANT 1 20\n", 20,
	  "t.rude:2: source port 65536 out of range 1..65535" },
	{ "START NOW\n0 1 ON 1 10.0.0.1 CONSTANT 1 20\n", 20,
	  "t.rude:2: bad destination '10.0.0.1'" },
	{ "START NOW\n0 1 ON 1 10.0.0.256:1 CONSTANT 1 20\n", 20,
	  "t.rude:2: bad destination" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:0 CONSTANT 1 20\n", 20,
	  "t.rude:2: bad destination" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:65536 CONSTANT 1 20\n", 20,
	  "t.rude:2: bad destination" },
	{ "START NOW\n0 1 ON 1 host.example:1 CONSTANT 1 20\n", 20,
	  "t.rude:2: bad destination" },
	{ "START NOW\n0 1 ON 1 [2001:db8::1]10001 CONSTANT 1 20\n", 20,
	  "t.rude:2: bad destination" },
	{ "START NOW\n0 1 ON 1 [10.0.0.1]:1 CONSTANT 1 20\n", 20,
	  "t.rude:2: bad destination" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1\n", 20, "t.rude:2: missing CONSTANT or TRACE" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 POISSON 1 20\n", 20,
	  "t.rude:2: unknown flow type 'POISSON'" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 CONSTANT 1\n", 20,
	  "t.rude:2: CONSTANT needs <packets/s> <payload-bytes>" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 CONSTANT 1 20 9\n", 20,
	  "t.rude:2: CONSTANT needs" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 CONSTANT x 20\n", 20, "t.rude:2: bad rate 'x'" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 CONSTANT 10000001 20\n", 20,
	  "t.rude:2: rate 10000001 out of range 0..10000000" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 CONSTANT 1 19\n", 20,
	  "t.rude:2: payload size 19 out of range 20..32768" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 CONSTANT 1 32769\n", 20,
	  "t.rude:2: payload size 32769 out of range 20..32768" },
	/* The minimum follows the wire layout (0.8.x: 24, 0.70 64-bit: 40). */
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 CONSTANT 1 20\n", 24,
	  "t.rude:2: payload size 20 out of range 24..32768" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 CONSTANT 1 39\n", 40,
	  "t.rude:2: payload size 39 out of range 40..32768" },
	{ "START NOW\n" ON1 "0 1 ON 1 10.0.0.1:1 CONSTANT 1 20\n", 20,
	  "t.rude:3: flow 1: ON again (each flow is ON once, line 2)" },
	{ "START NOW\n" ON1 "5 1 OFF\n6 1 ON 1 10.0.0.1:1 CONSTANT 1 20\n", 20,
	  "t.rude:4: flow 1: ON again" },
	{ "START NOW\n" ON1 "5 2 MODIFY CONSTANT 1 20\n", 20, "t.rude:3: flow 2 is not ON" },
	{ "START NOW\n" ON1 "5 2 OFF\n", 20, "t.rude:3: flow 2 is not ON" },
	{ "START NOW\n" ON1 "5 1 OFF\n6 1 OFF\n", 20, "t.rude:4: flow 1 is not ON" },
	{ "START NOW\n" ON1 "5 1 OFF\n6 1 MODIFY CONSTANT 1 20\n", 20,
	  "t.rude:4: flow 1 is not ON" },
	{ "START NOW\n1000 1 ON 1 10.0.0.1:1 CONSTANT 1 20\n500 1 OFF\n", 20,
	  "t.rude:3: time goes backwards for flow 1 (500 ms after 1000 ms)" },
	{ "START NOW\n" ON1 "900 1 MODIFY CONSTANT 5 20\n800 1 OFF\n", 20,
	  "t.rude:4: time goes backwards for flow 1 (800 ms after 900 ms)" },
	{ "START NOW\n" ON1 "5 1 MODIFY\n", 20, "t.rude:3: missing CONSTANT or TRACE" },
	{ "START NOW\n" ON1 "5 1 OFF now\n", 20, "t.rude:3: unexpected 'now' after OFF" },
	{ "START NOW\nTOS 1 0x10\n" ON1, 20,
	  "t.rude:2: TOS for flow 1, which has no ON before it" },
	{ "START NOW\n" ON1 "TOS 1 256\n", 20, "t.rude:3: TOS value 256 out of range 0..255" },
	{ "START NOW\n" ON1 "TOS 1\n", 20, "t.rude:3: TOS needs <flow-id> <value>" },
	{ "START NOW\n" ON1 "TOS 1 z\n", 20, "t.rude:3: bad TOS value 'z'" },
	{ "START NOW\n", 20, "t.rude:1: no ON command" },
	{ "START NOW\n" ON1 "\n", 20, "t.rude:3: no OFF command" },
	{ "START NOW\n" ON1 "0 2 ON 1 10.0.0.1:1 CONSTANT 1 20\n9 1 OFF\n", 20,
	  "t.rude:3: flow 2 is never turned OFF" },
	{ "START NOW\n0 1 ON 1 2 3 4 5 6 7 8 9 10\n", 20, "t.rude:2: too many words" },
	/* Trace files: their own name and line in the message. */
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 TRACE\n", 20, "t.rude:2: TRACE needs <file>" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 TRACE @/none.txt\n", 20,
	  "t.rude:2: trace file '@/none.txt': No such file or directory" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 TRACE @/bad_words.txt\n", 20,
	  "@/bad_words.txt:2: expected '<bytes> <seconds-to-next>'" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 TRACE @/bad_size.txt\n", 20,
	  "@/bad_size.txt:1: payload '19' not in 20..32768" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 TRACE @/bad_secs.txt\n", 20,
	  "@/bad_secs.txt:3: bad seconds-to-next '0.0000000001'" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 TRACE @/bad_dot.txt\n", 20,
	  "@/bad_dot.txt:1: bad seconds-to-next '1.'" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 TRACE @/empty.txt\n", 20,
	  "@/empty.txt:1: trace has no entries" },
	{ "START NOW\n0 1 ON 1 10.0.0.1:1 TRACE @/zero.txt\n", 20,
	  "@/zero.txt:2: trace lasts 0 s" },
	{ "START NOW\n" ON1 "5 1 MODIFY TRACE @/bad_size.txt\n", 20,
	  "@/bad_size.txt:1: payload '19' not in 20..32768" },
};

static void test_bad(void)
{
	char err[NFIPS_RUDE_ERR_MAX], want[256];
	struct nfips_rude_script s;
	size_t i;
	int ret;

	put_file("bad_words.txt", "100 0.1\n100 0.1 7\n");
	put_file("bad_size.txt", "19 0.1\n");
	put_file("bad_secs.txt", "100 1\n100 0.5\n100 0.0000000001\n");
	put_file("bad_dot.txt", "100 1.\n");
	put_file("empty.txt", "# nothing\n");
	put_file("zero.txt", "100 0\n200 0.000\n");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		ret = parse(bad[i].text, bad[i].min, &s, err);
		subst(bad[i].msg, want, sizeof(want));
		ksft_test_result(ret == -EINVAL && !strncmp(err, want, strlen(want)),
				 "rejected: %s\n", ret ? err : "(accepted)");
		if (ret != -EINVAL || strncmp(err, want, strlen(want)))
			ksft_print_msg("wanted: %s\n", want);
		if (!ret)
			nfips_rude_script_free(&s);
	}
}

static void cleanup(void)
{
	static const char *const files[] = {
		"tr.txt", "near.txt", "bad_words.txt", "bad_size.txt",
		"bad_secs.txt", "bad_dot.txt", "empty.txt", "zero.txt",
	};
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/nfips-rude-test.XXXXXX");
	ksft_print_header();
	if (!mkdtemp(dir))
		ksft_exit_fail_msg("mkdtemp: %s\n", strerror(errno));
	ksft_set_plan(3 + ARRAY_SIZE(bad));
	test_good();
	test_start_time();
	test_trace_beside_script();
	test_bad();
	cleanup();
	ksft_finished();
}
