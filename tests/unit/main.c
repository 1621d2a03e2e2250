/*
 * main.c - runs every registered unit test, or those whose name contains
 * argv[1]; prints failures and the closing "N passed, N failed" line.
 */
#include "test.h"

#include <stdarg.h>
#include <stdlib.h>

static struct test_case *test_head;
static struct test_case **test_tail = &test_head;
static int test_current_failed;
static const char *test_current_skipped;

/* Add a case; called from constructors, so keep source order. */
void test_register(struct test_case *tc)
{
	*test_tail = tc;
	test_tail = &tc->next;
}

/* Record a failed check of the running case. */
void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	test_current_failed = 1;
}

/* End the running case as skipped (SKIP_UNLESS); REASON is printed with its name. */
void test_skip(const char *reason)
{
	test_current_skipped = reason;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0, skipped = 0;

	for (struct test_case *tc = test_head; tc; tc = tc->next) {
		if (filter && !strstr(tc->name, filter))
			continue;
		test_current_failed = 0;
		test_current_skipped = NULL;
		tc->fn();
		if (test_current_failed) {
			printf("FAIL %s (%s)\n", tc->name, tc->file);
			failed++;
		} else if (test_current_skipped) {
			printf("skip %s (%s)\n", tc->name, test_current_skipped);
			skipped++;
		} else {
			passed++;
		}
		fflush(stdout);
	}
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
