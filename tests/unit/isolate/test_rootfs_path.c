/*
 * test_rootfs_path.c - unit tests of the path walker (src/isolate/rootfs_path.c) and of
 * rootfs_cleanup(): symlinks that try to leave the new root or a volume, and a
 * writable layer with links to host files.  Plain files in a temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isolate/rootfs.h"
#include "test.h"

/* A scratch directory: DIR/outside (a "host" dir) and DIR/root (the "new root"). */
static int rootfs_path_test_setup(char *dir)
{
	char path[256];

	strcpy(dir, "/tmp/pistack-test-path.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/outside", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/root", dir);
	mkdir(path, 0755);
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Remove the scratch directory. */
static void rootfs_path_test_cleanup(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* True if DIR/REL exists (without following a final symlink). */
static bool rootfs_path_test_exists(const char *dir, const char *rel)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return lstat(path, &st) == 0;
}

TEST(rootfs_path_creates_inside_root)
{
	SKIP_UNLESS(test_have_openat2(), "no openat2 (kernel < 5.6, or qemu-user)");
	char dir[64], link[300];
	int root = rootfs_path_test_setup(dir), fd;
	struct stat st;

	/* absolute and relative escapes, as a hostile rootfs would ship them */
	snprintf(link, sizeof(link), "%s/root/abs", dir);
	CHECK_INT(symlink(dir, link), 0);
	snprintf(link, sizeof(link), "%s/root/rel", dir);
	CHECK_INT(symlink("../../outside", link), 0);

	fd = rootfs_path_open(root, "/abs/outside/data", RESOLVE_IN_ROOT, ROOTFS_NODE_DIR, 0755, (uid_t)-1,
			      (gid_t)-1);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	/* "/abs" -> DIR is read as ROOT/DIR: created there, not in the real DIR */
	CHECK(rootfs_path_test_exists(dir, "root/tmp"));
	CHECK(!rootfs_path_test_exists(dir, "outside/data"));

	fd = rootfs_path_open(root, "/rel/file", RESOLVE_IN_ROOT, ROOTFS_NODE_FILE, 0600, (uid_t)-1,
			      (gid_t)-1);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	/* "../../outside" stops at the root: ROOT/outside/file */
	CHECK(rootfs_path_test_exists(dir, "root/outside/file"));
	CHECK(!rootfs_path_test_exists(dir, "outside/file"));
	snprintf(link, sizeof(link), "%s/root/outside/file", dir);
	CHECK(stat(link, &st) == 0 && (st.st_mode & 07777) == 0600 && S_ISREG(st.st_mode));

	/* "/" is the root itself; a missing path without CREATE is ENOENT */
	fd = rootfs_path_open(root, "/", RESOLVE_IN_ROOT, ROOTFS_NODE_NONE, 0, (uid_t)-1, (gid_t)-1);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(rootfs_path_open(root, "/nothing/here", RESOLVE_IN_ROOT, ROOTFS_NODE_NONE, 0, (uid_t)-1,
				   (gid_t)-1),
		  -ENOENT);
	CHECK(!rootfs_path_test_exists(dir, "root/nothing"));
	close(root);
	rootfs_path_test_cleanup(dir);
}

TEST(rootfs_path_kinds_and_modes)
{
	SKIP_UNLESS(test_have_openat2(), "no openat2 (kernel < 5.6, or qemu-user)");
	char dir[64], path[300];
	int root = rootfs_path_test_setup(dir), fd;
	struct stat st;

	fd = rootfs_path_open(root, "a/b/c", RESOLVE_IN_ROOT, ROOTFS_NODE_DIR, 01777, (uid_t)-1, (gid_t)-1);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	/* the umask does not apply; parents get 0755 */
	snprintf(path, sizeof(path), "%s/root/a/b/c", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 01777);
	snprintf(path, sizeof(path), "%s/root/a", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0755);
	/* an existing directory keeps its mode */
	chmod(path, 0700);
	fd = rootfs_path_open(root, "a", RESOLVE_IN_ROOT, ROOTFS_NODE_DIR, 0755, (uid_t)-1, (gid_t)-1);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0700);
	/* kind mismatches */
	fd = rootfs_path_open(root, "f", RESOLVE_IN_ROOT, ROOTFS_NODE_FILE, 0644, (uid_t)-1, (gid_t)-1);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(rootfs_path_open(root, "f", RESOLVE_IN_ROOT, ROOTFS_NODE_DIR, 0755, (uid_t)-1, (gid_t)-1),
		  -ENOTDIR);
	CHECK_INT(
		rootfs_path_open(root, "a/b", RESOLVE_IN_ROOT, ROOTFS_NODE_FILE, 0644, (uid_t)-1, (gid_t)-1),
		-EISDIR);
	CHECK_INT(rootfs_path_open(root, "f/x", RESOLVE_IN_ROOT, ROOTFS_NODE_DIR, 0755, (uid_t)-1, (gid_t)-1),
		  -ENOTDIR);
	close(root);
	rootfs_path_test_cleanup(dir);
}

TEST(rootfs_path_beneath_refuses_escape)
{
	SKIP_UNLESS(test_have_openat2(), "no openat2 (kernel < 5.6, or qemu-user)");
	char dir[64], link[300];
	int vol = rootfs_path_test_setup(dir), fd;

	/* a service replaced its volume's sub-directory with a link to the host */
	snprintf(link, sizeof(link), "%s/root/www", dir);
	CHECK_INT(symlink("../outside", link), 0);
	CHECK_INT(rootfs_path_open(vol, "www", RESOLVE_BENEATH, ROOTFS_NODE_DIR, 0755, (uid_t)-1, (gid_t)-1),
		  -EXDEV);
	CHECK_INT(
		rootfs_path_open(vol, "www/x", RESOLVE_BENEATH, ROOTFS_NODE_DIR, 0755, (uid_t)-1, (gid_t)-1),
		-EXDEV);
	CHECK(!rootfs_path_test_exists(dir, "outside/x"));
	/* a link that stays inside the volume is fine, dangling or not: what it
	 * points to is created */
	snprintf(link, sizeof(link), "%s/root/site", dir);
	CHECK_INT(symlink("data/site", link), 0);
	fd = rootfs_path_open(vol, "site", RESOLVE_BENEATH, ROOTFS_NODE_DIR, 0755, (uid_t)-1, (gid_t)-1);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(rootfs_path_test_exists(dir, "root/data/site"));
	/* a dangling link out of the volume is refused, not followed */
	snprintf(link, sizeof(link), "%s/root/gone", dir);
	CHECK_INT(symlink("../outside/gone", link), 0);
	CHECK_INT(rootfs_path_open(vol, "gone", RESOLVE_BENEATH, ROOTFS_NODE_DIR, 0755, (uid_t)-1, (gid_t)-1),
		  -EXDEV);
	CHECK(!rootfs_path_test_exists(dir, "outside/gone"));
	/* a loop ends */
	snprintf(link, sizeof(link), "%s/root/loop", dir);
	CHECK_INT(symlink("loop", link), 0);
	CHECK(rootfs_path_open(vol, "loop", RESOLVE_BENEATH, ROOTFS_NODE_DIR, 0755, (uid_t)-1, (gid_t)-1) <
	      0);
	close(vol);
	rootfs_path_test_cleanup(dir);
}

TEST(rootfs_cleanup_removes_layer_not_host_files)
{
	struct rootfs_plan p = {0};
	struct error err;
	char dir[64], path[2048], run[128], state[128];
	int root = rootfs_path_test_setup(dir), fd;

	close(root);
	snprintf(run, sizeof(run), "%s/run/containers/web", dir);
	snprintf(state, sizeof(state), "%s/state/containers/web", dir);
	p.run_dir = run;
	p.state_dir = state;
	/* a generated file, a deep writable layer with links to the "host" */
	snprintf(path, sizeof(path),
		 "mkdir -p %s/root %s/work/work %s/upper/a/b/c/d/e/f/g/h && "
		 "touch %s/hosts %s/upper/a/b/c/d/e/f/g/h/file %s/outside/precious && "
		 "ln -s %s/outside %s/upper/a/link && ln -s %s/outside/precious %s/upper/a/b/flink",
		 run, state, state, run, state, dir, dir, state, dir, state);
	CHECK_INT(system(path), 0);
	/* a deep chain that recursion would pay for */
	fd = open(state, O_RDONLY | O_DIRECTORY);
	for (int i = 0; fd >= 0 && i < 300; i++) {
		int next;

		mkdirat(fd, "d", 0755);
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = next;
	}
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "mv %s/d %s/upper/deep", state, state);
	CHECK_INT(system(path), 0);

	/* without remove_state the layer stays */
	CHECK_INT(rootfs_cleanup(&p, false, &err), 0);
	CHECK(!rootfs_path_test_exists(dir, "run/containers/web"));
	CHECK(rootfs_path_test_exists(dir, "run/containers"));
	CHECK(rootfs_path_test_exists(dir, "state/containers/web/upper/a/link"));
	/* run --rm: gone, and nothing a link pointed at was touched */
	CHECK_INT(rootfs_cleanup(&p, true, &err), 0);
	CHECK(!rootfs_path_test_exists(dir, "state/containers/web"));
	CHECK(rootfs_path_test_exists(dir, "outside/precious"));
	/* again: nothing left is not an error */
	CHECK_INT(rootfs_cleanup(&p, true, &err), 0);
	rootfs_path_test_cleanup(dir);
}
