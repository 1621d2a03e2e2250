/*
 * gateway_ctl.c - the daemon's side of the gateway: it binds [gateway]
 * listen on http_port and https_port as root, forks the gateway master
 * (which sandboxes itself) when the first service with [http] hosts runs or
 * is wanted, keeps it supplied with the route table, reloads it, restarts it
 * when it dies, and stops it when no service needs it any more.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/gateway_ctl.h"
#include "daemon/network.h"
#include "gateway/gateway.h"
#include "gateway/routes.h"
#include "isolate/sandbox.h"

#define GATEWAY_RETRY_MS 1000
#define GATEWAY_RETRY_MAX_MS 30000

struct daemon_gateway {
	struct daemon *d;
	struct gateway gw;
	bool up;
	uint64_t started_wall;
	unsigned restarts;
	uint64_t retry_ms;
	struct loop_timer retry;
	char *last_routes;                 /* what the master has, to skip resending it */
};

/* Whether some service wants the gateway: one with [http] hosts that runs
 * or is meant to. */
static bool gateway_needed(const struct daemon *d)
{
	for (size_t i = 0; i < d->n_svcs; i++) {
		const struct service_rt *rt = d->svcs[i];
		if (rt->cfg->hosts.n && (rt->pid > 0 || rt->want_up))
			return true;
	}
	return false;
}

/* A listening TCP socket on ADDR:PORT (family of SA), non-blocking. */
static int bind_listener(const struct sockaddr *sa, socklen_t len, struct error *err)
{
	char text[INET6_ADDRSTRLEN + 8] = "?";
	int one = 1, fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	uint16_t port;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
		port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		text[0] = '[';
		inet_ntop(AF_INET6, &in6->sin6_addr, text + 1, sizeof(text) - 2);
		strcat(text, "]");
		port = ntohs(in6->sin6_port);
	}
	if (fd < 0)
		return error_set(err, errno, "create a socket for '%s:%u'", text, port);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* v4 and v6 are separate sockets: a v4-mapped v6 socket would hide
	 * which family a client came with and fail where v6 is off. */
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, sa, len) < 0 || listen(fd, 511) < 0) {
		int e = errno;
		close(fd);
		return error_set(err, e, "listen on '%s:%u'", text, port);
	}
	return fd;
}

/* Bind every [gateway] listen address on both ports into P. */
static int bind_all(const struct global_config *g, struct gateway_params *p, struct error *err)
{
	struct ip_addr any[2] = { { .family = AF_INET }, { .family = AF_INET6 } };
	const struct ip_addr *addrs = g->listen_any ? any : g->listen;
	size_t n_addrs = g->listen_any ? 2 : g->n_listen;
	const uint16_t ports[2] = { g->http_port, g->https_port };
	int fd;

	p->n_fds = 0;
	for (size_t i = 0; i < n_addrs; i++) {
		for (int k = 0; k < 2; k++) {
			struct sockaddr_storage ss = { 0 };
			socklen_t len;
			if (p->n_fds == GATEWAY_MAX_FDS) {
				error_set(err, E2BIG, "listen on more than %d sockets: use at most two [gateway] listen addresses",
					  GATEWAY_MAX_FDS);
				goto fail;
			}
			if (addrs[i].family == AF_INET) {
				struct sockaddr_in *in = (void *)&ss;
				in->sin_family = AF_INET;
				in->sin_addr = addrs[i].v4;
				in->sin_port = htons(ports[k]);
				len = sizeof(*in);
			} else {
				struct sockaddr_in6 *in6 = (void *)&ss;
				in6->sin6_family = AF_INET6;
				in6->sin6_addr = addrs[i].v6;
				in6->sin6_port = htons(ports[k]);
				len = sizeof(*in6);
			}
			fd = bind_listener((struct sockaddr *)&ss, len, err);
			/* "*" on a host without IPv6: IPv4 alone is fine. */
			if (fd < 0 && g->listen_any && addrs[i].family == AF_INET6 &&
			    (err->errnum == EAFNOSUPPORT || err->errnum == EADDRNOTAVAIL))
				break;
			if (fd < 0)
				goto fail;
			p->fd_tls[p->n_fds] = k == 1;
			p->fds[p->n_fds++] = fd;
		}
	}
	return 0;
fail:
	for (size_t i = 0; i < p->n_fds; i++)
		close(p->fds[i]);
	p->n_fds = 0;
	return -(err->errnum ? err->errnum : EINVAL);
}

/* VOLUMES/gateway and the certificate and ACME directories, owned by the
 * gateway's user: it reads certificates and writes the access log without
 * privileges (and creates the demo's self-signed certificate). */
static int make_dirs(const struct global_config *g, uid_t uid, gid_t gid, struct error *err)
{
	char base[4096], failed[4096];
	const char *dirs[4] = { base, g->certs, g->acme_webroot, NULL };
	char logdir[4096];
	int r;

	snprintf(base, sizeof(base), "%s/gateway", g->volumes);
	if (g->access_log) {
		snprintf(logdir, sizeof(logdir), "%s", g->access_log);
		*strrchr(logdir, '/') = '\0';
		dirs[3] = logdir[0] ? logdir : "/";
	}
	for (int i = 0; i < 4; i++) {
		if (!dirs[i])
			continue;
		if ((r = fs_mkdir_parents(dirs[i], 0750, failed, sizeof(failed))) < 0)
			return error_set(err, -r, "create directory '%s'", failed);
		/* Only what pistack made for the gateway changes owner, never a
		 * directory the user pointed the log at (like /var/log). */
		if (strncmp(dirs[i], base, strlen(base)) == 0 && chown(dirs[i], uid, gid) < 0)
			return error_set(err, errno, "give '%s' to the gateway user", dirs[i]);
	}
	return 0;
}

static void gateway_died(struct loop *l, int fd, uint32_t events, void *data);

/* Bind, prepare directories and fork the master. */
static int gateway_up(struct daemon_gateway *gwc, struct error *err)
{
	const struct global_config *g = &gwc->d->cfg.global;
	struct gateway_params p = { .g = g, .workers = g->workers, .certs_dir = g->certs,
				    .acme_webroot = g->acme_webroot, .access_log = g->access_log };
	int r;

	if ((r = sandbox_user(&p.uid, &p.gid, err)) < 0)
		return r;
	if ((r = make_dirs(g, p.uid, p.gid, err)) < 0)
		return r;
	if ((r = bind_all(g, &p, err)) < 0)
		return r;
	r = gateway_spawn(&p, &gwc->gw, err);
	for (size_t i = 0; i < p.n_fds; i++)
		close(p.fds[i]);
	if (r < 0)
		return r;
	if (loop_add(gwc->d->loop, gwc->gw.pidfd, EPOLLIN, gateway_died, gwc) < 0) {
		gateway_stop(&gwc->gw);
		return error_set(err, ENOMEM, "watch the gateway");
	}
	gwc->up = true;
	gwc->started_wall = (uint64_t)time(NULL);
	free(gwc->last_routes);
	gwc->last_routes = NULL;
	log_msg("gateway: started (pid %d)", gwc->gw.pid);
	return 0;
}

/* Stop the master (its workers finish their requests first). */
static void gateway_down(struct daemon_gateway *gwc)
{
	if (!gwc->up)
		return;
	loop_del(gwc->d->loop, gwc->gw.pidfd);
	gateway_stop(&gwc->gw);
	gwc->up = false;
	free(gwc->last_routes);
	gwc->last_routes = NULL;
}

/* The master ended unexpectedly: started again after a growing pause. */
static void gateway_died(struct loop *l, int fd, uint32_t events, void *data)
{
	struct daemon_gateway *gwc = data;

	(void)events;
	(void)fd;
	gateway_down(gwc);
	gwc->restarts++;
	gwc->retry_ms = gwc->retry_ms ? gwc->retry_ms * 2 : GATEWAY_RETRY_MS;
	if (gwc->retry_ms > GATEWAY_RETRY_MAX_MS)
		gwc->retry_ms = GATEWAY_RETRY_MAX_MS;
	log_msg("gateway: ended unexpectedly; starting it again in %llu ms", (unsigned long long)gwc->retry_ms);
	loop_timer_arm(l, &gwc->retry, gwc->retry_ms);
}

/* The restart timer. */
static void gateway_retry(struct loop *l, void *data)
{
	struct daemon_gateway *gwc = data;

	(void)l;
	gateway_routes_changed(gwc->d);
}

/* The route table of now: every service with [http] hosts, its address
 * when it runs ("-" otherwise: 503), and the unknown-host policy. */
static int render_routes(struct daemon *d, char **out, struct error *err)
{
	const struct global_config *g = &d->cfg.global;
	struct route *v = NULL, unknown = { 0 };
	char (*hosts)[ROUTES_MAX_HOST + 3] = NULL;
	size_t n = 0, cap = 0;
	bool have_unknown = false;
	int r;

	for (size_t i = 0; i < d->n_svcs; i++)
		cap += d->svcs[i]->cfg->hosts.n;
	v = calloc(cap + 1, sizeof(*v));
	hosts = calloc(cap + 1, sizeof(*hosts));
	if (!v || !hosts) {
		free(v);
		free(hosts);
		return error_set(err, ENOMEM, "build the gateway's routes");
	}
	for (size_t i = 0; i < d->n_svcs; i++) {
		const struct service_rt *rt = d->svcs[i];
		const struct service_config *s = rt->cfg;
		struct route base = { .path = s->http_path ? s->http_path : "/", .service = rt->name,
				      .port = s->http_port };
		/* Routed while starting too: a service answers before its first
		 * health check passes, as behind nginx-proxy. */
		bool up = rt->pid > 0 && (rt->state == SVC_RUNNING || rt->state == SVC_STARTING);
		if (up && s->net_mode == NET_HOST)
			base.running = inet_pton(AF_INET, "127.0.0.1", &base.addr) == 1;
		else if (up)
			base.running = inet_pton(AF_INET, rt->address, &base.addr) == 1;
		if (!g->unknown_host_status && strcmp(g->unknown_host_service, rt->name) == 0) {
			unknown = base;
			have_unknown = true;
		}
		if (rt->removed)
			continue;
		for (size_t h = 0; h < s->hosts.n; h++) {
			snprintf(hosts[n], sizeof(hosts[n]), "%s%s", s->hosts.v[h].wildcard ? "*." : "",
				 s->hosts.v[h].name);
			v[n] = base;
			v[n].host = hosts[n];
			n++;
		}
	}
	r = routes_render(v, n, have_unknown ? &unknown : NULL,
			  g->unknown_host_status ? (int)g->unknown_host_status : 404, out, err);
	free(v);
	free(hosts);
	return r;
}

/* See gateway_ctl.h. */
void gateway_routes_changed(struct daemon *d)
{
	struct daemon_gateway *gwc = d->gw;
	char *routes = NULL;
	struct error err;

	if (!gwc)
		return;
	if (!gateway_needed(d)) {
		loop_timer_cancel(d->loop, &gwc->retry);
		if (gwc->up)
			log_msg("gateway: no service has [http] hosts any more; stopping it");
		gateway_down(gwc);
		return;
	}
	if (!gwc->up) {
		if (gwc->retry.when_ms)
			return; /* a restart is pending; it calls us */
		if (gateway_up(gwc, &err) < 0) {
			log_error("gateway", &err);
			gwc->retry_ms = gwc->retry_ms ? gwc->retry_ms * 2 : GATEWAY_RETRY_MS;
			if (gwc->retry_ms > GATEWAY_RETRY_MAX_MS)
				gwc->retry_ms = GATEWAY_RETRY_MAX_MS;
			loop_timer_arm(d->loop, &gwc->retry, gwc->retry_ms);
			return;
		}
	}
	if (render_routes(d, &routes, &err) < 0) {
		log_error("gateway", &err);
		return;
	}
	if (gwc->last_routes && strcmp(gwc->last_routes, routes) == 0) {
		free(routes);
		return;
	}
	if (gateway_send_routes(&gwc->gw, routes, strlen(routes), &err) < 0) {
		log_error("gateway", &err);
		free(routes);
		return;
	}
	free(gwc->last_routes);
	gwc->last_routes = routes;
}

/* See gateway_ctl.h. */
void gateway_ctl_reload(struct daemon *d)
{
	struct daemon_gateway *gwc = d->gw;
	struct error err;

	if (!gwc || !gwc->up)
		return;
	if (gateway_reload(&gwc->gw, &d->cfg.global, &err) < 0)
		log_error("gateway", &err);
	/* Routes of the new configuration go out with the next change, which
	 * reload makes anyway; sent now so hosts moved between services follow. */
	free(gwc->last_routes);
	gwc->last_routes = NULL;
	gateway_routes_changed(d);
}

/* See gateway_ctl.h. */
int gateway_ctl_init(struct daemon *d)
{
	struct daemon_gateway *gwc = calloc(1, sizeof(*gwc));

	if (!gwc)
		return -ENOMEM;
	gwc->d = d;
	gwc->gw.pidfd = gwc->gw.ctl_fd = -1;
	gwc->retry.fn = gateway_retry;
	gwc->retry.data = gwc;
	d->gw = gwc;
	return 0;
}

/* See gateway_ctl.h. */
void gateway_ctl_shutdown(struct daemon *d)
{
	struct daemon_gateway *gwc = d->gw;

	if (!gwc)
		return;
	loop_timer_cancel(d->loop, &gwc->retry);
	gateway_down(gwc);
	free(gwc->last_routes);
	free(gwc);
	d->gw = NULL;
}

/* See gateway_ctl.h. */
bool gateway_ctl_status(const struct daemon *d, pid_t *pid, uint64_t *started_wall, unsigned *restarts)
{
	const struct daemon_gateway *gwc = d->gw;

	if (!gwc || (!gwc->up && !gwc->restarts))
		return false;
	*pid = gwc->up ? gwc->gw.pid : 0;
	*started_wall = gwc->started_wall;
	*restarts = gwc->restarts;
	return true;
}
