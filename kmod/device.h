/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFIPS_KMOD_DEVICE_H
#define NFIPS_KMOD_DEVICE_H

int nfips_device_init(void);
void nfips_device_exit(void);

#endif
