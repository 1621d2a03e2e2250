/*
 * test_enabled.c - the marks of `pistack enable` in a temporary STATE
 * directory: made and removed, idempotent, all or nothing when one fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/enabled.h"
#include "test.h"

/* A fresh STATE directory (not yet created: enable makes it) below a temporary one. */
static void enabled_tmp(char *base, size_t size, char *state, size_t ssize)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(base, size, "%s/pistack-test-enabled.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base))
		test_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
	snprintf(state, ssize, "%s/state/sub", base);
}

/* Remove what the tests made below BASE. */
static void enabled_cleanup(const char *base)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		test_fail(__FILE__, __LINE__, "unable to remove '%s'", base);
}

TEST(enabled_mark_and_unmark)
{
	char base[200], state[256], path[300];
	char *ab[] = {"a", "b"}, *b[] = {"b"}, *c[] = {"c"};
	struct error err;
	struct stat st;

	enabled_tmp(base, sizeof(base), state, sizeof(state));
	CHECK(!enabled_is(state, "a"));
	/* Nothing enabled yet, no directory: disabling is a no-op. */
	CHECK_INT(enabled_apply(state, c, 1, false, &err), 0);
	CHECK_INT(enabled_apply(state, ab, 2, true, &err), 0);
	CHECK(enabled_is(state, "a"));
	CHECK(enabled_is(state, "b"));
	CHECK(!enabled_is(state, "c"));
	/* STATE is made private. */
	CHECK_INT(stat(state, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0700);
	/* Twice is once. */
	CHECK_INT(enabled_apply(state, ab, 2, true, &err), 0);
	CHECK_INT(enabled_apply(state, b, 1, false, &err), 0);
	CHECK(enabled_is(state, "a"));
	CHECK(!enabled_is(state, "b"));
	CHECK_INT(enabled_apply(state, b, 1, false, &err), 0);
	snprintf(path, sizeof(path), "%s/enabled/a", state);
	CHECK_INT(stat(path, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_INT(st.st_size, 0);
	enabled_cleanup(base);
}

TEST(enabled_all_or_nothing)
{
	char base[200], state[256], path[300];
	char *names[] = {"a", "b", "bad", "c"}, *some[] = {"a", "b", "c"};
	char *evil[] = {"a", "../x"};
	struct error err;

	enabled_tmp(base, sizeof(base), state, sizeof(state));
	CHECK_INT(enabled_apply(state, (char *[]){"b"}, 1, true, &err), 0);
	/* A directory where the mark of "bad" would go: enabling it fails, and
	 * what the same call did before ("a") is undone; "b" was there before. */
	snprintf(path, sizeof(path), "%s/enabled/bad", state);
	CHECK_INT(mkdir(path, 0755), 0);
	CHECK_INT(enabled_apply(state, names, 4, true, &err), -EEXIST);
	CHECK_CONTAINS(err.msg, "/enabled/bad");
	CHECK(!enabled_is(state, "a"));
	CHECK(enabled_is(state, "b"));
	CHECK(!enabled_is(state, "c"));
	CHECK(!enabled_is(state, "bad"));
	/* Disabling: unlink of the directory fails, the marks removed before it come back. */
	CHECK_INT(enabled_apply(state, some, 3, true, &err), 0);
	CHECK(enabled_apply(state, names, 4, false, &err) < 0);
	CHECK(enabled_is(state, "a"));
	CHECK(enabled_is(state, "b"));
	CHECK(enabled_is(state, "c"));
	/* Not a service name: refused before anything is touched. */
	CHECK_INT(enabled_apply(state, some, 3, false, &err), 0);
	CHECK_INT(enabled_apply(state, evil, 2, true, &err), -EINVAL);
	CHECK(!enabled_is(state, "a"));
	CHECK(!enabled_is(state, "../x"));
	rmdir(path);
	enabled_cleanup(base);
}
