# SPDX-License-Identifier: GPL-2.0
# Unit tier: each tests/unit/test_*.c is one kselftest program, linked with the
# shared core and op-modules, built with ASan and UBSan.
KSFT_DIR := $(BUILD)/kselftest
KSFT_H := $(KSFT_DIR)/kselftest.h

# kselftest.h comes from Debian's linux-source-6.1, extracted at build time.
$(KSFT_H): | deps-ensure
	@mkdir -p $(KSFT_DIR)
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C $(KSFT_DIR) --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h
	@touch $@

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
UNIT_LIB_SRCS := tests/unit/unit_lib.c tests/unit/unit_user.c $(CORE_SRCS) $(OPMOD_SRCS)

$(call sanobj,$(wildcard tests/unit/*.c)): $(KSFT_H)

# The unit tests' static registry (unit_user.c) as an X-macro list generated
# from the op-module list: one NFIPS_OP(<type>) line per type of both twins.
UNIT_OPS_H := $(BUILD)/gen/nfips_ops.h
$(UNIT_OPS_H): opmodules/opmodules.mk
	@mkdir -p $(@D)
	printf '/* Generated from opmodules/opmodules.mk: do not edit. */\n' >$@.tmp
	printf 'NFIPS_OP(%s)\n' $(NFIPS_OPS_BOTH) >>$@.tmp
	mv $@.tmp $@
$(call sanobj,tests/unit/unit_user.c): $(UNIT_OPS_H)
CFLAGS_tests_unit_unit_user = -I$(KSFT_DIR) -Itests/unit -I$(BUILD)/gen
$(foreach t,$(filter-out %/unit_user.c,$(wildcard tests/unit/*.c)),$(eval CFLAGS_$(subst /,_,$(t:.c=)) = -I$(KSFT_DIR) -Itests/unit))

$(BUILD)/unit/%: $(BUILD)/san/tests/unit/%.o $(call sanobj,$(UNIT_LIB_SRCS))
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(LDLIBS_COMMON)

.PHONY: unit-build
unit-build: $(UNIT_TESTS)
test-unit: unit-build
CHECK_BINS += $(UNIT_TESTS)

# The hs op-module's bounds test (test_hs_bounds.c) links Hyperscan when it
# is installed (make deps installs it where Debian has it); without it the
# test builds as a skip.
UNIT_HS_LIBDIR := $(shell pkg-config --variable=libdir libhs 2>/dev/null)
ifneq ($(UNIT_HS_LIBDIR),)
$(BUILD)/unit/test_hs_bounds: $(call sanobj,opmodules/op_hs.c) $(UNIT_HS_LIBDIR)/libhs.so
CFLAGS_tests_unit_test_hs_bounds += -DUNIT_HAVE_HS $(shell pkg-config --cflags libhs 2>/dev/null)
endif
