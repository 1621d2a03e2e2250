/*
 * health.h - [health] checks: cmd (run inside the service like exec), http
 * (GET PATH from the service's [http] port, 2xx/3xx is healthy) and tcp (a
 * connect), each from inside the service's network namespace in a short-lived
 * child, every `interval`, bounded by `timeout`.  Failures during
 * `start_period` do not count; `retries` failures in a row make the service
 * unhealthy, which the supervisor answers with a restart.
 */
#ifndef PISTACK_DAEMON_HEALTH_H
#define PISTACK_DAEMON_HEALTH_H

#include "daemon/daemon.h"

/* Begin checking RT (no-op without [health]); results arrive as
 * supervise_event(rt, EV_HEALTHY / EV_UNHEALTHY) on state changes only. */
int health_start(struct service_rt *rt, struct error *err);
/* Stop checking and kill a check in progress; rt->health becomes NULL. */
void health_stop(struct service_rt *rt);

#endif
