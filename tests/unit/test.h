/*
 * test.h - the unit-test harness: TEST(name) registers a case, CHECK* record
 * failures without stopping the case.  The runner (main.c) prints one line per
 * failure and ends with "N passed, N failed" (", N skipped" when SKIP_UNLESS skipped any).
 */
#ifndef PISTACK_TEST_H
#define PISTACK_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	const char *file;
	void (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *tc);
void test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void test_skip(const char *reason);
bool test_have_openat2(void);
bool test_have_seccomp(void);
bool test_have_nfnetlink(void);
bool test_have_netns_cookie(void);

#define TEST(name_)                                                       \
	static void test_##name_(void);                                       \
	static struct test_case test_case_##name_ = { #name_, __FILE__, test_##name_, NULL }; \
	__attribute__((constructor)) static void test_register_##name_(void)  \
	{                                                                     \
		test_register(&test_case_##name_);                                \
	}                                                                     \
	static void test_##name_(void)

#define CHECK(cond)                                                       \
	do {                                                                  \
		if (!(cond))                                                      \
			test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);            \
	} while (0)

#define CHECK_INT(got, want)                                              \
	do {                                                                  \
		long long got_ = (long long)(got), want_ = (long long)(want);     \
		if (got_ != want_)                                                \
			test_fail(__FILE__, __LINE__, "%s = %lld, want %lld", #got, got_, want_); \
	} while (0)

#define CHECK_UINT(got, want)                                             \
	do {                                                                  \
		unsigned long long got_ = (unsigned long long)(got);              \
		unsigned long long want_ = (unsigned long long)(want);            \
		if (got_ != want_)                                                \
			test_fail(__FILE__, __LINE__, "%s = %llu, want %llu", #got, got_, want_); \
	} while (0)

#define CHECK_STR(got, want)                                              \
	do {                                                                  \
		const char *got_ = (got), *want_ = (want);                        \
		if (!got_ || !want_ || strcmp(got_, want_) != 0)                  \
			test_fail(__FILE__, __LINE__, "%s = \"%s\", want \"%s\"", #got, \
				  got_ ? got_ : "(null)", want_ ? want_ : "(null)");      \
	} while (0)

/* End the running case as skipped unless COND: the kernel lacks what the case exercises (an old
 * kernel, or qemu-user, which emulates neither openat2 nor seccomp). */
#define SKIP_UNLESS(cond, reason)                                         \
	do {                                                              \
		if (!(cond)) {                                                \
			test_skip(reason);                                        \
			return;                                                   \
		}                                                             \
	} while (0)

/* got contains the substring want */
#define CHECK_CONTAINS(got, want)                                         \
	do {                                                                  \
		const char *got_ = (got), *want_ = (want);                        \
		if (!got_ || !strstr(got_, want_))                                \
			test_fail(__FILE__, __LINE__, "%s = \"%s\", want it to contain \"%s\"", #got, \
				  got_ ? got_ : "(null)", want_);                         \
	} while (0)

#endif
