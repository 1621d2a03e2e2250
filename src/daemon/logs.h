/*
 * logs.h - a service's stdout and stderr, captured by the daemon itself (no
 * helper process): read from one pipe and appended to LOGS/NAME.log, rotated
 * at [log] size into NAME.log.1 ... NAME.log.(files-1), so a chatty service
 * can neither fill nor wear out an SD card.
 */
#ifndef PISTACK_DAEMON_LOGS_H
#define PISTACK_DAEMON_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* The log files themselves, with a directory descriptor and no daemon (the
 * unit tests run them on a temporary directory). */
struct log_file;
/* Open DIRFD/NAME.log for appending, rotating at MAX_SIZE over FILES files. */
int log_file_open(int dirfd, const char *name, uint64_t max_size, unsigned files, struct log_file **out);
/* Append LEN bytes, rotating first when they would not fit. */
int log_file_write(struct log_file *f, const char *data, size_t len);
/* Whether the file ends at the start of a line. */
bool log_file_line_start(const struct log_file *f);
void log_file_close(struct log_file *f);
/* Shift NAME.log.k to .k+1 (dropping the oldest) and NAME.log to NAME.log.1. */
int log_rotate_files(int dirfd, const char *name, unsigned files);
/* Pass the last LINES lines (all for a negative count) of NAME.log and its
 * rotated files, oldest first, to FN. */
int log_tail(int dirfd, const char *name, unsigned files, long long lines,
	     int (*fn)(const char *buf, size_t len, void *arg), void *arg);

#endif
