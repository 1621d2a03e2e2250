/*
 * logs.h - a service's stdout and stderr, captured by the daemon itself (no
 * helper process): read from one pipe and appended to LOGS/NAME.log, rotated
 * at [log] size into NAME.log.1 ... NAME.log.(files-1), so a chatty service
 * can neither fill nor wear out an SD card.
 */
#ifndef PISTACK_DAEMON_LOGS_H
#define PISTACK_DAEMON_LOGS_H

#include "daemon/daemon.h"

/* Create the pipe of a new start: *WRITE_FD becomes the service's stdout and
 * stderr, *READ_FD is given to log_sink_open() (and kept by init, see state.c). */
int log_pipe(int *read_fd, int *write_fd, struct error *err);

/* Start capturing READ_FD (ownership passes) into RT's log file. */
int log_sink_open(struct service_rt *rt, int read_fd, struct error *err);
/* Read what is left in the pipe, then close it; rt->log becomes NULL. */
void log_sink_close(struct service_rt *rt);

/* `pistack logs [-f] [-n N] NAME`: the last N lines (default all of the
 * current and rotated files, oldest first), then with -f every new line,
 * following across rotations, until the client hangs up. */
void verb_logs(struct daemon *d, struct ctl_conn *c, int argc, char **argv);

#endif
