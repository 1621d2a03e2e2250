/*
 * proxy.c - one proxied request of a client connection: the rewritten head
 * and the body to the service, the response head and body back, both
 * streamed through fixed buffers with backpressure (a side is read only
 * when the other has taken what was read before), framing checked with
 * http1's chunked scanner and byte counts, interim 1xx responses passed on,
 * a byte tunnel after 101, and upstream connections returned to the pool
 * when both messages ended cleanly.
 */
#include "gateway/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Let go of C's upstream connection without reuse; see worker.h. */
void proxy_abort(struct conn *c)
{
	if (c->up) {
		upstream_release(c->up, false);
		c->up = NULL;
	}
}

/* Whether the failure of a pooled connection may be retried on a fresh
 * one: the service saw nothing it could have acted on. */
/* ---- a body, in either direction ---------------------------------------------------- */

/* How much of the AVAIL bytes at DATA (the input's start) B may forward now:
 * up to the rest of a sized body, whole chunks of a chunked one (their framing
 * checked), everything of a response read until the service closes.  -1 for
 * a broken chunked framing. */
static int body_frame(struct body_fwd *b, const char *data, size_t avail)
{
	size_t used = 0;
	int r;

	switch (b->kind) {
	case HTTP1_BODY_LENGTH:
		b->fwd = avail < b->remaining ? avail : (size_t)b->remaining;
		break;
	case HTTP1_BODY_CHUNKED:
		r = http1_chunked_scan(&b->chunked, data, avail, &used);
		if (r < 0)
			return -1;
		b->fwd = used;
		b->chunked_end = r == 1;
		break;
	default:
		b->fwd = avail;
		break;
	}
	return 0;
}

/* N bytes of B's cleared ones were written on: taken from IN. */
static void body_sent(struct body_fwd *b, struct gw_buf *in, size_t n)
{
	in->start += n;
	b->fwd -= n;
	b->bytes += n;
	if (b->kind == HTTP1_BODY_LENGTH)
		b->remaining -= n;
}

/* Whether all of B went (none at all counts); never for a body read until close. */
static bool body_complete(const struct body_fwd *b)
{
	return b->fwd == 0 && (b->kind == HTTP1_BODY_NONE || (b->kind == HTTP1_BODY_LENGTH && b->remaining == 0) ||
			       (b->kind == HTTP1_BODY_CHUNKED && b->chunked_end));
}

static bool proxy_may_retry(const struct conn *c)
{
	return c->up->reused && !c->resp.got_bytes && c->req.body.bytes == 0 && c->req.idempotent &&
	       !c->resp.client_started && !c->resp.retried;
}

/* Send the request again on a new connection to the same address. */
static int proxy_retry(struct conn *c)
{
	struct sockaddr_in addr = c->up->addr;
	int e = 0;

	proxy_abort(c);
	c->resp.retried = true;
	c->up = upstream_get(c->w, &addr, true, &e);
	if (!c->up)
		return local_error(c, 502, true);
	c->up->owner = c;
	c->hb.start = 0;   /* the head is still in hb, from offset 0 */
	c->waits_up = true;
	return 1;
}

/* The service failed (connect, reset, early close, bad response): 502 if
 * the client has seen nothing yet, else the client connection ends too. */
static int proxy_upstream_broken(struct conn *c, int status)
{
	if (status != 502 || !proxy_may_retry(c)) {
		proxy_abort(c);
		if (c->resp.client_started)
			return -1;
		return local_error(c, status, true);
	}
	return proxy_retry(c);
}

/* The client broke the body's framing or limit: STATUS, then close. */
static int proxy_client_broken(struct conn *c, int status)
{
	proxy_abort(c);
	c->close_after = true;
	if (c->resp.client_started)
		return -1;
	return local_error(c, status, false);
}

/* Start proxying REQ to RT; see worker.h. */
int proxy_start(struct conn *c, const struct http1_request *req, const struct route *rt)
{
	struct worker *w = c->w;
	struct sockaddr_in addr;
	struct req_head_opts o;
	char rid[33];
	int len, e = 0;

	if (buf_get(w, &c->hb) < 0)
		return -1;
	worker_request_id(w, rid);
	o.client = c->client;
	o.tls = c->tls;
	o.request_id = rid;
	len = proxy_request_head(c->hb.data, GW_BUF_SIZE, req, &o);
	c->in.start += req->head_len;
	if (len < 0)
		return local_error(c, 431, false);
	c->hb.start = 0;
	c->hb.end = (size_t)len;
	c->hb_to_client = false;
	c->req.idempotent = !req->upgrade && req->body == HTTP1_BODY_NONE &&
			    ((req->method.n == 3 && memcmp(req->method.p, "GET", 3) == 0) ||
			     c->req.head_method ||
			     (req->method.n == 7 && memcmp(req->method.p, "OPTIONS", 7) == 0));
	if (req->body == HTTP1_BODY_CHUNKED)
		http1_chunked_init(&c->req.body.chunked);
	c->req.done = body_complete(&c->req.body);
	memset(&c->resp, 0, sizeof(c->resp));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons(rt->port);
	addr.sin_addr = rt->addr;
	if (c->log) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &rt->addr, a, sizeof(a));
		snprintf(c->log->upstream, sizeof(c->log->upstream), "%s:%u", a, rt->port);
	}
	c->up_start_ms = loop_now_ms();
	c->state = CS_PROXY;
	c->up = upstream_get(w, &addr, false, &e);
	if (!c->up)
		return local_error(c, 502, true);
	c->up->owner = c;
	return 1;
}

/* Client -> service: the head, then body bytes as their framing allows. */
static int proxy_pump_request(struct conn *c)
{
	struct upstream *u = c->up;
	struct gw_buf *in = &c->in;
	int progress = 0;
	ssize_t n;

	while (!c->hb_to_client && c->hb.start < c->hb.end) {
		n = upstream_write(u, c->hb.data + c->hb.start, c->hb.end - c->hb.start);
		if (n > 0) {
			c->hb.start += (size_t)n;
			progress = 1;
		} else if (n == IO_AGAIN) {
			c->waits_up = true;
			return progress;
		} else {
			return proxy_upstream_broken(c, 502);
		}
	}
	while (!c->req.done) {
		size_t avail = in->end - in->start;

		if (c->req.body.fwd == 0 && avail > 0) {
			if (body_frame(&c->req.body, in->data + in->start, avail) < 0)
				return proxy_client_broken(c, 400);
			if (c->req.body.chunked.data_len > c->w->set.max_body)
				return proxy_client_broken(c, 413);
		}
		if (c->req.body.fwd > 0) {
			n = upstream_write(u, in->data + in->start, c->req.body.fwd);
			if (n > 0) {
				body_sent(&c->req.body, in, (size_t)n);
				progress = 1;
				continue;
			}
			if (n == IO_AGAIN) {
				c->waits_up = true;
				break;
			}
			return proxy_upstream_broken(c, 502);
		}
		if (body_complete(&c->req.body)) {
			c->req.done = true;
			break;
		}
		/* Everything read was forwarded: read more of the body. */
		buf_make_room(in);
		n = conn_read(c, in->data + in->end, GW_BUF_SIZE - in->end);
		if (n > 0) {
			in->end += (size_t)n;
			progress = 1;
		} else if (n == IO_AGAIN) {
			c->waits_client = true;
			break;
		} else {
			return -1;   /* the client left mid-body: nothing to answer */
		}
	}
	return progress;
}

static int proxy_response_framing(struct conn *c);

/* Body bytes that already arrived ride in hb behind the head: one write
 * (one TLS record) for a small response instead of two. */
static void proxy_body_with_head(struct conn *c)
{
	struct gw_buf *in = &c->up->in;
	size_t n;

	if (c->resp.done || in->end == in->start || proxy_response_framing(c) < 0)
		return;   /* broken framing is found again, and handled, by the pump */
	n = c->resp.body.fwd < GW_BUF_SIZE - c->hb.end ? c->resp.body.fwd : GW_BUF_SIZE - c->hb.end;
	memcpy(c->hb.data + c->hb.end, in->data + in->start, n);
	c->hb.end += n;
	body_sent(&c->resp.body, in, n);
	c->resp.done = body_complete(&c->resp.body);
}

/* A response head arrived in u->in: pass it on rewritten. */
static int proxy_response_head_in(struct conn *c, struct http1_response *resp)
{
	struct worker *w = c->w;
	struct upstream *u = c->up;
	struct resp_head_opts o;
	int len;

	memset(&o, 0, sizeof(o));
	o.client_minor = c->req.minor;
	o.head_method = c->req.head_method;
	o.tls = c->tls;
	o.hsts = w->set.hsts;
	c->hb_to_client = true;
	c->hb.start = c->hb.end = 0;
	u->in.start += resp->head_len;
	if (resp->status < 200 && resp->status != 101) {
		/* 100 Continue, 103 Early Hints: an HTTP/1.0 client gets none. */
		if (c->req.minor == 0)
			return 1;
		o.interim = true;
		len = proxy_response_head(c->hb.data, GW_BUF_SIZE, resp, &o);
		if (len < 0)
			return proxy_upstream_broken(c, 502);
		c->hb.end = (size_t)len;
		c->resp.client_started = true;
		return 1;
	}
	if ((resp->status == 101 && !c->req.upgrade) ||
	    (resp->body == HTTP1_BODY_CHUNKED && c->req.minor == 0))
		return proxy_upstream_broken(c, 502);
	/* A client body still coming, or a body that ends with the
	 * service's close: the client connection cannot be reused. */
	if (!c->req.done || resp->body == HTTP1_BODY_CLOSE || w->draining)
		c->close_after = true;
	o.close = c->close_after;
	len = proxy_response_head(c->hb.data, GW_BUF_SIZE, resp, &o);
	if (len < 0)
		return proxy_upstream_broken(c, 502);
	c->hb.end = (size_t)len;
	c->resp.client_started = true;
	c->resp.head_done = true;
	c->resp.status = resp->status;
	c->resp.body.kind = resp->body;
	c->resp.body.remaining = resp->content_length;
	c->resp.reusable = resp->keep_alive && resp->body != HTTP1_BODY_CLOSE && c->req.minor == 1;
	if (resp->body == HTTP1_BODY_CHUNKED)
		http1_chunked_init(&c->resp.body.chunked);
	c->resp.done = body_complete(&c->resp.body);
	if (c->log) {
		c->log->status = resp->status;
		c->log->upstream_status = resp->status;
		c->log->upstream_ms = (int64_t)(loop_now_ms() - c->up_start_ms);
	}
	if (resp->status == 101)
		c->state = CS_TUNNEL;
	else
		proxy_body_with_head(c);
	return 1;
}

/* Clear the response body bytes in u->in that may go to the client now;
 * -1 for broken framing. */
static int proxy_response_framing(struct conn *c)
{
	struct gw_buf *in = &c->up->in;

	return body_frame(&c->resp.body, in->data + in->start, in->end - in->start);
}

/* Service -> client: heads (interim ones too), then the body. */
static int proxy_pump_response(struct conn *c)
{
	struct upstream *u = c->up;
	struct gw_buf *in = &u->in;
	int progress = 0;
	ssize_t n;

	/* The request head goes out first: it shares hb. */
	if (!c->hb_to_client && c->hb.start < c->hb.end)
		return 0;
	for (;;) {
		if (c->hb_to_client && c->hb.start < c->hb.end) {
			n = conn_write(c, c->hb.data + c->hb.start, c->hb.end - c->hb.start);
			if (n > 0) {
				c->hb.start += (size_t)n;
				progress = 1;
				continue;
			}
			if (n == IO_AGAIN) {
				c->waits_client = true;
				return progress;
			}
			return -1;
		}
		if (c->state != CS_PROXY || c->resp.done)
			return progress;
		if (!c->resp.head_done && in->end > in->start) {
			int r = http1_parse_response(in->data + in->start, in->end - in->start,
						     c->req.head_method, &c->w->resp);
			if (r < 0)
				return proxy_upstream_broken(c, 502);
			if (r > 0) {
				r = proxy_response_head_in(c, &c->w->resp);
				/* A tunnel writes its 101 head itself (and logs it). */
				if (r < 0 || c->state != CS_PROXY)
					return r;
				progress = 1;
				continue;
			}
		} else if (c->resp.head_done) {
			if (c->resp.body.fwd == 0 && in->end > in->start && proxy_response_framing(c) < 0)
				return -1;   /* the client has the head: it can only be cut */
			if (c->resp.body.fwd > 0) {
				n = conn_write(c, in->data + in->start, c->resp.body.fwd);
				if (n > 0) {
					body_sent(&c->resp.body, in, (size_t)n);
					progress = 1;
					continue;
				}
				if (n == IO_AGAIN) {
					c->waits_client = true;
					return progress;
				}
				return -1;
			}
			if (body_complete(&c->resp.body)) {
				c->resp.done = true;
				return 1;
			}
		}
		/* Read more from the service. */
		buf_make_room(in);
		if (in->end == GW_BUF_SIZE)
			return proxy_upstream_broken(c, 502);   /* a head over the limit */
		n = upstream_read(u, in->data + in->end, GW_BUF_SIZE - in->end);
		if (n > 0) {
			in->end += (size_t)n;
			c->resp.got_bytes = true;
			progress = 1;
			continue;
		}
		if (n == IO_AGAIN) {
			/* The service is late only once it has the whole
			 * request (or while it has not sent all of its body). */
			c->waits_up = c->req.done || c->resp.head_done;
			return progress;
		}
		if (n == IO_EOF && c->resp.head_done && c->resp.body.kind == HTTP1_BODY_CLOSE) {
			c->resp.done = true;
			return 1;
		}
		/* Closed or reset before the response was complete. */
		return proxy_upstream_broken(c, 502);
	}
}

/* After 101: bytes both ways until both sides closed. */
static int proxy_tunnel(struct conn *c)
{
	struct upstream *u = c->up;
	int progress = 0;
	ssize_t n;

	while (c->hb.start < c->hb.end) {
		n = conn_write(c, c->hb.data + c->hb.start, c->hb.end - c->hb.start);
		if (n == IO_AGAIN) {
			c->waits_client = true;
			return 0;
		}
		if (n < 0)
			return -1;
		c->hb.start += (size_t)n;
		if (c->hb.start == c->hb.end) {
			conn_log_write(c);
			buf_put(c->w, &c->hb);
			return 1;
		}
	}
	for (;;) {   /* client -> service */
		if (c->in.start < c->in.end) {
			n = upstream_write(u, c->in.data + c->in.start, c->in.end - c->in.start);
			if (n > 0) {
				c->in.start += (size_t)n;
				progress = 1;
				continue;
			}
			if (n == IO_AGAIN)
				break;
			return -1;
		}
		if (c->rd_eof) {
			if (!c->up_shut)
				shutdown(u->fd, SHUT_WR);
			c->up_shut = true;
			break;
		}
		c->in.start = c->in.end = 0;
		n = conn_read(c, c->in.data, GW_BUF_SIZE);
		if (n > 0)
			c->in.end = (size_t)n;
		else if (n == IO_AGAIN)
			break;
		else if (n == IO_ERROR)
			return -1;
		progress = 1;
	}
	for (;;) {   /* service -> client */
		if (u->in.start < u->in.end) {
			n = conn_write(c, u->in.data + u->in.start, u->in.end - u->in.start);
			if (n > 0) {
				u->in.start += (size_t)n;
				progress = 1;
				continue;
			}
			if (n == IO_AGAIN)
				break;
			return -1;
		}
		if (u->rd_eof) {
			if (!c->wr_shut) {
				if (c->ssl)
					tls_shutdown_step(c->ssl);
				shutdown(c->fd, SHUT_WR);
			}
			c->wr_shut = true;
			break;
		}
		u->in.start = u->in.end = 0;
		n = upstream_read(u, u->in.data, GW_BUF_SIZE);
		if (n > 0)
			u->in.end = (size_t)n;
		else if (n == IO_AGAIN)
			break;
		else if (n == IO_ERROR)
			return -1;
		progress = 1;
	}
	if (c->up_shut && c->wr_shut)
		return -1;   /* both directions ended */
	return progress;
}

/* Both messages are through: reuse or close the upstream, next request. */
static int proxy_finish(struct conn *c)
{
	struct upstream *u = c->up;
	bool reuse = c->resp.reusable && c->req.done && u->in.start == u->in.end && !u->rd_eof;

	if (!c->req.done)
		c->close_after = true;
	c->up = NULL;
	upstream_release(u, reuse);
	if (c->log)
		c->log->bytes = c->resp.body.bytes;
	return conn_response_done(c);
}

/* Move C's proxied request on; see worker.h. */
int proxy_step(struct conn *c)
{
	struct upstream *u = c->up;
	int r, progress = 0;

	if (c->state == CS_TUNNEL)
		return proxy_tunnel(c);
	r = upstream_connected(u);
	if (r < 0)
		return proxy_upstream_broken(c, 502);
	if (r == 0) {
		c->waits_up = true;
		return 0;
	}
	r = proxy_pump_request(c);
	if (r < 0 || c->state != CS_PROXY || c->up != u)
		return r < 0 ? r : 1;
	progress |= r;
	r = proxy_pump_response(c);
	if (r < 0 || c->state != CS_PROXY || c->up != u)
		return r < 0 ? r : 1;
	progress |= r;
	if (c->resp.head_done && c->resp.done && c->hb.start == c->hb.end)
		return proxy_finish(c);
	return progress;
}

/* Deadlines of a proxied request; see worker.h. */
void proxy_sweep(struct conn *c, uint64_t now)
{
	struct worker *w = c->w;

	if (c->state == CS_TUNNEL) {
		uint64_t last = c->last_client_io > c->last_up_io ? c->last_client_io : c->last_up_io;
		uint64_t limit = w->set.idle_timeout_ms > w->set.upstream_timeout_ms
					 ? w->set.idle_timeout_ms
					 : w->set.upstream_timeout_ms;

		if (now - last >= limit)
			conn_close(c);
		return;
	}
	if (c->up_since && now - c->up_since >= w->set.upstream_timeout_ms) {
		proxy_abort(c);
		if (!c->resp.client_started && local_error(c, 504, true) > 0) {
			c->up_since = 0;
			conn_drive(c);
			return;
		}
		conn_close(c);
		return;
	}
	if (c->client_since && now - c->client_since >= GW_CLIENT_IO_MS) {
		/* A request body that stopped coming: 408, as for a head. */
		if (!c->resp.client_started && !c->req.done) {
			proxy_abort(c);
			if (local_error(c, 408, false) > 0) {
				c->client_since = 0;
				conn_drive(c);
				return;
			}
		}
		conn_close(c);
	}
}
