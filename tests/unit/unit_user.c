// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space side of unit_lib.c (nfips_test_ops.ko has its own in
 * tests/kmod/opvec/opvec.c): the registry, the seed, files.
 *
 * The registry: every op-module of both twins,
 * linked in statically. nfips_ops.h is generated from opmodules/opmodules.mk
 * (tests/unit/build.mk), one NFIPS_OP(<type>) per type. In the kernel,
 * nfips_test_ops.ko uses nfips.ko's registry instead (tests/kmod/opvec/).
 */
#include <stdio.h>
#include <stdlib.h>

#include "kselftest.h"
#include "unit_lib.h"

int unit_op_refs;

#define NFIPS_OP(t)	extern struct nfips_op_ops nfips_op_##t##_ops;
#include "nfips_ops.h"
#undef NFIPS_OP

static struct nfips_op_ops *const types[] = {
#define NFIPS_OP(t)	&nfips_op_##t##_ops,
#include "nfips_ops.h"
#undef NFIPS_OP
};

const struct nfips_op_ops *nfips_op_get(const char *name, struct nfips_err *err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		if (!strcmp(types[i]->name, name)) {
			unit_op_refs++;
			return types[i];
		}
	}
	nfips_err_set(err, "unknown op-module type '%s'", name);
	return NULL;
}

void nfips_op_put(const struct nfips_op_ops *ops)
{
	(void)ops;
	unit_op_refs--;
}

const struct nfips_op_ops *unit_op_get(const char *type, struct nfips_err *err)
{
	return nfips_op_get(type, err);
}

void unit_op_put(const struct nfips_op_ops *ops)
{
	nfips_op_put(ops);
}

u32 unit_random_div = 1;

/* NFIPS_UNIT_SEED from the environment, else @def. */
u64 unit_seed(u64 def)
{
	const char *s = getenv("NFIPS_UNIT_SEED");

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static char *tmpdir_made;

static void tmpdir_remove(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir_made);
	if (system(cmd))
		ksft_print_msg("could not remove %s\n", tmpdir_made);
}

/* Make the directory of template @dir (...XXXXXX); removed at exit. */
int unit_tmpdir(char *dir, size_t cap)
{
	(void)cap;
	if (!mkdtemp(dir))
		return -1;
	tmpdir_made = dir;
	atexit(tmpdir_remove);
	return 0;
}

int unit_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f) ? -1 : 0;
}
