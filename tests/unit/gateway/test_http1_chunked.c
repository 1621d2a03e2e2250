/*
 * test_http1_chunked.c - unit tests of src/gateway/http1_chunked.c: where a
 * chunked body ends, every framing error it must refuse, and that any split
 * of the input gives the same answer as one call.
 */
#include <stdlib.h>
#include <string.h>

#include "gateway/http1.h"
#include "test.h"

/* Scan LEN bytes of S in one call from an exact heap copy; *USED as
 * http1_chunked_scan sets it. */
static int ch_scan_n(const char *s, size_t len, size_t *used)
{
	struct http1_chunked c;
	char *p = malloc(len ? len : 1);
	int r;

	if (!p)
		abort();
	memcpy(p, s, len);
	http1_chunked_init(&c);
	r = http1_chunked_scan(&c, p, len, used);
	free(p);
	return r;
}

/* Scan S in pieces of STEP bytes (each an exact heap copy); returns the
 * first non-zero answer and the total bytes used then. */
static int ch_scan_steps(const char *s, size_t len, size_t step, size_t *total)
{
	struct http1_chunked c;
	size_t off = 0, used;
	int r = 0;

	http1_chunked_init(&c);
	*total = 0;
	while (off < len) {
		size_t k = len - off < step ? len - off : step;
		char *p = malloc(k);

		if (!p)
			abort();
		memcpy(p, s + off, k);
		r = http1_chunked_scan(&c, p, k, &used);
		free(p);
		*total += used;
		if (r != 0)
			return r;
		if (used != k)
			test_fail(__FILE__, __LINE__, "used %zu of %zu with answer 0", used, k);
		off += k;
	}
	return r;
}

/* Scan a string literal that may contain NUL bytes. */
#define CH_SCAN_LIT(lit, used) ch_scan_n(lit, sizeof(lit) - 1, used)

static int ch_scan(const char *s, size_t *used)
{
	return ch_scan_n(s, strlen(s), used);
}

TEST(http1_chunked_valid)
{
	static const char *const bodies[] = {
		"0\r\n\r\n",
		"5\r\nhello\r\n0\r\n\r\n",
		"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
		"A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n",
		"5;name=value\r\nhello\r\n0;last\r\n\r\n",
		"5 ;a\r\nhello\r\n0\t; b=\"q s\"\r\n\r\n",
		"0000000000000005\r\nhello\r\n0\r\n\r\n",
		"0\r\nX-Trailer: v\r\nY:\r\n\r\n",
		"0\r\nX-T: \xc3\xa9 a\tb\r\n\r\n",
	};
	size_t used;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		size_t len = strlen(bodies[i]);

		if (ch_scan(bodies[i], &used) != 1 || used != len)
			test_fail(__FILE__, __LINE__, "body %zu: refused or wrong end", i);
	}
}

TEST(http1_chunked_end_and_next_message)
{
	const char *s = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
	struct http1_chunked c;
	size_t used;

	CHECK_INT(ch_scan(s, &used), 1);
	CHECK_UINT(used, 13);
	/* After the end, nothing more belongs to the body. */
	http1_chunked_init(&c);
	CHECK_INT(http1_chunked_scan(&c, s, 13, &used), 1);
	CHECK_UINT(c.data_len, 3);
	CHECK_INT(http1_chunked_scan(&c, s + 13, 5, &used), 1);
	CHECK_UINT(used, 0);
	/* Incomplete bodies want more and consume everything. */
	CHECK_INT(ch_scan("5\r\nhel", &used), 0);
	CHECK_UINT(used, 6);
	CHECK_INT(ch_scan("0\r\n\r", &used), 0);
	CHECK_INT(ch_scan("0\r\nX: y\r\n", &used), 0);
	CHECK_INT(ch_scan("", &used), 0);
}

TEST(http1_chunked_sizes)
{
	static const char *const bad[] = {
		"\r\n\r\n",                    /* empty size */
		"0x5\r\nhello\r\n0\r\n\r\n",   /* 0x prefix */
		"x5\r\n",
		"-5\r\n",
		"+5\r\n",
		" 5\r\n",
		"\t5\r\n",
		"5 \r\nhello\r\n",             /* BWS only before ';' */
		"5 x\r\n",
		"5g\r\n",
		"00000000000000005\r\n",       /* 17 digits */
		"4000000000000001\r\n",        /* > 2^62 */
		"FFFFFFFFFFFFFFFF\r\n",
		"10000000000000000\r\n",
		"5\nhello\r\n",                /* bare LF after the size */
		"5\rhello\r\n",                /* bare CR after the size */
		"5\r\nhello\n0\r\n\r\n",       /* bare LF after data */
		"5\r\nhelloX\r\n",             /* data longer than its size */
		"5\r\nhello\r\r\n",
		"\xd9\xa5\r\n",
	};
	size_t used;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ch_scan(bad[i], &used) >= 0)
			test_fail(__FILE__, __LINE__, "chunk '%s' accepted", bad[i]);
	/* A chunk shorter than its size swallows the CRLF as data. */
	CHECK_INT(ch_scan("5\r\nhel\r\n", &used), 0);
	CHECK_INT(ch_scan("5\r\nhel\r\n0\r\n\r\n", &used), -400);
	/* The largest size passes its line; the data is awaited. */
	struct http1_chunked c;

	http1_chunked_init(&c);
	CHECK_INT(http1_chunked_scan(&c, "4000000000000000\r\nab", 20, &used), 0);
	CHECK_UINT(c.remaining, (UINT64_C(1) << 62) - 2);
	CHECK_UINT(c.data_len, 2);
}

TEST(http1_chunked_extensions)
{
	static char big[3 * HTTP1_MAX_CHUNK_EXT + 64];
	size_t n, used;

	CHECK_INT(ch_scan("5;a\rb\r\nhello\r\n0\r\n\r\n", &used), -400);  /* bare CR */
	CHECK_INT(ch_scan("5;a\nb\r\nhello\r\n0\r\n\r\n", &used), -400);  /* bare LF */
	CHECK_INT(CH_SCAN_LIT("5;a\0b\r\nhello\r\n0\r\n\r\n", &used), -400);
	CHECK_INT(ch_scan("5;a\x7f\r\nhello\r\n0\r\n\r\n", &used), -400);
	CHECK_INT(ch_scan("5;a\x01\r\nhello\r\n0\r\n\r\n", &used), -400);
	/* Extensions up to the limit pass, one byte more does not. */
	n = (size_t)snprintf(big, sizeof(big), "1;");
	memset(big + n, 'e', HTTP1_MAX_CHUNK_EXT);
	n += HTTP1_MAX_CHUNK_EXT;
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\nx\r\n0\r\n\r\n");
	CHECK_INT(ch_scan_n(big, n, &used), 1);
	n = (size_t)snprintf(big, sizeof(big), "1;");
	memset(big + n, 'e', HTTP1_MAX_CHUNK_EXT + 1);
	n += HTTP1_MAX_CHUNK_EXT + 1;
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\nx\r\n0\r\n\r\n");
	CHECK_INT(ch_scan_n(big, n, &used), -400);
	/* The limit is per chunk, not per body. */
	n = 0;
	for (int i = 0; i < 3; i++) {
		n += (size_t)snprintf(big + n, sizeof(big) - n, "1;");
		memset(big + n, 'e', HTTP1_MAX_CHUNK_EXT * 3 / 4);
		n += HTTP1_MAX_CHUNK_EXT * 3 / 4;
		n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\nx\r\n");
	}
	CHECK(n + 6 < sizeof(big));
	memcpy(big + n, "0\r\n\r\n", 5);
	CHECK_INT(ch_scan_n(big, n + 5, &used), 1);
	/* Whitespace runs before ';' count against the limit too. */
	memset(big, ' ', HTTP1_MAX_CHUNK_EXT + 2);
	big[0] = '1';
	CHECK_INT(ch_scan_n(big, HTTP1_MAX_CHUNK_EXT + 1, &used), 0);
	CHECK_INT(ch_scan_n(big, HTTP1_MAX_CHUNK_EXT + 2, &used), -400);
}

TEST(http1_chunked_trailers)
{
	static char big[HTTP1_MAX_TRAILER + 64];
	size_t n, used;

	CHECK_INT(ch_scan("0\r\n X: y\r\n\r\n", &used), -400);    /* obs-fold */
	CHECK_INT(ch_scan("0\r\nX : y\r\n\r\n", &used), -400);    /* space before colon */
	CHECK_INT(ch_scan("0\r\n: y\r\n\r\n", &used), -400);      /* empty name */
	CHECK_INT(ch_scan("0\r\nX\r\n\r\n", &used), -400);        /* no colon */
	CHECK_INT(ch_scan("0\r\nX: y\n\r\n", &used), -400);       /* bare LF */
	CHECK_INT(ch_scan("0\r\nX: y\rz\r\n\r\n", &used), -400);  /* bare CR */
	CHECK_INT(ch_scan("0\r\n\n", &used), -400);
	CHECK_INT(ch_scan("0\r\n\rx", &used), -400);
	CHECK_INT(CH_SCAN_LIT("0\r\nX: a\0b\r\n\r\n", &used), -400);
	/* Trailer section limit. */
	n = (size_t)snprintf(big, sizeof(big), "0\r\nX: ");
	memset(big + n, 'v', HTTP1_MAX_TRAILER);
	CHECK_INT(ch_scan_n(big, n + HTTP1_MAX_TRAILER, &used), -400);
	n = (size_t)snprintf(big, sizeof(big), "0\r\nX: ");
	memset(big + n, 'v', HTTP1_MAX_TRAILER - 3 - 4);
	memcpy(big + 3 + HTTP1_MAX_TRAILER - 4, "\r\n\r\n", 4);
	CHECK_INT(ch_scan_n(big, 3 + HTTP1_MAX_TRAILER, &used), 1);
}

TEST(http1_chunked_any_split)
{
	static const char *const bodies[] = {
		"5;a=b\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nT: v\r\n\r\nNEXT",
		"5\r\nhello\n0\r\n\r\n",
		"5 ;x\r\nhello\r\n0\r\nA : b\r\n\r\n",
		"0x0\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		size_t len = strlen(bodies[i]), whole_used, total;
		int whole = ch_scan_n(bodies[i], len, &whole_used);

		for (size_t step = 1; step <= len; step++) {
			int r = ch_scan_steps(bodies[i], len, step, &total);

			if (r != whole || (r == 1 && total != whole_used))
				test_fail(__FILE__, __LINE__, "body %zu step %zu: %d used %zu, whole %d used %zu",
					  i, step, r, total, whole, whole_used);
		}
	}
}
