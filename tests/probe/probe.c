/*
 * probe.c - a static test tool that integration tests run inside containers: it
 * reports what the process sees (ids, capabilities, mounts, /dev, cgroup limits,
 * network) and tries what a container must not be able to do, as grep-able
 * key=value lines.  Every attempt is made harmless in case it unexpectedly works
 * (checked as real root in the test VM): arguments are chosen so that an allowed
 * call fails right after the kernel's permission check, or changes nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/quota.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425 /* syscalls from 424 on have one number on every arch */
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

extern char **environ;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------------------ */

/* The symbolic name of errno value E ("EPERM"); a table, so that no libc version matters. */
static const char *errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
#define N(x) {x, #x}
		N(EPERM),         N(ENOENT),       N(ESRCH),           N(EINTR),           N(EIO),
		N(ENXIO),         N(E2BIG),        N(ENOEXEC),         N(EBADF),           N(ECHILD),
		N(EAGAIN),        N(ENOMEM),       N(EACCES),          N(EFAULT),          N(EBUSY),
		N(EEXIST),        N(EXDEV),        N(ENODEV),          N(ENOTDIR),         N(EISDIR),
		N(EINVAL),        N(ENFILE),       N(EMFILE),          N(ENOTTY),          N(ETXTBSY),
		N(EFBIG),         N(ENOSPC),       N(ESPIPE),          N(EROFS),           N(EMLINK),
		N(EPIPE),         N(ERANGE),       N(ENAMETOOLONG),    N(ENOSYS),          N(ENOTEMPTY),
		N(ELOOP),         N(ENODATA),      N(EOVERFLOW),       N(EPROTO),          N(ENOTSOCK),
		N(EOPNOTSUPP),    N(EAFNOSUPPORT), N(EPROTONOSUPPORT), N(ESOCKTNOSUPPORT), N(EADDRINUSE),
		N(EADDRNOTAVAIL), N(ENETUNREACH),  N(ECONNREFUSED),    N(ETIMEDOUT),       N(ESTALE),
		N(EDQUOT),        N(ENOMEDIUM),    N(ENOKEY),          N(EKEYREJECTED),    N(EKEYREVOKED),
		N(EKEYEXPIRED),   N(EOWNERDEAD),   N(ENOTRECOVERABLE), N(ERFKILL),         N(EHWPOISON),
#undef N
	};
	static char buf[16];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].e == e)
			return names[i].name;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* Print "KEY=ok" for R >= 0, else "KEY=ERRNO_NAME" of -R. */
static void print_result(const char *key, int r)
{
	printf("%s=%s\n", key, r >= 0 ? "ok" : errno_name(-r));
}

/* Read up to SIZE - 1 bytes of PATH into BUF; -errno on failure. */
static ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, len = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)len + 1 < size && (n = read(fd, buf + len, size - (size_t)len - 1)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

/* Parse a non-negative decimal argument, or exit with a usage error. */
static long parse_num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0) {
		fprintf(stderr, "probe: invalid number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* ---- id, status ----------------------------------------------------------------------- */

/* pid, ppid, real/effective/saved uid and gid, supplementary groups, hostname. */
static int cmd_id(void)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[256];
	int n = getgroups((int)ARRAY_SIZE(groups), groups);
	char host[256] = "";

	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	gethostname(host, sizeof(host) - 1);
	printf("pid=%d\nppid=%d\n", (int)getpid(), (int)getppid());
	printf("uid=%u\neuid=%u\nsuid=%u\ngid=%u\negid=%u\nsgid=%u\ngroups=", ru, eu, su, rg, eg, sg);
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", groups[i]);
	printf("\nhostname=%s\n", host);
	return 0;
}

/* The capability sets, no_new_privs and seccomp lines of /proc/self/status. */
static int cmd_status(void)
{
	static const char *const keys[] = {"CapInh", "CapPrm",     "CapEff",  "CapBnd",
					   "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters"};
	char buf[8192];

	if (read_text("/proc/self/status", buf, sizeof(buf)) < 0) {
		perror("probe: /proc/self/status");
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t klen = strlen(keys[i]);
		const char *p = buf, *v = NULL;

		for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
			if (!strncmp(p, keys[i], klen) && p[klen] == ':') {
				v = p + klen + 1;
				break;
			}
		if (!v) {
			printf("%s=absent\n", keys[i]);
			continue;
		}
		v += strspn(v, " \t");
		printf("%s=%.*s\n", keys[i], (int)strcspn(v, "\n"), v);
	}
	return 0;
}

/* ---- syscalls: each attempt runs in a child, so a success changes nothing here ---- */

static char scratch[64]; /* a private directory in /tmp, or "" when /tmp is not writable */

#define TRY(expr) ((expr) < 0 ? -errno : 0)

/* A tmpfs on our own scratch directory, unmounted at once.  Without a writable /tmp, an
 * unknown file system type on "/": the permission check comes first (EPERM), an
 * allowed caller gets ENODEV and nothing is mounted. */
static int try_mount(void)
{
	if (!scratch[0])
		return TRY(mount("probe", "/", "pistack-probe-nofs", 0, NULL));
	if (mount("probe", scratch, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k") < 0)
		return -errno;
	umount2(scratch, MNT_DETACH);
	return 0;
}

static int try_setns_net(void)
{
	int fd = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return TRY(setns(fd, CLONE_NEWNET));
}

/* A one-element array map, freed when this child exits. */
static int try_bpf(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	return TRY(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
}

/* A software clock counting this process in user space only. */
static int try_perf_event_open(void)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	return TRY(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
}

/* The "shocker" escape: a handle of "/" opened by handle needs CAP_DAC_READ_SEARCH. */
static int try_open_by_handle_at(void)
{
	union {
		struct file_handle fh;
		char space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	int mount_id, root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, "/", &h.fh, &mount_id, 0) < 0) {
		h.fh.handle_bytes = 8; /* fall back to a made-up handle */
		h.fh.handle_type = 1;
	}
	return TRY(open_by_handle_at(root, &h.fh, O_RDONLY | O_CLOEXEC));
}

static int try_io_uring_setup(void)
{
	char params[120]; /* struct io_uring_params, zeroed */

	memset(params, 0, sizeof(params));
	return TRY(syscall(SYS_io_uring_setup, 1, params));
}

/* A zeroed struct clone_args (version 0, 64 bytes): a child without exit signal that
 * exits at once. */
static int try_clone3(void)
{
	uint64_t args[8] = {0};
	long pid = syscall(SYS_clone3, args, sizeof(args));

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -errno;
	waitpid((pid_t)pid, NULL, __WALL);
	return 0;
}

/* Raw clone(2) with CLONE_NEWNET: the arguments after the flags are 0 on every arch. */
static int try_clone_newnet(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -errno;
	waitpid((pid_t)pid, NULL, 0);
	return 0;
}

/* TIOCSTI into a pty of our own (made our controlling terminal), never the caller's
 * terminal.  HIGH sets bits above 32 in the request (CVE-2019-10063: the kernel drops
 * them, a filter comparing 64 bits would not). */
static int tiocsti(int high)
{
	unsigned long req = TIOCSTI;
	char c = 'x';
	int m, s;

	setsid();
	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return -errno;
	s = open(ptsname(m), O_RDWR | O_CLOEXEC);
	if (s < 0)
		return -errno;
#if ULONG_MAX > 0xffffffffUL
	if (high)
		req |= 1UL << 32;
#else
	(void)high; /* 32-bit: the request has no high bits to set */
#endif
	return TRY(syscall(SYS_ioctl, s, req, &c));
}

static int try_tiocsti(void)
{
	return tiocsti(0);
}

static int try_tiocsti_high(void)
{
	return tiocsti(1);
}

static int try_mknod(void)
{
	char path[96];

	if (!scratch[0])
		return -EROFS;
	snprintf(path, sizeof(path), "%s/null", scratch);
	if (mknod(path, S_IFCHR | 0600, makedev(1, 3)) < 0)
		return -errno;
	unlink(path);
	return 0;
}

/* The current name again: nothing changes even when allowed. */
static int try_sethostname(void)
{
	struct utsname u;

	uname(&u);
	return TRY(sethostname(u.nodename, strlen(u.nodename)));
}

/* One attempt: FN, or the raw system call NR with ARGS.  Either returns 0 or fails
 * with errno, and must be harmless if the kernel allows it. */
struct attempt {
	const char *name;
	int (*fn)(void);
	long nr;
	long args[5];
};

#define A_FN(name, fn)                                                                                       \
	{                                                                                                    \
		name, fn, 0,                                                                                 \
		{                                                                                            \
			0                                                                                    \
		}                                                                                            \
	}
#define A_SYS(name, nr, ...)                                                                                 \
	{                                                                                                    \
		name, NULL, nr,                                                                              \
		{                                                                                            \
			__VA_ARGS__                                                                          \
		}                                                                                            \
	}
#define S(str) ((long)(uintptr_t)(str))

/* The attempts in output order; a function so the string arguments can be cast. */
static size_t attempts_get(struct attempt *out, size_t max)
{
	const struct attempt list[] = {
		A_SYS("unshare_user", SYS_unshare, CLONE_NEWUSER),
		A_SYS("unshare_mnt", SYS_unshare, CLONE_NEWNS),
		A_FN("mount_tmpfs", try_mount),
		/* MNT_EXPIRE: an allowed caller's first call only marks the mount
		 * (EAGAIN/EBUSY); it never unmounts /proc. */
		A_SYS("umount_proc", SYS_umount2, S("/proc"), MNT_EXPIRE),
		/* The permission check precedes the path lookup: EPERM, or ENOENT. */
		A_SYS("pivot_root", SYS_pivot_root, S("/nonexistent-probe"), S("/nonexistent-probe/old")),
		A_FN("setns_net", try_setns_net),
		A_SYS("keyctl", SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0),
		/* Into the process keyring, which dies with this child. */
		A_SYS("add_key", SYS_add_key, S("user"), S("pistack-probe"), S("x"), 1,
		      KEY_SPEC_PROCESS_KEYRING),
		/* No callout info: never runs /sbin/request-key; ENOKEY when allowed. */
		A_SYS("request_key", SYS_request_key, S("user"), S("pistack-probe-absent"), 0, 0),
		A_FN("bpf", try_bpf),
		A_FN("perf_event_open", try_perf_event_open),
		/* PTRACE_SEIZE runs the permission checks of PTRACE_ATTACH without stopping
		 * pid 1 (a SIGSTOP could leave a namespace's init stopped); the tracee is
		 * detached when this child exits. */
		A_SYS("ptrace_attach", SYS_ptrace, PTRACE_SEIZE, 1, 0, 0),
		/* More segments than KEXEC_SEGMENT_MAX: EINVAL right after the permission
		 * check (with 0 segments kexec_load would unload a loaded crash kernel). */
		A_SYS("kexec_load", SYS_kexec_load, 0, 1000, 0, 0),
		/* An empty image, no file, an absent module: errors after the check. */
		A_SYS("init_module", SYS_init_module, 0, 0, S("")),
		A_SYS("finit_module", SYS_finit_module, -1, S(""), 0),
		A_SYS("delete_module", SYS_delete_module, S("pistack_probe_absent"), O_NONBLOCK),
		A_FN("open_by_handle_at", try_open_by_handle_at),
		A_SYS("userfaultfd", SYS_userfaultfd, O_CLOEXEC),
		A_FN("io_uring_setup", try_io_uring_setup),
		/* Absent paths: EPERM, or ENOENT when allowed. */
		A_SYS("swapon", SYS_swapon, S("/nonexistent-probe"), 0),
		A_SYS("swapoff", SYS_swapoff, S("/nonexistent-probe")),
		/* An invalid magic: EPERM first, EINVAL when allowed; and CAD_OFF would be
		 * harmless even with the right magic. */
		A_SYS("reboot", SYS_reboot, 0, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, 0),
		A_SYS("acct", SYS_acct, S("/nonexistent-probe/acct")),
		/* The device is looked up before the permission check: ENOENT when a filter
		 * lets it through, EPERM from a filter. */
		A_SYS("quotactl", SYS_quotactl, QCMD(Q_QUOTAON, USRQUOTA), S("/nonexistent-probe"), 0,
		      S("/nonexistent-probe")),
		A_SYS("personality_read_implies_exec", SYS_personality, READ_IMPLIES_EXEC),
		A_SYS("personality_addr_no_randomize", SYS_personality, ADDR_NO_RANDOMIZE),
		A_SYS("socket_vsock", SYS_socket, AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0),
		A_FN("clone3", try_clone3),
		A_FN("clone_newnet", try_clone_newnet),
		A_FN("ioctl_tiocsti", try_tiocsti),
		A_FN("ioctl_tiocsti_high", try_tiocsti_high),
		A_SYS("chroot", SYS_chroot, S("/")),
		A_FN("mknod_char", try_mknod),
		A_FN("sethostname", try_sethostname),
		/* No time and no zone: only the CAP_SYS_TIME check runs. */
		A_SYS("settimeofday", SYS_settimeofday, 0, 0),
		A_SYS("syscall_1500", 1500),
	};
	size_t n = ARRAY_SIZE(list) < max ? ARRAY_SIZE(list) : max;

	memcpy(out, list, n * sizeof(*out));
	return n;
}

/* Run attempt A in a child and print its outcome; a seccomp kill shows as NAME=SIGSYS. */
static void run_attempt(const struct attempt *a)
{
	int st, r = 0;
	pid_t pid;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0) {
		printf("%s=untested(%s)\n", a->name, errno_name(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("%s=untested(%s)\n", a->name, errno_name(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		if (a->fn)
			r = a->fn();
		else
			r = TRY(syscall(a->nr, a->args[0], a->args[1], a->args[2], a->args[3], a->args[4]));
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &r, sizeof(r)) != sizeof(r))
		r = 1; /* no answer: the child died */
	close(p[0]);
	waitpid(pid, &st, 0);
	if (r == 1 && WIFSIGNALED(st))
		printf("%s=%s\n", a->name, WTERMSIG(st) == SIGSYS ? "SIGSYS" : strsignal(WTERMSIG(st)));
	else if (r == 1)
		printf("%s=untested(exit %d)\n", a->name, WEXITSTATUS(st));
	else
		print_result(a->name, r);
}

/* Try every dangerous operation, or those named in ARGV. */
static int cmd_syscalls(int argc, char **argv)
{
	struct attempt list[64];
	size_t n = attempts_get(list, ARRAY_SIZE(list));

	strcpy(scratch, "/tmp/probe-XXXXXX");
	if (!mkdtemp(scratch))
		scratch[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int wanted = argc == 0;

		for (int a = 0; a < argc; a++)
			wanted |= !strcmp(argv[a], list[i].name);
		if (wanted)
			run_attempt(&list[i]);
	}
	for (int a = 0; a < argc; a++) {
		size_t i = 0;

		while (i < n && strcmp(argv[a], list[i].name))
			i++;
		if (i == n)
			printf("%s=unknown\n", argv[a]);
	}
	if (scratch[0])
		rmdir(scratch);
	return 0;
}

/* ---- file system views ----------------------------------------------------------------- */

/* MOUNTPOINT FSTYPE OPTIONS per mount, as /proc/self/mountinfo escapes them. */
static int cmd_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	if (!f) {
		perror("probe: /proc/self/mountinfo");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *field[8], *save = NULL, *sep = strstr(line, " - ");
		char *fstype;
		int n = 0;

		if (!sep)
			continue;
		*sep = '\0';
		fstype = strtok_r(sep + 3, " \n", &save);
		save = NULL;
		for (char *t = strtok_r(line, " ", &save); t && n < 8; t = strtok_r(NULL, " ", &save))
			field[n++] = t;
		if (n >= 6 && fstype)
			printf("%s %s %s\n", field[4], fstype, field[5]);
	}
	fclose(f);
	return 0;
}

/* Whether PATH shows anything: a file with at least one readable byte, a directory
 * with at least one entry. */
static int has_content(const char *path)
{
	struct stat st;
	char c;
	int fd, n = 0;

	if (stat(path, &st) < 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;

		if (!d)
			return 0;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				n++;
		closedir(d);
		return n > 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	n = (int)read(fd, &c, 1);
	close(fd);
	return n == 1;
}

/* The paths Docker masks (visible or masked) and makes read-only (ro, rw, absent). */
static int cmd_masked(void)
{
	static const char *const masked[] = {
		"/proc/acpi",        "/proc/asound",        "/proc/kcore",
		"/proc/keys",        "/proc/latency_stats", "/proc/timer_list",
		"/proc/timer_stats", "/proc/sched_debug",   "/proc/scsi",
		"/proc/interrupts",  "/sys/firmware",       "/sys/devices/virtual/powercap"};
	static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					       "/proc/sysrq-trigger"};

	for (size_t i = 0; i < ARRAY_SIZE(masked); i++)
		printf("%s=%s\n", masked[i], has_content(masked[i]) ? "visible" : "masked");
	/* statvfs() reports the flags of the mount the path is on: never write to test. */
	for (size_t i = 0; i < ARRAY_SIZE(readonly); i++) {
		struct statvfs sv;

		if (statvfs(readonly[i], &sv) < 0)
			printf("%s=absent\n", readonly[i]);
		else
			printf("%s=%s\n", readonly[i], sv.f_flag & ST_RDONLY ? "ro" : "rw");
	}
	return 0;
}

/* One /dev entry: NAME TYPE [MAJOR:MINOR | -> TARGET]. */
static void print_dev_entry(const char *dir, const char *name)
{
	char path[512], target[256];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &st) < 0)
		return;
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		printf("%s %c %u:%u\n", path, S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev),
		       minor(st.st_rdev));
	else if (S_ISLNK(st.st_mode) && (n = readlink(path, target, sizeof(target) - 1)) >= 0)
		printf("%s l -> %.*s\n", path, (int)n, target);
	else
		printf("%s %c\n", path,
		       S_ISDIR(st.st_mode)            ? 'd'
			       : S_ISFIFO(st.st_mode) ? 'p'
			       : S_ISSOCK(st.st_mode) ? 's'
						      : 'f');
}

/* The entries of /dev and of its subdirectories (pts, shm, mqueue), sorted. */
static int list_dev(const char *dir, int depth)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0) {
		printf("%s=%s\n", dir, errno_name(errno));
		return depth ? 0 : 1;
	}
	for (int i = 0; i < n; i++) {
		char sub[512];
		struct stat st;

		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			print_dev_entry(dir, names[i]->d_name);
			snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]->d_name);
			if (depth == 0 && lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				list_dev(sub, 1);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

/* /proc/self/cgroup and the limits visible in /sys/fs/cgroup. */
static int cmd_cgroup(void)
{
	static const char *const files[] = {"memory.max", "memory.swap.max", "pids.max",
					    "cpu.max",    "cpu.weight",      "io.weight"};
	char buf[4096], path[128];

	if (read_text("/proc/self/cgroup", buf, sizeof(buf)) >= 0)
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			printf("proc_cgroup=%s\n", l);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", files[i]);
		n = read_text(path, buf, sizeof(buf));
		if (n < 0)
			printf("%s=%s\n", files[i], n == -ENOENT ? "absent" : errno_name((int)-n));
		else
			printf("%s=%.*s\n", files[i], (int)strcspn(buf, "\n"), buf);
	}
	return 0;
}

/* PATH=readable|unreadable|absent for each argument. */
static int cmd_files(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		struct stat st;
		int fd;

		if (lstat(argv[i], &st) < 0 && errno == ENOENT) {
			printf("%s=absent\n", argv[i]);
			continue;
		}
		fd = open(argv[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		printf("%s=%s\n", argv[i], fd >= 0 ? "readable" : "unreadable");
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* Create or overwrite PATH: PATH=ok or PATH=ERRNO_NAME. */
static int cmd_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
	int r = 0;

	if (fd < 0 || write(fd, "probe\n", 6) != 6)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	print_result(path, r);
	return 0;
}

/* CVE-2019-5736 class: can the container open the binary of pid 1 (and its own) for
 * writing?  Opened without O_TRUNC and closed at once, nothing is written. */
static int cmd_exe(void)
{
	static const char *const exes[] = {"/proc/1/exe", "/proc/self/exe"};

	for (size_t i = 0; i < ARRAY_SIZE(exes); i++) {
		char target[512], key[64];
		ssize_t n = readlink(exes[i], target, sizeof(target) - 1);
		int fd = open(exes[i], O_WRONLY | O_CLOEXEC | O_NOCTTY);
		const char *who = i ? "self" : "pid1";

		snprintf(key, sizeof(key), "%s_exe_open_write", who);
		print_result(key, fd < 0 ? -errno : 0);
		if (fd >= 0)
			close(fd);
		if (n >= 0)
			printf("%s_exe_link=%.*s\n", who, (int)n, target);
		else
			printf("%s_exe_link=%s\n", who, errno_name(errno));
	}
	return 0;
}

/* ---- resource pressure -------------------------------------------------------------------- */

/* Allocate and touch SIZE_MB mebibytes, one at a time, reporting each. */
static int cmd_memhog(long mb)
{
	for (long i = 1; i <= mb; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			printf("memhog_error=%s\n", errno_name(errno));
			return 0;
		}
		memset(p, 0x5a, 1 << 20);
		printf("allocated_mb=%ld\n", i);
		fflush(stdout);
	}
	printf("memhog=done\n");
	return 0;
}

/* Fork up to N children that wait on a pipe, then report; the children leave when
 * the pipe's write end closes, i.e. when this process exits (after HOLD seconds). */
static int cmd_forkbomb(long n, long hold)
{
	int p[2], first = 0;
	long ok = 0;

	if (pipe(p) < 0) {
		perror("probe: pipe");
		return 1;
	}
	fflush(stdout);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		char c;

		if (pid == 0) {
			close(p[1]);
			while (read(p[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		if (pid < 0) {
			if (!first)
				first = errno;
			continue;
		}
		ok++;
	}
	printf("forked=%ld\nfirst_error=%s\n", ok, first ? errno_name(first) : "none");
	fflush(stdout);
	if (hold > 0)
		sleep((unsigned)hold);
	return 0;
}

/* Whether /proc/PID/stat (or every process, PID 0) shows state Z; returns the count. */
static int count_zombies(pid_t only)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], buf[512], *rp;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || (only && atoi(e->d_name) != only))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		/* "PID (COMM) S ...": COMM may hold spaces and parentheses, the state follows
		 * the last ')'. */
		if (read_text(path, buf, sizeof(buf)) > 0 && (rp = strrchr(buf, ')')) && rp[1] == ' ' &&
		    rp[2] == 'Z')
			n++;
	}
	closedir(d);
	return n;
}

/* Make N orphaned zombies for pid 1 to reap; report how many of them remain after up
 * to a second (zombies=), and all zombies visible (zombies_total=). */
static int cmd_zombies(long n)
{
	pid_t child, *orphans = calloc((size_t)n + 1, sizeof(pid_t));
	long made = 0;
	int p[2], left = 0;

	if (!orphans || pipe(p) < 0) {
		perror("probe: zombies");
		return 1;
	}
	fflush(stdout);
	child = fork();
	if (child == 0) {
		/* The grandchildren exit at once and stay zombies of this child, which exits
		 * without waiting: they are re-parented to pid 1 (or a subreaper). */
		close(p[0]);
		for (long i = 0; i < n; i++) {
			pid_t g = fork();

			if (g == 0)
				_exit(0);
			if (g > 0 && write(p[1], &g, sizeof(g)) != sizeof(g))
				break;
		}
		usleep(100000);
		_exit(0);
	}
	close(p[1]);
	if (child < 0) {
		perror("probe: fork");
		return 1;
	}
	while (made < n && read(p[0], &orphans[made], sizeof(pid_t)) == sizeof(pid_t))
		made++;
	close(p[0]);
	waitpid(child, NULL, 0);
	printf("created=%ld\n", made);
	for (int i = 0; i < 20; i++) {
		left = 0;
		for (long j = 0; j < made; j++)
			left += count_zombies(orphans[j]) > 0;
		if (left == 0)
			break;
		usleep(50000);
	}
	printf("zombies=%d\nzombies_total=%d\n", left, count_zombies(0));
	free(orphans);
	return 0;
}

/* ---- small commands --------------------------------------------------------------------- */

/* A signal number or name (TERM, SIGTERM, 15). */
static int parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ABRT", SIGABRT},
		    {"KILL", SIGKILL}, {"SEGV", SIGSEGV}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
		    {"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"SYS", SIGSYS}};

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (!strcmp(s, sigs[i].name))
			return sigs[i].sig;
	return (int)parse_num(s);
}

/* Sleep SECONDS (fractions allowed). */
static int cmd_sleep(const char *arg)
{
	char *end;
	double s = strtod(arg, &end);
	struct timespec ts;

	if (*end || s < 0) {
		fprintf(stderr, "probe: invalid duration '%s'\n", arg);
		return 2;
	}
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

/* Kill ourselves with SIG; if we survive (ignored or blocked), say so. */
static int cmd_signal(const char *arg)
{
	int sig = parse_signal(arg);
	sigset_t set;

	fflush(stdout);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), sig);
	printf("survived=%d\n", sig);
	return 1;
}

/* Interfaces of /proc/net/dev with their flags and IPv4 address. */
static int cmd_net(void)
{
	static const struct {
		unsigned flag;
		const char *name;
	} flags[] = {{IFF_UP, "UP"},
		     {IFF_BROADCAST, "BROADCAST"},
		     {IFF_LOOPBACK, "LOOPBACK"},
		     {IFF_POINTOPOINT, "POINTOPOINT"},
		     {IFF_RUNNING, "RUNNING"},
		     {IFF_NOARP, "NOARP"},
		     {IFF_PROMISC, "PROMISC"},
		     {IFF_MULTICAST, "MULTICAST"}};
	FILE *f = fopen("/proc/net/dev", "re");
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char line[512];

	if (!f) {
		perror("probe: /proc/net/dev");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name = line;
		struct ifreq ifr;
		int first = 1;

		if (!colon)
			continue; /* the two header lines */
		*colon = '\0';
		name += strspn(name, " ");
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		printf("%s=", name);
		if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
			for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
				if ((unsigned)ifr.ifr_flags & flags[i].flag) {
					printf("%s%s", first ? "" : ",", flags[i].name);
					first = 0;
				}
		} else {
			printf("%s", errno_name(errno));
		}
		putchar('\n');
		if (s >= 0 && ioctl(s, SIOCGIFADDR, &ifr) == 0)
			printf("%s.addr=%s\n", name,
			       inet_ntoa(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr));
	}
	fclose(f);
	if (s >= 0)
		close(s);
	return 0;
}

static void usage(FILE *out)
{
	fputs("usage: probe COMMAND [ARG...]\n"
	      "  id                    pid, ppid, uids, gids, groups, hostname\n"
	      "  status                capabilities, NoNewPrivs, Seccomp from /proc/self/status\n"
	      "  syscalls [NAME...]    try dangerous operations: NAME=ok|ERRNO|SIGSYS; refused is\n"
	      "                        EPERM, EACCES, SIGSYS (or ENOSYS from a filter); other errors\n"
	      "                        (EINVAL, ENOENT...) passed the permission check\n"
	      "  mounts                MOUNTPOINT FSTYPE OPTIONS per mount\n"
	      "  masked                masked paths (visible|masked), read-only paths (ro|rw)\n"
	      "  dev                   the entries of /dev: PATH TYPE MAJOR:MINOR\n"
	      "  cgroup                /proc/self/cgroup and the limits in /sys/fs/cgroup\n"
	      "  files PATH...         PATH=readable|unreadable|absent\n"
	      "  write PATH            create or overwrite PATH: PATH=ok|ERRNO\n"
	      "  exe                   open /proc/1/exe and /proc/self/exe for writing\n"
	      "  memhog SIZE_MB        allocate and touch memory, 1 MiB at a time\n"
	      "  forkbomb N [HOLD]     fork up to N children (kept HOLD seconds): forked=, first_error=\n"
	      "  zombies N             leave N orphaned zombies to pid 1, then count zombies\n"
	      "  sleep SECONDS | exit CODE | signal SIG | echo ARG... | env | cwd | net | help\n"
	      "Exit status 0 when the command could run its check (the result is in the output),\n"
	      "1 when it could not, 2 on usage errors.\n",
	      out);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int nargs = argc - 2;
	char **args = argv + 2;

	/* Line-buffered even into a pipe: memhog's progress must survive an OOM kill. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "id"))
		return cmd_id();
	if (!strcmp(cmd, "status"))
		return cmd_status();
	if (!strcmp(cmd, "syscalls"))
		return cmd_syscalls(nargs, args);
	if (!strcmp(cmd, "mounts"))
		return cmd_mounts();
	if (!strcmp(cmd, "masked"))
		return cmd_masked();
	if (!strcmp(cmd, "dev"))
		return list_dev("/dev", 0);
	if (!strcmp(cmd, "cgroup"))
		return cmd_cgroup();
	if (!strcmp(cmd, "files") && nargs >= 1)
		return cmd_files(nargs, args);
	if (!strcmp(cmd, "write") && nargs == 1)
		return cmd_write(args[0]);
	if (!strcmp(cmd, "exe"))
		return cmd_exe();
	if (!strcmp(cmd, "memhog") && nargs == 1)
		return cmd_memhog(parse_num(args[0]));
	if (!strcmp(cmd, "forkbomb") && (nargs == 1 || nargs == 2))
		return cmd_forkbomb(parse_num(args[0]), nargs == 2 ? parse_num(args[1]) : 0);
	if (!strcmp(cmd, "zombies") && nargs == 1)
		return cmd_zombies(parse_num(args[0]));
	if (!strcmp(cmd, "sleep") && nargs == 1)
		return cmd_sleep(args[0]);
	if (!strcmp(cmd, "exit") && nargs == 1)
		return (int)(parse_num(args[0]) & 255);
	if (!strcmp(cmd, "signal") && nargs == 1)
		return cmd_signal(args[0]);
	if (!strcmp(cmd, "echo")) {
		for (int i = 0; i < nargs; i++)
			printf("%s%s", i ? " " : "", args[i]);
		putchar('\n');
		return 0;
	}
	if (!strcmp(cmd, "env")) {
		for (char **e = environ; *e; e++)
			puts(*e);
		return 0;
	}
	if (!strcmp(cmd, "cwd")) {
		char cwd[4096];

		if (!getcwd(cwd, sizeof(cwd))) {
			printf("cwd=%s\n", errno_name(errno));
			return 1;
		}
		printf("cwd=%s\n", cwd);
		return 0;
	}
	if (!strcmp(cmd, "net"))
		return cmd_net();
	if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
