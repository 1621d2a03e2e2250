/*
 * spawn_child.h - the cloned child: waits for the parent, builds the
 * container (cgroup namespace, root filesystem, hostname, loopback, limits)
 * and becomes the service's init.  Failures are sent to the parent.
 */
#ifndef PISTACK_ISOLATE_SPAWN_CHILD_H
#define PISTACK_ISOLATE_SPAWN_CHILD_H

#include <stdbool.h>

#include "common/error.h"
#include <sys/types.h>

#include "isolate/spawn.h"
#include "isolate/spawn_msg.h"

/* Runs in the child after clone; never returns. */
void spawn_child_main(const struct spawn_config *cfg, int sync_fd) __attribute__((noreturn));

/* Send an ERROR message with CODE and ERR to the parent (or to init), then _exit(CODE). */
void spawn_child_fail(int fd, int code, const struct error *err) __attribute__((noreturn));

/* A new terminal in the devpts instance mounted on our /dev/pts (the
 * container's, once in its mount namespace): the name ttyname() reads from
 * /proc/self/fd/0 then exists there.  The slave belongs to UID and is sized
 * ROWS x COLS (0: left alone); the master goes to the parent over SYNC_FD (a
 * unix socket) as SCM_RIGHTS on a SPAWN_MSG_PTY message.  Returns the slave,
 * or a negative errno with ERR. */
int spawn_child_open_tty(uid_t uid, unsigned short rows, unsigned short cols, int sync_fd,
			 struct error *err);

/* Receive one message from the child side on SOCK, and the descriptor it
 * carries (close-on-exec) in *FD, or -1; recvmsg()'s result. */
ssize_t spawn_recv_msg(int sock, struct spawn_msg *msg, int *fd);
/* Receive the child's report (ERROR, STARTED, or EOF as 0) on SOCK; with
 * WANT_PTY the master of its new terminal may come first, into *PTY (-1
 * otherwise).  Any other descriptor is closed.  recvmsg()'s result. */
ssize_t spawn_recv_report(int sock, bool want_pty, struct spawn_msg *msg, int *pty);

/* The service's init: fork the command, reap, forward signals, report its end. */
void init_main(const struct spawn_config *cfg, int sync_fd) __attribute__((noreturn));

#endif
