/*
 * network.c - the daemon's side of the intercontainer network: the bridge
 * (made when the first service needs it), each service's lease and veth
 * pair, and the three things that follow the set of running services: the
 * name server's table, pistack's nftables table (NAT and published ports)
 * and the loopback redirections of published ports.  Every change of a
 * service's state schedules one resynchronisation of all three.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/gateway_ctl.h"
#include "daemon/network.h"
#include "isolate/sandbox.h"
#include "net/ipam.h"
#include "net/localnet.h"
#include "net/nameserver.h"
#include "net/nat.h"
#include "net/resolv_conf.h"

/* Changes within this window are applied together (20 services started at
 * once make one table, not twenty); well inside the 100 ms promised. */
#define NETWORK_SYNC_DELAY_MS 5
#define NAMESERVER_RETRY_MS 1000

struct daemon_net {
	struct daemon *d;
	struct link_handle link;
	bool link_open;
	struct net_bridge bridge;
	bool bridge_up;
	struct nameserver ns;
	bool ns_up;
	struct loop_timer ns_retry;
	struct localnet ln;
	bool ln_up, ln_tried;
	bool nat_applied;
	struct loop_timer sync_timer;
};

/* Whether RT's instance holds an address others may reach. */
static bool service_present(const struct service_rt *rt)
{
	return rt->pid > 0 && rt->address[0] && (rt->state == SVC_STARTING || rt->state == SVC_RUNNING);
}

/* The names whose leases must not be taken back: every configured service
 * that runs or wants to (a stopped one keeps its address unless the subnet
 * runs out). */
static char **active_names(struct daemon *d, size_t *n)
{
	char **v = calloc(d->n_svcs + 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < d->n_svcs; i++)
		if (d->svcs[i]->pid > 0 || d->svcs[i]->want_up)
			v[(*n)++] = d->svcs[i]->name;
	return v;
}

/* The resolvers the name server forwards to: [network] upstream, or the
 * host's /etc/resolv.conf (never our own address: that would loop). */
static size_t upstreams(const struct daemon_net *net, struct ip_addr *out, size_t max)
{
	const struct global_config *g = &net->d->cfg.global;
	size_t n = 0;

	if (!g->upstream_auto) {
		for (size_t i = 0; i < g->n_upstream && n < max; i++)
			out[n++] = g->upstream[i];
		return n;
	}
	{
		struct error err;
		int r = max >= RESOLV_CONF_MAX ? resolv_conf_load("/etc/resolv.conf", out, &err) : -EINVAL;
		if (r < 0)
			log_error("nameserver", &err);
		n = r > 0 ? (size_t)r : 0;
	}
	for (size_t i = 0; i < n;) {
		if (out[i].family == AF_INET && out[i].v4.s_addr == net->bridge.gw.s_addr)
			out[i] = out[--n];
		else
			i++;
	}
	return n;
}

/* A socket of TYPE bound to the bridge address, port 53.  Bound here, by
 * root, and handed over: the name server never holds a privilege. */
static int bind_dns_socket(struct in_addr addr, int type, struct error *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53), .sin_addr = addr };
	int one = 1, fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return error_set(err, errno, "create a socket for the name server");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		char a[INET_ADDRSTRLEN];
		int e = errno;
		close(fd);
		inet_ntop(AF_INET, &addr, a, sizeof(a));
		return error_set(err, e, "bind the name server to '%s:53/%s'", a, type == SOCK_STREAM ? "tcp" : "udp");
	}
	return fd;
}

static void nameserver_died(struct loop *l, int fd, uint32_t events, void *data);

/* Start the name server on the bridge address. */
static int nameserver_up(struct daemon_net *net, struct error *err)
{
	const struct global_config *g = &net->d->cfg.global;
	struct nameserver_config nc = { .listen = net->bridge.gw, .domain = g->domain };
	struct ip_addr up[8];
	int r;

	if ((r = sandbox_user(&nc.uid, &nc.gid, err)) < 0)
		return r;
	nc.n_upstream = upstreams(net, up, 8);
	nc.upstream = up;
	if ((nc.udp_fd = bind_dns_socket(net->bridge.gw, SOCK_DGRAM, err)) < 0)
		return nc.udp_fd;
	if ((nc.tcp_fd = bind_dns_socket(net->bridge.gw, SOCK_STREAM, err)) < 0) {
		close(nc.udp_fd);
		return nc.tcp_fd;
	}
	/* Both sockets are the name server's now (closed here even on failure). */
	r = nameserver_spawn(&nc, &net->ns, err);
	if (r < 0)
		return r;
	net->ns_up = true;
	if (loop_add(net->d->loop, net->ns.pidfd, EPOLLIN, nameserver_died, net) < 0) {
		nameserver_stop(&net->ns);
		net->ns_up = false;
		return error_set(err, ENOMEM, "watch the name server");
	}
	return 0;
}

/* The name server ended: started again after a pause, table and all. */
static void nameserver_died(struct loop *l, int fd, uint32_t events, void *data)
{
	struct daemon_net *net = data;

	(void)events;
	loop_del(l, fd);
	log_msg("nameserver: ended unexpectedly; starting it again");
	nameserver_stop(&net->ns);
	net->ns_up = false;
	loop_timer_arm(l, &net->ns_retry, NAMESERVER_RETRY_MS);
}

/* The restart timer of the name server. */
static void nameserver_retry(struct loop *l, void *data)
{
	struct daemon_net *net = data;
	struct error err;

	(void)l;
	if (nameserver_up(net, &err) < 0) {
		log_error("nameserver", &err);
		loop_timer_arm(l, &net->ns_retry, NAMESERVER_RETRY_MS * 5);
		return;
	}
	network_changed(net->d);
}

/* Bring up what services on the bridge need: the bridge, forwarding, the
 * name server.  Idempotent; a failure is retried at the next start. */
static int network_up(struct daemon *d, struct error *err)
{
	struct daemon_net *net = d->net;
	int r;

	if (!net->link_open) {
		if ((r = link_open(&net->link, err)) < 0)
			return r;
		net->link_open = true;
	}
	if (!net->bridge_up) {
		/* Checked and made before any service joins it: an overlapping
		 * subnet refuses every start on the bridge with the reason. */
		if ((r = net_bridge_up(&net->link, &d->cfg.global, &net->bridge, err)) < 0)
			return r;
		if ((r = nat_enable_forwarding(d->cfg.global.bridge, err)) < 0)
			return r;
		net->bridge_up = true;
	}
	if (!net->ns_up && !net->ns_retry.when_ms && (r = nameserver_up(net, err)) < 0) {
		/* Services run without names rather than not at all; retried. */
		log_error("nameserver", err);
		loop_timer_arm(d->loop, &net->ns_retry, NAMESERVER_RETRY_MS * 5);
	}
	if (!net->ln_tried) {
		struct error e2;
		net->ln_tried = true;
		if (localnet_open(&net->ln, &e2) < 0)
			log_msg("daemon: published ports answer on the host's addresses, not on loopback: unable to %s",
				e2.msg);
		else
			net->ln_up = true;
	}
	return 0;
}

/* Remove the veths of services that ended while no daemon watched (a
 * killed daemon, a crash): every veth on the bridge but those of services
 * with an instance now (adopted, or started during adoption). */
static void network_clean_stale(struct daemon *d)
{
	struct daemon_net *net = d->net;
	char (*names)[16] = calloc(d->n_svcs + 1, sizeof(*names));
	char **keep = calloc(d->n_svcs + 1, sizeof(*keep));
	size_t n_keep = 0;
	struct error err;

	if (names && keep) {
		for (size_t i = 0; i < d->n_svcs; i++) {
			if (d->svcs[i]->pid > 0) {
				link_veth_name(d->svcs[i]->name, names[n_keep]);
				keep[n_keep] = names[n_keep];
				n_keep++;
			}
		}
		if (link_veth_cleanup_stale(&net->link, net->bridge.ifindex, keep, n_keep, &err) < 0)
			log_error("daemon", &err);
	}
	free(names);
	free(keep);
}

/* Push the present services to the name server, nftables and the loopback
 * redirections, and the routes to the gateway. */
static void network_sync(struct loop *l, void *data)
{
	struct daemon_net *net = data;
	struct daemon *d = net->d;
	const struct global_config *g = &d->cfg.global;
	struct nameserver_entry *ents = calloc(d->n_svcs + 1, sizeof(*ents));
	struct nat_service *nats = calloc(d->n_svcs + 1, sizeof(*nats));
	struct nat_config nc = { .bridge = g->bridge, .subnet = g->subnet, .masquerade = g->nat };
	size_t n = 0, n_nat = 0;
	struct error err;

	(void)l;
	if (!net->bridge_up)
		goto out;
	if (!ents || !nats)
		goto out;
	for (size_t i = 0; i < d->n_svcs; i++) {
		struct service_rt *rt = d->svcs[i];
		struct in_addr a;
		if (!service_present(rt) || inet_pton(AF_INET, rt->address, &a) != 1)
			continue;
		snprintf(ents[n].name, sizeof(ents[n].name), "%s", rt->name);
		ents[n++].addr = a;
		if (rt->cfg->ports.n) {
			nats[n_nat].name = rt->name;
			nats[n_nat].addr = a;
			nats[n_nat].ports = rt->cfg->ports.v;
			nats[n_nat++].n_ports = rt->cfg->ports.n;
		}
	}
	if (net->ns_up && nameserver_send_table(&net->ns, ents, n, &err) < 0)
		log_error("nameserver", &err);
	/* The table is rebuilt whole in one transaction: a restarted daemon
	 * and a stopped service both end with exactly the rules of now. */
	if ((net->nat_applied || n_nat || g->nat) && net->bridge_up) {
		if (nat_apply(&nc, nats, n_nat, &err) < 0)
			log_error("daemon", &err);
		else
			net->nat_applied = true;
	}
	if (net->ln_up && localnet_set(&net->ln, nats, n_nat, &err) < 0)
		log_error("daemon", &err);
out:
	gateway_routes_changed(d);
	free(ents);
	free(nats);
}

/* See network.h. */
void network_changed(struct daemon *d)
{
	if (d->net && !d->net->sync_timer.when_ms)
		loop_timer_arm(d->loop, &d->net->sync_timer, NETWORK_SYNC_DELAY_MS);
}

/* See network.h. */
int network_init(struct daemon *d)
{
	struct daemon_net *net = calloc(1, sizeof(*net));

	if (!net)
		return -ENOMEM;
	net->d = d;
	net->ns.pidfd = net->ns.ctl_fd = -1;
	net->sync_timer.fn = network_sync;
	net->sync_timer.data = net;
	net->ns_retry.fn = nameserver_retry;
	net->ns_retry.data = net;
	d->net = net;
	return 0;
}

/* See network.h. */
void network_start(struct daemon *d)
{
	bool wanted = false;
	struct error err;

	for (size_t i = 0; i < d->n_svcs; i++)
		if (d->svcs[i]->cfg->net_mode == NET_INTERCONTAINER || d->svcs[i]->address[0])
			wanted = true;
	/* Up at once when a service may use it: re-adopted services get their
	 * names, ports and the cleaning of stale veths before the first request. */
	if (wanted) {
		if (network_up(d, &err) < 0) {
			log_error("daemon", &err);
			return;
		}
		network_clean_stale(d);
		network_changed(d);
	}
}

/* See network.h. */
void network_shutdown(struct daemon *d, bool services_down)
{
	struct daemon_net *net = d->net;
	struct error err;

	if (!net)
		return;
	loop_timer_cancel(d->loop, &net->sync_timer);
	loop_timer_cancel(d->loop, &net->ns_retry);
	if (net->ns_up) {
		loop_del(d->loop, net->ns.pidfd);
		nameserver_stop(&net->ns);
	}
	/* Left in place while services run on without us: their published
	 * ports keep answering and the next daemon rebuilds both at once. */
	if (services_down) {
		if (net->nat_applied && nat_remove(&err) < 0)
			log_error("daemon", &err);
		if (net->ln_up && localnet_remove(&err) < 0)
			log_error("daemon", &err);
	}
	if (net->ln_up)
		localnet_close(&net->ln);
	if (net->link_open)
		link_close(&net->link);
	free(net);
	d->net = NULL;
}

/* See network.h. */
int network_service_prepare(struct service_rt *rt, struct container_net *cn, char **resolv, struct error *err)
{
	struct daemon *d = rt->d;
	char **active;
	size_t n_active;
	int r;

	if ((r = network_up(d, err)) < 0)
		return r;
	if (!(active = active_names(d, &n_active)))
		return error_set(err, ENOMEM, "lease an address for '%s'", rt->name);
	r = net_attach_prepare(&rt->att, &d->net->link, &d->net->bridge, &d->cfg.global, rt->name, active, n_active,
			       err);
	free(active);
	if (r < 0)
		return r;
	if (!(*resolv = net_resolv_conf(&d->cfg.global, &d->net->bridge)))
		return error_set(err, ENOMEM, "generate /etc/resolv.conf of '%s'", rt->name);
	cn->addr = rt->att.addr;
	cn->resolv_conf = *resolv;
	return 0;
}

/* See network.h. */
void network_service_started(struct service_rt *rt)
{
	if (rt->cfg->net_mode == NET_INTERCONTAINER)
		inet_ntop(AF_INET, &rt->att.addr, rt->address, sizeof(rt->address));
	network_changed(rt->d);
}

/* See network.h. */
void network_service_released(struct service_rt *rt)
{
	struct daemon_net *net = rt->d->net;

	if (rt->att.made) {
		net_attach_release(&rt->att);
	} else if (rt->address[0] && net && net->link_open) {
		/* Adopted: its veth was made by the daemon before us. */
		char host_if[16];
		struct error err;
		link_veth_name(rt->name, host_if);
		link_veth_delete(&net->link, host_if, &err);
	}
	memset(&rt->att, 0, sizeof(rt->att));
	network_changed(rt->d);
}
