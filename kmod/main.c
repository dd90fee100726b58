// SPDX-License-Identifier: GPL-2.0
/*
 * nfips.ko: the kernel twin. Each part has its own init/exit; this file only
 * runs them in order and undoes them in reverse (drivers/net/wireguard/main.c).
 */
#include <linux/module.h>

#include "registry.h"

static int __init nfips_mod_init(void)
{
	pr_info("nfips " NFIPS_VERSION " loaded\n");
	return 0;
}

static void __exit nfips_mod_exit(void)
{
}

module_init(nfips_mod_init);
module_exit(nfips_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nfips: FIDRAN-style intrusion prevention in the kernel");
MODULE_VERSION(NFIPS_VERSION);
