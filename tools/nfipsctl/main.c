// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsctl - control either nfips twin.
 *
 *   nfipsctl [-k | -u [SOCKET] | -b] COMMAND [ARGS]
 *
 * -b is the BPF twin of this network namespace (bpf.c). Without -k/-u/-b it
 * talks to the kernel twin when nfips.ko is loaded, else to
 * nfipsd's socket. Errors are printed once, here.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include "nfipsctl.h"

struct cmd {
	const char *name;
	int (*fn)(struct nfipsctl *ctl, int argc, char **argv);
	const char *args;
	const char *help;
	bool offline;		/* needs no twin: no backend is opened */
};

void nfipsctl_stat_add(struct nfipsctl_stat *st, const char *key, u64 val)
{
	if (st->n >= NFIPSCTL_MAX_VALS)
		return;
	strscpy(st->vals[st->n].key, key, sizeof(st->vals[0].key));
	st->vals[st->n].val = val;
	st->n++;
}

static int cmd_load(struct nfipsctl *ctl, int argc, char **argv)
{
	struct nfips_conf conf;
	struct nfips_err err;
	size_t len;
	char *text;
	u32 line;
	int ret;

	if (argc != 1) {
		snprintf(ctl->err, sizeof(ctl->err), "load: expected one FILE");
		return -EINVAL;
	}
	text = nfips_read_file(argv[0], 16u << 20, &len);
	if (!text) {
		ret = -errno;
		snprintf(ctl->err, sizeof(ctl->err), "%s: %s", argv[0],
			 strerror(errno));
		return ret;
	}
	/* Checked here first, so that a bad file never reaches the twin. */
	ret = nfips_config_parse(text, len, &conf, &err, &line);
	if (ret) {
		if (line)
			snprintf(ctl->err, sizeof(ctl->err), "%s:%u: %s",
				 argv[0], line, err.msg);
		else
			snprintf(ctl->err, sizeof(ctl->err), "%s: %s", argv[0],
				 err.msg);
		free(text);
		return ret;
	}
	ret = ctl->be->load(ctl, argv[0], text, &conf);
	nfips_conf_free(&conf);
	free(text);
	return ret;
}

static int cmd_show(struct nfipsctl *ctl, int argc, char **argv)
{
	struct nfips_conf conf;
	int ret;

	(void)argv;
	if (argc) {
		snprintf(ctl->err, sizeof(ctl->err), "show: takes no arguments");
		return -EINVAL;
	}
	nfips_conf_init(&conf);
	ret = ctl->be->show(ctl, &conf);
	if (!ret) {
		printf("# running config of the %s twin\n", ctl->be->name);
		ret = nfips_config_write(&conf, stdout);
	}
	nfips_conf_free(&conf);
	return ret;
}

struct stats_out {
	bool json;
	char last_kind[16];
	unsigned int count;
};

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int print_stat(void *arg, const struct nfipsctl_stat *st)
{
	struct stats_out *o = arg;
	unsigned int i;

	if (!o->json) {
		printf("%-6s %s:", st->kind, st->name);
		for (i = 0; i < st->n; i++)
			printf(" %s %llu", st->vals[i].key,
			       (unsigned long long)st->vals[i].val);
		putchar('\n');
		return 0;
	}
	/* JSON: {"twin":..,"global":{..},"rule":[..],"chain":[..],...} */
	if (!strcmp(st->kind, "global")) {
		printf(",\n  \"global\": {");
	} else {
		if (strcmp(st->kind, o->last_kind)) {
			if (o->last_kind[0] && strcmp(o->last_kind, "global"))
				printf("\n  ]");
			printf(",\n  \"%s\": [", st->kind);
			o->count = 0;
		}
		printf("%s\n    {\"name\": ", o->count++ ? "," : "");
		json_string(st->name);
		if (st->n)
			printf(", ");
	}
	for (i = 0; i < st->n; i++)
		printf("%s\"%s\": %llu", i ? ", " : "", st->vals[i].key,
		       (unsigned long long)st->vals[i].val);
	printf("}");
	strscpy(o->last_kind, st->kind, sizeof(o->last_kind));
	return 0;
}

static int cmd_stats(struct nfipsctl *ctl, int argc, char **argv)
{
	struct stats_out o = { 0 };
	int ret;

	if (argc == 1 && !strcmp(argv[0], "--json")) {
		o.json = true;
	} else if (argc) {
		snprintf(ctl->err, sizeof(ctl->err), "stats: usage: stats [--json]");
		return -EINVAL;
	}
	if (o.json)
		printf("{\"twin\": \"%s\"", ctl->be->name);
	ret = ctl->be->stats(ctl, print_stat, &o);
	if (o.json) {
		if (o.last_kind[0] && strcmp(o.last_kind, "global"))
			printf("\n  ]");
		printf("\n}\n");
	}
	return ret;
}

static int print_alert(void *arg, const struct nfipsctl_alert *a)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = a->family == 6 ? AF_INET6 : AF_INET;
	const char *v;

	(void)arg;
	inet_ntop(af, a->saddr, s, sizeof(s));
	inet_ntop(af, a->daddr, d, sizeof(d));
	switch (a->result & NFIPS_VERDICT_MASK) {
	case NFIPS_DROP: v = "drop"; break;
	case NFIPS_ACCEPT: v = "accept"; break;
	default: v = "alert"; break;
	}
	printf("%llu.%06llu alert chain=%s op=%s verdict=%s proto=%u %s%s%s:%u -> %s%s%s:%u len=%u\n",
	       (unsigned long long)(a->time_ns / 1000000000ull),
	       (unsigned long long)(a->time_ns % 1000000000ull / 1000),
	       a->chain, a->op, v, a->proto,
	       af == AF_INET6 ? "[" : "", s, af == AF_INET6 ? "]" : "", a->sport,
	       af == AF_INET6 ? "[" : "", d, af == AF_INET6 ? "]" : "", a->dport,
	       a->len);
	fflush(stdout);
	return 0;
}

static int cmd_monitor(struct nfipsctl *ctl, int argc, char **argv)
{
	(void)argv;
	if (argc) {
		snprintf(ctl->err, sizeof(ctl->err), "monitor: takes no arguments");
		return -EINVAL;
	}
	return ctl->be->monitor(ctl, print_alert, NULL);
}

static int cmd_flush(struct nfipsctl *ctl, int argc, char **argv)
{
	(void)argv;
	if (argc) {
		snprintf(ctl->err, sizeof(ctl->err), "flush: takes no arguments");
		return -EINVAL;
	}
	return ctl->be->flush(ctl);
}

static int cmd_unload(struct nfipsctl *ctl, int argc, char **argv)
{
	(void)argv;
	if (argc) {
		snprintf(ctl->err, sizeof(ctl->err), "unload: takes no arguments");
		return -EINVAL;
	}
	if (!ctl->be->unload) {
		snprintf(ctl->err, sizeof(ctl->err),
			 "unload: only the BPF twin (-b) is unloaded by nfipsctl (kernel twin: rmmod nfips; user twin: stop nfipsd)");
		return -EOPNOTSUPP;
	}
	return ctl->be->unload(ctl);
}

static int cmd_version(struct nfipsctl *ctl, int argc, char **argv)
{
	char v[128];
	int ret;

	(void)argc;
	(void)argv;
	printf("nfipsctl %s\n", NFIPS_VERSION);
	ret = ctl->be->version(ctl, v, sizeof(v));
	if (!ret)
		printf("%s twin: %s\n", ctl->be->name, v);
	return ret;
}

/* check [-p PLUGIN_DIR] FILE */
static int cmd_check(struct nfipsctl *ctl, int argc, char **argv)
{
	const char *plugin_dir = NULL;

	if (argc == 3 && !strcmp(argv[0], "-p")) {
		plugin_dir = argv[1];
		argc -= 2;
		argv += 2;
	}
	if (argc != 1) {
		snprintf(ctl->err, sizeof(ctl->err),
			 "check: usage: check [-p PLUGIN_DIR] FILE");
		return -EINVAL;
	}
	return nfipsctl_check(argv[0], plugin_dir, ctl->err, sizeof(ctl->err));
}

static const struct cmd cmds[] = {
	{ "check", cmd_check, "[-p DIR] FILE",
	  "validate FILE completely (op-modules and arguments too), no twin needed", true },
	{ "load", cmd_load, "FILE", "check FILE and replace the whole config atomically", false },
	{ "show", cmd_show, "", "print the running config", false },
	{ "stats", cmd_stats, "[--json]", "print the counters", false },
	{ "monitor", cmd_monitor, "", "print alerts as they happen", false },
	{ "flush", cmd_flush, "", "remove the config (all traffic bypasses)", false },
	{ "unload", cmd_unload, "", "BPF twin: detach the program, unpin its maps", false },
	{ "version", cmd_version, "", "print the versions of nfipsctl and the twin", false },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: nfipsctl [-k | -u [SOCKET] | -b] COMMAND [ARGS]\n\n"
		   "  -k, --kernel       control the kernel twin (nfips.ko)\n"
		   "  -u, --user[=SOCK]  control nfipsd (default socket %s)\n"
		   "  -b, --bpf          control the BPF twin of this network namespace\n"
		   "                     (pinned under $NFIPS_BPFFS, default /sys/fs/bpf)\n"
		   "  without either: the kernel twin if loaded, else nfipsd\n\n"
		   "commands:\n", NFIPSD_SOCKET_DEFAULT);
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-8s %-13s %s\n", cmds[i].name, cmds[i].args,
			cmds[i].help);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", no_argument, NULL, 'k' },
		{ "user", optional_argument, NULL, 'u' },
		{ "bpf", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nfipsctl ctl = { 0 };
	const struct cmd *cmd = NULL;
	int c, ret;
	size_t i;

	ctl.socket_path = getenv("NFIPSD_SOCKET");
	if (!ctl.socket_path)
		ctl.socket_path = NFIPSD_SOCKET_DEFAULT;
	while ((c = getopt_long(argc, argv, "+ku::bh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			ctl.be = &nfipsctl_kernel_backend;
			break;
		case 'u':
			ctl.be = &nfipsctl_daemon_backend;
			if (optarg)
				ctl.socket_path = optarg;
			else if (optind < argc && argv[optind][0] == '/')
				ctl.socket_path = argv[optind++];
			break;
		case 'b':
			ctl.be = &nfipsctl_bpf_backend;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[optind], cmds[i].name))
			cmd = &cmds[i];
	if (!cmd) {
		fprintf(stderr, "nfipsctl: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* A closed pipe under `monitor | head` must end us quietly. */
	signal(SIGPIPE, SIG_DFL);

	if (cmd->offline) {
		ret = cmd->fn(&ctl, argc - optind - 1, argv + optind + 1);
		goto out;
	}
	if (ctl.be) {
		ret = ctl.be->open(&ctl);
	} else {
		ctl.be = &nfipsctl_kernel_backend;
		ret = ctl.be->open(&ctl);
		if (ret == -ENOENT) {
			ctl.be = &nfipsctl_daemon_backend;
			ctl.err[0] = '\0';
			ret = ctl.be->open(&ctl);
			if (ret == -ENOENT)
				snprintf(ctl.err, sizeof(ctl.err),
					 "neither twin is running: nfips.ko is not loaded and %s does not exist",
					 ctl.socket_path);
		}
	}
	if (!ret) {
		ret = cmd->fn(&ctl, argc - optind - 1, argv + optind + 1);
		ctl.be->close(&ctl);
	}
out:
	if (ret) {
		fprintf(stderr, "nfipsctl: %s\n",
			ctl.err[0] ? ctl.err : strerror(-ret));
		return 1;
	}
	return 0;
}
