/*
 * test_identity.c - unit tests of src/isolate/identity.c: the passwd and
 * group parsers with good and hostile content, and identity_resolve() over a
 * crafted root filesystem in a temporary directory, symlink escapes included.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isolate/security.h"
#include "test.h"

/* A user_spec for NAME, or for UID (and GID when HAS_GID) when NAME is NULL. */
static struct user_spec spec_of(const char *name, uid_t uid, gid_t gid, bool has_gid)
{
	struct user_spec s = { .uid = uid, .gid = gid, .has_gid = has_gid };

	if (name)
		snprintf(s.name, sizeof(s.name), "%s", name);
	return s;
}

/* Parse TEXT for SPEC into a fresh identity. */
static int pw(const char *text, struct user_spec s, struct identity *id, struct error *err)
{
	memset(id, 0, sizeof(*id));
	return identity_parse_passwd(text, strlen(text), &s, id, err);
}

static const char passwd_text[] =
	"root:x:0:0:root:/root:/bin/bash\n"
	"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
	"www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
	"bob:x:1000:1000:Bob,,,:/home/bob:/bin/sh\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin";  /* no final newline */

TEST(identity_passwd_by_name_and_uid)
{
	struct identity id;
	struct error err = { 0 };

	CHECK_INT(pw(passwd_text, spec_of("bob", 0, 0, false), &id, &err), 0);
	CHECK_UINT(id.uid, 1000);
	CHECK_UINT(id.gid, 1000);
	CHECK_STR(id.name, "bob");
	CHECK_STR(id.home, "/home/bob");
	identity_release(&id);
	CHECK_INT(pw(passwd_text, spec_of(NULL, 33, 0, false), &id, &err), 0);
	CHECK_STR(id.name, "www-data");
	CHECK_STR(id.home, "/var/www");
	identity_release(&id);
	CHECK_INT(pw(passwd_text, spec_of("nobody", 0, 0, false), &id, &err), 0);
	CHECK_UINT(id.uid, 65534);
	identity_release(&id);
	CHECK_INT(pw(passwd_text, spec_of("alice", 0, 0, false), &id, &err), -ENOENT);
	CHECK_STR(err.msg, "no such user in etc/passwd");
	CHECK_INT(pw(passwd_text, spec_of(NULL, 4242, 0, false), &id, &err), -ENOENT);
	CHECK_STR(err.msg, "no user with uid 4242 in etc/passwd");
	identity_release(&id);
}

TEST(identity_passwd_hostile)
{
	struct identity id;
	struct error err = { 0 };
	size_t big = 200000;
	char *text = malloc(big + 256);

	if (!text)
		abort();
	/* Every bad "bob" line is skipped; the good one at the end wins. */
	CHECK_INT(pw("bob:x:1\n"                                  /* missing fields */
		     "bob:x:10:10:\n"                             /* no home field */
		     "bob:x:abc:1::/h:/bin/sh\n"                  /* non-numeric uid */
		     "bob:x:2:-1::/h:/bin/sh\n"                   /* negative gid */
		     "bob:x:99999999999:1::/h:/bin/sh\n"          /* huge uid */
		     "bob:x:4294967295:1::/h:/bin/sh\n"           /* (uid_t)-1 */
		     "bob:x::1::/h:/bin/sh\n"                     /* empty uid */
		     "+bob:x:3:3::/h:/bin/sh\n"                   /* NIS */
		     "# bob:x:4:4::/h:/bin/sh\n"                  /* comment */
		     ":x:5:5::/h:/bin/sh\n"                       /* empty name */
		     "\n"
		     "bob:x:1000:100::relative/home:/bin/sh\n"
		     "bob:x:1001:101::/home/bob2:/bin/sh\n",      /* duplicate: first wins */
		     spec_of("bob", 0, 0, false), &id, &err),
		 0);
	CHECK_UINT(id.uid, 1000);
	CHECK_UINT(id.gid, 100);
	CHECK_STR(id.home, "/");
	identity_release(&id);
	/* Largest valid id. */
	CHECK_INT(pw("max:x:4294967294:4294967294::/:\n", spec_of("max", 0, 0, false), &id, &err), 0);
	CHECK_UINT(id.uid, 4294967294U);
	identity_release(&id);
	/* A very long line before the entry, and a name longer than any user. */
	memset(text, 'a', big);
	strcpy(text + big, ":x:1:1::/:\nbob:x:7:7::/b:\n");
	CHECK_INT(pw(text, spec_of("bob", 0, 0, false), &id, &err), 0);
	CHECK_UINT(id.uid, 7);
	identity_release(&id);
	/* A NUL byte voids its line; the name must match whole. */
	static const char with_nul[] = "bob:x:1:1::/\0x:\nbobby:x:2:2::/:\nbob:x:3:3::/c:\n";

	memset(&id, 0, sizeof(id));
	CHECK_INT(identity_parse_passwd(with_nul, sizeof(with_nul) - 1, &(struct user_spec){ .name = "bob" }, &id,
					&err),
		  0);
	CHECK_UINT(id.uid, 3);
	CHECK_STR(id.home, "/c");
	identity_release(&id);
	CHECK_INT(pw("", spec_of("bob", 0, 0, false), &id, &err), -ENOENT);
	free(text);
}

/* Parse TEXT as etc/group for user NAME with primary GID. */
static int grp(const char *text, const char *name, gid_t gid, struct identity *id, struct error *err)
{
	memset(id, 0, sizeof(*id));
	id->gid = gid;
	id->name = strdup(name);
	return identity_parse_group(text, strlen(text), id, err);
}

TEST(identity_group_members)
{
	struct identity id;
	struct error err = { 0 };

	CHECK_INT(grp("root:x:0:\n"
		      "audio:x:29:alice,bob,carol\n"
		      "users:x:100:bob\n"
		      "bobby:x:101:bobby\n"        /* not bob */
		      "video:x:44:carol,bob\n"
		      "again:x:29:bob\n"           /* duplicate gid */
		      "bob:x:1000:bob\n"           /* the primary, listed */
		      "bad:x:zz:bob\n"             /* non-numeric gid */
		      "short:x:5\n"                /* no member field */
		      "staff:x:50:bo,b\n",
		      "bob", 1000, &id, &err),
		  0);
	CHECK_UINT(id.n_groups, 4);
	if (id.n_groups == 4) {
		CHECK_UINT(id.groups[0], 1000);  /* primary first */
		CHECK_UINT(id.groups[1], 29);
		CHECK_UINT(id.groups[2], 44);
		CHECK_UINT(id.groups[3], 100);
	}
	identity_release(&id);
	/* Member of nothing: the primary group alone. */
	CHECK_INT(grp("audio:x:29:alice\n", "bob", 1000, &id, &err), 0);
	CHECK_UINT(id.n_groups, 1);
	identity_release(&id);
}

TEST(identity_group_cap)
{
	struct identity id;
	struct error err = { 0 };
	size_t n = NGROUPS_MAX + 1, len = 0;
	char *text = malloc(n * 24);

	if (!text)
		abort();
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "g%zu:x:%zu:bob\n", i, i + 1);
	/* NGROUPS_MAX + 1 memberships plus the primary: too many. */
	CHECK_INT(grp(text, "bob", 0, &id, &err), -E2BIG);
	CHECK_STR(err.msg, "user 'bob' is in 65538 groups, the kernel takes 65536: Argument list too long");
	identity_release(&id);
	/* Repeated lines count once. */
	len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "g:x:7:bob\n");
	CHECK_INT(grp(text, "bob", 0, &id, &err), 0);
	CHECK_UINT(id.n_groups, 2);
	identity_release(&id);
	free(text);
}

/* A temporary root filesystem with an etc directory. */
struct tmp_root {
	char dir[64];
	char etc[80];
};

/* Write TEXT to DIR/NAME. */
static void put_file(const char *dir, const char *name, const char *text)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

static void tmp_root_init(struct tmp_root *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/pistack-identity-XXXXXX");
	if (!mkdtemp(t->dir))
		abort();
	snprintf(t->etc, sizeof(t->etc), "%s/etc", t->dir);
	if (mkdir(t->etc, 0755) < 0)
		abort();
}

/* Remove the few files the tests create. */
static void tmp_root_remove(struct tmp_root *t)
{
	static const char *const names[] = { "etc/passwd", "etc/group", "real/passwd", "outside", "etc", "real" };
	char path[160];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", t->dir, names[i]);
		if (unlink(path) < 0)
			rmdir(path);
	}
	rmdir(t->dir);
}

TEST(identity_resolve_in_rootfs)
{
	SKIP_UNLESS(test_have_openat2(), "no openat2 (kernel < 5.6, or qemu-user)");
	struct tmp_root t;
	struct identity id;
	struct error err = { 0 };
	struct user_spec s;
	char want[200];

	tmp_root_init(&t);
	put_file(t.etc, "passwd", passwd_text);
	put_file(t.etc, "group", "users:x:100:bob,nobody\nwww-data:x:33:\nstaff:x:50:bob\n");

	s = spec_of("bob", 0, 0, false);
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), 0);
	CHECK_UINT(id.uid, 1000);
	CHECK_UINT(id.gid, 1000);
	CHECK_STR(id.home, "/home/bob");
	CHECK_UINT(id.n_groups, 3);
	identity_release(&id);

	/* A numeric uid with an entry borrows it, groups included. */
	s = spec_of(NULL, 65534, 0, false);
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), 0);
	CHECK_STR(id.name, "nobody");
	CHECK_UINT(id.gid, 65534);
	CHECK_UINT(id.n_groups, 2);
	identity_release(&id);

	/* Without an entry: gid = uid, no name, no groups, home "/". */
	s = spec_of(NULL, 4242, 0, false);
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), 0);
	CHECK_UINT(id.gid, 4242);
	CHECK(id.name == NULL);
	CHECK_UINT(id.n_groups, 0);
	CHECK_STR(id.home, "/");
	identity_release(&id);

	/* UID:GID is exactly that. */
	s = spec_of(NULL, 1000, 7, true);
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), 0);
	CHECK_UINT(id.uid, 1000);
	CHECK_UINT(id.gid, 7);
	CHECK_UINT(id.n_groups, 0);
	CHECK_STR(id.home, "/home/bob");
	identity_release(&id);

	s = spec_of("alice", 0, 0, false);
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), -ENOENT);
	snprintf(want, sizeof(want), "resolve user 'alice' in '%s': no such user in etc/passwd", t.dir);
	CHECK_STR(err.msg, want);
	CHECK(id.name == NULL && id.home == NULL && id.groups == NULL);

	/* No etc/group: the primary group alone. */
	snprintf(want, sizeof(want), "%s/group", t.etc);
	unlink(want);
	s = spec_of("bob", 0, 0, false);
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), 0);
	CHECK_UINT(id.n_groups, 1);
	identity_release(&id);

	/* No etc/passwd: numeric users still run, named ones cannot. */
	snprintf(want, sizeof(want), "%s/passwd", t.etc);
	unlink(want);
	s = spec_of(NULL, 1000, 0, false);
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), 0);
	CHECK_UINT(id.gid, 1000);
	identity_release(&id);
	s = spec_of("bob", 0, 0, false);
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), -ENOENT);
	snprintf(want, sizeof(want), "resolve user 'bob' in '%s': read 'etc/passwd': No such file or directory",
		 t.dir);
	CHECK_STR(err.msg, want);

	s = spec_of("bob", 0, 0, false);
	CHECK_INT(identity_resolve("/nonexistent-pistack", &s, &id, &err), -ENOENT);
	CHECK_STR(err.msg, "resolve user 'bob': open '/nonexistent-pistack': No such file or directory");
	tmp_root_remove(&t);
}

TEST(identity_symlinks_stay_in_the_rootfs)
{
	SKIP_UNLESS(test_have_openat2(), "no openat2 (kernel < 5.6, or qemu-user)");
	struct tmp_root t;
	struct identity id;
	struct error err = { 0 };
	struct user_spec s = spec_of("hostonly", 0, 0, false);
	char outside[96], link[160], real[160];

	tmp_root_init(&t);
	/* A file outside the rootfs (the rootfs's parent directory stands in
	 * for the host) that an absolute or ".." symlink would reach. */
	snprintf(outside, sizeof(outside), "%s-outside", t.dir);
	put_file("/", outside + 1, "hostonly:x:0:0::/root:/bin/sh\n");
	snprintf(link, sizeof(link), "%s/passwd", t.etc);

	if (symlink(outside, link) < 0)
		abort();
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), -ENOENT);
	CHECK_CONTAINS(err.msg, "read 'etc/passwd': No such file or directory");
	unlink(link);

	snprintf(real, sizeof(real), "../../../../../..%s", outside);
	if (symlink(real, link) < 0)
		abort();
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), -ENOENT);
	CHECK(id.name == NULL);
	unlink(link);

	/* /proc/self/root leads out of any root: a magic link, refused. */
	if (symlink("/proc/self/root/etc/passwd", link) < 0)
		abort();
	CHECK(identity_resolve(t.dir, &s, &id, &err) < 0);
	CHECK(id.name == NULL);
	unlink(link);

	/* An absolute symlink resolves inside the rootfs, as it will at run time. */
	snprintf(real, sizeof(real), "%s/real", t.dir);
	if (mkdir(real, 0755) < 0)
		abort();
	put_file(real, "passwd", "hostonly:x:5:6::/in:/bin/sh\n");
	if (symlink("/real/passwd", link) < 0)
		abort();
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), 0);
	CHECK_UINT(id.uid, 5);
	CHECK_STR(id.home, "/in");
	identity_release(&id);
	unlink(link);

	/* A FIFO must not hang the supervisor, nor a device feed it forever. */
	if (mkfifo(link, 0644) < 0)
		abort();
	CHECK_INT(identity_resolve(t.dir, &s, &id, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "read 'etc/passwd': not a regular file");
	unlink(link);
	unlink(outside);
	tmp_root_remove(&t);
}
