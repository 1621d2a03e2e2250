/*
 * nameserver_child.c - the name server process from its fork to its exit:
 * shed what it inherited from the daemon, enter the sandbox, report to the
 * daemon, then one event loop over the control socket, the UDP socket and
 * the TCP clients.  It exits when the control socket hangs up: the daemon is
 * gone, and the next one binds port 53 again.
 */
#include "net/nameserver_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/cleanup.h"
#include "common/ctl.h"
#include "common/log.h"
#include "common/proctitle.h"
#include "isolate/sandbox.h"

/* Everything the loop does, and nothing else.  No open(), no exec, no file
 * system at all: the root is empty anyway. */
static const int ns_syscalls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(close),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(accept4),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(timerfd_settime), SCMP_SYS(getrandom),
	/* What the C library calls instead on 32-bit arm (time64, send/recv);
	 * names this architecture lacks are skipped by sandbox_enter(). */
	SCMP_SYS(send), SCMP_SYS(recv), SCMP_SYS(timerfd_settime64),
};
/* Forwarding needs IPv4 and IPv6 sockets; no other family is reachable. */
static const int ns_families[] = { AF_INET, AF_INET6 };

/* Keep the upstreams of V that are not the name server itself; see nameserver_impl.h. */
void ns_set_upstreams(struct ns_server *srv, const struct ip_addr *v, size_t n)
{
	srv->n_upstream = 0;
	for (size_t i = 0; i < n && srv->n_upstream < NAMESERVER_UPSTREAM_MAX; i++) {
		/* Forwarding to ourselves would loop until every query times out. */
		if (v[i].family == AF_INET && v[i].v4.s_addr == srv->listen.s_addr)
			continue;
		if (v[i].family != AF_INET && v[i].family != AF_INET6)
			continue;
		srv->upstream[srv->n_upstream++] = v[i];
	}
	srv->preferred = 0;
}

/* Datagrams from UDP clients. */
static void ns_udp_read(struct loop *l, int fd, uint32_t events, void *data)
{
	struct ns_server *srv = data;

	(void)l;
	(void)events;
	for (int i = 0; i < NS_UDP_BATCH; i++) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof(peer);
		ssize_t n = recvfrom(fd, srv->buf, sizeof(srv->buf), MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&peer, &peer_len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		/* Cut to fit (MSG_TRUNC gives the real size): not a query we take. */
		if ((size_t)n > sizeof(srv->buf))
			continue;
		ns_handle(srv, srv->buf, (size_t)n, NULL, &peer, peer_len);
	}
}

/* Apply a control message of LEN bytes. */
static void ns_ctl_apply(struct ns_server *srv, const char *payload, size_t len)
{
	struct ns_msg msg;
	struct error err;

	if (ns_msg_parse(payload, len, &msg, &err) < 0) {
		/* The old table stays: better than none. */
		log_error("nameserver", &err);
		return;
	}
	if (msg.kind == NS_MSG_UPSTREAMS) {
		ns_set_upstreams(srv, msg.upstream, msg.n_upstream);
		return;
	}
	ns_table_release(&srv->table);
	srv->table = msg.table;
	if (!srv->serving) {
		/* Only now: a query before the first table would be forwarded. */
		if (loop_add(srv->loop, srv->udp_fd, EPOLLIN, ns_udp_read, srv) < 0 ||
		    loop_add(srv->loop, srv->tcp_fd, EPOLLIN, ns_tcp_accept, srv) < 0) {
			log_msg("nameserver: unable to watch its sockets: %s", strerror(errno));
			srv->exit_code = 1;
			loop_stop(srv->loop);
			return;
		}
		srv->serving = true;
	}
}

/* The control socket: frames from the daemon, or its hang-up. */
static void ns_ctl_read(struct loop *l, int fd, uint32_t events, void *data)
{
	struct ns_server *srv = data;

	(void)events;
	for (;;) {
		size_t want = srv->ctl_have < 4 ? 4 : 4 + srv->ctl_len;
		char *dst = srv->ctl_have < 4 ? (char *)srv->ctl_header + srv->ctl_have
					      : srv->ctl_payload + (srv->ctl_have - 4);
		ssize_t n = read(fd, dst, want - srv->ctl_have);
		long len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* The daemon is gone (or broke the stream): so are we. */
			loop_stop(l);
			return;
		}
		srv->ctl_have += (size_t)n;
		if (srv->ctl_have == 4) {
			len = ctl_frame_length(srv->ctl_header);
			if (len < 0) {
				log_msg("nameserver: unable to read the control socket: frame too large");
				srv->exit_code = 1;
				loop_stop(l);
				return;
			}
			srv->ctl_len = (size_t)len;
		}
		if (srv->ctl_have == 4 + srv->ctl_len && srv->ctl_have >= 4) {
			ns_ctl_apply(srv, srv->ctl_payload, srv->ctl_len);
			srv->ctl_have = 0;
			srv->ctl_len = 0;
		}
	}
}

/* Tell the daemon on STATUS_FD that setup failed with ERR, and exit. */
static __attribute__((noreturn)) void ns_child_fail(int status_fd, const struct error *err)
{
	char buf[1 + sizeof(int) + ERROR_MSG_MAX];
	size_t n = strnlen(err->msg, ERROR_MSG_MAX - 1);

	buf[0] = 'E';
	memcpy(buf + 1, &err->errnum, sizeof(int));
	memcpy(buf + 1 + sizeof(int), err->msg, n);
	buf[1 + sizeof(int) + n] = '\0';
	(void)!write(status_fd, buf, 1 + sizeof(int) + n + 1);
	_exit(1);
}

/* Everything before the sandbox: signals, descriptors, the server's state. */
static int ns_child_setup(const struct nameserver_config *cfg, int ctl_fd, int status_fd, struct ns_server *srv,
			  struct error *err)
{
	int keep[] = { 0, 1, 2, ctl_fd, status_fd, cfg->udp_fd, cfg->tcp_fd }, null;
	sigset_t none;

	/* The daemon's handlers and blocked signals are not ours: SIGTERM ends
	 * the process, a client gone away is an error code, not SIGPIPE. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* stdin and stdout on /dev/null; stderr stays the daemon's log, where a
	 * rejected control message or a crash report goes. */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
		return error_set(err, errno, "open '/dev/null'");
	close(null);
	/* None of the daemon's descriptors (control socket, service pipes, other
	 * sockets) may reach code that reads the network. */
	fs_close_all_but(0, keep, ARRAY_SIZE(keep));
	srv->udp_fd = cfg->udp_fd;
	srv->tcp_fd = cfg->tcp_fd;
	srv->ctl_fd = ctl_fd;
	srv->listen = cfg->listen;
	srv->zone.table = &srv->table;
	if (ns_zone_set_domain(&srv->zone, cfg->domain) < 0)
		return error_set(err, EINVAL, "use domain '%s'", cfg->domain);
	ns_set_upstreams(srv, cfg->upstream, cfg->n_upstream);
	/* After CFG is read: the title overwrites the argv area, where a
	 * caller's strings may live. */
	proctitle_set("pistack: nameserver");
	/* Non-blocking, and the loop made, while fcntl and epoll_create are allowed. */
	if (fcntl(srv->udp_fd, F_SETFL, O_NONBLOCK) < 0 || fcntl(srv->tcp_fd, F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(ctl_fd, F_SETFL, O_NONBLOCK) < 0)
		return error_set(err, errno, "make the name server's sockets non-blocking");
	srv->ctl_payload = malloc(CTL_FRAME_MAX);
	srv->loop = loop_new();
	if (!srv->ctl_payload || !srv->loop)
		return error_set(err, errno ? errno : ENOMEM, "create the name server's event loop");
	if (loop_add(srv->loop, ctl_fd, EPOLLIN, ns_ctl_read, srv) < 0)
		return error_set(err, errno, "watch the control socket");
	return 0;
}

/* The child's life; see nameserver_impl.h. */
void ns_child_main(const struct nameserver_config *cfg, int ctl_fd, int status_fd)
{
	struct ns_server *srv = calloc(1, sizeof(*srv));
	struct sandbox_spec spec = {
		.name = "nameserver",
		.uid = cfg->uid,
		.gid = cfg->gid,
		.syscalls = ns_syscalls,
		.n_syscalls = ARRAY_SIZE(ns_syscalls),
		.socket_families = ns_families,
		.n_socket_families = ARRAY_SIZE(ns_families),
	};
	struct error err;
	int r;

	error_clear(&err);
	if (!srv) {
		error_set(&err, ENOMEM, "start the name server");
		ns_child_fail(status_fd, &err);
	}
	if (ns_child_setup(cfg, ctl_fd, status_fd, srv, &err) < 0 || sandbox_enter(&spec, &err) < 0)
		ns_child_fail(status_fd, &err);
	/* Sandboxed: the daemon may go on. */
	(void)!write(status_fd, "k", 1);
	close(status_fd);
	r = loop_run(srv->loop);
	if (r < 0) {
		log_msg("nameserver: unable to wait for events: %s", strerror(-r));
		srv->exit_code = 1;
	}
	_exit(srv->exit_code);
}
