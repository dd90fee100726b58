/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's stand-in for kselftest.h and the bit of libc that the unit
 * vectors use (tests/unit/test_bm.c, test_ac.c, test_header.c, unit_lib.c),
 * so that the same files build into nfips_test_ops.ko (tests/kmod/opvec/).
 * Only that module's objects see this header (-I in Kbuild comes before
 * tests/unit; the user-space build extracts the real one).
 *
 * TAP goes to the kernel log, each line "nfips_test_ops: [<tag>] <line>",
 * and t_12_opvectors.sh picks out its own run by the tag. The kernel cannot
 * exit a "program": ksft_exit_fail_msg() prints "Bail out!", and the caller
 * carries on (unit_run_payload() refuses a NULL op) to its end.
 */
#ifndef NFIPS_OPVEC_KSELFTEST_H
#define NFIPS_OPVEC_KSELFTEST_H

#include "nfips_compat.h"
#include <linux/mm.h>
#include <linux/sched.h>

extern char *nfips_opvec_tag;

struct nfips_opvec_counts {
	unsigned int n, pass, fail, plan, bail;
};
extern struct nfips_opvec_counts nfips_opvec;

#define nfips_opvec_line(fmt, ...) \
	pr_info("[%s] " fmt, nfips_opvec_tag, ##__VA_ARGS__)

#define ksft_print_header() do {					\
	memset(&nfips_opvec, 0, sizeof(nfips_opvec));			\
	nfips_opvec_line("TAP version 13\n");				\
} while (0)

#define ksft_set_plan(n_) do {						\
	nfips_opvec.plan = (n_);					\
	nfips_opvec_line("1..%u\n", nfips_opvec.plan);			\
} while (0)

#define ksft_print_msg(fmt, ...) nfips_opvec_line("# " fmt, ##__VA_ARGS__)

#define ksft_test_result(cond, fmt, ...) do {				\
	bool _ok = (cond);						\
	nfips_opvec.n++;						\
	if (_ok)							\
		nfips_opvec.pass++;					\
	else								\
		nfips_opvec.fail++;					\
	nfips_opvec_line("%s %u - " fmt, _ok ? "ok" : "not ok",	\
			 nfips_opvec.n, ##__VA_ARGS__);			\
} while (0)

#define ksft_exit_fail_msg(fmt, ...) do {				\
	nfips_opvec.bail++;						\
	nfips_opvec_line("Bail out! " fmt, ##__VA_ARGS__);		\
} while (0)

/* The end of a "program" (its main): the counts, and 0 when all passed. */
#define ksft_finished() do {						\
	nfips_opvec_line("# Totals: pass:%u fail:%u plan:%u\n",	\
			 nfips_opvec.pass, nfips_opvec.fail,		\
			 nfips_opvec.plan);				\
	return nfips_opvec.fail || nfips_opvec.bail ||			\
	       nfips_opvec.n != nfips_opvec.plan;			\
} while (0)

/* Each test's main(), renamed nfips_opvec_<test>_main by Kbuild. */
#ifdef main
int main(void);
#endif

/* Test code allocates in process context (module init). */
#define malloc(size)	kvmalloc(size, GFP_KERNEL)
#define free(p)		kvfree(p)

#endif
