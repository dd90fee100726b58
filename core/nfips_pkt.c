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
/* More extension headers than any sane stack sends; bounds the walk. */
#define IPV6_MAX_EXTHDRS	16

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
static void parse_l4(struct nfips_pkt *pkt, u32 off)
{
	const u8 *p = pkt->data + off;
	u32 end = pkt->wire_len;
	u32 hlen, ulen;

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
	if (off > pkt->len || hlen > pkt->len - off)
		goto trunc;

	if (pkt->l4_proto == NFIPS_PROTO_TCP) {
		hlen = (u32)(p[12] >> 4) * 4;
		if (hlen < 20 || hlen > end - off)
			goto bad;
		if (hlen > pkt->len - off)
			goto trunc;
		pkt->tcp_flags = p[13];
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

	if (pkt->l4_proto != NFIPS_PROTO_ICMP &&
	    pkt->l4_proto != NFIPS_PROTO_ICMPV6) {
		pkt->sport = nfips_get_be16(p);
		pkt->dport = nfips_get_be16(p + 2);
	}
	pkt->flags |= NFIPS_PKT_L4;
	pkt->l4_off = off;
	set_payload(pkt, off + hlen, end);
	return;

bad:
	pkt->flags |= NFIPS_PKT_L4_BAD;
	set_payload(pkt, pkt->len, pkt->len);
	return;
trunc:
	pkt->flags |= NFIPS_PKT_TRUNC;
	set_payload(pkt, pkt->len, pkt->len);
}

static int parse_ipv4(struct nfips_pkt *pkt)
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
	parse_l4(pkt, ihl);
	return 0;
}

static int parse_ipv6(struct nfips_pkt *pkt)
{
	const u8 *p = pkt->data;
	u32 off = 40, tot, hlen;
	u8 nh;
	int i;

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
	 * i <= IPV6_MAX_EXTHDRS: the header after the last allowed extension
	 * header must still be looked at, or a packet with exactly
	 * IPV6_MAX_EXTHDRS of them would lose its L4 header.
	 */
	for (i = 0; i <= IPV6_MAX_EXTHDRS; i++) {
		switch (nh) {
		case IPV6_NH_HOPOPTS:
		case IPV6_NH_ROUTING:
		case IPV6_NH_DSTOPTS:
		case IPV6_NH_AH:
		case IPV6_NH_FRAGMENT:
			break;
		default:
			pkt->l4_proto = nh;
			parse_l4(pkt, off);
			return 0;
		}
		if (i == IPV6_MAX_EXTHDRS)
			break;
		if (8 > tot - off)
			return -EBADMSG;	/* the header claims bytes not there */
		if (off > pkt->len || 8 > pkt->len - off) {
			pkt->l4_proto = nh;
			pkt->flags |= NFIPS_PKT_TRUNC;
			set_payload(pkt, pkt->len, pkt->len);
			return 0;
		}
		if (nh == IPV6_NH_FRAGMENT) {
			hlen = 8;
			pkt->flags |= NFIPS_PKT_FRAG;
			if (nfips_get_be16(p + off + 2) & 0xfff8) {
				pkt->flags |= NFIPS_PKT_FRAG_LATER;
				pkt->l4_proto = p[off];
				set_payload(pkt, off + 8, tot);
				return 0;
			}
		} else if (nh == IPV6_NH_AH) {
			hlen = ((u32)p[off + 1] + 2) * 4;
		} else {
			hlen = ((u32)p[off + 1] + 1) * 8;
		}
		if (hlen > tot - off)
			return -EBADMSG;
		nh = p[off];
		off += hlen;
	}
	/* Too many extension headers: keep the addresses, no L4. */
	pkt->l4_proto = nh;
	pkt->flags |= NFIPS_PKT_L4_BAD;
	set_payload(pkt, pkt->len, pkt->len);
	return 0;
}

int nfips_pkt_parse(struct nfips_pkt *pkt, const void *data, u32 len,
		    u32 wire_len)
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
		ret = parse_ipv4(pkt);
		break;
	case 6:
		pkt->family = 6;
		ret = parse_ipv6(pkt);
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
