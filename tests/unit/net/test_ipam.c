/*
 * test_ipam.c - unit tests of src/net/ipam.c: the leases parser with good and
 * hostile text, allocation order, stability, reuse of the least recently used
 * lease, a full subnet, a subnet change, and the locked file round trip
 * (corrupt files are reported and left alone; concurrent leasers never share
 * an address).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "net/ipam.h"
#include "test.h"

/* SUBNET parsed from TEXT (must be valid). */
static struct subnet net_of(const char *text)
{
	struct subnet s = {0};
	struct error err;

	if (value_parse_subnet(text, &s, &err) < 0)
		test_fail(__FILE__, __LINE__, "bad subnet %s", text);
	return s;
}

/* The dotted text of A into a static buffer (one at a time). */
static const char *ip(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

/* Parse TEXT as "leases"; returns ipam_parse()'s result. */
static int parse(const char *text, struct ipam_table *t, struct error *err)
{
	memset(t, 0, sizeof(*t));
	return ipam_parse(text, strlen(text), "leases", t, err);
}

TEST(ipam_parse_good)
{
	struct ipam_table t;
	struct error err = {0};

	CHECK_INT(parse("web 10.213.0.2 1700000000\n\n  db\t10.213.0.3   5 \nx 10.213.0.9 0", &t, &err), 0);
	CHECK_UINT(t.n, 3);
	CHECK_STR(t.v[0].name, "web");
	CHECK_STR(ip(t.v[0].addr), "10.213.0.2");
	CHECK_UINT(t.v[0].last_used, 1700000000);
	CHECK_STR(t.v[1].name, "db");
	CHECK_UINT(t.v[1].last_used, 5);
	CHECK_STR(t.v[2].name, "x");
	ipam_table_release(&t);
	CHECK_INT(parse("", &t, &err), 0);
	CHECK_UINT(t.n, 0);
	ipam_table_release(&t);
	CHECK_INT(parse("a 1.2.3.4 18446744073709551615\n", &t, &err), 0);
	CHECK_UINT(t.v[0].last_used, UINT64_MAX);
	ipam_table_release(&t);
}

TEST(ipam_parse_hostile)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"web 10.213.0.2\n", "leases:1': expected NAME ADDRESS LAST_USED"},
		{"web 10.213.0.2 1 extra\n", "leases:1': expected NAME ADDRESS LAST_USED"},
		{"ok 10.213.0.2 1\nWeb 10.213.0.3 1\n", "leases:2': invalid service name 'Web'"},
		{"-web 10.213.0.3 1\n", "invalid service name '-web'"},
		{"web 10.213.0.256 1\n", "leases:1': invalid address '10.213.0.256'"},
		{"web 010.213.0.2 1\n", "invalid address '010.213.0.2'"},
		{"web ::1 1\n", "invalid address '::1'"},
		{"web 10.213.0.2 -1\n", "invalid time '-1'"},
		{"web 10.213.0.2 18446744073709551616\n", "invalid time"},
		{"web 10.213.0.2 1\r\n", "invalid time '1?'"},
		{"web 10.213.0.2 0x10\n", "invalid time '0x10'"},
		{"a 10.0.0.2 1\nb 10.0.0.3 1\na 10.0.0.4 1\n",
		 "leases:3': 'a' is leased twice (lines 1 and 3)"},
		{"a 10.0.0.2 1\nb 10.0.0.3 1\nc 10.0.0.2 1\n",
		 "leases:3': address 10.0.0.2 is leased to both 'a' (line 1) and 'c'"},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 10.0.0.2 1\n", "invalid service name"},
	};
	struct ipam_table t;
	struct error err;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		error_clear(&err);
		CHECK_INT(parse(bad[i].text, &t, &err), -EINVAL);
		CHECK_CONTAINS(err.msg, bad[i].msg);
		CHECK_CONTAINS(err.msg, "read leases 'leases:");
		CHECK_CONTAINS(err.msg, "correct or delete the line");
	}
	/* A NUL byte, and a line longer than any valid one. */
	char text[300];
	memcpy(text, "a 10.0.0.2 1\nb\0 10.0.0.3 1\n", 27);
	CHECK_INT(ipam_parse(text, 27, "f", &t, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "'f:2': the line contains a NUL byte");
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	CHECK_INT(parse(text, &t, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "leases:1': the line is longer than");
}

TEST(ipam_format_round_trip)
{
	struct ipam_table t, back;
	struct error err;
	char *text;
	size_t len;

	CHECK_INT(parse("web 10.213.0.2 17\n db 10.213.0.30 0\n", &t, &err), 0);
	CHECK_INT(ipam_format(&t, &text, &len), 0);
	CHECK_STR(text, "web 10.213.0.2 17\ndb 10.213.0.30 0\n");
	CHECK_UINT(len, strlen(text));
	CHECK_INT(ipam_parse(text, len, "x", &back, &err), 0);
	CHECK_UINT(back.n, 2);
	free(text);
	ipam_table_release(&t);
	ipam_table_release(&back);
}

TEST(ipam_usable_addresses)
{
	struct subnet s = net_of("10.213.0.0/24");
	struct in_addr a;

	inet_pton(AF_INET, "10.213.0.0", &a);
	CHECK(!ipam_usable(&s, a));
	inet_pton(AF_INET, "10.213.0.1", &a);
	CHECK(!ipam_usable(&s, a));
	inet_pton(AF_INET, "10.213.0.2", &a);
	CHECK(ipam_usable(&s, a));
	inet_pton(AF_INET, "10.213.0.254", &a);
	CHECK(ipam_usable(&s, a));
	inet_pton(AF_INET, "10.213.0.255", &a);
	CHECK(!ipam_usable(&s, a));
	inet_pton(AF_INET, "10.213.1.2", &a);
	CHECK(!ipam_usable(&s, a));
}

TEST(ipam_assign_order_and_stability)
{
	struct subnet s = net_of("10.213.0.0/24");
	struct ipam_table t = {0};
	struct in_addr a;
	struct error err;

	CHECK_INT(ipam_assign(&t, &s, "web", NULL, 0, 100, &a, &err), 0);
	CHECK_STR(ip(a), "10.213.0.2");
	CHECK_INT(ipam_assign(&t, &s, "db", NULL, 0, 101, &a, &err), 0);
	CHECK_STR(ip(a), "10.213.0.3");
	CHECK_INT(ipam_assign(&t, &s, "cache", NULL, 0, 102, &a, &err), 0);
	CHECK_STR(ip(a), "10.213.0.4");
	/* The same name keeps its address, and its time is refreshed. */
	CHECK_INT(ipam_assign(&t, &s, "db", NULL, 0, 200, &a, &err), 0);
	CHECK_STR(ip(a), "10.213.0.3");
	CHECK_UINT(t.n, 3);
	CHECK_UINT(t.v[1].last_used, 200);
	/* A hole is filled first. */
	t.v[1] = t.v[2];
	t.n = 2;
	CHECK_INT(ipam_assign(&t, &s, "new", NULL, 0, 300, &a, &err), 0);
	CHECK_STR(ip(a), "10.213.0.3");
	CHECK_INT(ipam_assign(&t, &s, "Bad", NULL, 0, 300, &a, &err), -EINVAL);
	ipam_table_release(&t);
}

TEST(ipam_assign_full_subnet)
{
	/* /29: .0 network, .1 bridge, .7 broadcast: .2 to .6 are five leases. */
	struct subnet s = net_of("10.9.0.0/29");
	char *active[] = {"s0", "s1", "s2", "s3", "s4"};
	struct ipam_table t = {0};
	char name[8];
	struct in_addr a;
	struct error err;

	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		CHECK_INT(ipam_assign(&t, &s, name, NULL, 0, (uint64_t)(50 - i), &a, &err), 0);
	}
	CHECK_STR(ip(a), "10.9.0.6");
	/* All held by running services: refused, the table unchanged. */
	CHECK_INT(ipam_assign(&t, &s, "late", active, 5, 1000, &a, &err), -ENOSPC);
	CHECK_CONTAINS(err.msg, "lease an address for 'late' in subnet '10.9.0.0/29': all 5 addresses");
	CHECK_CONTAINS(err.msg, "set a larger [network] subnet");
	CHECK_UINT(t.n, 5);
	/* s4 (time 46) is the least recently used; s3 (47) is next. */
	CHECK_INT(ipam_assign(&t, &s, "late", active, 3, 1000, &a, &err), 0);
	CHECK_STR(ip(a), "10.9.0.6");
	CHECK_UINT(t.n, 5);
	for (size_t i = 0; i < t.n; i++)
		CHECK(strcmp(t.v[i].name, "s4") != 0);
	/* s4 comes back: the only one not running is s3. */
	CHECK_INT(ipam_assign(&t, &s, "s4", (char *[]){"s0", "s1", "s2", "late"}, 4, 1001, &a, &err), 0);
	CHECK_STR(ip(a), "10.9.0.5");
	ipam_table_release(&t);

	/* The smallest subnet has a single lease. */
	s = net_of("10.9.0.0/30");
	CHECK_INT(ipam_assign(&t, &s, "one", NULL, 0, 1, &a, &err), 0);
	CHECK_STR(ip(a), "10.9.0.2");
	CHECK_INT(ipam_assign(&t, &s, "two", (char *[]){"one"}, 1, 2, &a, &err), -ENOSPC);
	CHECK_INT(ipam_assign(&t, &s, "two", NULL, 0, 2, &a, &err), 0);
	CHECK_STR(ip(a), "10.9.0.2");
	CHECK_UINT(t.n, 1);
	ipam_table_release(&t);
}

TEST(ipam_assign_subnet_change)
{
	struct subnet old = net_of("10.213.0.0/24"), new = net_of("10.50.0.0/16");
	struct ipam_table t;
	struct in_addr a;
	struct error err;

	CHECK_INT(parse("web 10.213.0.7 5\ndb 10.50.0.2 5\nold 10.213.0.2 5\n", &t, &err), 0);
	/* Still inside the old subnet: kept. */
	CHECK_INT(ipam_assign(&t, &old, "web", NULL, 0, 9, &a, &err), 0);
	CHECK_STR(ip(a), "10.213.0.7");
	/* New subnet: web moves to the lowest free address; db's lease there stays taken. */
	CHECK_INT(ipam_assign(&t, &new, "web", NULL, 0, 10, &a, &err), 0);
	CHECK_STR(ip(a), "10.50.0.3");
	CHECK_UINT(t.n, 3);
	CHECK_INT(ipam_assign(&t, &new, "db", NULL, 0, 10, &a, &err), 0);
	CHECK_STR(ip(a), "10.50.0.2");
	/* A lease on what became the broadcast address is not kept. */
	ipam_table_release(&t);
	CHECK_INT(parse("b 10.213.0.255 5\n", &t, &err), 0);
	CHECK_INT(ipam_assign(&t, &old, "b", NULL, 0, 9, &a, &err), 0);
	CHECK_STR(ip(a), "10.213.0.2");
	CHECK_UINT(t.n, 1);
	ipam_table_release(&t);
}

/* A scratch state directory. */
static void scratch(char dir[64])
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, 64, "%s/ipam-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(dir))
		test_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
}

/* The content of DIR/NAME into BUF (empty if absent). */
static const char *slurp(const char *dir, const char *name, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	n = read(fd, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

/* Write TEXT to DIR/NAME. */
static void spill(const char *dir, const char *name, const char *text)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/* Remove the files ipam writes and DIR. */
static void scrub(const char *dir)
{
	static const char *const files[] = {"leases", "leases.lock", "leases.tmp"};
	char path[128];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	CHECK_INT(rmdir(dir), 0);
}

TEST(ipam_lease_file)
{
	struct subnet s = net_of("10.213.0.0/24");
	char dir[64], buf[512], expect[128];
	struct in_addr a;
	struct error err;

	scratch(dir);
	CHECK_INT(ipam_lookup(dir, "web", &a), -ENOENT);
	CHECK_INT(ipam_lease(dir, &s, "web", NULL, 0, &a, &err), 0);
	CHECK_STR(ip(a), "10.213.0.2");
	CHECK_INT(ipam_lease(dir, &s, "db", NULL, 0, &a, &err), 0);
	CHECK_STR(ip(a), "10.213.0.3");
	CHECK_INT(ipam_lease(dir, &s, "web", NULL, 0, &a, &err), 0);
	CHECK_STR(ip(a), "10.213.0.2");
	slurp(dir, "leases", buf, sizeof(buf));
	CHECK(strncmp(buf, "web 10.213.0.2 ", 15) == 0);
	CHECK_CONTAINS(buf, "\ndb 10.213.0.3 ");
	CHECK_INT(ipam_lookup(dir, "db", &a), 0);
	CHECK_STR(ip(a), "10.213.0.3");
	CHECK_INT(ipam_lookup(dir, "nope", &a), -ENOENT);

	/* The time is written, and stale leases are reused by age. */
	spill(dir, "leases", "a 10.9.0.2 30\nb 10.9.0.3 10\nc 10.9.0.4 20\nd 10.9.0.5 5\ne 10.9.0.6 1\n");
	s = net_of("10.9.0.0/29");
	CHECK_INT(ipam_lease(dir, &s, "f", (char *[]){"e", "d"}, 2, &a, &err), 0);
	CHECK_STR(ip(a), "10.9.0.3");
	slurp(dir, "leases", buf, sizeof(buf));
	strcpy(expect, "a 10.9.0.2 30\nc 10.9.0.4 20\nd 10.9.0.5 5\ne 10.9.0.6 1\nf 10.9.0.3 ");
	CHECK(strncmp(buf, expect, strlen(expect)) == 0);
	CHECK_INT(ipam_lookup(dir, "b", &a), -ENOENT);

	/* A corrupt file is reported with its place and left as it is. */
	spill(dir, "leases", "a 10.9.0.2 30\nb 10.9.0.x 10\n");
	CHECK_INT(ipam_lease(dir, &s, "g", NULL, 0, &a, &err), -EINVAL);
	snprintf(expect, sizeof(expect), "read leases '%s/leases:2': invalid address '10.9.0.x'", dir);
	CHECK_CONTAINS(err.msg, expect);
	CHECK_STR(slurp(dir, "leases", buf, sizeof(buf)), "a 10.9.0.2 30\nb 10.9.0.x 10\n");
	CHECK_INT(ipam_lookup(dir, "a", &a), -EINVAL);
	scrub(dir);
}

TEST(ipam_lease_concurrent)
{
	/* Eight processes lease five names each at once: forty distinct addresses. */
	struct subnet s = net_of("10.213.0.0/24");
	struct ipam_table t;
	char dir[64], buf[4096], name[16];
	struct in_addr a;
	struct error err;
	int status, ok = 0;
	pid_t pids[8];

	scratch(dir);
	for (int p = 0; p < 8; p++) {
		pid_t pid = pids[p] = fork();

		if (pid == 0) {
			for (int i = 0; i < 5; i++) {
				snprintf(name, sizeof(name), "p%d-%d", p, i);
				if (ipam_lease(dir, &s, name, NULL, 0, &a, &err) < 0)
					_exit(1);
			}
			_exit(0);
		}
		CHECK(pid > 0);
	}
	/* Only our children: other tests may have left theirs to reap. */
	for (int p = 0; p < 8; p++)
		if (pids[p] > 0 && waitpid(pids[p], &status, 0) == pids[p])
			ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	CHECK_INT(ok, 8);
	slurp(dir, "leases", buf, sizeof(buf));
	/* The parser refuses duplicate addresses, so parsing proves them distinct. */
	CHECK_INT(parse(buf, &t, &err), 0);
	CHECK_UINT(t.n, 40);
	for (size_t i = 0; i < t.n; i++)
		CHECK(ipam_usable(&s, t.v[i].addr) && ntohl(t.v[i].addr.s_addr) <= ntohl(s.addr.s_addr) + 41);
	ipam_table_release(&t);
	scrub(dir);
}
