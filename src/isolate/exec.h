/*
 * exec.h - run a command inside a running service: the same namespaces (user
 * first, then mount, pid, uts, ipc, net, cgroup), its cgroup, user, groups,
 * capabilities, no_new_privs and seccomp filter, its environment and workdir.
 */
#ifndef PISTACK_ISOLATE_EXEC_H
#define PISTACK_ISOLATE_EXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "config/config.h"
#include "isolate/cgroup.h"
#include "isolate/security.h"

struct exec_request {
	const struct global_config *global;
	const struct service_config *svc;
	const struct cgroup_root *cg;
	pid_t init_pid;          /* the service's init (host pid) */
	int init_pidfd;          /* -1: opened from init_pid */
	char *const *argv;
	int stdio[3];
	bool tty;                /* stdio[0] is a terminal to make controlling */
	const char *term;        /* TERM for a terminal session, or NULL */
	/* A new terminal in the service's own /dev/pts for stdio (as `run -t`):
	 * one of the caller's devpts would have no name in there, and tty(1) or
	 * ttyname() fail.  Sized TTY_ROWS x TTY_COLS (0: unknown); its master
	 * is returned in *PTY_MASTER.  STDIO and TTY are then not used. */
	bool new_tty;
	unsigned short tty_rows, tty_cols;
	/* The service's compiled filter, when the caller has it (the daemon
	 * keeps the running instance's): saves compiling it again, ~20 ms on a
	 * small machine during which the daemon would not answer.  NULL: built. */
	const struct seccomp_program *seccomp;
};

/* Start the command; returns when it was executed (0; *PID and *PIDFD of the
 * process, a child of the caller; with new_tty *PTY_MASTER, the caller's to
 * close, else -1) or failed before (negative, ERR filled, *EXIT_CODE
 * 125/126/127, nothing left behind). */
int container_exec(const struct exec_request *req, pid_t *pid, int *pidfd, int *pty_master, int *exit_code,
		   struct error *err);

#endif
