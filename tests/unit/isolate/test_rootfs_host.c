/*
 * test_rootfs_host.c - unit tests of the rootfs = host view (src/isolate/rootfs_host.c)
 * against fake host trees in a temporary directory: merged-usr or not, and an /etc
 * full of secrets that must stay out.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isolate/rootfs.h"
#include "test.h"

/* Create the file DIR/REL (and its parents). */
static void rootfs_host_test_touch(const char *dir, const char *rel)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
}

/* Create the directory DIR/REL. */
static void rootfs_host_test_mkdir(const char *dir, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	mkdir(path, 0755);
}

/* Create the symlink DIR/REL -> TEXT. */
static void rootfs_host_test_link(const char *dir, const char *rel, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (symlink(text, path) < 0)
		perror(path);
}

/* Remove the fake host tree. */
static void rootfs_host_test_cleanup(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* A fake host: MERGED selects bin -> usr/bin or real directories. */
static void rootfs_host_test_tree(char *dir, bool merged)
{
	static const char *const files[] = {
		"usr/bin/sh",
		"etc/passwd",
		"etc/group",
		"etc/shadow",
		"etc/gshadow",
		"etc/sudoers",
		"etc/sudoers.d/admin",
		"etc/ssh/ssh_host_ed25519_key",
		"etc/ssl/certs/ca.pem",
		"etc/ssl/private/host.key",
		"etc/ssl/openssl.cnf",
		"etc/machine-id",
		"etc/environment",
		"etc/security/opasswd",
		"etc/pistack/conf.d/web.ini",
		"etc/hosts",
		"etc/hostname",
		"etc/resolv.conf",
		"etc/ld.so.cache",
		"etc/nsswitch.conf",
		"etc/ld.so.preload",
		"etc/apt/auth.conf.d/creds.conf",
		"etc/fstab",
	};

	strcpy(dir, "/tmp/pistack-test-host.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		rootfs_host_test_touch(dir, files[i]);
	rootfs_host_test_link(dir, "etc/localtime", "/usr/share/zoneinfo/Europe/Berlin");
	rootfs_host_test_link(dir, "etc/os-release", "../usr/lib/os-release");
	if (merged) {
		rootfs_host_test_link(dir, "bin", "usr/bin");
		rootfs_host_test_link(dir, "lib", "usr/lib");
		rootfs_host_test_link(dir, "lib64", "usr/lib64");
	} else {
		rootfs_host_test_mkdir(dir, "bin");
		rootfs_host_test_mkdir(dir, "lib");
	}
}

TEST(rootfs_host_etc_allow_list)
{
	static const char *const hidden[] = {
		"/etc/shadow",      "/etc/gshadow",     "/etc/sudoers", "/etc/sudoers.d",
		"/etc/ssh",         "/etc/ssl/private", "/etc/ssl",     "/etc/machine-id",
		"/etc/environment", "/etc/security",    "/etc/pistack", "/etc/ld.so.preload",
		"/etc/apt",         "/etc/fstab",
	};
	struct rootfs_plan p = {0};
	struct error err;
	char dir[64], path[128];
	const struct mount_op *op;

	rootfs_host_test_tree(dir, true);
	CHECK_INT(rootfs_host_plan(&p, dir, &err), 0);
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (rootfs_plan_find(&p, hidden[i]))
			test_fail(__FILE__, __LINE__, "%s is visible", hidden[i]);
	/* no op reaches below a hidden entry either */
	for (size_t i = 0; i < p.n_ops; i++) {
		CHECK(!strstr(p.ops[i].target, "shadow"));
		CHECK(!strstr(p.ops[i].target, "/etc/ssh"));
		CHECK(!strstr(p.ops[i].target, "private"));
		CHECK(!strstr(p.ops[i].target, "pistack"));
		if (p.ops[i].source)
			CHECK(!strstr(p.ops[i].source, "shadow"));
	}
	/* hosts, hostname and resolv.conf are generated, not the host's */
	CHECK(rootfs_plan_find(&p, "/etc/hosts") == NULL);
	CHECK(rootfs_plan_find(&p, "/etc/resolv.conf") == NULL);
	/* what a service needs, read-only, from the fake host */
	op = rootfs_plan_find(&p, "/etc/passwd");
	snprintf(path, sizeof(path), "%s/etc/passwd", dir);
	CHECK(op && op->kind == OP_BIND && op->optional && S_ISREG(op->mode));
	if (op) {
		CHECK_STR(op->source, path);
		CHECK_UINT(op->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV), MS_RDONLY | MS_NOSUID | MS_NODEV);
	}
	op = rootfs_plan_find(&p, "/etc/ssl/certs");
	CHECK(op && op->kind == OP_BIND && S_ISDIR(op->mode));
	CHECK(rootfs_plan_find(&p, "/etc/ssl/openssl.cnf") != NULL);
	CHECK(rootfs_plan_find(&p, "/etc/nsswitch.conf") != NULL);
	CHECK(rootfs_plan_find(&p, "/etc/ld.so.cache") != NULL);
	/* symlinks are recreated with the host's text */
	op = rootfs_plan_find(&p, "/etc/localtime");
	CHECK(op && op->kind == OP_SYMLINK);
	if (op)
		CHECK_STR(op->source, "/usr/share/zoneinfo/Europe/Berlin");
	op = rootfs_plan_find(&p, "/etc/os-release");
	CHECK(op && op->kind == OP_SYMLINK);
	/* entries the fake host lacks are skipped, not errors */
	CHECK(rootfs_plan_find(&p, "/etc/mime.types") == NULL);
	rootfs_plan_release(&p);
	rootfs_host_test_cleanup(dir);
}

TEST(rootfs_host_merged_usr_links)
{
	struct rootfs_plan p = {0};
	struct error err;
	char dir[64];
	const struct mount_op *op;

	rootfs_host_test_tree(dir, true);
	CHECK_INT(rootfs_host_plan(&p, dir, &err), 0);
	op = rootfs_plan_find(&p, "/bin");
	CHECK(op && op->kind == OP_SYMLINK);
	if (op)
		CHECK_STR(op->source, "usr/bin");
	op = rootfs_plan_find(&p, "/lib64");
	CHECK(op && op->kind == OP_SYMLINK);
	if (op)
		CHECK_STR(op->source, "usr/lib64");
	/* absent on this host: absent in the view */
	CHECK(rootfs_plan_find(&p, "/sbin") == NULL);
	CHECK(rootfs_plan_find(&p, "/libx32") == NULL);
	rootfs_plan_release(&p);
	rootfs_host_test_cleanup(dir);
}

TEST(rootfs_host_split_usr_binds)
{
	struct rootfs_plan p = {0};
	struct error err;
	char dir[64], path[128];
	const struct mount_op *op;

	rootfs_host_test_tree(dir, false);
	CHECK_INT(rootfs_host_plan(&p, dir, &err), 0);
	op = rootfs_plan_find(&p, "/bin");
	snprintf(path, sizeof(path), "%s/bin", dir);
	CHECK(op && op->kind == OP_BIND && S_ISDIR(op->mode) && (op->flags & MS_RDONLY));
	if (op)
		CHECK_STR(op->source, path);
	op = rootfs_plan_find(&p, "/lib");
	CHECK(op && op->kind == OP_BIND);
	rootfs_plan_release(&p);
	rootfs_host_test_cleanup(dir);
}

TEST(rootfs_host_empty_dirs)
{
	struct rootfs_plan p = {0};
	struct error err;
	char dir[64];
	const struct mount_op *op;

	rootfs_host_test_tree(dir, true);
	CHECK_INT(rootfs_host_plan(&p, dir, &err), 0);
	op = rootfs_plan_find(&p, "/var/tmp");
	CHECK(op && op->kind == OP_MKDIR && op->mode == 01777);
	op = rootfs_plan_find(&p, "/root");
	CHECK(op && op->kind == OP_MKDIR && op->mode == 0700);
	op = rootfs_plan_find(&p, "/home");
	CHECK(op && op->kind == OP_MKDIR);
	op = rootfs_plan_find(&p, "/var/run");
	CHECK(op && op->kind == OP_SYMLINK && strcmp(op->source, "../run") == 0);
	/* the host's /var, /home and /root contents are never bound */
	for (size_t i = 0; i < p.n_ops; i++)
		CHECK(p.ops[i].kind != OP_BIND ||
		      (strncmp(p.ops[i].target, "/var", 4) != 0 &&
		       strncmp(p.ops[i].target, "/home", 5) != 0 &&
		       strncmp(p.ops[i].target, "/root", 5) != 0));
	rootfs_plan_release(&p);
	rootfs_host_test_cleanup(dir);
}
