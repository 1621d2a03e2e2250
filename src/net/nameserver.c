/*
 * nameserver.c - the daemon's side of the name server (see nameserver.h):
 * fork it, learn whether its sandbox stands, send it tables and upstreams
 * over the control socket, stop it.  Runs in the daemon, as root; the child's
 * side is nameserver_child.c.
 */
#include "net/nameserver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clone.h"
#include "common/ctl.h"
#include "net/nameserver_impl.h"
#include "net/nameserver_table.h"

#define NS_STOP_GRACE_MS 1000
#define NS_SEND_TIMEOUT_S 1  /* a child that reads nothing for this long is broken */

/* Kill and reap the child of PIDFD, then close it. */
static void ns_reap(int pidfd, bool gently)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	siginfo_t si;

	if (gently) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
		while (poll(&p, 1, NS_STOP_GRACE_MS) < 0 && errno == EINTR)
			;
	}
	if (!gently || !(p.revents & POLLIN))
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	/* __WALL: a clone child without exit signal is invisible to waitid otherwise. */
	while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | __WALL) < 0 && errno == EINTR)
		;
	close(pidfd);
}

/* Read the child's report on STATUS_FD: 'k' when sandboxed, or "E" errno and
 * message when not, nothing when it died. */
static int ns_read_status(int status_fd, struct error *err)
{
	char buf[1 + sizeof(int) + ERROR_MSG_MAX];
	size_t got = 0;
	int errnum;

	for (;;) {
		ssize_t n = read(status_fd, buf + got, sizeof(buf) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(buf))
			break;
	}
	if (got == 1 && buf[0] == 'k')
		return 0;
	if (got > 1 + sizeof(int) && buf[0] == 'E') {
		memcpy(&errnum, buf + 1, sizeof(int));
		buf[got - 1] = '\0';
		error_set(err, 0, "%s", buf + 1 + sizeof(int));
		err->errnum = errnum;
		return errnum > 0 ? -errnum : -EINVAL;
	}
	return error_set(err, 0, "start the name server: it exited during its setup");
}

/* Fork the name server; see nameserver.h. */
int nameserver_spawn(const struct nameserver_config *cfg, struct nameserver *ns, struct error *err)
{
	int sv[2] = { -1, -1 }, status[2] = { -1, -1 }, pidfd = -1, r;
	struct ns_zone zone;
	pid_t pid;

	ns->pid = 0;
	ns->pidfd = ns->ctl_fd = -1;
	/* Checked here, where the error can be told, not in the child. */
	if (!cfg->domain || ns_zone_set_domain(&zone, cfg->domain) < 0) {
		r = error_set(err, EINVAL, "start the name server: invalid domain '%s'",
			      cfg->domain ? cfg->domain : "");
		goto out;
	}
	if (cfg->n_upstream > NAMESERVER_UPSTREAM_MAX || cfg->udp_fd < 0 || cfg->tcp_fd < 0) {
		r = error_set(err, EINVAL, "start the name server");
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(status, O_CLOEXEC) < 0) {
		r = error_set(err, errno, "create the name server's control socket");
		goto out;
	}
	/* No exit signal: only a waitid() on the pidfd reaps it, so no reaper of
	 * the daemon takes its status by surprise. */
	pid = clone3_pidfd(0, 0, -1, &pidfd);
	if (pid < 0) {
		r = error_set(err, errno, "fork the name server");
		goto out;
	}
	if (pid == 0) {
		close(sv[0]);
		close(status[0]);
		ns_child_main(cfg, sv[1], status[1]);
	}
	close(status[1]);
	status[1] = -1;
	/* Closed before waiting: a child that dies makes the read end. */
	close(sv[1]);
	sv[1] = -1;
	r = ns_read_status(status[0], err);
	if (r < 0) {
		ns_reap(pidfd, false);
		goto out;
	}
	{
		/* The daemon never waits long on a child that stopped reading. */
		struct timeval tv = { .tv_sec = NS_SEND_TIMEOUT_S, .tv_usec = 0 };
		setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	ns->pid = pid;
	ns->pidfd = pidfd;
	ns->ctl_fd = TAKE_FD(sv[0]);
	r = 0;
out:
	/* The sockets belong to the child now (or to nobody). */
	close(cfg->udp_fd);
	close(cfg->tcp_fd);
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (status[i] >= 0)
			close(status[i]);
	}
	return r;
}

/* Send the payload BUF (LEN bytes, after 4 bytes of room) as one frame. */
static int ns_send_frame(struct nameserver *ns, char *frame, size_t len, struct error *err)
{
	size_t off = 0;

	if (ns->ctl_fd < 0)
		return error_set(err, ENOTCONN, "send to the name server");
	ctl_frame_header((unsigned char *)frame, (uint32_t)len);
	len += 4;
	while (off < len) {
		/* MSG_NOSIGNAL: a name server gone is an error to report, not SIGPIPE. */
		ssize_t n = send(ns->ctl_fd, frame + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(err, errno == EAGAIN ? ETIMEDOUT : errno, "send to the name server");
		off += (size_t)n;
	}
	return 0;
}

/* Send a table; see nameserver.h. */
int nameserver_send_table(struct nameserver *ns, const struct nameserver_entry *v, size_t n, struct error *err)
{
	cleanup_free char *frame = malloc(4 + CTL_FRAME_MAX);
	int len;

	if (!frame)
		return error_set(err, ENOMEM, "send the name table");
	len = ns_msg_encode_table(v, n, frame + 4, CTL_FRAME_MAX);
	if (len < 0)
		return error_set(err, -len, "encode the name table (%zu entries)", n);
	return ns_send_frame(ns, frame, (size_t)len, err);
}

/* Send upstreams; see nameserver.h. */
int nameserver_send_upstreams(struct nameserver *ns, const struct ip_addr *v, size_t n, struct error *err)
{
	char frame[4 + 16 + NAMESERVER_UPSTREAM_MAX * 48];
	int len = ns_msg_encode_upstreams(v, n, frame + 4, sizeof(frame) - 4);

	if (len < 0)
		return error_set(err, -len, "encode the upstream resolvers (%zu)", n);
	return ns_send_frame(ns, frame, (size_t)len, err);
}

/* Stop the name server; see nameserver.h. */
void nameserver_stop(struct nameserver *ns)
{
	/* The control socket first: its hang-up alone makes the child exit. */
	if (ns->ctl_fd >= 0)
		close(ns->ctl_fd);
	if (ns->pidfd >= 0)
		ns_reap(ns->pidfd, true);
	ns->pid = 0;
	ns->pidfd = ns->ctl_fd = -1;
}
