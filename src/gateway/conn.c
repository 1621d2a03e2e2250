/*
 * conn.c - a client connection of a gateway worker: accept, TLS handshake,
 * reading and parsing request heads under the header timeout, choosing what
 * answers (ACME file, HTTPS redirect, error, or a service via proxy.c),
 * keep-alive between requests, lingering close, and the deadline sweep.
 * Every byte here comes from the network: this runs unprivileged.
 */
#include "gateway/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "gateway/accesslog.h"

#define DRIVE_ROUNDS 64   /* steps one connection may take before the others' turn */

/* Read from the client; see worker.h for the result. */
ssize_t conn_read(struct conn *c, void *buf, size_t n)
{
	if (!c->rd_ready || n == 0)
		return IO_AGAIN;
	if (c->ssl) {
		size_t done = 0;

		switch (tls_read(c->ssl, buf, n, &done, NULL)) {
		case TLS_DONE:
			c->last_client_io = loop_now_ms();
			return (ssize_t)done;
		case TLS_WANT_READ:
			c->rd_ready = false;
			c->rd_wants_wr = false;
			return IO_AGAIN;
		case TLS_WANT_WRITE:
			c->rd_ready = false;
			c->rd_wants_wr = true;
			return IO_AGAIN;
		case TLS_CLOSED:
			c->rd_eof = true;
			return IO_EOF;
		default:
			return IO_ERROR;
		}
	}
	for (;;) {
		ssize_t r = read(c->fd, buf, n);

		if (r > 0) {
			c->last_client_io = loop_now_ms();
			return r;
		}
		if (r == 0) {
			c->rd_eof = true;
			return IO_EOF;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->rd_ready = false;
			return IO_AGAIN;
		}
		return IO_ERROR;
	}
}

/* Write to the client; see worker.h for the result. */
ssize_t conn_write(struct conn *c, const void *buf, size_t n)
{
	if (!c->wr_ready || n == 0)
		return IO_AGAIN;
	if (c->ssl) {
		size_t done = 0;

		switch (tls_write(c->ssl, buf, n, &done, NULL)) {
		case TLS_DONE:
			c->last_client_io = loop_now_ms();
			return (ssize_t)done;
		case TLS_WANT_WRITE:
			c->wr_ready = false;
			c->wr_wants_rd = false;
			return IO_AGAIN;
		case TLS_WANT_READ:
			c->wr_ready = false;
			c->wr_wants_rd = true;
			return IO_AGAIN;
		default:
			return IO_ERROR;
		}
	}
	for (;;) {
		ssize_t r = send(c->fd, buf, n, MSG_NOSIGNAL);

		if (r >= 0) {
			c->last_client_io = loop_now_ms();
			return r > 0 ? r : IO_AGAIN;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->wr_ready = false;
			return IO_AGAIN;
		}
		return IO_ERROR;
	}
}

/* Events of the client socket: set the flags, then move bytes. */
static void conn_event(struct loop *l, int fd, uint32_t events, void *data)
{
	struct conn *c = data;

	(void)l;
	(void)fd;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		c->rd_ready = true;
		if (c->wr_wants_rd)
			c->wr_ready = true;
	}
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
		c->wr_ready = true;
		if (c->rd_wants_wr)
			c->rd_ready = true;
	}
	conn_drive(c);
}

/* The client's address as text; an IPv4-mapped IPv6 address as IPv4. */
static void conn_peer_text(const struct sockaddr_storage *ss, char *out, size_t size)
{
	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out, (socklen_t)size);
	} else if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, &a->s6_addr[12], out, (socklen_t)size);
		else
			inet_ntop(AF_INET6, a, out, (socklen_t)size);
	} else {
		snprintf(out, size, "-");
	}
}

/* Take an accepted socket; see worker.h. */
void conn_accept(struct worker *w, int fd, bool tls, uint16_t port, const struct sockaddr_storage *peer)
{
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1;
	uint64_t now = loop_now_ms();

	if (!c || (w->log_fd >= 0 && !(c->log = calloc(1, sizeof(*c->log))))) {
		if (c)
			free(c);
		close(fd);
		return;
	}
	c->w = w;
	c->fd = fd;
	c->tls = tls;
	c->local_port = port;
	conn_peer_text(peer, c->client, sizeof(c->client));
	/* Heads and bodies go out in separate writes: no Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (tls) {
		if (!w->tls || !(c->ssl = tls_conn_new(w->tls, fd, NULL))) {
			free(c->log);
			free(c);
			close(fd);
			return;
		}
	}
	if (loop_add(w->loop, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, conn_event, c) < 0) {
		if (c->ssl)
			SSL_free(c->ssl);
		free(c->log);
		free(c);
		close(fd);
		return;
	}
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->n_conns++;
	c->state = tls ? CS_HANDSHAKE : CS_HEAD;
	/* One window for the handshake and the first head: a client that
	 * trickles bytes cannot stretch it. */
	c->head_started = true;
	c->deadline = now + w->set.header_timeout_ms;
	c->last_client_io = c->last_up_io = now;
	c->rd_ready = c->wr_ready = true;
	if (w->sweep.when_ms == 0)
		loop_timer_arm(w->loop, &w->sweep, GW_SWEEP_MS);
	conn_drive(c);
}

/* Free C and everything it holds. */
void conn_close(struct conn *c)
{
	struct worker *w = c->w;

	if (c->state == CS_CLOSED)
		return;
	c->state = CS_CLOSED;
	if (c->up)
		proxy_abort(c);
	if (c->pending) {
		struct conn **p;

		for (p = &w->pending; *p && *p != c; p = &(*p)->pend_next)
			;
		if (!*p)
			for (p = &w->running; *p && *p != c; p = &(*p)->pend_next)
				;
		if (*p)
			*p = c->pend_next;
	}
	loop_del(w->loop, c->fd);
	if (c->ssl)
		SSL_free(c->ssl);
	close(c->fd);
	buf_put(w, &c->in);
	buf_put(w, &c->hb);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->n_conns--;
	free(c->log);
	free(c);
	worker_conn_gone(w);
}

/* Close C if it is between requests with nothing buffered; see worker.h. */
bool conn_close_if_idle(struct conn *c)
{
	if (c->state == CS_HEAD && c->requests > 0 && !c->head_started && c->in.end == c->in.start) {
		conn_close(c);
		return true;
	}
	return false;
}

/* Copy up to SIZE - 1 bytes of S for the log. */
static size_t conn_log_copy(char *dst, size_t size, const char *p, size_t n)
{
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return n;
}

/* Remember what the access log needs of REQ. */
static void conn_log_request(struct conn *c, const struct http1_request *req)
{
	struct req_log *lg = c->log;
	const struct http1_header *h;
	const char *line = req->method.p, *eol;

	if (!lg)
		return;
	memset(lg, 0, sizeof(*lg));
	lg->when = time(NULL);
	lg->start_ms = loop_now_ms();
	eol = memchr(line, '\r', req->head_len - (size_t)(line - (c->in.data + c->in.start)));
	lg->request_len = conn_log_copy(lg->request, sizeof(lg->request), line,
					eol ? (size_t)(eol - line) : 0);
	if ((h = http1_find_header(req->headers, req->n_headers, "referer")))
		lg->referer_len = conn_log_copy(lg->referer, sizeof(lg->referer), h->value.p, h->value.n);
	if ((h = http1_find_header(req->headers, req->n_headers, "user-agent")))
		lg->user_agent_len = conn_log_copy(lg->user_agent, sizeof(lg->user_agent), h->value.p,
						   h->value.n);
	lg->host_len = conn_log_copy(lg->host, sizeof(lg->host), req->host.p, req->host.n);
	lg->upstream_ms = -1;
}

/* Remember what the access log needs of a refused head: its first line
 * as far as it goes (the line is escaped when written). */
static void conn_log_refused(struct conn *c, size_t have)
{
	struct req_log *lg = c->log;
	const char *p = c->in.data + c->in.start;
	size_t n = 0;

	if (!lg)
		return;
	memset(lg, 0, sizeof(*lg));
	lg->when = time(NULL);
	lg->start_ms = loop_now_ms();
	lg->upstream_ms = -1;
	while (n < have && p[n] != '\r' && p[n] != '\n')
		n++;
	lg->request_len = conn_log_copy(lg->request, sizeof(lg->request), p, n);
}

/* Write the access log line of the request that just ended. */
void conn_log_write(struct conn *c)
{
	struct req_log *lg = c->log;
	struct accesslog_entry e;
	uint64_t now = loop_now_ms();

	if (!lg || lg->when == 0)
		return;
	memset(&e, 0, sizeof(e));
	e.client = c->client;
	e.when = lg->when;
	e.request = lg->request;
	e.request_len = lg->request_len;
	e.status = lg->status;
	e.bytes = lg->bytes;
	e.referer = lg->referer_len ? lg->referer : NULL;
	e.referer_len = lg->referer_len;
	e.user_agent = lg->user_agent_len ? lg->user_agent : NULL;
	e.user_agent_len = lg->user_agent_len;
	e.host = lg->host;
	e.host_len = lg->host_len;
	e.upstream = lg->upstream[0] ? lg->upstream : NULL;
	e.upstream_status = lg->upstream_status;
	e.request_ms = now - lg->start_ms;
	e.upstream_ms = lg->upstream_ms;
	accesslog_write(c->w->log_fd, &e);
	lg->when = 0;
}

/* Send what TLS owes (close_notify) and stop writing; the client's input
 * is then read and dropped for a while, so that closing with unread bytes
 * does not reset the connection before the client read the response. */
static int conn_linger(struct conn *c)
{
	if (c->ssl)
		tls_shutdown_step(c->ssl);
	shutdown(c->fd, SHUT_WR);
	c->state = CS_LINGER;
	c->deadline = loop_now_ms() + GW_LINGER_MS;
	buf_put(c->w, &c->hb);
	return 1;
}

/* See worker.h. */
int conn_response_done(struct conn *c)
{
	struct worker *w = c->w;

	conn_log_write(c);
	buf_put(w, &c->hb);
	/* Not on w->draining alone: a response whose head went out before a
	 * new generation took over promised the client keep-alive, and closing
	 * now races with the next request it may be sending.  The connection
	 * stays for that request, whose answer says "Connection: close". */
	if (c->close_after || w->close_idle)
		return conn_linger(c);
	memset(&c->req, 0, sizeof(c->req));
	memset(&c->resp, 0, sizeof(c->resp));
	c->state = CS_HEAD;
	c->head_started = false;
	c->deadline = loop_now_ms() + w->set.idle_timeout_ms;
	if (c->in.end == c->in.start)
		buf_put(w, &c->in);   /* idle connections hold no buffer */
	else
		buf_compact(&c->in);
	return 1;
}

/* Slice S as a C string in OUT, cut to SIZE - 1 bytes. */
static void conn_host_copy(char *out, size_t size, struct http1_slice s)
{
	size_t n = s.n < size - 1 ? s.n : size - 1;

	memcpy(out, s.p, n);
	out[n] = '\0';
}

/* Decide what answers the parsed request REQ. */
static int conn_dispatch(struct conn *c, struct http1_request *req)
{
	struct worker *w = c->w;
	struct http1_slice host = req->host;
	char hostz[HTTP1_MAX_HOST + 8];
	const struct route *rt;
	int status = 404;

	c->requests++;
	conn_log_request(c, req);
	memset(&c->req, 0, sizeof(c->req));
	c->req.head_method = req->method.n == 4 && memcmp(req->method.p, "HEAD", 4) == 0;
	c->req.keep_alive = req->keep_alive;
	c->req.minor = req->minor;
	c->req.body.kind = req->body;
	c->req.body.remaining = req->body == HTTP1_BODY_LENGTH ? req->content_length : 0;
	c->req.upgrade = req->upgrade;
	if (!req->keep_alive)
		c->close_after = true;
	/* Local answers below keep the connection only for a request without
	 * a body (local.c): an unread body would be parsed as a request. */
	if (c->tls) {
		const char *sni = tls_conn_server_name(c->ssl);
		struct in_addr ip;

		/* The certificate was chosen for the SNI name: a request for
		 * another host on this connection is misdirected (RFC 9110 15.5.20).
		 * An address is no server name (RFC 6066 3), though some clients
		 * send one: such a name is ignored. */
		if (sni && inet_pton(AF_INET, sni, &ip) != 1) {
			size_t n = strlen(sni);

			if (host.n && (host.n != n || memcmp(host.p, sni, n) != 0)) {
				c->in.start += req->head_len;
				return local_error(c, 421, true);
			}
			host = (struct http1_slice){ sni, n };
		}
	}
	conn_host_copy(hostz, sizeof(hostz), host);
	if (!c->tls && local_is_acme(req->path)) {
		c->in.start += req->head_len;
		return local_acme(c, req);
	}
	if (!c->tls && w->set.redirect_https && w->https_port && host.n &&
	    tls_store_has_cert(w->tls, hostz)) {
		c->in.start += req->head_len;
		return local_redirect(c, host, req->path);
	}
	if (req->body == HTTP1_BODY_LENGTH && req->content_length > w->set.max_body) {
		c->in.start += req->head_len;
		return local_error(c, 413, false);
	}
	rt = w->routes ? routes_lookup(w->routes, host.p ? host.p : "", host.n, req->path.p,
				       req->path.n, &status)
		       : NULL;
	if (!w->routes)
		status = 503;
	if (!rt || !rt->running) {
		c->in.start += req->head_len;
		return local_error(c, rt ? 503 : status, true);
	}
	return proxy_start(c, req, rt);
}

/* CS_HANDSHAKE: move the TLS handshake on. */
static int conn_step_handshake(struct conn *c)
{
	switch (tls_handshake_step(c->ssl, NULL)) {
	case TLS_DONE:
		c->state = CS_HEAD;
		return 1;
	case TLS_WANT_READ:
		c->rd_ready = false;
		c->waits_client = true;
		return 0;
	case TLS_WANT_WRITE:
		c->wr_ready = false;
		c->waits_client = true;
		return 0;
	default:
		return -1;
	}
}

/* CS_HEAD: read and parse a request head. */
static int conn_step_head(struct conn *c)
{
	struct worker *w = c->w;
	size_t have;
	ssize_t n;
	int r;

	if (buf_get(w, &c->in) < 0)
		return -1;
	have = c->in.end - c->in.start;
	if (have > 0) {
		r = http1_parse_request(c->in.data + c->in.start, have, &w->req);
		if (r > 0)
			return conn_dispatch(c, &w->req);
		if (r < 0) {
			/* Framing cannot be trusted after a refused head: answer, close. */
			conn_log_refused(c, have);
			c->in.start = c->in.end;
			memset(&c->req, 0, sizeof(c->req));
			return local_error(c, -r, false);
		}
	}
	if (c->in.end == GW_BUF_SIZE)
		buf_compact(&c->in);
	if (c->in.end == GW_BUF_SIZE)
		return local_error(c, 431, false);
	n = conn_read(c, c->in.data + c->in.end, GW_BUF_SIZE - c->in.end);
	if (n > 0) {
		if (!c->head_started) {
			/* The first byte of a request starts its header timeout. */
			c->head_started = true;
			c->deadline = loop_now_ms() + w->set.header_timeout_ms;
		}
		c->in.end += (size_t)n;
		return 1;
	}
	if (n == IO_AGAIN) {
		c->waits_client = true;
		if (c->in.end == c->in.start && c->requests > 0 && !c->head_started)
			buf_put(w, &c->in);
		return 0;
	}
	return -1;
}

/* CS_LOCAL: write the gateway's own response. */
static int conn_step_local(struct conn *c)
{
	while (c->hb.start < c->hb.end) {
		ssize_t n = conn_write(c, c->hb.data + c->hb.start, c->hb.end - c->hb.start);

		if (n > 0) {
			c->hb.start += (size_t)n;
			continue;
		}
		if (n == IO_AGAIN) {
			c->waits_client = true;
			return 0;
		}
		return -1;
	}
	return conn_response_done(c);
}

/* CS_LINGER: read and drop until the client closes or the time is up. */
static int conn_step_linger(struct conn *c)
{
	char sink[4096];

	for (int i = 0; i < 16; i++) {
		ssize_t n = conn_read(c, sink, sizeof(sink));

		if (n == IO_AGAIN) {
			c->waits_client = true;
			return 0;
		}
		if (n < 0)
			return -1;
	}
	return 0;
}

/* Move bytes until nothing moves; see worker.h. */
void conn_drive(struct conn *c)
{
	int r = 0;

	for (int round = 0; round < DRIVE_ROUNDS; round++) {
		c->waits_client = c->waits_up = false;
		switch (c->state) {
		case CS_HANDSHAKE:
			r = conn_step_handshake(c);
			break;
		case CS_HEAD:
			r = conn_step_head(c);
			break;
		case CS_PROXY:
		case CS_TUNNEL:
			r = proxy_step(c);
			break;
		case CS_LOCAL:
			r = conn_step_local(c);
			break;
		case CS_LINGER:
			r = conn_step_linger(c);
			break;
		case CS_CLOSED:
			return;
		}
		if (r < 0) {
			conn_close(c);
			return;
		}
		if (r == 0)
			break;
	}
	if (r > 0) {
		/* Still work to do: after the other connections had theirs. */
		worker_defer(c->w, c);
		return;
	}
	/* Remember since when each side keeps us waiting (for the sweep). */
	uint64_t now = loop_now_ms();
	if (c->waits_client && (c->client_since == 0 || c->last_client_io > c->client_since))
		c->client_since = now;
	if (!c->waits_client)
		c->client_since = 0;
	if (c->waits_up && (c->up_since == 0 || c->last_up_io > c->up_since))
		c->up_since = now;
	if (!c->waits_up)
		c->up_since = 0;
	if (c->w->close_idle)
		conn_close_if_idle(c);
}

/* Check C's deadlines; see worker.h. */
void conn_sweep(struct conn *c, uint64_t now)
{
	switch (c->state) {
	case CS_HANDSHAKE:
	case CS_LINGER:
		if (now >= c->deadline)
			conn_close(c);
		break;
	case CS_HEAD:
		if (now < c->deadline)
			break;
		/* A started head that did not complete in time gets 408; an
		 * idle keep-alive connection is just closed. */
		if (c->in.end > c->in.start && c->hb.data == NULL) {
			conn_log_refused(c, c->in.end - c->in.start);
			memset(&c->req, 0, sizeof(c->req));
			c->in.start = c->in.end;
			if (local_error(c, 408, false) > 0) {
				conn_drive(c);
				break;
			}
		}
		conn_close(c);
		break;
	case CS_LOCAL:
		if (c->client_since && now - c->client_since >= GW_CLIENT_IO_MS)
			conn_close(c);
		break;
	case CS_PROXY:
	case CS_TUNNEL:
		proxy_sweep(c, now);
		break;
	case CS_CLOSED:
		break;
	}
}
