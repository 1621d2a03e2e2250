/*
 * network.h - the daemon's intercontainer network (daemon/network.c): the
 * bridge, leases and veths of services, and the name server, nftables and
 * loopback-port state that follow the running services.
 */
#ifndef PISTACK_DAEMON_NETWORK_H
#define PISTACK_DAEMON_NETWORK_H

#include <stdbool.h>

#include "daemon/daemon.h"

/* Before the services are adopted: the (still down) network state. */
int network_init(struct daemon *d);
/* After they are adopted: bring the network up if any service may use it,
 * clean stale veths, publish the present services. */
void network_start(struct daemon *d);
/* At exit: stop the name server; with SERVICES_DOWN (`down`), also remove
 * the nftables table and the loopback redirections. */
void network_shutdown(struct daemon *d, bool services_down);
/* Before container_prepare() of a service in mode intercontainer: lease its
 * address, fill CN (*RESOLV holds the resolver file; the caller frees it). */
int network_service_prepare(struct service_rt *rt, struct container_net *cn, char **resolv, struct error *err);
/* The instance runs: its address is shown and published. */
void network_service_started(struct service_rt *rt);
/* The instance is gone: its veth is removed, it is unpublished. */
void network_service_released(struct service_rt *rt);
/* Something changed: resynchronise names, NAT and ports shortly. */
void network_changed(struct daemon *d);

#endif
