/*
 * master.h - the gateway master process (forked from the daemon by
 * gateway_spawn): what gateway.c hands it, and the setup steps that run
 * before its sandbox closes (master_setup.c).
 */
#ifndef PISTACK_GATEWAY_MASTER_H
#define PISTACK_GATEWAY_MASTER_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "gateway/gateway.h"
#include "gateway/settings.h"

/* The master's life after fork: CTL_FD is its end of the daemon's channel,
 * STATUS_FD gets "k" once it is sandboxed and serving, or "E" + errno (int)
 * + a NUL-terminated message when setup failed.  Never returns. */
void __attribute__((noreturn)) master_main(const struct gateway_params *p, int ctl_fd, int status_fd);

/* What the master keeps of gateway_params, in its own memory. */
struct master_conf {
	struct gw_settings set;
	int fds[GATEWAY_MAX_FDS];
	bool fd_tls[GATEWAY_MAX_FDS];
	size_t n_fds;
	unsigned n_cpus;
	uid_t uid;
	gid_t gid;
	char *certs_dir, *acme_webroot, *access_log;   /* NULL when not set */
};

/* Everything before the sandbox, as root: descriptors, signals, limits,
 * OpenSSL, the self-signed default certificate, then the sandbox itself.
 * KEEP are the descriptors to keep besides 0-2 and the listening sockets. */
int master_setup(const struct gateway_params *p, const int *keep, size_t n_keep,
		 struct master_conf *conf, struct error *err);

#endif
