// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz regressions in the unit tier: every input in tests/fuzz/regress/<h>/
 * (inputs that once made harness <h> crash or break a property) and every
 * seed in tests/fuzz/corpus/<h>/ (the trickiest paths: fragments, extension
 * headers, escapes, continuations, each wire layout) go through the very
 * harness code of tests/fuzz/<h>.c, built here with gcc, ASan and UBSan
 * like the rest of the tier, so no clang or libFuzzer is needed to keep
 * fixed bugs fixed.
 *
 * Each input runs in a child process: a sanitizer report or a violated
 * property (abort) fails that input's test line, not the program. Inputs
 * under tests/fuzz/known/ (bugs still open) are not replayed here; make fuzz
 * reports them.
 */
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"

/* With libhs, the harnesses run the hs op-module too (tests/fuzz/build.mk). */
#if __has_include(<hs/hs.h>)
#define FUZZ_HAVE_HS 1
#endif

/* Each harness, with its two libFuzzer entry points renamed. */
#define LLVMFuzzerInitialize	pkt_init
#define LLVMFuzzerTestOneInput	pkt_one
#include "../fuzz/fuzz_pkt.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerInitialize	args_init
#define LLVMFuzzerTestOneInput	args_one
#include "../fuzz/fuzz_args.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerInitialize	config_init
#define LLVMFuzzerTestOneInput	config_one
#include "../fuzz/fuzz_config.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerInitialize	ac_init_h
#define LLVMFuzzerTestOneInput	ac_one
#include "../fuzz/fuzz_ac.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

/* The RUDE harnesses need tools/rude (tests/fuzz/build.mk links it). */
#if __has_include("../../tools/rude/rude.h")
#define HAVE_RUDE 1
#define LLVMFuzzerInitialize	rude_script_init
#define LLVMFuzzerTestOneInput	rude_script_one
#include "../fuzz/fuzz_rude_script.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

#define LLVMFuzzerInitialize	rude_wire_init
#define LLVMFuzzerTestOneInput	rude_wire_one
#include "../fuzz/fuzz_rude_wire.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#endif

#include "../fuzz/fuzz_common.c"

struct harness {
	const char *name;
	int (*init)(int *argc, char ***argv);
	int (*one)(const uint8_t *data, size_t size);
	/* Run the input with the jail as working directory: unfuzzed,
	 * rude_lib.c opens trace files with the real fopen(). */
	bool in_jail;
};

static const struct harness harnesses[] = {
	{ "fuzz_pkt", pkt_init, pkt_one, false },
	{ "fuzz_args", args_init, args_one, false },
	{ "fuzz_config", config_init, config_one, false },
	{ "fuzz_ac", ac_init_h, ac_one, true },
#ifdef HAVE_RUDE
	{ "fuzz_rude_script", rude_script_init, rude_script_one, true },
	{ "fuzz_rude_wire", rude_wire_init, rude_wire_one, false },
#endif
};

static u8 *read_input(const char *path, size_t *size)
{
	size_t cap = 1 << 16;
	u8 *buf = malloc(cap);
	FILE *f = fopen(path, "rb");

	if (!buf || !f) {
		free(buf);
		if (f)
			fclose(f);
		return NULL;
	}
	*size = fread(buf, 1, cap, f);
	fclose(f);
	return buf;
}

/* Run one input in a child; true when it neither crashed nor leaked. */
static bool replay(const struct harness *h, const char *path)
{
	size_t size;
	int status;
	pid_t pid;
	u8 *data;

	data = read_input(path, &size);
	if (!data) {
		ksft_print_msg("%s: cannot read\n", path);
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		free(data);
		return false;
	}
	if (pid == 0) {
		if (h->in_jail && chdir(fuzz_jail_dir))
			_exit(3);
		h->one(data, size);
		free(data);
		exit(0);	/* exit, not _exit: LeakSanitizer runs at exit */
	}
	free(data);
	if (waitpid(pid, &status, 0) != pid)
		return false;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	ksft_print_msg("%s: %s %d\n", path,
		       WIFSIGNALED(status) ? "killed by signal" : "exit status",
		       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	return false;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * Regression inputs: one test line each. Seeds: one line per harness,
 * naming the inputs that fail.
 */
static void run_dir(const struct harness *h, const char *kind, bool each)
{
	char dir[256], path[512];
	struct dirent **ents;
	u32 ok = 0, bad = 0;
	int n, i;

	snprintf(dir, sizeof(dir), "tests/fuzz/%s/%s", kind, h->name);
	n = scandir(dir, &ents, NULL, by_name);
	if (n < 0)
		return;
	for (i = 0; i < n; i++) {
		bool good;

		if (ents[i]->d_name[0] == '.' ||
		    ents[i]->d_type == DT_DIR) {
			free(ents[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		good = replay(h, path);
		if (each)
			ksft_test_result(good, "%s regression %s\n", h->name,
					 ents[i]->d_name);
		good ? ok++ : bad++;
		free(ents[i]);
	}
	free(ents);
	if (!each)
		ksft_test_result(!bad && ok, "%s: %u seed inputs (%u fail)\n",
				 h->name, ok + bad, bad);
}

/* Test lines run_dir() will print for @h. */
static u32 count_lines(const struct harness *h)
{
	char dir[256];
	struct dirent **ents;
	u32 lines = 0;
	int n, i;

	snprintf(dir, sizeof(dir), "tests/fuzz/regress/%s", h->name);
	n = scandir(dir, &ents, NULL, NULL);
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && ents[i]->d_type != DT_DIR)
			lines++;
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s", h->name);
	n = scandir(dir, &ents, NULL, NULL);
	for (i = 0; i < n; i++)
		free(ents[i]);
	if (n >= 0) {
		free(ents);
		lines++;
	}
	return lines;
}

int main(void)
{
	u32 plan = 0;
	char jail[PATH_MAX];
	size_t i;
	int argc = 0;
	char **argv = NULL;

	ksft_print_header();
	for (i = 0; i < ARRAY_SIZE(harnesses); i++)
		plan += count_lines(&harnesses[i]);
	ksft_set_plan(plan);
	if (!getcwd(jail, sizeof(jail) - 32))
		ksft_exit_fail_msg("getcwd: %s\n", strerror(errno));
	strcat(jail, "/build/unit/fuzz-jail");
	setenv("NFIPS_FUZZ_JAIL", jail, 1);

	for (i = 0; i < ARRAY_SIZE(harnesses); i++) {
		harnesses[i].init(&argc, &argv);
		run_dir(&harnesses[i], "regress", true);
		run_dir(&harnesses[i], "corpus", false);
	}
	ksft_finished();
}
