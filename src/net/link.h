/*
 * link.h - the bridge and the veth pairs of services, through rtnetlink
 * (libnl-route-3).  Library code: failures fill a struct error and return
 * -errno; nothing is printed.  Every function works in the network namespace
 * the handle was opened in, except link_veth_setup(), which also configures the
 * peer inside the namespace of the service.  Implemented in link.c (handle,
 * bridge, names) and link_veth.c (veth pairs).
 */
#ifndef PISTACK_NET_LINK_H
#define PISTACK_NET_LINK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "config/value.h"

#define LINK_NAME_MAX 15 /* IFNAMSIZ - 1 */
#define LINK_PEER_NAME "eth0"

struct link_handle {
	struct nl_sock *sk; /* NETLINK_ROUTE, bound to the namespace of link_open() */
	int kernel_errno; /* errno of the kernel's last error reply (libnl loses some) */
};

/* Connect H to rtnetlink in the caller's network namespace. */
int link_open(struct link_handle *h, struct error *err);
/* Close H (safe on a zeroed or already closed handle). */
void link_close(struct link_handle *h);

/* Create the bridge NAME if absent (up, with the first host address of SUBNET as
 * NAME's address and a fixed MAC derived from it), or adopt it when it exists with
 * that address.  Refused, with the way out in the message, when NAME exists but is
 * not a bridge or holds another address of the family, and when SUBNET overlaps an
 * address of any other interface or a route of the main table through another
 * interface (default routes excepted), e.g.
 *   use subnet '10.213.0.0/24': overlaps route '10.213.0.0/16' on 'eth0'; set [network] subnet
 * Fills *IFINDEX and *MTU of the bridge.  IPv4 only for now (AF_INET6 gives
 * -EAFNOSUPPORT). */
int link_bridge_ensure(struct link_handle *h, const char *name, const struct subnet *subnet, int *ifindex,
		       unsigned *mtu, struct error *err);

/* The host-side name of SERVICE's veth in OUT: "ps-SERVICE" when that fits 15
 * characters, else "ps-" + the first 3 characters + "_" + 40 bits of a hash of the
 * whole name in base 32 ("ps-abc_0f3k9qzv").  Service names never hold '_', so the
 * two forms never meet; long names collide only if their hashes do. */
void link_veth_name(const char *service, char out[LINK_NAME_MAX + 1]);

/* Create the veth pair of a service: HOST_IF attached to the bridge BRIDGE_IFINDEX,
 * up, MTU MTU; its peer created directly in the network namespace of PID (a pid of
 * the caller's pid namespace; the network namespace may be owned by a user
 * namespace), named eth0, MTU MTU, ADDR/PREFIX, up, with lo up and a default route
 * via GW.  A stale veth named HOST_IF is deleted first.  On failure the pair is
 * deleted again.  Changes the calling thread's network namespace for a moment:
 * call it from a single-threaded process or a thread doing nothing else. */
int link_veth_setup(struct link_handle *h, const char *host_if, int bridge_ifindex, unsigned mtu, pid_t pid,
		    struct in_addr addr, unsigned prefix, struct in_addr gw, struct error *err);

/* Delete the veth HOST_IF (and so its peer); an absent one is success, a device of
 * that name that is not a veth is refused. */
int link_veth_delete(struct link_handle *h, const char *host_if, struct error *err);

/* Delete every veth enslaved to BRIDGE_IFINDEX whose name is not one of the
 * N_KEEP names of KEEP (leftovers of a crash).  Tries all of them; returns the
 * first error. */
int link_veth_cleanup_stale(struct link_handle *h, int bridge_ifindex, char *const *keep, size_t n_keep,
			    struct error *err);

/* Pure helpers, exposed for tests. */

/* The prefixes A/A_LEN and B/B_LEN (network byte order, LEN bytes each: 4 for
 * IPv4, 16 for IPv6) share an address: their first min(A_LEN, B_LEN) bits agree. */
bool link_prefix_overlaps(const void *a, unsigned a_len, const void *b, unsigned b_len, size_t len);

#endif
