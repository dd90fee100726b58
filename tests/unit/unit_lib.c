// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the op-module vectors, portable: built into the unit tests and,
 * with tests/kmod/opvec/kselftest.h, into nfips_test_ops.ko. The registry
 * each side uses is unit_op_get()/unit_op_put() (unit_user.c here,
 * tests/kmod/opvec/opvec.c in the kernel).
 */
#include "kselftest.h"
#include "unit_lib.h"

struct nfips_op *unit_op(const char *type, const char *args,
			 struct nfips_err *err)
{
	const struct nfips_op_ops *ops = unit_op_get(type, err);
	struct nfips_op *op;

	if (!ops)
		return NULL;
	err->msg[0] = '\0';
	op = ops->init(args, err);
	if (!op) {
		unit_op_put(ops);
		return NULL;
	}
	/* As the policy builder does: ops with scratch get theirs here. */
	if (nfips_op_scratch_init(op, err)) {
		unit_op_free(op);
		return NULL;
	}
	return op;
}

void unit_op_free(struct nfips_op *op)
{
	const struct nfips_op_ops *ops;

	if (!op)
		return;
	ops = op->ops;
	nfips_op_free(op);
	unit_op_put(ops);
}

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

u32 unit_build_pkt(u8 *buf, int family, const struct unit_l4 *l4)
{
	u32 l3 = family == 6 ? 40 : 20, hl, len;
	u8 *p;

	switch (l4->proto) {
	case NFIPS_PROTO_TCP:
		hl = 20;
		break;
	case NFIPS_PROTO_UDP:
		hl = 8;
		break;
	default:
		hl = 0;
		break;
	}
	len = l3 + hl + l4->payload_len;
	memset(buf, 0, l3 + hl);
	if (family == 6) {
		buf[0] = 0x60;
		put16(buf + 4, (u16)(len - 40));
		buf[6] = l4->proto;
		buf[7] = 64;
		buf[8] = 0x20; buf[9] = 0x01; buf[10] = 0x0d; buf[11] = 0xb8;
		buf[23] = 1;
		buf[24] = 0x20; buf[25] = 0x01; buf[26] = 0x0d; buf[27] = 0xb8;
		buf[39] = 2;
	} else {
		buf[0] = 0x45;
		put16(buf + 2, (u16)len);
		buf[8] = 64;
		buf[9] = l4->proto;
		buf[12] = 10; buf[15] = 1;
		buf[16] = 10; buf[19] = 2;
	}
	p = buf + l3;
	if (hl) {
		put16(p, l4->sport);
		put16(p + 2, l4->dport);
	}
	if (l4->proto == NFIPS_PROTO_TCP) {
		p[12] = 5 << 4;
		p[13] = l4->tcp_flags;
	} else if (l4->proto == NFIPS_PROTO_UDP) {
		put16(p + 4, (u16)(hl + l4->payload_len));
	}
	if (l4->payload_len)
		memcpy(p + hl, l4->payload, l4->payload_len);
	return len;
}

void unit_view(struct nfips_pkt *pkt, const u8 *buf, u32 len)
{
	int ret = nfips_pkt_parse(pkt, buf, len, len);

	if (ret) {
		/* The kernel carries on: an empty view, not a stale one. */
		memset(pkt, 0, sizeof(*pkt));
		ksft_exit_fail_msg("unit_view: parse failed: %d\n", ret);
	}
}

int unit_process(struct nfips_op *op, const struct nfips_pkt *pkt)
{
	return op ? nfips_op_process(op, pkt) : -1;
}

/*
 * Run @op on a UDP packet (IPv4 or IPv6) carrying @pay[0 .. plen), in a
 * buffer of exactly the packet's size (ASan sees any read past its end).
 */
int unit_run_payload(struct nfips_op *op, int family, const void *pay, u32 plen)
{
	static u8 tmp[70000];
	struct unit_l4 l4 = {
		.proto = NFIPS_PROTO_UDP, .sport = 1, .dport = 2,
		.payload = pay, .payload_len = plen,
	};
	struct nfips_pkt pkt;
	u32 len = unit_build_pkt(tmp, family, &l4);
	u8 *copy;
	int r;

	/* A vector whose op could not be built (kernel: no exit) mismatches. */
	if (!op)
		return -1;
	unit_yield();
	copy = malloc(len);
	if (!copy) {
		ksft_exit_fail_msg("out of memory\n");
		return -1;
	}
	memcpy(copy, tmp, len);
	unit_view(&pkt, copy, len);
	if (pkt.payload_len != plen || pkt.payload_off + plen != len)
		ksft_exit_fail_msg("payload not at the end of the packet\n");
	r = nfips_op_process(op, &pkt);
	free(copy);
	return r;
}

/* ---- the randomised pattern cross-checks (test_bm, test_ac) ---- */

static u8 unit_lfold(u8 c)
{
	return c >= 'A' && c <= 'Z' ? (u8)(c - 'A' + 'a') : c;
}

/* The reference: every position of the window, every pattern, byte by byte. */
bool unit_naive_search(const struct unit_xcase *x, const u8 *t, u32 n)
{
	u32 start = x->offset, end = n, p, i, k;

	if (x->depth && (u64)start + x->depth < end)
		end = start + x->depth;
	for (p = 0; p < x->n; p++) {
		for (i = start; (u64)i + x->len[p] <= end; i++) {
			for (k = 0; k < x->len[p]; k++) {
				u8 a = t[i + k], b = x->pat[p][k];

				if (x->nocase ? unit_lfold(a) != unit_lfold(b) : a != b)
					break;
			}
			if (k == x->len[p])
				return true;
		}
	}
	return false;
}

static const u8 alpha_ab[] = "ab";
static const u8 alpha_abcd[] = "abcd";
static const u8 alpha_case[] = "aAbB";
static const u8 alpha_bin[] = { 0, 0xff, 'a', '|' };

u8 unit_rnd_byte(struct unit_rng *r, int alphabet)
{
	switch (alphabet) {
	case 0: return alpha_ab[unit_rng_below(r, 2)];
	case 1: return alpha_abcd[unit_rng_below(r, 4)];
	case 2: return alpha_case[unit_rng_below(r, 4)];
	case 3: return alpha_bin[unit_rng_below(r, 4)];
	default: return (u8)unit_rng_next(r);
	}
}

/* Write pattern @p as an argument value: bare, quoted with escapes, or hex. */
int unit_encode_pattern(char *out, const u8 *p, u32 len, struct unit_rng *r)
{
	u32 mode = unit_rng_below(r, 3), i, n = 0;
	bool hex = false;

	for (i = 0; mode == 0 && i < len; i++)
		if (!unit_isalnum(p[i]))
			mode = 1;
	if (mode == 0) {
		memcpy(out, p, len);
		return (int)len;
	}
	if (mode == 2) {
		out[n++] = '|';
		for (i = 0; i < len; i++)
			n += sprintf(out + n, "%s%02x", i ? " " : "", p[i]);
		out[n++] = '|';
		return (int)n;
	}
	out[n++] = '"';
	for (i = 0; i < len; i++) {
		bool text = p[i] >= 0x20 && p[i] < 0x7f;

		if (text && hex) {
			out[n++] = '|';
			hex = false;
		}
		if (text) {
			if (p[i] == '"' || p[i] == '\\' || p[i] == '|')
				out[n++] = '\\';
			out[n++] = (char)p[i];
		} else {
			n += sprintf(out + n, "%s%02x", hex ? " " : "|", p[i]);
			hex = true;
		}
	}
	if (hex)
		out[n++] = '|';
	out[n++] = '"';
	return (int)n;
}
