/*
 * verbs.h - the control verbs that live in their own daemon/verb_*.c file,
 * called by verb_dispatch() (daemon/verbs.c).  Each replies through C and
 * ends it with ctl_finish(), now or later (streaming verbs keep C).
 */
#ifndef PISTACK_DAEMON_VERBS_H
#define PISTACK_DAEMON_VERBS_H

#include "daemon/ctl_server.h"
#include "daemon/daemon.h"

/* `exec [-i] [-t] NAME CMD [ARG...]`: run CMD inside the running service NAME
 * with the client's stdin, stdout and stderr (FDS, N_FDS = 3; with -t the slave
 * of the client's pty); the reply ends with the command's exit status.  FDS are
 * lent for the call: the control server closes them when the verb returns. */
void verb_exec(struct daemon *d, struct ctl_conn *c, int argc, char **argv, const int *fds, int n_fds);

/* `stats [--json] [NAME...]`: CPU, memory, pids and I/O from the cgroups of the
 * running services (or the named ones), one aligned row each; `-` where the
 * controller is off.  --json gives the raw numbers (microseconds, bytes), null
 * where unknown or unlimited. */
void verb_stats(struct daemon *d, struct ctl_conn *c, int argc, char **argv);

#endif
