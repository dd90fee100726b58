// SPDX-License-Identifier: GPL-2.0
/*
 * The traffic selector: a PREROUTING hook per namespace for IPv4 and IPv6,
 * registered last (NF_IP_PRI_LAST), so conntrack, mangle and DNAT have run
 * before it and re-injection through okfn skips no other hook.
 *
 * Context: softirq (or BH off), under the netfilter core's RCU read lock,
 * which is what keeps nfips_net.run alive here. Nothing sleeps, nothing is
 * allocated but the queue entry (GFP_ATOMIC, in queue.c).
 */
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>

#include "hook.h"
#include "queue.h"

/*
 * Headers the selector reads: IPv4 (60) + TCP (60) is 120; IPv6 with a few
 * extension headers fits too. Deeper than this the parser sees a truncated
 * view (no L4): such a packet matches only rules without ports.
 */
#define HDR_MAX	192

static unsigned int nfips_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct nfips_net *nn = priv;
	const struct nfips_rule *rule;
	struct nfips_run *run;
	struct nfips_pkt pkt;
	u8 buf[HDR_MAX];
	const void *data;
	u32 len;

	run = rcu_dereference(nn->run);
	if (!run)
		goto bypass;

	/* In PREROUTING skb->data is the L3 header. Linear headers are read
	 * in place; otherwise copy at most HDR_MAX bytes. */
	len = min_t(u32, skb->len, HDR_MAX);
	if (skb_headlen(skb) >= len) {
		data = skb->data;
	} else {
		data = skb_header_pointer(skb, 0, len, buf);
		if (!data)
			goto malformed;
	}
	/* wire_len = skb->len: the parser checks the L3 lengths against it. */
	if (nfips_pkt_parse(&pkt, data, len, skb->len))
		goto malformed;
	pkt.ifindex = state->in ? state->in->ifindex : 0;

	rule = nfips_policy_select(run->policy, &pkt);
	if (!rule || !rule->chain)
		goto bypass;
	return nfips_queue_packet(run, rule->chain, skb, state);

malformed:
	/* Documented decision: not ours to judge. ip_rcv_core has checked the
	 * basic header already; what still fails here is dropped by the IP
	 * stack right after us. Accepting keeps both counts honest. */
	atomic64_inc(&nn->stats.malformed);
	return NF_ACCEPT;
bypass:
	atomic64_inc(&nn->stats.bypassed);
	return NF_ACCEPT;
}

int nfips_hook_register(struct nfips_net *nn)
{
	struct nf_hook_ops *ops = nn->hook_ops;

	/* The ops live in @nn: the core keeps pointers to them per netns. */
	ops[0] = (struct nf_hook_ops){
		.hook = nfips_hook,
		.priv = nn,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_LAST,
	};
	ops[1] = (struct nf_hook_ops){
		.hook = nfips_hook,
		.priv = nn,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_LAST,
	};
	return nf_register_net_hooks(nn->net, ops, ARRAY_SIZE(nn->hook_ops));
}

void nfips_hook_unregister(struct nfips_net *nn)
{
	/* Waits for running hooks (synchronize_net) before returning. */
	nf_unregister_net_hooks(nn->net, nn->hook_ops, ARRAY_SIZE(nn->hook_ops));
}
