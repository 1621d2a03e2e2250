/*
 * state.c - a service's runtime state in RUN/services/NAME, written
 * atomically (write, fsync, rename), and re-adoption of services that kept
 * running while the daemon was away: the pid is recognised by its start
 * time, and the log pipe and the sync socket are taken back from init with
 * pidfd_getfd().
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/health.h"
#include "daemon/logs.h"
#include "isolate/spawn_msg.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* RUN/services/NAME into BUF. */
static void state_path(const struct service_rt *rt, char *buf, size_t size, const char *suffix)
{
	snprintf(buf, size, "%s/services/%s%s", rt->d->cfg.global.run, rt->name, suffix);
}

/* See daemon.h. */
int state_save(const struct service_rt *rt)
{
	char path[4096], tmp[4112], dir[4096];
	FILE *f;
	int fd;

	snprintf(dir, sizeof(dir), "%s/services", rt->d->cfg.global.run);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	state_path(rt, path, sizeof(path), "");
	state_path(rt, tmp, sizeof(tmp), ".tmp");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -errno;
	}
	fprintf(f, "state=%s\nwant_up=%d\npid=%d\nstart_time=%llu\nstarted_wall=%llu\nrestarts=%u\n"
		   "log_fd=%d\nsync_fd=%d\nfingerprint=%llu\naddress=%s\n",
		svc_state_name(rt->state), rt->want_up, rt->pid, rt->start_time,
		(unsigned long long)rt->started_wall, rt->restarts, rt->log_fd_in_init, rt->sync_fd_in_init,
		(unsigned long long)rt->running_fingerprint, rt->address);
	/* Durable before it replaces the old file: a crash leaves one or the other. */
	if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
		fclose(f);
		unlink(tmp);
		return -EIO;
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

/* See daemon.h. */
void state_remove(const struct service_rt *rt)
{
	char path[4096];

	state_path(rt, path, sizeof(path), "");
	unlink(path);
}

struct saved_state {
	char state[16];
	int want_up, pid, log_fd, sync_fd;
	unsigned long long start_time, started_wall, fingerprint;
	unsigned restarts;
	char address[16];
};

/* Parse RUN/services/NAME; -ENOENT when there is none. */
static int state_read(const struct service_rt *rt, struct saved_state *st)
{
	char path[4096], line[256];
	FILE *f;

	memset(st, 0, sizeof(*st));
	st->log_fd = st->sync_fd = -1;
	state_path(rt, path, sizeof(path), "");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "state=%15s", st->state) == 1 || sscanf(line, "want_up=%d", &st->want_up) == 1 ||
		    sscanf(line, "pid=%d", &st->pid) == 1 || sscanf(line, "start_time=%llu", &st->start_time) == 1 ||
		    sscanf(line, "started_wall=%llu", &st->started_wall) == 1 ||
		    sscanf(line, "restarts=%u", &st->restarts) == 1 || sscanf(line, "log_fd=%d", &st->log_fd) == 1 ||
		    sscanf(line, "sync_fd=%d", &st->sync_fd) == 1 ||
		    sscanf(line, "fingerprint=%llu", &st->fingerprint) == 1 ||
		    sscanf(line, "address=%15s", st->address) == 1)
			continue;
	}
	fclose(f);
	return 0;
}

/* Take descriptor NUMBER of the process behind PIDFD. */
static int take_fd(int pidfd, int number)
{
	if (number < 0)
		return -1;
	return (int)syscall(SYS_pidfd_getfd, pidfd, number, 0);
}

/* See daemon.h.  Returns 1 when adopted, 0 when there was nothing to adopt
 * (the service is down; the policy decides), negative on errors. */
int state_adopt(struct service_rt *rt)
{
	struct saved_state st;
	struct error err;
	int pidfd, log_fd, sync_fd;

	if (state_read(rt, &st) < 0)
		return 0;
	rt->want_up = st.want_up;
	rt->restarts = st.restarts;
	if (st.pid <= 0) {
		/* Down when the daemon left: it stays as it was.  want_up outlives
		 * an end the policy does not restart (failed under `restart = no`,
		 * exited 0 under on-failure): only in backoff is a start still due,
		 * else the next daemon would start a finished service again. */
		if (strcmp(st.state, "failed") == 0)
			rt->state = SVC_FAILED;
		if (strcmp(st.state, "backoff") != 0)
			rt->want_up = false;
		return 0;
	}
	pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
	/* A pid alone could have been reused: the start time must match too. */
	if (pidfd < 0 || service_proc_start_time(st.pid) != st.start_time) {
		if (pidfd >= 0)
			close(pidfd);
		log_msg("%s: its init %d ended while the daemon was away", rt->name, st.pid);
		rt->last_status = SIGKILL;
		state_cleanup_adopted(rt);
		return -ESRCH;
	}
	sync_fd = take_fd(pidfd, st.sync_fd);
	log_fd = take_fd(pidfd, st.log_fd);
	if (sync_fd < 0) {
		log_msg("%s: unable to re-adopt init %d: %s; stopping it", rt->name, st.pid, strerror(errno));
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		close(pidfd);
		if (log_fd >= 0)
			close(log_fd);
		rt->last_status = SIGKILL;
		state_cleanup_adopted(rt);
		return -ESRCH;
	}
	fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
	rt->pid = st.pid;
	rt->pidfd = pidfd;
	rt->sync_fd = sync_fd;
	rt->start_time = st.start_time;
	rt->started_wall = st.started_wall;
	rt->started_ms = loop_now_ms() - ((uint64_t)time(NULL) - st.started_wall) * 1000;
	rt->log_fd_in_init = st.log_fd;
	rt->sync_fd_in_init = st.sync_fd;
	rt->running_fingerprint = st.fingerprint;
	snprintf(rt->address, sizeof(rt->address), "%s", st.address);
	rt->adopted = true;
	rt->state = SVC_RUNNING;
	/* A stop or restart was under way when the daemon left: daemon_populate()
	 * finishes it (it used to be forgotten: a stopped service ran on). */
	rt->stop_requested = strcmp(st.state, "stopping") == 0;
	if (log_fd >= 0) {
		fcntl(log_fd, F_SETFD, FD_CLOEXEC);
		fcntl(log_fd, F_SETFL, O_NONBLOCK);
		if (log_sink_open(rt, log_fd, &err) < 0)
			log_error(rt->name, &err);
	}
	if (loop_add(rt->d->loop, sync_fd, EPOLLIN, service_sync_ready, rt) < 0)
		return -ENOMEM;
	if (health_start(rt, &err) < 0)
		log_error(rt->name, &err);
	log_msg("%s: re-adopted running init %d", rt->name, st.pid);
	return 1;
}

/* Remove the cgroup and runtime files of service NAME. */
static void cleanup_by_name(struct daemon *d, const char *name)
{
	char run_dir[4096];
	struct rootfs_plan plan = { 0 };
	struct error err;

	if (cgroup_destroy(&d->cg, name, &err) < 0)
		log_error(name, &err);
	snprintf(run_dir, sizeof(run_dir), "%s/containers/%s", d->cfg.global.run, name);
	plan.run_dir = run_dir;
	if (rootfs_cleanup(&plan, false, &err) < 0)
		log_error(name, &err);
}

/* See daemon.h. */
void state_cleanup_adopted(struct service_rt *rt)
{
	cleanup_by_name(rt->d, rt->name);
}

/* See daemon.h. */
void state_kill_orphan(struct daemon *d, const char *name)
{
	struct service_rt tmp = { .d = d };
	struct saved_state st;
	char path[4096];

	snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	if (state_read(&tmp, &st) == 0 && st.pid > 0) {
		int pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
		if (pidfd >= 0 && service_proc_start_time(st.pid) == st.start_time) {
			log_msg("%s: no longer configured; stopping it", name);
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		}
		if (pidfd >= 0)
			close(pidfd);
	}
	cleanup_by_name(d, name);
	state_path(&tmp, path, sizeof(path), "");
	unlink(path);
}
