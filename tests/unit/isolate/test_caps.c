/*
 * test_caps.c - unit tests of src/isolate/caps.c: the capability plan, and
 * the identity/capability switch run in a forked child, checked through its
 * /proc/self/status.  The switch itself needs root; without it the tests
 * check the failure messages instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/value.h"
#include "isolate/security.h"
#include "test.h"

#define BIT(c) (1ULL << (c))

TEST(caps_plan_root_and_user)
{
	uint64_t docker = caps_docker_default();
	struct cap_plan p;

	p = cap_plan_for(docker | BIT(CAP_NET_ADMIN), BIT(CAP_NET_ADMIN), 0);
	CHECK_UINT(p.bounding, docker | BIT(CAP_NET_ADMIN));
	CHECK_UINT(p.ambient, 0);
	/* A user gets only what was added, never Docker's default set. */
	p = cap_plan_for(docker | BIT(CAP_NET_ADMIN), BIT(CAP_NET_ADMIN), 1000);
	CHECK_UINT(p.bounding, docker | BIT(CAP_NET_ADMIN));
	CHECK_UINT(p.ambient, BIT(CAP_NET_ADMIN));
	p = cap_plan_for(docker, 0, 1000);
	CHECK_UINT(p.ambient, 0);
	/* Added, then dropped again: not granted. */
	p = cap_plan_for(docker & ~BIT(CAP_NET_RAW), BIT(CAP_NET_RAW), 1000);
	CHECK_UINT(p.ambient, 0);
}

/* What a child reports: its status fields, or the error of the switch. */
struct caps_report {
	int ret;
	char msg[ERROR_MSG_MAX];
	char status[4096];
};

/* A hex or decimal field of a /proc status text ("CapEff:\t..."), or ~0. */
static unsigned long long status_field(const char *status, const char *key, int base)
{
	const char *p = strstr(status, key);

	return p ? strtoull(p + strlen(key), NULL, base) : ~0ULL;
}

/* Fork; in the child run PREPARE (may be NULL), switch to ID with PLAN and
 * report.  Returns false if the child did not report. */
static bool caps_run(const struct identity *id, const struct cap_plan *plan, bool nnp, void (*prepare)(void),
		     struct caps_report *rep)
{
	int fds[2], st = 0;
	pid_t pid;
	ssize_t n;

	memset(rep, 0, sizeof(*rep));
	if (pipe(fds) < 0)
		return false;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct error err = { 0 };
		int fd;

		close(fds[0]);
		if (prepare)
			prepare();
		rep->ret = security_apply_identity_caps(id, plan, nnp, &err);
		memcpy(rep->msg, err.msg, sizeof(rep->msg));
		fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, rep->status, sizeof(rep->status) - 1);
			(void)n;
			close(fd);
		}
		_exit(write(fds[1], rep, sizeof(*rep)) == (ssize_t)sizeof(*rep) ? 0 : 1);
	}
	close(fds[1]);
	n = read(fds[0], rep, sizeof(*rep));
	close(fds[0]);
	waitpid(pid, &st, 0);
	return n == (ssize_t)sizeof(*rep) && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Whether this process may switch users and hold every capability the tests grant. */
static bool caps_privileged(void)
{
	return geteuid() == 0 && prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) == 1 &&
	       prctl(PR_CAPBSET_READ, CAP_NET_BIND_SERVICE, 0, 0, 0) == 1 &&
	       prctl(PR_CAPBSET_READ, CAP_NET_ADMIN, 0, 0, 0) == 1;
}

/* Become an unprivileged user, capabilities gone (the prepare hook). */
static void become_nobody(void)
{
	if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
		_exit(3);
}

TEST(caps_apply_fails_without_privilege)
{
	gid_t groups[] = { 65534 };
	struct identity id = { 65534, 65534, groups, 1, (char *)"/", (char *)"nobody" };
	struct cap_plan plan = cap_plan_for(caps_docker_default(), 0, 65534);
	struct caps_report rep;

	CHECK(caps_run(&id, &plan, true, geteuid() == 0 ? become_nobody : NULL, &rep));
	CHECK_INT(rep.ret, -EPERM);
	/* The first capability outside Docker's set. */
	CHECK_STR(rep.msg, "drop capability 'DAC_READ_SEARCH': Operation not permitted");
	/* With nothing to drop, the user switch is what fails. */
	plan.bounding = ~0ULL;
	CHECK(caps_run(&id, &plan, true, geteuid() == 0 ? become_nobody : NULL, &rep));
	CHECK_STR(rep.msg, "set the supplementary groups of user 'nobody' (65534): Operation not permitted");
}

TEST(caps_apply_user_with_ambient)
{
	gid_t groups[] = { 65534, 100 };
	struct identity id = { 65534, 65534, groups, 2, (char *)"/", (char *)"nobody" };
	uint64_t caps = caps_docker_default() | BIT(CAP_NET_ADMIN);
	struct cap_plan plan = cap_plan_for(caps, BIT(CAP_NET_ADMIN) | BIT(CAP_NET_BIND_SERVICE), 65534);
	struct caps_report rep;

	if (!caps_privileged()) {
		printf("  caps_apply_user_with_ambient: skipped, needs root with full capabilities\n");
		return;
	}
	CHECK(caps_run(&id, &plan, true, NULL, &rep));
	CHECK_INT(rep.ret, 0);
	CHECK_STR(rep.msg, "");
	CHECK_UINT(status_field(rep.status, "\nUid:\t", 10), 65534);
	CHECK_CONTAINS(rep.status, "\nUid:\t65534\t65534\t65534\t65534\n");
	CHECK_CONTAINS(rep.status, "\nGid:\t65534\t65534\t65534\t65534\n");
	CHECK_CONTAINS(rep.status, "\nGroups:\t100 65534");
	CHECK_UINT(status_field(rep.status, "\nCapBnd:\t", 16), caps);
	CHECK_UINT(status_field(rep.status, "\nCapAmb:\t", 16), BIT(CAP_NET_ADMIN) | BIT(CAP_NET_BIND_SERVICE));
	CHECK_UINT(status_field(rep.status, "\nCapInh:\t", 16), BIT(CAP_NET_ADMIN) | BIT(CAP_NET_BIND_SERVICE));
	CHECK_UINT(status_field(rep.status, "\nCapPrm:\t", 16), BIT(CAP_NET_ADMIN) | BIT(CAP_NET_BIND_SERVICE));
	CHECK_UINT(status_field(rep.status, "\nCapEff:\t", 16), BIT(CAP_NET_ADMIN) | BIT(CAP_NET_BIND_SERVICE));
	CHECK_UINT(status_field(rep.status, "\nNoNewPrivs:\t", 10), 1);
}

TEST(caps_apply_root_keeps_its_set)
{
	struct identity id = { 0, 0, NULL, 0, (char *)"/root", (char *)"root" };
	struct cap_plan plan = cap_plan_for(caps_docker_default(), 0, 0);
	struct caps_report rep;

	if (!caps_privileged()) {
		printf("  caps_apply_root_keeps_its_set: skipped, needs root with full capabilities\n");
		return;
	}
	CHECK(caps_run(&id, &plan, false, NULL, &rep));
	CHECK_INT(rep.ret, 0);
	CHECK_UINT(status_field(rep.status, "\nCapBnd:\t", 16), caps_docker_default());
	CHECK_UINT(status_field(rep.status, "\nCapEff:\t", 16), caps_docker_default());
	CHECK_UINT(status_field(rep.status, "\nCapPrm:\t", 16), caps_docker_default());
	CHECK_UINT(status_field(rep.status, "\nCapInh:\t", 16), 0);
	CHECK_UINT(status_field(rep.status, "\nCapAmb:\t", 16), 0);
	CHECK_UINT(status_field(rep.status, "\nNoNewPrivs:\t", 10), 0);
	/* The supervisor's groups are shed: no number on the Groups line. */
	const char *g = strstr(rep.status, "\nGroups:\t");

	CHECK(g != NULL);
	CHECK(g && strspn(g + 9, " ") == strcspn(g + 9, "\n"));
}

/* Give up CAP_SYS_TIME from the permitted set, keep the rest (the prepare hook). */
static void lose_sys_time(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &hdr, d) < 0)
		_exit(3);
	d[0].permitted &= ~(1U << CAP_SYS_TIME);
	d[0].effective &= ~(1U << CAP_SYS_TIME);
	if (syscall(SYS_capset, &hdr, d) < 0)
		_exit(3);
}

TEST(caps_apply_names_a_capability_pistack_lacks)
{
	struct identity id = { 0, 0, NULL, 0, (char *)"/root", (char *)"root" };
	struct cap_plan plan = cap_plan_for(caps_docker_default() | BIT(CAP_SYS_TIME), 0, 0);
	struct caps_report rep;

	if (!caps_privileged()) {
		printf("  caps_apply_names_a_capability_pistack_lacks: skipped, needs root\n");
		return;
	}
	CHECK(caps_run(&id, &plan, false, lose_sys_time, &rep));
	CHECK_INT(rep.ret, -EPERM);
	CHECK_STR(rep.msg, "grant capability 'SYS_TIME' to user 'root' (0): pistack does not hold it: "
			   "Operation not permitted");
}
