/*
 * test_seccomp_cache.c - the daemon's compiled-filter cache: one program per
 * (profile, caps), recompiled when a profile file changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/value.h"
#include "isolate/seccomp_cache.h"
#include "test.h"

TEST(seccomp_cache_reuses_and_recompiles)
{
	SKIP_UNLESS(test_have_seccomp(), "no seccomp kill-process filters (kernel < 4.14, or qemu-user)");
	struct seccomp_cache cache = { 0 };
	struct seccomp_spec def = { .kind = SECCOMP_DEFAULT }, unconf = { .kind = SECCOMP_UNCONFINED };
	struct seccomp_spec file = { .kind = SECCOMP_FILE };
	const struct seccomp_program *a = NULL, *b = NULL, *c = NULL;
	char path[] = "/tmp/pistack-seccomp-cache-XXXXXX";
	struct error err;
	FILE *f;
	int fd;

	CHECK_INT(seccomp_cache_get(&cache, &def, caps_docker_default(), &a, &err), 0);
	CHECK_INT(seccomp_cache_get(&cache, &def, caps_docker_default(), &b, &err), 0);
	CHECK(a && a == b && a->len > 0);
	/* Another capability set is another filter (cap-gated rules). */
	CHECK_INT(seccomp_cache_get(&cache, &def, 0, &c, &err), 0);
	CHECK(c && c != a);
	CHECK_INT(seccomp_cache_get(&cache, &unconf, caps_docker_default(), &c, &err), 0);
	CHECK(c && c->len == 0);

	fd = mkstemp(path);
	CHECK(fd >= 0);
	f = fdopen(fd, "w");
	fputs("default errno EPERM\nallow read write exit_group\n", f);
	fclose(f);
	file.path = path;
	CHECK_INT(seccomp_cache_get(&cache, &file, 0, &a, &err), 0);
	CHECK_INT(seccomp_cache_get(&cache, &file, 0, &b, &err), 0);
	CHECK(a == b);
	/* A changed file (its size differs) is compiled again. */
	f = fopen(path, "w");
	fputs("default errno EPERM\nallow read write exit_group execve\n", f);
	fclose(f);
	CHECK_INT(seccomp_cache_get(&cache, &file, 0, &c, &err), 0);
	CHECK(c != a);
	/* A broken one is an error, not a stale program. */
	f = fopen(path, "w");
	fputs("nonsense\n", f);
	fclose(f);
	CHECK(seccomp_cache_get(&cache, &file, 0, &c, &err) < 0);
	CHECK_CONTAINS(err.msg, path);
	unlink(path);
	CHECK(seccomp_cache_get(&cache, &file, 0, &c, &err) < 0);
	seccomp_cache_release(&cache);
	CHECK(cache.head == NULL);
}

TEST(seccomp_cache_keeps_programs_on_disk)
{
	SKIP_UNLESS(test_have_seccomp(), "no seccomp kill-process filters (kernel < 4.14, or qemu-user)");
	struct seccomp_cache first = { 0 }, second = { 0 };
	struct seccomp_spec def = { .kind = SECCOMP_DEFAULT };
	const struct seccomp_program *a = NULL, *b = NULL;
	char dir[] = "/tmp/pistack-seccomp-disk-XXXXXX", sub[64], cmd[128];
	struct error err;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof(sub), "%s/seccomp", dir);
	first.dir = second.dir = sub;
	CHECK_INT(seccomp_cache_get(&first, &def, caps_docker_default(), &a, &err), 0);
	/* Another process (a second cache) reads the same program back. */
	CHECK_INT(seccomp_cache_get(&second, &def, caps_docker_default(), &b, &err), 0);
	CHECK(a && b && a != b);
	if (a && b) {
		CHECK_INT(a->len, b->len);
		CHECK(memcmp(a->filter, b->filter, a->len * sizeof(*a->filter)) == 0);
	}
	seccomp_cache_release(&first);
	seccomp_cache_release(&second);
	/* A damaged file is not trusted: it is compiled again. */
	snprintf(cmd, sizeof(cmd), "for f in %s/*.bpf; do truncate -s 100 $f; done", sub);
	CHECK_INT(system(cmd), 0);
	CHECK_INT(seccomp_cache_get(&second, &def, caps_docker_default(), &b, &err), 0);
	CHECK(b && b->len > 100);
	seccomp_cache_release(&second);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}
