/*
 * link_veth.c - the veth pair of a service: the host end on the bridge, the
 * peer born in the service's network namespace and configured from inside it
 * (address, lo, default route); removal, and the sweep of pairs left by a
 * crash.  Runs as root in the daemon or in `pistack run`.
 */
#include "net/link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "net/link_nl.h"

/* NAME is one of the N names of V. */
static bool link_name_in(const char *name, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && strcmp(v[i], name) == 0)
			return true;
	return false;
}

/* See link.h. */
int link_veth_delete(struct link_handle *h, const char *host_if, struct error *err)
{
	struct rtnl_link *link = NULL;
	int r;

	link_begin(h);
	r = rtnl_link_get_kernel(h->sk, 0, host_if, &link);
	if (r < 0 && link_nl_absent(r))
		return 0;
	if (r < 0)
		return link_nl_fail(h, err, r, "look up veth '%s'", host_if);
	if (!link_is_kind(link, "veth")) {
		rtnl_link_put(link);
		error_set(err, 0, "delete veth '%s': a network device of that name is not a veth", host_if);
		return -EEXIST;
	}
	/* Deleting one end deletes the pair, wherever the peer is. */
	r = rtnl_link_delete(h->sk, link);
	rtnl_link_put(link);
	if (r < 0 && !link_nl_absent(r))
		return link_nl_fail(h, err, r, "delete veth '%s'", host_if);
	return 0;
}

/* See link.h. */
int link_veth_cleanup_stale(struct link_handle *h, int bridge_ifindex, char *const *keep, size_t n_keep,
			    struct error *err)
{
	struct nl_cache *links = NULL;
	int r, first = 0;

	link_begin(h);
	r = rtnl_link_alloc_cache(h->sk, AF_UNSPEC, &links);
	if (r < 0)
		return link_nl_fail(h, err, r, "list network devices");
	for (struct nl_object *o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *link = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(link);

		if (rtnl_link_get_master(link) != bridge_ifindex || !link_is_kind(link, "veth") || !name ||
		    link_name_in(name, keep, n_keep))
			continue;
		r = rtnl_link_delete(h->sk, link);
		if (r < 0 && !link_nl_absent(r) && !first)
			first = link_nl_fail(h, err, r, "delete stale veth '%s'", name);
	}
	nl_cache_free(links);
	return first;
}

/* Connect OUT to rtnetlink inside the network namespace NS_FD (of PID).
 *
 * A netlink socket acts on the namespace it was created in for its whole life,
 * so only socket() has to happen inside: enter NS_FD, create and connect the
 * socket, and return at once, on failure too.  setns() changes the namespace of
 * the calling thread only; nothing else may run on this thread meanwhile (the
 * callers, the daemon and `pistack run`, are single-threaded).  Returning can
 * only fail if the kernel refuses to re-enter the namespace we came from; going
 * on there would create the next bridge, veth or NAT rule inside a service, so
 * that is treated as a broken invariant and aborts. */
static int link_netns_connect(int ns_fd, pid_t pid, struct link_handle *out, struct error *err)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return error_set(err, errno, "open network namespace '/proc/thread-self/ns/net'");
	if (setns(ns_fd, CLONE_NEWNET) < 0) {
		r = error_set(err, errno, "enter the network namespace of pid %d", (int)pid);
		close(self);
		return r;
	}
	r = link_connect(out);
	if (setns(self, CLONE_NEWNET) < 0)
		abort();
	close(self);
	if (r < 0)
		return link_nl_fail(out, err, r,
				    "connect to rtnetlink in the network namespace "
				    "of pid %d",
				    (int)pid);
	return 0;
}

/* Look up the device NAME in the namespace of H into *OUT. */
static int link_get(struct link_handle *h, const char *name, struct rtnl_link **out, struct error *err)
{
	int r = rtnl_link_get_kernel(h->sk, 0, name, out);

	if (r < 0)
		return link_nl_fail(h, err, r, "look up '%s'", name);
	return 0;
}

/* Inside the service's namespace (through H): ADDR/PREFIX on eth0, eth0 and lo
 * up, and the default route via GW. */
static int link_peer_configure(struct link_handle *h, struct in_addr addr, unsigned prefix, struct in_addr gw,
			       struct error *err)
{
	struct rtnl_link *eth = NULL, *lo = NULL;
	struct nl_addr *local = NULL, *dst = NULL, *via = NULL;
	struct rtnl_route *route = NULL;
	struct rtnl_nexthop *nh = NULL;
	char text[INET_ADDRSTRLEN];
	int r;

	r = link_get(h, LINK_PEER_NAME, &eth, err);
	if (r < 0)
		goto out;
	r = link_get(h, "lo", &lo, err);
	if (r < 0)
		goto out;
	local = nl_addr_build(AF_INET, &addr, sizeof(addr));
	if (!local) {
		r = error_set(err, ENOMEM, "configure '%s'", LINK_PEER_NAME);
		goto out;
	}
	nl_addr_set_prefixlen(local, (int)prefix);
	r = link_nl_add_addr(h, rtnl_link_get_ifindex(eth), LINK_PEER_NAME, local, err);
	if (r < 0)
		goto out;
	r = link_nl_set_up(h, lo, err);
	if (r < 0)
		goto out;
	/* Up before the route: IPv4 installs the subnet's route, through which
	 * the gateway is reachable, only for a device that is up. */
	r = link_nl_set_up(h, eth, err);
	if (r < 0)
		goto out;
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	via = nl_addr_build(AF_INET, &gw, sizeof(gw));
	if (!route || !nh || !via || nl_addr_parse("default", AF_INET, &dst) < 0) {
		r = error_set(err, ENOMEM, "configure '%s'", LINK_PEER_NAME);
		goto out;
	}
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	rtnl_route_set_protocol(route, RTPROT_BOOT);
	rtnl_route_set_type(route, RTN_UNICAST);
	rtnl_route_set_dst(route, dst);
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_nh_set_ifindex(nh, rtnl_link_get_ifindex(eth));
	rtnl_route_add_nexthop(route, nh);
	nh = NULL; /* owned by the route now */
	r = rtnl_route_add(h->sk, route, NLM_F_EXCL);
	if (r < 0)
		r = link_nl_fail(h, err, r, "add default route via '%s' on '%s'",
				 inet_ntop(AF_INET, &gw, text, sizeof(text)), LINK_PEER_NAME);
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (route)
		rtnl_route_put(route);
	if (via)
		nl_addr_put(via);
	if (dst)
		nl_addr_put(dst);
	if (local)
		nl_addr_put(local);
	if (lo)
		rtnl_link_put(lo);
	if (eth)
		rtnl_link_put(eth);
	return r;
}

/* See link.h. */
int link_veth_setup(struct link_handle *h, const char *host_if, int bridge_ifindex, unsigned mtu, pid_t pid,
		    struct in_addr addr, unsigned prefix, struct in_addr gw, struct error *err)
{
	struct rtnl_link *link = NULL, *peer = NULL;
	struct nl_addr *lladdr = NULL;
	struct link_handle ns = {0};
	struct error ignored;
	char path[64];
	int ns_fd, r;

	link_begin(h);
	if (!host_if[0] || strlen(host_if) > LINK_NAME_MAX || strchr(host_if, '/'))
		return error_set(err, 0, "create veth '%s': not a network device name", host_if);
	if (prefix < 1 || prefix > 30)
		return error_set(err, 0, "create veth '%s': prefix length %u out of range", host_if, prefix);
	/* A veth left by a crash would make the creation fail with EEXIST. */
	r = link_veth_delete(h, host_if, err);
	if (r == -EEXIST)
		error_set(err, 0,
			  "create veth '%s': a network device of that name exists and "
			  "is not a veth",
			  host_if);
	if (r < 0)
		return r;
	/* The namespace by descriptor, not by pid: a pid can be reused, an open
	 * namespace cannot change under us. */
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ns_fd < 0)
		return error_set(err, errno, "open network namespace '%s'", path);
	link = rtnl_link_veth_alloc();
	peer = link ? rtnl_link_veth_get_peer(link) : NULL;
	if (!link || !peer) {
		r = error_set(err, ENOMEM, "create veth '%s'", host_if);
		goto out;
	}
	rtnl_link_set_name(link, host_if);
	rtnl_link_set_mtu(link, mtu);
	rtnl_link_set_master(link, bridge_ifindex);
	rtnl_link_set_flags(link, IFF_UP);
	/* The peer is born in the service's namespace, so the name eth0 never
	 * exists, even for a moment, in ours. */
	rtnl_link_set_name(peer, LINK_PEER_NAME);
	rtnl_link_set_mtu(peer, mtu);
	rtnl_link_set_ns_fd(peer, ns_fd);
	/* eth0's MAC follows from its address (as Docker's 02:42:IP): a service
	 * started again at the same address keeps its MAC, so the host's and
	 * the other services' neighbour entries stay right -- a new random MAC
	 * would leave them sending to the old one until their entries expire. */
	{
		unsigned char mac[6] = {0x02, 0x71};
		memcpy(mac + 2, &addr.s_addr, 4);
		lladdr = nl_addr_build(AF_LLC, mac, sizeof(mac));
		if (lladdr)
			rtnl_link_set_addr(peer, lladdr);
	}
	r = rtnl_link_add(h->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0) {
		r = link_nl_fail(h, err, r,
				 "create veth '%s' with peer '%s' in the network namespace "
				 "of pid %d",
				 host_if, LINK_PEER_NAME, (int)pid);
		goto out;
	}
	r = link_netns_connect(ns_fd, pid, &ns, err);
	if (r == 0) {
		r = link_peer_configure(&ns, addr, prefix, gw, err);
		if (r < 0)
			error_prefix(err, "configure the network of pid %d", (int)pid);
	}
	if (r < 0)
		link_veth_delete(h, host_if, &ignored);
out:
	link_close(&ns);
	if (lladdr)
		nl_addr_put(lladdr);
	if (peer)
		rtnl_link_put(peer);
	if (link)
		rtnl_link_put(link);
	close(ns_fd);
	return r;
}
