/*
 * test_value_net.c - unit tests of src/config/value_net.c: subnets, IP addresses, published
 * ports, host names and HTTP paths.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/value.h"
#include "test.h"

/* A heap string of N copies of C (the caller frees it). */
static char *value_test_repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* The dotted form of A, in a static buffer. */
static const char *value_test_ntoa(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

TEST(value_subnet_good)
{
	struct error err;
	struct subnet sn;

	CHECK_INT(value_parse_subnet("10.213.0.0/24", &sn, &err), 0);
	CHECK_INT(sn.family, AF_INET);
	CHECK_STR(value_test_ntoa(sn.addr), "10.213.0.0");
	CHECK_UINT(sn.prefix, 24);
	CHECK_INT(value_parse_subnet("10.0.0.0/8", &sn, &err), 0);
	CHECK_UINT(sn.prefix, 8);
	CHECK_INT(value_parse_subnet("192.168.1.4/30", &sn, &err), 0);
	CHECK_STR(value_test_ntoa(sn.addr), "192.168.1.4");
	CHECK_UINT(sn.prefix, 30);
	CHECK_INT(value_parse_subnet("172.16.0.0/12", &sn, &err), 0);
	CHECK_UINT(ntohl(sn.addr.s_addr), 0xac100000U);
}

TEST(value_subnet_bad)
{
	static const char *const bad[] = {
		"", " ", "10.213.0.0", "10.213.0.0/", "/24", "10.213.0.0/7", "10.213.0.0/31",
		"10.213.0.0/32", "10.213.0.0/024", "10.213.0.0/08", "10.213.0.0/+24",
		"10.213.0.0/-24", "10.213.0.0/24 ", " 10.213.0.0/24", "10.213.0/24",
		"010.213.0.0/24", "10.213.00.0/24", "0x0a.213.0.0/24", "10.213.0.0/24/24",
		"256.0.0.0/8", "10.213.0.0/2x", "10.213.0.0/999999999999999999999",
		"fd00::/64", "10.213.0.0\n/24", "10.213.0.0/2\xc3\xa9", "10.213.0.0/1000",
		"1111111111111111111111111/8",
	};
	struct error err;
	struct subnet sn = { .prefix = 99 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_subnet(bad[i], &sn, &err), -EINVAL);
		CHECK_CONTAINS(err.msg, "expected an IPv4 network like 10.213.0.0/24 with a prefix "
					"length from 8 to 30");
	}
	CHECK_UINT(sn.prefix, 99);
}

TEST(value_subnet_host_bits)
{
	struct error err;
	struct subnet sn = { .prefix = 99 };

	CHECK_INT(value_parse_subnet("10.213.0.1/24", &sn, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid subnet '10.213.0.1/24': expected the network address, did you "
			   "mean 10.213.0.0/24?");
	CHECK_INT(value_parse_subnet("10.213.7.9/16", &sn, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "did you mean 10.213.0.0/16?");
	CHECK_INT(value_parse_subnet("192.168.1.5/30", &sn, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "did you mean 192.168.1.4/30?");
	CHECK_INT(value_parse_subnet("10.255.255.255/8", &sn, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "did you mean 10.0.0.0/8?");
	CHECK_UINT(sn.prefix, 99);
}

TEST(value_ip)
{
	struct error err;
	struct ip_addr ip;
	char buf[INET6_ADDRSTRLEN];

	CHECK_INT(value_parse_ip("192.0.2.1", &ip, &err), 0);
	CHECK_INT(ip.family, AF_INET);
	CHECK_STR(value_test_ntoa(ip.v4), "192.0.2.1");
	CHECK_INT(value_parse_ip("0.0.0.0", &ip, &err), 0);
	CHECK_INT(ip.family, AF_INET);
	CHECK_INT(value_parse_ip("2001:db8::1", &ip, &err), 0);
	CHECK_INT(ip.family, AF_INET6);
	CHECK_STR(inet_ntop(AF_INET6, &ip.v6, buf, sizeof(buf)), "2001:db8::1");
	CHECK_INT(value_parse_ip("::", &ip, &err), 0);
	CHECK_INT(ip.family, AF_INET6);
	CHECK_INT(value_parse_ip("::ffff:10.0.0.1", &ip, &err), 0);
	CHECK_INT(ip.family, AF_INET6);

	static const char *const bad[] = { "", " ", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256",
					   "1.2.3.4 ", "[::1]", "::1%eth0", "2001:db8:::1",
					   "example.org", "1.2.3.4\n", "\xef\xbc\x91.2.3.4",
					   "1.2.3.-4" };
	ip.family = 12345;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(value_parse_ip(bad[i], &ip, &err), -EINVAL);
	CHECK_INT(ip.family, 12345);
	value_parse_ip("1.2.3", &ip, &err);
	CHECK_STR(err.msg, "invalid IP address '1.2.3': expected an IPv4 or IPv6 address like "
			   "192.0.2.1 or 2001:db8::1");
	char *big = value_test_repeat('1', 10000);
	CHECK_INT(value_parse_ip(big, &ip, &err), -EINVAL);
	free(big);
}

TEST(value_portmaps_good)
{
	struct error err;
	struct portmap_list l = { NULL, 0 };

	CHECK_INT(value_parse_portmaps("2222:22/tcp 5353:53/udp 8080:80 127.0.0.1:9000:9000/UDP",
				       &l, &err), 0);
	CHECK_UINT(l.n, 4);
	if (l.n == 4) {
		CHECK_UINT(l.v[0].host_port, 2222);
		CHECK_UINT(l.v[0].port, 22);
		CHECK_UINT(l.v[0].proto, IPPROTO_TCP);
		CHECK_UINT(l.v[0].host_addr.s_addr, htonl(INADDR_ANY));
		CHECK_UINT(l.v[1].host_port, 5353);
		CHECK_UINT(l.v[1].port, 53);
		CHECK_UINT(l.v[1].proto, IPPROTO_UDP);
		CHECK_UINT(l.v[2].proto, IPPROTO_TCP); /* the default */
		CHECK_UINT(l.v[2].host_port, 8080);
		CHECK_UINT(l.v[2].port, 80);
		CHECK_STR(value_test_ntoa(l.v[3].host_addr), "127.0.0.1");
		CHECK_UINT(l.v[3].host_port, 9000);
		CHECK_UINT(l.v[3].proto, IPPROTO_UDP);
	}
	portmap_list_release(&l);
	CHECK(l.v == NULL);
	CHECK_UINT(l.n, 0);

	CHECK_INT(value_parse_portmaps("1:65535 65535:1", &l, &err), 0);
	CHECK_UINT(l.n, 2);
	portmap_list_release(&l);
	/* the same port over TCP and UDP, or on two addresses, is two sockets */
	CHECK_INT(value_parse_portmaps("53:53/tcp 53:53/udp 10.0.0.1:80:80 10.0.0.2:80:80", &l,
				       &err), 0);
	CHECK_UINT(l.n, 4);
	portmap_list_release(&l);
	/* several container ports may not share a host port, but one container port may be
	 * published twice */
	CHECK_INT(value_parse_portmaps("80:80 8080:80", &l, &err), 0);
	CHECK_UINT(l.n, 2);
	portmap_list_release(&l);
}

TEST(value_portmaps_empty)
{
	struct error err;
	struct portmap_list l = { NULL, 0 };

	CHECK_INT(value_parse_portmaps("", &l, &err), 0);
	CHECK_UINT(l.n, 0);
	CHECK(l.v == NULL);
	CHECK_INT(value_parse_portmaps(" \t ", &l, &err), 0);
	CHECK_UINT(l.n, 0);
	portmap_list_release(&l);
}

TEST(value_portmaps_bad)
{
	static const char *const bad[] = {
		"80", "80:", ":80", "0:80", "80:0", "65536:80", "80:65536", "80:80/sctp", "80:80/",
		"80:80/tcp/udp", "-1:80", "+80:80", "80:80 x", "a:80:80", "::1:80:80",
		"[::1]:80:80", "1.2.3.4::80", "1.2.3:80:80", "1.2.3.4:5:80:80", "80:80,81:81",
		"80:80\n", "8\xc3\xa9:80", "0x50:80", "4294967376:80", "1.2.3.4:80:80:",
		("0000000000000000000000000000000000000000"
		 "0000000000000000000000000000000000000000001:80"), /* too long a word */
	};
	struct error err;
	struct portmap_list l = { NULL, 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_portmaps(bad[i], &l, &err), -EINVAL);
		CHECK_CONTAINS(err.msg, "expected [ADDRESS:]HOSTPORT:PORT[/tcp|/udp]");
		CHECK(l.v == NULL);
	}
	value_parse_portmaps("2222:22 5353:53/sctp", &l, &err);
	CHECK_STR(err.msg, "invalid port mapping '5353:53/sctp': expected [ADDRESS:]HOSTPORT:PORT"
			   "[/tcp|/udp] with ports from 1 to 65535, like 8080:80 or "
			   "127.0.0.1:5353:53/udp");
}

TEST(value_portmaps_duplicates)
{
	struct error err;
	struct portmap_list l = { NULL, 0 };

	CHECK_INT(value_parse_portmaps("80:80 80:81", &l, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid port mapping '80:81': expected each host port once, 80/tcp is "
			   "already published");
	CHECK(l.v == NULL);
	CHECK_INT(value_parse_portmaps("53:53/udp 1.2.3.4:9:9 53:54/udp", &l, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "53/udp is already published");
	CHECK_INT(value_parse_portmaps("80:80/tcp 80:80", &l, &err), -EINVAL);
	CHECK_INT(value_parse_portmaps("10.0.0.1:80:80 10.0.0.1:80:81", &l, &err), -EINVAL);
	/* all addresses include every single one */
	CHECK_INT(value_parse_portmaps("0.0.0.0:80:80 10.0.0.1:80:81", &l, &err), -EINVAL);
	CHECK_INT(value_parse_portmaps("10.0.0.1:80:81 80:80", &l, &err), -EINVAL);
	CHECK(l.v == NULL);
}

TEST(value_portmaps_long)
{
	char *big = value_test_repeat(' ', 10000);
	struct error err;
	struct portmap_list l = { NULL, 0 };
	size_t o = 0;

	/* many distinct items */
	for (int port = 1; o + 12 < 10000; port++)
		o += (size_t)snprintf(big + o, 10000 - o, "%d:80 ", port);
	CHECK_INT(value_parse_portmaps(big, &l, &err), 0);
	CHECK(l.n > 1000);
	CHECK_UINT(l.n ? l.v[l.n - 1].host_port : 0, l.n);
	portmap_list_release(&l);
	free(big);
	big = value_test_repeat('8', 10000);
	CHECK_INT(value_parse_portmaps(big, &l, &err), -EINVAL);
	CHECK(strlen(err.msg) < 250);
	free(big);
}

/* Parse S as one host name; compare the stored name and wildcard flag. */
static void value_test_hostname(const char *s, const char *want, bool wildcard)
{
	struct error err;
	struct host_pattern h;

	memset(&h, 0x55, sizeof(h)); /* the parser must write the whole name */
	h.name[HOSTNAME_MAX_LEN] = '\0';
	h.wildcard = !wildcard;
	CHECK_INT(value_parse_hostname(s, &h, &err), 0);
	CHECK_STR(h.name, want);
	CHECK(h.wildcard == wildcard);
}

TEST(value_hostname_good)
{
	value_test_hostname("example.org", "example.org", false);
	value_test_hostname("WWW.Example.ORG", "www.example.org", false);
	value_test_hostname("example.org.", "example.org", false);
	value_test_hostname("*.example.org", "example.org", true);
	value_test_hostname("*.Example.org.", "example.org", true);
	value_test_hostname("localhost", "localhost", false);
	value_test_hostname("a", "a", false);
	value_test_hostname("*.a", "a", true);
	value_test_hostname("1-2.x-y.z9", "1-2.x-y.z9", false);
	value_test_hostname("xn--bcher-kva.example", "xn--bcher-kva.example", false);
	value_test_hostname("192.168.1.10", "192.168.1.10", false);
	value_test_hostname("2001:db8::1", "2001:db8::1", false);
	value_test_hostname("[2001:db8::1]", "[2001:db8::1]", false);
	value_test_hostname("::1", "::1", false);
}

TEST(value_hostname_lengths)
{
	char label[64], name[320], want[300];
	struct error err;
	struct host_pattern h;

	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(name, sizeof(name), "%s.org", label);
	value_test_hostname(name, name, false);
	snprintf(name, sizeof(name), "%sa.org", label); /* a 64-character label */
	CHECK_INT(value_parse_hostname(name, &h, &err), -EINVAL);
	/* 4 labels of 63 and one dot each: 255 > 253 */
	snprintf(name, sizeof(name), "%s.%s.%s.%s", label, label, label, label);
	CHECK_INT(value_parse_hostname(name, &h, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "expected at most 253 characters");
	/* 253 exactly: 3 x 63 + 61 + 3 dots */
	snprintf(name, sizeof(name), "%s.%s.%s.%.61s", label, label, label, label);
	CHECK_UINT(strlen(name), 253);
	value_test_hostname(name, name, false);
	memcpy(want, name, sizeof(want));
	strcat(name, "."); /* the trailing dot does not count */
	value_test_hostname(name, want, false);
	snprintf(name, sizeof(name), "*.%s", want);
	value_test_hostname(name, want, true);
	snprintf(name, sizeof(name), "a.%s", want);
	CHECK_INT(value_parse_hostname(name, &h, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "expected at most 253 characters");
}

TEST(value_hostname_bad)
{
	static const char *const bad[] = {
		"", " ", ".", "..", "*", "*.", "*..", "a.*.b", "*foo.b", "*.*.b", "**.b", "-a.b",
		"a-.b", "a..b", ".a", "a.b..", "a b", "a_b.org", "a/b", "a:80",
		"ex\xc3\xa4mple.org",
		"a.org\n", "a\033.org", "[::1", "[1.2.3.4]", "[]", "*.[::1]", "a.b/", "@", "a.b ",
	};
	struct error err;
	struct host_pattern h = { .name = "keep" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(value_parse_hostname(bad[i], &h, &err), -EINVAL);
	CHECK_STR(h.name, "keep");
	value_parse_hostname("a_b.org", &h, &err);
	CHECK_STR(err.msg, "invalid host name 'a_b.org': expected a DNS name like example.org or "
			   "*.example.org (labels of 1 to 63 letters, digits and '-', not starting "
			   "or ending with '-')");
	char *big = value_test_repeat('a', 10000);
	CHECK_INT(value_parse_hostname(big, &h, &err), -EINVAL);
	CHECK(strlen(err.msg) < 200);
	free(big);
}

TEST(value_hosts_list)
{
	struct error err;
	struct host_list l = { NULL, 0 };

	CHECK_INT(value_parse_hosts("www.example.org example.org *.example.org", &l, &err), 0);
	CHECK_UINT(l.n, 3);
	if (l.n == 3) {
		CHECK_STR(l.v[0].name, "www.example.org");
		CHECK(!l.v[0].wildcard);
		CHECK_STR(l.v[1].name, "example.org");
		CHECK(!l.v[1].wildcard);
		CHECK_STR(l.v[2].name, "example.org");
		CHECK(l.v[2].wildcard);
	}
	host_list_release(&l);
	CHECK(l.v == NULL);
	CHECK_UINT(l.n, 0);
	CHECK_INT(value_parse_hosts("\t a.b \t", &l, &err), 0);
	CHECK_UINT(l.n, 1);
	host_list_release(&l);
}

TEST(value_hosts_bad)
{
	struct error err;
	struct host_list l = { NULL, 0 };

	CHECK_INT(value_parse_hosts("", &l, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid host list '': expected one or more host names like "
			   "example.org *.example.org");
	CHECK_INT(value_parse_hosts("   ", &l, &err), -EINVAL);
	CHECK_INT(value_parse_hosts("a.org b_c.org", &l, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "'b_c.org'");
	CHECK_INT(value_parse_hosts("a.org,b.org", &l, &err), -EINVAL);
	CHECK_INT(value_parse_hosts("a.org A.ORG.", &l, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid host name 'A.ORG.': expected each host once, a.org is listed "
			   "twice");
	CHECK_INT(value_parse_hosts("*.a.org x.org *.A.org", &l, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "*.a.org is listed twice");
	CHECK(l.v == NULL);
	char *big = value_test_repeat('a', 10000);
	CHECK_INT(value_parse_hosts(big, &l, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "expected at most 253 characters");
	free(big);
}

/* Parse S as an HTTP path; it must come back unchanged. */
static void value_test_http_path(const char *s)
{
	struct error err;
	char *out = NULL;

	CHECK_INT(value_parse_http_path(s, &out, &err), 0);
	CHECK_STR(out, s);
	free(out);
}

TEST(value_http_path_good)
{
	value_test_http_path("/");
	value_test_http_path("/api/");
	value_test_http_path("/api");
	value_test_http_path("/healthz");
	value_test_http_path("/.well-known/acme-challenge/");
	value_test_http_path("//double//slash");
	value_test_http_path("/a/.../b");
	value_test_http_path("/a..b/c.");
	value_test_http_path("/%20space/%41");
	value_test_http_path("/~user/a+b;c=d,e:f@g!$&'()*");
}

TEST(value_http_path_bad)
{
	static const char *const bad[] = {
		"", " ", "api", "/a b", "/a?x=1", "/a#frag", "/..", "/../x", "/a/..", "/a/../b",
		"/.", "/./a", "/a/.", "/a/./b", "/%2e%2e/x", "/%2E./", "/a%2fb", "/a%2Fb", "/%",
		"/%2", "/%zz", "/a\tb", "/a\nb", "/a\x7f", "/caf\xc3\xa9", "/a\033[1m", "http://x/",
	};
	struct error err;
	char *out = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_http_path(bad[i], &out, &err), -EINVAL);
		CHECK(out == NULL);
	}
	value_parse_http_path("/a/../b", &out, &err);
	CHECK_STR(err.msg, "invalid HTTP path '/a/../b': expected a path like /api/ of visible "
			   "ASCII, without '?', '#', '.' or '..' segments or %2e and %2f escapes");
}

TEST(value_http_path_length)
{
	char *big = value_test_repeat('a', 10000);
	struct error err;
	char *out = NULL;

	big[0] = '/';
	CHECK_INT(value_parse_http_path(big, &out, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "expected at most 1024 characters");
	big[1024] = '\0';
	value_test_http_path(big);
	big[1024] = 'a';
	big[1025] = '\0';
	CHECK_INT(value_parse_http_path(big, &out, &err), -EINVAL);
	CHECK(out == NULL);
	free(big);
}
