// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsctl's daemon backend: nfipsd's control socket. The protocol is
 * documented in include/nfips/nfipsd_proto.h (header + payload frames over a
 * UNIX stream socket, one reply per request).
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nfips/nfipsd_proto.h>

#include "nfipsctl.h"

struct daemon_priv {
	int fd;
};

static int fd_of(struct nfipsctl *ctl)
{
	return ((struct daemon_priv *)ctl->priv)->fd;
}

static int daemon_open(struct nfipsctl *ctl)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct daemon_priv *p;
	int fd, ret;

	if (strlen(ctl->socket_path) >= sizeof(sa.sun_path)) {
		snprintf(ctl->err, sizeof(ctl->err), "%s: path too long",
			 ctl->socket_path);
		return -ENAMETOOLONG;
	}
	strscpy(sa.sun_path, ctl->socket_path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		snprintf(ctl->err, sizeof(ctl->err), "%s: %s%s", ctl->socket_path,
			 strerror(errno),
			 errno == ENOENT || errno == ECONNREFUSED ?
			 " (is nfipsd running?)" : "");
		close(fd);
		/* -ENOENT lets main.c say that neither twin is running. */
		return ret == -ECONNREFUSED ? -ENOENT : ret;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	p->fd = fd;
	ctl->priv = p;
	return 0;
}

static void daemon_close(struct nfipsctl *ctl)
{
	if (!ctl->priv)
		return;
	close(fd_of(ctl));
	free(ctl->priv);
	ctl->priv = NULL;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t r;

	while (len) {
		r = send(fd, p, len, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* 0, -ECONNRESET at a clean end of stream, or -errno (-EINTR: a signal). */
static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t r;

	while (len) {
		r = recv(fd, p, len, 0);
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int send_req(struct nfipsctl *ctl, uint16_t type, const void *a,
		    size_t alen, const void *b, size_t blen)
{
	struct nfipsd_msg_hdr h = {
		.magic = NFIPSD_PROTO_MAGIC,
		.version = NFIPSD_PROTO_VERSION,
		.type = type,
		.len = (uint32_t)(alen + blen),
	};
	int ret;

	if (alen + blen > NFIPSD_MSG_MAX) {
		snprintf(ctl->err, sizeof(ctl->err), "request too large");
		return -E2BIG;
	}
	ret = write_all(fd_of(ctl), &h, sizeof(h));
	if (!ret && alen)
		ret = write_all(fd_of(ctl), a, alen);
	if (!ret && blen)
		ret = write_all(fd_of(ctl), b, blen);
	if (ret)
		snprintf(ctl->err, sizeof(ctl->err), "%s: %s", ctl->socket_path,
			 strerror(-ret));
	return ret;
}

/* Read one message; *data (NUL-terminated, caller frees) gets its payload. */
static int read_msg(struct nfipsctl *ctl, struct nfipsd_msg_hdr *h, char **data)
{
	char *buf;
	int ret;

	*data = NULL;
	ret = read_all(fd_of(ctl), h, sizeof(*h));
	if (ret)
		goto err;
	if (h->magic != NFIPSD_PROTO_MAGIC || h->version != NFIPSD_PROTO_VERSION ||
	    h->len > NFIPSD_MSG_MAX) {
		snprintf(ctl->err, sizeof(ctl->err),
			 "%s: protocol mismatch between nfipsctl and nfipsd",
			 ctl->socket_path);
		return -EPROTO;
	}
	buf = malloc((size_t)h->len + 1);
	if (!buf)
		return -ENOMEM;
	ret = h->len ? read_all(fd_of(ctl), buf, h->len) : 0;
	if (ret) {
		free(buf);
		goto err;
	}
	buf[h->len] = '\0';
	*data = buf;
	return 0;
err:
	if (ret != -EINTR)
		snprintf(ctl->err, sizeof(ctl->err), "%s: %s", ctl->socket_path,
			 ret == -ECONNRESET ? "nfipsd closed the connection" :
			 strerror(-ret));
	return ret;
}

/* One request, one reply; *out gets the reply payload when asked for. */
static int call(struct nfipsctl *ctl, uint16_t type, const void *a, size_t alen,
		const void *b, size_t blen, char **out)
{
	struct nfipsd_msg_hdr h;
	char *data;
	int ret;

	ret = send_req(ctl, type, a, alen, b, blen);
	if (ret)
		return ret;
	ret = read_msg(ctl, &h, &data);
	if (ret)
		return ret;
	if (h.type != NFIPSD_MSG_REPLY) {
		free(data);
		snprintf(ctl->err, sizeof(ctl->err), "unexpected message from nfipsd");
		return -EPROTO;
	}
	if (h.status) {
		snprintf(ctl->err, sizeof(ctl->err), "%s",
			 data[0] ? data : strerror(-h.status));
		free(data);
		return h.status < 0 ? h.status : -EIO;
	}
	if (out)
		*out = data;
	else
		free(data);
	return 0;
}

static int daemon_load(struct nfipsctl *ctl, const char *path, const char *text,
		       const struct nfips_conf *conf)
{
	(void)conf;
	/* nfipsd parses the text itself, so errors name the same lines. */
	return call(ctl, NFIPSD_CMD_LOAD, path, strlen(path) + 1, text,
		    strlen(text), NULL);
}

static int daemon_show(struct nfipsctl *ctl, struct nfips_conf *conf)
{
	struct nfips_err err;
	char *text;
	u32 line;
	int ret;

	ret = call(ctl, NFIPSD_CMD_SHOW, NULL, 0, NULL, 0, &text);
	if (ret)
		return ret;
	nfips_conf_free(conf);
	ret = nfips_config_parse(text, strlen(text), conf, &err, &line);
	if (ret)
		snprintf(ctl->err, sizeof(ctl->err),
			 "running config from nfipsd does not parse: line %u: %s",
			 line, err.msg);
	free(text);
	return ret;
}

/* One stats line: KIND \t NAME \t key=val key=val ... */
static int parse_stat(char *line, struct nfipsctl_stat *st)
{
	char *name, *vals, *tok, *save = NULL, *eq;
	unsigned long long v;

	memset(st, 0, sizeof(*st));
	name = strchr(line, '\t');
	if (!name)
		return -EPROTO;
	*name++ = '\0';
	vals = strchr(name, '\t');
	if (!vals)
		return -EPROTO;
	*vals++ = '\0';
	strscpy(st->kind, line, sizeof(st->kind));
	strscpy(st->name, name, sizeof(st->name));
	for (tok = strtok_r(vals, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		if (!eq)
			return -EPROTO;
		*eq = '\0';
		v = strtoull(eq + 1, NULL, 10);
		nfipsctl_stat_add(st, tok, v);
	}
	return 0;
}

static int daemon_stats(struct nfipsctl *ctl, nfipsctl_stat_cb cb, void *arg)
{
	struct nfipsctl_stat st;
	char *text, *line, *save = NULL;
	int ret;

	ret = call(ctl, NFIPSD_CMD_STATS, NULL, 0, NULL, 0, &text);
	if (ret)
		return ret;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (parse_stat(line, &st)) {
			snprintf(ctl->err, sizeof(ctl->err), "bad stats line from nfipsd");
			ret = -EPROTO;
			break;
		}
		ret = cb(arg, &st);
		if (ret)
			break;
	}
	free(text);
	return ret;
}

static void no_restart(int sig)
{
	(void)sig;
}

static int daemon_monitor(struct nfipsctl *ctl, nfipsctl_alert_cb cb, void *arg)
{
	const struct nfipsd_alert_wire *w;
	struct nfipsctl_alert a;
	struct nfipsd_msg_hdr h;
	struct sigaction sa = { .sa_handler = no_restart };
	char *data;
	int ret;

	ret = call(ctl, NFIPSD_CMD_MONITOR, NULL, 0, NULL, 0, NULL);
	if (ret)
		return ret;
	/* SIGINT/SIGTERM end the stream: recv returns EINTR, we return 0. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		ret = read_msg(ctl, &h, &data);
		if (ret == -EINTR)
			return 0;
		if (ret)
			return ret;
		if (h.type == NFIPSD_MSG_LOST && h.len >= sizeof(uint64_t)) {
			uint64_t n;

			memcpy(&n, data, sizeof(n));
			fprintf(stderr, "nfipsctl: %llu alerts lost (monitor too slow)\n",
				(unsigned long long)n);
		} else if (h.type == NFIPSD_MSG_ALERT && h.len >= sizeof(*w)) {
			w = (const struct nfipsd_alert_wire *)data;
			memset(&a, 0, sizeof(a));
			a.time_ns = w->time_ns;
			memcpy(a.chain, w->chain, sizeof(a.chain));
			a.chain[sizeof(a.chain) - 1] = '\0';
			memcpy(a.op, w->op, sizeof(a.op));
			a.op[sizeof(a.op) - 1] = '\0';
			a.result = w->result;
			a.family = w->family;
			a.proto = w->proto;
			a.sport = w->sport;
			a.dport = w->dport;
			a.len = w->len;
			memcpy(a.saddr, w->saddr, 16);
			memcpy(a.daddr, w->daddr, 16);
			ret = cb(arg, &a);
		}
		free(data);
		if (ret)
			return ret > 0 ? 0 : ret;
	}
}

static int daemon_flush(struct nfipsctl *ctl)
{
	return call(ctl, NFIPSD_CMD_FLUSH, NULL, 0, NULL, 0, NULL);
}

static int daemon_version(struct nfipsctl *ctl, char *buf, size_t len)
{
	char *text;
	int ret;

	ret = call(ctl, NFIPSD_CMD_VERSION, NULL, 0, NULL, 0, &text);
	if (ret)
		return ret;
	snprintf(buf, len, "%s", text);
	free(text);
	return 0;
}

const struct nfipsctl_backend nfipsctl_daemon_backend = {
	.name = "daemon",
	.open = daemon_open,
	.close = daemon_close,
	.load = daemon_load,
	.show = daemon_show,
	.stats = daemon_stats,
	.monitor = daemon_monitor,
	.flush = daemon_flush,
	.version = daemon_version,
};
