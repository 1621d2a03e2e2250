/*
 * identity.c - resolve a service's user inside its root filesystem.  We parse
 * the rootfs's etc/passwd and etc/group ourselves: getpwnam() would ask the
 * host's NSS, and the rootfs may be another distribution.  Both files are
 * opened with openat2(RESOLVE_IN_ROOT) so a symlink in the rootfs cannot
 * reach host files.  Runs in the parent; the child gets the result.
 */
#include "isolate/security.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"

/* Larger account files are refused (a hostile rootfs could offer /dev/zero). */
#define IDENTITY_FILE_MAX (4U << 20)
/* The fields of a passwd line: name:password:uid:gid:gecos:home:shell. */
enum { PW_NAME, PW_PASSWD, PW_UID, PW_GID, PW_GECOS, PW_HOME, PW_SHELL, PW_FIELDS };

/* One field of a line. */
struct field {
	const char *p;
	size_t n;
};

/* The next line of [*P, END) into LINE; false at the end. */
static bool next_line(const char **p, const char *end, struct field *line)
{
	const char *eol;

	if (*p >= end)
		return false;
	eol = memchr(*p, '\n', (size_t)(end - *p));
	line->p = *p;
	line->n = (size_t)((eol ? eol : end) - *p);
	*p = eol ? eol + 1 : end;
	return true;
}

/* Split LINE at ':' into at most MAX fields; returns how many there are, or 0
 * for lines to ignore: empty, comments, NIS "+"/"-" entries, NUL bytes. */
static size_t split_fields(struct field line, struct field *f, size_t max)
{
	size_t n = 0;

	if (line.n == 0 || line.p[0] == '#' || line.p[0] == '+' || line.p[0] == '-' ||
	    memchr(line.p, '\0', line.n))
		return 0;
	while (n < max) {
		const char *colon = memchr(line.p, ':', line.n);

		f[n].p = line.p;
		f[n].n = colon ? (size_t)(colon - line.p) : line.n;
		n++;
		if (!colon)
			break;
		line.n -= (size_t)(colon - line.p) + 1;
		line.p = colon + 1;
	}
	return n;
}

/* A uid or gid: decimal digits only, below the invalid (uid_t)-1. */
static bool parse_id(struct field f, uint32_t *out)
{
	uint64_t v = 0;

	if (f.n == 0 || f.n > 10)
		return false;
	for (size_t i = 0; i < f.n; i++) {
		if (f.p[i] < '0' || f.p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(f.p[i] - '0');
	}
	if (v >= UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Whether field F is the string S. */
static bool field_is(struct field f, const char *s)
{
	return strlen(s) == f.n && memcmp(f.p, s, f.n) == 0;
}

/* Find SPEC in an etc/passwd text; see security.h. */
int identity_parse_passwd(const char *text, size_t len, const struct user_spec *spec, struct identity *out,
			  struct error *err)
{
	const char *p = text, *end = text + len;
	bool by_name = spec->name[0] != '\0';
	struct field line, f[PW_FIELDS];

	while (next_line(&p, end, &line)) {
		uint32_t uid, gid;

		/* glibc needs all seven fields; we only need six (home). */
		if (split_fields(line, f, PW_FIELDS) < PW_HOME + 1 || f[PW_NAME].n == 0)
			continue;
		if (!parse_id(f[PW_UID], &uid) || !parse_id(f[PW_GID], &gid))
			continue;
		if (by_name ? !field_is(f[PW_NAME], spec->name) : uid != spec->uid)
			continue;
		/* The first entry wins, as with glibc's files backend. */
		out->uid = uid;
		out->gid = gid;
		free(out->name);
		free(out->home);
		out->name = strndup(f[PW_NAME].p, f[PW_NAME].n);
		/* A relative or empty home is no place to start in. */
		if (f[PW_HOME].n > 0 && f[PW_HOME].p[0] == '/' && f[PW_HOME].n < PATH_MAX)
			out->home = strndup(f[PW_HOME].p, f[PW_HOME].n);
		else
			out->home = strdup("/");
		if (!out->name || !out->home)
			return error_set(err, ENOMEM, "read etc/passwd");
		return 0;
	}
	if (by_name)
		error_set(err, 0, "no such user in etc/passwd");
	else
		error_set(err, 0, "no user with uid %u in etc/passwd", (unsigned)spec->uid);
	return -ENOENT;
}

/* Whether the comma-separated member list F names USER. */
static bool members_include(struct field f, const char *user)
{
	size_t ulen = strlen(user);

	while (f.n > 0) {
		const char *comma = memchr(f.p, ',', f.n);
		size_t n = comma ? (size_t)(comma - f.p) : f.n;

		if (n == ulen && memcmp(f.p, user, n) == 0)
			return true;
		if (!comma)
			break;
		f.n -= n + 1;
		f.p = comma + 1;
	}
	return false;
}

/* Compare two gids for qsort. */
static int gid_cmp(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* Collect OUT's groups from an etc/group text; see security.h. */
int identity_parse_group(const char *text, size_t len, struct identity *out, struct error *err)
{
	const char *p = text, *end = text + len;
	cleanup_free gid_t *v = NULL;
	size_t n = 0, cap = 0, u = 0;
	struct field line, f[4];

	free(out->groups);
	out->groups = NULL;
	out->n_groups = 0;
	while (next_line(&p, end, &line)) {
		uint32_t gid;

		if (!out->name || split_fields(line, f, 4) < 4 || !parse_id(f[2], &gid) || gid == out->gid ||
		    !members_include(f[3], out->name))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			gid_t *nv = realloc(v, ncap * sizeof(*v));

			if (!nv)
				return error_set(err, ENOMEM, "read etc/group");
			v = nv, cap = ncap;
		}
		v[n++] = gid;
	}
	/* Sorted and unique; the primary group goes first. */
	if (n > 0)
		qsort(v, n, sizeof(*v), gid_cmp);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || v[u - 1] != v[i])
			v[u++] = v[i];
	if (u + 1 > NGROUPS_MAX)
		return error_set(err, E2BIG, "user '%s' is in %zu groups, the kernel takes %d", out->name,
				 u + 1, NGROUPS_MAX);
	out->groups = malloc((u + 1) * sizeof(*out->groups));
	if (!out->groups)
		return error_set(err, ENOMEM, "read etc/group");
	out->groups[0] = out->gid;
	if (u > 0)
		memcpy(out->groups + 1, v, u * sizeof(*v));
	out->n_groups = u + 1;
	return 0;
}

/* Read ROOTFS's file PATH whole, resolving it inside ROOTFS only. */
static int read_in_root(int rootfd, const char *path, char **text, size_t *len, struct error *err)
{
	/* RESOLVE_IN_ROOT makes absolute symlinks and ".." stop at the rootfs,
	 * as they would after pivot_root; no magic links (/proc/self/root...).
	 * O_NONBLOCK: a FIFO planted as etc/passwd must not hang the supervisor. */
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	cleanup_close int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	ssize_t got;
	struct stat st;

	if (fd < 0)
		return error_set(err, errno, "read '%s'", path);
	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "read '%s'", path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "read '%s': not a regular file", path);
	if (st.st_size > IDENTITY_FILE_MAX)
		return error_set(err, EFBIG, "read '%s'", path);
	*text = malloc((size_t)st.st_size + 1);
	if (!*text)
		return error_set(err, ENOMEM, "read '%s'", path);
	/* Up to one byte past the size: a file that grew is read as it was. */
	got = fs_read_full(fd, *text, (size_t)st.st_size + 1);
	if (got < 0) {
		free(*text);
		*text = NULL;
		return error_set(err, (int)-got, "read '%s'", path);
	}
	*len = (size_t)got > (size_t)st.st_size ? (size_t)st.st_size : (size_t)got;
	return 0;
}

/* Resolve SPEC inside ROOTFS_DIR; see security.h. */
int identity_resolve(const char *rootfs_dir, const struct user_spec *spec, struct identity *out,
		     struct error *err)
{
	cleanup_close int rootfd = -1;
	cleanup_free char *passwd = NULL, *group = NULL;
	size_t passwd_len = 0, group_len = 0;
	char label[NAME_MAX_LEN + 16];
	bool numeric = spec->name[0] == '\0';
	int r;

	memset(out, 0, sizeof(*out));
	if (numeric)
		snprintf(label, sizeof(label), "%u", (unsigned)spec->uid);
	else
		snprintf(label, sizeof(label), "%.*s", NAME_MAX_LEN, spec->name);
	out->uid = spec->uid;
	out->gid = spec->has_gid ? spec->gid : spec->uid;

	rootfd = open(rootfs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		r = error_set(err, errno, "resolve user '%s': open '%s'", label, rootfs_dir);
		goto fail;
	}
	r = read_in_root(rootfd, "etc/passwd", &passwd, &passwd_len, err);
	/* A rootfs without etc/passwd (a static binary, say) can still run
	 * as a numeric user. */
	if (r == -ENOENT && numeric)
		goto done;
	if (r == 0)
		r = identity_parse_passwd(passwd, passwd_len, spec, out, err);
	if (r == -ENOENT && numeric)
		goto done; /* no entry: gid = uid, no groups, home "/" */
	if (r < 0)
		goto fail_prefix;
	if (spec->has_gid) {
		/* UID:GID is exactly that: the entry only lends name and home. */
		out->gid = spec->gid;
		goto done;
	}
	r = read_in_root(rootfd, "etc/group", &group, &group_len, err);
	if (r < 0 && r != -ENOENT)
		goto fail_prefix;
	/* Without etc/group, the primary group alone. */
	r = identity_parse_group(r == 0 ? group : "", r == 0 ? group_len : 0, out, err);
	if (r < 0)
		goto fail_prefix;
done:
	if (!out->home && !(out->home = strdup("/"))) {
		r = error_set(err, ENOMEM, "resolve user '%s'", label);
		goto fail;
	}
	return 0;
fail_prefix:
	error_prefix(err, "resolve user '%s' in '%s'", label, rootfs_dir);
fail:
	identity_release(out);
	return r;
}

/* Free what identity_resolve() allocated. */
void identity_release(struct identity *id)
{
	free(id->groups);
	free(id->home);
	free(id->name);
	id->groups = NULL;
	id->home = NULL;
	id->name = NULL;
	id->n_groups = 0;
}
