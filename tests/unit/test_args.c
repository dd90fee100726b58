// SPDX-License-Identifier: GPL-2.0
/* The shared argument and number parser (nfips_args.h): every syntax, every error. */
#include "unit_check.h"

/* "key" or "key=<raw value>" of each argument, joined by ';'. */
static int split(const char *s, char *out, size_t cap, struct nfips_err *err)
{
	struct nfips_args it;
	struct nfips_arg arg;
	size_t n = 0;
	int ret;

	out[0] = '\0';
	if (nfips_args_init(&it, s, err))
		return -EINVAL;
	while ((ret = nfips_args_next(&it, &arg, err)) > 0) {
		n += snprintf(out + n, cap - n, "%s%s", n ? ";" : "", arg.key);
		if (arg.val)
			n += snprintf(out + n, cap - n, "=%.*s", (int)arg.val_len,
				      arg.val);
		if (n >= cap)
			return -E2BIG;
	}
	return ret;
}

/* @s with control characters escaped, for a one-line TAP test name. */
static const char *esc(const char *s)
{
	static char out[128];
	size_t n = 0;

	for (; *s && n < sizeof(out) - 5; s++) {
		if (*s == '\t' || *s == '\r' || *s == '\n')
			n += snprintf(out + n, sizeof(out) - n, "\\%c",
				      *s == '\t' ? 't' : *s == '\r' ? 'r' : 'n');
		else
			out[n++] = *s;
	}
	out[n] = '\0';
	return out;
}

static const struct {
	const char *in;
	const char *out;
} syntax[] = {
	{ "", "" },
	{ "   \t\n ", "" },
	{ "nocase", "nocase" },
	{ "usec=100", "usec=100" },
	{ "  a=1\tb\r\nc=2  ", "a=1;b;c=2" },
	{ "pattern=\"two words\" x", "pattern=\"two words\";x" },
	{ "p=\"say \\\"hi\\\" now\"", "p=\"say \\\"hi\\\" now\"" },
	{ "p=\"back\\\\\" q", "p=\"back\\\\\";q" },
	{ "p=|de ad be ef| q=1", "p=|de ad be ef|;q=1" },
	{ "p=\"GET /|0d 0a|\"", "p=\"GET /|0d 0a|\"" },
	{ "p=a\\ b", "p=a\\ b" },
	{ "p=\\|x y", "p=\\|x;y" },
	{ "p=|41 \"| q", "p=|41 \"|;q" },
	{ "Name_1.x-y=v", "Name_1.x-y=v" },
	{ "abcdefghijklmnopqrstuvwxyz01234=1", "abcdefghijklmnopqrstuvwxyz01234=1" },
};

static void test_syntax(void)
{
	struct nfips_err err = { "" };
	char out[256];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(syntax); i++) {
		CASE_BEGIN();
		ret = split(syntax[i].in, out, sizeof(out), &err);
		EXPECT_EQ(ret, 0);
		if (strcmp(out, syntax[i].out)) {
			ksft_print_msg("got '%s'\n", out);
			unit_case_ok = false;
		}
		CASE_END("split '%s'", esc(syntax[i].in));
	}
}

static const struct {
	const char *in;
	const char *msg;
} syntax_err[] = {
	{ "p=\"abc", "argument 'p': unterminated quote" },
	{ "p=\"abc\\\"", "argument 'p': unterminated quote" },
	{ "p=|de ad", "argument 'p': unterminated hex segment" },
	{ "p=|de\\|", "argument 'p': unterminated hex segment" },
	{ "p=", "argument 'p': empty value" },
	{ "a=1 p= x", "argument 'p': empty value" },
	{ "pa$t=1", "unexpected character '$' in argument name" },
	{ "p\"x\"", "unexpected character '\"' in argument name" },
	{ "=x", "bad argument name ''" },
	{ "ok=1 =x", "bad argument name ''" },
	{ "abcdefghijklmnopqrstuvwxyz012345=1", "bad argument name 'abcdefghijklmnopqrstuvwxyz012345'" },
};

static void test_syntax_errors(void)
{
	struct nfips_err err;
	char out[256];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(syntax_err); i++) {
		CASE_BEGIN();
		strcpy(err.msg, "(unset)");
		ret = split(syntax_err[i].in, out, sizeof(out), &err);
		EXPECT_EQ(ret, -EINVAL);
		EXPECT_HAS(err.msg, syntax_err[i].msg);
		CASE_END("reject '%s': %s", syntax_err[i].in, err.msg);
	}
}

/* Decode the single argument of @s with nfips_arg_bytes() into @buf. */
static int decode(const char *s, u8 *buf, u32 cap, u32 *len,
		  struct nfips_err *err)
{
	struct nfips_args it;
	struct nfips_arg arg;
	int ret;

	if (nfips_args_init(&it, s, err))
		return -EINVAL;
	ret = nfips_args_next(&it, &arg, err);
	if (ret <= 0)
		return ret ? ret : -ENOENT;
	return nfips_arg_bytes(&arg, buf, cap, len, err);
}

static const struct {
	const char *in;
	const char *bytes;
	u32 len;
} values[] = {
	{ "p=EVIL", "EVIL", 4 },
	{ "p=\"two words\"", "two words", 9 },
	{ "p=\"say \\\"hi\\\"\"", "say \"hi\"", 8 },
	{ "p=\"back\\\\slash\"", "back\\slash", 10 },
	{ "p=|de ad be ef|", "\xde\xad\xbe\xef", 4 },
	{ "p=|DEADbeef|", "\xde\xad\xbe\xef", 4 },
	{ "p=|  0d\t0a  |", "\r\n", 2 },
	{ "p=\"GET /|0d 0a|\"", "GET /\r\n", 7 },
	{ "p=a|00|b", "a\0b", 3 },
	{ "p=|00|", "\0", 1 },
	{ "p=|ff 00 ff|", "\xff\0\xff", 3 },
	{ "p=\\|x", "|x", 2 },
	{ "p=\"a|20|b\"", "a b", 3 },
	{ "p=\"a\"b", "ab", 2 },
	{ "p=a\\ b", "a b", 3 },
	{ "p=x\\", "x\\", 2 },
};

static void test_values(void)
{
	struct nfips_err err = { "" };
	u8 out[64];
	u32 len = 0;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(values); i++) {
		CASE_BEGIN();
		ret = decode(values[i].in, out, sizeof(out), &len, &err);
		EXPECT_EQ(ret, 0);
		EXPECT_EQ(len, values[i].len);
		EXPECT(!ret && len == values[i].len &&
		       !memcmp(out, values[i].bytes, len));
		CASE_END("decode %s", values[i].in);
	}
}

static const struct {
	const char *in;
	u32 cap;
	const char *msg;
} value_err[] = {
	{ "p=|de a|", 64, "argument 'p': odd number of hex digits" },
	{ "p=|dea|", 64, "argument 'p': odd number of hex digits" },
	{ "p=|d|", 64, "argument 'p': odd number of hex digits" },
	{ "p=|d e|", 64, "argument 'p': odd number of hex digits" },
	{ "p=|dx|", 64, "argument 'p': 'x' is not a hex digit" },
	{ "p=|g0|", 64, "argument 'p': 'g' is not a hex digit" },
	{ "p=\"|0d \"0a|\"", 64, "argument 'p': '\"' is not a hex digit" },
	{ "p=\"\"", 64, "argument 'p': empty value" },
	{ "p=||", 64, "argument 'p': empty value" },
	{ "p=\"||\"", 64, "argument 'p': empty value" },
	{ "p=abcde", 4, "argument 'p': longer than 4 bytes" },
	{ "p=|01 02 03 04 05|", 4, "argument 'p': longer than 4 bytes" },
	{ "p", 64, "argument 'p' needs a value" },
};

static void test_value_errors(void)
{
	struct nfips_err err;
	u8 out[64];
	u32 len = 12345;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(value_err); i++) {
		CASE_BEGIN();
		strcpy(err.msg, "(unset)");
		ret = decode(value_err[i].in, out, value_err[i].cap, &len, &err);
		EXPECT_EQ(ret, -EINVAL);
		EXPECT_HAS(err.msg, value_err[i].msg);
		EXPECT_EQ(len, 12345);
		CASE_END("reject value '%s' (cap %u): %s", value_err[i].in,
			 value_err[i].cap, err.msg);
	}

	/* Exactly the capacity fits. */
	CASE_BEGIN();
	EXPECT_EQ(decode("p=abcd", out, 4, &len, &err), 0);
	EXPECT_EQ(len, 4);
	EXPECT_EQ(decode("p=|01 02 03 04|", out, 4, &len, &err), 0);
	EXPECT(len == 4 && out[3] == 4);
	CASE_END("a value of exactly the buffer size fits");
}

static void test_args_max(void)
{
	struct nfips_args it;
	struct nfips_arg arg;
	struct nfips_err err = { "" };
	char *s = malloc(NFIPS_ARGS_MAX + 2);
	u8 *big = malloc(NFIPS_ARGS_MAX);
	u32 len = 0;

	memcpy(s, "p=", 2);
	memset(s + 2, 'a', NFIPS_ARGS_MAX - 2);
	s[NFIPS_ARGS_MAX] = '\0';

	CASE_BEGIN();
	EXPECT_EQ(nfips_args_init(&it, s, &err), 0);
	EXPECT_EQ(nfips_args_next(&it, &arg, &err), 1);
	EXPECT_EQ(arg.val_len, NFIPS_ARGS_MAX - 2);
	EXPECT_EQ(nfips_arg_bytes(&arg, big, NFIPS_ARGS_MAX, &len, &err), 0);
	EXPECT_EQ(len, NFIPS_ARGS_MAX - 2);
	EXPECT_EQ(nfips_args_next(&it, &arg, &err), 0);
	CASE_END("arguments of exactly NFIPS_ARGS_MAX bytes");

	s[NFIPS_ARGS_MAX] = 'a';
	s[NFIPS_ARGS_MAX + 1] = '\0';
	CASE_BEGIN();
	EXPECT_EQ(nfips_args_init(&it, s, &err), -EINVAL);
	EXPECT_HAS(err.msg, "arguments longer than 60000 bytes");
	CASE_END("arguments of NFIPS_ARGS_MAX + 1 bytes: %s", err.msg);

	CASE_BEGIN();
	EXPECT_EQ(nfips_args_init(&it, NULL, &err), 0);
	EXPECT_EQ(nfips_args_next(&it, &arg, &err), 0);
	CASE_END("NULL arguments are empty");
	free(s);
	free(big);
}

static const struct {
	const char *s;
	int ret;
	u32 v;
} numbers[] = {
	{ "0", 0, 0 },
	{ "42", 0, 42 },
	{ "007", 0, 7 },
	{ "4294967295", 0, 4294967295u },
	{ "4294967296", -ERANGE, 0 },
	{ "4294967300", -ERANGE, 0 },
	{ "99999999999", -ERANGE, 0 },
	{ "0x0", 0, 0 },
	{ "0xff", 0, 255 },
	{ "0XFF", 0, 255 },
	{ "0xDeadBeef", 0, 0xdeadbeef },
	{ "0xffffffff", 0, 0xffffffff },
	{ "0x00000000ffffffff", 0, 0xffffffff },
	{ "0x100000000", -ERANGE, 0 },
	{ "0x", -EINVAL, 0 },
	{ "x10", -EINVAL, 0 },
	{ "0x1g", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "1a", -EINVAL, 0 },
	{ "1.5", -EINVAL, 0 },
	{ "0b1", -EINVAL, 0 },
	{ "9999999999x", -EINVAL, 0 },		/* not a number beats too large */
	{ "0x1000000000g", -EINVAL, 0 },
};

static void test_parse_u32(void)
{
	u32 v;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(numbers); i++) {
		CASE_BEGIN();
		v = 0xa5a5a5a5;
		ret = nfips_parse_u32(numbers[i].s, strlen(numbers[i].s), &v);
		EXPECT_EQ(ret, numbers[i].ret);
		EXPECT_EQ(v, numbers[i].ret ? 0xa5a5a5a5 : numbers[i].v);
		CASE_END("nfips_parse_u32('%s') = %d", numbers[i].s, numbers[i].ret);
	}
	CASE_BEGIN();
	EXPECT_EQ(nfips_parse_u32("123", 2, &v), 0);
	EXPECT_EQ(v, 12);
	EXPECT_EQ(nfips_parse_u32("0x1f", 3, &v), 0);
	EXPECT_EQ(v, 1);
	CASE_END("nfips_parse_u32 reads only s[0 .. len)");
}

static struct nfips_arg mkarg(const char *key, const char *val)
{
	struct nfips_arg a;

	strscpy(a.key, key, sizeof(a.key));
	a.val = val;
	a.val_len = val ? (u32)strlen(val) : 0;
	return a;
}

static void test_arg_u32(void)
{
	static const struct {
		const char *val;
		u32 min, max;
		int ret;
		const char *msg;
	} t[] = {
		{ "1", 1, 100, 0, NULL },
		{ "100", 1, 100, 0, NULL },
		{ "0x64", 1, 100, 0, NULL },
		{ "0", 1, 100, -ERANGE, "argument 'n': 0 is out of range 1..100" },
		{ "101", 1, 100, -ERANGE, "argument 'n': 101 is out of range 1..100" },
		{ "4294967296", 0, 0xffffffff, -ERANGE, "argument 'n': 4294967296 is out of range 0..4294967295" },
		{ "4294967295", 0, 0xffffffff, 0, NULL },
		{ "abc", 0, 10, -EINVAL, "argument 'n': 'abc' is not a number" },
		{ "-5", 0, 10, -EINVAL, "argument 'n': '-5' is not a number" },
		{ "9999999999x", 0, 10, -EINVAL, "argument 'n': '9999999999x' is not a number" },
		{ NULL, 0, 10, -EINVAL, "argument 'n' needs a value" },
	};
	struct nfips_err err;
	u32 v, want;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct nfips_arg a = mkarg("n", t[i].val);
		int ret;

		CASE_BEGIN();
		strcpy(err.msg, "(unset)");
		v = 777;
		ret = nfips_arg_u32(&a, t[i].min, t[i].max, &v, &err);
		EXPECT_EQ(ret, t[i].ret);
		if (t[i].msg) {
			EXPECT_EQ(v, 777);
			EXPECT_HAS(err.msg, t[i].msg);
		} else {
			nfips_parse_u32(t[i].val, strlen(t[i].val), &want);
			EXPECT_EQ(v, want);
		}
		CASE_END("nfips_arg_u32(n=%s, %u..%u): %s", t[i].val ? t[i].val : "",
			 t[i].min, t[i].max, t[i].msg ? err.msg : "ok");
	}
}

static void test_arg_choice(void)
{
	static const char *const names[] = { "drop", "alert", "accept" };
	static const char *const many[] = {
		"aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccc",
		"dddddddddddddddddddd", "eeeeeeeeeeeeeeeeeeee", "ffffffffffffffffffff",
	};
	struct nfips_err err;
	struct nfips_arg a;
	int ret;

	CASE_BEGIN();
	a = mkarg("action", "drop");
	EXPECT_EQ(nfips_arg_choice(&a, names, 3, &err), 0);
	a = mkarg("action", "accept");
	EXPECT_EQ(nfips_arg_choice(&a, names, 3, &err), 2);
	CASE_END("nfips_arg_choice finds each choice");

	CASE_BEGIN();
	a = mkarg("action", "maybe");
	ret = nfips_arg_choice(&a, names, 3, &err);
	EXPECT_EQ(ret, -EINVAL);
	EXPECT_HAS(err.msg, "argument 'action': 'maybe' is not one of drop, alert, accept");
	CASE_END("nfips_arg_choice: %s", err.msg);

	CASE_BEGIN();
	a = mkarg("action", "Drop");
	EXPECT_EQ(nfips_arg_choice(&a, names, 3, &err), -EINVAL);
	EXPECT_HAS(err.msg, "'Drop' is not one of");
	CASE_END("nfips_arg_choice is case-sensitive");

	CASE_BEGIN();
	a = mkarg("action", "\"drop\"");
	EXPECT_EQ(nfips_arg_choice(&a, names, 3, &err), -EINVAL);
	EXPECT_HAS(err.msg, "argument 'action': unexpected character '\"'");
	CASE_END("nfips_arg_choice: a quoted word: %s", err.msg);

	CASE_BEGIN();
	a = mkarg("action", "abcdefghijklmnopqrstuvwxyz0123456789");
	EXPECT_EQ(nfips_arg_choice(&a, names, 3, &err), -EINVAL);
	EXPECT_HAS(err.msg, "argument 'action': longer than 31 characters");
	CASE_END("nfips_arg_choice: a long word: %s", err.msg);

	CASE_BEGIN();
	a = mkarg("action", NULL);
	EXPECT_EQ(nfips_arg_choice(&a, names, 3, &err), -EINVAL);
	EXPECT_HAS(err.msg, "argument 'action' needs a value");
	CASE_END("nfips_arg_choice without a value");

	/* More choices than the message holds: cut, still terminated. */
	CASE_BEGIN();
	a = mkarg("x", "zzz");
	EXPECT_EQ(nfips_arg_choice(&a, many, ARRAY_SIZE(many), &err), -EINVAL);
	EXPECT_HAS(err.msg, "argument 'x': 'zzz' is not one of aaaa");
	EXPECT(strlen(err.msg) < sizeof(err.msg));
	CASE_END("nfips_arg_choice with a list longer than its buffer");

	CASE_BEGIN();
	EXPECT(nfips_name_valid("a", 1));
	EXPECT(nfips_name_valid("A-z_0.9", 7));
	EXPECT(nfips_name_valid("abcdefghijklmnopqrstuvwxyz01234", 31));
	EXPECT(!nfips_name_valid("abcdefghijklmnopqrstuvwxyz012345", 32));
	EXPECT(!nfips_name_valid("", 0));
	EXPECT(!nfips_name_valid("a b", 3));
	EXPECT(!nfips_name_valid("a/b", 3));
	CASE_END("nfips_name_valid");

	CASE_BEGIN();
	a = mkarg("foo", NULL);
	EXPECT_EQ(nfips_arg_unknown(&a, &err), -EINVAL);
	EXPECT_HAS(err.msg, "unknown argument 'foo'");
	CASE_END("nfips_arg_unknown names the argument");
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(syntax) + ARRAY_SIZE(syntax_err) +
		      ARRAY_SIZE(values) + ARRAY_SIZE(value_err) + 1 + 3 +
		      ARRAY_SIZE(numbers) + 1 + 11 + 9);
	test_syntax();
	test_syntax_errors();
	test_values();
	test_value_errors();
	test_args_max();
	test_parse_u32();
	test_arg_u32();
	test_arg_choice();
	ksft_finished();
}
