/*
 * cmd_doctor.c - `pistack doctor`: what this host offers pistack, one line per
 * check ("ok|warn|fail  WHAT: detail"), each failure with its fix.  Exit 0
 * when everything pistack needs is there, 1 otherwise.  It changes nothing
 * but the kernel modules the kernel loads on demand: what needs trying
 * (namespaces, nftables rules) is tried in a child process in namespaces of
 * its own, which vanish with it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/doctor.h"
#include "common/cleanup.h"
#include "config/config.h"
#include "isolate/cgroup.h"
#include "isolate/systemd_scope.h"

#define DOCTOR_MSG_MAX 512
#define DOCTOR_LISTENERS_MAX 16
#define DOCTOR_MEMORY_FIX                                                                                    \
	"the memory controller is off, so memory limits are refused: add cgroup_enable=memory to the "       \
	"kernel command line (/boot/firmware/cmdline.txt on Raspberry Pi OS) and reboot"

enum doctor_level { DOC_OK, DOC_WARN, DOC_FAIL };

struct doctor {
	unsigned fails;
	bool root;
	struct utsname uts;
};

/* Print one check's line; failures make the exit status 1. */
static void say(struct doctor *doc, enum doctor_level level, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void say(struct doctor *doc, enum doctor_level level, const char *what, const char *fmt, ...)
{
	static const char *const names[] = {"ok", "warn", "fail"};
	va_list ap;

	if (level == DOC_FAIL)
		doc->fails++;
	printf("%-4s  %s: ", names[level], what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Read a small file whole; NULL when it cannot be read. */
static char *doctor_read(const char *path)
{
	char *text = NULL;

	return cgroup_read_file(AT_FDCWD, path, &text) == 0 ? text : NULL;
}

/* Read what child PID writes to FD (closed then) into BUF, cut at SIZE-1 bytes, and
 * wait for the child: its wait status into STATUS.  0, or -1 when waitpid() fails. */
static int doctor_reap(int fd, pid_t pid, char *buf, size_t size, int *status)
{
	size_t got = 0;
	ssize_t n;

	while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	/* Closed before the wait: a child still writing ends on SIGPIPE, not in a hang. */
	close(fd);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Fork with a pipe from the child (its PIPEFD[1]) to us (PIPEFD[0]): 0 in both
 * processes (*PID 0 in the child), or an errno with nothing left open. */
static int doctor_fork(int pipefd[2], pid_t *pid)
{
	int e;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return errno;
	/* Not twice in the output: what stdio holds goes out before the fork. */
	fflush(stdout);
	*pid = fork();
	if (*pid >= 0)
		return 0;
	e = errno;
	close(pipefd[0]);
	close(pipefd[1]);
	return e;
}

/* Run FN in a child process, so that what it changes (namespaces) ends with it.
 * FN returns 0 or an errno and may write a message to MSG.  Returns FN's result,
 * or an errno when the child could not run. */
static int doctor_in_child(int (*fn)(void *arg, char *msg, size_t size), void *arg, char *msg, size_t size)
{
	int pipefd[2], status, r;
	pid_t pid;

	msg[0] = '\0';
	if ((r = doctor_fork(pipefd, &pid)) != 0)
		return r;
	if (pid == 0) {
		char buf[DOCTOR_MSG_MAX] = "";

		close(pipefd[0]);
		r = fn(arg, buf, sizeof(buf));
		(void)!write(pipefd[1], buf, strlen(buf));
		_exit(r & 0xff);
	}
	close(pipefd[1]);
	if (doctor_reap(pipefd[0], pid, msg, size, &status) < 0)
		return ECHILD;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

/* ---- kernel --------------------------------------------------------------------------- */

/* The kernel's version: pidfd_getfd (5.6) re-adopts services; cgroup.kill (5.14) stops them. */
static void check_kernel(struct doctor *doc)
{
	unsigned major, minor;

	if (doctor_parse_kernel_version(doc->uts.release, &major, &minor) < 0) {
		say(doc, DOC_WARN, "kernel", "unable to read the version of '%s'", doc->uts.release);
		return;
	}
	if (major < 5 || (major == 5 && minor < 6))
		say(doc, DOC_FAIL, "kernel",
		    "Linux %s; pistack needs 5.6 or later (pidfd_getfd, to re-adopt services after a daemon "
		    "restart): upgrade the kernel",
		    doc->uts.release);
	else if (major == 5 && minor < 14)
		say(doc, DOC_WARN, "kernel",
		    "Linux %s; without cgroup.kill (5.14) a stop kills a service's processes one by one",
		    doc->uts.release);
	else
		say(doc, DOC_OK, "kernel", "Linux %s %s", doc->uts.release, doc->uts.machine);
}

/* ---- cgroups -------------------------------------------------------------------------- */

/* The first cgroup2 mount that statfs() confirms, malloc'd; NULL when there is none. */
static char *doctor_cgroup2_mount(void)
{
	cleanup_free char *mountinfo = doctor_read("/proc/self/mountinfo");
	char *mounts[8], *found = NULL;
	int n;

	if (!mountinfo)
		return NULL;
	n = cgroup_parse_mountinfo(mountinfo, mounts, 8);
	for (int i = 0; i < n; i++) {
		struct statfs sfs;

		if (!found && statfs(mounts[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
			found = TAKE_PTR(mounts[i]);
		free(mounts[i]);
	}
	return found;
}

/* The controllers /proc/cgroups shows bound to a cgroup v1 hierarchy, space-separated. */
static void doctor_v1_controllers(const char *proc_cgroups, char *buf, size_t size)
{
	buf[0] = '\0';
	for (const char *line = proc_cgroups; line && *line;) {
		const char *eol = strchrnul(line, '\n');
		char name[32];
		unsigned hierarchy, ncg, enabled;

		if (line[0] != '#' && sscanf(line, "%31s %u %u %u", name, &hierarchy, &ncg, &enabled) == 4 &&
		    hierarchy != 0 && enabled && strlen(buf) + strlen(name) + 2 < size)
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? " " : "", name);
		line = *eol ? eol + 1 : eol;
	}
}

/* cgroup v2, and the controllers the limits need. */
static void check_cgroups(struct doctor *doc)
{
	static const struct {
		const char *name;
		unsigned bit;
		enum doctor_level missing;
	} wanted[] = {
		{"cpu", CG_CPU, DOC_FAIL},
		{"memory", CG_MEMORY, DOC_FAIL},
		{"pids", CG_PIDS, DOC_FAIL},
		/* io.weight is the only io limit, and SD-card kernels may lack it. */
		{"io", CG_IO, DOC_WARN},
	};
	cleanup_free char *mount = doctor_cgroup2_mount();
	cleanup_free char *proc = doctor_read("/proc/cgroups");
	cleanup_free char *offered = NULL;
	char v1[256], have[64] = "", what[32], reason[400];
	unsigned bits = 0;

	doctor_v1_controllers(proc, v1, sizeof(v1));
	if (!mount) {
		say(doc, DOC_FAIL, "cgroup v2",
		    "not mounted (cgroup v1 holds: %s); pistack needs cgroup v2: add "
		    "systemd.unified_cgroup_hierarchy=1 to the kernel command line (/boot/firmware/cmdline.txt "
		    "on Raspberry Pi OS) and reboot",
		    v1[0] ? v1 : "nothing");
		return;
	}
	if (v1[0])
		say(doc, DOC_WARN, "cgroup v2",
		    "mounted at %s, but a hybrid boot holds %s in cgroup v1: add "
		    "systemd.unified_cgroup_hierarchy=1 to the kernel command line (/boot/firmware/cmdline.txt "
		    "on Raspberry Pi OS) and reboot",
		    mount, v1);
	else
		say(doc, DOC_OK, "cgroup v2", "mounted at %s", mount);

	{
		cleanup_close int fd = open(mount, O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0 && cgroup_read_file(fd, "cgroup.controllers", &offered) == 0)
			bits = cgroup_parse_controllers(offered);
	}
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
		enum cgroup_absence absence;

		if (bits & wanted[i].bit) {
			snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s", have[0] ? " " : "",
				 wanted[i].name);
			continue;
		}
		absence = cgroup_controller_absence(proc, wanted[i].name, false, false);
		snprintf(what, sizeof(what), "cgroup %s", wanted[i].name);
		/* The Raspberry Pi's kernels boot with memory off; say where the line is. */
		if (absence == CG_ABSENT_DISABLED && !strcmp(wanted[i].name, "memory"))
			snprintf(reason, sizeof(reason), "%s", DOCTOR_MEMORY_FIX);
		else
			cgroup_absence_reason(absence, wanted[i].name, mount, reason, sizeof(reason));
		say(doc, wanted[i].missing, what, "%s", reason);
	}
	if (have[0])
		say(doc, DOC_OK, "cgroup controllers", "%s", have);
}

/* Run ARGV and put the first SIZE-1 bytes of its standard output into BUF; 0 or an errno. */
static int doctor_capture(char *const argv[], char *buf, size_t size)
{
	int pipefd[2], status, r;
	pid_t pid;

	buf[0] = '\0';
	if ((r = doctor_fork(pipefd, &pid)) != 0)
		return r;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		dup2(pipefd[1], STDOUT_FILENO);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	if (doctor_reap(pipefd[0], pid, buf, size, &status) < 0)
		return ECHILD;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ENOEXEC;
}

/* Under systemd: whether pistack can ask it for the services' scope units. */
static void check_systemd(struct doctor *doc, const char *mount)
{
	char *const argv[] = {"systemctl", "--version", NULL};
	char out[512];
	unsigned version;
	struct stat st;

	if (!systemd_running()) {
		say(doc, DOC_OK, "systemd", "not running; the daemon keeps its cgroups in %s/pistack",
		    mount ? mount : "the cgroup2 mount");
		return;
	}
	if (doctor_capture(argv, out, sizeof(out)) != 0 || doctor_parse_systemd_version(out, &version) < 0) {
		say(doc, DOC_WARN, "systemd", "unable to read the version from 'systemctl --version'");
		return;
	}
	/* Every service start asks systemd for a scope over this socket. */
	if (stat("/run/systemd/private", &st) < 0 || !S_ISSOCK(st.st_mode))
		say(doc, DOC_FAIL, "systemd",
		    "version %u, but no socket '/run/systemd/private': services cannot get their scope "
		    "units, so none starts",
		    version);
	else
		say(doc, DOC_OK, "systemd", "version %u; each service runs in a scope unit of its own, "
		    "pistack-NAME.scope in %s", version, SYSTEMD_SCOPE_SLICE);
}

/* ---- namespaces, seccomp, BPF ------------------------------------------------------- */

/* In the child: unshare the namespace of *ARG (an int flag). */
static int doctor_unshare(void *arg, char *msg, size_t size)
{
	(void)msg;
	(void)size;
	return unshare(*(int *)arg) == 0 ? 0 : errno;
}

/* The namespaces every service gets; user namespaces for userns = yes. */
static void check_namespaces(struct doctor *doc)
{
	static const struct {
		const char *name, *config;
		int flag;
	} kinds[] = {
		/* Mount namespaces have no option of their own: every kernel has them. */
		{"mount", "NAMESPACES", CLONE_NEWNS}, {"pid", "PID_NS", CLONE_NEWPID},
		{"net", "NET_NS", CLONE_NEWNET},      {"uts", "UTS_NS", CLONE_NEWUTS},
		{"ipc", "IPC_NS", CLONE_NEWIPC},      {"cgroup", "CGROUPS", CLONE_NEWCGROUP},
	};
	cleanup_free char *max_userns = doctor_read("/proc/sys/user/max_user_namespaces");
	cleanup_free char *unpriv = doctor_read("/proc/sys/kernel/unprivileged_userns_clone");
	char have[64] = "", msg[DOCTOR_MSG_MAX];
	int flag = CLONE_NEWUSER, r;

	if (!doc->root) {
		say(doc, DOC_WARN, "namespaces", "not checked: run 'pistack doctor' as root");
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
			flag = kinds[i].flag;
			r = doctor_in_child(doctor_unshare, &flag, msg, sizeof(msg));
			if (r == 0)
				snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s",
					 have[0] ? " " : "", kinds[i].name);
			else
				say(doc, DOC_FAIL, "namespaces",
				    "unable to create a %s namespace: %s; the kernel needs CONFIG_%s",
				    kinds[i].name, strerror(r), kinds[i].config);
		}
		if (have[0])
			say(doc, DOC_OK, "namespaces", "%s", have);
	}

	if (max_userns && atol(max_userns) == 0) {
		say(doc, DOC_WARN, "user namespaces",
		    "user.max_user_namespaces is 0, so services with userns = yes cannot start: "
		    "sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d/)");
		return;
	}
	flag = CLONE_NEWUSER;
	r = doctor_in_child(doctor_unshare, &flag, msg, sizeof(msg));
	if (r != 0)
		say(doc, DOC_WARN, "user namespaces",
		    "unable to create one: %s; services with userns = yes cannot start (CONFIG_USER_NS)",
		    strerror(r));
	else
		say(doc, DOC_OK, "user namespaces", "available for userns = yes (max %ld%s)",
		    max_userns ? atol(max_userns) : -1L,
		    unpriv && atol(unpriv) == 0 ? "; unprivileged ones are off, which pistack does not need"
						: "");
}

/* seccomp filters, which every service loads last. */
static void check_seccomp(struct doctor *doc)
{
	cleanup_free char *status = doctor_read("/proc/self/status");
	int mode = status ? doctor_parse_seccomp_mode(status) : -ENOENT;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
		say(doc, DOC_FAIL, "seccomp",
		    "the kernel has no seccomp (CONFIG_SECCOMP): use a kernel with it");
		return;
	}
	/* A NULL filter: EFAULT when filters exist (nothing is installed), EACCES
	 * when they exist but we lack no_new_privs and CAP_SYS_ADMIN, EINVAL when not. */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0) < 0 && errno == EINVAL) {
		say(doc, DOC_FAIL, "seccomp",
		    "the kernel has no seccomp filters (CONFIG_SECCOMP_FILTER): use a kernel with them");
		return;
	}
	say(doc, DOC_OK, "seccomp", "filters supported%s",
	    mode == 2 ? " (this shell already runs under one, as in a container)" : "");
}

/* cgroup BPF: a device program (the cgroup v2 way to guard devices) loads. */
static void check_cgroup_bpf(struct doctor *doc)
{
	/* r0 = 1 (allow); exit */
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = ARRAY_SIZE(insns);
	attr.license = (unsigned long)"GPL";
	/* Loaded, never attached: closing it unloads it. */
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd >= 0) {
		close(fd);
		say(doc, DOC_OK, "cgroup BPF", "device programs load");
	} else if (errno == EPERM && !doc->root) {
		say(doc, DOC_WARN, "cgroup BPF", "not checked: run 'pistack doctor' as root");
	} else {
		say(doc, DOC_WARN, "cgroup BPF",
		    "unable to load a device program: %s (CONFIG_CGROUP_BPF, %s)", strerror(errno),
		    errno == ENOSYS ? "CONFIG_BPF_SYSCALL" : "kernel lockdown");
	}
}

/* ---- network -------------------------------------------------------------------------- */

/* In the child, in a network namespace of its own: load rules shaped like
 * pistack's table (net/nat.c), so every expression's kernel module is needed. */
static int doctor_nft(void *arg, char *msg, size_t size)
{
	static const char rules[] =
		"table inet pistack-doctor {\n"
		"\tchain prerouting {\n"
		"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
		"\t\tmeta nfproto ipv4 fib daddr type local tcp dport 8080 dnat ip to 10.213.0.2:80\n"
		"\t}\n"
		"\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		"\t\tip saddr 10.213.0.0/24 ct status dnat masquerade\n"
		"\t}\n"
		"\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; policy accept;\n"
		"\t\tct state established,related accept\n"
		"\t}\n"
		"}\n";
	struct nft_ctx *ctx;
	int r = 0;

	(void)arg;
	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(msg, size, "unable to create a network namespace: %s", strerror(errno));
		return errno;
	}
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx || nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
		snprintf(msg, size, "unable to create an nftables context");
		return ENOMEM;
	}
	if (nft_run_cmd_from_buffer(ctx, rules) != 0) {
		const char *text = nft_ctx_get_error_buffer(ctx);

		/* The first line says what the kernel refused. */
		snprintf(msg, size, "%.*s", (int)strcspn(text ? text : "", "\n"), text ? text : "");
		r = EOPNOTSUPP;
	}
	nft_ctx_free(ctx);
	return r;
}

/* nftables with NAT, fib and conntrack: what published ports and masquerade use. */
static void check_nftables(struct doctor *doc)
{
	char msg[DOCTOR_MSG_MAX];
	int r;

	if (!doc->root) {
		say(doc, DOC_WARN, "nftables", "not checked: run 'pistack doctor' as root");
		return;
	}
	r = doctor_in_child(doctor_nft, NULL, msg, sizeof(msg));
	if (r == 0)
		say(doc, DOC_OK, "nftables", "nf_tables takes NAT, fib and conntrack rules");
	else
		say(doc, DOC_FAIL, "nftables",
		    "the kernel refused a NAT table (%s); it needs nf_tables with NAT, masquerade, fib and "
		    "conntrack (CONFIG_NF_TABLES, CONFIG_NFT_NAT, CONFIG_NFT_MASQ, CONFIG_NFT_FIB_INET, "
		    "CONFIG_NFT_CT): 'modprobe nf_tables' shows whether the modules exist",
		    msg[0] ? msg : strerror(r));
}

/* Whether kernel module NAME is loaded, built in, or installed for this kernel. */
static bool doctor_module_available(const struct doctor *doc, const char *name)
{
	static const char *const lists[] = {"modules.builtin", "modules.dep"};
	char path[512];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	if (access(path, F_OK) == 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		cleanup_free char *text = NULL;

		snprintf(path, sizeof(path), "/lib/modules/%s/%s", doc->uts.release, lists[i]);
		text = doctor_read(path);
		if (text && doctor_module_listed(text, name))
			return true;
	}
	return false;
}

/* The bridge and veth drivers of the intercontainer network. */
static void check_modules(struct doctor *doc)
{
	static const struct {
		const char *name, *config;
	} mods[] = {{"bridge", "CONFIG_BRIDGE"}, {"veth", "CONFIG_VETH"}};
	char have[64] = "";

	for (size_t i = 0; i < ARRAY_SIZE(mods); i++) {
		if (doctor_module_available(doc, mods[i].name))
			snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s", have[0] ? " " : "",
				 mods[i].name);
		else
			say(doc, DOC_FAIL, "network drivers",
			    "no %s module for Linux %s (%s): install the kernel's modules (linux-modules-*) "
			    "or use a kernel with it",
			    mods[i].name, doc->uts.release, mods[i].config);
	}
	if (have[0])
		say(doc, DOC_OK, "network drivers", "%s", have);
}

/* The process holding the socket with inode INODE: its pid and title into BUF; 0 if none. */
static pid_t doctor_socket_owner(unsigned long inode, char *buf, size_t size)
{
	char want[64], path[600], link[64];
	DIR *proc = opendir("/proc");
	pid_t found = 0;

	if (!proc)
		return 0;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	for (struct dirent *p; !found && (p = readdir(proc));) {
		DIR *fds;

		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		for (struct dirent *f; (f = readdir(fds));) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (!strcmp(link, want)) {
				found = (pid_t)atoi(p->d_name);
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	if (found) {
		cleanup_free char *cmdline = NULL;

		snprintf(path, sizeof(path), "/proc/%d/cmdline", found);
		cmdline = doctor_read(path);
		/* The first string: pistack's processes put their title there. */
		snprintf(buf, size, "%s", cmdline && *cmdline ? cmdline : "?");
	}
	return found;
}

/* Who listens on PORT: "nginx (pid 123)" into BUF; false when nobody was found.
 * OURS is set when it is pistack's own gateway. */
static bool doctor_port_holder(unsigned port, char *buf, size_t size, bool *ours)
{
	static const char *const tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};

	*ours = false;
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		cleanup_free char *text = doctor_read(tables[t]);
		unsigned long inodes[DOCTOR_LISTENERS_MAX];
		int n = text ? doctor_parse_listeners(text, port, inodes, DOCTOR_LISTENERS_MAX) : 0;

		for (int i = 0; i < n; i++) {
			char title[256];
			pid_t pid = doctor_socket_owner(inodes[i], title, sizeof(title));

			if (!pid)
				continue;
			*ours = !strncmp(title, "pistack: gateway", 16);
			snprintf(buf, size, "%s (pid %d)", title, pid);
			return true;
		}
	}
	return false;
}

/* Try to bind PORT on the IPv4 or IPv6 wildcard; 0 or an errno. */
static int doctor_bind(int family, unsigned port)
{
	struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	cleanup_close int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1, r;

	if (fd < 0)
		return errno;
	/* As the gateway binds: TIME_WAIT leftovers do not count as "in use". */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	r = family == AF_INET ? bind(fd, (struct sockaddr *)&in4, sizeof(in4))
			      : bind(fd, (struct sockaddr *)&in6, sizeof(in6));
	return r == 0 ? 0 : errno;
}

/* The gateway's ports: free, or held by pistack's own gateway. */
static void check_port(struct doctor *doc, unsigned port, const char *key)
{
	static const int families[] = {AF_INET, AF_INET6};
	char what[32], holder[300];
	bool ours;

	snprintf(what, sizeof(what), "port %u", port);
	for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
		int r = doctor_bind(families[i], port);

		/* No IPv6 on this host: the gateway listens on IPv4 only. */
		if (r == 0 || (families[i] == AF_INET6 && r == EAFNOSUPPORT))
			continue;
		if (r == EACCES && !doc->root) {
			say(doc, DOC_WARN, what, "not checked: run 'pistack doctor' as root");
			return;
		}
		if (r == EADDRINUSE && doctor_port_holder(port, holder, sizeof(holder), &ours)) {
			if (ours)
				say(doc, DOC_OK, what, "served by %s", holder);
			else
				say(doc, DOC_FAIL, what,
				    "in use by %s: stop it (the gateway replaces a reverse proxy), or set "
				    "[gateway] %s in conf.d/pistack.ini",
				    holder, key);
			return;
		}
		say(doc, DOC_FAIL, what, "unable to bind %s: %s; set [gateway] %s in conf.d/pistack.ini",
		    families[i] == AF_INET ? "0.0.0.0" : "[::]", strerror(r), key);
		return;
	}
	say(doc, DOC_OK, what, "free for the gateway");
}

int cmd_doctor(const struct cli_opts *opts, int argc, char **argv)
{
	struct doctor doc = {.root = geteuid() == 0};
	struct diag_list diags = {0};
	struct config cfg;
	unsigned http = 80, https = 443;
	cleanup_free char *mount = NULL;

	(void)argv;
	if (argc > 1) {
		fputs("usage: pistack doctor\n", stderr);
		return EXIT_USAGE;
	}
	uname(&doc.uts);
	/* The gateway's ports as configured; the defaults when the file is broken
	 * (`pistack check` is the command that reports that). */
	if (config_load_global(&cfg, opts->conf_root, &diags) == 0) {
		http = cfg.global.http_port;
		https = cfg.global.https_port;
		config_release(&cfg);
	} else {
		diag_release(&diags);
	}
	if (!doc.root)
		say(&doc, DOC_WARN, "privileges",
		    "not root: some checks are skipped, and the daemon needs root");
	check_kernel(&doc);
	check_cgroups(&doc);
	mount = doctor_cgroup2_mount();
	check_systemd(&doc, mount);
	check_cgroup_bpf(&doc);
	check_namespaces(&doc);
	check_seccomp(&doc);
	check_nftables(&doc);
	check_modules(&doc);
	check_port(&doc, http, "http_port");
	check_port(&doc, https, "https_port");
	return doc.fails ? EXIT_FAILED : EXIT_OK;
}
