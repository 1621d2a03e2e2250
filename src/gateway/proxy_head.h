/*
 * proxy_head.h - the heads the gateway writes when it proxies: the request
 * head sent to a service (rewritten from the client's) and the response head
 * sent to a client (rewritten from the service's).  Pure functions over
 * parsed heads (http1.h), unit-tested and fuzzed with the parser in front.
 *
 * Request head: "METHOD PATH HTTP/1.1" (origin-form even for an
 * absolute-form target; HTTP/1.0 stays 1.0, so a service never answers a
 * 1.0 client with chunked coding), Host (the absolute-form authority wins
 * over the Host field), the client's fields minus hop-by-hop ones, framing
 * from the parse ("Content-Length: N" or "Transfer-Encoding: chunked"),
 * "Connection: upgrade" + Upgrade for an upgrade, then the gateway's own
 * fields, replacing any the client sent: X-Forwarded-For, X-Real-IP,
 * X-Forwarded-Proto, X-Forwarded-Host, Forwarded (RFC 7239), X-Request-Id.
 * Every client field named X-Forwarded-*, Forwarded, X-Real-IP, X-Request-Id
 * or Proxy (httpoxy) is dropped.  Via gets "1.x pistack" appended.
 * Expect is passed on: the service answers 100-continue itself and the
 * gateway forwards that interim response.
 */
#ifndef PISTACK_GATEWAY_PROXY_HEAD_H
#define PISTACK_GATEWAY_PROXY_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/http1.h"

struct req_head_opts {
	const char *client;         /* client address text */
	bool tls;                   /* the client came over HTTPS */
	const char *request_id;     /* 32 hex digits */
};

struct resp_head_opts {
	int client_minor;           /* the client's HTTP/1.<minor> */
	bool head_method;           /* the request was HEAD */
	bool interim;               /* a 1xx other than 101: fields only */
	bool close;                 /* the client connection closes after it */
	bool tls;
	uint64_t hsts;              /* Strict-Transport-Security max-age, 0 = none */
};

/* Write the request head for the service into OUT (SIZE bytes).  Returns its
 * length, -ENOSPC when OUT is too small, or -E2BIG when the head would pass
 * HTTP1_MAX_HEAD or HTTP1_MAX_HEADERS (what the gateway forwards, its own
 * parser accepts). */
int proxy_request_head(char *out, size_t size, const struct http1_request *req,
		       const struct req_head_opts *o);

/* Write the response head for the client into OUT.  Returns its length,
 * -ENOSPC, -E2BIG (as above), or -EPROTO for a 101 without an Upgrade field. */
int proxy_response_head(char *out, size_t size, const struct http1_response *resp,
			const struct resp_head_opts *o);

/* Whether the client field NAME is dropped because the gateway sets it
 * (X-Forwarded-*, Forwarded, X-Real-IP, X-Request-Id, Proxy, Host). */
bool proxy_field_replaced(struct http1_slice name);

#endif
