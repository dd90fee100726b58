// SPDX-License-Identifier: GPL-2.0
/*
 * Harness: the RUDE/CRUDE wire decoders of tools/rude (rude.h), the part of
 * nfips-crude that reads what anyone may send to its UDP port.
 *
 * Input: one UDP payload as nfips-crude receives it.
 *   - nfips_rude_decode() on an exact-size heap copy; a decoded header
 *     encoded again in its layout decodes to the same header (the layout
 *     heuristic of rude.h may only mistake a 0.70 header with tx_sec and
 *     flow_id both zero for 070-64, as documented there);
 *   - the payload cut into consecutive headers (every 20 bytes) is fed to one
 *     flow's statistics, as a stream of hostile packets would be, and
 *     summarised and printed;
 *   - its first 80 bytes as a -l log record: a record that unpacks packs
 *     back to the same bytes and formats into any buffer size;
 *     its first 16 bytes as the log file header.
 */
#include <arpa/inet.h>

#include "fuzz_common.h"
#include "../../tools/rude/rude.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	FUZZ_CHECK(devnull);
	return 0;
}

static void check_decode(const uint8_t *data, size_t size)
{
	struct nfips_rude_hdr h, h2;
	u8 *buf, *again;
	int w, w2;

	buf = fuzz_dup(data, size);
	w = nfips_rude_decode(buf, (u32)size, &h);
	free(buf);
	if (w < 0) {
		FUZZ_CHECK(w == -EBADMSG);
		return;
	}
	FUZZ_CHECK(w < NFIPS_RUDE_WIRE_COUNT && size >= nfips_rude_wire_min(w),
		   "(layout %d from %zu bytes)", w, size);
	FUZZ_CHECK(h.dst_family == 0 || h.dst_family == AF_INET ||
		   h.dst_family == AF_INET6);
	FUZZ_CHECK(nfips_rude_wire_name(w));

	again = malloc(size);
	FUZZ_CHECK(again);
	FUZZ_CHECK(!nfips_rude_encode(w, &h, again, (u32)size));
	w2 = nfips_rude_decode(again, (u32)size, &h2);
	free(again);
	if (w2 != w) {
		FUZZ_CHECK(w == NFIPS_RUDE_W070 && w2 == NFIPS_RUDE_W070_64 &&
			   !h.tx_sec && !h.flow_id,
			   "(re-encoded layout %d decodes as %d)", w, w2);
		return;
	}
	FUZZ_CHECK(!memcmp(&h, &h2, sizeof(h)),
		   "(layout %d: re-encoded header decodes differently)", w);
}

/*
 * nfips_crude_flow_add() once overflowed its s64 delay sum on a few packets
 * whose tx time lies far from the receive clock (found here; reproducer in
 * tests/fuzz/regress/fuzz_rude_wire/); it saturates now.
 */
static void check_stats(const uint8_t *data, size_t size)
{
	/* A realistic receive clock: 2026, a packet every 100 us. */
	const u64 rx0 = 1780000000ull * 1000000000ull;
	static s64 samples[8];
	struct nfips_crude_summary sum;
	struct nfips_crude_flow f;
	struct nfips_rude_hdr h;
	u64 tx, rx;
	size_t off;
	u32 n = 0;

	nfips_crude_flow_init(&f, 1, samples, ARRAY_SIZE(samples));
	for (off = 0; off + NFIPS_RUDE_HDR_070 <= size && n < 32; off += 20) {
		if (nfips_rude_decode(data + off, (u32)(size - off), &h) < 0)
			continue;
		tx = (u64)h.tx_sec * 1000000000ull + (u64)h.tx_usec * 1000ull;
		rx = rx0 + (u64)n * 100000ull;
		nfips_crude_flow_add(&f, h.seq, (u32)(size - off), tx, rx);
		n++;
	}
	nfips_crude_flow_summary(&f, &sum);
	FUZZ_CHECK(sum.received == n && sum.samples + sum.samples_dropped == n);
	nfips_crude_summary_print(&sum, devnull);
}

static void check_log(const uint8_t *data, size_t size)
{
	static const size_t caps[] = { 1, 2, 40, 96, 400 };
	struct nfips_crude_rec r;
	u8 hdr[NFIPS_CRUDE_LOG_HDR], rec[NFIPS_CRUDE_REC_SIZE];
	u8 packed[NFIPS_CRUDE_REC_SIZE];
	size_t i;
	char *out;
	int n;

	if (size >= NFIPS_CRUDE_LOG_HDR) {
		memcpy(hdr, data, sizeof(hdr));
		nfips_crude_log_check(hdr);
	}
	if (size < NFIPS_CRUDE_REC_SIZE)
		return;
	memcpy(rec, data, sizeof(rec));
	if (nfips_crude_rec_unpack(rec, &r))
		return;
	nfips_crude_rec_pack(&r, packed);
	FUZZ_CHECK(!memcmp(rec, packed, sizeof(rec)), "(record round trip)");
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		out = malloc(caps[i]);
		FUZZ_CHECK(out);
		n = nfips_crude_rec_format(&r, out, caps[i]);
		FUZZ_CHECK(n >= 0 && (size_t)n < caps[i] && out[n] == '\0' &&
			   strlen(out) == (size_t)n);
		free(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > NFIPS_RUDE_MAX_PAYLOAD)
		return -1;
	check_decode(data, size);
	check_stats(data, size);
	check_log(data, size);
	return 0;
}
