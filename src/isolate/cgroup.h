/*
 * cgroup.h - one cgroup v2 directory per service under pistack's base
 * cgroup, its limits, and its teardown.  Library code: errors go to the
 * error object, nothing is logged.
 */
#ifndef PISTACK_ISOLATE_CGROUP_H
#define PISTACK_ISOLATE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "config/config.h"

struct cgroup_root {
	char *mount;        /* where cgroup2 is mounted, from /proc/self/mountinfo */
	char *base;         /* absolute directory the services' cgroups are found under */
	int base_fd;        /* O_PATH|O_DIRECTORY of base */
	unsigned controllers; /* CG_* bits the services' cgroups can have */
	/* Under systemd: base is the mount, and service NAME lives in the leaf
	 * CG_SCOPE_LEAF of its own scope unit, pistack.slice/pistack-NAME.scope
	 * (cgroup_enter_scope()).  Otherwise base is MOUNT/pistack and NAME a child. */
	bool scopes;
};

/* The leaf below a service's scope that holds its processes and its limits
 * (the scope's own files are systemd's: only its subtree is delegated). */
#define CG_SCOPE_LEAF "service"
/* Room for the relative directory of any service. */
#define CG_SERVICE_DIR_MAX 128

enum {
	CG_CPU = 1 << 0,
	CG_MEMORY = 1 << 1,
	CG_PIDS = 1 << 2,
	CG_IO = 1 << 3,
};

/* Find the cgroup2 mount and prepare the base: under systemd (PID 1) the
 * services get scope units (see scopes above); otherwise MOUNT/pistack, with
 * the cpu, memory, pids and io controllers that are available enabled for
 * its children.  Fails when no cgroup2 hierarchy exists. */
int cgroup_root_open(struct cgroup_root *root, struct error *err);
void cgroup_root_release(struct cgroup_root *root);

/* Refuse limits whose controller is not available, naming the fix, e.g.
 * "set memory limit of 'web': the memory controller is not enabled; add
 * cgroup_enable=memory to the kernel command line (/boot/firmware/cmdline.txt)". */
int cgroup_check_limits(const struct cgroup_root *root, const struct service_config *svc,
			struct error *err);

/* Create BASE/NAME (removing a stale empty one first) and write the limits of
 * SVC (memory.max, memory.swap.max, cpu.max, cpu.weight, pids.max, io.weight;
 * only those configured, plus pids.max which always has a value).
 * Returns an O_DIRECTORY fd of the new cgroup for clone3(CLONE_INTO_CGROUP).
 * Not under systemd (root->scopes): there cgroup_enter_scope() does it. */
int cgroup_create(const struct cgroup_root *root, const struct service_config *svc, int *out_fd,
		  struct error *err);

/* Under systemd: have systemd make the scope pistack-NAME.scope holding PID
 * (the service's init, still waiting to go on), move PID into the scope's
 * leaf, enable the controllers for it and write the limits of SVC there.
 * Returns an O_DIRECTORY fd of the leaf.  On failure the caller kills PID,
 * and systemd removes the then empty scope. */
int cgroup_enter_scope(const struct cgroup_root *root, const struct service_config *svc, pid_t pid,
		       int *out_fd, struct error *err);

/* The directory of service NAME relative to the base ("NAME", or
 * "pistack.slice/pistack-NAME.scope/service"): -EINVAL for a name that is no
 * service name, -ENAMETOOLONG. */
int cgroup_service_dir(const struct cgroup_root *root, const char *name, char *buf, size_t size);
/* Open that directory with FLAGS (| O_DIRECTORY | O_CLOEXEC): an fd or -errno. */
int cgroup_open_service(const struct cgroup_root *root, const char *name, int flags);
/* Enable for the children of the cgroup DIRFD every wanted controller its
 * cgroup.controllers offers, one at a time so one refusal does not cost the
 * others; return the CG_* bits cgroup.subtree_control ends up with. */
unsigned cgroup_enable_controllers(int dirfd);

/* Kill every process in the cgroup of NAME (cgroup.kill), wait until it is empty
 * (cgroup.events populated 0, bounded wait), and remove it.  A missing cgroup is success. */
int cgroup_destroy(const struct cgroup_root *root, const char *name, struct error *err);

/* Added: remove BASE/NAME and the cgroups below it when no process runs there (a
 * cgroup left behind by a crash; cgroup_create() calls it).  A missing cgroup is
 * success; a populated one is -EBUSY "... a service of that name is still running". */
int cgroup_remove_stale(const struct cgroup_root *root, const char *name, struct error *err);

/* Read memory.current / pids.current (0 when unavailable). */
int cgroup_read_u64(const struct cgroup_root *root, const char *name, const char *file, unsigned long long *out);

/* Added: the file primitives of cgroup*.c, usable for other cgroup files
 * (memory.events, cpu.stat).  Both return 0 or a negative errno and set no
 * error object; PATH is relative to DIRFD (or absolute). */
int cgroup_read_file(int dirfd, const char *path, char **out); /* NUL-terminated, malloc'd */
int cgroup_write_file(int dirfd, const char *path, const char *text); /* one write(2) */

/* Added: pure functions over the text of kernel files, unit-tested with samples. */

/* Mount points of the whole cgroup2 hierarchy (root "/") in a /proc/self/mountinfo
 * TEXT, unescaped, in file order (a later mount may hide one: callers statfs()).
 * Returns how many were stored in OUT (at most MAX, each malloc'd), -ENOMEM. */
int cgroup_parse_mountinfo(const char *text, char **out, int max);
/* The CG_* bits of the names in a cgroup.controllers or cgroup.subtree_control TEXT. */
unsigned cgroup_parse_controllers(const char *text);
/* "populated" of a cgroup.events TEXT: 1, 0, or -EINVAL when absent or malformed. */
int cgroup_parse_populated(const char *text);
/* A single-number file ("123\n", or "max" = ULLONG_MAX); -EINVAL otherwise. */
int cgroup_parse_u64(const char *text, unsigned long long *out);
/* cpu.max text for MILLICPUS (500 -> "50000 100000"). */
void cgroup_format_cpu_max(uint32_t millicpus, char *buf, size_t size);

/* Why a controller is missing from pistack's base, and what fixes it. */
enum cgroup_absence {
	CG_ABSENT_DISABLED, /* compiled in, off at boot (cgroup_disable=; Raspberry Pi: memory) */
	CG_ABSENT_KERNEL, /* not compiled into the kernel */
	CG_ABSENT_V1, /* bound to a cgroup v1 hierarchy (hybrid or legacy boot) */
	CG_ABSENT_NOT_DELEGATED, /* in the v2 root, not handed down to the base (a container) */
	CG_ABSENT_NOT_ENABLED, /* offered to the base, enabling it for children failed */
};
/* Classify CONTROLLER from a /proc/cgroups TEXT (NULL when unreadable) and whether
 * it is listed in cgroup.controllers of the mount's root and of the base. */
enum cgroup_absence cgroup_controller_absence(const char *proc_cgroups, const char *controller,
					      bool at_mount_root, bool at_base);
/* The reason and fix for ABSENCE as text, e.g. "the memory controller is not enabled;
 * add cgroup_enable=memory to the kernel command line (...) and reboot". */
void cgroup_absence_reason(enum cgroup_absence absence, const char *controller, const char *base, char *buf,
			   size_t size);

#endif
