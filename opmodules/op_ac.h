/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ac op-module's private state (opmodules/op_ac.c), in a header so that
 * the unit tests can report the automaton's size and so that nfipsctl -b can
 * copy the compiled automaton (tbl, stride, match, cls, leaves, o, result)
 * into the BPF twin's maps (tools/nfipsctl/bpf.c): the BPF twin runs the DFA
 * op_ac.c built, not one of its own. Nothing but op_ac.c may change it.
 */
#ifndef NFIPS_OP_AC_H
#define NFIPS_OP_AC_H

#include "nfips_op.h"

/* Limits of one ac op; init refuses above them (op_ac.c explains). */
#define NFIPS_AC_MAX_PATTERNS	100000
#define NFIPS_AC_MAX_PATTERN_LEN 1024
#define NFIPS_AC_MAX_BYTES	(2u << 20)	/* all patterns' bytes */
#define NFIPS_AC_MAX_TABLE	(64u << 20)	/* the transition table */

struct nfips_ac {
	/* Hot: what ->process reads. */
	const void *tbl;	/* rows x stride row offsets, u16 or u32 */
	u32 stride;		/* byte classes, class 0 included */
	u32 match;		/* the offset standing for every matching state */
	bool wide;		/* entries are u32 (an offset above 65535) */
	int result;
	struct nfips_payload_opts o;
	u8 cls[256];		/* byte -> class (case folded by nocase) */
	/* Start-state skip (op_ac.c): the bytes that leave the start state. */
	u8 start_n;		/* 1..3: they are start_b[]; 4: more, see leaves[] */
	u8 start_b[3];		/* unused slots repeat start_b[0] */
	bool leaves[256];	/* byte -> it leaves the start state */
	/* Cold: for diagnostics. */
	u32 patterns;		/* patterns given, duplicates included */
	u32 rows;		/* states with a row (non-matching states) */
	u32 trie_nodes;		/* nodes of the trie it was built from */
	size_t table_bytes;	/* the table's size */
};

/* Entry @i of the table: a row offset, whatever the entries' width. */
static inline u32 nfips_ac_entry(const struct nfips_ac *a, size_t i)
{
	return a->wide ? ((const u32 *)a->tbl)[i] : ((const u16 *)a->tbl)[i];
}

/* Entries in the table (rows x stride). */
static inline size_t nfips_ac_entries(const struct nfips_ac *a)
{
	return a->table_bytes / (a->wide ? sizeof(u32) : sizeof(u16));
}

#endif /* NFIPS_OP_AC_H */
