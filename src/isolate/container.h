/*
 * container.h - the life of one service instance, shared by `pistack run` and
 * the daemon: prepare (identity, seccomp program, root filesystem plan,
 * cgroup), start (spawn with the given stdio), and clean up (cgroup, runtime
 * files).  Library code: errors go to the error object.
 */
#ifndef PISTACK_ISOLATE_CONTAINER_H
#define PISTACK_ISOLATE_CONTAINER_H

#include <netinet/in.h>
#include <stdbool.h>

#include "config/config.h"
#include "isolate/cgroup.h"
#include "isolate/rootfs.h"
#include "isolate/seccomp_cache.h"
#include "isolate/security.h"
#include "isolate/spawn.h"

struct container {
	const struct global_config *global;
	const struct service_config *svc;
	const struct cgroup_root *cg;     /* owned by the caller */
	int cgroup_fd;
	bool cgroup_made;
	struct identity id;
	struct seccomp_program seccomp;   /* compiled for this instance (no cache) */
	const struct seccomp_program *filter; /* what the service loads: &seccomp or a cached one */
	struct rootfs_plan plan;
	bool plan_ready;
	struct strv env;
	struct strv argv;
	uid_t userns_base;
	struct spawned sp;                /* valid after container_start() */
};

/* A service on the intercontainer bridge: its address and resolver. */
struct container_net {
	struct in_addr addr;
	const char *resolv_conf;          /* content of its /etc/resolv.conf */
};

/* Prepare everything the child needs.  ARGV_OVERRIDE replaces the service's
 * exec when non-NULL; TERM is the TERM of a terminal session or NULL.
 * NET is required for mode intercontainer (NULL otherwise).
 * CACHE (the daemon's) supplies the compiled seccomp program; NULL: compiled here. */
int container_prepare(struct container *ct, const struct global_config *global,
		      const struct service_config *svc, const struct cgroup_root *cg,
		      char *const *argv_override, const char *term, const struct container_net *net,
		      struct seccomp_cache *cache, struct error *err);

/* Spawn it with STDIO as 0, 1, 2 (TTY: stdio[0] becomes its controlling
 * terminal).  On failure *EXIT_CODE is 125, 126 or 127. */
struct container_start_opts {
	bool tty;                 /* stdio[0] is a terminal to make controlling */
	bool new_tty;             /* give it a new terminal in its own /dev/pts (sp.pty_master) */
	unsigned short tty_rows, tty_cols;
	bool die_with_parent;     /* `run`: the service dies with pistack */
	bool adoptable;           /* daemon: init keeps KEEP_FDS and the sync socket */
	const int *keep_fds;
	int n_keep_fds;
	int (*setup_child)(pid_t pid, void *data, struct error *err);
	void *setup_data;
};
int container_start(struct container *ct, const int stdio[3], const struct container_start_opts *opts,
		    int *exit_code, struct error *err);

/* Destroy the cgroup (killing what is left), remove the runtime files and,
 * with REMOVE_STATE, the writable layer; release everything. */
void container_cleanup(struct container *ct, bool remove_state, struct error *err);

/* The default /etc/resolv.conf of SVC for its network mode (caller frees). */
char *container_resolv_conf(const struct service_config *svc);

#endif
