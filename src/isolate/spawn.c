/*
 * spawn.c - the parent side of starting a service: clone3 into the service's
 * cgroup with new namespaces, map ids, let the caller set up the network,
 * release the child, and collect what it reports over the sync socket.
 * The child side is in spawn_child.c and init.c.
 */
#include "isolate/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clone.h"
#include "isolate/spawn_child.h"
#include "isolate/spawn_msg.h"

#define USERNS_RANGE 65536

/* clone3 into CGROUP_FD with FLAGS; falls back to clone + cgroup.procs on
 * kernels without CLONE_INTO_CGROUP (< 5.7).  Returns the pid (0 in the child). */
static pid_t clone_service(uint64_t flags, int cgroup_fd, int *pidfd, bool *in_cgroup)
{
	pid_t pid;

	/* Born in the cgroup: the child is never accounted to ours, and nothing it
	 * forks can escape the limits between clone and a later move. */
	pid = clone3_pidfd(flags, SIGCHLD, cgroup_fd, pidfd);
	if (pid >= 0) {
		*in_cgroup = true;
		return pid;
	}
	if (errno != ENOSYS && errno != E2BIG && errno != EINVAL)
		return -1;
	*in_cgroup = false;
	/* All pointer arguments are NULL, so the per-architecture argument order
	 * of the raw clone syscall does not matter. */
	pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid > 0)
		*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return pid;
}

/* Write "0 BASE 65536" to /proc/PID/FILE. */
static int write_id_map(pid_t pid, const char *file, unsigned long base, struct error *err)
{
	char path[64], map[64];
	cleanup_close int fd = -1;
	int len;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	len = snprintf(map, sizeof(map), "0 %lu %d\n", base, USERNS_RANGE);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, map, (size_t)len) != len)
		return error_set(err, errno, "write '%s'", path);
	return 0;
}

/* Put PID into the cgroup when clone3 could not. */
static int join_cgroup(int cgroup_fd, pid_t pid, struct error *err)
{
	char buf[32];
	cleanup_close int fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	int len = snprintf(buf, sizeof(buf), "%d\n", pid);

	if (fd < 0 || write(fd, buf, (size_t)len) != len)
		return error_set(err, errno, "move process %d into its cgroup", pid);
	return 0;
}

/* Kill and reap a child that will not go on. */
static void reap_failed_child(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Receive one message from the child into MSG; a descriptor passed with it
 * (SCM_RIGHTS) goes to *FD, which stays -1 otherwise.  Returns recvmsg's. */
ssize_t spawn_recv_msg(int sock, struct spawn_msg *msg, int *fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)
	};
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)) && *fd < 0)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

/* See spawn_child.h. */
ssize_t spawn_recv_report(int sock, bool want_pty, struct spawn_msg *msg, int *pty)
{
	ssize_t n;
	int fd;

	*pty = -1;
	for (;;) {
		n = spawn_recv_msg(sock, msg, &fd);
		if (n == (ssize_t)sizeof(*msg) && msg->type == SPAWN_MSG_PTY && want_pty && *pty < 0 && fd >= 0) {
			*pty = fd;
			continue;
		}
		if (fd >= 0)
			close(fd); /* nothing else carries one */
		return n;
	}
}

/* Start the service; see spawn.h. */
int spawn_service(const struct spawn_config *cfg, struct spawned *out, int *exit_code, struct error *err)
{
	const struct service_config *svc = cfg->svc;
	uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	struct spawn_msg msg = { .type = SPAWN_MSG_GO };
	int sv[2], pidfd = -1, pty = -1, r;
	bool in_cgroup = false;
	ssize_t n;
	pid_t pid;

	*exit_code = 125;
	out->pty_master = -1;
	if (svc->net_mode != NET_HOST)
		flags |= CLONE_NEWNET;
	/* All namespaces are created together with the user namespace, so they
	 * are owned by it and the container's root can mount proc and sysfs. */
	if (svc->userns)
		flags |= CLONE_NEWUSER;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return error_set(err, errno, "create sync socket for '%s'", svc->name);
	pid = clone_service(flags, cfg->cgroup_fd, &pidfd, &in_cgroup);
	if (pid < 0) {
		r = error_set(err, errno, "create namespaces for '%s'", svc->name);
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0) {
		struct spawn_config local = *cfg;
		int keep[8], n_keep = 0;
		for (int i = 0; i < cfg->n_init_keep_fds && n_keep < 7; i++)
			keep[n_keep++] = cfg->init_keep_fds[i];
		/* An adoptable service's init holds our end too: it is the only
		 * copy left if the daemon dies, and a new daemon takes it back. */
		if (cfg->adoptable)
			keep[n_keep++] = sv[0];
		else
			close(sv[0]);
		local.init_keep_fds = keep;
		local.n_init_keep_fds = n_keep;
		spawn_child_main(&local, sv[1]);
	}
	close(sv[1]);
	r = 0;
	if (svc->userns) {
		/* Written by us, privileged, before the child goes on: the child has
		 * no mapping yet and waits for GO. */
		r = write_id_map(pid, "uid_map", cfg->userns_base, err);
		if (r == 0)
			r = write_id_map(pid, "gid_map", cfg->userns_base, err);
	}
	if (r == 0 && cfg->cgroup_fd < 0)
		r = cfg->enter_cgroup(pid, cfg->enter_cgroup_data, err);
	else if (r == 0 && !in_cgroup)
		r = join_cgroup(cfg->cgroup_fd, pid, err);
	if (r == 0 && cfg->setup_child)
		r = cfg->setup_child(pid, cfg->setup_data, err);
	if (r == 0 && send(sv[0], &msg, sizeof(msg), MSG_NOSIGNAL) < 0)
		r = error_set(err, errno, "release the child of '%s'", svc->name);
	if (r < 0) {
		reap_failed_child(pid);
		close(sv[0]);
		if (pidfd >= 0)
			close(pidfd);
		return r;
	}
	/* The child answers STARTED once its command was executed, or ERROR;
	 * with new_tty, the master of the service's terminal comes first. */
	n = spawn_recv_report(sv[0], cfg->new_tty, &msg, &pty);
	if (n == (ssize_t)sizeof(msg) && msg.type == SPAWN_MSG_STARTED) {
		out->pid = pid;
		out->pidfd = pidfd;
		out->sync_fd = sv[0];
		out->sync_fd_in_init = cfg->adoptable ? sv[0] : -1;
		out->pty_master = pty;
		*exit_code = 0;
		return 0;
	}
	if (pty >= 0)
		close(pty);
	if (n == (ssize_t)sizeof(msg) && msg.type == SPAWN_MSG_ERROR) {
		msg.msg[sizeof(msg.msg) - 1] = '\0';
		snprintf(err->msg, sizeof(err->msg), "%s", msg.msg);
		err->errnum = msg.errnum;
		*exit_code = msg.code;
		r = msg.errnum ? -msg.errnum : -EINVAL;
	} else {
		r = error_set(err, 0, "start '%s': its init exited before the command ran", svc->name);
	}
	reap_failed_child(pid);
	close(sv[0]);
	if (pidfd >= 0)
		close(pidfd);
	return r;
}

/* Wait for the service's end; see spawn.h. */
int spawn_wait(struct spawned *sp, int *wstatus)
{
	struct spawn_msg msg;
	int init_status = 0;
	bool reported = false;
	ssize_t n;

	do
		n = recv(sp->sync_fd, &msg, sizeof(msg), 0);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(msg) && msg.type == SPAWN_MSG_EXIT) {
		*wstatus = msg.status;
		reported = true;
	}
	while (waitpid(sp->pid, &init_status, 0) < 0) {
		if (errno != EINTR) {
			init_status = 0;
			break;
		}
	}
	/* Without a report the init itself died (killed from outside): its
	 * status is the service's. */
	if (!reported)
		*wstatus = init_status;
	close(sp->sync_fd);
	sp->sync_fd = -1;
	if (sp->pidfd >= 0)
		close(sp->pidfd);
	sp->pidfd = -1;
	return 0;
}

/* Exit code of a wait status. */
int spawn_exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 125;
}

/* Build the service's environment; see spawn.h. */
int spawn_build_env(const struct service_config *svc, const struct identity *id, const char *term_value,
		    struct strv *out)
{
	char buf[512];

	if (strv_push(out, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0)
		return -ENOMEM;
	snprintf(buf, sizeof(buf), "HOSTNAME=%s", svc->hostname);
	if (strv_push(out, buf) < 0)
		return -ENOMEM;
	snprintf(buf, sizeof(buf), "HOME=%s", id && id->home ? id->home : "/");
	if (strv_push(out, buf) < 0 || strv_push(out, "container=pistack") < 0)
		return -ENOMEM;
	if (term_value) {
		snprintf(buf, sizeof(buf), "TERM=%s", term_value);
		if (strv_push(out, buf) < 0)
			return -ENOMEM;
	}
	/* The service's own variables win over ours. */
	for (size_t i = 0; i < svc->env.n; i++) {
		size_t klen = strcspn(svc->env.v[i], "=") + 1;
		size_t j;
		for (j = 0; j < out->n; j++)
			if (strncmp(out->v[j], svc->env.v[i], klen) == 0)
				break;
		if (j < out->n) {
			char *copy = strdup(svc->env.v[i]);
			if (!copy)
				return -ENOMEM;
			free(out->v[j]);
			out->v[j] = copy;
		} else if (strv_push(out, svc->env.v[i]) < 0) {
			return -ENOMEM;
		}
	}
	return 0;
}
