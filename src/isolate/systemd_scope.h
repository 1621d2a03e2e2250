/*
 * systemd_scope.h - ask systemd for a transient scope unit holding one
 * process, over its private D-Bus socket.  Library code: errors go to the
 * error object, nothing is logged.
 */
#ifndef PISTACK_ISOLATE_SYSTEMD_SCOPE_H
#define PISTACK_ISOLATE_SYSTEMD_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* The slice every scope of pistack's goes into. */
#define SYSTEMD_SCOPE_SLICE "pistack.slice"

/* Whether systemd manages this system (what sd_booted() tests). */
bool systemd_running(void);

/* "pistack-NAME.scope" into BUF; -ENAMETOOLONG when it does not fit. */
int systemd_scope_name(const char *service, char *buf, size_t size);

/* Start the transient unit UNIT (a scope in SYSTEMD_SCOPE_SLICE, Delegate=yes,
 * collected once it ends) holding process PID, and wait until systemd has
 * moved PID into its cgroup.  A unit of that name still being torn down is
 * waited for (a quick restart).  DESCRIPTION shows in `systemctl status`. */
int systemd_scope_start(const char *unit, const char *description, pid_t pid, struct error *err);

#endif
