# SPDX-License-Identifier: GPL-2.0
# Fuzz tier (make fuzz -> tests/fuzz/run.sh): one libFuzzer harness per
# parser of hostile input, built with clang, libFuzzer, ASan and UBSan.
#
# The rest of the tree is built with $(CC) (gcc); these objects are clang's
# and instrumented for coverage, so they live apart in $(BUILD)/fuzz/ with
# their own pattern rule. Sources are the same files the twins compile.
FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 -g -O1 -pthread -Wall -Wextra -D_GNU_SOURCE \
	-DNFIPS_VERSION='"$(NFIPS_VERSION)"' -Icore -Iinclude -Itests/unit \
	-Itests/fuzz -I$(FUZZ_KSFT_DIR) -I$(BUILD)/gen -Itools/rude -MMD -MP \
	-fsanitize=fuzzer-no-link $(FUZZ_SAN)
# Our own files must be warning-free; a clang-only warning in a shared source
# is reported but does not stop the fuzz tier (gcc and W=1 gate those).
FUZZ_WERROR = $(if $(filter tests/fuzz/%,$<),-Werror)

$(FUZZ_DIR)/obj/%.o: %.c | deps-ensure
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WERROR) -c $< -o $@

# The RUDE library reads trace files named by the script. Its fopen() calls
# are pointed at the harness's jail (fuzz_rude_script.c), so a fuzzed script
# can neither read /dev/zero nor wander the file system.
$(FUZZ_DIR)/obj/tools/rude/rude_lib.jail.o: $(FUZZ_DIR)/obj/tools/rude/rude_lib.o
	objcopy --redefine-sym fopen=nfips_fuzz_fopen $< $@

fuzzobj = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(1))

# unit_lib.c and unit_user.c (the static op registry) include kselftest.h,
# which tests/unit/build.mk extracts, and the registry includes the op list
# it generates, build/gen/nfips_ops.h (that fragment is read after this one).
FUZZ_KSFT_DIR := $(BUILD)/kselftest
$(call fuzzobj,tests/unit/unit_lib.c tests/unit/unit_user.c $(wildcard tests/fuzz/*.c)): $(FUZZ_KSFT_DIR)/kselftest.h
$(call fuzzobj,tests/unit/unit_user.c): $(BUILD)/gen/nfips_ops.h

# op_ac reads patterns-file= with fopen(): in every harness (the unit
# registry links it) that fopen() serves the jail only, like rude_lib's.
FUZZ_COMMON := tests/fuzz/fuzz_common.c tests/unit/unit_lib.c \
	tests/unit/unit_user.c $(CORE_SRCS) \
	$(filter-out opmodules/op_ac.c,$(OPMOD_SRCS))
FUZZ_AC_JAIL := $(FUZZ_DIR)/obj/opmodules/op_ac.jail.o
FUZZ_HARNESSES := fuzz_pkt fuzz_args fuzz_config fuzz_ac
FUZZ_EXTRA_fuzz_pkt :=
FUZZ_EXTRA_fuzz_args :=
FUZZ_EXTRA_fuzz_config :=

# The Hyperscan op-module (user twin only, not in OPMOD_SRCS) joins fuzz_pkt
# and fuzz_args when libhs is installed; its patterns-file= reads go through
# the same jail as rude_lib's trace files.
FUZZ_HS_LIBS := $(shell pkg-config --libs libhs 2>/dev/null)
ifneq ($(FUZZ_HS_LIBS),)
FUZZ_CFLAGS += -DFUZZ_HAVE_HS $(shell pkg-config --cflags libhs 2>/dev/null)
FUZZ_EXTRA_fuzz_pkt += $(FUZZ_DIR)/obj/opmodules/op_hs.jail.o
FUZZ_EXTRA_fuzz_args += $(FUZZ_DIR)/obj/opmodules/op_hs.jail.o
FUZZ_LIBS_fuzz_pkt := $(FUZZ_HS_LIBS)
FUZZ_LIBS_fuzz_args := $(FUZZ_HS_LIBS)
# The unit tier's replay (tests/unit/test_fuzz_regress.c) runs hs too: its
# link line takes only prerequisites, so the library goes in as one.
$(BUILD)/unit/test_fuzz_regress: $(call sanobj,opmodules/op_hs.c) \
	$(shell pkg-config --variable=libdir libhs 2>/dev/null)/libhs.so
endif
$(FUZZ_DIR)/obj/opmodules/op_hs.jail.o: $(FUZZ_DIR)/obj/opmodules/op_hs.o
	objcopy --redefine-sym fopen=nfips_fuzz_fopen $< $@
$(FUZZ_AC_JAIL): $(FUZZ_DIR)/obj/opmodules/op_ac.o
	objcopy --redefine-sym fopen=nfips_fuzz_fopen $< $@

# The RUDE/CRUDE harnesses need tools/rude's library (its own issue).
ifneq ($(wildcard tools/rude/rude_lib.c),)
FUZZ_HARNESSES += fuzz_rude_script fuzz_rude_wire
FUZZ_EXTRA_fuzz_rude_script := $(FUZZ_DIR)/obj/tools/rude/rude_lib.jail.o
FUZZ_EXTRA_fuzz_rude_wire := $(FUZZ_DIR)/obj/tools/rude/rude_lib.jail.o
# The unit tier replays the harnesses' regression inputs and seeds
# (tests/unit/test_fuzz_regress.c), the RUDE ones included.
$(BUILD)/unit/test_fuzz_regress: $(call sanobj,tools/rude/rude_lib.c)
endif

define fuzz_harness
$(FUZZ_DIR)/$(1): $(call fuzzobj,tests/fuzz/$(1).c $(FUZZ_COMMON)) $(FUZZ_AC_JAIL) $(FUZZ_EXTRA_$(1))
	$$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $$@ $$^ $(FUZZ_LIBS_$(1)) -pthread
endef
$(foreach h,$(FUZZ_HARNESSES),$(eval $(call fuzz_harness,$(h))))

.PHONY: fuzz-build fuzz-list
fuzz-build: $(addprefix $(FUZZ_DIR)/,$(FUZZ_HARNESSES))

# For run.sh: the harnesses this tree can build.
fuzz-list:
	@echo $(FUZZ_HARNESSES)
