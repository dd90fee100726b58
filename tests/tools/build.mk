# SPDX-License-Identifier: GPL-2.0
# Test tools: nfips-send crafts packets for the network tests of both twins.
$(BUILD)/nfips-send: $(call obj,tests/tools/nfips-send.c core/nfips_args.c)
	$(CC) $(LDFLAGS) -o $@ $^

BINS += $(BUILD)/nfips-send

# nfips-nlfuzz: mutated generic netlink messages for the kernel twin
# (tests/kmod/t_95_netlink_fuzz.sh).
$(BUILD)/nfips-nlfuzz: $(call obj,tests/tools/nfips-nlfuzz.c)
	$(CC) $(LDFLAGS) -o $@ $^

BINS += $(BUILD)/nfips-nlfuzz

# nfips-nlbad: malformed and unauthorized requests to the kernel twin's
# generic netlink family (raw netlink, no libraries).
$(BUILD)/nfips-nlbad: $(call obj,tests/tools/nfips-nlbad.c)
	$(CC) $(LDFLAGS) -o $@ $^

BINS += $(BUILD)/nfips-nlbad

# libnfips-fault.so: LD_PRELOAD fault injection for nfipsd's NFQUEUE socket
# (failed verdict sends, malformed packet attributes; tests/user/t_62_*.sh).
$(BUILD)/libnfips-fault.so: $(call obj,tests/tools/nfips-fault.c)
	$(CC) $(LDFLAGS) -shared -o $@ $^ -ldl

BINS += $(BUILD)/libnfips-fault.so
