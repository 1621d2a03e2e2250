/*
 * test_resolv_conf.c - unit tests of src/net/resolv_conf.c: the nameserver
 * lines the C library would use, and everything it would skip.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/resolv_conf.h"
#include "test.h"

/* Parse TEXT (its strlen, or LEN when not 0) from an exact heap copy. */
static size_t rc_parse(const char *text, size_t len, struct ip_addr *out)
{
	size_t n = len ? len : strlen(text);
	char *copy = malloc(n ? n : 1);
	size_t count;

	if (!copy)
		abort();
	memcpy(copy, text, n);
	count = resolv_conf_parse(copy, n, out);
	free(copy);
	return count;
}

/* The text of OUT[I]. */
static const char *rc_text(const struct ip_addr *ip, char buf[INET6_ADDRSTRLEN])
{
	return inet_ntop(ip->family, ip->family == AF_INET ? (const void *)&ip->v4 : (const void *)&ip->v6, buf,
			 INET6_ADDRSTRLEN);
}

TEST(resolv_conf_typical)
{
	struct ip_addr out[RESOLV_CONF_MAX];
	char buf[INET6_ADDRSTRLEN];

	CHECK_UINT(rc_parse("# generated\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n", 0, out), 1);
	CHECK_STR(rc_text(&out[0], buf), "127.0.0.53");
	CHECK_UINT(rc_parse("nameserver 192.0.2.1\nnameserver\t2001:db8::1 ; comment\nnameserver 192.0.2.3", 0, out),
		   3);
	CHECK_INT(out[1].family, AF_INET6);
	CHECK_STR(rc_text(&out[1], buf), "2001:db8::1");
	CHECK_STR(rc_text(&out[2], buf), "192.0.2.3");
}

TEST(resolv_conf_skipped_lines)
{
	struct ip_addr out[RESOLV_CONF_MAX];
	char buf[INET6_ADDRSTRLEN];

	CHECK_UINT(rc_parse("", 0, out), 0);
	CHECK_UINT(rc_parse("#nameserver 192.0.2.1\n;nameserver 192.0.2.2\n", 0, out), 0);
	CHECK_UINT(rc_parse(" nameserver 192.0.2.1\n", 0, out), 0);       /* not at the start */
	CHECK_UINT(rc_parse("nameserver192.0.2.1\n", 0, out), 0);         /* no blank */
	CHECK_UINT(rc_parse("nameservers 192.0.2.1\n", 0, out), 0);
	CHECK_UINT(rc_parse("nameserver\n", 0, out), 0);
	CHECK_UINT(rc_parse("nameserver  \n", 0, out), 0);
	CHECK_UINT(rc_parse("nameserver 192.0.2\n", 0, out), 0);
	CHECK_UINT(rc_parse("nameserver 192.0.2.300\n", 0, out), 0);
	CHECK_UINT(rc_parse("nameserver fe80::1%eth0\n", 0, out), 0);      /* a zone */
	CHECK_UINT(rc_parse("nameserver 192.0.2.1\r\n", 0, out), 0);       /* as the C library */
	CHECK_UINT(rc_parse("nameserver 192.0.2.1#x\n", 0, out), 1);
	/* An address longer than any. */
	CHECK_UINT(rc_parse("nameserver 1111:2222:3333:4444:5555:6666:7777:8888:9999:0000:1111:2222\n", 0, out), 0);
	/* A NUL ends the line. */
	static const char with_nul[] = "nameserver 192.0.2.1\0garbage\nnameserver 192.0.2.2\n";
	CHECK_UINT(rc_parse(with_nul, sizeof(with_nul) - 1, out), 2);
	CHECK_STR(rc_text(&out[1], buf), "192.0.2.2");
	CHECK_UINT(rc_parse("name\0server 192.0.2.1\n", sizeof("name\0server 192.0.2.1\n") - 1, out), 0);
}

TEST(resolv_conf_limits)
{
	struct ip_addr out[RESOLV_CONF_MAX + 1];
	char buf[INET6_ADDRSTRLEN];

	memset(out, 0xab, sizeof(out));
	CHECK_UINT(rc_parse("nameserver 192.0.2.1\nnameserver 192.0.2.1\nnameserver 192.0.2.2\n"
			    "nameserver 192.0.2.3\nnameserver 192.0.2.4\n", 0, out), 3);
	CHECK_STR(rc_text(&out[2], buf), "192.0.2.3");
	CHECK_INT(out[3].family, (int)0xabababab);  /* nothing written past the maximum */
}

TEST(resolv_conf_load_file)
{
	struct ip_addr out[RESOLV_CONF_MAX];
	struct error err;
	char path[] = "/tmp/pistack-resolv-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, "nameserver 10.0.0.1\n", 20) == 20);
	close(fd);
	CHECK_INT(resolv_conf_load(path, out, &err), 1);
	unlink(path);
	CHECK(resolv_conf_load(path, out, &err) < 0);
	CHECK_CONTAINS(err.msg, "No such file");
	CHECK(resolv_conf_load("/", out, &err) < 0);
}
