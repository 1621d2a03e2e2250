/*
 * test_proxy_head.c - unit tests of src/gateway/proxy_head.c: the request
 * head a service gets (hop-by-hop and spoofed forwarding fields dropped, the
 * gateway's own set, framing rewritten, absolute-form turned to origin-form)
 * and the response head a client gets; each output must parse back strictly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/http1.h"
#include "gateway/proxy_head.h"
#include "test.h"

static struct http1_request ph_req, ph_again;
static struct http1_response ph_resp;

/* Parse the NUL-terminated head S into ph_req (in a heap copy kept alive). */
static int ph_parse(const char *s, char **keep)
{
	size_t n = strlen(s);

	*keep = malloc(n + 1);
	memcpy(*keep, s, n + 1);
	return http1_parse_request(*keep, n, &ph_req);
}

/* Rewrite S for a service as client 192.0.2.7 over TLS or not. */
static int ph_rewrite(const char *s, bool tls, char *out, size_t size)
{
	struct req_head_opts o = { "192.0.2.7", tls, "0123456789abcdef0123456789abcdef" };
	char *keep;
	int r = ph_parse(s, &keep);

	if (r <= 0) {
		free(keep);
		return -1000 + r;
	}
	r = proxy_request_head(out, size, &ph_req, &o);
	free(keep);
	if (r >= 0)
		out[r] = '\0';
	return r;
}

TEST(proxy_request_head_replaces_forwarding_fields)
{
	char out[4096];
	int n = ph_rewrite("GET /a?b=1 HTTP/1.1\r\nHost: Example.ORG:8080\r\n"
			   "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nForwarded: for=6.6.6.6\r\n"
			   "X-Real-IP: 6.6.6.6\r\nX-Request-Id: mine\r\nProxy: http://evil/\r\n"
			   "X-Forwarded-Whatever: 1\r\nVia: 1.1 other\r\nAccept: */*\r\n\r\n",
			   false, out, sizeof(out));

	CHECK(n > 0);
	CHECK(strncmp(out, "GET /a?b=1 HTTP/1.1\r\nHost: example.org:8080\r\n", 45) == 0);
	CHECK(strstr(out, "6.6.6.6") == NULL);
	CHECK(strstr(out, "mine") == NULL);
	CHECK(strstr(out, "evil") == NULL);
	CHECK(strstr(out, "Whatever") == NULL);
	CHECK(strstr(out, "\r\nVia: 1.1 other\r\n") != NULL);
	CHECK(strstr(out, "\r\nVia: 1.1 pistack\r\n") != NULL);
	CHECK(strstr(out, "\r\nX-Forwarded-For: 192.0.2.7\r\n") != NULL);
	CHECK(strstr(out, "\r\nX-Real-IP: 192.0.2.7\r\n") != NULL);
	CHECK(strstr(out, "\r\nX-Forwarded-Proto: http\r\n") != NULL);
	CHECK(strstr(out, "\r\nX-Forwarded-Host: example.org:8080\r\n") != NULL);
	CHECK(strstr(out, "\r\nForwarded: for=192.0.2.7;host=\"example.org:8080\";proto=http\r\n") != NULL);
	CHECK(strstr(out, "\r\nX-Request-Id: 0123456789abcdef0123456789abcdef\r\n") != NULL);
	CHECK(strstr(out, "\r\nAccept: */*\r\n") != NULL);
	CHECK_INT(http1_parse_request(out, (size_t)n, &ph_again), n);
}

TEST(proxy_request_head_drops_hop_by_hop)
{
	char out[4096];
	int n = ph_rewrite("POST /u HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
			   "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: x\r\n"
			   "Content-Length: 005\r\n\r\nhello",
			   true, out, sizeof(out));

	CHECK(n > 0);
	CHECK(strstr(out, "X-Hop") == NULL);
	CHECK(strstr(out, "Keep-Alive") == NULL);
	CHECK(strstr(out, "TE:") == NULL);
	CHECK(strstr(out, "Proxy-Connection") == NULL);
	CHECK(strstr(out, "Connection:") == NULL);
	/* The validated length, not the client's spelling of it. */
	CHECK(strstr(out, "\r\nContent-Length: 5\r\n") != NULL);
	CHECK(strstr(out, "X-Forwarded-Proto: https\r\n") != NULL);
	CHECK(strstr(out, "proto=https\r\n") != NULL);
	CHECK_INT(http1_parse_request(out, (size_t)n, &ph_again), n);
	CHECK(ph_again.body == HTTP1_BODY_LENGTH && ph_again.content_length == 5);
}

TEST(proxy_request_head_chunked_and_upgrade)
{
	char out[4096];
	int n = ph_rewrite("PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", false, out,
			   sizeof(out));

	CHECK(n > 0);
	CHECK(strstr(out, "\r\nTransfer-Encoding: chunked\r\n") != NULL);
	CHECK_INT(http1_parse_request(out, (size_t)n, &ph_again), n);
	CHECK(ph_again.body == HTTP1_BODY_CHUNKED);

	n = ph_rewrite("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
		       "Sec-WebSocket-Key: k\r\n\r\n",
		       false, out, sizeof(out));
	CHECK(n > 0);
	CHECK(strstr(out, "\r\nConnection: upgrade\r\nUpgrade: websocket\r\n") != NULL);
	CHECK(strstr(out, "\r\nSec-WebSocket-Key: k\r\n") != NULL);
	CHECK_INT(http1_parse_request(out, (size_t)n, &ph_again), n);
	CHECK(ph_again.upgrade);
}

TEST(proxy_request_head_absolute_form)
{
	char out[4096];
	int n = ph_rewrite("GET http://b.example:81/p?q HTTP/1.1\r\nHost: other\r\n\r\n", false, out,
			   sizeof(out));

	CHECK(n > 0);
	CHECK(strncmp(out, "GET /p?q HTTP/1.1\r\nHost: b.example:81\r\n", 39) == 0);
	CHECK(strstr(out, "other") == NULL);
	n = ph_rewrite("GET http://b.example HTTP/1.1\r\nHost: other\r\n\r\n", false, out, sizeof(out));
	CHECK(n > 0);
	CHECK(strncmp(out, "GET / HTTP/1.1\r\nHost: b.example\r\n", 33) == 0);
}

TEST(proxy_request_head_http10_and_ipv6_client)
{
	struct req_head_opts o = { "2001:db8::1", false, "0123456789abcdef0123456789abcdef" };
	char out[4096], *keep;
	int n;

	CHECK(ph_parse("GET / HTTP/1.0\r\n\r\n", &keep) > 0);
	n = proxy_request_head(out, sizeof(out), &ph_req, &o);
	free(keep);
	CHECK(n > 0);
	out[n > 0 ? n : 0] = '\0';
	CHECK(strncmp(out, "GET / HTTP/1.0\r\n", 16) == 0);
	CHECK(strstr(out, "Host:") == NULL);
	CHECK(strstr(out, "\r\nForwarded: for=\"[2001:db8::1]\";proto=http\r\n") != NULL);
	CHECK(strstr(out, "\r\nVia: 1.0 pistack\r\n") != NULL);
}

TEST(proxy_request_head_no_room)
{
	char out[64];

	CHECK_INT(ph_rewrite("GET / HTTP/1.1\r\nHost: a\r\n\r\n", false, out, sizeof(out)), -ENOSPC);
}

/* Parse the response S (request was HEAD or not) and rewrite it with O. */
static int ph_response(const char *s, bool head, const struct resp_head_opts *o, char *out, size_t size)
{
	size_t n = strlen(s);
	char *keep = malloc(n + 1);
	int r;

	memcpy(keep, s, n + 1);
	r = http1_parse_response(keep, n, head, &ph_resp);
	if (r > 0)
		r = proxy_response_head(out, size, &ph_resp, o);
	free(keep);
	if (r >= 0)
		out[r] = '\0';
	return r;
}

TEST(proxy_response_head_rewrites)
{
	struct resp_head_opts o = { .client_minor = 1, .tls = true, .hsts = 300 };
	char out[4096];
	int n = ph_response("HTTP/1.0 200 Fine\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
			    "Keep-Alive: timeout=5\r\nContent-Length: 3\r\nServer: s\r\n\r\nabc",
			    false, &o, out, sizeof(out));

	CHECK(n > 0);
	CHECK(strncmp(out, "HTTP/1.1 200 Fine\r\n", 19) == 0);
	CHECK(strstr(out, "X-Hop") == NULL);
	CHECK(strstr(out, "Keep-Alive") == NULL);
	CHECK(strstr(out, "\r\nContent-Length: 3\r\n") != NULL);
	CHECK(strstr(out, "\r\nServer: s\r\n") != NULL);
	CHECK(strstr(out, "\r\nStrict-Transport-Security: max-age=300\r\n") != NULL);
	CHECK(strstr(out, "Connection") == NULL);

	o.close = true;
	o.tls = false;
	n = ph_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nStrict-Transport-Security: x\r\n\r\n",
			false, &o, out, sizeof(out));
	CHECK(n > 0);
	CHECK(strstr(out, "\r\nTransfer-Encoding: chunked\r\n") != NULL);
	CHECK(strstr(out, "\r\nConnection: close\r\n") != NULL);
	CHECK(strstr(out, "max-age") == NULL);
}

TEST(proxy_response_head_keeps_length_of_head_and_304)
{
	struct resp_head_opts o = { .client_minor = 0, .head_method = true };
	char out[4096];
	int n = ph_response("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", true, &o, out, sizeof(out));

	CHECK(n > 0);
	CHECK(strstr(out, "\r\nContent-Length: 1234\r\n") != NULL);
	CHECK(strstr(out, "\r\nConnection: keep-alive\r\n") != NULL);
	o.head_method = false;
	n = ph_response("HTTP/1.1 304 Not Modified\r\nContent-Length: 77\r\n\r\n", false, &o, out, sizeof(out));
	CHECK(n > 0);
	CHECK(strstr(out, "\r\nContent-Length: 77\r\n") != NULL);
	n = ph_response("HTTP/1.1 204 No Content\r\nContent-Length: 77\r\n\r\n", false, &o, out, sizeof(out));
	CHECK(n > 0);
	CHECK(strstr(out, "Content-Length") == NULL);
}

TEST(proxy_response_head_101_and_interim)
{
	struct resp_head_opts o = { .client_minor = 1, .close = true };
	char out[4096];
	int n = ph_response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			    "Sec-WebSocket-Accept: a\r\n\r\n",
			    false, &o, out, sizeof(out));

	CHECK(n > 0);
	CHECK(strstr(out, "\r\nConnection: upgrade\r\nUpgrade: websocket\r\n") != NULL);
	CHECK(strstr(out, "Connection: close") == NULL);
	CHECK(strstr(out, "\r\nSec-WebSocket-Accept: a\r\n") != NULL);
	CHECK_INT(ph_response("HTTP/1.1 101 Switching Protocols\r\n\r\n", false, &o, out, sizeof(out)), -EPROTO);
	o.interim = true;
	n = ph_response("HTTP/1.1 100 Continue\r\n\r\n", false, &o, out, sizeof(out));
	CHECK_STR(out, "HTTP/1.1 100 Continue\r\n\r\n");
	CHECK_INT(n, 25);
}

TEST(proxy_field_replaced_names)
{
	CHECK(proxy_field_replaced((struct http1_slice){ "x-forwarded-for", 15 }));
	CHECK(proxy_field_replaced((struct http1_slice){ "X-FORWARDED-PREFIX", 18 }));
	CHECK(proxy_field_replaced((struct http1_slice){ "Forwarded", 9 }));
	CHECK(proxy_field_replaced((struct http1_slice){ "PROXY", 5 }));
	CHECK(!proxy_field_replaced((struct http1_slice){ "Proxy-Authorization", 19 }));
	CHECK(!proxy_field_replaced((struct http1_slice){ "X-Forwarded", 11 }));
	CHECK(!proxy_field_replaced((struct http1_slice){ "Forwarded-X", 11 }));
}

TEST(proxy_request_head_stays_within_limits)
{
	/* 95 fields parse; with the gateway's own ones they would be over 100. */
	size_t size = 64 * 1024, off = 0;
	char *in = malloc(size), *out = malloc(size);
	int n;

	off += (size_t)snprintf(in + off, size - off, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < 94; i++)
		off += (size_t)snprintf(in + off, size - off, "X-F%d: v\r\n", i);
	snprintf(in + off, size - off, "\r\n");
	n = ph_rewrite(in, false, out, size);
	CHECK_INT(n, -E2BIG);
	free(in);
	free(out);
}
