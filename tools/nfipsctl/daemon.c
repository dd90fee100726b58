// SPDX-License-Identifier: GPL-2.0
/* nfipsctl's daemon backend: not built yet (placeholder so nfipsctl links). */
#include "nfipsctl.h"

static int daemon_open(struct nfipsctl *ctl)
{
	snprintf(ctl->err, sizeof(ctl->err), "the daemon backend is not built yet");
	return -ENOENT;
}

const struct nfipsctl_backend nfipsctl_daemon_backend = {
	.name = "daemon",
	.open = daemon_open,
};
