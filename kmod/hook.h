/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPS_KMOD_HOOK_H
#define NFIPS_KMOD_HOOK_H

#include "netns.h"

/* Register / unregister the selector hooks of @nn's namespace. Process context. */
int nfips_hook_register(struct nfips_net *nn);
void nfips_hook_unregister(struct nfips_net *nn);

#endif
