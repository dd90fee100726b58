// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the libFuzzer harnesses (fuzz_common.h). */
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

void fuzz_fail(const char *file, int line, const char *cond,
	       const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "==fuzz== property violated at %s:%d: expected %s",
		file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

bool fuzz_strict(void)
{
	static int strict = -1;

	if (strict < 0)
		strict = getenv("NFIPS_FUZZ_STRICT") != NULL;
	return strict;
}

u8 *fuzz_dup(const u8 *data, size_t size)
{
	/* ASan's malloc(0) is a distinct pointer with no readable byte. */
	u8 *p = malloc(size);

	if (!p)
		abort();
	if (size)
		memcpy(p, data, size);
	return p;
}

char *fuzz_strdup(const u8 *data, size_t size)
{
	char *p = malloc(size + 1);

	if (!p)
		abort();
	if (size)
		memcpy(p, data, size);
	p[size] = '\0';
	return p;
}

static u8 fold(u8 c, bool nocase)
{
	return nocase && c >= 'A' && c <= 'Z' ? (u8)(c + 32) : c;
}

bool fuzz_naive_find(const u8 *t, u32 n, const u8 *pat, u32 m, bool nocase)
{
	u32 i, j;

	for (i = 0; m <= n && i <= n - m; i++) {
		for (j = 0; j < m; j++)
			if (fold(t[i + j], nocase) != fold(pat[j], nocase))
				break;
		if (j == m)
			return true;
	}
	return false;
}

/*
 * The file jail of the RUDE script harness. A fuzzed script names trace
 * files; rude_lib.o is built for fuzzing with its fopen() renamed to
 * nfips_fuzz_fopen() (tests/fuzz/build.mk), which serves read-only, relative
 * names from one scratch directory holding a few trace files and nothing
 * else. NFIPS_FUZZ_JAIL names the directory; by default a fresh one in $TMPDIR.
 */
char fuzz_jail_dir[PATH_MAX];

static const struct {
	const char *name;
	const char *text;
} jail_files[] = {
	{ "trace.txt", "# bytes seconds-to-next\n100 0.001\n1400 0.0005\n\n20 1\n" },
	{ "one.trace", "250 0.002\n" },
	{ "zero.trace", "100 0\n200 0\n" },
	{ "bad.trace", "100 soon\n" },
	{ "big.trace", "32768 0.1\n32769 0.1\n" },
	{ "empty.trace", "" },
	/* patterns-file= of the ac harness (fuzz_ac.c) */
	{ "pats.txt", "# comment\nsig0001\n\n\"quoted pat\"\r\n|de ad|\nEVIL\nEV\n" },
	{ "badpat.txt", "ok\n|zz|\n" },
};

static void jail_cleanup(void)
{
	char path[PATH_MAX + 64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(jail_files); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_jail_dir,
			 jail_files[i].name);
		unlink(path);
	}
	rmdir(fuzz_jail_dir);
}

int fuzz_jail_init(void)
{
	const char *env = getenv("NFIPS_FUZZ_JAIL");
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX + 64];
	size_t i;
	FILE *f;

	if (env && *env) {
		snprintf(fuzz_jail_dir, sizeof(fuzz_jail_dir), "%s", env);
		mkdir(fuzz_jail_dir, 0700);
	} else {
		snprintf(fuzz_jail_dir, sizeof(fuzz_jail_dir),
			 "%s/nfips-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(fuzz_jail_dir))
			return -errno;
		atexit(jail_cleanup);
	}
	for (i = 0; i < ARRAY_SIZE(jail_files); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_jail_dir,
			 jail_files[i].name);
		f = fopen(path, "w");
		if (!f)
			return -errno;
		fputs(jail_files[i].text, f);
		fclose(f);
	}
	return 0;
}

FILE *nfips_fuzz_fopen(const char *path, const char *mode);
FILE *nfips_fuzz_fopen(const char *path, const char *mode)
{
	char full[PATH_MAX + 64];

	if (mode[0] != 'r' || strchr(mode, '+')) {
		errno = EACCES;
		return NULL;
	}
	if (!fuzz_jail_dir[0] || !path[0] || path[0] == '/' ||
	    strstr(path, "..")) {
		errno = ENOENT;
		return NULL;
	}
	snprintf(full, sizeof(full), "%s/%s", fuzz_jail_dir, path);
	return fopen(full, mode);
}
