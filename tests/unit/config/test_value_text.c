/*
 * test_value_text.c - unit tests of src/config/value_text.c: service names, absolute paths,
 * users and exec lines.
 */
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

TEST(value_name_good)
{
	static const char *const good[] = { "a", "0", "web", "my-app", "a1-b2", "9lives", "a--b",
					    "abcdefghijklmnopqrstuvwxyz012345" /* 32 */ };
	struct error err;
	char out[NAME_MAX_LEN + 1];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(value_is_name(good[i]));
		memset(out, 'x', sizeof(out));
		CHECK_INT(value_parse_name(good[i], out, &err), 0);
		CHECK_STR(out, good[i]);
	}
}

TEST(value_name_bad)
{
	static const char *const bad[] = { "", " ", "-a", "a-", "-", "Web", "my_app", "a.b", "a b",
					   "abcdefghijklmnopqrstuvwxyz0123456" /* 33 */, "web\n",
					   "caf\xc3\xa9", "pistack/../x", "a\tb" };
	struct error err;
	char out[NAME_MAX_LEN + 1] = "keep";
	char *big = value_test_repeat('a', 10000);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(!value_is_name(bad[i]));
		CHECK_INT(value_parse_name(bad[i], out, &err), -EINVAL);
	}
	CHECK(!value_is_name(big));
	CHECK_INT(value_parse_name(big, out, &err), -EINVAL);
	CHECK_STR(out, "keep");
	free(big);
	value_parse_name("My_App", out, &err);
	CHECK_STR(err.msg, "invalid name 'My_App': expected up to 32 lower-case letters, digits "
			   "and '-', starting with a letter or digit and not ending in '-'");
}

/* Parse S as an absolute path and compare the normalised result with WANT. */
static void value_test_abspath(const char *s, const char *want)
{
	struct error err;
	char *out = NULL;

	CHECK_INT(value_parse_abspath(s, &out, &err), 0);
	CHECK_STR(out, want);
	free(out);
}

TEST(value_abspath_normalises)
{
	value_test_abspath("/", "/");
	value_test_abspath("//", "/");
	value_test_abspath("/.", "/");
	value_test_abspath("/./", "/");
	value_test_abspath("/srv/data", "/srv/data");
	value_test_abspath("/srv/data/", "/srv/data");
	value_test_abspath("//srv///data//", "/srv/data");
	value_test_abspath("/srv/./data/.", "/srv/data");
	value_test_abspath("/a/.b/..c/...", "/a/.b/..c/...");
	value_test_abspath("/with space/and\xc3\xa9", "/with space/and\xc3\xa9");
	value_test_abspath("/a/b.../c", "/a/b.../c");
}

TEST(value_abspath_bad)
{
	static const char *const bad[] = { "", " ", "relative", "./a", "../a", "~/a", " /a",
					   "/a/../b", "/..", "/a/..", "/../", "/a\nb", "/a\rb",
					   "/a\tb", "/a\033b", "/a\x7f" };
	struct error err;
	char *out = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_abspath(bad[i], &out, &err), -EINVAL);
		CHECK(out == NULL);
	}
	value_parse_abspath("srv/data", &out, &err);
	CHECK_STR(err.msg, "invalid path 'srv/data': expected an absolute path like /srv/data");
	value_parse_abspath("/srv/../etc", &out, &err);
	CHECK_STR(err.msg, "invalid path '/srv/../etc': expected a path without '..' components");
	value_parse_abspath("/a\nb", &out, &err);
	CHECK_CONTAINS(err.msg, "'/a?b'");
}

TEST(value_abspath_length)
{
	char *big = value_test_repeat('a', 10000);
	struct error err;
	char *out = NULL;

	big[0] = '/';
	CHECK_INT(value_parse_abspath(big, &out, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "expected at most 4095 characters");
	CHECK(out == NULL);
	big[4095] = '\0'; /* 4095 characters: the longest path the kernel takes */
	CHECK_INT(value_parse_abspath(big, &out, &err), 0);
	CHECK_UINT(out ? strlen(out) : 0, 4095);
	free(out);
	out = NULL;
	big[4095] = 'a';
	big[4096] = '\0';
	CHECK_INT(value_parse_abspath(big, &out, &err), -EINVAL);
	free(big);
	/* a long input that normalises short is fine */
	big = value_test_repeat('/', 10000);
	big[9999] = 'x';
	CHECK_INT(value_parse_abspath(big, &out, &err), 0);
	CHECK_STR(out, "/x");
	free(out);
	free(big);
}

TEST(value_user_forms)
{
	struct error err;
	struct user_spec u;

	CHECK_INT(value_parse_user("nobody", &u, &err), 0);
	CHECK_STR(u.name, "nobody");
	CHECK(!u.has_gid);
	CHECK_INT(value_parse_user("_apt", &u, &err), 0);
	CHECK_STR(u.name, "_apt");
	CHECK_INT(value_parse_user("www-data", &u, &err), 0);
	CHECK_STR(u.name, "www-data");
	CHECK_INT(value_parse_user("machine$", &u, &err), 0);
	CHECK_STR(u.name, "machine$");
	CHECK_INT(value_parse_user("abcdefghijklmnopqrstuvwxyz01234$", &u, &err), 0);

	CHECK_INT(value_parse_user("1000", &u, &err), 0);
	CHECK_STR(u.name, "");
	CHECK_UINT(u.uid, 1000);
	CHECK(!u.has_gid);
	CHECK_INT(value_parse_user("0", &u, &err), 0);
	CHECK_UINT(u.uid, 0);
	CHECK_INT(value_parse_user("1000:100", &u, &err), 0);
	CHECK_UINT(u.uid, 1000);
	CHECK_UINT(u.gid, 100);
	CHECK(u.has_gid);
	CHECK_STR(u.name, "");
	CHECK_INT(value_parse_user("4294967294:4294967294", &u, &err), 0);
	CHECK_UINT(u.uid, 4294967294U);
	CHECK_UINT(u.gid, 4294967294U);
}

TEST(value_user_bad)
{
	static const char *const bad[] = {
		"", " ", "Root", "1abc", "-1", "+1", "1000:", ":1000", "1000:100:1", "root:root",
		"root:0", "1000 ", " 1000", "4294967295", "0:4294967295", "99999999999999999999",
		"a$b", "$", "a$$", "ab\n", "us\xc3\xa9r", "-user",
		"abcdefghijklmnopqrstuvwxyz0123456" /* 33 */, "1000:-1", "1000:+1", "0x10",
	};
	struct error err;
	struct user_spec u = { .name = "keep", .uid = 7 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(value_parse_user(bad[i], &u, &err), -EINVAL);
	CHECK_STR(u.name, "keep");
	CHECK_UINT(u.uid, 7);
	value_parse_user("Root", &u, &err);
	CHECK_STR(err.msg, "invalid user 'Root': expected a user name like nobody, a UID like "
			   "1000, or UID:GID like 1000:1000");
	value_parse_user("4294967295", &u, &err);
	CHECK_STR(err.msg, "invalid user '4294967295': expected IDs from 0 to 4294967294");
}

/* Split S and compare with the NULL-terminated WANT. */
static void value_test_exec(const char *s, const char *const *want)
{
	struct strv argv = { NULL, 0 };
	struct error err = { 0, "" };
	size_t n = 0;

	CHECK_INT(value_parse_exec(s, &argv, &err), 0);
	CHECK_STR(err.msg, "");
	while (want[n])
		n++;
	CHECK_UINT(argv.n, n);
	for (size_t i = 0; i < n && i < argv.n; i++)
		CHECK_STR(argv.v[i], want[i]);
	CHECK(argv.n == 0 || argv.v[argv.n] == NULL);
	strv_release(&argv);
}

TEST(value_exec_words)
{
	value_test_exec("/usr/bin/python3 -m http.server 8080",
			(const char *const[]){ "/usr/bin/python3", "-m", "http.server", "8080",
					       NULL });
	value_test_exec("  a \t b  ", (const char *const[]){ "a", "b", NULL });
	value_test_exec("one", (const char *const[]){ "one", NULL });
	value_test_exec("\xc3\xa9t\xc3\xa9", (const char *const[]){ "\xc3\xa9t\xc3\xa9", NULL });
}

TEST(value_exec_quotes)
{
	value_test_exec("sh -c 'echo $HOME; ls \"x\"'",
			(const char *const[]){ "sh", "-c", "echo $HOME; ls \"x\"", NULL });
	value_test_exec("echo \"a b\" 'c d'", (const char *const[]){ "echo", "a b", "c d", NULL });
	value_test_exec("a'b'\"c\"d", (const char *const[]){ "abcd", NULL });
	value_test_exec("x '' \"\"", (const char *const[]){ "x", "", "", NULL });
	value_test_exec("'it'\\''s'", (const char *const[]){ "it's", NULL });
	value_test_exec("'a\\b'", (const char *const[]){ "a\\b", NULL });
	value_test_exec("'a\tb'", (const char *const[]){ "a\tb", NULL });
	value_test_exec("echo $HOME ~ * `id`",
			(const char *const[]){ "echo", "$HOME", "~", "*", "`id`", NULL });
}

TEST(value_exec_escapes)
{
	value_test_exec("a\\ b", (const char *const[]){ "a b", NULL });
	value_test_exec("\\'x\\\"", (const char *const[]){ "'x\"", NULL });
	value_test_exec("\\\\", (const char *const[]){ "\\", NULL });
	value_test_exec("\\n", (const char *const[]){ "n", NULL });
	/* inside "...", only \" \\ \$ \` are escapes; other backslashes stay */
	value_test_exec("\"\\\" \\\\ \\$ \\` \\n \\a\"",
			(const char *const[]){ "\" \\ $ ` \\n \\a", NULL });
	value_test_exec("\"\\\\\"", (const char *const[]){ "\\", NULL });
	value_test_exec("\"a\\\"\"b", (const char *const[]){ "a\"b", NULL });
}

TEST(value_exec_bad)
{
	static const char *const bad[] = {
		"", " ", "\t \t", "'", "\"", "echo 'abc", "echo \"abc", "echo \"a\\\"", "echo \\",
		"echo a\\", "echo a\nb", "echo a\rb", "echo '\n'", "echo \"\x01\"", "echo \033[2J",
		"echo \x7f",
	};
	struct error err;
	struct strv argv = { NULL, 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_exec(bad[i], &argv, &err), -EINVAL);
		CHECK(argv.v == NULL);
		CHECK_UINT(argv.n, 0);
	}
	value_parse_exec("", &argv, &err);
	CHECK_STR(err.msg, "invalid command '': expected a program and its arguments, like "
			   "/usr/bin/python3 -m http.server");
	value_parse_exec("echo 'abc", &argv, &err);
	CHECK_STR(err.msg, "invalid command 'echo 'abc': expected a closing ' quote");
	value_parse_exec("echo \"abc", &argv, &err);
	CHECK_STR(err.msg, "invalid command 'echo \"abc': expected a closing \" quote");
	value_parse_exec("echo a\\", &argv, &err);
	CHECK_CONTAINS(err.msg, "expected a character after the last backslash");
	value_parse_exec("echo a\nrm -rf /", &argv, &err);
	CHECK_STR(err.msg, "invalid command 'echo a?rm -rf /': expected one line without control "
			   "characters");
}

TEST(value_exec_long)
{
	char *big = value_test_repeat('a', 10000);
	struct strv argv = { NULL, 0 };
	struct error err;

	CHECK_INT(value_parse_exec(big, &argv, &err), 0);
	CHECK_UINT(argv.n, 1);
	CHECK_UINT(argv.n ? strlen(argv.v[0]) : 0, 10000);
	strv_release(&argv);
	for (size_t i = 1; i < 10000; i += 2)
		big[i] = ' ';
	CHECK_INT(value_parse_exec(big, &argv, &err), 0);
	CHECK_UINT(argv.n, 5000);
	CHECK(argv.n == 5000 && argv.v[5000] == NULL);
	strv_release(&argv);
	big[0] = '\'';
	CHECK_INT(value_parse_exec(big, &argv, &err), -EINVAL);
	CHECK(strlen(err.msg) < 200);
	CHECK(argv.v == NULL);
	free(big);
}
