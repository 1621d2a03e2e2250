/*
 * clone.c - clone3() with a pidfd; see clone.h.
 */
#include "common/clone.h"

#include <linux/sched.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* See clone.h. */
pid_t clone3_pidfd(uint64_t flags, int exit_signal, int cgroup_fd, int *pidfd)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = flags | CLONE_PIDFD | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0);
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = (uint64_t)exit_signal;
	if (cgroup_fd >= 0)
		args.cgroup = (uint64_t)cgroup_fd;
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}
