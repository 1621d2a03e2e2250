/*
 * test_seccomp.c - unit tests of src/isolate/seccomp.c and seccomp_lists.c:
 * the default filter built for x86-64, arm64 and arm, judged by a small
 * classic-BPF interpreter (so every architecture is checked on any host), and
 * the native filter loaded into a forked child against the real kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/capability.h"
#include "common/cleanup.h"
#include "config/value.h"
#include "isolate/security.h"
#include "test.h"

#define ACT_ALLOW SECCOMP_RET_ALLOW
#define ACT_KILL SECCOMP_RET_KILL_PROCESS
#define ACT_ERRNO(e) (SECCOMP_RET_ERRNO | (uint32_t)(e))
#define BPF_BAD 0xdeadbeefU  /* the interpreter met something it does not run */

uint32_t seccomp_test_run(const struct seccomp_program *prog, uint32_t arch, uint32_t nr, const uint64_t *args);

/* Run PROG over one syscall like the kernel would: the subset of classic BPF
 * libseccomp emits (loads of seccomp_data words, AND, forward jumps, return). */
uint32_t seccomp_test_run(const struct seccomp_program *prog, uint32_t arch, uint32_t nr, const uint64_t *args)
{
	struct seccomp_data d = { .nr = (int)nr, .arch = arch };
	uint32_t a = 0, words[sizeof(d) / 4];

	for (int i = 0; args && i < 6; i++)
		d.args[i] = args[i];
	memcpy(words, &d, sizeof(d));
	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->filter[pc];
		bool taken;

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k % 4 || f->k >= sizeof(d))
				return BPF_BAD;
			a = words[f->k / 4];
			continue;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			continue;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			continue;
		case BPF_RET | BPF_K:
			return f->k;
		case BPF_JMP | BPF_JEQ | BPF_K:
			taken = a == f->k;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			taken = a > f->k;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			taken = a >= f->k;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			taken = (a & f->k) != 0;
			break;
		default:
			return BPF_BAD;
		}
		pc += taken ? f->jt : f->jf;
	}
	return BPF_BAD;  /* fell off the end: the kernel rejects such programs */
}

/* The number of NAME on ARCH (scanning for x86's direct socket calls). */
static uint32_t nr_of(uint32_t arch, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, name);

	for (int i = 0; nr < 0 && i < 1024; i++) {
		char *s = seccomp_syscall_resolve_num_arch(arch, i);

		if (s && strcmp(s, name) == 0)
			nr = i;
		free(s);
	}
	if (nr < 0)
		test_fail(__FILE__, __LINE__, "no number for '%s' on arch 0x%x", name, arch);
	return (uint32_t)nr;
}

/* The audit architecture the kernel reports for a syscall of ARCH. */
static uint32_t audit_of(uint32_t arch)
{
	return arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch;
}

/* What PROG answers to NAME(ARGS...) on ARCH. */
static uint32_t judge(const struct seccomp_program *prog, uint32_t arch, const char *name, uint64_t a0, uint64_t a1)
{
	uint64_t args[6] = { a0, a1, 0, 0, 0, 0 };

	return seccomp_test_run(prog, audit_of(arch), nr_of(arch, name), args);
}

/* Build the default filter of CAPS for NATIVE, failing the test if it does not build. */
static void build_default(uint64_t caps, uint32_t native, struct seccomp_program *prog)
{
	struct seccomp_spec spec = { SECCOMP_DEFAULT, NULL };
	struct error err = { 0 };

	if (seccomp_program_build_arch(&spec, caps, native, prog, &err) < 0)
		test_fail(__FILE__, __LINE__, "build for 0x%x: %s", native, err.msg);
}

static const uint32_t natives[] = { SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, SCMP_ARCH_ARM };

/* The filter architectures of each native one, as seccomp.c documents them. */
static size_t arches_of(uint32_t native, uint32_t out[3])
{
	out[0] = native;
	if (native == SCMP_ARCH_X86_64) {
		out[1] = SCMP_ARCH_X86, out[2] = SCMP_ARCH_X32;
		return 3;
	}
	if (native == SCMP_ARCH_AARCH64) {
		out[1] = SCMP_ARCH_ARM;
		return 2;
	}
	return 1;
}

TEST(seccomp_default_builds_for_each_arch)
{
	SKIP_UNLESS(test_have_seccomp(), "no seccomp kill-process filters (kernel < 4.14, or qemu-user)");
	for (size_t i = 0; i < ARRAY_SIZE(natives); i++) {
		struct seccomp_program prog;

		build_default(caps_docker_default(), natives[i], &prog);
		CHECK(prog.len > 0);
		CHECK(prog.len <= BPF_MAXINSNS);
		seccomp_program_release(&prog);
		CHECK(prog.filter == NULL);
	}
}

TEST(seccomp_unconfined_is_empty)
{
	struct seccomp_spec spec = { SECCOMP_UNCONFINED, NULL };
	struct seccomp_program prog;
	struct error err = { 0 };

	CHECK_INT(seccomp_program_build(&spec, caps_docker_default(), &prog, &err), 0);
	CHECK_INT(prog.len, 0);
	CHECK_INT(seccomp_program_load(&prog, &err), 0);  /* a no-op */
	seccomp_program_release(&prog);
}

TEST(seccomp_unsupported_arch)
{
	struct seccomp_spec spec = { SECCOMP_DEFAULT, NULL };
	struct seccomp_program prog;
	struct error err = { 0 };

	CHECK_INT(seccomp_program_build_arch(&spec, 0, SCMP_ARCH_PPC64LE, &prog, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "not supported");
}

TEST(seccomp_default_decisions_every_arch)
{
	SKIP_UNLESS(test_have_seccomp(), "no seccomp kill-process filters (kernel < 4.14, or qemu-user)");
	const uint64_t high = 1ULL << 32;

	for (size_t i = 0; i < ARRAY_SIZE(natives); i++) {
		struct seccomp_program prog;
		uint32_t arches[3];
		size_t n = arches_of(natives[i], arches);

		build_default(caps_docker_default(), natives[i], &prog);
		for (size_t a = 0; a < n; a++) {
			uint32_t ar = arches[a];

			CHECK_UINT(judge(&prog, ar, "getpid", 0, 0), ACT_ALLOW);
			CHECK_UINT(judge(&prog, ar, "read", 0, 0), ACT_ALLOW);
			/* Known but not allowed: EPERM.  Newer than the tables: ENOSYS. */
			CHECK_UINT(judge(&prog, ar, "mount", 0, 0), ACT_ERRNO(EPERM));
			CHECK_UINT(seccomp_test_run(&prog, audit_of(ar), (ar == SCMP_ARCH_X32 ? 0x40000000 : 0) + 1000, NULL),
				   ACT_ERRNO(ENOSYS));
			CHECK_UINT(judge(&prog, ar, "clone3", 0, 0), ACT_ERRNO(ENOSYS));
			CHECK_UINT(judge(&prog, ar, "clone", SIGCHLD, 0), ACT_ALLOW);
			CHECK_UINT(judge(&prog, ar, "clone", CLONE_NEWUSER | SIGCHLD, 0), ACT_ERRNO(EPERM));
			CHECK_UINT(judge(&prog, ar, "clone", CLONE_NEWNS, 0), ACT_ERRNO(EPERM));
			CHECK_UINT(judge(&prog, ar, "clone", CLONE_NEWCGROUP, 0), ACT_ERRNO(EPERM));
			/* 32-bit argument checks, high bits ignored like the kernel does. */
			CHECK_UINT(judge(&prog, ar, "ioctl", 0, TIOCSTI), ACT_ERRNO(EPERM));
			CHECK_UINT(judge(&prog, ar, "ioctl", 0, high | TIOCSTI), ACT_ERRNO(EPERM));
			CHECK_UINT(judge(&prog, ar, "ioctl", 0, TIOCLINUX), ACT_ERRNO(EPERM));
			CHECK_UINT(judge(&prog, ar, "ioctl", 0, TCGETS), ACT_ALLOW);
			CHECK_UINT(judge(&prog, ar, "socket", AF_VSOCK, SOCK_STREAM), ACT_ERRNO(EAFNOSUPPORT));
			CHECK_UINT(judge(&prog, ar, "socket", high | AF_VSOCK, SOCK_STREAM), ACT_ERRNO(EAFNOSUPPORT));
			CHECK_UINT(judge(&prog, ar, "socket", AF_ALG, SOCK_SEQPACKET), ACT_ERRNO(EAFNOSUPPORT));
			CHECK_UINT(judge(&prog, ar, "socket", AF_INET, SOCK_STREAM), ACT_ALLOW);
			CHECK_UINT(judge(&prog, ar, "socket", AF_NETLINK, SOCK_RAW), ACT_ALLOW);
			CHECK_UINT(judge(&prog, ar, "personality", 0xffffffff, 0), ACT_ALLOW);
			CHECK_UINT(judge(&prog, ar, "personality", UINT64_MAX, 0), ACT_ALLOW);
			CHECK_UINT(judge(&prog, ar, "personality", PER_LINUX32, 0), ACT_ALLOW);
			CHECK_UINT(judge(&prog, ar, "personality", READ_IMPLIES_EXEC, 0), ACT_ERRNO(EPERM));
			CHECK_UINT(judge(&prog, ar, "personality", ADDR_NO_RANDOMIZE, 0), ACT_ERRNO(EPERM));
			/* Denied explicitly, whatever Docker's default caps hold. */
			static const char *const denied[] = {
				"unshare", "setns", "umount2", "pivot_root", "keyctl", "add_key", "request_key", "bpf",
				"perf_event_open", "ptrace", "kexec_load", "init_module", "finit_module",
				"delete_module", "open_by_handle_at", "userfaultfd", "io_uring_setup", "io_uring_enter",
				"io_uring_register", "swapon", "swapoff", "reboot", "acct", "quotactl", "fsopen",
				"fsmount", "fspick", "open_tree", "move_mount", "mount_setattr", "process_vm_readv",
				"kcmp", "syslog", "settimeofday", "vhangup", "mbind",
			};
			for (size_t d = 0; d < ARRAY_SIZE(denied); d++)
				if (seccomp_syscall_resolve_name_arch(ar, denied[d]) >= 0)
					CHECK_UINT(judge(&prog, ar, denied[d], 0, 0), ACT_ERRNO(EPERM));
			/* Docker's default caps include SYS_CHROOT. */
			CHECK_UINT(judge(&prog, ar, "chroot", 0, 0), ACT_ALLOW);
		}
		/* Any other ABI is killed, not just refused. */
		CHECK_UINT(seccomp_test_run(&prog, AUDIT_ARCH_PPC64LE, 20, NULL), ACT_KILL);
		CHECK_UINT(seccomp_test_run(&prog, natives[i] == SCMP_ARCH_ARM ? AUDIT_ARCH_AARCH64 : AUDIT_ARCH_MIPS, 20,
					    NULL),
			   ACT_KILL);
		seccomp_program_release(&prog);
	}
}

TEST(seccomp_default_arch_specific_calls)
{
	SKIP_UNLESS(test_have_seccomp(), "no seccomp kill-process filters (kernel < 4.14, or qemu-user)");
	struct seccomp_program x86, arm64;

	build_default(caps_docker_default(), SCMP_ARCH_X86_64, &x86);
	build_default(caps_docker_default(), SCMP_ARCH_AARCH64, &arm64);
	CHECK_UINT(judge(&x86, SCMP_ARCH_X86_64, "arch_prctl", 0, 0), ACT_ALLOW);
	CHECK_UINT(judge(&x86, SCMP_ARCH_X86, "modify_ldt", 0, 0), ACT_ALLOW);
	CHECK_UINT(judge(&x86, SCMP_ARCH_X86_64, "iopl", 0, 0), ACT_ERRNO(EPERM));
	/* i386's direct socket call (its socketcall multiplexer cannot be checked). */
	CHECK_UINT(judge(&x86, SCMP_ARCH_X86, "socket", AF_VSOCK, 0), ACT_ERRNO(EAFNOSUPPORT));
	CHECK_UINT(judge(&x86, SCMP_ARCH_X86, "socketcall", 1, 0), ACT_ALLOW);
	CHECK_UINT(judge(&arm64, SCMP_ARCH_ARM, "breakpoint", 0, 0), ACT_ALLOW);
	CHECK_UINT(judge(&arm64, SCMP_ARCH_ARM, "cacheflush", 0, 0), ACT_ALLOW);
	CHECK_UINT(judge(&arm64, SCMP_ARCH_ARM, "set_tls", 0, 0), ACT_ALLOW);
	CHECK_UINT(judge(&arm64, SCMP_ARCH_ARM, "arm_fadvise64_64", 0, 0), ACT_ALLOW);
	CHECK_UINT(judge(&arm64, SCMP_ARCH_ARM, "arm_sync_file_range", 0, 0), ACT_ALLOW);
	/* arm's private range beyond the known calls: newer, so ENOSYS. */
	CHECK_UINT(seccomp_test_run(&arm64, AUDIT_ARCH_ARM, 0x0f00f0, NULL), ACT_ERRNO(ENOSYS));
	CHECK_UINT(judge(&arm64, SCMP_ARCH_AARCH64, "mount", 0, 0), ACT_ERRNO(EPERM));
	/* x86-64's filter does not take arm64 syscalls. */
	CHECK_UINT(seccomp_test_run(&x86, AUDIT_ARCH_AARCH64, 172, NULL), ACT_KILL);
	seccomp_program_release(&x86);
	seccomp_program_release(&arm64);
}

TEST(seccomp_caps_open_their_syscalls)
{
	SKIP_UNLESS(test_have_seccomp(), "no seccomp kill-process filters (kernel < 4.14, or qemu-user)");
	static const struct {
		int cap;
		const char *name;
	} gated[] = {
		{ CAP_SYS_CHROOT, "chroot" }, { CAP_SYS_PTRACE, "ptrace" }, { CAP_SYS_PTRACE, "process_vm_writev" },
		{ CAP_SYS_PTRACE, "kcmp" }, { CAP_SYS_PTRACE, "pidfd_getfd" }, { CAP_SYS_ADMIN, "mount" },
		{ CAP_SYS_ADMIN, "unshare" }, { CAP_SYS_ADMIN, "setns" }, { CAP_SYS_ADMIN, "umount2" },
		{ CAP_SYS_BOOT, "reboot" }, { CAP_SYS_MODULE, "init_module" }, { CAP_SYS_MODULE, "delete_module" },
		{ CAP_SYS_TIME, "settimeofday" }, { CAP_SYS_TIME, "clock_settime" }, { CAP_SYS_NICE, "mbind" },
		{ CAP_SYS_NICE, "set_mempolicy" }, { CAP_SYSLOG, "syslog" }, { CAP_SYS_PACCT, "acct" },
		{ CAP_SYS_RAWIO, "iopl" }, { CAP_SYS_RAWIO, "ioperm" }, { CAP_SYS_TTY_CONFIG, "vhangup" },
		{ CAP_BPF, "bpf" }, { CAP_PERFMON, "perf_event_open" }, { CAP_DAC_READ_SEARCH, "open_by_handle_at" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(gated); i++) {
		struct seccomp_program without, with;

		build_default(0, SCMP_ARCH_X86_64, &without);
		build_default(1ULL << gated[i].cap, SCMP_ARCH_X86_64, &with);
		if (judge(&without, SCMP_ARCH_X86_64, gated[i].name, 0, 0) != ACT_ERRNO(EPERM) ||
		    judge(&with, SCMP_ARCH_X86_64, gated[i].name, 0, 0) != ACT_ALLOW)
			test_fail(__FILE__, __LINE__, "%s is not gated by capability %d", gated[i].name, gated[i].cap);
		seccomp_program_release(&without);
		seccomp_program_release(&with);
	}
}

TEST(seccomp_sys_admin_keeps_the_fences)
{
	SKIP_UNLESS(test_have_seccomp(), "no seccomp kill-process filters (kernel < 4.14, or qemu-user)");
	struct seccomp_program prog;

	build_default(1ULL << CAP_SYS_ADMIN, SCMP_ARCH_AARCH64, &prog);
	CHECK_UINT(judge(&prog, SCMP_ARCH_AARCH64, "clone", CLONE_NEWUSER | CLONE_NEWNS, 0), ACT_ALLOW);
	CHECK_UINT(judge(&prog, SCMP_ARCH_ARM, "clone", CLONE_NEWNET, 0), ACT_ALLOW);
	CHECK_UINT(judge(&prog, SCMP_ARCH_AARCH64, "clone3", 0, 0), ACT_ERRNO(ENOSYS));
	CHECK_UINT(judge(&prog, SCMP_ARCH_AARCH64, "pivot_root", 0, 0), ACT_ERRNO(EPERM));
	CHECK_UINT(judge(&prog, SCMP_ARCH_AARCH64, "kexec_load", 0, 0), ACT_ERRNO(EPERM));
	CHECK_UINT(judge(&prog, SCMP_ARCH_AARCH64, "ioctl", 0, TIOCSTI), ACT_ERRNO(EPERM));
	CHECK_UINT(judge(&prog, SCMP_ARCH_AARCH64, "ptrace", 0, 0), ACT_ERRNO(EPERM));
	seccomp_program_release(&prog);
}

/* The errno of a raw syscall's result: 0 on success. */
static int err_of(long r)
{
	return r < 0 ? errno : 0;
}

enum {
	T_UNSHARE, T_CLONE3, T_TIOCSTI, T_TIOCSTI_HIGH, T_TIOCLINUX, T_VSOCK, T_VSOCK_HIGH, T_ALG, T_UNIX,
	T_GETPID, T_NR1000, T_PERSONALITY_QUERY, T_PERSONALITY_BAD, T_MOUNT, T_KEYCTL, T_FORK, T_CLONE_NEWUSER,
	T_IO_URING, T_PTRACE, T_CHROOT, T_MAX
};

/* In a forked child: load the filter, try each call, send the errnos to FD. */
static void __attribute__((noreturn)) seccomp_child(const struct seccomp_program *prog, int fd, pid_t pid)
{
	/* Junk in the upper half of a 64-bit argument register; 0 on 32-bit ABIs, which
	 * have no upper half, so there the call is the plain one. */
	const unsigned long high = (unsigned long)(1ULL << 32);
	struct error err;
	int r[T_MAX];
	char c = 0;
	long x;

	/* Unprivileged processes may only load filters under no_new_privs. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_program_load(prog, &err) < 0)
		_exit(2);
	r[T_UNSHARE] = err_of(unshare(CLONE_NEWNS));
	r[T_CLONE3] = err_of(syscall(SYS_clone3, NULL, 0));
	r[T_TIOCSTI] = err_of(syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI, &c));
	r[T_TIOCSTI_HIGH] = err_of(syscall(SYS_ioctl, 0, high | TIOCSTI, &c));
	r[T_TIOCLINUX] = err_of(syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX, &c));
	r[T_VSOCK] = err_of(syscall(SYS_socket, AF_VSOCK, SOCK_STREAM, 0));
	r[T_VSOCK_HIGH] = err_of(syscall(SYS_socket, high | AF_VSOCK, SOCK_STREAM, 0));
	r[T_ALG] = err_of(syscall(SYS_socket, AF_ALG, SOCK_SEQPACKET, 0));
	r[T_UNIX] = err_of(syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0));
	r[T_GETPID] = syscall(SYS_getpid) == pid ? 0 : -1;
	r[T_NR1000] = err_of(syscall(1000, 0, 0, 0));
	r[T_PERSONALITY_QUERY] = err_of(syscall(SYS_personality, 0xffffffffUL));
	r[T_PERSONALITY_BAD] = err_of(syscall(SYS_personality, (unsigned long)READ_IMPLIES_EXEC));
	r[T_MOUNT] = err_of(syscall(SYS_mount, "none", "/mnt", "tmpfs", 0UL, NULL));
	r[T_KEYCTL] = err_of(syscall(SYS_keyctl, 0, 0, 0, 0, 0));
	x = fork();
	if (x == 0)
		_exit(7);
	r[T_FORK] = err_of(x);
	if (x > 0) {
		int st;

		waitpid((pid_t)x, &st, 0);
		r[T_FORK] = WIFEXITED(st) && WEXITSTATUS(st) == 7 ? 0 : -1;
	}
	x = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (x == 0)
		_exit(0);
	r[T_CLONE_NEWUSER] = err_of(x);
	r[T_IO_URING] = err_of(syscall(SYS_io_uring_setup, 1, NULL));
	r[T_PTRACE] = err_of(syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
	r[T_CHROOT] = err_of(syscall(SYS_chroot, "/nonexistent-pistack-test"));
	if (write(fd, r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(3);
	_exit(0);
}

TEST(seccomp_default_filter_in_a_child)
{
	SKIP_UNLESS(test_have_seccomp(), "no seccomp kill-process filters (kernel < 4.14, or qemu-user)");
	struct seccomp_spec spec = { SECCOMP_DEFAULT, NULL };
	struct seccomp_program prog;
	struct error err = { 0 };
	int fds[2], r[T_MAX], st = 0;
	pid_t pid;

	if (seccomp_program_build(&spec, caps_docker_default(), &prog, &err) < 0) {
		test_fail(__FILE__, __LINE__, "build: %s", err.msg);
		return;
	}
	CHECK(pipe(fds) == 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		seccomp_child(&prog, fds[1], getpid());
	}
	close(fds[1]);
	CHECK_INT(read(fds[0], r, sizeof(r)), sizeof(r));
	close(fds[0]);
	CHECK_INT(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	seccomp_program_release(&prog);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return;
	CHECK_INT(r[T_UNSHARE], EPERM);
	CHECK_INT(r[T_CLONE3], ENOSYS);
	CHECK_INT(r[T_TIOCSTI], EPERM);
	CHECK_INT(r[T_TIOCSTI_HIGH], EPERM);
	CHECK_INT(r[T_TIOCLINUX], EPERM);
	CHECK_INT(r[T_VSOCK], EAFNOSUPPORT);
	CHECK_INT(r[T_VSOCK_HIGH], EAFNOSUPPORT);
	CHECK_INT(r[T_ALG], EAFNOSUPPORT);
	CHECK_INT(r[T_UNIX], 0);
	CHECK_INT(r[T_GETPID], 0);
	CHECK_INT(r[T_NR1000], ENOSYS);
	CHECK_INT(r[T_PERSONALITY_QUERY], 0);
	CHECK_INT(r[T_PERSONALITY_BAD], EPERM);
	CHECK_INT(r[T_MOUNT], EPERM);
	CHECK_INT(r[T_KEYCTL], EPERM);
	CHECK_INT(r[T_FORK], 0);
	CHECK_INT(r[T_CLONE_NEWUSER], EPERM);
	CHECK_INT(r[T_IO_URING], EPERM);
	CHECK_INT(r[T_PTRACE], EPERM);
	CHECK_INT(r[T_CHROOT], ENOENT);  /* allowed by CAP_SYS_CHROOT, then the kernel's own answer */
}
