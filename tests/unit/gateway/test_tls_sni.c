/*
 * test_tls_sni.c - the server_name extension parser and host-name
 * normalization, with hostile input: wrong lengths, several entries, bad
 * characters, over-long labels and names.
 */
#include "test.h"

#include <errno.h>

#include "gateway/tls_internal.h"

/* Build a server_name extension around NAME (LEN bytes) with name type TYPE into OUT. */
static size_t sni_build(unsigned char *out, const char *name, size_t len, unsigned char type)
{
	out[0] = (unsigned char)((len + 3) >> 8);
	out[1] = (unsigned char)(len + 3);
	out[2] = type;
	out[3] = (unsigned char)(len >> 8);
	out[4] = (unsigned char)len;
	memcpy(out + 5, name, len);
	return len + 5;
}

TEST(tls_sni_parses_one_host_name)
{
	unsigned char ext[600] = {0};
	char host[TLS_HOST_MAX];
	size_t n;

	n = sni_build(ext, "Hello.Example.COM", 17, 0);
	CHECK_INT(tls_sni_parse(ext, n, host), 0);
	CHECK_STR(host, "hello.example.com");
	n = sni_build(ext, "a.example.org.", 14, 0);
	CHECK_INT(tls_sni_parse(ext, n, host), 0);
	CHECK_STR(host, "a.example.org");
	n = sni_build(ext, "x", 1, 0);
	CHECK_INT(tls_sni_parse(ext, n, host), 0);
	CHECK_STR(host, "x");
	n = sni_build(ext, "_acme-challenge.a-b.c9", 22, 0);
	CHECK_INT(tls_sni_parse(ext, n, host), 0);
	CHECK_STR(host, "_acme-challenge.a-b.c9");
}

TEST(tls_sni_rejects_malformed_extensions)
{
	unsigned char ext[600] = {0};
	char host[TLS_HOST_MAX];
	size_t n;

	CHECK_INT(tls_sni_parse(ext, 0, host), -EBADMSG);
	n = sni_build(ext, "example.com", 11, 0);
	CHECK_INT(tls_sni_parse(ext, 1, host), -EBADMSG);
	/* Every truncation fails cleanly. */
	for (size_t cut = 0; cut < n; cut++)
		CHECK_INT(tls_sni_parse(ext, cut, host), -EBADMSG);
	/* Trailing bytes after the list. */
	ext[n] = 0;
	CHECK_INT(tls_sni_parse(ext, n + 1, host), -EBADMSG);
	/* List length larger, then smaller than the data. */
	ext[1]++;
	CHECK_INT(tls_sni_parse(ext, n, host), -EBADMSG);
	ext[1] -= 2;
	CHECK_INT(tls_sni_parse(ext, n, host), -EBADMSG);
	ext[1]++;
	/* Name length past the list, then short of it. */
	ext[4]++;
	CHECK_INT(tls_sni_parse(ext, n, host), -EBADMSG);
	ext[4] -= 2;
	CHECK_INT(tls_sni_parse(ext, n, host), -EBADMSG);
	/* Unknown name type. */
	n = sni_build(ext, "example.com", 11, 1);
	CHECK_INT(tls_sni_parse(ext, n, host), -EBADMSG);
	/* Empty name; empty list. */
	n = sni_build(ext, "", 0, 0);
	CHECK_INT(tls_sni_parse(ext, n, host), -EBADMSG);
	ext[0] = 0, ext[1] = 0;
	CHECK_INT(tls_sni_parse(ext, 2, host), -EBADMSG);
	/* Two entries: OpenSSL, and so the gateway, accepts exactly one. */
	{
		unsigned char two[] = {0, 10, 0, 0, 2, 'a', 'b', 0, 0, 2, 'c', 'd'};

		CHECK_INT(tls_sni_parse(two, sizeof(two), host), -EBADMSG);
	}
	/* Lengths with the high byte set must not wrap. */
	{
		unsigned char big[] = {0xff, 0xff, 0, 0xff, 0xfc, 'a'};

		CHECK_INT(tls_sni_parse(big, sizeof(big), host), -EBADMSG);
	}
}

TEST(tls_sni_rejects_invalid_names)
{
	static const char *const bad[] = {
		".",   "..", ".a",    "a..b", "a b",   "a/b",   "a:443",
		"*.a", "a*", "é.com", "a\\b", "a%2eb", "[::1]", "a.b..",
	};
	unsigned char ext[600] = {0};
	char host[TLS_HOST_MAX], name[300];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = sni_build(ext, bad[i], strlen(bad[i]), 0);
		if (tls_sni_parse(ext, n, host) != -EINVAL)
			test_fail(__FILE__, __LINE__, "'%s' accepted", bad[i]);
	}
	n = sni_build(ext, "a\0b", 3, 0);
	CHECK_INT(tls_sni_parse(ext, n, host), -EINVAL);
	/* A label of 63 bytes is fine, 64 is not. */
	memset(name, 'a', 63);
	memcpy(name + 63, ".b", 3);
	n = sni_build(ext, name, strlen(name), 0);
	CHECK_INT(tls_sni_parse(ext, n, host), 0);
	memset(name, 'a', 64);
	memcpy(name + 64, ".b", 3);
	n = sni_build(ext, name, strlen(name), 0);
	CHECK_INT(tls_sni_parse(ext, n, host), -EINVAL);
	/* 253 bytes is the longest name; 254, or 255 with a trailing dot beyond it, is not. */
	for (int i = 0; i < 253; i++)
		name[i] = i % 2 ? '.' : 'a';
	name[253] = '\0';
	n = sni_build(ext, name, 253, 0);
	CHECK_INT(tls_sni_parse(ext, n, host), 0);
	CHECK_INT(strlen(host), 253);
	name[253] = '.';
	n = sni_build(ext, name, 254, 0);
	CHECK_INT(tls_sni_parse(ext, n, host), 0);
	memcpy(name + 253, "ab", 2);
	n = sni_build(ext, name, 255, 0);
	CHECK_INT(tls_sni_parse(ext, n, host), -EINVAL);
	memset(name, 'a', sizeof(name));
	n = sni_build(ext, name, sizeof(name), 0);
	CHECK_INT(tls_sni_parse(ext, n, host), -EINVAL);
}

TEST(tls_host_normalize_folds_case_and_dot)
{
	char out[TLS_HOST_MAX];

	CHECK_INT(tls_host_normalize("WWW.Example.Org.", 16, out), 0);
	CHECK_STR(out, "www.example.org");
	/* Only LEN bytes count. */
	CHECK_INT(tls_host_normalize("abc.def", 3, out), 0);
	CHECK_STR(out, "abc");
	CHECK_INT(tls_host_normalize("", 0, out), -EINVAL);
	CHECK_INT(tls_host_normalize(".", 1, out), -EINVAL);
	CHECK_INT(tls_host_normalize("a..", 3, out), -EINVAL);
}
