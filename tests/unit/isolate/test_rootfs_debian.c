/*
 * test_rootfs_debian.c - the names of debian: root filesystems: package list
 * normalisation, the KEY (stable, order-free, distinct, bounded, a safe file
 * name), the host's release from os-release and the sources.list check, with
 * hostile input; and that a built tree is found where the plan looks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isolate/rootfs.h"
#include "isolate/rootfs_debian.h"
#include "test.h"

/* KEY of the N names in LIST, or "" (ERR filled). */
static const char *key_of(char **list, size_t n, char *key, size_t size, struct error *err)
{
	if (rootfs_debian_key(list, n, key, size, err) < 0)
		key[0] = '\0';
	return key;
}

TEST(rootfs_debian_normalise_sorts_and_dedups)
{
	char a[] = "python3-redis", b[] = "python3", c[] = "python3-redis", d[] = "curl";
	char *list[] = {a, b, c, d};
	struct strv out;
	struct error err;

	CHECK_INT(rootfs_debian_normalise(list, 4, &out, &err), 0);
	CHECK_INT(out.n, 3);
	CHECK_STR(out.v[0], "curl");
	CHECK_STR(out.v[1], "python3");
	CHECK_STR(out.v[2], "python3-redis");
	CHECK(out.v[3] == NULL);
	/* copies: the input is not touched */
	CHECK_STR(list[0], "python3-redis");
	strv_release(&out);
}

TEST(rootfs_debian_normalise_refuses_bad_names)
{
	char ok[] = "busybox", upper[] = "Busybox", slash[] = "../etc", comma[] = "a,b", dash[] = "-x",
	     one[] = "a", space[] = "bad name", opt[] = "--include=x", nul_like[] = "a\001b",
	     colon[] = "a:amd64";
	char *bad[] = {upper, slash, comma, dash, one, space, opt, nul_like, colon};
	char long_name[200];
	struct strv out;
	struct error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *list[] = {ok, bad[i]};

		CHECK_INT(rootfs_debian_normalise(list, 2, &out, &err), -EINVAL);
		CHECK(out.n == 0 && out.v == NULL);
		CHECK(strstr(err.msg, "is no Debian package name") != NULL);
	}
	/* the offending name is shown printable and cut */
	{
		char *list[] = {nul_like};

		rootfs_debian_normalise(list, 1, &out, &err);
		CHECK_STR(err.msg,
			  "build rootfs 'debian:...': 'a?b' is no Debian package name: Invalid argument");
	}
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	{
		char *list[] = {long_name};

		CHECK_INT(rootfs_debian_normalise(list, 1, &out, &err), -EINVAL);
		CHECK(strlen(err.msg) < 200);
	}
	{
		char *list[] = {NULL};

		CHECK_INT(rootfs_debian_normalise(list, 1, &out, &err), -EINVAL);
	}
	CHECK_INT(rootfs_debian_normalise(NULL, 0, &out, &err), -EINVAL);
	CHECK(strstr(err.msg, "no package named") != NULL);
	CHECK(rootfs_debian_package_valid("libstdc++6"));
	CHECK(rootfs_debian_package_valid("libgtk2.0-0"));
	CHECK(rootfs_debian_package_valid("0ad"));
}

TEST(rootfs_debian_key_is_readable_and_stable)
{
	char a[] = "python3", b[] = "python3-redis";
	char *list[] = {a, b}, *reversed[] = {b, a, b};
	char key[ROOTFS_DEBIAN_KEY_MAX + 1], key2[ROOTFS_DEBIAN_KEY_MAX + 1];
	struct error err;
	size_t len;

	key_of(list, 2, key, sizeof(key), &err);
	len = strlen(key);
	CHECK_INT(len, strlen("python3_python3-redis-") + ROOTFS_DEBIAN_HASH_HEX);
	CHECK(strncmp(key, "python3_python3-redis-", 22) == 0);
	for (size_t i = 22; i < len; i++)
		CHECK(strchr("0123456789abcdef", key[i]) != NULL);
	/* order and duplicates do not matter */
	CHECK_STR(key_of(reversed, 3, key2, sizeof(key2), &err), key);
	/* the same list names the same tree in every run: a fixed value */
	{
		char bb[] = "busybox";
		char *one[] = {bb};

		key_of(one, 1, key2, sizeof(key2), &err);
		CHECK(strncmp(key2, "busybox-", 8) == 0);
		CHECK_INT(strlen(key2), 8 + ROOTFS_DEBIAN_HASH_HEX);
		key_of(one, 1, key, sizeof(key), &err);
		CHECK_STR(key, key2);
	}
	/* too small a buffer */
	CHECK_INT(rootfs_debian_key(list, 2, key, ROOTFS_DEBIAN_KEY_MAX, &err), -ENAMETOOLONG);
}

TEST(rootfs_debian_key_tells_lists_apart)
{
	/* Lists whose readable parts are equal or cut alike differ by the hash. */
	char a[] = "aa-bb", b[] = "cc", ab[] = "aa";
	char k1[ROOTFS_DEBIAN_KEY_MAX + 1], k2[ROOTFS_DEBIAN_KEY_MAX + 1];
	char n1[60], n2[60], n3[60];
	struct error err;

	{
		char *l1[] = {a, b}, *l2[] = {ab, b};

		CHECK(strcmp(key_of(l1, 2, k1, sizeof(k1), &err), key_of(l2, 2, k2, sizeof(k2), &err)) != 0);
	}
	/* two long lists that share their first 48 characters */
	memset(n1, 'x', 59);
	n1[59] = '\0';
	snprintf(n2, sizeof(n2), "%s", n1);
	snprintf(n3, sizeof(n3), "%s", n1);
	n2[58] = 'y';
	n3[58] = 'z';
	{
		char *l1[] = {n1, n2}, *l2[] = {n1, n3};

		key_of(l1, 2, k1, sizeof(k1), &err);
		key_of(l2, 2, k2, sizeof(k2), &err);
		CHECK(strcmp(k1, k2) != 0);
		CHECK_INT(strlen(k1), ROOTFS_DEBIAN_KEY_MAX);
		CHECK(strncmp(k1, k2, ROOTFS_DEBIAN_READABLE_MAX) == 0);
	}
	/* a KEY is one safe file name: no '/', never "." or ".." or hidden */
	{
		char dots[] = "a..", *l[] = {dots};

		key_of(l, 1, k1, sizeof(k1), &err);
		CHECK(strchr(k1, '/') == NULL);
		CHECK(k1[0] != '.');
	}
}

TEST(rootfs_debian_spec_text_cuts)
{
	char a[] = "curl", b[] = "python3";
	char *v[] = {a, b, NULL};
	struct strv pkgs = {v, 2};
	char buf[64], small[12];

	rootfs_debian_spec_text(&pkgs, buf, sizeof(buf));
	CHECK_STR(buf, "debian:curl,python3");
	rootfs_debian_spec_text(&pkgs, small, sizeof(small));
	CHECK_STR(small, "debian:c...");
}

TEST(rootfs_debian_codename_from_os_release)
{
	char out[32];

	CHECK(rootfs_debian_codename("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
				     "VERSION_CODENAME=bookworm\nID=debian\n",
				     out, sizeof(out)));
	CHECK_STR(out, "bookworm");
	CHECK(rootfs_debian_codename("VERSION_CODENAME=\"trixie\"", out, sizeof(out)));
	CHECK_STR(out, "trixie");
	CHECK(rootfs_debian_codename("VERSION_CODENAME='sid'\n", out, sizeof(out)));
	CHECK_STR(out, "sid");
	/* hostile or missing: refused, never an argument for mmdebstrap */
	CHECK(!rootfs_debian_codename("", out, sizeof(out)));
	CHECK(!rootfs_debian_codename("ID=debian\n", out, sizeof(out)));
	CHECK(!rootfs_debian_codename("VERSION_CODENAME=\n", out, sizeof(out)));
	CHECK(!rootfs_debian_codename("VERSION_CODENAME=\"\"\n", out, sizeof(out)));
	CHECK(!rootfs_debian_codename("VERSION_CODENAME=--mode=chrootless\n", out, sizeof(out)));
	CHECK(!rootfs_debian_codename("VERSION_CODENAME=book worm\n", out, sizeof(out)));
	CHECK(!rootfs_debian_codename("VERSION_CODENAME=../x\n", out, sizeof(out)));
	CHECK(!rootfs_debian_codename("VERSION_CODENAME=\"bookworm\n", out, sizeof(out)));
	CHECK(!rootfs_debian_codename("XVERSION_CODENAME=bookworm\n", out, sizeof(out)));
	CHECK(!rootfs_debian_codename("VERSION_CODENAME=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", out,
				      sizeof(out)));
}

TEST(rootfs_debian_codename_never_starts_with_a_dash)
{
	char out[32];

	/* a suite starting with '-' would be an option of mmdebstrap */
	CHECK(!rootfs_debian_codename("VERSION_CODENAME=-x\n", out, sizeof(out)));
}

TEST(rootfs_debian_sources_has_entry)
{
	CHECK(rootfs_debian_sources_has_entry("deb http://deb.debian.org/debian bookworm main\n"));
	CHECK(rootfs_debian_sources_has_entry("# comment\n  deb\thttp://x y z\n"));
	CHECK(rootfs_debian_sources_has_entry("deb-src http://x y z"));
	CHECK(!rootfs_debian_sources_has_entry(""));
	CHECK(!rootfs_debian_sources_has_entry("# deb http://deb.debian.org/debian bookworm main\n"));
	CHECK(!rootfs_debian_sources_has_entry("debian\ndeb\n"));
	CHECK(!rootfs_debian_sources_has_entry("Types: deb\nURIs: http://x\n"));
}

TEST(rootfs_debian_path_and_built)
{
	char a[] = "busybox";
	char *v[] = {a, NULL};
	struct rootfs_spec spec = {.kind = ROOTFS_DEBIAN, .packages = {v, 1}};
	char dir[64] = "/tmp/pistack-test-debian.XXXXXX", path[4096], key[ROOTFS_DEBIAN_KEY_MAX + 1],
	     want[4096];
	struct error err;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(rootfs_debian_key(v, 1, key, sizeof(key), &err), 0);
	CHECK_INT(rootfs_debian_path(dir, &spec, path, sizeof(path), &err), 0);
	snprintf(want, sizeof(want), "%s/rootfs/%s", dir, key);
	CHECK_STR(path, want);
	CHECK(!rootfs_debian_is_built(path));
	/* a half-built tree is not built */
	snprintf(want, sizeof(want), "%s/rootfs", dir);
	CHECK_INT(mkdir(want, 0700), 0);
	snprintf(want, sizeof(want), "%s/rootfs/.%s.tmp", dir, key);
	CHECK_INT(mkdir(want, 0755), 0);
	CHECK(!rootfs_debian_is_built(path));
	/* a file under the KEY is no tree */
	{
		FILE *f = fopen(path, "w");

		CHECK(f != NULL);
		if (f)
			fclose(f);
		CHECK(!rootfs_debian_is_built(path));
		unlink(path);
	}
	CHECK_INT(rename(want, path), 0);
	CHECK(rootfs_debian_is_built(path));
	/* too long a STATE */
	CHECK_INT(rootfs_debian_path(dir, &spec, path, 20, &err), -ENAMETOOLONG);
	CHECK_INT(rootfs_remove(dir, "rootfs", &err), 0);
	CHECK_INT(rmdir(dir), 0);
}
