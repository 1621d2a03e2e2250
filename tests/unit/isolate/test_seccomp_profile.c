/*
 * test_seccomp_profile.c - unit tests of src/isolate/seccomp_profile.c (the
 * pistack-seccomp(5) parser, with good and hostile input) and of compiling
 * profile files into filters, judged by the interpreter of test_seccomp.c.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "isolate/security.h"
#include "test.h"

/* Defined in test_seccomp.c. */
uint32_t seccomp_test_run(const struct seccomp_program *prog, uint32_t arch, uint32_t nr, const uint64_t *args);

/* Parse the NUL-terminated TEXT. */
static int parse(const char *text, struct seccomp_profile *prof, struct error *err)
{
	return seccomp_profile_parse(text, strlen(text), prof, err);
}

TEST(seccomp_profile_parse_good)
{
	static const char text[] =
		"# a profile\r\n"
		"\n"
		"default errno EPERM   # trailing comment\n"
		"known\terrno ENOSYS\n"
		"allow read write\topenat\r\n"
		"errno ENOSYS clone3\n"
		"errno eacces socket 0 == 40\n"
		"errno 13 ioctl 1 &= 0x5412 0xffffffff 0 != 3\n"
		"kill ptrace\n"
		"log kexec_load\n"
		"trap reboot";
	struct seccomp_profile p;
	struct error err = { 0 };

	CHECK_INT(parse(text, &p, &err), 0);
	CHECK_STR(err.msg, "");
	CHECK_INT(p.default_action.kind, SECCOMP_ACTION_ERRNO);
	CHECK_INT(p.default_action.errnum, EPERM);
	CHECK_INT(p.known_action.errnum, ENOSYS);
	CHECK(!p.arg_checks);
	CHECK_UINT(p.n_rules, 9);
	if (p.n_rules != 9)
		goto out;
	CHECK_STR(p.rules[0].name, "read");
	CHECK_STR(p.rules[2].name, "openat");
	CHECK_INT(p.rules[2].action.kind, SECCOMP_ACTION_ALLOW);
	CHECK_INT(p.rules[2].line, 5);
	CHECK_INT(p.rules[3].action.errnum, ENOSYS);
	CHECK_INT(p.rules[4].action.errnum, EACCES);
	CHECK_UINT(p.rules[4].n_conds, 1);
	CHECK_UINT(p.rules[4].conds[0].arg, 0);
	CHECK_INT(p.rules[4].conds[0].op, SECCOMP_OP_EQ);
	CHECK_UINT(p.rules[4].conds[0].value, 40);
	/* Conditions are kept in argument order. */
	CHECK_UINT(p.rules[5].n_conds, 2);
	CHECK_INT(p.rules[5].conds[0].op, SECCOMP_OP_NE);
	CHECK_UINT(p.rules[5].conds[0].value, 3);
	CHECK_INT(p.rules[5].conds[1].op, SECCOMP_OP_MASKED_EQ);
	CHECK_UINT(p.rules[5].conds[1].arg, 1);
	CHECK_UINT(p.rules[5].conds[1].value, 0x5412);
	CHECK_UINT(p.rules[5].conds[1].mask, 0xffffffff);
	CHECK_INT(p.rules[6].action.kind, SECCOMP_ACTION_KILL);
	CHECK_INT(p.rules[7].action.kind, SECCOMP_ACTION_LOG);
	CHECK_INT(p.rules[8].action.kind, SECCOMP_ACTION_TRAP);
	CHECK_INT(p.rules[8].line, 11);
out:
	seccomp_profile_release(&p);
}

TEST(seccomp_profile_defaults)
{
	struct seccomp_profile p;
	struct error err = { 0 };

	CHECK_INT(seccomp_profile_parse("", 0, &p, &err), 0);
	CHECK_INT(p.default_action.kind, SECCOMP_ACTION_ERRNO);
	CHECK_INT(p.default_action.errnum, EPERM);
	CHECK_INT(p.known_action.errnum, EPERM);
	CHECK_UINT(p.n_rules, 0);
	seccomp_profile_release(&p);
	/* No "known" line: known syscalls share the default. */
	CHECK_INT(parse("default allow\nerrno EPERM mount\n", &p, &err), 0);
	CHECK_INT(p.known_action.kind, SECCOMP_ACTION_ALLOW);
	seccomp_profile_release(&p);
	/* Values: hex, decimal, and negative numbers as a C caller passes them. */
	CHECK_INT(parse("allow fchownat 0 == -100 1 <= 0xFFFF 2 > 18446744073709551615", &p, &err), 0);
	CHECK_UINT(p.rules[0].conds[0].value, (uint64_t)-100);
	CHECK_UINT(p.rules[0].conds[1].value, 0xffff);
	CHECK_INT(p.rules[0].conds[1].op, SECCOMP_OP_LE);
	CHECK_UINT(p.rules[0].conds[2].value, UINT64_MAX);
	seccomp_profile_release(&p);
	/* The same rule twice is harmless. */
	CHECK_INT(parse("allow read\nallow read write", &p, &err), 0);
	seccomp_profile_release(&p);
}

TEST(seccomp_profile_errors)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "alow read", "1: unknown action 'alow': expected allow, errno, kill, log or trap" },
		{ "\n\nallow", "3: 'allow' needs at least one syscall name" },
		{ "errno", "1: 'errno' needs an error name or number, like EPERM" },
		{ "errno EFOO read", "1: unknown error 'EFOO': expected a name like EPERM or a number 1..4095" },
		{ "errno 4096 read", "1: unknown error '4096': expected a name like EPERM or a number 1..4095" },
		{ "errno 0 read", "1: unknown error '0': expected a name like EPERM or a number 1..4095" },
		{ "allow Read", "1: invalid syscall name 'Read': expected lower-case letters, digits and '_'" },
		{ "allow re-ad", "1: invalid syscall name 're-ad': expected lower-case letters, digits and '_'" },
		{ "allow read\xff", "1: invalid syscall name 'read?': expected lower-case letters, digits and '_'" },
		{ "allow socket 6 == 1", "1: invalid argument index '6': expected 0..5" },
		{ "allow socket 0 = 1", "1: invalid operator '=' after argument 0: expected one of == != < <= > >= &=" },
		{ "allow socket 0 ==", "1: invalid value '' for argument 0: expected a number like 40 or 0x5412" },
		{ "allow socket 0 == 0x", "1: invalid value '0x' for argument 0: expected a number like 40 or 0x5412" },
		{ "allow socket 0 == 18446744073709551616",
		  "1: invalid value '18446744073709551616' for argument 0: expected a number like 40 or 0x5412" },
		{ "allow socket 0 == -9223372036854775809",
		  "1: invalid value '-9223372036854775809' for argument 0: expected a number like 40 or 0x5412" },
		{ "allow socket 0 == 1 read",
		  "1: invalid argument index 'read': expected 0..5" },
		{ "allow ioctl 1 &= 0x5412",
		  "1: invalid mask '' for argument 1: '&=' takes VALUE MASK, like 0x5412 0xffffffff" },
		{ "allow ioctl 1 &= 0x10 0x1", "1: value 0x10 has bits outside mask 0x1: argument 1 would never match" },
		{ "allow ioctl 1 == 1 1 == 2", "1: argument 1 is compared twice: write one rule per comparison" },
		{ "allow x 0 == 0 1 == 0 2 == 0 3 == 0 4 == 0 5 == 0 0 == 1",
		  "1: too many conditions: at most 6" },
		{ "default allow\ndefault kill", "2: second 'default' line (the first is line 1)" },
		{ "known allow\n# x\nknown kill", "3: second 'known' line (the first is line 1)" },
		{ "default", "1: 'default' needs an action: allow, errno NAME, kill, log or trap" },
		{ "default errno EPERM read", "1: unexpected 'read' after the action" },
		{ "allow ioctl\nerrno EPERM ioctl 1 == 0x5412",
		  "2: 'ioctl' has a rule without conditions on line 1: a syscall takes one rule without conditions or only rules with conditions" },
		{ "errno EPERM ioctl 1 == 0x5412\n\nallow ioctl",
		  "3: 'ioctl' has a rule with conditions on line 1: a syscall takes one rule without conditions or only rules with conditions" },
		{ "allow read\nkill read", "2: 'read' already has a different rule on line 1" },
		{ "allow kill 1 == 9 0 == 1\nerrno EPERM kill 0 == 1 1 == 9",
		  "2: 'kill' has the same conditions with another action on line 1" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct seccomp_profile p;
		struct error err = { 0 };
		int r = parse(cases[i].text, &p, &err);

		if (r != -EINVAL || strcmp(err.msg, cases[i].msg) != 0)
			test_fail(__FILE__, __LINE__, "'%s': %d \"%s\", want \"%s\"", cases[i].text, r, err.msg,
				  cases[i].msg);
		CHECK(p.rules == NULL);  /* released on failure */
	}
}

TEST(seccomp_profile_hostile_sizes)
{
	struct seccomp_profile p;
	struct error err = { 0 };
	size_t n = 200000;
	char *big = malloc(n + 16);

	if (!big)
		abort();
	/* A NUL byte is reported with its line. */
	CHECK_INT(seccomp_profile_parse("allow read\nallow wr\0ite\n", 24, &p, &err), -EINVAL);
	CHECK_STR(err.msg, "2: NUL byte: a profile is text");
	/* A name far too long is echoed cut short. */
	memcpy(big, "allow ", 6);
	memset(big + 6, 'a', n - 6);
	CHECK_INT(seccomp_profile_parse(big, n, &p, &err), -EINVAL);
	CHECK_STR(err.msg, "1: invalid syscall name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': "
			   "expected lower-case letters, digits and '_'");
	/* More rules than the limit. */
	memcpy(big, "allow", 5);
	for (size_t i = 5; i + 2 <= n; i += 2)
		big[i] = ' ', big[i + 1] = 'a';
	CHECK_INT(seccomp_profile_parse(big, n, &p, &err), -EINVAL);
	CHECK_STR(err.msg, "1: too many rules: at most 4096");
	/* Just under the limit, one name per line, is fine. */
	for (size_t i = 0; i < 4096; i++)
		memcpy(big + i * 8, "allow a\n", 8);
	CHECK_INT(seccomp_profile_parse(big, 4096 * 8, &p, &err), 0);
	CHECK_UINT(p.n_rules, 4096);
	CHECK_INT(p.rules[4095].line, 4096);
	seccomp_profile_release(&p);
	/* Past 1 MiB the parser refuses to start. */
	CHECK_INT(seccomp_profile_parse(big, (1 << 20) + 1, &p, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "at most 1048576");
	free(big);
}

/* Write TEXT to a new temporary file; its path goes to PATH. */
static void write_temp(char path[64], const char *text)
{
	int fd;

	snprintf(path, 64, "/tmp/pistack-seccomp-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

/* What PROG answers on x86-64 to NAME(A0). */
static uint32_t judge64(const struct seccomp_program *prog, const char *name, uint64_t a0)
{
	uint64_t args[6] = { a0 };

	return seccomp_test_run(prog, AUDIT_ARCH_X86_64,
				(uint32_t)seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name), args);
}

TEST(seccomp_profile_file_compiles)
{
	SKIP_UNLESS(test_have_seccomp(), "no seccomp kill-process filters (kernel < 4.14, or qemu-user)");
	char path[64];
	struct seccomp_spec spec = { SECCOMP_FILE, path };
	struct seccomp_program prog;
	struct error err = { 0 };

	write_temp(path, "default errno EPERM\n"
			 "allow getpid no_such_syscall_anywhere\n"
			 "errno 99 getppid\n"
			 "errno EACCES personality 0 == 0x400000\n"
			 "allow personality 0 != 0x400000\n");
	CHECK_INT(seccomp_program_build_arch(&spec, 0, SCMP_ARCH_X86_64, &prog, &err), 0);
	CHECK_STR(err.msg, "");
	CHECK(prog.len > 0);
	CHECK_UINT(judge64(&prog, "getpid", 0), SECCOMP_RET_ALLOW);
	CHECK_UINT(judge64(&prog, "getppid", 0), SECCOMP_RET_ERRNO | 99);
	CHECK_UINT(judge64(&prog, "personality", 0x400000), SECCOMP_RET_ERRNO | EACCES);
	CHECK_UINT(judge64(&prog, "personality", 8), SECCOMP_RET_ALLOW);
	CHECK_UINT(judge64(&prog, "mount", 0), SECCOMP_RET_ERRNO | EPERM);
	CHECK_UINT(seccomp_test_run(&prog, AUDIT_ARCH_X86_64, 1000, NULL), SECCOMP_RET_ERRNO | EPERM);
	/* A custom profile gets exactly what it says: no built-in TIOCSTI check. */
	CHECK_UINT(judge64(&prog, "ioctl", 0), SECCOMP_RET_ERRNO | EPERM);
	seccomp_program_release(&prog);
	unlink(path);
}

TEST(seccomp_profile_known_line)
{
	SKIP_UNLESS(test_have_seccomp(), "no seccomp kill-process filters (kernel < 4.14, or qemu-user)");
	char path[64];
	struct seccomp_spec spec = { SECCOMP_FILE, path };
	struct seccomp_program prog;
	struct error err = { 0 };

	write_temp(path, "default errno ENOSYS\nknown errno EPERM\nallow getpid\nkill ptrace\n");
	CHECK_INT(seccomp_program_build_arch(&spec, 0, SCMP_ARCH_X86_64, &prog, &err), 0);
	CHECK_UINT(judge64(&prog, "getpid", 0), SECCOMP_RET_ALLOW);
	CHECK_UINT(judge64(&prog, "ptrace", 0), SECCOMP_RET_KILL_PROCESS);
	CHECK_UINT(judge64(&prog, "mount", 0), SECCOMP_RET_ERRNO | EPERM);
	CHECK_UINT(seccomp_test_run(&prog, AUDIT_ARCH_X86_64, 1000, NULL), SECCOMP_RET_ERRNO | ENOSYS);
	CHECK_UINT(seccomp_test_run(&prog, AUDIT_ARCH_I386, 20, NULL), SECCOMP_RET_ALLOW);  /* getpid */
	seccomp_program_release(&prog);
	unlink(path);
}

TEST(seccomp_profile_file_errors)
{
	char path[64];
	struct seccomp_spec spec = { SECCOMP_FILE, path };
	struct seccomp_program prog;
	struct error err = { 0 };
	char want[160];

	write_temp(path, "default errno EPERM\nalow read\n");
	CHECK_INT(seccomp_program_build(&spec, 0, &prog, &err), -EINVAL);
	snprintf(want, sizeof(want),
		 "parse seccomp profile '%s': 2: unknown action 'alow': expected allow, errno, kill, log or trap",
		 path);
	CHECK_STR(err.msg, want);
	CHECK_INT(prog.len, 0);
	unlink(path);

	spec.path = "/nonexistent/pistack.seccomp";
	CHECK_INT(seccomp_program_build(&spec, 0, &prog, &err), -ENOENT);
	CHECK_STR(err.msg, "open seccomp profile '/nonexistent/pistack.seccomp': No such file or directory");
	spec.path = "/tmp";
	CHECK_INT(seccomp_program_build(&spec, 0, &prog, &err), -EINVAL);
	CHECK_STR(err.msg, "read seccomp profile '/tmp': not a regular file: Invalid argument");
}

TEST(seccomp_profile_socket_conditions_and_i386)
{
	SKIP_UNLESS(test_have_seccomp(), "no seccomp kill-process filters (kernel < 4.14, or qemu-user)");
	char path[64];
	struct seccomp_spec spec = { SECCOMP_FILE, path };
	struct seccomp_program prog;
	struct error err = { 0 };
	uint64_t vsock[6] = { 40 }, inet[6] = { 2 };
	uint32_t nr = (uint32_t)seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, "socket");

	write_temp(path, "errno EACCES socket 0 == 40\nallow socket 0 != 40\n");
	/* The Pi's ABIs have no socketcall: the conditions hold. */
	CHECK_INT(seccomp_program_build_arch(&spec, 0, SCMP_ARCH_AARCH64, &prog, &err), 0);
	CHECK_UINT(seccomp_test_run(&prog, AUDIT_ARCH_AARCH64, nr, vsock), SECCOMP_RET_ERRNO | EACCES);
	CHECK_UINT(seccomp_test_run(&prog, AUDIT_ARCH_AARCH64, nr, inet), SECCOMP_RET_ALLOW);
	seccomp_program_release(&prog);
	/* On x86-64, i386's socketcall cannot carry them: said, not hidden. */
	CHECK_INT(seccomp_program_build_arch(&spec, 0, SCMP_ARCH_X86_64, &prog, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, ": 2: add seccomp rule 'socket': conflicts with another rule for it on the i386 ABI");
	unlink(path);
}
