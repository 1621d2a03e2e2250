/*
 * master.c - the gateway master process, sandboxed: keeps the listening
 * sockets, the ticket secret, the certificate store and the route table;
 * pre-forks the workers and restarts one that dies; forwards route updates;
 * on a reload (settings from the daemon, a certificate change seen by
 * polling, or SIGHUP) forks a new worker generation and lets the old one
 * drain; when the daemon hangs up (or on SIGTERM), drains and exits.
 */
#include "gateway/master.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "gateway/msg.h"
#include "gateway/routes.h"
#include "gateway/tls.h"
#include "gateway/worker.h"

#define CERTS_POLL_MS 3000        /* how often the certificate directory is checked */
#define RESTART_DELAY_MS 1000     /* before replacing a worker that died young */
#define WORKER_SEND_TIMEOUT_S 2   /* a worker that takes no message for this long is killed */

struct mworker {
	pid_t pid;
	int fd;                   /* the master's end of the worker's channel */
	unsigned gen;
	bool draining;
	uint64_t started_ms;
};

struct master {
	struct master_conf conf;
	struct loop *loop;
	int ctl_fd, sig_fd;
	struct msg_reader ctl;
	int log_fd, acme_fd;
	struct tls_ticket_secret secret;
	struct tls_store *tls;
	bool tls_failed;          /* the last load failed: retry when the files change */
	uint64_t failed_sig;
	struct route_table *routes;
	struct mworker *workers;
	size_t n_workers, cap_workers;
	unsigned gen;
	bool stopping;
	struct loop_timer certs_timer, restart_timer, stop_timer;
};

static void master_top_up(struct master *m);

/* How many workers a generation has. */
static unsigned master_worker_count(const struct master *m)
{
	return m->conf.set.workers ? m->conf.set.workers : m->conf.n_cpus;
}

/* Open the access log for appending (each line is one write). */
static int master_open_log(const struct master *m)
{
	int fd;

	if (!m->conf.access_log)
		return -1;
	fd = open(m->conf.access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		log_msg("gateway: unable to open access log '%s': %s", m->conf.access_log, strerror(errno));
	return fd;
}

/* Load the certificates into a new store; NULL when the load failed. */
static struct tls_store *master_load_certs(struct master *m)
{
	struct tls_store *st = NULL;
	struct error err;

	if (!m->conf.certs_dir)
		return NULL;
	if (tls_store_load(&st, m->conf.certs_dir, &m->secret, &err) < 0) {
		log_error("gateway", &err);
		m->tls_failed = true;
		if (tls_dir_signature(m->conf.certs_dir, &m->failed_sig, &err) < 0)
			m->failed_sig = 0;
		return NULL;
	}
	m->tls_failed = false;
	for (size_t i = 0; i < tls_store_warning_count(st); i++)
		log_msg("gateway: %s", tls_store_warning(st, i));
	return st;
}

/* Fork one worker of the current generation. */
static int master_fork_worker(struct master *m)
{
	struct timeval tv = { WORKER_SEND_TIMEOUT_S, 0 };
	int sv[2];
	pid_t pid;

	if (m->n_workers == m->cap_workers) {
		size_t cap = m->cap_workers ? m->cap_workers * 2 : 8;
		struct mworker *wk = realloc(m->workers, cap * sizeof(*wk));

		if (!wk)
			return -ENOMEM;
		m->workers = wk;
		m->cap_workers = cap;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0) {
		struct worker_params wp;

		/* Without exec, close-on-exec closes nothing: the master's
		 * own descriptors are dropped by hand. */
		close(sv[0]);
		for (size_t i = 0; i < m->n_workers; i++)
			close(m->workers[i].fd);
		close(m->ctl_fd);
		close(m->sig_fd);
		loop_free(m->loop);
		memset(&wp, 0, sizeof(wp));
		wp.set = m->conf.set;
		wp.tls = m->tls;
		wp.routes = m->routes;
		wp.fds = m->conf.fds;
		wp.fd_tls = m->conf.fd_tls;
		wp.n_fds = m->conf.n_fds;
		wp.ctl_fd = sv[1];
		wp.log_fd = m->log_fd;
		wp.acme_fd = m->acme_fd;
		_exit(worker_main(&wp));
	}
	close(sv[1]);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	m->workers[m->n_workers++] = (struct mworker){
		.pid = pid, .fd = sv[0], .gen = m->gen, .draining = false, .started_ms = loop_now_ms(),
	};
	return 0;
}

/* Tell worker WK to drain within BOUND_MS, closing idle connections at
 * once when CLOSE_IDLE. */
static void master_drain_worker(struct mworker *wk, uint64_t bound_ms, bool close_idle)
{
	char bound[48];
	struct error err;

	if (wk->draining)
		return;
	wk->draining = true;
	snprintf(bound, sizeof(bound), "%llu%s", (unsigned long long)bound_ms,
		 close_idle ? " close-idle" : "");
	if (msg_send(wk->fd, MSG_DRAIN, bound, strlen(bound), &err) < 0)
		kill(wk->pid, SIGKILL);
}

/* A new generation with the current settings and certificates; the old
 * one drains.  The new one is forked first, so someone always accepts. */
static void master_new_generation(struct master *m, const char *why)
{
	size_t old = m->n_workers;

	m->gen++;
	log_msg("gateway: %s: starting worker generation %u", why, m->gen);
	master_top_up(m);
	for (size_t i = 0; i < old; i++)
		if (m->workers[i].gen != m->gen)
			master_drain_worker(&m->workers[i], GATEWAY_DRAIN_MS, false);
}

/* Re-read the certificates and the access log, then a new generation. */
static void master_reload(struct master *m, const char *why)
{
	struct tls_store *st = master_load_certs(m);
	struct tls_store *old = NULL;
	int fd;

	if (st) {
		old = m->tls;
		m->tls = st;
	}
	/* Reopened, so that a rotated log is followed. */
	fd = master_open_log(m);
	if (fd >= 0) {
		if (m->log_fd >= 0)
			close(m->log_fd);
		m->log_fd = fd;
	}
	master_new_generation(m, why);
	/* The old workers have their own copy of the old store. */
	tls_store_free(old);
}

/* Fork workers until the current generation is complete. */
static void master_top_up(struct master *m)
{
	unsigned want = master_worker_count(m), have = 0;

	if (m->stopping)
		return;
	for (size_t i = 0; i < m->n_workers; i++)
		if (m->workers[i].gen == m->gen && !m->workers[i].draining)
			have++;
	for (; have < want; have++) {
		int r = master_fork_worker(m);

		if (r < 0) {
			log_msg("gateway: unable to start a worker: %s", strerror(-r));
			loop_timer_arm(m->loop, &m->restart_timer, RESTART_DELAY_MS);
			return;
		}
	}
}

/* The restart timer: replace workers that died. */
static void master_restart_timer(struct loop *l, void *data)
{
	(void)l;
	master_top_up(data);
}

/* Stop: close the listening sockets, every worker drains, then exit. */
static void master_stop(struct master *m, const char *why)
{
	if (m->stopping)
		return;
	m->stopping = true;
	log_msg("gateway: %s: draining connections", why);
	/* The port is free as soon as the workers close their copies too. */
	for (size_t i = 0; i < m->conf.n_fds; i++) {
		close(m->conf.fds[i]);
		m->conf.fds[i] = -1;
	}
	for (size_t i = 0; i < m->n_workers; i++) {
		m->workers[i].draining = false;   /* a draining one gets the shorter bound */
		master_drain_worker(&m->workers[i], GATEWAY_STOP_MS, true);
	}
	loop_timer_arm(m->loop, &m->stop_timer, GATEWAY_STOP_MS + 1000);
	if (m->n_workers == 0)
		loop_stop(m->loop);
}

/* Past the stop bound: what is left is killed. */
static void master_stop_timer(struct loop *l, void *data)
{
	struct master *m = data;

	for (size_t i = 0; i < m->n_workers; i++)
		kill(m->workers[i].pid, SIGKILL);
	loop_stop(l);
}

/* Reap workers; replace those of the current generation. */
static void master_reap(struct master *m)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < m->n_workers; i++) {
			struct mworker wk = m->workers[i];

			if (wk.pid != pid)
				continue;
			close(wk.fd);
			m->workers[i] = m->workers[--m->n_workers];
			if (wk.draining || m->stopping || wk.gen != m->gen)
				break;
			if (WIFSIGNALED(status))
				log_msg("gateway: worker %d killed by signal %d; restarting it", (int)pid,
					WTERMSIG(status));
			else
				log_msg("gateway: worker %d exited with status %d; restarting it", (int)pid,
					WEXITSTATUS(status));
			/* One that died young waits: no fork storm on a crash loop. */
			if (loop_now_ms() - wk.started_ms < RESTART_DELAY_MS)
				loop_timer_arm(m->loop, &m->restart_timer, RESTART_DELAY_MS);
			else
				master_top_up(m);
			break;
		}
	}
	if (m->stopping && m->n_workers == 0)
		loop_stop(m->loop);
}

/* Signals: SIGCHLD reaps, SIGHUP reloads, SIGTERM stops. */
static void master_signal(struct loop *l, int fd, uint32_t events, void *data)
{
	struct master *m = data;
	struct signalfd_siginfo si;

	(void)l;
	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			master_reap(m);
		else if (si.ssi_signo == SIGHUP && !m->stopping)
			master_reload(m, "SIGHUP");
		else if (si.ssi_signo == SIGTERM)
			master_stop(m, "SIGTERM");
	}
}

/* Give every serving worker the route table TEXT. */
static void master_routes(struct master *m, char *text, size_t len)
{
	struct route_table *t;
	struct error err;

	if (routes_parse(text, len, &t, &err) < 0) {
		log_error("gateway", &err);
		return;
	}
	routes_free(m->routes);
	m->routes = t;
	for (size_t i = 0; i < m->n_workers; i++) {
		struct mworker *wk = &m->workers[i];

		/* One that cannot take it is replaced, and the new one has it. */
		if (!wk->draining && msg_send(wk->fd, MSG_ROUTES, text, len, &err) < 0) {
			log_error("gateway", &err);
			kill(wk->pid, SIGKILL);
		}
	}
}

/* A message from the daemon, or its hang-up. */
static void master_ctl(struct loop *l, int fd, uint32_t events, void *data)
{
	struct master *m = data;
	int r;

	(void)events;
	while ((r = msg_read(&m->ctl, fd)) == 1) {
		struct gw_settings set;
		struct error err;
		char type, *msg;
		size_t len;

		msg_reader_take(&m->ctl, &type, &msg, &len);
		if (type == MSG_ROUTES) {
			master_routes(m, msg, len);
		} else if (type == MSG_SETTINGS && !m->stopping) {
			if (settings_parse(msg, len, &set, &err) < 0) {
				log_error("gateway", &err);
			} else {
				m->conf.set = set;
				master_reload(m, "reload");
			}
		}
		free(msg);
	}
	if (r < 0) {
		/* The daemon is gone, or stops the gateway. */
		loop_del(l, fd);
		master_stop(m, r == -EPIPE ? "the daemon hung up" : "the control channel broke");
	}
}

/* Poll the certificate directory; a change starts a new generation. */
static void master_certs_timer(struct loop *l, void *data)
{
	struct master *m = data;
	struct error err;
	uint64_t sig = 0;

	if (m->stopping || !m->conf.certs_dir)
		return;
	if (m->tls_failed) {
		/* Retry a failed load only when something changed. */
		if (tls_dir_signature(m->conf.certs_dir, &sig, &err) == 0 && sig != m->failed_sig)
			master_reload(m, "certificates changed");
	} else if (!m->tls || tls_store_changed(m->tls, m->conf.certs_dir)) {
		master_reload(m, "certificates changed");
	}
	loop_timer_arm(l, &m->certs_timer, CERTS_POLL_MS);
}

/* Tell the daemon how setup went, on STATUS_FD. */
static void master_status(int status_fd, const struct error *err)
{
	char buf[1 + sizeof(int) + ERROR_MSG_MAX];
	size_t n;

	if (!err) {
		(void)!write(status_fd, "k", 1);
		close(status_fd);
		return;
	}
	n = strnlen(err->msg, ERROR_MSG_MAX - 1);
	buf[0] = 'E';
	memcpy(buf + 1, &err->errnum, sizeof(int));
	memcpy(buf + 1 + sizeof(int), err->msg, n);
	buf[1 + sizeof(int) + n] = '\0';
	(void)!write(status_fd, buf, 1 + sizeof(int) + n + 1);
	close(status_fd);
}

/* See master.h. */
void master_main(const struct gateway_params *p, int ctl_fd, int status_fd)
{
	struct master *m = calloc(1, sizeof(*m));
	int keep[] = { ctl_fd, status_fd };
	struct error err;
	sigset_t mask;

	error_clear(&err);
	if (!m) {
		error_set(&err, ENOMEM, "start the gateway");
		goto fail;
	}
	m->ctl_fd = ctl_fd;
	m->log_fd = m->acme_fd = -1;
	if (master_setup(p, keep, ARRAY_SIZE(keep), &m->conf, &err) < 0)
		goto fail;
	/* Sandboxed from here on. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	m->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	m->loop = loop_new();
	if (m->sig_fd < 0 || !m->loop || fcntl(ctl_fd, F_SETFL, O_NONBLOCK) < 0) {
		error_set(&err, errno ? errno : ENOMEM, "set up the gateway's event loop");
		goto fail;
	}
	if (tls_ticket_secret_generate(&m->secret, &err) < 0)
		goto fail;
	m->tls = master_load_certs(m);
	m->log_fd = master_open_log(m);
	if (m->conf.acme_webroot)
		m->acme_fd = open(m->conf.acme_webroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	msg_reader_init(&m->ctl, GATEWAY_ROUTES_MAX);
	m->certs_timer = (struct loop_timer){ .fn = master_certs_timer, .data = m };
	m->restart_timer = (struct loop_timer){ .fn = master_restart_timer, .data = m };
	m->stop_timer = (struct loop_timer){ .fn = master_stop_timer, .data = m };
	if (loop_add(m->loop, ctl_fd, EPOLLIN, master_ctl, m) < 0 ||
	    loop_add(m->loop, m->sig_fd, EPOLLIN, master_signal, m) < 0) {
		error_set(&err, errno, "set up the gateway's event loop");
		goto fail;
	}
	loop_timer_arm(m->loop, &m->certs_timer, CERTS_POLL_MS);
	m->gen = 1;
	master_top_up(m);
	log_msg("gateway: serving with %u workers, %zu certificates", master_worker_count(m),
		m->tls ? tls_store_count(m->tls) : (size_t)0);
	master_status(status_fd, NULL);
	loop_run(m->loop);
	log_msg("gateway: exited");
	_exit(0);
fail:
	master_status(status_fd, &err);
	_exit(1);
}
