#!/bin/bash
# src/isolate/cgroup*.c against the VM's real cgroup v2 hierarchy, through a small driver
# built here against $O/libpistack.a: the base MOUNT/pistack with every controller, limits
# written and enforced for a process started with clone3(CLONE_INTO_CGROUP), teardown of a
# live tree, stale and still-running cgroups.  (Under systemd the services' cgroups are scope
# units: install-systemd runs the real systemd.)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need cc pkg-config
lib=$(dirname "$PISTACK")/libpistack.a
probe=${PISTACK_PROBE:-$(dirname "$PISTACK")/probe}
[ -f "$lib" ] || skip "'$lib' not built (make)"
[ -x "$probe" ] || skip "'$probe' not built (make $(dirname "$PISTACK")/probe)"

CG=/sys/fs/cgroup
B=$CG/pistack
D=$tmpdir/cgdrv

# The driver: one library call per command, results as key=value lines.
cat >"$tmpdir/cgdrv.c" <<'EOF'
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/schema.h"
#include "isolate/cgroup.h"

/* NAME [KEY=VALUE...] ([limits] keys, "max" allowed) as a service with those keys set. */
static void make_svc(struct service_config *svc, int argc, char **argv)
{
	memset(svc, 0, sizeof(*svc));
	snprintf(svc->name, sizeof(svc->name), "%s", argv[0]);
	svc->memory = svc->memory_swap = UINT64_MAX;
	svc->pids = 1024;
	svc->cpu_weight = svc->io_weight = 100;
	svc->origins = calloc(schema_n_keys, sizeof(*svc->origins));
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		unsigned long long v;

		if (!eq)
			exit(2);
		*eq = '\0';
		v = strcmp(eq + 1, "max") ? strtoull(eq + 1, NULL, 10) : UINT64_MAX;
		svc->origins[schema_index(schema_find(SCOPE_SERVICE, "limits", argv[i]))].file = "test";
		if (!strcmp(argv[i], "memory")) svc->memory = v;
		else if (!strcmp(argv[i], "memory_swap")) svc->memory_swap = v;
		else if (!strcmp(argv[i], "cpus")) svc->cpus_milli = (uint32_t)v;
		else if (!strcmp(argv[i], "cpu_weight")) svc->cpu_weight = v;
		else if (!strcmp(argv[i], "io_weight")) svc->io_weight = v;
		else if (!strcmp(argv[i], "pids")) svc->pids = v;
		else exit(2);
	}
}

int main(int argc, char **argv)
{
	struct cgroup_root root;
	struct service_config svc;
	struct error err = { 0 };
	int r = 2, fd, i;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2 || cgroup_root_open(&root, &err) < 0) {
		printf("error=%s\n", err.msg);
		return 1;
	}
	printf("base=%s\ncontrollers=%s%s%s%s\n", root.base, root.controllers & CG_CPU ? "cpu " : "",
	       root.controllers & CG_MEMORY ? "memory " : "", root.controllers & CG_PIDS ? "pids " : "",
	       root.controllers & CG_IO ? "io " : "");
	if (!strcmp(argv[1], "open"))
		r = 0;
	else if (!strcmp(argv[1], "check") && argc > 2) {
		make_svc(&svc, argc - 2, argv + 2);
		r = cgroup_check_limits(&root, &svc, &err);
		printf("check=%d %s\n", r, r ? err.msg : "");
	} else if (!strcmp(argv[1], "destroy") && argc == 3) {
		r = cgroup_destroy(&root, argv[2], &err);
		printf("destroy=%d %s\n", r, r ? err.msg : "");
	} else if (!strcmp(argv[1], "read") && argc == 4) {
		unsigned long long v = 0;

		r = cgroup_read_u64(&root, argv[2], argv[3], &v);
		printf("read=%d %llu\n", r, v);
	} else if (!strcmp(argv[1], "create") && argc > 2) {
		/* create NAME [KEY=VALUE...] [-- CMD...]: CMD starts inside, and is waited for. */
		struct clone_args ca = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
		pid_t pid;
		int st;

		for (i = 2; i < argc && strcmp(argv[i], "--"); i++)
			;
		make_svc(&svc, i - 2, argv + 2);
		r = cgroup_create(&root, &svc, &fd, &err);
		printf("create=%d %s\n", r, r ? err.msg : "");
		if (r == 0 && i + 1 < argc) {
			ca.cgroup = (unsigned)fd;
			pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
			if (pid == 0) {
				execvp(argv[i + 1], argv + i + 1);
				_exit(127);
			}
			if (pid < 0 || waitpid(pid, &st, 0) < 0)
				return 1;
			printf("status=%s %d\n", WIFSIGNALED(st) ? "signal" : "exit",
			       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		}
	}
	cgroup_root_release(&root);
	return r ? 1 : 0;
}
EOF
# shellcheck disable=SC2046 # one word per flag
cc -std=gnu11 -D_GNU_SOURCE -Isrc -o "$D" "$tmpdir/cgdrv.c" "$lib" $(pkg-config --libs inih libsystemd) ||
	fail "unable to build the driver"

on_exit "'$D' destroy web >/dev/null 2>&1; rmdir $B"

# ---- the base: MOUNT/pistack with every controller ----
out=$("$D" open)
assert_contains "$out" "base=$B" "base outside systemd"
assert_contains "$out" "controllers=cpu memory pids io" "controllers of the base"
assert_eq "$(cat $B/cgroup.subtree_control)" "cpu io memory pids" "$B/cgroup.subtree_control"

# ---- limits as written ----
out=$("$D" create web memory=67108864 memory_swap=0 pids=5 cpus=500 cpu_weight=50 io_weight=200)
assert_contains "$out" "create=0" "create with limits"
assert_eq "$(cat $B/web/memory.max)" 67108864 memory.max
assert_eq "$(cat $B/web/memory.swap.max)" 0 memory.swap.max
assert_eq "$(cat $B/web/pids.max)" 5 pids.max
assert_eq "$(cat $B/web/cpu.max)" "50000 100000" cpu.max
assert_eq "$(cat $B/web/cpu.weight)" 50 cpu.weight
assert_eq "$(cat $B/web/io.weight)" "default 200" io.weight
assert_contains "$("$D" read web pids.max)" "read=0 5" "cgroup_read_u64 pids.max"
assert_contains "$("$D" read web memory.peak)" "read=0 " "cgroup_read_u64 of a file"
# Defaults: only pids.max (1024) is written.
"$D" create web >/dev/null
assert_eq "$(cat $B/web/pids.max)" 1024 "default pids.max"
assert_eq "$(cat $B/web/memory.max)" max "default memory.max"

# ---- limits enforced on a process started inside (pids.max counts the probe itself) ----
out=$("$D" create web pids=5 -- "$probe" forkbomb 10)
note "$out"
assert_contains "$out" "forked=4" "forks under pids.max=5"
assert_contains "$out" "first_error=EAGAIN" "the fork beyond pids.max"
out=$("$D" create web memory=33554432 memory_swap=0 -- "$probe" memhog 256 | tail -n 2)
note "$out"
assert_contains "$out" "status=signal 9" "memhog beyond memory.max is OOM-killed"
assert_contains "$(cat $B/web/memory.events)" "oom_kill 1" "memory.events"

# ---- teardown of a live tree with a nested cgroup; stale and running cgroups ----
"$D" create web -- sh -c 'sleep 300 & sleep 300 & sleep 300 </dev/null >/dev/null 2>&1 &' >/dev/null
mkdir $B/web/nested
head -n 1 $B/web/cgroup.procs >$B/web/nested/cgroup.procs
assert_contains "$(cat $B/web/cgroup.events)" "populated 1" "web before destroy"
out=$("$D" create web || true)
assert_contains "$out" "create cgroup '$B/web': a service of that name is still running" "create over a running one"
out=$("$D" destroy web)
assert_contains "$out" "destroy=0" "destroy of a live tree"
[ ! -e $B/web ] || fail "$B/web still exists after destroy"
[ -z "$(pgrep -x -f 'sleep 300' || true)" ] || fail "processes survived destroy"
assert_contains "$("$D" destroy web)" "destroy=0" "destroy of a missing cgroup"
mkdir -p $B/web/a/b
assert_contains "$("$D" create web)" "create=0" "create over a stale empty cgroup"
[ ! -e $B/web/a ] || fail "the stale cgroup's children were kept"
"$D" destroy web >/dev/null

echo "cgroup library OK"
