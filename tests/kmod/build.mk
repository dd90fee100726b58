# SPDX-License-Identifier: GPL-2.0
# The kmod tier's harness checks itself (tests/kmod-harness/run.sh): a kernel
# warning, a panic, a test timeout, a VM timeout, a bad exit status and
# leftovers must each be reported, and a test that hangs its VM must fail in
# bounded time with the rest run in a fresh VM (six VM boots, about two
# minutes). Part of `make test`, before the kmod tiers that rely on it.
.PHONY: test-kmod-harness
test-kmod-harness: all
	tests/run.sh kmod-harness
