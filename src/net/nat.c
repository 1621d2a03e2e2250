/*
 * nat.c - pistack's nftables table: masquerade of the services' subnet, DNAT of
 * published ports, and the forward policy of the bridge.  Renders the whole
 * table as an nft script (a pure function) and applies it with libnftables in
 * one transaction that touches no other table.
 */
#include "net/nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"

#define NAT_IFNAME_MAX 15 /* IFNAMSIZ - 1 */

/* An interface name safe to quote in an nft script: 1-15 of [A-Za-z0-9_.-]. */
static bool nat_is_ifname(const char *s)
{
	size_t n = 0;

	if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; s[n]; n++) {
		char ch = s[n];

		if (n >= NAT_IFNAME_MAX)
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '.' || ch == '-'))
			return false;
	}
	return true;
}

/* The subnet mask of PREFIX bits, in network byte order. */
static in_addr_t nat_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : htonl(~(uint32_t)0 << (32 - prefix));
}

/* Whether A is a host address of subnet S (not its network or broadcast address). */
static bool nat_in_subnet(const struct subnet *s, struct in_addr a)
{
	in_addr_t mask = nat_mask(s->prefix);

	return (a.s_addr & mask) == s->addr.s_addr && a.s_addr != s->addr.s_addr &&
		a.s_addr != (s->addr.s_addr | ~mask);
}

/* Whether A is in 127.0.0.0/8. */
static bool nat_is_loopback(struct in_addr a)
{
	return (ntohl(a.s_addr) >> 24) == 127;
}

/* "tcp" or "udp". */
static const char *nat_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* Whether two published ports would claim the same host socket. */
static bool nat_ports_clash(const struct portmap *a, const struct portmap *b)
{
	return a->proto == b->proto && a->host_port == b->host_port &&
		(a->host_addr.s_addr == b->host_addr.s_addr || a->host_addr.s_addr == htonl(INADDR_ANY) ||
		 b->host_addr.s_addr == htonl(INADDR_ANY));
}

/* Check ADD's ports against those of the N services V; see nat.h. */
int nat_check_clash(const struct nat_service *v, size_t n, const struct nat_service *add, struct error *err)
{
	for (size_t k = 0; k < add->n_ports; k++) {
		const struct portmap *p = &add->ports[k];

		for (size_t i = 0; i < n; i++) {
			if (&v[i] == add)
				continue;
			for (size_t j = 0; j < v[i].n_ports; j++) {
				if (!nat_ports_clash(p, &v[i].ports[j]))
					continue;
				error_set(err, 0,
					  "publish port '%u/%s' of '%s': already "
					  "published by '%s'",
					  p->host_port, nat_proto_name(p->proto), add->name, v[i].name);
				err->errnum = EADDRINUSE;
				return -EADDRINUSE;
			}
		}
	}
	return 0;
}

/* Refuse what could not be rendered safely: every name ends up inside quotes
 * of the script, so only plain service and interface names are accepted. */
static int nat_validate(const struct nat_config *c, const struct nat_service *v, size_t n, struct error *err)
{
	if (!nat_is_ifname(c->bridge))
		return error_set(err, 0,
				 "render nftables table 'inet %s': invalid bridge "
				 "name '%s'",
				 NAT_TABLE, c->bridge ? c->bridge : "");
	if (c->subnet.family != AF_INET || c->subnet.prefix < 8 || c->subnet.prefix > 30 ||
	    (c->subnet.addr.s_addr & ~nat_mask(c->subnet.prefix)) != 0)
		return error_set(err, 0,
				 "render nftables table 'inet %s': the subnet is "
				 "not an IPv4 network of prefix 8 to 30",
				 NAT_TABLE);
	for (size_t i = 0; i < n; i++) {
		char a[INET_ADDRSTRLEN];

		if (!v[i].name || !value_is_name(v[i].name))
			return error_set(err, 0,
					 "render nftables table 'inet %s': invalid "
					 "service name '%s'",
					 NAT_TABLE, v[i].name ? v[i].name : "");
		if (!nat_in_subnet(&c->subnet, v[i].addr))
			return error_set(err, 0,
					 "publish ports of '%s': address '%s' is not "
					 "in the subnet",
					 v[i].name, inet_ntop(AF_INET, &v[i].addr, a, sizeof(a)));
		for (size_t j = 0; j < v[i].n_ports; j++) {
			const struct portmap *p = &v[i].ports[j];

			if (p->host_port == 0 || p->port == 0 ||
			    (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP))
				return error_set(err, 0,
						 "publish ports of '%s': invalid "
						 "port mapping %u:%u",
						 v[i].name, p->host_port, p->port);
		}
		if (nat_check_clash(v, i, &v[i], err) < 0)
			return -EADDRINUSE;
	}
	return 0;
}

/* The DNAT rules of one service, one per published port. */
static void nat_render_ports(FILE *f, const struct nat_service *s)
{
	char to[INET_ADDRSTRLEN], host[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &s->addr, to, sizeof(to));
	for (size_t j = 0; j < s->n_ports; j++) {
		const struct portmap *p = &s->ports[j];
		const char *proto = nat_proto_name(p->proto);

		/* A port published only on a loopback address is localnet's alone:
		 * no packet from elsewhere may reach it, and output DNAT of a
		 * loopback destination is what needs route_localnet. */
		if (nat_is_loopback(p->host_addr))
			continue;
		fputs("\t\t", f);
		if (p->host_addr.s_addr != htonl(INADDR_ANY))
			fprintf(f, "ip daddr %s ", inet_ntop(AF_INET, &p->host_addr, host, sizeof(host)));
		fprintf(f, "%s dport %u dnat ip to %s:%u comment \"%s\"\n", proto, p->host_port, to, p->port,
			s->name);
	}
}

/* Render the whole script; see nat.h. */
int nat_render(const struct nat_config *c, const struct nat_service *v, size_t n, char **out,
	       struct error *err)
{
	cleanup_free char *buf = NULL;
	char net[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	size_t size = 0;
	FILE *f;
	int r;

	*out = NULL;
	r = nat_validate(c, v, n, err);
	if (r < 0)
		return r;
	inet_ntop(AF_INET, &c->subnet.addr, net, sizeof(net));
	{
		/* The bridge's address: the subnet's first. */
		struct in_addr a = { htonl(ntohl(c->subnet.addr.s_addr) + 1) };
		inet_ntop(AF_INET, &a, gw, sizeof(gw));
	}
	f = open_memstream(&buf, &size);
	if (!f)
		return error_set(err, errno, "render nftables table 'inet %s'", NAT_TABLE);

	/* Create-then-delete makes the delete succeed whether or not the table
	 * exists; the three commands form one transaction, so the old table is
	 * replaced atomically and survives if anything below is refused. */
	fprintf(f, "table inet %s {}\n", NAT_TABLE);
	fprintf(f, "delete table inet %s\n", NAT_TABLE);
	fprintf(f, "table inet %s {\n", NAT_TABLE);

	/* Packets from other hosts (and from services: hairpin) to any of the
	 * host's own addresses, on a published port -- except port 53 of the
	 * bridge's address from the bridge: that is the name server, and a
	 * service publishing 53 must not capture the other services' lookups. */
	fprintf(f,
		"\tchain prerouting {\n"
		"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
		"\t\tiifname \"%s\" ip daddr %s th dport 53 return\n"
		"\t\tmeta nfproto ipv4 fib daddr type local jump ports\n"
		"\t}\n",
		c->bridge, gw);
	/* Connections made on the host itself to one of its own addresses.
	 * 127.0.0.0/8 is excluded: after DNAT the kernel drops a loopback
	 * source on a non-loopback route unless route_localnet=1, which would
	 * expose 127.0.0.1 services to the LAN (CVE-2020-8558); localnet.c
	 * rewrites those connects before they are made instead.  Excluding it
	 * also keeps host programs listening on 127.0.0.1 reachable.  -100 is
	 * "dstnat", a name nft 1.0.6 accepts only on prerouting. */
	fputs("\tchain output {\n"
	      "\t\ttype nat hook output priority -100; policy accept;\n"
	      "\t\tmeta nfproto ipv4 ip daddr != 127.0.0.0/8 fib daddr type local jump ports\n"
	      "\t}\n",
	      f);
	fputs("\tchain ports {\n", f);
	for (size_t i = 0; i < n; i++)
		nat_render_ports(f, &v[i]);
	fputs("\t}\n", f);

	fputs("\tchain postrouting {\n"
	      "\t\ttype nat hook postrouting priority srcnat; policy accept;\n",
	      f);
	/* Hairpin: a service reaching a published port of the host ends up on
	 * the bridge again.  Without masquerade the reply would go straight to
	 * it over the bridge, with a source it never connected to. */
	fprintf(f, "\t\toifname \"%s\" ip saddr %s/%u ct status dnat masquerade\n", c->bridge, net,
		c->subnet.prefix);
	if (c->masquerade)
		fprintf(f, "\t\toifname != \"%s\" ip saddr %s/%u masquerade\n", c->bridge, net,
			c->subnet.prefix);
	fputs("\t}\n", f);

	/* Services are reachable from outside only through published ports:
	 * traffic into the bridge is let through when it answers a service,
	 * was DNATed by a published port, or comes from the bridge itself
	 * (only seen with br_netfilter); everything else is dropped.  The
	 * host's own connections to services take the output path, not this. */
	fprintf(f,
		"\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; policy accept;\n"
		"\t\toifname != \"%s\" accept\n"
		"\t\tct state established,related accept\n"
		"\t\tct status dnat accept\n"
		"\t\tiifname \"%s\" accept\n"
		"\t\tdrop\n"
		"\t}\n",
		c->bridge, c->bridge);
	fputs("}\n", f);
	if (fclose(f) != 0 || !buf)
		return error_set(err, ENOMEM, "render nftables table 'inet %s'", NAT_TABLE);
	*out = TAKE_PTR(buf);
	return 0;
}

/* Fill ERR from libnftables' error buffer: the "Error: ..." lines joined,
 * with the errno guessed from the kernel's message (libnftables gives none). */
static int nat_nft_error(struct nft_ctx *ctx, const char *what, struct error *err)
{
	static const int known[] = {EPERM, EACCES, ENOENT,  EOPNOTSUPP,     ENOMEM,
				    EBUSY, EEXIST, ENOBUFS, EPROTONOSUPPORT};
	const char *text = nft_ctx_get_error_buffer(ctx), *p;
	char msg[ERROR_MSG_MAX] = "";
	size_t len = 0;
	int errnum = 0;

	for (p = text; p && *p;) {
		const char *eol = strchr(p, '\n'), *e;
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		e = memmem(p, n, "Error: ", 7);
		if (e && len + 2 < sizeof(msg)) {
			size_t take = n - (size_t)(e + 7 - p);

			len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%.*s", len ? "; " : "",
						(int)take, e + 7);
			if (len >= sizeof(msg))
				len = sizeof(msg) - 1;
		}
		p = eol ? eol + 1 : p + n;
	}
	if (!*msg)
		snprintf(msg, sizeof(msg), "%s", "nftables refused the commands");
	for (size_t i = 0; i < ARRAY_SIZE(known) && !errnum; i++) {
		if (strstr(msg, strerror(known[i])))
			errnum = known[i];
	}
	error_set(err, 0, "%s: %s", what, msg);
	err->errnum = errnum ? errnum : EINVAL;
	return -err->errnum;
}

/* Run SCRIPT as one libnftables transaction. */
static int nat_run(const char *script, const char *what, struct error *err)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	int r = 0;

	if (!ctx)
		return error_set(err, ENOMEM, "%s: create nftables context", what);
	/* Buffered, so libnftables writes nothing to our stdout or stderr. */
	if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
		nft_ctx_free(ctx);
		return error_set(err, ENOMEM, "%s: buffer nftables output", what);
	}
	/* One buffer is one netlink batch: the kernel applies all of it or none. */
	if (nft_run_cmd_from_buffer(ctx, script) != 0)
		r = nat_nft_error(ctx, what, err);
	nft_ctx_free(ctx);
	return r;
}

/* Replace table inet pistack; see nat.h. */
int nat_apply(const struct nat_config *c, const struct nat_service *v, size_t n, struct error *err)
{
	cleanup_free char *script = NULL;
	int r = nat_render(c, v, n, &script, err);

	if (r < 0)
		return r;
	return nat_run(script, "replace nftables table 'inet " NAT_TABLE "'", err);
}

/* Delete table inet pistack; see nat.h. */
int nat_remove(struct error *err)
{
	/* The same create-then-delete pair: absent or present, one transaction. */
	return nat_run("table inet " NAT_TABLE " {}\ndelete table inet " NAT_TABLE "\n",
		       "delete nftables table 'inet " NAT_TABLE "'", err);
}

/* Write "1" to the sysctl file PATH unless it already reads "1". */
static int nat_sysctl_on(const char *path, struct error *err)
{
	cleanup_close int fd = open(path, O_RDWR | O_CLOEXEC);
	char cur[8] = "";
	ssize_t n;

	if (fd < 0)
		return error_set(err, errno, "open '%s'", path);
	n = read(fd, cur, sizeof(cur) - 1);
	if (n > 0 && cur[0] == '1' && (cur[1] == '\n' || cur[1] == '\0'))
		return 0;
	/* Writing ip_forward resets every interface's forwarding flag, so it is
	 * written only when it has to change. */
	if (pwrite(fd, "1\n", 2, 0) != 2)
		return error_set(err, errno, "write '%s'", path);
	return 0;
}

/* Turn on forwarding; see nat.h. */
int nat_enable_forwarding(const char *bridge, struct error *err)
{
	char path[96];
	int r;

	if (!nat_is_ifname(bridge))
		return error_set(err, 0, "enable forwarding on '%s': invalid interface name",
				 bridge ? bridge : "");
	r = nat_sysctl_on("/proc/sys/net/ipv4/ip_forward", err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", bridge);
	return nat_sysctl_on(path, err);
}
