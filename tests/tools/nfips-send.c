// SPDX-License-Identifier: GPL-2.0
/*
 * nfips-send: craft and send test packets (IPv4/IPv6, TCP with any flags, UDP,
 * any payload, IPv4 fragments, malformed packets) for the network tests.
 *
 *   nfips-send -d DST [-s SRC] [-P tcp|udp|icmp|N] [--sport N] [--dport N]
 *              [--flags HEX] [--payload TEXT | --hex HEX | --size N]
 *              [--count N] [--rate PPS] [--frag N] [--ttl N] [--hbh]
 *              [--ext KIND:LEN,...] [--ipopt N]
 *   nfips-send --iface IF [--dmac MAC] (--raw HEX | the options above)
 *              [--tot-len N] [--ihl N] [--doff N] [--udp-len N]
 *
 * SIGINT/SIGTERM end the sending loop cleanly; --report prints
 * "sent N packets" on stderr at the end, so a test can flood "until done"
 * and still know exactly how many packets left.
 *
 * Without --iface a raw IP socket sends well-formed packets (the kernel fills
 * in the IPv4 total length and header checksum). With --iface a packet
 * socket sends the bytes exactly as built, so lengths may lie: that is how
 * the malformed-packet tests reach the IPS. Default destination MAC with
 * --iface: broadcast (reaches PREROUTING, is not forwarded). --hbh (IPv6)
 * puts an 8-byte hop-by-hop options header (one PadN option) between the
 * IPv6 header and L4, to check that parsers walk extension headers.
 * --ext builds a whole chain: hbh (first only), dst or rt, each LEN bytes
 * (a multiple of 8, 8..2048), e.g. --ext hbh:1024,dst:8,rt:16,dst:400; the
 * options are ones a receiver skips (PadN, and type 0x1e, an experimental
 * "skip if unknown" option, at most 8 per header as Linux allows), routing
 * headers have type 0 and no segments left. --ipopt N (IPv4) puts N bytes
 * of NOP options (a multiple of 4, up to 40) in the IP header.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nfips_args.h"

#define MAX_PKT 65535

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	int family;
	uint8_t saddr[16], daddr[16];
	bool have_src;
	int proto;
	uint16_t sport, dport;
	uint8_t flags;
	uint8_t payload[MAX_PKT];
	uint32_t payload_len;
	uint32_t count, rate, frag, ttl;
	bool report;
	bool hbh;
	uint8_t ext[8192];	/* IPv6 extension headers, chained */
	uint32_t ext_len;
	uint8_t ext_first;	/* next header of the IPv6 header */
	uint8_t *ext_nh;	/* the last header's next-header byte */
	uint32_t ipopt;
	const char *iface;
	uint8_t dmac[6];
	long tot_len, ihl, doff, udp_len;	/* -1: computed */
	uint8_t raw[MAX_PKT];
	uint32_t raw_len;
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "nfips-send: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static uint32_t num(const char *s, uint32_t max, const char *what)
{
	uint32_t v;

	if (nfips_parse_u32(s, (uint32_t)strlen(s), &v) || v > max)
		die("bad number for %s", what);
	return v;
}

static uint32_t hexbytes(const char *s, uint8_t *out, uint32_t cap)
{
	struct nfips_arg arg = { .key = "hex" };
	struct nfips_err err;
	char *buf;
	uint32_t len;

	/* Reuse the shared |hex| decoder: wrap the text in pipes. */
	buf = malloc(strlen(s) + 3);
	if (!buf)
		die("%s", "out of memory");
	sprintf(buf, "|%s|", s);
	arg.val = buf;
	arg.val_len = (uint32_t)strlen(buf);
	if (nfips_arg_bytes(&arg, out, cap, &len, &err))
		die("%s", err.msg);
	free(buf);
	return len;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Options a receiver skips, filling @len bytes at @p (Linux's rules). */
static void fill_tlvs(uint8_t *p, uint32_t len)
{
	uint32_t d;

	while (len) {
		if (len == 1) {
			*p = 0;				/* Pad1 */
			return;
		}
		if (len <= 7) {
			p[0] = 1;			/* PadN */
			p[1] = (uint8_t)(len - 2);
			memset(p + 2, 0, len - 2);
			return;
		}
		/* Leave at most 7 bytes of padding after the last option. */
		d = len - 2 > 255 ? 255 : len - 2;
		p[0] = 0x1e;
		p[1] = (uint8_t)d;
		memset(p + 2, 0xa5, d);
		p += 2 + d;
		len -= 2 + d;
	}
}

/* Append one extension header to @o->ext: "hbh:LEN", "dst:LEN", "rt:LEN". */
static void add_ext(struct opts *o, const char *spec)
{
	const char *colon = strchr(spec, ':');
	uint8_t type, *h;
	uint32_t len;

	if (!colon)
		die("--ext %s: need KIND:LEN", spec);
	len = num(colon + 1, 2048, "--ext LEN");
	if (len < 8 || len % 8)
		die("--ext %s: LEN is a multiple of 8 from 8 to 2048", spec);
	if (!strncmp(spec, "hbh:", 4))
		type = 0;
	else if (!strncmp(spec, "dst:", 4))
		type = 60;
	else if (!strncmp(spec, "rt:", 3))
		type = 43;
	else
		die("--ext %s: KIND is hbh, dst or rt", spec);
	if (type == 0 && o->ext_len)
		die("%s", "--ext: hbh may only come first");
	if (o->ext_len + len > sizeof(o->ext))
		die("%s", "--ext: chain too long");
	if (o->ext_len)
		*o->ext_nh = type;
	else
		o->ext_first = type;
	h = o->ext + o->ext_len;
	memset(h, 0, len);
	h[1] = (uint8_t)(len / 8 - 1);
	if (type == 43) {
		h[2] = 0;			/* routing type 0 */
		h[3] = 0;			/* segments left: none */
	} else {
		fill_tlvs(h + 2, len - 2);
	}
	o->ext_nh = h;
	o->ext_len += len;
}

static void parse_ext(struct opts *o, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;

	if (!copy)
		die("%s", "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		add_ext(o, tok);
	free(copy);
}

/* Build the L4 header + payload at @p; returns its length. */
static uint32_t build_l4(const struct opts *o, uint8_t *p)
{
	uint32_t hl = 0, len, sum;
	uint8_t pseudo[40];
	uint32_t alen = o->family == 6 ? 16 : 4;

	if (o->proto == IPPROTO_TCP)
		hl = 20;
	else if (o->proto == IPPROTO_UDP || o->proto == IPPROTO_ICMP)
		hl = 8;
	len = hl + o->payload_len;
	memset(p, 0, hl);
	memcpy(p + hl, o->payload, o->payload_len);
	if (o->proto == IPPROTO_TCP) {
		put16(p, o->sport);
		put16(p + 2, o->dport);
		p[7] = 1;				/* seq 1 */
		p[12] = (uint8_t)((o->doff >= 0 ? o->doff : 5) << 4);
		p[13] = o->flags;
		put16(p + 14, 65535);			/* window */
	} else if (o->proto == IPPROTO_UDP) {
		put16(p, o->sport);
		put16(p + 2, o->dport);
		put16(p + 4, o->udp_len >= 0 ? (uint32_t)o->udp_len : len);
	} else if (o->proto == IPPROTO_ICMP) {
		p[0] = 8;				/* echo request */
		put16(p + 2, csum_fold(csum_add(0, p, len)));
		return len;
	}
	if (o->proto != IPPROTO_TCP && o->proto != IPPROTO_UDP)
		return len;
	/* Pseudo-header checksum: receivers check it when delivering. */
	memset(pseudo, 0, sizeof(pseudo));
	memcpy(pseudo, o->saddr, alen);
	memcpy(pseudo + alen, o->daddr, alen);
	sum = csum_add(0, pseudo, 2 * alen);
	sum += (uint32_t)o->proto + len;
	sum = csum_add(sum, p, len);
	put16(p + (o->proto == IPPROTO_TCP ? 16 : 6), csum_fold(sum) ? csum_fold(sum) : 0xffff);
	return len;
}

/* Build the whole IP packet into @pkt; returns its length. */
static uint32_t build_ip(const struct opts *o, uint8_t *pkt, uint32_t frag_off,
			 bool more, const uint8_t *l4, uint32_t l4len)
{
	uint32_t len;

	if (o->family == 6) {
		uint32_t ext = o->ext_len;

		memset(pkt, 0, 40);
		pkt[0] = 0x60;
		put16(pkt + 4, o->tot_len >= 0 ? (uint32_t)o->tot_len : ext + l4len);
		pkt[6] = (uint8_t)(ext ? o->ext_first : o->proto);
		pkt[7] = (uint8_t)o->ttl;
		memcpy(pkt + 8, o->saddr, 16);
		memcpy(pkt + 24, o->daddr, 16);
		memcpy(pkt + 40, o->ext, ext);
		memcpy(pkt + 40 + ext, l4, l4len);
		return 40 + ext + l4len;
	}
	len = 20 + o->ipopt + l4len;
	memset(pkt, 0, 20);
	memset(pkt + 20, 1, o->ipopt);			/* NOP options */
	pkt[0] = (uint8_t)(0x40 | (o->ihl >= 0 ? o->ihl : 5 + o->ipopt / 4));
	put16(pkt + 2, o->tot_len >= 0 ? (uint32_t)o->tot_len : len);
	put16(pkt + 4, 0x4e49);				/* id */
	put16(pkt + 6, (more ? 0x2000 : 0) | (frag_off / 8));
	pkt[8] = (uint8_t)o->ttl;
	pkt[9] = (uint8_t)o->proto;
	memcpy(pkt + 12, o->saddr, 4);
	memcpy(pkt + 16, o->daddr, 4);
	put16(pkt + 10, csum_fold(csum_add(0, pkt, 20 + o->ipopt)));
	memcpy(pkt + 20 + o->ipopt, l4, l4len);
	return len;
}

static void pace(uint32_t rate, uint32_t i, const struct timespec *start)
{
	struct timespec due;
	uint64_t ns;

	if (!rate)
		return;
	ns = (uint64_t)i * 1000000000ull / rate;
	due.tv_sec = start->tv_sec + (time_t)(ns / 1000000000ull);
	due.tv_nsec = start->tv_nsec + (long)(ns % 1000000000ull);
	if (due.tv_nsec >= 1000000000L) {
		due.tv_sec++;
		due.tv_nsec -= 1000000000L;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
}

static int open_sock(const struct opts *o, struct sockaddr_storage *to,
		     socklen_t *tolen)
{
	int fd, one = 1;

	memset(to, 0, sizeof(*to));
	if (o->iface) {
		struct sockaddr_ll *ll = (struct sockaddr_ll *)to;

		fd = socket(AF_PACKET, SOCK_DGRAM, 0);
		if (fd < 0)
			return -1;
		ll->sll_family = AF_PACKET;
		ll->sll_protocol = htons(o->family == 6 ? 0x86dd : 0x0800);
		ll->sll_ifindex = (int)if_nametoindex(o->iface);
		if (!ll->sll_ifindex)
			die("no interface %s", o->iface);
		ll->sll_halen = 6;
		memcpy(ll->sll_addr, o->dmac, 6);
		*tolen = sizeof(*ll);
		return fd;
	}
	if (o->family == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)to;

		fd = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
		if (fd < 0)
			return -1;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, o->daddr, 16);
		*tolen = sizeof(*s6);
		return fd;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));
	((struct sockaddr_in *)to)->sin_family = AF_INET;
	memcpy(&((struct sockaddr_in *)to)->sin_addr, o->daddr, 4);
	*tolen = sizeof(struct sockaddr_in);
	return fd;
}

/* Pick the source address the kernel would use towards the destination. */
static void default_src(struct opts *o)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	int fd = socket(o->family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);

	if (o->family == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, o->daddr, 16);
		s6->sin6_port = htons(9);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, o->daddr, 4);
		s4->sin_port = htons(9);
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, o->family == 6 ?
			      sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len))
		die("%s", "no route to the destination (give -s SRC)");
	if (o->family == 6)
		memcpy(o->saddr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	else
		memcpy(o->saddr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	close(fd);
}

static int send_one(int fd, const uint8_t *p, uint32_t len,
		    const struct sockaddr_storage *to, socklen_t tolen)
{
	if (sendto(fd, p, len, 0, (const struct sockaddr *)to, tolen) < 0) {
		perror("nfips-send: sendto");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "sport", required_argument, NULL, 1 },
		{ "dport", required_argument, NULL, 2 },
		{ "flags", required_argument, NULL, 3 },
		{ "payload", required_argument, NULL, 4 },
		{ "hex", required_argument, NULL, 5 },
		{ "size", required_argument, NULL, 6 },
		{ "count", required_argument, NULL, 7 },
		{ "rate", required_argument, NULL, 8 },
		{ "frag", required_argument, NULL, 9 },
		{ "iface", required_argument, NULL, 10 },
		{ "dmac", required_argument, NULL, 11 },
		{ "raw", required_argument, NULL, 12 },
		{ "tot-len", required_argument, NULL, 13 },
		{ "ihl", required_argument, NULL, 14 },
		{ "doff", required_argument, NULL, 15 },
		{ "udp-len", required_argument, NULL, 16 },
		{ "ttl", required_argument, NULL, 17 },
		{ "report", no_argument, NULL, 19 },
		{ "hbh", no_argument, NULL, 18 },
		{ "ext", required_argument, NULL, 20 },
		{ "ipopt", required_argument, NULL, 21 },
		{ NULL, 0, NULL, 0 },
	};
	static struct opts o;
	static uint8_t l4[MAX_PKT + 64], pkt[MAX_PKT + 8192 + 128];
	struct sockaddr_storage to;
	struct timespec start;
	socklen_t tolen;
	const char *src = NULL, *dst = NULL, *ext_arg = NULL;
	uint32_t i, l4len, len, off, chunk;
	int c, fd, fails = 0;

	o.family = 4;
	o.proto = IPPROTO_UDP;
	o.sport = 40000;
	o.dport = 5000;
	o.count = 1;
	o.ttl = 64;
	o.tot_len = o.ihl = o.doff = o.udp_len = -1;
	memset(o.dmac, 0xff, 6);
	while ((c = getopt_long(argc, argv, "6s:d:P:", lopts, NULL)) != -1) {
		switch (c) {
		case '6': o.family = 6; break;
		case 's': src = optarg; break;
		case 'd': dst = optarg; break;
		case 'P':
			if (!strcmp(optarg, "tcp"))
				o.proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				o.proto = IPPROTO_UDP;
			else if (!strcmp(optarg, "icmp"))
				o.proto = IPPROTO_ICMP;
			else
				o.proto = (int)num(optarg, 255, "-P");
			break;
		case 1: o.sport = (uint16_t)num(optarg, 65535, "--sport"); break;
		case 2: o.dport = (uint16_t)num(optarg, 65535, "--dport"); break;
		case 3: o.flags = (uint8_t)num(optarg, 255, "--flags"); break;
		case 4:
			o.payload_len = (uint32_t)strlen(optarg);
			if (o.payload_len > MAX_PKT - 100)
				die("%s", "payload too long");
			memcpy(o.payload, optarg, o.payload_len);
			break;
		case 5: o.payload_len = hexbytes(optarg, o.payload, MAX_PKT - 100); break;
		case 6:
			o.payload_len = num(optarg, MAX_PKT - 100, "--size");
			for (i = 0; i < o.payload_len; i++)
				o.payload[i] = (uint8_t)('a' + i % 26);
			break;
		case 7: o.count = num(optarg, UINT32_MAX, "--count"); break;
		case 8: o.rate = num(optarg, 10000000, "--rate"); break;
		case 9: o.frag = num(optarg, 65000, "--frag"); break;
		case 10: o.iface = optarg; break;
		case 11:
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &o.dmac[0],
				   &o.dmac[1], &o.dmac[2], &o.dmac[3], &o.dmac[4],
				   &o.dmac[5]) != 6)
				die("bad --dmac %s", optarg);
			break;
		case 12: o.raw_len = hexbytes(optarg, o.raw, MAX_PKT); break;
		case 13: o.tot_len = num(optarg, 65535, "--tot-len"); break;
		case 14: o.ihl = num(optarg, 15, "--ihl"); break;
		case 15: o.doff = num(optarg, 15, "--doff"); break;
		case 16: o.udp_len = num(optarg, 65535, "--udp-len"); break;
		case 17: o.ttl = num(optarg, 255, "--ttl"); break;
		case 19: o.report = true; break;
		case 18: o.hbh = true; break;
		case 20: ext_arg = optarg; break;
		case 21:
			o.ipopt = num(optarg, 40, "--ipopt");
			if (o.ipopt % 4)
				die("%s", "--ipopt is a multiple of 4");
			break;
		default:
			fprintf(stderr, "usage: see the comment atop tests/tools/nfips-send.c\n");
			return 2;
		}
	}
	if (!o.raw_len) {
		if (!dst || inet_pton(o.family == 6 ? AF_INET6 : AF_INET, dst, o.daddr) != 1)
			die("need -d DST (an IPv%s address)", o.family == 6 ? "6" : "4");
		if (src && inet_pton(o.family == 6 ? AF_INET6 : AF_INET, src, o.saddr) != 1)
			die("bad -s %s", src);
		if (!src)
			default_src(&o);
	} else if (!o.iface) {
		die("%s", "--raw needs --iface");
	}
	if ((o.hbh || ext_arg) && o.family != 6)
		die("%s", "--hbh and --ext are IPv6 only");
	if (o.ipopt && o.family != 4)
		die("%s", "--ipopt is IPv4 only");
	/* --hbh: an 8-byte hop-by-hop header (one PadN) before the rest. */
	if (o.hbh)
		add_ext(&o, "hbh:8");
	if (ext_arg)
		parse_ext(&o, ext_arg);
	if (o.ext_len)
		*o.ext_nh = (uint8_t)o.proto;
	if (o.frag && (o.family != 4 || o.frag % 8))
		die("%s", "--frag is IPv4 only and a multiple of 8");

	fd = open_sock(&o, &to, &tolen);
	if (fd < 0) {
		perror("nfips-send: socket");
		return 1;
	}
	l4len = o.raw_len ? 0 : build_l4(&o, l4);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < o.count && !stop; i++) {
		pace(o.rate, i, &start);
		if (o.raw_len) {
			fails += send_one(fd, o.raw, o.raw_len, &to, tolen) ? 1 : 0;
			continue;
		}
		if (!o.frag) {
			len = build_ip(&o, pkt, 0, false, l4, l4len);
			fails += send_one(fd, pkt, len, &to, tolen) ? 1 : 0;
			continue;
		}
		for (off = 0; off < l4len; off += chunk) {
			chunk = l4len - off > o.frag ? o.frag : l4len - off;
			len = build_ip(&o, pkt, off, off + chunk < l4len, l4 + off, chunk);
			fails += send_one(fd, pkt, len, &to, tolen) ? 1 : 0;
		}
	}
	close(fd);
	if (o.report)
		fprintf(stderr, "sent %u packets\n", i - (uint32_t)fails);
	return fails ? 1 : 0;
}
