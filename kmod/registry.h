/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPS_KMOD_REGISTRY_H
#define NFIPS_KMOD_REGISTRY_H

#include "nfips_op.h"

/* nfips_op_register()/nfips_op_unregister() are declared in nfips_compat.h. */

#endif
