/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the libFuzzer harnesses. A harness states a property
 * with FUZZ_CHECK(); a violated property aborts, which libFuzzer records as
 * a crash with the input that caused it (the reproducer).
 */
#ifndef NFIPS_FUZZ_COMMON_H
#define NFIPS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include "unit_lib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

__attribute__((noreturn, format(printf, 4, 5)))
void fuzz_fail(const char *file, int line, const char *cond,
	       const char *fmt, ...);

/* FUZZ_CHECK(cond) or FUZZ_CHECK(cond, "(printf format)", args...) */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__);	\
} while (0)

/*
 * An exact-size heap copy of @data: one byte past it is outside the
 * allocation, so ASan reports any over-read. Never NULL (aborts on ENOMEM).
 */
u8 *fuzz_dup(const u8 *data, size_t size);
/* The same, plus a terminating NUL (for parsers of C strings). */
char *fuzz_strdup(const u8 *data, size_t size);

/* Naive reference search: @pat in t[0 .. n), ASCII letters folded if @nocase. */
bool fuzz_naive_find(const u8 *t, u32 n, const u8 *pat, u32 m, bool nocase);

/*
 * True when NFIPS_FUZZ_STRICT is set. A harness steps around a known, still
 * open bug (tests/fuzz/known/) unless strict: fuzzing then explores the rest,
 * and run.sh replays the bug's reproducer strictly to report it.
 */
bool fuzz_strict(void);

/* Directory the RUDE harness's nfips_fuzz_fopen() jail serves files from. */
extern char fuzz_jail_dir[];
int fuzz_jail_init(void);

#endif /* NFIPS_FUZZ_COMMON_H */
