// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsctl check FILE: validate a config completely without a twin, like
 * `nginx -t`. The file is parsed (grammar, names, references) and then built
 * into a policy exactly as nfipsd builds it: every op-module type is looked
 * up as nfipsd would (its user-space plugin, dlopen()ed through nfipsd's own
 * registry, uspace/registry.c) and every op is created with its arguments by
 * the op-module's own .init, then destroyed. So an unknown type, a missing
 * plugin or a bad argument is reported as the twin would report it, with the
 * config line. Needs no privilege: nothing is loaded into the kernel and no
 * socket is opened. The plugins' core symbols come from this program (linked
 * with --export-dynamic, as nfipsd is).
 *
 * Interfaces named by `select iif=` are resolved in the caller's network
 * namespace, as the twin resolves them in its own at load time.
 */
#include <limits.h>
#include <libgen.h>
#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nfipsctl.h"
#include "nfips_policy.h"

/* uspace/registry.c, linked in. */
void nfipsd_registry_init(const char *plugin_dir);
void nfipsd_registry_exit(void);

static int check_ifindex(void *ctx, const char *name)
{
	(void)ctx;
	return (int)if_nametoindex(name);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/*
 * Where the plugins are when -p is not given: next to this binary in the
 * build tree (build/plugins/), else where `make install` puts them relative
 * to it (PREFIX/sbin/nfipsctl -> PREFIX/lib/nfips/plugins), so that no
 * PREFIX is compiled in.
 */
static int default_plugin_dir(char *out, size_t len)
{
	char exe[PATH_MAX], *dir;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	dir = dirname(exe);
	snprintf(out, len, "%s/plugins", dir);
	if (is_dir(out))
		return 0;
	snprintf(out, len, "%s/../lib/nfips/plugins", dir);
	return 0;
}

static int check(const char *path, const char *plugin_dir, char *err,
		 size_t errlen, bool quiet, nfipsctl_policy_cb cb, void *arg)
{
	struct nfips_policy_env env = { .ifindex = check_ifindex };
	char dir[PATH_MAX], msg[NFIPSCTL_ERR_MAX];
	struct nfips_policy *p;
	struct nfips_conf conf;
	struct nfips_err perr;
	u32 line = 0;
	int ret;

	ret = nfips_config_load_file(path, &conf, msg, sizeof(msg));
	if (ret) {
		snprintf(err, errlen, "%s", msg);
		return ret;
	}
	if (plugin_dir) {
		snprintf(dir, sizeof(dir), "%s", plugin_dir);
	} else if (default_plugin_dir(dir, sizeof(dir))) {
		snprintf(err, errlen, "cannot find the plugin directory (give -p DIR)");
		nfips_conf_free(&conf);
		return -ENOENT;
	}
	if (!is_dir(dir)) {
		snprintf(err, errlen, "plugin directory %s does not exist (give -p DIR)",
			 dir);
		nfips_conf_free(&conf);
		return -ENOENT;
	}
	nfipsd_registry_init(dir);
	p = nfips_policy_build(&conf, &env, &perr, &line);
	if (!p) {
		if (line)
			snprintf(err, errlen, "%s:%u: %s", path, line, perr.msg);
		else
			snprintf(err, errlen, "%s: %s", path, perr.msg);
		nfips_conf_free(&conf);
		ret = -EINVAL;
		goto out_registry;
	}
	if (!quiet)
		printf("%s: ok (%u ops, %u chains, %u select rules; plugins from %s)\n",
		       path, p->n_ops, p->n_chains, p->n_rules, dir);
	ret = cb ? cb(arg, p) : 0;
	nfips_policy_destroy(p);
out_registry:
	nfipsd_registry_exit();
	return ret;
}

int nfipsctl_check(const char *path, const char *plugin_dir, char *err,
		   size_t errlen)
{
	return check(path, plugin_dir, err, errlen, false, NULL, NULL);
}

int nfipsctl_check_quiet(const char *path, const char *plugin_dir, char *err,
			 size_t errlen)
{
	return check(path, plugin_dir, err, errlen, true, NULL, NULL);
}

/* nfipsctl_check_quiet(), handing the built policy to @cb before it goes. */
int nfipsctl_check_policy(const char *path, const char *plugin_dir, char *err,
			  size_t errlen, nfipsctl_policy_cb cb, void *arg)
{
	return check(path, plugin_dir, err, errlen, true, cb, arg);
}
