# SPDX-License-Identifier: GPL-2.0
# The BPF twin's program (bpf/nfips.bpf.c -> build/nfips.bpf.o), loaded at
# run time by nfipsctl -b. It needs clang (BPF target), libbpf's headers and
# the kernel's types as vmlinux.h, dumped by bpftool from the BTF of the
# running kernel (/sys/kernel/btf/vmlinux): the build needs a kernel with
# BTF. CO-RE relocations make the object load on other kernels with BTF
# (>= 6.4 for netfilter programs). `make all` builds it only where both are
# there, so a machine without bpftool or BTF still builds everything else;
# `make bpf` builds it or says what is missing.
BPFTOOL ?= $(shell command -v bpftool || command -v /usr/sbin/bpftool)
BPF_CLANG ?= clang
BPF_VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_OBJ := $(BUILD)/nfips.bpf.o
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Wextra -Werror \
	-I$(BUILD)/bpf -Ibpf

$(BUILD)/bpf/vmlinux.h:
	@if [ -z "$(BPFTOOL)" ]; then echo "make bpf: bpftool is missing (make deps)" >&2; exit 1; fi
	@if [ ! -r $(BPF_VMLINUX_BTF) ]; then echo "make bpf: $(BPF_VMLINUX_BTF) is missing: the BPF twin needs a kernel with BTF (CONFIG_DEBUG_INFO_BTF)" >&2; exit 1; fi
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file $(BPF_VMLINUX_BTF) format c >$@.tmp
	mv $@.tmp $@

$(BPF_OBJ): bpf/nfips.bpf.c bpf/nfips_bpf.h $(BUILD)/bpf/vmlinux.h | deps-ensure
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

.PHONY: bpf
bpf: $(BPF_OBJ)

ifneq ($(and $(BPFTOOL),$(wildcard $(BPF_VMLINUX_BTF))),)
BINS += $(BPF_OBJ)
endif
