/*
 * test_link_names.c - unit tests of link_veth_name(): every valid service name
 * gives a usable interface name (at most 15 characters of a safe alphabet),
 * short names read as "ps-NAME", and many long names sharing long prefixes
 * never share an interface name.
 */
#include <stdlib.h>

#include "net/link.h"
#include "test.h"

/* NAME is a safe interface name: 1 to 15 of [a-z0-9_-], starting "ps-". */
static bool ifname_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 4 || n > LINK_NAME_MAX || strncmp(name, "ps-", 3) != 0)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

TEST(link_veth_name_short)
{
	char out[LINK_NAME_MAX + 1];

	link_veth_name("web", out);
	CHECK_STR(out, "ps-web");
	link_veth_name("a", out);
	CHECK_STR(out, "ps-a");
	link_veth_name("abcdefghijkl", out); /* 12: still fits */
	CHECK_STR(out, "ps-abcdefghijkl");
	link_veth_name("abcdefghijklm", out); /* 13: hashed */
	CHECK_UINT(strlen(out), 15);
	CHECK(strncmp(out, "ps-abc_", 7) == 0);
	CHECK(ifname_ok(out));
}

TEST(link_veth_name_stable)
{
	char a[LINK_NAME_MAX + 1], b[LINK_NAME_MAX + 1];

	/* The name must not change between runs: cleanup finds veths by it. */
	link_veth_name("nextcloud-production-frontend", a);
	link_veth_name("nextcloud-production-frontend", b);
	CHECK_STR(a, b);
	CHECK_STR(a, "ps-nex_orca9gfj");
}

/* Order C strings. */
static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

TEST(link_veth_name_collision_free)
{
	enum { N = 120000 };
	char(*names)[LINK_NAME_MAX + 1] = calloc(N, sizeof(*names));
	char **sorted = calloc(N, sizeof(*sorted));
	static const char zs[] = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzz"; /* 29 */
	char service[NAME_MAX_LEN + 1];
	size_t n = 0, dups = 0;

	CHECK(names && sorted);
	if (!names || !sorted)
		goto out;
	/* Long names that differ only at the end, in the middle, or by length,
	 * and every short name "x0".."x9999" beside them. */
	for (int i = 0; i < 50000; i++) {
		snprintf(service, sizeof(service), "service-with-a-long-name-%06d", i);
		link_veth_name(service, names[n++]);
	}
	for (int i = 0; i < 40000; i++) {
		snprintf(service, sizeof(service), "%05d-the-same-long-suffix-abcd", i);
		link_veth_name(service, names[n++]);
	}
	for (int len = 4; len <= NAME_MAX_LEN; len++) {
		for (int i = 0; i < 500; i++) {
			snprintf(service, sizeof(service), "%03d%.*s", i, len - 3, zs);
			link_veth_name(service, names[n++]);
		}
	}
	for (int i = 0; i < 10000 && n < N; i++) {
		snprintf(service, sizeof(service), "x%d", i);
		link_veth_name(service, names[n++]);
	}
	for (size_t i = 0; i < n; i++) {
		if (!ifname_ok(names[i]))
			test_fail(__FILE__, __LINE__, "bad interface name '%s'", names[i]);
		sorted[i] = names[i];
	}
	qsort(sorted, n, sizeof(*sorted), str_cmp);
	for (size_t i = 1; i < n; i++)
		dups += strcmp(sorted[i - 1], sorted[i]) == 0;
	CHECK(n > 100000);
	CHECK_UINT(dups, 0);
out:
	free(names);
	free(sorted);
}
