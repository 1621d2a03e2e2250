/*
 * test_http1_response.c - unit tests of src/gateway/http1_response.c: body
 * framing per RFC 9112 6.3, what an upstream may not send (502), limits,
 * and byte-at-a-time parsing giving the whole-buffer answer.
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/http1.h"
#include "test.h"

static char *rs_buf;
static struct http1_response rs;

/* Parse LEN bytes of S from an exact heap copy kept until the next call. */
static int rs_parse_n(const char *s, size_t len, bool head)
{
	free(rs_buf);
	rs_buf = malloc(len ? len : 1);
	if (!rs_buf)
		abort();
	memcpy(rs_buf, s, len);
	return http1_parse_response(rs_buf, len, head, &rs);
}

/* Parse a string literal that may contain NUL bytes. */
#define RS_PARSE_LIT(lit, head) rs_parse_n(lit, sizeof(lit) - 1, head)

static int rs_parse(const char *s)
{
	return rs_parse_n(s, strlen(s), false);
}

/* The slice as a NUL-terminated string (static, for CHECK_STR). */
static const char *rs_str(struct http1_slice s)
{
	static char out[1024];

	memcpy(out, s.p, s.n);
	out[s.n] = '\0';
	return out;
}

TEST(http1_response_basic)
{
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello";

	CHECK_INT(rs_parse(s), (int)strlen(s) - 5);
	CHECK_INT(rs.status, 200);
	CHECK_INT(rs.minor, 1);
	CHECK_STR(rs_str(rs.reason), "OK");
	CHECK_UINT(rs.n_headers, 2);
	CHECK_STR(rs_str(rs.headers[1].value), "b");
	CHECK_INT(rs.body, HTTP1_BODY_LENGTH);
	CHECK_UINT(rs.content_length, 5);
	CHECK(rs.keep_alive);
	CHECK(!rs.upgrade);
	CHECK_UINT(rs.head_len, strlen(s) - 5);

	CHECK(rs_parse("HTTP/1.1 404 Not  Found \r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK_STR(rs_str(rs.reason), "Not  Found ");
	CHECK(rs_parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK_UINT(rs.reason.n, 0);
	CHECK(rs_parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK(rs_parse("HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK_INT(rs.minor, 1);
}

TEST(http1_response_framing)
{
	CHECK(rs_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") > 0);
	CHECK_INT(rs.body, HTTP1_BODY_CHUNKED);
	CHECK(rs.keep_alive);
	CHECK(rs_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") > 0);
	CHECK_INT(rs.body, HTTP1_BODY_CHUNKED);
	/* Not ending in chunked: read until close (RFC 9112 6.3 rule 4). */
	CHECK(rs_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n") > 0);
	CHECK_INT(rs.body, HTTP1_BODY_CLOSE);
	CHECK(!rs.keep_alive);
	CHECK(rs_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") > 0);
	CHECK_INT(rs.body, HTTP1_BODY_CLOSE);
	/* No length at all: until close. */
	CHECK(rs_parse("HTTP/1.1 200 OK\r\n\r\n") > 0);
	CHECK_INT(rs.body, HTTP1_BODY_CLOSE);
	CHECK(!rs.keep_alive);
	/* HTTP/1.0 with TE: faulty framing, until close even with CL. */
	CHECK(rs_parse("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n"
		       "Connection: keep-alive\r\n\r\n") > 0);
	CHECK_INT(rs.body, HTTP1_BODY_CLOSE);
	CHECK(!rs.keep_alive);
	/* Refused framings. */
	CHECK_INT(rs_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"), -502);
	CHECK_INT(rs_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), -502);
	CHECK_INT(rs_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"), -502);
	CHECK_INT(rs_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n"), -502);
	CHECK_INT(rs_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;x\r\n\r\n"), -502);
	CHECK_INT(rs_parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), -502);
	CHECK_INT(rs_parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), -502);
	CHECK_INT(rs_parse("HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\n"), -502);
	CHECK(rs_parse("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n\r\n") > 0);
	CHECK_UINT(rs.content_length, 7);
}

TEST(http1_response_no_body)
{
	static const int none[] = { 100, 101, 103, 199, 204, 304 };
	char buf[128];

	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		snprintf(buf, sizeof(buf), "HTTP/1.1 %d X\r\nContent-Length: 5\r\n\r\n", none[i]);
		CHECK(rs_parse(buf) > 0);
		CHECK_INT(rs.body, HTTP1_BODY_NONE);
	}
	CHECK(RS_PARSE_LIT("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true) > 0);
	CHECK_INT(rs.body, HTTP1_BODY_NONE);
	CHECK(rs.keep_alive);
	CHECK(RS_PARSE_LIT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true) > 0);
	CHECK_INT(rs.body, HTTP1_BODY_NONE);
	/* Content-Length is checked even where it frames nothing. */
	CHECK_INT(RS_PARSE_LIT("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", true), -502);
	CHECK_INT(rs_parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 5, 6\r\n\r\n"), -502);
	CHECK(rs_parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n") > 0);
	CHECK_UINT(rs.content_length, 1234);
	CHECK(rs_parse("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
		       "Upgrade: websocket\r\n\r\n") > 0);
	CHECK(rs.upgrade);
	CHECK_INT(rs.body, HTTP1_BODY_NONE);
}

TEST(http1_response_invalid)
{
	static const char *const bad[] = {
		"HTTP/1.1 099 X\r\n\r\n",
		"HTTP/1.1 600 X\r\n\r\n",
		"HTTP/1.1 20 X\r\n\r\n",
		"HTTP/1.1 2000 X\r\n\r\n",
		"HTTP/1.1 abc X\r\n\r\n",
		"HTTP/2 200 X\r\n\r\n",
		"HTTP/2.0 200 X\r\n\r\n",
		"http/1.1 200 X\r\n\r\n",
		"HTTP/1.1  200 X\r\n\r\n",
		"HTTP/1.1 200 X\rY\r\n\r\n",
		"HTTP/1.1 200 X\x01\r\n\r\n",
		"\r\nHTTP/1.1 200 X\r\n\r\n",
		"HTTP/1.1 200 X\r\nA : b\r\n\r\n",
		"HTTP/1.1 200 X\r\nA: b\r\n folded\r\n\r\n",
		"HTTP/1.1 200 X\r\nA: b\rc\r\n\r\n",
		"HTTP/1.1 200 X\r\nA: b\x7f\r\n\r\n",
		"HTTP/1.1 200 X\r\nA(: b\r\n\r\n",
		"HTTP/1.1 200 X\r\n: b\r\n\r\n",
		"HTTP/1.1 200 X\r\nConnection: a b\r\n\r\n",
		"HTTP/1.1 200 X\r\nA: b\r\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (rs_parse(bad[i]) != -502)
			test_fail(__FILE__, __LINE__, "response '%s' accepted", bad[i]);
	CHECK_INT(RS_PARSE_LIT("HTTP/1.1 200 X\r\nA: b\0c\r\n\r\n", false), -502);
}

TEST(http1_response_bare_lf_and_connection)
{
	/* Bare LF line ends are accepted from upstreams (RFC 9112 2.2 MAY). */
	CHECK(rs_parse("HTTP/1.1 200 OK\nContent-Length: 2\nX: y\r\n\nhi") > 0);
	CHECK_INT(rs.body, HTTP1_BODY_LENGTH);
	CHECK_UINT(rs.n_headers, 2);
	CHECK_STR(rs_str(rs.headers[1].value), "y");
	CHECK(rs_parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK(!rs.keep_alive);
	CHECK(rs_parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK(!rs.keep_alive);
	CHECK(rs_parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK(rs.keep_alive);
	CHECK(rs_parse("HTTP/1.1 200 OK\r\nConnection: X-Drop\r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK(http1_response_is_hop_by_hop(&rs, (struct http1_slice){ "x-drop", 6 }));
	CHECK(http1_response_is_hop_by_hop(&rs, (struct http1_slice){ "Keep-Alive", 10 }));
	CHECK(!http1_response_is_hop_by_hop(&rs, (struct http1_slice){ "Set-Cookie", 10 }));
}

TEST(http1_response_limits_and_incremental)
{
	static const char *const resps[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\nX: y\n\n",
		"HTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 200 OK\r\nA : b\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	};
	static char big[20000];
	size_t n;
	int whole, r;

	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < HTTP1_MAX_HEADERS; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X-%d: v\r\n", i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n");
	CHECK(rs_parse_n(big, n, false) > 0);
	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i <= HTTP1_MAX_HEADERS; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X-%d: v\r\n", i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n");
	CHECK_INT(rs_parse_n(big, n, false), -502);
	n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nX: ");
	memset(big + n, 'v', sizeof(big) - n);
	CHECK_INT(rs_parse_n(big, HTTP1_MAX_HEAD + 1, false), -502);
	CHECK_INT(rs_parse_n(big, HTTP1_MAX_HEAD, false), 0);

	for (size_t i = 0; i < sizeof(resps) / sizeof(resps[0]); i++) {
		size_t len = strlen(resps[i]);

		whole = rs_parse_n(resps[i], len, false);
		for (size_t k = 0; k <= len; k++) {
			r = rs_parse_n(resps[i], k, false);
			if (r == 0)
				continue;
			CHECK_INT(r, whole);
			if (r > 0)
				CHECK_UINT(k, (size_t)r);
			break;
		}
	}
	free(rs_buf);
	rs_buf = NULL;
}
