/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nfipsd's control protocol, spoken by nfipsctl's daemon backend
 * (tools/nfipsctl/daemon.c) over a UNIX stream socket (default
 * /run/nfipsd.sock, mode 0600; nfipsd also checks SO_PEERCRED uid 0).
 *
 * Every message, both ways, is one header followed by hdr.len payload bytes:
 *
 *   request  type = NFIPSD_CMD_*, status 0
 *   reply    type = NFIPSD_MSG_REPLY, status 0 or a negative errno;
 *            on error the payload is one line for the user
 *
 * A stream socket (not SEQPACKET) because a config may be megabytes and a
 * SEQPACKET message is bounded by the socket buffer. One request, one reply,
 * in order; a client may send several requests on one connection.
 *
 *   VERSION  -> reply payload: version text
 *   LOAD     payload "FILENAME\0CONFIG TEXT" -> reply; errors "FILENAME:LINE: reason"
 *   SHOW     -> reply payload: the running config as config text
 *   STATS    -> reply payload: records, one a line:
 *               KIND '\t' NAME '\t' KEY '=' VALUE (' ' KEY '=' VALUE)* '\n'
 *               (kinds and keys as in tools/nfipsctl/nfipsctl.h)
 *   MONITOR  -> reply, then until the client closes: NFIPSD_MSG_ALERT
 *               (payload struct nfipsd_alert_wire) and NFIPSD_MSG_LOST
 *               (payload u64: alerts this client missed since the last one)
 *   FLUSH    -> reply; the config is replaced by an empty one (all bypass)
 *
 * Everything is in host byte order: both ends run on the same machine.
 */
#ifndef NFIPSD_PROTO_H
#define NFIPSD_PROTO_H

#include <stdint.h>

#define NFIPSD_PROTO_MAGIC	0x4e465053u	/* "NFPS" */
#define NFIPSD_PROTO_VERSION	1
#define NFIPSD_MSG_MAX		(32u << 20)	/* largest payload accepted */

enum nfipsd_msg_type {
	NFIPSD_CMD_VERSION	= 1,
	NFIPSD_CMD_LOAD		= 2,
	NFIPSD_CMD_SHOW		= 3,
	NFIPSD_CMD_STATS	= 4,
	NFIPSD_CMD_MONITOR	= 5,
	NFIPSD_CMD_FLUSH	= 6,
	NFIPSD_MSG_REPLY	= 16,
	NFIPSD_MSG_ALERT	= 17,
	NFIPSD_MSG_LOST		= 18,
};

struct nfipsd_msg_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;		/* enum nfipsd_msg_type */
	int32_t status;		/* replies: 0 or -errno */
	uint32_t len;		/* payload bytes that follow */
};

struct nfipsd_alert_wire {
	uint64_t time_ns;	/* CLOCK_REALTIME */
	char chain[32];
	char op[32];
	uint32_t result;	/* enum nfips_result bits */
	uint32_t len;		/* L3 length */
	uint8_t family;
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t pad[2];
	uint8_t saddr[16], daddr[16];
};

#endif /* NFIPSD_PROTO_H */
