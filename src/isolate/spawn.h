/*
 * spawn.h - start a service in new namespaces and its cgroup, with its own
 * init as pid 1.  The parent prepares everything (rootfs plan, identity,
 * seccomp program, environment); the cloned child only applies it, and any
 * failure there travels back as "STEP 'OBJECT': reason" with an exit code.
 */
#ifndef PISTACK_ISOLATE_SPAWN_H
#define PISTACK_ISOLATE_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "config/config.h"
#include "isolate/rootfs.h"
#include "isolate/security.h"

struct spawn_config {
	const struct service_config *svc;
	char *const *argv;                 /* the command */
	char *const *envp;                 /* its whole environment */
	int stdio[3];                      /* become the service's 0, 1, 2 */
	bool tty;                          /* stdio[0] is a terminal to make controlling */
	/* Instead of stdio: a new terminal in the service's own /dev/pts, as its
	 * 0, 1, 2 and controlling terminal, its master returned in
	 * spawned.pty_master (crun's console socket).  One of the caller's devpts
	 * would not exist in the service's /dev/pts: ttyname() and tty(1) fail. */
	bool new_tty;
	unsigned short tty_rows, tty_cols; /* new_tty: its size (0: unknown) */
	bool die_with_parent;              /* run: the service dies with pistack */
	const struct rootfs_plan *rootfs;
	const struct identity *id;
	struct cap_plan caps;
	const struct seccomp_program *seccomp;
	int cgroup_fd;                     /* from cgroup_create(), or -1: */
	/* With cgroup_fd -1: called in the parent once the child exists, before
	 * it goes on (before the cgroup namespace is made), to put PID into its
	 * cgroup (cgroup_enter_scope()). */
	int (*enter_cgroup)(pid_t pid, void *data, struct error *err);
	void *enter_cgroup_data;
	/* Descriptors init keeps open at the same numbers (it closes every other
	 * one it inherited): a restarted daemon takes them back with
	 * pidfd_getfd() to re-adopt the service (daemon/state.c). */
	const int *init_keep_fds;
	int n_init_keep_fds;
	/* Init also keeps our end of the sync socket, so that the service's exit
	 * report survives a daemon restart (see spawned.sync_fd_in_init). */
	bool adoptable;
	uid_t userns_base;                 /* host uid of container root when svc->userns */
	/* Called in the parent once the child exists, before it goes on: the place
	 * to configure its network namespace (PID is the host pid).  May be NULL. */
	int (*setup_child)(pid_t pid, void *data, struct error *err);
	void *setup_data;
};

struct spawned {
	pid_t pid;        /* the service's init, in our pid namespace */
	int pidfd;
	int sync_fd;      /* init reports the service's exit here */
	int sync_fd_in_init; /* the number of init's copy of sync_fd (adoptable), or -1 */
	int pty_master;   /* new_tty: the master of the service's terminal (the caller's to close), or -1 */
};

/* Start the service; returns when its command was executed (0) or failed
 * before that (negative, ERR filled, *EXIT_CODE = 125/126/127, and the
 * child is reaped).  Nothing of the child is left on failure except the
 * cgroup, which the caller destroys. */
int spawn_service(const struct spawn_config *cfg, struct spawned *out, int *exit_code, struct error *err);

/* Wait until the service ended; returns its wait status (as from waitpid)
 * and reaps the init.  Signals for the service are sent to the init's pid. */
int spawn_wait(struct spawned *sp, int *wstatus);

/* The conventional exit code of a wait status: the code, or 128+N for signal N. */
int spawn_exit_code(int wstatus);

/* Build the environment of a service: PATH, HOSTNAME, HOME, container, TERM
 * when TERM_VALUE is given, then the service's env (which may override). */
int spawn_build_env(const struct service_config *svc, const struct identity *id, const char *term_value,
		    struct strv *out);

#endif
