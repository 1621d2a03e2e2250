/*
 * enabled.h - which services start with the daemon: one empty file
 * STATE/enabled/NAME per service, written by `pistack enable` (with or
 * without a daemon) and read by the daemon when it starts.
 */
#ifndef PISTACK_DAEMON_ENABLED_H
#define PISTACK_DAEMON_ENABLED_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct daemon;

/* Whether NAME has its mark in STATE_DIR/enabled. */
bool enabled_is(const char *state_dir, const char *name);

/* Mark (ON) or unmark the services NAMES[0..N) in STATE_DIR/enabled, all or
 * nothing: when one fails, the marks changed before it are put back.  Marking
 * a marked service or unmarking an unmarked one changes nothing.  Names must
 * be service names.  Returns 0, or a negative errno with ERR filled. */
int enabled_apply(const char *state_dir, char *const *names, size_t n, bool on, struct error *err);

/* The daemon, once running services are re-adopted: start every enabled
 * service that is not up (exited or failed), and log marks of services
 * that are not configured. */
void enabled_start(struct daemon *d);

#endif
