/*
 * fs.c - file-system helpers; see fs.h.
 */
#include "common/fs.h"

#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

/* See fs.h. */
int fs_mkdir_parents(const char *path, mode_t mode, char *failed, size_t size)
{
	char buf[PATH_MAX];

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1;; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(buf, last ? mode : 0755) < 0 && errno != EEXIST) {
			int e = errno;
			if (failed)
				snprintf(failed, size, "%s", buf);
			return -e;
		}
		if (last)
			return 0;
		*p = '/';
	}
}

/* See fs.h. */
void fs_close_all_but(unsigned from, const int *keep, size_t n)
{
	int sorted[FS_KEEP_MAX];
	size_t m = 0;

	for (size_t i = 0; i < n && m < FS_KEEP_MAX; i++)
		if (keep[i] >= 0)
			sorted[m++] = keep[i];
	/* Ascending, then close the gaps between them. */
	for (size_t i = 1; i < m; i++)
		for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
			int t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (size_t i = 0; i < m; i++) {
		if ((unsigned)sorted[i] > from)
			syscall(SYS_close_range, from, (unsigned)sorted[i] - 1, 0U);
		if ((unsigned)sorted[i] + 1 > from)
			from = (unsigned)sorted[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0U);
}

/* See fs.h. */
ssize_t fs_read_full(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}
