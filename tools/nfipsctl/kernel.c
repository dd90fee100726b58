// SPDX-License-Identifier: GPL-2.0
/* nfipsctl's kernel backend: not built yet (placeholder so nfipsctl links). */
#include "nfipsctl.h"

static int kernel_open(struct nfipsctl *ctl)
{
	snprintf(ctl->err, sizeof(ctl->err), "the kernel backend is not built yet");
	return -ENOENT;
}

const struct nfipsctl_backend nfipsctl_kernel_backend = {
	.name = "kernel",
	.open = kernel_open,
};
