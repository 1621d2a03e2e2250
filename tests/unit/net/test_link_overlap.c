/*
 * test_link_overlap.c - unit tests of link_prefix_overlaps(), the predicate
 * behind the bridge's refusal of a subnet that meets a host address or route:
 * IPv4 and IPv6, byte-aligned and not, both orders.
 */
#include <arpa/inet.h>

#include "net/link.h"
#include "test.h"

/* Do the IPv4 prefixes A and B (text "a.b.c.d/len") overlap? Checked both ways. */
static bool over4(const char *a, unsigned alen, const char *b, unsigned blen)
{
	struct in_addr x, y;
	bool one, two;

	inet_pton(AF_INET, a, &x);
	inet_pton(AF_INET, b, &y);
	one = link_prefix_overlaps(&x, alen, &y, blen, 4);
	two = link_prefix_overlaps(&y, blen, &x, alen, 4);
	if (one != two)
		test_fail(__FILE__, __LINE__, "%s/%u vs %s/%u is not symmetric", a, alen, b, blen);
	return one;
}

/* The same for IPv6. */
static bool over6(const char *a, unsigned alen, const char *b, unsigned blen)
{
	struct in6_addr x, y;

	inet_pton(AF_INET6, a, &x);
	inet_pton(AF_INET6, b, &y);
	return link_prefix_overlaps(&x, alen, &y, blen, 16);
}

TEST(link_prefix_overlaps_ipv4)
{
	CHECK(over4("10.213.0.0", 24, "10.213.0.0", 16));
	CHECK(over4("10.213.0.0", 24, "10.213.0.0", 24));
	CHECK(over4("10.213.0.0", 24, "10.0.0.0", 8));
	CHECK(over4("10.213.0.0", 24, "10.213.0.5", 32));
	CHECK(over4("10.213.0.0", 24, "10.213.0.255", 32));
	CHECK(!over4("10.213.0.0", 24, "10.213.1.0", 24));
	CHECK(!over4("10.213.0.0", 24, "10.214.0.0", 16));
	CHECK(!over4("10.213.0.0", 24, "10.213.1.1", 32));
	CHECK(!over4("10.213.0.0", 24, "192.168.1.0", 24));
	CHECK(over4("10.213.0.0", 24, "0.0.0.0", 0));
	/* Prefixes that end inside a byte. */
	CHECK(over4("10.213.0.0", 23, "10.213.1.128", 25));
	CHECK(!over4("10.213.0.0", 23, "10.213.2.0", 25));
	CHECK(over4("172.16.0.0", 12, "172.31.255.0", 24));
	CHECK(!over4("172.16.0.0", 12, "172.32.0.0", 24));
	CHECK(over4("10.213.0.0", 30, "10.213.0.3", 32));
	CHECK(!over4("10.213.0.0", 30, "10.213.0.4", 32));
	/* Address bits beyond the prefix do not matter. */
	CHECK(over4("10.213.0.0", 24, "10.213.7.9", 16));
	/* A length beyond the address is clamped. */
	CHECK(over4("10.213.0.0", 24, "10.213.0.9", 99));
}

TEST(link_prefix_overlaps_ipv6)
{
	CHECK(over6("fd00::", 8, "fd12:3456:789a::", 48));
	CHECK(over6("fd12:3456:789a::", 48, "fd12:3456:789a:1::", 64));
	CHECK(!over6("fd12:3456:789a::", 48, "fd12:3456:789b::", 48));
	CHECK(!over6("fd12:3456:789a::", 48, "fe80::", 64));
	CHECK(over6("fd12:3456:789a::", 48, "fd12:3456:789a:ffff:1::1", 128));
	CHECK(!over6("fd12:3456:7800::", 39, "fd12:3456:7a00::", 40));
	CHECK(over6("fd12:3456:7800::", 39, "fd12:3456:7900::", 40));
}
