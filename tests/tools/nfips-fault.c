// SPDX-License-Identifier: GPL-2.0
/*
 * libnfips-fault.so: fault injection for nfipsd's NFQUEUE socket, loaded
 * with LD_PRELOAD by the user tier's fault tests (tests/user/t_62_*.sh).
 * It wraps sendto() and recv() and touches only nfnetlink_queue messages
 * (verdicts going out, packets coming in), so binding, config and every
 * other socket work as usual. Settings, read once from the environment:
 *
 *   NFIPS_FAULT_SEND_ERRNO=N   errno of a failed verdict send (number)
 *   NFIPS_FAULT_SEND_EVERY=K   fail every K-th verdict send (default 1)
 *   NFIPS_FAULT_SEND_DROPS=1   count only sends that carry a drop verdict
 *   NFIPS_FAULT_SEND_MAX=M     fail at most M sends in all (default: no end)
 *   NFIPS_FAULT_RECV_EVERY=K   corrupt every K-th packet message received:
 *                              its NFQA_IFINDEX_INDEV attribute is retyped
 *                              NFQA_TIMESTAMP, which fails validation
 *                              (4 bytes where 16 are needed); the packet id
 *                              in NFQA_PACKET_HDR stays intact
 *   NFIPS_FAULT_LOG=FILE       one line per fault injected ("send ERRNO",
 *                              "recv ID"), so a test counts them exactly
 *
 * Not a production knob: nothing of it is linked into nfipsd.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>

#define NFQ_TYPE(t)	((NFNL_SUBSYS_QUEUE << 8) | (t))

static ssize_t (*real_sendto)(int, const void *, size_t, int,
			      const struct sockaddr *, socklen_t);
static ssize_t (*real_recv)(int, void *, size_t, int);

static int send_errno, send_drops;
static unsigned long send_every = 1, send_max = (unsigned long)-1, recv_every;
static unsigned long send_seen, send_failed, recv_seen;
static const char *log_path;

static unsigned long env_ul(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end) {
		fprintf(stderr, "nfips-fault: %s=%s is not a number\n", name, s);
		abort();
	}
	return v;
}

__attribute__((constructor)) static void fault_init(void)
{
	real_sendto = dlsym(RTLD_NEXT, "sendto");
	real_recv = dlsym(RTLD_NEXT, "recv");
	send_errno = (int)env_ul("NFIPS_FAULT_SEND_ERRNO", 0);
	send_every = env_ul("NFIPS_FAULT_SEND_EVERY", 1);
	send_drops = (int)env_ul("NFIPS_FAULT_SEND_DROPS", 0);
	send_max = env_ul("NFIPS_FAULT_SEND_MAX", (unsigned long)-1);
	recv_every = env_ul("NFIPS_FAULT_RECV_EVERY", 0);
	log_path = getenv("NFIPS_FAULT_LOG");
	if (!send_every)
		send_every = 1;
}

static void fault_log(const char *what, unsigned long v)
{
	char line[64];
	int fd, n;

	if (!log_path)
		return;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %lu\n", what, v);
	if (write(fd, line, (size_t)n) != n)
		perror("nfips-fault: log");
	close(fd);
}

/* Does @buf hold verdicts (and, with @drop, a drop verdict)? */
static bool verdicts_in(const void *buf, size_t len, bool drop)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;
	bool any = false;

	for (; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
		const struct nlattr *a;
		int alen;

		if (nlh->nlmsg_type != NFQ_TYPE(NFQNL_MSG_VERDICT) &&
		    nlh->nlmsg_type != NFQ_TYPE(NFQNL_MSG_VERDICT_BATCH))
			continue;
		any = true;
		if (!drop)
			return true;
		if (nlh->nlmsg_len < NLMSG_SPACE(sizeof(struct nfgenmsg)))
			continue;
		a = (const void *)((const char *)NLMSG_DATA(nlh) +
				   NLMSG_ALIGN(sizeof(struct nfgenmsg)));
		alen = (int)nlh->nlmsg_len - NLMSG_SPACE(sizeof(struct nfgenmsg));
		while (alen >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
		       a->nla_len <= alen) {
			const struct nfqnl_msg_verdict_hdr *vh = (const void *)(a + 1);

			if ((a->nla_type & NLA_TYPE_MASK) == NFQA_VERDICT_HDR &&
			    a->nla_len >= sizeof(*a) + sizeof(*vh) &&
			    ntohl(vh->verdict) == NF_DROP)
				return true;
			alen -= NLA_ALIGN(a->nla_len);
			a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
		}
	}
	return any && !drop;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	unsigned long n;

	if (send_errno && send_failed < send_max &&
	    verdicts_in(buf, len, send_drops)) {
		n = __atomic_add_fetch(&send_seen, 1, __ATOMIC_RELAXED);
		if (n % send_every == 0 &&
		    __atomic_add_fetch(&send_failed, 1, __ATOMIC_RELAXED) <= send_max) {
			fault_log("send", (unsigned long)send_errno);
			errno = send_errno;
			return -1;
		}
	}
	return real_sendto(fd, buf, len, flags, to, tolen);
}

/* Retype NFQA_IFINDEX_INDEV of every K-th packet message in @buf. */
static void corrupt(void *buf, size_t len)
{
	struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
		struct nlattr *a;
		int alen;
		unsigned long id = 0;

		if (nlh->nlmsg_type != NFQ_TYPE(NFQNL_MSG_PACKET) ||
		    nlh->nlmsg_len < NLMSG_SPACE(sizeof(struct nfgenmsg)))
			continue;
		if (__atomic_add_fetch(&recv_seen, 1, __ATOMIC_RELAXED) % recv_every)
			continue;
		a = (void *)((char *)NLMSG_DATA(nlh) +
			     NLMSG_ALIGN(sizeof(struct nfgenmsg)));
		alen = (int)nlh->nlmsg_len - NLMSG_SPACE(sizeof(struct nfgenmsg));
		while (alen >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
		       a->nla_len <= alen) {
			if ((a->nla_type & NLA_TYPE_MASK) == NFQA_PACKET_HDR &&
			    a->nla_len >= sizeof(*a) + 4)
				id = ntohl(((struct nfqnl_msg_packet_hdr *)(a + 1))->packet_id);
			if ((a->nla_type & NLA_TYPE_MASK) == NFQA_IFINDEX_INDEV) {
				a->nla_type = NFQA_TIMESTAMP;
				fault_log("recv", id);
				break;
			}
			alen -= NLA_ALIGN(a->nla_len);
			a = (void *)((char *)a + NLA_ALIGN(a->nla_len));
		}
	}
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	ssize_t r = real_recv(fd, buf, len, flags);

	if (r > 0 && recv_every)
		corrupt(buf, (size_t)r);
	return r;
}
