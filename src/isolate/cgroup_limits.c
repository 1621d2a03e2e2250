/*
 * cgroup_limits.c - a service's cgroup: refuse limits the kernel cannot enforce
 * (naming the fix), create BASE/NAME (or, under systemd, the leaf of the
 * service's scope) with memory.max, memory.swap.max, cpu.max, cpu.weight,
 * pids.max and io.weight written, and hand out its fd.
 */
#include "isolate/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "config/value.h"
#include "isolate/systemd_scope.h"

#define CPU_PERIOD_US 100000ULL /* cpu.max period: 100 ms, the kernel's default */
#define CPU_PERIOD_LONG_US 1000000ULL /* the largest period, for quotas below 1 ms */
#define CPU_QUOTA_MIN_US 1000ULL /* the kernel refuses smaller quotas */

/* One [limits] key and what enforcing it needs. */
struct cg_limit {
	const char *key; /* the [limits] key, also the name in messages */
	unsigned controller; /* CG_* */
	const char *ctrl_name;
};

enum { LIM_MEMORY, LIM_MEMORY_SWAP, LIM_CPUS, LIM_CPU_WEIGHT, LIM_IO_WEIGHT, LIM_PIDS, LIM_N };

static const struct cg_limit cg_limits[LIM_N] = {
	[LIM_MEMORY] = {"memory", CG_MEMORY, "memory"},
	[LIM_MEMORY_SWAP] = {"memory_swap", CG_MEMORY, "memory"},
	[LIM_CPUS] = {"cpus", CG_CPU, "cpu"},
	[LIM_CPU_WEIGHT] = {"cpu_weight", CG_CPU, "cpu"},
	[LIM_IO_WEIGHT] = {"io_weight", CG_IO, "io"},
	[LIM_PIDS] = {"pids", CG_PIDS, "pids"},
};

/* Whether SVC asks for limit L: set in a file (not the built-in default) to a value
 * that limits.  pids always has a value (1024), but only an explicit one is a
 * demand: without the pids controller the default is silently not enforced, and
 * the daemon can tell from root->controllers. */
static bool cg_limit_wanted(const struct service_config *svc, int l)
{
	if (!service_key_configured(svc, "limits", cg_limits[l].key))
		return false;
	switch (l) {
	case LIM_MEMORY:
		return svc->memory != SIZE_UNLIMITED;
	case LIM_MEMORY_SWAP:
		return svc->memory_swap != SIZE_UNLIMITED;
	case LIM_CPUS:
		return svc->cpus_milli != 0;
	case LIM_PIDS:
		return svc->pids != SIZE_UNLIMITED;
	default:
		return true;
	}
}

/* cpu.max for MILLICPUS; see cgroup.h. */
void cgroup_format_cpu_max(uint32_t millicpus, char *buf, size_t size)
{
	unsigned long long quota = (unsigned long long)millicpus * (CPU_PERIOD_US / 1000);

	/* 0.001 to 0.009 CPUs would be a quota under 1 ms, which the kernel refuses:
	 * the same share over the longest period (1 s) is a valid quota. */
	if (quota < CPU_QUOTA_MIN_US)
		snprintf(buf, size, "%llu %llu", (unsigned long long)millicpus * (CPU_PERIOD_LONG_US / 1000),
			 CPU_PERIOD_LONG_US);
	else
		snprintf(buf, size, "%llu %llu", quota, CPU_PERIOD_US);
}

/* Why CONTROLLER is missing; see cgroup.h. */
enum cgroup_absence cgroup_controller_absence(const char *proc_cgroups, const char *controller,
					      bool at_mount_root, bool at_base)
{
	if (at_base)
		return CG_ABSENT_NOT_ENABLED;
	if (at_mount_root)
		return CG_ABSENT_NOT_DELEGATED;
	if (!proc_cgroups)
		return CG_ABSENT_DISABLED;
	/* /proc/cgroups shows the v1 names: io is "blkio" there. */
	if (!strcmp(controller, "io"))
		controller = "blkio";
	/* /proc/cgroups: "#subsys_name hierarchy num_cgroups enabled" per controller;
	 * hierarchy 0 is cgroup v2 (or unmounted), anything else a v1 hierarchy. */
	for (const char *line = proc_cgroups; *line;) {
		const char *eol = strchrnul(line, '\n');
		char name[32];
		unsigned hierarchy, ncg, enabled;

		if (line[0] != '#' && sscanf(line, "%31s %u %u %u", name, &hierarchy, &ncg, &enabled) == 4 &&
		    !strcmp(name, controller)) {
			if (!enabled)
				return CG_ABSENT_DISABLED;
			return hierarchy ? CG_ABSENT_V1 : CG_ABSENT_NOT_DELEGATED;
		}
		line = *eol ? eol + 1 : eol;
	}
	return CG_ABSENT_KERNEL;
}

/* The reason and fix for a missing controller; see cgroup.h. */
void cgroup_absence_reason(enum cgroup_absence absence, const char *controller, const char *base, char *buf,
			   size_t size)
{
	switch (absence) {
	case CG_ABSENT_DISABLED:
		/* Raspberry Pi kernels boot with the memory controller off. */
		if (!strcmp(controller, "memory"))
			snprintf(buf, size,
				 "the memory controller is not enabled; add cgroup_enable=memory to the "
				 "kernel command line (cmdline.txt on a Raspberry Pi) and reboot");
		else
			snprintf(buf, size,
				 "the %s controller is disabled; remove cgroup_disable=%s from the kernel "
				 "command line and reboot",
				 controller, controller);
		break;
	case CG_ABSENT_KERNEL:
		snprintf(buf, size,
			 "the %s controller is not built into this kernel; remove the limit or use a "
			 "kernel that has it",
			 controller);
		break;
	case CG_ABSENT_V1:
		snprintf(buf, size,
			 "the %s controller is held by a cgroup v1 hierarchy; boot with cgroup v2 only "
			 "(systemd.unified_cgroup_hierarchy=1 on the kernel command line) and reboot",
			 controller);
		break;
	case CG_ABSENT_NOT_DELEGATED:
		snprintf(buf, size,
			 "the %s controller is not handed down to '%s' (a container or cgroup "
			 "namespace without it); give that cgroup the controller, or run pistack on the host",
			 controller, base);
		break;
	case CG_ABSENT_NOT_ENABLED:
		snprintf(buf, size,
			 "the %s controller could not be enabled in '%s/cgroup.subtree_control' "
			 "(a process in that cgroup itself blocks it)",
			 controller, base);
		break;
	}
}

/* Fill ERR for limit L of SVC whose controller is missing, with the reason. */
static int cg_refuse_limit(const struct cgroup_root *root, const struct service_config *svc, int l,
			   struct error *err)
{
	cleanup_free char *proc = NULL, *at_mount = NULL, *at_base = NULL;
	cleanup_close int mount_fd = root->mount ? open(root->mount, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	char reason[320];
	bool in_mount = false, in_base = false;

	if (cgroup_read_file(AT_FDCWD, "/proc/cgroups", &proc) < 0)
		proc = NULL;
	if (mount_fd >= 0 && cgroup_read_file(mount_fd, "cgroup.controllers", &at_mount) == 0)
		in_mount = cgroup_parse_controllers(at_mount) & cg_limits[l].controller;
	if (cgroup_read_file(root->base_fd, "cgroup.controllers", &at_base) == 0)
		in_base = cgroup_parse_controllers(at_base) & cg_limits[l].controller;
	cgroup_absence_reason(cgroup_controller_absence(proc, cg_limits[l].ctrl_name, in_mount, in_base),
			      cg_limits[l].ctrl_name, root->base, reason, sizeof(reason));
	error_set(err, 0, "set %s limit of '%s': %s", cg_limits[l].key, svc->name, reason);
	err->errnum = EOPNOTSUPP;
	return -EOPNOTSUPP;
}

/* The controllers alone are not enough for swap and io limits: refuse them
 * unless the cgroup DIRFD (never the root cgroup, which lacks these files)
 * shows the interface files a service's cgroup will get. */
static int cg_check_files(const struct service_config *svc, int dirfd, struct error *err)
{
	if (cg_limit_wanted(svc, LIM_MEMORY_SWAP) && faccessat(dirfd, "memory.swap.max", F_OK, 0) < 0) {
		error_set(err, 0,
			  "set memory_swap limit of '%s': the kernel does not account swap (no "
			  "memory.swap.max); add swapaccount=1 to the kernel command line (cmdline.txt on a "
			  "Raspberry Pi) and reboot, or remove memory_swap",
			  svc->name);
		err->errnum = EOPNOTSUPP;
		return -EOPNOTSUPP;
	}
	if (cg_limit_wanted(svc, LIM_IO_WEIGHT) && faccessat(dirfd, "io.weight", F_OK, 0) < 0) {
		error_set(err, 0,
			  "set io_weight limit of '%s': the kernel has no io.weight (it needs "
			  "CONFIG_BLK_CGROUP_IOCOST); remove io_weight",
			  svc->name);
		err->errnum = EOPNOTSUPP;
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Refuse limits the kernel cannot enforce; see cgroup.h. */
int cgroup_check_limits(const struct cgroup_root *root, const struct service_config *svc, struct error *err)
{
	for (int l = 0; l < LIM_N; l++)
		if (cg_limit_wanted(svc, l) && !(root->controllers & cg_limits[l].controller))
			return cg_refuse_limit(root, svc, l, err);
	/* Under systemd the base is the root cgroup: the scope's leaf is checked
	 * once it exists, by cgroup_enter_scope(). */
	return root->scopes ? 0 : cg_check_files(svc, root->base_fd, err);
}

/* Write TEXT to FILE of the new cgroup FD (named PATH). */
static int cg_write_limit(int fd, const char *path, const char *file, const char *text, struct error *err)
{
	int r = cgroup_write_file(fd, file, text);

	if (r < 0)
		return error_set(err, -r, "write '%s' of cgroup '%s'", file, path);
	return 0;
}

/* A size limit as cgroup text: bytes, or "max". */
static const char *cg_size_text(uint64_t v, char *buf, size_t size)
{
	if (v == SIZE_UNLIMITED)
		return "max";
	snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

/* Write every limit of SVC to the new cgroup FD (named PATH), which has the
 * CG_* CONTROLLERS. */
static int cg_write_limits(unsigned controllers, const struct service_config *svc, int fd, const char *path,
			   struct error *err)
{
	char buf[64];
	int r = 0;

	if (cg_limit_wanted(svc, LIM_MEMORY))
		r = cg_write_limit(fd, path, "memory.max", cg_size_text(svc->memory, buf, sizeof(buf)), err);
	if (r == 0 && cg_limit_wanted(svc, LIM_MEMORY_SWAP))
		r = cg_write_limit(fd, path, "memory.swap.max",
				   cg_size_text(svc->memory_swap, buf, sizeof(buf)), err);
	if (r == 0 && cg_limit_wanted(svc, LIM_CPUS)) {
		cgroup_format_cpu_max(svc->cpus_milli, buf, sizeof(buf));
		r = cg_write_limit(fd, path, "cpu.max", buf, err);
	}
	if (r == 0 && cg_limit_wanted(svc, LIM_CPU_WEIGHT)) {
		snprintf(buf, sizeof(buf), "%" PRIu64, svc->cpu_weight);
		r = cg_write_limit(fd, path, "cpu.weight", buf, err);
	}
	/* pids always has a value (default 1024); without the controller only an
	 * explicit one is refused, by cgroup_check_limits(). */
	if (r == 0 && (controllers & CG_PIDS))
		r = cg_write_limit(fd, path, "pids.max", cg_size_text(svc->pids, buf, sizeof(buf)), err);
	if (r == 0 && cg_limit_wanted(svc, LIM_IO_WEIGHT)) {
		snprintf(buf, sizeof(buf), "default %" PRIu64, svc->io_weight);
		r = cg_write_limit(fd, path, "io.weight", buf, err);
	}
	return r;
}

/* Create BASE/NAME with the limits of SVC; see cgroup.h. */
int cgroup_create(const struct cgroup_root *root, const struct service_config *svc, int *out_fd,
		  struct error *err)
{
	cleanup_close int fd = -1;
	char path[PATH_MAX];
	int r;

	*out_fd = -1;
	snprintf(path, sizeof(path), "%s/%s", root->base, svc->name);
	if (!value_is_name(svc->name)) {
		error_set(err, 0, "create cgroup '%s': not a service name", path);
		err->errnum = EINVAL;
		return -EINVAL;
	}
	/* Refuse before anything exists: nothing half-made on a host that cannot
	 * enforce the limits. */
	r = cgroup_check_limits(root, svc, err);
	if (r < 0)
		return r;

	if (mkdirat(root->base_fd, svc->name, 0755) < 0) {
		if (errno != EEXIST)
			return error_set(err, errno, "create cgroup '%s'", path);
		r = cgroup_remove_stale(root, svc->name, err);
		if (r < 0)
			return r;
		if (mkdirat(root->base_fd, svc->name, 0755) < 0)
			return error_set(err, errno, "create cgroup '%s'", path);
	}
	/* The fd clone3(CLONE_INTO_CGROUP) takes: the child starts inside the cgroup,
	 * never for a moment outside its limits. */
	fd = openat(root->base_fd, svc->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = error_set(err, errno, "open cgroup '%s'", path);
		goto out_remove;
	}
	r = cg_write_limits(root->controllers, svc, fd, path, err);
	if (r < 0)
		goto out_remove;
	*out_fd = TAKE_FD(fd);
	return 0;

out_remove:
	/* Still empty: no process could have entered it yet. */
	(void)unlinkat(root->base_fd, svc->name, AT_REMOVEDIR);
	return r;
}

/* Move PID into the cgroup DIRFD (named PATH). */
static int cg_move_pid(int dirfd, const char *path, pid_t pid, struct error *err)
{
	char num[24];
	int r;

	snprintf(num, sizeof(num), "%d", (int)pid);
	r = cgroup_write_file(dirfd, "cgroup.procs", num);
	return r < 0 ? error_set(err, -r, "move process %d into cgroup '%s'", (int)pid, path) : 0;
}

/* Have systemd make the scope of SVC for PID, then fill its leaf; see cgroup.h. */
int cgroup_enter_scope(const struct cgroup_root *root, const struct service_config *svc, pid_t pid,
		       int *out_fd, struct error *err)
{
	cleanup_close int scope_fd = -1, fd = -1;
	char unit[NAME_MAX_LEN + 32], rel[CG_SERVICE_DIR_MAX], path[PATH_MAX], description[96];
	unsigned enabled;
	int r;

	*out_fd = -1;
	if ((r = cgroup_service_dir(root, svc->name, rel, sizeof(rel))) < 0 ||
	    (r = systemd_scope_name(svc->name, unit, sizeof(unit))) < 0)
		return error_set(err, -r, "create scope for '%s'", svc->name);
	snprintf(path, sizeof(path), "%s/%s", root->base, rel);
	snprintf(description, sizeof(description), "pistack service %s", svc->name);
	if ((r = systemd_scope_start(unit, description, pid, err)) < 0)
		return r;
	/* PID is in the scope's own cgroup now.  A cgroup that hands controllers
	 * to its children may hold no process itself: PID goes down into the
	 * leaf first, then the scope enables the controllers for it. */
	*strrchr(rel, '/') = '\0';
	scope_fd = openat(root->base_fd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (scope_fd < 0)
		return error_set(err, errno, "open cgroup '%s/%s'", root->base, rel);
	if (mkdirat(scope_fd, CG_SCOPE_LEAF, 0755) < 0)
		return error_set(err, errno, "create cgroup '%s'", path);
	fd = openat(scope_fd, CG_SCOPE_LEAF, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "open cgroup '%s'", path);
	if ((r = cg_move_pid(fd, path, pid, err)) < 0)
		return r;
	enabled = cgroup_enable_controllers(scope_fd);
	for (int l = 0; l < LIM_N; l++)
		if (cg_limit_wanted(svc, l) && !(enabled & cg_limits[l].controller)) {
			error_set(err, 0, "set %s limit of '%s': the %s controller is not delegated to scope '%s'",
				  cg_limits[l].key, svc->name, cg_limits[l].ctrl_name, unit);
			err->errnum = EOPNOTSUPP;
			return -EOPNOTSUPP;
		}
	if ((r = cg_check_files(svc, fd, err)) < 0 || (r = cg_write_limits(enabled, svc, fd, path, err)) < 0)
		return r;
	*out_fd = TAKE_FD(fd);
	return 0;
}
