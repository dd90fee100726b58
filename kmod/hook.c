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

/* The parser's reader: bytes at L3 offset @off, wherever they are in the skb. */
static const void *skb_read(const void *ctx, u32 off, u32 len, void *buf)
{
	return skb_header_pointer(ctx, (int)off, (int)len, buf);
}

static unsigned int nfips_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct nfips_net *nn = priv;
	const struct nfips_rule *rule;
	struct nfips_pkt_reader rd = { .read = skb_read, .ctx = skb };
	struct nfips_run *run;
	struct nfips_pkt pkt;
	bool blind;

	run = rcu_dereference(nn->run);
	if (!run)
		goto bypass;

	/*
	 * In PREROUTING skb->data is the L3 header. The linear part is read
	 * in place; every header beyond it (a long IPv6 extension chain, a
	 * paged L4 header) through skb_header_pointer, so the selector finds
	 * the L4 header at any depth, as ipv6_skip_exthdr() and ip6tables do.
	 * There is no fixed window a packet could hide its ports behind.
	 * wire_len = skb->len: the parser checks the L3 lengths against it.
	 */
	if (nfips_pkt_parse_rd(&pkt, skb->data, skb_headlen(skb), skb->len, &rd))
		goto malformed;
	pkt.ifindex = state->in ? state->in->ifindex : 0;

	rule = nfips_policy_select_ex(run->policy, &pkt, &blind);
	if (blind)
		goto blind;
	if (!rule || !rule->chain)
		goto bypass;
	return nfips_queue_packet(run, rule->chain, skb, state);

blind:
	/*
	 * A rule needs ports or a protocol this packet cannot show (its L4
	 * header is not within the packet): fail closed, as iptables does at
	 * a port match and so the user twin (nfips_policy_select_ex). Counted
	 * as received and dropped, so the counters still balance.
	 */
	atomic64_inc(&nn->stats.received);
	atomic64_inc(&nn->stats.dropped);
	return NF_DROP;
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
