// SPDX-License-Identifier: GPL-2.0
/*
 * Packet-view builder shared by both twins. Every length read from the packet
 * is checked against two limits: the bytes we may read (view length) and the
 * L3 length the packet claims, itself checked against the real length.
 */
#include "nfips_pkt.h"

#define IPV6_NH_HOPOPTS		0
#define IPV6_NH_ROUTING		43
#define IPV6_NH_FRAGMENT	44
#define IPV6_NH_AH		51
#define IPV6_NH_DSTOPTS		60

static bool ipv6_exthdr(u8 nh)
{
	return nh == IPV6_NH_HOPOPTS || nh == IPV6_NH_ROUTING ||
	       nh == IPV6_NH_FRAGMENT || nh == IPV6_NH_AH ||
	       nh == IPV6_NH_DSTOPTS;
}

bool nfips_pkt_proto_unknown(const struct nfips_pkt *pkt)
{
	return pkt->family == 6 && !(pkt->flags & NFIPS_PKT_FRAG_LATER) &&
	       ipv6_exthdr(pkt->l4_proto);
}

/*
 * @n bytes at L3 offset @off: in the view when they are there, else through
 * the twin's reader (never past the L3 length), else NULL.
 */
static const u8 *hdr(const struct nfips_pkt *pkt,
		     const struct nfips_pkt_reader *rd, u32 off, u32 n, u8 *buf)
{
	if (off <= pkt->len && n <= pkt->len - off)
		return pkt->data + off;
	if (rd && off <= pkt->wire_len && n <= pkt->wire_len - off)
		return rd->read(rd->ctx, off, n, buf);
	return NULL;
}

static void set_payload(struct nfips_pkt *pkt, u32 off, u32 end)
{
	if (end > pkt->len)
		end = pkt->len;
	if (off > end)
		off = end;
	pkt->payload_off = off;
	pkt->payload_len = end - off;
}

/*
 * Parse the L4 header at @off. @end is the end of the L3 packet (pkt->wire_len);
 * pkt->len may be shorter when the caller handed us only the headers.
 */
static void parse_l4(struct nfips_pkt *pkt, const struct nfips_pkt_reader *rd,
		     u32 off)
{
	u32 end = pkt->wire_len;
	bool ports = false;
	u32 hlen, ulen;
	const u8 *p;
	u8 b[20];

	switch (pkt->l4_proto) {
	case NFIPS_PROTO_TCP:
		hlen = 20;
		break;
	case NFIPS_PROTO_UDP:
	case NFIPS_PROTO_UDPLITE:
	case NFIPS_PROTO_ICMP:
	case NFIPS_PROTO_ICMPV6:
		hlen = 8;
		break;
	case NFIPS_PROTO_SCTP:
		hlen = 12;
		break;
	default:
		/* Unknown transport: its payload is all of its data. */
		set_payload(pkt, off, end);
		return;
	}

	/* off <= end holds (the callers checked it); off <= len may not. */
	if (hlen > end - off)
		goto bad;
	p = hdr(pkt, rd, off, hlen, b);
	if (!p)
		goto trunc;
	if (nfips_proto_has_ports(pkt->l4_proto)) {
		pkt->sport = nfips_get_be16(p);
		pkt->dport = nfips_get_be16(p + 2);
		ports = true;
	}

	if (pkt->l4_proto == NFIPS_PROTO_TCP) {
		pkt->tcp_flags = p[13];
		hlen = (u32)(p[12] >> 4) * 4;
		if (hlen < 20 || hlen > end - off)
			goto bad;
		/* TCP options are never read: a reader saves the copy. */
		if (!rd && hlen > pkt->len - off)
			goto trunc;
	} else if (pkt->l4_proto == NFIPS_PROTO_UDP) {
		/*
		 * The UDP length may not claim more than the IP packet holds -
		 * except in a first IP fragment, whose UDP header counts the
		 * whole datagram. Its ports are still the datagram's, as
		 * iptables' --dport sees them: a port rule must match it.
		 */
		ulen = nfips_get_be16(p + 4);
		if (ulen < 8 || (ulen > end - off && !(pkt->flags & NFIPS_PKT_FRAG)))
			goto bad;
		if (ulen <= end - off)
			end = off + ulen;
	}

	pkt->flags |= NFIPS_PKT_L4;
	pkt->l4_off = off;
	set_payload(pkt, off + hlen, end);
	return;

bad:
	pkt->flags |= NFIPS_PKT_L4_BAD;
	pkt->tcp_flags = 0;
	/* Ports were read only if the fixed header is whole. */
	if (ports)
		pkt->flags |= NFIPS_PKT_PORTS;
	set_payload(pkt, pkt->len, pkt->len);
	return;
trunc:
	pkt->flags |= NFIPS_PKT_TRUNC;
	pkt->sport = pkt->dport = 0;
	pkt->tcp_flags = 0;
	set_payload(pkt, pkt->len, pkt->len);
}

static int parse_ipv4(struct nfips_pkt *pkt, const struct nfips_pkt_reader *rd)
{
	const u8 *p = pkt->data;
	u32 ihl, tot;
	u16 frag;

	if (pkt->len < 20)
		return -EBADMSG;
	ihl = (u32)(p[0] & 0x0f) * 4;
	tot = nfips_get_be16(p + 2);
	if (ihl < 20 || ihl > pkt->len || tot < ihl || tot > pkt->wire_len)
		return -EBADMSG;

	pkt->wire_len = tot;
	if (pkt->len > tot)
		pkt->len = tot;
	pkt->l4_proto = p[9];
	memcpy(pkt->saddr, p + 12, 4);
	memcpy(pkt->daddr, p + 16, 4);

	frag = nfips_get_be16(p + 6);
	if (frag & 0x3fff)			/* MF or a fragment offset */
		pkt->flags |= NFIPS_PKT_FRAG;
	if (frag & 0x1fff) {
		pkt->flags |= NFIPS_PKT_FRAG_LATER;
		set_payload(pkt, ihl, tot);
		return 0;
	}
	parse_l4(pkt, rd, ihl);
	return 0;
}

static int parse_ipv6(struct nfips_pkt *pkt, const struct nfips_pkt_reader *rd)
{
	const u8 *p = pkt->data;
	u32 off = 40, tot, hlen;
	u8 b[8];
	u8 nh;

	if (pkt->len < 40)
		return -EBADMSG;
	nh = p[6];
	tot = 40 + nfips_get_be16(p + 4);
	/* Payload length 0 before a hop-by-hop header: a jumbogram (RFC 2675). */
	if (tot == 40 && nh == IPV6_NH_HOPOPTS)
		tot = pkt->wire_len;
	if (tot > pkt->wire_len)
		return -EBADMSG;

	pkt->wire_len = tot;
	if (pkt->len > tot)
		pkt->len = tot;
	memcpy(pkt->saddr, p + 8, 16);
	memcpy(pkt->daddr, p + 24, 16);

	/*
	 * Walk the extension headers to the end of the packet, however many
	 * there are (as ipv6_skip_exthdr() and ip6tables do): a cap on their
	 * number would let a longer chain hide the L4 header. Bounded: each
	 * header is at least 8 bytes long.
	 */
	while (ipv6_exthdr(nh)) {
		const u8 *h;

		if (8 > tot - off)
			goto lost;		/* the chain runs past the end */
		h = hdr(pkt, rd, off, 8, b);
		if (!h) {
			pkt->l4_proto = nh;
			pkt->flags |= NFIPS_PKT_TRUNC;
			set_payload(pkt, pkt->len, pkt->len);
			return 0;
		}
		if (nh == IPV6_NH_FRAGMENT) {
			hlen = 8;
			pkt->flags |= NFIPS_PKT_FRAG;
			if (nfips_get_be16(h + 2) & 0xfff8) {
				pkt->flags |= NFIPS_PKT_FRAG_LATER;
				pkt->l4_proto = h[0];
				set_payload(pkt, off + 8, tot);
				return 0;
			}
		} else if (nh == IPV6_NH_AH) {
			hlen = ((u32)h[1] + 2) * 4;
		} else {
			hlen = ((u32)h[1] + 1) * 8;
		}
		if (hlen > tot - off)
			goto lost;
		nh = h[0];
		off += hlen;
	}
	pkt->l4_proto = nh;
	parse_l4(pkt, rd, off);
	return 0;

lost:
	/*
	 * An extension header claims bytes the packet does not have: the
	 * IPv6 header is fine (the addresses stand), the transport protocol
	 * is unknown (nfips_pkt_proto_unknown). Not a malformed L3 packet:
	 * rules that need the protocol or ports see it (nfips_policy.c).
	 */
	pkt->l4_proto = nh;
	pkt->flags |= NFIPS_PKT_L4_BAD;
	set_payload(pkt, pkt->len, pkt->len);
	return 0;
}

int nfips_pkt_parse_rd(struct nfips_pkt *pkt, const void *data, u32 len,
		       u32 wire_len, const struct nfips_pkt_reader *rd)
{
	int ret;

	memset(pkt, 0, sizeof(*pkt));
	pkt->data = data;
	if (len > wire_len)
		len = wire_len;
	pkt->len = len;
	pkt->wire_len = wire_len;
	if (len < 1)
		return -EBADMSG;

	switch (pkt->data[0] >> 4) {
	case 4:
		pkt->family = 4;
		ret = parse_ipv4(pkt, rd);
		break;
	case 6:
		pkt->family = 6;
		ret = parse_ipv6(pkt, rd);
		break;
	default:
		ret = -EPROTONOSUPPORT;
		break;
	}
	if (ret)
		return ret;
	if (pkt->len < pkt->wire_len)
		pkt->flags |= NFIPS_PKT_TRUNC;
	return 0;
}

int nfips_pkt_parse(struct nfips_pkt *pkt, const void *data, u32 len,
		    u32 wire_len)
{
	return nfips_pkt_parse_rd(pkt, data, len, wire_len, NULL);
}
/* For nfips_test_ops.ko (tests/kmod/opvec/), which builds packet views. */
NFIPS_EXPORT(nfips_pkt_parse);
