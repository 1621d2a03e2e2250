/*
 * rootfs_mount.c - the new mount API (open_tree, fsopen/fsmount, move_mount,
 * mount_setattr) behind four small calls used by the parent (detached copies
 * of host sources, the overlay) and the child (kernel filesystems, attaching).
 * No allocation and no stdio: the child calls this between clone and exec.
 */
#include "isolate/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The MOUNT_ATTR_* bits of the MS_* flags of a plan. */
static uint64_t rootfs_mount_attr(unsigned long flags)
{
	uint64_t attr = 0;

	if (flags & MS_RDONLY)
		attr |= MOUNT_ATTR_RDONLY;
	if (flags & MS_NOSUID)
		attr |= MOUNT_ATTR_NOSUID;
	if (flags & MS_NODEV)
		attr |= MOUNT_ATTR_NODEV;
	if (flags & MS_NOEXEC)
		attr |= MOUNT_ATTR_NOEXEC;
	if (flags & MS_STRICTATIME)
		attr |= MOUNT_ATTR_STRICTATIME;
	else if (flags & MS_NOATIME)
		attr |= MOUNT_ATTR_NOATIME;
	return attr;
}

/* Copy the message the filesystem logged on FSFD (e.g. "e overlay: ...") into MSG. */
static void rootfs_mount_fs_message(int fsfd, char *msg, size_t size)
{
	char buf[256];
	ssize_t n;

	if (!msg || size == 0)
		return;
	msg[0] = '\0';
	n = read(fsfd, buf, sizeof(buf) - 1);
	if (n <= 2)
		return;
	buf[n] = '\0';
	/* "e ", "w " or "i " says the severity. */
	snprintf(msg, size, "%s", buf + 2);
}

/* fsopen TYPE, apply the comma-separated options of DATA ("mode=755,size=64k",
 * a word without '=' is a flag), create the superblock and return a detached
 * mount with the attributes of FLAGS. */
int rootfs_mount_fs(const char *type, const char *data, unsigned long flags, char *msg, size_t size)
{
	char opt[4096];
	const char *p = data ? data : "";
	int fsfd, mfd = -1, r = 0;

	if (msg && size)
		msg[0] = '\0';
	fsfd = fsopen(type, FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return -errno;
	/* The source names the filesystem in mountinfo instead of "none". */
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", type, 0) < 0)
		goto fail;
	while (*p) {
		size_t n = strcspn(p, ",");
		char *eq;

		if (n >= sizeof(opt)) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(opt, p, n);
		opt[n] = '\0';
		p += n + (p[n] == ',');
		if (n == 0)
			continue;
		eq = strchr(opt, '=');
		if (eq) {
			*eq = '\0';
			r = fsconfig(fsfd, FSCONFIG_SET_STRING, opt, eq + 1, 0);
		} else {
			r = fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
		}
		if (r < 0)
			goto fail;
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto fail;
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned int)rootfs_mount_attr(flags));
	if (mfd < 0)
		goto fail;
	close(fsfd);
	return mfd;
fail:
	r = -errno;
	rootfs_mount_fs_message(fsfd, msg, size);
	close(fsfd);
	return r;
}

/* A detached copy (recursive with RECURSIVE) of the tree at PATH below DIRFD, or
 * of DIRFD itself when PATH is "".  A final symlink of PATH is followed: callers
 * pass descriptors they resolved safely, or host paths from the configuration. */
int rootfs_mount_clone(int dirfd, const char *path, bool recursive)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	int fd;

	if (recursive)
		flags |= AT_RECURSIVE;
	if (!path[0])
		flags |= AT_EMPTY_PATH;
	fd = open_tree(dirfd, path, flags);
	return fd < 0 ? -errno : fd;
}

/* Attach the detached mount TREE_FD on the directory or file TARGET_FD.  Both
 * are descriptors, so no path is looked up again between check and use. */
int rootfs_mount_attach(int tree_fd, int target_fd)
{
	if (move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/* The MS_* flags statvfs reports for PATH: a remount must repeat them, because
 * in a user namespace the flags of a mount inherited from the host are locked
 * and a remount that would clear one fails with EPERM (crun does the same). */
static unsigned long rootfs_mount_current_flags(const char *path)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {
		{ST_RDONLY, MS_RDONLY},     {ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},
		{ST_NOEXEC, MS_NOEXEC},     {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME},
		{ST_RELATIME, MS_RELATIME},
	};
	struct statvfs sv;
	unsigned long flags = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (sv.f_flag & map[i].st)
			flags |= map[i].ms;
	return flags;
}

/* Kernels before 5.12 have no mount_setattr(): remount through /proc/self/fd
 * (the host's /proc before pivot_root, ours after), one mount only. */
static int rootfs_mount_setattr_legacy(int fd, unsigned long flags, bool recursive)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (mount(NULL, path, NULL, MS_PRIVATE | (recursive ? MS_REC : 0), NULL) < 0)
		return -errno;
	flags &= MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_STRICTATIME | MS_NOATIME;
	if (!flags)
		return 0;
	if (flags & MS_STRICTATIME)
		flags &= ~MS_RELATIME;
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | flags | rootfs_mount_current_flags(path), NULL) <
	    0)
		return -errno;
	return 0;
}

/* Add FLAGS to the mount whose root is FD (and with RECURSIVE to every mount
 * below it) and make them private.  mount_setattr() only sets the bits named,
 * so flags the mount already has, locked ones included, are kept. */
int rootfs_mount_setattr(int fd, unsigned long flags, bool recursive)
{
	struct mount_attr attr = {
		.attr_set = rootfs_mount_attr(flags),
		/* Private: a bind of a shared host mount would otherwise stay in the
		 * host's peer group, and mounts made below it would reach the host. */
		.propagation = MS_PRIVATE,
	};

	if (attr.attr_set & (MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_NOATIME))
		attr.attr_clr = MOUNT_ATTR__ATIME;
	if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	return rootfs_mount_setattr_legacy(fd, flags, recursive);
}
