/*
 * test_http1_request.c - unit tests of src/gateway/http1_request.c: every
 * RFC 9112 rule the gateway enforces, the request-smuggling classics, the
 * size limits, and byte-at-a-time parsing giving the whole-buffer answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/http1.h"
#include "test.h"

static char *rq_buf;
static struct http1_request rq;

/* Parse LEN bytes of S from an exact heap copy kept until the next call, so
 * the slices in rq stay valid and ASan sees reads past the end. */
static int rq_parse_n(const char *s, size_t len)
{
	free(rq_buf);
	rq_buf = malloc(len ? len : 1);
	if (!rq_buf)
		abort();
	memcpy(rq_buf, s, len);
	return http1_parse_request(rq_buf, len, &rq);
}

/* Parse a string literal that may contain NUL bytes. */
#define RQ_PARSE_LIT(lit) rq_parse_n(lit, sizeof(lit) - 1)

static int rq_parse(const char *s)
{
	return rq_parse_n(s, strlen(s));
}

/* The slice as a NUL-terminated string (static, for CHECK_STR). */
static const char *rq_str(struct http1_slice s)
{
	static char out[20000];

	memcpy(out, s.p, s.n);
	out[s.n] = '\0';
	return out;
}

/* Parse S whole, then every prefix: prefixes answer 0 until the first
 * non-zero answer, which must be the whole-buffer answer. */
static void rq_check_incremental(const char *s, size_t len)
{
	int whole = rq_parse_n(s, len);
	size_t head = rq.head_len;
	int body = rq.body;

	for (size_t k = 0; k <= len; k++) {
		int r = rq_parse_n(s, k);

		if (r == 0)
			continue;
		CHECK_INT(r, whole);
		if (r > 0) {
			CHECK_UINT(k, (size_t)r);
			CHECK_UINT(rq.head_len, head);
			CHECK_INT(rq.body, body);
		}
		return;
	}
	CHECK_INT(0, whole);
}

TEST(http1_request_basic)
{
	const char *s = "GET /index.html?q=1 HTTP/1.1\r\n"
			"Host: Example.ORG:8080\r\n"
			"User-Agent: t\r\n"
			"Accept:\t*/* \t\r\n"
			"\r\n"
			"NEXT";

	CHECK_INT(rq_parse(s), (int)strlen(s) - 4);
	CHECK_STR(rq_str(rq.method), "GET");
	CHECK_STR(rq_str(rq.target), "/index.html?q=1");
	CHECK_STR(rq_str(rq.path), "/index.html?q=1");
	CHECK_INT(rq.form, HTTP1_TARGET_ORIGIN);
	CHECK_STR(rq_str(rq.host), "example.org");
	CHECK_INT(rq.port, 8080);
	CHECK_INT(rq.minor, 1);
	CHECK_UINT(rq.n_headers, 3);
	CHECK_STR(rq_str(rq.headers[1].name), "User-Agent");
	CHECK_STR(rq_str(rq.headers[2].value), "*/*");
	CHECK_INT(rq.body, HTTP1_BODY_NONE);
	CHECK(rq.keep_alive);
	CHECK(!rq.upgrade);
	CHECK(!rq.expect_continue);
	CHECK_UINT(rq.head_len, strlen(s) - 4);
}

TEST(http1_request_host_rules)
{
	CHECK_INT(rq_parse("GET / HTTP/1.1\r\n\r\n"), -400);  /* missing on 1.1 */
	CHECK(rq_parse("GET / HTTP/1.0\r\n\r\n") > 0);        /* optional on 1.0 */
	CHECK_UINT(rq.host.n, 0);
	CHECK(rq_parse("GET / HTTP/1.0\r\nHost:\r\n\r\n") > 0);
	CHECK_INT(rq_parse("GET / HTTP/1.1\r\nHost:\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/1.1\r\nHost: a, b\r\n\r\n"), -400);

	static const char *const bad[] = {
		"a b", "a/b", "a@b", "u:p@h", "host:80x", "host:99999", "host:65536",
		"host:123456", "host:9000:80", ".", "..", "a..b", ".a", "a:-1", "a%41",
		"[::1", "[zz]", "[::1]x", "[]", "[1.2.3.4]", "a\"b", "a;b", "*.a",
	};
	char req[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", bad[i]);
		if (rq_parse(req) != -400)
			test_fail(__FILE__, __LINE__, "Host '%s' accepted", bad[i]);
	}
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: a.b.:80\r\n\r\n") > 0);
	CHECK_STR(rq_str(rq.host), "a.b");
	CHECK_INT(rq.port, 80);
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: host:\r\n\r\n") > 0);
	CHECK_STR(rq_str(rq.host), "host");
	CHECK_INT(rq.port, -1);
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n") > 0);
	CHECK_STR(rq_str(rq.host), "[::1]");
	CHECK_INT(rq.port, 8443);
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n") > 0);
	CHECK_STR(rq_str(rq.host), "10.0.0.1");
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: my_svc-1.Local\r\n\r\n") > 0);
	CHECK_STR(rq_str(rq.host), "my_svc-1.local");
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: a:00080\r\n\r\n") > 0);
	CHECK_INT(rq.port, 80);

	/* 255 bytes of host are fine, 256 are not. */
	memset(req, 0, sizeof(req));
	strcpy(req, "GET / HTTP/1.1\r\nHost: ");
	memset(req + strlen(req), 'a', 255);
	strcat(req, "\r\n\r\n");
	CHECK(rq_parse(req) > 0);
	memset(req, 0, sizeof(req));
	strcpy(req, "GET / HTTP/1.1\r\nHost: ");
	memset(req + strlen(req), 'a', 256);
	strcat(req, "\r\n\r\n");
	CHECK_INT(rq_parse(req), -400);
}

TEST(http1_request_absolute_form)
{
	CHECK(rq_parse("GET http://Other.Example:8080/x?y HTTP/1.1\r\nHost: a.example\r\n\r\n") > 0);
	CHECK_INT(rq.form, HTTP1_TARGET_ABSOLUTE);
	CHECK_STR(rq_str(rq.host), "other.example");  /* the authority wins */
	CHECK_INT(rq.port, 8080);
	CHECK_STR(rq_str(rq.path), "/x?y");
	CHECK(!rq.https_scheme);
	CHECK(rq_parse("GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n") > 0);
	CHECK_STR(rq_str(rq.path), "/");
	CHECK(rq.https_scheme);
	/* Both must be valid even though the authority wins. */
	CHECK_INT(rq_parse("GET http://h/ HTTP/1.1\r\nHost: a b\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET http://a..b/ HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET http://h/ HTTP/1.1\r\n\r\n"), -400);
	CHECK(rq_parse("GET http://h/ HTTP/1.0\r\n\r\n") > 0);
	CHECK_STR(rq_str(rq.host), "h");
	CHECK_INT(rq_parse("GET http:/// HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET http://h?q HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET http:h/ HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET http:// HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
}

TEST(http1_request_target_forms)
{
	CHECK(rq_parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n") > 0);
	CHECK_INT(rq.form, HTTP1_TARGET_ASTERISK);
	CHECK_STR(rq_str(rq.path), "*");
	CHECK_INT(rq_parse("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"), -501);
	CHECK_INT(rq_parse("CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n"), -501);
	CHECK_INT(rq_parse("GET h:443 HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET x HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET /a\x80 HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(RQ_PARSE_LIT("GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK(rq_parse("GET /{a}|b^%20 HTTP/1.1\r\nHost: h\r\n\r\n") > 0);
	/* Methods: tokens, case-sensitive, unknown ones pass. */
	CHECK(rq_parse("PROPFIND / HTTP/1.1\r\nHost: h\r\n\r\n") > 0);
	CHECK_STR(rq_str(rq.method), "PROPFIND");
	CHECK(rq_parse("connect / HTTP/1.1\r\nHost: h\r\n\r\n") > 0);
	CHECK_INT(rq_parse("G(ET / HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("G\x80T / HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse(" GET / HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET /  HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET /\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET\r\nHost: h\r\n\r\n"), -400);
	CHECK(rq_parse("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF / HTTP/1.1\r\nHost: h\r\n\r\n") > 0);
	CHECK_INT(rq_parse("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG / HTTP/1.1\r\nHost: h\r\n\r\n"), -501);
}

TEST(http1_request_versions)
{
	CHECK(rq_parse("GET / HTTP/1.0\r\n\r\n") > 0);
	CHECK_INT(rq.minor, 0);
	CHECK(!rq.keep_alive);
	CHECK(rq_parse("GET / HTTP/1.2\r\nHost: h\r\n\r\n") > 0);
	CHECK_INT(rq.minor, 1);
	CHECK_INT(rq_parse("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), -505);
	CHECK_INT(rq_parse("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), -505);
	CHECK_INT(rq_parse("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET / http/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/1.x\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET / HTTPS/1.1\r\nHost: h\r\n\r\n"), -400);
}

TEST(http1_request_field_syntax)
{
	static const char *const bad[] = {
		"Host : h\r\n",                     /* whitespace before colon */
		"Host\t: h\r\n",
		"Host: h\r\nX-A: 1\r\n  folded\r\n", /* obs-fold */
		"Host: h\r\nX-A: 1\r\n\tfolded\r\n",
		"Host: h\r\n X-A: 1\r\n",
		"Host: h\r\nX-A: a\rb\r\n",          /* bare CR in a value */
		"Host: h\r\nX-A: a\x01" "b\r\n",
		"Host: h\r\nX-A: a\x7f\r\n",
		"Host: h\r\nX(A): 1\r\n",            /* not a token */
		"Host: h\r\nX A: 1\r\n",
		"Host: h\r\n: 1\r\n",
		"Host: h\r\nX-A\r\n",
		"Host: h\r\nX-\x80: 1\r\n",
		"Host: h\nX-A: 1\r\n",               /* bare LF */
		"Host: h\r\nX-A: 1\n",
		"Host: h\r\r\n",
	};
	char req[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n%s\r\n", bad[i]);
		if (rq_parse(req) != -400)
			test_fail(__FILE__, __LINE__, "fields '%s' accepted", bad[i]);
	}
	CHECK_INT(RQ_PARSE_LIT("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/1.1\nHost: h\n\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/1.1\r\nHost: h\n\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/1.1\rHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	/* Valid oddities: empty value, obs-text, tabs inside a value. */
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: h\r\nX-E:\r\nX-O: \xc3\xa9t\xc3\xa9\r\nX-T: a\tb\r\n\r\n") > 0);
	CHECK_UINT(rq.headers[1].value.n, 0);
	CHECK_STR(rq_str(rq.headers[3].value), "a\tb");
}

TEST(http1_request_leading_empty_lines)
{
	const char *s = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";

	CHECK_INT(rq_parse(s), (int)strlen(s));
	CHECK_STR(rq_str(rq.method), "GET");
	CHECK(rq_parse("\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n") > 0);
	CHECK_INT(rq_parse("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse(" \r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	CHECK_INT(rq_parse("\r\n"), 0);
	CHECK_INT(rq_parse("\r"), 0);
	CHECK_INT(rq_parse(""), 0);
}

TEST(http1_request_content_length)
{
	static const char *const bad[] = {
		"+5", "-5", "5 5", "0x5", "5a", "", "5, 6", "5,", ",5", "5,,5",
		"1000000000000000000", "5;", "5.0", "\xd9\xa5",
	};
	char req[256];

	CHECK(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello") > 0);
	CHECK_INT(rq.body, HTTP1_BODY_LENGTH);
	CHECK_UINT(rq.content_length, 5);
	CHECK(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n") > 0);
	CHECK_INT(rq.body, HTTP1_BODY_LENGTH);
	CHECK_UINT(rq.content_length, 0);
	CHECK(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n") > 0);
	CHECK_UINT(rq.content_length, 5);
	CHECK(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length: 005\r\n\r\n") > 0);
	CHECK_UINT(rq.content_length, 5);
	CHECK(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999999999999\r\n\r\n") > 0);
	CHECK_UINT(rq.content_length, 999999999999999999ULL);
	CHECK_INT(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), -400);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %s\r\n\r\n", bad[i]);
		if (rq_parse(req) != -400)
			test_fail(__FILE__, __LINE__, "Content-Length '%s' accepted", bad[i]);
	}
}

TEST(http1_request_transfer_encoding)
{
	static const struct {
		const char *te;
		int want;
	} cases[] = {
		{ "chunked", 1 }, { "Chunked", 1 }, { "\tchunked", 1 }, { "chunked ", 1 },
		{ "chunked, identity", -400 }, { "xchunked", -400 }, { "chunkedx", -400 },
		{ "chunked, chunked", -400 }, { "gzip", -400 }, { "identity", -400 },
		{ "", -400 }, { ",chunked", -400 }, { "chunked;q=1", -400 }, { "\"chunked\"", -400 },
		{ "gzip, chunked", -501 }, { "chunked, gzip, chunked", -400 },
		{ "chunked\x0b", -400 }, { "chunk ed", -400 },
	};
	char req[256];
	int r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: %s\r\n\r\n",
			 cases[i].te);
		r = rq_parse(req);
		if (cases[i].want > 0 ? r <= 0 || rq.body != HTTP1_BODY_CHUNKED : r != cases[i].want)
			test_fail(__FILE__, __LINE__, "Transfer-Encoding '%s': %d, want %d", cases[i].te,
				  r, cases[i].want);
	}
	/* Across fields the list is concatenated. */
	CHECK_INT(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
			   "Transfer-Encoding: chunked\r\n\r\n"), -501);
	CHECK_INT(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
			   "Transfer-Encoding: chunked\r\n\r\n"), -400);
	CHECK_INT(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
			   "Transfer-Encoding: identity\r\n\r\n"), -400);
	/* HTTP/1.0 with TE: faulty framing. */
	CHECK_INT(rq_parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), -400);
}

TEST(http1_request_smuggling_classics)
{
	/* CL.TE and TE.CL: both framings present -> refused, never "fixed". */
	CHECK_INT(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 13\r\n"
			   "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED"), -400);
	CHECK_INT(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
			   "Content-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n"), -400);
	/* TE.TE obfuscations: each must be refused, not ignored. */
	static const char *const te[] = {
		"Transfer-Encoding : chunked",  "Transfer-Encoding: xchunked",
		"Transfer-Encoding:\x0b" "chunked", "Transfer-Encoding: chunked, identity",
		" Transfer-Encoding: chunked",  "Transfer-Encoding\r\n : chunked",
		"Transfer_Encoding: chunked\r\nTransfer-Encoding: x",
		"Transfer-Encoding: \"chunked\"", "Transfer-Encoding:\x0c" "chunked",
		"X: y\nTransfer-Encoding: chunked", "Transfer-Encoding: chunked\r\nTransfer-encoding: cow",
	};
	char req[256];

	for (size_t i = 0; i < sizeof(te) / sizeof(te[0]); i++) {
		snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n%s\r\n\r\n",
			 te[i]);
		if (rq_parse(req) > 0)
			test_fail(__FILE__, __LINE__, "'%s' with Content-Length accepted", te[i]);
		snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nHost: h\r\n%s\r\n\r\n", te[i]);
		if (rq_parse(req) > 0)
			test_fail(__FILE__, __LINE__, "'%s' accepted", te[i]);
	}
	/* A tab before the value is plain OWS. */
	CHECK(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\tchunked\r\n\r\n") > 0);
	CHECK_INT(rq.body, HTTP1_BODY_CHUNKED);
	/* Content-Length obfuscations. */
	CHECK_INT(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length : 4\r\n\r\n"), -400);
	CHECK_INT(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n Content-Length: 0\r\n\r\n"), -400);
	CHECK_INT(rq_parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n"), -400);
}

TEST(http1_request_limits)
{
	static char big[40000];
	size_t n;

	/* Request line: 8192 bytes of content are fine, 8193 get 414. */
	n = (size_t)snprintf(big, sizeof(big), "GET /");
	memset(big + n, 'a', HTTP1_MAX_REQUEST_LINE - n - 9);
	n = HTTP1_MAX_REQUEST_LINE - 9;
	n += (size_t)snprintf(big + n, sizeof(big) - n, " HTTP/1.1\r\nHost: h\r\n\r\n");
	CHECK(rq_parse_n(big, n) > 0);
	CHECK_UINT(rq.target.n, HTTP1_MAX_REQUEST_LINE - 13);
	n = (size_t)snprintf(big, sizeof(big), "GET /");
	memset(big + n, 'a', HTTP1_MAX_REQUEST_LINE - n - 8);
	n = HTTP1_MAX_REQUEST_LINE - 8;
	n += (size_t)snprintf(big + n, sizeof(big) - n, " HTTP/1.1\r\nHost: h\r\n\r\n");
	CHECK_INT(rq_parse_n(big, n), -414);
	CHECK_INT(rq_parse_n(big, HTTP1_MAX_REQUEST_LINE + 1), -414);  /* before the line ends */
	CHECK_INT(rq_parse_n(big, HTTP1_MAX_REQUEST_LINE), 0);

	/* 100 fields pass, 101 get 431. */
	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 1; i < HTTP1_MAX_HEADERS; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X-%d: v\r\n", i);
	CHECK(rq_parse_n(strcat(big, "\r\n"), n + 2) > 0);
	CHECK_UINT(rq.n_headers, HTTP1_MAX_HEADERS);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "X-Last: v\r\n\r\n");
	CHECK_INT(rq_parse_n(big, n), -431);
	CHECK_INT(rq_parse_n(big, n - 2), -431);  /* counted before the head ends */

	/* A head of 16384 bytes passes, one more byte gets 431. */
	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	memset(big + n, 'v', HTTP1_MAX_HEAD - n - 4);
	memcpy(big + HTTP1_MAX_HEAD - 4, "\r\n\r\n", 4);
	CHECK_INT(rq_parse_n(big, HTTP1_MAX_HEAD), HTTP1_MAX_HEAD);
	memset(big + n, 'v', HTTP1_MAX_HEAD - n - 3);
	memcpy(big + HTTP1_MAX_HEAD - 3, "\r\n\r\n", 4);
	CHECK_INT(rq_parse_n(big, HTTP1_MAX_HEAD + 1), -431);
	CHECK_INT(rq_parse_n(big, HTTP1_MAX_HEAD), 0);
	/* An unfinished head is refused as soon as it is too long. */
	memset(big + n, 'v', sizeof(big) - n);
	CHECK_INT(rq_parse_n(big, HTTP1_MAX_HEAD), 0);
	CHECK_INT(rq_parse_n(big, HTTP1_MAX_HEAD + 1), -431);
	/* Leading empty lines do not count against the head. */
	n = (size_t)snprintf(big, sizeof(big), "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nX: ");
	memset(big + n, 'v', HTTP1_MAX_HEAD + 4 - n - 4);
	memcpy(big + HTTP1_MAX_HEAD, "\r\n\r\n", 4);
	CHECK_INT(rq_parse_n(big, HTTP1_MAX_HEAD + 4), HTTP1_MAX_HEAD + 4);
}

TEST(http1_request_connection)
{
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n") > 0);
	CHECK(!rq.keep_alive);
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n") > 0);
	CHECK(!rq.keep_alive);
	CHECK(rq_parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") > 0);
	CHECK(rq.keep_alive);
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: ,,x-a,\r\nConnection: x-b\r\n\r\n") > 0);
	CHECK_UINT(rq.n_connection, 2);
	CHECK(rq.keep_alive);
	CHECK_INT(rq_parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: a b\r\n\r\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\r\n\r\n"), -400);
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p\r\n\r\n") > 0);

	/* Upgrade needs HTTP/1.1, the token and the field. */
	CHECK(rq_parse("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\n"
		       "Upgrade: websocket\r\n\r\n") > 0);
	CHECK(rq.upgrade);
	CHECK_STR(rq_str(rq.upgrade_protocols), "websocket");
	CHECK(rq_parse("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n") > 0);
	CHECK(!rq.upgrade);
	CHECK(rq_parse("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n\r\n") > 0);
	CHECK(!rq.upgrade);
	CHECK(rq_parse("GET /ws HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n") > 0);
	CHECK(!rq.upgrade);

	CHECK(rq_parse("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n") > 0);
	CHECK(rq.expect_continue);
	CHECK(rq_parse("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n") > 0);
	CHECK(!rq.expect_continue);
	CHECK(rq_parse("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n") > 0);
	CHECK(!rq.expect_continue);
}

/* Wrap a C string in a slice. */
static struct http1_slice rq_sl(const char *s)
{
	return (struct http1_slice){ s, strlen(s) };
}

TEST(http1_request_hop_by_hop)
{
	CHECK(rq_parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: X-Secret, host, keep-alive\r\n\r\n") > 0);
	CHECK(http1_is_hop_by_hop(&rq, rq_sl("x-secret")));
	CHECK(http1_is_hop_by_hop(&rq, rq_sl("X-SECRET")));
	CHECK(!http1_is_hop_by_hop(&rq, rq_sl("Host")));
	CHECK(!http1_is_hop_by_hop(&rq, rq_sl("X-Other")));
	CHECK(!http1_is_hop_by_hop(&rq, rq_sl("Trailer")));
	CHECK(!http1_is_hop_by_hop(&rq, rq_sl("x-secre")));
	static const char *const always[] = {
		"Connection", "keep-alive", "Proxy-Connection", "TE", "Upgrade",
		"Transfer-Encoding", "Content-Length",
	};
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		CHECK(http1_is_hop_by_hop(&rq, rq_sl(always[i])));
}

TEST(http1_request_incremental)
{
	static const char *const reqs[] = {
		"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"\r\n\r\nPOST /x HTTP/1.1\r\nHost: H\r\nContent-Length: 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : h\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
		"\n\nGET / HTTP/1.1\r\n\r\n",
		"\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
	};
	static char big[20000];
	size_t n;

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		rq_check_incremental(reqs[i], strlen(reqs[i]));
	n = (size_t)snprintf(big, sizeof(big), "GET /");
	memset(big + n, 'a', 9000);
	n += 9000;
	n += (size_t)snprintf(big + n, sizeof(big) - n, " HTTP/1.1\r\n\r\n");
	rq_check_incremental(big, n);
	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: ");
	memset(big + n, 'a', 17000);
	n += 17000;
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n\r\n");
	rq_check_incremental(big, n);
	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 150; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X: %d\r\n", i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n");
	rq_check_incremental(big, n);
	free(rq_buf);
	rq_buf = NULL;
}

TEST(http1_helpers)
{
	char buf[256];
	int n;
	struct http1_header h[2] = {
		{ { "Host", 4 }, { "a", 1 } },
		{ { "X-Y", 3 }, { "gzip, Chunked ,x", 16 } },
	};

	CHECK(http1_find_header(h, 2, "x-y") == &h[1]);
	CHECK(http1_find_header(h, 2, "x") == NULL);
	CHECK(http1_list_has_token(h[1].value, "chunked"));
	CHECK(http1_list_has_token(h[1].value, "X"));
	CHECK(!http1_list_has_token(h[1].value, "gzi"));
	CHECK(http1_slice_eq_ci(h[0].name, "HOST"));
	CHECK_STR(http1_reason(431), "Request Header Fields Too Large");
	CHECK_STR(http1_reason(299), "Unknown");
	n = http1_write_error(buf, sizeof(buf), 400, 0);
	CHECK(n > 0);
	CHECK_STR(buf, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
		       "Content-Length: 16\r\nConnection: close\r\n\r\n400 Bad Request\n");
	n = http1_write_error(buf, sizeof(buf), 503, HTTP1_ERROR_KEEP_ALIVE | HTTP1_ERROR_NO_BODY);
	CHECK_STR(buf, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
		       "Content-Length: 24\r\n\r\n");
	CHECK_INT(n, (int)strlen(buf));
	CHECK_INT(http1_write_error(buf, 20, 404, 0), -ENOSPC);
	/* The longest reason fits the documented 256 bytes. */
	CHECK(http1_write_error(buf, 256, 431, 0) > 0);
}

TEST(http1_request_early_refusal)
{
	/* A bad request line is refused before the head is complete. */
	CHECK_INT(RQ_PARSE_LIT("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/1.1\n"), -400);
	CHECK_INT(rq_parse("GET / HTTP/3.0\r\n"), -505);
	CHECK_INT(rq_parse("GET / HTTP/1.1\r\nHost: h\r\n"), 0);
	CHECK_INT(rq_parse("GET / HTTP/1.1"), 0);
}

TEST(http1_request_early_method_check)
{
	static char big[9000];

	/* A TLS ClientHello sent to the plain-HTTP port: refused on byte one. */
	CHECK_INT(RQ_PARSE_LIT("\x16\x03\x01\x02\x00"), -400);
	CHECK_INT(rq_parse("GE\x7f"), -400);
	CHECK_INT(rq_parse("GET"), 0);
	/* A long token is still a 414 once the line is too long. */
	memset(big, 'A', sizeof(big));
	CHECK_INT(rq_parse_n(big, sizeof(big)), -414);
	rq_check_incremental(big, sizeof(big));
	big[100] = '\x01';
	rq_check_incremental(big, sizeof(big));
	CHECK_INT(rq_parse_n(big, sizeof(big)), -400);
	free(rq_buf);
	rq_buf = NULL;
}
