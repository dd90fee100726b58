# SPDX-License-Identifier: GPL-2.0
# The op-modules: the one list that Kbuild (nfips_op_<type>.ko), the Makefile
# (OPMOD_SRCS: unit tests, nfips-diff, DKMS sources), the plugin build
# (nfips_op_<type>.so) and the unit tests' static registry read. Adding an
# op-module is opmodules/op_<type>.c (which defines nfips_op_<type>_ops) plus
# its type in NFIPS_OPS; an op that needs more says so below.
# Make syntax; Kbuild and the top Makefile both include this file.
NFIPS_OPS := header bm sleep ac hs

# What an op needs beyond the core, by type:
#   NFIPS_OP_USERONLY  user twin only: no .ko, not linked into the unit
#                      tests or nfips-diff (so they never need its library)
#   NFIPS_OP_PKG_<t>   pkg-config package(s) the plugin compiles and links with
# hs: Hyperscan, a user-space library.
NFIPS_OP_USERONLY := hs
NFIPS_OP_PKG_hs := libhs

# The ops built in both twins (kernel modules, unit registry).
NFIPS_OPS_BOTH := $(filter-out $(NFIPS_OP_USERONLY),$(NFIPS_OPS))
