/*
 * test_rootfs.c - unit tests of the root filesystem plan (src/isolate/rootfs.c and
 * rootfs_host.c): which ops a service gets, in which order, with which flags; what
 * the host view shows and hides.  Pure: no mount, no root needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isolate/rootfs.h"
#include "isolate/rootfs_debian.h"
#include "test.h"

struct rootfs_test {
	struct global_config global;
	struct service_config svc;
	struct rootfs_request req;
	struct mount_spec mounts[8];
	char volumes[64], state[64], run[64], rootdir[64], bundle[64];
	char targets[8][64], sources[8][64];
};

/* A service "web" with rootfs = host and no mounts; paths under /v, /s, /r. */
static void rootfs_test_init(struct rootfs_test *t)
{
	memset(t, 0, sizeof(*t));
	strcpy(t->volumes, "/v");
	strcpy(t->state, "/s");
	strcpy(t->run, "/r");
	strcpy(t->rootdir, "/srv/rootfs/alpine");
	strcpy(t->bundle, "/b/web");
	t->global.volumes = t->volumes;
	t->global.state = t->state;
	t->global.run = t->run;
	strcpy(t->svc.name, "web");
	strcpy(t->svc.hostname, "web");
	t->svc.readonly = true;
	t->svc.rootfs.kind = ROOTFS_HOST;
	t->svc.net_mode = NET_INTERCONTAINER;
	t->svc.bundle_dir = t->bundle;
	t->svc.mounts = t->mounts;
	t->req.global = &t->global;
	t->req.svc = &t->svc;
}

/* Add a [mount] line (targets must be given in sorted order, as config does). */
static void rootfs_test_mount(struct rootfs_test *t, const char *target, enum mount_kind kind,
			      const char *source, bool readonly)
{
	size_t i = t->svc.n_mounts++;

	snprintf(t->targets[i], sizeof(t->targets[i]), "%s", target);
	t->mounts[i].target = t->targets[i];
	t->mounts[i].kind = kind;
	if (source) {
		snprintf(t->sources[i], sizeof(t->sources[i]), "%s", source);
		t->mounts[i].source = t->sources[i];
	}
	t->mounts[i].readonly = readonly;
}

/* Index of the first op with TARGET (and KIND unless -1), or -1. */
static long rootfs_test_index(const struct rootfs_plan *p, const char *target, int kind)
{
	for (size_t i = 0; i < p->n_ops; i++)
		if (strcmp(p->ops[i].target, target) == 0 && (kind < 0 || (int)p->ops[i].kind == kind))
			return (long)i;
	return -1;
}

/* Number of ops with TARGET. */
static int rootfs_test_count(const struct rootfs_plan *p, const char *target)
{
	int n = 0;

	for (size_t i = 0; i < p->n_ops; i++)
		n += strcmp(p->ops[i].target, target) == 0;
	return n;
}

TEST(rootfs_host_plan_order)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;
	long usr, proc, sys, dev, null, pts, tmp, run, hosts, data, mask, ro, rem;

	rootfs_test_init(&t);
	rootfs_test_mount(&t, "/data", MOUNT_VOLUME, "", false);
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	CHECK(p.n_ops > 20);
	CHECK(p.root_is_tmpfs);
	CHECK(p.readonly);
	CHECK_STR(p.root, "/tmp");
	CHECK_STR(p.run_dir, "/r/containers/web");
	CHECK_STR(p.state_dir, "/s/containers/web");
	/* ops[0] is the root itself: a tmpfs, mode 0755, nosuid, nodev */
	CHECK_INT(p.ops[0].kind, OP_TMPFS);
	CHECK_STR(p.ops[0].target, "/");
	CHECK_CONTAINS(p.ops[0].data, "mode=0755");
	CHECK_UINT(p.ops[0].flags & (MS_NOSUID | MS_NODEV), MS_NOSUID | MS_NODEV);
	usr = rootfs_test_index(&p, "/usr", OP_BIND);
	proc = rootfs_test_index(&p, "/proc", OP_PROC);
	sys = rootfs_test_index(&p, "/sys", OP_SYSFS);
	dev = rootfs_test_index(&p, "/dev", OP_TMPFS);
	null = rootfs_test_index(&p, "/dev/null", OP_BIND);
	pts = rootfs_test_index(&p, "/dev/pts", OP_DEVPTS);
	tmp = rootfs_test_index(&p, "/tmp", OP_TMPFS);
	run = rootfs_test_index(&p, "/run", OP_TMPFS);
	hosts = rootfs_test_index(&p, "/etc/hosts", OP_BIND);
	data = rootfs_test_index(&p, "/data", OP_BIND);
	mask = rootfs_test_index(&p, "/proc/kcore", OP_MASK);
	ro = rootfs_test_index(&p, "/proc/sys", OP_READONLY);
	rem = rootfs_test_index(&p, "/dev", OP_REMOUNT);
	CHECK(usr > 0 && usr < proc);
	CHECK(proc < sys && sys < dev && dev < null && null < pts);
	CHECK(pts < tmp && tmp < run && run < hosts);
	CHECK(hosts < data);
	CHECK(data < mask && mask < ro);
	CHECK_INT(rem, (long)p.n_ops - 1);
	/* Every descriptor waits for rootfs_prepare(). */
	for (size_t i = 0; i < p.n_ops; i++)
		CHECK_INT(p.ops[i].fd, -1);
	rootfs_plan_release(&p);
	CHECK_INT(p.n_ops, 0);
}

TEST(rootfs_host_usr_is_readonly)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;
	const struct mount_op *op;

	rootfs_test_init(&t);
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	op = rootfs_plan_find(&p, "/usr");
	CHECK(op && op->kind == OP_BIND);
	if (op) {
		CHECK_STR(op->source, "/usr");
		CHECK_UINT(op->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV), MS_RDONLY | MS_NOSUID | MS_NODEV);
		CHECK(S_ISDIR(op->mode));
	}
	rootfs_plan_release(&p);
}

TEST(rootfs_kernel_fs_options)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;
	const struct mount_op *op;

	rootfs_test_init(&t);
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	op = rootfs_plan_find(&p, "/proc");
	CHECK(op && op->flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC));
	op = rootfs_plan_find(&p, "/sys");
	CHECK(op && op->kind == OP_SYSFS && (op->flags & MS_RDONLY));
	op = &p.ops[rootfs_test_index(&p, "/dev", OP_TMPFS)];
	CHECK_STR(op->data, "mode=0755,size=64k");
	CHECK_UINT(op->flags & (MS_NOSUID | MS_STRICTATIME), MS_NOSUID | MS_STRICTATIME);
	op = rootfs_plan_find(&p, "/dev/pts");
	CHECK(op && strstr(op->data, "newinstance") && strstr(op->data, "ptmxmode=0666") &&
	      strstr(op->data, "mode=0620") && strstr(op->data, "gid=5"));
	op = rootfs_plan_find(&p, "/dev/shm");
	CHECK(op && op->kind == OP_TMPFS && strstr(op->data, "mode=1777") && (op->flags & MS_NODEV));
	CHECK(rootfs_plan_find(&p, "/dev/mqueue") && rootfs_plan_find(&p, "/dev/mqueue")->kind == OP_MQUEUE);
	op = rootfs_plan_find(&p, "/tmp");
	CHECK(op && strstr(op->data, "mode=1777"));
	op = rootfs_plan_find(&p, "/run");
	CHECK(op && strstr(op->data, "mode=0755"));
	/* the six nodes, bound, not nodev; nothing else in /dev but links */
	{
		static const char *const nodes[] = {"/dev/null",   "/dev/zero",    "/dev/full",
						    "/dev/random", "/dev/urandom", "/dev/tty"};

		for (size_t i = 0; i < 6; i++) {
			op = rootfs_plan_find(&p, nodes[i]);
			CHECK(op && op->kind == OP_BIND && strcmp(op->source, nodes[i]) == 0 &&
			      !(op->flags & MS_NODEV) && (op->flags & MS_NOSUID));
		}
	}
	op = rootfs_plan_find(&p, "/dev/ptmx");
	CHECK(op && op->kind == OP_SYMLINK && strcmp(op->source, "pts/ptmx") == 0);
	op = rootfs_plan_find(&p, "/dev/fd");
	CHECK(op && strcmp(op->source, "/proc/self/fd") == 0);
	op = rootfs_plan_find(&p, "/dev/stderr");
	CHECK(op && strcmp(op->source, "/proc/self/fd/2") == 0);
	CHECK(rootfs_plan_find(&p, "/dev/core") == NULL);
	op = rootfs_plan_find(&p, "/dev");
	CHECK(op && op->kind == OP_REMOUNT && op->flags == MS_RDONLY);
	rootfs_plan_release(&p);
}

TEST(rootfs_masks_and_readonly_paths)
{
	static const char *const masked[] = {
		"/proc/acpi",        "/proc/asound",  "/proc/interrupts",
		"/proc/kcore",       "/proc/keys",    "/proc/latency_stats",
		"/proc/sched_debug", "/proc/scsi",    "/proc/timer_list",
		"/proc/timer_stats", "/sys/firmware", "/sys/devices/virtual/powercap"};
	static const char *const ro[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					 "/proc/sysrq-trigger"};
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;

	rootfs_test_init(&t);
	t.svc.rootfs.kind = ROOTFS_DIR;
	t.svc.rootfs.path = t.rootdir;
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++)
		CHECK(rootfs_test_index(&p, masked[i], OP_MASK) > 0);
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		long j = rootfs_test_index(&p, ro[i], OP_READONLY);

		CHECK(j > 0);
		if (j > 0)
			CHECK_UINT(p.ops[j].flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC),
				   MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	}
	rootfs_plan_release(&p);
}

TEST(rootfs_generated_etc_files)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;
	static const char *const names[] = {"hostname", "hosts", "resolv.conf"};

	rootfs_test_init(&t);
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	for (size_t i = 0; i < 3; i++) {
		char target[64], source[64];
		const struct mount_op *op;

		snprintf(target, sizeof(target), "/etc/%s", names[i]);
		snprintf(source, sizeof(source), "/r/containers/web/%s", names[i]);
		op = rootfs_plan_find(&p, target);
		CHECK(op && op->kind == OP_BIND);
		CHECK_INT(rootfs_test_count(&p, target), 1);
		if (op) {
			CHECK_STR(op->source, source);
			CHECK_UINT(op->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV),
				   MS_RDONLY | MS_NOSUID | MS_NODEV);
		}
	}
	rootfs_plan_release(&p);
}

TEST(rootfs_user_mounts_flags_and_sources)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;
	const struct mount_op *op;

	rootfs_test_init(&t);
	rootfs_test_mount(&t, "/cache", MOUNT_TMPFS, NULL, false);
	t.mounts[0].tmpfs_size = 64 << 20;
	rootfs_test_mount(&t, "/data", MOUNT_VOLUME, "", false);
	rootfs_test_mount(&t, "/etc/app.conf", MOUNT_BUNDLE, "conf/app.conf", true);
	rootfs_test_mount(&t, "/media", MOUNT_HOST, "/media/usb", true);
	rootfs_test_mount(&t, "/srv/www", MOUNT_VOLUME, "www", true);
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);

	op = rootfs_plan_find(&p, "/cache");
	CHECK(op && op->kind == OP_TMPFS && op->data && strstr(op->data, "size=67108864"));
	op = rootfs_plan_find(&p, "/data");
	CHECK(op && op->kind == OP_BIND && op->create && !(op->flags & MS_RDONLY));
	if (op) {
		CHECK_STR(op->source, "/v/web");
		CHECK_STR(op->base, "/v/web");
	}
	op = rootfs_plan_find(&p, "/srv/www");
	CHECK(op && op->create && (op->flags & MS_RDONLY));
	if (op) {
		CHECK_STR(op->source, "/v/web/www");
		CHECK_STR(op->base, "/v/web");
	}
	op = rootfs_plan_find(&p, "/etc/app.conf");
	CHECK(op && !op->create && (op->flags & MS_RDONLY));
	if (op) {
		CHECK_STR(op->source, "/b/web/conf/app.conf");
		CHECK_STR(op->base, "/b/web");
	}
	op = rootfs_plan_find(&p, "/media");
	CHECK(op && !op->base && !op->create);
	if (op)
		CHECK_STR(op->source, "/media/usb");
	/* ALWAYS nosuid,nodev, whatever the line says */
	for (size_t i = 0; i < t.svc.n_mounts; i++) {
		op = rootfs_plan_find(&p, t.mounts[i].target);
		CHECK(op && (op->flags & (MS_NOSUID | MS_NODEV)) == (MS_NOSUID | MS_NODEV));
	}
	/* after /tmp and /run, before the masks */
	CHECK(rootfs_test_index(&p, "/run", OP_TMPFS) < rootfs_test_index(&p, "/cache", -1));
	CHECK(rootfs_test_index(&p, "/srv/www", -1) < rootfs_test_index(&p, "/proc/acpi", OP_MASK));
	rootfs_plan_release(&p);
}

TEST(rootfs_user_mount_replaces_default)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;
	const struct mount_op *op;

	rootfs_test_init(&t);
	rootfs_test_mount(&t, "/dev/shm", MOUNT_TMPFS, NULL, false);
	t.mounts[0].tmpfs_size = 1 << 30;
	rootfs_test_mount(&t, "/etc/resolv.conf", MOUNT_BUNDLE, "resolv.conf", true);
	rootfs_test_mount(&t, "/tmp", MOUNT_VOLUME, "tmp", false);
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	CHECK_INT(rootfs_test_count(&p, "/tmp"), 1);
	op = rootfs_plan_find(&p, "/tmp");
	CHECK(op && op->kind == OP_BIND && op->create);
	CHECK_INT(rootfs_test_count(&p, "/dev/shm"), 1);
	op = rootfs_plan_find(&p, "/dev/shm");
	CHECK(op && op->data && strstr(op->data, "size=1073741824"));
	CHECK_INT(rootfs_test_count(&p, "/etc/resolv.conf"), 1);
	op = rootfs_plan_find(&p, "/etc/resolv.conf");
	CHECK(op && op->base && strcmp(op->source, "/b/web/resolv.conf") == 0);
	rootfs_plan_release(&p);
}

TEST(rootfs_refuses_kernel_targets)
{
	static const char *const bad[] = {"/proc", "/proc/sys/kernel", "/sys", "/sys/class", "/dev"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rootfs_test t;
		struct rootfs_plan p;
		struct error err;

		rootfs_test_init(&t);
		rootfs_test_mount(&t, bad[i], MOUNT_TMPFS, NULL, false);
		CHECK(rootfs_plan_build(&t.req, "/", &p, &err) < 0);
		CHECK_CONTAINS(err.msg, bad[i]);
		CHECK_CONTAINS(err.msg, "set up by pistack");
		CHECK_INT(p.n_ops, 0);
	}
	{
		/* /dev/x and /process are fine */
		struct rootfs_test t;
		struct rootfs_plan p;
		struct error err;

		rootfs_test_init(&t);
		rootfs_test_mount(&t, "/dev/x", MOUNT_TMPFS, NULL, false);
		rootfs_test_mount(&t, "/process", MOUNT_TMPFS, NULL, false);
		CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
		rootfs_plan_release(&p);
	}
}

TEST(rootfs_bundle_mount_needs_bundle)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;

	rootfs_test_init(&t);
	t.svc.bundle_dir = NULL;
	rootfs_test_mount(&t, "/etc/app.conf", MOUNT_BUNDLE, "app.conf", true);
	CHECK(rootfs_plan_build(&t.req, "/", &p, &err) < 0);
	CHECK_STR(err.msg, "bind 'bundle:app.conf' on '/etc/app.conf': service 'web' has no bundle");
}

TEST(rootfs_dir_readonly_binds_path)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;
	char userdb[4096];

	rootfs_test_init(&t);
	t.svc.rootfs.kind = ROOTFS_DIR;
	t.svc.rootfs.path = t.rootdir;
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	CHECK(!p.root_is_tmpfs);
	CHECK(p.readonly);
	CHECK_INT(p.ops[0].kind, OP_BIND);
	CHECK_STR(p.ops[0].target, "/");
	CHECK_STR(p.ops[0].source, "/srv/rootfs/alpine");
	CHECK_UINT(p.ops[0].flags & (MS_NOSUID | MS_NODEV), MS_NOSUID | MS_NODEV);
	/* no host view in a directory rootfs */
	CHECK(rootfs_plan_find(&p, "/usr") == NULL);
	CHECK(rootfs_plan_find(&p, "/etc/passwd") == NULL);
	CHECK_INT(rootfs_user_db_dir(&t.global, &t.svc, userdb, sizeof(userdb), &err), 0);
	CHECK_STR(userdb, "/srv/rootfs/alpine");
	rootfs_plan_release(&p);
}

TEST(rootfs_dir_writable_is_overlay)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;

	rootfs_test_init(&t);
	t.svc.rootfs.kind = ROOTFS_DIR;
	t.svc.rootfs.path = t.rootdir;
	t.svc.readonly = false;
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	CHECK(!p.readonly);
	CHECK_INT(p.ops[0].kind, OP_OVERLAY);
	CHECK_STR(p.ops[0].target, "/");
	CHECK_STR(
		p.ops[0].data,
		"lowerdir=/srv/rootfs/alpine,upperdir=/s/containers/web/upper,workdir=/s/containers/web/work");
	rootfs_plan_release(&p);

	/* overlayfs would split the path at ':' */
	strcpy(t.rootdir, "/srv/a:b");
	CHECK(rootfs_plan_build(&t.req, "/", &p, &err) < 0);
	CHECK_CONTAINS(err.msg, "use rootfs 'dir:/srv/a:b'");
	/* read-only: a bind, no overlay, any path */
	t.svc.readonly = true;
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	rootfs_plan_release(&p);
}

TEST(rootfs_debian_not_built)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;
	char curl[] = "curl", python3[] = "python3", userdb[4096];
	char *pkgs[] = {curl, python3, NULL};

	rootfs_test_init(&t);
	strcpy(t.state, "/nonexistent-pistack-state");
	t.svc.rootfs.kind = ROOTFS_DEBIAN;
	t.svc.rootfs.packages.v = pkgs;
	t.svc.rootfs.packages.n = 2;
	CHECK(rootfs_plan_build(&t.req, "/", &p, &err) < 0);
	CHECK_STR(err.msg, "use rootfs of 'web': not built; run `pistack build web`");
	CHECK_INT(p.n_ops, 0);
	CHECK(rootfs_user_db_dir(&t.global, &t.svc, userdb, sizeof(userdb), &err) < 0);
	CHECK_STR(err.msg, "use rootfs of 'web': not built; run `pistack build web`");
}

TEST(rootfs_net_host_mounts_fresh_sysfs)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;

	/* Without a user namespace, mode host still gets its own sysfs: a bind of
	 * the host's /sys would show debugfs, tracefs and securityfs. */
	rootfs_test_init(&t);
	t.svc.net_mode = NET_HOST;
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	CHECK(rootfs_test_index(&p, "/sys", OP_SYSFS) >= 0);
	CHECK(!rootfs_plan_find(&p, "/sys") || rootfs_plan_find(&p, "/sys")->kind != OP_BIND);
	rootfs_plan_release(&p);
}

TEST(rootfs_net_host_userns_binds_sys)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;
	const struct mount_op *op;

	rootfs_test_init(&t);
	t.svc.net_mode = NET_HOST;
	t.svc.userns = true;
	t.req.userns = true;
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	op = rootfs_plan_find(&p, "/sys");
	CHECK(op && op->kind == OP_BIND);
	if (op) {
		CHECK_STR(op->source, "/sys");
		CHECK_UINT(op->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC),
			   MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	}
	CHECK(rootfs_test_index(&p, "/sys", OP_SYSFS) < 0);
	rootfs_plan_release(&p);
}

TEST(rootfs_userns_devpts_without_gid)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;
	const struct mount_op *op;

	rootfs_test_init(&t);
	t.req.userns = true;
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	op = rootfs_plan_find(&p, "/dev/pts");
	CHECK(op && !strstr(op->data, "gid="));
	rootfs_plan_release(&p);
}

TEST(rootfs_readonly_no_keeps_binds_readonly)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;

	rootfs_test_init(&t);
	t.svc.readonly = false;
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	CHECK(!p.readonly);
	CHECK(p.root_is_tmpfs);
	CHECK(rootfs_plan_find(&p, "/usr") && (rootfs_plan_find(&p, "/usr")->flags & MS_RDONLY));
	rootfs_plan_release(&p);
}

TEST(rootfs_plan_add_and_remove)
{
	struct rootfs_plan p = {0};
	struct error err;

	CHECK(rootfs_plan_add(&p, OP_MKDIR, NULL, "/a", 0, NULL, 0755, &err) != NULL);
	CHECK(rootfs_plan_add(&p, OP_SYMLINK, "x", "/b", 0, NULL, 0, &err) != NULL);
	CHECK(rootfs_plan_add(&p, OP_MKDIR, NULL, "/c", 0, NULL, 0700, &err) != NULL);
	CHECK_INT(p.ops[1].fd, -1);
	rootfs_plan_remove(&p, 1);
	CHECK_INT(p.n_ops, 2);
	CHECK_STR(p.ops[1].target, "/c");
	CHECK(rootfs_plan_find(&p, "/b") == NULL);
	rootfs_plan_release(&p);
}

TEST(rootfs_debian_built_is_a_directory)
{
	struct rootfs_test t;
	struct rootfs_plan p;
	struct error err;
	char dir[64], path[128], key[ROOTFS_DEBIAN_KEY_MAX + 1];
	char curl[] = "curl", python3[] = "python3";
	char *pkgs[] = {curl, python3, NULL};

	rootfs_test_init(&t);
	strcpy(dir, "/tmp/pistack-test-state.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(t.state, sizeof(t.state), "%s", dir);
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	CHECK_INT(mkdir(path, 0755), 0);
	CHECK_INT(rootfs_debian_key(pkgs, 2, key, sizeof(key), &err), 0);
	snprintf(path, sizeof(path), "%s/rootfs/%s", dir, key);
	CHECK_INT(mkdir(path, 0755), 0);
	t.svc.rootfs.kind = ROOTFS_DEBIAN;
	t.svc.rootfs.packages.v = pkgs;
	t.svc.rootfs.packages.n = 2;
	/* once `pistack build` made STATE/rootfs/KEY, it is planned like dir:KEY */
	CHECK_INT(rootfs_plan_build(&t.req, "/", &p, &err), 0);
	CHECK_INT(p.ops[0].kind, OP_BIND);
	CHECK_STR(p.ops[0].source, path);
	rootfs_plan_release(&p);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/rootfs", dir);
	rmdir(path);
	rmdir(dir);
}
