/*
 * test_stats.c - the cgroup statistics parsers of `pistack stats`
 * (daemon/stats.c): real kernel samples, then hostile input.
 */
#include "test.h"

#include <errno.h>
#include <limits.h>

#include "daemon/stats.h"

TEST(stats_cpu_kernel_sample)
{
	struct stats_cpu cpu;
	const char *text = "usage_usec 12345678\nuser_usec 10000000\nsystem_usec 2345678\n"
			   "core_sched.force_idle_usec 0\nnr_periods 0\nnr_throttled 0\n"
			   "throttled_usec 0\nnr_bursts 0\nburst_usec 0\n";

	CHECK_INT(stats_parse_cpu(text, &cpu), 0);
	CHECK_UINT(cpu.usage_usec, 12345678);
	CHECK_UINT(cpu.user_usec, 10000000);
	CHECK_UINT(cpu.system_usec, 2345678);
}

TEST(stats_cpu_without_final_newline_or_split)
{
	struct stats_cpu cpu;

	CHECK_INT(stats_parse_cpu("usage_usec 7", &cpu), 0);
	CHECK_UINT(cpu.usage_usec, 7);
	CHECK_UINT(cpu.user_usec, 0);
	CHECK_UINT(cpu.system_usec, 0);
}

TEST(stats_cpu_rejects_hostile_input)
{
	struct stats_cpu cpu;

	CHECK_INT(stats_parse_cpu("", &cpu), -EINVAL);
	CHECK_INT(stats_parse_cpu("user_usec 5\n", &cpu), -EINVAL);          /* no usage_usec */
	CHECK_INT(stats_parse_cpu("usage_usec\n", &cpu), -EINVAL);            /* no value */
	CHECK_INT(stats_parse_cpu("usage_usec \n", &cpu), -EINVAL);           /* empty value */
	CHECK_INT(stats_parse_cpu("usage_usec -1\n", &cpu), -EINVAL);
	CHECK_INT(stats_parse_cpu("usage_usec 12x\n", &cpu), -EINVAL);
	CHECK_INT(stats_parse_cpu("usage_usec 1 2\n", &cpu), -EINVAL);
	CHECK_INT(stats_parse_cpu("usage_usec 18446744073709551616\n", &cpu), -EINVAL); /* 2^64 */
	CHECK_INT(stats_parse_cpu("usage_usec 1\nsystem_usec zz\n", &cpu), -EINVAL);
	/* Prefixes of known keys are other keys, skipped. */
	CHECK_INT(stats_parse_cpu("usage_usecs 5\nusage_usec 3\n\n\n", &cpu), 0);
	CHECK_UINT(cpu.usage_usec, 3);
	CHECK_INT(stats_parse_cpu("usage_usec 18446744073709551615\n", &cpu), 0);
	CHECK_UINT(cpu.usage_usec, ULLONG_MAX);
}

TEST(stats_io_sums_devices)
{
	struct stats_io io;
	const char *text =
		"8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n"
		"8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021\n";

	CHECK_INT(stats_parse_io(text, &io), 0);
	CHECK_UINT(io.rbytes, 1459200ULL + 90430464ULL);
	CHECK_UINT(io.wbytes, 314773504ULL + 299008000ULL);
	/* No I/O yet: an empty file. */
	CHECK_INT(stats_parse_io("", &io), 0);
	CHECK_UINT(io.rbytes, 0);
	CHECK_UINT(io.wbytes, 0);
	/* A device line with no keys, and keys this parser does not know. */
	CHECK_INT(stats_parse_io("259:0\n259:1 cost.usage=5 rbytes=4\n", &io), 0);
	CHECK_UINT(io.rbytes, 4);
}

TEST(stats_io_saturates)
{
	struct stats_io io;

	CHECK_INT(stats_parse_io("8:0 rbytes=18446744073709551615 wbytes=1\n8:1 rbytes=2 wbytes=2\n", &io),
		  0);
	CHECK_UINT(io.rbytes, ULLONG_MAX);
	CHECK_UINT(io.wbytes, 3);
}

TEST(stats_io_rejects_hostile_input)
{
	struct stats_io io;

	CHECK_INT(stats_parse_io("sda rbytes=1\n", &io), -EINVAL);             /* not MAJ:MIN */
	CHECK_INT(stats_parse_io(":0 rbytes=1\n", &io), -EINVAL);
	CHECK_INT(stats_parse_io("8: rbytes=1\n", &io), -EINVAL);
	CHECK_INT(stats_parse_io(" 8:0 rbytes=1\n", &io), -EINVAL);            /* leading blank */
	CHECK_INT(stats_parse_io("8:0 rbytes\n", &io), -EINVAL);               /* no '=' */
	CHECK_INT(stats_parse_io("8:0 rbytes=\n", &io), -EINVAL);
	CHECK_INT(stats_parse_io("8:0 wbytes=-5\n", &io), -EINVAL);
	CHECK_INT(stats_parse_io("8:0 rbytes=99999999999999999999\n", &io), -EINVAL);
	/* Blank lines are skipped, as in cpu.stat. */
	CHECK_INT(stats_parse_io("\n8:0 rbytes=1\n\n", &io), 0);
	CHECK_UINT(io.rbytes, 1);
}

TEST(stats_format_seconds_rounds)
{
	char buf[32];

	stats_format_seconds(buf, sizeof(buf), 0);
	CHECK_STR(buf, "0.00s");
	stats_format_seconds(buf, sizeof(buf), 12345678);
	CHECK_STR(buf, "12.35s");
	stats_format_seconds(buf, sizeof(buf), 4999);
	CHECK_STR(buf, "0.00s");
	stats_format_seconds(buf, sizeof(buf), 5000);
	CHECK_STR(buf, "0.01s");
	stats_format_seconds(buf, sizeof(buf), 59995000);
	CHECK_STR(buf, "60.00s");
	stats_format_seconds(buf, sizeof(buf), ULLONG_MAX);
	CHECK_STR(buf, "18446744073709.55s");
	stats_format_seconds(buf, 4, 12345678);
	CHECK_STR(buf, "12.");
}
