/*
 * rootfs_enter.c - the child's side of the root filesystem: execute the plan
 * in the service's new mount namespace, pivot_root into the result and detach
 * the host's tree.  Runs between clone and exec, possibly in a user namespace:
 * system calls, stack buffers and the plan the parent built; no stdio.
 */
#include "isolate/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

/* Every target is looked up as if the new root were "/": an absolute symlink
 * or ".." in a rootfs directory (or a volume the service wrote) stays inside
 * it, so no mount ever lands on a host path. */
#define ROOTFS_IN_ROOT RESOLVE_IN_ROOT

/* Describe the failure of OP with ERRNUM (and the filesystem's MSG) in ERR. */
static int rootfs_enter_fail(const struct mount_op *op, int errnum, const char *msg, struct error *err)
{
	int r;

	switch (op->kind) {
	case OP_BIND:
		r = error_set(err, errnum, "bind '%s' on '%s'", op->source, op->target);
		break;
	case OP_MKDIR:
		r = error_set(err, errnum, "create directory '%s'", op->target);
		break;
	case OP_SYMLINK:
		r = error_set(err, errnum, "create symlink '%s' -> '%s'", op->target, op->source);
		break;
	case OP_WRITE_FILE:
		r = error_set(err, errnum, "write '%s'", op->target);
		break;
	case OP_MASK:
		r = error_set(err, errnum, "mask '%s'", op->target);
		break;
	case OP_READONLY:
		r = error_set(err, errnum, "make '%s' read-only", op->target);
		break;
	case OP_REMOUNT:
		r = error_set(err, errnum, "remount '%s'", op->target);
		break;
	default:
		r = error_set(err, errnum, "mount '%s' on '%s'", op->source ? op->source : "?", op->target);
		break;
	}
	if (msg && msg[0]) {
		size_t n = strlen(err->msg);

		/* The kernel's own words, e.g. "tmpfs: Bad value for 'size'". */
		if (n + strlen(msg) + 4 < sizeof(err->msg)) {
			memcpy(err->msg + n, " (", 2);
			memcpy(err->msg + n + 2, msg, strlen(msg));
			memcpy(err->msg + n + 2 + strlen(msg), ")", 2);
		}
	}
	return r;
}

/* Open OP's target in the new root ROOT, creating it as KIND when missing.
 * Mounting over something in /proc or /sys (reached through a symlink in the
 * rootfs or a volume) is refused: it could hide a mask or fake a kernel file
 * (the class of runc's CVE-2019-16884); only our masks go there. */
static int rootfs_enter_target(int root, const struct mount_op *op, enum rootfs_node kind, mode_t mode,
			       struct error *err)
{
	struct statfs sf;
	int fd;

	fd = rootfs_path_open(root, op->target, ROOTFS_IN_ROOT, kind, mode, (uid_t)-1, (gid_t)-1);
	if (fd < 0)
		return rootfs_enter_fail(op, -fd, NULL, err);
	/* OP_CGROUP2 is ours too: /sys/fs/cgroup is a directory of the sysfs
	 * mounted just before (or the host's cgroup2 under a bound /sys). */
	if (op->kind != OP_MASK && op->kind != OP_READONLY && op->kind != OP_CGROUP2 &&
	    fstatfs(fd, &sf) == 0 && (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC)) {
		close(fd);
		return error_set(err, 0, "mount on '%s': the target resolves into /proc or /sys", op->target);
	}
	return fd;
}

/* Split OP's target into its parent directory, opened (and created) in ROOT,
 * and its last component, copied into NAME. */
static int rootfs_enter_parent(int root, const struct mount_op *op, char name[NAME_MAX + 1],
			       struct error *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(op->target, '/');
	size_t n = slash ? (size_t)(slash - op->target) : 0;
	int fd;

	if (!slash || !slash[1] || strlen(slash + 1) > NAME_MAX || n >= sizeof(dir))
		return rootfs_enter_fail(op, EINVAL, NULL, err);
	memcpy(dir, op->target, n);
	dir[n] = '\0';
	strcpy(name, slash + 1);
	fd = rootfs_path_open(root, dir, ROOTFS_IN_ROOT, ROOTFS_NODE_DIR, 0755, (uid_t)-1, (gid_t)-1);
	return fd < 0 ? rootfs_enter_fail(op, -fd, NULL, err) : fd;
}

/* A new instance of the kernel filesystem TYPE at OP's target. */
static int rootfs_enter_fs(int root, const struct mount_op *op, const char *type, struct error *err)
{
	cleanup_close int target = -1, mnt = -1;
	char msg[200];
	int r;

	target = rootfs_enter_target(root, op, ROOTFS_NODE_DIR, 0755, err);
	if (target < 0)
		return target;
	mnt = rootfs_mount_fs(type, op->data, op->flags, msg, sizeof(msg));
	if (mnt < 0)
		return rootfs_enter_fail(op, -mnt, msg, err);
	r = rootfs_mount_attach(mnt, target);
	return r < 0 ? rootfs_enter_fail(op, -r, NULL, err) : 0;
}

/* Attach the detached copy the parent made of OP's source, then give it OP's
 * flags at once (read-only before any later op could write through it). */
static int rootfs_enter_bind(int root, const struct mount_op *op, struct error *err)
{
	cleanup_close int target = -1;
	int r;

	if (op->fd < 0)
		return op->optional ? 0 : rootfs_enter_fail(op, EBADF, "not prepared", err);
	target = rootfs_enter_target(root, op, S_ISDIR(op->mode) ? ROOTFS_NODE_DIR : ROOTFS_NODE_FILE,
				     S_ISDIR(op->mode) ? 0755 : 0644, err);
	if (target < 0)
		return target;
	if ((r = rootfs_mount_attach(op->fd, target)) < 0 ||
	    (r = rootfs_mount_setattr(op->fd, op->flags, true)) < 0)
		return rootfs_enter_fail(op, -r, NULL, err);
	return 0;
}

/* Hide OP's target: an empty read-only tmpfs over a directory, /dev/null over
 * anything else (so reading gives nothing).  Absent targets are skipped. */
static int rootfs_enter_mask(int root, const struct mount_op *op, struct error *err)
{
	cleanup_close int target = -1, mnt = -1;
	struct stat st;
	int r;

	target =
		rootfs_path_open(root, op->target, ROOTFS_IN_ROOT, ROOTFS_NODE_NONE, 0, (uid_t)-1, (gid_t)-1);
	if (target == -ENOENT)
		return 0;
	if (target < 0 || fstat(target, &st) < 0)
		return rootfs_enter_fail(op, target < 0 ? -target : errno, NULL, err);
	if (S_ISDIR(st.st_mode))
		mnt = rootfs_mount_fs("tmpfs", "mode=0555", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				      NULL, 0);
	else
		/* The host's /dev/null: the old root is still reachable here. */
		mnt = rootfs_mount_clone(AT_FDCWD, "/dev/null", false);
	if (mnt < 0)
		return rootfs_enter_fail(op, -mnt, NULL, err);
	if ((r = rootfs_mount_attach(mnt, target)) < 0 ||
	    (!S_ISDIR(st.st_mode) &&
	     (r = rootfs_mount_setattr(mnt, MS_RDONLY | MS_NOSUID | MS_NOEXEC, false)) < 0))
		return rootfs_enter_fail(op, -r, NULL, err);
	return 0;
}

/* Bind OP's target on itself with OP's flags (read-only); skip if absent. */
static int rootfs_enter_readonly(int root, const struct mount_op *op, struct error *err)
{
	cleanup_close int target = -1, mnt = -1;
	int r;

	target =
		rootfs_path_open(root, op->target, ROOTFS_IN_ROOT, ROOTFS_NODE_NONE, 0, (uid_t)-1, (gid_t)-1);
	if (target == -ENOENT)
		return 0;
	if (target < 0)
		return rootfs_enter_fail(op, -target, NULL, err);
	mnt = rootfs_mount_clone(target, "", true);
	if (mnt < 0)
		return rootfs_enter_fail(op, -mnt, NULL, err);
	if ((r = rootfs_mount_attach(mnt, target)) < 0 ||
	    (r = rootfs_mount_setattr(mnt, op->flags, true)) < 0)
		return rootfs_enter_fail(op, -r, NULL, err);
	return 0;
}

/* Create OP's symlink (an existing entry is left alone) or file. */
static int rootfs_enter_node(int root, const struct mount_op *op, struct error *err)
{
	char name[NAME_MAX + 1];
	cleanup_close int dir = -1, fd = -1;
	size_t len, off = 0;

	dir = rootfs_enter_parent(root, op, name, err);
	if (dir < 0)
		return dir;
	if (op->kind == OP_SYMLINK) {
		if (symlinkat(op->source, dir, name) < 0 && errno != EEXIST)
			return rootfs_enter_fail(op, errno, NULL, err);
		return 0;
	}
	fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, op->mode);
	if (fd < 0 || fchmod(fd, op->mode) < 0)
		return rootfs_enter_fail(op, errno, NULL, err);
	len = op->source ? strlen(op->source) : 0;
	while (off < len) {
		ssize_t n = write(fd, op->source + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rootfs_enter_fail(op, errno, NULL, err);
		off += (size_t)n;
	}
	return 0;
}

/* Execute one op below the new root ROOT. */
static int rootfs_enter_op(int root, const struct mount_op *op, struct error *err)
{
	cleanup_close int fd = -1;
	int r;

	switch (op->kind) {
	case OP_MKDIR:
		fd = rootfs_enter_target(root, op, ROOTFS_NODE_DIR, op->mode, err);
		return fd < 0 ? fd : 0;
	case OP_BIND:
		return rootfs_enter_bind(root, op, err);
	case OP_OVERLAY:
		/* Mounted by the parent (rootfs_prepare.c), attached like a bind. */
		return rootfs_enter_bind(root, op, err);
	case OP_TMPFS:
		return rootfs_enter_fs(root, op, "tmpfs", err);
	case OP_PROC:
		return rootfs_enter_fs(root, op, "proc", err);
	case OP_SYSFS:
		return rootfs_enter_fs(root, op, "sysfs", err);
	case OP_CGROUP2:
		return rootfs_enter_fs(root, op, "cgroup2", err);
	case OP_DEVPTS:
		return rootfs_enter_fs(root, op, "devpts", err);
	case OP_MQUEUE:
		return rootfs_enter_fs(root, op, "mqueue", err);
	case OP_SYMLINK:
	case OP_WRITE_FILE:
		return rootfs_enter_node(root, op, err);
	case OP_MASK:
		return rootfs_enter_mask(root, op, err);
	case OP_READONLY:
		return rootfs_enter_readonly(root, op, err);
	case OP_REMOUNT:
		fd = rootfs_enter_target(root, op, ROOTFS_NODE_NONE, 0, err);
		if (fd < 0)
			return fd;
		r = rootfs_mount_setattr(fd, op->flags, false);
		return r < 0 ? rootfs_enter_fail(op, -r, NULL, err) : 0;
	}
	return rootfs_enter_fail(op, EINVAL, "unknown operation", err);
}

/* Mount ops[0], the new root, on the staging point and return a descriptor of
 * it.  A directory or overlay root was prepared by the parent; the tmpfs of
 * rootfs = host is made here so it belongs to the service's user namespace. */
static int rootfs_enter_root(const struct rootfs_plan *plan, struct error *err)
{
	const struct mount_op *op = &plan->ops[0];
	cleanup_close int stage = -1;
	char msg[200] = "";
	int root, r;

	/* O_NOFOLLOW: the staging point itself must not be a symlink. */
	stage = open(plan->root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (stage < 0)
		return error_set(err, errno, "open staging point '%s'", plan->root);
	if (op->kind == OP_TMPFS)
		root = rootfs_mount_fs("tmpfs", op->data, op->flags, msg, sizeof(msg));
	else if (op->fd < 0)
		root = -EBADF;
	else if ((root = fcntl(op->fd, F_DUPFD_CLOEXEC, 3)) < 0)
		root = -errno;
	if (root < 0)
		return rootfs_enter_fail(op, -root, msg, err);
	r = rootfs_mount_attach(root, stage);
	if (r == 0 && op->kind == OP_BIND)
		r = rootfs_mount_setattr(root, op->flags, true);
	if (r < 0) {
		close(root);
		return rootfs_enter_fail(op, -r, NULL, err);
	}
	return root;
}

/* Make ROOT the root of the mount namespace and drop the host's tree; see rootfs.h. */
int rootfs_enter_pivot(int root, struct error *err)
{
	cleanup_close int old = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (old < 0 || fchdir(root) < 0)
		return error_set(err, errno, "enter the new root");
	/* pivot_root(".", ".") (crun, LXC): the old root ends up stacked on the
	 * new one, so no put_old directory has to exist in the service's root. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return error_set(err, errno, "pivot_root into the new root");
	/* Detach the old root from under it.  MNT_DETACH because we stand in it;
	 * everything is private (rootfs_enter), so nothing is unmounted on the
	 * host.  Afterwards no host path is reachable from this namespace. */
	if (fchdir(old) < 0 || umount2(".", MNT_DETACH) < 0)
		return error_set(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return error_set(err, errno, "change directory to '/'");
	return 0;
}

/* Close the child's copies of the plan's descriptors: none may reach the service. */
static void rootfs_enter_close(const struct rootfs_plan *plan)
{
	for (size_t i = 0; i < plan->n_ops; i++)
		if (plan->ops[i].fd >= 0)
			close(plan->ops[i].fd);
}

/* Build the root from the plan and pivot into it; see rootfs.h. */
int rootfs_enter(const struct rootfs_plan *plan, struct error *err)
{
	cleanup_close int root = -1, fd = -1;
	int r = 0;

	if (plan->n_ops == 0 || strcmp(plan->ops[0].target, "/") != 0) {
		r = error_set(err, EINVAL, "enter the new root: the plan has no root");
		goto out;
	}
	/* 1. First of all: every mount private, so nothing mounted or unmounted
	 * below propagates to the host (systemd makes "/" shared). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		r = error_set(err, errno, "make the mounts of '/' private");
		goto out;
	}
	/* 2. The new root, attached on the staging point. */
	root = rootfs_enter_root(plan, err);
	if (root < 0) {
		r = root;
		goto out;
	}
	/* 3. The ops in order, while the old root is still reachable: the masks
	 * take /dev/null from it, and the kernel lets a user namespace mount proc
	 * and sysfs only while a full instance of each is visible. */
	for (size_t i = 1; i < plan->n_ops; i++)
		if ((r = rootfs_enter_op(root, &plan->ops[i], err)) < 0)
			goto out;
	/* 4. pivot_root, after which only the new tree exists. */
	if ((r = rootfs_enter_pivot(root, err)) < 0)
		goto out;
	/* 5. "/" read-only last: every mount point has been created by now.  Not
	 * recursive: /tmp, /run, /dev/shm and rw volumes stay writable. */
	if (plan->readonly) {
		fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || (r = rootfs_mount_setattr(fd, MS_RDONLY, false)) < 0) {
			r = error_set(err, fd < 0 ? errno : -r, "make '/' read-only");
			goto out;
		}
	}
out:
	rootfs_enter_close(plan);
	return r;
}
