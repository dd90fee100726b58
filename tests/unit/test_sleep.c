// SPDX-License-Identifier: GPL-2.0
/*
 * sleep op-module: arguments, and one loose lower bound on the delay. Speed
 * and exactness belong to the benchmarks: a shared CI machine can make any
 * upper bound fail, a lower bound cannot.
 */
#include "unit_check.h"

static u64 now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000 + (u64)ts.tv_nsec / 1000;
}

static int run(struct nfips_op *op)
{
	static u8 tmp[128];
	struct unit_l4 l4 = { .proto = NFIPS_PROTO_UDP, .sport = 1, .dport = 2 };
	struct nfips_pkt pkt;

	unit_view(&pkt, tmp, unit_build_pkt(tmp, 4, &l4));
	return nfips_op_process(op, &pkt);
}

static const struct {
	const char *args;
	const char *msg;
} bad[] = {
	{ "", "missing argument 'usec'" },
	{ "usec", "argument 'usec' needs a value" },
	{ "usec=1000001", "argument 'usec': 1000001 is out of range 0..1000000" },
	{ "usec=4294967296", "argument 'usec': 4294967296 is out of range 0..1000000" },
	{ "usec=-1", "argument 'usec': '-1' is not a number" },
	{ "usec=1ms", "argument 'usec': '1ms' is not a number" },
	{ "usec=10 msec=1", "unknown argument 'msec'" },
	{ "nsec=10", "unknown argument 'nsec'" },
	{ "usec=\"10", "argument 'usec': unterminated quote" },
};

int main(void)
{
	struct nfips_err err;
	struct nfips_op *op;
	u64 t0, t1;
	size_t i;

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(bad) + 4);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CASE_BEGIN();
		op = unit_op("sleep", bad[i].args, &err);
		EXPECT(!op);
		if (!op)
			EXPECT_HAS(err.msg, bad[i].msg);
		unit_op_free(op);
		EXPECT_EQ(unit_op_refs, 0);
		CASE_END("sleep '%s': %s", bad[i].args, op ? "accepted" : err.msg);
	}

	CASE_BEGIN();
	op = unit_op("sleep", "usec=0", &err);
	EXPECT(op);
	if (op)
		EXPECT_EQ(run(op), NFIPS_CONTINUE);
	unit_op_free(op);
	CASE_END("usec=0: accepted, continues");

	CASE_BEGIN();
	op = unit_op("sleep", "usec=1000000", &err);
	EXPECT(op);
	unit_op_free(op);
	op = unit_op("sleep", "usec=5 usec=0x10", &err);
	EXPECT(op);
	unit_op_free(op);
	CASE_END("usec=1000000 (the maximum) and a repeated usec are accepted");

	CASE_BEGIN();
	op = unit_op("sleep", "usec=1000", &err);
	EXPECT(op);
	if (op) {
		t0 = now_us();
		EXPECT_EQ(run(op), NFIPS_CONTINUE);
		t1 = now_us();
		if (t1 - t0 < 1000) {
			ksft_print_msg("usec=1000 took %llu us\n",
				       (unsigned long long)(t1 - t0));
			unit_case_ok = false;
		}
	}
	unit_op_free(op);
	CASE_END("usec=1000 waits at least 1000 us (lower bound only)");

	ksft_test_result(unit_op_refs == 0, "no op-module reference left (%d)\n",
			 unit_op_refs);
	ksft_finished();
}
