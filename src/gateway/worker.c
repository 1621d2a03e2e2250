/*
 * worker.c - a gateway worker process: one epoll loop that accepts on the
 * shared listening sockets, runs the connections (conn.c, proxy.c), takes
 * route updates and the drain order from the master, and keeps the buffer
 * free list, the deadline sweep and the fairness queue.  Runs sandboxed and
 * unprivileged, forked from the master.
 */
#include "gateway/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/proctitle.h"
#include "gateway/gateway.h"

#define FREE_BUFS_MAX 64   /* buffers kept for reuse; more are freed */

/* Give B a buffer; see worker.h. */
int buf_get(struct worker *w, struct gw_buf *b)
{
	if (b->data)
		return 0;
	b->start = b->end = 0;
	if (w->n_free_bufs > 0) {
		b->data = w->free_bufs[--w->n_free_bufs];
		return 0;
	}
	b->data = malloc(GW_BUF_SIZE);
	return b->data ? 0 : -ENOMEM;
}

/* Return B's buffer; see worker.h. */
void buf_put(struct worker *w, struct gw_buf *b)
{
	if (!b->data)
		return;
	if (w->n_free_bufs < w->cap_free_bufs)
		w->free_bufs[w->n_free_bufs++] = b->data;
	else
		free(b->data);
	b->data = NULL;
	b->start = b->end = 0;
}

/* Move the bytes of B to its start. */
void buf_compact(struct gw_buf *b)
{
	if (b->start == 0)
		return;
	if (b->end > b->start)
		memmove(b->data, b->data + b->start, b->end - b->start);
	b->end -= b->start;
	b->start = 0;
}

/* Room at the end of B for more input; see worker.h. */
void buf_make_room(struct gw_buf *b)
{
	if (b->start == b->end)
		b->start = b->end = 0;
	else if (b->end == GW_BUF_SIZE)
		buf_compact(b);
}

/* splitmix64: request ids need to be unique and unpredictable enough to
 * not collide, not secret. */
static uint64_t worker_random(struct worker *w)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A request id; see worker.h. */
void worker_request_id(struct worker *w, char out[33])
{
	uint64_t a = worker_random(w), b = worker_random(w);

	snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

/* Queue C to run after the others; see worker.h. */
void worker_defer(struct worker *w, struct conn *c)
{
	uint64_t one = 1;

	if (c->pending)
		return;
	c->pending = true;
	c->pend_next = w->pending;
	w->pending = c;
	(void)!write(w->pending_fd, &one, sizeof(one));
}

/* Run the deferred connections (their turn came after one epoll round). */
static void worker_run_pending(struct loop *l, int fd, uint32_t events, void *data)
{
	struct worker *w = data;
	struct conn *list = w->pending;
	uint64_t v;

	(void)l;
	(void)events;
	(void)!read(fd, &v, sizeof(v));
	/* Taken as a batch (what is deferred again waits for the next round);
	 * conn_close() unlinks a connection from either list. */
	w->running = list;
	w->pending = NULL;
	while ((list = w->running)) {
		w->running = list->pend_next;
		list->pend_next = NULL;
		list->pending = false;
		conn_drive(list);
	}
}

static void worker_accept_event(struct loop *l, int fd, uint32_t events, void *data);

/* Watch or unwatch the listening sockets. */
static void worker_listen(struct worker *w, bool on)
{
	for (size_t i = 0; i < w->n_listeners; i++) {
		struct listener *li = &w->listeners[i];

		if (li->fd < 0 || li->watched == on)
			continue;
		if (on) {
			/* EPOLLEXCLUSIVE: one worker wakes per connection, not all. */
			if (loop_add(w->loop, li->fd, EPOLLIN | EPOLLEXCLUSIVE, worker_accept_event, li) == 0)
				li->watched = true;
		} else {
			loop_del(w->loop, li->fd);
			li->watched = false;
		}
	}
}

/* Accept what a listening socket has. */
static void worker_accept_event(struct loop *l, int fd, uint32_t events, void *data)
{
	struct listener *li = data;
	struct worker *w = li->w;

	(void)l;
	(void)events;
	for (int i = 0; i < 64 && !w->draining; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int s;

		/* At the cap, an idle keep-alive connection makes room; else
		 * this worker stops accepting and the others take over. */
		if (w->n_conns >= w->max_conns) {
			struct conn *c = w->conns, *oldest = NULL;

			for (; c; c = c->next)
				if (c->state == CS_HEAD && c->requests > 0 && c->in.end == c->in.start)
					oldest = c;
			if (!oldest || !conn_close_if_idle(oldest)) {
				w->accept_paused = true;
				worker_listen(w, false);
				return;
			}
		}
		s = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				w->accept_paused = true;
				worker_listen(w, false);
			}
			return;
		}
		conn_accept(w, s, li->tls, li->port, &ss);
	}
}

/* Leave the process once drained. */
static void worker_exit_if_drained(struct worker *w)
{
	if (w->draining && w->n_conns == 0) {
		upstream_pool_close(w);
		loop_stop(w->loop);
	}
}

/* A connection is gone; see worker.h. */
void worker_conn_gone(struct worker *w)
{
	if (w->accept_paused && !w->draining && w->n_conns < w->max_conns) {
		w->accept_paused = false;
		worker_listen(w, true);
	}
	worker_exit_if_drained(w);
}

/* Stop accepting and let the connections finish within BOUND_MS.  With
 * CLOSE_IDLE (the gateway stops) idle keep-alive connections close now;
 * else (a new generation took over) each gets one more answer, with
 * "Connection: close": closing an idle connection races with a request
 * the client may be sending on it at that moment. */
static void worker_drain(struct worker *w, uint64_t bound_ms, bool close_idle)
{
	struct conn *c, *next;

	uint64_t deadline = loop_now_ms() + bound_ms;

	/* A second order (the gateway stops while this generation drains)
	 * may only shorten the bound. */
	if (w->draining && deadline < w->drain_deadline)
		w->drain_deadline = deadline;
	if (!w->draining) {
		w->draining = true;
		w->drain_deadline = deadline;
		worker_listen(w, false);
		/* Closed here too: once every worker and the master let go, the
		 * port is free for whoever binds it next. */
		for (size_t i = 0; i < w->n_listeners; i++) {
			if (w->listeners[i].fd >= 0)
				close(w->listeners[i].fd);
			w->listeners[i].fd = -1;
		}
		upstream_pool_close(w);
	}
	w->close_idle |= close_idle;
	/* close_after is not forced here: a head already sent without
	 * "Connection: close" must not be followed by a close (see
	 * conn_response_done()); every head written from now on says it. */
	for (c = w->conns; c; c = next) {
		next = c->next;
		if (w->close_idle)
			conn_close_if_idle(c);
	}
	loop_timer_arm(w->loop, &w->sweep, GW_SWEEP_MS);
	worker_exit_if_drained(w);
}

/* Check every deadline. */
static void worker_sweep(struct loop *l, void *data)
{
	struct worker *w = data;
	uint64_t now = loop_now_ms();
	struct conn *c, *next;

	if (w->draining && now >= w->drain_deadline) {
		while (w->conns)
			conn_close(w->conns);
		worker_exit_if_drained(w);
		return;
	}
	for (c = w->conns; c; c = next) {
		next = c->next;
		conn_sweep(c, now);
	}
	upstream_pool_sweep(w, now);
	if (w->n_conns > 0 || w->pool || w->draining)
		loop_timer_arm(l, &w->sweep, GW_SWEEP_MS);
}

/* A message from the master. */
static void worker_ctl(struct loop *l, int fd, uint32_t events, void *data)
{
	struct worker *w = data;
	int r;

	(void)l;
	(void)events;
	while ((r = msg_read(&w->ctl, fd)) == 1) {
		struct error err;
		struct route_table *t;
		char type, *msg;
		size_t len;

		msg_reader_take(&w->ctl, &type, &msg, &len);
		if (type == MSG_ROUTES) {
			if (routes_parse(msg, len, &t, &err) < 0) {
				log_error("gateway worker", &err);
			} else {
				/* Connections copied what they need from a
				 * route when they started: the old table can go. */
				routes_free(w->routes);
				w->routes = t;
			}
		} else if (type == MSG_DRAIN) {
			char *rest;
			uint64_t bound = strtoull(msg, &rest, 10);

			worker_drain(w, bound, strcmp(rest, " close-idle") == 0);
		}
		free(msg);
	}
	if (r < 0) {
		/* The master is gone (or broke the protocol): finish and leave. */
		loop_del(w->loop, fd);
		worker_drain(w, GATEWAY_STOP_MS, true);
	}
}

/* The most connections this process can hold: a client and an upstream
 * descriptor each, within RLIMIT_NOFILE. */
static size_t worker_max_conns(void)
{
	struct rlimit rl;
	size_t n = GW_MAX_CONNS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		size_t fit = rl.rlim_cur > 64 ? (size_t)(rl.rlim_cur - 64) / 2 : 1;
		if (fit < n)
			n = fit;
	}
	return n;
}

/* The worker's life; see worker.h. */
int worker_main(const struct worker_params *p)
{
	struct worker *w = calloc(1, sizeof(*w));
	sigset_t none;

	if (!w)
		return 1;
	proctitle_set("pistack: gateway worker");
	/* The master blocked its signals for its signalfd: a worker takes
	 * SIGTERM's default action, and dies with the master. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

	w->set = p->set;
	w->tls = p->tls;
	w->routes = p->routes;
	w->ctl_fd = p->ctl_fd;
	w->log_fd = p->log_fd;
	w->acme_fd = p->acme_fd;
	w->max_conns = worker_max_conns();
	w->cap_free_bufs = FREE_BUFS_MAX;
	w->free_bufs = calloc(FREE_BUFS_MAX, sizeof(*w->free_bufs));
	if (getrandom(&w->rng, sizeof(w->rng), 0) != sizeof(w->rng))
		w->rng = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ loop_now_ms();
	msg_reader_init(&w->ctl, GATEWAY_ROUTES_MAX);
	for (size_t i = 0; i < p->n_fds && i < ARRAY_SIZE(w->listeners); i++) {
		struct listener *li = &w->listeners[w->n_listeners++];
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		li->w = w;
		li->fd = p->fds[i];
		li->tls = p->fd_tls[i];
		if (getsockname(li->fd, (struct sockaddr *)&ss, &len) == 0)
			li->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
								  : ((struct sockaddr_in *)&ss)->sin_port);
		if (li->tls && w->tls)
			w->https_port = li->port;
	}
	fcntl(w->ctl_fd, F_SETFL, O_NONBLOCK);
	w->loop = loop_new();
	w->pending_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->sweep.fn = worker_sweep;
	w->sweep.data = w;
	if (!w->loop || !w->free_bufs || w->pending_fd < 0 ||
	    loop_add(w->loop, w->pending_fd, EPOLLIN, worker_run_pending, w) < 0 ||
	    loop_add(w->loop, w->ctl_fd, EPOLLIN, worker_ctl, w) < 0) {
		log_msg("gateway worker: unable to set up the event loop: %s", strerror(errno));
		return 1;
	}
	worker_listen(w, true);
	loop_run(w->loop);
	return 0;
}
