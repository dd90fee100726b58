// SPDX-License-Identifier: GPL-2.0
#include "kselftest.h"
#include "unit_lib.h"

int unit_op_refs;

static struct nfips_op_ops *const types[] = {
	&nfips_op_header_ops, &nfips_op_bm_ops, &nfips_op_sleep_ops,
	&nfips_op_ac_ops,
};

/* The unit tests' registry: the op-modules linked in statically. */
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

struct nfips_op *unit_op(const char *type, const char *args,
			 struct nfips_err *err)
{
	const struct nfips_op_ops *ops = nfips_op_get(type, err);
	struct nfips_op *op;

	if (!ops)
		return NULL;
	err->msg[0] = '\0';
	op = ops->init(args, err);
	if (!op)
		nfips_op_put(ops);
	return op;
}

void unit_op_free(struct nfips_op *op)
{
	const struct nfips_op_ops *ops;

	if (!op)
		return;
	ops = op->ops;
	nfips_op_free(op);
	nfips_op_put(ops);
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

	if (ret)
		ksft_exit_fail_msg("unit_view: parse failed: %d\n", ret);
}
