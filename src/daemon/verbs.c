/*
 * verbs.c - what the daemon does for each control request: dispatch, and the
 * life-cycle verbs start, stop, restart, status and down.  Verbs that wait
 * for services to change state (stop, restart, down) register a waiter that
 * supervise_event() completes; the reply is sent then.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/format.h"
#include "common/log.h"
#include "daemon/ctl_server.h"
#include "daemon/daemon.h"
#include "daemon/gateway_ctl.h"
#include "daemon/logs.h"
#include "daemon/verbs.h"

/* No fixed limit on the services of a request: `down` and `status` used to
 * take only the first 64 (a 65th service was neither listed nor stopped),
 * and names after the 64th were ignored.  The arrays are sized per request. */

enum waiter_kind { WAIT_STOP, WAIT_RESTART, WAIT_DOWN };

struct waiter {
	struct daemon *d;
	struct ctl_conn *c;
	enum waiter_kind kind;
	size_t n;
	int status;
	struct waiter *next;
	/* Room for as many as the request names (waiter_new()). */
	struct service_rt *rts[];
};

/* Forget W (the reply is sent, or the client left). */
static void waiter_unlink(struct waiter *w)
{
	for (struct waiter **p = &w->d->waiters; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
}

/* The client went away while waiting. */
static void waiter_closed(struct ctl_conn *c, void *data)
{
	struct waiter *w = data;

	(void)c;
	waiter_unlink(w);
	free(w);
}

/* `down`: exit once the reply had its chance to be written. */
static void daemon_exit_timer(struct loop *l, void *data)
{
	(void)data;
	loop_stop(l);
}

/* Whether RT is where W waits for it to be. */
static bool waiter_satisfied(const struct waiter *w, const struct service_rt *rt)
{
	if (w->kind == WAIT_RESTART)
		return rt->state != SVC_STOPPING;
	return rt->state == SVC_EXITED || rt->state == SVC_FAILED;
}

/* Send W's reply when every service it waits for is there. */
static void waiter_check(struct waiter *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (!waiter_satisfied(w, w->rts[i]))
			return;
	for (size_t i = 0; i < w->n; i++) {
		struct service_rt *rt = w->rts[i];
		if (w->kind == WAIT_RESTART && rt->state != SVC_RUNNING && rt->state != SVC_STARTING) {
			ctl_err(w->c, "pistack: %s: unable to restart '%s': %s\n", rt->name, rt->name,
				rt->last_error[0] ? rt->last_error : svc_state_name(rt->state));
			w->status = 1;
		}
	}
	waiter_unlink(w);
	ctl_keep(w->c, NULL, NULL);
	ctl_finish(w->c, w->status);
	if (w->kind == WAIT_DOWN) {
		w->d->exit_timer.fn = daemon_exit_timer;
		loop_timer_arm(w->d->loop, &w->d->exit_timer, 100);
	}
	free(w);
}

/* See daemon.h. */
void verbs_state_changed(struct service_rt *rt)
{
	struct waiter *w = rt->d->waiters, *next;

	for (; w; w = next) {
		next = w->next;
		for (size_t i = 0; i < w->n; i++)
			if (w->rts[i] == rt) {
				waiter_check(w);
				break;
			}
	}
}

/* A new waiter on C for up to CAP services, registered with the connection. */
static struct waiter *waiter_new(struct daemon *d, struct ctl_conn *c, enum waiter_kind kind, size_t cap)
{
	struct waiter *w = calloc(1, sizeof(*w) + (cap ? cap : 1) * sizeof(w->rts[0]));

	if (!w)
		return NULL;
	w->d = d;
	w->c = c;
	w->kind = kind;
	return w;
}

/* Start waiting.  Only after the verb's own events: one of them may already
 * complete the wait, and the waiter must not be found (and freed) midway. */
static void waiter_start(struct waiter *w)
{
	w->next = w->d->waiters;
	w->d->waiters = w;
	ctl_keep(w->c, waiter_closed, w);
	waiter_check(w);
}

/* Resolve the NAME arguments of a verb into OUT (room for ARGC - 1); unknown
 * ones are reported. */
static size_t verb_services(struct daemon *d, struct ctl_conn *c, int argc, char **argv, const char *verb,
			    struct service_rt **out, int *status)
{
	size_t n = 0;

	for (int i = 1; i < argc; i++) {
		struct service_rt *rt = daemon_find(d, argv[i]);
		if (!rt || rt->removed) {
			ctl_err(c, "pistack: %s: unable to %s '%s': no such service in %s/conf.d\n", argv[i], verb,
				argv[i], d->conf_root);
			*status = 1;
			continue;
		}
		out[n++] = rt;
	}
	return n;
}

/* start NAME...: running when the reply comes (or the reason it is not). */
static void verb_start(struct daemon *d, struct ctl_conn *c, int argc, char **argv)
{
	struct service_rt **rts;
	int status = 0;
	size_t n;

	if (argc < 2) {
		ctl_err(c, "usage: pistack start NAME...\n");
		ctl_finish(c, 2);
		return;
	}
	rts = calloc((size_t)argc, sizeof(*rts));
	if (!rts) {
		ctl_finish(c, 1);
		return;
	}
	n = verb_services(d, c, argc, argv, "start", rts, &status);
	for (size_t i = 0; i < n; i++) {
		supervise_event(rts[i], EV_START);
		if (rts[i]->state != SVC_RUNNING && rts[i]->state != SVC_STARTING &&
		    rts[i]->state != SVC_STOPPING) {
			ctl_err(c, "pistack: %s: unable to start '%s': %s\n", rts[i]->name, rts[i]->name,
				rts[i]->last_error[0] ? rts[i]->last_error : svc_state_name(rts[i]->state));
			status = 1;
		}
	}
	free(rts);
	ctl_finish(c, status);
}

/* stop / restart NAME...: reply once they are down (and up again). */
static void verb_stop_restart(struct daemon *d, struct ctl_conn *c, int argc, char **argv, bool restart)
{
	struct waiter *w;
	int status = 0;

	if (argc < 2) {
		ctl_err(c, "usage: pistack %s NAME...\n", restart ? "restart" : "stop");
		ctl_finish(c, 2);
		return;
	}
	w = waiter_new(d, c, restart ? WAIT_RESTART : WAIT_STOP, (size_t)argc);
	if (!w) {
		ctl_finish(c, 1);
		return;
	}
	w->n = verb_services(d, c, argc, argv, restart ? "restart" : "stop", w->rts, &status);
	w->status = status;
	for (size_t i = 0; i < w->n; i++) {
		supervise_event(w->rts[i], EV_STOP);
		if (restart)
			supervise_event(w->rts[i], EV_START);
	}
	waiter_start(w);
}

/* down: stop everything, then the daemon exits. */
static void verb_down(struct daemon *d, struct ctl_conn *c)
{
	struct waiter *w = waiter_new(d, c, WAIT_DOWN, d->n_svcs);

	if (!w) {
		ctl_finish(c, 1);
		return;
	}
	d->stopping = true;
	for (size_t i = 0; i < d->n_svcs; i++) {
		w->rts[w->n++] = d->svcs[i];
		supervise_event(d->svcs[i], EV_STOP);
	}
	waiter_start(w);
}

/* One `status` row's cells. */
struct status_row {
	const char *name, *state;
	char pid[16], address[20], uptime[24], restarts[16], memory[24], hosts[512], health[16];
};

/* Fill ROW for RT. */
static void status_row(struct daemon *d, struct service_rt *rt, struct status_row *row, unsigned long long *mem)
{
	const struct service_config *s = rt->cfg;
	bool up = rt->pid > 0;
	size_t off = 0;

	row->name = rt->name;
	row->state = svc_state_name(rt->state);
	snprintf(row->pid, sizeof(row->pid), up ? "%d" : "-", rt->pid);
	snprintf(row->address, sizeof(row->address), "%s", rt->address[0] ? rt->address : "-");
	if (up)
		format_duration(row->uptime, sizeof(row->uptime), (uint64_t)time(NULL) - rt->started_wall);
	else
		strcpy(row->uptime, "-");
	snprintf(row->restarts, sizeof(row->restarts), "%u", rt->restarts);
	*mem = 0;
	if (up && cgroup_read_u64(&d->cg, rt->name, "memory.current", mem) == 0 && *mem > 0)
		format_size(row->memory, sizeof(row->memory), *mem);
	else
		strcpy(row->memory, "-");
	row->hosts[0] = '\0';
	for (size_t i = 0; i < s->hosts.n && off + 4 < sizeof(row->hosts); i++)
		off += (size_t)snprintf(row->hosts + off, sizeof(row->hosts) - off, "%s%s%s", i ? "," : "",
					s->hosts.v[i].wildcard ? "*." : "", s->hosts.v[i].name);
	if (!row->hosts[0])
		strcpy(row->hosts, "-");
	if (s->health_kind == HEALTH_NONE || !up)
		strcpy(row->health, "-");
	else
		strcpy(row->health, rt->health_state == HEALTH_HEALTHY ? "healthy" :
				    rt->health_state == HEALTH_UNHEALTHY ? "unhealthy" : "starting");
}

/* status [--json] [NAME...] */
static void verb_status(struct daemon *d, struct ctl_conn *c, int argc, char **argv)
{
	struct service_rt **pick;
	struct status_row *rows;
	unsigned long long *mems;
	bool json = false, gateway_row = false, gateway_named = false;
	int status = 0, w[9] = { 4, 5, 3, 7, 6, 8, 6, 5, 6 };
	size_t n = 0;

	if (argc > 1 && strcmp(argv[1], "--json") == 0) {
		json = true;
		argc--;
		argv++;
	}
	for (int k = 1; k < argc; k++)
		gateway_named |= strcmp(argv[k], "gateway") == 0;
	pick = calloc((size_t)argc + d->n_svcs, sizeof(*pick));
	if (!pick) {
		ctl_finish(c, 1);
		return;
	}
	if (argc > 1) {
		/* `gateway` is not a configured service: listed below. */
		int k = 1;
		for (int j = 1; j < argc; j++)
			if (strcmp(argv[j], "gateway") != 0)
				argv[k++] = argv[j];
		n = k > 1 ? verb_services(d, c, k, argv, "show", pick, &status) : 0;
	} else {
		for (size_t i = 0; i < d->n_svcs; i++)
			if (!d->svcs[i]->removed || d->svcs[i]->pid)
				pick[n++] = d->svcs[i];
	}
	rows = calloc(n + 1, sizeof(*rows));
	mems = calloc(n + 1, sizeof(*mems));
	if (!rows || !mems) {
		free(rows);
		free(mems);
		free(pick);
		ctl_finish(c, 1);
		return;
	}
	/* The gateway is listed as the service `gateway` (a reserved name):
	 * with every service, or when named. */
	{
		pid_t gpid;
		uint64_t since;
		unsigned restarts;
		if ((argc == 1 || gateway_named) && gateway_ctl_status(d, &gpid, &since, &restarts) && !json) {
			struct status_row *r = &rows[n];
			r->name = "gateway";
			r->state = gpid ? "running" : "backoff";
			snprintf(r->pid, sizeof(r->pid), gpid ? "%d" : "-", gpid);
			strcpy(r->address, "-");
			if (gpid)
				format_duration(r->uptime, sizeof(r->uptime), (uint64_t)time(NULL) - since);
			else
				strcpy(r->uptime, "-");
			snprintf(r->restarts, sizeof(r->restarts), "%u", restarts);
			strcpy(r->memory, "-");
			strcpy(r->hosts, "-");
			strcpy(r->health, "-");
			gateway_row = true;
		}
	}
	for (size_t i = 0; i < n + gateway_row; i++) {
		struct status_row *r = &rows[i];
		const char *cells[9];
		if (i < n)
			status_row(d, pick[i], r, &mems[i]);
		cells[0] = r->name, cells[1] = r->state, cells[2] = r->pid, cells[3] = r->address;
		cells[4] = r->uptime, cells[5] = r->restarts, cells[6] = r->memory, cells[7] = r->hosts;
		cells[8] = r->health;
		for (int k = 0; k < 9; k++)
			if ((int)strlen(cells[k]) > w[k])
				w[k] = (int)strlen(cells[k]);
	}
	if (json) {
		ctl_out(c, "[");
		for (size_t i = 0; i < n; i++) {
			struct service_rt *rt = pick[i];
			ctl_out(c, "%s\n  {\"name\": \"%s\", \"state\": \"%s\", \"pid\": %d, \"address\": \"%s\", "
				   "\"uptime\": %llu, \"restarts\": %u, \"memory\": %llu, \"health\": \"%s\", \"hosts\": [",
				i ? "," : "", rt->name, rows[i].state, rt->pid, rt->address,
				rt->pid ? (unsigned long long)((uint64_t)time(NULL) - rt->started_wall) : 0ULL,
				rt->restarts, mems[i], strcmp(rows[i].health, "-") ? rows[i].health : "");
			for (size_t h = 0; h < rt->cfg->hosts.n; h++)
				ctl_out(c, "%s\"%s%s\"", h ? ", " : "", rt->cfg->hosts.v[h].wildcard ? "*." : "",
					rt->cfg->hosts.v[h].name);
			ctl_out(c, "]}");
		}
		ctl_out(c, "%s]\n", n ? "\n" : "");
	} else {
		ctl_out(c, "%-*s %-*s %-*s %-*s %-*s %-*s %-*s %-*s %s\n", w[0], "NAME", w[1], "STATE", w[2], "PID",
			w[3], "ADDRESS", w[4], "UPTIME", w[5], "RESTARTS", w[6], "MEMORY", w[7], "HOSTS", "HEALTH");
		for (size_t i = 0; i < n + gateway_row; i++) {
			struct status_row *r = &rows[i];
			ctl_out(c, "%-*s %-*s %-*s %-*s %-*s %-*s %-*s %-*s %s\n", w[0], r->name, w[1], r->state, w[2],
				r->pid, w[3], r->address, w[4], r->uptime, w[5], r->restarts, w[6], r->memory, w[7],
				r->hosts, r->health);
		}
	}
	free(rows);
	free(mems);
	free(pick);
	ctl_finish(c, status);
}

/* See daemon.h. */
void verb_dispatch(struct daemon *d, struct ctl_conn *c, int argc, char **argv, const int *fds, int n_fds)
{
	const char *verb = argv[0];

	if (strcmp(verb, "exec") == 0) {
		verb_exec(d, c, argc, argv, fds, n_fds);
		return;
	}
	/* Only exec takes descriptors; the server closes them after dispatch. */
	(void)fds;
	(void)n_fds;
	if (d->stopping) {
		ctl_err(c, "pistack: the daemon is shutting down\n");
		ctl_finish(c, 1);
	} else if (strcmp(verb, "start") == 0) {
		verb_start(d, c, argc, argv);
	} else if (strcmp(verb, "stop") == 0) {
		verb_stop_restart(d, c, argc, argv, false);
	} else if (strcmp(verb, "restart") == 0) {
		verb_stop_restart(d, c, argc, argv, true);
	} else if (strcmp(verb, "status") == 0 || strcmp(verb, "ps") == 0) {
		verb_status(d, c, argc, argv);
	} else if (strcmp(verb, "logs") == 0) {
		verb_logs(d, c, argc, argv);
	} else if (strcmp(verb, "stats") == 0) {
		verb_stats(d, c, argc, argv);
	} else if (strcmp(verb, "reload") == 0) {
		ctl_finish(c, daemon_reload(d, c));
	} else if (strcmp(verb, "down") == 0) {
		verb_down(d, c);
	} else {
		ctl_err(c, "pistack: unknown command '%s'\n", verb);
		ctl_finish(c, 2);
	}
}
