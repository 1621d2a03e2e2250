/*
 * service_exec.c - turn the calling process into a service's command: the
 * sequence shared by the service (forked by its init) and by `pistack exec`
 * (forked inside the running service's namespaces).  Everything here runs
 * between fork and exec and reports failures over the error pipe.
 */
#include "isolate/service_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isolate/spawn_child.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Put FDS onto 0, 1, 2 even when they overlap those numbers. */
static int setup_stdio(const int fds[3])
{
	int high[3];

	for (int i = 0; i < 3; i++) {
		high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
		if (high[i] < 0)
			return -errno;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(high[i], i) < 0)
			return -errno;
	return 0;
}

/* execve FILE, searching the PATH of ENVP when FILE has no '/'.  Returns the
 * most telling errno: EACCES (and the like) beats ENOENT, as in execvp. */
static int exec_search(char *const *argv, char *const *envp)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	const char *file = argv[0];
	char buf[4096];
	int saved = ENOENT;

	if (strchr(file, '/')) {
		execve(file, argv, envp);
		return errno;
	}
	for (char *const *e = envp; *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	while (*path) {
		size_t dlen = strcspn(path, ":");
		size_t flen = strlen(file);
		if (dlen + flen + 2 <= sizeof(buf)) {
			memcpy(buf, dlen ? path : ".", dlen ? dlen : 1);
			buf[dlen ? dlen : 1] = '/';
			memcpy(buf + (dlen ? dlen : 1) + 1, file, flen + 1);
			execve(buf, argv, envp);
			if (errno != ENOENT && errno != ENOTDIR)
				saved = errno;
		}
		path += dlen;
		if (*path == ':')
			path++;
	}
	return saved;
}

/* See service_exec.h: stdio, identity, capabilities, seccomp, exec. */
void service_exec_apply(const struct service_exec_spec *spec, int errfd)
{
	const struct service_config *svc = spec->svc;
	pid_t parent = getppid();
	struct error err;
	sigset_t none;
	int e;

	error_clear(&err);
	/* init (and exec's waiter) blocks every signal; the service starts with defaults. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() < 0 && errno != EPERM) {
		error_set(&err, errno, "create a session for '%s'", svc->name);
		spawn_child_fail(errfd, 125, &err);
	}
	if (spec->tty && ioctl(spec->stdio[0], TIOCSCTTY, 0) < 0) {
		error_set(&err, errno, "make the terminal controlling for '%s'", svc->name);
		spawn_child_fail(errfd, 125, &err);
	}
	if ((e = setup_stdio(spec->stdio)) < 0) {
		error_set(&err, -e, "set up standard input and output of '%s'", svc->name);
		spawn_child_fail(errfd, 125, &err);
	}
	/* No descriptor of pistack reaches the service: everything above 2 is
	 * closed at exec, including the error pipe once the exec succeeded. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which the
	 * identity switch below takes away: load it first then (as runc does). */
	if (!svc->no_new_privs && seccomp_program_load(spec->seccomp, &err) < 0)
		spawn_child_fail(errfd, 125, &err);
	if (security_apply_identity_caps(spec->id, spec->caps, svc->no_new_privs, &err) < 0)
		spawn_child_fail(errfd, 125, &err);
	/* A change of uid or gid clears the parent-death signal (commit_creds()):
	 * set it again, and give up if the parent died in between, which
	 * re-parented us (as runc does after its setuid). */
	if (spec->pdeath_signal) {
		if (prctl(PR_SET_PDEATHSIG, spec->pdeath_signal, 0, 0, 0) < 0) {
			error_set(&err, errno, "set the parent-death signal of '%s'", svc->name);
			spawn_child_fail(errfd, 125, &err);
		}
		if (getppid() != parent)
			_exit(125);
	}
	if (chdir(svc->workdir) < 0) {
		error_set(&err, errno, "change directory to '%s'", svc->workdir);
		spawn_child_fail(errfd, 125, &err);
	}
	/* The filter goes last, so that everything above may use any syscall. */
	if (svc->no_new_privs && seccomp_program_load(spec->seccomp, &err) < 0)
		spawn_child_fail(errfd, 125, &err);
	e = exec_search(spec->argv, spec->envp);
	if (e == ENOENT) {
		error_set(&err, 0, "execute '%s': command not found", spec->argv[0]);
		spawn_child_fail(errfd, 127, &err);
	}
	error_set(&err, e, "execute '%s'", spec->argv[0]);
	spawn_child_fail(errfd, 126, &err);
}
