/*
 * cmd_run.c - `pistack run [--rm] NAME [-- CMD ARG...]`: one service in the
 * foreground without the daemon.  Prepares the instance in this process
 * (container_prepare: identity, seccomp program, root filesystem plan,
 * cgroup), spawns it, relays its terminal (made in its own /dev/pts) when
 * stdin is one, forwards signals, and exits with the service's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "config/config.h"
#include "isolate/cgroup.h"
#include "isolate/container.h"
#include "net/attach.h"

struct run_ctx {
	const struct service_config *svc;
	struct cgroup_root cg;
	bool cg_open;
	struct container ct;          /* copies `-- CMD ARG...`: init rewrites argv for its title */
	struct seccomp_cache seccomp; /* backed by STATE/seccomp: compiled once, not per run */
	char seccomp_dir[4096];
	bool ct_prepared;
	int pty_master;               /* the service's terminal (spawned.pty_master) */
	struct termios saved_tio;
	bool tio_saved;
	/* mode intercontainer: the bridge, the lease and the veth pair */
	struct link_handle link;
	bool link_open;
	struct net_bridge bridge;
	struct net_attachment att;
};

/* Before the service gets its terminal (spawn_config.new_tty, made in its own
 * /dev/pts, sized like ours): our terminal goes raw, the service's does the
 * line editing, echo and signal keys; run_cleanup() restores it. */
static void run_raw_terminal(struct run_ctx *c, struct container_start_opts *opts)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		opts->tty_rows = ws.ws_row;
		opts->tty_cols = ws.ws_col;
	}
	if (tcgetattr(STDIN_FILENO, &c->saved_tio) == 0) {
		struct termios raw = c->saved_tio;
		cfmakeraw(&raw);
		c->tio_saved = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
}

/* Copy what is readable on FROM to TO; false at end of input. */
static bool relay(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		off += w;
	}
	return true;
}

/* Wait for the service, forwarding signals and relaying the terminal. */
static int run_wait(struct run_ctx *c, struct spawned *sp, int sigfd)
{
	bool stdin_open = c->pty_master >= 0;
	int wstatus = 0;

	for (;;) {
		struct pollfd p[4] = {
			{ .fd = sp->sync_fd, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = c->pty_master >= 0 ? c->pty_master : -1, .events = POLLIN },
			{ .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
		};
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGWINCH && c->pty_master >= 0) {
					struct winsize ws;
					/* The kernel tells the service's foreground group. */
					if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
						ioctl(c->pty_master, TIOCSWINSZ, &ws);
				} else {
					kill(sp->pid, (int)si.ssi_signo);
				}
			}
		}
		if (p[2].revents & (POLLIN | POLLHUP))
			relay(c->pty_master, STDOUT_FILENO);
		if (p[3].revents & (POLLIN | POLLHUP))
			stdin_open = relay(STDIN_FILENO, c->pty_master);
		if (p[0].revents & (POLLIN | POLLHUP))
			break;
	}
	spawn_wait(sp, &wstatus);
	/* Whatever the service wrote last is still in the terminal's buffer. */
	if (c->pty_master >= 0) {
		fcntl(c->pty_master, F_SETFL, O_NONBLOCK);
		while (relay(c->pty_master, STDOUT_FILENO)) {
			struct pollfd p = { .fd = c->pty_master, .events = POLLIN };
			if (poll(&p, 1, 0) <= 0)
				break;
		}
	}
	return spawn_exit_code(wstatus);
}

/* Prepare everything the child needs; ERR names the failing step. */
static int run_prepare(struct run_ctx *c, const struct config *cfg, char *const *cmd, bool tty, struct error *err)
{
	const struct service_config *svc = c->svc;
	const char *term = tty ? (getenv("TERM") ? getenv("TERM") : "xterm") : NULL;
	int r;

	if (geteuid() != 0)
		return error_set(err, EPERM, "run '%s': pistack run needs root", svc->name);
	if ((r = cgroup_root_open(&c->cg, err)) < 0)
		return r;
	c->cg_open = true;
	c->ct_prepared = true;
	snprintf(c->seccomp_dir, sizeof(c->seccomp_dir), "%s/seccomp", cfg->global.state);
	c->seccomp.dir = c->seccomp_dir;
	if (svc->net_mode == NET_INTERCONTAINER) {
		struct container_net net;
		cleanup_free char *resolv = NULL;
		/* The bridge and the lease come first: an overlapping subnet or a
		 * full one refuses the run before anything of the service exists. */
		if ((r = link_open(&c->link, err)) < 0)
			return r;
		c->link_open = true;
		if ((r = net_bridge_up(&c->link, &cfg->global, &c->bridge, err)) < 0 ||
		    (r = net_attach_prepare(&c->att, &c->link, &c->bridge, &cfg->global, svc->name, NULL, 0, err)) < 0)
			return r;
		if (!(resolv = net_resolv_conf(&cfg->global, &c->bridge)))
			return error_set(err, ENOMEM, "generate /etc/resolv.conf of '%s'", svc->name);
		net.addr = c->att.addr;
		net.resolv_conf = resolv;
		return container_prepare(&c->ct, &cfg->global, svc, &c->cg, cmd, term, &net, &c->seccomp, err);
	}
	return container_prepare(&c->ct, &cfg->global, svc, &c->cg, cmd, term, NULL, &c->seccomp, err);
}

/* Undo what run_prepare and the service left: cgroup, runtime files, terminal. */
static void run_cleanup(struct run_ctx *c, bool remove_state)
{
	struct error err;

	if (c->tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &c->saved_tio);
	if (c->ct_prepared) {
		container_cleanup(&c->ct, remove_state, &err);
		if (err.msg[0])
			log_error(c->svc->name, &err);
	}
	if (c->pty_master >= 0)
		close(c->pty_master);
	net_attach_release(&c->att);
	if (c->link_open)
		link_close(&c->link);
	if (c->cg_open)
		cgroup_root_release(&c->cg);
	seccomp_cache_release(&c->seccomp);
}

int cmd_run(const struct cli_opts *cli, int argc, char **argv)
{
	struct run_ctx c = { .pty_master = -1 };
	struct container_start_opts opts = { .die_with_parent = true };
	static const int stdio[3] = { 0, 1, 2 };
	struct config cfg;
	struct error err;
	const char *name = NULL;
	char **cmd = NULL;
	bool rm = false, tty;
	sigset_t fwd;
	int i, code, sigfd;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rm") == 0 && !name) {
			rm = true;
		} else if (strcmp(argv[i], "--") == 0 && name) {
			cmd = argv + i + 1;
			break;
		} else if (argv[i][0] == '-' || name) {
			fputs("usage: pistack run [--rm] NAME [-- CMD ARG...]\n", stderr);
			return EXIT_USAGE;
		} else {
			name = argv[i];
		}
	}
	if (!name || (cmd && !cmd[0])) {
		fputs("usage: pistack run [--rm] NAME [-- CMD ARG...]\n", stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(cli, &cfg) != EXIT_OK)
		return EXIT_CONFIG;
	c.svc = config_find_service(&cfg, name);
	if (!c.svc) {
		fprintf(stderr, "pistack: %s: unable to find service '%s': no conf.d/%s.ini in '%s'\n", name, name,
			name, cli->conf_root);
		config_release(&cfg);
		return EXIT_RUN_FAILED;
	}
	/* A debian: rootfs not built yet is built here, showing its progress,
	 * before the terminal and the signals are handed to the service. */
	if (cli_build_rootfs(&cfg, c.svc, stderr) != EXIT_OK) {
		config_release(&cfg);
		return EXIT_RUN_FAILED;
	}
	tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	/* Signals for the service are taken from a signalfd and forwarded. */
	sigemptyset(&fwd);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD && s != SIGSEGV && s != SIGBUS && s != SIGILL &&
		    s != SIGFPE && s != SIGTSTP && s != SIGTTIN && s != SIGTTOU && s != SIGCONT)
			sigaddset(&fwd, s);
	sigprocmask(SIG_BLOCK, &fwd, NULL);
	sigfd = signalfd(-1, &fwd, SFD_CLOEXEC);
	if (run_prepare(&c, &cfg, cmd, tty, &err) < 0 || sigfd < 0) {
		if (sigfd < 0)
			error_set(&err, errno, "create a signalfd");
		log_error(name, &err);
		run_cleanup(&c, rm);
		config_release(&cfg);
		return EXIT_RUN_FAILED;
	}
	/* With a terminal, the service gets a new one in its own /dev/pts
	 * (its stdio then), relayed to ours. */
	opts.new_tty = tty;
	if (tty)
		run_raw_terminal(&c, &opts);
	if (c.svc->net_mode == NET_INTERCONTAINER) {
		opts.setup_child = net_attach_setup_child;
		opts.setup_data = &c.att;
	}
	if (container_start(&c.ct, stdio, &opts, &code, &err) < 0) {
		if (c.tio_saved)
			tcsetattr(STDIN_FILENO, TCSANOW, &c.saved_tio), c.tio_saved = false;
		log_error(name, &err);
	} else {
		/* Only the service holds the terminal's other end: it closes when
		 * the service's last process does. */
		c.pty_master = c.ct.sp.pty_master;
		c.ct.sp.pty_master = -1;
		code = run_wait(&c, &c.ct.sp, sigfd);
	}
	close(sigfd);
	run_cleanup(&c, rm);
	config_release(&cfg);
	return code;
}
