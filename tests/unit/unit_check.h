/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test cases made of several expectations. Each failing EXPECT*() prints one
 * "# file:line: ..." diagnostic naming the expression and its values; the case
 * then reports one TAP line with CASE_END(). A PRNG of our own (xorshift64*)
 * keeps the randomised tests reproducible from the printed seed on any libc.
 */
#ifndef NFIPS_UNIT_CHECK_H
#define NFIPS_UNIT_CHECK_H

#include "kselftest.h"
#include "unit_lib.h"

static bool unit_case_ok;

#define CASE_BEGIN()	(unit_case_ok = true)
#define CASE_END(fmt, ...) \
	ksft_test_result(unit_case_ok, fmt "\n", ##__VA_ARGS__)

#define EXPECT(cond) do {						\
	if (!(cond)) {							\
		unit_case_ok = false;					\
		ksft_print_msg("%s:%d: expected %s\n", __FILE__,	\
			       __LINE__, #cond);			\
	}								\
} while (0)

#define EXPECT_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		unit_case_ok = false;					\
		ksft_print_msg("%s:%d: %s == %s: %lld != %lld\n",	\
			       __FILE__, __LINE__, #a, #b, _a, _b);	\
	}								\
} while (0)

/* @hay contains @needle (error messages are checked by a telling part). */
#define EXPECT_HAS(hay, needle) do {					\
	const char *_h = (hay), *_n = (needle);				\
	if (!strstr(_h, _n)) {						\
		unit_case_ok = false;					\
		ksft_print_msg("%s:%d: '%s' does not contain '%s'\n",	\
			       __FILE__, __LINE__, _h, _n);		\
	}								\
} while (0)


#endif /* NFIPS_UNIT_CHECK_H */
