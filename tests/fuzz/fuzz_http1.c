/*
 * fuzz_http1.c - libFuzzer target for the gateway's HTTP/1 parsers.  The
 * first byte picks the parser: 0 mod 3 request head (then its chunked body),
 * 1 response head, 2 chunked body fed in pieces.  Checks that results stay in
 * bounds and that parsing a prefix answers "more" or the whole answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An exact heap copy of N bytes, so ASan sees any read past the end. */
static char *copy(const uint8_t *p, size_t n)
{
	char *s = malloc(n ? n : 1);

	if (!s)
		abort();
	memcpy(s, p, n);
	return s;
}

/* A slice lies inside [BUF, BUF+N) (or is the static "/" of absolute-form). */
static void check_slice(struct http1_slice s, const char *buf, size_t n)
{
	if (s.n == 0)
		return;
	if (s.n == 1 && s.p[0] == '/' && (s.p < buf || s.p >= buf + n))
		return;
	if (s.p < buf || s.p + s.n > buf + n)
		abort();
}

/* No field value or name may carry CR, LF or NUL. */
static void check_headers(const struct http1_header *h, size_t n, const char *buf, size_t len)
{
	if (n > HTTP1_MAX_HEADERS)
		abort();
	for (size_t i = 0; i < n; i++) {
		check_slice(h[i].name, buf, len);
		check_slice(h[i].value, buf, len);
		if (h[i].name.n == 0 || memchr(h[i].value.p, '\r', h[i].value.n) ||
		    memchr(h[i].value.p, '\n', h[i].value.n) || memchr(h[i].value.p, '\0', h[i].value.n))
			abort();
	}
}

/* Scan a chunked body in one call and again in pieces; both must agree. */
static void fuzz_chunked(const uint8_t *data, size_t size, size_t step)
{
	struct http1_chunked a, b;
	size_t used_a, used_b, off = 0, total = 0;
	char *buf = copy(data, size);
	int ra, rb = 0;

	http1_chunked_init(&a);
	ra = http1_chunked_scan(&a, buf, size, &used_a);
	if (used_a > size || (ra == 0 && used_a != size))
		abort();
	http1_chunked_init(&b);
	while (off < size) {
		size_t k = size - off < step ? size - off : step;

		rb = http1_chunked_scan(&b, buf + off, k, &used_b);
		total += used_b;
		if (rb != 0)
			break;
		off += k;
	}
	if (ra != rb || (ra == 1 && total != used_a) || (ra == 1 && a.data_len != b.data_len))
		abort();
	free(buf);
}

static void fuzz_request(const uint8_t *data, size_t size)
{
	static struct http1_request req, part;
	char *buf = copy(data, size), *p;
	size_t cut[3] = { size / 2, size ? size - 1 : 0, 0 };
	int r = http1_parse_request(buf, size, &req), rp;

	if (r > 0) {
		if ((size_t)r > size || req.head_len != (size_t)r || req.minor < 0 || req.minor > 1 ||
		    req.n_connection > HTTP1_MAX_CONNECTION_TOKENS || req.method.n == 0 ||
		    (req.minor == 1 && req.host.n == 0) || req.host.n > HTTP1_MAX_HOST ||
		    req.port > 65535 || (req.body == HTTP1_BODY_CLOSE))
			abort();
		check_slice(req.method, buf, size);
		check_slice(req.target, buf, size);
		check_slice(req.path, buf, size);
		check_slice(req.host, buf, size);
		for (size_t i = 0; i < req.host.n; i++)
			if (req.host.p[i] >= 'A' && req.host.p[i] <= 'Z')
				abort();
		check_headers(req.headers, req.n_headers, buf, size);
		cut[2] = (size_t)r - 1;
		if (req.body == HTTP1_BODY_CHUNKED)
			fuzz_chunked(data + r, size - (size_t)r, 7);
	} else if (r != 0 && r != -400 && r != -414 && r != -431 && r != -501 && r != -505) {
		abort();
	}
	/* A prefix answers "more" or exactly what the whole buffer answers. */
	for (int i = 0; i < 3; i++) {
		if (cut[i] > size)
			continue;
		p = copy(data, cut[i]);
		rp = http1_parse_request(p, cut[i], &part);
		if (rp != 0 && rp != r)
			abort();
		if (i == 2 && r > 0 && rp != 0)
			abort();
		free(p);
	}
	free(buf);
}

static void fuzz_response(const uint8_t *data, size_t size, bool head)
{
	static struct http1_response resp, part;
	char *buf = copy(data, size), *p;
	size_t cut = size / 2;
	int r = http1_parse_response(buf, size, head, &resp), rp;

	if (r > 0) {
		if ((size_t)r > size || resp.head_len != (size_t)r || resp.status < 100 ||
		    resp.status > 599 || (resp.body == HTTP1_BODY_CLOSE && resp.keep_alive) ||
		    (head && resp.body != HTTP1_BODY_NONE))
			abort();
		check_slice(resp.reason, buf, size);
		check_headers(resp.headers, resp.n_headers, buf, size);
		if (resp.body == HTTP1_BODY_CHUNKED)
			fuzz_chunked(data + r, size - (size_t)r, 3);
	} else if (r != 0 && r != -502) {
		abort();
	}
	p = copy(data, cut);
	rp = http1_parse_response(p, cut, head, &part);
	if (rp != 0 && rp != r)
		abort();
	free(p);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_request(data + 1, size - 1);
		break;
	case 1:
		fuzz_response(data + 2, size - 2, data[1] & 1);
		break;
	default:
		fuzz_chunked(data + 2, size - 2, (size_t)data[1] % 16 + 1);
		break;
	}
	return 0;
}
