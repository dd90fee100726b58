// SPDX-License-Identifier: GPL-2.0
/* Bounded argument and number parsing shared by both twins (nfips_args.h). */
#include "nfips_args.h"

void nfips_err_set(struct nfips_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}
NFIPS_EXPORT(nfips_err_set);

int nfips_args_init(struct nfips_args *it, const char *s,
		    struct nfips_err *err)
{
	size_t n = s ? strnlen(s, NFIPS_ARGS_MAX + 1) : 0;

	if (n > NFIPS_ARGS_MAX) {
		nfips_err_set(err, "arguments longer than %u bytes",
			      NFIPS_ARGS_MAX);
		return -EINVAL;
	}
	it->p = s ? s : "";
	it->end = it->p + n;
	return 0;
}
NFIPS_EXPORT(nfips_args_init);

/* Echo at most this much of a bad value back in an error message. */
static int shown(size_t len)
{
	return len > 40 ? 40 : (int)len;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

bool nfips_name_valid(const char *s, u32 len)
{
	u32 i;

	if (len == 0 || len >= NFIPS_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}
NFIPS_EXPORT(nfips_name_valid);

int nfips_args_next(struct nfips_args *it, struct nfips_arg *arg,
		    struct nfips_err *err)
{
	const char *p = it->p, *key;
	bool quote = false, hex = false;

	while (p < it->end && is_blank(*p))
		p++;
	if (p == it->end) {
		it->p = p;
		return 0;
	}

	key = p;
	while (p < it->end && is_name_char(*p))
		p++;
	if (p < it->end && !is_blank(*p) && *p != '=') {
		nfips_err_set(err, "unexpected character '%c' in argument name",
			      *p);
		return -EINVAL;
	}
	if (!nfips_name_valid(key, p - key)) {
		nfips_err_set(err, "bad argument name '%.*s'",
			      shown(p - key), key);
		return -EINVAL;
	}
	memcpy(arg->key, key, p - key);
	arg->key[p - key] = '\0';
	arg->val = NULL;
	arg->val_len = 0;

	if (p < it->end && *p == '=') {
		arg->val = ++p;
		/* A value ends at a blank outside quotes and hex segments. */
		while (p < it->end && (quote || hex || !is_blank(*p))) {
			if (*p == '\\' && p + 1 < it->end)
				p++;
			else if (*p == '"' && !hex)
				quote = !quote;
			else if (*p == '|')
				hex = !hex;
			p++;
		}
		if (quote || hex) {
			nfips_err_set(err, "argument '%s': unterminated %s",
				      arg->key, quote ? "quote" : "hex segment");
			return -EINVAL;
		}
		arg->val_len = p - arg->val;
		if (arg->val_len == 0) {
			nfips_err_set(err, "argument '%s': empty value",
				      arg->key);
			return -EINVAL;
		}
	}
	it->p = p;
	return 1;
}
NFIPS_EXPORT(nfips_args_next);

int nfips_arg_unknown(const struct nfips_arg *arg, struct nfips_err *err)
{
	nfips_err_set(err, "unknown argument '%s'", arg->key);
	return -EINVAL;
}
NFIPS_EXPORT(nfips_arg_unknown);

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int nfips_parse_u32(const char *s, u32 len, u32 *out)
{
	u32 base = 10, i = 0, v = 0;
	bool range = false;
	int d;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -EINVAL;
	/* Every character is checked before too large is reported: what is
	 * not a number ("9999999999x") is -EINVAL however long it is. */
	for (; i < len; i++) {
		d = hexval(s[i]);
		if (d < 0 || (u32)d >= base)
			return -EINVAL;
		if (range || v > (0xffffffffu - (u32)d) / base) {
			range = true;
			continue;
		}
		v = v * base + (u32)d;
	}
	if (range)
		return -ERANGE;
	*out = v;
	return 0;
}
NFIPS_EXPORT(nfips_parse_u32);

static bool need_value(const struct nfips_arg *arg, struct nfips_err *err)
{
	if (arg->val)
		return true;
	nfips_err_set(err, "argument '%s' needs a value", arg->key);
	return false;
}

int nfips_arg_u32(const struct nfips_arg *arg, u32 min, u32 max, u32 *out,
		  struct nfips_err *err)
{
	u32 v;
	int ret;

	if (!need_value(arg, err))
		return -EINVAL;
	ret = nfips_parse_u32(arg->val, arg->val_len, &v);
	if (ret == -ERANGE || (!ret && (v < min || v > max))) {
		nfips_err_set(err, "argument '%s': %.*s is out of range %u..%u",
			      arg->key, shown(arg->val_len), arg->val,
			      min, max);
		return -ERANGE;
	}
	if (ret) {
		nfips_err_set(err, "argument '%s': '%.*s' is not a number",
			      arg->key, shown(arg->val_len), arg->val);
		return ret;
	}
	*out = v;
	return 0;
}
NFIPS_EXPORT(nfips_arg_u32);

int nfips_arg_bytes(const struct nfips_arg *arg, u8 *buf, u32 cap, u32 *len,
		    struct nfips_err *err)
{
	const char *p, *end;
	bool hex = false;
	u32 n = 0;
	int hi = -1, d;
	char c;

	if (!need_value(arg, err))
		return -EINVAL;
	p = arg->val;
	end = p + arg->val_len;
	for (; p < end; p++) {
		c = *p;
		if (hex) {
			if (c == '|') {
				if (hi >= 0)
					goto odd;
				hex = false;
				continue;
			}
			if (is_blank(c)) {
				if (hi >= 0)
					goto odd;
				continue;
			}
			d = hexval(c);
			if (d < 0) {
				nfips_err_set(err, "argument '%s': '%c' is not a hex digit",
					      arg->key, c);
				return -EINVAL;
			}
			if (hi < 0) {
				hi = d;
				continue;
			}
			c = (char)(hi << 4 | d);
			hi = -1;
		} else if (c == '|') {
			hex = true;
			continue;
		} else if (c == '"') {
			continue;	/* quotes only group; they are not data */
		} else if (c == '\\' && p + 1 < end) {
			c = *++p;
		}
		if (n == cap) {
			nfips_err_set(err, "argument '%s': longer than %u bytes",
				      arg->key, cap);
			return -EINVAL;
		}
		buf[n++] = (u8)c;
	}
	if (hex) {
		nfips_err_set(err, "argument '%s': unterminated hex segment",
			      arg->key);
		return -EINVAL;
	}
	if (n == 0) {
		nfips_err_set(err, "argument '%s': empty value", arg->key);
		return -EINVAL;
	}
	*len = n;
	return 0;
odd:
	nfips_err_set(err, "argument '%s': odd number of hex digits", arg->key);
	return -EINVAL;
}
NFIPS_EXPORT(nfips_arg_bytes);

int nfips_arg_word(const struct nfips_arg *arg, char *buf, u32 cap,
		   struct nfips_err *err)
{
	u32 i;

	if (!need_value(arg, err))
		return -EINVAL;
	for (i = 0; i < arg->val_len; i++) {
		if (!is_name_char(arg->val[i]) && arg->val[i] != '/' &&
		    arg->val[i] != ':') {
			nfips_err_set(err, "argument '%s': unexpected character '%c'",
				      arg->key, arg->val[i]);
			return -EINVAL;
		}
	}
	if (arg->val_len >= cap) {
		nfips_err_set(err, "argument '%s': longer than %u characters",
			      arg->key, cap - 1);
		return -EINVAL;
	}
	memcpy(buf, arg->val, arg->val_len);
	buf[arg->val_len] = '\0';
	return 0;
}
NFIPS_EXPORT(nfips_arg_word);

int nfips_arg_choice(const struct nfips_arg *arg, const char *const *names,
		     u32 n, struct nfips_err *err)
{
	char word[NFIPS_NAME_MAX], list[96];
	size_t len;
	u32 i;
	int ret;

	ret = nfips_arg_word(arg, word, sizeof(word), err);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		if (!strcmp(word, names[i]))
			return (int)i;
	list[0] = '\0';
	for (i = 0, len = 0; i < n && len < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s",
				i ? ", " : "", names[i]);
	nfips_err_set(err, "argument '%s': '%s' is not one of %s", arg->key,
		      word, list);
	return -EINVAL;
}
NFIPS_EXPORT(nfips_arg_choice);

/* Why a patterns-file could not be read, the same text in both twins. */
static const char *file_error(int e)
{
	switch (e) {
	case -ENOENT:	return "no such file";
	case -EACCES:	return "permission denied";
	case -EISDIR:
	case -EINVAL:	return "not a regular file, or empty";
	case -EFBIG:	return "larger than 64 MiB";
	case -ENOMEM:	return "out of memory";
	case -ETXTBSY:	return "file is being written";
	default:	return "cannot be read";
	}
}

int nfips_patterns_file(const struct nfips_arg *arg, u8 *buf, u32 cap,
			nfips_pattern_add_fn add, void *ctx,
			struct nfips_err *err)
{
	struct nfips_arg la = { .key = "patterns-file" };
	const char *text, *p, *end, *nl;
	u32 lineno = 0, len, l;
	size_t size = 0;
	char *path;
	int ret = 0;

	if (!arg->val || arg->val_len >= 4096) {
		nfips_err_set(err, "argument 'patterns-file' needs a path");
		return -EINVAL;
	}
	path = nfips_zalloc(arg->val_len + 1);
	if (!path) {
		nfips_err_set(err, "out of memory");
		return -ENOMEM;
	}
	memcpy(path, arg->val, arg->val_len);
	text = nfips_file_read(path, NFIPS_PATTERNS_FILE_MAX, &size, &ret);
	if (!text) {
		nfips_err_set(err, "patterns-file %.100s: %s", path, file_error(ret));
		goto out;
	}
	for (p = text, end = text + size; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		l = (u32)((nl ? nl : end) - p);
		lineno++;
		if (l && p[l - 1] == '\r')
			l--;
		if (!l || p[0] == '#')
			continue;
		if (memchr(p, '\0', l)) {
			nfips_err_set(err, "patterns-file %.80s:%u: a NUL byte (write |00|)",
				      path, lineno);
			ret = -EINVAL;
			break;
		}
		la.val = p;
		la.val_len = l;
		ret = nfips_arg_bytes(&la, buf, cap, &len, err);
		if (ret) {
			struct nfips_err e2;

			nfips_err_set(&e2, "patterns-file %.80s:%u: %s", path,
				      lineno, err->msg);
			*err = e2;
			break;
		}
		ret = add(ctx, buf, len, path, lineno, err);
		if (ret)
			break;
	}
	nfips_file_free((void *)text);
out:
	nfips_free(path);
	return ret;
}
NFIPS_EXPORT(nfips_patterns_file);
