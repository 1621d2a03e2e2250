/*
 * attach.c - join one service to the intercontainer bridge (see attach.h):
 * the order is bridge, lease, clone, veth, release of the child; the veth
 * goes when the service does.
 */
#include "net/attach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipam.h"

/* See attach.h. */
struct in_addr net_bridge_address(const struct global_config *g)
{
	struct in_addr a = { htonl(ntohl(g->subnet.addr.s_addr) + 1) };

	return a;
}

/* See attach.h. */
int net_bridge_up(struct link_handle *link, const struct global_config *g, struct net_bridge *b, struct error *err)
{
	int r;

	memset(b, 0, sizeof(*b));
	if ((r = link_bridge_ensure(link, g->bridge, &g->subnet, &b->ifindex, &b->mtu, err)) < 0)
		return r;
	b->gw = net_bridge_address(g);
	b->prefix = g->subnet.prefix;
	return 0;
}

/* See attach.h. */
int net_attach_prepare(struct net_attachment *a, struct link_handle *link, const struct net_bridge *b,
		       const struct global_config *g, const char *name, char *const *active, size_t n_active,
		       struct error *err)
{
	memset(a, 0, sizeof(*a));
	a->link = link;
	a->bridge = b;
	link_veth_name(name, a->host_if);
	return ipam_lease(g->state, &g->subnet, name, active, n_active, &a->addr, err);
}

/* See attach.h.  Runs after clone and before the child goes on: the child
 * finds eth0 configured when it starts, and a failure here aborts the start
 * before anything of the service runs. */
int net_attach_setup_child(pid_t pid, void *data, struct error *err)
{
	struct net_attachment *a = data;
	int r;

	r = link_veth_setup(a->link, a->host_if, a->bridge->ifindex, a->bridge->mtu, pid, a->addr, a->bridge->prefix,
			    a->bridge->gw, err);
	if (r == 0)
		a->made = true;
	return r;
}

/* See attach.h. */
void net_attach_release(struct net_attachment *a)
{
	struct error err;

	if (a->made && a->link)
		link_veth_delete(a->link, a->host_if, &err);
	a->made = false;
}

/* See attach.h. */
char *net_resolv_conf(const struct global_config *g, const struct net_bridge *b)
{
	char addr[INET_ADDRSTRLEN], *out = NULL;

	inet_ntop(AF_INET, &b->gw, addr, sizeof(addr));
	/* Short names are tried in the domain first ("web" -> web.DOMAIN),
	 * which the name server answers without forwarding. */
	if (asprintf(&out, "# pistack: the name server on the %s bridge\nnameserver %s\nsearch %s\n", g->bridge, addr,
		     g->domain) < 0)
		return NULL;
	return out;
}
