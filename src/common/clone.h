/*
 * clone.h - clone3() with a pidfd, the way every child of pistack is made:
 * services (into their cgroup), exec commands and health probes.
 */
#ifndef PISTACK_COMMON_CLONE_H
#define PISTACK_COMMON_CLONE_H

#include <stdint.h>
#include <sys/types.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* clone3 with FLAGS | CLONE_PIDFD (plus CLONE_INTO_CGROUP when CGROUP_FD >= 0)
 * and EXIT_SIGNAL (0: no SIGCHLD, a "clone" child only waitid(P_PIDFD,
 * __WALL) reaps).  Like fork: the pid, 0 in the child, -1 with errno. */
pid_t clone3_pidfd(uint64_t flags, int exit_signal, int cgroup_fd, int *pidfd);

#endif
