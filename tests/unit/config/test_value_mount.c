/*
 * test_value_mount.c - unit tests of src/config/value_mount.c: [mount] lines, rootfs specs
 * and seccomp specs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/value.h"
#include "test.h"

/* A heap string of N copies of C (the caller frees it). */
static char *value_test_repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Parse one mount line that must succeed and check every field. */
static void value_test_mount(const char *target, const char *value, const char *want_target,
			     enum mount_kind kind, const char *want_source, uint64_t size,
			     bool readonly)
{
	struct error err = { 0, "" };
	struct mount_spec m;

	memset(&m, 0, sizeof(m));
	CHECK_INT(value_parse_mount(target, value, &m, &err), 0);
	CHECK_STR(err.msg, "");
	CHECK_STR(m.target, want_target);
	CHECK_INT(m.kind, kind);
	if (want_source)
		CHECK_STR(m.source, want_source);
	else
		CHECK(m.source == NULL);
	CHECK_UINT(m.tmpfs_size, size);
	CHECK(m.readonly == readonly);
	mount_spec_release(&m);
	CHECK(m.target == NULL && m.source == NULL);
}

TEST(value_mount_sources)
{
	value_test_mount("/data", "volume", "/data", MOUNT_VOLUME, "", 0, false);
	value_test_mount("/srv/www", "volume:www ro", "/srv/www", MOUNT_VOLUME, "www", 0, true);
	value_test_mount("/srv/www", "volume:a//b/./c/ rw", "/srv/www", MOUNT_VOLUME, "a/b/c", 0,
			 false);
	value_test_mount("/x", "volume:.", "/x", MOUNT_VOLUME, "", 0, false);
	value_test_mount("/etc/app.conf", "bundle:app.conf", "/etc/app.conf", MOUNT_BUNDLE,
			 "app.conf", 0, true);
	value_test_mount("/etc/app.conf", "bundle:./conf/app.conf rw", "/etc/app.conf",
			 MOUNT_BUNDLE, "conf/app.conf", 0, false);
	value_test_mount("/media", "host:/media/usb ro", "/media", MOUNT_HOST, "/media/usb", 0,
			 true);
	value_test_mount("/media", "host://media//usb/", "/media", MOUNT_HOST, "/media/usb", 0,
			 false);
	value_test_mount("/cache", "tmpfs:64M", "/cache", MOUNT_TMPFS, NULL, 64ULL << 20, false);
	value_test_mount("/tmp", "tmpfs", "/tmp", MOUNT_TMPFS, NULL, 0, false);
	value_test_mount("/tmp", "tmpfs ro", "/tmp", MOUNT_TMPFS, NULL, 0, true);
}

TEST(value_mount_spacing_and_case)
{
	value_test_mount("//srv//www/", "  volume:www \t RO  ", "/srv/www", MOUNT_VOLUME, "www", 0,
			 true);
	value_test_mount("/a/./b", "Volume", "/a/b", MOUNT_VOLUME, "", 0, false);
	value_test_mount("/a", "TMPFS:1g", "/a", MOUNT_TMPFS, NULL, 1ULL << 30, false);
}

TEST(value_mount_targets_bad)
{
	static const char *const bad[] = { "", "/", "//", "/.", "data", "./data", "/a/../b", "/..",
					   "/a\nb", "/a\033b" };
	struct error err;
	struct mount_spec m = { .target = NULL };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_mount(bad[i], "volume", &m, &err), -EINVAL);
		CHECK(m.target == NULL);
	}
	value_parse_mount("/", "volume", &m, &err);
	CHECK_STR(err.msg, "invalid mount target '/': expected an absolute path other than /");
	value_parse_mount("/a/../../etc", "volume", &m, &err);
	CHECK_CONTAINS(err.msg, "expected a path without '..' components");
}

TEST(value_mount_sources_bad)
{
	static const char *const bad[] = {
		"", " ", "volumes", "volume:", "volume:/abs", "volume:..", "volume:a/../b",
		"volume:a/..", "bundle:", "bundle:.", "bundle:/etc/passwd", "bundle:../x",
		"bundle:a/../../x", "host:", "host:relative", "host:/a/../b", "tmpfs:",
		"tmpfs:12Q", "tmpfs:-1", "nfs:/x", "/host/path", "volume ro rw", "volume ro ro",
		"volume readonly", "volume r", "volume:a\nb", "bundle:a\x01", "host:/a\x7f",
		"volume\xc2\xa0ro", "volume ro extra", "volume,ro", "volume:a b c",
	};
	struct error err;
	struct mount_spec m = { .target = NULL };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_mount("/data", bad[i], &m, &err), -EINVAL);
		CHECK(m.target == NULL && m.source == NULL);
	}
}

TEST(value_mount_messages)
{
	struct error err;
	struct mount_spec m = { .target = NULL };

	value_parse_mount("/data", "nfs:/x", &m, &err);
	CHECK_STR(err.msg, "invalid mount source 'nfs:/x': expected SOURCE [ro|rw], SOURCE one of "
			   "volume, volume:SUBDIR, bundle:PATH, host:/PATH, tmpfs, tmpfs:SIZE");
	value_parse_mount("/data", "volume readonly", &m, &err);
	CHECK_STR(err.msg, "invalid mount option 'readonly': expected ro or rw");
	value_parse_mount("/data", "volume ro extra", &m, &err);
	CHECK_CONTAINS(err.msg, "invalid mount 'volume ro extra': expected SOURCE [ro|rw]");
	value_parse_mount("/data", "volume:/www", &m, &err);
	CHECK_STR(err.msg, "invalid volume mount 'volume:/www': expected a path relative to the "
			   "volume");
	value_parse_mount("/data", "bundle:/etc/shadow", &m, &err);
	CHECK_STR(err.msg, "invalid bundle mount 'bundle:/etc/shadow': expected a path relative "
			   "to the bundle");
	value_parse_mount("/data", "bundle:../../etc", &m, &err);
	CHECK_STR(err.msg, "invalid bundle mount 'bundle:../../etc': expected a path without '..' "
			   "components");
	value_parse_mount("/data", "bundle:.", &m, &err);
	CHECK_CONTAINS(err.msg, "expected bundle:PATH");
	value_parse_mount("/data", "tmpfs:lots", &m, &err);
	CHECK_CONTAINS(err.msg, "invalid size 'lots'");
	value_parse_mount("/data", "", &m, &err);
	CHECK_CONTAINS(err.msg, "invalid mount '': expected SOURCE [ro|rw]");
}

TEST(value_mount_long)
{
	char *big = value_test_repeat('a', 10000);
	struct error err;
	struct mount_spec m = { .target = NULL };

	memcpy(big, "volume:", 7);
	CHECK_INT(value_parse_mount("/data", big, &m, &err), 0);
	CHECK_UINT(m.source ? strlen(m.source) : 0, 10000 - 7);
	mount_spec_release(&m);
	big[0] = '/';
	CHECK_INT(value_parse_mount(big, "volume", &m, &err), -EINVAL);
	CHECK(strlen(err.msg) < 200);
	memcpy(big, "host:/", 6);
	CHECK_INT(value_parse_mount("/data", big, &m, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "expected at most 4095 characters");
	CHECK(m.target == NULL);
	free(big);
}

TEST(value_rootfs_host_and_dir)
{
	struct error err;
	struct rootfs_spec r;

	memset(&r, 0, sizeof(r));
	CHECK_INT(value_parse_rootfs("host", &r, &err), 0);
	CHECK_INT(r.kind, ROOTFS_HOST);
	CHECK(r.path == NULL);
	CHECK_UINT(r.packages.n, 0);
	rootfs_spec_release(&r);
	CHECK_INT(value_parse_rootfs("dir:/srv/roots//alpine/", &r, &err), 0);
	CHECK_INT(r.kind, ROOTFS_DIR);
	CHECK_STR(r.path, "/srv/roots/alpine");
	rootfs_spec_release(&r);
	CHECK(r.path == NULL);
	CHECK_INT(value_parse_rootfs("HOST", &r, &err), 0);
	CHECK_INT(r.kind, ROOTFS_HOST);
	rootfs_spec_release(&r);
}

TEST(value_rootfs_debian)
{
	struct error err;
	struct rootfs_spec r;

	memset(&r, 0, sizeof(r));
	CHECK_INT(value_parse_rootfs("debian:python3", &r, &err), 0);
	CHECK_INT(r.kind, ROOTFS_DEBIAN);
	CHECK_UINT(r.packages.n, 1);
	CHECK_STR(r.packages.n ? r.packages.v[0] : NULL, "python3");
	rootfs_spec_release(&r);

	CHECK_INT(value_parse_rootfs("debian:python3,curl,libc6-dev,g++,curl,python3", &r, &err),
		  0);
	CHECK_UINT(r.packages.n, 4);
	if (r.packages.n == 4) {
		CHECK_STR(r.packages.v[0], "curl");
		CHECK_STR(r.packages.v[1], "g++");
		CHECK_STR(r.packages.v[2], "libc6-dev");
		CHECK_STR(r.packages.v[3], "python3");
		CHECK(r.packages.v[4] == NULL);
	}
	rootfs_spec_release(&r);
	CHECK(r.packages.v == NULL);
	CHECK_UINT(r.packages.n, 0);

	CHECK_INT(value_parse_rootfs("debian: nginx , ca-certificates,\t0ad.data", &r, &err), 0);
	CHECK_UINT(r.packages.n, 3);
	if (r.packages.n == 3) {
		CHECK_STR(r.packages.v[0], "0ad.data");
		CHECK_STR(r.packages.v[1], "ca-certificates");
		CHECK_STR(r.packages.v[2], "nginx");
	}
	rootfs_spec_release(&r);
	CHECK_INT(value_parse_rootfs("debian:zz,zz,zz", &r, &err), 0);
	CHECK_UINT(r.packages.n, 1);
	rootfs_spec_release(&r);
}

TEST(value_rootfs_bad)
{
	static const char *const bad[] = {
		"", " ", "hosts", "host ", "dir:", "dir:relative", "dir:/a/../b", "dir:/a\nb",
		"debian:", "debian: ", "debian:,", "debian:a", "debian:python3,", "debian:,python3",
		"debian:python3,,curl", "debian:Python3", "debian:-foo", "debian:+foo",
		"debian:.foo", "debian:py_thon", "debian:python3 curl", "debian:python3;rm",
		"debian:caf\xc3\xa9", "debian:python3\n", "docker:alpine", "/srv/root",
		"debian:pkg:amd64", "debian:pkg=1.0",
	};
	struct error err;
	struct rootfs_spec r = { .kind = ROOTFS_DIR };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_rootfs(bad[i], &r, &err), -EINVAL);
		CHECK(r.kind == ROOTFS_DIR && r.path == NULL && r.packages.v == NULL);
	}
	value_parse_rootfs("docker:alpine", &r, &err);
	CHECK_STR(err.msg, "invalid rootfs 'docker:alpine': expected host, dir:/PATH or "
			   "debian:PKG[,PKG...]");
	value_parse_rootfs("debian:curl,Py_thon", &r, &err);
	CHECK_STR(err.msg, "invalid Debian package 'Py_thon': expected debian:PKG[,PKG...] with "
			   "Debian package names like python3 or libc6-dev");
	value_parse_rootfs("debian:curl,,git", &r, &err);
	CHECK_CONTAINS(err.msg, "invalid rootfs 'debian:curl,,git'");
}

TEST(value_rootfs_long)
{
	char *big = value_test_repeat('a', 10000);
	struct error err;
	struct rootfs_spec r;

	memset(&r, 0, sizeof(r));
	memcpy(big, "debian:", 7);
	for (size_t i = 10; i < 9996; i += 4)
		big[i] = ',';
	CHECK_INT(value_parse_rootfs(big, &r, &err), 0);
	CHECK_UINT(r.packages.n, 2); /* "aaa" many times, then "aaaaa" */
	CHECK_STR(r.packages.n == 2 ? r.packages.v[1] : NULL, "aaaaa");
	rootfs_spec_release(&r);
	big[9999] = '\033';
	CHECK_INT(value_parse_rootfs(big, &r, &err), -EINVAL);
	CHECK(!strchr(err.msg, '\033'));
	free(big);
}

TEST(value_seccomp)
{
	struct error err;
	struct seccomp_spec sc;

	memset(&sc, 0, sizeof(sc));
	CHECK_INT(value_parse_seccomp("default", &sc, &err), 0);
	CHECK_INT(sc.kind, SECCOMP_DEFAULT);
	CHECK(sc.path == NULL);
	CHECK_INT(value_parse_seccomp("unconfined", &sc, &err), 0);
	CHECK_INT(sc.kind, SECCOMP_UNCONFINED);
	CHECK(sc.path == NULL);
	CHECK_INT(value_parse_seccomp("Unconfined", &sc, &err), 0);
	CHECK_INT(sc.kind, SECCOMP_UNCONFINED);
	CHECK_INT(value_parse_seccomp("/etc/pistack//seccomp/web.json", &sc, &err), 0);
	CHECK_INT(sc.kind, SECCOMP_FILE);
	CHECK_STR(sc.path, "/etc/pistack/seccomp/web.json");
	seccomp_spec_release(&sc);
	CHECK(sc.path == NULL);

	static const char *const bad[] = { "", " ", "defaults", "none", "seccomp.json",
					   "./seccomp.json", "/a/../b.json", "/a\nb", "default " };
	sc.kind = SECCOMP_UNCONFINED;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(value_parse_seccomp(bad[i], &sc, &err), -EINVAL);
		CHECK(sc.kind == SECCOMP_UNCONFINED && sc.path == NULL);
	}
	value_parse_seccomp("none", &sc, &err);
	CHECK_STR(err.msg, "invalid seccomp profile 'none': expected default, unconfined or an "
			   "absolute path to a profile");
}
