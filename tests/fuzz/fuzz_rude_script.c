// SPDX-License-Identifier: GPL-2.0
/*
 * Harness: the RUDE script parser of tools/rude (nfips_rude_script_parse)
 * and nfips_rude_parse_dst().
 *
 * Input: script text, parsed from an exact-size heap copy with no NUL after
 * it, for both minimum payloads (0.70: 20, 0.8.x: 24). Trace files named by
 * the script are served from a jail of a few fixed files (fuzz_common.c), so
 * a fuzzed name reads nothing else. A script that parses is consistent:
 * every event names an existing flow and trace, each flow's events are in
 * time order and start with its ON, every flow is turned OFF, payload sizes
 * lie in the allowed range and every trace loops in a positive time.
 */
#include <arpa/inet.h>

#include "fuzz_common.h"
#include "../../tools/rude/rude.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_CHECK(!fuzz_jail_init(), "(jail in $TMPDIR or NFIPS_FUZZ_JAIL)");
	return 0;
}

static void check_script(const struct nfips_rude_script *s, u32 min_payload)
{
	u32 i, j, last_ms, off_seen, n;

	FUZZ_CHECK(s->n_flows >= 1 && s->n_events >= 2);
	if (!s->start_now)
		FUZZ_CHECK(s->start_hms < 24 * 3600);
	for (i = 0; i < s->n_traces; i++) {
		const struct nfips_rude_trace *t = &s->traces[i];

		FUZZ_CHECK(t->n >= 1 && t->total_ns > 0 && t->ent);
		for (j = 0; j < t->n; j++)
			FUZZ_CHECK(t->ent[j].bytes >= min_payload &&
				   t->ent[j].bytes <= NFIPS_RUDE_MAX_PAYLOAD);
	}
	for (i = 0; i < s->n_flows; i++) {
		const struct nfips_rude_flow *f = &s->flows[i];
		const struct sockaddr_storage *d = &f->dst;

		FUZZ_CHECK((d->ss_family == AF_INET &&
			    f->dst_len == sizeof(struct sockaddr_in)) ||
			   (d->ss_family == AF_INET6 &&
			    f->dst_len == sizeof(struct sockaddr_in6)));
		FUZZ_CHECK(f->sport && f->tos >= -1 && f->tos <= 255);
		last_ms = 0;
		off_seen = 0;
		n = 0;
		for (j = 0; j < s->n_events; j++) {
			const struct nfips_rude_event *e = &s->events[j];

			if (e->flow != i)
				continue;
			FUZZ_CHECK(!off_seen, "(flow %u: event after OFF)", f->id);
			/* ON first, and only first. */
			FUZZ_CHECK((e->cmd == NFIPS_RUDE_ON) == (n++ == 0),
				   "(flow %u: ON is not its first event)", f->id);
			FUZZ_CHECK(e->t_ms >= last_ms, "(flow %u: time goes back)",
				   f->id);
			last_ms = e->t_ms;
			off_seen = e->cmd == NFIPS_RUDE_OFF;
		}
		FUZZ_CHECK(off_seen, "(flow %u never OFF)", f->id);
	}
	for (i = 0; i < s->n_events; i++) {
		const struct nfips_rude_event *e = &s->events[i];

		FUZZ_CHECK(e->flow < s->n_flows && e->line >= 1);
		if (e->cmd == NFIPS_RUDE_OFF)
			continue;
		if (e->mode == NFIPS_RUDE_TRACE) {
			FUZZ_CHECK(e->trace < s->n_traces);
		} else {
			FUZZ_CHECK(e->mode == NFIPS_RUDE_CONSTANT &&
				   e->pps <= NFIPS_RUDE_MAX_PPS &&
				   e->bytes >= min_payload &&
				   e->bytes <= NFIPS_RUDE_MAX_PAYLOAD);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u32 mins[] = { 20, 24 };
	struct nfips_rude_script s;
	struct sockaddr_storage ss;
	char err[NFIPS_RUDE_ERR_MAX];
	socklen_t sl;
	char *text;
	u32 i;
	int ret;

	if (size > 1 << 16)
		return -1;
	text = (char *)fuzz_dup(data, size);
	for (i = 0; i < ARRAY_SIZE(mins); i++) {
		memset(err, 0x5a, sizeof(err));
		ret = nfips_rude_script_parse(text, size, "fuzz.rude", mins[i],
					      &s, err, sizeof(err));
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)));
		if (ret) {
			FUZZ_CHECK(ret == -EINVAL || ret == -ENOMEM);
			FUZZ_CHECK(err[0], "(refused without a reason)");
			FUZZ_CHECK(!s.flows && !s.events && !s.traces);
			continue;
		}
		check_script(&s, mins[i]);
		nfips_rude_script_free(&s);
	}

	/* The destination parser on the same bytes (short ones only). */
	if (size <= 80) {
		sl = 0;
		if (!nfips_rude_parse_dst(text, size, &ss, &sl))
			FUZZ_CHECK((ss.ss_family == AF_INET &&
				    sl == sizeof(struct sockaddr_in)) ||
				   (ss.ss_family == AF_INET6 &&
				    sl == sizeof(struct sockaddr_in6)));
	}
	free(text);
	return 0;
}
