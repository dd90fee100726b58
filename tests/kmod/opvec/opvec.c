// SPDX-License-Identifier: GPL-2.0
/*
 * nfips_test_ops.ko: the op-modules' unit vectors in the kernel (issue 13,
 * STYLE.md principle 10: the same vectors in both twins). The unit tests
 * tests/unit/test_header.c, test_bm.c and test_ac.c (their boundary cases,
 * bad arguments, patterns files, limits and the randomised cross-checks
 * against a naive search) are built into this module unchanged, with
 * kselftest.h and the libc calls they use supplied by ./kselftest.h, and
 * run at load time against the op types registered with nfips.ko (its
 * registry autoloads nfips_op_<type>.ko): the kernel build of each
 * op-module, with kmalloc'd exact-size packets (KASAN sees an overread).
 *
 * Each test is one TAP "program" in the kernel log, lines tagged with the
 * tag= parameter; tests/kmod/t_12_opvectors.sh loads the module, turns the
 * lines into its own TAP and unloads it. Nothing else loads it: it has no
 * alias, and it is built only from a repo checkout (not the DKMS sources).
 *
 * Parameters: tag= (the run's tag), dir= (an existing directory for ac's
 * patterns files), seed= (0: each test's own default seed, as in the unit
 * tier).
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/ktime.h>

#include "kselftest.h"
#include "unit_lib.h"

char *nfips_opvec_tag = "opvec";
module_param_named(tag, nfips_opvec_tag, charp, 0444);
MODULE_PARM_DESC(tag, "tag on every kernel log line of this run");

static char *dir = "";
module_param(dir, charp, 0444);
MODULE_PARM_DESC(dir, "existing directory for the ac patterns files");

static unsigned long long seed;
module_param(seed, ullong, 0444);
MODULE_PARM_DESC(seed, "seed of the randomised cross-checks (0: their defaults)");

u32 unit_random_div = 1;
module_param_named(random_div, unit_random_div, uint, 0444);
MODULE_PARM_DESC(random_div, "divide the randomised cross-checks' rounds by this (debug kernel: 10)");

struct nfips_opvec_counts nfips_opvec;
int unit_op_refs;

const struct nfips_op_ops *unit_op_get(const char *type, struct nfips_err *err)
{
	const struct nfips_op_ops *ops = nfips_op_get(type, err);

	if (ops)
		unit_op_refs++;
	return ops;
}

void unit_op_put(const struct nfips_op_ops *ops)
{
	nfips_op_put(ops);
	unit_op_refs--;
}

u64 unit_seed(u64 def)
{
	return seed ? seed : def;
}

int unit_tmpdir(char *d, size_t cap)
{
	if (!*dir || strscpy(d, dir, cap) < 0)
		return -1;
	return 0;
}

/* In the loading process's context (insmod): its root and credentials. */
int unit_write_file(const char *path, const void *data, size_t len)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	int ret = 0;

	f = filp_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (IS_ERR(f))
		return -1;
	n = kernel_write(f, data, len, &pos);
	if (n < 0 || (size_t)n != len)
		ret = -1;
	if (filp_close(f, NULL))
		ret = -1;
	return ret;
}

/* The unit tests' main()s, renamed by Kbuild (-Dmain=...). */
int nfips_opvec_header_main(void);
int nfips_opvec_bm_main(void);
int nfips_opvec_ac_main(void);

static const struct {
	const char *name;
	int (*main)(void);
} programs[] = {
	{ "test_header", nfips_opvec_header_main },
	{ "test_bm", nfips_opvec_bm_main },
	{ "test_ac", nfips_opvec_ac_main },
};

static int __init nfips_opvec_init(void)
{
	unsigned int i, failed = 0;

	for (i = 0; i < ARRAY_SIZE(programs); i++) {
		u64 t0 = ktime_get_ns();
		int ret;

		nfips_opvec_line("# program %s\n", programs[i].name);
		ret = programs[i].main();
		nfips_opvec_line("# program %s: %s, %llu ms\n", programs[i].name,
				 ret ? "FAILED" : "passed",
				 (ktime_get_ns() - t0) / NSEC_PER_MSEC);
		failed += ret != 0;
	}
	nfips_opvec_line("# done: %u programs, %u failed\n",
			 (unsigned int)ARRAY_SIZE(programs), failed);
	/* Loaded either way: t_12 reads the verdicts from the log. */
	return 0;
}

static void __exit nfips_opvec_exit(void)
{
}

module_init(nfips_opvec_init);
module_exit(nfips_opvec_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nfips: the op-modules' unit vectors run in the kernel (tests only)");
