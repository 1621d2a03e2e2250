/*
 * sandbox.h - the confinement of pistack's own unprivileged helper processes
 * (the name server, the gateway's master and workers), applied by the helper
 * to itself after fork, before it reads a byte from the network: a private
 * mount namespace whose root is an empty read-only tmpfs holding only what
 * the helper needs, an unprivileged user without any capability, and a
 * seccomp allow-list.  The helper stays in the host's network namespace.
 */
#ifndef PISTACK_ISOLATE_SANDBOX_H
#define PISTACK_ISOLATE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

#define SANDBOX_NOBODY 65534  /* nobody / nogroup */

/* A host path bound at the same path in the sandbox; read-only unless
 * WRITABLE, always nosuid, nodev and noexec. */
struct sandbox_bind {
	const char *path;
	bool writable;
};

struct sandbox_spec {
	const char *name;                   /* for messages: "nameserver" */
	uid_t uid;                          /* never 0 */
	gid_t gid;
	const struct sandbox_bind *binds;
	size_t n_binds;
	const int *syscalls;                /* numbers (SCMP_SYS(read)...) allowed besides
	                                       what the C library needs to allocate, exit
	                                       and raise a signal on itself */
	size_t n_syscalls;
	const int *socket_families;         /* when set (and socket is listed), socket()
	                                       only for these (AF_INET, AF_INET6): no
	                                       abstract AF_UNIX or netlink socket of the
	                                       host's namespaces is reachable */
	size_t n_socket_families;
};

/* Confine the calling process as S says (must be root, single-threaded).
 * Every other syscall fails with EPERM afterwards; one of another ABI kills
 * the process.  Returns 0, or -errno with ERR filled: the process is then
 * half-confined and must exit. */
int sandbox_enter(const struct sandbox_spec *s, struct error *err);

/* The ids helpers run as: user "pistack" and its group if the user exists,
 * else nobody/nogroup (65534).  -EPERM if "pistack" is root. */
int sandbox_user(uid_t *uid, gid_t *gid, struct error *err);

#endif
