/*
 * service.c - one instance of a service under the daemon: launch it (stdout
 * and stderr into its log pipe, init keeping what a restarted daemon needs
 * to re-adopt it), learn of its end from init's report on the sync socket,
 * signal it, and release what it used.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/health.h"
#include "daemon/logs.h"
#include "daemon/network.h"
#include "isolate/spawn_msg.h"

/* The start time of PID (field 22 of /proc/PID/stat), 0 when unknown. */
unsigned long long service_proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	/* The command name may contain spaces and parentheses: skip past the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &v) != 1)
		return 0;
	return v;
}

/* See daemon.h: init reported, or hung up: the instance ended. */
void service_sync_ready(struct loop *l, int fd, uint32_t events, void *data)
{
	struct service_rt *rt = data;
	struct spawn_msg msg;
	ssize_t n;

	(void)events;
	n = recv(fd, &msg, sizeof(msg), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof(msg) && msg.type == SPAWN_MSG_EXIT) {
		rt->last_status = msg.status;
	} else if (n == (ssize_t)sizeof(msg)) {
		return; /* nothing else is expected once running */
	} else {
		/* EOF without a report: init itself was killed.  Our child is
		 * reaped for its status; an adopted one's status is unknown. */
		int st = 0;
		if (!rt->adopted && waitpid(rt->pid, &st, WNOHANG) == rt->pid)
			rt->last_status = st;
		else
			rt->last_status = SIGKILL;
	}
	loop_del(l, fd);
	supervise_event(rt, EV_EXIT);
}

/* Open /dev/null for the service's stdin. */
static int open_devnull(struct error *err)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		error_set(err, errno, "open '/dev/null'");
	return fd;
}

/* See daemon.h. */
int service_launch(struct service_rt *rt, struct error *err)
{
	struct daemon *d = rt->d;
	struct container_start_opts opts = { .adoptable = true };
	struct container_net net, *netp = NULL;
	char *resolv = NULL;
	int log_r = -1, log_w = -1, devnull, stdio[3], code, r;

	memset(&rt->att, 0, sizeof(rt->att));
	if (rt->cfg->net_mode == NET_INTERCONTAINER) {
		/* The lease comes before the instance: its address is in its
		 * /etc/hosts, and the veth is made between clone and release. */
		if ((r = network_service_prepare(rt, &net, &resolv, err)) < 0) {
			free(resolv);
			return r;
		}
		netp = &net;
		opts.setup_child = net_attach_setup_child;
		opts.setup_data = &rt->att;
	}
	r = container_prepare(&rt->ct, &d->cfg.global, rt->cfg, &d->cg, NULL, NULL, netp, &d->seccomp_cache, err);
	free(resolv);
	if (r < 0)
		goto fail_cleanup;
	if ((r = log_pipe(&log_r, &log_w, err)) < 0)
		goto fail_cleanup;
	if ((devnull = open_devnull(err)) < 0) {
		r = -errno;
		goto fail_pipe;
	}
	stdio[0] = devnull;
	stdio[1] = stdio[2] = log_w;
	/* init keeps the log pipe's read end (it never reads it): the service's
	 * writes never fail with EPIPE while the daemon restarts, and the new
	 * daemon takes the pipe back from init. */
	opts.keep_fds = &log_r;
	opts.n_keep_fds = 1;
	r = container_start(&rt->ct, stdio, &opts, &code, err);
	close(devnull);
	close(log_w);
	log_w = -1;
	if (r < 0)
		goto fail_pipe;
	rt->pid = rt->ct.sp.pid;
	rt->pidfd = rt->ct.sp.pidfd;
	rt->sync_fd = rt->ct.sp.sync_fd;
	rt->ct.sp.pidfd = rt->ct.sp.sync_fd = -1; /* owned by rt now */
	rt->adopted = false;
	rt->start_time = service_proc_start_time(rt->pid);
	rt->started_ms = loop_now_ms();
	rt->started_wall = (uint64_t)time(NULL);
	rt->log_fd_in_init = log_r;
	rt->running_fingerprint = rt->cfg->fingerprint;
	rt->sync_fd_in_init = rt->ct.sp.sync_fd_in_init;
	network_service_started(rt);
	if (log_sink_open(rt, log_r, err) < 0)
		log_error(rt->name, err);
	if (loop_add(d->loop, rt->sync_fd, EPOLLIN, service_sync_ready, rt) < 0) {
		error_set(err, ENOMEM, "watch service '%s'", rt->name);
		service_kill(rt);
		return -ENOMEM;
	}
	if (health_start(rt, err) < 0)
		log_error(rt->name, err);
	return 0;
fail_pipe:
	if (log_r >= 0)
		close(log_r);
	if (log_w >= 0)
		close(log_w);
fail_cleanup:
	{
		struct error e2;
		container_cleanup(&rt->ct, false, &e2);
	}
	net_attach_release(&rt->att);
	return r;
}

/* See daemon.h. */
void service_signal(struct service_rt *rt, int sig)
{
	if (rt->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, rt->pidfd, sig, NULL, 0);
}

/* See daemon.h: init dies with SIGKILL and takes the namespace with it;
 * cgroup.kill catches anything that left it. */
void service_kill(struct service_rt *rt)
{
	struct error err;

	service_signal(rt, SIGKILL);
	if (cgroup_destroy(&rt->d->cg, rt->name, &err) < 0)
		log_error(rt->name, &err);
}

/* See daemon.h. */
void service_release_instance(struct service_rt *rt)
{
	struct error err;

	health_stop(rt);
	if (rt->log)
		log_sink_close(rt);
	if (!rt->adopted && rt->pid > 0)
		while (waitpid(rt->pid, NULL, 0) < 0 && errno == EINTR)
			;
	if (rt->sync_fd >= 0) {
		loop_del(rt->d->loop, rt->sync_fd);
		close(rt->sync_fd);
	}
	if (rt->pidfd >= 0)
		close(rt->pidfd);
	rt->sync_fd = rt->pidfd = -1;
	rt->pid = 0;
	if (rt->adopted) {
		state_cleanup_adopted(rt);
	} else {
		container_cleanup(&rt->ct, false, &err);
		if (err.msg[0])
			log_error(rt->name, &err);
	}
	network_service_released(rt);
	rt->adopted = false;
	rt->address[0] = '\0';
}

/* See daemon.h. */
const struct seccomp_program *service_filter(const struct service_rt *rt)
{
	const struct seccomp_program *prog = NULL;
	struct error err;

	if (!rt->adopted && rt->ct.filter)
		return rt->ct.filter;
	/* Adopted: the same (profile, caps) key gives the program it was started with. */
	if (seccomp_cache_get(&rt->d->seccomp_cache, &rt->cfg->seccomp, service_effective_caps(rt->cfg), &prog,
			      &err) < 0)
		return NULL;
	return prog;
}
