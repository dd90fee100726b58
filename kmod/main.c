// SPDX-License-Identifier: GPL-2.0
/*
 * nfips.ko: the kernel twin. Each part has its own init/exit; this file only
 * runs them in order and undoes them in reverse (drivers/net/wireguard/main.c).
 *
 * Order and why:
 *   queue   the entry cache, needed by any hook
 *   netns   per-namespace state and hooks (pernet_operations)
 *   device  the netdevice notifier; after netns, so it finds every
 *           namespace's state, and removed before it
 *   netlink the control family last: no config can arrive before the rest is
 *           up, and at exit no request runs while namespaces are torn down
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "device.h"
#include "netlink.h"
#include "netns.h"
#include "queue.h"
#include "registry.h"
#include <uapi/linux/nfips.h>

static int __init nfips_mod_init(void)
{
	int ret;

	ret = nfips_queue_init();
	if (ret)
		return ret;
	ret = nfips_netns_init();
	if (ret)
		goto err_queue;
	ret = nfips_device_init();
	if (ret)
		goto err_netns;
	ret = nfips_netlink_init();
	if (ret)
		goto err_device;
	pr_info("nfips " NFIPS_VERSION " loaded\n");
	return 0;

err_device:
	nfips_device_exit();
err_netns:
	nfips_netns_exit();
err_queue:
	nfips_queue_exit();
	return ret;
}

static void __exit nfips_mod_exit(void)
{
	nfips_netlink_exit();
	nfips_device_exit();
	nfips_netns_exit();
	nfips_queue_exit();
}

module_init(nfips_mod_init);
module_exit(nfips_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nfips: FIDRAN-style intrusion prevention in the kernel");
MODULE_VERSION(NFIPS_VERSION);
MODULE_ALIAS_GENL_FAMILY(NFIPS_GENL_NAME);
