/*
 * rootfs_prepare.c - the parent's side of a service's root filesystem, run as
 * root in the host's namespaces: create RUN/containers/NAME with the generated
 * /etc files, volume directories and the overlay's writable layer, and open
 * every source as a detached mount for the child; remove it all afterwards.
 */
#include "isolate/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"

/* Create the directory PATH and its missing parents (0755; PATH itself MODE).
 * With OWN, PATH is pistack's alone: it must be a root-owned directory and gets
 * MODE even if it existed. */
static int rootfs_prepare_mkdirs(const char *path, mode_t mode, bool own, struct error *err)
{
	char failed[PATH_MAX];
	struct stat st;
	int r = fs_mkdir_parents(path, mode, failed, sizeof(failed));

	if (r == -ENAMETOOLONG)
		return error_set(err, ENAMETOOLONG, "create directory '%s'", path);
	if (r < 0)
		return error_set(err, -r, "create directory '%s'", failed);
	if (!own)
		return 0;
	/* It may have existed: make sure it is a real directory of ours. */
	if (lstat(path, &st) < 0)
		return error_set(err, errno, "create directory '%s'", path);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0)
		return error_set(err, 0, "create directory '%s': exists and is not a directory owned by root",
				 path);
	if ((st.st_mode & 07777) != mode && chmod(path, mode) < 0)
		return error_set(err, errno, "set mode of '%s'", path);
	return 0;
}

/* Write CONTENT to DIR/NAME (0644) through a temporary file and rename(), so
 * a reader never sees half a file. */
static int rootfs_prepare_write(const char *dir, const char *name, const char *content, struct error *err)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	size_t len = strlen(content), off = 0;
	cleanup_close int fd = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set(err, errno, "write '%s'", path);
	while (off < len) {
		ssize_t n = write(fd, content + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			unlink(tmp);
			return error_set(err, e, "write '%s'", path);
		}
		off += (size_t)n;
	}
	if (fchmod(fd, 0644) < 0 || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return error_set(err, e, "write '%s'", path);
	}
	return 0;
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf of the service. */
static int rootfs_prepare_generated(const struct rootfs_request *req, const struct rootfs_plan *plan,
				    struct error *err)
{
	const char *host = req->svc->hostname[0] ? req->svc->hostname : req->svc->name;
	cleanup_free char *hostname = NULL, *hosts = NULL;
	int r;

	if (asprintf(&hostname, "%s\n", host) < 0 ||
	    (!req->hosts &&
	     asprintf(&hosts,
		      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
		      "127.0.1.1\t%s\n",
		      host) < 0))
		return error_set(err, ENOMEM, "write '%s/hosts'", plan->run_dir);
	if ((r = rootfs_prepare_write(plan->run_dir, "hostname", hostname, err)) < 0 ||
	    (r = rootfs_prepare_write(plan->run_dir, "hosts", req->hosts ? req->hosts : hosts, err)) < 0)
		return r;
	/* No resolver given (network none): an empty file, so nothing of the
	 * host's leaks and lookups fail fast. */
	return rootfs_prepare_write(plan->run_dir, "resolv.conf", req->resolv_conf ? req->resolv_conf : "",
				    err);
}

/* Open the source of a volume bind: VOLUMES/NAME[/SUB], made when missing,
 * owned by the service user (the host uid its user is mapped to with userns),
 * mode 0755.  SUB is resolved beneath the volume: the service owns the volume
 * and could have replaced SUB with a symlink to a host file. */
static int rootfs_prepare_volume(const struct rootfs_request *req, const struct mount_op *op,
				 struct error *err)
{
	uid_t uid = req->id ? req->id->uid : 0;
	gid_t gid = req->id ? req->id->gid : 0;
	cleanup_close int vol = -1;
	int r, fd;

	if (req->userns) {
		uid += req->host_uid_base;
		gid += req->host_uid_base;
	}
	/* VOLUMES and VOLUMES/NAME are the administrator's (a symlink to another
	 * disk is fine, and followed): the service cannot write in VOLUMES. */
	if ((r = rootfs_prepare_mkdirs(req->global->volumes, 0755, false, err)) < 0)
		return r;
	if (mkdir(op->base, 0755) == 0) {
		if (chown(op->base, uid, gid) < 0 || chmod(op->base, 0755) < 0)
			return error_set(err, errno, "create volume '%s'", op->base);
	} else if (errno != EEXIST) {
		return error_set(err, errno, "create volume '%s'", op->base);
	}
	vol = open(op->base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (vol < 0)
		return error_set(err, errno, "create volume '%s'", op->base);
	fd = rootfs_path_open(vol, op->source + strlen(op->base), RESOLVE_BENEATH, ROOTFS_NODE_DIR, 0755, uid,
			      gid);
	if (fd == -EXDEV)
		return error_set(err, 0, "create volume '%s': a symlink in it leads out of the volume",
				 op->source);
	if (fd < 0)
		return error_set(err, -fd, "create volume '%s'", op->source);
	return fd;
}

/* Open the source of a bundle bind beneath the bundle directory.  The config
 * checked it with realpath(); the bundle may have changed since, so a symlink
 * that now leads out of it is refused here, at the time of use. */
static int rootfs_prepare_bundle(const struct mount_op *op, struct error *err)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
	cleanup_close int dir = open(op->base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	long fd;

	if (dir < 0)
		return error_set(err, errno, "bind '%s' on '%s'", op->base, op->target);
	fd = syscall(SYS_openat2, dir, op->source + strlen(op->base) + 1, &how, sizeof(how));
	if (fd < 0 && errno == EXDEV)
		return error_set(err, 0, "bind '%s' on '%s': a symlink in it leads out of the bundle",
				 op->source, op->target);
	if (fd < 0)
		return error_set(err, errno, "bind '%s' on '%s'", op->source, op->target);
	return (int)fd;
}

/* Open the source of a BIND op as a detached recursive copy in op->fd, and
 * record its file type.  Returns 1 when an optional source is absent. */
static int rootfs_prepare_bind(const struct rootfs_request *req, struct mount_op *op, struct error *err)
{
	cleanup_close int src = -1;
	struct stat st;

	if (op->create) {
		src = rootfs_prepare_volume(req, op, err);
	} else if (op->base) {
		src = rootfs_prepare_bundle(op, err);
	} else {
		/* A host path from the configuration or the host view: trusted. */
		src = open(op->source, O_PATH | O_CLOEXEC);
		if (src < 0 && op->optional && errno == ENOENT)
			return 1;
		if (src < 0)
			return error_set(err, errno, "bind '%s' on '%s'", op->source, op->target);
	}
	if (src < 0)
		return src;
	if (fstat(src, &st) < 0)
		return error_set(err, errno, "bind '%s' on '%s'", op->source, op->target);
	op->mode = S_ISDIR(st.st_mode) ? S_IFDIR : S_IFREG;
	/* A copy made here, in the host's namespace and with the daemon's
	 * credentials: the child, possibly in a user namespace, needs no access
	 * to the host path, and nothing can swap the path before it mounts. */
	op->fd = rootfs_mount_clone(src, "", true);
	if (op->fd < 0) {
		int e = -op->fd;

		op->fd = -1;
		return error_set(err, e, "bind '%s' on '%s'", op->source, op->target);
	}
	return 0;
}

/* Make the overlay's upper and work directories and mount the overlay here,
 * detached: with user namespaces the child could not reach STATE, and the
 * overlay's own operations run with the credentials of whoever mounted it. */
static int rootfs_prepare_overlay(const struct rootfs_plan *plan, struct mount_op *op, struct error *err)
{
	char path[PATH_MAX], msg[200];
	int r;

	snprintf(path, sizeof(path), "%s/upper", plan->state_dir);
	if ((r = rootfs_prepare_mkdirs(path, 0755, true, err)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/work", plan->state_dir);
	if ((r = rootfs_prepare_mkdirs(path, 0700, true, err)) < 0)
		return r;
	op->fd = rootfs_mount_fs("overlay", op->data, op->flags, msg, sizeof(msg));
	if (op->fd < 0) {
		int e = -op->fd;

		op->fd = -1;
		/* The kernel's own words say which layer it did not like. */
		return error_set(err, e, "mount overlay '%s' on '/'%s%s", op->data, msg[0] ? " " : "", msg);
	}
	return 0;
}

/* Build the plan and prepare the host side; see rootfs.h. */
int rootfs_prepare(const struct rootfs_request *req, struct rootfs_plan *plan, struct error *err)
{
	struct error ignored; /* the cleanup's, after a failure ERR already tells */
	int r;

	r = rootfs_plan_build(req, "/", plan, err);
	if (r < 0)
		return r;
	/* Only root may read what is generated or staged for a service. */
	if ((r = rootfs_prepare_mkdirs(plan->run_dir, 0700, true, err)) < 0)
		goto fail;
	/* RUN/containers/NAME is ours from here on: a failure below removes it
	 * again, as rootfs_cleanup() does after a run (the caller cannot: it
	 * gets no plan back), so a failed start leaves no runtime files. */
	if ((r = rootfs_prepare_mkdirs(plan->state_dir, 0700, true, err)) < 0 ||
	    (r = rootfs_prepare_generated(req, plan, err)) < 0)
		goto fail_run_dir;
	for (size_t i = 0; i < plan->n_ops; i++) {
		struct mount_op *op = &plan->ops[i];

		if (op->kind == OP_OVERLAY)
			r = rootfs_prepare_overlay(plan, op, err);
		else if (op->kind == OP_BIND)
			r = rootfs_prepare_bind(req, op, err);
		else
			continue;
		if (r < 0)
			goto fail_run_dir;
		if (r > 0)
			rootfs_plan_remove(plan, i--);
	}
	return 0;
fail_run_dir:
	rootfs_cleanup(plan, false, &ignored);
fail:
	rootfs_plan_release(plan);
	return r;
}

/* Remove NAME in DIRFD and everything below it, following no symlink and
 * staying on one filesystem.  Iterative, holding one directory open at a time:
 * a writable layer is the service's, and a hostile tree thousands of levels
 * deep must not exhaust the daemon's stack or descriptors. */
static int rootfs_remove_tree(int dirfd, const char *name)
{
	struct stat top, st;
	unsigned depth = 0;
	int cur, r = 0;

	cur = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cur < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != ENOTDIR && errno != ELOOP)
			return -errno;
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	}
	if (fstat(cur, &top) < 0)
		goto fail;
	for (;;) {
		int dfd = dup(cur), sub = -1;
		struct dirent *e;
		DIR *d;

		if (dfd < 0 || !(d = fdopendir(dfd))) {
			if (dfd >= 0)
				close(dfd);
			goto fail;
		}
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if (unlinkat(cur, e->d_name, 0) == 0 || errno == ENOENT)
				continue;
			if (errno != EISDIR)
				break;
			if (unlinkat(cur, e->d_name, AT_REMOVEDIR) == 0 || errno == ENOENT)
				continue;
			if (errno != ENOTEMPTY && errno != EEXIST)
				break;
			sub = openat(cur, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0 && (fstat(sub, &st) < 0 || st.st_dev != top.st_dev)) {
				close(sub);
				sub = -1;
				errno = EXDEV;
			}
			break;
		}
		r = e ? -errno : 0;
		closedir(d);
		if (sub >= 0) {
			close(cur);
			cur = sub;
			depth++;
			continue;
		}
		if (r < 0)
			break;
		/* CUR is empty: go back up; its parent's next scan removes it. */
		if (depth == 0)
			break;
		sub = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			goto fail;
		close(cur);
		cur = sub;
		depth--;
	}
	close(cur);
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
fail:
	r = -errno;
	close(cur);
	return r;
}

/* Remove the directory DIR/NAME and its contents; see rootfs.h. */
int rootfs_remove(const char *dir, const char *name, struct error *err)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return errno == ENOENT ? 0 : error_set(err, errno, "remove '%s/%s'", dir, name);
	r = rootfs_remove_tree(fd, name);
	return r < 0 ? error_set(err, -r, "remove '%s/%s'", dir, name) : 0;
}

/* Remove what rootfs_prepare() made for the run; see rootfs.h. */
int rootfs_cleanup(const struct rootfs_plan *plan, bool remove_state, struct error *err)
{
	char parent[PATH_MAX], *slash;
	int r = 0;

	if (plan->run_dir) {
		snprintf(parent, sizeof(parent), "%s", plan->run_dir);
		slash = strrchr(parent, '/');
		*slash = '\0';
		r = rootfs_remove(parent, slash + 1, err);
	}
	if (!remove_state || !plan->state_dir || r < 0)
		return r;
	/* The writable layer only: STATE/containers/NAME itself may hold other
	 * state of the service, and is removed only once empty. */
	if ((r = rootfs_remove(plan->state_dir, "upper", err)) < 0 ||
	    (r = rootfs_remove(plan->state_dir, "work", err)) < 0)
		return r;
	if (rmdir(plan->state_dir) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
		return error_set(err, errno, "remove '%s'", plan->state_dir);
	return 0;
}
