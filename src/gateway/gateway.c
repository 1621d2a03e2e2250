/*
 * gateway.c - the daemon's side of the gateway (see gateway.h): fork the
 * master, wait until it is sandboxed, send it route tables and reloads over
 * the control channel, and stop it.  Runs in the root daemon; the master's
 * own code is in master.c and master_setup.c.
 */
#include "gateway/gateway.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clone.h"
#include "gateway/master.h"
#include "gateway/msg.h"
#include "gateway/settings.h"

#define SPAWN_WAIT_MS 30000        /* the master's setup (certificate generation included) */
#define CTL_SEND_TIMEOUT_S 5       /* a master that takes no message this long is stuck */

/* Wait for the master's setup report on FD; 0, or -errno with ERR filled. */
static int gateway_wait_ready(int fd, struct error *err)
{
	char buf[1 + sizeof(int) + ERROR_MSG_MAX];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	int errnum;

	for (;;) {
		int r = poll(&pfd, 1, SPAWN_WAIT_MS);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return error_set(err, r == 0 ? ETIMEDOUT : errno, "start the gateway");
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (buf[0] == 'k' || got == sizeof(buf) - 1)
			break;
	}
	if (got >= 1 && buf[0] == 'k')
		return 0;
	if (got < 1 + sizeof(int))
		return error_set(err, EPIPE, "start the gateway: the master died during setup");
	buf[got] = '\0';
	memcpy(&errnum, buf + 1, sizeof(int));
	error_set(err, 0, "%s", buf + 1 + sizeof(int));
	err->errnum = errnum;
	return errnum > 0 ? -errnum : -EINVAL;
}

/* Fork the master; see gateway.h. */
int gateway_spawn(const struct gateway_params *p, struct gateway *gw, struct error *err)
{
	struct timeval tv = { CTL_SEND_TIMEOUT_S, 0 };
	int sv[2], status[2], pidfd = -1, r;
	pid_t pid;

	memset(gw, 0, sizeof(*gw));
	gw->pidfd = gw->ctl_fd = -1;
	if (p->n_fds > GATEWAY_MAX_FDS)
		return error_set(err, EINVAL, "start the gateway: %zu listening sockets", p->n_fds);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return error_set(err, errno, "create the gateway's control channel");
	if (pipe2(status, O_CLOEXEC) < 0) {
		r = error_set(err, errno, "create the gateway's status pipe");
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	pid = clone3_pidfd(0, SIGCHLD, -1, &pidfd);
	if (pid < 0) {
		r = error_set(err, errno, "fork the gateway master");
		close(sv[0]);
		close(sv[1]);
		close(status[0]);
		close(status[1]);
		return r;
	}
	if (pid == 0) {
		close(sv[0]);
		close(status[0]);
		master_main(p, sv[1], status[1]);
	}
	close(sv[1]);
	close(status[1]);
	r = gateway_wait_ready(status[0], err);
	close(status[0]);
	if (r < 0) {
		siginfo_t si;

		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED);
		close(pidfd);
		close(sv[0]);
		return r;
	}
	/* Blocking sends, bounded: a stuck master cannot hang the daemon. */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	gw->pid = pid;
	gw->pidfd = pidfd;
	gw->ctl_fd = sv[0];
	return 0;
}

/* Send a route table; see gateway.h. */
int gateway_send_routes(struct gateway *gw, const char *text, size_t len, struct error *err)
{
	if (gw->ctl_fd < 0)
		return error_set(err, ENOTCONN, "send routes to the gateway");
	if (len > GATEWAY_ROUTES_MAX)
		return error_set(err, E2BIG, "send routes to the gateway");
	return msg_send(gw->ctl_fd, MSG_ROUTES, text, len, err);
}

/* Reload; see gateway.h. */
int gateway_reload(struct gateway *gw, const struct global_config *g, struct error *err)
{
	struct gw_settings s;
	char buf[512];
	int n;

	if (gw->ctl_fd < 0)
		return error_set(err, ENOTCONN, "reload the gateway");
	settings_from_global(&s, g);
	n = settings_render(&s, buf, sizeof(buf));
	if (n < 0)
		return error_set(err, -n, "reload the gateway");
	return msg_send(gw->ctl_fd, MSG_SETTINGS, buf, (size_t)n, err);
}

/* Stop; see gateway.h. */
void gateway_stop(struct gateway *gw)
{
	struct pollfd pfd = { .fd = gw->pidfd, .events = POLLIN };
	siginfo_t si;

	/* The hang-up is the stop order: the master drains and exits. */
	if (gw->ctl_fd >= 0)
		close(gw->ctl_fd);
	if (gw->pidfd >= 0) {
		int r;

		do
			r = poll(&pfd, 1, GATEWAY_STOP_MS + 2000);
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			syscall(SYS_pidfd_send_signal, gw->pidfd, SIGKILL, NULL, 0);
		memset(&si, 0, sizeof(si));
		waitid(P_PIDFD, (id_t)gw->pidfd, &si, WEXITED);
		close(gw->pidfd);
	}
	gw->pid = 0;
	gw->pidfd = gw->ctl_fd = -1;
}
