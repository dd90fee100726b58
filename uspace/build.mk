# SPDX-License-Identifier: GPL-2.0
# The user twin: nfipsd, its op-module plugins, and the sanitizer flavour.
#
#   build/nfipsd                   + build/plugins/nfips_op_<type>.so
#   build/nfipsd-san (ASan+UBSan)  + build/plugins-san/nfips_op_<type>.so
#
# nfipsd-san loads plugins-san/ by default (sanitized plugins next to a
# sanitized daemon); each daemon finds its plugin directory next to its own
# binary. Plugins link against nothing of ours: the core symbols they call
# come from nfipsd, linked with --export-dynamic. The plugins are the types
# listed in opmodules/opmodules.mk.
NFIPSD_SRCS := uspace/main.c uspace/queue.c uspace/state.c uspace/registry.c \
	uspace/rules.c uspace/control.c $(CORE_SRCS)
NFIPSD_LIBS := $(shell pkg-config --libs libnetfilter_queue libmnl 2>/dev/null) -ldl

# Every op-module of the list (opmodules/opmodules.mk) is a plugin, the
# user-twin-only ones (hs) too. An op with NFIPS_OP_PKG_<type> compiles and
# links with that package; the others link against nothing.
plugin_pkg_libs = $(if $(NFIPS_OP_PKG_$(1)),$(shell pkg-config --libs $(NFIPS_OP_PKG_$(1)) 2>/dev/null))
$(foreach t,$(NFIPS_OPS),$(if $(NFIPS_OP_PKG_$(t)),$(eval \
	CFLAGS_opmodules_op_$(t) := $(shell pkg-config --cflags $(NFIPS_OP_PKG_$(t)) 2>/dev/null))))
PLUGINS := $(patsubst %,$(BUILD)/plugins/nfips_op_%.so,$(NFIPS_OPS))
PLUGINS_SAN := $(patsubst %,$(BUILD)/plugins-san/nfips_op_%.so,$(NFIPS_OPS))

$(BUILD)/nfipsd: $(call obj,$(NFIPSD_SRCS))
	$(CC) $(LDFLAGS) -rdynamic -o $@ $^ $(LDLIBS_COMMON) $(NFIPSD_LIBS)

$(BUILD)/nfipsd-san: $(call sanobj,$(NFIPSD_SRCS))
	$(CC) $(LDFLAGS) $(SAN_FLAGS) -rdynamic -o $@ $^ $(LDLIBS_COMMON) $(NFIPSD_LIBS)

$(BUILD)/plugins/nfips_op_%.so: $(BUILD)/obj/opmodules/op_%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -shared -o $@ $< $(call plugin_pkg_libs,$*)

$(BUILD)/plugins-san/nfips_op_%.so: $(BUILD)/san/opmodules/op_%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(SAN_FLAGS) -shared -o $@ $< $(call plugin_pkg_libs,$*)

BINS += $(BUILD)/nfipsd $(BUILD)/nfipsd-san $(PLUGINS) $(PLUGINS_SAN)
