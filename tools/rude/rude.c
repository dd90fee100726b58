// SPDX-License-Identifier: GPL-2.0
/*
 * nfips-rude: sends the UDP flows of a RUDE script, RUDE's wire format.
 *
 * Pacing: every packet has an absolute deadline on CLOCK_MONOTONIC computed
 * from the start of its flow segment (start + k * 1 s / rate), never from the
 * previous send, so a late packet does not delay the ones after it and no
 * drift accumulates. The sender sleeps with clock_nanosleep(TIMER_ABSTIME)
 * until SPIN_NS before the earliest deadline, then spins: the scheduler's
 * wake-up latency (tens of microseconds) would otherwise be the pacing error.
 * Packets that are due together (high rates, or after a preemption) go out
 * in one sendmmsg() per flow. A flow that falls behind catches up at once,
 * so the number of packets sent over an ON period is what the script asks,
 * as long as the sender keeps up. When it cannot (offered load above what
 * one core sends), the script's times still hold: at the flow's next
 * command, what is still owed beyond SETTLE_BATCHES batches is counted as
 * missed, not sent late, and the report shows requested against achieved.
 *
 * --burst N (CONSTANT flows): the packets of a flow go out N at a time in
 * one sendmmsg(), one burst every N/rate seconds, at the same average rate.
 * It trades the smoothness of the stream for sender throughput (one wake-up
 * and one system call per N packets): for loss-free rate searches, where
 * the IPS's queues absorb bursts far below their length, not for delay
 * measurements (a packet late in a burst waits for the ones before it).
 */
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <arpa/inet.h>
#include "rude.h"
#include "nfips_args.h"

#define SPIN_NS		50000ull	/* default --spin: spin this long before a deadline */
#define BATCH		64		/* packets per sendmmsg() */
#define SETTLE_BATCHES	16		/* owed packets still sent at a command */
#define NS		1000000000ull
#define NO_DEADLINE	UINT64_MAX

struct flow_rt {
	const struct nfips_rude_flow *cfg;
	int fd;
	bool active;			/* between ON and OFF */
	enum nfips_rude_mode mode;
	u32 pps, bytes;
	const struct nfips_rude_trace *tr;
	u32 tr_pos;
	u64 seg_start, k;		/* CONSTANT: deadline = seg_start + k s/pps */
	u64 next;			/* next deadline, NO_DEADLINE when silent */
	u64 last_deadline;		/* of the latest packet, 0 = none yet */
	u32 seq;
	/* report */
	u64 sent, errors, missed;
	bool any_deadline;
	u64 first_deadline;
	u64 first_tx, last_tx;		/* monotonic send times */
	u64 late_sum, late_max;
	int last_errno;
};

struct rude {
	struct nfips_rude_script script;
	struct flow_rt *flows;
	struct nfips_rude_event *order;	/* events sorted by time */
	enum nfips_rude_wire wire;
	int prio;			/* -1: not set */
	bool quiet;
	u8 *bufs;			/* BATCH payloads of 32768 bytes */
};

static volatile sig_atomic_t stop;
/*
 * How long before a deadline sleeping gives way to spinning. Longer is more
 * exact on a busy machine (wake-ups come later) but burns the CPU the
 * collector may share with us in the bench; --spin sets it.
 */
static u64 spin_ns = SPIN_NS;
/* --burst: packets per deadline of a CONSTANT flow (1..BATCH). */
static u32 burst = 1;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}


/* Sleep until close to @t, then spin; returns early on a signal. */
static void wait_until(u64 t)
{
	struct timespec ts;
	u64 now = nfips_now_ns();

	if (t > now + spin_ns) {
		ts.tv_sec = (time_t)((t - spin_ns) / NS);
		ts.tv_nsec = (long)((t - spin_ns) % NS);
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
			return;
	}
	while (!stop && nfips_now_ns() < t)
		nfips_cpu_relax();
}

static int open_flow_socket(struct rude *r, struct flow_rt *f)
{
	const struct nfips_rude_flow *c = f->cfg;
	struct sockaddr_storage src = { 0 };
	int fd, one = 1, sndbuf = 4 << 20;
	char dst[INET6_ADDRSTRLEN];

	fd = socket(c->dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "nfips-rude: flow %u: socket: %m\n", c->id);
		return -1;
	}
	/* Several flows may share a source port, as in RUDE's examples. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	/* A deep send queue: bursts wait in the kernel, not in the pacing. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	src.ss_family = c->dst.ss_family;
	if (c->dst.ss_family == AF_INET)
		((struct sockaddr_in *)&src)->sin_port = htons(c->sport);
	else
		((struct sockaddr_in6 *)&src)->sin6_port = htons(c->sport);
	if (bind(fd, (struct sockaddr *)&src, c->dst_len)) {
		fprintf(stderr, "nfips-rude: flow %u: bind to source port %u: %m\n",
			c->id, c->sport);
		goto err_close;
	}
	if (c->tos >= 0 &&
	    (c->dst.ss_family == AF_INET ?
	     setsockopt(fd, IPPROTO_IP, IP_TOS, &c->tos, sizeof(c->tos)) :
	     setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &c->tos, sizeof(c->tos)))) {
		fprintf(stderr, "nfips-rude: flow %u: TOS 0x%x: %m\n", c->id, c->tos);
		goto err_close;
	}
	if (r->prio >= 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &r->prio, sizeof(r->prio)) &&
	    !r->quiet) {
		inet_ntop(c->dst.ss_family, c->dst.ss_family == AF_INET ?
			  (void *)&((struct sockaddr_in *)&c->dst)->sin_addr :
			  (void *)&((struct sockaddr_in6 *)&c->dst)->sin6_addr,
			  dst, sizeof(dst));
		fprintf(stderr, "nfips-rude: flow %u to %s: SO_PRIORITY %d: %m (ignored)\n",
			c->id, dst, r->prio);
	}
	f->fd = fd;
	return 0;

err_close:
	close(fd);
	return -1;
}

static void fill_dst(const struct nfips_rude_flow *c, struct nfips_rude_hdr *h)
{
	h->dst_family = c->dst.ss_family;
	if (c->dst.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&c->dst;

		h->dst_port = ntohs(s4->sin_port);
		memcpy(h->dst_addr, &s4->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *s6 = (const void *)&c->dst;

		h->dst_port = ntohs(s6->sin6_port);
		memcpy(h->dst_addr, &s6->sin6_addr, 16);
	}
}

static u64 constant_deadline(const struct flow_rt *f)
{
	return nfips_rude_const_deadline(f->seg_start, f->k, f->pps, burst);
}

/* Start a new segment (ON or MODIFY) of flow @f at time @t. */
static void start_segment(struct rude *r, struct flow_rt *f,
			  const struct nfips_rude_event *ev, u64 t)
{
	u64 first = t;

	f->mode = ev->mode;
	f->active = true;
	if (ev->mode == NFIPS_RUDE_TRACE) {
		f->tr = &r->script.traces[ev->trace];
		f->tr_pos = 0;
		f->next = t;
		return;
	}
	f->pps = ev->pps;
	f->bytes = ev->bytes;
	if (!f->pps) {
		f->next = NO_DEADLINE;	/* rate 0: ON but silent */
		return;
	}
	/* A MODIFY keeps the new spacing from the last packet, not a burst. */
	if (f->last_deadline && f->last_deadline + burst * NS / f->pps > first)
		first = f->last_deadline + burst * NS / f->pps;
	f->seg_start = first;
	f->k = 0;
	f->next = first;
}

static void advance(struct flow_rt *f)
{
	if (!f->any_deadline) {
		f->any_deadline = true;
		f->first_deadline = f->next;
	}
	f->last_deadline = f->next;
	if (f->mode == NFIPS_RUDE_TRACE) {
		f->next += f->tr->ent[f->tr_pos].gap_ns;
		f->tr_pos = (f->tr_pos + 1) % f->tr->n;
		return;
	}
	f->k++;
	f->next = constant_deadline(f);
}

/* Send the packets of @f with deadlines <= @limit, at most BATCH of them. */
static void send_due(struct rude *r, struct flow_rt *f, u64 limit)
{
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct nfips_rude_hdr h = { .flow_id = f->cfg->id };
	u64 deadline[BATCH], now;
	struct timespec rt;
	u32 n = 0, i, len;
	int ret;

	fill_dst(f->cfg, &h);
	while (n < BATCH && f->next <= limit) {
		len = f->mode == NFIPS_RUDE_TRACE ? f->tr->ent[f->tr_pos].bytes :
		      f->bytes;
		iov[n].iov_base = r->bufs + (size_t)n * NFIPS_RUDE_MAX_PAYLOAD;
		iov[n].iov_len = len;
		deadline[n] = f->next;
		advance(f);
		n++;
	}
	/* RUDE stamps CLOCK_REALTIME at send: one reading for the batch. */
	clock_gettime(CLOCK_REALTIME, &rt);
	h.tx_sec = (u32)rt.tv_sec;
	h.tx_usec = (u32)(rt.tv_nsec / 1000);
	for (i = 0; i < n; i++) {
		h.seq = f->seq++;
		nfips_rude_encode(r->wire, &h, iov[i].iov_base, (u32)iov[i].iov_len);
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].msg_hdr.msg_name = (void *)&f->cfg->dst;
		msg[i].msg_hdr.msg_namelen = f->cfg->dst_len;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	now = nfips_now_ns();
	for (i = 0; i < n;) {
		ret = sendmmsg(f->fd, msg + i, n - i, 0);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0) {
			/* The packet is lost, as on the wire: its seq stays used. */
			f->last_errno = errno;
			f->errors++;
			i++;
			continue;
		}
		i += (u32)ret;
		f->sent += (u64)ret;
	}
	if (!f->first_tx)
		f->first_tx = now;
	f->last_tx = now;
	for (i = 0; i < n; i++) {
		u64 late = now > deadline[i] ? now - deadline[i] : 0;

		f->late_sum += late;
		if (late > f->late_max)
			f->late_max = late;
	}
}

/*
 * A command of flow @f is due at @t: send what is still owed before @t
 * (normally a packet or two, a little late; up to 1024 after a stall of
 * the sender), and count the rest as missed.
 */
static void settle(struct rude *r, struct flow_rt *f, u64 t)
{
	u64 k_end;
	u32 i;

	for (i = 0; i < SETTLE_BATCHES && f->active && f->next < t; i++)
		send_due(r, f, t - 1);
	if (!f->active || f->next >= t)
		return;
	if (f->mode == NFIPS_RUDE_CONSTANT) {
		/* First k due at or after t, without a loop. */
		k_end = nfips_rude_const_first_at(f->seg_start, t, f->pps, burst);
		f->missed += k_end - f->k;
		f->k = k_end - 1;
		f->next = constant_deadline(f);
		advance(f);
		return;
	}
	while (f->next < t) {
		f->missed++;
		advance(f);
	}
}

static void apply_event(struct rude *r, const struct nfips_rude_event *ev,
			u64 t)
{
	struct flow_rt *f = &r->flows[ev->flow];

	settle(r, f, t);
	if (ev->cmd == NFIPS_RUDE_OFF) {
		f->active = false;
		f->next = NO_DEADLINE;
		return;
	}
	start_segment(r, f, ev, t);
}

static int cmp_event(const void *a, const void *b)
{
	const struct nfips_rude_event *x = a, *y = b;

	/* Time, then file order: qsort is not stable, the line number is. */
	if (x->t_ms != y->t_ms)
		return x->t_ms < y->t_ms ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/* Monotonic time of the START line. */
static u64 start_time(const struct nfips_rude_script *s)
{
	struct timespec rt;
	struct tm tm;
	s64 now_sod, delta;

	if (s->start_now)
		return nfips_now_ns();
	clock_gettime(CLOCK_REALTIME, &rt);
	localtime_r(&rt.tv_sec, &tm);
	now_sod = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	delta = (s64)s->start_hms - now_sod;
	if (delta < 0)
		delta += 86400;		/* RUDE waits for the next such time */
	return nfips_now_ns() + (u64)delta * NS - (u64)rt.tv_nsec;
}

static void run(struct rude *r)
{
	const struct nfips_rude_script *s = &r->script;
	u64 t0 = start_time(s), now, ev_t, next;
	u32 ei = 0, i, active;

	while (!stop) {
		ev_t = ei < s->n_events ? t0 + r->order[ei].t_ms * 1000000ull :
		       NO_DEADLINE;
		next = ev_t;
		active = 0;
		for (i = 0; i < s->n_flows; i++) {
			active += r->flows[i].active;
			if (r->flows[i].active && r->flows[i].next < next)
				next = r->flows[i].next;
		}
		if (ei == s->n_events && !active)
			break;
		now = nfips_now_ns();
		if (next > now) {
			wait_until(next);
			continue;
		}
		/*
		 * A command goes before packets due at the same time: OFF at T
		 * sends nothing at T, so 1000 pps for 1000 ms is 1000 packets.
		 * Packets due before T are settled by the command itself.
		 */
		if (ev_t <= now) {
			apply_event(r, &r->order[ei++], ev_t);
			continue;
		}
		for (i = 0; i < s->n_flows; i++) {
			struct flow_rt *f = &r->flows[i];

			if (f->active && f->next <= now)
				send_due(r, f, now);
		}
	}
}

static void report(const struct rude *r, u64 elapsed)
{
	const struct nfips_rude_script *s = &r->script;
	double req, ach, span;
	u32 i;

	for (i = 0; i < s->n_flows; i++) {
		const struct flow_rt *f = &r->flows[i];
		u64 attempts = f->sent + f->errors, due = attempts + f->missed;

		/* Rates over the packets' own span: (n - 1) intervals. */
		span = (double)(f->last_deadline - f->first_deadline) / 1e9;
		req = due > 1 && span > 0 ? (double)(due - 1) / span : 0;
		span = (double)(f->last_tx - f->first_tx) / 1e9;
		ach = f->sent > 1 && span > 0 ? (double)(f->sent - 1) / span : 0;
		fprintf(stderr,
			"flow %u: requested %.2f pps, achieved %.2f pps, %llu packets sent, %llu missed (sender too slow), %llu send errors%s%s, lateness avg %.1f us max %.1f us\n",
			f->cfg->id, req, ach, (unsigned long long)f->sent,
			(unsigned long long)f->missed,
			(unsigned long long)f->errors, f->errors ? " last: " : "",
			f->errors ? strerror(f->last_errno) : "",
			attempts ? (double)f->late_sum / (double)attempts / 1e3 : 0.0,
			(double)f->late_max / 1e3);
	}
	fprintf(stderr, "nfips-rude: %u flows, %.3f s%s\n", s->n_flows,
		(double)elapsed / 1e9, stop ? " (interrupted)" : "");
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: nfips-rude -s SCRIPT [-P prio] [--wire 070|070-64|08] [--cpu N] [--spin US]\n"
		"                  [--burst N] [-q]\n"
		"  -s FILE     RUDE script (START, ON, MODIFY, OFF, TOS; [v6]:port allowed)\n"
		"  -P prio     SCHED_FIFO priority (as RUDE) and SO_PRIORITY of the sockets\n"
		"  --wire W    header layout: 070 (20 bytes), 070-64 (40, default), 08 (144)\n"
		"  --cpu N     pin to CPU N\n"
		"  --spin US   busy-wait the last US microseconds before a packet (50)\n"
		"  --burst N   CONSTANT flows send N packets per deadline, every N/rate s\n"
		"              (1..64, default 1): more throughput, micro-bursts; for\n"
		"              rate searches, not for delay measurements\n"
		"  -q          no per-flow report\n");
}

/* Every number on the command line goes through the tools' one checked
 * parser (nfips_rude_opt_u32 in rude_lib.c). */
static int parse_num(const char *opt, const char *s, u32 lo, u32 hi, u32 *v)
{
	return nfips_rude_opt_u32("nfips-rude", opt, s, lo, hi, v);
}

/* The command line into @r, @script and @cpu: 0 to run, 1 when done (help),
 * -1 on a bad argument (said on stderr). */
static int parse_opts(int argc, char **argv, struct rude *r, const char **script,
		      int *cpu)
{
	static const struct option lopts[] = {
		{ "wire", required_argument, NULL, 'w' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "spin", required_argument, NULL, 'S' },
		{ "burst", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	u32 v;

	while ((opt = getopt_long(argc, argv, "s:P:qh", lopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			*script = optarg;
			break;
		case 'P':
			if (parse_num("-P", optarg, 0, 99, &v))
				return -1;
			r->prio = (int)v;
			break;
		case 'q':
			r->quiet = true;
			break;
		case 'w':
			if (nfips_rude_wire_parse(optarg, &r->wire)) {
				fprintf(stderr, "nfips-rude: --wire: '%s' is not 070, 070-64 or 08\n",
					optarg);
				return -1;
			}
			break;
		case 'c':
			if (parse_num("--cpu", optarg, 0, CPU_SETSIZE - 1, &v))
				return -1;
			*cpu = (int)v;
			break;
		case 'S':
			if (parse_num("--spin", optarg, 0, 1000000, &v))
				return -1;
			spin_ns = (u64)v * 1000;
			break;
		case 'B':
			if (parse_num("--burst", optarg, 1, BATCH, &burst))
				return -1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (!*script || optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Buffers, the send order and one socket per flow of the loaded script;
 * on failure what was opened stays in @r for main's unwind. */
static int rude_setup(struct rude *r)
{
	u32 i;

	r->flows = calloc(r->script.n_flows, sizeof(*r->flows));
	for (i = 0; r->flows && i < r->script.n_flows; i++)
		r->flows[i].fd = -1;
	r->order = malloc(r->script.n_events * sizeof(*r->order));
	r->bufs = malloc((size_t)BATCH * NFIPS_RUDE_MAX_PAYLOAD);
	if (!r->flows || !r->order || !r->bufs) {
		fprintf(stderr, "nfips-rude: out of memory\n");
		return -1;
	}
	/* Fault the buffers in now, not during the first packets. */
	memset(r->bufs, 0, (size_t)BATCH * NFIPS_RUDE_MAX_PAYLOAD);
	memcpy(r->order, r->script.events, r->script.n_events * sizeof(*r->order));
	qsort(r->order, r->script.n_events, sizeof(*r->order), cmp_event);
	for (i = 0; i < r->script.n_flows; i++) {
		r->flows[i].cfg = &r->script.flows[i];
		r->flows[i].next = NO_DEADLINE;
		if (open_flow_socket(r, &r->flows[i]))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rude r = { .wire = NFIPS_RUDE_W070_64, .prio = -1 };
	const char *script = NULL;
	char err[NFIPS_RUDE_ERR_MAX];
	struct sigaction sa = { .sa_handler = on_signal };
	u64 t_begin;
	int rc, cpu = -1;
	u32 i;

	rc = parse_opts(argc, argv, &r, &script, &cpu);
	if (rc)
		return rc < 0;
	if (nfips_rude_script_load(script, nfips_rude_wire_min(r.wire), &r.script,
				   err, sizeof(err))) {
		fprintf(stderr, "nfips-rude: %s\n", err);
		return 1;
	}
	rc = 1;
	if (rude_setup(&r) || nfips_rude_sched("nfips-rude", cpu, r.prio, r.quiet))
		goto out;
	/* Timer slack would add up to 50 us to every sleep. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t_begin = nfips_now_ns();
	run(&r);
	if (!r.quiet)
		report(&r, nfips_now_ns() - t_begin);
	/* Send errors are reported, not fatal: RUDE carries on, too. */
	rc = 0;
out:
	for (i = 0; r.flows && i < r.script.n_flows; i++)
		if (r.flows[i].fd >= 0)
			close(r.flows[i].fd);
	free(r.bufs);
	free(r.order);
	free(r.flows);
	nfips_rude_script_free(&r.script);
	return rc;
}
