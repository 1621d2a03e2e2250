/*
 * rootfs.h - the service's root filesystem as one ordered list of mount
 * operations (bubblewrap's model): planned and prepared in the parent,
 * executed by the child in its new mount namespace, ending with pivot_root.
 */
#ifndef PISTACK_ISOLATE_ROOTFS_H
#define PISTACK_ISOLATE_ROOTFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "config/config.h"
#include "isolate/security.h"

enum mount_op_kind {
	OP_MKDIR,        /* create target directory (mode) */
	OP_BIND,         /* bind source onto target (dir or file; target created to match) */
	OP_TMPFS,        /* tmpfs at target with data ("size=...,mode=...") */
	OP_PROC,         /* new procfs */
	OP_SYSFS,        /* sysfs, read-only */
	OP_CGROUP2,      /* cgroup2, read-only: the root of the service's cgroup namespace */
	OP_DEVPTS,       /* devpts newinstance,ptmxmode=0666,mode=0620 */
	OP_MQUEUE,       /* mqueue */
	OP_SYMLINK,      /* symlink target -> source */
	OP_MASK,         /* hide target: /dev/null over files, empty ro tmpfs over dirs; skip if absent */
	OP_READONLY,     /* bind target on itself read-only; skip if absent */
	OP_OVERLAY,      /* overlay at target: data has lowerdir,upperdir,workdir */
	OP_WRITE_FILE,   /* create target file with content source (mode) */
	OP_REMOUNT,      /* add flags to the mount whose root is target (not recursive),
	                    e.g. /dev read-only once it is populated */
};

struct mount_op {
	enum mount_op_kind kind;
	char *source;           /* host path (BIND), link text (SYMLINK), content (WRITE_FILE) */
	char *target;           /* absolute path inside the new root; ops[0] has "/": the root itself */
	unsigned long flags;    /* MS_RDONLY MS_NOSUID MS_NODEV MS_NOEXEC ... */
	char *data;
	mode_t mode;            /* MKDIR, WRITE_FILE: permissions; BIND: the file type of the
	                           source (S_IFDIR or S_IFREG), known once prepared */
	bool optional;          /* skip when the source does not exist */
	char *base;             /* BIND from a volume or a bundle: SOURCE is resolved beneath this
	                           directory (a symlink there cannot lead out); NULL for host paths */
	bool create;            /* BIND from a volume: create SOURCE, owned by the service user */
	int fd;                 /* set by rootfs_prepare(): the source as a detached mount
	                           (open_tree or fsmount) for BIND and OVERLAY; -1 otherwise */
};

struct rootfs_plan {
	char *root;             /* the directory of the child's mount namespace where the new root
	                           is attached before pivot_root: "/tmp", as bubblewrap does (it
	                           exists everywhere, is no symlink, and needs no permission a
	                           user-namespace child lacks) */
	bool root_is_tmpfs;     /* rootfs = host: "/" is a tmpfs populated by binds */
	bool readonly;          /* remount "/" read-only after the ops */
	struct mount_op *ops;   /* ops[0] mounts the new root (target "/"): tmpfs, bind or overlay */
	size_t n_ops;
	char *run_dir;          /* RUN/containers/NAME: generated files, staging */
	char *state_dir;        /* STATE/containers/NAME: the writable layer, if any */
};

struct rootfs_request {
	const struct global_config *global;
	const struct service_config *svc;
	const struct identity *id;   /* owner of created volume directories */
	uid_t host_uid_base;         /* userns: host uid of container uid 0; 0 without userns */
	bool userns;
	const char *resolv_conf;     /* content of /etc/resolv.conf */
	const char *hosts;           /* content of /etc/hosts */
};

/* In the parent: build the plan and create what it needs on the host (volume
 * directories owned by the service user, RUN/containers/NAME with the
 * generated /etc files, overlay dirs), then open every host source as a
 * detached mount.  Errors name the step and the object,
 * e.g. "create volume '/var/vol/web': Permission denied".  On failure PLAN is
 * left released. */
int rootfs_prepare(const struct rootfs_request *req, struct rootfs_plan *plan, struct error *err);

/* In the child, in a new mount namespace: make mounts private, build the root
 * from the plan, mask and read-only paths, pivot_root into it and detach the
 * old root, remount "/" read-only when asked.  cwd is "/" afterwards.  The
 * child's copies of the plan's descriptors are closed: do not release the plan
 * in the child. */
int rootfs_enter(const struct rootfs_plan *plan, struct error *err);
/* Make the attached mount whose root is ROOT the root of the calling mount
 * namespace (pivot_root), detach the old root, chdir "/".  Mounts must be
 * private already.  Also used by the sandbox of pistack's helpers. */
int rootfs_enter_pivot(int root, struct error *err);

/* After the service ended: remove RUN/containers/NAME, and with REMOVE_STATE
 * (run --rm) the writable layer too.  Volumes are never touched. */
int rootfs_cleanup(const struct rootfs_plan *plan, bool remove_state, struct error *err);

void rootfs_plan_release(struct rootfs_plan *plan);
/* Close the plan's detached mounts once the child has its copies: the
 * daemon would otherwise hold some 40 descriptors (and the mount trees) per
 * running service, and every new init inherits them before it can close
 * them, past its nofile limit at a few dozen services. */
void rootfs_plan_close_mounts(struct rootfs_plan *plan);

/* The host directory whose etc/passwd names the service's users into BUF
 * (SIZE bytes): "/" for rootfs = host, PATH for dir:PATH, STATE/rootfs/KEY for
 * debian: once built; not built, it fails saying to run `pistack build NAME`. */
int rootfs_user_db_dir(const struct global_config *global, const struct service_config *svc, char *buf, size_t size,
		       struct error *err);

/* --- Shared by the rootfs*.c files; exposed for the unit tests. --- */

/* Build the plan without touching the filesystem: only reads which host entries
 * exist under HOST_ROOT (normally "/") for rootfs = host.  Descriptors stay -1. */
int rootfs_plan_build(const struct rootfs_request *req, const char *host_root, struct rootfs_plan *plan,
		      struct error *err);
/* Append an op (strings copied, NULL allowed); returns it, or NULL with ERR filled. */
struct mount_op *rootfs_plan_add(struct rootfs_plan *plan, enum mount_op_kind kind, const char *source,
				 const char *target, unsigned long flags, const char *data, mode_t mode,
				 struct error *err);
/* Remove ops[I] (closing its descriptor), keeping the order of the others. */
void rootfs_plan_remove(struct rootfs_plan *plan, size_t i);
/* The last op whose target is TARGET, or NULL. */
const struct mount_op *rootfs_plan_find(const struct rootfs_plan *plan, const char *target);
/* The ops of rootfs = host after the root tmpfs: /usr, the merged-usr links, the
 * allow-listed /etc, /var, /home and /root (rootfs_host.c). */
int rootfs_host_plan(struct rootfs_plan *plan, const char *host_root, struct error *err);

/* Remove DIR/NAME and everything below it, following no symlink and staying on
 * one filesystem (a mount point inside stops it with an error); absent is fine.
 * ERR says what failed.  Also removes a half-built tree (rootfs_debian.c). */
int rootfs_remove(const char *dir, const char *name, struct error *err);

/* What rootfs_path_open() creates when a component is missing. */
enum rootfs_node { ROOTFS_NODE_NONE, ROOTFS_NODE_DIR, ROOTFS_NODE_FILE };
/* Open PATH below DIRFD as an O_PATH descriptor, resolved by openat2 with RESOLVE
 * (RESOLVE_IN_ROOT or RESOLVE_BENEATH) so no symlink leads outside DIRFD.  With
 * CREATE, missing parents are made (0755) and the last component as CREATE says
 * with MODE; what was created is chowned to UID:GID unless UID is (uid_t)-1.
 * Returns the descriptor or a negative errno; no allocation (safe in the child). */
int rootfs_path_open(int dirfd, const char *path, uint64_t resolve, enum rootfs_node create, mode_t mode,
		     uid_t uid, gid_t gid);

/* The mount API (rootfs_mount.c), shared by the parent and the child.  Each
 * returns a descriptor or 0, or a negative errno; MSG (when not NULL, SIZE bytes)
 * receives the filesystem's own explanation of a failure, if it gave one. */
int rootfs_mount_fs(const char *type, const char *data, unsigned long flags, char *msg, size_t size);
int rootfs_mount_clone(int dirfd, const char *path, bool recursive);
int rootfs_mount_attach(int tree_fd, int target_fd);
/* Add FLAGS (MS_RDONLY, MS_NOSUID...) to the mount whose root is FD and make it
 * private; flags already set, locked ones included, stay. */
int rootfs_mount_setattr(int fd, unsigned long flags, bool recursive);

#endif
