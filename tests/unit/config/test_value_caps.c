/*
 * test_value_caps.c - unit tests of src/config/value_caps.c: capability names, lists, the
 * Docker default set and [security] caps.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>

#include "config/value.h"
#include "test.h"

#define VALUE_TEST_ALL_CAPS ((1ULL << 41) - 1)

TEST(value_cap_names)
{
	struct error err;
	int cap = -1;

	CHECK_INT(value_parse_cap("NET_ADMIN", &cap, &err), 0);
	CHECK_INT(cap, CAP_NET_ADMIN);
	CHECK_INT(value_parse_cap("CAP_NET_ADMIN", &cap, &err), 0);
	CHECK_INT(cap, CAP_NET_ADMIN);
	CHECK_INT(value_parse_cap("cap_net_admin", &cap, &err), 0);
	CHECK_INT(cap, CAP_NET_ADMIN);
	CHECK_INT(value_parse_cap("Sys_Admin", &cap, &err), 0);
	CHECK_INT(cap, CAP_SYS_ADMIN);
	CHECK_INT(value_parse_cap("CHOWN", &cap, &err), 0);
	CHECK_INT(cap, 0);
	CHECK_INT(value_parse_cap("checkpoint_restore", &cap, &err), 0);
	CHECK_INT(cap, 40);
	CHECK_INT(value_parse_cap("BPF", &cap, &err), 0);
	CHECK_INT(cap, 39);
	CHECK_INT(value_parse_cap("PERFMON", &cap, &err), 0);
	CHECK_INT(cap, 38);
	CHECK_STR(value_cap_name(CAP_NET_ADMIN), "NET_ADMIN");
	CHECK_STR(value_cap_name(0), "CHOWN");
	CHECK_STR(value_cap_name(40), "CHECKPOINT_RESTORE");
	CHECK(value_cap_name(41) == NULL);
	CHECK(value_cap_name(-1) == NULL);
	CHECK(value_cap_name(64) == NULL);
}

TEST(value_cap_table_complete)
{
	struct error err;
	char buf[64];

	/* every number 0..40 has a distinct name that parses back to it */
	for (int i = 0; i <= 40; i++) {
		const char *name = value_cap_name(i);
		int cap = -1;

		CHECK(name != NULL);
		if (!name)
			continue;
		CHECK_INT(value_parse_cap(name, &cap, &err), 0);
		CHECK_INT(cap, i);
		snprintf(buf, sizeof(buf), "cap_%s", name);
		CHECK_INT(value_parse_cap(buf, &cap, &err), 0);
		CHECK_INT(cap, i);
		for (int j = 0; j < i; j++)
			CHECK(!value_cap_name(j) || strcmp(value_cap_name(j), name) != 0);
	}
}

TEST(value_cap_bad)
{
	static const char *const bad[] = {
		"", " ", "CAP_", "ALL", "CAP_ALL", "NET ADMIN", "NET_ADMIN ", "CAP_CAP_NET_ADMIN",
		"NET-ADMIN", "12", "NET_ADMIN\n", "N\xc3\x89T_ADMIN", "SYS_ADMIN,NET_ADMIN",
	};
	struct error err;
	int cap = 77;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(value_parse_cap(bad[i], &cap, &err), -EINVAL);
	CHECK_INT(cap, 77);
	value_parse_cap("NET_ADMN", &cap, &err);
	CHECK_STR(err.msg, "invalid capability 'NET_ADMN': expected a capability name like "
			   "NET_ADMIN or cap_net_admin");
}

TEST(value_caps_lists)
{
	struct error err;
	uint64_t bits = 1;

	CHECK_INT(value_parse_caps("NET_ADMIN", &bits, &err), 0);
	CHECK_UINT(bits, 1ULL << CAP_NET_ADMIN);
	CHECK_INT(value_parse_caps(" net_admin\tCAP_SYS_TIME  NET_ADMIN ", &bits, &err), 0);
	CHECK_UINT(bits, 1ULL << CAP_NET_ADMIN | 1ULL << CAP_SYS_TIME);
	CHECK_INT(value_parse_caps("ALL", &bits, &err), 0);
	CHECK_UINT(bits, VALUE_TEST_ALL_CAPS);
	CHECK_INT(value_parse_caps("all chown", &bits, &err), 0);
	CHECK_UINT(bits, VALUE_TEST_ALL_CAPS);
	CHECK_INT(value_parse_caps("", &bits, &err), 0);
	CHECK_UINT(bits, 0);
	CHECK_INT(value_parse_caps("CHECKPOINT_RESTORE", &bits, &err), 0);
	CHECK_UINT(bits, 1ULL << 40);
}

TEST(value_caps_bad)
{
	struct error err;
	uint64_t bits = 5;
	char *big;

	CHECK_INT(value_parse_caps("NET_ADMIN BOGUS", &bits, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid capability 'BOGUS': expected a capability name like NET_ADMIN "
			   "or cap_net_admin");
	CHECK_INT(value_parse_caps("NET_ADMIN,SYS_TIME", &bits, &err), -EINVAL);
	CHECK_INT(value_parse_caps("NET_ADMIN\n", &bits, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "'NET_ADMIN?'");
	CHECK_UINT(bits, 5);
	big = malloc(10001);
	for (int i = 0; i < 10000; i++)
		big[i] = "CHOWN "[i % 6];
	big[9996] = '\0'; /* 1666 times "CHOWN " */
	CHECK_INT(value_parse_caps(big, &bits, &err), 0);
	CHECK_UINT(bits, 1ULL << CAP_CHOWN);
	big[9996] = 'C'; /* ends in "CHOW" */
	CHECK_INT(value_parse_caps(big, &bits, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid capability 'CHOW': expected a capability name like NET_ADMIN "
			   "or cap_net_admin");
	big[10000] = '\0';
	memset(big, 'A', 10000);
	CHECK_INT(value_parse_caps(big, &bits, &err), -EINVAL);
	CHECK(strlen(err.msg) < 200);
	free(big);
}

TEST(value_caps_docker_default)
{
	struct error err;
	uint64_t bits = 0;
	int n = 0;

	CHECK_INT(value_parse_caps(CAPS_DOCKER_DEFAULT_NAMES, &bits, &err), 0);
	CHECK_UINT(caps_docker_default(), bits);
	for (int i = 0; i < 64; i++)
		n += (int)((bits >> i) & 1);
	CHECK_INT(n, 14);
	CHECK(bits & 1ULL << CAP_NET_BIND_SERVICE);
	CHECK(!(bits & 1ULL << CAP_SYS_ADMIN));
	CHECK(!(bits & 1ULL << CAP_NET_ADMIN));
}

TEST(value_cap_spec)
{
	struct error err;
	struct cap_spec cs = { 1 };

	CHECK_INT(value_parse_cap_spec("default", &cs, &err), 0);
	CHECK_UINT(cs.bits, caps_docker_default());
	CHECK_INT(value_parse_cap_spec("none", &cs, &err), 0);
	CHECK_UINT(cs.bits, 0);
	CHECK_INT(value_parse_cap_spec("NONE", &cs, &err), 0);
	CHECK_UINT(cs.bits, 0);
	CHECK_INT(value_parse_cap_spec("CHOWN KILL", &cs, &err), 0);
	CHECK_UINT(cs.bits, 1ULL << CAP_CHOWN | 1ULL << CAP_KILL);
	CHECK_INT(value_parse_cap_spec("all", &cs, &err), 0);
	CHECK_UINT(cs.bits, VALUE_TEST_ALL_CAPS);

	cs.bits = 9;
	CHECK_INT(value_parse_cap_spec("", &cs, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid capabilities '': expected default, none or a list of "
			   "capability names");
	CHECK_INT(value_parse_cap_spec(" ", &cs, &err), -EINVAL);
	CHECK_INT(value_parse_cap_spec("default NET_ADMIN", &cs, &err), -EINVAL);
	CHECK_INT(value_parse_cap_spec("defaults", &cs, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "'defaults'");
	CHECK_UINT(cs.bits, 9);
}
