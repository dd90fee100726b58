# SPDX-License-Identifier: GPL-2.0
# nfips - see README.md. The targets are the contract in DESIGN.md:
#   make, make modules, make deps, make test, make test-build, make test-unit, make test-user,
#   make test-kmod, make test-kmod-debug, make fuzz, make compare, make bench,
#   make check
# Each part of the tree adds its own rules in a build.mk fragment.

NFIPS_VERSION := 0.1.0
BUILD ?= build

# Packages before anything is read. The fragments below ask installed
# packages for their flags while make parses them (pkg-config, libhs's
# libdir, which kernel headers exist), long before any prerequisite could
# run: on a fresh machine an order-only `deps-ensure` came too late and
# nfipsd linked without its libraries. So mk/deps.sh runs here, once per
# top-level make (sub-makes inherit NFIPS_DEPS_DONE), before any fragment
# is included; a failure stops make with deps.sh's message. Goals that need
# no package skip it. tests/build/t_parse_order.sh guards the order.
NFIPS_NODEPS_GOALS := deps clean modules-clean
ifndef NFIPS_DEPS_DONE
ifneq ($(filter-out $(NFIPS_NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
ifneq ($(shell mk/deps.sh >&2 && echo ok),ok)
$(error mk/deps.sh could not install the packages above: run `make deps` as root)
endif
endif
export NFIPS_DEPS_DONE := 1
endif

# The kernel `make modules` builds for: the running one when its headers are
# installed (a user's own machine), else Debian's 6.1 (the test VM's).
# KVER=<release> or KDIR=<build tree> choose another (mk/kver.sh 6.12).
KVER ?= $(shell mk/kver.sh build)
KDIR ?= /lib/modules/$(KVER)/build
W ?= 1

CC ?= gcc
CFLAGS ?= -O2 -g
NFIPS_CFLAGS := -std=gnu11 -fPIC -pthread -Wall -Wextra -Werror \
	-D_GNU_SOURCE -DNFIPS_VERSION='"$(NFIPS_VERSION)"' \
	-Icore -Iinclude -MMD -MP
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
LDLIBS_COMMON := -pthread

# Per-file extra flags: CFLAGS_<path with / as _> (CFLAGS_tools_nfipsctl_kernel).
# Every user-space object exists in two flavours: plain (obj/) and built with
# ASan+UBSan (san/) for the unit tests, nfipsd under test and make check.
$(BUILD)/obj/%.o: %.c | deps-ensure
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(NFIPS_CFLAGS) $(CFLAGS_$(subst /,_,$*)) -c $< -o $@

$(BUILD)/san/%.o: %.c | deps-ensure
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -O1 $(NFIPS_CFLAGS) $(SAN_FLAGS) $(CFLAGS_$(subst /,_,$*)) -c $< -o $@

# Objects are kept: they are shared by several programs.
.SECONDARY:

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
sanobj = $(patsubst %.c,$(BUILD)/san/%.o,$(1))

# The shared core: everything that decides a verdict. CORE_SRCS is what a
# twin links; CONF_SRCS is what a program that only reads configs needs.
CONF_SRCS := core/nfips_args.c core/nfips_conf.c core/nfips_conf_text.c
CORE_SRCS := $(CONF_SRCS) core/nfips_pkt.c core/nfips_op.c \
	core/nfips_policy.c
# The op-modules of both twins, from the one list (opmodules/opmodules.mk).
include opmodules/opmodules.mk
OPMOD_SRCS := $(patsubst %,opmodules/op_%.c,$(NFIPS_OPS_BOTH))

# Fragments append their programs to BINS and their checks to CHECK_BINS.
BINS :=
CHECK_BINS :=
include $(sort $(wildcard */build.mk */*/build.mk))

.PHONY: all deps deps-ensure modules kernel-info modules-clean test test-build test-unit test-user \
	test-kmod test-kmod-debug fuzz compare bench check clean
.DEFAULT_GOAL := all

all: $(BINS)

deps:
	mk/deps.sh

# Order-only prerequisite that fragments name for what needs packages. The
# packages themselves are ensured before parsing (top of this file), so
# there is nothing left to do here.
deps-ensure:
	@:

modules: | deps-ensure
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) NFIPS_VERSION=$(NFIPS_VERSION) modules

# Which kernel `make modules` builds for, and where its build tree is.
kernel-info:
	@echo "KVER=$(KVER) KDIR=$(KDIR)"

modules-clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

# Tiers run through tests/run.sh, which prints TAP and "N passed, N failed".
# kmod runs the kernel twin on Debian's 6.1, kmod-6.12 on its 6.12 LTS (the
# supported kernels, mk/kver.sh); kmod-debug on the project's debug 6.1.
# mk/rooted.sh: where the network-namespace tests and the bench run, "/" must
# be a mount point for ip netns exec (not so in a chroot; it makes it so).
test: all
	mk/rooted.sh tests/run.sh build unit user kmod-harness kmod kmod-6.12 kmod-debug

test-build: all
	tests/run.sh build

test-unit: | deps-ensure
	tests/run.sh unit

test-user: all
	mk/rooted.sh tests/run.sh user

test-kmod: all
	tests/run.sh kmod kmod-6.12

test-kmod-debug: all
	tests/run.sh kmod-debug

fuzz: | deps-ensure
	@if [ -x tests/fuzz/run.sh ]; then tests/fuzz/run.sh; else \
		echo "make fuzz: the fuzz harnesses are not built yet (issue: reliability tier)" >&2; exit 2; fi

compare: all
	mk/rooted.sh bench/compare.sh

bench: all
	mk/rooted.sh bench/bench.sh

# Warnings as errors (always on), W=1 modules for the default kernel and for
# 6.12 (then the default again, so the tree's .ko stay what `make modules`
# builds), the unit tier under ASan and
# UBSan, and cppcheck over the shared sources.
check: all $(CHECK_BINS)
	$(MAKE) modules W=1
	$(MAKE) modules W=1 KVER=$$(mk/kver.sh 6.12)
	$(MAKE) modules W=1
	tests/run.sh unit
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr -D_GNU_SOURCE -Icore --std=c11 \
		--suppress=missingIncludeSystem core opmodules

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
