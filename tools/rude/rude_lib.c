// SPDX-License-Identifier: GPL-2.0
/*
 * The parts of nfips-rude and nfips-crude that decide something: the RUDE
 * script parser, the wire encoders/decoders with layout detection, and the
 * CRUDE statistics. Kept free of sockets so the unit tests can run them.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <sched.h>
#include <strings.h>
#include "rude.h"
#include "nfips_args.h"

/* ---- wire formats --------------------------------------------------- */

static const char *const wire_names[NFIPS_RUDE_WIRE_COUNT] = {
	[NFIPS_RUDE_W070] = "070",
	[NFIPS_RUDE_W070_64] = "070-64",
	[NFIPS_RUDE_W08] = "08",
};

const char *nfips_rude_wire_name(enum nfips_rude_wire w)
{
	if ((unsigned int)w >= NFIPS_RUDE_WIRE_COUNT)
		return NULL;
	return wire_names[w];
}

int nfips_rude_wire_parse(const char *s, enum nfips_rude_wire *w)
{
	u32 i;

	for (i = 0; i < NFIPS_RUDE_WIRE_COUNT; i++) {
		if (!strcmp(s, wire_names[i])) {
			*w = (enum nfips_rude_wire)i;
			return 0;
		}
	}
	return -EINVAL;
}

u32 nfips_rude_wire_min(enum nfips_rude_wire w)
{
	switch (w) {
	case NFIPS_RUDE_W070:
		return NFIPS_RUDE_HDR_070;
	case NFIPS_RUDE_W070_64:
		return NFIPS_RUDE_HDR_070_64;
	default:
		return NFIPS_RUDE_MIN_08;
	}
}

static void put_be32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static void put_be16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static bool all_zero(const u8 *p, u32 n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* The 0.70 field value of the destination: its IPv4 address, else 0. */
static u32 dst_v4(const struct nfips_rude_hdr *h)
{
	return h->dst_family == AF_INET ? nfips_get_be32(h->dst_addr) : 0;
}

int nfips_rude_encode(enum nfips_rude_wire w, const struct nfips_rude_hdr *h,
		      u8 *buf, u32 len)
{
	u8 sa[128] = { 0 };
	u16 fam;
	u32 i;

	if ((unsigned int)w >= NFIPS_RUDE_WIRE_COUNT ||
	    len < nfips_rude_wire_min(w))
		return -EINVAL;
	memset(buf, 0, len);
	switch (w) {
	case NFIPS_RUDE_W070:
	case NFIPS_RUDE_W070_64: {
		/* 64-bit: the same values, one per 8-byte slot. */
		u32 step = w == NFIPS_RUDE_W070 ? 4 : 8;
		u32 v[5] = { h->seq, h->tx_sec, h->tx_usec, h->flow_id, dst_v4(h) };

		for (i = 0; i < 5; i++)
			put_be32(buf + i * step, v[i]);
		break;
	}
	default:
		put_be32(buf, h->seq);
		put_be32(buf + 4, h->tx_sec);
		put_be32(buf + 8, h->tx_usec);
		put_be32(buf + 12, h->flow_id);
		/*
		 * RUDE copies the sockaddr raw: the family is in the sender's
		 * host order. x86 senders are the ones that exist, so "02 00".
		 */
		if (h->dst_family == AF_INET || h->dst_family == AF_INET6) {
			fam = h->dst_family;
			memcpy(sa, &fam, 2);
			put_be16(sa + 2, h->dst_port);
			if (h->dst_family == AF_INET)
				memcpy(sa + 4, h->dst_addr, 4);
			else
				memcpy(sa + 8, h->dst_addr, 16);
		}
		memcpy(buf + 16, sa, min(len - 16, (u32)sizeof(sa)));
		break;
	}
	return 0;
}

/* Family bytes at @p: either byte order, as a raw copy of a sockaddr. */
static u16 raw_family(const u8 *p)
{
	if (p[1] == 0 && (p[0] == AF_INET || p[0] == AF_INET6))
		return p[0];
	if (p[0] == 0 && (p[1] == AF_INET || p[1] == AF_INET6))
		return p[1];
	return 0;
}

static bool looks_08(const u8 *buf, u32 len)
{
	switch (raw_family(buf + 16)) {
	case AF_INET:
		/* A real destination is never 0.0.0.0; sin_zero is zero. */
		return !all_zero(buf + 20, 4) &&
		       all_zero(buf + 24, min(len, 32u) - min(len, 24u));
	case AF_INET6:
		return len >= 40 && !all_zero(buf + 24, 16);
	default:
		return false;
	}
}

int nfips_rude_decode(const u8 *buf, u32 len, struct nfips_rude_hdr *h)
{
	static const u8 pad64[] = { 4, 12, 20, 28, 36 };
	bool pad_zero = len >= NFIPS_RUDE_HDR_070_64;
	u32 i;

	if (len < NFIPS_RUDE_HDR_070)
		return -EBADMSG;
	memset(h, 0, sizeof(*h));
	for (i = 0; pad_zero && i < ARRAY_SIZE(pad64); i++)
		pad_zero = all_zero(buf + pad64[i], 4);
	if (pad_zero && nfips_get_be32(buf + 16) < 1000000) {
		h->seq = nfips_get_be32(buf);
		h->tx_sec = nfips_get_be32(buf + 8);
		h->tx_usec = nfips_get_be32(buf + 16);
		h->flow_id = nfips_get_be32(buf + 24);
		memcpy(h->dst_addr, buf + 32, 4);
		h->dst_family = all_zero(buf + 32, 4) ? 0 : AF_INET;
		return NFIPS_RUDE_W070_64;
	}
	h->seq = nfips_get_be32(buf);
	h->tx_sec = nfips_get_be32(buf + 4);
	h->tx_usec = nfips_get_be32(buf + 8);
	h->flow_id = nfips_get_be32(buf + 12);
	if (len >= NFIPS_RUDE_MIN_08 && looks_08(buf, len)) {
		/* tx_usec is not checked: a later 0.8 branch puts ns there. */
		h->dst_family = raw_family(buf + 16);
		h->dst_port = nfips_get_be16(buf + 18);
		if (h->dst_family == AF_INET)
			memcpy(h->dst_addr, buf + 20, 4);
		else
			memcpy(h->dst_addr, buf + 24, 16);
		return NFIPS_RUDE_W08;
	}
	if (h->tx_usec >= 1000000)
		return -EBADMSG;
	memcpy(h->dst_addr, buf + 16, 4);
	h->dst_family = all_zero(buf + 16, 4) ? 0 : AF_INET;
	return NFIPS_RUDE_W070;
}

/* ---- scripts -------------------------------------------------------- */

#define MAX_WORDS	10

struct word {
	const char *s;
	u32 len;
};

struct parser {
	const char *name;
	u32 line;
	u32 min_payload;
	struct nfips_rude_script *s;
	char *err;
	size_t errlen;
	bool have_start;
};

__printf(4, 5) static int file_err(char *err, size_t errlen, const char *name,
				   const char *fmt, ...);

static int file_err(char *err, size_t errlen, const char *name,
		    const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s:", name);
	if (n < 0 || (size_t)n >= errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

#define perr(p, fmt, ...) \
	file_err((p)->err, (p)->errlen, (p)->name, "%u: " fmt, (p)->line, ##__VA_ARGS__)

static bool word_is(const struct word *w, const char *kw)
{
	return strlen(kw) == w->len && !strncasecmp(w->s, kw, w->len);
}

/* Number in [lo, hi], with "bad <what>" / "<what> out of range" errors. */
static int word_u32(struct parser *p, const struct word *w, const char *what,
		    u32 lo, u32 hi, u32 *out)
{
	int ret = nfips_parse_u32(w->s, w->len, out);

	if (ret == -ERANGE || (!ret && (*out < lo || *out > hi)))
		return perr(p, "%s %.*s out of range %u..%u", what,
			    (int)w->len, w->s, lo, hi);
	if (ret)
		return perr(p, "bad %s '%.*s'", what, (int)w->len, w->s);
	return 0;
}

/* Seconds as "I" or "I.F" with up to 9 decimals, into nanoseconds. */
static int parse_seconds_ns(const char *s, u32 len, u64 *ns)
{
	const char *dot = memchr(s, '.', len);
	u32 ilen = dot ? (u32)(dot - s) : len, i, sec, frac = 0, digits = 0;

	if (nfips_parse_u32(s, ilen, &sec))
		return -EINVAL;
	if (dot) {
		for (i = ilen + 1; i < len; i++, digits++) {
			if (s[i] < '0' || s[i] > '9' || digits == 9)
				return -EINVAL;
			frac = frac * 10 + (u32)(s[i] - '0');
		}
		if (!digits)
			return -EINVAL;
		for (; digits < 9; digits++)
			frac *= 10;
	}
	*ns = (u64)sec * 1000000000ull + frac;
	return 0;
}

static int split_words(const char *line, u32 len, struct word *w, u32 *n)
{
	u32 i = 0, start;

	*n = 0;
	while (i < len) {
		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i == len)
			break;
		if (*n == MAX_WORDS)
			return -E2BIG;
		start = i;
		while (i < len && !isspace((unsigned char)line[i]))
			i++;
		w[*n].s = line + start;
		w[(*n)++].len = i - start;
	}
	return 0;
}

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL, *nbuf;
	size_t cap = 0, n = 0, r;
	int ret = 0;

	if (!f)
		return -errno;
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			nbuf = realloc(buf, cap + 1);
			if (!nbuf) {
				ret = -ENOMEM;
				goto out_free;
			}
			buf = nbuf;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	if (ferror(f)) {
		ret = -EIO;
		goto out_free;
	}
	buf[n] = '\0';
	fclose(f);
	*text = buf;
	*len = n;
	return 0;

out_free:
	free(buf);
	fclose(f);
	return ret;
}

/* Iterate over the lines of @text; comments and blank lines included. */
static bool next_line(const char **pos, const char *end, const char **line,
		      u32 *len)
{
	const char *nl;

	if (*pos >= end)
		return false;
	nl = memchr(*pos, '\n', (size_t)(end - *pos));
	*line = *pos;
	*len = (u32)((nl ? nl : end) - *pos);
	*pos = nl ? nl + 1 : end;
	return true;
}

static bool is_comment(const struct word *w, u32 n)
{
	return n == 0 || w[0].s[0] == '#';
}

static int load_trace(struct parser *p, const struct word *fw,
		      struct nfips_rude_trace *t)
{
	char path[PATH_MAX], alt[PATH_MAX];
	const char *pos, *end, *line, *slash;
	struct nfips_rude_trace_ent *ent;
	struct word w[MAX_WORDS];
	u32 llen, n, lineno = 0, cap = 0;
	char *text;
	size_t len;
	int ret;

	memset(t, 0, sizeof(*t));
	if (fw->len >= sizeof(path))
		return perr(p, "trace file name too long");
	memcpy(path, fw->s, fw->len);
	path[fw->len] = '\0';
	ret = read_file(path, &text, &len);
	/* RUDE opens the name as given; beside the script is a convenience. */
	slash = strrchr(p->name, '/');
	if (ret == -ENOENT && path[0] != '/' && slash &&
	    (size_t)snprintf(alt, sizeof(alt), "%.*s/%s", (int)(slash - p->name),
			     p->name, path) < sizeof(alt)) {
		ret = read_file(alt, &text, &len);
		if (!ret)
			memcpy(path, alt, sizeof(path));
	}
	if (ret)
		return perr(p, "trace file '%s': %s", path, strerror(-ret));
	t->path = strdup(path);
	if (!t->path) {
		ret = -ENOMEM;
		goto out_text;
	}
	pos = text;
	end = text + len;
	while (next_line(&pos, end, &line, &llen)) {
		lineno++;
		if (split_words(line, llen, w, &n) || (!is_comment(w, n) && n != 2)) {
			ret = file_err(p->err, p->errlen, path,
				       "%u: expected '<bytes> <seconds-to-next>'",
				       lineno);
			goto out_trace;
		}
		if (is_comment(w, n))
			continue;
		if (t->n == cap) {
			cap = cap ? cap * 2 : 64;
			ent = realloc(t->ent, cap * sizeof(*ent));
			if (!ent) {
				ret = -ENOMEM;
				goto out_trace;
			}
			t->ent = ent;
		}
		ent = &t->ent[t->n];
		if (nfips_parse_u32(w[0].s, w[0].len, &ent->bytes) ||
		    ent->bytes < p->min_payload ||
		    ent->bytes > NFIPS_RUDE_MAX_PAYLOAD) {
			ret = file_err(p->err, p->errlen, path,
				       "%u: payload '%.*s' not in %u..%u", lineno,
				       (int)w[0].len, w[0].s, p->min_payload,
				       NFIPS_RUDE_MAX_PAYLOAD);
			goto out_trace;
		}
		if (parse_seconds_ns(w[1].s, w[1].len, &ent->gap_ns) ||
		    ent->gap_ns > 3600ull * 1000000000ull) {
			ret = file_err(p->err, p->errlen, path,
				       "%u: bad seconds-to-next '%.*s'", lineno,
				       (int)w[1].len, w[1].s);
			goto out_trace;
		}
		t->total_ns += ent->gap_ns;
		t->n++;
	}
	if (!t->n || !t->total_ns) {
		ret = file_err(p->err, p->errlen, path, "%u: %s", lineno,
			       !t->n ? "trace has no entries" :
			       "trace lasts 0 s (it is looped until OFF)");
		goto out_trace;
	}
	free(text);
	return 0;

out_trace:
	free(t->ent);
	free(t->path);
	memset(t, 0, sizeof(*t));
out_text:
	free(text);
	return ret;
}

static struct nfips_rude_flow *find_flow(struct nfips_rude_script *s, u32 id)
{
	u32 i;

	for (i = 0; i < s->n_flows; i++)
		if (s->flows[i].id == id)
			return &s->flows[i];
	return NULL;
}

static int grow(void **arr, u32 n, size_t size)
{
	void *a;

	/* Capacity is 8, 16, 32...: grow when @n (the count) reaches it. */
	if (n && (n < 8 || (n & (n - 1))))
		return 0;
	a = realloc(*arr, (n ? n * 2 : 8) * size);
	if (!a)
		return -ENOMEM;
	*arr = a;
	return 0;
}

/* CONSTANT <pps> <bytes> | TRACE <file>, at @w; fills @ev. */
static int parse_mode(struct parser *p, const struct word *w, u32 n,
		      struct nfips_rude_event *ev)
{
	struct nfips_rude_script *s = p->s;
	int ret;

	if (n >= 1 && word_is(&w[0], "CONSTANT")) {
		if (n != 3)
			return perr(p, "CONSTANT needs <packets/s> <payload-bytes>");
		ev->mode = NFIPS_RUDE_CONSTANT;
		ret = word_u32(p, &w[1], "rate", 0, NFIPS_RUDE_MAX_PPS, &ev->pps);
		if (!ret)
			ret = word_u32(p, &w[2], "payload size", p->min_payload,
				       NFIPS_RUDE_MAX_PAYLOAD, &ev->bytes);
		return ret;
	}
	if (n >= 1 && word_is(&w[0], "TRACE")) {
		if (n != 2)
			return perr(p, "TRACE needs <file>");
		ev->mode = NFIPS_RUDE_TRACE;
		if (grow((void **)&s->traces, s->n_traces, sizeof(*s->traces)))
			return -ENOMEM;
		ret = load_trace(p, &w[1], &s->traces[s->n_traces]);
		if (ret)
			return ret;
		ev->trace = s->n_traces++;
		return 0;
	}
	if (!n)
		return perr(p, "missing CONSTANT or TRACE");
	return perr(p, "unknown flow type '%.*s' (CONSTANT or TRACE)",
		    (int)w[0].len, w[0].s);
}

static int parse_start(struct parser *p, const struct word *w, u32 n)
{
	static const char *const what[3] = { "hour", "minute", "second" };
	static const u32 hi[3] = { 23, 59, 59 };
	const char *t, *e, *c;
	struct word part;
	u32 hms[3], k;
	int ret;

	if (p->have_start)
		return perr(p, "START given twice");
	p->have_start = true;
	if (n != 2)
		return perr(p, "START needs NOW or HH:MM:SS");
	if (word_is(&w[1], "NOW")) {
		p->s->start_now = true;
		return 0;
	}
	t = w[1].s;
	e = t + w[1].len;
	for (k = 0; k < 3; k++) {
		c = k < 2 ? memchr(t, ':', (size_t)(e - t)) : e;
		if (!c)
			return perr(p, "bad START time '%.*s' (NOW or HH:MM:SS)",
				    (int)w[1].len, w[1].s);
		part.s = t;
		part.len = (u32)(c - t);
		ret = word_u32(p, &part, what[k], 0, hi[k], &hms[k]);
		if (ret)
			return ret;
		t = c + 1;
	}
	p->s->start_hms = hms[0] * 3600 + hms[1] * 60 + hms[2];
	return 0;
}

static int parse_tos(struct parser *p, const struct word *w, u32 n)
{
	struct nfips_rude_flow *f;
	u32 id, tos;
	int ret;

	if (n != 3)
		return perr(p, "TOS needs <flow-id> <value>");
	ret = word_u32(p, &w[1], "flow id", 0, UINT32_MAX, &id);
	if (!ret)
		ret = word_u32(p, &w[2], "TOS value", 0, 255, &tos);
	if (ret)
		return ret;
	f = find_flow(p->s, id);
	if (!f)
		return perr(p, "TOS for flow %u, which has no ON before it", id);
	f->tos = (int)tos;
	return 0;
}

static int parse_timed(struct parser *p, const struct word *w, u32 n)
{
	struct nfips_rude_script *s = p->s;
	struct nfips_rude_event ev = { .line = p->line };
	struct nfips_rude_flow *f, nf = { .tos = -1 };
	u32 id, sport;
	int ret;

	ret = word_u32(p, &w[0], "time", 0, UINT32_MAX, &ev.t_ms);
	if (ret)
		return ret;
	if (n < 3)
		return perr(p, "expected '<ms> <flow-id> ON|MODIFY|OFF ...'");
	ret = word_u32(p, &w[1], "flow id", 0, UINT32_MAX, &id);
	if (ret)
		return ret;
	f = find_flow(s, id);
	if (word_is(&w[2], "ON")) {
		ev.cmd = NFIPS_RUDE_ON;
		if (f)
			return perr(p, "flow %u: ON again (each flow is ON once, line %u)",
				    id, f->on_line);
		if (n < 5)
			return perr(p, "ON needs <src-port> <dst-ip>:<dst-port> CONSTANT|TRACE ...");
		ret = word_u32(p, &w[3], "source port", 1, 65535, &sport);
		if (ret)
			return ret;
		if (nfips_rude_parse_dst(w[4].s, w[4].len, &nf.dst, &nf.dst_len))
			return perr(p, "bad destination '%.*s' (a.b.c.d:port or [v6]:port)",
				    (int)w[4].len, w[4].s);
		ret = parse_mode(p, w + 5, n - 5, &ev);
		if (ret)
			return ret;
		nf.id = id;
		nf.sport = (u16)sport;
		nf.on_line = p->line;
		nf.on = true;
		nf.last_ms = ev.t_ms;
		if (grow((void **)&s->flows, s->n_flows, sizeof(*s->flows)))
			return -ENOMEM;
		ev.flow = s->n_flows;
		s->flows[s->n_flows++] = nf;
		goto append;
	}
	if (word_is(&w[2], "MODIFY"))
		ev.cmd = NFIPS_RUDE_MODIFY;
	else if (word_is(&w[2], "OFF"))
		ev.cmd = NFIPS_RUDE_OFF;
	else
		return perr(p, "unknown command '%.*s'", (int)w[2].len, w[2].s);
	if (!f || f->off)
		return perr(p, "flow %u is not ON", id);
	if (ev.t_ms < f->last_ms)
		return perr(p, "time goes backwards for flow %u (%u ms after %u ms)",
			    id, ev.t_ms, f->last_ms);
	if (ev.cmd == NFIPS_RUDE_OFF) {
		if (n != 3)
			return perr(p, "unexpected '%.*s' after OFF",
				    (int)w[3].len, w[3].s);
		f->off = true;
	} else {
		ret = parse_mode(p, w + 3, n - 3, &ev);
		if (ret)
			return ret;
	}
	f->last_ms = ev.t_ms;
	ev.flow = (u32)(f - s->flows);
append:
	if (grow((void **)&s->events, s->n_events, sizeof(*s->events)))
		return -ENOMEM;
	s->events[s->n_events++] = ev;
	return 0;
}

static int parse_line(struct parser *p, const char *line, u32 len)
{
	struct word w[MAX_WORDS];
	u32 n;

	if (split_words(line, len, w, &n))
		return perr(p, "too many words");
	if (is_comment(w, n))
		return 0;
	if (word_is(&w[0], "START"))
		return parse_start(p, w, n);
	if (!p->have_start)
		return perr(p, "missing START (it must be the first command)");
	if (word_is(&w[0], "TOS"))
		return parse_tos(p, w, n);
	if (isdigit((unsigned char)w[0].s[0]))
		return parse_timed(p, w, n);
	return perr(p, "unknown command '%.*s'", (int)w[0].len, w[0].s);
}

void nfips_rude_script_free(struct nfips_rude_script *s)
{
	u32 i;

	for (i = 0; i < s->n_traces; i++) {
		free(s->traces[i].ent);
		free(s->traces[i].path);
	}
	free(s->traces);
	free(s->events);
	free(s->flows);
	memset(s, 0, sizeof(*s));
}

int nfips_rude_script_parse(const char *text, size_t len, const char *name,
			    u32 min_payload, struct nfips_rude_script *s,
			    char *err, size_t errlen)
{
	struct parser p = {
		.name = name, .min_payload = min_payload, .s = s,
		.err = err, .errlen = errlen,
	};
	const char *pos = text, *end = text + len, *line;
	bool any_off = false;
	u32 llen, i;
	int ret;

	memset(s, 0, sizeof(*s));
	err[0] = '\0';
	while (next_line(&pos, end, &line, &llen)) {
		p.line++;
		ret = parse_line(&p, line, llen);
		if (ret == -ENOMEM)
			snprintf(err, errlen, "%s:%u: out of memory", name, p.line);
		if (ret)
			goto out_free;
	}
	/* End-of-file errors name the last line. */
	if (!p.have_start) {
		ret = perr(&p, "missing START");
		goto out_free;
	}
	if (!s->n_flows) {
		ret = perr(&p, "no ON command");
		goto out_free;
	}
	for (i = 0; i < s->n_events; i++)
		any_off |= s->events[i].cmd == NFIPS_RUDE_OFF;
	if (!any_off) {
		ret = perr(&p, "no OFF command");
		goto out_free;
	}
	for (i = 0; i < s->n_flows; i++) {
		if (!s->flows[i].off) {
			p.line = s->flows[i].on_line;
			ret = perr(&p, "flow %u is never turned OFF", s->flows[i].id);
			goto out_free;
		}
	}
	return 0;

out_free:
	nfips_rude_script_free(s);
	return ret;
}

int nfips_rude_script_load(const char *path, u32 min_payload,
			   struct nfips_rude_script *s, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int ret;

	ret = read_file(path, &text, &len);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = nfips_rude_script_parse(text, len, path, min_payload, s, err, errlen);
	free(text);
	return ret;
}

int nfips_rude_parse_dst(const char *s, size_t len, struct sockaddr_storage *ss,
			 socklen_t *sl)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	const char *colon, *addr = s;
	char buf[INET6_ADDRSTRLEN];
	size_t alen;
	u32 port;
	bool v6 = len && s[0] == '[';

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		colon = memchr(s, ']', len);
		if (!colon || (size_t)(colon - s) + 1 >= len || colon[1] != ':')
			return -EINVAL;
		addr = s + 1;
		alen = (size_t)(colon - addr);
		colon++;
	} else {
		colon = memrchr(s, ':', len);
		if (!colon)
			return -EINVAL;
		alen = (size_t)(colon - s);
	}
	if (!alen || alen >= sizeof(buf))
		return -EINVAL;
	if (nfips_parse_u32(colon + 1, (u32)(s + len - colon - 1), &port) ||
	    !port || port > 65535)
		return -EINVAL;
	memcpy(buf, addr, alen);
	buf[alen] = '\0';
	if (v6) {
		if (inet_pton(AF_INET6, buf, &s6->sin6_addr) != 1)
			return -EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((u16)port);
		*sl = sizeof(*s6);
	} else {
		if (inet_pton(AF_INET, buf, &s4->sin_addr) != 1)
			return -EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((u16)port);
		*sl = sizeof(*s4);
	}
	return 0;
}

/* ---- collector statistics ------------------------------------------ */

void nfips_crude_flow_init(struct nfips_crude_flow *f, u32 id, s64 *samples,
			   u64 cap)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->samples = samples;
	f->cap_samples = samples ? cap : 0;
	f->delay_min_ns = INT64_MAX;
	f->delay_max_ns = INT64_MIN;
	f->wire = -1;
}

void nfips_crude_flow_add(struct nfips_crude_flow *f, u32 seq, u32 bytes,
			  u64 tx_ns, u64 rx_ns)
{
	s64 d = (s64)(rx_ns - tx_ns), j;

	if (!f->received) {
		f->first_seq = seq;
		f->max_seq = seq;
		f->rx_first_ns = rx_ns;
	} else {
		if (seq <= f->max_seq)
			f->out_of_seq++;
		else
			f->max_seq = seq;
		if (seq < f->first_seq)
			f->first_seq = seq;
		j = d - f->prev_delay_ns;
		if (j < 0)
			j = -j;
		f->jitter_sum_ns += (u64)j;
		if ((u64)j > f->jitter_max_ns)
			f->jitter_max_ns = (u64)j;
	}
	f->last_seq = seq;
	f->received++;
	f->bytes += bytes;
	/*
	 * A sender's clock (or a forged tx time) can be anywhere: saturate
	 * rather than overflow; the average is then meaningless but defined.
	 */
	if (__builtin_add_overflow(f->delay_sum_ns, d, &f->delay_sum_ns))
		f->delay_sum_ns = d < 0 ? INT64_MIN : INT64_MAX;
	if (d < f->delay_min_ns)
		f->delay_min_ns = d;
	if (d > f->delay_max_ns)
		f->delay_max_ns = d;
	f->prev_delay_ns = d;
	f->rx_last_ns = rx_ns;
	if (f->n_samples < f->cap_samples)
		f->samples[f->n_samples++] = d;
	else
		f->samples_dropped++;
}

static int cmp_s64(const void *a, const void *b)
{
	s64 x = *(const s64 *)a, y = *(const s64 *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least pct% at or below it. */
static s64 rank(const s64 *sorted, u64 n, u64 pct)
{
	u64 r = (n * pct + 99) / 100;

	return sorted[r ? r - 1 : 0];
}

void nfips_crude_flow_summary(struct nfips_crude_flow *f,
			      struct nfips_crude_summary *sum)
{
	double span;

	memset(sum, 0, sizeof(*sum));
	sum->id = f->id;
	sum->received = f->received;
	if (!f->received)
		return;
	sum->out_of_seq = f->out_of_seq;
	sum->bytes = f->bytes;
	sum->first_seq = f->first_seq;
	sum->last_seq = f->max_seq;
	sum->lost = (s64)f->max_seq - (s64)f->first_seq + 1 - (s64)f->received;
	sum->delay_avg_s = (double)f->delay_sum_ns / (double)f->received / 1e9;
	if (f->received > 1)
		sum->jitter_s = (double)f->jitter_sum_ns /
				(double)(f->received - 1) / 1e9;
	sum->jitter_max_s = (double)f->jitter_max_ns / 1e9;
	span = (double)(f->rx_last_ns - f->rx_first_ns) / 1e9;
	if (span > 0)
		sum->throughput_Bps = (double)f->bytes / span;
	sum->delay_min_s = (double)f->delay_min_ns / 1e9;
	sum->delay_max_s = (double)f->delay_max_ns / 1e9;
	sum->samples = f->n_samples;
	sum->samples_dropped = f->samples_dropped;
	if (f->n_samples) {
		qsort(f->samples, f->n_samples, sizeof(*f->samples), cmp_s64);
		sum->delay_median_s = (double)rank(f->samples, f->n_samples, 50) / 1e9;
		sum->delay_p99_s = (double)rank(f->samples, f->n_samples, 99) / 1e9;
	}
}

/*
 * CRUDE's own -s layout (crude.c print_stats(), trailing blanks included), so
 * scripts written for CRUDE read ours; the last line is nfips-crude's own.
 * One difference in a figure, not the layout: CRUDE leaves the first
 * packet's delay out of the sum it divides by all packets; the average here
 * is the plain mean of every packet's delay.
 */
static void print_sec(FILE *out, double s)
{
	u64 us = (u64)((s < 0 ? -s : s) * 1e6 + 0.5);

	fprintf(out, "%s%llu.%06llu", s < 0 && us ? "-" : "",
		(unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000));
}

void nfips_crude_summary_print(const struct nfips_crude_summary *s, FILE *out)
{
	fprintf(out, "\nFlow_ID=%u \n", s->id);
	fprintf(out, "Packets: received=%llu   out-of-seq=%llu   lost(est)=%lld \n",
		(unsigned long long)s->received,
		(unsigned long long)s->out_of_seq,
		(long long)(s->received ? s->lost : 0));
	fprintf(out, "Total bytes received=%llu \n", (unsigned long long)s->bytes);
	if (s->received)
		fprintf(out, "Sequence numbers: first=%u   last=%u \n",
			s->first_seq, s->last_seq);
	if (s->received < 2) {
		fprintf(out, "Can't calculate statistics: not enough packets received. \n");
		return;
	}
	fprintf(out, "Delay: average = ");
	print_sec(out, s->delay_avg_s);
	fprintf(out, "   jitter=");
	print_sec(out, s->jitter_s);
	fprintf(out, "   seconds \nAbsolute maximum jitter=");
	print_sec(out, s->jitter_max_s);
	fprintf(out, "   seconds \nThroughput=%g   Bps  (from first to last packet received) \n",
		s->throughput_Bps);
	fprintf(out, "Delay (nfips-crude): min=%.6f   median=%.6f   p99=%.6f   max=%.6f   seconds   (%llu samples, %llu not kept) \n",
		s->delay_min_s, s->delay_median_s, s->delay_p99_s,
		s->delay_max_s, (unsigned long long)s->samples,
		(unsigned long long)s->samples_dropped);
}

/* ---- collector records ---------------------------------------------- */

static void put_le16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void put_le32(u8 *p, u32 v)
{
	put_le16(p, (u16)v);
	put_le16(p + 2, (u16)(v >> 16));
}

static void put_le64(u8 *p, u64 v)
{
	put_le32(p, (u32)v);
	put_le32(p + 4, (u32)(v >> 32));
}

static u16 get_le16(const u8 *p)
{
	return (u16)(p[0] | (p[1] << 8));
}

static u32 get_le32(const u8 *p)
{
	return get_le16(p) | ((u32)get_le16(p + 2) << 16);
}

static u64 get_le64(const u8 *p)
{
	return get_le32(p) | ((u64)get_le32(p + 4) << 32);
}

void nfips_crude_log_header(u8 out[NFIPS_CRUDE_LOG_HDR])
{
	memcpy(out, NFIPS_CRUDE_LOG_MAGIC, 8);
	put_le32(out + 8, 1);
	put_le32(out + 12, NFIPS_CRUDE_REC_SIZE);
}

int nfips_crude_log_check(const u8 hdr[NFIPS_CRUDE_LOG_HDR])
{
	if (memcmp(hdr, NFIPS_CRUDE_LOG_MAGIC, 8) || get_le32(hdr + 8) != 1 ||
	    get_le32(hdr + 12) != NFIPS_CRUDE_REC_SIZE)
		return -EINVAL;
	return 0;
}

/*
 * Record layout (little-endian): @0 flow_id, @4 seq, @8 tx_sec, @12 tx_usec,
 * @16 rx_ns (u64), @24 size, @28 dst_family, @30 dst_port, @32 dst_addr[16],
 * @48 src_family, @50 src_port, @52 src_addr[16], @68 local_port, @70 wire,
 * @71..79 zero.
 */
void nfips_crude_rec_pack(const struct nfips_crude_rec *r,
			  u8 out[NFIPS_CRUDE_REC_SIZE])
{
	memset(out, 0, NFIPS_CRUDE_REC_SIZE);
	put_le32(out, r->h.flow_id);
	put_le32(out + 4, r->h.seq);
	put_le32(out + 8, r->h.tx_sec);
	put_le32(out + 12, r->h.tx_usec);
	put_le64(out + 16, r->rx_ns);
	put_le32(out + 24, r->size);
	put_le16(out + 28, r->h.dst_family);
	put_le16(out + 30, r->h.dst_port);
	memcpy(out + 32, r->h.dst_addr, 16);
	put_le16(out + 48, r->src_family);
	put_le16(out + 50, r->src_port);
	memcpy(out + 52, r->src_addr, 16);
	put_le16(out + 68, r->local_port);
	out[70] = r->wire;
}

int nfips_crude_rec_unpack(const u8 in[NFIPS_CRUDE_REC_SIZE],
			   struct nfips_crude_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->h.flow_id = get_le32(in);
	r->h.seq = get_le32(in + 4);
	r->h.tx_sec = get_le32(in + 8);
	r->h.tx_usec = get_le32(in + 12);
	r->rx_ns = get_le64(in + 16);
	r->size = get_le32(in + 24);
	r->h.dst_family = get_le16(in + 28);
	r->h.dst_port = get_le16(in + 30);
	memcpy(r->h.dst_addr, in + 32, 16);
	r->src_family = get_le16(in + 48);
	r->src_port = get_le16(in + 50);
	memcpy(r->src_addr, in + 52, 16);
	r->local_port = get_le16(in + 68);
	r->wire = in[70];
	if (r->wire >= NFIPS_RUDE_WIRE_COUNT || !all_zero(in + 71, 9))
		return -EINVAL;
	return 0;
}

/* "a.b.c.d:port" or "[v6]:port"; an unknown family prints as 0.0.0.0. */
static void format_ep(char *buf, size_t len, u16 family, const u8 *addr,
		      u16 port)
{
	char a[INET6_ADDRSTRLEN];

	if (family == AF_INET6 && inet_ntop(AF_INET6, addr, a, sizeof(a))) {
		snprintf(buf, len, "[%s]:%u", a, port);
		return;
	}
	if (family != AF_INET || !inet_ntop(AF_INET, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "0.0.0.0");
	snprintf(buf, len, "%s:%u", a, port);
}

int nfips_crude_rec_format(const struct nfips_crude_rec *r, char *buf,
			   size_t len)
{
	char src[INET6_ADDRSTRLEN + 8], dst[INET6_ADDRSTRLEN + 8];
	int n;

	format_ep(src, sizeof(src), r->src_family, r->src_addr, r->src_port);
	format_ep(dst, sizeof(dst), r->h.dst_family, r->h.dst_addr,
		  r->wire == NFIPS_RUDE_W08 ? r->h.dst_port : r->local_port);
	n = snprintf(buf, len,
		     "ID=%u SEQ=%u SRC=%s DST=%s Tx=%u.%06u Rx=%llu.%06llu SIZE=%u\n",
		     r->h.flow_id, r->h.seq, src, dst, r->h.tx_sec, r->h.tx_usec,
		     (unsigned long long)(r->rx_ns / 1000000000ull),
		     (unsigned long long)(r->rx_ns % 1000000000ull / 1000),
		     r->size);
	return n < 0 ? 0 : (int)min((size_t)n, len ? len - 1 : 0);
}

/* ---- pacing ---------------------------------------------------------- */

u64 nfips_rude_const_deadline(u64 seg_start, u64 k, u32 pps, u32 burst)
{
	u64 first = k - k % burst;	/* the first packet of k's burst */

	return seg_start + (u64)((unsigned __int128)first * 1000000000ull / pps);
}

u64 nfips_rude_const_first_at(u64 seg_start, u64 t, u32 pps, u32 burst)
{
	/*
	 * Burst m starts at floor(m * burst s / pps); it is at or after the
	 * integer d = t - seg_start iff m * burst * 1e9 >= d * pps.
	 */
	unsigned __int128 step = (unsigned __int128)burst * 1000000000ull;
	u64 d = t > seg_start ? t - seg_start : 0;

	return (u64)(((unsigned __int128)d * pps + step - 1) / step) * burst;
}

int nfips_rude_sched(const char *prog, int cpu, int prio, bool quiet)
{
	struct sched_param sp = { .sched_priority = prio };
	cpu_set_t cpus;

	if (cpu >= 0) {
		CPU_ZERO(&cpus);
		CPU_SET(cpu, &cpus);
		if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
			fprintf(stderr, "%s: --cpu %d: %m\n", prog, cpu);
			return -1;
		}
	}
	if (prio > 0 && sched_setscheduler(0, SCHED_FIFO, &sp) && !quiet)
		fprintf(stderr, "%s: -P %d: SCHED_FIFO: %m (ignored)\n", prog, prio);
	return 0;
}

int nfips_rude_opt_u32(const char *prog, const char *opt, const char *s,
		       u32 lo, u32 hi, u32 *v)
{
	if (nfips_parse_u32(s, (u32)strlen(s), v) || *v < lo || *v > hi) {
		fprintf(stderr, "%s: %s: '%s' is not a number in %u..%u\n",
			prog, opt, s, lo, hi);
		return -1;
	}
	return 0;
}
