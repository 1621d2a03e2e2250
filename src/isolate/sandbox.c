/*
 * sandbox.c - confine a helper process of pistack (see sandbox.h): mount
 * namespace with an empty root, identity and capabilities, no_new_privs,
 * then the seccomp allow-list, in the one order that works.
 */
#include "isolate/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "isolate/rootfs.h"
#include "isolate/security.h"

/* Where the new root is attached before pivot_root: a directory every system
 * has and that is no symlink, as for services (rootfs.h). */
#define SANDBOX_STAGE "/tmp"
/* The root: room for the mount points of the binds only. */
#define SANDBOX_ROOT_OPTIONS "size=16k,nr_inodes=256,mode=0755"
#define SANDBOX_MOUNT_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define SANDBOX_BINDS_MAX 8

/* Take a copy of the host's B->path (its tree, to attach later) into *TREE,
 * its type into *MODE.  Done for every bind before the new root covers the
 * staging point: a path below /tmp would be hidden by then. */
static int sandbox_bind_take(const struct sandbox_bind *b, int *tree, mode_t *mode, struct error *err)
{
	struct stat st;

	if (b->path[0] != '/')
		return error_set(err, EINVAL, "bind '%s': not an absolute path", b->path);
	if (stat(b->path, &st) < 0)
		return error_set(err, errno, "bind '%s'", b->path);
	*mode = st.st_mode;
	*tree = rootfs_mount_clone(AT_FDCWD, b->path, true);
	if (*tree < 0)
		return error_set(err, -*tree, "bind '%s'", b->path);
	return 0;
}

/* Attach TREE (a copy of B->path) at the same path below ROOT. */
static int sandbox_bind_attach(int root, const struct sandbox_bind *b, int tree, mode_t mode, struct error *err)
{
	cleanup_close int target = -1;
	int r;

	target = rootfs_path_open(root, b->path, RESOLVE_IN_ROOT, S_ISDIR(mode) ? ROOTFS_NODE_DIR : ROOTFS_NODE_FILE,
				  S_ISDIR(mode) ? 0755 : 0644, (uid_t)-1, (gid_t)-1);
	if (target < 0)
		return error_set(err, -target, "create mount point '%s'", b->path);
	/* Attached with its final flags at once: nothing can write through a
	 * read-only bind in between. */
	if ((r = rootfs_mount_attach(tree, target)) < 0 ||
	    (r = rootfs_mount_setattr(tree, SANDBOX_MOUNT_FLAGS | (b->writable ? 0 : MS_RDONLY), true)) < 0)
		return error_set(err, -r, "bind '%s'", b->path);
	return 0;
}

/* A new mount namespace whose "/" is a read-only tmpfs with S's binds. */
static int sandbox_mounts(const struct sandbox_spec *s, struct error *err)
{
	cleanup_close int stage = -1, root = -1, slash = -1;
	int trees[SANDBOX_BINDS_MAX];
	mode_t modes[SANDBOX_BINDS_MAX];
	size_t n_trees = 0;
	char msg[200];
	int r = 0;

	if (s->n_binds > SANDBOX_BINDS_MAX)
		return error_set(err, E2BIG, "bind more than %d paths", SANDBOX_BINDS_MAX);
	/* CLONE_NEWNS only: the helper keeps the host's network namespace (the
	 * name server forwards to 127.0.0.53 there). */
	if (unshare(CLONE_NEWNS) < 0)
		return error_set(err, errno, "create a mount namespace");
	/* Private before anything is mounted, so nothing propagates to the host
	 * (systemd makes "/" shared). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return error_set(err, errno, "make the mounts of '/' private");
	for (; n_trees < s->n_binds; n_trees++)
		if ((r = sandbox_bind_take(&s->binds[n_trees], &trees[n_trees], &modes[n_trees], err)) < 0)
			goto out;
	stage = open(SANDBOX_STAGE, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (stage < 0) {
		r = error_set(err, errno, "open staging point '%s'", SANDBOX_STAGE);
		goto out;
	}
	/* Writable for now: the binds' mount points are created in it. */
	root = rootfs_mount_fs("tmpfs", SANDBOX_ROOT_OPTIONS, SANDBOX_MOUNT_FLAGS, msg, sizeof(msg));
	if (root < 0) {
		r = error_set(err, -root, "mount the tmpfs root%s%s", msg[0] ? ": " : "", msg);
		goto out;
	}
	if ((r = rootfs_mount_attach(root, stage)) < 0) {
		r = error_set(err, -r, "attach the tmpfs root on '%s'", SANDBOX_STAGE);
		goto out;
	}
	for (size_t i = 0; i < s->n_binds; i++)
		if ((r = sandbox_bind_attach(root, &s->binds[i], trees[i], modes[i], err)) < 0)
			goto out;
	if ((r = rootfs_enter_pivot(root, err)) < 0)
		goto out;
	/* Read-only last, once every mount point exists; not recursive, so a
	 * writable bind stays writable. */
	slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (slash < 0 || (r = rootfs_mount_setattr(slash, MS_RDONLY, false)) < 0)
		r = error_set(err, slash < 0 ? errno : -r, "make '/' read-only");
out:
	for (size_t i = 0; i < n_trees; i++)
		close(trees[i]);
	return r;
}

/* Add an allow rule for NR to CTX. */
static int sandbox_allow(scmp_filter_ctx ctx, int nr, struct error *err)
{
	int r;

	/* A pseudo number (negative): a syscall this architecture does not have,
	 * like epoll_wait on arm64, where libc calls epoll_pwait. */
	if (nr < 0)
		return 0;
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);

	/* A number given twice is no error; an unknown one is. */
	if (r < 0 && r != -EEXIST) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		r = error_set(err, -r, "allow syscall '%s'", name ? name : "?");
		free(name);
		return r;
	}
	return 0;
}

/* Whether S lists syscall NR. */
static bool sandbox_listed(const struct sandbox_spec *s, int nr)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (s->syscalls[i] == nr)
			return true;
	return false;
}

/* Compile and load the allow-list of S; the context is released whatever happens. */
static int sandbox_seccomp(const struct sandbox_spec *s, struct error *err)
{
	/* What the C library itself needs: memory for malloc, the end of the
	 * process, and abort() (a signal mask, then a signal to itself only). */
	static const int base[] = {
		SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
		SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
		SCMP_SYS(rt_sigaction), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(clock_gettime),
		SCMP_SYS(restart_syscall),
		/* Their 32-bit arm names; skipped where they do not exist. */
		SCMP_SYS(mmap2), SCMP_SYS(sigreturn), SCMP_SYS(clock_gettime64),
	};
	struct scmp_arg_cmp self = { .arg = 0, .op = SCMP_CMP_EQ, .datum_a = 0, .datum_b = 0 };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r;

	if (!ctx)
		return error_set(err, ENOMEM, "create the seccomp filter");
	/* A syscall of another ABI (i386 on x86-64) would bypass a list of
	 * native numbers: it kills the process instead. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0) {
		r = error_set(err, -r, "set seccomp filter attributes");
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(base); i++)
		if ((r = sandbox_allow(ctx, base[i], err)) < 0)
			goto out;
	for (size_t i = 0; i < s->n_syscalls; i++) {
		if (s->syscalls[i] == SCMP_SYS(socket) && s->n_socket_families > 0)
			continue;
		if ((r = sandbox_allow(ctx, s->syscalls[i], err)) < 0)
			goto out;
	}
	/* The whole 64-bit register must equal the family: junk in the upper
	 * half, which the kernel would ignore, is denied rather than let through. */
	for (size_t i = 0; i < s->n_socket_families && sandbox_listed(s, SCMP_SYS(socket)); i++) {
		struct scmp_arg_cmp family = {
			.arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)s->socket_families[i], .datum_b = 0
		};

		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, &family);
		if (r < 0) {
			r = error_set(err, -r, "allow syscall 'socket' for family %d", s->socket_families[i]);
			goto out;
		}
	}
	/* tgkill() to this process only (abort, raise): not to another helper
	 * running as the same user. */
	self.datum_a = (scmp_datum_t)getpid();
	r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, &self);
	if (r < 0) {
		r = error_set(err, -r, "allow syscall 'tgkill'");
		goto out;
	}
	r = seccomp_load(ctx);
	if (r < 0)
		r = error_set(err, -r, "load the seccomp filter");
out:
	/* Released right away: libseccomp's memory has no use after loading. */
	seccomp_release(ctx);
	return r;
}

/* Confine the calling process; see sandbox.h. */
int sandbox_enter(const struct sandbox_spec *s, struct error *err)
{
	struct identity id = { .uid = s->uid, .gid = s->gid, .groups = NULL, .n_groups = 0 };
	/* No capability kept anywhere: bounding, permitted, effective,
	 * inheritable and ambient sets all empty. */
	struct cap_plan plan = { .bounding = 0, .ambient = 0 };
	int r;

	if (s->uid == 0 || s->gid == 0)
		return error_set(err, EPERM, "sandbox the %s as %u:%u: that is root", s->name, (unsigned)s->uid,
				 (unsigned)s->gid);
	/* 1. Mounts first: they need CAP_SYS_ADMIN, which step 2 drops. */
	if ((r = sandbox_mounts(s, err)) < 0)
		goto fail;
	/* 2. Groups, gid, uid, then every capability set emptied, and
	 * no_new_privs (also what lets an unprivileged process load a filter). */
	if ((r = security_apply_identity_caps(&id, &plan, true, err)) < 0)
		goto fail;
	/* 3. Not dumpable: no process of the same user may ptrace it or read its
	 * memory through /proc. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		r = error_set(err, errno, "make the process not dumpable");
		goto fail;
	}
	/* 4. The filter last: every step above uses syscalls it forbids. */
	if ((r = sandbox_seccomp(s, err)) < 0)
		goto fail;
	return 0;
fail:
	error_prefix(err, "sandbox the %s", s->name);
	return r;
}

/* The helpers' ids; see sandbox.h. */
int sandbox_user(uid_t *uid, gid_t *gid, struct error *err)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int r;

	r = getpwnam_r("pistack", &pw, buf, sizeof(buf), &found);
	if (r != 0 && r != ENOENT && r != ESRCH)
		return error_set(err, r, "look up user 'pistack'");
	if (!found) {
		*uid = SANDBOX_NOBODY;
		*gid = SANDBOX_NOBODY;
		return 0;
	}
	if (found->pw_uid == 0 || found->pw_gid == 0)
		return error_set(err, EPERM, "use user 'pistack': it is root");
	*uid = found->pw_uid;
	*gid = found->pw_gid;
	return 0;
}
