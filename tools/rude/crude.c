// SPDX-License-Identifier: GPL-2.0
/*
 * nfips-crude: collects RUDE flows; CRUDE's options and output formats.
 *
 * Speed: packets are received with recvmmsg() in batches of BATCH into
 * small buffers: MSG_TRUNC returns each datagram's real size, so only the
 * header is copied to user space, whatever the payload size. The receive
 * timestamp is the kernel's (SO_TIMESTAMPNS), so a batch that waited in the
 * socket queue still gets its packets' real arrival times; SO_RXQ_OVFL
 * reports what the socket dropped, so loss caused by a slow collector is
 * visible and not mistaken for loss in the network. Nothing is allocated
 * per packet: a flow's state and delay-sample buffer are set up when its
 * first packet arrives, and per-packet lines are only formatted when asked.
 */
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#include <arpa/inet.h>
#include "rude.h"
#include "nfips_args.h"

#define BATCH		64
#define PKT_BUF		256		/* >= the largest header, 144 */
#define MAX_FLOWS	1024
#define TABLE_SIZE	2048		/* open addressing, at most half full */
#define MAX_STAT_IDS	256
#define DEF_SAMPLES	10000000ull	/* delay samples kept per flow (80 MB virtual) */
#define NS		1000000000ull

struct slot {
	bool used;
	struct nfips_crude_flow f;
};

struct crude {
	int fd;
	u16 port;
	u64 limit;			/* -n, 0 = none */
	u32 stat_ids[MAX_STAT_IDS];
	u32 n_stat_ids;
	const char *json;
	FILE *log;
	bool print;			/* per-packet lines on stdout */
	u64 cap_samples;
	struct slot *table;
	u32 n_flows;
	struct nfips_crude_flow *last;	/* cache: flows arrive in runs */
	/* counters */
	u64 packets, undecodable, no_flow_slot, socket_drops;
	bool kernel_ts;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static u64 realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (u64)ts.tv_sec * NS + (u64)ts.tv_nsec;
}

static struct nfips_crude_flow *flow_get(struct crude *c, u32 id)
{
	u32 h = (id * 2654435761u) & (TABLE_SIZE - 1);
	struct slot *s;
	s64 *samples;

	if (c->last && c->last->id == id)
		return c->last;
	for (;; h = (h + 1) & (TABLE_SIZE - 1)) {
		s = &c->table[h];
		if (!s->used)
			break;
		if (s->f.id == id)
			return c->last = &s->f;
	}
	if (c->n_flows == MAX_FLOWS)
		return NULL;
	/*
	 * Reserved, not committed: pages are faulted in as samples arrive,
	 * so an idle flow costs nothing and a busy one 8 bytes per packet.
	 */
	samples = NULL;
	if (c->cap_samples) {
		samples = mmap(NULL, c->cap_samples * sizeof(*samples),
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (samples == MAP_FAILED) {
			fprintf(stderr, "nfips-crude: flow %u: no memory for delay samples; median and p99 not available\n",
				id);
			samples = NULL;
		}
	}
	s->used = true;
	nfips_crude_flow_init(&s->f, id, samples, c->cap_samples);
	c->n_flows++;
	return c->last = &s->f;
}

static void account(struct crude *c, const struct nfips_crude_rec *rec)
{
	struct nfips_crude_flow *f = flow_get(c, rec->h.flow_id);
	u8 out[NFIPS_CRUDE_REC_SIZE];
	char line[256];
	int n;

	c->packets++;
	if (f) {
		nfips_crude_flow_add(f, rec->h.seq, rec->size,
				     (u64)rec->h.tx_sec * NS +
				     (u64)rec->h.tx_usec * 1000, rec->rx_ns);
		f->wire = rec->wire;
	} else {
		c->no_flow_slot++;
	}
	if (c->log) {
		nfips_crude_rec_pack(rec, out);
		fwrite(out, sizeof(out), 1, c->log);
	}
	if (c->print) {
		n = nfips_crude_rec_format(rec, line, sizeof(line));
		fwrite(line, 1, (size_t)n, stdout);
	}
	if (c->limit && c->packets >= c->limit)
		stop = 1;
}

static void set_src(struct nfips_crude_rec *rec, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		rec->src_family = AF_INET;
		rec->src_port = ntohs(s4->sin_port);
		memcpy(rec->src_addr, &s4->sin_addr, 4);
	} else if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		/* A dual-stack socket: print IPv4 peers as IPv4, as CRUDE. */
		rec->src_family = AF_INET;
		rec->src_port = ntohs(s6->sin6_port);
		memcpy(rec->src_addr, &s6->sin6_addr.s6_addr[12], 4);
	} else {
		rec->src_family = AF_INET6;
		rec->src_port = ntohs(s6->sin6_port);
		memcpy(rec->src_addr, &s6->sin6_addr, 16);
	}
}

struct rx_ring {
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage name[BATCH];
	u8 buf[BATCH][PKT_BUF];
	union {
		struct cmsghdr align;
		u8 b[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(u32))];
	} ctl[BATCH];
};

static int receive(struct crude *c)
{
	struct rx_ring *ring = calloc(1, sizeof(*ring));
	struct nfips_crude_rec rec;
	struct cmsghdr *cm;
	struct timespec ts;
	u64 now_ns;
	int n, i, w, ret = 0;
	u32 drops;

	if (!ring) {
		fprintf(stderr, "nfips-crude: out of memory\n");
		return -1;
	}
	for (i = 0; i < BATCH; i++) {
		ring->iov[i].iov_base = ring->buf[i];
		ring->iov[i].iov_len = PKT_BUF;
		ring->msg[i].msg_hdr.msg_iov = &ring->iov[i];
		ring->msg[i].msg_hdr.msg_iovlen = 1;
		ring->msg[i].msg_hdr.msg_name = &ring->name[i];
		ring->msg[i].msg_hdr.msg_control = &ring->ctl[i];
	}
	while (!stop) {
		for (i = 0; i < BATCH; i++) {
			ring->msg[i].msg_hdr.msg_namelen = sizeof(ring->name[i]);
			ring->msg[i].msg_hdr.msg_controllen = sizeof(ring->ctl[i]);
		}
		/* MSG_TRUNC: msg_len is the datagram's size, not what was copied. */
		n = recvmmsg(c->fd, ring->msg, BATCH, MSG_WAITFORONE | MSG_TRUNC,
			     NULL);
		if (n < 0) {
			/* EAGAIN: SO_RCVTIMEO expired, a chance to see a signal. */
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "nfips-crude: recvmmsg: %m\n");
			ret = -1;
			break;
		}
		now_ns = 0;
		for (i = 0; i < n && !stop; i++) {
			struct msghdr *mh = &ring->msg[i].msg_hdr;
			u32 len = ring->msg[i].msg_len;

			w = nfips_rude_decode(ring->buf[i], min(len, (u32)PKT_BUF),
					      &rec.h);
			if (w < 0) {
				c->undecodable++;
				continue;
			}
			rec.rx_ns = 0;
			for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
				if (cm->cmsg_level != SOL_SOCKET)
					continue;
				if (cm->cmsg_type == SCM_TIMESTAMPNS) {
					memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
					rec.rx_ns = (u64)ts.tv_sec * NS + (u64)ts.tv_nsec;
				} else if (cm->cmsg_type == SO_RXQ_OVFL) {
					memcpy(&drops, CMSG_DATA(cm), sizeof(drops));
					c->socket_drops = drops;
				}
			}
			if (!rec.rx_ns) {
				if (!now_ns)
					now_ns = realtime_ns();
				rec.rx_ns = now_ns;
			} else {
				c->kernel_ts = true;
			}
			rec.wire = (u8)w;
			rec.size = len;
			rec.local_port = c->port;
			set_src(&rec, &ring->name[i]);
			account(c, &rec);
		}
	}
	free(ring);
	return ret;
}

static int decode_log(struct crude *c, const char *path)
{
	u8 hdr[NFIPS_CRUDE_LOG_HDR], buf[NFIPS_CRUDE_REC_SIZE];
	struct nfips_crude_rec rec;
	FILE *f = fopen(path, "rb");
	u64 n = 0;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "nfips-crude: %s: %m\n", path);
		return -1;
	}
	if (fread(hdr, sizeof(hdr), 1, f) != 1 || nfips_crude_log_check(hdr)) {
		fprintf(stderr, "nfips-crude: %s: not an nfips-crude binary log\n",
			path);
		ret = -1;
		goto out_close;
	}
	while (!stop && fread(buf, sizeof(buf), 1, f) == 1) {
		if (nfips_crude_rec_unpack(buf, &rec)) {
			fprintf(stderr, "nfips-crude: %s: record %llu is corrupt\n",
				path, (unsigned long long)n);
			ret = -1;
			break;
		}
		n++;
		account(c, &rec);
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "nfips-crude: %s: read error\n", path);
		ret = -1;
	}
out_close:
	fclose(f);
	return ret;
}

static int open_socket(struct crude *c, const char *ifaddr, bool v6)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s6 = (void *)&ss;
	struct sockaddr_in *s4 = (void *)&ss;
	struct timeval tv = { .tv_usec = 100000 };
	int one = 1, zero = 0, rcvbuf = 128 << 20, fd;
	socklen_t sl;

	if (ifaddr && inet_pton(AF_INET, ifaddr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
	} else if (ifaddr && inet_pton(AF_INET6, ifaddr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
	} else if (ifaddr) {
		fprintf(stderr, "nfips-crude: -i: '%s' is not an IPv4 or IPv6 address\n",
			ifaddr);
		return -1;
	} else {
		ss.ss_family = v6 ? AF_INET6 : AF_INET;
	}
	if (ss.ss_family == AF_INET) {
		s4->sin_port = htons(c->port);
		sl = sizeof(*s4);
	} else {
		s6->sin6_port = htons(c->port);
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "nfips-crude: socket: %m\n");
		return -1;
	}
	/* -6 without -i: one dual-stack socket receives IPv4 and IPv6. */
	if (ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, ifaddr ? &one : &zero,
		       sizeof(int)))
		goto err_sockopt;
	/* Root may exceed rmem_max; bursts then wait in the socket, not drop. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		goto err_sockopt;
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		fprintf(stderr, "nfips-crude: SO_TIMESTAMPNS: %m; using the clock at receive\n");
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		goto err_sockopt;
	if (bind(fd, (struct sockaddr *)&ss, sl)) {
		fprintf(stderr, "nfips-crude: bind to %s port %u: %m\n",
			ifaddr ? ifaddr : v6 ? "[::]" : "0.0.0.0", c->port);
		goto err_close;
	}
	c->fd = fd;
	return 0;

err_sockopt:
	fprintf(stderr, "nfips-crude: setsockopt: %m\n");
err_close:
	close(fd);
	return -1;
}

static int cmp_slot_id(const void *a, const void *b)
{
	const struct nfips_crude_flow *x = *(const struct nfips_crude_flow *const *)a;
	const struct nfips_crude_flow *y = *(const struct nfips_crude_flow *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static void json_flow(FILE *f, const struct nfips_crude_summary *s, int wire,
		      bool comma)
{
	const char *w = wire >= 0 ? nfips_rude_wire_name((enum nfips_rude_wire)wire) : NULL;

	fprintf(f,
		"    {\"id\": %u, \"wire\": \"%s\", \"received\": %llu, \"out_of_sequence\": %llu, "
		"\"lost\": %lld, \"bytes\": %llu, \"first_seq\": %u, \"last_seq\": %u,\n"
		"     \"delay_avg_s\": %.9f, \"jitter_s\": %.9f, \"jitter_max_s\": %.9f, "
		"\"throughput_Bps\": %.3f,\n"
		"     \"delay_min_s\": %.9f, \"delay_median_s\": %.9f, \"delay_p99_s\": %.9f, "
		"\"delay_max_s\": %.9f, \"samples\": %llu, \"samples_dropped\": %llu}%s\n",
		s->id, w ? w : "", (unsigned long long)s->received,
		(unsigned long long)s->out_of_seq, (long long)s->lost,
		(unsigned long long)s->bytes, s->first_seq, s->last_seq,
		s->delay_avg_s, s->jitter_s, s->jitter_max_s, s->throughput_Bps,
		s->delay_min_s, s->delay_median_s, s->delay_p99_s, s->delay_max_s,
		(unsigned long long)s->samples,
		(unsigned long long)s->samples_dropped, comma ? "," : "");
}

/* -s statistics and the --json summary, at the end of the run. */
static int finish(struct crude *c)
{
	struct nfips_crude_flow **fl = calloc(MAX_FLOWS, sizeof(*fl));
	struct nfips_crude_summary *sum = calloc(MAX_FLOWS, sizeof(*sum));
	struct nfips_crude_summary none;
	struct nfips_crude_flow *f;
	FILE *jf = NULL;
	u32 i, j, n = 0;
	int ret = 0;

	if (!fl || !sum) {
		fprintf(stderr, "nfips-crude: out of memory\n");
		ret = -1;
		goto out_free;
	}
	for (i = 0; i < TABLE_SIZE; i++)
		if (c->table[i].used)
			fl[n++] = &c->table[i].f;
	qsort(fl, n, sizeof(*fl), cmp_slot_id);
	for (i = 0; i < n; i++)
		nfips_crude_flow_summary(fl[i], &sum[i]);
	if (c->n_stat_ids)
		printf("\nRuntime statistics results: \n"
		       "--------------------------- \n");
	for (j = 0; j < c->n_stat_ids; j++) {
		for (i = 0; i < n && fl[i]->id != c->stat_ids[j]; i++)
			;
		if (i < n) {
			nfips_crude_summary_print(&sum[i], stdout);
		} else {
			memset(&none, 0, sizeof(none));
			none.id = c->stat_ids[j];
			nfips_crude_summary_print(&none, stdout);
		}
	}
	if (c->n_stat_ids)
		printf("\n");
	if (!c->json)
		goto out_free;
	jf = fopen(c->json, "w");
	if (!jf) {
		fprintf(stderr, "nfips-crude: --json %s: %m\n", c->json);
		ret = -1;
		goto out_free;
	}
	fprintf(jf, "{\n  \"tool\": \"nfips-crude\", \"port\": %u, \"packets\": %llu, "
		"\"undecodable\": %llu, \"socket_drops\": %llu, \"untracked\": %llu, "
		"\"kernel_timestamps\": %s,\n  \"flows\": [\n", c->port,
		(unsigned long long)c->packets,
		(unsigned long long)c->undecodable,
		(unsigned long long)c->socket_drops,
		(unsigned long long)c->no_flow_slot,
		c->kernel_ts ? "true" : "false");
	for (i = 0; i < n; i++) {
		f = fl[i];
		json_flow(jf, &sum[i], f->wire, i + 1 < n);
	}
	fprintf(jf, "  ]\n}\n");
	if (fclose(jf)) {
		fprintf(stderr, "nfips-crude: --json %s: %m\n", c->json);
		ret = -1;
	}
out_free:
	free(sum);
	free(fl);
	return ret;
}

/* Every number on the command line goes through the tools' one checked
 * parser (nfips_rude_opt_u32 in rude_lib.c). */
static int parse_num(const char *opt, const char *s, u32 lo, u32 hi, u32 *v)
{
	return nfips_rude_opt_u32("nfips-crude", opt, s, lo, hi, v);
}

static int parse_ids(struct crude *c, const char *s)
{
	const char *comma;
	size_t len;

	for (;;) {
		comma = strchr(s, ',');
		len = comma ? (size_t)(comma - s) : strlen(s);
		if (c->n_stat_ids == MAX_STAT_IDS ||
		    nfips_parse_u32(s, (u32)len, &c->stat_ids[c->n_stat_ids])) {
			fprintf(stderr, "nfips-crude: -s: bad flow id list (at most %u numbers, comma separated)\n",
				MAX_STAT_IDS);
			return -1;
		}
		c->n_stat_ids++;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: nfips-crude [-p port] [-i ifaddr] [-l binlog | -d binlog] [-n count]\n"
		"                   [-s id[,id...]] [-P prio] [--json FILE] [--cpu N] [-6]\n"
		"                   [--samples N]\n"
		"  -p port       UDP port (10001)\n"
		"  -i ifaddr     receive on this local address only\n"
		"  -l binlog     write received packets to a binary log instead of stdout\n"
		"  -d binlog     print the packets of a binary log (CRUDE's per-packet lines)\n"
		"  -n count      stop after count packets\n"
		"  -s ids        per-flow statistics on SIGINT/SIGTERM or at -n\n"
		"  -P prio       SCHED_FIFO priority\n"
		"  --json FILE   write a JSON summary of every flow on exit\n"
		"  --cpu N       pin to CPU N\n"
		"  -6            dual-stack: receive IPv6 too\n"
		"  --samples N   delay samples kept per flow for median/p99 (10000000)\n"
		"Per-packet lines go to stdout unless -l, -s or --json is given.\n");
}

/* What the command line asks for besides the collector's own settings. */
struct crude_opts {
	const char *ifaddr, *logpath, *decode;
	int prio, cpu;
	bool v6;
};

/* The command line into @c and @o: 0 to run, 1 when done (help), -1 on a
 * bad argument (said on stderr). */
static int parse_opts(int argc, char **argv, struct crude *c, struct crude_opts *o)
{
	static const struct option lopts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "samples", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	u32 v;

	while ((opt = getopt_long(argc, argv, "p:i:l:d:n:s:P:6h", lopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (parse_num("-p", optarg, 1, 65535, &v))
				return -1;
			c->port = (u16)v;
			break;
		case 'i':
			o->ifaddr = optarg;
			break;
		case 'l':
			o->logpath = optarg;
			break;
		case 'd':
			o->decode = optarg;
			break;
		case 'n':
			if (parse_num("-n", optarg, 1, UINT32_MAX, &v))
				return -1;
			c->limit = v;
			break;
		case 's':
			if (parse_ids(c, optarg))
				return -1;
			break;
		case 'P':
			if (parse_num("-P", optarg, 0, 99, &v))
				return -1;
			o->prio = (int)v;
			break;
		case 'j':
			c->json = optarg;
			break;
		case 'c':
			if (parse_num("--cpu", optarg, 0, CPU_SETSIZE - 1, &v))
				return -1;
			o->cpu = (int)v;
			break;
		case 'S':
			if (parse_num("--samples", optarg, 0, UINT32_MAX, &v))
				return -1;
			c->cap_samples = v;
			break;
		case '6':
			o->v6 = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || (o->logpath && o->decode)) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* -l: the binary log, its header written. */
static int open_log(struct crude *c, const char *path)
{
	u8 hdr[NFIPS_CRUDE_LOG_HDR];

	c->log = fopen(path, "wb");
	if (!c->log) {
		fprintf(stderr, "nfips-crude: -l %s: %m\n", path);
		return -1;
	}
	setvbuf(c->log, NULL, _IOFBF, 1 << 20);
	nfips_crude_log_header(hdr);
	fwrite(hdr, sizeof(hdr), 1, c->log);
	return 0;
}

int main(int argc, char **argv)
{
	struct crude c = { .fd = -1, .port = NFIPS_CRUDE_PORT,
			   .cap_samples = DEF_SAMPLES };
	struct crude_opts o = { .cpu = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int rc;
	u32 i;

	rc = parse_opts(argc, argv, &c, &o);
	if (rc)
		return rc < 0;
	rc = 1;
	c.print = o.decode || (!o.logpath && !c.n_stat_ids && !c.json);
	c.table = calloc(TABLE_SIZE, sizeof(*c.table));
	if (!c.table) {
		fprintf(stderr, "nfips-crude: out of memory\n");
		return 1;
	}
	/* Lines are printed in bulk: a line-buffered stdout is a syscall each. */
	if (c.print)
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o.decode) {
		if (decode_log(&c, o.decode))
			goto out_free;
		goto out_finish;
	}
	if (nfips_rude_sched("nfips-crude", o.cpu, o.prio, false))
		goto out_free;
	if (o.logpath && open_log(&c, o.logpath))
		goto out_free;
	if (open_socket(&c, o.ifaddr, o.v6))
		goto out_log;
	fprintf(stderr, "nfips-crude: listening on %s port %u\n",
		o.ifaddr ? o.ifaddr : o.v6 ? "[::]" : "0.0.0.0", c.port);
	if (receive(&c))
		goto out_close;
out_finish:
	fprintf(stderr, "nfips-crude: %llu packets, %llu not RUDE, %llu dropped by the socket%s\n",
		(unsigned long long)c.packets, (unsigned long long)c.undecodable,
		(unsigned long long)c.socket_drops,
		c.no_flow_slot ? " (more flows than tracked)" : "");
	rc = finish(&c) ? 1 : 0;
	if (fflush(stdout)) {
		fprintf(stderr, "nfips-crude: stdout: %m\n");
		rc = 1;
	}
out_close:
	if (c.fd >= 0)
		close(c.fd);
out_log:
	if (c.log && fclose(c.log)) {
		fprintf(stderr, "nfips-crude: -l %s: %m\n", o.logpath);
		rc = 1;
	}
out_free:
	for (i = 0; i < TABLE_SIZE; i++)
		if (c.table[i].used && c.table[i].f.samples)
			munmap(c.table[i].f.samples,
			       c.cap_samples * sizeof(*c.table[i].f.samples));
	free(c.table);
	return rc;
}
