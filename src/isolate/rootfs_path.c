/*
 * rootfs_path.c - open and create paths below a directory without letting a
 * symlink lead out of it: mount targets inside the new root (RESOLVE_IN_ROOT,
 * in the child) and volume sub-directories (RESOLVE_BENEATH, in the parent).
 * No allocation and no stdio: the child calls this between clone and exec.
 */
#include "isolate/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* openat2() (glibc 2.36 has no wrapper); retried on EAGAIN, which the kernel
 * returns when a rename or mount raced with a scoped lookup. */
static int rootfs_path_openat2(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_PATH | O_CLOEXEC), .resolve = resolve};
	long fd = -1;

	for (int i = 0; i < 16; i++) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd < 0 ? -errno : (int)fd;
}

/* Create NAME in the directory PARENT as KIND with MODE (umask does not apply),
 * owned by UID:GID unless UID is -1.  Returns 0 when created, 1 when something
 * of that name already exists (left as it is), or a negative errno. */
static int rootfs_path_create(int parent, const char *name, enum rootfs_node kind, mode_t mode, uid_t uid,
			      gid_t gid)
{
	int fd;

	if (kind == ROOTFS_NODE_FILE) {
		fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	} else {
		if (mkdirat(parent, name, mode) < 0)
			return errno == EEXIST ? 1 : -errno;
		/* Only what we just made gets its owner and mode: an existing
		 * directory (a user's volume) is never chowned. */
		fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return errno == EEXIST ? 1 : -errno;
	if (fchmod(fd, mode) < 0 || (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0)) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

/* Check that FD is of the kind the caller wants to mount on. */
static int rootfs_path_check_kind(int fd, enum rootfs_node want)
{
	struct stat st;

	if (want == ROOTFS_NODE_NONE)
		return 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (want == ROOTFS_NODE_DIR && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (want == ROOTFS_NODE_FILE && S_ISDIR(st.st_mode))
		return -EISDIR;
	return 0;
}

/* The component BUF[START..END) is a dangling symlink in PARENT: write into NEXT
 * the path with it replaced by its text (absolute text starts again at DIRFD),
 * so the walk creates what the link points to, as runc's MkdirAllInRoot does:
 * /etc/resolv.conf -> ../run/x then becomes /run/x on our /run tmpfs. */
static int rootfs_path_follow(int parent, char *buf, size_t start, size_t end, char next[PATH_MAX])
{
	char link[PATH_MAX], save = buf[end];
	size_t keep, len;
	ssize_t n;

	buf[end] = '\0';
	n = readlinkat(parent, buf + start, link, sizeof(link) - 1);
	buf[end] = save;
	if (n < 0)
		return errno == EINVAL ? -ENOENT : -errno;
	link[n] = '\0';
	keep = link[0] == '/' ? 0 : start;
	len = keep + (size_t)n + strlen(buf + end);
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	memmove(next, buf, keep);
	memcpy(next + keep, link, (size_t)n);
	strcpy(next + keep + (size_t)n, buf + end);
	return 0;
}

/* One walk over BUF from DIRFD (see rootfs_path_open).  Sets *RESTART and
 * rewrites BUF when a dangling symlink has to be followed. */
static int rootfs_path_walk(int dirfd, char *buf, uint64_t resolve, enum rootfs_node create, mode_t mode,
			    uid_t uid, gid_t gid, bool *restart)
{
	size_t len = strlen(buf), end = 0;
	int parent, fd = -1, r = 0;

	/* Every prefix is opened again from DIRFD with the scoped lookup, so a
	 * symlink anywhere on the way is followed inside DIRFD only, and each
	 * missing component is made with mkdirat() in the directory that lookup
	 * returned: nothing is ever created outside DIRFD. */
	parent = rootfs_path_openat2(dirfd, ".", O_DIRECTORY, resolve);
	if (parent < 0)
		return parent;
	while (end < len) {
		size_t start = end;
		bool last;
		char save;

		while (start < len && buf[start] == '/')
			start++;
		end = start;
		while (end < len && buf[end] != '/')
			end++;
		if (start == end)
			break;
		last = strspn(buf + end, "/") == len - end;
		save = buf[end];
		buf[end] = '\0';
		fd = rootfs_path_openat2(dirfd, buf, 0, resolve);
		if (fd == -ENOENT) {
			r = rootfs_path_create(parent, buf + start, last ? create : ROOTFS_NODE_DIR,
					       last ? mode : 0755, uid, gid);
			fd = r < 0 ? r : rootfs_path_openat2(dirfd, buf, 0, resolve);
		}
		buf[end] = save;
		if (fd == -ENOENT && r == 1) {
			/* It exists but does not resolve: a dangling symlink. */
			char next[PATH_MAX];

			r = rootfs_path_follow(parent, buf, start, end, next);
			close(parent);
			if (r < 0)
				return r;
			strcpy(buf, next);
			*restart = true;
			return -1;
		}
		close(parent);
		if (fd < 0)
			return fd;
		if (!last && (r = rootfs_path_check_kind(fd, ROOTFS_NODE_DIR)) < 0) {
			close(fd);
			return r;
		}
		parent = fd;
	}
	return parent;
}

/* Open PATH below DIRFD, creating what is missing; see rootfs.h. */
int rootfs_path_open(int dirfd, const char *path, uint64_t resolve, enum rootfs_node create, mode_t mode,
		     uid_t uid, gid_t gid)
{
	char buf[PATH_MAX];
	size_t len;
	int fd, r;

	resolve |= RESOLVE_NO_MAGICLINKS;
	while (*path == '/')
		path++;
	len = strlen(path);
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	if (len == 0)
		return rootfs_path_openat2(dirfd, ".", O_DIRECTORY, resolve);
	memcpy(buf, path, len + 1);
	fd = rootfs_path_openat2(dirfd, buf, 0, resolve);
	/* Like the kernel's own limit on symlinks in one lookup. */
	for (int hops = 0; fd == -ENOENT && create != ROOTFS_NODE_NONE; hops++) {
		bool restart = false;

		if (hops == 40)
			return -ELOOP;
		fd = rootfs_path_walk(dirfd, buf, resolve, create, mode, uid, gid, &restart);
		if (!restart)
			break;
		fd = -ENOENT;
	}
	if (fd >= 0 && (r = rootfs_path_check_kind(fd, create)) < 0) {
		close(fd);
		return r;
	}
	return fd;
}
