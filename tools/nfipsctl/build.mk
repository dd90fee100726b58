# SPDX-License-Identifier: GPL-2.0
NFIPSCTL_SRCS := tools/nfipsctl/main.c tools/nfipsctl/kernel.c \
	tools/nfipsctl/daemon.c $(CONF_SRCS)
CFLAGS_tools_nfipsctl_kernel = $(shell pkg-config --cflags libnl-genl-3.0)
CFLAGS_tools_nfipsctl_kernel += -Itools/nfipsctl
CFLAGS_tools_nfipsctl_daemon = -Itools/nfipsctl
CFLAGS_tools_nfipsctl_main = -Itools/nfipsctl

$(BUILD)/nfipsctl: $(call obj,$(NFIPSCTL_SRCS))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON) $(shell pkg-config --libs libnl-genl-3.0)

BINS += $(BUILD)/nfipsctl
