// SPDX-License-Identifier: GPL-2.0
/*
 * nfips-soak: how much of one CPU is left over (the cyclesoak method).
 *
 * A busy loop at SCHED_IDLE, pinned to the CPU under test, counts loop
 * chunks; any task or softirq on that CPU runs before it, so the chunks it
 * did NOT get through in a window are the CPU time everything else took.
 * Calibrated on the same CPU with no traffic (the idle baseline, measured
 * by the bench in the same run), the loss of soaker work per forwarded
 * packet is the IPS's CPU cost per packet. The kernel's own accounting
 * (/proc/stat) cannot give this here: it samples per tick (HZ=250, no
 * IRQ_TIME_ACCOUNTING), so short softirq bursts after idle are invisible.
 *
 * Usage: nfips-soak --cpu N --ms WINDOW [--delay-ms D] [--ctl-cpu M]
 * Waits D ms (the traffic ramping up), then counts for WINDOW ms and prints
 *   soak cpu N chunks C window_ns T rate_per_s R
 * The timing thread runs on --ctl-cpu (default: any CPU but N), so the
 * soaker's CPU sees only two cache-line reads of the counter per window.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "nfips_args.h"
#include "rude.h"

/* One chunk: long enough that the counter's store is a small part of the
 * loop, short enough (well under a microsecond) that a window's count is
 * exact to a chunk. */
#define CHUNK 256

static _Atomic unsigned long long chunks;
static atomic_bool stop_soak;

static void *soak(void *arg)
{
	struct sched_param sp = { .sched_priority = 0 };
	unsigned long long n = 0;
	int i;

	(void)arg;
	/* SCHED_IDLE: below every normal task and the softirq threads, so it
	 * only ever gets what the IPS leaves. */
	if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp))
		fprintf(stderr, "nfips-soak: SCHED_IDLE: %s\n", strerror(errno));
	while (!atomic_load_explicit(&stop_soak, memory_order_relaxed)) {
		for (i = 0; i < CHUNK; i++)
			__asm__ volatile("" ::: "memory");
		atomic_store_explicit(&chunks, ++n, memory_order_relaxed);
	}
	return NULL;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Every number on the command line goes through the tools' one checked
 * parser (nfips_rude_opt_u32 in rude_lib.c). */
static int parse_num(const char *opt, const char *s, u32 lo, u32 hi, u32 *v)
{
	return nfips_rude_opt_u32("nfips-soak", opt, s, lo, hi, v);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nfips-soak --cpu N --ms WINDOW [--delay-ms D] [--ctl-cpu M]\n"
		   "  counts SCHED_IDLE busy-loop chunks on CPU N for WINDOW ms after D ms;\n"
		   "  prints: soak cpu N chunks C window_ns T rate_per_s R\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "ms", required_argument, NULL, 'm' },
		{ "delay-ms", required_argument, NULL, 'd' },
		{ "ctl-cpu", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	u32 cpu = 0, ms = 0, delay = 0, ctl = 0;
	bool have_cpu = false, have_ctl = false;
	unsigned long long c0, c1, t0, t1;
	cpu_set_t set;
	pthread_attr_t attr;
	pthread_t th;
	long ncpu;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (parse_num("--cpu", optarg, 0, CPU_SETSIZE - 1, &cpu))
				return 2;
			have_cpu = true;
			break;
		case 'm':
			if (parse_num("--ms", optarg, 1, 3600000, &ms))
				return 2;
			break;
		case 'd':
			if (parse_num("--delay-ms", optarg, 0, 3600000, &delay))
				return 2;
			break;
		case 'C':
			if (parse_num("--ctl-cpu", optarg, 0, CPU_SETSIZE - 1, &ctl))
				return 2;
			have_ctl = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_cpu || !ms || optind != argc) {
		usage(stderr);
		return 2;
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (!have_ctl)
		ctl = cpu == 0 && ncpu > 1 ? 1 : 0;
	if (ctl == cpu && ncpu > 1)
		fprintf(stderr, "nfips-soak: the timing thread shares CPU %u with the soaker\n", cpu);

	/* The timer thread (this one) off the soaked CPU. */
	CPU_ZERO(&set);
	CPU_SET(ctl, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "nfips-soak: --ctl-cpu %u: %s\n", ctl, strerror(errno));
		return 1;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_attr_init(&attr) ||
	    pthread_attr_setaffinity_np(&attr, sizeof(set), &set) ||
	    pthread_create(&th, &attr, soak, NULL)) {
		fprintf(stderr, "nfips-soak: cannot start the soaker on CPU %u\n", cpu);
		return 1;
	}
	pthread_attr_destroy(&attr);

	sleep_ms(delay);
	c0 = atomic_load_explicit(&chunks, memory_order_relaxed);
	t0 = now_ns();
	sleep_ms(ms);
	c1 = atomic_load_explicit(&chunks, memory_order_relaxed);
	t1 = now_ns();
	atomic_store(&stop_soak, true);
	pthread_join(th, NULL);

	printf("soak cpu %u chunks %llu window_ns %llu rate_per_s %.1f\n", cpu, c1 - c0, t1 - t0,
	       (double)(c1 - c0) * 1e9 / (double)(t1 - t0));
	return 0;
}
