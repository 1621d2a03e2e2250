/*
 * reload.c - `pistack reload` and SIGHUP: load the configuration anew and
 * apply it.  An invalid configuration changes nothing and answers with its
 * FILE:LINE lines.  A running service whose resolved settings changed is
 * restarted; the others are untouched; new services are added (down),
 * removed ones are stopped.  Replaced configurations stay alive while
 * instances started from them run (d->retired).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "daemon/ctl_server.h"
#include "daemon/daemon.h"
#include "daemon/gateway_ctl.h"
#include "daemon/network.h"

static int rt_cmp(const void *a, const void *b)
{
	return strcmp((*(struct service_rt *const *)a)->name, (*(struct service_rt *const *)b)->name);
}

/* See daemon.h. */
int daemon_reload(struct daemon *d, struct ctl_conn *c)
{
	struct diag_list diags = { 0 };
	struct config next, *retired;
	struct service_rt **svcs;
	unsigned restarted = 0, added = 0, removed = 0;
	size_t n = d->n_svcs;

	if (config_load(&next, d->conf_root, &diags) < 0) {
		for (size_t i = 0; i < diags.n; i++) {
			if (c)
				ctl_err(c, "%s\n", diags.v[i]);
			else
				log_msg("reload: %s", diags.v[i]);
		}
		if (c)
			ctl_err(c, "pistack: unable to reload: the configuration is invalid; nothing changed\n");
		diag_release(&diags);
		return EXIT_CONFIG;
	}
	if (strcmp(next.global.run, d->cfg.global.run) != 0 || strcmp(next.global.state, d->cfg.global.state) != 0)
		log_msg("reload: [paths] run and state take effect when the daemon restarts");
	retired = realloc(d->retired, (d->n_retired + 1) * sizeof(*retired));
	svcs = realloc(d->svcs, (n + next.n_services + 1) * sizeof(*svcs));
	if (!retired || !svcs) {
		free(retired == d->retired ? NULL : retired);
		config_release(&next);
		if (c)
			ctl_err(c, "pistack: unable to reload: out of memory\n");
		return EXIT_FAILED;
	}
	d->retired = retired;
	d->svcs = svcs;
	/* The old configuration is kept: running instances still point into it. */
	d->retired[d->n_retired++] = d->cfg;
	d->cfg = next;
	for (size_t i = 0; i < n; i++) {
		struct service_rt *rt = d->svcs[i];
		const struct service_config *svc = config_find_service(&d->cfg, rt->name);
		if (!svc) {
			if (!rt->removed) {
				rt->removed = true;
				rt->want_up = false;
				removed++;
				supervise_event(rt, EV_STOP);
			}
			continue;
		}
		rt->removed = false;
		if (rt->pid > 0 && rt->running_fingerprint != svc->fingerprint) {
			restarted++;
			/* The running instance stops the way it was started
			 * (stop_signal, stop_timeout of its settings, still in
			 * d->retired); only the next one takes the new settings.
			 * (rt->cfg used to be replaced first.) */
			supervise_event(rt, EV_STOP);
			rt->cfg = svc;
			supervise_event(rt, EV_START);
			continue;
		}
		rt->cfg = svc;
	}
	for (size_t i = 0; i < d->cfg.n_services; i++) {
		if (daemon_find(d, d->cfg.services[i].name))
			continue;
		d->svcs[d->n_svcs++] = daemon_new_service(d, &d->cfg.services[i]);
		added++;
	}
	qsort(d->svcs, d->n_svcs, sizeof(*d->svcs), rt_cmp);
	/* Certificates and [gateway] settings: a new worker generation, the
	 * listening sockets stay; routes and names follow the new services. */
	gateway_ctl_reload(d);
	network_changed(d);
	if (c)
		ctl_out(c, "reloaded: %u restarted, %u added, %u removed\n", restarted, added, removed);
	log_msg("reload: %u restarted, %u added, %u removed", restarted, added, removed);
	return EXIT_OK;
}
