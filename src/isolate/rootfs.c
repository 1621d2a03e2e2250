/*
 * rootfs.c - the plan of a service's root filesystem: one ordered list of
 * mount operations built from the service's configuration in the parent
 * (bubblewrap's model).  Pure: nothing here changes the filesystem; see
 * rootfs_prepare.c for the host side and rootfs_enter.c for the child.
 */
#include "isolate/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "isolate/rootfs_debian.h"

/* Flags every mount of a service gets: nothing in a service gains privileges
 * from a set-uid or file-capability binary, and no device node works except
 * the six bound into /dev (so CAP_MKNOD is harmless without a device cgroup). */
#define ROOTFS_SAFE (MS_NOSUID | MS_NODEV)

/* Docker's masked paths (daemon/pkg/oci/defaults.go), a superset of runc's and
 * crun's: files that leak host state (kcore, keys, timer_list, interrupts) or
 * give hardware control (acpi, scsi, powercap, firmware). */
static const char *const rootfs_masked[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/interrupts",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/sys/devices/virtual/powercap",
	"/sys/firmware",
};

/* The OCI default read-only paths: kernel tunables and triggers a service's root
 * must not write (sysrq-trigger reboots the host, /proc/sys is global). */
static const char *const rootfs_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* The device nodes of /dev, bound from the host (runtime-spec "Default Devices"). */
static const char *const rootfs_devices[] = {"null", "zero", "full", "random", "urandom", "tty"};

/* Append an op; see rootfs.h. */
struct mount_op *rootfs_plan_add(struct rootfs_plan *plan, enum mount_op_kind kind, const char *source,
				 const char *target, unsigned long flags, const char *data, mode_t mode,
				 struct error *err)
{
	struct mount_op *ops = realloc(plan->ops, (plan->n_ops + 1) * sizeof(*ops));
	struct mount_op *op;

	if (!ops) {
		error_set(err, ENOMEM, "plan mount on '%s'", target);
		return NULL;
	}
	plan->ops = ops;
	op = &ops[plan->n_ops];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->flags = flags;
	op->mode = mode;
	op->fd = -1;
	op->source = source ? strdup(source) : NULL;
	op->target = strdup(target);
	op->data = data ? strdup(data) : NULL;
	if ((source && !op->source) || !op->target || (data && !op->data)) {
		free(op->source);
		free(op->target);
		free(op->data);
		error_set(err, ENOMEM, "plan mount on '%s'", target);
		return NULL;
	}
	plan->n_ops++;
	return op;
}

/* The last op whose target is TARGET; see rootfs.h. */
const struct mount_op *rootfs_plan_find(const struct rootfs_plan *plan, const char *target)
{
	for (size_t i = plan->n_ops; i-- > 0;)
		if (strcmp(plan->ops[i].target, target) == 0)
			return &plan->ops[i];
	return NULL;
}

/* Free the strings of OP and close its descriptor. */
static void rootfs_op_release(struct mount_op *op)
{
	free(op->source);
	free(op->target);
	free(op->data);
	free(op->base);
	if (op->fd >= 0)
		close(op->fd);
}

/* Remove the op at index I, keeping the order of the others; see rootfs.h. */
void rootfs_plan_remove(struct rootfs_plan *plan, size_t i)
{
	rootfs_op_release(&plan->ops[i]);
	memmove(&plan->ops[i], &plan->ops[i + 1], (plan->n_ops - i - 1) * sizeof(*plan->ops));
	plan->n_ops--;
}

/* Free everything the plan owns and close its descriptors. */
void rootfs_plan_release(struct rootfs_plan *plan)
{
	for (size_t i = 0; i < plan->n_ops; i++)
		rootfs_op_release(&plan->ops[i]);
	free(plan->ops);
	free(plan->root);
	free(plan->run_dir);
	free(plan->state_dir);
	memset(plan, 0, sizeof(*plan));
}

/* See rootfs.h. */
void rootfs_plan_close_mounts(struct rootfs_plan *plan)
{
	for (size_t i = 0; i < plan->n_ops; i++) {
		if (plan->ops[i].fd >= 0)
			close(plan->ops[i].fd);
		plan->ops[i].fd = -1;
	}
}

/* STATE/rootfs/KEY of a debian: rootfs into BUF, once built. */
static int rootfs_debian_built(const struct global_config *global, const struct service_config *svc, char *buf,
			       size_t size, struct error *err)
{
	int r = rootfs_debian_path(global->state, &svc->rootfs, buf, size, err);

	if (r < 0)
		return r;
	/* Only `pistack build` and `pistack run` build: a start in the daemon
	 * must not wait minutes for mmdebstrap (pistack(8), build). */
	if (!rootfs_debian_is_built(buf))
		return error_set(err, 0, "use rootfs of '%s': not built; run `pistack build %s`", svc->name,
				 svc->name);
	return 0;
}

/* "/", PATH, or the built STATE/rootfs/KEY; see rootfs.h. */
int rootfs_user_db_dir(const struct global_config *global, const struct service_config *svc, char *buf, size_t size,
		       struct error *err)
{
	const char *dir = "/";

	switch (svc->rootfs.kind) {
	case ROOTFS_HOST:
		break;
	case ROOTFS_DIR:
		dir = svc->rootfs.path;
		break;
	case ROOTFS_DEBIAN:
		return rootfs_debian_built(global, svc, buf, size, err);
	}
	if ((size_t)snprintf(buf, size, "%s", dir) >= size)
		return error_set(err, ENAMETOOLONG, "use rootfs 'dir:%s'", dir);
	return 0;
}

/* The root of a directory rootfs: ops[0] binds PATH (read-only root) or mounts
 * an overlay with PATH as its lower layer, so the directory, possibly shared by
 * several services, is never written through a writable root.  With the bind,
 * a mount point PATH lacks (/data, /etc/hosts) is created in PATH as an empty
 * directory or file, as runc and crun do; "/" becomes read-only only after. */
static int rootfs_plan_dir_root(struct rootfs_plan *plan, const char *path, struct error *err)
{
	cleanup_free char *data = NULL;
	struct mount_op *op;

	if (plan->readonly) {
		op = rootfs_plan_add(plan, OP_BIND, path, "/", ROOTFS_SAFE, NULL, S_IFDIR, err);
		return op ? 0 : -ENOMEM;
	}
	/* overlayfs splits lowerdir at ':' and unescapes '\\'; refuse rather than
	 * mount something else than was configured. */
	if (strpbrk(path, ":\\") || strpbrk(plan->state_dir, ":\\"))
		return error_set(err, 0,
				 "use rootfs 'dir:%s' with readonly = no: overlayfs cannot take "
				 "a path with ':' or '\\' (in it or in %s)",
				 path, plan->state_dir);
	if (asprintf(&data, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", path, plan->state_dir,
		     plan->state_dir) < 0)
		return error_set(err, ENOMEM, "plan rootfs 'dir:%s'", path);
	op = rootfs_plan_add(plan, OP_OVERLAY, "overlay", "/", ROOTFS_SAFE, data, 0, err);
	return op ? 0 : -ENOMEM;
}

/* ops[0] and, for rootfs = host, the view of the host's OS. */
static int rootfs_plan_root(struct rootfs_plan *plan, const struct rootfs_request *req, const char *host_root,
			    struct error *err)
{
	const struct rootfs_spec *spec = &req->svc->rootfs;
	char dir[PATH_MAX];
	int r;

	switch (spec->kind) {
	case ROOTFS_HOST:
		plan->root_is_tmpfs = true;
		if (!rootfs_plan_add(plan, OP_TMPFS, "tmpfs", "/", ROOTFS_SAFE, "mode=0755", 0, err))
			return -ENOMEM;
		return rootfs_host_plan(plan, host_root, err);
	case ROOTFS_DIR:
		return rootfs_plan_dir_root(plan, spec->path, err);
	case ROOTFS_DEBIAN:
		/* Built by `pistack build` (rootfs_debian.c) into STATE/rootfs/KEY,
		 * KEY naming the sorted package list, and renamed into place only
		 * when complete: then a directory rootfs like any other, shared by
		 * every service of the same list, never written through. */
		if ((r = rootfs_debian_built(req->global, req->svc, dir, sizeof(dir), err)) < 0)
			return r;
		return rootfs_plan_dir_root(plan, dir, err);
	}
	return error_set(err, 0, "use rootfs: unknown kind %d", (int)spec->kind);
}

/* /proc, /sys, /dev and its contents, /tmp and /run: the kernel filesystems
 * every service gets, with Docker's options (research/runtime-anchors.md 2.4). */
static int rootfs_plan_kernel_fs(struct rootfs_plan *plan, const struct rootfs_request *req,
				 struct error *err)
{
	static const char *const links[][2] = {
		{"/proc/self/fd", "/dev/fd"},       {"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
		{"pts/ptmx", "/dev/ptmx"},
		/* No /dev/core -> /proc/kcore: kcore is masked. */
	};
	char path[64];
	struct mount_op *op;

	if (!rootfs_plan_add(plan, OP_PROC, "proc", "/proc", ROOTFS_SAFE | MS_NOEXEC, NULL, 0, err))
		return -ENOMEM;
	/* A new sysfs shows the network devices of the mounter's network namespace
	 * and needs that namespace to belong to the mounter's user namespace: a
	 * user-namespaced service on the host's network is refused the mount, so
	 * it gets the host's /sys bound read-only instead (recursively: its locked
	 * submounts cannot be left out).  Everyone else gets a fresh sysfs, which
	 * never shows the host's debugfs, tracefs or securityfs. */
	if (req->svc->net_mode == NET_HOST && req->userns)
		op = rootfs_plan_add(plan, OP_BIND, "/sys", "/sys", ROOTFS_SAFE | MS_NOEXEC | MS_RDONLY, NULL,
				     S_IFDIR, err);
	else
		op = rootfs_plan_add(plan, OP_SYSFS, "sysfs", "/sys", ROOTFS_SAFE | MS_NOEXEC | MS_RDONLY,
				     NULL, 0, err);
	if (!op)
		return -ENOMEM;
	/* The service's own cgroup at /sys/fs/cgroup, read-only, as Docker does
	 * with a private cgroup namespace: a fresh sysfs has only an empty
	 * directory there, and the host's /sys bound for mode host would show
	 * the host's whole cgroup tree.  The child unshares its cgroup namespace
	 * once inside the service's cgroup, so this mount's root is that cgroup:
	 * the service reads its limits (memory.max, pids.max...) and nothing above. */
	if (!rootfs_plan_add(plan, OP_CGROUP2, "cgroup2", "/sys/fs/cgroup",
			     ROOTFS_SAFE | MS_NOEXEC | MS_RDONLY, NULL, 0, err))
		return -ENOMEM;

	/* /dev is a small tmpfs holding binds of the host's nodes: a bind works in
	 * a user namespace, where mknod is refused and nodes on a userns-owned
	 * tmpfs are dead anyway.  The tmpfs itself is nodev; the binds are separate
	 * mounts that keep the host's devtmpfs semantics. */
	if (!rootfs_plan_add(plan, OP_TMPFS, "tmpfs", "/dev", ROOTFS_SAFE | MS_NOEXEC | MS_STRICTATIME,
			     "mode=0755,size=64k", 0, err))
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_devices); i++) {
		snprintf(path, sizeof(path), "/dev/%s", rootfs_devices[i]);
		if (!rootfs_plan_add(plan, OP_BIND, path, path, MS_NOSUID | MS_NOEXEC, NULL, S_IFREG, err))
			return -ENOMEM;
	}
	/* gid=5 is the tty group of the host; in a user namespace it may not be
	 * mapped and the mount would fail. devpts keeps dev: the ptys live there. */
	if (!rootfs_plan_add(plan, OP_DEVPTS, "devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
			     req->userns ? "newinstance,ptmxmode=0666,mode=0620"
					 : "newinstance,ptmxmode=0666,mode=0620,gid=5",
			     0, err) ||
	    !rootfs_plan_add(plan, OP_TMPFS, "tmpfs", "/dev/shm", ROOTFS_SAFE | MS_NOEXEC,
			     "mode=1777,size=64m", 0, err) ||
	    !rootfs_plan_add(plan, OP_MQUEUE, "mqueue", "/dev/mqueue", ROOTFS_SAFE | MS_NOEXEC, NULL, 0, err))
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (!rootfs_plan_add(plan, OP_SYMLINK, links[i][0], links[i][1], 0, NULL, 0, err))
			return -ENOMEM;

	/* Writable scratch space whatever readonly says.  No size: tmpfs pages are
	 * charged to the service's memory cgroup, and the kernel default (half the
	 * RAM) is what Docker's --tmpfs gives too. */
	if (!rootfs_plan_add(plan, OP_TMPFS, "tmpfs", "/tmp", ROOTFS_SAFE, "mode=1777", 0, err) ||
	    !rootfs_plan_add(plan, OP_TMPFS, "tmpfs", "/run", ROOTFS_SAFE, "mode=0755", 0, err))
		return -ENOMEM;
	return 0;
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf: bound read-only from files the
 * parent writes in RUN/containers/NAME.  A bind rather than a file written into
 * the root: nothing is written into a directory rootfs (at most an empty mount
 * point), the service cannot change its name resolution, and the daemon can
 * update hosts or resolv.conf of a running service (reload) by rewriting the
 * file in place; a rename would not show, the bind holds the inode. */
static int rootfs_plan_generated(struct rootfs_plan *plan, struct error *err)
{
	static const char *const names[] = {"hostname", "hosts", "resolv.conf"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		cleanup_free char *source = NULL, *target = NULL;

		if (asprintf(&source, "%s/%s", plan->run_dir, names[i]) < 0 ||
		    asprintf(&target, "/etc/%s", names[i]) < 0)
			return error_set(err, ENOMEM, "plan '/etc/%s'", names[i]);
		if (!rootfs_plan_add(plan, OP_BIND, source, target, ROOTFS_SAFE | MS_RDONLY, NULL, S_IFREG,
				     err))
			return -ENOMEM;
	}
	return 0;
}

/* True if PATH is DIR or below it. */
static bool rootfs_path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* One [mount] line as an op.  A default op with the same target (/tmp, /run,
 * /dev/shm, an /etc file...) is replaced rather than mounted over. */
static int rootfs_plan_user_mount(struct rootfs_plan *plan, size_t *n_defaults,
				  const struct rootfs_request *req, const struct mount_spec *m,
				  struct error *err)
{
	const struct service_config *svc = req->svc;
	unsigned long flags = ROOTFS_SAFE | (m->readonly ? MS_RDONLY : 0);
	cleanup_free char *source = NULL, *base = NULL, *data = NULL;
	struct mount_op *op;

	/* These are the kernel's and pistack's: a mount there would hide the masks
	 * or undo /dev (and nodev makes device passthrough useless anyway). */
	if (rootfs_path_below(m->target, "/proc") || rootfs_path_below(m->target, "/sys") ||
	    strcmp(m->target, "/dev") == 0)
		return error_set(err, 0, "mount on '%s': /proc, /sys and /dev are set up by pistack",
				 m->target);
	for (size_t i = 1; i < *n_defaults; i++) {
		if (strcmp(plan->ops[i].target, m->target) == 0) {
			rootfs_plan_remove(plan, i);
			(*n_defaults)--;
			break;
		}
	}
	switch (m->kind) {
	case MOUNT_VOLUME:
		if (asprintf(&base, "%s/%s", req->global->volumes, svc->name) < 0 ||
		    asprintf(&source, "%s%s%s", base, m->source[0] ? "/" : "", m->source) < 0)
			goto nomem;
		break;
	case MOUNT_BUNDLE:
		if (!svc->bundle_dir)
			return error_set(err, 0, "bind 'bundle:%s' on '%s': service '%s' has no bundle",
					 m->source, m->target, svc->name);
		if (!(base = strdup(svc->bundle_dir)) || asprintf(&source, "%s/%s", base, m->source) < 0)
			goto nomem;
		break;
	case MOUNT_HOST:
		if (!(source = strdup(m->source)))
			goto nomem;
		break;
	case MOUNT_TMPFS:
		/* Docker's --tmpfs mode: any user of the service can write, as in /tmp. */
		if (m->tmpfs_size
			    ? asprintf(&data, "mode=1777,size=%llu", (unsigned long long)m->tmpfs_size) < 0
			    : !(data = strdup("mode=1777")))
			goto nomem;
		return rootfs_plan_add(plan, OP_TMPFS, "tmpfs", m->target, flags, data, 0, err) ? 0 : -ENOMEM;
	}
	op = rootfs_plan_add(plan, OP_BIND, source, m->target, flags, NULL, 0, err);
	if (!op)
		return -ENOMEM;
	op->base = TAKE_PTR(base);
	op->create = m->kind == MOUNT_VOLUME;
	return 0;
nomem:
	return error_set(err, ENOMEM, "plan mount on '%s'", m->target);
}

/* pistack's own binary, wherever a bind shows it: `make install` puts it in
 * /usr/local/bin, below the host view's /usr (or a host: mount may show its
 * directory), and the service's init runs that very file.  No container
 * process may reach it, even read-only (the design's rule; CVE-2019-5736
 * overwrote it): /dev/null goes over it, as over the masked /proc files.
 * /proc/self/exe names the file this process runs, which init inherits. */
static int rootfs_plan_mask_self(struct rootfs_plan *plan, struct error *err)
{
	char exe[PATH_MAX], target[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t n_binds = plan->n_ops;

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	for (size_t i = 0; i < n_binds; i++) {
		const struct mount_op *op = &plan->ops[i];
		bool whole = op->source && strcmp(op->source, "/") == 0;
		const char *rest, *dir;

		if (op->kind != OP_BIND || !op->source || (!whole && !rootfs_path_below(exe, op->source)))
			continue;
		/* The same path below the bind's target (ops[0] of dir:/ has "/"). */
		rest = exe + (whole ? 0 : strlen(op->source));
		dir = strcmp(op->target, "/") ? op->target : "";
		if ((size_t)snprintf(target, sizeof(target), "%s%s", dir, rest) >= sizeof(target))
			continue;
		if (!rootfs_plan_add(plan, OP_MASK, NULL, target, 0, NULL, 0, err))
			return -ENOMEM;
	}
	return 0;
}

/* Masks, read-only paths, and /dev made read-only: after every other mount, so
 * nothing is mounted over them and /dev is complete. */
static int rootfs_plan_protect(struct rootfs_plan *plan, const char *host_root, struct error *err)
{
	cleanup_free char *cpus = NULL;
	DIR *d;
	struct dirent *e;

	for (size_t i = 0; i < ARRAY_SIZE(rootfs_masked); i++)
		if (!rootfs_plan_add(plan, OP_MASK, NULL, rootfs_masked[i], 0, NULL, 0, err))
			return -ENOMEM;
	if (rootfs_plan_mask_self(plan, err) < 0)
		return -ENOMEM;
	/* Docker also masks each CPU's thermal_throttle counters
	 * (GHSA-6fw5-f8r9-fgfm); sysfs shows the host's CPUs, so list them here. */
	if (asprintf(&cpus, "%s/sys/devices/system/cpu", strcmp(host_root, "/") ? host_root : "") < 0)
		return error_set(err, ENOMEM, "plan masks");
	d = opendir(cpus);
	while (d && (e = readdir(d))) {
		char path[300];
		struct stat st;

		const char *n = e->d_name + 3;

		if (strncmp(e->d_name, "cpu", 3) != 0 || !*n || n[strspn(n, "0123456789")] != '\0')
			continue;
		snprintf(path, sizeof(path), "%s/%s/thermal_throttle", cpus, e->d_name);
		if (stat(path, &st) < 0)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/%s/thermal_throttle", e->d_name);
		if (!rootfs_plan_add(plan, OP_MASK, NULL, path, 0, NULL, 0, err)) {
			closedir(d);
			return -ENOMEM;
		}
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < ARRAY_SIZE(rootfs_readonly); i++)
		if (!rootfs_plan_add(plan, OP_READONLY, NULL, rootfs_readonly[i],
				     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0, err))
			return -ENOMEM;
	/* Docker leaves /dev writable; nothing in a service has a reason to create
	 * files there (sockets go to /run, shared memory to /dev/shm, which stays
	 * writable), and a read-only /dev cannot be used to plant a fake /dev/log
	 * or to shadow a node. */
	if (!rootfs_plan_add(plan, OP_REMOUNT, NULL, "/dev", MS_RDONLY, NULL, 0, err))
		return -ENOMEM;
	return 0;
}

/* Build the whole plan, in the order the child executes it; see rootfs.h. */
int rootfs_plan_build(const struct rootfs_request *req, const char *host_root, struct rootfs_plan *plan,
		      struct error *err)
{
	const struct service_config *svc = req->svc;
	cleanup_free char *run_dir = NULL, *state_dir = NULL;
	size_t n_defaults;
	int r;

	memset(plan, 0, sizeof(*plan));
	plan->readonly = svc->readonly;
	/* The staging point: see struct rootfs_plan. */
	if (asprintf(&run_dir, "%s/containers/%s", req->global->run, svc->name) < 0)
		run_dir = NULL;
	if (asprintf(&state_dir, "%s/containers/%s", req->global->state, svc->name) < 0)
		state_dir = NULL;
	plan->root = strdup("/tmp");
	plan->run_dir = TAKE_PTR(run_dir);
	plan->state_dir = TAKE_PTR(state_dir);
	if (!plan->root || !plan->run_dir || !plan->state_dir) {
		r = error_set(err, ENOMEM, "plan the root of '%s'", svc->name);
		goto fail;
	}
	/* 1. the root and what lives in it (the host's OS for rootfs = host). */
	r = rootfs_plan_root(plan, req, host_root, err);
	/* 2. the kernel filesystems, then the generated /etc files: their targets
	 * may be symlinks into /run (resolv.conf often is), so /run comes first. */
	if (r == 0)
		r = rootfs_plan_kernel_fs(plan, req, err);
	if (r == 0)
		r = rootfs_plan_generated(plan, err);
	/* 3. [mount], sorted by target so a parent is mounted before its children,
	 * and after the defaults so /tmp/x or /run/x land on our tmpfs. */
	n_defaults = plan->n_ops;
	for (size_t i = 0; r == 0 && i < svc->n_mounts; i++)
		r = rootfs_plan_user_mount(plan, &n_defaults, req, &svc->mounts[i], err);
	/* 4. masks and read-only paths last, so no later mount covers them. */
	if (r == 0)
		r = rootfs_plan_protect(plan, host_root, err);
	if (r == 0)
		return 0;
fail:
	rootfs_plan_release(plan);
	return r;
}
