/*
 * verb_exec.c - `exec [-i] [-t] NAME CMD [ARG...]`: run a command inside a
 * running service with the client's descriptors as its stdio (with -t, a
 * terminal of the service's own /dev/pts, whose master goes to the client in
 * a 'p' frame), and end the reply with its exit status.  The daemon never blocks on the command: it
 * watches the pidfd of the exec process on its loop, and a client that
 * hangs up takes the command with it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/ctl_server.h"
#include "daemon/daemon.h"
#include "daemon/verbs.h"
#include "isolate/exec.h"

#define EXEC_USAGE "usage: pistack exec [-i] [-t] NAME CMD [ARG...]\n"
#define EXEC_SIZE_OPT "--size="  /* the client's, with -t: ROWSxCOLS of its terminal */

/* One command running for one client. */
struct exec_session {
	struct ctl_conn *c;      /* NULL once the client went away */
	char name[NAME_MAX_LEN + 1];
	pid_t pid;               /* the exec process (see isolate/exec.c) */
	int pidfd;
};

/* The exit code of a waitid() result: the code, or 128+N for signal N. */
static int exec_exit_code(const siginfo_t *si)
{
	if (si->si_code == CLD_EXITED)
		return si->si_status;
	if (si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED)
		return 128 + si->si_status;
	return 125;
}

/* The exec process ended: reap it and end the reply with its status. */
static void exec_session_ended(struct loop *l, int fd, uint32_t events, void *data)
{
	struct exec_session *s = data;
	siginfo_t si;
	int code;

	(void)events;
	memset(&si, 0, sizeof(si));
	/* __WALL: the exec process is a clone child without an exit signal. */
	if (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG | __WALL) < 0) {
		if (errno == EINTR)
			return;
		log_msg("%s: unable to reap exec process %d: %s", s->name, (int)s->pid, strerror(errno));
		code = 125;
	} else if (si.si_pid == 0) {
		return; /* not ended yet */
	} else {
		code = exec_exit_code(&si);
	}
	loop_del(l, fd);
	close(fd);
	if (s->c)
		ctl_finish(s->c, code);
	free(s);
}

/* The client went away first: kill the command (the exec process is killed,
 * the command follows by its parent-death signal); reaped when it ended. */
static void exec_client_gone(struct ctl_conn *c, void *data)
{
	struct exec_session *s = data;

	(void)c;
	s->c = NULL;
	if (syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		log_msg("%s: unable to kill exec process %d: %s", s->name, (int)s->pid, strerror(errno));
}

/* Parse a decimal 1..65535 ending at END (or at the string's end); 0 if not one. */
static unsigned short exec_parse_dim(const char *s, char end, const char **next)
{
	unsigned long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9' && p - s < 5; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == s || *p != end || v == 0 || v > 65535)
		return 0;
	*next = p;
	return (unsigned short)v;
}

/* Parse "ROWSxCOLS", each 1..65535; false if malformed. */
static bool exec_parse_size(const char *s, unsigned short *rows, unsigned short *cols)
{
	const char *p;

	*rows = exec_parse_dim(s, 'x', &p);
	if (!*rows)
		return false;
	*cols = exec_parse_dim(p + 1, '\0', &p);
	return *cols != 0;
}

/* Parse the options of exec; returns the index of NAME, or -1 on a usage error. */
static int exec_parse_args(int argc, char **argv, bool *tty, unsigned short *rows, unsigned short *cols)
{
	bool sized = false;
	int i;

	*tty = false;
	*rows = *cols = 0;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strncmp(argv[i], EXEC_SIZE_OPT, strlen(EXEC_SIZE_OPT)) == 0) {
			if (!exec_parse_size(argv[i] + strlen(EXEC_SIZE_OPT), rows, cols))
				return -1;
			sized = true;
			continue;
		}
		if (!argv[i][1])
			return -1;
		for (const char *p = argv[i] + 1; *p; p++) {
			if (*p == 't')
				*tty = true;
			else if (*p != 'i') /* -i is the client's: it sends its stdin or not */
				return -1;
		}
	}
	/* A size is only the terminal's. */
	if (sized && !*tty)
		return -1;
	return argc - i >= 2 ? i : -1;
}

/* Kill the exec process behind PIDFD, reap it and close PIDFD. */
static void exec_kill(int pidfd)
{
	siginfo_t si;

	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | __WALL) < 0 && errno == EINTR)
		;
	close(pidfd);
}

/* See verbs.h. */
void verb_exec(struct daemon *d, struct ctl_conn *c, int argc, char **argv, const int *fds, int n_fds)
{
	struct exec_request req = { 0 };
	struct exec_session *s;
	struct service_rt *rt;
	struct error err;
	const char *name;
	unsigned short rows, cols;
	bool tty;
	int i, code, pidfd, pty, r;
	pid_t pid;

	i = exec_parse_args(argc, argv, &tty, &rows, &cols);
	if (i < 0) {
		ctl_err(c, EXEC_USAGE);
		ctl_finish(c, 2);
		return;
	}
	name = argv[i];
	rt = daemon_find(d, name);
	if (!rt) {
		ctl_err(c, "pistack: %s: unable to exec in '%s': no such service in %s/conf.d\n", name, name,
			d->conf_root);
		ctl_finish(c, 1);
		return;
	}
	if (rt->pid == 0 || d->stopping) {
		ctl_err(c, "pistack: %s: unable to exec in '%s': %s\n", name, name,
			rt->pid == 0 ? "not running" : "the daemon is shutting down");
		ctl_finish(c, 1);
		return;
	}
	if (n_fds != 3) {
		ctl_err(c, "pistack: %s: unable to exec in '%s': the client sent %d descriptors, not 3\n",
			name, name, n_fds);
		ctl_finish(c, 2);
		return;
	}
	req.global = &d->cfg.global;
	/* The settings the instance was started with (a reload may have changed
	 * rt->cfg since); an adopted instance has only the current ones. */
	req.svc = !rt->adopted && rt->ct.svc ? rt->ct.svc : rt->cfg;
	req.seccomp = service_filter(rt);
	req.cg = &d->cg;
	req.init_pid = rt->pid;
	req.init_pidfd = rt->pidfd;
	req.argv = argv + i + 1;
	memcpy(req.stdio, fds, sizeof(req.stdio));
	/* -t: a terminal of the service's own /dev/pts, whose master goes to
	 * the client, which relays it: the daemon stays out of the data path. */
	req.new_tty = tty;
	req.tty_rows = rows;
	req.tty_cols = cols;
	req.term = tty ? "xterm" : NULL; /* as docker exec -t */
	/* Synchronous until the command was executed: the child has its copies of
	 * FDS when this returns, and the control server closes ours. */
	if (container_exec(&req, &pid, &pidfd, &pty, &code, &err) < 0) {
		ctl_err(c, "pistack: %s: unable to %s\n", name, err.msg);
		ctl_finish(c, code);
		return;
	}
	if (pty >= 0) {
		/* The first frame of the reply: nothing is queued before it. */
		r = ctl_send_fd(c, pty);
		close(pty);
		if (r < 0) {
			exec_kill(pidfd);
			ctl_err(c, "pistack: %s: unable to pass the terminal of '%s' to the client: %s\n",
				name, name, strerror(-r));
			ctl_finish(c, 1);
			return;
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s || loop_add(d->loop, pidfd, EPOLLIN, exec_session_ended, s) < 0) {
		exec_kill(pidfd);
		free(s);
		ctl_err(c, "pistack: %s: unable to watch the command in '%s': out of memory\n", name, name);
		ctl_finish(c, 1);
		return;
	}
	s->c = c;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->pid = pid;
	s->pidfd = pidfd;
	ctl_keep(c, exec_client_gone, s);
}
