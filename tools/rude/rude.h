/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nfips-rude / nfips-crude: RUDE/CRUDE compatible traffic emitter and
 * collector. This header is the library both programs and the unit tests
 * share: the script parser, the wire formats and the per-flow statistics.
 * Nothing here does I/O on sockets; the programs do.
 *
 * The formats follow the RUDE/CRUDE notes (notes/rude-crude.md). Where the
 * notes leave room, the choice is written down next to the code that makes
 * it, and repeated in tools/rude/README.md.
 */
#ifndef NFIPS_RUDE_H
#define NFIPS_RUDE_H

#include <netinet/in.h>
#include <sys/socket.h>
#include "nfips_compat.h"

#define NFIPS_RUDE_MAX_PAYLOAD	32768	/* RUDE's limit on the UDP payload */
#define NFIPS_RUDE_MAX_PPS	10000000u	/* far above what one core can send */
#define NFIPS_RUDE_ERR_MAX	512
#define NFIPS_CRUDE_PORT	10001

/* ---- wire formats --------------------------------------------------- */

/*
 * The RUDE header at offset 0 of the UDP payload; all values big-endian.
 *   W070     RUDE 0.70 on 32-bit: seq, tx_sec, tx_usec, flow_id, dst_ipv4 as
 *            5 x u32 = 20 bytes.
 *   W070_64  RUDE 0.70 built on x86_64: each field an 8-byte unsigned long,
 *            value in the first 4 bytes, zeros in the next 4 = 40 bytes.
 *   W08      RUDE 0.8.x: seq@0 tx_sec@4 tx_usec@8 flow_id@12, then the
 *            destination's struct sockaddr_storage copied raw at @16
 *            (family in host order, port and address big-endian) = 144 bytes.
 * The rest of the payload is zero. A 0.8.x packet may be shorter than its
 * header (minimum payload 24): the sockaddr is then cut, as RUDE sends it.
 */
enum nfips_rude_wire {
	NFIPS_RUDE_W070,
	NFIPS_RUDE_W070_64,
	NFIPS_RUDE_W08,
	NFIPS_RUDE_WIRE_COUNT
};

#define NFIPS_RUDE_HDR_070	20
#define NFIPS_RUDE_HDR_070_64	40
#define NFIPS_RUDE_HDR_08	144
#define NFIPS_RUDE_MIN_08	24	/* 0.8.x's minimum payload */

struct nfips_rude_hdr {
	u32 seq;
	u32 tx_sec;
	u32 tx_usec;
	u32 flow_id;
	/* Destination as carried by the packet: AF_INET, AF_INET6 or 0 when the
	 * layout has none (0.70 with an IPv6 flow) or the 0.8.x sockaddr is cut. */
	u16 dst_family;
	u16 dst_port;		/* 0.8.x only; 0 in 0.70 */
	u8 dst_addr[16];	/* 4 bytes used for AF_INET */
};

/* "070", "070-64", "08"; NULL for an invalid value. */
const char *nfips_rude_wire_name(enum nfips_rude_wire w);
/* Inverse of nfips_rude_wire_name(); -EINVAL for an unknown name. */
/* A command-line number of the tools: @s must be a whole u32 in [lo, hi];
 * otherwise "PROG: OPT: 'S' is not a number in LO..HI" on stderr and -1. */
int nfips_rude_opt_u32(const char *prog, const char *opt, const char *s,
		       u32 lo, u32 hi, u32 *v);

int nfips_rude_wire_parse(const char *s, enum nfips_rude_wire *w);
/* --cpu and -P of the tools: pin the calling thread to @cpu (when >= 0) and
 * give it SCHED_FIFO priority @prio (when > 0). A CPU that cannot be had is
 * an error ("PROG: --cpu N: reason", -1); a priority that cannot be had is
 * reported unless @quiet and ignored, as RUDE does. */
int nfips_rude_sched(const char *prog, int cpu, int prio, bool quiet);
/* Smallest payload RUDE accepts in layout @w (20, 40, 24). */
u32 nfips_rude_wire_min(enum nfips_rude_wire w);

/*
 * Write the header of @h in layout @w at the start of @buf (@len bytes, the
 * whole payload) and zero the rest. 0 or -EINVAL when @len is below the
 * layout's minimum payload.
 */
int nfips_rude_encode(enum nfips_rude_wire w, const struct nfips_rude_hdr *h,
		      u8 *buf, u32 len);

/*
 * Recognise the layout of the payload @buf (@len bytes, hostile) and decode
 * it. Returns the layout, or -EBADMSG for a packet that is no RUDE packet
 * (too short for any layout, or impossible field values). The heuristic:
 *   1. len < 20: rejected.
 *   2. len >= 40, the padding halves @4 @12 @20 @28 @36 all zero and
 *      tx_usec < 10^6: 070-64. (Other layouts hold tx_sec at @4, which is
 *      never zero on a machine with a set clock.)
 *   3. len >= 24 and a plausible sockaddr at @16: family bytes "02 00" with
 *      a non-zero IPv4 address at @20 (and zero sin_zero @24..31 when
 *      present), or "0a 00" with len >= 40 and a non-zero IPv6 address at
 *      @24: 0.8.x. A 0.70 packet to 2.0.0.0/16 or 10.0.0.0/16 has the same
 *      first two bytes at @16 but zeros from @20, so it does not match.
 *   4. otherwise 070 (20-byte), if tx_usec < 10^6.
 */
int nfips_rude_decode(const u8 *buf, u32 len, struct nfips_rude_hdr *h);

/* ---- scripts -------------------------------------------------------- */

enum nfips_rude_cmd {
	NFIPS_RUDE_ON,
	NFIPS_RUDE_MODIFY,
	NFIPS_RUDE_OFF,
};

enum nfips_rude_mode {
	NFIPS_RUDE_CONSTANT,
	NFIPS_RUDE_TRACE,
};

/* One line of a trace file: send @bytes, then wait @gap_ns. */
struct nfips_rude_trace_ent {
	u32 bytes;
	u64 gap_ns;
};

struct nfips_rude_trace {
	char *path;
	struct nfips_rude_trace_ent *ent;
	u32 n;
	u64 total_ns;	/* > 0: a trace loops, so a zero-length one would spin */
};

/* A timed command, in file order (each flow's own commands are in time order). */
struct nfips_rude_event {
	u32 t_ms;		/* relative to START */
	u32 flow;		/* index into script.flows */
	enum nfips_rude_cmd cmd;
	enum nfips_rude_mode mode;	/* ON and MODIFY */
	u32 pps;		/* CONSTANT */
	u32 bytes;		/* CONSTANT */
	u32 trace;		/* TRACE: index into script.traces */
	u32 line;
};

struct nfips_rude_flow {
	u32 id;
	u16 sport;
	struct sockaddr_storage dst;	/* AF_INET or AF_INET6, port set */
	socklen_t dst_len;
	int tos;		/* -1: not set */
	u32 on_line;
	/* parser state */
	bool on, off;
	u32 last_ms;
};

struct nfips_rude_script {
	bool start_now;
	u32 start_hms;		/* seconds after local midnight, when !start_now */
	struct nfips_rude_flow *flows;
	u32 n_flows;
	struct nfips_rude_event *events;
	u32 n_events;
	struct nfips_rude_trace *traces;
	u32 n_traces;
};

/*
 * Parse the script @text (@len bytes) named @name (used in messages and to
 * find relative trace files: first as given, as RUDE does, then beside the
 * script). Payload sizes must lie in @min_payload..32768.
 * 0, or -EINVAL / -ENOMEM with @err = "name:line: reason" (for a bad trace
 * file, "tracefile:line: reason"). On error @s holds nothing to free.
 */
int nfips_rude_script_parse(const char *text, size_t len, const char *name,
			    u32 min_payload, struct nfips_rude_script *s,
			    char *err, size_t errlen);
/* Read and parse the file @path; errors as above. */
int nfips_rude_script_load(const char *path, u32 min_payload,
			   struct nfips_rude_script *s, char *err, size_t errlen);
void nfips_rude_script_free(struct nfips_rude_script *s);

/* "a.b.c.d:port" or "[v6]:port" (the IPv6 form is an nfips extension). */
int nfips_rude_parse_dst(const char *s, size_t len, struct sockaddr_storage *ss,
			 socklen_t *sl);

/* ---- pacing ---------------------------------------------------------- */

/*
 * CONSTANT pacing, on absolute deadlines from the start of a segment (ns).
 * Packet @k of a flow at @pps packets/s is due at
 *   seg_start + floor((k - k mod burst) * 1 s / pps)
 * so with @burst = 1 every packet has its own deadline (k s/pps) and with
 * @burst = N the packets go out N at a time, one burst every N/pps seconds:
 * the same average rate, in micro-bursts (nfips-rude --burst). 128-bit
 * arithmetic: exact for any rate and duration. @pps and @burst > 0.
 */
u64 nfips_rude_const_deadline(u64 seg_start, u64 k, u32 pps, u32 burst);
/*
 * The first packet index whose deadline is at or after @t (>= @seg_start):
 * the packets before it are the ones due before @t. Always a multiple of
 * @burst, so an ON period sends whole bursts.
 */
u64 nfips_rude_const_first_at(u64 seg_start, u64 t, u32 pps, u32 burst);

/* ---- collector statistics ------------------------------------------ */

/*
 * Per-flow statistics as CRUDE computes them, plus the delay distribution.
 * Delays are kept as exact samples (nanoseconds) in a buffer the caller
 * provides, preallocated once per flow; past its capacity further samples
 * still count in every CRUDE statistic and in min/max, but not in the
 * median and p99, which then describe the first @cap packets
 * (samples_dropped says how many were left out).
 */
struct nfips_crude_flow {
	u32 id;
	u64 received;
	u64 out_of_seq;		/* seq not above the highest seen so far */
	u64 bytes;
	u32 first_seq;		/* lowest seq seen (CRUDE's seqmin) */
	u32 max_seq;		/* highest seq seen: the "last" of the loss estimate */
	u32 last_seq;		/* seq of the latest packet received */
	s64 delay_sum_ns;
	s64 delay_min_ns, delay_max_ns;
	s64 prev_delay_ns;
	u64 jitter_sum_ns;	/* sum of |delay(i) - delay(i-1)| */
	u64 jitter_max_ns;
	u64 rx_first_ns, rx_last_ns;
	s64 *samples;
	u64 n_samples, cap_samples;
	u64 samples_dropped;
	int wire;		/* layout of the latest packet */
};

struct nfips_crude_summary {
	u32 id;
	u64 received, out_of_seq, bytes;
	s64 lost;		/* last - first + 1 - received (negative with duplicates) */
	u32 first_seq, last_seq;
	double delay_avg_s;
	double jitter_s;	/* mean |delay(i) - delay(i-1)| over received - 1 pairs */
	double jitter_max_s;
	double throughput_Bps;	/* all bytes / (rx_last - rx_first), as CRUDE */
	double delay_min_s, delay_max_s, delay_median_s, delay_p99_s;
	u64 samples, samples_dropped;
};

void nfips_crude_flow_init(struct nfips_crude_flow *f, u32 id, s64 *samples,
			   u64 cap);
/* Account one packet; the hot path: no allocation, constant time. */
void nfips_crude_flow_add(struct nfips_crude_flow *f, u32 seq, u32 bytes,
			  u64 tx_ns, u64 rx_ns);
/* Fill @sum; sorts the samples in place (nearest-rank median and p99). */
void nfips_crude_flow_summary(struct nfips_crude_flow *f,
			      struct nfips_crude_summary *sum);
/* Print @sum in the -s format. */
void nfips_crude_summary_print(const struct nfips_crude_summary *sum, FILE *out);

/* ---- collector per-packet record (the -l binary log) --------------- */

struct nfips_crude_rec {
	struct nfips_rude_hdr h;
	u8 wire;
	u16 src_family, src_port, local_port;
	u8 src_addr[16];
	u64 rx_ns;		/* CLOCK_REALTIME */
	u32 size;		/* UDP payload bytes */
};

/*
 * The -l file: the 16-byte file header "NFCRUDE1", u32 version 1, u32
 * record size, then fixed little-endian records of NFIPS_CRUDE_REC_SIZE
 * bytes. It is nfips's own format: CRUDE's binary log is a raw dump of its
 * in-memory structs and differs between builds, so no tool reads both.
 */
#define NFIPS_CRUDE_LOG_MAGIC	"NFCRUDE1"
#define NFIPS_CRUDE_LOG_HDR	16
#define NFIPS_CRUDE_REC_SIZE	80
void nfips_crude_log_header(u8 out[NFIPS_CRUDE_LOG_HDR]);
int nfips_crude_log_check(const u8 hdr[NFIPS_CRUDE_LOG_HDR]);
void nfips_crude_rec_pack(const struct nfips_crude_rec *r,
			  u8 out[NFIPS_CRUDE_REC_SIZE]);
int nfips_crude_rec_unpack(const u8 in[NFIPS_CRUDE_REC_SIZE],
			   struct nfips_crude_rec *r);

/*
 * Format the CRUDE per-packet line (with '\n') into @buf; returns its length.
 * DST is the destination the packet carries; its port is the one in a 0.8.x
 * header, else the collector's own (CRUDE 0.70 prints its listening port).
 */
int nfips_crude_rec_format(const struct nfips_crude_rec *r, char *buf,
			   size_t len);

#endif /* NFIPS_RUDE_H */
