/*
 * upstream.c - connections from a gateway worker to the services: the
 * non-blocking connect, reads and writes with edge-triggered readiness
 * flags, and a per-worker keep-alive pool of idle connections per service
 * address (closed when the service closes them or after GW_POOL_IDLE_MS).
 */
#include "gateway/worker.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define POOL_MAX 256   /* idle connections per worker, all services together */

/* Free U: unwatch, close, give the buffer back. */
static void upstream_free(struct upstream *u)
{
	loop_del(u->w->loop, u->fd);
	close(u->fd);
	buf_put(u->w, &u->in);
	free(u);
}

/* Take U out of the pool's idle list. */
static void upstream_unpool(struct upstream *u)
{
	struct upstream **p;

	for (p = &u->w->pool; *p && *p != u; p = &(*p)->pool_next)
		;
	if (*p) {
		*p = u->pool_next;
		u->w->n_pool--;
	}
	u->pool_next = NULL;
}

/* Events of an upstream socket: flags for its owner; an idle one that
 * stirs was closed by the service (or sent what nobody asked for). */
static void upstream_event(struct loop *l, int fd, uint32_t events, void *data)
{
	struct upstream *u = data;

	(void)l;
	(void)fd;
	if (!u->owner) {
		char byte;

		/* An event of this batch may predate the release: only a close,
		 * an error or unasked-for bytes end an idle connection. */
		if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ||
		    (!(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
		     recv(u->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
		     (errno == EAGAIN || errno == EWOULDBLOCK)))
			return;
		upstream_unpool(u);
		upstream_free(u);
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		u->rd_ready = true;
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		u->wr_ready = true;
	conn_drive(u->owner);
}

/* A connection to ADDR: an idle one from the pool unless FRESH, else a new
 * non-blocking connect.  NULL with *ERR = errno on failure. */
struct upstream *upstream_get(struct worker *w, const struct sockaddr_in *addr, bool fresh, int *err)
{
	struct upstream *u;
	int one = 1;

	for (u = fresh ? NULL : w->pool; u; u = u->pool_next) {
		if (u->addr.sin_addr.s_addr == addr->sin_addr.s_addr && u->addr.sin_port == addr->sin_port) {
			upstream_unpool(u);
			u->reused = true;
			/* Flags are stale after idling: try, and learn EAGAIN. */
			u->rd_ready = u->wr_ready = true;
			u->rd_eof = false;
			if (buf_get(w, &u->in) < 0) {
				upstream_free(u);
				*err = ENOMEM;
				return NULL;
			}
			return u;
		}
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		*err = ENOMEM;
		return NULL;
	}
	u->w = w;
	u->addr = *addr;
	u->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0) {
		*err = errno;
		free(u);
		return NULL;
	}
	setsockopt(u->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(u->fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0) {
		u->connected = true;
		u->wr_ready = true;
	} else if (errno != EINPROGRESS) {
		*err = errno;
		close(u->fd);
		free(u);
		return NULL;
	}
	u->rd_ready = true;
	if (buf_get(w, &u->in) < 0 ||
	    loop_add(w->loop, u->fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, upstream_event, u) < 0) {
		*err = ENOMEM;
		buf_put(w, &u->in);
		close(u->fd);
		free(u);
		return NULL;
	}
	return u;
}

/* See worker.h. */
int upstream_connected(struct upstream *u)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (u->connected)
		return 1;
	if (!u->wr_ready)
		return 0;
	if (getsockopt(u->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e == EINPROGRESS || e == EALREADY) {
		u->wr_ready = false;
		return 0;
	}
	if (e != 0)
		return -e;
	u->connected = true;
	return 1;
}

/* Hand U back: to the pool when REUSABLE and there is room, else closed. */
void upstream_release(struct upstream *u, bool reusable)
{
	struct worker *w = u->w;
	size_t same = 0;

	u->owner = NULL;
	if (reusable && !w->draining && w->n_pool < POOL_MAX && u->in.start == u->in.end) {
		for (struct upstream *p = w->pool; p; p = p->pool_next)
			if (p->addr.sin_addr.s_addr == u->addr.sin_addr.s_addr &&
			    p->addr.sin_port == u->addr.sin_port)
				same++;
		if (same < GW_POOL_PER_UPSTREAM) {
			buf_put(w, &u->in);
			u->idle_since = loop_now_ms();
			u->pool_next = w->pool;
			w->pool = u;
			w->n_pool++;
			if (w->sweep.when_ms == 0)
				loop_timer_arm(w->loop, &w->sweep, GW_SWEEP_MS);
			return;
		}
	}
	upstream_free(u);
}

/* Close idle connections older than GW_POOL_IDLE_MS: services close theirs
 * after a few seconds (Node: 5 s), and reusing one they are closing fails. */
void upstream_pool_sweep(struct worker *w, uint64_t now)
{
	struct upstream **p = &w->pool;

	while (*p) {
		struct upstream *u = *p;

		if (now - u->idle_since >= GW_POOL_IDLE_MS) {
			*p = u->pool_next;
			w->n_pool--;
			upstream_free(u);
		} else {
			p = &u->pool_next;
		}
	}
}

/* Close every idle connection. */
void upstream_pool_close(struct worker *w)
{
	while (w->pool) {
		struct upstream *u = w->pool;

		w->pool = u->pool_next;
		upstream_free(u);
	}
	w->n_pool = 0;
}

/* Read from the service; see worker.h for the result. */
ssize_t upstream_read(struct upstream *u, void *buf, size_t n)
{
	if (!u->rd_ready || n == 0)
		return IO_AGAIN;
	for (;;) {
		ssize_t r = read(u->fd, buf, n);

		if (r > 0) {
			if (u->owner)
				u->owner->last_up_io = loop_now_ms();
			return r;
		}
		if (r == 0) {
			u->rd_eof = true;
			return IO_EOF;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			u->rd_ready = false;
			return IO_AGAIN;
		}
		return IO_ERROR;
	}
}

/* Write to the service; see worker.h for the result. */
ssize_t upstream_write(struct upstream *u, const void *buf, size_t n)
{
	if (!u->wr_ready || n == 0)
		return IO_AGAIN;
	for (;;) {
		ssize_t r = send(u->fd, buf, n, MSG_NOSIGNAL);

		if (r > 0) {
			if (u->owner)
				u->owner->last_up_io = loop_now_ms();
			return r;
		}
		if (r == 0)
			return IO_AGAIN;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			u->wr_ready = false;
			return IO_AGAIN;
		}
		return IO_ERROR;
	}
}
