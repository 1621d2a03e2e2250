/*
 * cmd_ctl.c - the commands that drive the daemon over RUN/pistack.sock:
 * start stop restart status ps logs exec stats reload down.  Each checks its
 * arguments, connects (starting the daemon on demand for start and restart),
 * sends one request and relays the reply; `exec -t` relays a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/ctl.h"
#include "common/log.h"
#include "config/config.h"

#define CTL_LAUNCH_WAIT_MS 10000     /* for a daemon started on demand to listen */
#define CTL_LAUNCH_FAILED_WAIT_MS 1000 /* the same once `pistack daemon` exited non-zero */
#define CTL_LAUNCH_POLL_MS 20
#define CTL_TTY_DRAIN_MS 100         /* after the exit status: the terminal's last output */
#define CTL_DOWN_WAIT_MS 30000       /* `down`: for the daemon to exit after its reply */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same number on every architecture */
#endif

/* A request being built: the arguments sent to the daemon, and how to talk. */
struct ctl_request {
	char *argv[CTL_ARGS_MAX + 1];
	int argc;
	bool launch;                 /* start the daemon when it is not running */
	bool exec, interactive, tty;
	char size[32];               /* exec -t: "--size=ROWSxCOLS", in argv */
};

/* Print the usage line of command NAME; returns EXIT_USAGE. */
static int ctl_usage(const char *name)
{
	const struct cli_command *c = cli_find_command(name);

	fprintf(stderr, "usage: pistack %s%s%s\n", name, c && *c->args ? " " : "", c ? c->args : "");
	return EXIT_USAGE;
}

/* Append ARG to the request; false when there are too many. */
static bool ctl_request_add(struct ctl_request *r, char *arg)
{
	if (r->argc >= CTL_ARGS_MAX)
		return false;
	r->argv[r->argc++] = arg;
	r->argv[r->argc] = NULL;
	return true;
}

/* Add the service names ARGV[FROM..ARGC); false (after a message) for a bad one. */
static bool ctl_request_add_names(struct ctl_request *r, const char *cmd, int argc, char **argv,
				  int from)
{
	struct error err;
	char name[NAME_MAX_LEN + 1];

	for (int i = from; i < argc; i++) {
		if (value_parse_name(argv[i], name, &err) < 0) {
			fprintf(stderr, "pistack: %s: %s\n", cmd, err.msg);
			return false;
		}
		if (!ctl_request_add(r, argv[i])) {
			fprintf(stderr, "pistack: %s: more than %d arguments\n", cmd, CTL_ARGS_MAX - 1);
			return false;
		}
	}
	return true;
}

/* Say what getopt refused in ARGV. */
static void ctl_bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		fprintf(stderr, "pistack: %s: option '-%c' needs a value\n", cmd, optopt);
	else if (optopt && strncmp(argv[optind - 1], "--", 2) != 0)
		fprintf(stderr, "pistack: %s: unknown option '-%c'\n", cmd, optopt);
	else
		fprintf(stderr, "pistack: %s: unknown option '%s'\n", cmd, argv[optind - 1]);
}

/* Check ARGV of command CMD and build the request in R (options in one
 * canonical spelling, so the daemon parses only what it expects).  Returns 0
 * or EXIT_USAGE after printing why and the usage line. */
static int ctl_request_build(struct ctl_request *r, int argc, char **argv)
{
	static const struct option status_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	bool json = false, follow = false;
	char *lines = NULL;
	int c;

	memset(r, 0, sizeof(*r));
	/* `ps` is the CLI's alias: the daemon knows only `status`. */
	ctl_request_add(r, strcmp(cmd, "ps") == 0 ? (char *)"status" : argv[0]);
	/* optind = 0: a fresh scan (main() already ran getopt). '+': stop at
	 * the first name, so `exec NAME CMD -x` keeps -x for CMD. ':': report
	 * a missing value distinctly. */
	optind = 0;
	opterr = 0;
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "ps") == 0 || strcmp(cmd, "stats") == 0) {
		while ((c = getopt_long(argc, argv, "+:", status_opts, NULL)) != -1) {
			if (c != 'j')
				goto bad_option;
			json = true;
		}
		if (json)
			ctl_request_add(r, "--json");
		if (!ctl_request_add_names(r, cmd, argc, argv, optind))
			return ctl_usage(cmd);
		return 0;
	}
	if (strcmp(cmd, "logs") == 0) {
		while ((c = getopt(argc, argv, "+:fn:")) != -1) {
			size_t digits;

			if (c == 'f') {
				follow = true;
				continue;
			}
			if (c != 'n')
				goto bad_option;
			/* Plain decimal digits only: what the daemon accepts, no sign or blanks. */
			digits = strspn(optarg, "0123456789");
			if (digits == 0 || optarg[digits] != '\0' || digits > 9) {
				fprintf(stderr, "pistack: logs: invalid line count '%s': expected a number\n",
					optarg);
				return ctl_usage(cmd);
			}
			lines = optarg;
		}
		if (argc - optind != 1) {
			if (argc - optind > 1 && argv[optind + 1][0] == '-')
				fprintf(stderr, "pistack: logs: options go before NAME\n");
			else if (argc - optind > 1)
				fprintf(stderr, "pistack: logs: one service at a time\n");
			return ctl_usage(cmd);
		}
		if (follow)
			ctl_request_add(r, "-f");
		if (lines) {
			ctl_request_add(r, "-n");
			ctl_request_add(r, lines);
		}
		return ctl_request_add_names(r, cmd, argc, argv, optind) ? 0 : ctl_usage(cmd);
	}
	if (strcmp(cmd, "exec") == 0) {
		r->exec = true;
		while ((c = getopt(argc, argv, "+:it")) != -1) {
			if (c == 'i')
				r->interactive = true;
			else if (c == 't')
				r->tty = true;
			else
				goto bad_option;
		}
		if (argc - optind < 2)
			return ctl_usage(cmd);
		if (r->tty && !isatty(STDIN_FILENO)) {
			fprintf(stderr, "pistack: exec: -t needs a terminal on standard input\n");
			return ctl_usage(cmd);
		}
		if (r->interactive)
			ctl_request_add(r, "-i");
		if (r->tty) {
			struct winsize ws;

			ctl_request_add(r, "-t");
			/* The command's terminal starts at our size, as `run -t`. */
			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
				snprintf(r->size, sizeof(r->size), "--size=%ux%u", (unsigned)ws.ws_row,
					 (unsigned)ws.ws_col);
				ctl_request_add(r, r->size);
			}
		}
		if (!ctl_request_add_names(r, cmd, optind + 1, argv, optind))
			return ctl_usage(cmd);
		for (int i = optind + 1; i < argc; i++) {
			if (!ctl_request_add(r, argv[i])) {
				fprintf(stderr, "pistack: exec: more than %d arguments\n", CTL_ARGS_MAX - 1);
				return ctl_usage(cmd);
			}
		}
		return 0;
	}
	/* The rest take no options: getopt only refuses them and eats "--". */
	if ((c = getopt(argc, argv, "+:")) != -1)
		goto bad_option;
	if (strcmp(cmd, "reload") == 0 || strcmp(cmd, "down") == 0)
		return argc - optind == 0 ? 0 : ctl_usage(cmd);
	if (strcmp(cmd, "start") == 0 || strcmp(cmd, "stop") == 0 || strcmp(cmd, "restart") == 0) {
		if (argc - optind < 1)
			return ctl_usage(cmd);
		r->launch = strcmp(cmd, "stop") != 0;
	}
	/* start, stop, restart: one or more names. */
	return ctl_request_add_names(r, cmd, argc, argv, optind) ? 0 : ctl_usage(cmd);

bad_option:
	ctl_bad_option(cmd, c, argv);
	return ctl_usage(cmd);
}

/* A pidfd of the process at the other end of the connected socket SOCK, or -1. */
static int ctl_peer_pidfd(int sock)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid <= 0)
		return -1;
	return (int)syscall(SYS_pidfd_open, cred.pid, 0);
}

/* Wait until the process behind PIDFD has exited: `pistack down` returns once
 * the daemon is gone, so the next command finds no daemon (or starts one).
 * Bounded by the gateway's drain (10 s) and a margin. */
static void ctl_wait_exit(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	while (poll(&pfd, 1, CTL_DOWN_WAIT_MS) < 0 && errno == EINTR)
		;
}

/* Connect to the control socket PATH: a descriptor, or -errno (ERR filled). */
static int ctl_connect(const char *path, struct error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return error_set(err, ENAMETOOLONG, "connect to control socket '%s'", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return error_set(err, errno, "create a socket for '%s'", path);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		r = errno;
		close(fd);
		/* An interrupted connect() may still complete: start over. */
		if (r != EINTR)
			return error_set(err, r, "connect to control socket '%s'", path);
	}
}

/* Whether a connect() error means that no daemon listens. */
static bool ctl_daemon_absent(int r)
{
	return r == -ENOENT || r == -ECONNREFUSED;
}

/* Sleep MS milliseconds. */
static void ctl_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Milliseconds of CLOCK_MONOTONIC. */
static long long ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run `pistack -C ROOT daemon`, which daemonizes itself, and connect to PATH
 * once it listens: a descriptor, or -errno with ERR filled. */
static int ctl_launch_daemon(const struct cli_opts *opts, const char *path, struct error *err)
{
	cleanup_free char *root = realpath(opts->conf_root, NULL);
	long long deadline = ctl_now_ms() + CTL_LAUNCH_WAIT_MS;
	int status = 0, exited = 0, r;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return error_set(err, errno, "start the daemon");
	if (pid == 0) {
		/* The daemon outlives us: it must not hold our stdin or stdout (a
		 * pipe reader would wait for it forever).  stderr stays for the
		 * errors it reports before it detaches. */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		char *dir = root ? root : (char *)opts->conf_root;
		char *args[] = { "pistack", "-C", dir, "daemon", NULL, NULL };

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		if (opts->verbose) {
			memmove(args + 2, args + 1, 3 * sizeof(*args));
			args[1] = "-v";
		}
		/* /proc/self/exe: exactly this binary, wherever it was run from. */
		execv("/proc/self/exe", args);
		fprintf(stderr, "pistack: unable to execute '/proc/self/exe': %s\n", strerror(errno));
		_exit(EXIT_FAILED);
	}
	for (;;) {
		struct error cerr;
		int fd = ctl_connect(path, &cerr);

		if (fd >= 0) {
			if (!exited)
				waitpid(pid, NULL, WNOHANG);
			return fd;
		}
		if (!ctl_daemon_absent(fd)) {
			*err = cerr;
			return fd;
		}
		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = 1;
			/* Failed: maybe only because a daemon started by someone else
			 * holds the lock; give that one a moment, not the full wait. */
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				deadline = ctl_now_ms() + CTL_LAUNCH_FAILED_WAIT_MS;
		}
		if (ctl_now_ms() >= deadline)
			break;
		ctl_sleep_ms(CTL_LAUNCH_POLL_MS);
	}
	if (exited && WIFEXITED(status) && WEXITSTATUS(status) != 0)
		r = error_set(err, 0, "start the daemon: 'pistack daemon' exited with status %d",
			      WEXITSTATUS(status));
	else if (exited && WIFSIGNALED(status))
		r = error_set(err, 0, "start the daemon: 'pistack daemon' was killed by signal %d",
			      WTERMSIG(status));
	else
		r = error_set(err, 0, "start the daemon: no control socket at '%s' after %d s", path,
			      CTL_LAUNCH_WAIT_MS / 1000);
	return r;
}

/* Send ARGV with FDS and relay the reply: the exit status, or -errno (ERR
 * filled when the request could not be sent). */
static int ctl_talk(int sock, char *const *argv, const int *fds, int n_fds, struct error *err)
{
	int r = ctl_send_request(sock, argv, fds, n_fds, err), status;

	if (r < 0 && r != -EPIPE && r != -ECONNRESET)
		return r;
	/* Even when the send failed: a daemon that turned us away before
	 * reading the request may have said why. */
	status = ctl_read_reply(sock, STDOUT_FILENO, STDERR_FILENO, NULL);
	if (status >= 0)
		return status;
	return r < 0 ? r : status;
}

/* Read all of LEN bytes; 0, or -ECONNRESET / -errno. */
static int ctl_read_all(int fd, void *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = read(fd, (char *)buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		off += (size_t)n;
	}
	return 0;
}

/* Write all of LEN bytes, ignoring failures (a terminal that went away). */
static void ctl_write_all(int fd, const void *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, (const char *)buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

/* Read and relay one reply frame of SOCK: the exit status after 'x', -EAGAIN
 * after another frame, or a negative errno when the daemon hung up. */
static int ctl_relay_frame(int sock, char *buf)
{
	unsigned char header[4];
	long len;
	int r;

	if ((r = ctl_read_all(sock, header, sizeof(header))) < 0)
		return r;
	len = ctl_frame_length(header);
	if (len <= 0)
		return len < 0 ? (int)len : -EPROTO;
	if ((r = ctl_read_all(sock, buf, (size_t)len)) < 0)
		return r;
	if (buf[0] == CTL_OUT || buf[0] == CTL_ERR) {
		ctl_write_all(buf[0] == CTL_OUT ? STDOUT_FILENO : STDERR_FILENO, buf + 1, (size_t)len - 1);
	} else if (buf[0] == CTL_EXIT) {
		int status = 0;

		if (len < 2 || len > 4)
			return -EPROTO;
		for (long i = 1; i < len; i++) {
			if (buf[i] < '0' || buf[i] > '9')
				return -EPROTO;
			status = status * 10 + buf[i] - '0';
		}
		return status <= 255 ? status : -EPROTO;
	}
	return -EAGAIN;
}

/* Copy what is readable on FROM to TO: false at end of input or on error. */
static bool ctl_relay(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	ctl_write_all(to, buf, (size_t)n);
	return true;
}

/* `exec -t`: our terminal, relayed to the master of the command's terminal,
 * which the daemon allocated in the service's own /dev/pts. */
struct ctl_tty {
	int master, sigfd;
	struct termios saved;
	bool raw;
	sigset_t old_mask;
};

/* Watch SIGWINCH (and the signals that end the relay). */
static int ctl_tty_open(struct ctl_tty *t, struct error *err)
{
	sigset_t mask;

	/* Blocked, the signals arrive on the signalfd: a resize is forwarded,
	 * a hangup or termination ends the relay with the terminal restored. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, &t->old_mask);
	t->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (t->sigfd < 0)
		return error_set(err, errno, "watch signals");
	return 0;
}

/* Put our terminal in raw mode: every key goes to the service's terminal. */
static void ctl_tty_raw(struct ctl_tty *t)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &t->saved) < 0)
		return;
	raw = t->saved;
	cfmakeraw(&raw);
	/* TCSANOW, not TCSAFLUSH: what was typed ahead while the command
	 * started is the command's input (as `run -t`), not to be discarded. */
	t->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

/* Restore our terminal and signals; close the master. */
static void ctl_tty_close(struct ctl_tty *t)
{
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t->saved);
	if (t->master >= 0)
		close(t->master);
	if (t->sigfd >= 0) {
		close(t->sigfd);
		sigprocmask(SIG_SETMASK, &t->old_mask, NULL);
	}
}

/* Relay our terminal and the pty until the daemon sends the exit status. */
static int ctl_tty_relay(struct ctl_tty *t, int sock, bool interactive)
{
	cleanup_free char *buf = malloc(CTL_FRAME_MAX);
	bool in_open = interactive, master_open = true;
	int status = -EAGAIN;

	if (!buf)
		return -ENOMEM;
	while (status == -EAGAIN) {
		struct pollfd p[4] = {
			{ .fd = sock, .events = POLLIN },
			{ .fd = t->sigfd, .events = POLLIN },
			{ .fd = master_open ? t->master : -1, .events = POLLIN },
			{ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
		};

		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(t->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				struct winsize ws;

				if (si.ssi_signo != SIGWINCH)
					return 128 + (int)si.ssi_signo;
				/* The kernel tells the foreground group of the pty. */
				if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
					ioctl(t->master, TIOCSWINSZ, &ws);
			}
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			master_open = ctl_relay(t->master, STDOUT_FILENO);
		if (p[3].revents & (POLLIN | POLLHUP | POLLERR))
			in_open = ctl_relay(STDIN_FILENO, t->master);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			status = ctl_relay_frame(sock, buf);
	}
	/* The status can overtake the command's last output, still in the pty:
	 * drain it until the pty is closed everywhere, or goes quiet. */
	while (master_open) {
		struct pollfd p = { .fd = t->master, .events = POLLIN };

		if (poll(&p, 1, CTL_TTY_DRAIN_MS) <= 0)
			break;
		master_open = ctl_relay(t->master, STDOUT_FILENO);
	}
	return status;
}

/* Run `exec`: send the request with our stdio (or /dev/null) and relay. */
static int ctl_exec(int sock, const struct ctl_request *req, struct error *err)
{
	struct ctl_tty t = { .master = -1, .sigfd = -1 };
	cleanup_close int null = -1;
	int fds[3] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO };
	struct winsize ws;
	int r;

	/* Without -i the command must not eat input meant for whoever runs us;
	 * with -t its stdio is a terminal of the service's: ours stays out of
	 * the container, and the daemon only wants three descriptors. */
	if (!req->interactive || req->tty) {
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0)
			return error_set(err, errno, "open '/dev/null'");
		fds[0] = null;
		if (req->tty)
			fds[1] = fds[2] = null;
	}
	if (!req->tty)
		return ctl_talk(sock, req->argv, fds, 3, err);
	if ((r = ctl_tty_open(&t, err)) < 0)
		goto out;
	if ((r = ctl_send_request(sock, req->argv, fds, 3, err)) < 0 && r != -EPIPE && r != -ECONNRESET)
		goto out;
	/* The master first; a failure ends the reply with the daemon's words. */
	r = ctl_read_reply(sock, STDOUT_FILENO, STDERR_FILENO, &t.master);
	if (r != CTL_REPLY_FD)
		goto out;
	/* Again: our terminal may have been resized since the request. */
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		ioctl(t.master, TIOCSWINSZ, &ws);
	ctl_tty_raw(&t);
	r = ctl_tty_relay(&t, sock, req->interactive);
out:
	ctl_tty_close(&t);
	return r;
}

/* start stop restart status ps logs exec stats reload down: see cli.h. */
int cmd_ctl(const struct cli_opts *opts, int argc, char **argv)
{
	cleanup_close int daemon_pidfd = -1;
	struct ctl_request req;
	struct config cfg;
	struct error err;
	cleanup_free char *path = NULL;
	cleanup_close int sock = -1;
	int r;

	if ((r = ctl_request_build(&req, argc, argv)) != 0)
		return r;
	/* Only [paths] run is needed: a broken service file must not keep the
	 * user from `status` or `down` (the daemon reports it on start/reload). */
	if (cli_load_global_config(opts, &cfg) != EXIT_OK)
		return EXIT_CONFIG;
	r = asprintf(&path, "%s/pistack.sock", cfg.global.run);
	config_release(&cfg);
	if (r < 0) {
		path = NULL;
		fprintf(stderr, "pistack: %s: out of memory\n", argv[0]);
		return EXIT_FAILED;
	}
	sock = ctl_connect(path, &err);
	if (sock < 0 && ctl_daemon_absent(sock)) {
		if (strcmp(argv[0], "down") == 0)
			return EXIT_OK;
		if (!req.launch) {
			fputs("pistack: the daemon is not running (start a service with 'pistack start NAME')\n",
			      stderr);
			return EXIT_FAILED;
		}
		sock = ctl_launch_daemon(opts, path, &err);
	}
	if (sock < 0) {
		log_error(NULL, &err);
		return EXIT_FAILED;
	}
	error_clear(&err);
	/* down: the daemon replies once the services are gone, then shuts down
	 * the gateway and the name server and exits; pinned now, while the
	 * connection keeps it from being a stranger's pid. */
	if (strcmp(argv[0], "down") == 0)
		daemon_pidfd = ctl_peer_pidfd(sock);
	if (req.exec)
		r = ctl_exec(sock, &req, &err);
	else
		r = ctl_talk(sock, req.argv, NULL, 0, &err);
	if (r == EXIT_OK && daemon_pidfd >= 0)
		ctl_wait_exit(daemon_pidfd);
	if (r >= 0)
		return r;
	if (r == -EPIPE && err.msg[0] == '\0')
		return EXIT_FAILED;  /* our own output went away */
	if (err.msg[0])
		log_error(argv[0], &err);
	else
		fprintf(stderr, "pistack: the daemon closed the connection\n");
	return EXIT_FAILED;
}
