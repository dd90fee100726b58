// SPDX-License-Identifier: GPL-2.0
/*
 * nfips-crude's per-flow statistics on hand-computed examples: CRUDE's
 * received / out-of-sequence / loss / jitter / throughput, and the delay
 * distribution (nearest-rank median and p99) beyond it.
 */
#include <math.h>
#include "unit_check.h"
#include "rude.h"

#define MS	1000000ull
#define BASE	(1000ull * 1000000000ull)	/* tx times around t = 1000 s */

/* |a - b| < 1 ns, in seconds */
#define NEAR(a, b)	(fabs((a) - (b)) < 1e-9)

struct pkt {
	u32 seq, bytes;
	u64 tx_ms, delay_ms;
};

/*
 * Five packets; seq 2 arrives after seq 3 (16 ms delay), seq 4 is lost.
 *   delays 1 3 2 16 2 ms: average 24/5 = 4.8 ms
 *   |differences| 2 1 14 14: jitter 31/4 = 7.75 ms, maximum 14 ms
 *   received 5, out of sequence 1 (seq 2 <= 3), loss 5 - 0 + 1 - 5 = 1
 *   rx 1001 1013 1032 1036 1052 ms: 600 bytes from first to last in 51 ms
 *   sorted delays 1 2 2 3 16: median (rank 3) 2 ms, p99 (rank 5) 16 ms
 */
static const struct pkt example[] = {
	{ 0, 100, 0, 1 }, { 1, 100, 10, 3 }, { 3, 100, 30, 2 },
	{ 2, 100, 20, 16 }, { 5, 200, 50, 2 },
};

static void feed(struct nfips_crude_flow *f, const struct pkt *p, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		nfips_crude_flow_add(f, p[i].seq, p[i].bytes,
				     BASE + p[i].tx_ms * MS,
				     BASE + (p[i].tx_ms + p[i].delay_ms) * MS);
}

static void test_example(void)
{
	struct nfips_crude_summary s;
	struct nfips_crude_flow f;
	s64 samples[16];
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	CASE_BEGIN();
	nfips_crude_flow_init(&f, 10, samples, ARRAY_SIZE(samples));
	feed(&f, example, ARRAY_SIZE(example));
	nfips_crude_flow_summary(&f, &s);
	EXPECT_EQ(s.id, 10);
	EXPECT_EQ(s.received, 5);
	EXPECT_EQ(s.out_of_seq, 1);
	EXPECT_EQ(s.lost, 1);
	EXPECT_EQ(s.bytes, 600);
	EXPECT_EQ(s.first_seq, 0);
	EXPECT_EQ(s.last_seq, 5);
	EXPECT(NEAR(s.delay_avg_s, 0.0048));
	EXPECT(NEAR(s.jitter_s, 0.00775));
	EXPECT(NEAR(s.jitter_max_s, 0.014));
	EXPECT(fabs(s.throughput_Bps - 600 / 0.051) < 1e-6);
	EXPECT(NEAR(s.delay_min_s, 0.001));
	EXPECT(NEAR(s.delay_max_s, 0.016));
	EXPECT(NEAR(s.delay_median_s, 0.002));
	EXPECT(NEAR(s.delay_p99_s, 0.016));
	EXPECT_EQ(s.samples, 5);
	EXPECT_EQ(s.samples_dropped, 0);
	out = open_memstream(&text, &len);
	nfips_crude_summary_print(&s, out);
	fclose(out);
	/* CRUDE's print_stats() layout, trailing blanks included. */
	EXPECT_HAS(text, "\nFlow_ID=10 \n");
	EXPECT_HAS(text, "Packets: received=5   out-of-seq=1   lost(est)=1 \n");
	EXPECT_HAS(text, "Total bytes received=600 \n");
	EXPECT_HAS(text, "Sequence numbers: first=0   last=5 \n");
	EXPECT_HAS(text, "Delay: average = 0.004800   jitter=0.007750   seconds \n");
	EXPECT_HAS(text, "Absolute maximum jitter=0.014000   seconds \n");
	EXPECT_HAS(text, "Throughput=11764.7   Bps  (from first to last packet received) \n");
	EXPECT_HAS(text, "Delay (nfips-crude): min=0.001000   median=0.002000   p99=0.016000   max=0.016000   seconds   (5 samples, 0 not kept) \n");
	free(text);
	CASE_END("hand example: loss, out-of-sequence, jitter, throughput, median, p99");
}

/* Past its capacity a flow still counts everything, except in the median/p99. */
static void test_capacity(void)
{
	struct nfips_crude_summary s;
	struct nfips_crude_flow f;
	s64 samples[3];

	CASE_BEGIN();
	nfips_crude_flow_init(&f, 1, samples, ARRAY_SIZE(samples));
	feed(&f, example, ARRAY_SIZE(example));
	nfips_crude_flow_summary(&f, &s);
	EXPECT_EQ(s.received, 5);
	EXPECT_EQ(s.samples, 3);
	EXPECT_EQ(s.samples_dropped, 2);
	EXPECT(NEAR(s.delay_avg_s, 0.0048));
	EXPECT(NEAR(s.delay_max_s, 0.016));	/* from a packet not kept */
	EXPECT(NEAR(s.delay_median_s, 0.002));	/* of 1 3 2 */
	EXPECT(NEAR(s.delay_p99_s, 0.003));
	/* No buffer at all: CRUDE's statistics still work. */
	nfips_crude_flow_init(&f, 1, NULL, 100);
	feed(&f, example, ARRAY_SIZE(example));
	nfips_crude_flow_summary(&f, &s);
	EXPECT_EQ(s.samples, 0);
	EXPECT_EQ(s.samples_dropped, 5);
	EXPECT(NEAR(s.jitter_s, 0.00775));
	EXPECT(s.delay_median_s == 0);
	CASE_END("sample buffer bound: statistics stay exact, percentiles of the kept samples");
}

static void test_ranks(void)
{
	struct nfips_crude_summary s;
	struct nfips_crude_flow f;
	static s64 samples[1000];
	u32 i;

	CASE_BEGIN();
	/* Delays 100..1 ms in reverse order: p99 = 99 ms, median = 50 ms. */
	nfips_crude_flow_init(&f, 2, samples, ARRAY_SIZE(samples));
	for (i = 0; i < 100; i++)
		nfips_crude_flow_add(&f, i, 20, BASE, BASE + (100 - i) * MS);
	nfips_crude_flow_summary(&f, &s);
	EXPECT(NEAR(s.delay_median_s, 0.050));
	EXPECT(NEAR(s.delay_p99_s, 0.099));
	EXPECT(NEAR(s.delay_min_s, 0.001));
	EXPECT(NEAR(s.delay_max_s, 0.100));
	EXPECT(NEAR(s.jitter_s, 0.001));
	EXPECT(NEAR(s.delay_avg_s, 0.0505));
	/* 1000 samples 1..1000 us: p99 = rank 990, median = rank 500. */
	nfips_crude_flow_init(&f, 2, samples, ARRAY_SIZE(samples));
	for (i = 0; i < 1000; i++)
		nfips_crude_flow_add(&f, i, 20, BASE, BASE + (u64)(i + 1) * 1000);
	nfips_crude_flow_summary(&f, &s);
	EXPECT(NEAR(s.delay_median_s, 500e-6));
	EXPECT(NEAR(s.delay_p99_s, 990e-6));
	/* Two samples: median is the lower (rank 1), p99 the upper. */
	nfips_crude_flow_init(&f, 2, samples, ARRAY_SIZE(samples));
	nfips_crude_flow_add(&f, 0, 20, BASE, BASE + 4 * MS);
	nfips_crude_flow_add(&f, 1, 20, BASE, BASE + 2 * MS);
	nfips_crude_flow_summary(&f, &s);
	EXPECT(NEAR(s.delay_median_s, 0.002));
	EXPECT(NEAR(s.delay_p99_s, 0.004));
	CASE_END("nearest-rank median and p99");
}

static void test_edges(void)
{
	struct nfips_crude_summary s;
	struct nfips_crude_flow f;
	s64 samples[8];

	CASE_BEGIN();
	/* Nothing received. */
	nfips_crude_flow_init(&f, 3, samples, ARRAY_SIZE(samples));
	nfips_crude_flow_summary(&f, &s);
	EXPECT_EQ(s.received, 0);
	EXPECT_EQ(s.lost, 0);
	/* One packet: no jitter, no throughput (no interval). */
	nfips_crude_flow_add(&f, 7, 100, BASE, BASE + 5 * MS);
	nfips_crude_flow_summary(&f, &s);
	EXPECT_EQ(s.first_seq, 7);
	EXPECT_EQ(s.last_seq, 7);
	EXPECT_EQ(s.lost, 0);
	EXPECT(s.jitter_s == 0 && s.throughput_Bps == 0);
	EXPECT(NEAR(s.delay_median_s, 0.005));
	/* A duplicate is out of sequence and makes the loss estimate negative. */
	nfips_crude_flow_init(&f, 3, samples, ARRAY_SIZE(samples));
	nfips_crude_flow_add(&f, 0, 100, BASE, BASE + MS);
	nfips_crude_flow_add(&f, 0, 100, BASE, BASE + 2 * MS);
	nfips_crude_flow_add(&f, 1, 100, BASE + MS, BASE + 3 * MS);
	nfips_crude_flow_summary(&f, &s);
	EXPECT_EQ(s.out_of_seq, 1);
	EXPECT_EQ(s.lost, -1);
	/* Not starting at 0: loss counts from the first sequence received. */
	nfips_crude_flow_init(&f, 3, samples, ARRAY_SIZE(samples));
	nfips_crude_flow_add(&f, 100, 100, BASE, BASE + MS);
	nfips_crude_flow_add(&f, 104, 100, BASE, BASE + MS);
	nfips_crude_flow_summary(&f, &s);
	EXPECT_EQ(s.lost, 3);
	EXPECT_EQ(s.out_of_seq, 0);
	/* A clock behind the sender's: negative delays are kept as they are. */
	nfips_crude_flow_init(&f, 3, samples, ARRAY_SIZE(samples));
	nfips_crude_flow_add(&f, 0, 100, BASE + 3 * MS, BASE + MS);
	nfips_crude_flow_summary(&f, &s);
	EXPECT(NEAR(s.delay_avg_s, -0.002));
	EXPECT(NEAR(s.delay_min_s, -0.002));
	CASE_END("no packet, one packet, duplicates, late start, negative delay");
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(4);
	test_example();
	test_capacity();
	test_ranks();
	test_edges();
	ksft_finished();
}
