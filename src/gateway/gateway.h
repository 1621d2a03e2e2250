/*
 * gateway.h - the daemon's handle on the gateway: a master process forked
 * from the root daemon that sandboxes itself, keeps the listening sockets the
 * daemon bound, and runs pre-forked workers proxying HTTP/1.1 and TLS to the
 * services.  The daemon talks to the master over CTL_FD (framing of
 * common/ctl.h; see gateway/msg.h for the messages).
 */
#ifndef PISTACK_GATEWAY_GATEWAY_H
#define PISTACK_GATEWAY_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "config/config.h"

#define GATEWAY_MAX_FDS 4

struct gateway_params {
	const struct global_config *g;
	/* Listening sockets the root daemon bound (http v4/v6, https v4/v6),
	 * non-blocking; fd_tls[i] marks the TLS ones. */
	int fds[GATEWAY_MAX_FDS];
	size_t n_fds;
	bool fd_tls[GATEWAY_MAX_FDS];
	unsigned workers;             /* 0 = one per CPU */
	uid_t uid;                    /* the gateway's unprivileged identity; 0 = sandbox_user() */
	gid_t gid;
	const char *certs_dir, *acme_webroot, *access_log;  /* access_log NULL = off */
};

struct gateway {
	pid_t pid;                    /* the master; 0 when not running */
	int pidfd;                    /* readable when the master ended: waitid(P_PIDFD) it */
	int ctl_fd;                   /* the daemon's end of the control channel */
};

/* Fork the master (no exec).  The caller's descriptors in P stay the
 * caller's (the master has its own copies).  Returns 0 or -errno. */
int gateway_spawn(const struct gateway_params *p, struct gateway *gw, struct error *err);

/* Hand the master a new route table (routes_render() output); every worker
 * applies it without a restart.  Returns 0 or -errno (-E2BIG past
 * GATEWAY_ROUTES_MAX). */
int gateway_send_routes(struct gateway *gw, const char *text, size_t len, struct error *err);

/* Apply G's [gateway] settings (redirect_https, hsts, unknown_host,
 * max_body, timeouts, workers) and re-read the certificates: a new worker
 * generation starts, the old one drains.  Paths, ports and listen addresses
 * are fixed at spawn: change those with gateway_stop() + gateway_spawn(). */
int gateway_reload(struct gateway *gw, const struct global_config *g, struct error *err);

/* Stop the gateway: the master stops accepting (and closes its listening
 * sockets), lets in-flight requests finish for at most GATEWAY_STOP_MS, and
 * exits.  Waits for it (SIGKILL past the bound), reaps it, closes the
 * descriptors and zeroes GW.  Returns at once when no connection is active. */
void gateway_stop(struct gateway *gw);

#define GATEWAY_ROUTES_MAX (4u << 20)   /* bytes of route table text */
#define GATEWAY_STOP_MS 10000           /* drain bound when the daemon stops the gateway */
#define GATEWAY_DRAIN_MS 30000          /* drain bound of an old worker generation */

#endif
