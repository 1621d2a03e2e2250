/*
 * fuzz_proxy_head.c - libFuzzer target for the gateway's head rewriting
 * (src/gateway/proxy_head.c) with the strict parser in front, as in the
 * worker: a request that parses must be rewritten into a head that parses
 * again with the same framing and no client forwarding field, and a
 * response that parses must be rewritten into a response that parses.
 * The first input byte chooses the options.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gateway/http1.h"
#include "gateway/proxy_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http1_request req, again;
static struct http1_response resp, resp_again;

/* Check the rewritten request OUT (N bytes) against the original REQ. */
static void check_request(char *out, int n)
{
	if (n < 0)
		return;
	if (http1_parse_request(out, (size_t)n, &again) != n)
		abort();
	if (again.body != req.body || again.content_length != req.content_length ||
	    again.upgrade != req.upgrade || again.minor != req.minor)
		abort();
	/* One X-Forwarded-For, the gateway's. */
	size_t xff = 0;
	for (size_t i = 0; i < again.n_headers; i++)
		if (again.headers[i].name.n == 15 &&
		    strncasecmp(again.headers[i].name.p, "x-forwarded-for", 15) == 0)
			xff++;
	if (xff != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req_head_opts ro = { "192.0.2.1", false, "00112233445566778899aabbccddeeff" };
	struct resp_head_opts so;
	char *buf, *out;
	int r, n;

	if (size < 1)
		return 0;
	buf = malloc(size);
	out = malloc(HTTP1_MAX_HEAD + 4096);
	if (!buf || !out)
		goto out;
	ro.tls = data[0] & 1;
	memset(&so, 0, sizeof(so));
	so.client_minor = data[0] & 2 ? 1 : 0;
	so.head_method = data[0] & 4;
	so.close = data[0] & 8;
	so.tls = data[0] & 16;
	so.hsts = data[0] & 32 ? 300 : 0;
	so.interim = data[0] & 64;
	memcpy(buf, data + 1, size - 1);
	r = http1_parse_request(buf, size - 1, &req);
	if (r > 0) {
		n = proxy_request_head(out, HTTP1_MAX_HEAD + 4096, &req, &ro);
		check_request(out, n);
	}
	memcpy(buf, data + 1, size - 1);
	r = http1_parse_response(buf, size - 1, so.head_method, &resp);
	if (r > 0) {
		n = proxy_response_head(out, HTTP1_MAX_HEAD + 4096, &resp, &so);
		if (n >= 0 && !so.interim && resp.status != 101 &&
		    (http1_parse_response(out, (size_t)n, so.head_method, &resp_again) != n ||
		     resp_again.status != resp.status ||
		     (resp.body != HTTP1_BODY_CLOSE && resp_again.body != resp.body)))
			abort();
	}
out:
	free(buf);
	free(out);
	return 0;
}
