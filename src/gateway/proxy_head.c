/*
 * proxy_head.c - rewrite request heads for the services and response heads
 * for the clients; see proxy_head.h.  No I/O: bytes in, bytes out, every
 * write bounded by the output size.
 */
#include "gateway/proxy_head.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct out {
	char *p;
	size_t size, len;
	bool full;
	size_t fields;      /* field lines written */
};

/* Append printf output; marks the buffer full instead of cutting. */
static void __attribute__((format(printf, 2, 3))) out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}

/* Append "NAME: VALUE\r\n" from slices. */
static void out_field(struct out *o, struct http1_slice name, struct http1_slice value)
{
	out_printf(o, "%.*s: %.*s\r\n", (int)name.n, name.p, (int)value.n, value.p);
}

/* The length of the finished head, or -ENOSPC (buffer) or -E2BIG: what the
 * gateway sends stays within the limits its own parser enforces. */
static int out_result(const struct out *o)
{
	if (o->full)
		return -ENOSPC;
	if (o->len > HTTP1_MAX_HEAD || o->fields > HTTP1_MAX_HEADERS)
		return -E2BIG;
	return (int)o->len;
}

/* Number of lines in the N bytes at P, less the first and the empty last. */
static size_t out_count_fields(const char *p, size_t n)
{
	size_t lines = 0;

	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == '\r' && p[i + 1] == '\n')
			lines++;
	return lines >= 2 ? lines - 2 : 0;
}

/* Whether slice S starts with the NUL-terminated LIT, ignoring case. */
static bool slice_prefix_ci(struct http1_slice s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && strncasecmp(s.p, lit, n) == 0;
}

/* See proxy_head.h. */
bool proxy_field_replaced(struct http1_slice name)
{
	return slice_prefix_ci(name, "x-forwarded-") || http1_slice_eq_ci(name, "forwarded") ||
	       http1_slice_eq_ci(name, "x-real-ip") || http1_slice_eq_ci(name, "x-request-id") ||
	       http1_slice_eq_ci(name, "proxy") || http1_slice_eq_ci(name, "host");
}

/* The authority of an absolute-form target ("http://AUTH/path" -> AUTH). */
static struct http1_slice target_authority(struct http1_slice t)
{
	const char *p = memchr(t.p, ':', t.n);
	size_t start, end;

	if (!p || (size_t)(p - t.p) + 3 > t.n)
		return (struct http1_slice){ t.p, 0 };
	start = (size_t)(p - t.p) + 3;
	for (end = start; end < t.n && t.p[end] != '/' && t.p[end] != '?'; end++)
		;
	return (struct http1_slice){ t.p + start, end - start };
}

/* Write the request head for the service; see proxy_head.h. */
int proxy_request_head(char *buf, size_t size, const struct http1_request *req,
		       const struct req_head_opts *o)
{
	struct out out = { buf, size, 0, false, 0 };
	const struct http1_header *hosth = http1_find_header(req->headers, req->n_headers, "host");
	struct http1_slice host = { NULL, 0 };
	const char *proto = o->tls ? "https" : "http";
	bool v6 = strchr(o->client, ':') != NULL;

	if (req->form == HTTP1_TARGET_ABSOLUTE)
		host = target_authority(req->target);
	else if (hosth)
		host = hosth->value;
	out_printf(&out, "%.*s %.*s HTTP/1.%d\r\n", (int)req->method.n, req->method.p,
		   (int)req->path.n, req->path.p, req->minor);
	if (host.n)
		out_printf(&out, "Host: %.*s\r\n", (int)host.n, host.p);
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct http1_header *h = &req->headers[i];

		if (http1_is_hop_by_hop(req, h->name) || proxy_field_replaced(h->name))
			continue;
		out_field(&out, h->name, h->value);
	}
	if (req->body == HTTP1_BODY_LENGTH)
		out_printf(&out, "Content-Length: %" PRIu64 "\r\n", req->content_length);
	else if (req->body == HTTP1_BODY_CHUNKED)
		out_printf(&out, "Transfer-Encoding: chunked\r\n");
	if (req->upgrade)
		out_printf(&out, "Connection: upgrade\r\nUpgrade: %.*s\r\n",
			   (int)req->upgrade_protocols.n, req->upgrade_protocols.p);
	out_printf(&out, "X-Forwarded-For: %s\r\nX-Real-IP: %s\r\nX-Forwarded-Proto: %s\r\n",
		   o->client, o->client, proto);
	if (host.n)
		out_printf(&out, "X-Forwarded-Host: %.*s\r\n", (int)host.n, host.p);
	/* RFC 7239: an IPv6 node and a host with a port are quoted strings; the
	 * parser allowed neither '"' nor '\\' in a host. */
	out_printf(&out, v6 ? "Forwarded: for=\"[%s]\"" : "Forwarded: for=%s", o->client);
	if (host.n)
		out_printf(&out, ";host=\"%.*s\"", (int)host.n, host.p);
	out_printf(&out, ";proto=%s\r\nVia: 1.%d pistack\r\nX-Request-Id: %s\r\n\r\n", proto,
		   req->minor, o->request_id);
	out.fields = out.full ? 0 : out_count_fields(out.p, out.len);
	return out_result(&out);
}

/* Write the response head for the client; see proxy_head.h. */
int proxy_response_head(char *buf, size_t size, const struct http1_response *resp,
			const struct resp_head_opts *o)
{
	struct out out = { buf, size, 0, false, 0 };
	const struct http1_header *h;

	if (resp->reason.n)
		out_printf(&out, "HTTP/1.1 %d %.*s\r\n", resp->status, (int)resp->reason.n,
			   resp->reason.p);
	else
		out_printf(&out, "HTTP/1.1 %d %s\r\n", resp->status, http1_reason(resp->status));
	for (size_t i = 0; i < resp->n_headers; i++) {
		h = &resp->headers[i];
		if (!http1_response_is_hop_by_hop(resp, h->name))
			out_field(&out, h->name, h->value);
	}
	if (o->interim)
		goto end;
	if (resp->status == 101) {
		h = http1_find_header(resp->headers, resp->n_headers, "upgrade");
		if (!h)
			return -EPROTO;
		out_printf(&out, "Connection: upgrade\r\nUpgrade: %.*s\r\n", (int)h->value.n,
			   h->value.p);
	} else if (resp->body == HTTP1_BODY_LENGTH) {
		out_printf(&out, "Content-Length: %" PRIu64 "\r\n", resp->content_length);
	} else if (resp->body == HTTP1_BODY_CHUNKED) {
		out_printf(&out, "Transfer-Encoding: chunked\r\n");
	} else if (resp->body == HTTP1_BODY_NONE && (o->head_method || resp->status == 304)) {
		/* The size of the representation a GET would get: meaningful
		 * without a body, and the parser validated it. */
		h = http1_find_header(resp->headers, resp->n_headers, "content-length");
		if (h)
			out_field(&out, h->name, h->value);
	}
	if (resp->status != 101) {
		if (o->close)
			out_printf(&out, "Connection: close\r\n");
		else if (o->client_minor == 0)
			out_printf(&out, "Connection: keep-alive\r\n");
	}
	if (o->tls && o->hsts > 0 &&
	    !http1_find_header(resp->headers, resp->n_headers, "strict-transport-security"))
		out_printf(&out, "Strict-Transport-Security: max-age=%" PRIu64 "\r\n", o->hsts);
end:
	out_printf(&out, "\r\n");
	out.fields = out.full ? 0 : out_count_fields(out.p, out.len);
	return out_result(&out);
}
