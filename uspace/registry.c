// SPDX-License-Identifier: GPL-2.0
/*
 * Op-module registry of the user twin: the twin of insmod/request_module.
 * A type is the plugin <plugin-dir>/nfips_op_<type>.so, dlopen()ed on first
 * use; its entry point nfips_op_plugin_<type>() (NFIPS_OP_MODULE in
 * nfips_compat.h) returns the ops. Each nfips_op_get() takes a reference;
 * the plugin is dlclose()d when the last one is put, as rmmod would.
 *
 * The core symbols a plugin calls (nfips_args_*, nfips_op_alloc, ...) come
 * from nfipsd itself, which is linked with --export-dynamic; plugins link
 * against nothing of ours.
 *
 * Called from the main thread (policy build and destroy); the mutex only
 * guards against a future second caller.
 */
#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include "nfipsd.h"

struct plugin {
	struct plugin *next;
	char type[NFIPS_NAME_MAX];
	void *handle;
	const struct nfips_op_ops *ops;
	u32 refs;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct plugin *plugins;
static const char *reg_dir = ".";

void nfipsd_registry_init(const char *plugin_dir)
{
	reg_dir = plugin_dir;
}

const struct nfips_op_ops *nfips_op_get(const char *name, struct nfips_err *err)
{
	const struct nfips_op_ops *(*entry)(void);
	char path[PATH_MAX], sym[64];
	struct plugin *p;
	const char *dl;

	if (!nfips_name_valid(name, (u32)strlen(name))) {
		nfips_err_set(err, "op-module type '%.40s' is not a valid name", name);
		return NULL;
	}
	pthread_mutex_lock(&reg_lock);
	for (p = plugins; p; p = p->next) {
		if (!strcmp(p->type, name)) {
			p->refs++;
			pthread_mutex_unlock(&reg_lock);
			return p->ops;
		}
	}
	snprintf(path, sizeof(path), "%s/nfips_op_%s.so", reg_dir, name);
	p = calloc(1, sizeof(*p));
	if (!p) {
		nfips_err_set(err, "out of memory");
		goto out_unlock;
	}
	p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!p->handle) {
		dl = dlerror();
		if (access(path, F_OK))
			nfips_err_set(err, "unknown op-module type '%s' (no plugin %s)",
				      name, path);
		else
			nfips_err_set(err, "op-module type '%s': %s", name,
				      dl ? dl : "dlopen failed");
		goto out_free;
	}
	snprintf(sym, sizeof(sym), "nfips_op_plugin_%s", name);
	*(void **)&entry = dlsym(p->handle, sym);
	if (!entry) {
		nfips_err_set(err, "plugin %s has no %s()", path, sym);
		goto out_close;
	}
	p->ops = entry();
	if (!p->ops || !p->ops->process || !p->ops->init || !p->ops->name ||
	    strcmp(p->ops->name, name)) {
		nfips_err_set(err, "plugin %s: bad ops for type '%s'", path, name);
		goto out_close;
	}
	strscpy(p->type, name, sizeof(p->type));
	p->refs = 1;
	p->next = plugins;
	plugins = p;
	pthread_mutex_unlock(&reg_lock);
	return p->ops;

out_close:
	dlclose(p->handle);
out_free:
	free(p);
out_unlock:
	pthread_mutex_unlock(&reg_lock);
	return NULL;
}

void nfips_op_put(const struct nfips_op_ops *ops)
{
	struct plugin **pp, *p;

	pthread_mutex_lock(&reg_lock);
	for (pp = &plugins; (p = *pp); pp = &p->next) {
		if (p->ops != ops)
			continue;
		if (--p->refs == 0) {
			*pp = p->next;
			dlclose(p->handle);
			free(p);
		}
		break;
	}
	pthread_mutex_unlock(&reg_lock);
}

void nfipsd_registry_exit(void)
{
	/* Every policy is destroyed by now; nothing should be left. */
	pthread_mutex_lock(&reg_lock);
	while (plugins) {
		struct plugin *p = plugins;

		NFIPSD_LOG("plugin '%s' still has %u references at exit",
			   p->type, p->refs);
		plugins = p->next;
		dlclose(p->handle);
		free(p);
	}
	pthread_mutex_unlock(&reg_lock);
}
