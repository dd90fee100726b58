// SPDX-License-Identifier: GPL-2.0
/*
 * nfips-diff: the differential test's tool (tests/diff/README.md).
 *
 *   nfips-diff gen SEED COUNT OUT.pcap
 *       the corpus: COUNT packets made from SEED alone (same seed, same
 *       bytes), raw IPv4/IPv6 (pcap LINKTYPE_RAW)
 *   nfips-diff ref [--view N] CONFIG CORPUS.pcap OUT
 *       the reference: the shared core's own verdict on every packet
 *       (nfips_pkt_parse, nfips_policy_select, nfips_chain_run, linked in
 *       statically as in the unit tests), one "P" line per packet and one
 *       "A" line per alert, in nfipsctl monitor's words. --view N: what a
 *       twin decides that parses only the first N bytes (a diagnosis aid:
 *       the kernel twin's hook once read 192)
 *   nfips-diff send IFACE DMAC CORPUS.pcap PPS
 *   nfips-diff send IFACE DMAC --marker
 *       replay through a packet socket at PPS packets per second (the bytes
 *       exactly as in the file; the kernel adds the Ethernet header), or
 *       send the end marker
 *   nfips-diff recv IFACE OUT READY
 *       record at the receiving end which corpus packets arrived; touches
 *       READY once listening; ends on SIGTERM/SIGINT or 300 ms after the
 *       end marker, then writes "ID COUNT" lines to OUT
 *   nfips-diff kmonitor
 *       the kernel twin's alerts, one line each as nfipsctl monitor prints
 *       them, from a socket with a 64 MiB receive buffer ("alerts lost" on
 *       stderr if even that overflows); until SIGTERM/SIGINT
 *   nfips-diff cmp CORPUS.pcap REF BASE.ids TWIN.ids ALERTS OUTDIR TWIN
 *       per-packet comparison over the packets plain forwarding delivered;
 *       disagreements go to OUTDIR/disagree.pcap and OUTDIR/disagree.txt;
 *       exit 1 when there is one
 *
 * A packet is known by the id the generator writes into the low 16 bits of
 * its source address (10.200.H.L, fd91:1::d1ff:HHLL): the IPS reads source
 * addresses only through the select rules, which the config keeps clear of
 * what varies there, and every alert carries the address, so an alert names
 * its packet. Id 65535 is the end marker, never in a corpus.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nfips_conf_text.h"
#include "uapi/linux/nfips.h"

#define MAX_ID		65535u		/* the end marker */
#define MAX_PKT		1500u		/* the veth MTU: every packet is forwardable */
#define LINKTYPE_RAW	101

/* ---- helpers -------------------------------------------------------------- */

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;

	fputs("nfips-diff: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static u32 num(const char *s, u32 max, const char *what)
{
	u32 v;

	if (nfips_parse_u32(s, (u32)strlen(s), &v) || v > max)
		die("%s: '%s' is not a number in 0..%u", what, s, max);
	return v;
}

static void put16(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static const u8 src6_prefix[14] = { 0xfd, 0x91, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xd1, 0xff };

/* The id in a packet's source address, or -1 when it is none of ours. */
static int id_of(const u8 *p, u32 len)
{
	if (len >= 20 && p[0] >> 4 == 4 && p[12] == 10 && p[13] == 200)
		return p[14] << 8 | p[15];
	if (len >= 40 && p[0] >> 4 == 6 && !memcmp(p + 8, src6_prefix, 14))
		return p[22] << 8 | p[23];
	return -1;
}

/* ---- pcap ------------------------------------------------------------------ */

struct pcap_rec {
	u32 len;
	u8 *data;
};

static void pcap_write_hdr(FILE *f)
{
	const u32 h[6] = { 0xa1b2c3d4, 2 | 4u << 16, 0, 0, 65535, LINKTYPE_RAW };

	if (fwrite(h, sizeof(h), 1, f) != 1)
		die("writing a pcap header: %s", strerror(errno));
}

static void pcap_write(FILE *f, u32 sec, const u8 *p, u32 len)
{
	const u32 r[4] = { sec, 0, len, len };

	if (fwrite(r, sizeof(r), 1, f) != 1 || fwrite(p, len, 1, f) != 1)
		die("writing a pcap record: %s", strerror(errno));
}

/* Reads a whole pcap written by pcap_write (raw IP, native byte order). */
static struct pcap_rec *pcap_read(const char *path, u32 *n)
{
	struct pcap_rec *recs = NULL;
	u32 h[6], r[4], cap = 0;
	FILE *f = fopen(path, "rb");

	if (!f)
		die("%s: %s", path, strerror(errno));
	if (fread(h, sizeof(h), 1, f) != 1 || h[0] != 0xa1b2c3d4 || h[5] != LINKTYPE_RAW)
		die("%s: not a raw-IP pcap in this machine's byte order", path);
	*n = 0;
	while (fread(r, sizeof(r), 1, f) == 1) {
		if (r[2] > 65535 || r[2] != r[3])
			die("%s: record %u: bad length %u", path, *n, r[2]);
		if (*n == cap) {
			cap = cap ? 2 * cap : 4096;
			recs = realloc(recs, cap * sizeof(*recs));
			if (!recs)
				die("out of memory");
		}
		recs[*n].len = r[2];
		recs[*n].data = malloc(r[2] ? r[2] : 1);
		if (!recs[*n].data || fread(recs[*n].data, r[2], 1, f) != 1)
			die("%s: record %u is cut short", path, *n);
		(*n)++;
	}
	fclose(f);
	return recs;
}

/* ---- gen: the corpus ----------------------------------------------------- */

static u64 rng_state;

/* splitmix64: small, and the same sequence on every machine. */
static u64 rnd(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static u32 rn(u32 n)
{
	return (u32)(rnd() % n);
}

static u32 pick(const u32 *v, u32 n)
{
	return v[rn(n)];
}

/* Patterns the config's bm ops look for, in both cases. */
static const char *const pats[] = {
	"EVIL", "evil", "EDGE", "Attack", "aTTACK", "\xde\xad\xbe\xef", "\xDE\xAD\xBE\xEF",
};

/*
 * A payload of @len bytes: random, usually led by the marker "NFD" (which
 * makes selection visible: the config's pay_seen op alerts on it), often
 * holding a pattern at an edge - the start, the end (cut short or whole),
 * or the borders of the window offset=4 depth=16 - or anywhere. @tail_half
 * puts the first half of a pattern last (a pattern across a fragment
 * boundary); @head_half its second half first.
 */
static void payload(u8 *p, u32 len, bool tail_half, bool head_half)
{
	static const u32 edges[] = { 0, 3, 4, 5, 16, 17, 19, 20, 21 };
	u32 i, k, at, pl;
	const char *pat;

	for (i = 0; i < len; i++)
		p[i] = (u8)rnd();
	if (len >= 3 && rn(8))
		memcpy(p, "NFD", 3);
	for (k = rn(3); k > 0; k--) {
		pat = pats[rn(ARRAY_SIZE(pats))];
		pl = (u32)strlen(pat);
		switch (rn(4)) {
		case 0: at = pick(edges, ARRAY_SIZE(edges)); break;
		case 1: at = len >= pl ? len - pl : 0; break;
		case 2: at = len ? len - 1 - rn(pl < len ? pl : len) : 0; break;
		default: at = len ? rn(len) : 0; break;
		}
		for (i = 0; i < pl && at + i < len; i++)
			p[at + i] = (u8)pat[i];
	}
	if (tail_half && len >= 2)
		memcpy(p + len - 2, "EV", 2);
	if (head_half && len >= 2)
		memcpy(p, "IL", 2);
}

static u32 payload_len(u32 room)
{
	static const u32 tiny[] = { 0, 1, 2, 3, 4, 5 };
	u32 n;

	switch (rn(6)) {
	case 0: n = pick(tiny, ARRAY_SIZE(tiny)); break;
	case 1: n = room; break;		/* MTU-sized */
	case 2: n = 5 + rn(60); break;
	case 3: n = 64 + rn(450); break;
	default: n = rn(room + 1); break;
	}
	return n < room ? n : room;
}

static u32 dport_any(void)
{
	static const u32 ports[] = { 0, 22, 53, 80, 443, 1023, 1024, 5353, 8080, 65535 };

	return rn(3) ? pick(ports, ARRAY_SIZE(ports)) : rn(65536);
}

/*
 * L4 part (header + payload) of protocol @proto into @p, at most @room
 * bytes; returns its length. @tcp_flags < 0: random.
 */
static u32 l4(u8 *p, u32 room, u8 proto, int tcp_flags, bool frag_tail)
{
	u32 hl, n;

	switch (proto) {
	case NFIPS_PROTO_TCP:
		hl = 20;
		if (rn(6) == 0)
			hl += 4 * (1 + rn(10));		/* options */
		break;
	case NFIPS_PROTO_UDP:
	case NFIPS_PROTO_UDPLITE:
	case NFIPS_PROTO_ICMP:
	case NFIPS_PROTO_ICMPV6:
		hl = 8;
		break;
	case NFIPS_PROTO_SCTP:
		hl = 12;
		break;
	default:
		hl = 4 * rn(3);
		break;
	}
	if (hl > room)
		hl = room;
	n = payload_len(room - hl);
	memset(p, 0, hl);
	if (hl >= 4) {
		put16(p, rn(4) ? 1000 + rn(1500) : rn(65536));
		put16(p + 2, dport_any());
	}
	if (proto == NFIPS_PROTO_TCP && hl >= 20) {
		p[12] = (u8)((hl / 4) << 4);
		p[13] = (u8)(tcp_flags >= 0 ? tcp_flags : (int)rnd());
		put16(p + 14, 65535);
		for (u32 i = 20; i < hl; i++)
			p[i] = rn(2) ? 1 : (u8)rnd();	/* NOPs and junk */
	} else if ((proto == NFIPS_PROTO_UDP || proto == NFIPS_PROTO_UDPLITE) && hl >= 8) {
		put16(p + 4, hl + n);
	} else if ((proto == NFIPS_PROTO_ICMP || proto == NFIPS_PROTO_ICMPV6) && hl >= 8) {
		p[0] = (u8)rn(256);
		p[1] = (u8)rn(4);
	}
	payload(p + hl, n, frag_tail, false);
	return hl + n;
}

static u16 ip_csum(const u8 *p, u32 len)
{
	u32 s = 0, i;

	for (i = 0; i + 1 < len; i += 2)
		s += (u32)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (u16)~s;
}

/* IPv4 options of @len bytes (a multiple of 4): valid ones and junk. */
static void ip4_options(u8 *o, u32 len)
{
	u32 i = 0, l;

	while (i < len) {
		switch (rn(6)) {
		case 0:
			o[i++] = 1;				/* NOP */
			break;
		case 1:						/* record route */
			if (len - i < 7) {
				o[i++] = 1;
				break;
			}
			l = 3 + 4 * rn((len - i - 3) / 4 + 1);
			o[i] = 7, o[i + 1] = (u8)l, o[i + 2] = 4;
			memset(o + i + 3, 0, l - 3);
			i += l;
			break;
		case 2:						/* router alert */
			if (len - i < 4) {
				o[i++] = 1;
				break;
			}
			o[i] = 148, o[i + 1] = 4, o[i + 2] = 0, o[i + 3] = 0;
			i += 4;
			break;
		case 3:						/* junk */
			o[i++] = (u8)rnd();
			break;
		default:
			o[i++] = rn(4) ? 1 : 0;			/* NOP or EOL */
			break;
		}
	}
}

/* IPv6 extension headers walked by the parsers. */
static const u8 ext_kinds[] = { 0, 43, 60, 51, 44 };

/* Bytes the extension headers of one packet may take, at most. */
#define EXT_MAX		1400u

/*
 * Options filling o[0 .. len): experimental options (type 0x1e: skip if
 * unknown) of up to 257 bytes each, then at most 7 bytes of padding - as the
 * kernel wants of a hop-by-hop header it forwards (ip6_parse_tlv: no more
 * than 7 bytes of padding in a row, at most 8 unknown options).
 */
static void ip6_options(u8 *o, u32 len)
{
	u32 l;

	while (len > 7) {
		l = len - 2 > 255 ? 255 : len - 2;
		if (len - 2 - l == 1)
			l--;		/* leave 0 or >= 2 bytes, never a lone one */
		o[0] = 0x1e;
		o[1] = (u8)l;
		memset(o + 2, 0, l);
		o += l + 2;
		len -= l + 2;
	}
	if (len == 1) {
		o[0] = 0;		/* Pad1 */
	} else if (len) {
		o[0] = 1;		/* PadN */
		o[1] = (u8)(len - 2);
		memset(o + 2, 0, len - 2);
	}
}

/*
 * An IPv6 extension-header chain of about @want bytes (at most EXT_MAX)
 * ending in protocol @last into @p; *@first gets the first next-header
 * value. With @with_frag a fragment header comes in: the first fragment
 * (offset 0, more to come) or, with @later, a later one (the chain ends at
 * it: what follows is data).
 */
static u32 ip6_chain(u8 *p, u32 want, u8 last, u8 *first, bool with_frag,
		     bool later)
{
	u32 off = 0, n = 0, hl, i, room;
	u8 *prev = first, kind;

	if (want > EXT_MAX)
		want = EXT_MAX;
	while ((off < want || with_frag) && off + 8 <= EXT_MAX) {
		room = EXT_MAX - off;
		if (with_frag && (off + 8 >= want || (n == 0 && rn(2))))
			kind = 44;
		else if (n == 0 && rn(2))
			kind = 0;		/* hop-by-hop only comes first */
		else
			kind = ext_kinds[1 + rn(3)];
		*prev = kind;
		switch (kind) {
		case 44:
			hl = 8;
			memset(p + off, 0, 8);
			put16(p + off + 2, later ? (1 + rn(180)) << 3 | rn(2) : 1);
			put16(p + off + 4, rn(65536));
			put16(p + off + 6, rn(65536));
			with_frag = false;
			break;
		case 51:
			hl = 8 * (1 + rn(want - off > 64 ? 16 : 3));
			if (hl > room)
				hl = room & ~7u;
			p[off + 1] = (u8)(hl / 4 - 2);
			for (i = 2; i < hl; i++)
				p[off + i] = (u8)rnd();
			break;
		default:
			hl = 8 * (1 + rn(want - off > 300 ? 40 : 8));
			if (hl > room)
				hl = room & ~7u;
			p[off + 1] = (u8)(hl / 8 - 1);
			if (kind == 43) {
				p[off + 2] = (u8)rn(5);		/* routing type */
				p[off + 3] = 0;			/* segments left */
				for (i = 4; i < hl; i++)
					p[off + i] = (u8)rnd();
			} else {
				ip6_options(p + off + 2, hl - 2);
			}
			break;
		}
		prev = p + off;
		off += hl;
		n++;
		if (kind == 44 && later)
			break;
	}
	if (with_frag)
		die("gen: no room for the fragment header");
	*prev = last;
	return off;
}

static u8 proto_other(int fam)
{
	static const u32 v4[] = { 132, 136, 47, 50, 4, 41, 253, 0, 2 };
	static const u32 v6[] = { 132, 136, 47, 50, 4, 41, 253, 59, 103 };
	u32 x;

	if (rn(4) == 0) {
		do {
			x = rn(256);
		} while (x == 6 || x == 17 || x == 1 || x == 58 || (fam == 6 &&
			 (x == 0 || x == 43 || x == 44 || x == 51 || x == 60)));
		return (u8)x;
	}
	return (u8)(fam == 4 ? pick(v4, ARRAY_SIZE(v4)) : pick(v6, ARRAY_SIZE(v6)));
}

/* One corpus packet; returns its length. Category by @id, details random. */
static u32 gen_one(u8 *pkt, u32 id)
{
	u32 cat = id % 12, fam = rn(2) ? 6 : 4, hl = 20, ext = 0, len, cut = 0;
	u8 proto = NFIPS_PROTO_TCP, first = 0, opts[40];
	int flags = -1;
	bool frag = false, later = false, tail = false;
	u8 *q;

	switch (cat) {
	case 0:			/* every TCP flag combination, in turn */
		flags = (int)((id / 12) & 0xff);
		break;
	case 1: {		/* the signatures and their neighbours */
		static const u32 f[] = { 0x00, 0x29, 0x03, 0x07, 0x20, 0x30, 0x02, 0x12, 0x3f, 0xff, 0x01 };

		flags = (int)pick(f, ARRAY_SIZE(f));
		break;
	}
	case 2:
		proto = NFIPS_PROTO_UDP;
		break;
	case 3:
		proto = fam == 4 ? NFIPS_PROTO_ICMP : NFIPS_PROTO_ICMPV6;
		break;
	case 4:
		proto = proto_other((int)fam);
		break;
	case 5:			/* IPv4 options */
		fam = 4;
		hl = 20 + 4 * (1 + rn(10));
		proto = rn(2) ? NFIPS_PROTO_TCP : NFIPS_PROTO_UDP;
		break;
	case 6:			/* IPv6 extension headers, short chains */
	case 7:			/* long chains: L4 far beyond the first 192 bytes */
		fam = 6;
		ext = cat == 6 ? 8 + rn(150) : 150 + rn(1200);
		proto = rn(3) ? (rn(2) ? NFIPS_PROTO_TCP : NFIPS_PROTO_UDP) : NFIPS_PROTO_ICMPV6;
		break;
	case 8:			/* first and later fragments */
		frag = true;
		later = rn(2);
		tail = !later && rn(2);
		proto = rn(2) ? NFIPS_PROTO_TCP : NFIPS_PROTO_UDP;
		if (fam == 6)
			ext = later || rn(2) ? 8 : 8 + rn(100);
		break;
	case 9:			/* truncated or lying L4 headers */
		proto = rn(2) ? NFIPS_PROTO_TCP : rn(2) ? NFIPS_PROTO_UDP : NFIPS_PROTO_ICMP;
		if (fam == 6 && proto == NFIPS_PROTO_ICMP)
			proto = NFIPS_PROTO_ICMPV6;
		if (fam == 6 && rn(2))
			ext = 8 + rn(300);
		cut = 1;
		break;
	case 10:		/* tiny and MTU-sized: payload_len picks the sizes */
		proto = rn(2) ? NFIPS_PROTO_TCP : NFIPS_PROTO_UDP;
		break;
	default:		/* patterns at the edges, to ports the policy selects */
		proto = rn(2) ? NFIPS_PROTO_TCP : NFIPS_PROTO_UDP;
		break;
	}
	if (fam == 6)
		hl = 40;

	memset(pkt, 0, hl);
	q = pkt + hl;
	if (fam == 6 && (ext || frag))
		ext = ip6_chain(q, ext, proto, &first, frag, later);
	else if (fam == 6)
		first = proto;
	if (ext > MAX_PKT - hl - 8)
		die("gen: an extension chain of %u bytes", ext);
	q += ext;
	if (later) {
		/* A non-first fragment: no L4 header, data only. */
		len = payload_len(MAX_PKT - hl - ext);
		payload(q, len, false, rn(2));
	} else {
		len = l4(q, MAX_PKT - hl - ext, proto, flags, tail);
	}
	if (cut) {
		/* Lying L4 fields or the datagram cut inside the L4 header. */
		switch (rn(4)) {
		case 0:
			len = rn(proto == NFIPS_PROTO_TCP ? 20 : 8);
			break;
		case 1:
			if (proto == NFIPS_PROTO_TCP && len >= 20)
				q[12] = (u8)(rn(2) ? rn(5) << 4 : 0xf0);	/* doff < 5 or 60 */
			break;
		case 2:
			if (proto != NFIPS_PROTO_TCP && len >= 8)
				put16(q + 4, rn(2) ? rn(8) : len + 1 + rn(100));
			break;
		default:
			if (proto == NFIPS_PROTO_TCP && len >= 20)
				len = 20 + rn(len - 19);
			break;
		}
	}
	if (cat == 11 && !later && len > 8) {
		/* A selected port, so the patterns meet the bm ops. */
		static const u32 dp[] = { 53, 80, 443, 22, 1023 };

		put16(q + 2, pick(dp, ARRAY_SIZE(dp)));
	}
	len += hl + ext;

	if (fam == 4) {
		pkt[0] = (u8)(0x40 | hl / 4);
		put16(pkt + 2, len);
		put16(pkt + 4, id);
		if (frag)
			put16(pkt + 6, later ? (1 + rn(180)) : 0x2000);	/* offset / MF */
		else if (rn(2))
			put16(pkt + 6, 0x4000);				/* DF */
		pkt[8] = 64;
		pkt[9] = proto;
		pkt[12] = 10, pkt[13] = 200, pkt[14] = (u8)(id >> 8), pkt[15] = (u8)id;
		pkt[16] = 10, pkt[17] = 91, pkt[18] = 2, pkt[19] = (u8)(2 + rn(2));
		if (hl > 20) {
			ip4_options(opts, hl - 20);
			memcpy(pkt + 20, opts, hl - 20);
		}
		put16(pkt + 10, ip_csum(pkt, hl));
	} else {
		pkt[0] = 0x60;
		put16(pkt + 4, len - 40);
		pkt[6] = first;
		pkt[7] = 64;
		memcpy(pkt + 8, src6_prefix, 14);
		pkt[22] = (u8)(id >> 8), pkt[23] = (u8)id;
		pkt[24] = 0xfd, pkt[25] = 0x91, pkt[27] = 2, pkt[39] = (u8)(2 + rn(2));
	}
	return len;
}

static int cmd_gen(int argc, char **argv)
{
	u8 pkt[MAX_PKT];
	u32 n, i, len;
	FILE *f;

	if (argc != 3)
		die("usage: nfips-diff gen SEED COUNT OUT.pcap");
	rng_state = strtoull(argv[0], NULL, 0);
	n = num(argv[1], MAX_ID - 2, "COUNT");
	f = fopen(argv[2], "wb");
	if (!f)
		die("%s: %s", argv[2], strerror(errno));
	pcap_write_hdr(f);
	for (i = 1; i <= n; i++) {
		len = gen_one(pkt, i);
		if (len > MAX_PKT || id_of(pkt, len) != (int)i)
			die("gen: packet %u came out wrong (%u bytes)", i, len);
		pcap_write(f, i, pkt, len);
	}
	if (fclose(f))
		die("%s: %s", argv[2], strerror(errno));
	return 0;
}

/* ---- ref: the core's own verdict ---------------------------------------- */

extern struct nfips_op_ops nfips_op_header_ops;
extern struct nfips_op_ops nfips_op_bm_ops;
extern struct nfips_op_ops nfips_op_sleep_ops;
extern struct nfips_op_ops nfips_op_ac_ops;

static struct nfips_op_ops *const types[] = {
	&nfips_op_header_ops, &nfips_op_bm_ops, &nfips_op_sleep_ops,
	&nfips_op_ac_ops,
};

/* The reference's registry: the op-modules linked in, as in the unit tests. */
const struct nfips_op_ops *nfips_op_get(const char *name, struct nfips_err *err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(types[i]->name, name))
			return types[i];
	nfips_err_set(err, "unknown op-module type '%s' (the reference links header, bm, sleep, ac)",
		      name);
	return NULL;
}

void nfips_op_put(const struct nfips_op_ops *ops)
{
	(void)ops;
}

/*
 * One alert in nfipsctl monitor's words (tools/nfipsctl/main.c,
 * print_alert), without its time stamp: the comparison matches the text.
 */
static void format_alert(char *buf, size_t cap, const char *chain,
			 const char *op, u32 result, u8 family, u8 proto,
			 const u8 *saddr, u16 sport, const u8 *daddr, u16 dport,
			 u32 len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = family == 6 ? AF_INET6 : AF_INET;
	const char *v;

	inet_ntop(af, saddr, s, sizeof(s));
	inet_ntop(af, daddr, d, sizeof(d));
	switch (result & NFIPS_VERDICT_MASK) {
	case NFIPS_DROP: v = "drop"; break;
	case NFIPS_ACCEPT: v = "accept"; break;
	default: v = "alert"; break;
	}
	snprintf(buf, cap, "chain=%s op=%s verdict=%s proto=%u %s%s%s:%u -> %s%s%s:%u len=%u",
		 chain, op, v, proto,
		 af == AF_INET6 ? "[" : "", s, af == AF_INET6 ? "]" : "", sport,
		 af == AF_INET6 ? "[" : "", d, af == AF_INET6 ? "]" : "", dport, len);
}

static void ref_alert(void *ctx, const struct nfips_chain *chain,
		      const struct nfips_op *op, const struct nfips_pkt *pkt,
		      int result)
{
	char line[512];

	format_alert(line, sizeof(line), chain->name, op->name, (u32)result,
		     pkt->family, pkt->l4_proto, pkt->saddr, pkt->sport,
		     pkt->daddr, pkt->dport, pkt->wire_len);
	fprintf(ctx, "A %d %s\n", id_of(pkt->data, pkt->len), line);
}

static int no_ifindex(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return -1;
}

static int cmd_ref(int argc, char **argv)
{
	struct nfips_policy_env env = { .ifindex = no_ifindex, .alert = ref_alert };
	const struct nfips_rule *rule;
	struct nfips_policy *policy;
	struct pcap_rec *recs;
	struct nfips_conf conf;
	struct nfips_err err;
	struct nfips_pkt pkt;
	char msg[512];
	u32 n, i, line, view = 0;
	bool blind;
	int id, v;
	FILE *out;

	if (argc == 5 && !strcmp(argv[0], "--view")) {
		view = num(argv[1], 65535, "--view");
		argc -= 2;
		argv += 2;
	}
	if (argc != 3)
		die("usage: nfips-diff ref [--view N] CONFIG CORPUS.pcap OUT");
	nfips_conf_init(&conf);
	if (nfips_config_load_file(argv[0], &conf, msg, sizeof(msg)))
		die("%s", msg);
	out = fopen(argv[2], "w");
	if (!out)
		die("%s: %s", argv[2], strerror(errno));
	env.ctx = out;
	policy = nfips_policy_build(&conf, &env, &err, &line);
	if (!policy)
		die("%s:%u: %s", argv[0], line, err.msg);
	recs = pcap_read(argv[1], &n);
	for (i = 0; i < n; i++) {
		id = id_of(recs[i].data, recs[i].len);
		if (id < 0)
			die("%s: packet %u carries no id", argv[1], i + 1);
		/* The user twin's view: the whole packet (copy range 0xffff). */
		if (nfips_pkt_parse(&pkt, recs[i].data,
				    view && view < recs[i].len ? view : recs[i].len,
				    recs[i].len)) {
			fprintf(out, "P %d malformed - pass\n", id);
			continue;
		}
		/*
		 * What both twins do with the selector's answer (kmod/hook.c,
		 * uspace/queue.c; the contract in nfips_policy.h): a rule that
		 * needs ports or a protocol the packet cannot show drops it
		 * ("blind": fail closed), whatever its chain.
		 */
		rule = nfips_policy_select_ex(policy, &pkt, &blind);
		if (rule && blind) {
			fprintf(out, "P %d rule:%u blind drop\n", id, rule->line);
			continue;
		}
		if (!rule || !rule->chain) {
			fprintf(out, "P %d %s%u - pass\n", id, rule ? "bypass:" : "none:",
				rule ? rule->line : 0);
			continue;
		}
		v = nfips_chain_run(policy, rule->chain, &pkt, NFIPS_NO_WORKER);
		fprintf(out, "P %d rule:%u %s %s\n", id, rule->line, rule->chain->name,
			v == NFIPS_DROP ? "drop" : "pass");
	}
	nfips_policy_destroy(policy);
	if (fclose(out))
		die("%s: %s", argv[2], strerror(errno));
	for (i = 0; i < n; i++)
		free(recs[i].data);
	free(recs);
	return 0;
}

/* ---- send, recv ------------------------------------------------------------ */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int packet_socket(const char *iface, int proto, struct sockaddr_ll *sll)
{
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(proto));

	if (fd < 0)
		die("packet socket: %s", strerror(errno));
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(proto);
	sll->sll_ifindex = (int)if_nametoindex(iface);
	if (!sll->sll_ifindex)
		die("no interface '%s'", iface);
	return fd;
}

static void send_one(int fd, struct sockaddr_ll *sll, const u8 *p, u32 len)
{
	sll->sll_protocol = htons(p[0] >> 4 == 6 ? ETH_P_IPV6 : ETH_P_IP);
	/* A full device queue (ENOBUFS) waits and retries: nothing is lost here. */
	while (sendto(fd, p, len, 0, (struct sockaddr *)sll, sizeof(*sll)) < 0) {
		if (errno != ENOBUFS && errno != EAGAIN)
			die("sendto: %s", strerror(errno));
		usleep(200);
	}
}

/*
 * The end marker (id 65535: UDP to 10.91.2.2 port 9, which no rule of
 * diff.conf selects) and the probe (id 65534: a SYN to 10.91.2.3 port 80,
 * which the web chain alerts on: the test sends it until its alert shows,
 * so the monitor is known to listen, and once more at the end, so every
 * alert before it has been read).
 */
static u32 special(u8 *p, bool probe)
{
	u32 len = probe ? 40 : 28;

	memset(p, 0, len);
	p[0] = 0x45;
	put16(p + 2, len);
	p[8] = 64;
	p[9] = probe ? NFIPS_PROTO_TCP : NFIPS_PROTO_UDP;
	p[12] = 10, p[13] = 200, p[14] = 0xff, p[15] = probe ? 0xfe : 0xff;
	p[16] = 10, p[17] = 91, p[18] = 2, p[19] = probe ? 3 : 2;
	put16(p + 20, 9);
	put16(p + 22, probe ? 80 : 9);
	if (probe) {
		p[32] = 5 << 4;
		p[33] = NFIPS_TCP_SYN;
	} else {
		put16(p + 24, 8);
	}
	put16(p + 10, ip_csum(p, 20));
	return len;
}

static int cmd_send(int argc, char **argv)
{
	struct sockaddr_ll sll;
	struct pcap_rec *recs;
	struct timespec t;
	unsigned int mac[6];
	u8 sp[40];
	u64 gap_ns;
	u32 n, i, pps;
	int fd;

	if (argc < 3 || sscanf(argv[1], "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2],
			       &mac[3], &mac[4], &mac[5]) != 6)
		die("usage: nfips-diff send IFACE DMAC (CORPUS.pcap PPS | --marker | --probe)");
	fd = packet_socket(argv[0], ETH_P_IP, &sll);
	sll.sll_halen = 6;
	for (i = 0; i < 6; i++)
		sll.sll_addr[i] = (u8)mac[i];
	if (!strcmp(argv[2], "--marker") || !strcmp(argv[2], "--probe")) {
		n = special(sp, !strcmp(argv[2], "--probe"));
		send_one(fd, &sll, sp, n);
		close(fd);
		return 0;
	}
	if (argc != 4)
		die("usage: nfips-diff send IFACE DMAC CORPUS.pcap PPS");
	pps = num(argv[3], 10000000, "PPS");
	if (!pps)
		die("PPS must be at least 1");
	gap_ns = 1000000000ull / pps;
	recs = pcap_read(argv[2], &n);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (i = 0; i < n; i++) {
		send_one(fd, &sll, recs[i].data, recs[i].len);
		/* Absolute deadlines: the rate holds however long a send took. */
		t.tv_nsec += (long)gap_ns;
		while (t.tv_nsec >= 1000000000L) {
			t.tv_nsec -= 1000000000L;
			t.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		free(recs[i].data);
	}
	free(recs);
	close(fd);
	return 0;
}

static int cmd_recv(int argc, char **argv)
{
	static u32 count[MAX_ID + 1];
	struct sockaddr_ll sll, from;
	socklen_t fl;
	struct pollfd pfd;
	u8 buf[65536];
	int fd, id, bufsz = 32 << 20;
	u64 until = 0;
	struct timespec now;
	ssize_t r;
	FILE *f;
	u32 i;

	if (argc != 3)
		die("usage: nfips-diff recv IFACE OUT READY");
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fd = packet_socket(argv[0], ETH_P_ALL, &sll);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind %s: %s", argv[0], strerror(errno));
	f = fopen(argv[2], "w");
	if (!f || fclose(f))
		die("%s: %s", argv[2], strerror(errno));
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (until && (u64)now.tv_sec * 1000000000ull + (u64)now.tv_nsec >= until)
			break;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		fl = sizeof(from);
		r = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (r < 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		id = id_of(buf, (u32)r);
		if (id < 0)
			continue;
		if ((u32)id == MAX_ID && !until) {
			/* Stragglers of other CPUs' backlogs: a little longer. */
			clock_gettime(CLOCK_MONOTONIC, &now);
			until = (u64)now.tv_sec * 1000000000ull + (u64)now.tv_nsec + 300000000ull;
		}
		count[id]++;
	}
	f = fopen(argv[1], "w");
	if (!f)
		die("%s: %s", argv[1], strerror(errno));
	for (i = 0; i < MAX_ID; i++)
		if (count[i])
			fprintf(f, "%u %u\n", i, count[i]);
	if (fclose(f))
		die("%s: %s", argv[1], strerror(errno));
	return count[MAX_ID] ? 0 : 3;	/* 3: stopped before the end marker */
}

/* ---- kmonitor: the kernel twin's alerts ----------------------------------- */

/*
 * Why not nfipsctl monitor: libnl gives its socket a 32 KiB receive buffer,
 * each alert is a page-sized message, and under TCG the monitor is not
 * always scheduled in time - measured: alerts lost (ENOBUFS) at 400 pps.
 * The test must see every alert or it compares nothing; a raw generic
 * netlink socket with a big buffer does. Same text as nfipsctl's.
 */
struct nlbuf {
	struct nlmsghdr h;
	struct genlmsghdr g;
	char attrs[256];
};

static const struct nlattr *nla_next_in(const struct nlattr *a, const char *end)
{
	const char *n = (const char *)a + NLA_ALIGN(a->nla_len);

	return n + NLA_HDRLEN <= end ? (const struct nlattr *)n : NULL;
}

/* The attributes of [p, end) by type, at most @max; bounds checked. */
static void nla_index(const void *p, const void *end, const struct nlattr **tb, u32 max)
{
	const struct nlattr *a = p;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if ((const char *)p + NLA_HDRLEN > (const char *)end)
		return;
	for (; a; a = nla_next_in(a, end)) {
		if (a->nla_len < NLA_HDRLEN || (const char *)a + a->nla_len > (const char *)end)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) <= max)
			tb[a->nla_type & NLA_TYPE_MASK] = a;
	}
}

static const void *nla_data_of(const struct nlattr *a, u32 len)
{
	return a && a->nla_len >= NLA_HDRLEN + len ? (const char *)a + NLA_HDRLEN : NULL;
}

/* Family id and the alerts group of nfips, from the generic netlink controller. */
static void genl_resolve(int fd, u16 *family, u32 *group)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *g[CTRL_ATTR_MCAST_GRP_MAX + 1];
	static char buf[65536];
	struct nlbuf req = { 0 };
	const struct nlattr *a;
	struct nlmsghdr *h;
	struct nlattr *na;
	const void *v;
	ssize_t r;

	req.h.nlmsg_type = GENL_ID_CTRL;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	na = (struct nlattr *)req.attrs;
	na->nla_type = CTRL_ATTR_FAMILY_NAME;
	na->nla_len = (u16)(NLA_HDRLEN + sizeof(NFIPS_GENL_NAME));
	memcpy((char *)na + NLA_HDRLEN, NFIPS_GENL_NAME, sizeof(NFIPS_GENL_NAME));
	req.h.nlmsg_len = (u32)(NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(na->nla_len));
	if (send(fd, &req, req.h.nlmsg_len, 0) < 0)
		die("genl: send: %s", strerror(errno));
	r = recv(fd, buf, sizeof(buf), 0);
	h = (struct nlmsghdr *)buf;
	if (r < (ssize_t)NLMSG_HDRLEN || !NLMSG_OK(h, (u32)r) || h->nlmsg_type == NLMSG_ERROR)
		die("genl: no family \"%s\" (is nfips.ko loaded?)", NFIPS_GENL_NAME);
	nla_index(buf + NLMSG_HDRLEN + GENL_HDRLEN, buf + h->nlmsg_len, tb, CTRL_ATTR_MAX);
	v = nla_data_of(tb[CTRL_ATTR_FAMILY_ID], 2);
	if (!v || !tb[CTRL_ATTR_MCAST_GROUPS])
		die("genl: the controller's answer lacks the family id or groups");
	memcpy(family, v, 2);
	a = tb[CTRL_ATTR_MCAST_GROUPS];
	for (a = nla_data_of(a, NLA_HDRLEN); a;
	     a = nla_next_in(a, (const char *)tb[CTRL_ATTR_MCAST_GROUPS] +
			     tb[CTRL_ATTR_MCAST_GROUPS]->nla_len)) {
		nla_index((const char *)a + NLA_HDRLEN, (const char *)a + a->nla_len, g,
			  CTRL_ATTR_MCAST_GRP_MAX);
		v = nla_data_of(g[CTRL_ATTR_MCAST_GRP_NAME], sizeof(NFIPS_MCGRP_ALERTS));
		if (v && !strcmp(v, NFIPS_MCGRP_ALERTS) &&
		    (v = nla_data_of(g[CTRL_ATTR_MCAST_GRP_ID], 4))) {
			memcpy(group, v, 4);
			return;
		}
	}
	die("genl: nfips has no \"%s\" group", NFIPS_MCGRP_ALERTS);
}

static void print_kalert(const struct nlattr *alert)
{
	const struct nlattr *at[NFIPS_ALERT_A_MAX + 1];
	const char *end = (const char *)alert + alert->nla_len;
	u8 zero[16] = { 0 }, family = 0, proto = 0;
	u16 sport = 0, dport = 0;
	u32 result = 0, len = 0;
	const u8 *sa, *da;
	const void *v;
	char line[512];

	nla_index((const char *)alert + NLA_HDRLEN, end, at, NFIPS_ALERT_A_MAX);
#define GET(attr, var) do { if ((v = nla_data_of(at[attr], sizeof(var)))) memcpy(&(var), v, sizeof(var)); } while (0)
	GET(NFIPS_ALERT_A_RESULT, result);
	GET(NFIPS_ALERT_A_FAMILY, family);
	GET(NFIPS_ALERT_A_PROTO, proto);
	GET(NFIPS_ALERT_A_SPORT, sport);
	GET(NFIPS_ALERT_A_DPORT, dport);
	GET(NFIPS_ALERT_A_LEN, len);
#undef GET
	sa = nla_data_of(at[NFIPS_ALERT_A_SADDR], 16);
	da = nla_data_of(at[NFIPS_ALERT_A_DADDR], 16);
	format_alert(line, sizeof(line),
		     nla_data_of(at[NFIPS_ALERT_A_CHAIN], 1) ?: "?",
		     nla_data_of(at[NFIPS_ALERT_A_OP], 1) ?: "?", result, family, proto,
		     sa ? sa : zero, sport, da ? da : zero, dport, len);
	printf("0.000000 alert %s\n", line);
}

static int cmd_kmonitor(int argc, char **argv)
{
	const struct nlattr *tb[NFIPS_A_MAX + 1];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[1 << 16];
	int fd, bufsz = 64 << 20;
	struct nlmsghdr *h;
	struct pollfd pfd;
	u16 family;
	u32 group;
	ssize_t r;

	(void)argv;
	if (argc)
		die("usage: nfips-diff kmonitor");
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("generic netlink socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)))
		die("SO_RCVBUFFORCE: %s", strerror(errno));
	genl_resolve(fd, &family, &group);
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)))
		die("joining the alerts group: %s", strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!stop) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0) {
			if (errno == ENOBUFS)
				fprintf(stderr, "nfips-diff: alerts lost (ENOBUFS)\n");
			continue;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (u32)r); h = NLMSG_NEXT(h, r)) {
			const struct genlmsghdr *g = NLMSG_DATA(h);

			if (h->nlmsg_type != family || h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
			    g->cmd != NFIPS_CMD_ALERT)
				continue;
			nla_index((const char *)g + GENL_HDRLEN, (const char *)h + h->nlmsg_len,
				  tb, NFIPS_A_MAX);
			if (tb[NFIPS_A_ALERT])
				print_kalert(tb[NFIPS_A_ALERT]);
		}
	}
	close(fd);
	return 0;
}

/* ---- cmp ----------------------------------------------------------------- */

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append @line to the alert list of @id (sorted later). */
struct alist {
	char **v;
	u32 n, cap;
};

static void alist_add(struct alist *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 4;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die("out of memory");
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n++])
		die("out of memory");
}

static char *alist_join(struct alist *l)
{
	size_t len = 1;
	char *s;
	u32 i;

	if (!l->n)
		return NULL;
	qsort(l->v, l->n, sizeof(*l->v), strp_cmp);
	for (i = 0; i < l->n; i++)
		len += strlen(l->v[i]) + 3;
	s = calloc(1, len);
	if (!s)
		die("out of memory");
	for (i = 0; i < l->n; i++) {
		if (i)
			strcat(s, " | ");
		strcat(s, l->v[i]);
		free(l->v[i]);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
	return s;
}

/* The id named by an alert text's source address ("... proto=N ADDR:PORT -> ..."). */
static int alert_id(const char *a)
{
	const char *p = strstr(a, " proto="), *e;
	char addr[INET6_ADDRSTRLEN];
	u8 b[16];
	size_t l;

	if (!p || !(p = strchr(p + 1, ' ')))
		return -1;
	p++;
	if (*p == '[') {
		e = strchr(++p, ']');
		if (!e)
			return -1;
		l = (size_t)(e - p);
		if (l >= sizeof(addr))
			return -1;
		memcpy(addr, p, l);
		addr[l] = '\0';
		if (inet_pton(AF_INET6, addr, b) != 1 || memcmp(b, src6_prefix, 14))
			return -1;
		return b[14] << 8 | b[15];
	}
	e = strchr(p, ':');
	if (!e || (l = (size_t)(e - p)) >= sizeof(addr))
		return -1;
	memcpy(addr, p, l);
	addr[l] = '\0';
	if (inet_pton(AF_INET, addr, b) != 1 || b[0] != 10 || b[1] != 200)
		return -1;
	return b[2] << 8 | b[3];
}

static void read_ids(const char *path, bool *seen, u32 *dups)
{
	unsigned int id, c;
	FILE *f = fopen(path, "r");

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fscanf(f, "%u %u", &id, &c) == 2) {
		if (id >= MAX_ID)
			die("%s: id %u out of range", path, id);
		seen[id] = true;
		if (c > 1)
			(*dups)++;
	}
	fclose(f);
}

static int cmd_cmp(int argc, char **argv)
{
	static bool base[MAX_ID], twin[MAX_ID];
	static struct alist ral[MAX_ID], tal[MAX_ID];
	static char sel[MAX_ID][64], *ra[MAX_ID], *ta[MAX_ID];
	static bool rdrop[MAX_ID], known[MAX_ID];
	u32 n, i, dups = 0, delivered = 0, selected = 0, observed = 0, dropped = 0;
	u32 alerts = 0, bad = 0, stray = 0;
	char line[1024], what[16], verdict[16], chain[40], path[4096], *a;
	struct pcap_rec *recs;
	const char *tname;
	FILE *f, *pc, *txt;
	int id;

	if (argc != 7)
		die("usage: nfips-diff cmp CORPUS.pcap REF BASE.ids TWIN.ids ALERTS OUTDIR TWIN");
	tname = argv[6];
	recs = pcap_read(argv[0], &n);
	f = fopen(argv[1], "r");
	if (!f)
		die("%s: %s", argv[1], strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'A' && sscanf(line, "A %d", &id) == 1 && id >= 0 && id < (int)MAX_ID) {
			a = strchr(line + 2, ' ');
			alist_add(&ral[id], a + 1);
		} else if (sscanf(line, "P %d %15s %39s %15s", &id, what, chain, verdict) == 4 &&
			   id >= 0 && id < (int)MAX_ID) {
			known[id] = true;
			rdrop[id] = !strcmp(verdict, "drop");
			if (!strncmp(what, "rule:", 5))
				snprintf(sel[id], sizeof(sel[id]), "%s chain %s", what, chain);
		} else {
			die("%s: cannot read line '%s'", argv[1], line);
		}
	}
	fclose(f);
	read_ids(argv[2], base, &dups);
	read_ids(argv[3], twin, &dups);
	f = fopen(argv[4], "r");
	if (!f)
		die("%s: %s", argv[4], strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		a = strstr(line, " alert chain=");
		if (!a)
			continue;
		id = alert_id(a + 7);
		if (id < 0 || id >= (int)MAX_ID) {
			stray++;
			continue;
		}
		alist_add(&tal[id], a + 7);
		alerts++;
	}
	fclose(f);

	snprintf(path, sizeof(path), "%s/disagree.pcap", argv[5]);
	pc = fopen(path, "wb");
	if (!pc)
		die("%s: %s", path, strerror(errno));
	pcap_write_hdr(pc);
	snprintf(path, sizeof(path), "%s/disagree.txt", argv[5]);
	txt = fopen(path, "w");
	if (!txt)
		die("%s: %s", path, strerror(errno));

	for (i = 0; i < n; i++) {
		bool exp_arrive, ok;

		id = id_of(recs[i].data, recs[i].len);
		if (id < 0 || !known[id])
			die("%s: packet %u has no reference verdict", argv[1], i + 1);
		ra[id] = alist_join(&ral[id]);
		ta[id] = alist_join(&tal[id]);
		if (!base[id]) {
			/* Not delivered without an IPS: outside the comparison. */
			free(ra[id]);
			free(ta[id]);
			continue;
		}
		delivered++;
		if (sel[id][0])
			selected++;
		if (sel[id][0] && ra[id])
			observed++;
		if (rdrop[id])
			dropped++;
		exp_arrive = !rdrop[id];
		ok = exp_arrive == twin[id] &&
		     !strcmp(ra[id] ? ra[id] : "", ta[id] ? ta[id] : "");
		if (!ok) {
			bad++;
			pcap_write(pc, (u32)id, recs[i].data, recs[i].len);
			fprintf(txt, "id %d (%u bytes): reference: %s, %s, alerts {%s}; %s twin: %s, alerts {%s}\n",
				id, recs[i].len, sel[id][0] ? sel[id] : "not selected",
				rdrop[id] ? "dropped" : "passed", ra[id] ? ra[id] : "",
				tname, twin[id] ? "passed" : "dropped", ta[id] ? ta[id] : "");
		}
		free(ra[id]);
		free(ta[id]);
	}
	if (fclose(pc) || fclose(txt))
		die("writing to %s: %s", argv[5], strerror(errno));
	printf("corpus %u packets, plain forwarding delivered %u; reference: %u selected "
	       "(%u of them visible by an alert), %u dropped; %s twin: %u alerts, "
	       "%u duplicates, %u stray alerts; disagreements: %u\n",
	       n, delivered, selected, observed, dropped, tname, alerts, dups, stray, bad);
	for (i = 0; i < n; i++)
		free(recs[i].data);
	free(recs);
	return bad || dups || stray ? 1 : 0;
}

#ifndef NFIPS_DIFF_NO_MAIN	/* tests/diff/test_diff.c has its own */
int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "gen", cmd_gen }, { "ref", cmd_ref }, { "send", cmd_send },
		{ "recv", cmd_recv }, { "kmonitor", cmd_kmonitor }, { "cmp", cmd_cmp },
	};
	size_t i;

	if (argc >= 2)
		for (i = 0; i < ARRAY_SIZE(cmds); i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "usage: nfips-diff gen|ref|send|recv|kmonitor|cmp ... (see tests/diff/README.md)\n");
	return 2;
}
#endif
