/*
 * seccomp_lists.c - the syscall names of the built-in default profile: Docker's
 * unconditional allow-list (moby/profiles default.json, 361 names, verbatim),
 * the arm and x86 extras, the capability-gated groups, and the function that
 * turns them into a struct seccomp_profile for a given capability set.
 */
#include "isolate/security.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/capability.h"
#include "common/cleanup.h"

/* Allowed to everyone, as in Docker's default.json (same list at v28.5.2 and
 * later).  Names this libseccomp does not know are skipped at compile time. */
static const char *const seccomp_docker_allow[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat",
	"capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
	"clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime",
	"clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range",
	"connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
	"epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2",
	"epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit",
	"exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
	"fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32",
	"fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock",
	"fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
	"fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue",
	"futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "getcpu",
	"getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32",
	"getgid", "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername",
	"getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
	"getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list", "getrusage",
	"getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
	"getuid", "getuid32", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init",
	"inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy",
	"io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
	"io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
	"landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat",
	"listen", "listmount", "listxattr", "listxattrat", "llistxattr", "_llseek",
	"lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
	"map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
	"mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2",
	"mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
	"mseal", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall",
	"munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open",
	"openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2",
	"pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
	"pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
	"pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
	"readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
	"remap_file_pages", "removexattr", "removexattrat", "rename", "renameat", "renameat2",
	"restart_syscall", "riscv_hwprobe", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
	"rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
	"rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity",
	"sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
	"sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
	"sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
	"sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
	"setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
	"setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
	"setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
	"setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
	"set_tid_address", "setuid", "setuid32", "setxattr", "setxattrat", "shmat", "shmctl",
	"shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask",
	"sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
	"statfs64", "statmount", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
	"syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
	"timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
	"timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
	"timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
	"ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime",
	"utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid",
	"waitpid", "write", "writev",
};

/* Docker allows these only on the architectures that have them; a name that
 * does not exist on an architecture adds nothing there, so listing them for
 * every filter is the same. */
static const char *const seccomp_arch_allow[] = {
	"arch_prctl", "modify_ldt",                               /* x86 */
	"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", /* arm, arm64 */
	"breakpoint", "cacheflush", "set_tls",
};

/* Allowed only with the capability, like Docker generates its profile per
 * container.  Differences, all stricter: clone3 stays ENOSYS even with
 * SYS_ADMIN, and ptrace/process_vm_* need SYS_PTRACE (Docker allows them to
 * everyone on kernels >= 4.8). */
static const struct {
	int cap;
	const char *names;
} seccomp_cap_allow[] = {
	{ CAP_SYS_ADMIN, "bpf fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie "
			 "lsm_get_self_attr lsm_list_modules lsm_set_self_attr mount mount_setattr "
			 "move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname "
			 "sethostname setns syslog umount umount2 unshare" },
	{ CAP_SYS_BOOT, "reboot" },
	{ CAP_SYS_CHROOT, "chroot" },
	{ CAP_SYS_MODULE, "delete_module init_module finit_module" },
	{ CAP_SYS_PACCT, "acct" },
	{ CAP_SYS_PTRACE, "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace" },
	{ CAP_SYS_RAWIO, "iopl ioperm" },
	{ CAP_SYS_TIME, "settimeofday stime clock_settime clock_settime64" },
	{ CAP_SYS_TTY_CONFIG, "vhangup" },
	{ CAP_SYS_NICE, "get_mempolicy mbind set_mempolicy set_mempolicy_home_node" },
	{ CAP_SYSLOG, "syslog" },
	{ CAP_DAC_READ_SEARCH, "open_by_handle_at" },
	{ CAP_BPF, "bpf" },
	{ CAP_PERFMON, "perf_event_open" },
};

/* clone() flags that create namespaces: NEWNS, NEWCGROUP, NEWUTS, NEWIPC,
 * NEWUSER, NEWPID, NEWNET (Docker's 0x7E020000). */
#define SECCOMP_CLONE_NS_FLAGS 0x7E020000ULL

/* The most rules seccomp_default_profile() can produce: the two lists, two
 * argument-checked calls, the capability groups (under 64 names) and clone's
 * eight rules plus clone3. */
#define SECCOMP_DEFAULT_MAX_RULES 512
_Static_assert(ARRAY_SIZE(seccomp_docker_allow) + ARRAY_SIZE(seccomp_arch_allow) + 2 + 64 + 9 <=
		       SECCOMP_DEFAULT_MAX_RULES,
	       "SECCOMP_DEFAULT_MAX_RULES too small");

/* Whether PROF already has a rule for NAME. */
static bool profile_names(const struct seccomp_profile *prof, const char *name)
{
	for (size_t i = 0; i < prof->n_rules; i++)
		if (strcmp(prof->rules[i].name, name) == 0)
			return true;
	return false;
}

/* Append a rule for NAME with ACTION and up to one condition (COND may be NULL). */
static void profile_add(struct seccomp_profile *prof, const char *name, struct seccomp_action action,
			const struct seccomp_cond *cond)
{
	struct seccomp_rule *r = &prof->rules[prof->n_rules++];

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->action = action;
	if (cond) {
		r->conds[0] = *cond;
		r->n_conds = 1;
	}
}

/* Allow every name of the space-separated list NAMES not allowed yet. */
static void profile_allow_words(struct seccomp_profile *prof, const char *names)
{
	const struct seccomp_action allow = { SECCOMP_ACTION_ALLOW, 0 };
	char name[SECCOMP_NAME_MAX];

	while (*names) {
		size_t n = strcspn(names, " ");

		if (n > 0 && n < sizeof(name)) {
			memcpy(name, names, n);
			name[n] = '\0';
			if (!profile_names(prof, name))
				profile_add(prof, name, allow, NULL);
		}
		names += n;
		names += strspn(names, " ");
	}
}

/* The built-in default profile for a process holding CAPS.  Unlisted known
 * syscalls get EPERM, unknown (newer) ones ENOSYS; see seccomp.c. */
int seccomp_default_profile(uint64_t caps, struct seccomp_profile *out, struct error *err)
{
	const struct seccomp_action allow = { SECCOMP_ACTION_ALLOW, 0 };
	const struct seccomp_action eperm = { SECCOMP_ACTION_ERRNO, EPERM };
	const struct seccomp_action enosys = { SECCOMP_ACTION_ERRNO, ENOSYS };

	memset(out, 0, sizeof(*out));
	out->rules = calloc(SECCOMP_DEFAULT_MAX_RULES, sizeof(*out->rules));
	if (!out->rules)
		return error_set(err, ENOMEM, "build the default seccomp profile");
	out->default_action = enosys;
	out->known_action = eperm;
	out->arg_checks = true;

	for (size_t i = 0; i < ARRAY_SIZE(seccomp_docker_allow); i++)
		profile_add(out, seccomp_docker_allow[i], allow, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(seccomp_arch_allow); i++)
		profile_add(out, seccomp_arch_allow[i], allow, NULL);
	/* Allowed here, narrowed by the 32-bit argument checks that run before
	 * the libseccomp part of the filter (seccomp.c): libseccomp compares
	 * 64 bits, which a caller can pad with high bits the kernel ignores. */
	profile_add(out, "personality", allow, NULL);
	profile_add(out, "socket", allow, NULL);

	for (size_t i = 0; i < ARRAY_SIZE(seccomp_cap_allow); i++)
		if (caps & (1ULL << seccomp_cap_allow[i].cap))
			profile_allow_words(out, seccomp_cap_allow[i].names);

	if (caps & (1ULL << CAP_SYS_ADMIN)) {
		profile_add(out, "clone", allow, NULL);
	} else {
		/* Allowed without namespace flags.  Every flag also needs its own
		 * EPERM rule: a syscall whose conditions all fail would otherwise
		 * get the default action, ENOSYS. */
		struct seccomp_cond c = { 0, SECCOMP_OP_MASKED_EQ, 0, SECCOMP_CLONE_NS_FLAGS };

		profile_add(out, "clone", allow, &c);
		for (int bit = 0; bit < 64; bit++) {
			if (!(SECCOMP_CLONE_NS_FLAGS & (1ULL << bit)))
				continue;
			c.value = c.mask = 1ULL << bit;
			profile_add(out, "clone", eperm, &c);
		}
	}
	/* clone3 passes its flags in memory, out of the filter's reach: answer
	 * ENOSYS so that libc falls back to clone(), which is checked. */
	profile_add(out, "clone3", enosys, NULL);
	return 0;
}
