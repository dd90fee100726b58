# SPDX-License-Identifier: GPL-2.0
# check.c builds policies as nfipsd does: the whole core and nfipsd's plugin
# registry, with --export-dynamic so that the plugins find the core in us.
NFIPSCTL_SRCS := tools/nfipsctl/main.c tools/nfipsctl/kernel.c \
	tools/nfipsctl/daemon.c tools/nfipsctl/check.c tools/nfipsctl/bpf.c uspace/registry.c \
	$(CORE_SRCS)
CFLAGS_tools_nfipsctl_kernel = $(shell pkg-config --cflags libnl-genl-3.0)
CFLAGS_tools_nfipsctl_kernel += -Itools/nfipsctl
CFLAGS_tools_nfipsctl_daemon = -Itools/nfipsctl
CFLAGS_tools_nfipsctl_main = -Itools/nfipsctl
CFLAGS_tools_nfipsctl_check = -Itools/nfipsctl
CFLAGS_tools_nfipsctl_bpf = -Itools/nfipsctl $(shell pkg-config --cflags libbpf)

$(BUILD)/nfipsctl: $(call obj,$(NFIPSCTL_SRCS))
	$(CC) $(LDFLAGS) -rdynamic -o $@ $^ $(LDLIBS_COMMON) $(shell pkg-config --libs libnl-genl-3.0) $(shell pkg-config --libs libbpf) -ldl

BINS += $(BUILD)/nfipsctl
