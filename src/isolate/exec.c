/*
 * exec.c - `pistack exec`: run a command inside a running service.  The
 * caller clones a waiter into the service's cgroup; the waiter joins the
 * service's namespaces through its init's pidfd and forks the command, which
 * is born in the service's pid namespace and becomes what the service's own
 * command would be (service_exec.c).  The waiter stays outside that pid
 * namespace, waits for the command and exits with its status, so the caller
 * waits for its own child through a pidfd.
 *
 *   caller (daemon) --clone3(INTO_CGROUP, PIDFD)--> waiter --setns, fork--> command
 */
#include "isolate/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/clone.h"
#include "common/proctitle.h"
#include "isolate/rootfs.h"
#include "isolate/security.h"
#include "isolate/service_exec.h"
#include "isolate/spawn.h"
#include "isolate/spawn_child.h"
#include "isolate/spawn_msg.h"


/* What the waiter needs after the clone: prepared in the caller, only read
 * in the child (a copy of the caller's memory). */
struct exec_child {
	struct service_exec_spec spec;     /* for the command */
	int init_pidfd;                    /* the namespaces to join */
	int ns_flags;                      /* CLONE_NEW* of those that differ from ours */
	int errfd;                         /* child end of the error socket */
	bool new_tty;                      /* exec_request.new_tty */
	unsigned short tty_rows, tty_cols;
	pid_t caller;                      /* to notice the caller's death */
	uint64_t nofile;                   /* the service's RLIMIT_NOFILE */
};

/* The namespaces of a service, in the order the kernel enters them when
 * given together (user first); the flag, and the name in /proc/PID/ns. */
static const struct {
	int flag;
	const char *name;
} exec_namespaces[] = {
	{ CLONE_NEWUSER, "user" },
	{ CLONE_NEWNS, "mnt" },
	{ CLONE_NEWPID, "pid" },
	{ CLONE_NEWUTS, "uts" },
	{ CLONE_NEWIPC, "ipc" },
	{ CLONE_NEWNET, "net" },
	{ CLONE_NEWCGROUP, "cgroup" },
};

/* Close LO..HI (HI = ~0U: all above LO), by a loop on kernels before 5.9. */
static void exec_close_range(unsigned lo, unsigned hi)
{
	long max;

	if (syscall(SYS_close_range, lo, hi, 0U) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 1 << 20)
		max = 1 << 20;
	for (long fd = lo; fd <= (long)hi && fd < max; fd++)
		close((int)fd);
}

/* Close every descriptor but the N in KEEP (unsorted, may repeat or be -1). */
static void exec_close_all_but(const int *keep, int n)
{
	int sorted[8], m = 0;
	unsigned from = 0;

	for (int i = 0; i < n && m < (int)ARRAY_SIZE(sorted); i++)
		if (keep[i] >= 0)
			sorted[m++] = keep[i];
	for (int i = 1; i < m; i++)
		for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
			int t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	/* Close the gaps between the kept ones, then everything above. */
	for (int i = 0; i < m; i++) {
		if ((unsigned)sorted[i] > from)
			exec_close_range(from, (unsigned)sorted[i] - 1);
		if ((unsigned)sorted[i] + 1 > from)
			from = (unsigned)sorted[i] + 1;
	}
	exec_close_range(from, ~0U);
}

/* The waiter keeps only what waiting and forwarding signals need: no
 * capability, the command's ids (so it may signal it without CAP_KILL),
 * no_new_privs.  Same recipe as init's (init.c). */
static int exec_waiter_drop_privileges(const struct identity *id, struct error *err)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	/* The bounding set first: dropping it needs CAP_SETPCAP, gone after setresuid. */
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return error_set(err, errno, "drop capability %d of the exec waiter", cap);
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return error_set(err, errno, "clear groups of the exec waiter");
	if (setresgid(id->gid, id->gid, id->gid) < 0 || setresuid(id->uid, id->uid, id->uid) < 0)
		return error_set(err, errno, "set the exec waiter's user to %u", (unsigned)id->uid);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return error_set(err, errno, "clear capabilities of the exec waiter");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return error_set(err, errno, "clear ambient capabilities of the exec waiter");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_set(err, errno, "restrict the exec waiter");
	return 0;
}

/* Exit the way the command ended: its code, or killed by its signal (the
 * waiter is not dumpable, so a core-dumping signal leaves no core of it). */
static void exec_waiter_exit(int wstatus)
{
	if (WIFSIGNALED(wstatus)) {
		int sig = WTERMSIG(wstatus);
		sigset_t one;

		signal(sig, SIG_DFL);
		sigemptyset(&one);
		sigaddset(&one, sig);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		kill(getpid(), sig);
		_exit(128 + sig);
	}
	_exit(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 125);
}

/* The command, forked by the waiter after setns: it is in the service's
 * pid namespace.  Never returns. */
static void exec_command_main(const struct exec_child *x)
{
	struct service_exec_spec spec = x->spec;
	struct rlimit rl;
	struct error err;

	error_clear(&err);
	/* Killing the waiter (the caller's only handle) kills the command.  The
	 * waiter lives outside our pid namespace, so getppid() is 0 while it
	 * lives; anything else means it died and we were re-parented. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != 0)
		_exit(125);
	/* The service's limits are inherited from its init; ours are the
	 * daemon's, so the one the service sets is set again. */
	rl.rlim_cur = rl.rlim_max = x->nofile;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		error_set(&err, errno, "set nofile limit %llu", (unsigned long long)x->nofile);
		spawn_child_fail(x->errfd, 125, &err);
	}
	spec.pdeath_signal = SIGKILL;
	if (x->new_tty) {
		/* We are in the service's mount namespace, still privileged in its
		 * user namespace: the same terminal `run -t` gives the service. */
		int slave;

		/* The terminal is created with our fsuid: host root has none in a
		 * service's user namespace, and chown() wants the file's ids mapped
		 * there.  Its root then, as spawn_child_main() becomes (the identity
		 * switch in service_exec_apply() follows). */
		if ((x->ns_flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
			error_set(&err, errno, "become root of the user namespace of '%s'", x->spec.svc->name);
			spawn_child_fail(x->errfd, 125, &err);
		}
		slave = spawn_child_open_tty(x->spec.id->uid, x->tty_rows, x->tty_cols, x->errfd, &err);
		if (slave < 0)
			spawn_child_fail(x->errfd, 125, &err);
		spec.stdio[0] = spec.stdio[1] = spec.stdio[2] = slave;
		spec.tty = true;
	}
	service_exec_apply(&spec, x->errfd);
}

/* The waiter: runs in the caller's clone, already in the service's cgroup.
 * Joins the service's namespaces, forks the command, forwards signals to it
 * and exits with its status.  Never returns. */
static void exec_waiter_main(const struct exec_child *x)
{
	const struct service_config *svc = x->spec.svc;
	int keep[5] = { x->spec.stdio[0], x->spec.stdio[1], x->spec.stdio[2], x->errfd, x->init_pidfd };
	struct error err;
	char title[64];
	sigset_t all;
	pid_t pid;

	error_clear(&err);
	/* The exec session ends with the daemon that holds its client. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != x->caller)
		_exit(125);
	/* Not dumpable before joining anything: from then on a process of the
	 * container could otherwise ptrace us or the command (which inherits
	 * this until its exec) or open /proc/PID/exe, the host's pistack
	 * binary (CVE-2016-9962, CVE-2019-5736). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		error_set(&err, errno, "make the exec process of '%s' undumpable", svc->name);
		spawn_child_fail(x->errfd, 125, &err);
	}
	/* A clone of the daemon holds its listening socket, its clients'
	 * connections and other services' pidfds: none may enter the container,
	 * and none may stay open for as long as the command runs. */
	exec_close_all_but(keep, (int)ARRAY_SIZE(keep));
	/* All namespaces at once through the pidfd: the kernel enters the user
	 * namespace first, so the others are joined with the capabilities it
	 * grants there, and joins all of them or none.  The pid namespace
	 * applies to our children only: the fork below is what enters it. */
	if (setns(x->init_pidfd, x->ns_flags) < 0) {
		error_set(&err, errno, "join the namespaces of '%s'", svc->name);
		spawn_child_fail(x->errfd, 125, &err);
	}
	close(x->init_pidfd);
	/* Every signal stays blocked (since the clone): those for the command
	 * are taken with sigwaitinfo() and forwarded; the command resets them. */
	sigfillset(&all);
	pid = fork();
	if (pid < 0) {
		error_set(&err, errno, "fork the command in '%s'", svc->name);
		spawn_child_fail(x->errfd, 125, &err);
	}
	if (pid == 0)
		exec_command_main(x);
	/* Named only now: the title reuses the caller's argv area, where the
	 * command's own arguments may live (`pistack run`-style callers). */
	snprintf(title, sizeof(title), "pistack: exec %s", svc->name);
	proctitle_set(title);
	/* The command's descriptors are the command's: holding the terminal or
	 * pipes here would keep the client from seeing their end. */
	for (int i = 0; i < 3; i++)
		close(x->spec.stdio[i]);
	/* After the fork: the command needed our capabilities to take on the
	 * service's identity. */
	if (exec_waiter_drop_privileges(x->spec.id, &err) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		spawn_child_fail(x->errfd, 125, &err);
	}
	/* Ours is closed now; the command's copy closes at its exec. */
	close(x->errfd);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si), st;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(pid, sig);
			continue;
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			exec_waiter_exit(st);
	}
}

/* The CLONE_NEW* flags of the namespaces of the process behind PROC_FD that
 * differ from ours: with userns = no the user namespace is ours, with
 * [network] mode = host the network one (joining one's own is EINVAL). */
static int exec_ns_flags(int proc_fd, pid_t init_pid, const char *name, int *flags, struct error *err)
{
	*flags = 0;
	for (size_t i = 0; i < ARRAY_SIZE(exec_namespaces); i++) {
		char path[32];
		struct stat self, them;

		snprintf(path, sizeof(path), "ns/%s", exec_namespaces[i].name);
		if (fstatat(proc_fd, path, &them, 0) < 0)
			return error_set(err, errno, "find the %s namespace of '%s'", exec_namespaces[i].name,
					 name);
		snprintf(path, sizeof(path), "/proc/self/ns/%s", exec_namespaces[i].name);
		if (stat(path, &self) < 0)
			return error_set(err, errno, "find our %s namespace", exec_namespaces[i].name);
		if (self.st_dev != them.st_dev || self.st_ino != them.st_ino)
			*flags |= exec_namespaces[i].flag;
	}
	/* A service always has its own mount and pid namespaces: without them
	 * this pid is not (or no longer) a service's init. */
	if (!(*flags & CLONE_NEWNS) || !(*flags & CLONE_NEWPID))
		return error_set(err, 0, "exec in '%s': process %d is not its init", name, (int)init_pid);
	return 0;
}

/* A pidfd of the service's init (REQ's, or opened), checked to be the
 * process whose /proc directory *PROC_FD is. */
static int exec_open_init(const struct exec_request *req, int *pidfd, bool *opened, int *proc_fd,
			  struct error *err)
{
	const char *name = req->svc->name;
	char path[32];

	*opened = false;
	if (req->init_pid <= 0)
		return error_set(err, ESRCH, "exec in '%s'", name);
	snprintf(path, sizeof(path), "/proc/%d", (int)req->init_pid);
	*proc_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*proc_fd < 0)
		return error_set(err, errno == ENOENT ? ESRCH : errno, "exec in '%s'", name);
	*pidfd = req->init_pidfd;
	if (*pidfd < 0) {
		*pidfd = (int)syscall(SYS_pidfd_open, req->init_pid, 0);
		if (*pidfd < 0)
			return error_set(err, errno, "open a pidfd of the init of '%s'", name);
		*opened = true;
	}
	/* The pid could have been reused between the two opens: the process
	 * still being alive through the pidfd proves /proc/PID is the same one. */
	if (syscall(SYS_pidfd_send_signal, *pidfd, 0, NULL, 0) < 0)
		return error_set(err, errno, "exec in '%s'", name);
	return 0;
}

/* Kill and reap the waiter behind PIDFD. */
static void exec_reap(int pidfd)
{
	siginfo_t si;

	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | __WALL) < 0 && errno == EINTR)
		;
}

/* Clone the waiter into CGROUP_FD; returns its pid (0 in the child). */
static pid_t exec_clone(int cgroup_fd, int *pidfd)
{
	/* Born in the service's cgroup, before any fork, so everything forked
	 * below is too: there is no moment where the command runs outside the
	 * service's limits, and no later write to cgroup.procs that a fork could
	 * race.  Without an exit signal the
	 * waiter is a "clone" child: no SIGCHLD reaches the daemon, and no
	 * waitpid(-1) elsewhere can reap it; it is waited for with
	 * waitid(P_PIDFD, ..., __WALL). */
	return clone3_pidfd(0, 0, cgroup_fd, pidfd);
}

/* See exec.h.  The exec'd process is the waiter: its wait status is the
 * command's (wait for it with waitid(P_PIDFD, *PIDFD, WEXITED | __WALL)). */
int container_exec(const struct exec_request *req, pid_t *pid, int *pidfd, int *pty_master, int *exit_code,
		   struct error *err)
{
	const struct service_config *svc = req->svc;
	struct exec_child x = { .init_pidfd = -1, .errfd = -1 };
	struct identity id = { 0 };
	struct seccomp_program prog = { 0 };
	struct cap_plan caps;
	struct strv env = { 0 };
	struct spawn_msg msg;
	cleanup_close int proc_fd = -1, cgroup_fd = -1;
	bool opened = false;
	sigset_t all, old;
	char userdb[PATH_MAX];
	int pipefd[2] = { -1, -1 }, child_pidfd = -1, pty = -1, r;
	ssize_t n;
	pid_t child;

	*pid = 0;
	*pidfd = -1;
	*pty_master = -1;
	*exit_code = 125;
	if (!req->argv || !req->argv[0] || !req->argv[0][0])
		return error_set(err, EINVAL, "exec in '%s': no command", svc->name);
	/* Everything the child needs is prepared here, as for the service
	 * (container_prepare()): the child only applies it. */
	if ((r = rootfs_user_db_dir(req->global, svc, userdb, sizeof(userdb), err)) < 0 ||
	    (r = identity_resolve(userdb, &svc->user, &id, err)) < 0)
		return r;
	if (!req->seccomp && (r = seccomp_program_build(&svc->seccomp, service_effective_caps(svc), &prog, err)) < 0)
		goto out;
	caps = cap_plan_for(service_effective_caps(svc), svc->caps_add, id.uid);
	if (spawn_build_env(svc, &id, req->term, &env) < 0) {
		r = error_set(err, ENOMEM, "build the environment of '%s'", svc->name);
		goto out;
	}
	cgroup_fd = cgroup_open_service(req->cg, svc->name, O_RDONLY);
	if (cgroup_fd < 0) {
		char rel[CG_SERVICE_DIR_MAX];

		if (cgroup_service_dir(req->cg, svc->name, rel, sizeof(rel)) < 0)
			snprintf(rel, sizeof(rel), "%s", svc->name);
		r = error_set(err, -cgroup_fd, "open cgroup '%s/%s'", req->cg->base, rel);
		goto out;
	}
	if ((r = exec_open_init(req, &x.init_pidfd, &opened, &proc_fd, err)) < 0)
		goto out;
	if ((r = exec_ns_flags(proc_fd, req->init_pid, svc->name, &x.ns_flags, err)) < 0)
		goto out;
	/* A socket, not a pipe: with new_tty the terminal's master comes back
	 * on it (SCM_RIGHTS).  Its end is still EOF once the command was
	 * executed and the waiter closed its copy. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pipefd) < 0) {
		r = error_set(err, errno, "create the exec socket of '%s'", svc->name);
		goto out;
	}
	x.spec.svc = svc;
	x.spec.argv = req->argv;
	x.spec.envp = env.v;
	memcpy(x.spec.stdio, req->stdio, sizeof(x.spec.stdio));
	x.spec.tty = req->tty;
	x.spec.id = &id;
	x.spec.caps = &caps;
	x.spec.seccomp = req->seccomp ? req->seccomp : &prog;
	x.errfd = pipefd[1];
	x.new_tty = req->new_tty;
	x.tty_rows = req->tty_rows;
	x.tty_cols = req->tty_cols;
	x.caller = getpid();
	x.nofile = svc->nofile;

	/* No handler of the daemon may run in the child: it starts with every
	 * signal blocked and takes them only through sigwaitinfo(). */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	child = exec_clone(cgroup_fd, &child_pidfd);
	if (child == 0)
		exec_waiter_main(&x);
	r = child < 0 ? -errno : 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (r < 0) {
		r = error_set(err, -r, "create the exec process of '%s'", svc->name);
		goto out;
	}
	/* EOF: the command was executed (its copy of the socket closed at exec,
	 * the waiter's before waiting).  A message: it failed before.  With
	 * new_tty, the master of its terminal comes first. */
	n = spawn_recv_report(pipefd[0], req->new_tty, &msg, &pty);
	if (n == 0 && (pty >= 0 || !req->new_tty)) {
		*pid = child;
		*pidfd = child_pidfd;
		*pty_master = pty;
		*exit_code = 0;
		r = 0;
		goto out;
	}
	if (n == (ssize_t)sizeof(msg) && msg.type == SPAWN_MSG_ERROR) {
		msg.msg[sizeof(msg.msg) - 1] = '\0';
		snprintf(err->msg, sizeof(err->msg), "%s", msg.msg);
		err->errnum = msg.errnum;
		*exit_code = msg.code;
		r = msg.errnum ? -msg.errnum : -EINVAL;
	} else {
		r = error_set(err, n < 0 ? errno : 0, "start the command in '%s'", svc->name);
	}
	exec_reap(child_pidfd);
	close(child_pidfd);
	if (pty >= 0)
		close(pty);
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (opened && x.init_pidfd >= 0)
		close(x.init_pidfd);
	strv_release(&env);
	seccomp_program_release(&prog);
	identity_release(&id);
	return r;
}
