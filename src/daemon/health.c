/*
 * health.c - [health] checks of running services.  Each check runs in a
 * short-lived clone of the daemon (the daemon never blocks on a service),
 * which enters the service's network namespace and probes, or runs the
 * command through container_exec(); its exit code is the result.
 *
 * Probe children are "clone" children (exit_signal 0, created with
 * CLONE_PIDFD): they raise no SIGCHLD, and waitpid(-1, ..., 0 or WNOHANG)
 * cannot reap them (only __WALL or __WCLONE can), so nothing else in the
 * daemon steals their status.  They are waited for only through their pidfd,
 * watched on the loop: waitid(P_PIDFD, ..., WEXITED | __WCLONE).
 */
#include "daemon/health.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clone.h"
#include "common/log.h"
#include "common/proctitle.h"
#include "isolate/exec.h"

#define HEALTH_FAST_MS 1000 /* probe period until the first healthy answer */
#define HEALTH_NOBODY 65534 /* network probes parse the service's bytes: not as root */
#define HEALTH_REPLY_MAX 1024 /* of an HTTP answer, enough for its status line */

/* The probe child's exit codes. */
enum probe_result {
	PROBE_HEALTHY = 0,
	PROBE_FAILED = 1, /* the command exited non-zero */
	PROBE_REFUSED = 2, /* no connection */
	PROBE_BAD_REPLY = 3, /* closed without, or with an invalid, HTTP answer */
	PROBE_SETUP = 4, /* could not enter the service or run the command */
	PROBE_TIMEOUT = 5, /* killed by the daemon at `timeout` */
	PROBE_HTTP_STATUS = 10, /* + N: answered with status Nxx (N = 1, 4, 5) */
};

struct health_check {
	struct service_rt *rt; /* NULL once stopped: only reaping a probe is left */
	struct loop *loop;
	struct loop_timer next; /* the next probe */
	struct loop_timer deadline;
	int pidfd; /* the running probe, -1 when none */
	bool timed_out;
	bool ever_healthy; /* since this start: failures count from now on */
	bool spawn_failed; /* reported */
	unsigned failures; /* counted, in a row */
	uint64_t begin_ms; /* health_start() */
	uint64_t last_count_ms; /* when a failure was last counted */
	unsigned busy; /* inside supervise_event(): health_stop() defers the free */
	bool dead;
};

/* ---- the probe child ---- */

/* The status code of an HTTP status line ("HTTP/1.1 200 OK"), or -1. */
static int probe_http_status(const char *buf, size_t len)
{
	int code = 0;

	/* "HTTP/" DIGIT "." DIGIT SP 3DIGIT, then SP or the end of the line. */
	if (len < 12 || memcmp(buf, "HTTP/", 5) != 0 || buf[5] < '0' || buf[5] > '9' || buf[6] != '.' ||
	    buf[7] < '0' || buf[7] > '9' || buf[8] != ' ')
		return -1;
	for (int i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		code = code * 10 + (buf[i] - '0');
	}
	if (len > 12 && buf[12] != ' ' && buf[12] != '\r' && buf[12] != '\n')
		return -1;
	return code >= 100 ? code : -1;
}

/* Enter the service's network namespace (through its init's pidfd, which
 * cannot name a recycled pid), unless it shares the host's. */
static int probe_enter_net(const struct service_rt *rt)
{
	char path[64];
	int fd, r;

	if (rt->cfg->net_mode == NET_HOST)
		return 0;
	if (rt->pidfd >= 0 && setns(rt->pidfd, CLONE_NEWNET) == 0)
		return 0;
	/* Before 5.8 setns() takes no pidfd: the namespace file is checked to
	 * still belong to that init by its pidfd staying alive afterwards. */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)rt->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = setns(fd, CLONE_NEWNET);
	close(fd);
	if (r == 0 && rt->pidfd >= 0 && syscall(SYS_pidfd_send_signal, rt->pidfd, 0, NULL, 0) < 0)
		return -1;
	return r;
}

/* Give up root before talking to the service: the probe reads the service's
 * bytes, and nothing that parses untrusted input keeps privileges. */
static int probe_drop_privileges(void)
{
	gid_t g = HEALTH_NOBODY;
	uid_t u = HEALTH_NOBODY;

	/* The daemon's descriptors (control socket, other services' pipes) are of
	 * no use here. */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	}
	if (setgroups(0, NULL) < 0 || setresgid(g, g, g) < 0 || setresuid(u, u, u) < 0)
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* Connect to 127.0.0.1:PORT; returns the socket or -1. */
static int probe_connect(uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0)
		return -1;
	while (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		if (errno != EINTR) {
			close(s);
			return -1;
		}
	}
	return s;
}

/* GET PATH on 127.0.0.1:PORT; healthy on 2xx and 3xx. */
static int probe_http(uint16_t port, const char *path)
{
	char req[1200], buf[HEALTH_REPLY_MAX];
	size_t len = 0, off = 0;
	int s, n, code;

	n = snprintf(
		req, sizeof(req),
		"GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nUser-Agent: pistack-health\r\n\r\n",
		path);
	if (n < 0 || n >= (int)sizeof(req))
		return PROBE_SETUP;
	if ((s = probe_connect(port)) < 0)
		return PROBE_REFUSED;
	while (off < (size_t)n) {
		ssize_t w = send(s, req + off, (size_t)n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return PROBE_BAD_REPLY;
		off += (size_t)w;
	}
	/* Only the status line matters; read until it is complete. */
	while (len < sizeof(buf) && !memchr(buf, '\n', len)) {
		ssize_t r = recv(s, buf + len, sizeof(buf) - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(s);
	code = probe_http_status(buf, len);
	if (code < 0)
		return PROBE_BAD_REPLY;
	if (code >= 200 && code < 400)
		return PROBE_HEALTHY;
	return PROBE_HTTP_STATUS + code / 100;
}

/* Run the [health] command inside the service; healthy on exit 0.  Killing
 * this process kills the command: container_exec()'s waiter and command die
 * with their parent. */
static int probe_cmd(const struct service_rt *rt)
{
	struct exec_request req = {
		.global = &rt->d->cfg.global,
		.svc = rt->cfg,
		.cg = &rt->d->cg,
		.init_pid = rt->pid,
		.init_pidfd = rt->pidfd,
		.argv = rt->cfg->health_cmd.v,
		.tty = false,
		.term = NULL,
		/* Filled in the daemon before the clone (probe_start): no compile here. */
		.seccomp = service_filter(rt),
	};
	struct error err;
	siginfo_t si;
	pid_t pid;
	int null, pidfd, pty, code;

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return PROBE_SETUP;
	req.stdio[0] = req.stdio[1] = req.stdio[2] = null;
	if (container_exec(&req, &pid, &pidfd, &pty, &code, &err) < 0)
		return PROBE_SETUP;
	close(null);
	memset(&si, 0, sizeof(si));
	while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | __WALL) < 0)
		if (errno != EINTR)
			return PROBE_SETUP;
	return si.si_code == CLD_EXITED && si.si_status == 0 ? PROBE_HEALTHY : PROBE_FAILED;
}

/* The probe child's whole life.  Never returns. */
static __attribute__((noreturn)) void probe_child(const struct service_rt *rt, pid_t daemon_pid)
{
	const struct service_config *svc = rt->cfg;
	char title[64];
	sigset_t none;

	/* A probe must not outlive the daemon that waits for it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != daemon_pid)
		_exit(PROBE_SETUP);
	snprintf(title, sizeof(title), "pistack: health %s", rt->name);
	proctitle_set(title);
	/* The daemon blocks the signals it reads from its signalfd. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (svc->health_kind == HEALTH_CMD)
		_exit(probe_cmd(rt));
	if (probe_enter_net(rt) < 0 || probe_drop_privileges() < 0)
		_exit(PROBE_SETUP);
	if (svc->health_kind == HEALTH_TCP) {
		int s = probe_connect(svc->health_tcp);
		_exit(s < 0 ? PROBE_REFUSED : PROBE_HEALTHY);
	}
	_exit(probe_http(svc->http_port, svc->health_http));
}

/* ---- the daemon's side ---- */

/* What a failed probe means, for messages. */
static const char *probe_reason(int res)
{
	switch (res) {
	case PROBE_FAILED:
		return "the command exited with a failure";
	case PROBE_REFUSED:
		return "no connection";
	case PROBE_BAD_REPLY:
		return "no valid HTTP answer";
	case PROBE_SETUP:
		return "could not run inside the service";
	case PROBE_TIMEOUT:
		return "timed out";
	case PROBE_HTTP_STATUS + 1:
		return "answered 1xx";
	case PROBE_HTTP_STATUS + 4:
		return "answered 4xx";
	case PROBE_HTTP_STATUS + 5:
		return "answered 5xx";
	default:
		return "failed";
	}
}

/* The probe of SVC in words: "http '/healthz'". */
static void probe_describe(const struct service_config *svc, char *buf, size_t size)
{
	switch (svc->health_kind) {
	case HEALTH_HTTP:
		snprintf(buf, size, "http '%s' on port %u", svc->health_http, (unsigned)svc->http_port);
		break;
	case HEALTH_TCP:
		snprintf(buf, size, "tcp port %u", (unsigned)svc->health_tcp);
		break;
	case HEALTH_CMD:
		snprintf(buf, size, "cmd '%s'", svc->health_cmd.n ? svc->health_cmd.v[0] : "");
		break;
	default:
		snprintf(buf, size, "none");
	}
}

/* Arm the next probe: quickly until the service was healthy once (so a
 * start is reported as soon as it is done), then every `interval`. */
static void health_schedule(struct health_check *h)
{
	const struct service_config *svc = h->rt->cfg;
	uint64_t delay = svc->health_interval_ms;

	if (!h->ever_healthy && h->rt->health_state == HEALTH_UNKNOWN && delay > HEALTH_FAST_MS)
		delay = HEALTH_FAST_MS;
	loop_timer_arm(h->loop, &h->next, delay);
}

/* Whether a failure now counts toward `retries`.  Not within start_period
 * of a service never healthy yet; and while such a service is probed at the
 * fast pace, only one failure per `interval` counts, so it is declared
 * unhealthy no sooner than with probes every `interval`. */
static bool health_failure_counts(const struct health_check *h, uint64_t now)
{
	const struct service_rt *rt = h->rt;
	uint64_t started = rt->started_ms ? rt->started_ms : h->begin_ms;

	if (h->ever_healthy)
		return true;
	if (now < started + rt->cfg->health_start_period_ms)
		return false;
	return now >= h->last_count_ms + rt->cfg->health_interval_ms;
}

/* Account the result RES of a probe; tell the supervisor of changes. */
static void health_result(struct health_check *h, int res)
{
	struct service_rt *rt = h->rt;
	uint64_t now = loop_now_ms();
	enum svc_event ev = EV_N_EVENTS;
	char what[128];

	probe_describe(rt->cfg, what, sizeof(what));
	if (res == PROBE_HEALTHY) {
		h->failures = 0;
		h->ever_healthy = true;
		if (rt->health_state != HEALTH_HEALTHY) {
			if (rt->health_state == HEALTH_UNHEALTHY)
				log_msg("%s: healthy again (%s)", rt->name, what);
			rt->health_state = HEALTH_HEALTHY;
			ev = EV_HEALTHY;
		}
	} else if (health_failure_counts(h, now)) {
		h->failures++;
		h->last_count_ms = now;
		log_debug("%s: health check %s: %s (%u of %llu)", rt->name, what, probe_reason(res),
			  h->failures, (unsigned long long)rt->cfg->health_retries);
		if (h->failures >= rt->cfg->health_retries && rt->health_state != HEALTH_UNHEALTHY) {
			log_msg("%s: health check %s failed %u times in a row, last: %s", rt->name, what,
				h->failures, probe_reason(res));
			rt->health_state = HEALTH_UNHEALTHY;
			ev = EV_UNHEALTHY;
		}
	} else {
		log_debug("%s: health check %s: %s (not counted yet)", rt->name, what, probe_reason(res));
	}
	health_schedule(h);
	if (ev == EV_N_EVENTS)
		return;
	/* The supervisor may stop (and free) this check from inside the event:
	 * health_stop() sees BUSY and leaves the free to us. */
	h->busy++;
	supervise_event(rt, ev);
	if (--h->busy == 0 && h->dead)
		free(h);
}

/* The probe ended (its pidfd is readable): reap it, then account. */
static void probe_done(struct loop *l, int fd, uint32_t events, void *data)
{
	struct health_check *h = data;
	siginfo_t si;
	int r, res;

	(void)events;
	memset(&si, 0, sizeof(si));
	/* __WCLONE: the probe has no exit signal (see the top of the file). */
	r = waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG | __WCLONE);
	if (r < 0 && errno == EINTR)
		return;
	if (r == 0 && si.si_pid == 0)
		return; /* not yet: the loop is level-triggered, it comes back */
	loop_del(l, fd);
	close(fd);
	h->pidfd = -1;
	loop_timer_cancel(l, &h->deadline);
	if (!h->rt) {
		/* Stopped while the probe ran: reaping it was all that was left. */
		free(h);
		return;
	}
	if (h->timed_out)
		res = PROBE_TIMEOUT;
	else if (r == 0 && si.si_code == CLD_EXITED)
		res = si.si_status;
	else
		res = PROBE_SETUP;
	h->timed_out = false;
	health_result(h, res);
}

/* The probe exceeded `timeout`: kill it; probe_done() counts the failure. */
static void probe_deadline(struct loop *l, void *data)
{
	struct health_check *h = data;

	(void)l;
	if (h->pidfd < 0)
		return;
	h->timed_out = true;
	syscall(SYS_pidfd_send_signal, h->pidfd, SIGKILL, NULL, 0);
}

/* Time for a probe: clone the child that runs it. */
static void probe_start(struct loop *l, void *data)
{
	struct health_check *h = data;
	struct service_rt *rt = h->rt;
	pid_t self = getpid(), pid;
	int pidfd = -1;

	if (!rt || h->pidfd >= 0 || rt->cfg->health_kind == HEALTH_NONE)
		return;
	if (rt->pid <= 0) {
		health_schedule(h);
		return;
	}
	/* A cmd probe execs with the service's filter: have it compiled (cached)
	 * here, in the daemon, once, rather than in every probe child. */
	if (rt->cfg->health_kind == HEALTH_CMD)
		(void)service_filter(rt);
	/* No exit signal: only waitid(P_PIDFD, __WCLONE) reaps it (see the header). */
	pid = clone3_pidfd(0, 0, -1, &pidfd);
	if (pid == 0)
		probe_child(rt, self);
	if (pid < 0) {
		/* The daemon's problem, not the service's: not a failed check. */
		if (!h->spawn_failed)
			log_msg("%s: unable to run a health check: clone3: %s", rt->name, strerror(errno));
		h->spawn_failed = true;
		health_schedule(h);
		return;
	}
	h->spawn_failed = false;
	if (loop_add(l, pidfd, EPOLLIN, probe_done, h) < 0) {
		siginfo_t si;
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | __WCLONE) < 0 && errno == EINTR)
			;
		close(pidfd);
		health_schedule(h);
		return;
	}
	h->pidfd = pidfd;
	h->timed_out = false;
	loop_timer_arm(l, &h->deadline, rt->cfg->health_timeout_ms);
}

/* See health.h. */
int health_start(struct service_rt *rt, struct error *err)
{
	struct health_check *h;

	health_stop(rt);
	rt->health_state = HEALTH_UNKNOWN;
	if (rt->cfg->health_kind == HEALTH_NONE)
		return 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return error_set(err, ENOMEM, "start the health checks of '%s'", rt->name);
	h->rt = rt;
	h->loop = rt->d->loop;
	h->pidfd = -1;
	h->next.fn = probe_start;
	h->next.data = h;
	h->deadline.fn = probe_deadline;
	h->deadline.data = h;
	h->begin_ms = h->last_count_ms = loop_now_ms();
	rt->health = h;
	health_schedule(h);
	return 0;
}

/* See health.h.  Safe from within supervise_event() called by this check. */
void health_stop(struct service_rt *rt)
{
	struct health_check *h = rt->health;

	if (!h)
		return;
	rt->health = NULL;
	rt->health_state = HEALTH_UNKNOWN;
	h->rt = NULL;
	loop_timer_cancel(h->loop, &h->next);
	if (h->pidfd >= 0) {
		/* Killed now, reaped when its pidfd says so (never a blocking wait
		 * here): probe_done() frees H then. */
		syscall(SYS_pidfd_send_signal, h->pidfd, SIGKILL, NULL, 0);
		loop_timer_cancel(h->loop, &h->deadline);
		return;
	}
	loop_timer_cancel(h->loop, &h->deadline);
	if (h->busy)
		h->dead = true;
	else
		free(h);
}
