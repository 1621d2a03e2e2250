/*
 * service_exec.h - the last steps of a process that becomes a service's
 * command, shared by the service itself (init.c) and `pistack exec`
 * (exec.c): default signals, a session, its terminal and stdio, no inherited
 * descriptor, identity and capabilities, no_new_privs, workdir, the seccomp
 * filter last, then exec with a PATH search.  Runs between fork and exec:
 * only system calls and prepared data.
 */
#ifndef PISTACK_ISOLATE_SERVICE_EXEC_H
#define PISTACK_ISOLATE_SERVICE_EXEC_H

#include <stdbool.h>

#include "config/config.h"
#include "isolate/security.h"

struct service_exec_spec {
	const struct service_config *svc;      /* name, workdir, no_new_privs */
	char *const *argv;                     /* the command */
	char *const *envp;                     /* its whole environment */
	int stdio[3];                          /* become 0, 1, 2 */
	bool tty;                              /* stdio[0] is a terminal to make controlling */
	const struct identity *id;
	const struct cap_plan *caps;
	const struct seccomp_program *seccomp;
	/* 0, or the parent-death signal to keep: the identity switch clears it,
	 * so it is set again afterwards (exec.c: the command dies with its waiter). */
	int pdeath_signal;
};

/* Apply SPEC to the calling process and exec its command; never returns.
 * A failure is sent to ERRFD (close-on-exec: EOF there means the exec
 * happened) with exit code 125, 126 (cannot execute) or 127 (not found). */
void service_exec_apply(const struct service_exec_spec *spec, int errfd) __attribute__((noreturn));

#endif
