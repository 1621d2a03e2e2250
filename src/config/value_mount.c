/*
 * value_mount.c - configuration values that describe filesystems: the root filesystem of a
 * service (the host's, a directory, or Debian packages), [mount] lines and the seccomp
 * profile.  Every path that will be joined below another directory is refused if it holds "..".
 */
#include "config/value.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"

/* True for a C0 control byte or DEL. */
static bool value_is_control(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

/* Normalise the path S, relative to BASE ("a//b/./c/" -> "a/b/c", "." -> ""); no "..", no
 * leading '/'.  Errors name WHAT and echo TEXT, the word the user wrote. */
static int value_parse_relpath(const char *s, const char *base, const char *what, const char *text,
			       char **out, struct error *err)
{
	size_t len = strlen(s), o = 0;
	const char *p = s;
	char *norm;

	if (s[0] == '/')
		return value_error(err, what, text, "expected a path relative to the %s", base);
	for (size_t i = 0; i < len; i++)
		if (value_is_control(s[i]))
			return value_error(err, what, text,
					   "expected a path without control characters");
	norm = malloc(len + 1);
	if (!norm)
		return error_set(err, ENOMEM, "allocate memory");
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			free(norm);
			/* The path is joined below the volume or bundle: ".." would leave it. */
			return value_error(err, what, text,
					   "expected a path without '..' components");
		}
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o > 0)
				norm[o++] = '/';
			memcpy(norm + o, p, n);
			o += n;
		}
		p += n;
		p += strspn(p, "/");
	}
	norm[o] = '\0';
	*out = norm;
	return 0;
}

#define MOUNT_FORM "SOURCE [ro|rw], SOURCE one of volume, volume:SUBDIR, bundle:PATH, " \
		   "host:/PATH, tmpfs, tmpfs:SIZE"

/* Parse the source word SRC of a [mount] line into M. */
static int value_parse_mount_source(const char *src, struct mount_spec *m, struct error *err)
{
	if (strcasecmp(src, "volume") == 0) {
		m->kind = MOUNT_VOLUME;
		m->source = strdup("");
		return m->source ? 0 : error_set(err, ENOMEM, "allocate memory");
	}
	if (strncasecmp(src, "volume:", 7) == 0) {
		m->kind = MOUNT_VOLUME;
		if (!src[7])
			return value_error(err, "volume mount", src,
					   "expected volume or volume:SUBDIR");
		return value_parse_relpath(src + 7, "volume", "volume mount", src, &m->source,
					   err);
	}
	if (strncasecmp(src, "bundle:", 7) == 0) {
		int r;

		m->kind = MOUNT_BUNDLE;
		r = value_parse_relpath(src + 7, "bundle", "bundle mount", src, &m->source, err);
		if (r == 0 && !m->source[0])
			return value_error(err, "bundle mount", src,
					   "expected bundle:PATH naming a file or directory of the "
					   "bundle");
		return r;
	}
	if (strncasecmp(src, "host:", 5) == 0) {
		m->kind = MOUNT_HOST;
		return value_parse_abspath(src + 5, &m->source, err);
	}
	if (strcasecmp(src, "tmpfs") == 0) {
		m->kind = MOUNT_TMPFS;
		return 0;
	}
	if (strncasecmp(src, "tmpfs:", 6) == 0) {
		m->kind = MOUNT_TMPFS;
		return value_parse_size(src + 6, &m->tmpfs_size, err);
	}
	return value_error(err, "mount source", src, "expected " MOUNT_FORM);
}

/* One [mount] line: TARGET = SOURCE [ro|rw]. */
int value_parse_mount(const char *target, const char *value, struct mount_spec *out,
		      struct error *err)
{
	struct mount_spec m = { .target = NULL };
	cleanup_free char *word = malloc(strlen(value) + 1);
	const char *p = value;
	int r;

	if (!word)
		return error_set(err, ENOMEM, "allocate memory");
	r = value_parse_abspath(target, &m.target, err);
	if (r < 0)
		return r;
	if (strcmp(m.target, "/") == 0) {
		r = value_error(err, "mount target", target,
				"expected an absolute path other than /");
		goto fail;
	}
	if (value_next_word(&p, word, strlen(value) + 1) == 0) {
		r = value_error(err, "mount", value, "expected " MOUNT_FORM);
		goto fail;
	}
	r = value_parse_mount_source(word, &m, err);
	if (r < 0)
		goto fail;
	/* What a bundle ships is part of the recipe, not data: read-only unless asked. */
	m.readonly = m.kind == MOUNT_BUNDLE;
	if (value_next_word(&p, word, strlen(value) + 1) > 0) {
		if (strcasecmp(word, "ro") == 0) {
			m.readonly = true;
		} else if (strcasecmp(word, "rw") == 0) {
			m.readonly = false;
		} else {
			r = value_error(err, "mount option", word, "expected ro or rw");
			goto fail;
		}
	}
	if (value_next_word(&p, word, strlen(value) + 1) > 0) {
		r = value_error(err, "mount", value, "expected " MOUNT_FORM);
		goto fail;
	}
	*out = m;
	return 0;
fail:
	mount_spec_release(&m);
	return r;
}

/* Free a mount's strings and leave it zeroed. */
void mount_spec_release(struct mount_spec *m)
{
	free(m->target);
	free(m->source);
	memset(m, 0, sizeof(*m));
}

/* True for a Debian package name: [a-z0-9][a-z0-9+.-]+ (LEN bytes). */
static bool value_is_debian_package(const char *s, size_t len)
{
	if (len < 2 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* qsort() comparison of two strings of a strv. */
static int value_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define DEBIAN_FORM "debian:PKG[,PKG...] with Debian package names like python3 or libc6-dev"

/* The packages of "debian:PKG[,PKG...]" (LIST is after the colon): sorted, unique.  Blanks
 * around the commas are allowed. */
static int value_parse_packages(const char *s, const char *list, struct strv *out,
				struct error *err)
{
	struct strv pkgs = { NULL, 0 };
	const char *p = list;
	size_t j = 0;
	int r;

	for (;;) {
		const char *item = p + strspn(p, " \t");
		size_t len = strcspn(item, ",");
		cleanup_free char *name = NULL;

		while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t'))
			len--;
		name = strndup(item, len);
		if (!name) {
			r = error_set(err, ENOMEM, "allocate memory");
			goto fail;
		}
		if (!value_is_debian_package(name, len)) {
			r = len ? value_error(err, "Debian package", name, "expected " DEBIAN_FORM)
				: value_error(err, "rootfs", s, "expected " DEBIAN_FORM);
			goto fail;
		}
		if (strv_push(&pkgs, name) < 0) {
			r = error_set(err, ENOMEM, "allocate memory");
			goto fail;
		}
		p = item + strcspn(item, ",");
		if (!*p)
			break;
		p++;
	}
	/* Sorted and unique, so the same set always names the same built root filesystem. */
	qsort(pkgs.v, pkgs.n, sizeof(*pkgs.v), value_strcmp);
	for (size_t i = 0; i < pkgs.n; i++) {
		if (j > 0 && strcmp(pkgs.v[j - 1], pkgs.v[i]) == 0)
			free(pkgs.v[i]);
		else
			pkgs.v[j++] = pkgs.v[i];
	}
	pkgs.n = j;
	pkgs.v[j] = NULL;
	*out = pkgs;
	return 0;
fail:
	strv_release(&pkgs);
	return r;
}

/* rootfs = host | dir:/ABS/PATH | debian:PKG[,PKG...] */
int value_parse_rootfs(const char *s, struct rootfs_spec *out, struct error *err)
{
	struct rootfs_spec r = { .kind = ROOTFS_HOST };
	int ret;

	if (strcasecmp(s, "host") == 0) {
		*out = r;
		return 0;
	}
	if (strncasecmp(s, "dir:", 4) == 0) {
		r.kind = ROOTFS_DIR;
		ret = value_parse_abspath(s + 4, &r.path, err);
	} else if (strncasecmp(s, "debian:", 7) == 0) {
		r.kind = ROOTFS_DEBIAN;
		ret = value_parse_packages(s, s + 7, &r.packages, err);
	} else {
		ret = value_error(err, "rootfs", s,
				  "expected host, dir:/PATH or debian:PKG[,PKG...]");
	}
	if (ret < 0)
		return ret;
	*out = r;
	return 0;
}

/* Free a rootfs spec's path and packages and leave it zeroed. */
void rootfs_spec_release(struct rootfs_spec *r)
{
	free(r->path);
	strv_release(&r->packages);
	memset(r, 0, sizeof(*r));
}

/* seccomp = default | unconfined | /ABS/PATH */
int value_parse_seccomp(const char *s, struct seccomp_spec *out, struct error *err)
{
	struct seccomp_spec sc = { .kind = SECCOMP_DEFAULT };

	if (strcasecmp(s, "default") == 0) {
		sc.kind = SECCOMP_DEFAULT;
	} else if (strcasecmp(s, "unconfined") == 0) {
		sc.kind = SECCOMP_UNCONFINED;
	} else if (s[0] == '/') {
		int r = value_parse_abspath(s, &sc.path, err);

		if (r < 0)
			return r;
		sc.kind = SECCOMP_FILE;
	} else {
		return value_error(err, "seccomp profile", s,
				   "expected default, unconfined or an absolute path to a profile");
	}
	*out = sc;
	return 0;
}

/* Free a seccomp spec's path and leave it zeroed. */
void seccomp_spec_release(struct seccomp_spec *s)
{
	free(s->path);
	memset(s, 0, sizeof(*s));
}
