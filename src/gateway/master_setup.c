/*
 * master_setup.c - the gateway master's steps while it is still root, in
 * order: drop the daemon's descriptors and signal state, raise the
 * descriptor limit, initialise OpenSSL, create the self-signed default
 * certificate when the certificate directory has none, then enter the
 * sandbox (binds: certs and ACME webroot read-only, the access log's
 * directory writable; an unprivileged uid; a syscall allow-list).
 */
#include "gateway/master.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <openssl/ssl.h>

#include "common/fs.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/proctitle.h"
#include "gateway/tls.h"
#include "isolate/sandbox.h"

#define NOFILE_WANTED 65536

/* What the master and its workers call, beyond the C library's minimum. */
static const int master_syscalls[] = {
	/* descriptors and files (certificates, ACME files, access log) */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(pread64),
	SCMP_SYS(close), SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
	SCMP_SYS(statx), SCMP_SYS(lseek), SCMP_SYS(getdents64), SCMP_SYS(fcntl), SCMP_SYS(dup),
	SCMP_SYS(dup3), SCMP_SYS(mprotect),
	/* the event loop */
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime), SCMP_SYS(signalfd4), SCMP_SYS(eventfd2),
	/* network: accept, connect to services, the control channels */
	SCMP_SYS(accept4), SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername), SCMP_SYS(sendto),
	SCMP_SYS(recvfrom), SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(shutdown),
	SCMP_SYS(socketpair),
	/* workers: fork, reap, signal, name */
	SCMP_SYS(clone), SCMP_SYS(wait4), SCMP_SYS(kill), SCMP_SYS(prctl), SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq), SCMP_SYS(getppid), SCMP_SYS(getrlimit), SCMP_SYS(prlimit64),
	/* OpenSSL and time */
	SCMP_SYS(getrandom), SCMP_SYS(futex), SCMP_SYS(sched_yield), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(getuid),
	SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
};

/* Workers connect to services over IPv4 only. */
static const int master_families[] = { AF_INET };

/* Whether DIR holds a certificate file (NAME.crt). */
static bool master_has_certs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		return true;   /* nothing to add to: the load reports it */
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		found = e->d_name[0] != '.' && n > 4 && strcmp(e->d_name + n - 4, ".crt") == 0;
	}
	closedir(d);
	return found;
}

/* The self-signed default certificate for "localhost" and "*.localhost",
 * made as root and handed to the gateway's user, who must read the key. */
static void master_default_cert(const struct master_conf *conf)
{
	static const char *const files[] = { TLS_DEFAULT_NAME ".crt", TLS_DEFAULT_NAME ".key" };
	struct error err;
	cleanup_close int dir = -1;

	if (!conf->certs_dir || master_has_certs(conf->certs_dir))
		return;
	if (tls_self_signed_create(conf->certs_dir, "localhost", TLS_DEFAULT_NAME, &err) < 0) {
		log_error("gateway", &err);
		return;
	}
	dir = open(conf->certs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; dir >= 0 && i < ARRAY_SIZE(files); i++)
		if (fchownat(dir, files[i], conf->uid, conf->gid, AT_SYMLINK_NOFOLLOW) < 0)
			log_msg("gateway: unable to change the owner of '%s/%s': %s", conf->certs_dir,
				files[i], strerror(errno));
	log_msg("gateway: created a self-signed certificate for localhost in '%s'", conf->certs_dir);
}

/* Add PATH to BINDS if it exists (a missing one is reported, not bound). */
static void master_bind(struct sandbox_bind *binds, size_t *n, const char *path, bool writable)
{
	struct stat st;

	if (!path)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(binds[i].path, path) == 0) {
			binds[i].writable |= writable;
			return;
		}
	if (stat(path, &st) < 0) {
		log_msg("gateway: unable to use '%s': %s", path, strerror(errno));
		return;
	}
	binds[*n].path = path;
	binds[*n].writable = writable;
	(*n)++;
}

/* Sort BINDS so that a directory is bound before what lies inside it. */
static void master_sort_binds(struct sandbox_bind *b, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strlen(b[j - 1].path) > strlen(b[j].path); j--) {
			struct sandbox_bind t = b[j];
			b[j] = b[j - 1];
			b[j - 1] = t;
		}
}

/* Duplicate S, or NULL for NULL. */
static char *master_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Enter the sandbox with CONF's binds. */
static int master_sandbox(struct master_conf *conf, struct error *err)
{
	struct sandbox_bind binds[3];
	size_t n = 0;
	char *logdir = NULL;
	struct sandbox_spec spec;
	int r;

	if (conf->access_log) {
		char *copy = strdup(conf->access_log);

		if (!copy)
			return error_set(err, ENOMEM, "start the gateway");
		logdir = strdup(dirname(copy));
		free(copy);
	}
	master_bind(binds, &n, logdir, true);
	master_bind(binds, &n, conf->certs_dir, false);
	master_bind(binds, &n, conf->acme_webroot, false);
	master_sort_binds(binds, n);
	memset(&spec, 0, sizeof(spec));
	spec.name = "gateway";
	spec.uid = conf->uid;
	spec.gid = conf->gid;
	spec.binds = binds;
	spec.n_binds = n;
	spec.syscalls = master_syscalls;
	spec.n_syscalls = ARRAY_SIZE(master_syscalls);
	spec.socket_families = master_families;
	spec.n_socket_families = ARRAY_SIZE(master_families);
	r = sandbox_enter(&spec, err);
	free(logdir);
	return r;
}

/* See master.h. */
int master_setup(const struct gateway_params *p, const int *keep, size_t n_keep,
		 struct master_conf *conf, struct error *err)
{
	int all[GATEWAY_MAX_FDS + 8];
	size_t n_all = 0;
	struct rlimit rl;
	cpu_set_t cpus;
	int r;

	/* The daemon's handlers and blocked signals are not ours. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* Its own session: a terminal's ^C reaches the daemon, which decides. */
	setsid();
	proctitle_set("pistack: gateway master");
	/* None of the daemon's descriptors may reach code that reads the network. */
	for (size_t i = 0; i < n_keep && n_all < ARRAY_SIZE(all); i++)
		all[n_all++] = keep[i];
	for (size_t i = 0; i < p->n_fds && i < GATEWAY_MAX_FDS; i++)
		all[n_all++] = p->fds[i];
	fs_close_all_but(3, all, n_all);

	memset(conf, 0, sizeof(*conf));
	settings_from_global(&conf->set, p->g);
	conf->set.workers = p->workers;
	conf->n_fds = p->n_fds < GATEWAY_MAX_FDS ? p->n_fds : GATEWAY_MAX_FDS;
	for (size_t i = 0; i < conf->n_fds; i++) {
		conf->fds[i] = p->fds[i];
		conf->fd_tls[i] = p->fd_tls[i];
	}
	conf->certs_dir = master_strdup(p->certs_dir);
	conf->acme_webroot = master_strdup(p->acme_webroot);
	conf->access_log = master_strdup(p->access_log);
	conf->uid = p->uid;
	conf->gid = p->gid;
	if (conf->uid == 0 && (r = sandbox_user(&conf->uid, &conf->gid, err)) < 0)
		return r;
	/* Counted now: /sys is not in the sandbox. */
	conf->n_cpus = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? (unsigned)CPU_COUNT(&cpus) : 1;
	if (conf->n_cpus == 0)
		conf->n_cpus = 1;
	/* Two descriptors per connection (client, service) in every worker. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max < NOFILE_WANTED)
		rl.rlim_max = NOFILE_WANTED;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	/* OpenSSL reads its configuration file now, while it is reachable. */
	OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL);
	master_default_cert(conf);
	return master_sandbox(conf, err);
}
