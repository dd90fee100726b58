// SPDX-License-Identifier: GPL-2.0
/*
 * nfips-rude's CONSTANT pacing (nfips_rude_const_deadline / _first_at):
 * one deadline per packet without --burst, one per N packets with it, the
 * same average rate, and the index the sender settles a flow at (the first
 * packet due at or after a command) consistent with the deadlines.
 */
#include "unit_check.h"
#include "rude.h"

#define NS	1000000000ull
#define T0	(5ull * NS)

static void test_single(void)
{
	CASE_BEGIN();
	/* 1000 pps: 1 ms apart, exactly. */
	EXPECT_EQ(nfips_rude_const_deadline(T0, 0, 1000, 1), T0);
	EXPECT_EQ(nfips_rude_const_deadline(T0, 1, 1000, 1), T0 + 1000000);
	EXPECT_EQ(nfips_rude_const_deadline(T0, 999, 1000, 1), T0 + 999000000);
	/* 3 pps: floor(k s / 3), no drift after a day. */
	EXPECT_EQ(nfips_rude_const_deadline(T0, 1, 3, 1), T0 + 333333333);
	EXPECT_EQ(nfips_rude_const_deadline(T0, 3 * 86400, 3, 1), T0 + 86400 * NS);
	/* The packets due before a command: 1000 pps for 1 s is 1000. */
	EXPECT_EQ(nfips_rude_const_first_at(T0, T0 + NS, 1000, 1), 1000);
	EXPECT_EQ(nfips_rude_const_first_at(T0, T0 + NS + 1, 1000, 1), 1001);
	EXPECT_EQ(nfips_rude_const_first_at(T0, T0, 1000, 1), 0);
	EXPECT_EQ(nfips_rude_const_first_at(T0, T0 - 5, 1000, 1), 0);
	CASE_END("one deadline per packet (--burst 1)");
}

static void test_burst(void)
{
	u64 k;

	CASE_BEGIN();
	/* 1000 pps in bursts of 8: 8 packets every 8 ms, all due together. */
	for (k = 0; k < 8; k++)
		EXPECT_EQ(nfips_rude_const_deadline(T0, k, 1000, 8), T0);
	EXPECT_EQ(nfips_rude_const_deadline(T0, 8, 1000, 8), T0 + 8000000);
	EXPECT_EQ(nfips_rude_const_deadline(T0, 15, 1000, 8), T0 + 8000000);
	EXPECT_EQ(nfips_rude_const_deadline(T0, 16, 1000, 8), T0 + 16000000);
	/* Same average rate: packet k's burst starts no later than k s/rate. */
	for (k = 0; k < 10000; k += 37)
		EXPECT(nfips_rude_const_deadline(T0, k, 12345, 32) <=
		       nfips_rude_const_deadline(T0, k, 12345, 1));
	EXPECT_EQ(nfips_rude_const_deadline(T0, 12345 * 32ull, 12345, 32), T0 + 32 * NS);
	/* Whole bursts: 1000 pps for 1 s in bursts of 8 = 125 bursts = 1000;
	 * in bursts of 64: 16 bursts (the 16th starts at 960 ms) = 1024. */
	EXPECT_EQ(nfips_rude_const_first_at(T0, T0 + NS, 1000, 8), 1000);
	EXPECT_EQ(nfips_rude_const_first_at(T0, T0 + NS, 1000, 64), 1024);
	EXPECT_EQ(nfips_rude_const_first_at(T0, T0 + 1, 1000, 64), 64);
	CASE_END("burst of N: N packets per deadline, every N/rate");
}

static void test_consistent(void)
{
	struct unit_rng rng;
	u32 i, pps, b;
	u64 t, k;

	CASE_BEGIN();
	unit_rng_seed(&rng, 0x5eed);
	ksft_print_msg("seed 0x5eed\n");
	for (i = 0; i < 20000; i++) {
		pps = 1 + (u32)(unit_rng_next(&rng) % NFIPS_RUDE_MAX_PPS);
		b = 1 + (u32)(unit_rng_next(&rng) % 64);
		t = T0 + unit_rng_next(&rng) % (100 * NS);
		k = nfips_rude_const_first_at(T0, t, pps, b);
		EXPECT_EQ(k % b, 0);
		EXPECT(nfips_rude_const_deadline(T0, k, pps, b) >= t);
		if (k)
			EXPECT(nfips_rude_const_deadline(T0, k - 1, pps, b) < t);
		if (!unit_case_ok) {
			ksft_print_msg("pps %u burst %u t %llu k %llu\n", pps, b,
				       (unsigned long long)(t - T0),
				       (unsigned long long)k);
			break;
		}
	}
	CASE_END("first packet at or after t agrees with the deadlines (random)");
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(3);
	test_single();
	test_burst();
	test_consistent();
	ksft_finished();
}
