// SPDX-License-Identifier: GPL-2.0
/*
 * The NFQUEUE rules: only selected traffic crosses into user space.
 *
 * Where: a dedicated chain NFIPS-<n> in the mangle table, jumped to from
 * the END of mangle PREROUTING (iptables and ip6tables). The kernel twin
 * hooks PREROUTING last; the closest an iptables rule gets is mangle
 * PREROUTING (priority -150): after conntrack (-200) and defragmentation, so
 * a re-injected packet continues through DNAT (-100) and routing as before
 * - conntrack and NAT keep working. One difference stays: the user twin
 * sees addresses before DNAT, the kernel twin after (README).
 *
 * What: the config's select rules in order, first match wins as in the
 * policy: chain=X -> NFQUEUE over our queues (--queue-bypass with
 * overflow=accept), bypass -> RETURN. A match iptables cannot express
 * exactly is widened for NFQUEUE rules (nfipsd re-runs the selector on each
 * packet, so extra packets are only extra work) and narrowed for RETURN
 * rules (never letting selected traffic skip inspection): ports without a
 * protocol become tcp and udp rules with the ports, plus sctp and udplite
 * rules without them (NFQUEUE only). Before a rule that needs the protocol
 * or ports, guards queue the packets iptables could not judge on them (IPv6
 * with extension headers, a cut L4 header: put_guards()), so nfipsd's core
 * decides those as the kernel twin does.
 *
 * How: one iptables-restore --noflush transaction per table creates the new
 * chain, appends its jump, and deletes the old jump and chain. The kernel
 * applies the whole transaction at once, so there is never a moment with
 * no rules or half a rule set. At start, chains NFIPS-* left by an earlier
 * run (kill -9) are replaced in that same transaction, so fail-open rules
 * keep traffic flowing until the new ones are in place.
 */
#include <sys/wait.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include "nfipsd.h"

#define CHAIN_PREFIX	"NFIPS-"
#define MAX_STALE	16

static char stale[2][MAX_STALE][32];
static u32 n_stale[2];

/*
 * Which select rule each iptables rule of a chain came from, per table:
 * [0] the installed chain, [1] the one being built. Main thread only.
 */
static struct rule_map {
	u32 n, cap;
	u32 *idx;
} maps[2][2];

static void map_add(struct rule_map *m, u32 rule)
{
	u32 *n;

	if (m->n == m->cap) {
		n = realloc(m->idx, (m->cap ? m->cap * 2 : 64) * sizeof(*n));
		if (!n)
			return;	/* counters of later rules are lost, not wrong */
		m->idx = n;
		m->cap = m->cap ? m->cap * 2 : 64;
	}
	m->idx[m->n++] = rule;
}

/* Run @argv with @input on stdin; capture stdout into @out (may be NULL). */
static int run(char *const argv[], const char *input, char *out, size_t outlen,
	       char *errbuf, size_t errlen)
{
	int in[2], o[2], e[2], status;
	size_t on = 0, en = 0;
	pid_t pid;
	ssize_t r;

	if (pipe2(in, O_CLOEXEC) || pipe2(o, O_CLOEXEC) || pipe2(e, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	close(e[1]);
	if (input) {
		size_t len = strlen(input), off = 0;

		while (off < len) {
			r = write(in[1], input + off, len - off);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			off += (size_t)r;
		}
	}
	close(in[1]);
	/* Outputs are small (one table); read stdout, then stderr. */
	for (;;) {
		char tmp[4096];

		r = read(o[0], tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out && on + (size_t)r < outlen) {
			memcpy(out + on, tmp, (size_t)r);
			on += (size_t)r;
		}
	}
	for (;;) {
		char tmp[1024];

		r = read(e[0], tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (errbuf && en + (size_t)r < errlen) {
			memcpy(errbuf + en, tmp, (size_t)r);
			en += (size_t)r;
		}
	}
	if (out)
		out[on] = '\0';
	if (errbuf) {
		errbuf[en] = '\0';
		while (en && errbuf[en - 1] == '\n')
			errbuf[--en] = '\0';
	}
	close(o[0]);
	close(e[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -EIO;
	return 0;
}

static const char *save_cmd(int v6)
{
	return v6 ? "ip6tables-save" : "iptables-save";
}

static const char *restore_cmd(int v6)
{
	return v6 ? "ip6tables-restore" : "iptables-restore";
}

static u32 chain_num(const char *name)
{
	u32 v = 0;

	nfips_parse_u32(name + strlen(CHAIN_PREFIX),
			(u32)strlen(name + strlen(CHAIN_PREFIX)), &v);
	return v;
}

/* Find chains NFIPS-* of an earlier run, to replace at the first install. */
int nfipsd_rules_init(struct nfipsd *d)
{
	char *out, *line, *save = NULL;
	int v6;

	out = malloc(1u << 20);
	if (!out)
		return -ENOMEM;
	for (v6 = 0; v6 < 2; v6++) {
		char *argv[] = { (char *)save_cmd(v6), "-t", "mangle", NULL };

		n_stale[v6] = 0;
		if (run(argv, NULL, out, 1u << 20, NULL, 0))
			continue;
		for (line = strtok_r(out, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char name[24];

			if (sscanf(line, ":" CHAIN_PREFIX "%20[0-9] ", name) != 1)
				continue;
			if (n_stale[v6] == MAX_STALE)
				break;
			snprintf(stale[v6][n_stale[v6]], 32, CHAIN_PREFIX "%s", name);
			if (chain_num(stale[v6][n_stale[v6]]) >= d->rules_gen)
				d->rules_gen = chain_num(stale[v6][n_stale[v6]]) + 1;
			n_stale[v6]++;
		}
		if (n_stale[v6])
			NFIPSD_LOG("replacing %u %s chain(s) of an earlier run",
				   n_stale[v6], v6 ? "ip6tables" : "iptables");
	}
	free(out);
	return 0;
}

static void put_addr(FILE *f, const char *opt, const u8 *a, u8 plen, int v6)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(v6 ? AF_INET6 : AF_INET, a, s, sizeof(s));
	fprintf(f, " %s %s/%u", opt, s, plen);
}

static bool port_proto(u8 p)
{
	return p == NFIPS_PROTO_TCP || p == NFIPS_PROTO_UDP ||
	       p == NFIPS_PROTO_UDPLITE || p == NFIPS_PROTO_SCTP;
}

static struct rule_map *cur_map;
static u32 cur_rule;

/*
 * One iptables rule: the common matches, @proto (0: none), ports or not,
 * @extra matches (or NULL). A guard (below) maps to no select rule: what it
 * queues nfipsd counts itself, also for a bypass rule.
 */
static void put_rule_x(FILE *f, const char *chain, const struct nfips_match *m,
		       int v6, u8 proto, bool ports, const char *extra,
		       bool guard, const char *target)
{
	if (cur_map)
		map_add(cur_map, guard ? UINT32_MAX : cur_rule);
	fprintf(f, "-A %s", chain);
	if (m->fields & NFIPS_M_SRC)
		put_addr(f, "-s", m->src, m->src_plen, v6);
	if (m->fields & NFIPS_M_DST)
		put_addr(f, "-d", m->dst, m->dst_plen, v6);
	if (m->fields & NFIPS_M_IIF)
		fprintf(f, " -i %s", m->iif);
	if (proto)
		fprintf(f, " -p %u", proto);
	if (ports && (m->fields & NFIPS_M_SPORT))
		fprintf(f, " --sport %u:%u", m->sport_lo, m->sport_hi);
	if (ports && (m->fields & NFIPS_M_DPORT))
		fprintf(f, " --dport %u:%u", m->dport_lo, m->dport_hi);
	if (extra)
		fprintf(f, " %s", extra);
	fprintf(f, " %s\n", target);
}

static void put_rule(FILE *f, const char *chain, const struct nfips_match *m,
		     int v6, u8 proto, bool ports, const char *target)
{
	put_rule_x(f, chain, m, v6, proto, ports, NULL, false, target);
}

/* Bytes of the fixed header of a protocol with ports (its ports first). */
static u32 fixed_hlen(u8 p)
{
	return p == NFIPS_PROTO_TCP ? 20 : p == NFIPS_PROTO_SCTP ? 12 : 8;
}

/*
 * Guards, so the user twin never lets a packet whose L4 header is not within
 * it past a rule that needs its protocol or ports (README, "No way around
 * the selector"): such a packet makes the policy drop it at that rule
 * (nfips_policy_select_ex), but iptables' own matches would not see it -
 * nft's payload loads just do not match a cut header, and ip6tables finds
 * no protocol behind an extension header that runs past the end. So, right
 * before the rule's own iptables rules and with its addresses and iif, queue
 *  - IPv6 with any extension header (its next-header byte says hop-by-hop,
 *    routing, fragment, AH or destination options; nfipsd walks the chain,
 *    and such packets are rare), when the rule names a protocol (the
 *    ipv6header match would say it, but matched nothing under
 *    iptables-nft here);
 *  - packets of the rule's protocol whose fixed L4 header is cut (u32 reads
 *    its last 4 bytes: behind the IHL for IPv4, at 40 for IPv6 without
 *    extension headers), when the rule names ports.
 * nfipsd then decides with the same core as the kernel twin: drop if blind,
 * else whatever the policy says. Both for queue and for bypass rules.
 */
static void put_guards(FILE *f, const char *chain, const struct nfips_match *m,
		       int v6, const char *qtarget)
{
	char u32[96];

	if (!(m->fields & NFIPS_M_PROTO))
		return;
	if (v6)
		put_rule_x(f, chain, m, v6, 0, false,
			   "-m u32 --u32 \"4>>8&0xFF=0,43,44,51,60\"",
			   true, qtarget);
	if (!port_proto(m->proto) ||
	    !(m->fields & (NFIPS_M_SPORT | NFIPS_M_DPORT)))
		return;
	if (v6)
		snprintf(u32, sizeof(u32), "-m u32 ! --u32 \"%u&0=0\"",
			 40 + fixed_hlen(m->proto) - 4);
	else
		snprintf(u32, sizeof(u32), "-m u32 ! --u32 \"0>>22&0x3C@%u&0=0\"",
			 fixed_hlen(m->proto) - 4);
	put_rule_x(f, chain, m, v6, m->proto, false, u32, true, qtarget);
}

/*
 * An IPv4 queue rule naming one port range gets its guard folded in: one
 * u32 test queues the packet unless its fixed L4 header is whole AND its
 * port lies outside the range - so a cut header or a port in range. One
 * NFQUEUE rule per select rule, as before the guards. Returns whether it
 * did (else the guard and the rule are written apart).
 */
static bool put_folded(FILE *f, const char *chain, const struct nfips_match *m,
		       int v6, bool queue, const char *target)
{
	bool sp = m->fields & NFIPS_M_SPORT, dp = m->fields & NFIPS_M_DPORT;
	char u32[160], out[48] = "";
	u16 lo, hi;

	if (v6 || !queue || !(m->fields & NFIPS_M_PROTO) ||
	    !port_proto(m->proto) || sp == dp)
		return false;
	lo = sp ? m->sport_lo : m->dport_lo;
	hi = sp ? m->sport_hi : m->dport_hi;
	if (lo > 0)
		snprintf(out, sizeof(out), "0:%u", lo - 1);
	if (hi < 65535)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%u:65535",
			 lo > 0 ? "," : "", hi + 1);
	if (!out[0]) {		/* every port: the protocol is the match */
		put_rule(f, chain, m, v6, m->proto, false, target);
		return true;
	}
	snprintf(u32, sizeof(u32),
		 "-m u32 ! --u32 \"0>>22&0x3C@%u&0=0 && 0>>22&0x3C@0%s=%s\"",
		 fixed_hlen(m->proto) - 4, sp ? ">>16" : "&0xFFFF", out);
	put_rule_x(f, chain, m, v6, m->proto, false, u32, false, target);
	return true;
}

static void put_select(FILE *f, const char *chain, const struct nfips_conf_rule *r,
		       int v6, const char *target, const char *qtarget)
{
	const struct nfips_match *m = &r->match;
	bool queue = r->chain != NFIPS_BYPASS;
	bool ports = m->fields & (NFIPS_M_SPORT | NFIPS_M_DPORT);

	if ((m->fields & NFIPS_M_FAMILY) && m->family != (v6 ? 6 : 4))
		return;
	if (put_folded(f, chain, m, v6, queue, target))
		return;
	put_guards(f, chain, m, v6, qtarget);
	if (!ports) {
		put_rule(f, chain, m, v6, (m->fields & NFIPS_M_PROTO) ? m->proto : 0,
			 false, target);
		return;
	}
	if (m->fields & NFIPS_M_PROTO) {
		if (port_proto(m->proto))
			put_rule(f, chain, m, v6, m->proto, true, target);
		else if (queue)		/* ports iptables cannot match: widen */
			put_rule(f, chain, m, v6, m->proto, false, target);
		return;
	}
	put_rule(f, chain, m, v6, NFIPS_PROTO_TCP, true, target);
	put_rule(f, chain, m, v6, NFIPS_PROTO_UDP, true, target);
	if (queue) {
		put_rule(f, chain, m, v6, NFIPS_PROTO_SCTP, false, target);
		put_rule(f, chain, m, v6, NFIPS_PROTO_UDPLITE, false, target);
	}
}

/*
 * Transaction text for one table: @conf NULL only removes. @old is the
 * chain installed now ("" for none).
 */
static char *table_text(struct nfipsd *d, const struct nfips_conf *conf,
			int v6, const char *new, const char *old)
{
	char qtarget[96], *buf = NULL;
	size_t len = 0;
	FILE *f;
	u32 i;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "*mangle\n");
	if (conf) {
		if (d->queue_lo == d->queue_hi)
			snprintf(qtarget, sizeof(qtarget), "-j NFQUEUE --queue-num %u",
				 d->queue_lo);
		else
			snprintf(qtarget, sizeof(qtarget),
				 "-j NFQUEUE --queue-balance %u:%u", d->queue_lo,
				 d->queue_hi);
		if (conf->queue.overflow == NFIPS_OVERFLOW_ACCEPT)
			strcat(qtarget, " --queue-bypass");
		fprintf(f, ":%s - [0:0]\n", new);
		cur_map = &maps[v6][1];
		cur_map->n = 0;
		for (i = 0, cur_rule = 0; i < conf->n_rules; i++, cur_rule = i)
			put_select(f, new, &conf->rules[i], v6,
				   conf->rules[i].chain == NFIPS_BYPASS ?
				   "-j RETURN" : qtarget, qtarget);
		fprintf(f, "-A PREROUTING -j %s\n", new);
		cur_map = NULL;
	}
	if (old[0])
		fprintf(f, "-D PREROUTING -j %s\n-F %s\n-X %s\n", old, old, old);
	for (i = 0; i < n_stale[v6]; i++)
		fprintf(f, "-D PREROUTING -j %s\n-F %s\n-X %s\n", stale[v6][i],
			stale[v6][i], stale[v6][i]);
	fprintf(f, "COMMIT\n");
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static bool conf_has_v6(const struct nfips_conf *conf)
{
	u32 i;

	for (i = 0; i < conf->n_rules; i++)
		if (!(conf->rules[i].match.fields & NFIPS_M_FAMILY) ||
		    conf->rules[i].match.family == 6)
			return true;
	return false;
}

static int restore(int v6, const char *text, char *err, size_t errlen)
{
	char *argv[] = { (char *)restore_cmd(v6), "-w", "--noflush", NULL };

	return run(argv, text, NULL, 0, err, errlen);
}

int nfipsd_rules_install(struct nfipsd *d, const struct nfips_conf *conf,
			 char *msg, size_t msglen)
{
	char new[32], err[512], *t4, *t6;
	int ret, v6;

	if (d->no_rules)
		return 0;
	snprintf(new, sizeof(new), CHAIN_PREFIX "%u", d->rules_gen);
	t4 = table_text(d, conf, 0, new, d->rules_chain);
	t6 = table_text(d, conf, 1, new, d->rules_v6 ? d->rules_chain : "");
	if (!t4 || !t6) {
		ret = -ENOMEM;
		snprintf(msg, msglen, "rules: out of memory");
		goto out;
	}
	NFIPSD_DBG(d, "iptables-restore:\n%s", t4);
	ret = restore(0, t4, err, sizeof(err));
	if (ret) {
		snprintf(msg, msglen, "iptables-restore failed: %s", err);
		goto out;
	}
	/*
	 * IPv6: the two tables cannot change in one transaction; IPv6 follows
	 * right after. Without ip6tables support a config with no rule that
	 * could match IPv6 still loads.
	 */
	ret = restore(1, t6, err, sizeof(err));
	if (ret) {
		/*
		 * IPv4 is committed already and cannot be rolled back (its old
		 * chain is gone): go on, and retry removing the old IPv6 chain
		 * at the next install.
		 */
		NFIPSD_LOG("ip6tables-restore failed%s: %s",
			   conf && conf_has_v6(conf) ? " (IPv6 traffic is not queued)" : "",
			   err);
		if (d->rules_v6 && d->rules_chain[0] && n_stale[1] < MAX_STALE)
			strscpy(stale[1][n_stale[1]++], d->rules_chain, 32);
	}
	/* The chain built is the chain installed: its rule map too. */
	for (v6 = 0; v6 < 2; v6++) {
		struct rule_map tmp;

		if (v6 && ret)
			continue;
		tmp = maps[v6][0];
		maps[v6][0] = maps[v6][1];
		maps[v6][1] = tmp;
	}
	d->rules_v6 = !ret;
	n_stale[0] = 0;
	if (!ret)
		n_stale[1] = 0;
	ret = 0;
	strscpy(d->rules_chain, new, sizeof(d->rules_chain));
	d->rules_gen++;
out:
	free(t4);
	free(t6);
	return ret;
}

void nfipsd_rules_remove(struct nfipsd *d)
{
	char err[512], *t;
	int v6;

	if (d->no_rules || !d->rules_chain[0])
		return;
	for (v6 = 0; v6 < 2; v6++) {
		if (v6 && !d->rules_v6)
			continue;
		t = table_text(d, NULL, v6, "", d->rules_chain);
		if (t && restore(v6, t, err, sizeof(err)))
			NFIPSD_LOG("removing %s rules: %s", v6 ? "ip6tables" : "iptables",
				   err);
		free(t);
	}
	d->rules_chain[0] = '\0';
}

/*
 * Packet counts of the installed chain, from iptables-save -c: per select
 * rule (@per_rule[@n_rules], added to) and the packets that no rule matched
 * (fell through the chain). This is how the user twin counts traffic that
 * never reaches it - bypass rules and unselected packets - so that its
 * "bypassed" and rule counters mean what the kernel twin's do. Main thread.
 */
int nfipsd_rules_counters(struct nfipsd *d, u64 *per_rule, u32 n_rules,
			  u64 *unmatched)
{
	unsigned long long pk, by;
	char *out, *line, *save, chain[32], jump[48];
	u64 jumped, inchain;
	u32 k;
	int v6;

	*unmatched = 0;
	if (d->no_rules || !d->rules_chain[0])
		return 0;
	out = malloc(1u << 20);
	if (!out)
		return -ENOMEM;
	snprintf(jump, sizeof(jump), " -j %s", d->rules_chain);
	for (v6 = 0; v6 < 2; v6++) {
		char *argv[] = { (char *)save_cmd(v6), "-c", "-t", "mangle", NULL };

		if ((v6 && !d->rules_v6) || run(argv, NULL, out, 1u << 20, NULL, 0))
			continue;
		jumped = inchain = 0;
		k = 0;
		save = NULL;
		for (line = strtok_r(out, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (sscanf(line, "[%llu:%llu] -A %31s", &pk, &by, chain) != 3)
				continue;
			if (!strcmp(chain, "PREROUTING")) {
				size_t l = strlen(line), jl = strlen(jump);

				if (l >= jl && !strcmp(line + l - jl, jump))
					jumped += pk;
				continue;
			}
			if (strcmp(chain, d->rules_chain))
				continue;
			inchain += pk;
			if (k < maps[v6][0].n && maps[v6][0].idx[k] < n_rules)
				per_rule[maps[v6][0].idx[k]] += pk;
			k++;
		}
		if (jumped > inchain)
			*unmatched += jumped - inchain;
	}
	free(out);
	return 0;
}

/* Packets the installed chain let pass uninspected under @conf. */
u64 nfipsd_rules_bypassed(struct nfipsd *d, const struct nfips_conf *conf)
{
	u64 *per, unmatched = 0, sum = 0;
	u32 i;

	per = calloc(conf->n_rules + 1, sizeof(*per));
	if (!per)
		return 0;
	if (!nfipsd_rules_counters(d, per, conf->n_rules, &unmatched)) {
		sum = unmatched;
		for (i = 0; i < conf->n_rules; i++)
			if (conf->rules[i].chain == NFIPS_BYPASS)
				sum += per[i];
	}
	free(per);
	return sum;
}
