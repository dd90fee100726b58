# SPDX-License-Identifier: GPL-2.0
# The differential test (tests/diff/README.md). nfips-diff: corpus, reference,
# sender, receiver and comparison in one program, linked with the shared core
# and op-modules; built from plain objects into build/ because it also runs
# in the kernel-twin VM (the image takes build/'s programs, not build/unit).
# Its unit step, build/unit/test_diff (ASan/UBSan, run by the unit tier):
# the same source checked on its own - the corpus is reproducible and
# covers what it promises, the reference runs clean over all of it.
DIFF_LIB_SRCS := $(CORE_SRCS) $(OPMOD_SRCS)

$(BUILD)/nfips-diff: $(call obj,tests/diff/nfips-diff.c $(DIFF_LIB_SRCS))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

BINS += $(BUILD)/nfips-diff

$(BUILD)/unit/test_diff: $(call sanobj,tests/diff/test_diff.c $(DIFF_LIB_SRCS))
	@mkdir -p $(@D)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(LDLIBS_COMMON)

# kselftest.h: extracted by tests/unit/build.mk (included after this file).
$(call sanobj,tests/diff/test_diff.c): $(BUILD)/kselftest/kselftest.h
CFLAGS_tests_diff_test_diff = -I$(BUILD)/kselftest -Itests/diff

.PHONY: unit-build
unit-build: $(BUILD)/unit/test_diff
CHECK_BINS += $(BUILD)/unit/test_diff
