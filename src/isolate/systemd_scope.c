/*
 * systemd_scope.c - a transient scope unit per service, from systemd's
 * D-Bus API (StartTransientUnit), the way runc's and crun's systemd cgroup
 * drivers and Podman place a container.
 *
 * Why scopes: a cgroup that hands controllers to its children may hold no
 * process itself, and systemd before 254 (no DelegateSubgroup=) puts a new
 * main process straight into its unit's own cgroup.  Were the services' cgroups
 * below pistack.service, a daemon restarted while they run could not be placed
 * there (status=219/CGROUP).  A scope of its own per service is outside the
 * daemon's unit: it survives the daemon, shows in `systemctl status` and
 * systemd-cgls, and gets systemd's SIGTERM at shutdown.
 *
 * The private socket (/run/systemd/private, root only) rather than the system
 * bus: it needs no dbus-daemon, and systemd sends its signals to every private
 * connection without a Subscribe() call.
 */
#include "isolate/systemd_scope.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define SCOPE_BUS_ADDRESS "unix:path=/run/systemd/private"
#define SCOPE_CALL_USEC (10ULL * 1000 * 1000) /* a call and the job it queues */
#define SCOPE_EXISTS_WAIT_MS 5000 /* the previous scope of a name still stopping */
#define SCOPE_EXISTS_RETRY_US 20000

/* One connection per process, opened on first use and kept: a service start
 * costs a call, not a handshake.  Never used in a forked child. */
static sd_bus *scope_bus;

/* See systemd_scope.h. */
bool systemd_running(void)
{
	/* sd_booted()'s test: this directory exists only while systemd is PID 1. */
	return access("/run/systemd/system/", F_OK) == 0;
}

/* See systemd_scope.h. */
int systemd_scope_name(const char *service, char *buf, size_t size)
{
	int n = snprintf(buf, size, "pistack-%s.scope", service);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static long long scope_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The open connection to systemd, made when there is none (or it broke). */
static int scope_connect(const char *unit, struct error *err)
{
	sd_bus *bus = NULL;
	int r;

	if (scope_bus && sd_bus_is_open(scope_bus) > 0)
		return 0;
	scope_bus = sd_bus_flush_close_unref(scope_bus);
	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, SCOPE_BUS_ADDRESS);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r < 0) {
		sd_bus_unref(bus);
		return error_set(err, -r, "create scope '%s': connect to systemd at '%s'", unit,
				 SCOPE_BUS_ADDRESS + strlen("unix:path="));
	}
	scope_bus = bus;
	return 0;
}

struct scope_job {
	const char *path; /* the job's object path, once the call returned it */
	char result[32];
	bool done;
};

/* JobRemoved(id, job, unit, result): note the result of our job. */
static int scope_job_removed(sd_bus_message *m, void *data, sd_bus_error *ret_error)
{
	struct scope_job *job = data;
	const char *path, *unit, *result;
	uint32_t id;

	(void)ret_error;
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0 || !job->path ||
	    strcmp(path, job->path) != 0)
		return 0;
	snprintf(job->result, sizeof(job->result), "%s", result);
	job->done = true;
	return 0;
}

/* The StartTransientUnit call for UNIT holding PID; *REPLY on success. */
static int scope_call(const char *unit, const char *description, pid_t pid, sd_bus_error *error,
		      sd_bus_message **reply)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(scope_bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
					   "org.freedesktop.systemd1.Manager", "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", unit, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)", "Description", "s", description, "Slice", "s",
					  SYSTEMD_SCOPE_SLICE,
					  /* The cgroup below the scope is ours: the
					   * limits are written in a leaf of it. */
					  "Delegate", "b", 1,
					  /* Unloaded once it ends, failed or not: the
					   * name is free for the next start. */
					  "CollectMode", "s", "inactive-or-failed", "PIDs", "au", 1, (uint32_t)pid);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r >= 0)
		r = sd_bus_call(scope_bus, m, SCOPE_CALL_USEC, error, reply);
	sd_bus_message_unref(m);
	return r;
}

/* See systemd_scope.h. */
int systemd_scope_start(const char *unit, const char *description, pid_t pid, struct error *err)
{
	struct scope_job job = { 0 };
	sd_bus_slot *slot = NULL;
	long long give_up = scope_now_ms() + SCOPE_EXISTS_WAIT_MS;
	int r;

	if ((r = scope_connect(unit, err)) < 0)
		return r;
	/* Installed before the call: the job may end before its reply is read. */
	r = sd_bus_match_signal(scope_bus, &slot, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				"org.freedesktop.systemd1.Manager", "JobRemoved", scope_job_removed, &job);
	if (r < 0)
		return error_set(err, -r, "create scope '%s': watch systemd's jobs", unit);
	for (;;) {
		sd_bus_error error = SD_BUS_ERROR_NULL;
		sd_bus_message *reply = NULL;
		const char *path;

		r = scope_call(unit, description, pid, &error, &reply);
		/* The scope of a service that just stopped is unloaded a moment
		 * after its last process left. */
		if (r < 0 && sd_bus_error_has_name(&error, "org.freedesktop.systemd1.UnitExists") &&
		    scope_now_ms() < give_up) {
			sd_bus_error_free(&error);
			usleep(SCOPE_EXISTS_RETRY_US);
			continue;
		}
		if (r < 0) {
			if (sd_bus_error_is_set(&error)) {
				error_set(err, 0, "create scope '%s': %s", unit, error.message);
				err->errnum = -r;
			} else {
				error_set(err, -r, "create scope '%s'", unit);
			}
			sd_bus_error_free(&error);
			r = -err->errnum;
			break;
		}
		r = sd_bus_message_read(reply, "o", &path);
		if (r >= 0) {
			/* Signals read while waiting for the reply are queued: the
			 * loop below dispatches them once the path is known. */
			job.path = path;
			while (!job.done && (r = sd_bus_process(scope_bus, NULL)) >= 0)
				if (r == 0 && (r = sd_bus_wait(scope_bus, SCOPE_CALL_USEC)) <= 0) {
					r = r < 0 ? r : -ETIMEDOUT;
					break;
				}
		}
		job.path = NULL;
		sd_bus_message_unref(reply);
		if (r < 0)
			error_set(err, -r, "create scope '%s': wait for its start job", unit);
		else if (strcmp(job.result, "done") != 0)
			r = error_set(err, 0, "create scope '%s': its start job ended '%s'", unit, job.result);
		break;
	}
	sd_bus_slot_unref(slot);
	/* A broken connection is made again by the next start. */
	if (scope_bus && sd_bus_is_open(scope_bus) <= 0)
		scope_bus = sd_bus_flush_close_unref(scope_bus);
	return r < 0 ? r : 0;
}
