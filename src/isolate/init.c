/*
 * init.c - pid 1 of a service: forks the service's command, then reaps every
 * orphan, forwards signals to the command and reports its end to the parent.
 * It keeps no capability, runs as the service's user, and is not dumpable:
 * nothing in the container can reach the host binary through /proc/1/exe
 * (the CVE-2019-5736 class), nor ptrace or signal it.
 */
#include "isolate/spawn_child.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/proctitle.h"
#include "isolate/service_exec.h"
#include "isolate/spawn_msg.h"

/* The service's process: stdio, identity, capabilities, seccomp, exec.
 * Errors go to ERRFD (close-on-exec: EOF there means the exec happened). */
static void service_exec(const struct spawn_config *cfg, int errfd)
{
	struct service_exec_spec spec = {
		.svc = cfg->svc,
		.argv = cfg->argv,
		.envp = cfg->envp,
		.tty = cfg->tty,
		.id = cfg->id,
		.caps = &cfg->caps,
		.seccomp = cfg->seccomp,
	};

	memcpy(spec.stdio, cfg->stdio, sizeof(spec.stdio));
	service_exec_apply(&spec, errfd);
}

/* Drop everything init does not need: capabilities, root, dumpability. */
static int init_drop_privileges(const struct spawn_config *cfg, struct error *err)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	/* The bounding set first: dropping it needs CAP_SETPCAP, gone after setresuid. */
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return error_set(err, errno, "drop capability %d of init", cap);
	/* Same ids as the service, so init may signal it without CAP_KILL. */
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return error_set(err, errno, "clear groups of init");
	if (setresgid(cfg->id->gid, cfg->id->gid, cfg->id->gid) < 0 ||
	    setresuid(cfg->id->uid, cfg->id->uid, cfg->id->uid) < 0)
		return error_set(err, errno, "set init's user to %u", (unsigned)cfg->id->uid);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return error_set(err, errno, "clear capabilities of init");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return error_set(err, errno, "clear ambient capabilities of init");
	/* Not dumpable: no process of the container may ptrace init or open
	 * /proc/1/exe, the host's pistack binary. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_set(err, errno, "restrict init");
	return 0;
}

/* Close every descriptor but SYNC_FD and the ones init was asked to keep:
 * init is a fork of pistack and must not hold the daemon's sockets, pipes of
 * other services or anything else. */
static void init_close_inherited(const struct spawn_config *cfg, int sync_fd)
{
	int keep[8], n = 0;

	keep[n++] = sync_fd;
	for (int i = 0; i < cfg->n_init_keep_fds && n < (int)(sizeof(keep) / sizeof(keep[0])); i++)
		keep[n++] = cfg->init_keep_fds[i];
	fs_close_all_but(3, keep, (size_t)n);
}

/* Send a message of TYPE to the parent. */
static void init_report(int sync_fd, int type, int status)
{
	struct spawn_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = type;
	msg.status = status;
	(void)!send(sync_fd, &msg, sizeof(msg), MSG_NOSIGNAL);
}

/* See spawn_child.h. */
void init_main(const struct spawn_config *cfg, int sync_fd)
{
	struct spawn_msg msg;
	struct error err;
	char title[64];
	sigset_t all;
	int pipefd[2], status = 0, devnull;
	ssize_t n;
	pid_t pid;

	snprintf(title, sizeof(title), "pistack: init %s", cfg->svc->name);
	proctitle_set(title);
	/* Block everything before the fork: a signal meant for the service that
	 * arrives early stays pending and is forwarded, never lost.  Blocked
	 * signals reach pid 1 of a namespace, which otherwise ignores them. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		error_set(&err, errno, "create the exec pipe of '%s'", cfg->svc->name);
		spawn_child_fail(sync_fd, 125, &err);
	}
	pid = fork();
	if (pid < 0) {
		error_set(&err, errno, "fork the command of '%s'", cfg->svc->name);
		spawn_child_fail(sync_fd, 125, &err);
	}
	if (pid == 0) {
		close(pipefd[0]);
		close(sync_fd);
		service_exec(cfg, pipefd[1]);
	}
	close(pipefd[1]);
	if (init_drop_privileges(cfg, &err) < 0) {
		kill(pid, SIGKILL);
		spawn_child_fail(sync_fd, 125, &err);
	}
	do
		n = read(pipefd[0], &msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	init_close_inherited(cfg, sync_fd);
	if (n == (ssize_t)sizeof(msg)) {
		/* The command failed before exec: pass its report on. */
		waitpid(pid, NULL, 0);
		(void)!send(sync_fd, &msg, sizeof(msg), MSG_NOSIGNAL);
		_exit(msg.code);
	}
	init_report(sync_fd, SPAWN_MSG_STARTED, 0);
	/* init keeps nothing of the caller's terminal or files. */
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		if (devnull > 2)
			close(devnull);
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(pid, sig);
			continue;
		}
		/* Reap every zombie: orphans of the service are re-parented to us. */
		for (;;) {
			int st;
			pid_t w = waitpid(-1, &st, WNOHANG);
			if (w <= 0)
				break;
			if (w == pid) {
				status = st;
				init_report(sync_fd, SPAWN_MSG_EXIT, status);
				/* Leaving ends the namespace: the kernel kills what is left. */
				_exit(0);
			}
		}
	}
}
