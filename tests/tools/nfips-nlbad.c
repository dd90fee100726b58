// SPDX-License-Identifier: GPL-2.0
/*
 * nfips-nlbad: send malformed and unauthorized requests to the generic
 * netlink family "nfips" (include/uapi/linux/nfips.h) and check that each is
 * rejected with an error - never accepted, never an oops (the VM panics on
 * one). Raw netlink, no libnl: the point is to build messages libnl would
 * refuse to build.
 *
 *   nfips-nlbad [--fuzz N] [--seed S]
 *
 * Prints one TAP line per case ("ok N - name") and "1..N"; exit 0 when every
 * case got the expected answer, 1 otherwise, 4 when the family is not there.
 * --fuzz N adds N randomly mutated LOAD requests (any answer is fine; the
 * family must still answer GET_VERSION afterwards). The last cases drop to
 * uid/gid 65534 with no capabilities and expect -EPERM.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uapi/linux/nfips.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define BUF_MAX	(256 * 1024)

struct msg {
	uint8_t buf[BUF_MAX];
	uint32_t len;
	uint32_t nest[8];	/* offsets of open nests */
	int depth;
};

static int fd = -1;
static uint16_t family_id;
static int alerts_grp = -1;
static uint32_t seq = 1;
static int tap_n, tap_failed;

/* What the last request got back. */
static int last_err;
static char last_errmsg[256];
static uint32_t last_errline;

static void msg_init(struct msg *m, uint16_t type, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *gh;

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq++;
	gh = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	gh->cmd = cmd;
	gh->version = NFIPS_GENL_VERSION;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->depth = 0;
}

static void put(struct msg *m, uint16_t type, const void *data, uint32_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);
	uint32_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (m->len + total > BUF_MAX) {
		fprintf(stderr, "nfips-nlbad: message too large\n");
		exit(2);
	}
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	memset((uint8_t *)a + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
	m->len += total;
}

static void put_u8(struct msg *m, uint16_t t, uint8_t v) { put(m, t, &v, 1); }
static void put_u16(struct msg *m, uint16_t t, uint16_t v) { put(m, t, &v, 2); }
static void put_u32(struct msg *m, uint16_t t, uint32_t v) { put(m, t, &v, 4); }
static void put_str(struct msg *m, uint16_t t, const char *s)
{
	put(m, t, s, (uint32_t)strlen(s) + 1);
}

static void nest_start(struct msg *m, uint16_t type)
{
	m->nest[m->depth++] = m->len;
	put(m, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct msg *m)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->nest[--m->depth]);

	a->nla_len = (uint16_t)(m->len - m->nest[m->depth]);
}

/* Parse one reply message: an error/ack, or a genl message with attributes. */
static void parse_reply(struct nlmsghdr *nlh)
{
	struct nlattr *a;
	int rem;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nlh);

		last_err = e->error;
		return;
	}
	if (nlh->nlmsg_type != family_id)
		return;
	a = (struct nlattr *)((uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
		int t = a->nla_type & NLA_TYPE_MASK, l = a->nla_len - NLA_HDRLEN;

		if (t == NFIPS_A_ERR_MSG && l > 0)
			snprintf(last_errmsg, sizeof(last_errmsg), "%.*s", l,
				 (char *)a + NLA_HDRLEN);
		if (t == NFIPS_A_ERR_LINE && l == 4)
			memcpy(&last_errline, (char *)a + NLA_HDRLEN, 4);
		rem -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
	}
}

/* Send raw bytes; read until the ACK/error (or DONE). Returns the errno. */
static int xfer_raw(const void *buf, size_t len)
{
	static uint8_t rbuf[BUF_MAX];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	bool done = false;
	ssize_t n;

	last_err = 1;
	last_errmsg[0] = '\0';
	last_errline = 0;
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	while (!done) {
		struct nlmsghdr *nlh;

		n = recv(fd, rbuf, sizeof(rbuf), 0);
		if (n < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			parse_reply(nlh);
			if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
				done = true;
			if (nlh->nlmsg_type == NLMSG_DONE)
				last_err = 0;
		}
	}
	return last_err;
}

static int xfer(struct msg *m)
{
	((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
	return xfer_raw(m->buf, m->len);
}

static int open_sock(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, s, sz = 4 << 20;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return s;
}

/* CTRL_ATTR_MCAST_GROUPS: { { NAME, ID }, ... }: remember "alerts". */
static void find_group(struct nlattr *groups)
{
	struct nlattr *g = (struct nlattr *)((uint8_t *)groups + NLA_HDRLEN);
	int rem = groups->nla_len - NLA_HDRLEN;

	while (rem >= NLA_HDRLEN && g->nla_len >= NLA_HDRLEN && g->nla_len <= rem) {
		struct nlattr *a = (struct nlattr *)((uint8_t *)g + NLA_HDRLEN);
		int r2 = g->nla_len - NLA_HDRLEN, id = -1;
		bool named = false;

		while (r2 >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= r2) {
			int t = a->nla_type & NLA_TYPE_MASK;

			if (t == CTRL_ATTR_MCAST_GRP_ID && a->nla_len == NLA_HDRLEN + 4)
				memcpy(&id, (uint8_t *)a + NLA_HDRLEN, 4);
			if (t == CTRL_ATTR_MCAST_GRP_NAME &&
			    !strncmp((char *)a + NLA_HDRLEN, NFIPS_MCGRP_ALERTS,
				     (size_t)(a->nla_len - NLA_HDRLEN)))
				named = true;
			r2 -= NLA_ALIGN(a->nla_len);
			a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
		}
		if (named)
			alerts_grp = id;
		rem -= NLA_ALIGN(g->nla_len);
		g = (struct nlattr *)((uint8_t *)g + NLA_ALIGN(g->nla_len));
	}
}

static int resolve(void)
{
	static uint8_t rbuf[8192];
	struct msg *m = calloc(1, sizeof(*m));
	struct nlmsghdr *nlh;
	ssize_t n;
	int id = -1;

	if (!m)
		return -1;
	msg_init(m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
	((struct genlmsghdr *)(m->buf + NLMSG_HDRLEN))->version = 1;
	put_str(m, CTRL_ATTR_FAMILY_NAME, NFIPS_GENL_NAME);
	((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
	if (send(fd, m->buf, m->len, 0) < 0)
		goto out;
	n = recv(fd, rbuf, sizeof(rbuf), 0);
	for (nlh = (struct nlmsghdr *)rbuf; n > 0 && NLMSG_OK(nlh, (size_t)n);
	     nlh = NLMSG_NEXT(nlh, n)) {
		struct nlattr *a;
		int rem;

		if (nlh->nlmsg_type != GENL_ID_CTRL)
			continue;
		a = (struct nlattr *)((uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN);
		rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
		while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem) {
			if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
				id = *(uint16_t *)((uint8_t *)a + NLA_HDRLEN);
			if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS)
				find_group(a);
			rem -= NLA_ALIGN(a->nla_len);
			a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
		}
	}
	/* Drain the ACK. */
	recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
out:
	free(m);
	return id;
}

static void tap(bool ok, const char *name, int err)
{
	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - %s", ok ? "" : "not ", tap_n, name);
	if (!ok)
		printf("\n# got %d (%s)%s%s", err, err <= 0 ? strerror(-err) : "no answer",
		       last_errmsg[0] ? ", message: " : "", last_errmsg);
	putchar('\n');
	fflush(stdout);
}

/* expect NAME GOT WANT: any error when @want is 0, else exactly -@want.
 * Range and length violations come back as EINVAL or ERANGE from the
 * netlink policy validator: those cases take any error. */
static void expect(const char *name, int got, int want)
{
	tap(want ? got == -want : got < 0, name, got);
}

/* A valid op nest; callers spoil one part of it. */
static void good_op(struct msg *m, const char *name, const char *type,
		    const char *args, uint32_t line)
{
	nest_start(m, NFIPS_A_OP);
	put_str(m, NFIPS_OP_A_NAME, name);
	put_str(m, NFIPS_OP_A_TYPE, type);
	put_str(m, NFIPS_OP_A_ARGS, args);
	put_u32(m, NFIPS_OP_A_LINE, line);
	nest_end(m);
}

static void load(struct msg *m)
{
	msg_init(m, family_id, 0, NFIPS_CMD_LOAD);
}

static void cases(struct msg *m)
{
	char longname[64];
	int r;

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';

	/* Sanity first: a good request built by this tool is accepted. */
	load(m);
	put_u32(m, NFIPS_A_FLAGS, NFIPS_LOAD_F_CHECK);
	good_op(m, "s", "sleep", "usec=1", 3);
	r = xfer(m);
	tap(r == 0, "control: a valid LOAD with NFIPS_LOAD_F_CHECK is accepted", r);

	msg_init(m, family_id, 0, 99);
	expect("unknown command 99: EOPNOTSUPP", xfer(m), EOPNOTSUPP);

	msg_init(m, family_id, 0, NFIPS_CMD_ALERT);
	expect("the event command ALERT sent as a request: EOPNOTSUPP", xfer(m), EOPNOTSUPP);

	load(m);
	put_u32(m, NFIPS_A_OP, 7);
	expect("wrong type: NFIPS_A_OP as u32, not nested", xfer(m), EINVAL);

	load(m);
	put_str(m, NFIPS_A_FLAGS, "x");
	expect("wrong type: NFIPS_A_FLAGS as a 2-byte string", xfer(m), 0);

	load(m);
	put_u32(m, NFIPS_A_FLAGS, 0x80);
	expect("unknown LOAD flag 0x80", xfer(m), EINVAL);

	load(m);
	put_u32(m, 200, 1);
	expect("unknown top-level attribute 200", xfer(m), EINVAL);

	load(m);
	put_str(m, NFIPS_A_VERSION, "1");
	expect("reply-only attribute NFIPS_A_VERSION in LOAD", xfer(m), EINVAL);

	load(m);
	good_op(m, longname, "sleep", "usec=1", 4);
	expect("oversize string: a 63-byte op name (max 31)", xfer(m), 0);

	load(m);
	nest_start(m, NFIPS_A_OP);
	put(m, NFIPS_OP_A_NAME, "abc", 3);	/* no NUL */
	put_str(m, NFIPS_OP_A_TYPE, "sleep");
	nest_end(m);
	expect("truncated string: op name without its NUL", xfer(m), 0);

	load(m);
	nest_start(m, NFIPS_A_OP);
	put(m, NFIPS_OP_A_NAME, "", 0);	/* empty payload */
	put_str(m, NFIPS_OP_A_TYPE, "sleep");
	nest_end(m);
	expect("truncated string: op name of zero bytes", xfer(m), 0);

	load(m);
	nest_start(m, NFIPS_A_OP);
	put_str(m, NFIPS_OP_A_NAME, "x");
	nest_end(m);
	expect("missing attribute: op without a type", xfer(m), EINVAL);

	load(m);
	nest_start(m, NFIPS_A_OP);
	put_str(m, NFIPS_OP_A_NAME, "x");
	put_str(m, NFIPS_OP_A_TYPE, "sleep");
	put_u32(m, 9, 1);
	nest_end(m);
	expect("unknown nested attribute 9 in an op", xfer(m), EINVAL);

	load(m);
	{
		/* A nest without NLA_F_NESTED: strict validation refuses it. */
		uint32_t at = m->len;

		nest_start(m, NFIPS_A_OP);
		put_str(m, NFIPS_OP_A_NAME, "x");
		put_str(m, NFIPS_OP_A_TYPE, "sleep");
		nest_end(m);
		((struct nlattr *)(m->buf + at))->nla_type &= ~NLA_F_NESTED;
	}
	expect("nest without NLA_F_NESTED", xfer(m), EINVAL);

	load(m);
	good_op(m, "x", "nosuchtype", "", 12);
	r = xfer(m);
	tap(r < 0 && strstr(last_errmsg, "nosuchtype") && last_errline == 12,
	    "unknown op-module type: rejected, reason and line 12 in the reply", r);

	load(m);
	good_op(m, "x", "sleep", "usec=abc", 17);
	r = xfer(m);
	tap(r < 0 && strstr(last_errmsg, "usec") && last_errline == 17,
	    "bad op arguments (usec=abc): rejected, reason and line 17 in the reply", r);

	load(m);
	good_op(m, "x", "bm", "pattern=\"unterminated", 18);
	r = xfer(m);
	tap(r < 0 && last_errmsg[0] && last_errline == 18,
	    "bad op arguments (unterminated quote): rejected with a reason", r);

	load(m);
	nest_start(m, NFIPS_A_CHAIN);
	put_str(m, NFIPS_CHAIN_A_NAME, "c");
	nest_start(m, NFIPS_CHAIN_A_OPS);
	nest_start(m, 1);
	put_str(m, NFIPS_CHAIN_OP_A_NAME, "nosuchop");
	nest_end(m);
	nest_end(m);
	put_u32(m, NFIPS_CHAIN_A_LINE, 20);
	nest_end(m);
	r = xfer(m);
	tap(r < 0 && last_errline == 20, "chain naming an unknown op: rejected, line 20", r);

	load(m);
	nest_start(m, NFIPS_A_CHAIN);
	put_str(m, NFIPS_CHAIN_A_NAME, "c");
	nest_start(m, NFIPS_CHAIN_A_OPS);
	put_str(m, 1, "s");		/* an element that is not a nest */
	nest_end(m);
	nest_end(m);
	expect("nested array element that is not nested", xfer(m), 0);

	load(m);
	nest_start(m, NFIPS_A_RULE);
	put_u8(m, NFIPS_RULE_A_FAMILY, 4);
	put(m, NFIPS_RULE_A_SRC, "\x0a\0\0\0", 4);
	put_u8(m, NFIPS_RULE_A_SRC_PLEN, 8);
	put_u8(m, NFIPS_RULE_A_PROTO, 6);
	put(m, NFIPS_RULE_A_BYPASS, NULL, 0);
	nest_end(m);
	expect("rule address of 4 bytes (must be 16)", xfer(m), 0);

	load(m);
	nest_start(m, NFIPS_A_RULE);
	put_u8(m, NFIPS_RULE_A_FAMILY, 5);
	put(m, NFIPS_RULE_A_BYPASS, NULL, 0);
	nest_end(m);
	expect("rule family 5", xfer(m), EINVAL);

	load(m);
	nest_start(m, NFIPS_A_RULE);
	put_u8(m, NFIPS_RULE_A_FAMILY, 4);
	put(m, NFIPS_RULE_A_DST, "\x0a\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	put_u8(m, NFIPS_RULE_A_DST_PLEN, 64);
	put(m, NFIPS_RULE_A_BYPASS, NULL, 0);
	nest_end(m);
	expect("rule: IPv4 prefix length 64", xfer(m), EINVAL);

	load(m);
	nest_start(m, NFIPS_A_RULE);
	put_u8(m, NFIPS_RULE_A_PROTO, 17);
	put_u16(m, NFIPS_RULE_A_DPORT_MIN, 9);
	put_u16(m, NFIPS_RULE_A_DPORT_MAX, 8);
	put(m, NFIPS_RULE_A_BYPASS, NULL, 0);
	nest_end(m);
	expect("rule: port range 9-8", xfer(m), EINVAL);

	load(m);
	nest_start(m, NFIPS_A_RULE);
	put_str(m, NFIPS_RULE_A_CHAIN, "c");
	put(m, NFIPS_RULE_A_BYPASS, NULL, 0);
	nest_end(m);
	expect("rule with both chain and bypass", xfer(m), EINVAL);

	load(m);
	nest_start(m, NFIPS_A_RULE);
	nest_end(m);
	expect("rule with neither chain nor bypass", xfer(m), EINVAL);

	load(m);
	nest_start(m, NFIPS_A_RULE);
	put_str(m, NFIPS_RULE_A_CHAIN, "nosuchchain");
	put_u32(m, NFIPS_RULE_A_LINE, 30);
	nest_end(m);
	r = xfer(m);
	tap(r < 0 && last_errline == 30, "rule naming an unknown chain: rejected, line 30", r);

	load(m);
	nest_start(m, NFIPS_A_QUEUE);
	put_u32(m, NFIPS_QUEUE_A_MAXLEN, 0);
	nest_end(m);
	expect("queue maxlen 0", xfer(m), 0);

	load(m);
	nest_start(m, NFIPS_A_QUEUE);
	put_u32(m, NFIPS_QUEUE_A_WORKERS, 1000);
	nest_end(m);
	expect("queue workers 1000", xfer(m), 0);

	load(m);
	nest_start(m, NFIPS_A_QUEUE);
	put_u32(m, NFIPS_QUEUE_A_OVERFLOW, 2);
	nest_end(m);
	expect("queue overflow policy 2", xfer(m), 0);

	load(m);
	good_op(m, "x", "sleep", "usec=1", 1);
	good_op(m, "x", "sleep", "usec=1", 2);
	r = xfer(m);
	tap(r < 0 && last_errline == 2, "op defined twice: rejected, line 2", r);

	/* An attribute claiming more bytes than the message holds. */
	load(m);
	put_u32(m, NFIPS_A_FLAGS, 0);
	((struct nlattr *)(m->buf + NLMSG_HDRLEN + GENL_HDRLEN))->nla_len = 200;
	expect("attribute length beyond the message", xfer(m), 0);

	/* A message shorter than its genl header. */
	load(m);
	m->len = NLMSG_HDRLEN + 2;
	expect("message shorter than the genl header", xfer(m), EINVAL);

	load(m);
	((struct genlmsghdr *)(m->buf + NLMSG_HDRLEN))->reserved = 1;
	expect("genlmsghdr.reserved not zero", xfer(m), EINVAL);

	msg_init(m, family_id, 0, NFIPS_CMD_GET_VERSION);
	put_u32(m, NFIPS_A_FLAGS, 0);
	expect("GET_VERSION with an attribute (takes none)", xfer(m), EINVAL);

	msg_init(m, family_id, NLM_F_DUMP, NFIPS_CMD_GET_STATS);
	put_u32(m, NFIPS_A_FLAGS, 0);
	expect("GET_STATS dump with an attribute (takes none)", xfer(m), EINVAL);

	msg_init(m, family_id, NLM_F_DUMP, NFIPS_CMD_LOAD);
	expect("LOAD as a dump", xfer(m), EOPNOTSUPP);

	msg_init(m, family_id, 0, NFIPS_CMD_GET_STATS);
	expect("GET_STATS without NLM_F_DUMP", xfer(m), EOPNOTSUPP);
}

/* Mutate a valid LOAD at random: any answer will do, no oops. */
static void fuzz(struct msg *m, unsigned int n)
{
	unsigned int i, j, flips;
	int r, answered = 0;

	for (i = 0; i < n; i++) {
		load(m);
		nest_start(m, NFIPS_A_QUEUE);
		put_u32(m, NFIPS_QUEUE_A_WORKERS, 1);
		put_u32(m, NFIPS_QUEUE_A_MAXLEN, 16);
		nest_end(m);
		good_op(m, "o", (i & 1) ? "bm" : "header",
			(i & 1) ? "pattern=|41 42| nocase" : "sig=null", 1);
		nest_start(m, NFIPS_A_CHAIN);
		put_str(m, NFIPS_CHAIN_A_NAME, "c");
		nest_start(m, NFIPS_CHAIN_A_OPS);
		nest_start(m, 1);
		put_str(m, NFIPS_CHAIN_OP_A_NAME, "o");
		nest_end(m);
		nest_end(m);
		nest_end(m);
		nest_start(m, NFIPS_A_RULE);
		put_u8(m, NFIPS_RULE_A_PROTO, 17);
		put_str(m, NFIPS_RULE_A_CHAIN, "c");
		nest_end(m);
		put_u32(m, NFIPS_A_FLAGS, NFIPS_LOAD_F_CHECK);
		flips = 1 + (unsigned int)rand() % 4;
		for (j = 0; j < flips; j++) {
			uint32_t at = NLMSG_HDRLEN + GENL_HDRLEN +
				      (uint32_t)rand() % (m->len - NLMSG_HDRLEN - GENL_HDRLEN);

			m->buf[at] = (uint8_t)rand();
		}
		if (rand() % 8 == 0)
			m->len -= (uint32_t)rand() % 16;
		r = xfer(m);
		if (r <= 0)
			answered++;
	}
	msg_init(m, family_id, 0, NFIPS_CMD_GET_VERSION);
	r = xfer(m);
	printf("# fuzz: %u mutated LOAD requests, %d answered\n", n, answered);
	tap(r == 0 && answered == (int)n, "fuzz: every mutated request answered; GET_VERSION still works", r);
}

/* In a child: drop to nobody with no capabilities, expect EPERM. */
static void unprivileged(struct msg *m)
{
	int st, r;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		tap(false, "fork for the unprivileged cases", -errno);
		return;
	}
	if (pid == 0) {
		int grp_ok, bad = 0;

		/* The socket is opened after the drop: netlink checks the
		 * opener's credentials (netlink_ns_capable on the socket). */
		close(fd);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(3);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		fd = open_sock();
		if (fd < 0)
			_exit(3);
		load(m);
		good_op(m, "s", "sleep", "usec=1", 1);
		r = xfer(m);
		expect("unprivileged (uid 65534, no caps): LOAD -> EPERM", r, EPERM);
		bad += r != -EPERM;
		msg_init(m, family_id, NLM_F_DUMP, NFIPS_CMD_GET_STATS);
		r = xfer(m);
		expect("unprivileged: GET_STATS -> EPERM", r, EPERM);
		bad += r != -EPERM;
		msg_init(m, family_id, 0, NFIPS_CMD_FLUSH);
		r = xfer(m);
		expect("unprivileged: FLUSH -> EPERM", r, EPERM);
		bad += r != -EPERM;
		msg_init(m, family_id, NLM_F_DUMP, NFIPS_CMD_GET_CONFIG);
		r = xfer(m);
		expect("unprivileged: GET_CONFIG -> EPERM", r, EPERM);
		bad += r != -EPERM;
		grp_ok = alerts_grp > 0 &&
			 setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				    &alerts_grp, sizeof(alerts_grp)) && errno == EPERM;
		tap(grp_ok, "unprivileged: joining a CAP_NET_ADMIN group (alerts) -> EPERM", -EPERM);
		bad += !grp_ok;
		fflush(stdout);
		_exit(bad ? 1 : 0);
	}
	waitpid(pid, &st, 0);
	/* The child printed its own lines; account for them here. */
	tap_n += 5;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		tap_failed++;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
			printf("# could not drop privileges\n");
	}
}

int main(int argc, char **argv)
{
	static struct msg m;
	unsigned int nfuzz = 0, seed = 1;
	int c;

	while ((c = getopt(argc, argv, "f:s:")) != -1) {
		switch (c) {
		case 'f': nfuzz = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 's': seed = (unsigned int)strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: nfips-nlbad [-f FUZZ_COUNT] [-s SEED]\n");
			return 2;
		}
	}
	srand(seed);
	fd = open_sock();
	if (fd < 0) {
		perror("nfips-nlbad: netlink socket");
		return 1;
	}
	c = resolve();
	if (c < 0) {
		printf("1..0 # SKIP generic netlink family \"nfips\" not found (nfips.ko not loaded)\n");
		return 4;
	}
	family_id = (uint16_t)c;
	/* -f: only the fuzz run (its mutations may hit anything, so it is
	 * kept apart from the cases that must leave the config alone). */
	if (nfuzz) {
		fuzz(&m, nfuzz);
	} else {
		cases(&m);
		if (getuid() == 0)
			unprivileged(&m);
	}
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
