# SPDX-License-Identifier: GPL-2.0
# nfips - see README.md. The targets are the contract in DESIGN.md:
#   make, make modules, make deps, make test, make test-unit, make test-user,
#   make test-kmod, make test-kmod-debug, make fuzz, make compare, make bench,
#   make check
# Each part of the tree adds its own rules in a build.mk fragment.

NFIPS_VERSION := 0.1.0
BUILD ?= build
KVER ?= $(shell mk/kver.sh)
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
CONF_SRCS := core/nfips_args.c core/nfips_conf.c core/nfips_config.c
CORE_SRCS := $(CONF_SRCS) core/nfips_pkt.c core/nfips_op.c \
	core/nfips_policy.c
OPMOD_SRCS := opmodules/op_header.c opmodules/op_bm.c opmodules/op_sleep.c

# Fragments append their programs to BINS and their checks to CHECK_BINS.
BINS :=
CHECK_BINS :=
include $(sort $(wildcard */build.mk */*/build.mk))

.PHONY: all deps deps-ensure modules modules-clean test test-unit test-user \
	test-kmod test-kmod-debug fuzz compare bench check clean
.DEFAULT_GOAL := all

all: $(BINS)

deps:
	mk/deps.sh

# Order-only prerequisite of every build: installs what is missing (quick
# when nothing is).
deps-ensure:
	@mk/deps.sh

modules: | deps-ensure
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) NFIPS_VERSION=$(NFIPS_VERSION) modules

modules-clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

# Tiers run through tests/run.sh, which prints TAP and "N passed, N failed".
test: all
	tests/run.sh unit user kmod-harness kmod kmod-debug

test-unit: | deps-ensure
	tests/run.sh unit

test-user: all
	tests/run.sh user

test-kmod: all
	tests/run.sh kmod

test-kmod-debug: all
	tests/run.sh kmod-debug

fuzz: | deps-ensure
	@if [ -x tests/fuzz/run.sh ]; then tests/fuzz/run.sh; else \
		echo "make fuzz: the fuzz harnesses are not built yet (issue: reliability tier)" >&2; exit 2; fi

compare: all
	@if [ -x bench/compare.sh ]; then bench/compare.sh; else \
		echo "make compare: bench/compare.sh is not built yet (issue: measurement)" >&2; exit 2; fi

bench: all
	@if [ -x bench/bench.sh ]; then bench/bench.sh; else \
		echo "make bench: bench/bench.sh is not built yet (issue: measurement)" >&2; exit 2; fi

# Warnings as errors (always on), W=1 modules, the unit tier under ASan and
# UBSan, and cppcheck over the shared sources.
check: all $(CHECK_BINS)
	$(MAKE) modules W=1
	tests/run.sh unit
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr -D_GNU_SOURCE -Icore --std=c11 \
		--suppress=missingIncludeSystem core opmodules

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
