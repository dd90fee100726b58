// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsctl's BPF backend: the BPF twin (bpf/nfips.bpf.c) in the caller's
 * network namespace.
 *
 * Where it lives between invocations: nfipsctl exits after each command, so
 * the program's two links (IPv4, IPv6) and its maps are pinned in a BPF
 * filesystem, one directory per network namespace:
 *
 *   $NFIPS_BPFFS/nfips/<inode of /proc/self/ns/net>/{link_ipv4,link_ipv6,
 *                                                    nfips_state,...}
 *
 * ($NFIPS_BPFFS defaults to /sys/fs/bpf.) The inode names the namespace for
 * as long as it exists; the links hold the program, the pinned maps hold the
 * config and counters. `flush` switches in an empty config (the program stays
 * attached and counts what it bypasses, as the other twins do); `unload`
 * removes the directory: the links go with their last reference and the
 * program is detached. `ip netns exec` remounts /sys,
 * so inside it /sys/fs/bpf is not the host's: mount a bpffs elsewhere (the
 * tests use a private one under /tmp) and point NFIPS_BPFFS at it. A
 * namespace deleted with the twin loaded leaves its directory behind, and
 * the links in it stay (seeing no packet) until the directory's pins are
 * removed or the bpffs is unmounted; checked on 6.18, no warning.
 *
 * The program object is build/nfips.bpf.o next to this binary (make bpf),
 * or $NFIPS_BPF_OBJ; it is opened at run time so that nfipsctl itself builds
 * without bpftool or BTF.
 *
 * load: the file is parsed by the core (main.c), every op is then built by
 * its own op-module exactly as nfipsd builds it (check.c: the same messages
 * for bad arguments), then the features the BPF twin cannot run are refused
 * with file:line. Only then are maps touched: the generation the program is
 * not using is filled and switched to (bpf/nfips_bpf.h), so a bad config
 * leaves the running one as it was. The config text is kept in a map of its
 * own (nfips_text), per generation, for show and for the names in stats.
 */
#include <limits.h>
#include <time.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nfipsctl.h"
#include "nfips_policy.h"
#include "../../opmodules/op_ac.h"
#include "../../bpf/nfips_bpf.h"
#include "../../bpf/nfips_bpf_compat.h"

#define BPF_FS_MAGIC_NFIPS	0xcafe4a11	/* linux/magic.h BPF_FS_MAGIC */
/* Config text per generation: a config beyond this is refused. */
#define TEXT_MAX		(1u << 20)

struct text_val {
	__u32 len;
	char text[TEXT_MAX - sizeof(__u32)];
};

static const char *const map_names[] = {
	"nfips_state", "nfips_rules", "nfips_chains", "nfips_ops", "nfips_pats",
	"nfips_gstats", "nfips_rstats", "nfips_cstats", "nfips_ostats",
	"nfips_scratch", "nfips_alerts", "nfips_text", "nfips_ac",
};

enum {
	M_STATE, M_RULES, M_CHAINS, M_OPS, M_PATS, M_GSTATS, M_RSTATS,
	M_CSTATS, M_OSTATS, M_SCRATCH, M_ALERTS, M_TEXT, M_AC, M_N
};

struct bpf_priv {
	char dir[PATH_MAX];
	int fd[M_N];
	int lock_fd;		/* $NFIPS_BPFFS/nfips, flock()ed by writers */
	int ncpu;
};

static struct bpf_priv *priv(struct nfipsctl *ctl)
{
	return ctl->priv;
}

static int pin_path(struct bpf_priv *p, const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", p->dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int bpf_be_open(struct nfipsctl *ctl)
{
	const char *base = getenv("NFIPS_BPFFS");
	struct bpf_priv *p;
	struct statfs sfs;
	struct stat st;
	int i;

	if (!base || !*base)
		base = "/sys/fs/bpf";
	if (statfs(base, &sfs) || sfs.f_type != BPF_FS_MAGIC_NFIPS) {
		snprintf(ctl->err, sizeof(ctl->err),
			 "%.120s is not a BPF filesystem (mount -t bpf bpf %.120s; under `ip netns exec`, /sys is remounted: mount one elsewhere and set NFIPS_BPFFS)",
			 base, base);
		return -ENOENT;
	}
	if (stat("/proc/self/ns/net", &st)) {
		snprintf(ctl->err, sizeof(ctl->err), "/proc/self/ns/net: %.120s",
			 strerror(errno));
		return -errno;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(p->dir, sizeof(p->dir), "%s/nfips/%llu", base,
		 (unsigned long long)st.st_ino);
	for (i = 0; i < M_N; i++)
		p->fd[i] = -1;
	p->lock_fd = -1;
	p->ncpu = libbpf_num_possible_cpus();
	if (p->ncpu <= 0) {
		free(p);
		snprintf(ctl->err, sizeof(ctl->err), "cannot count the possible CPUs");
		return -EINVAL;
	}
	ctl->priv = p;
	return 0;
}

static void close_maps(struct bpf_priv *p)
{
	int i;

	for (i = 0; i < M_N; i++) {
		if (p->fd[i] >= 0)
			close(p->fd[i]);
		p->fd[i] = -1;
	}
}

static void bpf_be_close(struct nfipsctl *ctl)
{
	struct bpf_priv *p = priv(ctl);

	if (!p)
		return;
	close_maps(p);
	if (p->lock_fd >= 0)
		close(p->lock_fd);	/* releases the lock */
	free(p);
	ctl->priv = NULL;
}

/* The pinned maps of a running twin; -ENOENT when there is none here. */
static int open_pinned(struct nfipsctl *ctl)
{
	struct bpf_priv *p = priv(ctl);
	char path[PATH_MAX];
	int i, ret;

	for (i = 0; i < M_N; i++) {
		ret = pin_path(p, map_names[i], path, sizeof(path));
		if (ret)
			return ret;
		p->fd[i] = bpf_obj_get(path);
		if (p->fd[i] < 0) {
			ret = -errno;
			snprintf(ctl->err, sizeof(ctl->err),
				 ret == -ENOENT ?
				 "the BPF twin is not loaded in this network namespace (%.120s: %.120s)" :
				 "%.120s: %.120s", path, strerror(-ret));
			close_maps(p);
			return ret;
		}
	}
	return 0;
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX], *s;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * The program object: $NFIPS_BPF_OBJ, else nfips.bpf.o next to this binary
 * (build/, make bpf), else where `make install` puts it, PREFIX/lib/nfips/
 * beside PREFIX/sbin/nfipsctl (dist/build.mk). The installed path is the
 * answer when neither exists, so the error names where it was expected.
 */
static int obj_path(char *out, size_t len)
{
	const char *env = getenv("NFIPS_BPF_OBJ");
	char exe[PATH_MAX], dir[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", exe);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	snprintf(out, len, "%.4000s/nfips.bpf.o", dir);
	if (!access(out, R_OK))
		return 0;
	/* PREFIX/sbin -> PREFIX/lib/nfips, without the "..". */
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	snprintf(out, len, "%.4000s/lib/nfips/nfips.bpf.o", dir);
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* The verifier log is the one thing worth seeing when a load fails. */
	if (level == LIBBPF_WARN && getenv("NFIPS_BPF_VERBOSE"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/*
 * First load in this namespace: load the object, pin its maps and a map for
 * the config text, create and pin the links. The maps are filled afterwards
 * with n_rules 0 already in place, so the program bypasses everything until
 * the config is switched in. On failure everything pinned is removed.
 */
static int create_twin(struct nfipsctl *ctl)
{
	struct bpf_priv *p = priv(ctl);
	static const struct {
		const char *pin;
		__u32 pf;
		__u32 hook;
	} links[] = {
		{ "link_ipv4", NFPROTO_IPV4, NF_INET_PRE_ROUTING },
		{ "link_ipv6", NFPROTO_IPV6, NF_INET_PRE_ROUTING },
	};
	char path[PATH_MAX], file[PATH_MAX];
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *map;
	int ret, i, lfd;

	ret = obj_path(file, sizeof(file));
	if (ret)
		return ret;
	libbpf_set_print(libbpf_quiet);
	obj = bpf_object__open_file(file, NULL);
	if (!obj) {
		ret = -errno;
		snprintf(ctl->err, sizeof(ctl->err),
			 "%.120s: %.120s (build it with make bpf, or set NFIPS_BPF_OBJ)",
			 file, strerror(errno));
		return ret;
	}
	prog = bpf_object__find_program_by_name(obj, "nfips_hook");
	map = bpf_object__find_map_by_name(obj, "nfips_scratch");
	if (!prog || !map) {
		snprintf(ctl->err, sizeof(ctl->err), "%.120s: not the nfips BPF object", file);
		ret = -EINVAL;
		goto out_obj;
	}
	bpf_program__set_type(prog, NFIPS_BPF_PROG_TYPE_NETFILTER);
	bpf_program__set_expected_attach_type(prog, NFIPS_BPF_NETFILTER);
	bpf_map__set_max_entries(map, (__u32)p->ncpu);
	ret = bpf_object__load(obj);
	if (ret) {
		snprintf(ctl->err, sizeof(ctl->err),
			 "%.120s: the kernel refused the program: %.120s (NFIPS_BPF_VERBOSE=1 shows the verifier's log; the BPF twin needs a kernel >= 6.4 with BTF and CONFIG_NETFILTER_BPF_LINK)",
			 file, strerror(-ret));
		goto out_obj;
	}
	ret = mkdir_p(p->dir);
	if (ret) {
		snprintf(ctl->err, sizeof(ctl->err), "%.120s: %.120s", p->dir, strerror(-ret));
		goto out_obj;
	}
	for (i = 0; i < M_N; i++) {
		ret = pin_path(p, map_names[i], path, sizeof(path));
		if (ret)
			goto out_unpin;
		if (i == M_TEXT) {
			p->fd[i] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nfips_text",
						  sizeof(__u32),
						  sizeof(struct text_val), 2, NULL);
			if (p->fd[i] < 0 || bpf_obj_pin(p->fd[i], path)) {
				ret = -errno;
				goto out_pin_err;
			}
			continue;
		}
		map = bpf_object__find_map_by_name(obj, map_names[i]);
		if (!map) {
			ret = -ENOENT;
			goto out_pin_err;
		}
		ret = bpf_map__pin(map, path);
		if (ret)
			goto out_pin_err;
		p->fd[i] = dup(bpf_map__fd(map));
	}
	for (i = 0; i < (int)ARRAY_SIZE(links); i++) {
		ret = pin_path(p, links[i].pin, path, sizeof(path));
		if (ret)
			goto out_unpin;
		/*
		 * Last in PREROUTING, after conntrack's defragmentation and
		 * NAT, as the kernel twin: NF_IP_PRI_LAST itself is reserved
		 * (the kernel refuses it for BPF links), so one before it.
		 */
		lfd = nfips_bpf_link_create_nf(bpf_program__fd(prog), links[i].pf,
					       links[i].hook, INT_MAX - 1);
		if (lfd < 0) {
			ret = -errno;
			snprintf(ctl->err, sizeof(ctl->err),
				 "cannot attach the BPF twin at %.120s PREROUTING: %.120s (needs CONFIG_NETFILTER_BPF_LINK, kernel >= 6.4)",
				 links[i].pf == NFPROTO_IPV4 ? "IPv4" : "IPv6",
				 strerror(-ret));
			goto out_unpin;
		}
		if (bpf_obj_pin(lfd, path)) {
			ret = -errno;
			close(lfd);
			goto out_pin_err;
		}
		close(lfd);
	}
	bpf_object__close(obj);
	return 0;

out_pin_err:
	snprintf(ctl->err, sizeof(ctl->err), "pinning %.120s: %.120s", path, strerror(-ret));
out_unpin:
	close_maps(p);
	for (i = 0; i < (int)ARRAY_SIZE(links); i++)
		if (!pin_path(p, links[i].pin, path, sizeof(path)))
			unlink(path);
	for (i = 0; i < M_N; i++)
		if (!pin_path(p, map_names[i], path, sizeof(path)))
			unlink(path);
	rmdir(p->dir);
out_obj:
	bpf_object__close(obj);
	return ret;
}

/* ---- config -> maps -------------------------------------------------- */

/*
 * op_header.c's named signatures. Not shared (they are static there): the
 * op's own init has already accepted the arguments (check.c), so this only
 * reads them.
 */
static const struct {
	const char *name;
	__u8 mask, value;
} named_sigs[] = {
	{ "null", 0x3f, 0 },
	{ "xmas", 0x3f, 0x01 | 0x08 | 0x20 },
	{ "synfin", 0x03, 0x03 },
};

struct fill {
	struct nfips_bpf_rule rules[NFIPS_BPF_MAX_RULES];
	struct nfips_bpf_chain chains[NFIPS_BPF_MAX_CHAINS];
	struct nfips_bpf_op ops[NFIPS_BPF_MAX_OPS];
	struct nfips_bpf_pat pats[NFIPS_BPF_MAX_PATS];
	__u32 n_pats;
	__u32 n_ac;		/* entries used in ac[] */
	struct nfips_bpf_ac_chunk ac[NFIPS_BPF_AC_MAX_ENTRIES / NFIPS_BPF_AC_CHUNK];
};

#define refuse(ctl, path, line, ...) do {				\
	int _n = snprintf((ctl)->err, sizeof((ctl)->err), "%s:%u: ",	\
			  (path), (line));				\
	snprintf((ctl)->err + _n, sizeof((ctl)->err) - _n, __VA_ARGS__);\
	return -EOPNOTSUPP;						\
} while (0)

static int fill_header(struct nfipsctl *ctl, const char *path,
		       const struct nfips_conf_op *c, struct nfips_bpf_op *op)
{
	u32 action = NFIPS_ACTION_DROP, count = 1, m, v, slash, i;
	struct nfips_args it;
	struct nfips_arg arg;
	struct nfips_err err;

	op->type = NFIPS_BPF_OP_HEADER;
	op->proto = NFIPS_PROTO_TCP;
	if (nfips_args_init(&it, c->args, &err))
		refuse(ctl, path, c->line, "op '%s': %s", c->name, err.msg);
	while (nfips_args_next(&it, &arg, &err) > 0) {
		if (!strcmp(arg.key, "sig")) {
			for (i = 0; i < ARRAY_SIZE(named_sigs); i++) {
				if (strlen(named_sigs[i].name) == arg.val_len &&
				    !memcmp(named_sigs[i].name, arg.val, arg.val_len)) {
					op->mask = named_sigs[i].mask;
					op->value = named_sigs[i].value;
				}
			}
		} else if (!strcmp(arg.key, "flags")) {
			for (slash = 0; slash < arg.val_len && arg.val[slash] != '/';)
				slash++;
			if (slash < arg.val_len &&
			    !nfips_parse_u32(arg.val, slash, &m) &&
			    !nfips_parse_u32(arg.val + slash + 1,
					     arg.val_len - slash - 1, &v)) {
				op->mask = (__u8)m;
				op->value = (__u8)v;
			}
		} else if (!strcmp(arg.key, "count")) {
			nfips_arg_u32(&arg, 0, NFIPS_BPF_HEADER_MAX_COUNT, &count, &err);
		} else if (!strcmp(arg.key, "action")) {
			nfips_op_action(&arg, &action, &err);
		}
	}
	op->count = count;
	op->result = (__u32)nfips_action_result(action);
	return 0;
}

/* Horspool's shift table and the folding table (bpf/nfips.bpf.c, op bm). */
static void horspool(struct nfips_bpf_pat *p, bool nocase)
{
	u32 i;

	for (i = 0; i < 256; i++) {
		p->shift[i] = (__u8)p->len;
		p->fold[i] = (__u8)((nocase && i >= 'A' && i <= 'Z') ?
				    i + ('a' - 'A') : i);
	}
	for (i = 0; i + 1 < p->len; i++)
		p->shift[p->pat[i]] = (__u8)(p->len - 1 - i);
}

static int fill_bm(struct nfipsctl *ctl, const char *path,
		   const struct nfips_conf_op *c, struct nfips_bpf_op *op,
		   struct fill *f)
{
	struct nfips_payload_opts o;
	u8 buf[NFIPS_BPF_PAT_MAX + 1];
	struct nfips_args it;
	struct nfips_arg arg;
	struct nfips_err err;
	u32 len, i, first = f->n_pats;

	op->type = NFIPS_BPF_OP_BM;
	nfips_payload_opts_init(&o);
	if (nfips_args_init(&it, c->args, &err))
		refuse(ctl, path, c->line, "op '%s': %s", c->name, err.msg);
	while (nfips_args_next(&it, &arg, &err) > 0)
		if (strcmp(arg.key, "pattern"))
			nfips_payload_opt(&arg, &o, &err);
	nfips_args_init(&it, c->args, &err);
	while (nfips_args_next(&it, &arg, &err) > 0) {
		struct nfips_bpf_pat *p;

		if (strcmp(arg.key, "pattern"))
			continue;
		if (nfips_arg_bytes(&arg, buf, sizeof(buf), &len, &err) ||
		    len > NFIPS_BPF_PAT_MAX)
			refuse(ctl, path, c->line,
			       "op '%s': the BPF twin's bm takes patterns of at most %u bytes",
			       c->name, NFIPS_BPF_PAT_MAX);
		if (f->n_pats == NFIPS_BPF_MAX_PATS)
			refuse(ctl, path, c->line,
			       "op '%s': the BPF twin takes at most %u bm patterns in all",
			       c->name, NFIPS_BPF_MAX_PATS);
		p = &f->pats[f->n_pats++];
		p->len = len;
		for (i = 0; i < len; i++)
			p->pat[i] = (o.nocase && buf[i] >= 'A' && buf[i] <= 'Z') ?
				    buf[i] + ('a' - 'A') : buf[i];
		horspool(p, o.nocase);
	}
	op->pat_first = first;
	op->n_pats = f->n_pats - first;
	op->nocase = o.nocase;
	op->offset = o.offset;
	op->depth = o.depth;
	op->result = (__u32)nfips_action_result(o.action);
	return 0;
}

static int fill_sleep(struct nfipsctl *ctl, const char *path,
		      const struct nfips_conf_op *c, struct nfips_bpf_op *op)
{
	struct nfips_args it;
	struct nfips_arg arg;
	struct nfips_err err;
	u32 usec = 0;

	op->type = NFIPS_BPF_OP_SLEEP;
	if (nfips_args_init(&it, c->args, &err))
		refuse(ctl, path, c->line, "op '%s': %s", c->name, err.msg);
	while (nfips_args_next(&it, &arg, &err) > 0)
		if (!strcmp(arg.key, "usec"))
			nfips_arg_u32(&arg, 0, UINT32_MAX, &usec, &err);
	if (usec > NFIPS_BPF_SLEEP_MAX_USEC)
		refuse(ctl, path, c->line,
		       "op '%s': the BPF twin busy-waits in the receive path: usec=%u is above its limit of %u",
		       c->name, usec, NFIPS_BPF_SLEEP_MAX_USEC);
	op->ns = (__u64)usec * 1000;
	op->result = NFIPS_CONTINUE;
	return 0;
}

/*
 * ac: the automaton op_ac's own .init compiled for this op (@built, from
 * the policy nfipsctl_check_policy built), copied: entries widened to u32
 * and appended to the generation's table, row offsets kept relative to the
 * op's first entry (the program adds ac_base). Every argument of op_ac is
 * honoured: patterns, patterns-file and nocase are in the table and the
 * classes, offset/depth/action are copied. The only limit is the size.
 */
static int fill_ac(struct nfipsctl *ctl, const char *path,
		   const struct nfips_conf_op *c, struct nfips_bpf_op *op,
		   struct fill *f, const struct nfips_op *built)
{
	const struct nfips_ac *a;
	size_t n, i;

	if (!built || strcmp(built->ops->name, "ac") || strcmp(built->name, c->name))
		refuse(ctl, path, c->line, "op '%s': the ac op-module built no automaton for it",
		       c->name);
	a = nfips_op_priv(built);
	n = nfips_ac_entries(a);
	if (n > NFIPS_BPF_AC_MAX_ENTRIES - f->n_ac)
		refuse(ctl, path, c->line,
		       "op '%s': its automaton has %zu entries (%u patterns: %u rows x %u byte classes), the BPF twin holds %u in all ac ops (%u used before it)",
		       c->name, n, a->patterns, a->rows, a->stride,
		       NFIPS_BPF_AC_MAX_ENTRIES, f->n_ac);
	op->type = NFIPS_BPF_OP_AC;
	op->ac_base = f->n_ac;
	op->ac_match = a->match;
	op->offset = a->o.offset;
	op->depth = a->o.depth;
	op->nocase = a->o.nocase;
	op->result = (__u32)a->result;
	memcpy(op->cls, a->cls, sizeof(op->cls));
	for (i = 0; i < 256; i++)
		op->leaves[i] = a->leaves[i];
	for (i = 0; i < n; i++, f->n_ac++)
		f->ac[f->n_ac / NFIPS_BPF_AC_CHUNK].e[f->n_ac % NFIPS_BPF_AC_CHUNK] =
			nfips_ac_entry(a, i);
	return 0;
}

/*
 * @conf is valid (core parser and the op-modules' own init) and @p is the
 * policy they built from it (its ops in config order): map it.
 */
static int conf_to_maps(struct nfipsctl *ctl, const char *path,
			const struct nfips_conf *conf, struct fill *f,
			const struct nfips_policy *p)
{
	u32 i, j;
	int ret;

	if (conf->n_rules > NFIPS_BPF_MAX_RULES)
		refuse(ctl, path, conf->rules[NFIPS_BPF_MAX_RULES].line,
		       "the BPF twin takes at most %u select rules", NFIPS_BPF_MAX_RULES);
	if (conf->n_chains > NFIPS_BPF_MAX_CHAINS)
		refuse(ctl, path, conf->chains[NFIPS_BPF_MAX_CHAINS].line,
		       "the BPF twin takes at most %u chains", NFIPS_BPF_MAX_CHAINS);
	if (conf->n_ops > NFIPS_BPF_MAX_OPS)
		refuse(ctl, path, conf->ops[NFIPS_BPF_MAX_OPS].line,
		       "the BPF twin takes at most %u ops", NFIPS_BPF_MAX_OPS);
	for (i = 0; i < conf->n_ops; i++) {
		const struct nfips_conf_op *c = &conf->ops[i];

		if (!strcmp(c->type, "header"))
			ret = fill_header(ctl, path, c, &f->ops[i]);
		else if (!strcmp(c->type, "bm"))
			ret = fill_bm(ctl, path, c, &f->ops[i], f);
		else if (!strcmp(c->type, "sleep"))
			ret = fill_sleep(ctl, path, c, &f->ops[i]);
		else if (!strcmp(c->type, "ac"))
			ret = fill_ac(ctl, path, c, &f->ops[i], f,
				      i < p->n_ops ? p->ops[i] : NULL);
		else
			refuse(ctl, path, c->line,
			       "op '%s': type '%s' is not supported by the BPF twin (it runs header, bm, ac and sleep)",
			       c->name, c->type);
		if (ret)
			return ret;
	}
	for (i = 0; i < conf->n_chains; i++) {
		const struct nfips_conf_chain *c = &conf->chains[i];

		if (c->n_ops > NFIPS_BPF_CHAIN_MAX_OPS)
			refuse(ctl, path, c->line,
			       "chain '%s': the BPF twin takes at most %u ops per chain",
			       c->name, NFIPS_BPF_CHAIN_MAX_OPS);
		f->chains[i].n_ops = c->n_ops;
		for (j = 0; j < c->n_ops; j++)
			f->chains[i].ops[j] = c->ops[j];
	}
	for (i = 0; i < conf->n_rules; i++) {
		const struct nfips_conf_rule *c = &conf->rules[i];
		const struct nfips_match *m = &c->match;
		struct nfips_bpf_rule *r = &f->rules[i];

		r->fields = m->fields;
		r->chain = c->chain;
		r->line = c->line;
		r->family = m->family;
		r->proto = m->proto;
		r->src_plen = m->src_plen;
		r->dst_plen = m->dst_plen;
		memcpy(r->src, m->src, 16);
		memcpy(r->dst, m->dst, 16);
		r->sport_lo = m->sport_lo;
		r->sport_hi = m->sport_hi;
		r->dport_lo = m->dport_lo;
		r->dport_hi = m->dport_hi;
		if (m->fields & NFIPS_M_IIF) {
			/* Resolved once, in this namespace, as the other twins. */
			r->ifindex = (__s32)if_nametoindex(m->iif);
			if (r->ifindex <= 0)
				refuse(ctl, path, c->line,
				       "select: interface '%s' does not exist", m->iif);
		}
	}
	return 0;
}

static int update(struct nfipsctl *ctl, int fd, const char *what, __u32 key,
		  const void *val)
{
	if (!bpf_map_update_elem(fd, &key, val, BPF_ANY))
		return 0;
	snprintf(ctl->err, sizeof(ctl->err), "writing %.120s[%u]: %.120s", what, key,
		 strerror(errno));
	return -errno;
}

/* Zero entries [first, first + n) of a per-CPU map of @size-byte values. */
static int zero_percpu(struct nfipsctl *ctl, int fd, const char *what,
		       __u32 first, __u32 n, size_t size)
{
	size_t stride = (size + 7) & ~(size_t)7;
	void *z = calloc((size_t)priv(ctl)->ncpu, stride);
	int ret = 0;
	__u32 i;

	if (!z)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++)
		ret = update(ctl, fd, what, first + i, z);
	free(z);
	return ret;
}

static int write_gen(struct nfipsctl *ctl, __u32 gen, const struct fill *f,
		     const struct nfips_conf *conf, const char *text)
{
	struct bpf_priv *p = priv(ctl);
	struct text_val *tv;
	int ret = 0;
	u32 i;

	for (i = 0; i < conf->n_rules && !ret; i++)
		ret = update(ctl, p->fd[M_RULES], "rules",
			     gen * NFIPS_BPF_MAX_RULES + i, &f->rules[i]);
	for (i = 0; i < conf->n_chains && !ret; i++)
		ret = update(ctl, p->fd[M_CHAINS], "chains",
			     gen * NFIPS_BPF_MAX_CHAINS + i, &f->chains[i]);
	for (i = 0; i < conf->n_ops && !ret; i++)
		ret = update(ctl, p->fd[M_OPS], "ops",
			     gen * NFIPS_BPF_MAX_OPS + i, &f->ops[i]);
	for (i = 0; i < f->n_pats && !ret; i++)
		ret = update(ctl, p->fd[M_PATS], "patterns",
			     gen * NFIPS_BPF_MAX_PATS + i, &f->pats[i]);
	for (i = 0; i * NFIPS_BPF_AC_CHUNK < f->n_ac && !ret; i++)
		ret = update(ctl, p->fd[M_AC], "ac automata",
			     gen * (NFIPS_BPF_AC_MAX_ENTRIES / NFIPS_BPF_AC_CHUNK) + i,
			     &f->ac[i]);
	if (!ret)
		ret = zero_percpu(ctl, p->fd[M_RSTATS], "rule counters",
				  gen * NFIPS_BPF_MAX_RULES, NFIPS_BPF_MAX_RULES,
				  sizeof(__u64));
	if (!ret)
		ret = zero_percpu(ctl, p->fd[M_CSTATS], "chain counters",
				  gen * NFIPS_BPF_MAX_CHAINS, NFIPS_BPF_MAX_CHAINS,
				  sizeof(struct nfips_bpf_cstats));
	if (!ret)
		ret = zero_percpu(ctl, p->fd[M_OSTATS], "op counters",
				  gen * NFIPS_BPF_MAX_OPS, NFIPS_BPF_MAX_OPS,
				  sizeof(struct nfips_bpf_cstats));
	if (ret)
		return ret;
	tv = calloc(1, sizeof(*tv));
	if (!tv)
		return -ENOMEM;
	tv->len = (__u32)strlen(text);
	memcpy(tv->text, text, tv->len);
	ret = update(ctl, p->fd[M_TEXT], "config text", gen, tv);
	free(tv);
	return ret;
}

static int read_state(struct nfipsctl *ctl, struct nfips_bpf_state *st)
{
	__u32 zero = 0;

	if (!bpf_map_lookup_elem(priv(ctl)->fd[M_STATE], &zero, st))
		return 0;
	snprintf(ctl->err, sizeof(ctl->err), "reading the BPF twin's state: %.120s",
		 strerror(errno));
	return -errno;
}

static int mkdir_p(const char *dir);

/*
 * Writers (load, flush, unload) of every namespace's twin take one lock, on
 * $NFIPS_BPFFS/nfips: two loads at once would otherwise fill the same spare
 * generation. Held until nfipsctl exits (bpf_be_close).
 */
static int lock_writers(struct nfipsctl *ctl)
{
	struct bpf_priv *p = priv(ctl);
	char dir[PATH_MAX], *slash;
	int ret;

	snprintf(dir, sizeof(dir), "%s", p->dir);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	ret = mkdir_p(dir);
	if (!ret) {
		p->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (p->lock_fd < 0 || flock(p->lock_fd, LOCK_EX))
			ret = -errno;
	}
	if (ret)
		snprintf(ctl->err, sizeof(ctl->err), "locking %.120s: %.120s", dir,
			 strerror(-ret));
	return ret;
}

struct load_arg {
	struct nfipsctl *ctl;
	const char *path;
	const struct nfips_conf *conf;
	struct fill *f;
};

static int load_cb(void *arg, const struct nfips_policy *p)
{
	struct load_arg *la = arg;

	return conf_to_maps(la->ctl, la->path, la->conf, la->f, p);
}

static int bpf_be_load(struct nfipsctl *ctl, const char *path,
		       const char *text, const struct nfips_conf *conf)
{
	struct load_arg la;
	struct nfips_bpf_state st;
	struct fill *f;
	char msg[NFIPSCTL_ERR_MAX];
	__u32 gen;
	int ret;

	if (strlen(text) >= sizeof(((struct text_val *)0)->text)) {
		snprintf(ctl->err, sizeof(ctl->err),
			 "%.120s: the BPF twin keeps configs of up to %zu bytes",
			 path, sizeof(((struct text_val *)0)->text) - 1);
		return -EFBIG;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	/*
	 * Every op built by its own op-module, as nfipsd would; the maps are
	 * filled from the built policy (ac's automaton is op_ac's).
	 */
	ctl->err[0] = '\0';
	la.ctl = ctl;
	la.path = path;
	la.conf = conf;
	la.f = f;
	ret = nfipsctl_check_policy(path, NULL, msg, sizeof(msg), load_cb, &la);
	if (ret && !ctl->err[0])
		snprintf(ctl->err, sizeof(ctl->err), "%.120s", msg);
	if (!ret)
		ret = lock_writers(ctl);
	if (ret)
		goto out;

	ret = open_pinned(ctl);
	if (ret == -ENOENT) {
		ctl->err[0] = '\0';
		ret = create_twin(ctl);
	}
	if (ret)
		goto out;
	ret = read_state(ctl, &st);
	if (ret)
		goto out;
	gen = !(st.gen & 1);
	ret = write_gen(ctl, gen, f, conf, text);
	if (ret)
		goto out;
	/* The switch: n_rules of the new generation first, then gen. */
	st.n_rules[gen] = conf->n_rules;
	st.gen = gen;
	ret = update(ctl, priv(ctl)->fd[M_STATE], "state", 0, &st);
out:
	free(f);
	return ret;
}

/*
 * The running config, parsed again from its text; its generation in *@gen
 * (may be NULL), so that counters are read from the same generation.
 */
static int running_conf(struct nfipsctl *ctl, struct nfips_conf *conf,
			__u32 *gen)
{
	struct nfips_bpf_state st;
	struct text_val *tv;
	struct nfips_err err;
	u32 line;
	int ret;

	ret = open_pinned(ctl);
	if (!ret)
		ret = read_state(ctl, &st);
	if (ret)
		return ret;
	st.gen &= 1;
	if (gen)
		*gen = st.gen;
	tv = calloc(1, sizeof(*tv));
	if (!tv)
		return -ENOMEM;
	if (bpf_map_lookup_elem(priv(ctl)->fd[M_TEXT], &st.gen, tv)) {
		ret = -errno;
		snprintf(ctl->err, sizeof(ctl->err), "reading the config text: %.120s",
			 strerror(errno));
		goto out;
	}
	if (tv->len >= sizeof(tv->text))
		tv->len = 0;
	ret = nfips_config_parse(tv->text, tv->len, conf, &err, &line);
	if (ret)
		snprintf(ctl->err, sizeof(ctl->err),
			 "the stored config does not parse (line %u: %.120s)", line, err.msg);
out:
	free(tv);
	return ret;
}

static int bpf_be_show(struct nfipsctl *ctl, struct nfips_conf *conf)
{
	return running_conf(ctl, conf, NULL);
}

/* Sum of the per-CPU values of entry @key: @n u64 counters each. */
static int sum_percpu(struct nfipsctl *ctl, int fd, __u32 key, __u64 *out,
		      unsigned int n)
{
	int ncpu = priv(ctl)->ncpu, c;
	unsigned int i;
	__u64 *v;

	v = calloc((size_t)ncpu * n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, v)) {
		free(v);
		snprintf(ctl->err, sizeof(ctl->err), "reading counters: %.120s",
			 strerror(errno));
		return -errno;
	}
	memset(out, 0, n * sizeof(*out));
	for (c = 0; c < ncpu; c++)
		for (i = 0; i < n; i++)
			out[i] += v[(size_t)c * n + i];
	free(v);
	return 0;
}

static const char *const cstat_keys[] = {
	"packets", "accepts", "drops", "alerts", "time_ns",
};

static int bpf_be_stats(struct nfipsctl *ctl, nfipsctl_stat_cb cb, void *arg)
{
	static const char *const gkeys[] = {
		"received", "accepted", "dropped", "queued", "overflow",
		"bypassed", "malformed", "alerts_lost",
	};
	struct bpf_priv *p = priv(ctl);
	struct nfipsctl_stat rec;
	struct nfips_conf conf;
	__u64 v[6];
	char match[256];
	__u32 gen, i, k;
	int ret;

	nfips_conf_init(&conf);
	ret = running_conf(ctl, &conf, &gen);
	if (ret)
		goto out;
	memset(&rec, 0, sizeof(rec));
	strscpy(rec.kind, "global", sizeof(rec.kind));
	ret = sum_percpu(ctl, p->fd[M_GSTATS], 0, v, 6);
	if (ret)
		goto out;
	/* Inline in the receive path: nothing is ever queued, so no queue
	 * overflows (received = accepted + dropped + queued holds with 0). */
	nfipsctl_stat_add(&rec, gkeys[0], v[0]);
	nfipsctl_stat_add(&rec, gkeys[1], v[1]);
	nfipsctl_stat_add(&rec, gkeys[2], v[2]);
	nfipsctl_stat_add(&rec, gkeys[3], 0);
	nfipsctl_stat_add(&rec, gkeys[4], 0);
	nfipsctl_stat_add(&rec, gkeys[5], v[3]);
	nfipsctl_stat_add(&rec, gkeys[6], v[4]);
	nfipsctl_stat_add(&rec, gkeys[7], v[5]);
	ret = cb(arg, &rec);
	for (i = 0; i < conf.n_rules && !ret; i++) {
		const struct nfips_conf_rule *r = &conf.rules[i];

		ret = sum_percpu(ctl, p->fd[M_RSTATS],
				 gen * NFIPS_BPF_MAX_RULES + i, v, 1);
		if (ret)
			break;
		memset(&rec, 0, sizeof(rec));
		strscpy(rec.kind, "rule", sizeof(rec.kind));
		nfips_match_format(&r->match, match, sizeof(match));
		snprintf(rec.name, sizeof(rec.name), "%u: %.80s -> %s", r->line,
			 match, r->chain < 0 ? "bypass" : conf.chains[r->chain].name);
		nfipsctl_stat_add(&rec, "packets", v[0]);
		ret = cb(arg, &rec);
	}
	for (i = 0; i < conf.n_chains && !ret; i++) {
		ret = sum_percpu(ctl, p->fd[M_CSTATS],
				 gen * NFIPS_BPF_MAX_CHAINS + i, v, 5);
		if (ret)
			break;
		memset(&rec, 0, sizeof(rec));
		strscpy(rec.kind, "chain", sizeof(rec.kind));
		snprintf(rec.name, sizeof(rec.name), "%s", conf.chains[i].name);
		for (k = 0; k < 5; k++)
			nfipsctl_stat_add(&rec, cstat_keys[k], v[k]);
		ret = cb(arg, &rec);
	}
	for (i = 0; i < conf.n_ops && !ret; i++) {
		ret = sum_percpu(ctl, p->fd[M_OSTATS],
				 gen * NFIPS_BPF_MAX_OPS + i, v, 5);
		if (ret)
			break;
		memset(&rec, 0, sizeof(rec));
		strscpy(rec.kind, "op", sizeof(rec.kind));
		snprintf(rec.name, sizeof(rec.name), "%s (%s)", conf.ops[i].name,
			 conf.ops[i].type);
		for (k = 0; k < 5; k++)
			nfipsctl_stat_add(&rec, cstat_keys[k], v[k]);
		ret = cb(arg, &rec);
	}
out:
	nfips_conf_free(&conf);
	return ret;
}

struct mon {
	struct nfipsctl *ctl;
	nfipsctl_alert_cb cb;
	void *arg;
	struct nfips_conf conf[2];	/* names per generation, read on demand */
	bool have[2];
	__u64 mono_to_real;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	int ret;
};

/* The config text of generation @gen, for the names of its chains and ops. */
static int gen_conf(struct nfipsctl *ctl, __u32 gen, struct nfips_conf *conf)
{
	struct text_val *tv;
	struct nfips_err err;
	u32 line;
	int ret = -ENOMEM;

	tv = calloc(1, sizeof(*tv));
	if (!tv)
		return ret;
	ret = -errno;
	if (!bpf_map_lookup_elem(priv(ctl)->fd[M_TEXT], &gen, tv)) {
		if (tv->len >= sizeof(tv->text))
			tv->len = 0;
		ret = nfips_config_parse(tv->text, tv->len, conf, &err, &line);
	}
	free(tv);
	return ret;
}

static int mon_event(void *ctx, void *data, size_t size)
{
	const struct nfips_bpf_alert *e = data;
	struct nfipsctl_alert a = { 0 };
	struct mon *m = ctx;
	struct nfips_conf *c;
	__u32 g;

	if (size < sizeof(*e))
		return 0;
	g = e->gen & 1;
	c = &m->conf[g];
	/* A config switched in since: its names are read again. */
	if (!m->have[g] || e->chain >= c->n_chains || e->op >= c->n_ops) {
		nfips_conf_free(c);
		nfips_conf_init(c);
		m->have[g] = !gen_conf(m->ctl, g, c);
	}
	a.time_ns = e->time_ns + m->mono_to_real;
	snprintf(a.chain, sizeof(a.chain), "%s",
		 e->chain < c->n_chains ? c->chains[e->chain].name : "?");
	snprintf(a.op, sizeof(a.op), "%s", e->op < c->n_ops ? c->ops[e->op].name : "?");
	a.result = e->result;
	a.family = e->family;
	a.proto = e->proto;
	a.sport = e->sport;
	a.dport = e->dport;
	a.len = e->len;
	memcpy(a.saddr, e->saddr, 16);
	memcpy(a.daddr, e->daddr, 16);
	m->ret = m->cb(m->arg, &a);
	return m->ret;
}

/*
 * Alerts from the ring buffer until @cb says stop or a signal ends us. One
 * reader at a time: two monitors would split the alerts between them.
 */
static int bpf_be_monitor(struct nfipsctl *ctl, nfipsctl_alert_cb cb, void *arg)
{
	struct mon m = { .ctl = ctl, .cb = cb, .arg = arg };
	struct ring_buffer *rb;
	struct timespec rt, mt;
	int ret;

	ret = open_pinned(ctl);
	if (ret)
		return ret;
	nfips_conf_init(&m.conf[0]);
	nfips_conf_init(&m.conf[1]);
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	m.mono_to_real = ((__u64)rt.tv_sec - (__u64)mt.tv_sec) * 1000000000ull +
			 (__u64)rt.tv_nsec - (__u64)mt.tv_nsec;
	rb = ring_buffer__new(priv(ctl)->fd[M_ALERTS], mon_event, &m, NULL);
	if (!rb) {
		ret = -errno;
		snprintf(ctl->err, sizeof(ctl->err), "monitor: %.120s", strerror(errno));
		goto out;
	}
	do {
		ret = ring_buffer__poll(rb, 1000);
	} while (ret >= 0 && !m.ret);
	/* Ended by a signal or the callback: not an error. */
	if (ret == -EINTR || m.ret)
		ret = 0;
	else if (ret < 0)
		snprintf(ctl->err, sizeof(ctl->err), "monitor: %.120s", strerror(-ret));
	ring_buffer__free(rb);
out:
	nfips_conf_free(&m.conf[0]);
	nfips_conf_free(&m.conf[1]);
	return ret;
}

/*
 * flush: an empty config switched in like any other (every packet is then
 * bypassed and counted so), the program stays attached and the global
 * counters go on, as with the other twins. `unload` detaches it.
 */
static int bpf_be_flush(struct nfipsctl *ctl)
{
	struct nfips_bpf_state st;
	struct nfips_conf empty;
	struct fill *f;
	__u32 gen;
	int ret;

	ret = lock_writers(ctl);
	if (!ret)
		ret = open_pinned(ctl);
	if (!ret)
		ret = read_state(ctl, &st);
	if (ret)
		return ret;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	nfips_conf_init(&empty);
	gen = !(st.gen & 1);
	ret = write_gen(ctl, gen, f, &empty, "");
	if (!ret) {
		st.n_rules[gen] = 0;
		st.gen = gen;
		ret = update(ctl, priv(ctl)->fd[M_STATE], "state", 0, &st);
	}
	free(f);
	return ret;
}

/* unload: unpin everything; the links go with their last reference. */
static int bpf_be_unload(struct nfipsctl *ctl)
{
	struct bpf_priv *p = priv(ctl);
	static const char *const links[] = { "link_ipv4", "link_ipv6" };
	char path[PATH_MAX];
	struct stat st;
	unsigned int i;
	int ret;

	ret = lock_writers(ctl);
	if (ret)
		return ret;
	if (stat(p->dir, &st)) {
		snprintf(ctl->err, sizeof(ctl->err),
			 "the BPF twin is not loaded in this network namespace (no %.120s)",
			 p->dir);
		return -ENOENT;
	}
	/* Links first: from here on every packet passes untouched. */
	for (i = 0; i < ARRAY_SIZE(links); i++)
		if (!pin_path(p, links[i], path, sizeof(path)) &&
		    unlink(path) && errno != ENOENT && !ret)
			ret = -errno;
	for (i = 0; i < M_N; i++)
		if (!pin_path(p, map_names[i], path, sizeof(path)) &&
		    unlink(path) && errno != ENOENT && !ret)
			ret = -errno;
	if (rmdir(p->dir) && !ret)
		ret = -errno;
	if (ret)
		snprintf(ctl->err, sizeof(ctl->err), "unload: %.120s: %.120s", p->dir,
			 strerror(-ret));
	return ret;
}

static int bpf_be_version(struct nfipsctl *ctl, char *buf, size_t len)
{
	char file[PATH_MAX];
	struct stat st;

	/* Which program a load here would use, so an install can be checked. */
	if (obj_path(file, sizeof(file)))
		snprintf(file, sizeof(file), "?");
	snprintf(buf, len, "%s (%s; program %s%s)", NFIPS_VERSION,
		 stat(priv(ctl)->dir, &st) ? "not loaded here" : priv(ctl)->dir,
		 file, access(file, R_OK) ? ", missing" : "");
	return 0;
}

const struct nfipsctl_backend nfipsctl_bpf_backend = {
	.name		= "bpf",
	.open		= bpf_be_open,
	.close		= bpf_be_close,
	.load		= bpf_be_load,
	.show		= bpf_be_show,
	.stats		= bpf_be_stats,
	.monitor	= bpf_be_monitor,
	.flush		= bpf_be_flush,
	.unload		= bpf_be_unload,
	.version	= bpf_be_version,
};
