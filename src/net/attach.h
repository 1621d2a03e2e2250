/*
 * attach.h - join one service to the intercontainer bridge: the bridge made
 * or adopted, the service's stable address leased, its veth pair made and
 * configured between clone and release of the child, and removed again.
 * Shared by `pistack run` and the daemon.  Library code: errors go to the
 * error object.
 */
#ifndef PISTACK_NET_ATTACH_H
#define PISTACK_NET_ATTACH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "config/config.h"
#include "net/link.h"

struct net_bridge {
	int ifindex;
	unsigned mtu;
	struct in_addr gw;         /* the bridge's address: the subnet's first */
	unsigned prefix;
};

struct net_attachment {
	struct link_handle *link;  /* borrowed from the caller */
	const struct net_bridge *bridge;
	char host_if[16];          /* the host end of the veth pair */
	struct in_addr addr;       /* the service's address */
	bool made;                 /* the veth exists (to be removed) */
};

/* Make or adopt the bridge of G and describe it in B. */
int net_bridge_up(struct link_handle *link, const struct global_config *g, struct net_bridge *b, struct error *err);

/* Lease NAME's address (ACTIVE: names whose leases must not be taken back)
 * and fill A; nothing is made yet. */
int net_attach_prepare(struct net_attachment *a, struct link_handle *link, const struct net_bridge *b,
		       const struct global_config *g, const char *name, char *const *active, size_t n_active,
		       struct error *err);

/* container_start_opts.setup_child: make the veth pair and configure the
 * child's end in its network namespace (DATA is the attachment). */
int net_attach_setup_child(pid_t pid, void *data, struct error *err);

/* Remove the veth pair (the kernel removes it too when the namespace goes;
 * this covers a namespace kept alive by something else). */
void net_attach_release(struct net_attachment *a);

/* /etc/resolv.conf of a service on the bridge: the name server at the
 * bridge address, the domain searched (caller frees). */
char *net_resolv_conf(const struct global_config *g, const struct net_bridge *b);

/* The bridge address of G's subnet (its first host address). */
struct in_addr net_bridge_address(const struct global_config *g);

#endif
