// SPDX-License-Identifier: GPL-2.0
/*
 * nfipsd - the user twin of nfips.
 *
 *   nfipsd -c CONFIG [--queues A[:B]] [--socket PATH] [--plugin-dir DIR]
 *          [--no-rules] [--pidfile FILE] [-v]
 *
 * Start-up order, undone in reverse at exit: plugins, config (policy built
 * and published), workers (queues bound), NFQUEUE rules, control socket.
 * Ready when the control socket answers. SIGTERM/SIGINT: rules removed
 * first, then every queued packet gets its verdict, then the sockets close.
 * SIGHUP: reload CONFIG.
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "nfipsd.h"

#define POLL_IDLE_MS	200	/* kernel counters */
#define POLL_ALERT_MS	20	/* alert latency with monitors connected */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nfipsd -c CONFIG [--queues A[:B]] [--socket PATH] [--plugin-dir DIR]\n"
		"              [--no-rules] [--pidfile FILE] [-v]\n"
		"  -c, --config FILE    config file (reloaded on SIGHUP)\n"
		"  --queues A[:B]       NFQUEUE numbers, one worker each\n"
		"                       (default 0:workers-1 from the config's queue workers=,\n"
		"                       0 = one per online CPU)\n"
		"  --socket PATH        control socket (default %s)\n"
		"  --plugin-dir DIR     op-module plugins (default: plugins/ next to nfipsd)\n"
		"  --no-rules           leave the NFQUEUE iptables rules to the administrator\n"
		"  --pidfile FILE       write our pid to FILE\n"
		"  -v, --verbose        log more\n", "/run/nfipsd.sock");
}

static int parse_queues(struct nfipsd *d, const char *s)
{
	const char *colon = strchr(s, ':');
	u32 a, b;

	if (colon) {
		if (nfips_parse_u32(s, (u32)(colon - s), &a) ||
		    nfips_parse_u32(colon + 1, (u32)strlen(colon + 1), &b))
			return -EINVAL;
	} else {
		if (nfips_parse_u32(s, (u32)strlen(s), &a))
			return -EINVAL;
		b = a;
	}
	if (a > 65535 || b > 65535 || b < a || b - a + 1 > NFIPS_MAX_WORKERS)
		return -EINVAL;
	d->queue_lo = (u16)a;
	d->queue_hi = (u16)b;
	d->queues_given = true;
	return 0;
}

/* plugins/ (plugins-san/ for the sanitizer build) next to our binary. */
static char *default_plugin_dir(void)
{
	char exe[PATH_MAX], *dir, *out;
	ssize_t n;
#ifdef __SANITIZE_ADDRESS__
	const char *sub = "plugins-san";
#else
	const char *sub = "plugins";
#endif

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return strdup(sub);
	exe[n] = '\0';
	dir = dirname(exe);
	if (asprintf(&out, "%s/%s", dir, sub) < 0)
		return NULL;
	return out;
}

static int load_initial(struct nfipsd *d)
{
	struct nfips_policy_env env = { 0 };
	char msg[512];
	struct nfips_conf conf;
	struct nfips_policy *p;
	struct nfips_err err;
	u32 line = 0;
	int ret;

	ret = nfips_config_load_file(d->config_path, &conf, msg, sizeof(msg));
	if (ret) {
		NFIPSD_LOG("%s", msg);
		return ret;
	}
	/*
	 * The queues (one worker each) follow from the config; fix them
	 * before the build, so that op-modules with per-worker state (hs
	 * scratch) size it for the workers that will run.
	 */
	if (!d->queues_given) {
		u32 workers = conf.queue.workers;
		long cpus;

		if (!workers) {
			cpus = sysconf(_SC_NPROCESSORS_ONLN);
			workers = cpus > 0 ? (u32)cpus : 1;
		}
		if (workers > NFIPS_MAX_WORKERS)
			workers = NFIPS_MAX_WORKERS;
		d->queue_lo = 0;
		d->queue_hi = (u16)(workers - 1);
	}
	/* One op scratch per queue worker (nfips_op.h), before any policy. */
	nfips_op_workers_set((u32)(d->queue_hi - d->queue_lo) + 1);
	env = nfipsd_policy_env_tmpl;
	env.ctx = d;
	p = nfips_policy_build(&conf, &env, &err, &line);
	if (!p) {
		if (line)
			NFIPSD_LOG("%s:%u: %s", d->config_path, line, err.msg);
		else
			NFIPSD_LOG("%s: %s", d->config_path, err.msg);
		nfips_conf_free(&conf);
		return -EINVAL;
	}
	atomic_store(&d->policy, p);
	return 0;
}

static void reload(struct nfipsd *d)
{
	char msg[512] = "";
	size_t len;
	char *text;

	text = nfips_read_file(d->config_path, 16u << 20, &len);
	if (!text) {
		NFIPSD_LOG("reload: %s: %s", d->config_path, strerror(errno));
		return;
	}
	if (nfipsd_policy_load(d, d->config_path, text, len, msg, sizeof(msg)))
		NFIPSD_LOG("reload failed, the old config stays: %s", msg);
	else
		NFIPSD_LOG("reloaded %s", d->config_path);
	free(text);
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f) ? -errno : 0;
}

static void main_loop(struct nfipsd *d, int sfd)
{
	struct pollfd pfd[2 + 16];
	struct signalfd_siginfo si;
	int n;

	for (;;) {
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = nfipsd_control_fd();
		pfd[1].events = POLLIN;
		n = 2;
		nfipsd_control_poll_fds(d, pfd, &n, (int)ARRAY_SIZE(pfd));
		if (poll(pfd, (nfds_t)n, atomic_load(&d->monitors) ?
			 POLL_ALERT_MS : POLL_IDLE_MS) < 0 && errno != EINTR)
			break;
		nfipsd_kqueue_poll(d);
		nfipsd_alerts_drain(d);
		if (pfd[0].revents & POLLIN &&
		    read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload(d);
			} else {
				NFIPSD_LOG("%s: shutting down",
					   si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
				return;
			}
		}
		if (pfd[1].revents & POLLIN)
			nfipsd_control_accept(d);
		if (n > 2)
			nfipsd_control_events(d, pfd + 2, n - 2);
	}
}

/* The command line into @d: 0 to run, 1 when done (help), 2 on a bad
 * argument (said on stderr; nfipsd's usage exit status). */
static int parse_opts(int argc, char **argv, struct nfipsd *d)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "queues", required_argument, NULL, 'q' },
		{ "socket", required_argument, NULL, 's' },
		{ "plugin-dir", required_argument, NULL, 'p' },
		{ "no-rules", no_argument, NULL, 'n' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d->config_path = optarg; break;
		case 'q':
			if (parse_queues(d, optarg)) {
				fprintf(stderr, "nfipsd: bad --queues '%s' (A or A:B, at most %u queues)\n",
					optarg, (unsigned int)NFIPS_MAX_WORKERS);
				return 2;
			}
			break;
		case 's': d->socket_path = optarg; break;
		case 'p': d->plugin_dir = optarg; break;
		case 'n': d->no_rules = true; break;
		case 'P': d->pidfile = optarg; break;
		case 'v': d->verbose = true; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
	}
	if (!d->config_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	return 0;
}

/* Signals go to a signalfd only: blocked before any thread starts, so
 * every thread inherits the mask. */
static int signals_open(void)
{
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		NFIPSD_LOG("signalfd: %s", strerror(errno));
	return sfd;
}

/* The data path up: queue workers, then the rules that feed them. */
static int datapath_start(struct nfipsd *d)
{
	struct nfips_policy *p = atomic_load(&d->policy);
	char msg[512];
	int ret;

	ret = nfipsd_workers_start(d);
	if (ret) {
		NFIPSD_LOG("cannot start the queue workers: %s", strerror(-ret));
		return ret;
	}
	if (d->no_rules)
		return 0;
	nfipsd_rules_init(d);
	ret = nfipsd_rules_install(d, &p->conf, msg, sizeof(msg));
	if (ret)
		NFIPSD_LOG("%s", msg);
	return ret;
}

int main(int argc, char **argv)
{
	struct nfipsd d = { .socket_path = "/run/nfipsd.sock" };
	char *plugin_dir = NULL;
	int sfd, ret;

	ret = parse_opts(argc, argv, &d);
	if (ret)
		return ret == 1 ? 0 : ret;
	ret = 1;
	if (!d.plugin_dir) {
		plugin_dir = default_plugin_dir();
		if (!plugin_dir)
			return 1;
		d.plugin_dir = plugin_dir;
	}
	sfd = signals_open();
	if (sfd < 0)
		goto out_free;
	d.alerts = nfipsd_alert_ring_new();
	if (!d.alerts)
		goto out_sfd;

	nfipsd_registry_init(d.plugin_dir);
	if (load_initial(&d))
		goto out_registry;
	atomic_store(&d.gen, 1);

	ret = datapath_start(&d);
	if (ret)
		goto out_workers;
	ret = nfipsd_control_open(&d);
	if (ret)
		goto out_rules;
	if (d.pidfile && write_pidfile(d.pidfile))
		NFIPSD_LOG("pidfile %s: %s", d.pidfile, strerror(errno));
	NFIPSD_LOG("running: queues %u-%u, control %s, plugins %s%s",
		   d.queue_lo, d.queue_hi, d.socket_path, d.plugin_dir,
		   d.no_rules ? ", rules left to the administrator" : "");

	main_loop(&d, sfd);
	ret = 0;

	nfipsd_control_close(&d);
	if (d.pidfile)
		unlink(d.pidfile);
out_rules:
	/* No new packets get queued; the workers then drain what is queued. */
	nfipsd_rules_remove(&d);
out_workers:
	nfipsd_workers_stop(&d);
	nfips_policy_destroy(atomic_load(&d.policy));
out_registry:
	nfipsd_registry_exit();
	nfipsd_alert_ring_free(d.alerts);
out_sfd:
	close(sfd);
out_free:
	free(plugin_dir);
	return ret ? 1 : 0;
}
