// SPDX-License-Identifier: GPL-2.0
/*
 * nfips-nlfuzz: sends randomly mutated "nfips" generic netlink messages to the
 * kernel twin and checks that every one is answered (rejected with an error or
 * handled) and that every answer is well formed.
 *
 *   nfips-nlfuzz [--count N] [--seed S] [--unpriv] [--timeout SEC] [-v]
 *                [--family NAME]   (another family: a self-test of this tool;
 *                                   only ever a harmless one, e.g. nlctrl)
 *
 * The family id comes from the genl controller. Each message starts from a
 * valid request built per include/uapi/linux/nfips.h (GET_VERSION, LOAD with
 * queue/op/chain/rule nests, GET_CONFIG, GET_STATS, FLUSH) held as a tree of
 * attributes, which is mutated (wrong attribute types, NLA_F_NESTED toggled,
 * truncated or over-long payloads, strings without NUL, garbage inside nests,
 * deep nesting, duplicated or deleted attributes, random commands, version,
 * reserved and flags), serialised, and then mutated as bytes (nla_len fields
 * set huge or tiny, random bytes flipped). The netlink header itself stays
 * valid (its length is the bytes sent, NLM_F_ACK always set), so the kernel
 * owes an answer to every message: an error ACK, or replies ending in an ACK
 * or NLMSG_DONE. No answer within the timeout is a failure (a hang).
 *
 * --unpriv: the messages are sent without CAP_NET_ADMIN (setuid 65534 after
 * opening one socket as root, so both "socket opened by root, sent by nobody"
 * and "socket opened by nobody" are tried). Every message must then be
 * refused with EPERM (or EINVAL/EOPNOTSUPP for what the generic netlink core
 * rejects before the permission check): any success is a failure.
 *
 * Prints a summary (answers by error code) as TAP diagnostics on stdout and
 * exits 0 when every message was answered as required, 1 otherwise, 4 when
 * the family does not exist.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uapi/linux/nfips.h>

#define MAX_ATTRS	4096
#define MAX_MSG		(256 * 1024)
#define RX_BUF		(1024 * 1024)

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

/* One attribute of the tree: a leaf (payload bytes) or a nest (children). */
struct attr {
	uint16_t type;		/* with NLA_F_NESTED / NLA_F_NET_BYTEORDER bits */
	bool nest;
	uint8_t *data;		/* leaf payload */
	uint32_t len;
	int child, next;	/* first child, next sibling; -1: none */
};

static struct attr pool[MAX_ATTRS];
static int npool;
static uint64_t rng;
static int verbose;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible from --seed, no libc state. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

static uint32_t rndn(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static void die(const char *what)
{
	fprintf(stderr, "nfips-nlfuzz: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int new_attr(uint16_t type, bool nest, const void *data, uint32_t len)
{
	struct attr *a;

	if (npool >= MAX_ATTRS)
		return -1;
	a = &pool[npool];
	a->type = nest ? (type | NLA_F_NESTED) : type;
	a->nest = nest;
	a->data = NULL;
	a->len = 0;
	if (!nest && len) {
		a->data = malloc(len);
		if (!a->data)
			die("malloc");
		memcpy(a->data, data, len);
		a->len = len;
	}
	a->child = a->next = -1;
	return npool++;
}

/* add PARENT (or -1 for top level list head *HEAD) */
static int add(int *head, int parent, uint16_t type, bool nest, const void *d, uint32_t len)
{
	int i = new_attr(type, nest, d, len), *p;

	if (i < 0)
		return -1;
	p = parent >= 0 ? &pool[parent].child : head;
	while (*p >= 0)
		p = &pool[*p].next;
	*p = i;
	return i;
}

static int add_str(int *h, int p, uint16_t t, const char *s)
{
	return add(h, p, t, false, s, strlen(s) + 1);
}

static int add_u32(int *h, int p, uint16_t t, uint32_t v)
{
	return add(h, p, t, false, &v, 4);
}

static int add_u16(int *h, int p, uint16_t t, uint16_t v)
{
	return add(h, p, t, false, &v, 2);
}

static int add_u8(int *h, int p, uint16_t t, uint8_t v)
{
	return add(h, p, t, false, &v, 1);
}

static void free_pool(void)
{
	int i;

	for (i = 0; i < npool; i++)
		free(pool[i].data);
	npool = 0;
}

/* The valid requests the mutations start from. */
static int build_load(int *head)
{
	uint8_t addr[16] = { 10, 91, 2, 0 };
	int q, op, ch, ops, el, r;

	add_u32(head, -1, NFIPS_A_FLAGS, rndn(2) ? NFIPS_LOAD_F_CHECK : 0);
	q = add(head, -1, NFIPS_A_QUEUE, true, NULL, 0);
	add_u32(head, q, NFIPS_QUEUE_A_WORKERS, 1 + rndn(2));
	add_u32(head, q, NFIPS_QUEUE_A_MAXLEN, 64);
	add_u32(head, q, NFIPS_QUEUE_A_OVERFLOW, rndn(2));
	op = add(head, -1, NFIPS_A_OP, true, NULL, 0);
	add_str(head, op, NFIPS_OP_A_NAME, "nullscan");
	add_str(head, op, NFIPS_OP_A_TYPE, "header");
	add_str(head, op, NFIPS_OP_A_ARGS, "sig=null action=drop");
	add_u32(head, op, NFIPS_OP_A_LINE, 2);
	op = add(head, -1, NFIPS_A_OP, true, NULL, 0);
	add_str(head, op, NFIPS_OP_A_NAME, "evil");
	add_str(head, op, NFIPS_OP_A_TYPE, "bm");
	add_str(head, op, NFIPS_OP_A_ARGS, "pattern=\"EVIL\" action=drop");
	add_u32(head, op, NFIPS_OP_A_LINE, 3);
	ch = add(head, -1, NFIPS_A_CHAIN, true, NULL, 0);
	add_str(head, ch, NFIPS_CHAIN_A_NAME, "web");
	ops = add(head, ch, NFIPS_CHAIN_A_OPS, true, NULL, 0);
	el = add(head, ops, 1, true, NULL, 0);
	add_str(head, el, NFIPS_CHAIN_OP_A_NAME, "nullscan");
	el = add(head, ops, 2, true, NULL, 0);
	add_str(head, el, NFIPS_CHAIN_OP_A_NAME, "evil");
	add_u32(head, ch, NFIPS_CHAIN_A_LINE, 4);
	r = add(head, -1, NFIPS_A_RULE, true, NULL, 0);
	add_u8(head, r, NFIPS_RULE_A_FAMILY, 4);
	add(head, r, NFIPS_RULE_A_DST, false, addr, sizeof(addr));
	add_u8(head, r, NFIPS_RULE_A_DST_PLEN, 24);
	add_u8(head, r, NFIPS_RULE_A_PROTO, 17);
	add_u16(head, r, NFIPS_RULE_A_DPORT_MIN, 5000);
	add_u16(head, r, NFIPS_RULE_A_DPORT_MAX, 6000);
	add_str(head, r, NFIPS_RULE_A_CHAIN, "web");
	add_u32(head, r, NFIPS_RULE_A_LINE, 5);
	r = add(head, -1, NFIPS_A_RULE, true, NULL, 0);
	add(head, r, NFIPS_RULE_A_BYPASS, false, NULL, 0);
	return NFIPS_CMD_LOAD;
}

static int build_base(int *head, bool *dump)
{
	*dump = false;
	switch (rndn(8)) {
	case 0:
		return NFIPS_CMD_GET_VERSION;
	case 1:
		*dump = true;
		return NFIPS_CMD_GET_STATS;
	case 2:
		*dump = true;
		return NFIPS_CMD_GET_CONFIG;
	case 3:
		return NFIPS_CMD_FLUSH;
	default:
		return build_load(head);
	}
}

static int pick(int head, int *count_out)
{
	/* A random attribute of the tree (walk it in order). */
	int stack[64], sp = 0, i, n = 0, want, found = -1;

	for (i = 0; i < npool; i++)
		n++;
	*count_out = n;
	if (!n)
		return -1;
	want = rndn(n);
	n = 0;
	i = head;
	while (i >= 0 || sp) {
		if (i < 0) {
			i = stack[--sp];
			continue;
		}
		if (n++ == want)
			return i;
		found = i;
		if (pool[i].child >= 0 && sp < 63) {
			stack[sp++] = pool[i].next;
			i = pool[i].child;
		} else {
			i = pool[i].next;
		}
	}
	return found;
}

static void rand_bytes(uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = rnd();
}

static void set_leaf(struct attr *a, uint32_t len)
{
	free(a->data);
	a->data = len ? malloc(len) : NULL;
	if (len && !a->data)
		die("malloc");
	a->len = len;
	a->nest = false;
	a->child = -1;
}

/* One structural mutation of the tree; may change the command too. */
static void mutate_tree(int *head, int *cmd, struct genlmsghdr *g, uint16_t *flags)
{
	int n, i, j, d;
	struct attr *a;

	switch (rndn(16)) {
	case 0:		/* any command */
		*cmd = rndn(4) ? rndn(NFIPS_CMD_MAX + 3) : rndn(256);
		return;
	case 1:		/* version or reserved */
		if (rndn(2))
			g->version = rnd();
		else
			g->reserved = rnd();
		return;
	case 2:		/* netlink flags: dump on a do, root, match, ... */
		*flags ^= 1U << (8 + rndn(4));
		return;
	}
	i = pick(*head, &n);
	if (i < 0) {	/* no attributes: give it some */
		add_u32(head, -1, rndn(NFIPS_A_MAX + 3), rnd());
		return;
	}
	a = &pool[i];
	switch (rndn(13)) {
	case 0:		/* a wrong type, within range */
		a->type = (a->type & NLA_F_NESTED) | rndn(NFIPS_A_MAX + 3);
		break;
	case 1:		/* any type, any flag bits */
		a->type = rnd();
		break;
	case 2:		/* NLA_F_NESTED toggled */
		a->type ^= NLA_F_NESTED;
		break;
	case 3:		/* truncated payload */
		if (!a->nest && a->len)
			a->len = rndn(a->len);
		break;
	case 4:		/* string without its NUL, or a longer value */
		if (!a->nest && a->len) {
			d = 1 + rndn(8);
			a->data = realloc(a->data, a->len + d);
			if (!a->data)
				die("realloc");
			memset(a->data + a->len, 'A', d);
			a->len += d;
		}
		break;
	case 5:		/* a huge string: the limits, and past them */
		j = (int[]){ NFIPS_NL_NAME_MAXLEN, NFIPS_NL_NAME_MAXLEN + 1,
			NFIPS_NL_IFNAME_MAXLEN + 1, NFIPS_NL_ARGS_MAXLEN,
			NFIPS_NL_ARGS_MAXLEN + 1, 65000 }[rndn(6)];
		set_leaf(a, j + 1);
		memset(a->data, 'a' + rndn(26), j);
		a->data[j] = rndn(4) ? 0 : 'x';
		break;
	case 6:		/* garbage instead of the contents */
		set_leaf(a, rndn(64));
		rand_bytes(a->data, a->len);
		if (rndn(2))
			a->type |= NLA_F_NESTED;
		break;
	case 7:		/* a nest of garbage nests, deep */
		d = 1 + rndn(40);
		a->nest = true;
		a->type |= NLA_F_NESTED;
		for (j = i; d-- > 0;) {
			j = add(head, j, rndn(8), true, NULL, 0);
			if (j < 0)
				break;
			if (rndn(3) == 0)
				add_u32(head, j, rndn(8), rnd());
		}
		break;
	case 8:		/* duplicate (a copy of the header only: a leaf) */
		add(head, rndn(2) ? -1 : i, a->type, false, a->data, a->len);
		break;
	case 9:		/* delete: make it an empty attribute of type 0 */
		set_leaf(a, 0);
		a->type = 0;
		break;
	case 10:	/* a value at its edges */
		if (!a->nest && a->len >= 4)
			memcpy(a->data, &(uint32_t[]){ 0, 1, 64, 65, 1048576, 1048577,
				0x7fffffff, 0xffffffff }[rndn(8)], 4);
		else if (!a->nest && a->len >= 1)
			a->data[0] = (uint8_t[]){ 0, 1, 4, 6, 32, 33, 128, 129, 255 }[rndn(9)];
		break;
	case 11:	/* random bytes in the payload */
		if (!a->nest && a->len)
			a->data[rndn(a->len)] = rnd();
		break;
	default:	/* many copies of a list item */
		for (d = rndn(300); d > 0; d--)
			if (add(head, -1, a->type, false, a->data, a->len) < 0)
				break;
		break;
	}
}

static uint32_t put(uint8_t *buf, uint32_t off, uint32_t max, int i);

static uint32_t put_list(uint8_t *buf, uint32_t off, uint32_t max, int i)
{
	for (; i >= 0; i = pool[i].next)
		off = put(buf, off, max, i);
	return off;
}

/* Serialises attribute I at OFF; returns the new offset (stops at MAX). */
static uint32_t put(uint8_t *buf, uint32_t off, uint32_t max, int i)
{
	struct attr *a = &pool[i];
	struct nlattr *nla;
	uint32_t start = off, end;

	if (off + NLA_HDRLEN > max)
		return off;
	nla = (struct nlattr *)(buf + off);
	off += NLA_HDRLEN;
	if (a->nest) {
		off = put_list(buf, off, max, a->child);
	} else if (a->len) {
		if (off + a->len > max)
			return start;
		memcpy(buf + off, a->data, a->len);
		off += a->len;
	}
	end = off;
	/* An nla_len beyond 16 bits wraps: the kernel sees a lie. */
	nla->nla_len = (uint16_t)(end - start);
	nla->nla_type = a->type;
	while (off % NLA_ALIGNTO && off < max)
		buf[off++] = 0;
	return off;
}

/* Byte-level mutations of the serialised attributes [from, len). */
static void mutate_bytes(uint8_t *buf, uint32_t from, uint32_t len)
{
	uint32_t n, o;
	uint16_t v;
	int k;

	if (len < from + 4)
		return;
	n = len - from;
	for (k = 1 + rndn(3); k > 0; k--) {
		o = from + (rndn(n - 1) & ~3U);	/* likely an nla header */
		switch (rndn(4)) {
		case 0:
			v = (uint16_t[]){ 0, 1, 3, 4, 5, 0xffff, 0x8000 }[rndn(7)];
			memcpy(buf + o, &v, 2);
			break;
		case 1:
			v = n - (o - from) + rndn(16);
			memcpy(buf + o, &v, 2);
			break;
		default:
			buf[from + rndn(n)] = rnd();
			break;
		}
	}
}

struct stats {
	unsigned long sent, acked_ok, replies, done, err[4096], timeouts, bad;
};

static int open_sock(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int one = 1, sz = RX_BUF;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (fd < 0)
		die("socket(NETLINK_GENERIC)");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	return fd;
}

/*
 * Reads the answer to SEQ: returns 0 when it ended (ACK, error or DONE),
 * -1 on timeout, -2 on a malformed reply. *ERR gets the error code (0: ok),
 * *NREPLY the number of data messages before the end.
 */
static int answer(int fd, uint32_t seq, int timeout_ms, int *err, int *nreply, uint8_t *rx)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct nlmsghdr *nh;
	ssize_t n;
	int left;

	*err = 0;
	*nreply = 0;
	for (;;) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
		n = recv(fd, rx, RX_BUF, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == ENOBUFS) {	/* dropped replies: not the kernel's bug */
				*err = -ENOBUFS;
				return 0;
			}
			die("recv");
		}
		left = n;
		for (nh = (struct nlmsghdr *)rx; left > 0; nh = NLMSG_NEXT(nh, left)) {
			if (!NLMSG_OK(nh, left)) {
				fprintf(stderr, "nfips-nlfuzz: malformed reply: %d bytes left, nlmsg_len %u\n",
					left, left >= (int)sizeof(*nh) ? nh->nlmsg_len : 0);
				return -2;
			}
			if (nh->nlmsg_seq != seq)
				continue;	/* a late answer to an earlier message */
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -2;
				*err = e->error;
				return 0;
			}
			if (nh->nlmsg_type == NLMSG_DONE) {
				if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(err, NLMSG_DATA(nh), sizeof(int));
				return 0;
			}
			if (nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
				return -2;
			(*nreply)++;
		}
	}
}

static int resolve_family(int fd, const char *name, uint8_t *rx)
{
	struct {
		struct nlmsghdr nh;
		struct genlmsghdr g;
		uint8_t attrs[64];
	} req = { 0 };
	struct nlattr *nla = (struct nlattr *)req.attrs;
	struct nlmsghdr *nh;
	ssize_t n;
	int left;

	nla->nla_type = CTRL_ATTR_FAMILY_NAME;
	if (strlen(name) > 32)
		return -1;
	nla->nla_len = NLA_HDRLEN + strlen(name) + 1;
	memcpy((char *)nla + NLA_HDRLEN, name, strlen(name) + 1);
	req.nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(nla->nla_len));
	req.nh.nlmsg_type = GENL_ID_CTRL;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		die("send(GETFAMILY)");
	n = recv(fd, rx, RX_BUF, 0);
	if (n < 0)
		die("recv(GETFAMILY)");
	left = n;
	for (nh = (struct nlmsghdr *)rx; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		struct nlattr *a = (struct nlattr *)((uint8_t *)NLMSG_DATA(nh) + GENL_HDRLEN);
		int alen = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

		if (nh->nlmsg_type == NLMSG_ERROR)
			return -1;
		for (; alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= alen;
		     alen -= NLA_ALIGN(a->nla_len),
		     a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len)))
			if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID &&
			    a->nla_len >= NLA_HDRLEN + 2)
				return *(uint16_t *)((uint8_t *)a + NLA_HDRLEN);
	}
	return -1;
}

static void drop_privileges(void)
{
	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		die("dropping privileges to 65534");
	if (setuid(0) == 0) {
		fprintf(stderr, "nfips-nlfuzz: still root after setuid(65534)\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "unpriv", no_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "family", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long count = 2000, i, seed = time(NULL), rootsock_msgs = 0;
	int timeout_ms = 20000, c, fam, fd, fd_root = -1, bad = 0;
	bool unpriv = false;
	const char *family = NFIPS_GENL_NAME;
	static struct stats st;
	uint8_t *buf, *rx;

	while ((c = getopt_long(argc, argv, "n:s:ut:vf:", lo, NULL)) != -1) {
		switch (c) {
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'u': unpriv = true; break;
		case 't': timeout_ms = atoi(optarg) * 1000; break;
		case 'v': verbose++; break;
		case 'f': family = optarg; break;
		default:
			fprintf(stderr, "usage: nfips-nlfuzz [--count N] [--seed S] [--unpriv] [--timeout SEC] [-v] [--family NAME]\n");
			return 2;
		}
	}
	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	buf = malloc(MAX_MSG);
	rx = malloc(RX_BUF);
	if (!buf || !rx)
		die("malloc");

	fd = open_sock();
	fam = resolve_family(fd, family, rx);
	if (fam < 0) {
		printf("# nfips-nlfuzz: generic netlink family \"%s\" not found\n", family);
		return 4;
	}
	printf("# nfips-nlfuzz: family %s id %d, %lu messages, seed %lu, %s\n",
	       family, fam, count, seed,
	       unpriv ? "without CAP_NET_ADMIN (uid 65534)" : "privileged");
	if (unpriv) {
		fd_root = fd;		/* opened by root, used by nobody */
		drop_privileges();
		fd = open_sock();	/* opened by nobody */
	}
	fflush(stdout);

	for (i = 0; i < count; i++) {
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		struct genlmsghdr g = { .version = NFIPS_GENL_VERSION };
		uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
		int head = -1, cmd, k, err, nrep, r, sfd;
		uint32_t len, seq = 1000 + i;
		bool dump;

		cmd = build_base(&head, &dump);
		if (dump)
			flags |= NLM_F_DUMP;
		/* One message in eight goes unmutated: the valid paths run too. */
		if (rndn(8))
			for (k = 1 + rndn(4); k > 0; k--)
				mutate_tree(&head, &cmd, &g, &flags);
		g.cmd = cmd;
		len = NLMSG_HDRLEN;
		memcpy(buf + len, &g, GENL_HDRLEN);
		len += GENL_HDRLEN;
		/* A header cut short now and then. */
		if (rndn(64) == 0)
			len = NLMSG_HDRLEN + rndn(GENL_HDRLEN);
		else
			len = put_list(buf, len, MAX_MSG, head);
		if (rndn(3) == 0)
			mutate_bytes(buf, NLMSG_HDRLEN + GENL_HDRLEN, len);
		if (rndn(32) == 0 && len + 16 < MAX_MSG) {	/* trailing garbage */
			rand_bytes(buf + len, 1 + rndn(15));
			len += 1 + rndn(15);
		}
		nh->nlmsg_len = len;
		nh->nlmsg_type = fam;
		nh->nlmsg_flags = flags | NLM_F_ACK;
		nh->nlmsg_seq = seq;
		nh->nlmsg_pid = 0;
		free_pool();

		sfd = fd;
		if (fd_root >= 0 && (i & 1)) {
			sfd = fd_root;
			rootsock_msgs++;
		}
		if (send(sfd, buf, len, 0) < 0) {
			/* The socket layer refused it: fine, nothing reached nfips. */
			st.err[errno < 4096 ? errno : 0]++;
			st.sent++;
			continue;
		}
		st.sent++;
		r = answer(sfd, seq, timeout_ms, &err, &nrep, rx);
		if (r == -1) {
			st.timeouts++;
			printf("# message %lu (cmd %d, %u bytes): no answer within %d s\n",
			       i, cmd, len, timeout_ms / 1000);
			bad = 1;
			break;
		}
		if (r == -2) {
			st.bad++;
			printf("# message %lu (cmd %d): malformed answer\n", i, cmd);
			bad = 1;
			continue;
		}
		st.replies += nrep;
		if (err == 0) {
			st.acked_ok++;
			if (unpriv) {
				printf("# message %lu (cmd %d, %u bytes): accepted without CAP_NET_ADMIN (%d replies)\n",
				       i, cmd, len, nrep);
				bad = 1;
			}
		} else {
			st.err[-err < 4096 ? -err : 0]++;
			if (unpriv && nrep) {
				printf("# message %lu (cmd %d): %d data replies without CAP_NET_ADMIN\n",
				       i, cmd, nrep);
				bad = 1;
			}
			if (unpriv && err != -EPERM && err != -EINVAL && err != -EOPNOTSUPP) {
				printf("# message %lu (cmd %d): error %d (%s) without CAP_NET_ADMIN, want EPERM\n",
				       i, cmd, err, strerror(-err));
				bad = 1;
			}
		}
		if (verbose)
			printf("# %lu: cmd %d len %u -> %d (%d replies)\n", i, cmd, len, err, nrep);
	}

	printf("# nfips-nlfuzz: %lu sent, %lu handled (ack 0), %lu data replies, %lu timeouts, %lu malformed answers\n",
	       st.sent, st.acked_ok, st.replies, st.timeouts, st.bad);
	if (fd_root >= 0)
		printf("# nfips-nlfuzz: %lu of them on a socket root opened\n", rootsock_msgs);
	printf("# nfips-nlfuzz: rejected:");
	for (c = 0; c < 4096; c++)
		if (st.err[c])
			printf(" %s=%lu", c ? strerror(c) : "other", st.err[c]);
	printf("\n");
	free(buf);
	free(rx);
	return bad;
}
