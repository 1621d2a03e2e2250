/*
 * nat.h - masquerade and published ports with nftables, in pistack's own
 * table `inet pistack` only.  Library code: errors go to the error object,
 * nothing is logged.
 *
 * The table is always rebuilt whole from the list of running services, in one
 * libnftables transaction, so it never holds the rules of a stopped service
 * and a failed update leaves the previous table in place.  Published ports
 * are IPv4 and reached from other hosts (prerouting DNAT), from the host's own
 * non-loopback addresses (output DNAT) and from other services (hairpin);
 * 127.0.0.0/8 is left to localnet.h, because DNAT of a loopback destination
 * needs route_localnet=1 (CVE-2020-8558).
 */
#ifndef PISTACK_NET_NAT_H
#define PISTACK_NET_NAT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "config/value.h"

#define NAT_TABLE "pistack" /* family inet */

/* A running service with an address on the bridge and its published ports. */
struct nat_service {
	const char *name; /* a service name (value_is_name), used in rule comments */
	struct in_addr addr; /* its address inside the subnet */
	const struct portmap *ports;
	size_t n_ports;
};

struct nat_config {
	const char *bridge; /* the bridge interface, e.g. "intercontainer" */
	struct subnet subnet; /* the services' subnet (AF_INET) */
	bool masquerade; /* [network] nat: masquerade the subnet leaving the host */
};

/* The whole nft script that replaces table inet pistack (pure; *OUT is malloc'd).
 * Refuses names that are not service or interface names, addresses outside the
 * subnet, and a host port published twice (-EADDRINUSE). */
int nat_render(const struct nat_config *c, const struct nat_service *v, size_t n, char **out,
	       struct error *err);

/* Replace table inet pistack with the rules for the N services V, in one
 * transaction: on failure the previous table stays as it was. */
int nat_apply(const struct nat_config *c, const struct nat_service *v, size_t n, struct error *err);

/* Delete table inet pistack (absent is fine); no other table is touched. */
int nat_remove(struct error *err);

/* Turn on IPv4 forwarding (net.ipv4.ip_forward, and the bridge's own
 * conf/BRIDGE/forwarding).  route_localnet is never touched. */
int nat_enable_forwarding(const char *bridge, struct error *err);

/* -EADDRINUSE with "publish port 'HOSTPORT/PROTO' of 'NAME': already published
 * by 'OTHER'" when a port of ADD clashes with one of the N services V (the same
 * protocol and host port on the same or any host address); 0 otherwise. */
int nat_check_clash(const struct nat_service *v, size_t n, const struct nat_service *add, struct error *err);

#endif
