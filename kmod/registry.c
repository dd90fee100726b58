// SPDX-License-Identifier: GPL-2.0
/*
 * Registry of op-module types, after lib/textsearch.c: an op-module's kernel
 * module registers its static struct nfips_op_ops at load; a config that names
 * a type takes a reference on the type's module for every instance, so an
 * op-module in use cannot be unloaded; a type that is not registered is
 * autoloaded as "nfips-op-<type>".
 *
 * Locking: types are looked up only while a config is built, in process
 * context, so one mutex covers the table. The packet path never looks a type
 * up: instances point at their ops, pinned by the module reference.
 */
#include <linux/kmod.h>
#include <linux/mutex.h>

#include "registry.h"

#define NFIPS_MAX_OP_TYPES	64

static DEFINE_MUTEX(registry_lock);
static struct nfips_op_ops *registry[NFIPS_MAX_OP_TYPES];

static struct nfips_op_ops *find(const char *name)
{
	int i;

	lockdep_assert_held(&registry_lock);
	for (i = 0; i < NFIPS_MAX_OP_TYPES; i++)
		if (registry[i] && !strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

int nfips_op_register(struct nfips_op_ops *ops)
{
	int i, ret = -ENOSPC;

	if (!ops->name || !ops->process || !ops->init ||
	    !nfips_name_valid(ops->name, strnlen(ops->name, NFIPS_NAME_MAX)))
		return -EINVAL;

	mutex_lock(&registry_lock);
	if (find(ops->name)) {
		ret = -EEXIST;
		goto out;
	}
	for (i = 0; i < NFIPS_MAX_OP_TYPES; i++) {
		if (!registry[i]) {
			registry[i] = ops;
			ret = 0;
			break;
		}
	}
out:
	mutex_unlock(&registry_lock);
	if (!ret)
		pr_debug("op-module type %s registered\n", ops->name);
	return ret;
}
EXPORT_SYMBOL_GPL(nfips_op_register);

void nfips_op_unregister(struct nfips_op_ops *ops)
{
	int i;

	mutex_lock(&registry_lock);
	for (i = 0; i < NFIPS_MAX_OP_TYPES; i++)
		if (registry[i] == ops)
			registry[i] = NULL;
	mutex_unlock(&registry_lock);
}
EXPORT_SYMBOL_GPL(nfips_op_unregister);

static const struct nfips_op_ops *get(const char *name)
{
	struct nfips_op_ops *ops;

	mutex_lock(&registry_lock);
	ops = find(name);
	if (ops && !try_module_get(ops->owner))
		ops = NULL;	/* being unloaded */
	mutex_unlock(&registry_lock);
	return ops;
}

/* Process context: may sleep (autoload). */
const struct nfips_op_ops *nfips_op_get(const char *name, struct nfips_err *err)
{
	const struct nfips_op_ops *ops;

	might_sleep();
	ops = get(name);
	if (!ops && !request_module("nfips-op-%s", name))
		ops = get(name);
	if (!ops)
		nfips_err_set(err, "unknown op-module type '%s' (module nfips-op-%s not found)",
			      name, name);
	return ops;
}
/* For nfips_test_ops.ko (tests/kmod/opvec/): the op types as configs see them. */
EXPORT_SYMBOL_GPL(nfips_op_get);

void nfips_op_put(const struct nfips_op_ops *ops)
{
	module_put(ops->owner);
}
EXPORT_SYMBOL_GPL(nfips_op_put);
