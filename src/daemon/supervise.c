/*
 * supervise.c - the supervision state machine as one table indexed by
 * (state, event), in the manner of s6: every transition of every service
 * goes through supervise_event(), and each cell names the action that
 * computes the next state.  An empty cell means the event changes nothing.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/health.h"
#include "daemon/network.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000
#define BACKOFF_RESET_MS 60000   /* up this long: the next failure backs off from 1 s again */

typedef enum svc_state (*svc_action)(struct service_rt *rt);

/* Launch an instance; a failure to start counts as an exit with status 125. */
static enum svc_state launch(struct service_rt *rt)
{
	struct error err;

	rt->last_error[0] = '\0';
	if (service_launch(rt, &err) < 0) {
		log_error(rt->name, &err);
		snprintf(rt->last_error, sizeof(rt->last_error), "%s", err.msg);
		rt->last_status = 125 << 8;
		rt->stop_requested = false;
		/* Nothing ran: up for no time.  Left at the previous instance's
		 * start, an instance that once ran >= BACKOFF_RESET_MS made every
		 * failed start reset the backoff: retries every 1 s forever. */
		rt->started_ms = 0;
		/* Decide like for an exit: the restart policy may retry. */
		return supervise_after_exit(rt);
	}
	return rt->cfg->health_kind != HEALTH_NONE ? SVC_STARTING : SVC_RUNNING;
}

/* start: run it now (from backoff: without waiting for the timer). */
static enum svc_state on_start(struct service_rt *rt)
{
	loop_timer_cancel(rt->d->loop, &rt->timer);
	rt->want_up = true;
	rt->stop_requested = false;
	rt->backoff_ms = BACKOFF_FIRST_MS;
	return launch(rt);
}

/* start while stopping: start again once it has ended (restart). */
static enum svc_state on_start_while_stopping(struct service_rt *rt)
{
	rt->want_up = true;
	return SVC_STOPPING;
}

/* stop: stop_signal now, SIGKILL at stop_timeout. */
static enum svc_state on_stop(struct service_rt *rt)
{
	rt->want_up = false;
	rt->stop_requested = true;
	service_signal(rt, rt->cfg->stop_signal);
	loop_timer_arm(rt->d->loop, &rt->timer, rt->cfg->stop_timeout_ms);
	return SVC_STOPPING;
}

/* stop during backoff: forget the pending restart. */
static enum svc_state on_stop_backoff(struct service_rt *rt)
{
	loop_timer_cancel(rt->d->loop, &rt->timer);
	rt->want_up = false;
	return SVC_EXITED;
}

/* unhealthy: restart it the way a stop does, then start again. */
static enum svc_state on_unhealthy(struct service_rt *rt)
{
	log_msg("%s: unhealthy after %llu failed checks; restarting", rt->name,
		(unsigned long long)rt->cfg->health_retries);
	on_stop(rt);
	rt->want_up = true;
	rt->restarts++;
	return SVC_STOPPING;
}

/* The first healthy check ends starting. */
static enum svc_state on_healthy(struct service_rt *rt)
{
	(void)rt;
	return SVC_RUNNING;
}

/* stop_timeout passed: kill everything in the service. */
static enum svc_state on_stop_timeout(struct service_rt *rt)
{
	log_msg("%s: still running %llums after its stop signal; killing it", rt->name,
		(unsigned long long)rt->cfg->stop_timeout_ms);
	service_kill(rt);
	return SVC_STOPPING;
}

/* Whether the policy restarts an end with STATUS that nobody asked for. */
static bool policy_restarts(enum restart_policy p, int status)
{
	bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;

	switch (p) {
	case RESTART_NO:
		return false;
	case RESTART_ON_FAILURE:
		return failed;
	case RESTART_ALWAYS:
	case RESTART_UNLESS_STOPPED:
		return true;
	}
	return false;
}

/* See daemon.h: where an ended instance goes. */
enum svc_state supervise_after_exit(struct service_rt *rt)
{
	uint64_t up_ms = rt->started_ms ? loop_now_ms() - rt->started_ms : 0;
	int st = rt->last_status;

	if (rt->stop_requested) {
		rt->stop_requested = false;
		/* restart, or an unhealthy service: up again right away. */
		if (rt->want_up && !rt->d->stopping)
			return launch(rt);
		return SVC_EXITED;
	}
	if (rt->d->stopping || !policy_restarts(rt->cfg->restart, st))
		return (WIFEXITED(st) && WEXITSTATUS(st) == 0) ? SVC_EXITED : SVC_FAILED;
	if (up_ms >= BACKOFF_RESET_MS || rt->backoff_ms == 0)
		rt->backoff_ms = BACKOFF_FIRST_MS;
	loop_timer_arm(rt->d->loop, &rt->timer, rt->backoff_ms);
	log_msg("%s: ended (%s %d); restarting in %llums", rt->name, WIFEXITED(st) ? "status" : "signal",
		WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), (unsigned long long)rt->backoff_ms);
	rt->backoff_ms = rt->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : rt->backoff_ms * 2;
	return SVC_BACKOFF;
}

/* The instance ended: release it, then decide. */
static enum svc_state on_exit_event(struct service_rt *rt)
{
	loop_timer_cancel(rt->d->loop, &rt->timer);
	service_release_instance(rt);
	return supervise_after_exit(rt);
}

/* The backoff elapsed: start again. */
static enum svc_state on_backoff_timer(struct service_rt *rt)
{
	rt->restarts++;
	return launch(rt);
}

static const svc_action table[SVC_N_STATES][EV_N_EVENTS] = {
	[SVC_EXITED] = { [EV_START] = on_start },
	[SVC_FAILED] = { [EV_START] = on_start },
	[SVC_STARTING] = {
		[EV_STOP] = on_stop,
		[EV_EXIT] = on_exit_event,
		[EV_HEALTHY] = on_healthy,
		[EV_UNHEALTHY] = on_unhealthy,
	},
	[SVC_RUNNING] = {
		[EV_STOP] = on_stop,
		[EV_EXIT] = on_exit_event,
		[EV_UNHEALTHY] = on_unhealthy,
	},
	[SVC_STOPPING] = {
		[EV_START] = on_start_while_stopping,
		[EV_EXIT] = on_exit_event,
		[EV_TIMER] = on_stop_timeout,
	},
	[SVC_BACKOFF] = {
		[EV_START] = on_start,
		[EV_STOP] = on_stop_backoff,
		[EV_TIMER] = on_backoff_timer,
	},
};

static const char *const state_names[SVC_N_STATES] = {
	[SVC_EXITED] = "exited",   [SVC_STARTING] = "starting", [SVC_RUNNING] = "running",
	[SVC_STOPPING] = "stopping", [SVC_BACKOFF] = "backoff", [SVC_FAILED] = "failed",
};

/* The name of S as in `status`. */
const char *svc_state_name(enum svc_state s)
{
	return s < SVC_N_STATES ? state_names[s] : "unknown";
}

/* Apply EV to RT through the table; persist the new state. */
void supervise_event(struct service_rt *rt, enum svc_event ev)
{
	svc_action act = table[rt->state][ev];
	enum svc_state next;

	if (!act)
		return;
	next = act(rt);
	if (next != rt->state)
		log_debug("%s: %s -> %s", rt->name, svc_state_name(rt->state), svc_state_name(next));
	rt->state = next;
	if (next == SVC_EXITED || next == SVC_FAILED || next == SVC_BACKOFF)
		health_stop(rt);
	state_save(rt);
	/* Names, NAT and routes follow what runs (coalesced, see network.c). */
	network_changed(rt->d);
	verbs_state_changed(rt);
}
