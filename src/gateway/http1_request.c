/*
 * http1_request.c - strict parser for HTTP/1.x request heads (RFC 9112),
 * the gateway's first line of defence against request smuggling and header
 * tricks.  The policy each check implements is listed in http1.h.
 */
#include <arpa/inet.h>
#include <string.h>

#include "gateway/http1.h"
#include "gateway/http1_internal.h"

/* Parse "HTTP/1.x" (the whole slice) into *MINOR.  0, -400 or -505. */
static int parse_version(const char *p, size_t n, int *minor)
{
	if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || p[6] != '.' ||
	    !http1_is((unsigned char)p[5], H1_DIGIT) || !http1_is((unsigned char)p[7], H1_DIGIT))
		return -400;
	if (p[5] != '1')
		return -505;
	/* RFC 9110 6.2: a higher minor version is handled as the highest we know. */
	*minor = p[7] == '0' ? 0 : 1;
	return 0;
}

/* Validate an IP-literal "[...]" of N bytes at P (brackets included). */
static bool valid_ip_literal(const char *p, size_t n)
{
	char tmp[INET6_ADDRSTRLEN];
	struct in6_addr a;

	if (n < 4 || n - 2 >= sizeof(tmp))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!http1_is((unsigned char)p[i], H1_HEX) && p[i] != ':' && p[i] != '.')
			return false;
	memcpy(tmp, p + 1, n - 2);
	tmp[n - 2] = '\0';
	return inet_pton(AF_INET6, tmp, &a) == 1;
}

/* Parse an authority "host[:port]" of N bytes at P (lower-casing the host in
 * place) into HOST and PORT.  Returns false when it is not a valid host; an
 * empty authority is valid with HOST->n == 0. */
static bool parse_authority(char *p, size_t n, struct http1_slice *host, int *port)
{
	size_t h = 0, i;
	long v = 0;

	*port = -1;
	*host = (struct http1_slice){ p, 0 };
	if (n == 0)
		return true;
	if (p[0] == '[') {
		const char *rb = memchr(p, ']', n);

		if (!rb)
			return false;
		h = (size_t)(rb - p) + 1;
		if (!valid_ip_literal(p, h))
			return false;
	} else {
		while (h < n && http1_is((unsigned char)p[h], H1_HOST))
			h++;
		if (h == 0)
			return false;
	}
	if (h < n) {
		/* RFC 3986: port = *DIGIT, so "host:" is a host without port. */
		if (p[h] != ':' || n - h - 1 > 5)
			return false;
		for (i = h + 1; i < n; i++) {
			if (!http1_is((unsigned char)p[i], H1_DIGIT))
				return false;
			v = v * 10 + (p[i] - '0');
		}
		if (v > 65535)
			return false;
		if (n - h > 1)
			*port = (int)v;
	}
	for (i = 0; i < h; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] + 32);
	if (p[0] != '[') {
		/* "example.org." names the same host: one trailing dot goes. */
		if (h > 1 && p[h - 1] == '.')
			h--;
		if (h > HTTP1_MAX_HOST || p[0] == '.' || p[h - 1] == '.' || memmem(p, h, "..", 2))
			return false;
	}
	*host = (struct http1_slice){ p, h };
	return true;
}

/* Split the request line LINE (N bytes) into method, target and version and
 * classify the target.  Returns 0 or -STATUS. */
static int parse_request_line(char *line, size_t n, struct http1_request *req)
{
	char *sp1, *sp2, *t;
	size_t tn, i;
	int r;

	for (i = 0; i < n && http1_is((unsigned char)line[i], H1_TCHAR); i++)
		;
	if (i == 0 || i == n || line[i] != ' ')
		return -400;
	if (i > HTTP1_MAX_METHOD)
		return -501;
	sp1 = line + i;
	req->method = (struct http1_slice){ line, i };
	t = sp1 + 1;
	for (tn = 0; t + tn < line + n && http1_is((unsigned char)t[tn], H1_TARGET); tn++)
		;
	sp2 = t + tn;
	if (tn == 0 || sp2 == line + n || *sp2 != ' ')
		return -400;
	req->target = (struct http1_slice){ t, tn };
	r = parse_version(sp2 + 1, (size_t)(line + n - sp2 - 1), &req->minor);
	if (r < 0)
		return r;
	/* The gateway is not a forward proxy: no tunnels. */
	if (req->method.n == 7 && memcmp(req->method.p, "CONNECT", 7) == 0)
		return -501;

	if (t[0] == '/') {
		req->form = HTTP1_TARGET_ORIGIN;
		req->path = req->target;
		return 0;
	}
	if (tn == 1 && t[0] == '*') {
		if (req->method.n != 7 || memcmp(req->method.p, "OPTIONS", 7) != 0)
			return -400;
		req->form = HTTP1_TARGET_ASTERISK;
		req->path = req->target;
		return 0;
	}
	/* absolute-form: http or https only, authority, then path-abempty. */
	if (tn > 7 && http1_slice_eq_ci((struct http1_slice){ t, 7 }, "http://"))
		i = 7;
	else if (tn > 8 && http1_slice_eq_ci((struct http1_slice){ t, 8 }, "https://"))
		i = 8, req->https_scheme = true;
	else
		return -400;
	req->form = HTTP1_TARGET_ABSOLUTE;
	{
		size_t a = i;
		char *slash, *q;

		while (i < tn && t[i] != '/' && t[i] != '?')
			i++;
		if (i < tn && t[i] == '?')
			return -400;  /* "http://h?q" has no path to point at */
		if (!parse_authority(t + a, i - a, &req->host, &req->port) || req->host.n == 0)
			return -400;
		slash = t + i;
		q = t + tn;
		req->path = i < tn ? (struct http1_slice){ slash, (size_t)(q - slash) }
				   : (struct http1_slice){ "/", 1 };
	}
	return 0;
}

/* Apply Host, framing, Connection, Upgrade and Expect to REQ. */
static int request_semantics(struct http1_request *req)
{
	const struct http1_header *host = NULL, *up;
	struct http1_slice hhost;
	struct http1_framing f;
	int hport;

	for (size_t i = 0; i < req->n_headers; i++) {
		if (!http1_slice_eq_ci(req->headers[i].name, "host"))
			continue;
		if (host)
			return -400;  /* RFC 9112 3.2: more than one Host */
		host = &req->headers[i];
	}
	if (!host && req->minor == 1)
		return -400;
	if (host) {
		/* Validated even when an absolute-form authority wins. */
		if (!parse_authority((char *)host->value.p, host->value.n, &hhost, &hport))
			return -400;
		if (hhost.n == 0 && (req->minor == 1 || host->value.n > 0))
			return -400;
		if (req->form != HTTP1_TARGET_ABSOLUTE) {
			req->host = hhost;
			req->port = hport;
		}
	}

	http1_framing_collect(req->headers, req->n_headers, &f);
	if (f.has_te) {
		/* RFC 9112 6.1/6.3: TE on 1.0 is faulty framing, TE with CL is a
		 * smuggling attempt; refuse both rather than pick one. */
		if (req->minor == 0 || f.has_cl)
			return -400;
		if (!f.te_valid || f.te_chunked != 1 || !f.te_last_chunked)
			return -400;
		if (f.te_other)
			return -501;
		req->body = HTTP1_BODY_CHUNKED;
	} else if (f.has_cl) {
		if (!f.cl_valid)
			return -400;
		req->body = HTTP1_BODY_LENGTH;
		req->content_length = f.content_length;
	} else {
		req->body = HTTP1_BODY_NONE;
	}

	if (!http1_connection_collect(req->headers, req->n_headers, req->connection,
				      &req->n_connection))
		return -400;
	if (req->minor == 1)
		req->keep_alive = !http1_tokens_have(req->connection, req->n_connection, "close");
	else
		req->keep_alive = http1_tokens_have(req->connection, req->n_connection, "keep-alive") &&
				  !http1_tokens_have(req->connection, req->n_connection, "close");
	up = http1_find_header(req->headers, req->n_headers, "upgrade");
	if (req->minor == 1 && up && up->value.n > 0 &&
	    http1_tokens_have(req->connection, req->n_connection, "upgrade")) {
		req->upgrade = true;
		req->upgrade_protocols = up->value;
	}
	if (req->minor == 1) {
		const struct http1_header *ex = http1_find_header(req->headers, req->n_headers, "expect");

		req->expect_continue = ex && http1_slice_eq_ci(ex->value, "100-continue");
	}
	return 0;
}

/* http1_start_line_fn for requests: the line must end in CRLF and parse. */
static int request_line(char *buf, size_t start, size_t end, void *arg)
{
	char *line;
	size_t n;

	if (!http1_next_line(buf, &start, end, true, &line, &n))
		return -400;
	return parse_request_line(line, n, arg);
}

int http1_parse_request(char *buf, size_t len, struct http1_request *req)
{
	struct http1_scan s;
	char *line;
	size_t pos, n;
	int r;

	memset(req, 0, sizeof(*req));
	req->port = -1;
	r = http1_scan_head(buf, len, true, request_line, req, &s);
	if (r <= 0)
		return r;
	/* The request line was parsed by request_line(). */
	pos = s.start;
	if (!http1_next_line(buf, &pos, s.end, true, &line, &n))
		return -400;
	for (;;) {
		if (!http1_next_line(buf, &pos, s.end, true, &line, &n))
			return -400;
		if (n == 0)
			break;
		/* http1_scan_head bounded the number of lines. */
		if (!http1_parse_field_line(line, n, &req->headers[req->n_headers]))
			return -400;
		req->n_headers++;
	}
	r = request_semantics(req);
	if (r < 0)
		return r;
	req->head_len = s.end;
	return (int)s.end;
}
