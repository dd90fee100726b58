/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct nfips_pkt: the read-only view of one packet that every op-module
 * sees, built by nfips_pkt_parse() from raw IPv4 or IPv6 bytes in both twins.
 *
 * Rules for readers (op-modules):
 *  - data[0 .. len) is the whole view; nothing outside it may be read.
 *  - payload_off + payload_len <= len always holds.
 *  - tcp_flags, sport and dport are meaningful only with NFIPS_PKT_L4 set
 *    (sport and dport also with NFIPS_PKT_PORTS).
 *
 * Depth: the L4 header is looked for at any depth within the packet, behind
 * any number of IPv6 extension headers (the walk ends with the packet, as
 * ipv6_skip_exthdr's does); a twin that holds only part of the packet
 * linearly supplies a reader for the rest (struct nfips_pkt_reader), so a
 * long header chain never hides the L4 header from the selector.
 */
#ifndef NFIPS_PKT_H
#define NFIPS_PKT_H

#include "nfips_compat.h"

#define NFIPS_PROTO_ICMP	1
#define NFIPS_PROTO_TCP		6
#define NFIPS_PROTO_UDP		17
#define NFIPS_PROTO_ICMPV6	58
#define NFIPS_PROTO_SCTP	132
#define NFIPS_PROTO_UDPLITE	136

/* TCP flag bits as they stand in byte 13 of the TCP header. */
#define NFIPS_TCP_FIN	0x01
#define NFIPS_TCP_SYN	0x02
#define NFIPS_TCP_RST	0x04
#define NFIPS_TCP_PSH	0x08
#define NFIPS_TCP_ACK	0x10
#define NFIPS_TCP_URG	0x20

enum nfips_pkt_flags {
	NFIPS_PKT_L4		= 1 << 0, /* a complete, sane L4 header was parsed */
	NFIPS_PKT_FRAG		= 1 << 1, /* an IP fragment (first or not) */
	NFIPS_PKT_FRAG_LATER	= 1 << 2, /* a non-first fragment: no L4 header */
	NFIPS_PKT_L4_BAD	= 1 << 3, /* L4 header truncated or lying */
	NFIPS_PKT_TRUNC		= 1 << 4, /* the view holds less than the packet */
	/*
	 * With NFIPS_PKT_L4_BAD only: the fixed part of a TCP, UDP, UDP-Lite
	 * or SCTP header is whole (its other fields lie), so sport and dport
	 * are valid - iptables' --dport reads them from such a header too.
	 */
	NFIPS_PKT_PORTS		= 1 << 5,
};

struct nfips_pkt {
	const u8 *data;		/* first byte of the L3 header */
	u32 len;		/* bytes of the view: min(present, L3 length) */
	u32 wire_len;		/* L3 length of the real packet */
	u32 l4_off;		/* valid with NFIPS_PKT_L4 */
	u32 payload_off;	/* L4 payload (non-first fragment: data after L3) */
	u32 payload_len;
	u8 family;		/* 4 or 6 */
	u8 l4_proto;		/* last next-header / protocol seen */
	u8 flags;		/* enum nfips_pkt_flags */
	u8 tcp_flags;
	u16 sport;		/* host order */
	u16 dport;
	int ifindex;		/* input interface, filled in by the twin */
	u8 saddr[16];		/* IPv4 in the first four bytes */
	u8 daddr[16];
};

/*
 * nfips_pkt_parse - build the view of one L3 packet.
 * @data:     first byte of the IPv4 or IPv6 header
 * @len:      bytes readable at @data
 * @wire_len: L3 length of the real packet (>= @len); a kernel caller that
 *            copied only the headers passes skb->len here
 *
 * Returns 0, or a negative errno when the L3 header itself is unusable
 * (-EPROTONOSUPPORT: not IPv4/IPv6, -EBADMSG: lying lengths or a truncated
 * L3 header). L4 problems do not fail the parse: they leave NFIPS_PKT_L4
 * clear and set NFIPS_PKT_L4_BAD. Never reads outside data[0 .. len).
 */
int nfips_pkt_parse(struct nfips_pkt *pkt, const void *data, u32 len,
		    u32 wire_len);

/*
 * How a twin reads packet bytes beyond the linear view: @read returns
 * @len bytes at L3 offset @off (a pointer into the packet or @buf, which
 * holds @len bytes), or NULL when they are not there. Kernel: a wrapper of
 * skb_header_pointer. Must not sleep (the hook calls it in softirq).
 */
struct nfips_pkt_reader {
	const void *(*read)(const void *ctx, u32 off, u32 len, void *buf);
	const void *ctx;
};

/*
 * nfips_pkt_parse_rd - nfips_pkt_parse(), reading headers that lie beyond
 * data[0 .. @len) through @rd (at most @wire_len). The view (pkt->data,
 * pkt->len, the payload) stays data[0 .. @len): fields read through @rd
 * (addresses, protocol, ports, TCP flags) are for selection; a caller that
 * runs op-modules passes the whole packet linearly instead.
 */
int nfips_pkt_parse_rd(struct nfips_pkt *pkt, const void *data, u32 len,
		       u32 wire_len, const struct nfips_pkt_reader *rd);

/* The protocol numbers whose headers carry ports (as iptables matches them). */
static inline bool nfips_proto_has_ports(u8 proto)
{
	return proto == NFIPS_PROTO_TCP || proto == NFIPS_PROTO_UDP ||
	       proto == NFIPS_PROTO_UDPLITE || proto == NFIPS_PROTO_SCTP;
}

/*
 * An IPv6 packet whose extension-header chain could not be walked to its
 * end within the packet: pkt->l4_proto is the extension header that runs
 * past it, and the transport protocol is unknown.
 */
bool nfips_pkt_proto_unknown(const struct nfips_pkt *pkt);

#endif /* NFIPS_PKT_H */
