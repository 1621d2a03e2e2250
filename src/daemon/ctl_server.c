/*
 * ctl_server.c - the daemon's end of RUN/pistack.sock: accept, check the
 * peer's uid, read one request frame (bounded size, at most CTL_FDS_MAX
 * descriptors, a deadline), hand it to verb_dispatch(), and stream the
 * buffered reply.  Every socket is non-blocking and every buffer bounded, so
 * no client, hostile or stalled, can crash or block the daemon's loop.
 */
#include "daemon/ctl_server.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/ctl.h"
#include "common/log.h"

#define CTL_CONN_MAX 64                  /* open client sockets; more are turned away */
#define CTL_REQUEST_DEADLINE_MS 5000     /* to deliver the whole request frame */
#define CTL_OUT_MAX (4u << 20)           /* queued reply bytes before a client is dropped */
#define CTL_ACCEPT_BATCH 64              /* accepts per wakeup, so clients cannot starve the loop */
#define CTL_ACCEPT_PAUSE_MS 100          /* out of descriptors: retry accepting after this */

struct ctl_server {
	struct daemon *d;
	int fd;
	char *path;
	dev_t dev;                       /* the socket file we bound, so stop removes only ours */
	ino_t ino;
	struct ctl_conn *conns;          /* every connection, zombies included */
	size_t n_open;                   /* connections whose socket is open */
	struct loop_timer accept_pause;
};

struct ctl_conn {
	struct ctl_server *srv;          /* NULL once the server stopped (a zombie) */
	struct ctl_conn *next, **pprev;
	int fd;                          /* -1 once the client is gone or dropped */
	uint32_t events;                 /* what the loop watches for */
	bool reading;                    /* the request is not complete yet */
	bool rd_eof;                     /* the client shut down its writing side */
	bool dispatched;                 /* a verb owns the reply */
	bool finished;                   /* the 'x' frame is queued: no more output */
	bool in_dispatch;                /* verb_dispatch() is on the stack: do not free */
	bool in_close;                   /* on_close is on the stack: do not free */
	unsigned char header[4];
	size_t header_got;
	char *req;                       /* the request payload; ARGV points into it */
	size_t req_len, req_got;
	char *argv[CTL_ARGS_MAX + 1];    /* valid as long as the connection */
	int fds[CTL_FDS_MAX];
	int n_fds;
	bool too_many_fds;
	char *out;                       /* queued reply frames: out[out_off..out_len) */
	size_t out_off, out_len, out_cap;
	struct loop_timer timer;         /* the request deadline, or a deferred release */
	void (*on_close)(struct ctl_conn *c, void *data);
	void *on_close_data;
};


static void ctl_conn_settle(struct ctl_conn *c);

/* Tell a client we will not serve it, in one non-blocking send, and close. */
static void ctl_reject(int fd, const char *msg, int status)
{
	char buf[256];
	size_t len = strlen(msg), off = 0;
	char x[8];
	int xn = snprintf(x, sizeof(x), "%c%d", CTL_EXIT, status);

	if (len + 1 + 4 + (size_t)xn + 4 <= sizeof(buf)) {
		ctl_frame_header((unsigned char *)buf, (uint32_t)len + 1);
		buf[4] = CTL_ERR;
		memcpy(buf + 5, msg, len);
		off = 5 + len;
		ctl_frame_header((unsigned char *)buf + off, (uint32_t)xn);
		memcpy(buf + off + 4, x, (size_t)xn);
		off += 4 + (size_t)xn;
		/* A fresh socket's buffer always holds these few bytes; if it does
		 * not, the client loses the message, never the daemon its time. */
		(void)!send(fd, buf, off, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	close(fd);
}

/* The loop of C's server. */
static struct loop *ctl_conn_loop(const struct ctl_conn *c)
{
	return c->srv->d->loop;
}

/* Close the descriptors received with C's request. */
static void ctl_conn_close_fds(struct ctl_conn *c)
{
	for (int i = 0; i < c->n_fds; i++)
		close(c->fds[i]);
	c->n_fds = 0;
}

/* Close C's socket and drop its queued output; the struct lives on until settled. */
static void ctl_conn_close_socket(struct ctl_conn *c)
{
	if (c->fd < 0)
		return;
	loop_del(ctl_conn_loop(c), c->fd);
	close(c->fd);
	c->fd = -1;
	c->srv->n_open--;
	ctl_conn_close_fds(c);
	free(c->out);
	c->out = NULL;
	c->out_off = c->out_len = c->out_cap = 0;
}

/* Free C: no one holds it any more. */
static void ctl_conn_free(struct ctl_conn *c)
{
	if (c->srv) {
		ctl_conn_close_socket(c);
		loop_timer_cancel(ctl_conn_loop(c), &c->timer);
		*c->pprev = c->next;
		if (c->next)
			c->next->pprev = c->pprev;
	}
	ctl_conn_close_fds(c);
	free(c->out);
	free(c->req);
	free(c);
}

/* Free C once neither the client nor a verb can still use it.  Called last
 * by every entry point (loop callbacks, ctl_finish): C may be gone after. */
static void ctl_conn_settle(struct ctl_conn *c)
{
	void (*on_close)(struct ctl_conn *c, void *data);

	if (c->in_dispatch || c->in_close)
		return;
	if (c->fd >= 0) {
		/* Still reading the request, or still replying. */
		if (!c->finished || c->out_off < c->out_len)
			return;
		ctl_conn_close_socket(c);
	}
	if (c->dispatched && !c->finished) {
		/* The client went away while a verb still owns the reply: tell a
		 * streaming verb now; any other keeps C until its ctl_finish(). */
		if (!c->on_close)
			return;
		on_close = c->on_close;
		c->on_close = NULL;
		c->finished = true;
		c->in_close = true;
		on_close(c, c->on_close_data);
		c->in_close = false;
	}
	ctl_conn_free(c);
}

/* Release C from a later loop iteration (when the caller is a verb that
 * must not see its on_close run under its feet). */
static void ctl_conn_settle_later(struct ctl_conn *c)
{
	if (c->srv)
		loop_timer_arm(ctl_conn_loop(c), &c->timer, 0);
}

/* Watch what C needs: the request or a hangup, and room to write. */
static void ctl_conn_watch(struct ctl_conn *c)
{
	uint32_t events = 0;

	if (c->fd < 0)
		return;
	if (!c->rd_eof)
		events |= EPOLLIN | EPOLLRDHUP;
	if (c->out_off < c->out_len)
		events |= EPOLLOUT;
	if (events != c->events && loop_mod(ctl_conn_loop(c), c->fd, events) == 0)
		c->events = events;
}

/* Write what C has queued; 0 when all went, -EAGAIN when the socket is full, -errno. */
static int ctl_conn_flush(struct ctl_conn *c)
{
	while (c->out_off < c->out_len) {
		/* MSG_NOSIGNAL: a client that hung up is an error here, never SIGPIPE. */
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
		}
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

/* Make room for LEN more bytes in C's queue; false past the cap. */
static bool ctl_conn_reserve(struct ctl_conn *c, size_t len)
{
	size_t queued = c->out_len - c->out_off, cap;
	char *p;

	if (len > CTL_OUT_MAX || queued > CTL_OUT_MAX - len)
		return false;
	if (c->out_off > 0 && c->out_len + len > c->out_cap) {
		memmove(c->out, c->out + c->out_off, queued);
		c->out_off = 0;
		c->out_len = queued;
	}
	if (c->out_len + len <= c->out_cap)
		return true;
	cap = c->out_cap ? c->out_cap : 4096;
	while (cap < c->out_len + len)
		cap *= 2;
	p = realloc(c->out, cap);
	if (!p)
		return false;
	c->out = p;
	c->out_cap = cap;
	return true;
}

/* Queue frames of TYPE holding BUF; a client that let too much pile up is dropped. */
static void ctl_conn_queue(struct ctl_conn *c, char type, const void *buf, size_t len)
{
	const char *p = buf;

	do {
		size_t chunk = len < CTL_FRAME_MAX - 1 ? len : CTL_FRAME_MAX - 1;

		if (!ctl_conn_reserve(c, 5 + chunk)) {
			log_debug("control: dropping a client that does not read its reply");
			ctl_conn_close_socket(c);
			ctl_conn_settle_later(c);
			return;
		}
		ctl_frame_header((unsigned char *)c->out + c->out_len, (uint32_t)chunk + 1);
		c->out[c->out_len + 4] = type;
		if (chunk)
			memcpy(c->out + c->out_len + 5, p, chunk);
		c->out_len += 5 + chunk;
		p += chunk;
		len -= chunk;
	} while (len > 0);
}

/* Queue the 'x' frame of STATUS: C's reply is complete. */
static void ctl_conn_end(struct ctl_conn *c, int status)
{
	char x[8];
	int n, r;

	c->finished = true;
	if (c->fd < 0)
		return;
	if (status < 0 || status > 255)
		status = 1;
	n = snprintf(x, sizeof(x), "%d", status);
	ctl_conn_queue(c, CTL_EXIT, x, (size_t)n);
	/* Try now: a daemon that exits right after the last reply (`down`)
	 * still delivers it. */
	if (c->fd >= 0 && (r = ctl_conn_flush(c)) < 0 && r != -EAGAIN)
		ctl_conn_close_socket(c);
	ctl_conn_watch(c);
}

/* Refuse C's request with a usage error described by ERR. */
static void ctl_conn_refuse(struct ctl_conn *c, const struct error *err)
{
	char msg[ERROR_MSG_MAX + 32];
	int n = snprintf(msg, sizeof(msg), "pistack: unable to %s\n", err->msg);

	log_debug("control: refused a request: %s", err->msg);
	c->reading = false;
	loop_timer_cancel(ctl_conn_loop(c), &c->timer);
	ctl_conn_close_fds(c);
	ctl_conn_queue(c, CTL_ERR, msg, n > 0 && (size_t)n < sizeof(msg) ? (size_t)n : 0);
	ctl_conn_end(c, 2);
}

/* Parse C's complete request and hand it to its verb. */
static void ctl_conn_request(struct ctl_conn *c)
{
	struct error err;
	int argc;

	c->reading = false;
	loop_timer_cancel(ctl_conn_loop(c), &c->timer);
	if (c->too_many_fds) {
		error_set(&err, 0, "read the control request: more than %d descriptors attached",
			  CTL_FDS_MAX);
		ctl_conn_refuse(c, &err);
		return;
	}
	argc = ctl_parse_request(c->req, c->req_len, c->argv, &err);
	if (argc < 0) {
		ctl_conn_refuse(c, &err);
		return;
	}
	c->dispatched = true;
	c->in_dispatch = true;
	verb_dispatch(c->srv->d, c, argc, c->argv, c->fds, c->n_fds);
	c->in_dispatch = false;
	/* The descriptors were lent for the call: a verb dup()s what it keeps. */
	ctl_conn_close_fds(c);
}

/* Keep the descriptors of one control message; false if it was truncated. */
static bool ctl_conn_take_fds(struct ctl_conn *c, struct msghdr *msg)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		size_t n;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (c->n_fds < CTL_FDS_MAX) {
				c->fds[c->n_fds++] = fd;
			} else {
				close(fd);
				c->too_many_fds = true;
			}
		}
	}
	/* Truncated: the kernel dropped descriptors we cannot account for. */
	return !(msg->msg_flags & MSG_CTRUNC);
}

/* Receive up to LEN request bytes with their descriptors: the count, 0 at
 * end of stream, -EAGAIN, or another -errno. */
static ssize_t ctl_conn_recv(struct ctl_conn *c, void *buf, size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * CTL_FDS_MAX)];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	do {
		/* MSG_CMSG_CLOEXEC: received descriptors never leak into what we spawn. */
		n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (!ctl_conn_take_fds(c, &msg))
		return -EPROTO;
	return n;
}

/* Read what has arrived of C's request; dispatch it once complete. */
static void ctl_conn_read(struct ctl_conn *c)
{
	struct error err;

	while (c->fd >= 0 && c->reading) {
		bool in_header = c->header_got < sizeof(c->header);
		void *dst = in_header ? (void *)(c->header + c->header_got) : (void *)(c->req + c->req_got);
		size_t want = in_header ? sizeof(c->header) - c->header_got : c->req_len - c->req_got;
		ssize_t n = ctl_conn_recv(c, dst, want);

		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			/* Gone, failed, or truncated descriptors: no one to answer. */
			ctl_conn_close_socket(c);
			return;
		}
		if (in_header) {
			c->header_got += (size_t)n;
			if (c->header_got < sizeof(c->header))
				continue;
			long len = ctl_frame_length(c->header);
			if (len < 0) {
				error_set(&err, 0, "read the control request: it is larger than %d bytes",
					  CTL_FRAME_MAX);
				ctl_conn_refuse(c, &err);
				return;
			}
			c->req_len = (size_t)len;
			c->req = malloc(c->req_len ? c->req_len : 1);
			if (!c->req) {
				ctl_conn_close_socket(c);
				return;
			}
		} else {
			c->req_got += (size_t)n;
		}
		if (c->req_got == c->req_len)
			ctl_conn_request(c);
	}
}

/* After the request: notice the client leaving.  Nothing more may come. */
static void ctl_conn_read_after(struct ctl_conn *c, uint32_t events)
{
	char byte;
	ssize_t n;

	do {
		n = recv(c->fd, &byte, 1, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n == 0 && !(events & (EPOLLHUP | EPOLLERR))) {
		/* A half-close (shutdown(SHUT_WR)) still reads its reply. */
		c->rd_eof = true;
		return;
	}
	/* Hung up, failed, or bytes after the request: a broken client. */
	ctl_conn_close_socket(c);
}

/* Loop callback of a client socket. */
static void ctl_conn_io(struct loop *l, int fd, uint32_t events, void *data)
{
	struct ctl_conn *c = data;

	(void)l;
	(void)fd;
	if (c->out_off < c->out_len) {
		int r = ctl_conn_flush(c);

		/* -EAGAIN: the rest waits for EPOLLOUT. */
		if (r < 0 && r != -EAGAIN)
			ctl_conn_close_socket(c);
	}
	if (c->fd >= 0 && c->reading)
		ctl_conn_read(c);
	else if (c->fd >= 0 && !c->rd_eof)
		ctl_conn_read_after(c, events);
	else if (c->fd >= 0 && (events & (EPOLLHUP | EPOLLERR)))
		ctl_conn_close_socket(c);
	ctl_conn_watch(c);
	ctl_conn_settle(c);
}

/* Timer of a connection: its request deadline passed, or a deferred release. */
static void ctl_conn_timer(struct loop *l, void *data)
{
	struct ctl_conn *c = data;

	(void)l;
	if (c->fd >= 0 && c->reading) {
		log_debug("control: closing a client that sent no complete request in %d ms",
			  CTL_REQUEST_DEADLINE_MS);
		ctl_conn_close_socket(c);
	}
	ctl_conn_settle(c);
}

/* Set up a connection for the accepted socket FD, or turn it away. */
static void ctl_conn_new(struct ctl_server *srv, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct ctl_conn *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		close(fd);
		return;
	}
	/* Only root (or the daemon's own user) may drive the daemon: the socket's
	 * mode says so too, but a descriptor can be passed on; credentials are
	 * those of the connect(). */
	if (cred.uid != 0 && cred.uid != geteuid()) {
		log_debug("control: refused uid %u (pid %d)", (unsigned)cred.uid, (int)cred.pid);
		ctl_reject(fd, "pistack: permission denied\n", 1);
		return;
	}
	if (srv->n_open >= CTL_CONN_MAX) {
		ctl_reject(fd, "pistack: the daemon has too many clients; try again\n", 1);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	c->reading = true;
	c->events = EPOLLIN | EPOLLRDHUP;
	if (loop_add(srv->d->loop, fd, c->events, ctl_conn_io, c) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = srv->conns;
	if (c->next)
		c->next->pprev = &c->next;
	c->pprev = &srv->conns;
	srv->conns = c;
	srv->n_open++;
	c->timer.fn = ctl_conn_timer;
	c->timer.data = c;
	loop_timer_arm(srv->d->loop, &c->timer, CTL_REQUEST_DEADLINE_MS);
}

/* Timer: accepting paused for lack of descriptors; try again. */
static void ctl_server_resume(struct loop *l, void *data)
{
	struct ctl_server *srv = data;

	loop_mod(l, srv->fd, EPOLLIN);
}

/* Loop callback of the listening socket. */
static void ctl_server_accept(struct loop *l, int fd, uint32_t events, void *data)
{
	struct ctl_server *srv = data;

	(void)events;
	for (int i = 0; i < CTL_ACCEPT_BATCH; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd >= 0) {
			ctl_conn_new(srv, cfd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* The pending connection stays readable: without a pause the
			 * loop would spin on it. */
			log_msg("control: unable to accept a client: %s", strerror(errno));
			loop_mod(l, fd, 0);
			loop_timer_arm(l, &srv->accept_pause, CTL_ACCEPT_PAUSE_MS);
		}
		return;
	}
}

/* Bind PATH (mode 0600) and start accepting on D's loop; see ctl_server.h. */
int ctl_server_start(struct daemon *d, const char *path, struct error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_server *srv;
	struct stat st;
	mode_t old_mask;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return error_set(err, ENAMETOOLONG, "bind control socket '%s'", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	srv = calloc(1, sizeof(*srv));
	if (!srv || !(srv->path = strdup(path))) {
		free(srv);
		return error_set(err, ENOMEM, "bind control socket '%s'", path);
	}
	srv->d = d;
	srv->accept_pause.fn = ctl_server_resume;
	srv->accept_pause.data = srv;
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0) {
		r = error_set(err, errno, "create control socket '%s'", path);
		goto out_free;
	}
	/* The caller holds the daemon's lock, so a file here is a previous
	 * daemon's leftover, not a live socket. */
	if (unlink(path) < 0 && errno != ENOENT) {
		r = error_set(err, errno, "remove stale control socket '%s'", path);
		goto out_close;
	}
	/* The umask makes bind() create the file 0600: there is no moment at
	 * which another user could connect. */
	old_mask = umask(0177);
	r = bind(srv->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (r < 0) {
		r = error_set(err, errno, "bind control socket '%s'", path);
		goto out_close;
	}
	if (chmod(path, 0600) < 0 || lstat(path, &st) < 0) {
		r = error_set(err, errno, "set the mode of control socket '%s'", path);
		goto out_unlink;
	}
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	if (listen(srv->fd, SOMAXCONN) < 0) {
		r = error_set(err, errno, "listen on control socket '%s'", path);
		goto out_unlink;
	}
	r = loop_add(d->loop, srv->fd, EPOLLIN, ctl_server_accept, srv);
	if (r < 0) {
		r = error_set(err, -r, "watch control socket '%s'", path);
		goto out_unlink;
	}
	d->listen_fd = srv->fd;
	d->ctl = srv;
	return 0;

out_unlink:
	unlink(path);
out_close:
	close(srv->fd);
out_free:
	free(srv->path);
	free(srv);
	return r;
}

/* Stop accepting, deliver what can be delivered, and close every client. */
void ctl_server_stop(struct daemon *d)
{
	struct ctl_server *srv = d->ctl;
	struct stat st;

	if (!srv || srv->d != d)
		return;
	d->ctl = NULL;
	loop_timer_cancel(d->loop, &srv->accept_pause);
	loop_del(d->loop, srv->fd);
	close(srv->fd);
	d->listen_fd = -1;
	/* Remove the file only if it is still ours: a successor may have bound it. */
	if (lstat(srv->path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == srv->dev &&
	    st.st_ino == srv->ino)
		unlink(srv->path);
	while (srv->conns) {
		struct ctl_conn *c = srv->conns;

		if (c->fd >= 0 && c->out_off < c->out_len)
			(void)ctl_conn_flush(c);
		ctl_conn_close_socket(c);
		loop_timer_cancel(d->loop, &c->timer);
		srv->conns = c->next;
		if (c->next)
			c->next->pprev = &srv->conns;
		/* Detached: a verb still holding C may ctl_finish() it later. */
		c->srv = NULL;
		c->next = NULL;
		c->pprev = NULL;
		ctl_conn_settle(c);
	}
	free(srv->path);
	free(srv);
}

/* Queue LEN bytes of reply TYPE ('o' or 'e') on C; see ctl_server.h. */
void ctl_write(struct ctl_conn *c, char type, const void *buf, size_t len)
{
	if (!c || c->fd < 0 || c->finished || len == 0)
		return;
	ctl_conn_queue(c, type, buf, len);
	ctl_conn_watch(c);
}

/* Send a 'p' frame carrying FD; see ctl_server.h.  Synchronous: a
 * descriptor cannot wait in the byte queue, so it goes only ahead of
 * everything, and only if the socket takes it now. */
int ctl_send_fd(struct ctl_conn *c, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	unsigned char frame[5];
	struct iovec iov = { .iov_base = frame, .iov_len = sizeof(frame) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)
	};
	struct cmsghdr *cm;
	ssize_t n;

	if (!c || c->fd < 0 || c->finished)
		return -EPIPE;
	if (c->out_off < c->out_len)
		return -EBUSY;
	ctl_frame_header(frame, 1);
	frame[4] = CTL_PTY;
	memset(&control, 0, sizeof(control));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		n = sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	/* The descriptor went with the first byte; the rest of the frame, if
	 * the socket took only part of it, waits in the queue like any reply. */
	if ((size_t)n < sizeof(frame)) {
		if (!ctl_conn_reserve(c, sizeof(frame) - (size_t)n)) {
			ctl_conn_close_socket(c);
			ctl_conn_settle_later(c);
			return -ENOMEM;
		}
		memcpy(c->out + c->out_len, frame + n, sizeof(frame) - (size_t)n);
		c->out_len += sizeof(frame) - (size_t)n;
		ctl_conn_watch(c);
	}
	return 0;
}

/* Format and queue reply bytes of TYPE. */
static void ctl_vprintf(struct ctl_conn *c, char type, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void ctl_vprintf(struct ctl_conn *c, char type, const char *fmt, va_list ap)
{
	char buf[1024], *big = NULL;
	va_list ap2;
	int n;

	if (!c || c->fd < 0 || c->finished)
		return;
	va_copy(ap2, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(buf))
		ctl_write(c, type, buf, (size_t)n);
	else if (n >= 0 && vasprintf(&big, fmt, ap2) >= 0)
		ctl_write(c, type, big, (size_t)n);
	va_end(ap2);
	free(big);
}

/* printf to the client's standard output. */
void ctl_out(struct ctl_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vprintf(c, CTL_OUT, fmt, ap);
	va_end(ap);
}

/* printf to the client's standard error. */
void ctl_err(struct ctl_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vprintf(c, CTL_ERR, fmt, ap);
	va_end(ap);
}

/* End C's reply with STATUS; the verb must not use C afterwards. */
void ctl_finish(struct ctl_conn *c, int status)
{
	if (!c || c->finished)
		return;
	/* The verb lets go of C: its on_close will not run. */
	c->on_close = NULL;
	ctl_conn_end(c, status);
	ctl_conn_settle(c);
}

/* Keep C open after the verb returns; see ctl_server.h. */
void ctl_keep(struct ctl_conn *c, void (*on_close)(struct ctl_conn *c, void *data), void *data)
{
	if (!c || c->finished)
		return;
	c->on_close = on_close;
	c->on_close_data = data;
	/* Gone already (dropped while the verb ran): on_close runs from the loop. */
	if (c->fd < 0 && !c->in_dispatch)
		ctl_conn_settle_later(c);
}

/* Bytes queued for C and not yet written. */
size_t ctl_pending(const struct ctl_conn *c)
{
	return c && c->fd >= 0 ? c->out_len - c->out_off : 0;
}
