/*
 * cgroup.c - pistack's base cgroup: find the cgroup2 mount, pick the base
 * (under systemd the mount itself, the services in scope units; otherwise
 * MOUNT/pistack), enable controllers for its children; find, kill and remove
 * a service's cgroup; the text parsers behind them.
 * Limits and the creation of a service's cgroup are in cgroup_limits.c.
 */
#include "isolate/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "config/value.h"
#include "isolate/systemd_scope.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same number on every architecture */
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define CG_MOUNTS_MAX 8
#define CG_DESTROY_TIMEOUT_MS 5000 /* cgroup.kill to "populated 0" */
#define CG_LEGACY_KILL_MS 100 /* re-kill interval without cgroup.kill */
#define CG_RMDIR_RETRIES 20 /* x 10 ms, for EBUSY right after the last exit */
#define CG_TREE_DEPTH_MAX 32

static const struct {
	const char *name;
	unsigned bit;
} cg_controllers[] = {
	{"cpu", CG_CPU},
	{"memory", CG_MEMORY},
	{"pids", CG_PIDS},
	{"io", CG_IO},
};

/* ---- pure parsers ------------------------------------------------------------------ */

/* Copy the mountinfo field at P (up to a space or the end of line), undoing the
 * kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
static char *cg_mountinfo_field(const char *p, const char *end)
{
	char *out = malloc((size_t)(end - p) + 1), *o = out;

	if (!out)
		return NULL;
	while (p < end) {
		if (p[0] == '\\' && end - p >= 4 && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' &&
		    p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 4;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/* Split LINE (without its newline) into at most MAX space-separated fields. */
static int cg_split(const char *line, const char *eol, const char **start, const char **stop, int max)
{
	int n = 0;

	while (line < eol && n < max) {
		while (line < eol && *line == ' ')
			line++;
		if (line == eol)
			break;
		start[n] = line;
		while (line < eol && *line != ' ')
			line++;
		stop[n++] = line;
	}
	return n;
}

/* Mount points of the whole cgroup2 hierarchy; see cgroup.h. */
int cgroup_parse_mountinfo(const char *text, char **out, int max)
{
	int n = 0;

	for (const char *line = text; *line && n < max;) {
		const char *eol = strchrnul(line, '\n');
		const char *s[64], *e[64];
		int nf = cg_split(line, eol, s, e, 64), sep;

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
		for (sep = 6; sep < nf; sep++)
			if (e[sep] - s[sep] == 1 && *s[sep] == '-')
				break;
		/* Only a mount of the hierarchy's root: a bind of a subtree would put
		 * BASE somewhere other than where /proc/self/cgroup says. */
		if (sep + 1 < nf && e[sep + 1] - s[sep + 1] == 7 && !strncmp(s[sep + 1], "cgroup2", 7) &&
		    e[3] - s[3] == 1 && *s[3] == '/') {
			out[n] = cg_mountinfo_field(s[4], e[4]);
			if (!out[n]) {
				while (n > 0)
					free(out[--n]);
				return -ENOMEM;
			}
			n++;
		}
		line = *eol ? eol + 1 : eol;
	}
	return n;
}

/* CG_* bits of a controller list; see cgroup.h. */
unsigned cgroup_parse_controllers(const char *text)
{
	unsigned bits = 0;

	for (const char *p = text; *p;) {
		size_t len;

		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		for (size_t i = 0; i < ARRAY_SIZE(cg_controllers); i++)
			if (len == strlen(cg_controllers[i].name) && !strncmp(p, cg_controllers[i].name, len))
				bits |= cg_controllers[i].bit;
		p += len;
	}
	return bits;
}

/* "populated" of cgroup.events; see cgroup.h. */
int cgroup_parse_populated(const char *text)
{
	for (const char *line = text; *line;) {
		const char *eol = strchrnul(line, '\n');

		if (eol - line == 11 && !strncmp(line, "populated ", 10) &&
		    (line[10] == '0' || line[10] == '1'))
			return line[10] - '0';
		line = *eol ? eol + 1 : eol;
	}
	return -EINVAL;
}

/* A single-number cgroup file; see cgroup.h. */
int cgroup_parse_u64(const char *text, unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p = text;

	if (!strcmp(text, "max") || !strcmp(text, "max\n")) {
		*out = ULLONG_MAX;
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (ULLONG_MAX - (unsigned)(*p - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (*p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	*out = v;
	return 0;
}

/* ---- file primitives ---------------------------------------------------------------- */

/* Read a whole (small, virtual) file; see cgroup.h. */
int cgroup_read_file(int dirfd, const char *path, char **out)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t len = 0, size = 4096;
	char *buf;

	if (fd < 0)
		return -errno;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 >= size) {
			char *bigger = size < (64u << 20) ? realloc(buf, size * 2) : NULL;

			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			size *= 2;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;

			free(buf);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* Write a cgroup file in one write(2); see cgroup.h. */
int cgroup_write_file(int dirfd, const char *path, const char *text)
{
	cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -errno;
	/* cgroupfs parses each write on its own: never split one value over two. */
	n = write(fd, text, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* Fill ERR with a message that carries ERRNUM but no strerror() text. */
static int cg_fail(struct error *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cg_fail(struct error *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_setv(err, 0, fmt, ap);
	va_end(ap);
	err->errnum = errnum;
	return -errnum;
}

/* DIR/NAME as a new string ("/NAME" when DIR is "/"), or NULL without memory. */
static char *cg_join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *s = malloc(len);

	if (s)
		snprintf(s, len, "%s/%s", strcmp(dir, "/") ? dir : "", name);
	return s;
}

/* ---- the base ----------------------------------------------------------------------- */

/* Enable for the children of DIRFD the controllers it offers; see cgroup.h. */
unsigned cgroup_enable_controllers(int dirfd)
{
	cleanup_free char *offered = NULL, *enabled = NULL;
	unsigned avail;

	if (cgroup_read_file(dirfd, "cgroup.controllers", &offered) < 0)
		return 0;
	avail = cgroup_parse_controllers(offered);
	for (size_t i = 0; i < ARRAY_SIZE(cg_controllers); i++) {
		char op[16];

		if (!(avail & cg_controllers[i].bit))
			continue;
		snprintf(op, sizeof(op), "+%s", cg_controllers[i].name);
		/* EBUSY (processes in this cgroup), ENOENT, EOPNOTSUPP, EINVAL (cpu with
		 * realtime tasks): the controller stays off and its limits are refused
		 * later by cgroup_check_limits() with the reason. */
		(void)cgroup_write_file(dirfd, "cgroup.subtree_control", op);
	}
	if (cgroup_read_file(dirfd, "cgroup.subtree_control", &enabled) < 0)
		return 0;
	return cgroup_parse_controllers(enabled);
}

/* Base = the hierarchy's root, under systemd: each service gets a scope unit
 * of its own (cgroup_enter_scope()), pistack.slice/pistack-NAME.scope, and the
 * leaf "service" below it.  Nothing is made here: systemd makes the slice and
 * the scopes, and enables for them the controllers the root offers. */
static int cg_base_scopes(struct cgroup_root *root, struct error *err)
{
	cleanup_free char *offered = NULL;

	root->scopes = true;
	root->base = strdup(root->mount);
	if (!root->base)
		return error_set(err, ENOMEM, "open cgroup '%s'", root->mount);
	root->base_fd = open(root->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root->base_fd < 0)
		return error_set(err, errno, "open cgroup '%s'", root->mount);
	if (cgroup_read_file(root->base_fd, "cgroup.controllers", &offered) == 0)
		root->controllers = cgroup_parse_controllers(offered);
	return 0;
}

/* Base = MOUNT/pistack, next to whatever else lives in the hierarchy.  The root
 * cgroup is exempt from the no-internal-processes rule, so enabling controllers in
 * it works while processes (ours included) sit there; in a cgroup namespace whose
 * root is not the real root it may fail (EBUSY), leaving those controllers off. */
static int cg_base_own(struct cgroup_root *root, struct error *err)
{
	cleanup_close int mount_fd = open(root->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (mount_fd < 0)
		return error_set(err, errno, "open cgroup '%s'", root->mount);
	root->base = cg_join(root->mount, "pistack");
	if (!root->base)
		return error_set(err, ENOMEM, "open cgroup '%s/pistack'", root->mount);
	(void)cgroup_enable_controllers(mount_fd);
	if (mkdirat(mount_fd, "pistack", 0755) < 0 && errno != EEXIST)
		return error_set(err, errno, "create cgroup '%s'", root->base);
	root->base_fd = openat(mount_fd, "pistack", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root->base_fd < 0)
		return error_set(err, errno, "open cgroup '%s'", root->base);
	root->controllers = cgroup_enable_controllers(root->base_fd);
	return 0;
}

/* The first statfs()-confirmed cgroup2 mount point listed in /proc/self/mountinfo. */
static int cg_find_mount(struct cgroup_root *root, struct error *err)
{
	cleanup_free char *mountinfo = NULL;
	char *mounts[CG_MOUNTS_MAX];
	int r = cgroup_read_file(AT_FDCWD, "/proc/self/mountinfo", &mountinfo), n;

	if (r < 0)
		return error_set(err, -r, "read '/proc/self/mountinfo'");
	n = cgroup_parse_mountinfo(mountinfo, mounts, CG_MOUNTS_MAX);
	if (n < 0)
		return error_set(err, -n, "read '/proc/self/mountinfo'");
	for (int i = 0; i < n; i++) {
		struct statfs sfs;

		/* A later mount may hide a listed one: trust only what the path shows now. */
		if (!root->mount && statfs(mounts[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
			root->mount = TAKE_PTR(mounts[i]);
		free(mounts[i]);
	}
	if (!root->mount)
		return cg_fail(err, ENOENT,
			       "find cgroup2 mount in '/proc/self/mountinfo': no cgroup v2 "
			       "hierarchy is mounted (pistack needs cgroup v2)");
	return 0;
}

/* Find the hierarchy and prepare the base; see cgroup.h. */
int cgroup_root_open(struct cgroup_root *root, struct error *err)
{
	int r;

	*root = (struct cgroup_root){.base_fd = -1};
	r = cg_find_mount(root, err);
	if (r < 0)
		goto out_release;
	/* Under systemd every cgroup belongs to a unit, and only a unit's
	 * delegated subtree may be written by anyone else: the services' cgroups
	 * go into scope units of their own, never beside systemd's. */
	if (systemd_running())
		r = cg_base_scopes(root, err);
	else
		r = cg_base_own(root, err);
	if (r == 0)
		return 0;
out_release:
	cgroup_root_release(root);
	return r;
}

/* Release what cgroup_root_open() made; the cgroups themselves stay. */
void cgroup_root_release(struct cgroup_root *root)
{
	free(root->mount);
	free(root->base);
	if (root->base_fd >= 0)
		close(root->base_fd);
	*root = (struct cgroup_root){.base_fd = -1};
}

/* ---- teardown ----------------------------------------------------------------------- */

/* Milliseconds of CLOCK_MONOTONIC. */
static long long cg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Without cgroup.kill (kernel < 5.14): SIGKILL every process of the cgroup DIRFD
 * and its descendants.  A pid read from cgroup.procs may be reused by a stranger
 * before we signal it, so each is pinned with a pidfd and signalled only if
 * cgroup.procs, read again after pinning, still lists it: a process alive after
 * that read was the one listed, and nothing leaves a service's cgroup on its own. */
static void cg_kill_legacy(int dirfd, int depth)
{
	cleanup_free char *before = NULL, *after = NULL;
	int fds[256], n = 0, fd;
	long pids[256];
	DIR *d;

	if (depth > CG_TREE_DEPTH_MAX || cgroup_read_file(dirfd, "cgroup.procs", &before) < 0)
		return;
	for (char *p = before, *end; *p && n < (int)ARRAY_SIZE(fds); p = end) {
		pids[n] = strtol(p, &end, 10);
		if (end == p)
			break;
		end += strspn(end, "\n");
		fds[n] = (int)syscall(SYS_pidfd_open, (pid_t)pids[n], 0);
		if (fds[n] < 0 && errno == ENOSYS)
			kill((pid_t)pids[n], SIGKILL); /* < 5.3: no pidfd, accept the tiny race */
		n++;
	}
	if (cgroup_read_file(dirfd, "cgroup.procs", &after) == 0) {
		for (int i = 0; i < n; i++) {
			char *p = after;
			bool listed = false;

			for (char *end; *p; p = end) {
				long pid = strtol(p, &end, 10);

				if (end == p)
					break;
				end += strspn(end, "\n");
				listed |= pid == pids[i];
			}
			if (fds[i] >= 0 && listed)
				syscall(SYS_pidfd_send_signal, fds[i], SIGKILL, NULL, 0);
		}
	}
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (struct dirent *e; (e = readdir(d));) {
		int child;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		child = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (child >= 0) {
			cg_kill_legacy(child, depth + 1);
			close(child);
		}
	}
	closedir(d);
}

/* Wait until cgroup.events of DIRFD (named PATH) says "populated 0": the kernel
 * signals each change of that file as an inotify IN_MODIFY.  LEGACY re-kills on
 * every round.  Bounded by CG_DESTROY_TIMEOUT_MS. */
static int cg_wait_empty(int dirfd, const char *path, bool legacy, struct error *err)
{
	long long deadline = cg_now_ms() + CG_DESTROY_TIMEOUT_MS;
	cleanup_close int ifd = -1;
	cleanup_free char *events_path = NULL;

	events_path = cg_join(path, "cgroup.events");
	if (!events_path)
		return error_set(err, ENOMEM, "watch '%s/cgroup.events'", path);
	for (;;) {
		cleanup_free char *events = NULL;
		long long left;
		int r = cgroup_read_file(dirfd, "cgroup.events", &events);
		struct pollfd pfd = {.fd = ifd, .events = POLLIN};
		char drain[4096];

		if (r < 0)
			return error_set(err, -r, "read '%s'", events_path);
		r = cgroup_parse_populated(events);
		if (r == 0)
			return 0;
		if (r < 0)
			return cg_fail(err, EINVAL, "read '%s': no \"populated\" line", events_path);
		/* Watched only once it is found populated: the usual case (already
		 * empty) then costs no inotify instance, whose close() waits for an
		 * RCU grace period (~15 ms on every `run`).  A change between this
		 * read and the watch is caught by reading again right away. */
		if (ifd < 0 && !legacy) {
			ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
			if (ifd >= 0 && inotify_add_watch(ifd, events_path, IN_MODIFY) < 0) {
				close(ifd);
				ifd = -1;
			}
			if (ifd >= 0)
				continue;
		}
		left = deadline - cg_now_ms();
		if (left <= 0)
			return cg_fail(err, ETIMEDOUT,
				       "kill cgroup '%s': processes still running after %d ms", path,
				       CG_DESTROY_TIMEOUT_MS);
		if (legacy)
			cg_kill_legacy(dirfd, 0);
		/* Without inotify (out of watches, or legacy) poll() times out: polling. */
		if (legacy || ifd < 0)
			left = left < CG_LEGACY_KILL_MS ? left : CG_LEGACY_KILL_MS;
		pfd.fd = ifd;
		if (poll(&pfd, ifd >= 0 ? 1 : 0, (int)left) > 0)
			while (read(ifd, drain, sizeof(drain)) > 0)
				;
	}
}

/* Remove the empty cgroup NAME of DIRFD and the cgroups below it (a service may
 * have made some), deepest first; EBUSY right after the last process left is
 * retried briefly. */
static int cg_remove_tree(int dirfd, const char *name, int depth)
{
	int fd, r = 0;
	DIR *d;

	if (depth > CG_TREE_DEPTH_MAX)
		return -ELOOP;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	for (struct dirent *e; r == 0 && (e = readdir(d));)
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			r = cg_remove_tree(fd, e->d_name, depth + 1);
	closedir(d);
	if (r < 0)
		return r;
	for (int i = 0; unlinkat(dirfd, name, AT_REMOVEDIR) < 0; i++) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || i >= CG_RMDIR_RETRIES)
			return -errno;
		usleep(10000);
	}
	return 0;
}

/* See cgroup.h. */
int cgroup_service_dir(const struct cgroup_root *root, const char *name, char *buf, size_t size)
{
	char scope[NAME_MAX_LEN + 32];
	int n;

	if (!value_is_name(name))
		return -EINVAL;
	if (!root->scopes)
		n = snprintf(buf, size, "%s", name);
	else if (systemd_scope_name(name, scope, sizeof(scope)) < 0)
		return -ENAMETOOLONG;
	else
		n = snprintf(buf, size, "%s/%s/%s", SYSTEMD_SCOPE_SLICE, scope, CG_SCOPE_LEAF);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* See cgroup.h. */
int cgroup_open_service(const struct cgroup_root *root, const char *name, int flags)
{
	char rel[CG_SERVICE_DIR_MAX];
	int r = cgroup_service_dir(root, name, rel, sizeof(rel)), fd;

	if (r < 0)
		return r;
	fd = openat(root->base_fd, rel, flags | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Remove BASE/NAME left behind by a crash, if nothing runs in it; see cgroup.h. */
int cgroup_remove_stale(const struct cgroup_root *root, const char *name, struct error *err)
{
	cleanup_free char *events = NULL;
	char rel[CG_SERVICE_DIR_MAX], events_rel[CG_SERVICE_DIR_MAX + 16];
	int r = cgroup_service_dir(root, name, rel, sizeof(rel));

	if (r < 0)
		return cg_fail(err, EINVAL, "remove cgroup '%s/%s': not a service name", root->base, name);
	/* A scope is watched as a whole: its leaf is made only once its init is in. */
	if (root->scopes)
		*strrchr(rel, '/') = '\0';
	snprintf(events_rel, sizeof(events_rel), "%s/cgroup.events", rel);
	/* cgroup.events covers the processes of descendants too, cgroup.procs does not. */
	r = cgroup_read_file(root->base_fd, events_rel, &events);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return error_set(err, -r, "read 'cgroup.events' of cgroup '%s/%s'", root->base, rel);
	if (cgroup_parse_populated(events) != 0)
		return cg_fail(err, EBUSY, "create cgroup '%s/%s': a service of that name is still running",
			       root->base, rel);
	/* An empty scope is systemd's to remove (it does once it is empty). */
	if (root->scopes)
		return 0;
	r = cg_remove_tree(root->base_fd, rel, 0);
	if (r < 0)
		return error_set(err, -r, "remove stale cgroup '%s/%s'", root->base, rel);
	return 0;
}

/* Kill everything in BASE/NAME, wait, remove it; see cgroup.h. */
int cgroup_destroy(const struct cgroup_root *root, const char *name, struct error *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *path = NULL;
	char rel[CG_SERVICE_DIR_MAX];
	bool legacy = false;
	int r;

	if (cgroup_service_dir(root, name, rel, sizeof(rel)) < 0)
		return cg_fail(err, EINVAL, "remove cgroup '%s/%s': not a service name", root->base, name);
	path = cg_join(root->base, rel);
	if (!path)
		return error_set(err, ENOMEM, "remove cgroup '%s/%s'", root->base, rel);
	fd = openat(root->base_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : error_set(err, errno, "open cgroup '%s'", path);

	/* cgroup.kill SIGKILLs every process of the subtree at once and in the kernel,
	 * so nothing forks its way out while we look. */
	r = cgroup_write_file(fd, "cgroup.kill", "1");
	if (r == -ENOENT) {
		/* Before 5.14: freeze first (5.2+, SIGKILL still gets through) so the
		 * tree cannot grow, then kill pid by pid in cg_wait_empty(). */
		legacy = true;
		(void)cgroup_write_file(fd, "cgroup.freeze", "1");
		cg_kill_legacy(fd, 0);
	} else if (r < 0) {
		return error_set(err, -r, "write 'cgroup.kill' of cgroup '%s'", path);
	}
	r = cg_wait_empty(fd, path, legacy, err);
	if (r < 0)
		return r;
	/* Under systemd only the leaf is removed: the scope, empty now, is
	 * stopped and removed by systemd. */
	r = cg_remove_tree(root->base_fd, rel, 0);
	if (r < 0)
		return error_set(err, -r, "remove cgroup '%s'", path);
	return 0;
}

/* Read a single-number file of BASE/NAME; see cgroup.h. */
int cgroup_read_u64(const struct cgroup_root *root, const char *name, const char *file,
		    unsigned long long *out)
{
	cleanup_close int fd = -1;
	cleanup_free char *text = NULL;
	int r;

	*out = 0;
	if (strchr(file, '/') || file[0] == '.')
		return -EINVAL;
	fd = cgroup_open_service(root, name, O_PATH);
	if (fd < 0)
		return fd;
	r = cgroup_read_file(fd, file, &text);
	if (r == -ENOENT)
		return 0; /* the controller is off: "unavailable" reads as 0 */
	if (r < 0)
		return r;
	return cgroup_parse_u64(text, out);
}
