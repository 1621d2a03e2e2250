/*
 * test_cgroup.c - unit tests of src/isolate/cgroup.c and cgroup_limits.c: the parsers
 * over mountinfo, /proc/self/cgroup, cgroup.events and /proc/cgroups samples, and the
 * limit checks and creation against a fake base directory (no root, no cgroupfs).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "config/schema.h"
#include "isolate/cgroup.h"
#include "isolate/systemd_scope.h"
#include "test.h"

/* Debian 12 on a Raspberry Pi: pure cgroup v2 at /sys/fs/cgroup. */
static const char mountinfo_pure_v2[] =
	"22 1 179:2 / / rw,noatime shared:1 - ext4 /dev/mmcblk0p2 rw\n"
	"23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"26 23 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n"
	"27 23 0:25 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:10 - bpf bpf rw,mode=700\n";

/* This build host: v1 controllers, v2 (without controllers) at /sys/fs/cgroup/unified. */
static const char mountinfo_hybrid[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* Only v1: no cgroup2 at all. */
static const char mountinfo_v1[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup2-lookalike rw - tmpfs cgroup2 rw\n";

/* A /proc/cgroups of this host (hybrid), and of a Raspberry Pi kernel (memory off). */
static const char proc_cgroups_hybrid[] =
	"#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
	"cpuset\t3\t1\t1\ncpu\t1\t1\t1\ncpuacct\t2\t1\t1\nblkio\t7\t1\t1\nmemory\t4\t43\t1\n"
	"devices\t5\t1\t1\nfreezer\t6\t1\t1\nhugetlb\t0\t1\t1\npids\t8\t1\t1\n";
static const char proc_cgroups_rpi[] =
	"#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
	"cpuset\t0\t70\t1\ncpu\t0\t70\t1\ncpuacct\t0\t70\t1\nblkio\t0\t70\t1\nmemory\t0\t70\t0\n"
	"devices\t0\t70\t1\nfreezer\t0\t70\t1\nnet_cls\t0\t1\t1\npids\t0\t70\t1\n";

/* Parse TEXT and check the mount points found, given as a NULL-terminated list. */
static void cgroup_test_mounts(const char *text, const char *const *want)
{
	char *got[8];
	int n = cgroup_parse_mountinfo(text, got, 8), w = 0;

	while (want[w])
		w++;
	CHECK_INT(n, w);
	for (int i = 0; i < n; i++) {
		if (i < w)
			CHECK_STR(got[i], want[i]);
		free(got[i]);
	}
}

TEST(cgroup_mountinfo_pure_v2)
{
	cgroup_test_mounts(mountinfo_pure_v2, (const char *const[]){"/sys/fs/cgroup", NULL});
}

TEST(cgroup_mountinfo_hybrid)
{
	cgroup_test_mounts(mountinfo_hybrid, (const char *const[]){"/sys/fs/cgroup/unified", NULL});
}

TEST(cgroup_mountinfo_none)
{
	/* A tmpfs whose source is called "cgroup2" is not a cgroup2 mount. */
	cgroup_test_mounts(mountinfo_v1, (const char *const[]){NULL});
	cgroup_test_mounts("", (const char *const[]){NULL});
}

TEST(cgroup_mountinfo_escaped)
{
	cgroup_test_mounts("50 22 0:40 / /run/my\\040cg\\011x\\134y rw - cgroup2 none rw\n",
			   (const char *const[]){"/run/my cg\tx\\y", NULL});
	/* A backslash not followed by three octal digits is kept as it is. */
	cgroup_test_mounts("50 22 0:40 / /a\\9b\\04 rw - cgroup2 none rw",
			   (const char *const[]){"/a\\9b\\04", NULL});
}

TEST(cgroup_mountinfo_order_and_subtrees)
{
	/* Optional fields before "-"; a bind of a subtree (root != "/") is skipped; every
	 * mount of the whole hierarchy is listed in file order. */
	static const char text[] =
		"60 22 0:24 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n"
		"61 22 0:24 / /run/pistack/cg rw shared:3 master:1 propagate_from:2 - cgroup2 cgroup2 rw\n"
		"62 22 0:24 / /sys/fs/cgroup rw unbindable - cgroup2 cgroup2 rw\n";

	cgroup_test_mounts(text, (const char *const[]){"/run/pistack/cg", "/sys/fs/cgroup", NULL});
}

TEST(cgroup_mountinfo_hostile)
{
	static const char *const bad[] = {
		"garbage\n",
		"1 2 3 / /x - cgroup2\n", /* "-" too early: no options field */
		"1 2 3 / /x rw cgroup2 cgroup2 rw\n", /* no separator */
		"1 2 3 / /x rw -\n", /* nothing after the separator */
		"1 2 3 /x /y rw - cgroup2 c rw\n", /* a subtree */
		"1 2 3 / /x rw - cgroup2x c rw\n",
		"\n\n\n",
		"- - - - - - - - cgroup2\n",
	};
	char *many = malloc(64 * 1024);
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cgroup_test_mounts(bad[i], (const char *const[]){NULL});
	/* 200 fields on one line, and more matches than the caller has room for. */
	if (!many)
		abort();
	len += (size_t)sprintf(many, "1 2 3 / /y rw");
	for (int i = 0; i < 200; i++)
		len += (size_t)sprintf(many + len, " o%d", i);
	len += (size_t)sprintf(many + len, " - cgroup2 c rw\n");
	for (int i = 0; i < 20; i++)
		len += (size_t)sprintf(many + len, "1 2 3 / /m%d rw - cgroup2 c rw\n", i);
	{
		char *got[8];
		int n = cgroup_parse_mountinfo(many, got, 8);

		CHECK_INT(n, 8);
		for (int i = 0; i < n; i++)
			free(got[i]);
	}
	free(many);
}

TEST(cgroup_controllers)
{
	CHECK_UINT(cgroup_parse_controllers("cpuset cpu io memory hugetlb pids rdma misc\n"),
		   CG_CPU | CG_IO | CG_MEMORY | CG_PIDS);
	CHECK_UINT(cgroup_parse_controllers("memory pids"), CG_MEMORY | CG_PIDS);
	CHECK_UINT(cgroup_parse_controllers("hugetlb\n"), 0);
	CHECK_UINT(cgroup_parse_controllers(""), 0);
	CHECK_UINT(cgroup_parse_controllers("cpuset memoryx xio cp"), 0);
	CHECK_UINT(cgroup_parse_controllers("  io\t\tcpu  \n"), CG_IO | CG_CPU);
}

TEST(cgroup_populated)
{
	CHECK_INT(cgroup_parse_populated("populated 1\nfrozen 0\n"), 1);
	CHECK_INT(cgroup_parse_populated("frozen 0\npopulated 0\n"), 0);
	CHECK_INT(cgroup_parse_populated("populated 0"), 0);
	CHECK_INT(cgroup_parse_populated(""), -EINVAL);
	CHECK_INT(cgroup_parse_populated("populated 2\n"), -EINVAL);
	CHECK_INT(cgroup_parse_populated("populated 10\n"), -EINVAL);
	CHECK_INT(cgroup_parse_populated("unpopulated 0\n"), -EINVAL);
}

TEST(cgroup_u64)
{
	unsigned long long v = 7;

	CHECK_INT(cgroup_parse_u64("123\n", &v), 0);
	CHECK_UINT(v, 123);
	CHECK_INT(cgroup_parse_u64("0", &v), 0);
	CHECK_UINT(v, 0);
	CHECK_INT(cgroup_parse_u64("max\n", &v), 0);
	CHECK_UINT(v, ULLONG_MAX);
	CHECK_INT(cgroup_parse_u64("18446744073709551615\n", &v), 0);
	CHECK_UINT(v, ULLONG_MAX);
	v = 7;
	CHECK_INT(cgroup_parse_u64("18446744073709551616", &v), -EINVAL);
	CHECK_INT(cgroup_parse_u64("", &v), -EINVAL);
	CHECK_INT(cgroup_parse_u64("-1", &v), -EINVAL);
	CHECK_INT(cgroup_parse_u64("12 34", &v), -EINVAL);
	CHECK_INT(cgroup_parse_u64("12\n\n", &v), -EINVAL);
	CHECK_INT(cgroup_parse_u64("maxx", &v), -EINVAL);
	CHECK_INT(cgroup_parse_u64("default 100", &v), -EINVAL);
	CHECK_UINT(v, 7);
}

/* Where a service's cgroup is, relative to the base, with and without systemd. */
TEST(cgroup_service_dir)
{
	struct cgroup_root own = { .scopes = false }, scopes = { .scopes = true };
	char buf[CG_SERVICE_DIR_MAX], small[24];

	CHECK_INT(cgroup_service_dir(&own, "web", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "web");
	CHECK_INT(cgroup_service_dir(&scopes, "web", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pistack.slice/pistack-web.scope/service");
	/* The longest service name fits. */
	CHECK_INT(cgroup_service_dir(&scopes, "a2345678901234567890123456789012", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pistack.slice/pistack-a2345678901234567890123456789012.scope/service");
	CHECK_INT(cgroup_service_dir(&scopes, "web", small, sizeof(small)), -ENAMETOOLONG);
	/* Never a path out of the base, nor a unit name systemd would read otherwise. */
	CHECK_INT(cgroup_service_dir(&scopes, "../web", buf, sizeof(buf)), -EINVAL);
	CHECK_INT(cgroup_service_dir(&own, "a/b", buf, sizeof(buf)), -EINVAL);
	CHECK_INT(cgroup_service_dir(&scopes, "", buf, sizeof(buf)), -EINVAL);
	CHECK_INT(cgroup_service_dir(&scopes, "web.service", buf, sizeof(buf)), -EINVAL);

	CHECK_INT(systemd_scope_name("db", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pistack-db.scope");
	CHECK_INT(systemd_scope_name("db", small, 16), -ENAMETOOLONG);
}

TEST(cgroup_cpu_max)
{
	static const struct {
		uint32_t milli;
		const char *want;
	} cases[] = {
		{500, "50000 100000"},         {1000, "100000 100000"}, {2500, "250000 100000"},
		{10, "1000 100000"},           {9, "9000 1000000"},     {1, "1000 1000000"},
		{1024000, "102400000 100000"},
	};
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cgroup_format_cpu_max(cases[i].milli, buf, sizeof(buf));
		CHECK_STR(buf, cases[i].want);
	}
}

TEST(cgroup_absence)
{
	char buf[320];

	CHECK_INT(cgroup_controller_absence(proc_cgroups_hybrid, "memory", false, false), CG_ABSENT_V1);
	CHECK_INT(cgroup_controller_absence(proc_cgroups_rpi, "memory", false, false), CG_ABSENT_DISABLED);
	CHECK_INT(cgroup_controller_absence(proc_cgroups_rpi, "pids", false, false), CG_ABSENT_NOT_DELEGATED);
	CHECK_INT(cgroup_controller_absence(proc_cgroups_rpi, "io", false, false), CG_ABSENT_NOT_DELEGATED);
	CHECK_INT(cgroup_controller_absence(proc_cgroups_hybrid, "io", false, false), CG_ABSENT_V1);
	CHECK_INT(cgroup_controller_absence(proc_cgroups_rpi, "rdma", false, false), CG_ABSENT_KERNEL);
	CHECK_INT(cgroup_controller_absence(NULL, "memory", false, false), CG_ABSENT_DISABLED);
	CHECK_INT(cgroup_controller_absence("", "memory", false, false), CG_ABSENT_KERNEL);
	CHECK_INT(cgroup_controller_absence("garbage\nmemory x y z\n", "memory", false, false),
		  CG_ABSENT_KERNEL);
	CHECK_INT(cgroup_controller_absence(proc_cgroups_hybrid, "memory", true, false),
		  CG_ABSENT_NOT_DELEGATED);
	CHECK_INT(cgroup_controller_absence(proc_cgroups_hybrid, "memory", true, true),
		  CG_ABSENT_NOT_ENABLED);

	cgroup_absence_reason(CG_ABSENT_DISABLED, "memory", "/sys/fs/cgroup/pistack", buf, sizeof(buf));
	CHECK_STR(buf,
		  "the memory controller is not enabled; add cgroup_enable=memory to the kernel "
		  "command line (cmdline.txt on a Raspberry Pi) and reboot");
	cgroup_absence_reason(CG_ABSENT_V1, "memory", "/sys/fs/cgroup/pistack", buf, sizeof(buf));
	CHECK_CONTAINS(buf, "systemd.unified_cgroup_hierarchy=1");
	cgroup_absence_reason(CG_ABSENT_NOT_DELEGATED, "cpu", "/sys/fs/cgroup/lxc.payload/pistack", buf,
			      sizeof(buf));
	CHECK_CONTAINS(buf, "the cpu controller is not handed down to '/sys/fs/cgroup/lxc.payload/pistack'");
	cgroup_absence_reason(CG_ABSENT_DISABLED, "pids", "/b", buf, sizeof(buf));
	CHECK_CONTAINS(buf, "cgroup_disable=pids");
	cgroup_absence_reason(CG_ABSENT_KERNEL, "io", "/b", buf, sizeof(buf));
	CHECK_STR(buf,
		  "the io controller is not built into this kernel; remove the limit or use a kernel "
		  "that has it");
	cgroup_absence_reason(CG_ABSENT_NOT_ENABLED, "io", "/b", buf, sizeof(buf));
	CHECK_CONTAINS(buf, "'/b/cgroup.subtree_control'");
}

/* ---- limits and creation against a fake base: plain directories, no cgroupfs ---- */

struct cgroup_fake {
	char dir[64]; /* /tmp/pistack-cg-XXXXXX: the "mount" */
	char base[96]; /* DIR/pistack */
	struct cgroup_root root;
	struct service_config svc;
};

/* Write TEXT to DIR/NAME, creating it. */
static void cgroup_test_put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* A fake hierarchy: DIR/cgroup.controllers and DIR/pistack/cgroup.controllers hold
 * CONTROLLERS; the root has CG_BITS enabled; service "web" with nothing configured. */
static void cgroup_fake_init(struct cgroup_fake *f, const char *controllers, unsigned cg_bits)
{
	memset(f, 0, sizeof(*f));
	strcpy(f->dir, "/tmp/pistack-cg-XXXXXX");
	if (!mkdtemp(f->dir))
		abort();
	snprintf(f->base, sizeof(f->base), "%s/pistack", f->dir);
	if (mkdir(f->base, 0755) < 0)
		abort();
	cgroup_test_put(f->dir, "cgroup.controllers", controllers);
	cgroup_test_put(f->base, "cgroup.controllers", controllers);
	f->root.mount = f->dir;
	f->root.base = f->base;
	f->root.base_fd = open(f->base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	f->root.controllers = cg_bits;
	strcpy(f->svc.name, "web");
	f->svc.memory = f->svc.memory_swap = SIZE_UNLIMITED;
	f->svc.pids = 1024;
	f->svc.cpu_weight = f->svc.io_weight = 100;
	f->svc.origins = calloc(schema_n_keys, sizeof(*f->svc.origins));
	if (f->root.base_fd < 0 || !f->svc.origins)
		abort();
}

/* Mark [limits] KEY of the fake service as set in a file. */
static void cgroup_fake_set(struct cgroup_fake *f, const char *key)
{
	f->svc.origins[schema_index(schema_find(SCOPE_SERVICE, "limits", key))] =
		(struct origin){"conf.d/web.ini", 3};
}

/* Remove the fake hierarchy (known files only). */
static void cgroup_fake_release(struct cgroup_fake *f)
{
	static const char *const files[] = {"pistack/web/cgroup.events",  "pistack/web/memory.current",
					    "pistack/memory.swap.max",    "pistack/io.weight",
					    "pistack/cgroup.controllers", "cgroup.controllers"};
	char path[256];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/web", f->base);
	rmdir(path);
	rmdir(f->base);
	rmdir(f->dir);
	close(f->root.base_fd);
	free(f->svc.origins);
}

TEST(cgroup_check_limits_missing_controllers)
{
	struct cgroup_fake f;
	struct error err;

	cgroup_fake_init(&f, "", 0);
	/* Defaults need nothing, not even pids (its default is simply not enforced). */
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), 0);
	/* "memory = max" limits nothing. */
	cgroup_fake_set(&f, "memory");
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), 0);
	f.svc.memory = 128 << 20;
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), -EOPNOTSUPP);
	CHECK_INT(err.errnum, EOPNOTSUPP);
	/* The reason depends on this host's /proc/cgroups; the fix is always named. */
	CHECK_CONTAINS(err.msg, "set memory limit of 'web': the memory controller ");
	CHECK(strstr(err.msg, "cgroup_enable=memory") || strstr(err.msg, "unified_cgroup_hierarchy") ||
	      strstr(err.msg, "not built into") || strstr(err.msg, "not handed down"));

	cgroup_fake_release(&f);
	cgroup_fake_init(&f, "", 0);
	cgroup_fake_set(&f, "cpus");
	f.svc.cpus_milli = 500;
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), -EOPNOTSUPP);
	CHECK_CONTAINS(err.msg, "set cpus limit of 'web': the cpu controller ");
	cgroup_fake_release(&f);

	cgroup_fake_init(&f, "", 0);
	cgroup_fake_set(&f, "cpu_weight");
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), -EOPNOTSUPP);
	CHECK_CONTAINS(err.msg, "set cpu_weight limit of 'web': the cpu controller ");
	cgroup_fake_release(&f);

	cgroup_fake_init(&f, "", 0);
	cgroup_fake_set(&f, "io_weight");
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), -EOPNOTSUPP);
	CHECK_CONTAINS(err.msg, "set io_weight limit of 'web': the io controller ");
	cgroup_fake_release(&f);

	/* pids: an explicit value needs the controller, an explicit "max" does not. */
	cgroup_fake_init(&f, "", CG_CPU | CG_MEMORY | CG_IO);
	cgroup_fake_set(&f, "pids");
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), -EOPNOTSUPP);
	CHECK_CONTAINS(err.msg, "set pids limit of 'web': the pids controller ");
	f.svc.pids = SIZE_UNLIMITED;
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), 0);
	cgroup_fake_release(&f);
}

TEST(cgroup_check_limits_reasons_from_the_hierarchy)
{
	struct cgroup_fake f;
	struct error err;

	/* Offered to the base but not enabled for its children. */
	cgroup_fake_init(&f, "cpu memory pids", CG_CPU | CG_PIDS);
	cgroup_fake_set(&f, "memory");
	f.svc.memory = 64 << 20;
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), -EOPNOTSUPP);
	CHECK_CONTAINS(err.msg, "set memory limit of 'web': the memory controller could not be enabled in '");
	CHECK_CONTAINS(err.msg, "/pistack/cgroup.subtree_control'");
	cgroup_fake_release(&f);

	/* In the hierarchy's root, not in the base: not handed down. */
	cgroup_fake_init(&f, "", CG_PIDS);
	cgroup_test_put(f.dir, "cgroup.controllers", "cpuset cpu io memory pids\n");
	cgroup_fake_set(&f, "memory");
	f.svc.memory = 64 << 20;
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), -EOPNOTSUPP);
	CHECK_CONTAINS(err.msg, "the memory controller is not handed down to '");
	cgroup_fake_release(&f);
}

TEST(cgroup_check_limits_swap_and_io_files)
{
	struct cgroup_fake f;
	struct error err;

	cgroup_fake_init(&f, "cpu io memory pids", CG_CPU | CG_MEMORY | CG_PIDS | CG_IO);
	cgroup_fake_set(&f, "memory_swap");
	f.svc.memory_swap = 0;
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), -EOPNOTSUPP);
	CHECK_CONTAINS(err.msg, "set memory_swap limit of 'web': the kernel does not account swap");
	CHECK_CONTAINS(err.msg, "swapaccount=1");
	cgroup_test_put(f.base, "memory.swap.max", "max\n");
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), 0);

	cgroup_fake_set(&f, "io_weight");
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), -EOPNOTSUPP);
	CHECK_CONTAINS(err.msg, "set io_weight limit of 'web': the kernel has no io.weight");
	cgroup_test_put(f.base, "io.weight", "default 100\n");
	CHECK_INT(cgroup_check_limits(&f.root, &f.svc, &err), 0);
	cgroup_fake_release(&f);
}

TEST(cgroup_create_without_limits)
{
	struct cgroup_fake f;
	struct error err;
	struct stat st;
	char path[256];
	int fd = 123;

	cgroup_fake_init(&f, "", 0);
	CHECK_INT(cgroup_create(&f.root, &f.svc, &fd, &err), 0);
	CHECK(fd >= 0);
	snprintf(path, sizeof(path), "%s/web", f.base);
	CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	if (fd >= 0)
		close(fd);
	cgroup_fake_release(&f);
}

TEST(cgroup_create_nothing_half_made)
{
	struct cgroup_fake f;
	struct error err;
	char path[256];
	int fd = 123;

	/* pids.max cannot be written into a plain directory: the error names the file
	 * and the cgroup, and the directory is gone again. */
	cgroup_fake_init(&f, "", CG_PIDS);
	CHECK_INT(cgroup_create(&f.root, &f.svc, &fd, &err), -ENOENT);
	CHECK_INT(fd, -1);
	snprintf(path, sizeof(path), "write 'pids.max' of cgroup '%s/web': No such file or directory",
		 f.base);
	CHECK_STR(err.msg, path);
	snprintf(path, sizeof(path), "%s/web", f.base);
	CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	cgroup_fake_release(&f);

	/* A refused limit creates nothing. */
	cgroup_fake_init(&f, "", 0);
	cgroup_fake_set(&f, "memory");
	f.svc.memory = 1 << 20;
	CHECK_INT(cgroup_create(&f.root, &f.svc, &fd, &err), -EOPNOTSUPP);
	CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	cgroup_fake_release(&f);
}

TEST(cgroup_create_still_running_and_names)
{
	struct cgroup_fake f;
	struct error err;
	char path[256], want[320];
	int fd = 123;

	cgroup_fake_init(&f, "", 0);
	snprintf(path, sizeof(path), "%s/web", f.base);
	mkdir(path, 0755);
	cgroup_test_put(path, "cgroup.events", "populated 1\nfrozen 0\n");
	CHECK_INT(cgroup_create(&f.root, &f.svc, &fd, &err), -EBUSY);
	snprintf(want, sizeof(want), "create cgroup '%s': a service of that name is still running", path);
	CHECK_STR(err.msg, want);
	CHECK_INT(fd, -1);
	CHECK(access(path, F_OK) == 0);

	strcpy(f.svc.name, "../web");
	CHECK_INT(cgroup_create(&f.root, &f.svc, &fd, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "not a service name");
	CHECK_INT(cgroup_destroy(&f.root, "..", &err), -EINVAL);
	CHECK_INT(cgroup_remove_stale(&f.root, "a/b", &err), -EINVAL);
	cgroup_fake_release(&f);
}

TEST(cgroup_destroy_missing_is_success)
{
	struct cgroup_fake f;
	struct error err;

	cgroup_fake_init(&f, "", 0);
	CHECK_INT(cgroup_destroy(&f.root, "web", &err), 0);
	CHECK_INT(cgroup_remove_stale(&f.root, "web", &err), 0);
	cgroup_fake_release(&f);
}

TEST(cgroup_read_u64_files)
{
	struct cgroup_fake f;
	unsigned long long v = 5;
	char path[256];

	cgroup_fake_init(&f, "", 0);
	CHECK_INT(cgroup_read_u64(&f.root, "web", "memory.current", &v), -ENOENT);
	snprintf(path, sizeof(path), "%s/web", f.base);
	mkdir(path, 0755);
	CHECK_INT(cgroup_read_u64(&f.root, "web", "memory.current", &v), 0);
	CHECK_UINT(v, 0); /* unavailable */
	cgroup_test_put(path, "memory.current", "4096\n");
	CHECK_INT(cgroup_read_u64(&f.root, "web", "memory.current", &v), 0);
	CHECK_UINT(v, 4096);
	cgroup_test_put(path, "memory.current", "max\n");
	CHECK_INT(cgroup_read_u64(&f.root, "web", "memory.current", &v), 0);
	CHECK_UINT(v, ULLONG_MAX);
	cgroup_test_put(path, "memory.current", "some 1\n");
	CHECK_INT(cgroup_read_u64(&f.root, "web", "memory.current", &v), -EINVAL);
	CHECK_INT(cgroup_read_u64(&f.root, "web", "../cgroup.controllers", &v), -EINVAL);
	CHECK_INT(cgroup_read_u64(&f.root, "..", "cgroup.controllers", &v), -EINVAL);
	cgroup_fake_release(&f);
}

TEST(cgroup_read_write_file)
{
	char dir[] = "/tmp/pistack-cgf-XXXXXX", path[64], *text = NULL, *big;
	int dfd;

	if (!mkdtemp(dir))
		abort();
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT(cgroup_write_file(dfd, "absent", "1"), -ENOENT);
	CHECK_INT(cgroup_read_file(dfd, "absent", &text), -ENOENT);
	cgroup_test_put(dir, "f", "");
	CHECK_INT(cgroup_write_file(dfd, "f", "+memory"), 0);
	CHECK_INT(cgroup_read_file(dfd, "f", &text), 0);
	CHECK_STR(text, "+memory");
	free(text);
	/* Larger than the first buffer. */
	big = malloc(100000);
	if (!big)
		abort();
	memset(big, 'x', 99999);
	big[99999] = '\0';
	cgroup_test_put(dir, "f", big);
	CHECK_INT(cgroup_read_file(dfd, "f", &text), 0);
	CHECK(text && strlen(text) == 99999);
	free(text);
	free(big);
	snprintf(path, sizeof(path), "%s/f", dir);
	unlink(path);
	close(dfd);
	rmdir(dir);
}
