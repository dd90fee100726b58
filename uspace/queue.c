// SPDX-License-Identifier: GPL-2.0
/*
 * NFQUEUE workers: one thread and one netlink socket per queue.
 *
 * The packet contract (after net/netfilter/nf_queue.c): every packet the
 * kernel hands us gets exactly one verdict, also when its message is
 * malformed, when the policy was just replaced, and at shutdown. Verdicts
 * are decided at once, in id order, and sent in batches:
 *
 *  - accepts are collected as "everything up to id N" and sent as one
 *    NFQNL_MSG_VERDICT_BATCH. A batch verdict covers every id <= N still
 *    in the queue, so it is only correct because each earlier packet has
 *    been decided already and each drop was sent on its own first;
 *  - a drop appends the pending accepts' batch and then its own
 *    NFQNL_MSG_VERDICT to the send buffer, so the kernel sees them in order;
 *  - a send that fails keeps what its verdicts said (flush_send() below):
 *    retried, or for a failure that cannot be retried, each drop is sent
 *    again before any later batch accept could cover it;
 *  - the send buffer goes out when the socket is drained (recv with
 *    MSG_DONTWAIT says EAGAIN) - at low load that is after every packet, so
 *    batching adds no delay (notes/nfqueue.md: a 1 ms timer alone added a
 *    full millisecond) - and when NFIPSD_BATCH_MAX verdicts or
 *    NFIPSD_BATCH_NS of age are pending, so a busy queue is not starved.
 *
 * Nothing is allocated per packet: each worker owns one receive buffer
 * (a GSO packet is one message of up to 64 KiB) and one send buffer.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "nfipsd.h"

#define NFIPSD_BATCH_MAX	64
#define NFIPSD_BATCH_NS		1000000ull	/* 1 ms */
#define NFIPSD_RBUF_LEN		(128u << 10)	/* > one 64 KiB packet message */
#define NFIPSD_SBUF_LEN		(16u << 10)
#define NFIPSD_RCVBUF		(64 << 20)
#define NFIPSD_MAX_ALERTS_PKT	8

/*
 * Alerts of the packet being processed, collected here and pushed to the
 * ring after nfips_chain_run() returns, so the packet path takes the ring's
 * producer side once per packet. Thread-local: one packet at a time per
 * worker.
 */
static __thread struct {
	u32 n;
	struct nfipsd_alert_wire a[NFIPSD_MAX_ALERTS_PKT];
} pkt_alerts;

void nfipsd_on_alert(void *ctx, const struct nfips_chain *chain,
		     const struct nfips_op *op, const struct nfips_pkt *pkt,
		     int result);
void nfipsd_on_alert(void *ctx, const struct nfips_chain *chain,
		     const struct nfips_op *op, const struct nfips_pkt *pkt,
		     int result)
{
	struct nfipsd *d = ctx;
	struct nfipsd_alert_wire *a;
	struct timespec ts;

	if (!atomic_load_explicit(&d->monitors, memory_order_relaxed))
		return;
	if (pkt_alerts.n >= NFIPSD_MAX_ALERTS_PKT) {
		nfips_counter_add(&d->alerts_lost, 1);
		return;
	}
	a = &pkt_alerts.a[pkt_alerts.n++];
	memset(a, 0, sizeof(*a));
	clock_gettime(CLOCK_REALTIME, &ts);
	a->time_ns = (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
	strscpy(a->chain, chain->name, sizeof(a->chain));
	strscpy(a->op, op->name, sizeof(a->op));
	a->result = (u32)result;
	a->family = pkt->family;
	a->proto = pkt->l4_proto;
	a->sport = pkt->sport;
	a->dport = pkt->dport;
	a->len = pkt->wire_len;
	memcpy(a->saddr, pkt->saddr, 16);
	memcpy(a->daddr, pkt->daddr, 16);
}

static void alerts_finish(struct nfipsd *d)
{
	u32 i;

	if (!pkt_alerts.n)
		return;
	for (i = 0; i < pkt_alerts.n; i++)
		nfipsd_alert_push(d, &pkt_alerts.a[i]);
	pkt_alerts.n = 0;
}

/*
 * Send failures (the "exactly one verdict" contract on the error path):
 *
 *  - retryable (EINTR, EAGAIN, ENOBUFS, ENOMEM: the kernel had no room
 *    just now): the whole buffer is sent again, a few times at once and
 *    then at the next flush; nothing is discarded, and while the buffer is
 *    full the worker waits for it rather than drop a verdict;
 *  - anything else: the buffer's verdicts are lost - counted (send_errors,
 *    verdicts_lost) and logged - and what they said is kept: each lost
 *    drop is sent again before anything else at every flush, so no later
 *    batch accept (which covers every lower id still queued) can accept a
 *    packet we dropped; the highest lost accept is batched again after
 *    them. Should more than NFIPSD_LOST_MAX drops be outstanding, batch
 *    verdicts stop for good (every accept goes out by id): the drops not
 *    remembered then stay queued until the socket closes, which drops
 *    them - never an accept.
 */
#define NFIPSD_SEND_TRIES	8

static bool send_retryable(int err)
{
	return err == EINTR || err == EAGAIN || err == EWOULDBLOCK ||
	       err == ENOBUFS || err == ENOMEM;
}

/* Remember what the verdicts in the unsent buffer said. */
static void lose_buffer(struct nfipsd_worker *w, int err)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)w->sbuf;
	int len = (int)w->sbuf_used;
	u32 lost = 0;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		const struct nlattr *a;
		u32 type = nlh->nlmsg_type & 0xff;

		if (type != NFQNL_MSG_VERDICT && type != NFQNL_MSG_VERDICT_BATCH)
			continue;
		mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
			const struct nfqnl_msg_verdict_hdr *vh;
			u32 id;

			if (mnl_attr_get_type(a) != NFQA_VERDICT_HDR ||
			    mnl_attr_get_payload_len(a) < sizeof(*vh))
				continue;
			vh = mnl_attr_get_payload(a);
			id = ntohl(vh->id);
			lost++;
			if (ntohl(vh->verdict) != NF_DROP) {
				if (!w->lost_accept || id > w->lost_accept_id)
					w->lost_accept_id = id;
				w->lost_accept = true;
			} else if (w->n_lost_drop < NFIPSD_LOST_MAX) {
				w->lost_drop[w->n_lost_drop++] = id;
			} else if (!w->no_batch) {
				w->no_batch = true;
				NFIPSD_LOG("queue %u: more than %u drop verdicts unsent: "
					   "no batch verdicts from now on", w->queue,
					   NFIPSD_LOST_MAX);
			}
		}
	}
	nfips_counter_add(&w->send_errors, 1);
	nfips_counter_add(&w->verdicts_lost, lost);
	NFIPSD_LOG("queue %u: sending %u verdict(s): %s (sent again at the next flush)",
		   w->queue, lost, strerror(err));
	w->sbuf_used = 0;
}

/*
 * Send everything in the send buffer. 0: sent (or empty); -EAGAIN: a
 * retryable failure, the buffer is kept; other: lost (lose_buffer).
 */
static int flush_send(struct nfipsd_worker *w)
{
	u32 tries;
	int err;

	if (!w->sbuf_used)
		return 0;
	for (tries = 0;; tries++) {
		if (mnl_socket_sendto(w->nl, w->sbuf, w->sbuf_used) >= 0)
			break;
		err = errno;
		if (!send_retryable(err)) {
			lose_buffer(w, err);
			return -err;
		}
		nfips_counter_add(&w->send_retries, 1);
		if (tries + 1 >= NFIPSD_SEND_TRIES)
			return -EAGAIN;
		if (tries)
			usleep(50u << tries);
	}
	nfips_counter_add(&w->batches, 1);
	w->sbuf_used = 0;
	return 0;
}

/*
 * Room for one verdict message (header + verdict attribute). A full buffer
 * that cannot go out yet is waited for: a verdict is never thrown away to
 * make room. At shutdown the wait ends (the socket's close drops what is
 * still queued: fail closed).
 */
static void make_room(struct nfipsd_worker *w)
{
	while (w->sbuf_len - w->sbuf_used < 128) {
		if (flush_send(w) != -EAGAIN)
			continue;
		if (atomic_load(&w->d->stopping))
			lose_buffer(w, EAGAIN);
		else
			usleep(1000);
	}
}

static void put_msg(struct nfipsd_worker *w, int type, u32 id, int v)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(w->sbuf + w->sbuf_used, type,
					     w->queue);

	nfq_nlmsg_verdict_put(nlh, (int)id, v);
	w->sbuf_used += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* The drops lost to failed sends, again, by id. */
static void put_lost_drops(struct nfipsd_worker *w)
{
	u32 i, n = w->n_lost_drop, ids[NFIPSD_LOST_MAX];

	/* Making room may lose the buffer again and refill w->lost_drop
	 * (with the drops put here too): work on a copy. */
	memcpy(ids, w->lost_drop, n * sizeof(ids[0]));
	w->n_lost_drop = 0;
	for (i = 0; i < n; i++) {
		make_room(w);
		put_msg(w, NFQNL_MSG_VERDICT, ids[i], NF_DROP);
	}
	nfips_counter_add(&w->resent, n);
}

/*
 * Append a verdict. The rule that keeps a lost drop from turning into an
 * accept: nothing that accepts (a batch covers every lower id still queued)
 * goes into the buffer while lost drops wait - they are put first, and
 * put again if making room lost them once more.
 */
static void put_verdict(struct nfipsd_worker *w, int type, u32 id, int v)
{
	for (;;) {
		make_room(w);
		if (v == NF_DROP || !w->n_lost_drop)
			break;
		put_lost_drops(w);
	}
	put_msg(w, type, id, v);
}

/*
 * What failed sends lost, first in the buffer: the drops by id, then the
 * highest lost accept as a batch, unless the pending batch that follows
 * covers it anyway (every lower id is decided, each drop among them sent
 * or put again just before).
 */
static void put_lost(struct nfipsd_worker *w)
{
	if (w->n_lost_drop)
		put_lost_drops(w);
	if (!w->lost_accept || w->no_batch)
		return;
	w->lost_accept = false;
	if (w->npending && w->pending_id > w->lost_accept_id)
		return;
	put_verdict(w, NFQNL_MSG_VERDICT_BATCH, w->lost_accept_id, NF_ACCEPT);
	nfips_counter_add(&w->resent, 1);
}

/* Append the batch verdict for the pending accepts. */
static void put_pending(struct nfipsd_worker *w)
{
	put_lost(w);
	if (!w->npending)
		return;
	put_verdict(w, NFQNL_MSG_VERDICT_BATCH, w->pending_id, NF_ACCEPT);
	nfips_counter_add(&w->verdicts, w->npending);
	w->npending = 0;
}

static void flush_verdicts(struct nfipsd_worker *w)
{
	put_pending(w);
	flush_send(w);
}

static void verdict(struct nfipsd_worker *w, u32 id, bool drop)
{
	if (!drop && w->no_batch) {
		/* A batch could cover a drop that was never sent. */
		put_lost(w);
		put_verdict(w, NFQNL_MSG_VERDICT, id, NF_ACCEPT);
		nfips_counter_add(&w->verdicts, 1);
		return;
	}
	if (!drop) {
		if (!w->npending)
			w->pending_since = nfips_now_ns();
		w->pending_id = id;
		w->npending++;
		if (w->npending >= NFIPSD_BATCH_MAX ||
		    nfips_now_ns() - w->pending_since > NFIPSD_BATCH_NS)
			flush_verdicts(w);
		return;
	}
	/* The accepts before this id first: a batch must not cover the drop. */
	put_pending(w);
	put_verdict(w, NFQNL_MSG_VERDICT, id, NF_DROP);
	nfips_counter_add(&w->verdicts, 1);
}

static void handle_packet(struct nfipsd_worker *w, struct nfips_policy *pol,
			  struct nlattr **attr)
{
	struct nfqnl_msg_packet_hdr *ph;
	const struct nfips_rule *rule;
	struct nfips_pkt pkt;
	u32 id, plen, wire;
	const void *data;
	bool blind;
	int v;

	nfips_counter_add(&w->received, 1);
	if (!attr[NFQA_PACKET_HDR] ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph)) {
		/* No id: there is nothing we can give a verdict to. */
		nfips_counter_add(&w->malformed, 1);
		return;
	}
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	id = ntohl(ph->packet_id);

	if (!attr[NFQA_PAYLOAD])
		goto malformed;
	data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
	plen = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	/*
	 * A packet longer than the copy range arrives cut, with its real
	 * length in NFQA_CAP_LEN: the view then says NFIPS_PKT_TRUNC instead
	 * of calling the IP length a lie. (With NFQA_CFG_F_GSO and a 64 KiB
	 * copy range this should not happen for IPv4.)
	 */
	wire = plen;
	if (attr[NFQA_CAP_LEN] &&
	    mnl_attr_get_payload_len(attr[NFQA_CAP_LEN]) >= 4 &&
	    ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN])) > plen)
		wire = ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN]));
	/*
	 * NFQA_SKB_INFO may say NFQA_SKB_CSUMNOTREADY: the transport checksum
	 * is not filled in yet (a GSO/veth packet). We never validate
	 * checksums, so such packets are inspected like any other.
	 */
	if (attr[NFQA_SKB_INFO] &&
	    mnl_attr_get_payload_len(attr[NFQA_SKB_INFO]) >= 4) {
		u32 info = ntohl(mnl_attr_get_u32(attr[NFQA_SKB_INFO]));

		if (info & NFQA_SKB_GSO)
			nfips_counter_add(&w->gso, 1);
		if (info & NFQA_SKB_CSUMNOTREADY)
			nfips_counter_add(&w->csum_partial, 1);
	}
	if (nfips_pkt_parse(&pkt, data, plen, wire))
		goto malformed;
	pkt.ifindex = 0;
	if (attr[NFQA_IFINDEX_INDEV] &&
	    mnl_attr_get_payload_len(attr[NFQA_IFINDEX_INDEV]) >= 4)
		pkt.ifindex = (int)ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_INDEV]));

	/* Defence in depth: iptables selected it, the policy decides again. */
	rule = pol ? nfips_policy_select_ex(pol, &pkt, &blind) : NULL;
	if (rule && blind) {
		/*
		 * A rule needs ports or a protocol the packet cannot show:
		 * fail closed, as the kernel twin (and iptables' hotdrop).
		 */
		nfips_counter_add(&w->selected, 1);
		nfips_counter_add(&w->dropped, 1);
		verdict(w, id, true);
		return;
	}
	if (!rule || !rule->chain) {
		nfips_counter_add(&w->bypassed, 1);
		verdict(w, id, false);
		return;
	}
	nfips_counter_add(&w->selected, 1);
	v = nfips_chain_run(pol, rule->chain, &pkt, (u32)w->index);
	alerts_finish(w->d);
	if (v == NFIPS_DROP) {
		nfips_counter_add(&w->dropped, 1);
		verdict(w, id, true);
	} else {
		nfips_counter_add(&w->accepted, 1);
		verdict(w, id, false);
	}
	return;

malformed:
	/* Same decision as the kernel twin: unusable L3 is accepted, counted. */
	nfips_counter_add(&w->malformed, 1);
	verdict(w, id, false);
}

/*
 * A packet message whose attributes failed validation: its id is still
 * found in a well-formed NFQA_PACKET_HDR (the kernel puts it first), and
 * the packet gets its one verdict by it, per the configured fail policy
 * (overflow=accept: fail-open, accept; else drop) - left without one, it
 * would sit in the kernel's queue until the socket closes. Counted as
 * received and malformed. Without a usable id nothing can be answered.
 */
static void bad_attrs(struct nfipsd_worker *w, struct nfips_policy *pol,
		      const struct nlmsghdr *nlh)
{
	const struct nfqnl_msg_packet_hdr *ph;
	const struct nlattr *a;

	nfips_counter_add(&w->received, 1);
	nfips_counter_add(&w->malformed, 1);
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nfgenmsg))
		return;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFQA_PACKET_HDR ||
		    mnl_attr_get_payload_len(a) < sizeof(*ph))
			continue;
		ph = mnl_attr_get_payload(a);
		verdict(w, ntohl(ph->packet_id),
			!pol || pol->conf.queue.overflow != NFIPS_OVERFLOW_ACCEPT);
		return;
	}
	NFIPSD_LOG("queue %u: a packet message without a usable id", w->queue);
}

static void handle_buf(struct nfipsd_worker *w, struct nfips_policy *pol,
		       size_t n)
{
	struct nlattr *attr[NFQA_MAX + 1];
	struct nlmsghdr *nlh = (struct nlmsghdr *)w->rbuf;
	int len = (int)n;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
				continue;
			w->ack_err = e->error;
			w->acked = true;
			if (e->error)
				NFIPSD_LOG("queue %u: kernel: %s", w->queue,
					   strerror(-e->error));
			continue;
		}
		if (nlh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET))
			continue;
		memset(attr, 0, sizeof(attr));
		if (nfq_nlmsg_parse(nlh, attr) < 0) {
			bad_attrs(w, pol, nlh);
			continue;
		}
		handle_packet(w, pol, attr);
	}
}

/* Send one config message; @ack: wait for the kernel's answer. */
static int send_config(struct nfipsd_worker *w, struct nlmsghdr *nlh, bool ack)
{
	ssize_t n;

	nlh->nlmsg_seq = ++w->seq;
	if (ack)
		nlh->nlmsg_flags |= NLM_F_ACK;
	w->acked = false;
	w->ack_err = 0;
	if (mnl_socket_sendto(w->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while (ack && !w->acked) {
		n = recv(mnl_socket_get_fd(w->nl), w->rbuf, w->rbuf_len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno == ENOBUFS) {
			nfips_counter_add(&w->enobufs, 1);
			continue;
		}
		if (n < 0)
			return -errno;
		/* Packets may come first (rules left by an earlier run). */
		handle_buf(w, atomic_load(&w->d->policy), (size_t)n);
	}
	flush_verdicts(w);
	return ack ? w->ack_err : 0;
}

static int apply_params(struct nfipsd_worker *w, const struct nfips_queue_conf *q,
			bool ack)
{
	char buf[256] __attribute__((aligned(4)));
	u32 flags = NFQA_CFG_F_GSO, mask = NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN;
	u32 maxlen = q->maxlen ? q->maxlen : 1024;
	struct nlmsghdr *nlh;

	if (q->overflow == NFIPS_OVERFLOW_ACCEPT)
		flags |= NFQA_CFG_F_FAIL_OPEN;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, w->queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, maxlen);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(mask));
	w->applied_maxlen = maxlen;
	w->applied_flags = flags;
	return send_config(w, nlh, ack);
}

/* Re-apply maxlen/overflow when a new policy changed them. Worker context. */
static void check_params(struct nfipsd_worker *w, struct nfips_policy *pol)
{
	u32 maxlen, flags = NFQA_CFG_F_GSO;

	if (!pol)
		return;
	maxlen = pol->conf.queue.maxlen ? pol->conf.queue.maxlen : 1024;
	if (pol->conf.queue.overflow == NFIPS_OVERFLOW_ACCEPT)
		flags |= NFQA_CFG_F_FAIL_OPEN;
	if (maxlen != w->applied_maxlen || flags != w->applied_flags)
		apply_params(w, &pol->conf.queue, false);
}

static int worker_open(struct nfipsd_worker *w)
{
	char buf[256] __attribute__((aligned(4)));
	struct nfips_policy *pol;
	struct nlmsghdr *nlh;
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	int fd, size = NFIPSD_RCVBUF, ret;

	w->rbuf_len = NFIPSD_RBUF_LEN;
	w->sbuf_len = NFIPSD_SBUF_LEN;
	w->rbuf = malloc(w->rbuf_len);
	w->sbuf = malloc(w->sbuf_len);
	if (!w->rbuf || !w->sbuf)
		return -ENOMEM;
	w->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!w->nl)
		return -errno;
	if (mnl_socket_bind(w->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	w->portid = mnl_socket_get_portid(w->nl);
	fd = mnl_socket_get_fd(w->nl);
	/*
	 * A large receive buffer absorbs bursts; past it the kernel reports
	 * ENOBUFS, which we count as loss (never NETLINK_NO_ENOBUFS).
	 * SO_RCVBUFFORCE needs CAP_NET_ADMIN, which we have for NFQUEUE anyway.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* Blocking receives wake up now and then to notice shutdown. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, w->queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	ret = send_config(w, nlh, true);
	if (ret) {
		NFIPSD_LOG("queue %u: bind: %s%s", w->queue, strerror(-ret),
			   ret == -EBUSY ? " (another program holds this queue)" : "");
		return ret;
	}
	pol = atomic_load(&w->d->policy);
	return apply_params(w, &pol->conf.queue, true);
}

/* The kernel still holds packets of this queue awaiting our verdict. */
static bool kernel_holds(struct nfipsd_worker *w)
{
	struct nfipsd_kqueue kq;

	return !nfipsd_kqueue_read(w->queue, &kq) && kq.found && kq.total;
}

/*
 * Shutdown: the rules are gone (or --no-rules), so give a verdict to every
 * packet still queued before the socket closes - closing it would make the
 * kernel drop them. Bounded: with --no-rules traffic may keep coming.
 */
static void worker_drain(struct nfipsd_worker *w)
{
	int fd = mnl_socket_get_fd(w->nl);
	u64 deadline = nfips_now_ns() + 2000000000ull;
	struct nfips_policy *pol;
	ssize_t n;

	do {
		for (;;) {
			pol = nfipsd_online(w);
			n = recv(fd, w->rbuf, w->rbuf_len, MSG_DONTWAIT);
			if (n < 0 && errno == ENOBUFS) {
				nfips_counter_add(&w->enobufs, 1);
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			handle_buf(w, pol, (size_t)n);
		}
		flush_verdicts(w);
		nfipsd_offline(w);
		if (!kernel_holds(w))
			break;
		usleep(1000);
	} while (nfips_now_ns() < deadline);
}

static void *worker_main(void *arg)
{
	struct nfipsd_worker *w = arg;
	int fd = mnl_socket_get_fd(w->nl);
	struct nfips_policy *pol;
	ssize_t n;
	int flags;

	for (;;) {
		flags = 0;
		/* Blocking receive: hold no policy pointer while asleep. */
		nfipsd_offline(w);
		if (atomic_load(&w->d->stopping))
			break;
		for (;;) {
			n = recv(fd, w->rbuf, w->rbuf_len, flags);
			/* A quiescent point per message: reload the policy. */
			pol = nfipsd_online(w);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK) {
					/* Drained: send what is decided. */
					flush_verdicts(w);
					break;
				}
				if (errno == ENOBUFS) {
					/* Packets were lost in the kernel: count, go on. */
					nfips_counter_add(&w->enobufs, 1);
					continue;
				}
				if (errno != EINTR)
					NFIPSD_LOG("queue %u: recv: %s", w->queue,
						   strerror(errno));
				flush_verdicts(w);
				break;
			}
			check_params(w, pol);
			handle_buf(w, pol, (size_t)n);
			flags = MSG_DONTWAIT;
		}
	}
	worker_drain(w);
	return NULL;
}

int nfipsd_workers_start(struct nfipsd *d)
{
	u32 i;
	int ret;

	d->n_workers = (u32)(d->queue_hi - d->queue_lo) + 1;
	d->workers = calloc(d->n_workers, sizeof(*d->workers));
	d->kq_last = calloc(d->n_workers, sizeof(*d->kq_last));
	if (!d->workers || !d->kq_last)
		return -ENOMEM;
	/* Bind every queue before any thread runs: errors stop start-up. */
	for (i = 0; i < d->n_workers; i++) {
		struct nfipsd_worker *w = &d->workers[i];

		w->d = d;
		w->index = (int)i;
		w->queue = (u16)(d->queue_lo + i);
		ret = worker_open(w);
		if (ret)
			return ret;
	}
	for (i = 0; i < d->n_workers; i++) {
		ret = pthread_create(&d->workers[i].thread, NULL, worker_main,
				     &d->workers[i]);
		if (ret)
			return -ret;
		d->workers[i].started = true;
	}
	return 0;
}

/* Join the workers (they drain their queues) and close the sockets. */
void nfipsd_workers_stop(struct nfipsd *d)
{
	u32 i;

	atomic_store(&d->stopping, true);
	for (i = 0; i < d->n_workers; i++) {
		struct nfipsd_worker *w = &d->workers[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		else if (w->nl)
			worker_drain(w);
		if (w->nl)
			mnl_socket_close(w->nl);
		free(w->rbuf);
		free(w->sbuf);
	}
	free(d->workers);
	free(d->kq_last);
	d->workers = NULL;
	d->n_workers = 0;
}
