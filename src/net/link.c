/*
 * link.c - the rtnetlink handle and the bridge services share, checked against
 * the host's addresses and routes before it is made or adopted; the names of
 * the services' veth devices.  The veth pairs are in link_veth.c.  Runs as root
 * in the daemon or in `pistack run`; talks rtnetlink through libnl-route-3.
 */
#include "net/link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "net/link_nl.h"

/* The errno behind the libnl error NLERR (libnl maps errno values to its own
 * codes); 0 when libnl kept no errno. */
static int link_nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_EXIST:
		return EEXIST;
	case NLE_NOADDR:
		return EADDRNOTAVAIL;
	case NLE_OBJ_NOTFOUND:
		return ENOENT;
	case NLE_INTR:
		return EINTR;
	case NLE_AGAIN:
		return EAGAIN;
	case NLE_BAD_SOCK:
		return EBADF;
	case NLE_NOACCESS:
		return EACCES;
	case NLE_INVAL:
		return EINVAL;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_AF_NOSUPPORT:
		return EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH:
		return EPROTONOSUPPORT;
	case NLE_OPNOTSUPP:
		return EOPNOTSUPP;
	case NLE_PERM:
		return EPERM;
	case NLE_BUSY:
		return EBUSY;
	case NLE_RANGE:
		return ERANGE;
	case NLE_NODEV:
		return ENODEV;
	case NLE_MSGSIZE:
		return EMSGSIZE;
	default:
		return 0;
	}
}

/* See link_nl.h. */
int link_nl_fail(const struct link_handle *h, struct error *err, int nlerr, const char *fmt, ...)
{
	int errnum = link_nl_errno(nlerr);
	char what[ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* libnl folds errno values it does not know (ENETUNREACH, ENOSPC...)
	 * into NLE_FAILURE: take the kernel's own from the reply, or else say
	 * what libnl says rather than invent one. */
	if (!errnum && nlerr == -NLE_FAILURE && h && h->kernel_errno > 0)
		errnum = h->kernel_errno;
	if (!errnum) {
		error_set(err, 0, "%s: %s", what, nl_geterror(nlerr));
		return -EIO;
	}
	return error_set(err, errnum, "%s", what);
}

/* See link_nl.h. */
bool link_nl_absent(int nlerr)
{
	return nlerr == -NLE_NODEV || nlerr == -NLE_OBJ_NOTFOUND;
}

/* Keep the errno of the kernel's error reply in H (ARG); libnl then fails the
 * request as it always does. */
static int link_nl_record_errno(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct link_handle *h = arg;

	(void)nla;
	h->kernel_errno = -e->error;
	return NL_STOP;
}

/* See link_nl.h. */
int link_connect(struct link_handle *h)
{
	int r;

	h->kernel_errno = 0;
	h->sk = nl_socket_alloc();
	if (!h->sk)
		return -NLE_NOMEM;
	/* libnl opens it with SOCK_CLOEXEC: it never reaches a container. */
	r = nl_connect(h->sk, NETLINK_ROUTE);
	if (r == 0)
		r = nl_socket_modify_err_cb(h->sk, NL_CB_CUSTOM, link_nl_record_errno, h);
	if (r < 0) {
		nl_socket_free(h->sk);
		h->sk = NULL;
	}
	return r;
}

/* See link_nl.h. */
void link_begin(struct link_handle *h)
{
	h->kernel_errno = 0;
	nl_socket_modify_err_cb(h->sk, NL_CB_CUSTOM, link_nl_record_errno, h);
}

/* See link.h. */
int link_open(struct link_handle *h, struct error *err)
{
	int r = link_connect(h);

	if (r < 0)
		return link_nl_fail(h, err, r, "connect to rtnetlink");
	return 0;
}

/* See link.h. */
void link_close(struct link_handle *h)
{
	if (h->sk)
		nl_socket_free(h->sk);
	h->sk = NULL;
}

/* See link.h. */
bool link_prefix_overlaps(const void *a, unsigned a_len, const void *b, unsigned b_len, size_t len)
{
	const unsigned char *x = a, *y = b;
	unsigned bits = a_len < b_len ? a_len : b_len;
	size_t whole = bits / 8;
	unsigned char mask;

	if (bits > len * 8)
		bits = (unsigned)(len * 8), whole = len;
	if (memcmp(x, y, whole) != 0)
		return false;
	if (bits % 8 == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - bits % 8));
	return (x[whole] & mask) == (y[whole] & mask);
}

/* The 64-bit FNV-1a hash of S, with a final mix so the high bits depend on
 * every byte. */
static uint64_t link_name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* See link.h. */
void link_veth_name(const char *service, char out[LINK_NAME_MAX + 1])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	size_t n = strlen(service);
	uint64_t h;

	if (n <= LINK_NAME_MAX - 3) {
		snprintf(out, LINK_NAME_MAX + 1, "ps-%s", service);
		return;
	}
	/* "ps-" + 3 characters + "_" + 8 base-32 digits = 15.  '_' is not allowed
	 * in service names, so no short form looks like a long one. */
	h = link_name_hash(service);
	memcpy(out, "ps-", 3);
	memcpy(out + 3, service, 3);
	out[6] = '_';
	for (int i = 0; i < 8; i++)
		out[7 + i] = digits[(h >> (59 - 5 * i)) & 31];
	out[15] = '\0';
}

/* The host address number N (1 = first) of SUBNET as a libnl address with
 * SUBNET's prefix length, in *OUT. */
static int link_subnet_host(const struct subnet *subnet, uint32_t n, struct nl_addr **out)
{
	struct in_addr a = {htonl(ntohl(subnet->addr.s_addr) + n)};

	*out = nl_addr_build(AF_INET, &a, sizeof(a));
	if (!*out)
		return -NLE_NOMEM;
	nl_addr_set_prefixlen(*out, (int)subnet->prefix);
	return 0;
}

/* See link_nl.h. */
bool link_is_kind(struct rtnl_link *link, const char *kind)
{
	const char *type = rtnl_link_get_type(link);

	return type && strcmp(type, kind) == 0;
}

/* The name of the device IFINDEX in LINKS, or "#IFINDEX" into BUF. */
static const char *link_name_of(struct nl_cache *links, int ifindex, char *buf, size_t size)
{
	if (!rtnl_link_i2name(links, ifindex, buf, size))
		snprintf(buf, size, "#%d", ifindex);
	return buf;
}

/* What a bridge check looks at: the host's devices, addresses and main routes. */
struct link_snapshot {
	struct nl_cache *links, *addrs, *routes;
};

/* Dump the devices, addresses and routes (of FAMILY) of the namespace of H. */
static int link_snapshot_take(struct link_handle *h, int family, struct link_snapshot *s, struct error *err)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = rtnl_link_alloc_cache(h->sk, AF_UNSPEC, &s->links);
	if (r < 0)
		return link_nl_fail(h, err, r, "list network devices");
	r = rtnl_addr_alloc_cache(h->sk, &s->addrs);
	if (r < 0)
		return link_nl_fail(h, err, r, "list addresses");
	r = rtnl_route_alloc_cache(h->sk, family, 0, &s->routes);
	if (r < 0)
		return link_nl_fail(h, err, r, "list routes");
	return 0;
}

/* Free the caches of S. */
static void link_snapshot_release(struct link_snapshot *s)
{
	if (s->links)
		nl_cache_free(s->links);
	if (s->addrs)
		nl_cache_free(s->addrs);
	if (s->routes)
		nl_cache_free(s->routes);
	memset(s, 0, sizeof(*s));
}

/* Check the addresses the bridge BRIDGE (ifindex) already holds in the family of
 * WANT: WANT itself sets *HAS; any other is refused. */
static int link_bridge_check_own(struct link_snapshot *s, const char *name, int bridge, struct nl_addr *want,
				 bool *has, struct error *err)
{
	char have_text[64], want_text[64];

	*has = false;
	for (struct nl_object *o = nl_cache_get_first(s->addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);

		if (rtnl_addr_get_ifindex(a) != bridge || !local ||
		    rtnl_addr_get_family(a) != nl_addr_get_family(want))
			continue;
		if (nl_addr_cmp(local, want) == 0 &&
		    (unsigned)rtnl_addr_get_prefixlen(a) == nl_addr_get_prefixlen(want)) {
			*has = true;
			continue;
		}
		nl_addr_set_prefixlen(local, rtnl_addr_get_prefixlen(a));
		return error_set(err, 0,
				 "use bridge '%s': it has address '%s', not '%s'; set "
				 "[network] subnet to match it, or delete the bridge",
				 name, nl_addr2str(local, have_text, sizeof(have_text)),
				 nl_addr2str(want, want_text, sizeof(want_text)));
	}
	return 0;
}

/* Refuse SUBNET (as the libnl prefix NET) when it shares addresses with an
 * address of a device other than BRIDGE (0: none yet), or with a route of the
 * main table that does not go through BRIDGE.  Default routes cover every
 * subnet and are no conflict. */
static int link_check_overlap(struct link_snapshot *s, struct nl_addr *net, int bridge, struct error *err)
{
	char net_text[64], what[64], dev[IFNAMSIZ + 1];
	int family = nl_addr_get_family(net);
	unsigned len = nl_addr_get_len(net);

	nl_addr2str(net, net_text, sizeof(net_text));
	for (struct nl_object *o = nl_cache_get_first(s->addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		int ifindex = rtnl_addr_get_ifindex(a);

		if (ifindex == bridge || rtnl_addr_get_family(a) != family || !local ||
		    nl_addr_get_len(local) != len)
			continue;
		if (!link_prefix_overlaps(nl_addr_get_binary_addr(net), nl_addr_get_prefixlen(net),
					  nl_addr_get_binary_addr(local),
					  (unsigned)rtnl_addr_get_prefixlen(a), len))
			continue;
		nl_addr_set_prefixlen(local, rtnl_addr_get_prefixlen(a));
		return error_set(err, 0,
				 "use subnet '%s': overlaps address '%s' on '%s'; set "
				 "[network] subnet",
				 net_text, nl_addr2str(local, what, sizeof(what)),
				 link_name_of(s->links, ifindex, dev, sizeof(dev)));
	}
	for (struct nl_object *o = nl_cache_get_first(s->routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(rt);
		struct rtnl_nexthop *nh;
		int ifindex = 0;

		if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || rtnl_route_get_family(rt) != family ||
		    !dst || nl_addr_get_prefixlen(dst) == 0)
			continue;
		if (rtnl_route_get_nnexthops(rt) > 0 && (nh = rtnl_route_nexthop_n(rt, 0)))
			ifindex = rtnl_route_nh_get_ifindex(nh);
		if (bridge && ifindex == bridge)
			continue;
		if (nl_addr_get_len(dst) != len ||
		    !link_prefix_overlaps(nl_addr_get_binary_addr(net), nl_addr_get_prefixlen(net),
					  nl_addr_get_binary_addr(dst), nl_addr_get_prefixlen(dst), len))
			continue;
		nl_addr2str(dst, what, sizeof(what));
		if (!strchr(what, '/'))
			snprintf(what + strlen(what), sizeof(what) - strlen(what), "/%u",
				 nl_addr_get_prefixlen(dst));
		if (ifindex > 0)
			return error_set(err, 0,
					 "use subnet '%s': overlaps route '%s' on '%s'; set "
					 "[network] subnet",
					 net_text, what, link_name_of(s->links, ifindex, dev, sizeof(dev)));
		return error_set(err, 0, "use subnet '%s': overlaps route '%s'; set [network] subnet",
				 net_text, what);
	}
	return 0;
}

/* Create the bridge NAME, up, with a fixed MAC: a bridge without a set address
 * takes the lowest MAC of its ports, so it would change as services come and
 * go and leave stale neighbour entries in every container.  Returns 1 when
 * NAME exists already. */
static int link_bridge_create(struct link_handle *h, const char *name, struct nl_addr *gw, struct error *err)
{
	unsigned char mac[6] = {0x02, 0x70}; /* locally administered */
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_addr *lladdr = NULL;
	int r = -NLE_NOMEM;

	/* IPv4: the address itself; a longer (IPv6) one: its last 4 bytes. */
	memcpy(mac + 2, (const unsigned char *)nl_addr_get_binary_addr(gw) + nl_addr_get_len(gw) - 4, 4);
	if (link)
		lladdr = nl_addr_build(AF_LLC, mac, sizeof(mac));
	if (link && lladdr && (r = rtnl_link_set_type(link, "bridge")) == 0) {
		rtnl_link_set_name(link, name);
		rtnl_link_set_addr(link, lladdr);
		rtnl_link_set_flags(link, IFF_UP);
		r = rtnl_link_add(h->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	}
	if (lladdr)
		nl_addr_put(lladdr);
	if (link)
		rtnl_link_put(link);
	if (r == -NLE_EXIST)
		return 1;
	if (r < 0)
		return link_nl_fail(h, err, r, "create bridge '%s'", name);
	return 0;
}

/* See link_nl.h. */
int link_nl_add_addr(struct link_handle *h, int ifindex, const char *ifname, struct nl_addr *local,
		     struct error *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *brd = NULL;
	unsigned char b[16];
	unsigned len = nl_addr_get_len(local), plen = nl_addr_get_prefixlen(local);
	char text[64];
	int r = -NLE_NOMEM;

	if (!a)
		goto out;
	rtnl_addr_set_ifindex(a, ifindex);
	r = rtnl_addr_set_local(a, local);
	if (r < 0)
		goto out;
	if (nl_addr_get_family(local) == AF_INET) {
		/* IPv4 wants its broadcast address spelled out, as `ip addr add ... brd +`. */
		memcpy(b, nl_addr_get_binary_addr(local), len);
		for (unsigned i = plen; i < len * 8; i++)
			b[i / 8] |= (unsigned char)(0x80 >> (i % 8));
		brd = nl_addr_build(AF_INET, b, len);
		r = brd ? rtnl_addr_set_broadcast(a, brd) : -NLE_NOMEM;
		if (r < 0)
			goto out;
	}
	r = rtnl_addr_add(h->sk, a, 0);
out:
	if (brd)
		nl_addr_put(brd);
	if (a)
		rtnl_addr_put(a);
	if (r < 0)
		return link_nl_fail(h, err, r, "add address '%s' to '%s'",
				    nl_addr2str(local, text, sizeof(text)), ifname);
	return 0;
}

/* See link_nl.h. */
int link_nl_set_up(struct link_handle *h, struct rtnl_link *link, struct error *err)
{
	struct rtnl_link *change;
	int r;

	if (rtnl_link_get_flags(link) & IFF_UP)
		return 0;
	change = rtnl_link_alloc();
	if (!change)
		return error_set(err, ENOMEM, "set '%s' up", rtnl_link_get_name(link));
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(h->sk, link, change, 0);
	rtnl_link_put(change);
	if (r < 0)
		return link_nl_fail(h, err, r, "set '%s' up", rtnl_link_get_name(link));
	return 0;
}

/* See link.h. */
int link_bridge_ensure(struct link_handle *h, const char *name, const struct subnet *subnet, int *ifindex,
		       unsigned *mtu, struct error *err)
{
	struct link_snapshot snap = {0};
	struct rtnl_link *link = NULL;
	struct nl_addr *gw = NULL, *net = NULL;
	bool created = false, has = false;
	int r, attempts = 0;

	link_begin(h);
	if (!name[0] || strlen(name) > LINK_NAME_MAX || strchr(name, '/'))
		return error_set(err, 0, "use bridge '%s': not a network device name", name);
	/* An IPv6 (ULA) subnet will take the same path: the checks below work on
	 * libnl addresses of any family; only the address arithmetic is IPv4. */
	if (subnet->family != AF_INET)
		return error_set(err, EAFNOSUPPORT, "use the subnet of bridge '%s'", name);
	if (link_subnet_host(subnet, 1, &gw) < 0 || link_subnet_host(subnet, 0, &net) < 0) {
		r = error_set(err, ENOMEM, "use bridge '%s'", name);
		goto out;
	}
again:
	r = rtnl_link_get_kernel(h->sk, 0, name, &link);
	if (r < 0 && !link_nl_absent(r)) {
		r = link_nl_fail(h, err, r, "look up bridge '%s'", name);
		goto out;
	}
	if (r == 0 && !link_is_kind(link, "bridge")) {
		r = error_set(err, 0,
			      "use bridge '%s': a network device of that name exists and is "
			      "not a bridge; set [network] bridge",
			      name);
		goto out;
	}
	r = link_snapshot_take(h, subnet->family, &snap, err);
	if (r < 0)
		goto out;
	if (link) {
		r = link_bridge_check_own(&snap, name, rtnl_link_get_ifindex(link), gw, &has, err);
		if (r < 0)
			goto out;
	}
	/* Checked before anything is created, so a refusal leaves the host as it was. */
	r = link_check_overlap(&snap, net, link ? rtnl_link_get_ifindex(link) : 0, err);
	if (r < 0)
		goto out;
	if (!link) {
		r = link_bridge_create(h, name, gw, err);
		/* Another pistack made it in the meantime: check theirs. */
		if (r == 1 && attempts++ == 0) {
			link_snapshot_release(&snap);
			goto again;
		}
		if (r == 1)
			r = error_set(err, EEXIST, "create bridge '%s'", name);
		if (r < 0)
			goto out;
		created = true;
		r = rtnl_link_get_kernel(h->sk, 0, name, &link);
		if (r < 0) {
			r = link_nl_fail(h, err, r, "look up bridge '%s'", name);
			goto out;
		}
	}
	if (!has) {
		r = link_nl_add_addr(h, rtnl_link_get_ifindex(link), name, gw, err);
		if (r < 0)
			goto out;
	}
	r = link_nl_set_up(h, link, err);
	if (r < 0)
		goto out;
	*ifindex = rtnl_link_get_ifindex(link);
	*mtu = rtnl_link_get_mtu(link);
out:
	if (r < 0 && created && link)
		rtnl_link_delete(h->sk, link);
	link_snapshot_release(&snap);
	if (link)
		rtnl_link_put(link);
	if (gw)
		nl_addr_put(gw);
	if (net)
		nl_addr_put(net);
	return r;
}
