/*
 * link_nl.h - helpers shared by link.c and link_veth.c (not for other
 * callers): libnl errors turned into the error object, and small rtnetlink
 * requests.
 */
#ifndef PISTACK_NET_LINK_NL_H
#define PISTACK_NET_LINK_NL_H

#include <stdbool.h>

#include <netlink/addr.h>
#include <netlink/route/link.h>

#include "net/link.h"

/* Connect H to rtnetlink in the calling thread's network namespace; returns 0
 * or a libnl error. */
int link_connect(struct link_handle *h);

/* Start a public operation on H: forget the last kernel errno, and point the
 * error callback at H where it is now (the caller may have moved it). */
void link_begin(struct link_handle *h);

/* error_set() for the libnl error NLERR of a request on H; returns -errno. */
int link_nl_fail(const struct link_handle *h, struct error *err, int nlerr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* NLERR says the device (or object) does not exist. */
bool link_nl_absent(int nlerr);

/* LINK is a device of kind KIND ("veth", "bridge"). */
bool link_is_kind(struct rtnl_link *link, const char *kind);

/* Add LOCAL (address and prefix length) to the device IFINDEX, named IFNAME, of
 * the namespace of H. */
int link_nl_add_addr(struct link_handle *h, int ifindex, const char *ifname, struct nl_addr *local,
		     struct error *err);

/* Set LINK (of the namespace of H) up unless it is. */
int link_nl_set_up(struct link_handle *h, struct rtnl_link *link, struct error *err);

#endif
