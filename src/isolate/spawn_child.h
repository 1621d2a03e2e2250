/*
 * spawn_child.h - the cloned child: waits for the parent, builds the
 * container (cgroup namespace, root filesystem, hostname, loopback, limits)
 * and becomes the service's init.  Failures are sent to the parent.
 */
#ifndef PISTACK_ISOLATE_SPAWN_CHILD_H
#define PISTACK_ISOLATE_SPAWN_CHILD_H

#include "common/error.h"
#include "isolate/spawn.h"

/* Runs in the child after clone; never returns. */
void spawn_child_main(const struct spawn_config *cfg, int sync_fd) __attribute__((noreturn));

/* Send an ERROR message with CODE and ERR to the parent (or to init), then _exit(CODE). */
void spawn_child_fail(int fd, int code, const struct error *err) __attribute__((noreturn));

/* The service's init: fork the command, reap, forward signals, report its end. */
void init_main(const struct spawn_config *cfg, int sync_fd) __attribute__((noreturn));

#endif
