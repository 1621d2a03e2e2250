/*
 * fs.c - file-system helpers; see fs.h.
 */
#include "common/fs.h"

#include <errno.h>
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
