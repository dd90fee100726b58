/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the unit tests: a static op registry and packet builders. */
#ifndef NFIPS_UNIT_LIB_H
#define NFIPS_UNIT_LIB_H

#include "nfips_policy.h"

extern struct nfips_op_ops nfips_op_header_ops;
extern struct nfips_op_ops nfips_op_bm_ops;
extern struct nfips_op_ops nfips_op_sleep_ops;
extern struct nfips_op_ops nfips_op_ac_ops;

/* Number of nfips_op_get() minus nfips_op_put() calls: must end at 0. */
extern int unit_op_refs;

struct unit_l4 {
	u8 proto;		/* NFIPS_PROTO_TCP / UDP / other */
	u16 sport, dport;
	u8 tcp_flags;
	const void *payload;
	u32 payload_len;
};

/*
 * Write an IPv4 (family 4) or IPv6 (family 6) packet with a correct header
 * and the given L4 part into @buf (>= 60 + 40 + payload_len bytes).
 * Returns its length.
 */
u32 unit_build_pkt(u8 *buf, int family, const struct unit_l4 *l4);

/* Build @pkt from the packet in @buf; fails the program if parsing fails. */
void unit_view(struct nfips_pkt *pkt, const u8 *buf, u32 len);

/* Instantiate op type @type with @args, or NULL (error text in @err). */
struct nfips_op *unit_op(const char *type, const char *args,
			 struct nfips_err *err);
void unit_op_free(struct nfips_op *op);

#endif
