# SPDX-License-Identifier: GPL-2.0
# nfips-rude and nfips-crude (RUDE/CRUDE compatible traffic tools). The
# script parser, wire formats and statistics live in rude_lib.c so the unit
# tests (tests/unit/test_rude_*.c) can link them.
RUDE_LIB_SRCS := tools/rude/rude_lib.c
RUDE_SRCS := tools/rude/rude.c $(RUDE_LIB_SRCS) core/nfips_args.c
CRUDE_SRCS := tools/rude/crude.c $(RUDE_LIB_SRCS) core/nfips_args.c
CFLAGS_tools_rude_rude_lib = -Itools/rude
CFLAGS_tools_rude_rude = -Itools/rude
CFLAGS_tools_rude_crude = -Itools/rude

$(BUILD)/nfips-rude: $(call obj,$(RUDE_SRCS))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

$(BUILD)/nfips-crude: $(call obj,$(CRUDE_SRCS))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

BINS += $(BUILD)/nfips-rude $(BUILD)/nfips-crude

# Unit tests: the harness already links the core (nfips_args.c included);
# add the library and its include path. tests/unit/build.mk sets each test's
# CFLAGS with '=' before this fragment is read (sorted include order), so
# its flags are repeated here rather than relied upon.
RUDE_UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_rude_*.c))
$(foreach t,$(RUDE_UNIT_TESTS),$(eval $(BUILD)/unit/$(t): $(call sanobj,$(RUDE_LIB_SRCS))))
$(foreach t,$(RUDE_UNIT_TESTS),$(eval CFLAGS_tests_unit_$(t) = -I$(BUILD)/kselftest -Itests/unit -Itools/rude))

# nfips-soak: the bench's CPU-cost meter (a SCHED_IDLE busy loop on the IPS
# CPU; bench/README.md "Per-packet CPU cost").
SOAK_SRCS := tools/rude/soak.c $(RUDE_LIB_SRCS) core/nfips_args.c
$(BUILD)/nfips-soak: $(call obj,$(SOAK_SRCS))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)
BINS += $(BUILD)/nfips-soak
