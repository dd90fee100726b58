// SPDX-License-Identifier: GPL-2.0
/*
 * Device notifier: a queued packet holds a reference on its input device,
 * so a device going down or away has its queued packets freed first -
 * otherwise unregister_netdevice would wait for the reference forever
 * (nfnetlink_queue does the same for its queues).
 *
 * Registered after the pernet ops and unregistered before them, so every
 * namespace seen here has its nfips_net set up. Runs under RTNL, process
 * context.
 */
#include <linux/netdevice.h>

#include "device.h"
#include "netns.h"
#include "queue.h"

static int nfips_device_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event == NETDEV_DOWN || event == NETDEV_UNREGISTER)
		nfips_queue_flush_dev(nfips_net(dev_net(dev)), dev);
	return NOTIFY_DONE;
}

static struct notifier_block nfips_device_nb = {
	.notifier_call = nfips_device_event,
};

int nfips_device_init(void)
{
	return register_netdevice_notifier(&nfips_device_nb);
}

void nfips_device_exit(void)
{
	unregister_netdevice_notifier(&nfips_device_nb);
}
