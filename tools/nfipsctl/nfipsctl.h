/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nfipsctl: one control tool for both twins. main.c owns the command line,
 * the config file and all output; a backend owns the channel to one twin:
 *   kernel.c - generic netlink family "nfips" (libnl-genl-3)
 *   daemon.c - nfipsd's control socket
 *   bpf.c    - the BPF twin's pinned links and maps (libbpf)
 * Both report the same statistics records with the same names, so that
 * `nfipsctl stats` reads the same for either twin.
 */
#ifndef NFIPSCTL_H
#define NFIPSCTL_H

#include "nfips_conf_text.h"

#define NFIPSCTL_MAX_VALS	12
#define NFIPSCTL_ERR_MAX	512

/*
 * One statistics record. Kinds and the counters each carries (both twins):
 *   "global": received (selected for a chain), accepted, dropped, queued
 *             (in flight now), overflow (hit a full queue; also counted in
 *             accepted or dropped by the overflow policy), bypassed,
 *             malformed. received = accepted + dropped + queued.
 *   "rule":   packets              name: "LINE: MATCH -> CHAIN|bypass"
 *   "chain":  packets accepts drops alerts time_ns
 *   "op":     packets accepts drops alerts time_ns     name: "NAME (TYPE)"
 *   "queue":  twin-specific (kernel: enqueued overflow depth max_depth;
 *             nfipsd: received verdicts enobufs batches)
 */
struct nfipsctl_stat {
	char kind[16];
	char name[128];
	unsigned int n;
	struct {
		char key[24];
		u64 val;
	} vals[NFIPSCTL_MAX_VALS];
};

/* Append a counter to @st (ignored beyond NFIPSCTL_MAX_VALS). */
void nfipsctl_stat_add(struct nfipsctl_stat *st, const char *key, u64 val);

struct nfipsctl_alert {
	u64 time_ns;			/* CLOCK_REALTIME */
	char chain[NFIPS_NAME_MAX];
	char op[NFIPS_NAME_MAX];
	u32 result;			/* enum nfips_result bits */
	u8 family;
	u8 proto;
	u16 sport, dport;
	u32 len;			/* L3 length */
	u8 saddr[16], daddr[16];
};

struct nfipsctl;

typedef int (*nfipsctl_stat_cb)(void *arg, const struct nfipsctl_stat *st);
typedef int (*nfipsctl_alert_cb)(void *arg, const struct nfipsctl_alert *a);

/*
 * A backend. Every call returns 0 or a negative errno; on error it writes
 * one line for the user into ctl->err (a load error as "path:line: reason").
 */
struct nfipsctl_backend {
	const char *name;		/* "kernel", "daemon" or "bpf" */
	/* Connect; -ENOENT when this twin is not there. */
	int (*open)(struct nfipsctl *ctl);
	void (*close)(struct nfipsctl *ctl);
	/* Replace the whole config atomically; @conf is @text parsed. */
	int (*load)(struct nfipsctl *ctl, const char *path, const char *text,
		    const struct nfips_conf *conf);
	/* The running config, into @conf (nfips_conf_init'ed by the caller). */
	int (*show)(struct nfipsctl *ctl, struct nfips_conf *conf);
	int (*stats)(struct nfipsctl *ctl, nfipsctl_stat_cb cb, void *arg);
	/* Call @cb for each alert until it returns non-zero or a signal. */
	int (*monitor)(struct nfipsctl *ctl, nfipsctl_alert_cb cb, void *arg);
	/* Remove the config: everything bypasses. */
	int (*flush)(struct nfipsctl *ctl);
	/* (optional) Detach the twin itself (the BPF twin's program). */
	int (*unload)(struct nfipsctl *ctl);
	/* Version string of the twin. */
	int (*version)(struct nfipsctl *ctl, char *buf, size_t len);
};

struct nfipsctl {
	const struct nfipsctl_backend *be;
	const char *socket_path;	/* daemon backend */
	void *priv;			/* backend state */
	char err[NFIPSCTL_ERR_MAX];
};

extern const struct nfipsctl_backend nfipsctl_kernel_backend;
extern const struct nfipsctl_backend nfipsctl_daemon_backend;
extern const struct nfipsctl_backend nfipsctl_bpf_backend;

/*
 * Validate the config file @path as nfipsd would build it, op-modules and
 * their arguments included, with the user-space plugins of @plugin_dir (NULL:
 * next to this binary). Needs no twin. 0, or <0 with "path:line: reason" in
 * @err. Prints a one-line summary on success.
 */
int nfipsctl_check(const char *path, const char *plugin_dir, char *err,
		   size_t errlen);

/* nfipsctl_check() without the summary line on success. */
int nfipsctl_check_quiet(const char *path, const char *plugin_dir, char *err,
			 size_t errlen);

/*
 * nfipsctl_check_quiet(), calling @cb with the policy as the op-modules built
 * it (its ops in config order) before destroying it: nfipsctl -b copies what
 * an op-module compiled (ac's automaton) into the BPF twin's maps. @cb's
 * nonzero return is returned; its message is the caller's business.
 */
struct nfips_policy;
typedef int (*nfipsctl_policy_cb)(void *arg, const struct nfips_policy *p);
int nfipsctl_check_policy(const char *path, const char *plugin_dir, char *err,
			  size_t errlen, nfipsctl_policy_cb cb, void *arg);

#define NFIPSD_SOCKET_DEFAULT	"/run/nfipsd.sock"

#endif /* NFIPSCTL_H */
