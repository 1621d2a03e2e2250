/*
 * nameserver.h - the name server of the intercontainer network, as the daemon
 * sees it: a forked child ("pistack: nameserver") that answers on the
 * bridge's address, port 53, UDP and TCP, from a table of service names the
 * daemon sends it, and forwards every other name to the upstream resolvers.
 *
 * The child never runs with privileges: it takes over the sockets the daemon
 * bound, enters a sandbox (sandbox.h: empty read-only root, unprivileged
 * user, no capability, seccomp) and only then reads the network.  It stays in
 * the host's network namespace, so an upstream of 127.0.0.53 works.
 *
 * What it answers:
 *   NAME and NAME.DOMAIN of every entry (any case, a trailing dot or not):
 *     A with the entry's address (TTL 0: a change is seen at once), NODATA
 *     for any other type;
 *   D.C.B.A.in-addr.arpa of an entry's address: PTR to NAME.DOMAIN;
 *   other names under DOMAIN, and other single-label names: NXDOMAIN (they
 *     are never sent out to the Internet); DOMAIN itself: NODATA;
 *   anything else: forwarded (see nameserver_forward.c);
 *   a message with a header that is no QUERY: NOTIMP; a malformed query:
 *     FORMERR; less than a header, or a response: dropped.
 * Until the first table arrives the sockets are not read: queries wait in
 * them rather than being forwarded by mistake.
 */
#ifndef PISTACK_NET_NAMESERVER_H
#define PISTACK_NET_NAMESERVER_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "config/value.h"

#define NAMESERVER_TABLE_MAX 1024    /* entries of one table (fits one control frame) */
#define NAMESERVER_UPSTREAM_MAX 8

struct nameserver_entry {
	char name[NAME_MAX_LEN + 1];  /* a service name (value_is_name) */
	struct in_addr addr;
};

struct nameserver_config {
	struct in_addr listen;        /* the bridge's address, for messages and loop avoidance */
	int udp_fd, tcp_fd;           /* bound by the daemon to listen:53, tcp already
	                                 listening; both are taken over (closed in the
	                                 daemon by nameserver_spawn, even on failure) */
	const char *domain;           /* "pistack.internal" */
	const struct ip_addr *upstream;  /* port 53 each; at most NAMESERVER_UPSTREAM_MAX */
	size_t n_upstream;
	uid_t uid;                    /* sandbox_user() */
	gid_t gid;
};

struct nameserver {
	pid_t pid;
	int pidfd;                    /* readable when the child has exited */
	int ctl_fd;                   /* the daemon's end of the control socket */
};

/* Fork the name server (no exec) and wait until it is sandboxed: an error in
 * the child (say, the sandbox cannot be built) comes back in ERR.  The child
 * is a "clone" child: no SIGCHLD, reaped only through NS->pidfd (waitid with
 * __WALL or __WCLONE), which nameserver_stop() does. */
int nameserver_spawn(const struct nameserver_config *cfg, struct nameserver *ns, struct error *err);

/* Replace the name table (N entries of V, N <= NAMESERVER_TABLE_MAX).  The
 * child applies it as soon as it reads it: within a millisecond. */
int nameserver_send_table(struct nameserver *ns, const struct nameserver_entry *v, size_t n, struct error *err);

/* Replace the upstream resolvers (N <= NAMESERVER_UPSTREAM_MAX, port 53). */
int nameserver_send_upstreams(struct nameserver *ns, const struct ip_addr *v, size_t n, struct error *err);

/* SIGTERM (SIGKILL after a second), reap, close the descriptors; NS is then
 * { 0, -1, -1 }.  Safe to call twice. */
void nameserver_stop(struct nameserver *ns);

#endif
