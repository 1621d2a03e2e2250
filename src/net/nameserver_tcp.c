/*
 * nameserver_tcp.c - the name server's TCP clients (RFC 7766): each message
 * behind a 2-byte length, several per connection, answered in any order.
 * Bounded everywhere: NS_TCP_CONN_MAX connections, NS_TCP_CONN_INFLIGHT
 * forwarded queries each (then the connection is not read until one ends),
 * NS_TCP_OUT_MAX bytes of unread replies, NS_TCP_IDLE_MS of silence.
 */
#include "net/nameserver_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define NS_TCP_IN_INITIAL 1024

/* Close C, forget it in its queries, free it. */
static void ns_tcp_close(struct ns_conn *c)
{
	struct ns_server *srv = c->srv;

	ns_forward_detach(srv, c);
	loop_timer_cancel(srv->loop, &c->idle);
	loop_timer_cancel(srv->loop, &c->resume);
	loop_del(srv->loop, c->fd);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->n_conns--;
	free(c->in);
	free(c->out);
	free(c);
}

/* Close C later, from the loop: it may be in use up the stack. */
static void ns_tcp_fail(struct ns_conn *c)
{
	c->failed = true;
	loop_timer_arm(c->srv->loop, &c->resume, 0);
}

/* Watch C for what it can do now: read unless paused, write while output waits. */
static void ns_tcp_watch(struct ns_conn *c)
{
	uint32_t ev = 0;

	c->paused = c->inflight >= NS_TCP_CONN_INFLIGHT || c->out_len - c->out_off > NS_TCP_OUT_MAX / 2;
	if (!c->paused && !c->eof)
		ev |= EPOLLIN;
	if (c->out_off < c->out_len)
		ev |= EPOLLOUT;
	if (loop_mod(c->srv->loop, c->fd, ev) < 0)
		ns_tcp_fail(c);
}

/* Write what C has pending; false when the connection failed. */
static bool ns_tcp_flush(struct ns_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return false;
		c->out_off += (size_t)n;
		/* Progress: a client reading its replies is not idle. */
		loop_timer_arm(c->srv->loop, &c->idle, NS_TCP_IDLE_MS);
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	return true;
}

/* Queue a reply; see nameserver_impl.h. */
void ns_tcp_send(struct ns_conn *c, const uint8_t *msg, size_t len)
{
	size_t need;

	if (c->failed)
		return;
	/* Compact first: what was written is of no use. */
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	need = c->out_len + 2 + len;
	if (need > NS_TCP_OUT_MAX) {
		/* A client that does not read its replies is not served further. */
		ns_tcp_fail(c);
		return;
	}
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		uint8_t *p;

		while (cap < need)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p) {
			ns_tcp_fail(c);
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	c->out[c->out_len] = (uint8_t)(len >> 8);
	c->out[c->out_len + 1] = (uint8_t)len;
	memcpy(c->out + c->out_len + 2, msg, len);
	c->out_len = need;
	if (!ns_tcp_flush(c)) {
		ns_tcp_fail(c);
		return;
	}
	ns_tcp_watch(c);
}

/* A query of C ended; see nameserver_impl.h. */
void ns_tcp_query_done(struct ns_conn *c)
{
	if (c->inflight > 0)
		c->inflight--;
	/* Messages may wait in C's buffer that no event will announce. */
	if ((c->paused || c->eof) && !c->failed)
		loop_timer_arm(c->srv->loop, &c->resume, 0);
}

/* Handle the complete messages in C's buffer, as long as C may have more in flight. */
static void ns_tcp_process(struct ns_conn *c)
{
	struct ns_server *srv = c->srv;

	while (!c->failed && c->in_len >= 2) {
		size_t len = (size_t)(c->in[0] << 8 | c->in[1]);

		/* Less than a header cannot be answered: the stream is garbage. */
		if (len < DNS_HEADER_LEN) {
			ns_tcp_fail(c);
			return;
		}
		if (c->in_len < 2 + len)
			break;
		if (c->inflight >= NS_TCP_CONN_INFLIGHT || c->out_len - c->out_off > NS_TCP_OUT_MAX / 2)
			break;
		ns_handle(srv, c->in + 2, len, c, NULL, 0);
		memmove(c->in, c->in + 2 + len, c->in_len - 2 - len);
		c->in_len -= 2 + len;
	}
	if (!c->failed)
		ns_tcp_watch(c);
}

/* Whether C has nothing more to do: its client stopped sending and every
 * reply went out. */
static bool ns_tcp_finished(const struct ns_conn *c)
{
	return c->eof && c->inflight == 0 && c->out_off == c->out_len;
}

/* Read what C's client sent; false when C was closed. */
static bool ns_tcp_read(struct ns_conn *c)
{
	size_t want = 2 + DNS_MSG_MAX;
	ssize_t n;

	/* Room for the message being read: grown to what its length says. */
	if (c->in_len >= 2)
		want = 2 + (size_t)(c->in[0] << 8 | c->in[1]);
	if (want <= c->in_len)
		want = c->in_len + 1;
	if (want > 2 + DNS_MSG_MAX)
		want = 2 + DNS_MSG_MAX;
	if (want > c->in_cap) {
		size_t cap = c->in_cap < NS_TCP_IN_INITIAL ? NS_TCP_IN_INITIAL : c->in_cap;
		uint8_t *p;

		while (cap < want)
			cap = cap * 2 > 2 + DNS_MSG_MAX ? 2 + DNS_MSG_MAX : cap * 2;
		p = realloc(c->in, cap);
		if (!p) {
			ns_tcp_close(c);
			return false;
		}
		c->in = p;
		c->in_cap = cap;
	}
	/* A full buffer holds a whole message, handled once C may go on. */
	if (c->in_len == c->in_cap)
		return true;
	n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n < 0) {
		ns_tcp_close(c);
		return false;
	}
	/* End of the client's stream: its queries still get their replies. */
	if (n == 0)
		c->eof = true;
	c->in_len += (size_t)n;
	loop_timer_arm(c->srv->loop, &c->idle, NS_TCP_IDLE_MS);
	return true;
}

/* C's socket is readable or writable. */
static void ns_tcp_io(struct loop *l, int fd, uint32_t events, void *data)
{
	struct ns_conn *c = data;

	(void)l;
	(void)fd;
	if ((events & EPOLLOUT) && !ns_tcp_flush(c)) {
		ns_tcp_close(c);
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->paused && !c->eof) {
		if (!ns_tcp_read(c))
			return;
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		/* Not read meanwhile: a hang-up would be reported without end. */
		ns_tcp_close(c);
		return;
	}
	/* Also after a write: output drained may let waiting messages through. */
	ns_tcp_process(c);
	/* A failed connection is closed by its deferred timer. */
	if (c->failed)
		return;
	if (ns_tcp_finished(c))
		ns_tcp_close(c);
}

/* C neither sent nor read anything for too long: closed, unless it waits for
 * upstreams (which end within their timeouts).  Replies it leaves unread do not
 * keep it: a client may not hold a connection slot by not reading. */
static void ns_tcp_idle(struct loop *l, void *data)
{
	struct ns_conn *c = data;

	if (c->inflight > 0) {
		loop_timer_arm(l, &c->idle, NS_TCP_IDLE_MS);
		return;
	}
	ns_tcp_close(c);
}

/* Deferred work of C: close it when it failed or is done, else handle its buffer again. */
static void ns_tcp_resume(struct loop *l, void *data)
{
	struct ns_conn *c = data;

	(void)l;
	if (!c->failed)
		ns_tcp_process(c);
	if (c->failed || ns_tcp_finished(c))
		ns_tcp_close(c);
}

/* Accept the waiting clients; see nameserver_impl.h. */
void ns_tcp_accept(struct loop *l, int fd, uint32_t events, void *data)
{
	struct ns_server *srv = data;

	(void)events;
	for (int i = 0; i < NS_TCP_CONN_MAX; i++) {
		struct ns_conn *c;
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0)
			return;
		/* Over the cap: closed at once, so the backlog does not fill up. */
		if (srv->n_conns >= NS_TCP_CONN_MAX || !(c = calloc(1, sizeof(*c)))) {
			close(cfd);
			continue;
		}
		c->srv = srv;
		c->fd = cfd;
		c->idle.fn = ns_tcp_idle;
		c->idle.data = c;
		c->resume.fn = ns_tcp_resume;
		c->resume.data = c;
		if (loop_add(l, cfd, EPOLLIN, ns_tcp_io, c) < 0) {
			close(cfd);
			free(c);
			continue;
		}
		c->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = c;
		srv->conns = c;
		srv->n_conns++;
		loop_timer_arm(l, &c->idle, NS_TCP_IDLE_MS);
	}
}
