// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (protocol: include/nfips/nfipsd_proto.h) and the alert
 * fan-out.
 *
 * Requests are served by the main thread one at a time: a client's request
 * is read whole with a receive timeout, so a stuck client delays other
 * control requests by at most that timeout - never a packet, which only
 * workers touch. Monitor clients stay connected; the main thread copies
 * alerts from the ring to them with non-blocking sends, and a client that
 * cannot keep up loses alerts (counted, and told with NFIPSD_MSG_LOST).
 *
 * The alert ring is a bounded multi-producer queue (D. Vyukov's bounded
 * MPMC queue, per-slot sequence numbers): workers push without locks or
 * waiting; a full ring counts the alert as lost.
 */
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "nfipsd.h"

#define RING_SIZE	4096		/* power of two */
#define MAX_MONITORS	16
#define REQ_TIMEOUT_S	2

/* Messages are sent as one struct each: no padding may sneak in. */
_Static_assert(sizeof(struct nfipsd_msg_hdr) == 16, "header layout");
_Static_assert(sizeof(struct nfipsd_alert_wire) % 8 == 0, "alert layout");

struct ring_slot {
	_Atomic u64 seq;
	struct nfipsd_alert_wire a;
};

struct nfipsd_alert_ring {
	_Atomic u64 head __attribute__((aligned(64)));	/* producers */
	_Atomic u64 tail __attribute__((aligned(64)));	/* the main thread */
	struct ring_slot slot[RING_SIZE];
};

struct monitor {
	int fd;
	u64 lost;		/* not yet reported to the client */
};

static int listen_fd = -1;
static struct monitor monitors[MAX_MONITORS];
static u32 n_monitors;

struct nfipsd_alert_ring *nfipsd_alert_ring_new(void)
{
	struct nfipsd_alert_ring *r;
	u64 i;

	if (posix_memalign((void **)&r, 64, sizeof(*r)))
		return NULL;
	memset(r, 0, sizeof(*r));
	for (i = 0; i < RING_SIZE; i++)
		atomic_store(&r->slot[i].seq, i);
	return r;
}

void nfipsd_alert_ring_free(struct nfipsd_alert_ring *r)
{
	free(r);
}

void nfipsd_alert_push(struct nfipsd *d, const struct nfipsd_alert_wire *a)
{
	struct nfipsd_alert_ring *r = d->alerts;
	u64 pos = atomic_load_explicit(&r->head, memory_order_relaxed);
	struct ring_slot *s;
	s64 diff;

	for (;;) {
		s = &r->slot[pos & (RING_SIZE - 1)];
		diff = (s64)(atomic_load_explicit(&s->seq, memory_order_acquire) - pos);
		if (diff == 0) {
			if (atomic_compare_exchange_weak_explicit(&r->head, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed))
				break;
		} else if (diff < 0) {
			nfips_counter_add(&d->alerts_lost, 1);
			return;
		} else {
			pos = atomic_load_explicit(&r->head, memory_order_relaxed);
		}
	}
	s->a = *a;
	atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
}

static bool ring_pop(struct nfipsd_alert_ring *r, struct nfipsd_alert_wire *a)
{
	u64 pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
	struct ring_slot *s = &r->slot[pos & (RING_SIZE - 1)];

	if (atomic_load_explicit(&s->seq, memory_order_acquire) != pos + 1)
		return false;
	*a = s->a;
	atomic_store_explicit(&s->seq, pos + RING_SIZE, memory_order_release);
	atomic_store_explicit(&r->tail, pos + 1, memory_order_relaxed);
	return true;
}

static void hdr_init(struct nfipsd_msg_hdr *h, u16 type, s32 status, u32 len)
{
	memset(h, 0, sizeof(*h));
	h->magic = NFIPSD_PROTO_MAGIC;
	h->version = NFIPSD_PROTO_VERSION;
	h->type = type;
	h->status = status;
	h->len = len;
}

static int write_all(int fd, const void *buf, size_t len, int flags)
{
	const char *p = buf;
	ssize_t r;

	while (len) {
		r = send(fd, p, len, flags | MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t r;

	while (len) {
		r = recv(fd, p, len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int reply(int fd, s32 status, const void *data, size_t len)
{
	struct nfipsd_msg_hdr h;
	int ret;

	hdr_init(&h, NFIPSD_MSG_REPLY, status, (u32)len);
	ret = write_all(fd, &h, sizeof(h), 0);
	if (!ret && len)
		ret = write_all(fd, data, len, 0);
	return ret;
}

static int reply_text(int fd, s32 status, const char *text)
{
	return reply(fd, status, text, strlen(text));
}

static void monitor_close(u32 i)
{
	close(monitors[i].fd);
	monitors[i] = monitors[--n_monitors];
}

void nfipsd_alerts_drain(struct nfipsd *d)
{
	struct nfipsd_alert_wire a;
	struct {
		struct nfipsd_msg_hdr h;
		struct nfipsd_alert_wire a;
	} m;
	u32 i;

	while (ring_pop(d->alerts, &a)) {
		hdr_init(&m.h, NFIPSD_MSG_ALERT, 0, sizeof(a));
		m.a = a;
		for (i = 0; i < n_monitors; i++) {
			struct monitor *mo = &monitors[i];
			ssize_t r;

			if (mo->lost) {
				struct {
					struct nfipsd_msg_hdr h;
					u64 n;
				} l;

				hdr_init(&l.h, NFIPSD_MSG_LOST, 0, sizeof(l.n));
				l.n = mo->lost;
				r = send(mo->fd, &l, sizeof(l), MSG_DONTWAIT | MSG_NOSIGNAL);
				if (r != (ssize_t)sizeof(l)) {
					/* A partial message would break the framing. */
					if (r > 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
						monitor_close(i--);
						atomic_fetch_sub(&d->monitors, 1);
						continue;
					}
					mo->lost++;
					nfips_counter_add(&d->alerts_lost, 1);
					continue;
				}
				mo->lost = 0;
			}
			r = send(mo->fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);
			if (r == (ssize_t)sizeof(m))
				continue;
			if (r > 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
				monitor_close(i--);
				atomic_fetch_sub(&d->monitors, 1);
				continue;
			}
			mo->lost++;
			nfips_counter_add(&d->alerts_lost, 1);
		}
	}
}

/* Serve requests of one client until it closes or becomes a monitor. */
/* One request off @fd: its header in @h and its body, NUL-terminated (to
 * be freed); NULL when the client went away or sent something unusable
 * (then told why). */
static char *read_request(int fd, struct nfipsd_msg_hdr *h)
{
	char *buf;

	if (read_all(fd, h, sizeof(*h)))
		return NULL;
	if (h->magic != NFIPSD_PROTO_MAGIC || h->version != NFIPSD_PROTO_VERSION) {
		reply_text(fd, -EPROTO, "protocol mismatch between nfipsctl and nfipsd");
		return NULL;
	}
	if (h->len > NFIPSD_MSG_MAX) {
		reply_text(fd, -E2BIG, "request too large");
		return NULL;
	}
	buf = malloc((size_t)h->len + 1);
	if (!buf) {
		reply_text(fd, -ENOMEM, "out of memory");
		return NULL;
	}
	if (h->len && read_all(fd, buf, h->len)) {
		free(buf);
		return NULL;
	}
	buf[h->len] = '\0';
	return buf;
}

static void cmd_load(struct nfipsd *d, int fd, const char *buf, u32 len)
{
	size_t nlen = strnlen(buf, len);
	char msg[512] = "";
	int ret;

	/* "FILE NAME\0CONFIG TEXT": the name is for the messages. */
	if (nlen == len) {
		reply_text(fd, -EINVAL, "load: no file name");
		return;
	}
	ret = nfipsd_policy_load(d, buf, buf + nlen + 1, len - nlen - 1, msg, sizeof(msg));
	if (ret)
		NFIPSD_LOG("load: %s", msg);
	else
		NFIPSD_LOG("loaded %s", buf);
	reply_text(fd, ret, msg);
}

/* Keeps @fd as a monitor client: true when it now is one. */
static bool cmd_monitor(struct nfipsd *d, int fd)
{
	if (n_monitors == MAX_MONITORS) {
		reply_text(fd, -EBUSY, "too many monitor clients");
		return false;
	}
	if (reply(fd, 0, NULL, 0))
		return false;
	monitors[n_monitors].fd = fd;
	monitors[n_monitors].lost = 0;
	n_monitors++;
	atomic_fetch_add(&d->monitors, 1);
	return true;
}

/* Serves one client until it goes away or becomes a monitor client. */
static void serve(struct nfipsd *d, int fd)
{
	struct nfipsd_msg_hdr h;
	char *buf, *text, msg[512];
	bool monitor = false;
	size_t len;
	int ret;

	while (!monitor && (buf = read_request(fd, &h))) {
		msg[0] = '\0';
		switch (h.type) {
		case NFIPSD_CMD_VERSION:
			snprintf(msg, sizeof(msg), "nfipsd %s (%u queue%s %u-%u)",
				 NFIPS_VERSION, d->n_workers,
				 d->n_workers == 1 ? "" : "s", d->queue_lo, d->queue_hi);
			reply_text(fd, 0, msg);
			break;
		case NFIPSD_CMD_LOAD:
			cmd_load(d, fd, buf, h.len);
			break;
		case NFIPSD_CMD_SHOW:
		case NFIPSD_CMD_STATS:
			text = h.type == NFIPSD_CMD_SHOW ? nfipsd_show_text(d, &len) :
							   nfipsd_stats_text(d, &len);
			if (!text)
				reply_text(fd, -ENOMEM, "out of memory");
			else
				reply(fd, 0, text, len);
			free(text);
			break;
		case NFIPSD_CMD_FLUSH:
			ret = nfipsd_policy_flush(d, msg, sizeof(msg));
			if (!ret)
				NFIPSD_LOG("flushed: all traffic bypasses");
			reply_text(fd, ret, msg);
			break;
		case NFIPSD_CMD_MONITOR:
			monitor = cmd_monitor(d, fd);
			break;
		default:
			reply_text(fd, -EOPNOTSUPP, "unknown request");
			break;
		}
		free(buf);
	}
	if (!monitor)
		close(fd);
}

void nfipsd_control_accept(struct nfipsd *d)
{
	struct timeval tv = { .tv_sec = REQ_TIMEOUT_S };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd;

	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* The socket is 0600 already; the credential check is the second lock. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) ||
	    cred.uid != 0) {
		reply_text(fd, -EPERM, "nfipsd: only root may control nfipsd");
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	serve(d, fd);
}

int nfipsd_control_fd(void)
{
	return listen_fd;
}

/* Monitor sockets are polled only to notice that a client went away. */
void nfipsd_control_poll_fds(struct nfipsd *d, void *pfds, int *n, int max)
{
	struct pollfd *p = pfds;
	u32 i;

	(void)d;
	for (i = 0; i < n_monitors && *n < max; i++) {
		p[*n].fd = monitors[i].fd;
		p[*n].events = POLLIN;
		p[*n].revents = 0;
		(*n)++;
	}
}

void nfipsd_control_events(struct nfipsd *d, void *pfds, int n)
{
	struct pollfd *p = pfds;
	char tmp[64];
	int k;
	u32 i;

	for (k = 0; k < n; k++) {
		if (!p[k].revents)
			continue;
		for (i = 0; i < n_monitors; i++) {
			if (monitors[i].fd != p[k].fd)
				continue;
			/* Clients send nothing after MONITOR: data or EOF ends it. */
			if (recv(p[k].fd, tmp, sizeof(tmp), MSG_DONTWAIT) != -1 ||
			    (errno != EAGAIN && errno != EWOULDBLOCK)) {
				monitor_close(i);
				atomic_fetch_sub(&d->monitors, 1);
			}
			break;
		}
	}
}

int nfipsd_control_open(struct nfipsd *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, probe, ret;

	if (strlen(d->socket_path) >= sizeof(sa.sun_path)) {
		NFIPSD_LOG("socket path too long: %s", d->socket_path);
		return -ENAMETOOLONG;
	}
	strscpy(sa.sun_path, d->socket_path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A socket file left by a killed nfipsd: nobody answers on it. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
		NFIPSD_LOG("%s: another nfipsd is running", d->socket_path);
		close(probe);
		close(fd);
		return -EADDRINUSE;
	}
	if (probe >= 0)
		close(probe);
	unlink(d->socket_path);
	old = umask(077);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret || chmod(d->socket_path, 0600) || listen(fd, 16)) {
		ret = -errno;
		NFIPSD_LOG("%s: %s", d->socket_path, strerror(errno));
		close(fd);
		return ret;
	}
	listen_fd = fd;
	return 0;
}

void nfipsd_control_close(struct nfipsd *d)
{
	while (n_monitors) {
		monitor_close(0);
		atomic_fetch_sub(&d->monitors, 1);
	}
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(d->socket_path);
		listen_fd = -1;
	}
}
