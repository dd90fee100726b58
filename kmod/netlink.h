/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPS_KMOD_NETLINK_H
#define NFIPS_KMOD_NETLINK_H

#include "nfips_policy.h"

/*
 * nfips_policy_env.alert of every policy: multicast one alert event to the
 * listeners of the policy's namespace (ctx: struct nfips_net). Worker
 * context; GFP_ATOMIC, only when someone listens, and no more than the
 * namespace's rate limit (nfips_alert_ok(); the rest is counted).
 */
void nfips_netlink_alert(void *ctx, const struct nfips_chain *chain,
			 const struct nfips_op *op, const struct nfips_pkt *pkt,
			 int result);

int nfips_netlink_init(void);
void nfips_netlink_exit(void);

#endif
