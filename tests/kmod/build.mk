# SPDX-License-Identifier: GPL-2.0
# The kmod tier's harness checks itself: a kernel warning, a panic, a test
# timeout, a VM timeout, a bad exit status and leftovers must each be
# reported (three VM boots, about a minute).
.PHONY: test-kmod-harness
test-kmod-harness: all
	$(MAKE) -s modules
	tests/kmod/vm/selftest.sh
