/*
 * test_value.c - unit tests of src/config/value.c: the error and word helpers, string
 * vectors, booleans, sizes, limits, durations, numbers, CPUs, ports, signals, enumerations
 * and environment entries.
 */
#include <errno.h>
#include <signal.h>
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

TEST(value_error_format)
{
	struct error err;

	CHECK_INT(value_error(&err, "size", "12Q", "expected %s", "a size"), -EINVAL);
	CHECK_STR(err.msg, "invalid size '12Q': expected a size");
	CHECK_INT(err.errnum, 0);
}

TEST(value_error_sanitises_echo)
{
	struct error err;
	char *big = value_test_repeat('x', 10000);

	value_error(&err, "name", "a\033[31mb\nc\x7f\xc3\xa9", "expected x");
	CHECK_STR(err.msg, "invalid name 'a?[31mb?c?" "?" "?': expected x");
	value_error(&err, "name", big, "expected x");
	/* 64 characters, then "..." */
	CHECK_CONTAINS(err.msg, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
	CHECK(!strstr(err.msg, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
	CHECK(strlen(err.msg) < 120);
	big[64] = '\0';
	value_error(&err, "name", big, "expected x");
	CHECK(!strstr(err.msg, "..."));
	free(big);
}

TEST(value_next_word_splits)
{
	const char *p = "  one\ttwo   three ";
	char buf[8];

	CHECK_UINT(value_next_word(&p, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "one");
	CHECK_UINT(value_next_word(&p, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "two");
	CHECK_UINT(value_next_word(&p, buf, sizeof(buf)), 5);
	CHECK_STR(buf, "three");
	CHECK_UINT(value_next_word(&p, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
	p = "abcdefghij";
	CHECK_UINT(value_next_word(&p, buf, sizeof(buf)), 10);
	CHECK_STR(buf, "abcdefg");
	CHECK_STR(p, "");
}

TEST(value_strv_push_copy_release)
{
	struct strv a = { NULL, 0 }, b = { NULL, 0 };
	char word[] = "first";

	CHECK_INT(strv_push(&a, word), 0);
	word[0] = 'F';
	CHECK_INT(strv_push(&a, "second"), 0);
	CHECK_INT(strv_push(&a, ""), 0);
	CHECK_UINT(a.n, 3);
	CHECK_STR(a.v[0], "first"); /* a copy, not the caller's buffer */
	CHECK_STR(a.v[1], "second");
	CHECK_STR(a.v[2], "");
	CHECK(a.v[3] == NULL);
	CHECK_INT(strv_push(&a, NULL), -EINVAL);
	CHECK_UINT(a.n, 3);

	CHECK_INT(strv_copy(&b, &a), 0);
	CHECK_UINT(b.n, 3);
	CHECK(b.v[0] != a.v[0]);
	CHECK_STR(b.v[1], "second");
	CHECK(b.v[3] == NULL);

	strv_release(&a);
	CHECK(a.v == NULL);
	CHECK_UINT(a.n, 0);
	strv_release(&a); /* twice is harmless */
	CHECK_INT(strv_copy(&a, &a), 0);
	CHECK_UINT(a.n, 0);
	strv_release(&b);
}

TEST(value_strv_many)
{
	struct strv a = { NULL, 0 };
	char buf[16];

	for (int i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "s%d", i);
		CHECK_INT(strv_push(&a, buf), 0);
	}
	CHECK_UINT(a.n, 1000);
	CHECK_STR(a.v[999], "s999");
	CHECK(a.v[1000] == NULL);
	strv_release(&a);
}

TEST(value_bool_good)
{
	static const char *const yes[] = { "yes", "YES", "Yes", "true", "TRUE", "on", "On", "1" };
	static const char *const no[] = { "no", "NO", "false", "False", "off", "OFF", "0" };
	struct error err;
	bool b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		CHECK_INT(value_parse_bool(yes[i], &b, &err), 0);
		CHECK(b);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = true;
		CHECK_INT(value_parse_bool(no[i], &b, &err), 0);
		CHECK(!b);
	}
}

TEST(value_bool_bad)
{
	static const char *const bad[] = { "", " ", "y", "n", "2", "-1", "yes ", " no", "yess",
					   "t", "enable", "01", "on\n", "tru\xc3\xa9" };
	struct error err;
	bool b = true;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_bool(bad[i], &b, &err), -EINVAL);
		CHECK(b); /* untouched */
	}
	value_parse_bool("maybe", &b, &err);
	CHECK_STR(err.msg,
		  "invalid boolean 'maybe': expected yes, no, true, false, on, off, 1 or 0");
}

TEST(value_size_good)
{
	struct error err;
	uint64_t v;

	CHECK_INT(value_parse_size("0", &v, &err), 0);
	CHECK_UINT(v, 0);
	CHECK_INT(value_parse_size("512", &v, &err), 0);
	CHECK_UINT(v, 512);
	CHECK_INT(value_parse_size("64K", &v, &err), 0);
	CHECK_UINT(v, 65536);
	CHECK_INT(value_parse_size("64k", &v, &err), 0);
	CHECK_UINT(v, 65536);
	CHECK_INT(value_parse_size("128M", &v, &err), 0);
	CHECK_UINT(v, 128ULL << 20);
	CHECK_INT(value_parse_size("1g", &v, &err), 0);
	CHECK_UINT(v, 1ULL << 30);
	CHECK_INT(value_parse_size("2T", &v, &err), 0);
	CHECK_UINT(v, 2ULL << 40);
	CHECK_INT(value_parse_size("0M", &v, &err), 0);
	CHECK_UINT(v, 0);
	CHECK_INT(value_parse_size("007", &v, &err), 0);
	CHECK_UINT(v, 7);
}

TEST(value_size_boundaries)
{
	struct error err;
	uint64_t v = 42;

	CHECK_INT(value_parse_size("18446744073709551615", &v, &err), 0);
	CHECK_UINT(v, UINT64_MAX);
	CHECK_INT(value_parse_size("18446744073709551616", &v, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "invalid size '18446744073709551616': too large");
	CHECK_INT(value_parse_size("16777215T", &v, &err), 0);
	CHECK_UINT(v, 16777215ULL << 40);
	CHECK_INT(value_parse_size("16777216T", &v, &err), -EINVAL);
	CHECK_INT(value_parse_size("17179869183G", &v, &err), 0);
	CHECK_INT(value_parse_size("17179869184G", &v, &err), -EINVAL);
	CHECK_INT(value_parse_size("99999999999999999999999999999999K", &v, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "too large");
}

TEST(value_size_bad)
{
	static const char *const bad[] = {
		"", " ", "K", "12Q", "1.5G", "-1", "+1", "1 K", " 1K", "1K ", "1 ", "1\t", "1KB",
		"1KK", "0x10", "1e3", "12\n", "1\xc2\xb5", "1b", "1P", "1E",
	};
	struct error err;
	uint64_t v = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_size(bad[i], &v, &err), -EINVAL);
		CHECK_CONTAINS(err.msg, "expected a number with an optional K, M, G or T suffix");
	}
	CHECK_UINT(v, 42);
	value_parse_size("12Q", &v, &err);
	CHECK_STR(err.msg, "invalid size '12Q': expected a number with an optional K, M, G or T "
			   "suffix (powers of 1024), like 64K or 128M");
}

TEST(value_size_huge_input)
{
	char *big = value_test_repeat('9', 10000);
	struct error err;
	uint64_t v;

	CHECK_INT(value_parse_size(big, &v, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "too large");
	CHECK(strlen(err.msg) < 200);
	big[5000] = 'x';
	CHECK_INT(value_parse_size(big, &v, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "expected a number");
	free(big);
}

TEST(value_limit)
{
	struct error err;
	uint64_t v = 0;

	CHECK_INT(value_parse_limit("max", &v, &err), 0);
	CHECK_UINT(v, SIZE_UNLIMITED);
	CHECK_INT(value_parse_limit("MAX", &v, &err), 0);
	CHECK_UINT(v, SIZE_UNLIMITED);
	CHECK_INT(value_parse_limit("256M", &v, &err), 0);
	CHECK_UINT(v, 256ULL << 20);
	CHECK_INT(value_parse_limit("0", &v, &err), 0);
	CHECK_UINT(v, 0);
	CHECK_INT(value_parse_limit("", &v, &err), -EINVAL);
	CHECK_INT(value_parse_limit("maximum", &v, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid limit 'maximum': expected max or a number with an optional K, "
			   "M, G or T suffix (powers of 1024), like 64K or 128M");
	CHECK_INT(value_parse_limit("max ", &v, &err), -EINVAL);
	CHECK_INT(value_parse_limit("-1", &v, &err), -EINVAL);
	CHECK_INT(value_parse_limit("unlimited", &v, &err), -EINVAL);
	CHECK_INT(value_parse_limit("1Z", &v, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "invalid size '1Z'");
}

TEST(value_duration_good)
{
	struct error err;
	uint64_t v;

	CHECK_INT(value_parse_duration("0", &v, &err), 0);
	CHECK_UINT(v, 0);
	CHECK_INT(value_parse_duration("500ms", &v, &err), 0);
	CHECK_UINT(v, 500);
	CHECK_INT(value_parse_duration("10s", &v, &err), 0);
	CHECK_UINT(v, 10000);
	CHECK_INT(value_parse_duration("5m", &v, &err), 0);
	CHECK_UINT(v, 300000);
	CHECK_INT(value_parse_duration("1h", &v, &err), 0);
	CHECK_UINT(v, 3600000);
	CHECK_INT(value_parse_duration("2d", &v, &err), 0);
	CHECK_UINT(v, 172800000);
	CHECK_INT(value_parse_duration("1m30s", &v, &err), 0);
	CHECK_UINT(v, 90000);
	CHECK_INT(value_parse_duration("1h1m1s1ms", &v, &err), 0);
	CHECK_UINT(v, 3661001);
	CHECK_INT(value_parse_duration("0s", &v, &err), 0);
	CHECK_UINT(v, 0);
	CHECK_INT(value_parse_duration("0ms", &v, &err), 0);
	CHECK_UINT(v, 0);
	CHECK_INT(value_parse_duration("1m5ms", &v, &err), 0); /* "m" then "5ms", not "m5" */
	CHECK_UINT(v, 60005);
}

TEST(value_duration_boundaries)
{
	struct error err;
	uint64_t v;

	CHECK_INT(value_parse_duration("18446744073709551615ms", &v, &err), 0);
	CHECK_UINT(v, UINT64_MAX);
	CHECK_INT(value_parse_duration("18446744073709551616ms", &v, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "too large");
	CHECK_INT(value_parse_duration("18446744073709551s", &v, &err), 0);
	CHECK_UINT(v, 18446744073709551000ULL);
	CHECK_INT(value_parse_duration("18446744073709552s", &v, &err), -EINVAL);
	CHECK_INT(value_parse_duration("213503982334d", &v, &err), 0);
	CHECK_INT(value_parse_duration("213503982335d", &v, &err), -EINVAL);
	/* each group fits, the sum does not */
	CHECK_INT(value_parse_duration("18446744073709551615ms1ms", &v, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "too large, expected at most");
}

TEST(value_duration_bad)
{
	static const char *const bad[] = { "", " ", "10", "1", "00", "s", "ms", "1x", "1.5s",
					   "-1s", "+1s", "1 s", "1m 30s", "1m30", "10S", "1H",
					   "1sec", "1msx", "5mm", "1s\n", ("\xe2\x80\x8b" "1s") };
	struct error err;
	uint64_t v = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_duration(bad[i], &v, &err), -EINVAL);
		CHECK_CONTAINS(err.msg, "expected a duration like 500ms, 10s, 5m or 1h");
	}
	CHECK_UINT(v, 7);
	value_parse_duration("10", &v, &err);
	CHECK_STR(err.msg, "invalid duration '10': expected a duration like 500ms, 10s, 5m or 1h");
}

TEST(value_duration_huge_input)
{
	char *big = value_test_repeat('1', 10000);
	struct error err;
	uint64_t v;

	big[9999] = 's';
	CHECK_INT(value_parse_duration(big, &v, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "too large");
	free(big);
	big = value_test_repeat('s', 10000);
	big[0] = '1';
	CHECK_INT(value_parse_duration(big, &v, &err), -EINVAL);
	free(big);
}

TEST(value_uint)
{
	struct error err;
	uint64_t v = 99;

	CHECK_INT(value_parse_uint("0", 0, 10, &v, &err), 0);
	CHECK_UINT(v, 0);
	CHECK_INT(value_parse_uint("10", 0, 10, &v, &err), 0);
	CHECK_UINT(v, 10);
	CHECK_INT(value_parse_uint("11", 0, 10, &v, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid number '11': expected a number from 0 to 10");
	CHECK_INT(value_parse_uint("0", 1, 10, &v, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "from 1 to 10");
	CHECK_INT(value_parse_uint("18446744073709551615", 0, UINT64_MAX, &v, &err), 0);
	CHECK_UINT(v, UINT64_MAX);
	CHECK_INT(value_parse_uint("18446744073709551616", 0, UINT64_MAX, &v, &err), -EINVAL);
	CHECK_INT(value_parse_uint("0010", 0, 100, &v, &err), 0);
	CHECK_UINT(v, 10);
	CHECK_INT(value_parse_uint("", 0, 10, &v, &err), -EINVAL);
	CHECK_INT(value_parse_uint("-1", 0, 10, &v, &err), -EINVAL);
	CHECK_INT(value_parse_uint("+1", 0, 10, &v, &err), -EINVAL);
	CHECK_INT(value_parse_uint("0x1", 0, 10, &v, &err), -EINVAL);
	CHECK_INT(value_parse_uint(" 1", 0, 10, &v, &err), -EINVAL);
	CHECK_INT(value_parse_uint("1 ", 0, 10, &v, &err), -EINVAL);
	CHECK_INT(value_parse_uint("1.0", 0, 10, &v, &err), -EINVAL);
	CHECK_INT(value_parse_uint("1k", 0, 10000, &v, &err), -EINVAL);
	CHECK_UINT(v, 10);
}

TEST(value_cpus)
{
	struct error err;
	uint32_t v = 7;

	CHECK_INT(value_parse_cpus("0.5", &v, &err), 0);
	CHECK_UINT(v, 500);
	CHECK_INT(value_parse_cpus("2", &v, &err), 0);
	CHECK_UINT(v, 2000);
	CHECK_INT(value_parse_cpus("0.001", &v, &err), 0);
	CHECK_UINT(v, 1);
	CHECK_INT(value_parse_cpus("1.25", &v, &err), 0);
	CHECK_UINT(v, 1250);
	CHECK_INT(value_parse_cpus("1024", &v, &err), 0);
	CHECK_UINT(v, 1024000);
	CHECK_INT(value_parse_cpus("1024.000", &v, &err), 0);
	CHECK_UINT(v, 1024000);
	CHECK_INT(value_parse_cpus("1024.001", &v, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "from 0.001 to 1024");
	CHECK_INT(value_parse_cpus("0", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("0.000", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("0.0001", &v, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid CPU count '0.0001': expected at most 3 decimals, like 0.125");
	CHECK_INT(value_parse_cpus("1025", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("99999999999999999999999", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus(".5", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("1.", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("-1", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("+1", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("1,5", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("0.5 ", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("1e2", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("50%", &v, &err), -EINVAL);
	CHECK_INT(value_parse_cpus("0.5.5", &v, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid CPU count '0.5.5': expected a number of CPUs from 0.001 to "
			   "1024, like 0.5 or 2");
	CHECK_UINT(v, 1024000);
}

TEST(value_port)
{
	struct error err;
	uint16_t v = 7;

	CHECK_INT(value_parse_port("1", &v, &err), 0);
	CHECK_UINT(v, 1);
	CHECK_INT(value_parse_port("65535", &v, &err), 0);
	CHECK_UINT(v, 65535);
	CHECK_INT(value_parse_port("65536", &v, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid port '65536': expected a port number from 1 to 65535");
	CHECK_INT(value_parse_port("0", &v, &err), -EINVAL);
	CHECK_INT(value_parse_port("", &v, &err), -EINVAL);
	CHECK_INT(value_parse_port("-80", &v, &err), -EINVAL);
	CHECK_INT(value_parse_port("80/tcp", &v, &err), -EINVAL);
	CHECK_INT(value_parse_port("http", &v, &err), -EINVAL);
	CHECK_INT(value_parse_port("4294967376", &v, &err), -EINVAL); /* 2^32 + 80 */
	CHECK_UINT(v, 65535);
}

TEST(value_signal_names_and_numbers)
{
	struct error err;
	int sig = 0;

	CHECK_INT(value_parse_signal("TERM", &sig, &err), 0);
	CHECK_INT(sig, SIGTERM);
	CHECK_INT(value_parse_signal("SIGTERM", &sig, &err), 0);
	CHECK_INT(sig, SIGTERM);
	CHECK_INT(value_parse_signal("term", &sig, &err), 0);
	CHECK_INT(sig, SIGTERM);
	CHECK_INT(value_parse_signal("sigHup", &sig, &err), 0);
	CHECK_INT(sig, SIGHUP);
	CHECK_INT(value_parse_signal("15", &sig, &err), 0);
	CHECK_INT(sig, 15);
	CHECK_INT(value_parse_signal("KILL", &sig, &err), 0);
	CHECK_INT(sig, SIGKILL);
	CHECK_INT(value_parse_signal("STOP", &sig, &err), 0);
	CHECK_INT(sig, SIGSTOP);
	CHECK_INT(value_parse_signal("1", &sig, &err), 0);
	CHECK_INT(sig, 1);
	CHECK_INT(value_parse_signal("64", &sig, &err), 0);
	CHECK_INT(sig, 64);
	CHECK_INT(value_parse_signal("WINCH", &sig, &err), 0);
	CHECK_INT(sig, SIGWINCH);
	CHECK_INT(value_parse_signal("SIGSYS", &sig, &err), 0);
	CHECK_INT(sig, SIGSYS);
}

TEST(value_signal_table_round_trips)
{
	static const char *const names[] = {
		NULL,	"HUP",	"INT",	"QUIT",	"ILL",	"TRAP",	"ABRT",	"BUS",	"FPE",	"KILL",
		"USR1",	"SEGV",	"USR2",	"PIPE",	"ALRM",	"TERM",	"STKFLT", "CHLD", "CONT", "STOP",
		"TSTP",	"TTIN",	"TTOU",	"URG",	"XCPU",	"XFSZ",	"VTALRM", "PROF", "WINCH", "IO",
		"PWR",	"SYS",
	};
	struct error err;
	char buf[16];

	for (int i = 1; i < 32; i++) {
		int sig = 0;

		CHECK_STR(value_signal_name(i), names[i]);
		CHECK_INT(value_parse_signal(names[i], &sig, &err), 0);
		CHECK_INT(sig, i);
		snprintf(buf, sizeof(buf), "sig%s", names[i]);
		CHECK_INT(value_parse_signal(buf, &sig, &err), 0);
		CHECK_INT(sig, i);
	}
	CHECK(value_signal_name(0) == NULL);
	CHECK(value_signal_name(32) == NULL);
	CHECK(value_signal_name(64) == NULL);
	CHECK(value_signal_name(-1) == NULL);
}

TEST(value_signal_bad)
{
	static const char *const bad[] = { "", " ", "0", "65", "-15", "+15", "SIG", "SIGSIGTERM",
					   "TERM ", "SIG TERM", "15x", "SIG15", "RTMIN", "IOT",
					   "99999999999999999999999", "TERM\n", "T\xc3\x89RM" };
	struct error err;
	int sig = 5;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(value_parse_signal(bad[i], &sig, &err), -EINVAL);
	CHECK_INT(sig, 5);
	value_parse_signal("TERN", &sig, &err);
	CHECK_STR(err.msg, "invalid signal 'TERN': expected a signal name like TERM, SIGHUP or "
			   "int, or a number from 1 to 64");
}

TEST(value_restart)
{
	struct error err;
	enum restart_policy p = RESTART_NO;

	CHECK_INT(value_parse_restart("no", &p, &err), 0);
	CHECK_INT(p, RESTART_NO);
	CHECK_INT(value_parse_restart("on-failure", &p, &err), 0);
	CHECK_INT(p, RESTART_ON_FAILURE);
	CHECK_INT(value_parse_restart("always", &p, &err), 0);
	CHECK_INT(p, RESTART_ALWAYS);
	CHECK_INT(value_parse_restart("Unless-Stopped", &p, &err), 0);
	CHECK_INT(p, RESTART_UNLESS_STOPPED);
	CHECK_INT(value_parse_restart("", &p, &err), -EINVAL);
	CHECK_INT(value_parse_restart("on_failure", &p, &err), -EINVAL);
	CHECK_INT(value_parse_restart("always ", &p, &err), -EINVAL);
	CHECK_INT(value_parse_restart("yes", &p, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid restart policy 'yes': expected no, on-failure, always or "
			   "unless-stopped");
	CHECK_INT(p, RESTART_UNLESS_STOPPED);
	CHECK_STR(value_restart_name(RESTART_NO), "no");
	CHECK_STR(value_restart_name(RESTART_ON_FAILURE), "on-failure");
	CHECK_STR(value_restart_name(RESTART_ALWAYS), "always");
	CHECK_STR(value_restart_name(RESTART_UNLESS_STOPPED), "unless-stopped");
	CHECK(value_restart_name((enum restart_policy)4) == NULL);
	CHECK(value_restart_name((enum restart_policy)-1) == NULL);
}

TEST(value_net_mode)
{
	struct error err;
	enum net_mode m = NET_HOST;

	CHECK_INT(value_parse_net_mode("intercontainer", &m, &err), 0);
	CHECK_INT(m, NET_INTERCONTAINER);
	CHECK_INT(value_parse_net_mode("none", &m, &err), 0);
	CHECK_INT(m, NET_NONE);
	CHECK_INT(value_parse_net_mode("HOST", &m, &err), 0);
	CHECK_INT(m, NET_HOST);
	CHECK_INT(value_parse_net_mode("bridge", &m, &err), -EINVAL);
	CHECK_STR(err.msg, "invalid network mode 'bridge': expected intercontainer, none or host");
	CHECK_INT(value_parse_net_mode("", &m, &err), -EINVAL);
	CHECK_INT(value_parse_net_mode("host\n", &m, &err), -EINVAL);
	CHECK_INT(m, NET_HOST);
	CHECK_STR(value_net_mode_name(NET_INTERCONTAINER), "intercontainer");
	CHECK_STR(value_net_mode_name(NET_NONE), "none");
	CHECK_STR(value_net_mode_name(NET_HOST), "host");
	CHECK(value_net_mode_name((enum net_mode)3) == NULL);
}

TEST(value_env)
{
	struct error err;
	char *big = value_test_repeat('A', 10000);

	CHECK_INT(value_parse_env("KEY=VALUE", &err), 0);
	CHECK_INT(value_parse_env("_=", &err), 0);
	CHECK_INT(value_parse_env("a_b9=x=y", &err), 0);
	CHECK_INT(value_parse_env("PATH=/usr/bin:/bin", &err), 0);
	CHECK_INT(value_parse_env("MSG=hello world\twith\ttabs and \xc3\xa9", &err), 0);
	CHECK_INT(value_parse_env("EMPTY=", &err), 0);
	CHECK_INT(value_parse_env(big, &err), -EINVAL); /* no '=' */
	CHECK(strlen(err.msg) < 250);
	big[5000] = '=';
	CHECK_INT(value_parse_env(big, &err), 0);
	free(big);

	CHECK_INT(value_parse_env("", &err), -EINVAL);
	CHECK_INT(value_parse_env("=x", &err), -EINVAL);
	CHECK_INT(value_parse_env("KEY", &err), -EINVAL);
	CHECK_STR(err.msg, "invalid environment variable 'KEY': expected KEY=VALUE, KEY of "
			   "letters, digits and '_', not starting with a digit");
	CHECK_INT(value_parse_env("1KEY=x", &err), -EINVAL);
	CHECK_INT(value_parse_env("KEY-1=x", &err), -EINVAL);
	CHECK_INT(value_parse_env("KEY =x", &err), -EINVAL);
	CHECK_INT(value_parse_env(" KEY=x", &err), -EINVAL);
	CHECK_INT(value_parse_env("K\xc3\xa9=x", &err), -EINVAL);
	CHECK_INT(value_parse_env("K\nEY=x", &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "'K?EY'");
	/* only the key is echoed: values are often secrets */
	CHECK_INT(value_parse_env("9PASSWORD=hunter2", &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "'9PASSWORD'");
	CHECK(!strstr(err.msg, "hunter2"));
}
