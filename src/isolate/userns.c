/*
 * userns.c - persistent uid range leases for user-namespaced services.
 * A lease is a file STATE/userns/NAME holding the base in decimal, written
 * atomically (write, fsync, rename) so a crash never leaves half a lease.
 */
#include "isolate/userns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

/* Read the base stored in DIR/NAME; -ENOENT when there is none. */
static int lease_read(int dirfd, const char *name, unsigned long *base)
{
	char buf[32];
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;
	char *end;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EINVAL;
	buf[n] = '\0';
	*base = strtoul(buf, &end, 10);
	if (*end != '\n' && *end != '\0')
		return -EINVAL;
	if (*base < USERNS_FIRST_BASE || (*base - USERNS_FIRST_BASE) % USERNS_SIZE != 0)
		return -EINVAL;
	return 0;
}

/* See userns.h. */
int userns_lease(const char *state_dir, const char *name, uid_t *base, struct error *err)
{
	char dir[4096], tmp[64], buf[32];
	cleanup_close int dirfd = -1, fd = -1;
	unsigned long have, candidate;
	bool taken;
	DIR *d;
	int len;

	snprintf(dir, sizeof(dir), "%s/userns", state_dir);
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
		return error_set(err, errno, "create state directory '%s'", state_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return error_set(err, errno, "create '%s'", dir);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return error_set(err, errno, "open '%s'", dir);
	if (lease_read(dirfd, name, &have) == 0) {
		*base = (uid_t)have;
		return 0;
	}
	/* The lowest range no other lease holds. */
	for (candidate = USERNS_FIRST_BASE; candidate < 0x7fff0000UL; candidate += USERNS_SIZE) {
		struct dirent *de;
		taken = false;
		d = fdopendir(dup(dirfd));
		if (!d)
			return error_set(err, errno, "read '%s'", dir);
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || strcmp(de->d_name, name) == 0)
				continue;
			if (lease_read(dirfd, de->d_name, &have) == 0 && have == candidate)
				taken = true;
		}
		closedir(d);
		if (!taken)
			break;
	}
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	len = snprintf(buf, sizeof(buf), "%lu\n", candidate);
	if (fd < 0 || write(fd, buf, (size_t)len) != len || fsync(fd) < 0)
		return error_set(err, errno, "write uid range lease '%s/%s'", dir, name);
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		return error_set(err, errno, "write uid range lease '%s/%s'", dir, name);
	fsync(dirfd);
	*base = (uid_t)candidate;
	return 0;
}
