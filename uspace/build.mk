# SPDX-License-Identifier: GPL-2.0
# The user twin: nfipsd, its op-module plugins, and the sanitizer flavour.
#
#   build/nfipsd                   + build/plugins/nfips_op_<type>.so
#   build/nfipsd-san (ASan+UBSan)  + build/plugins-san/nfips_op_<type>.so
#
# nfipsd-san loads plugins-san/ by default (sanitized plugins next to a
# sanitized daemon); each daemon finds its plugin directory next to its own
# binary. Plugins link against nothing of ours: the core symbols they call
# come from nfipsd, linked with --export-dynamic. op_hs (Hyperscan) is the
# only plugin with a library of its own, and the only user-twin-only one.
NFIPSD_SRCS := uspace/main.c uspace/queue.c uspace/state.c uspace/registry.c \
	uspace/rules.c uspace/control.c $(CORE_SRCS)
NFIPSD_LIBS := $(shell pkg-config --libs libnetfilter_queue libmnl 2>/dev/null) -ldl
HS_LIBS := $(shell pkg-config --libs libhs 2>/dev/null)
CFLAGS_opmodules_op_hs = $(shell pkg-config --cflags libhs 2>/dev/null)

# Every op-module source is a plugin; hs is added here, not in OPMOD_SRCS,
# so that the unit tier and Kbuild never need Hyperscan.
PLUGIN_SRCS := $(OPMOD_SRCS) opmodules/op_hs.c
plugin_type = $(patsubst op_%,%,$(basename $(notdir $(1))))
PLUGINS := $(foreach s,$(PLUGIN_SRCS),$(BUILD)/plugins/nfips_op_$(call plugin_type,$(s)).so)
PLUGINS_SAN := $(foreach s,$(PLUGIN_SRCS),$(BUILD)/plugins-san/nfips_op_$(call plugin_type,$(s)).so)

$(BUILD)/nfipsd: $(call obj,$(NFIPSD_SRCS))
	$(CC) $(LDFLAGS) -rdynamic -o $@ $^ $(LDLIBS_COMMON) $(NFIPSD_LIBS)

$(BUILD)/nfipsd-san: $(call sanobj,$(NFIPSD_SRCS))
	$(CC) $(LDFLAGS) $(SAN_FLAGS) -rdynamic -o $@ $^ $(LDLIBS_COMMON) $(NFIPSD_LIBS)

$(BUILD)/plugins/nfips_op_%.so: $(BUILD)/obj/opmodules/op_%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -shared -o $@ $< $(if $(filter hs,$*),$(HS_LIBS))

$(BUILD)/plugins-san/nfips_op_%.so: $(BUILD)/san/opmodules/op_%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(SAN_FLAGS) -shared -o $@ $< $(if $(filter hs,$*),$(HS_LIBS))

BINS += $(BUILD)/nfipsd $(BUILD)/nfipsd-san $(PLUGINS) $(PLUGINS_SAN)
