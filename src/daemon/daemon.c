/*
 * daemon.c - `pistack daemon [-f]`: the supervisor process.  It takes the
 * lock on RUN/pistack.pid, re-adopts services that kept running, starts the
 * ones that should run, serves the control socket and runs the one event
 * loop.  SIGTERM and SIGINT end the daemon and leave services running (a new
 * daemon re-adopts them); `pistack down` stops them; SIGHUP reloads.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/proctitle.h"
#include "daemon/ctl_server.h"
#include "daemon/daemon.h"
#include "daemon/enabled.h"
#include "daemon/gateway_ctl.h"
#include "daemon/network.h"
#include "daemon/notify.h"

/* See daemon.h. */
struct service_rt *daemon_find(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->n_svcs; i++)
		if (strcmp(d->svcs[i]->name, name) == 0)
			return d->svcs[i];
	return NULL;
}

/* A new runtime entry for service SVC. */
struct service_rt *daemon_new_service(struct daemon *d, const struct service_config *svc)
{
	struct service_rt *rt = calloc(1, sizeof(*rt));

	if (!rt)
		fatal("out of memory");
	rt->d = d;
	snprintf(rt->name, sizeof(rt->name), "%s", svc->name);
	rt->cfg = svc;
	rt->state = SVC_EXITED;
	rt->pidfd = rt->sync_fd = rt->log_fd_in_init = rt->sync_fd_in_init = -1;
	rt->ct.cgroup_fd = rt->ct.sp.pidfd = rt->ct.sp.sync_fd = -1;
	rt->timer.fn = daemon_service_timer;
	rt->timer.data = rt;
	return rt;
}

/* A service's timer: stop timeout or backoff. */
void daemon_service_timer(struct loop *l, void *data)
{
	(void)l;
	supervise_event(data, EV_TIMER);
}

/* Whether every service is down (for `down`). */
bool daemon_all_down(const struct daemon *d)
{
	for (size_t i = 0; i < d->n_svcs; i++) {
		enum svc_state s = d->svcs[i]->state;
		if (s != SVC_EXITED && s != SVC_FAILED)
			return false;
	}
	return true;
}

/* Signals arrive here through the signalfd. */
static void daemon_signal(struct loop *l, int fd, uint32_t events, void *data)
{
	struct daemon *d = data;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			/* Services keep running and are re-adopted by the next daemon. */
			log_msg("daemon: exiting on signal %u; services keep running", si.ssi_signo);
			d->keep_services = true;
			loop_stop(l);
			break;
		case SIGHUP:
			notify_reloading();
			daemon_reload(d, NULL);
			notify_send("READY=1");
			break;
		default:
			/* SIGCHLD: inits are reaped when they report; exec and health
			 * children are waited for through their pidfds. */
			break;
		}
	}
}

/* Stop services whose state files name no configured service. */
static void daemon_kill_orphans(struct daemon *d)
{
	char dir[4096];
	struct dirent **ents = NULL;
	int n;

	snprintf(dir, sizeof(dir), "%s/services", d->cfg.global.run);
	n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (name[0] != '.' && !strchr(name, '.') && !daemon_find(d, name))
			state_kill_orphan(d, name);
		free(ents[i]);
	}
	free(ents);
}

/* Set up the runtime table, re-adopt, then start what should run. */
static void daemon_populate(struct daemon *d)
{
	d->n_svcs = d->cfg.n_services;
	d->svcs = calloc(d->n_svcs ? d->n_svcs : 1, sizeof(*d->svcs));
	if (!d->svcs)
		fatal("out of memory");
	for (size_t i = 0; i < d->n_svcs; i++)
		d->svcs[i] = daemon_new_service(d, &d->cfg.services[i]);
	daemon_kill_orphans(d);
	for (size_t i = 0; i < d->n_svcs; i++) {
		struct service_rt *rt = d->svcs[i];
		int r = state_adopt(rt);
		if (r == 1) {
			/* Being stopped (or restarted) when the daemon left: do it
			 * again, stop_signal then a new stop_timeout. */
			if (rt->stop_requested) {
				bool up = rt->want_up;
				log_msg("%s: being stopped when the daemon left; stopping it", rt->name);
				supervise_event(rt, EV_STOP);
				if (up)
					supervise_event(rt, EV_START);
				continue;
			}
			/* Running with other settings than configured now: restart it. */
			if (rt->running_fingerprint != rt->cfg->fingerprint) {
				log_msg("%s: its configuration changed while the daemon was away; restarting it",
					rt->name);
				supervise_event(rt, EV_STOP);
				supervise_event(rt, EV_START);
			}
			continue;
		}
		/* Its init ended while we were away: an end nobody asked for (the
		 * status is lost: taken as SIGKILL), decided like any other by the
		 * restart policy, with backoff and RESTARTS (failed under `no`);
		 * ended while being stopped: exited.  (It used to be started at
		 * once whenever want_up, even under `restart = no`.) */
		if (r == -ESRCH) {
			rt->state = rt->want_up ? supervise_after_exit(rt) : SVC_EXITED;
			state_save(rt);
			continue;
		}
		/* Down when the daemon left (or never started): only a pending
		 * restart is still due (state_adopt() kept want_up for that only). */
		if (rt->want_up)
			supervise_event(rt, EV_START);
	}
}

/* Detach into the background; the parent exits once the child is ready.
 * Returns the write end the child signals readiness on. */
static int daemonize(const char *logfile)
{
	int pipefd[2], fd;
	char c;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		fatal("daemon: unable to create a pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fatal("daemon: unable to fork: %s", strerror(errno));
	if (pid > 0) {
		close(pipefd[1]);
		/* Ready when the child writes a byte; failed when it exits first. */
		_exit(read(pipefd[0], &c, 1) == 1 ? 0 : 1);
	}
	close(pipefd[0]);
	setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	return pipefd[1];
}

/* Take RUN/pistack.pid's lock: exactly one daemon per run directory. */
static int daemon_lock(struct daemon *d)
{
	char path[4096], buf[32];
	int fd;

	snprintf(path, sizeof(path), "%s/pistack.pid", d->cfg.global.run);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		log_msg("daemon: unable to open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_msg("daemon: unable to lock '%s': another daemon is running (pid %s)", path, buf);
		close(fd);
		return -1;
	}
	return fd;
}

/* Write our pid into the locked pid file. */
static void daemon_write_pid(struct daemon *d)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", getpid());

	if (ftruncate(d->lock_fd, 0) < 0 || pwrite(d->lock_fd, buf, (size_t)n, 0) != n)
		log_msg("daemon: unable to write the pid file: %s", strerror(errno));
}

int cmd_daemon(const struct cli_opts *opts, int argc, char **argv)
{
	/* A copy: the process title is written over argv, where -C came from. */
	struct daemon d = { .conf_root = strdup(opts->conf_root), .listen_fd = -1, .signal_fd = -1, .lock_fd = -1 };
	char sock[4096], logfile[4096];
	struct error err;
	sigset_t mask;
	bool foreground = false;
	int ready = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0) {
			foreground = true;
		} else {
			fputs("usage: pistack daemon [-f]\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (geteuid() != 0) {
		fputs("pistack: daemon: unable to start: the daemon needs root\n", stderr);
		return EXIT_FAILED;
	}
	if (cli_load_config(opts, &d.cfg) != EXIT_OK)
		return EXIT_CONFIG;
	{
		char failed[4096];
		int r = fs_mkdir_parents(d.cfg.global.run, 0755, failed, sizeof(failed));
		if (r == 0)
			r = fs_mkdir_parents(d.cfg.global.logs, 0750, failed, sizeof(failed));
		if (r == 0)
			r = fs_mkdir_parents(d.cfg.global.state, 0700, failed, sizeof(failed));
		if (r < 0) {
			log_msg("daemon: unable to create directory '%s': %s", failed, strerror(-r));
			return EXIT_FAILED;
		}
	}
	snprintf(d.seccomp_dir, sizeof(d.seccomp_dir), "%s/seccomp", d.cfg.global.state);
	d.seccomp_cache.dir = d.seccomp_dir;
	d.lock_fd = daemon_lock(&d);
	if (d.lock_fd < 0)
		return EXIT_FAILED;
	snprintf(logfile, sizeof(logfile), "%s/pistack.log", d.cfg.global.logs);
	if (!foreground)
		ready = daemonize(logfile);
	daemon_write_pid(&d);
	proctitle_set("pistack: daemon");
	if (cgroup_root_open(&d.cg, &err) < 0) {
		log_error("daemon", &err);
		return EXIT_FAILED;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d.loop = loop_new();
	d.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (!d.loop || d.signal_fd < 0 || loop_add(d.loop, d.signal_fd, EPOLLIN, daemon_signal, &d) < 0)
		fatal("daemon: unable to set up the event loop: %s", strerror(errno));
	snprintf(sock, sizeof(sock), "%s/pistack.sock", d.cfg.global.run);
	/* Serve only once services are adopted, so `status` is right from the first answer. */
	if (network_init(&d) < 0 || gateway_ctl_init(&d) < 0)
		fatal("daemon: out of memory");
	daemon_populate(&d);
	network_start(&d);
	enabled_start(&d);
	if (ctl_server_start(&d, sock, &err) < 0) {
		log_error("daemon", &err);
		return EXIT_FAILED;
	}
	log_msg("daemon: serving %s with %zu services", sock, d.n_svcs);
	notify_send("READY=1");
	if (ready >= 0) {
		(void)!write(ready, "r", 1);
		close(ready);
	}
	loop_run(d.loop);
	notify_send("STOPPING=1");
	ctl_server_stop(&d);
	gateway_ctl_shutdown(&d);
	network_shutdown(&d, !d.keep_services);
	unlink(sock);
	if (!d.keep_services) {
		char pidfile[4096];
		snprintf(pidfile, sizeof(pidfile), "%s/pistack.pid", d.cfg.global.run);
		unlink(pidfile);
	}
	log_msg("daemon: exited");
	return EXIT_OK;
}
