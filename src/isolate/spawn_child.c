/*
 * spawn_child.c - the cloned child before it becomes init: everything that
 * must happen inside the new namespaces, in the order the kernel requires.
 * Runs between clone and exec: only system calls and prepared data.
 */
#include "isolate/spawn_child.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "isolate/spawn_msg.h"

/* Report ERR to the parent and exit. */
void spawn_child_fail(int fd, int code, const struct error *err)
{
	struct spawn_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = SPAWN_MSG_ERROR;
	msg.code = code;
	msg.errnum = err->errnum;
	memcpy(msg.msg, err->msg, sizeof(msg.msg));
	/* FD is the sync socket (init) or the exec pipe (the service): send()
	 * avoids SIGPIPE on the socket, write() serves the pipe. */
	if (send(fd, &msg, sizeof(msg), MSG_NOSIGNAL) < 0 && errno == ENOTSOCK)
		(void)!write(fd, &msg, sizeof(msg));
	_exit(code);
}

/* Bring the loopback interface of our new network namespace up. */
static int loopback_up(struct error *err)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (fd < 0)
		return error_set(err, errno, "bring up interface 'lo'");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		r = error_set(err, errno, "bring up interface 'lo'");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (r == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		r = error_set(err, errno, "bring up interface 'lo'");
	close(fd);
	return r;
}

/* See spawn_child.h: shared by the service (new_tty) and `exec -t`. */
int spawn_child_open_tty(uid_t uid, unsigned short rows, unsigned short cols, int sync_fd,
			 struct error *err)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct spawn_msg msg;
	struct iovec iov = { .iov_base = &msg, .iov_len = sizeof(msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)
	};
	struct cmsghdr *c;
	int master, slave = -1, unlock = 0, r;

	master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return error_set(err, errno, "allocate a terminal in '/dev/pts'");
	/* Unlocked, then the slave opened through the master (TIOCGPTPEER), not
	 * by a path that could be raced. */
	if (ioctl(master, TIOCSPTLCK, &unlock) == 0)
		slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		r = error_set(err, errno, "allocate a terminal in '/dev/pts'");
		goto out;
	}
	/* The service's user owns its terminal, as login(1) and runc make it, so
	 * that it may open it again by name (ttyname, /dev/stdin). */
	if (fchown(slave, uid, (gid_t)-1) < 0) {
		r = error_set(err, errno, "give the terminal to user %u", (unsigned)uid);
		goto out;
	}
	if (ws.ws_row && ws.ws_col)
		ioctl(master, TIOCSWINSZ, &ws);
	memset(&msg, 0, sizeof(msg));
	msg.type = SPAWN_MSG_PTY;
	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(sync_fd, &mh, MSG_NOSIGNAL) < 0) {
		r = error_set(err, errno, "pass the terminal to pistack");
		goto out;
	}
	close(master);
	return slave;
out:
	if (slave >= 0)
		close(slave);
	close(master);
	return r;
}

/* See spawn_child.h. */
void spawn_child_main(const struct spawn_config *cfg, int sync_fd)
{
	const struct service_config *svc = cfg->svc;
	struct spawn_msg msg;
	struct rlimit rl;
	struct error err;
	ssize_t n;

	error_clear(&err);
	/* `run` in the foreground: the service must not outlive pistack. */
	if (cfg->die_with_parent)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Wait until the parent mapped our ids and placed us in the cgroup. */
	do
		n = recv(sync_fd, &msg, sizeof(msg), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(msg) || msg.type != SPAWN_MSG_GO)
		_exit(125);
	/* In a user namespace we are its root only once we take that uid. */
	if (svc->userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		error_set(&err, errno, "become root of the user namespace of '%s'", svc->name);
		spawn_child_fail(sync_fd, 125, &err);
	}
	/* The cgroup namespace is unshared only now that we are inside the
	 * service's cgroup, so that cgroup becomes the namespace's root and the
	 * service cannot see (or name) any cgroup above its own. */
	if (unshare(CLONE_NEWCGROUP) < 0) {
		error_set(&err, errno, "create the cgroup namespace of '%s'", svc->name);
		spawn_child_fail(sync_fd, 125, &err);
	}
	if (rootfs_enter(cfg->rootfs, &err) < 0)
		spawn_child_fail(sync_fd, 125, &err);
	if (sethostname(svc->hostname, strlen(svc->hostname)) < 0) {
		error_set(&err, errno, "set hostname '%s'", svc->hostname);
		spawn_child_fail(sync_fd, 125, &err);
	}
	if (svc->net_mode != NET_HOST && loopback_up(&err) < 0)
		spawn_child_fail(sync_fd, 125, &err);
	/* rlimits are inherited by everything the service forks. */
	rl.rlim_cur = rl.rlim_max = svc->nofile;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		error_set(&err, errno, "set nofile limit %llu", (unsigned long long)svc->nofile);
		spawn_child_fail(sync_fd, 125, &err);
	}
	/* A new session: the service is detached from pistack's terminal and
	 * process group (its own terminal, if any, is made controlling later). */
	if (setsid() < 0) {
		error_set(&err, errno, "create a session for '%s'", svc->name);
		spawn_child_fail(sync_fd, 125, &err);
	}
	if (cfg->new_tty) {
		/* Our copy of the configuration (CFG is the parent's memory, shared
		 * copy-on-write): the new terminal becomes the service's stdio. */
		struct spawn_config with_tty = *cfg;
		int slave = spawn_child_open_tty(cfg->id->uid, cfg->tty_rows, cfg->tty_cols, sync_fd, &err);

		if (slave < 0)
			spawn_child_fail(sync_fd, 125, &err);
		with_tty.stdio[0] = with_tty.stdio[1] = with_tty.stdio[2] = slave;
		with_tty.tty = true;
		init_main(&with_tty, sync_fd);
	}
	init_main(cfg, sync_fd);
}
