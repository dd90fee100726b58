/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one compatibility header of the BPF twin's loader. Debian 12 ships
 * libbpf 1.1 and 6.1 uapi headers; the netfilter program type came with 6.4
 * and libbpf 1.2. What they lack is here, once:
 *  - BPF_PROG_TYPE_NETFILTER and BPF_NETFILTER (the program's type and
 *    expected attach type; the object's section "nfips" is unknown to
 *    libbpf 1.1, so the loader sets both before loading),
 *  - BPF_LINK_CREATE with the netfilter fields (pf, hooknum, priority,
 *    flags), called through syscall(__NR_bpf) since libbpf 1.1 has no
 *    bpf_program__attach_netfilter.
 * With newer headers the values are the same (they are uapi); the enum
 * constants are defined under our own names so that both compile.
 */
#ifndef NFIPS_BPF_COMPAT_H
#define NFIPS_BPF_COMPAT_H

#include <linux/bpf.h>
#include <linux/netfilter.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NFIPS_BPF_PROG_TYPE_NETFILTER	32	/* enum bpf_prog_type, 6.4 */
#define NFIPS_BPF_NETFILTER		45	/* enum bpf_attach_type, 6.4 */

/* The head of union bpf_attr's link_create with its netfilter member (6.4). */
struct nfips_bpf_link_create_attr {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	struct {
		__u32 pf;
		__u32 hooknum;
		__s32 priority;
		__u32 flags;
	} netfilter;
};

/*
 * Attach @prog_fd at hook @hooknum of family @pf (NFPROTO_IPV4/IPV6) in the
 * caller's network namespace; the link's fd, or -1 with errno (EINVAL on a
 * kernel without BPF netfilter links, as for a bad priority).
 */
static inline int nfips_bpf_link_create_nf(int prog_fd, __u32 pf,
					   __u32 hooknum, __s32 priority)
{
	struct nfips_bpf_link_create_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = (__u32)prog_fd;
	attr.attach_type = NFIPS_BPF_NETFILTER;
	attr.netfilter.pf = pf;
	attr.netfilter.hooknum = hooknum;
	attr.netfilter.priority = priority;
	return (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
}

#endif /* NFIPS_BPF_COMPAT_H */
