/*
 * test_logs.c - the log files of daemon/logs.c on a temporary directory:
 * rotation naming, rotation on line boundaries within [log] size, and the
 * last N lines read back across rotated files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/logs.h"
#include "test.h"


struct tdir {
	char path[64];
	int fd;
};

/* A fresh temporary directory. */
static void tdir_make(struct tdir *t)
{
	snprintf(t->path, sizeof(t->path), "/tmp/pistack-test-logs.XXXXXX");
	if (!mkdtemp(t->path)) {
		test_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
		t->fd = -1;
		return;
	}
	t->fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Remove the directory and what is in it (flat). */
static void tdir_remove(struct tdir *t)
{
	DIR *dir = fdopendir(t->fd);
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(dir), e->d_name, 0);
	closedir(dir);
	rmdir(t->path);
}

/* Write FILE with TEXT. */
static void tdir_put(struct tdir *t, const char *file, const char *text)
{
	int fd = openat(t->fd, file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/* The content of FILE (caller frees), or NULL when it does not exist. */
static char *tdir_get(struct tdir *t, const char *file, size_t *len)
{
	int fd = openat(t->fd, file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	if (fd < 0)
		return NULL;
	fstat(fd, &st);
	buf = calloc(1, (size_t)st.st_size + 1);
	if (buf && read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	if (len)
		*len = (size_t)st.st_size;
	close(fd);
	return buf;
}

static bool tdir_exists(struct tdir *t, const char *file)
{
	return faccessat(t->fd, file, F_OK, 0) == 0;
}

struct collect {
	char *buf;
	size_t len;
	int calls;
};

/* log_tail() callback: append to a string. */
static int collect_fn(const char *buf, size_t len, void *arg)
{
	struct collect *c = arg;
	char *n = realloc(c->buf, c->len + len + 1);

	if (!n)
		return 1;
	memcpy(n + c->len, buf, len);
	c->len += len;
	n[c->len] = '\0';
	c->buf = n;
	c->calls++;
	return 0;
}

/* log_tail() into a string (never NULL; caller frees). */
static char *tail(struct tdir *t, const char *name, unsigned files, long long n)
{
	struct collect c = {0};

	CHECK_INT(log_tail(t->fd, name, files, n, collect_fn, &c), 0);
	return c.buf ? c.buf : strdup("");
}

TEST(logs_rotate_shifts_names)
{
	struct tdir t;
	char *s;

	tdir_make(&t);
	tdir_put(&t, "web.log", "zero\n");
	tdir_put(&t, "web.log.1", "one\n");
	tdir_put(&t, "web.log.2", "two\n");
	tdir_put(&t, "webx.log", "other service\n");
	CHECK_INT(log_rotate_files(t.fd, "web", 3), 0);
	CHECK(!tdir_exists(&t, "web.log"));
	CHECK_STR(s = tdir_get(&t, "web.log.1", NULL), "zero\n");
	free(s);
	CHECK_STR(s = tdir_get(&t, "web.log.2", NULL), "one\n");
	free(s);
	CHECK(!tdir_exists(&t, "web.log.3"));
	CHECK_STR(s = tdir_get(&t, "webx.log", NULL), "other service\n");
	free(s);
	tdir_remove(&t);
}

TEST(logs_rotate_tolerates_gaps)
{
	struct tdir t;
	char *s;

	/* Only NAME.log and an old .3 exist (files was larger before). */
	tdir_make(&t);
	tdir_put(&t, "db.log", "now\n");
	tdir_put(&t, "db.log.3", "stale\n");
	CHECK_INT(log_rotate_files(t.fd, "db", 4), 0);
	CHECK(!tdir_exists(&t, "db.log"));
	CHECK_STR(s = tdir_get(&t, "db.log.1", NULL), "now\n");
	free(s);
	CHECK(!tdir_exists(&t, "db.log.2"));
	CHECK(!tdir_exists(&t, "db.log.3"));
	/* Nothing at all: still fine. */
	CHECK_INT(log_rotate_files(t.fd, "none", 3), 0);
	tdir_remove(&t);
}

TEST(logs_rotate_single_file_starts_again)
{
	struct tdir t;
	int fd;

	tdir_make(&t);
	tdir_put(&t, "app.log", "old\n");
	/* A reader holding the file keeps its content: removal, not truncation. */
	fd = openat(t.fd, "app.log", O_RDONLY | O_CLOEXEC);
	CHECK_INT(log_rotate_files(t.fd, "app", 1), 0);
	CHECK(!tdir_exists(&t, "app.log"));
	CHECK(!tdir_exists(&t, "app.log.1"));
	if (fd >= 0) {
		char buf[8] = {0};
		CHECK_INT(read(fd, buf, sizeof(buf) - 1), 4);
		CHECK_STR(buf, "old\n");
		close(fd);
	}
	tdir_remove(&t);
}

/* Check the file F: at most MAX bytes, whole lines, numbered consecutively
 * from *NEXT (updated).  Returns its size. */
static size_t check_numbered(struct tdir *t, const char *file, size_t max, long *next)
{
	size_t len = 0;
	char *s = tdir_get(t, file, &len), *p, *end;

	CHECK(s != NULL);
	if (!s)
		return 0;
	if (len > max)
		test_fail(__FILE__, __LINE__, "%s: %zu bytes, more than %zu", file, len, max);
	if (len == 0 || s[len - 1] != '\n')
		test_fail(__FILE__, __LINE__, "%s does not end with a whole line", file);
	for (p = s; p < s + len; p = end + 1) {
		long v = strtol(p, &end, 10);
		if (v != *next || *end != ' ') {
			test_fail(__FILE__, __LINE__, "%s: line %ld out of order (want %ld)", file, v, *next);
			break;
		}
		end = strchr(end, '\n');
		if (!end)
			break;
		(*next)++;
	}
	free(s);
	return len;
}

TEST(logs_write_rotates_on_line_boundaries)
{
	struct tdir t;
	struct log_file *f = NULL;
	char *buf = malloc(5 * 1024 * 1024 + 4096);
	size_t len = 0, off;
	long line = 0, next;
	unsigned seed = 1;

	tdir_make(&t);
	/* 5 MB of numbered lines of varying length, written in pieces that cut
	 * lines anywhere (as reads from a pipe do). */
	while (buf && len < 5 * 1024 * 1024) {
		int pad = (int)((seed = seed * 1103515245 + 12345) >> 16) % 200;
		len += (size_t)sprintf(
			buf + len, "%ld %.*s\n", line++, pad,
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	}
	CHECK_INT(log_file_open(t.fd, "svc", 64 * 1024, 3, &f), 0);
	for (off = 0; f && buf && off < len;) {
		size_t n = 1 + ((seed = seed * 1103515245 + 12345) >> 16) % 20000;
		if (n > len - off)
			n = len - off;
		CHECK_INT(log_file_write(f, buf + off, n), 0);
		off += n;
	}
	log_file_close(f);
	CHECK(tdir_exists(&t, "svc.log"));
	CHECK(tdir_exists(&t, "svc.log.1"));
	CHECK(tdir_exists(&t, "svc.log.2"));
	CHECK(!tdir_exists(&t, "svc.log.3"));
	/* Oldest first, the lines go on without a gap, and end with the last one. */
	{
		char *s = tdir_get(&t, "svc.log.2", NULL);
		next = s ? strtol(s, NULL, 10) : 0;
		free(s);
	}
	check_numbered(&t, "svc.log.2", 64 * 1024, &next);
	check_numbered(&t, "svc.log.1", 64 * 1024, &next);
	check_numbered(&t, "svc.log", 64 * 1024, &next);
	CHECK_INT(next, line);
	free(buf);
	tdir_remove(&t);
}

TEST(logs_write_cuts_a_line_longer_than_a_file)
{
	struct tdir t;
	struct log_file *f = NULL;
	char line[10000];
	size_t n0 = 0, n1 = 0, n2 = 0;
	char *s;

	tdir_make(&t);
	memset(line, 'a', sizeof(line));
	CHECK_INT(log_file_open(t.fd, "big", 4096, 3, &f), 0);
	CHECK_INT(log_file_write(f, "short\n", 6), 0);
	CHECK_INT(log_file_write(f, line, sizeof(line)), 0);
	CHECK(!log_file_line_start(f));
	CHECK_INT(log_file_write(f, "\n", 1), 0);
	CHECK(log_file_line_start(f));
	log_file_close(f);
	/* The long line did not fit after "short\n": rotated, then cut into
	 * 4096 + 4096 + 1808 bytes (the third rotation dropped "short\n"). */
	free(s = tdir_get(&t, "big.log", &n0));
	free(s = tdir_get(&t, "big.log.1", &n1));
	free(s = tdir_get(&t, "big.log.2", &n2));
	CHECK_UINT(n0, sizeof(line) - 2 * 4096 + 1);
	CHECK_UINT(n1, 4096);
	CHECK_UINT(n2, 4096);
	tdir_remove(&t);
}

TEST(logs_write_appends_to_an_existing_file)
{
	struct tdir t;
	struct log_file *f = NULL;
	char *s;

	tdir_make(&t);
	tdir_put(&t, "w.log", "before, no newline");
	CHECK_INT(log_file_open(t.fd, "w", 1024, 2, &f), 0);
	CHECK(f && !log_file_line_start(f));
	if (f) {
		CHECK_INT(log_file_write(f, "\nafter\n", 7), 0);
		log_file_close(f);
	}
	CHECK_STR(s = tdir_get(&t, "w.log", NULL), "before, no newline\nafter\n");
	free(s);
	/* Exactly full, then one more line: rotated before it, not after. */
	CHECK_INT(log_file_open(t.fd, "x", 8, 2, &f), 0);
	if (f) {
		CHECK_INT(log_file_write(f, "1234567\n", 8), 0);
		CHECK(!tdir_exists(&t, "x.log.1"));
		CHECK_INT(log_file_write(f, "next\n", 5), 0);
		log_file_close(f);
	}
	CHECK_STR(s = tdir_get(&t, "x.log.1", NULL), "1234567\n");
	free(s);
	CHECK_STR(s = tdir_get(&t, "x.log", NULL), "next\n");
	free(s);
	tdir_remove(&t);
}

TEST(logs_write_refuses_a_planted_link)
{
	struct tdir t;
	struct log_file *f = NULL;

	tdir_make(&t);
	CHECK_INT(symlinkat("/etc/passwd", t.fd, "evil.log"), 0);
	CHECK(log_file_open(t.fd, "evil", 1024, 2, &f) < 0);
	CHECK(f == NULL);
	CHECK(log_file_open(t.fd, "../x", 1024, 2, &f) < 0);
	tdir_remove(&t);
}

TEST(logs_tail_across_rotated_files)
{
	struct tdir t;
	char *s;

	tdir_make(&t);
	tdir_put(&t, "web.log.2", "a1\na2\n");
	tdir_put(&t, "web.log.1", "b1\nb2\nb3\n");
	tdir_put(&t, "web.log", "c1\nc2\n");
	CHECK_STR(s = tail(&t, "web", 3, 3), "b3\nc1\nc2\n");
	free(s);
	CHECK_STR(s = tail(&t, "web", 3, 1), "c2\n");
	free(s);
	CHECK_STR(s = tail(&t, "web", 3, 2), "c1\nc2\n");
	free(s);
	CHECK_STR(s = tail(&t, "web", 3, 6), "a2\nb1\nb2\nb3\nc1\nc2\n");
	free(s);
	CHECK_STR(s = tail(&t, "web", 3, 7), "a1\na2\nb1\nb2\nb3\nc1\nc2\n");
	free(s);
	CHECK_STR(s = tail(&t, "web", 3, 100), "a1\na2\nb1\nb2\nb3\nc1\nc2\n");
	free(s);
	CHECK_STR(s = tail(&t, "web", 3, -1), "a1\na2\nb1\nb2\nb3\nc1\nc2\n");
	free(s);
	CHECK_STR(s = tail(&t, "web", 3, 0), "");
	free(s);
	/* files = 2: NAME.log.2 is not part of the log any more. */
	CHECK_STR(s = tail(&t, "web", 2, -1), "b1\nb2\nb3\nc1\nc2\n");
	free(s);
	tdir_remove(&t);
}

TEST(logs_tail_edge_cases)
{
	struct tdir t;
	char *s;

	tdir_make(&t);
	/* Nothing written yet. */
	CHECK_STR(s = tail(&t, "none", 3, 10), "");
	free(s);
	/* Just rotated: NAME.log is empty. */
	tdir_put(&t, "r.log.1", "x\ny\n");
	tdir_put(&t, "r.log", "");
	CHECK_STR(s = tail(&t, "r", 3, 1), "y\n");
	free(s);
	/* A last line without '\n' is a line. */
	tdir_put(&t, "p.log", "one\ntwo\nthree");
	CHECK_STR(s = tail(&t, "p", 3, 1), "three");
	free(s);
	CHECK_STR(s = tail(&t, "p", 3, 2), "two\nthree");
	free(s);
	/* Empty lines count. */
	tdir_put(&t, "e.log", "a\n\n\nb\n");
	CHECK_STR(s = tail(&t, "e", 1, 3), "\n\nb\n");
	free(s);
	/* A line cut across two files (a line longer than a file). */
	tdir_put(&t, "c.log.1", "first\nlong-");
	tdir_put(&t, "c.log", "line\nlast\n");
	CHECK_STR(s = tail(&t, "c", 2, 2), "long-line\nlast\n");
	free(s);
	/* A file that is not a regular file is skipped. */
	CHECK_INT(mkfifoat(t.fd, "f.log.1", 0600), 0);
	tdir_put(&t, "f.log", "ok\n");
	CHECK_STR(s = tail(&t, "f", 2, -1), "ok\n");
	free(s);
	tdir_remove(&t);
}

TEST(logs_tail_of_a_large_log)
{
	struct tdir t;
	struct log_file *f = NULL;
	char line[64], want[256];
	struct collect c = {0};
	int n;

	/* Lines across block boundaries of the backwards scan, and many files. */
	tdir_make(&t);
	CHECK_INT(log_file_open(t.fd, "l", 100 * 1000, 10, &f), 0);
	for (int i = 0; f && i < 60000; i++) {
		n = snprintf(line, sizeof(line), "line %d\n", i);
		log_file_write(f, line, (size_t)n);
	}
	log_file_close(f);
	snprintf(want, sizeof(want), "line 59997\nline 59998\nline 59999\n");
	CHECK_STR(c.buf = tail(&t, "l", 10, 3), want);
	free(c.buf);
	c.buf = tail(&t, "l", 10, 20000);
	CHECK(c.buf && strncmp(c.buf, "line 40000\n", 11) == 0);
	CHECK(c.buf && strlen(c.buf) == 20000 * 11);
	free(c.buf);
	tdir_remove(&t);
}
