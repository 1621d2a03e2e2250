/*
 * ipam.c - address leases of services on the bridge subnet: the pure parser,
 * formatter and allocator of the leases table, and the locked, atomic
 * read-modify-write of STATE_DIR/leases around them.
 */
#include "net/ipam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"

#define IPAM_LINE_MAX 128 /* "NAME(32) ADDRESS(15) LAST_USED(20)" is 69 */

/* Release the entries of T. */
void ipam_table_release(struct ipam_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

/* Append a copy of E to T. */
static int ipam_table_push(struct ipam_table *t, const struct ipam_entry *e)
{
	struct ipam_entry *v;
	size_t cap;

	if (t->n == t->cap) {
		cap = t->cap ? 2 * t->cap : 16;
		v = reallocarray(t->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = *e;
	return 0;
}

/* Remove entry I of T, keeping the order of the others. */
static void ipam_table_remove(struct ipam_table *t, size_t i)
{
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(t->v[0]));
	t->n--;
}

/* Parse a LAST_USED field: 1 to 20 decimal digits that fit 64 bits. */
static bool ipam_parse_time(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* Parse one line of LEN bytes into E; *BLANK is set for a blank line.  ERR gets
 * the reason without the location. */
static int ipam_parse_line(const char *line, size_t len, struct ipam_entry *e, bool *blank, struct error *err)
{
	char buf[IPAM_LINE_MAX], name[IPAM_LINE_MAX], addr[IPAM_LINE_MAX], when[IPAM_LINE_MAX];
	char extra[IPAM_LINE_MAX];
	const char *p = buf;

	*blank = false;
	if (memchr(line, '\0', len))
		return error_set(err, 0, "the line contains a NUL byte");
	if (len >= sizeof(buf))
		return error_set(err, 0, "the line is longer than %d bytes", IPAM_LINE_MAX - 1);
	memcpy(buf, line, len);
	buf[len] = '\0';
	/* Words never exceed the line, so value_next_word() cannot truncate them. */
	if (value_next_word(&p, name, sizeof(name)) == 0) {
		*blank = true;
		return 0;
	}
	if (value_next_word(&p, addr, sizeof(addr)) == 0 || value_next_word(&p, when, sizeof(when)) == 0 ||
	    value_next_word(&p, extra, sizeof(extra)) != 0)
		return error_set(err, 0, "expected NAME ADDRESS LAST_USED");
	if (!value_is_name(name))
		return value_error(err, "service name", name,
				   "expected [a-z0-9][a-z0-9-]*, at most %d characters", NAME_MAX_LEN);
	if (inet_pton(AF_INET, addr, &e->addr) != 1)
		return value_error(err, "address", addr, "expected an IPv4 address like 10.213.0.2");
	if (!ipam_parse_time(when, &e->last_used))
		return value_error(err, "time", when, "expected seconds since the epoch");
	/* value_is_name() bounds the length. */
	memcpy(e->name, name, strlen(name) + 1);
	return 0;
}

/* An entry index with the line it came from, for duplicate detection. */
struct ipam_ref {
	const struct ipam_entry *e;
	size_t line;
};

/* Order refs by name, then line. */
static int ipam_ref_by_name(const void *a, const void *b)
{
	const struct ipam_ref *x = a, *y = b;
	int c = strcmp(x->e->name, y->e->name);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Order refs by address, then line. */
static int ipam_ref_by_addr(const void *a, const void *b)
{
	const struct ipam_ref *x = a, *y = b;
	uint32_t ax = ntohl(x->e->addr.s_addr), ay = ntohl(y->e->addr.s_addr);

	if (ax != ay)
		return ax < ay ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/* Find the first line (in file order) that repeats a name or an address of an
 * earlier line; fill ERR with the reason.  Returns that line, or 0. */
static size_t ipam_find_duplicate(const struct ipam_table *t, const size_t *lines, struct error *err)
{
	cleanup_free struct ipam_ref *refs = NULL;
	size_t worst = 0;
	char text[INET_ADDRSTRLEN];

	if (t->n < 2)
		return 0;
	refs = calloc(t->n, sizeof(*refs));
	if (!refs) {
		error_set(err, ENOMEM, "check for duplicate leases");
		return SIZE_MAX;
	}
	for (size_t i = 0; i < t->n; i++)
		refs[i] = (struct ipam_ref){&t->v[i], lines[i]};
	qsort(refs, t->n, sizeof(*refs), ipam_ref_by_name);
	for (size_t i = 1; i < t->n; i++) {
		if (strcmp(refs[i].e->name, refs[i - 1].e->name) == 0 && (!worst || refs[i].line < worst)) {
			worst = refs[i].line;
			error_set(err, 0, "'%s' is leased twice (lines %zu and %zu)", refs[i].e->name,
				  refs[i - 1].line, refs[i].line);
		}
	}
	qsort(refs, t->n, sizeof(*refs), ipam_ref_by_addr);
	for (size_t i = 1; i < t->n; i++) {
		if (refs[i].e->addr.s_addr == refs[i - 1].e->addr.s_addr &&
		    (!worst || refs[i].line < worst)) {
			worst = refs[i].line;
			inet_ntop(AF_INET, &refs[i].e->addr, text, sizeof(text));
			error_set(err, 0, "address %s is leased to both '%s' (line %zu) and '%s'", text,
				  refs[i - 1].e->name, refs[i - 1].line, refs[i].e->name);
		}
	}
	return worst;
}

/* See ipam.h. */
int ipam_parse(const char *text, size_t len, const char *origin, struct ipam_table *out, struct error *err)
{
	struct ipam_table t = {0};
	cleanup_free size_t *lines = NULL;
	struct error why = {0};
	size_t pos = 0, lineno = 0, lines_cap = 0, bad;
	size_t *more;
	struct ipam_entry e;
	bool blank;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		lineno++;
		memset(&e, 0, sizeof(e));
		if (ipam_parse_line(line, n, &e, &blank, &why) < 0) {
			ipam_table_release(&t);
			return error_set(err, 0, "read leases '%s:%zu': %s; correct or delete the line",
					 origin, lineno, why.msg);
		}
		if (blank)
			continue;
		if (ipam_table_push(&t, &e) < 0)
			goto out_nomem;
		/* LINES[i] is the line of entry i; it grows with the table. */
		if (t.cap != lines_cap) {
			more = reallocarray(lines, t.cap, sizeof(*lines));
			if (!more)
				goto out_nomem;
			lines = more;
			lines_cap = t.cap;
		}
		lines[t.n - 1] = lineno;
	}
	bad = ipam_find_duplicate(&t, lines, &why);
	if (bad) {
		ipam_table_release(&t);
		if (bad == SIZE_MAX)
			return error_set(err, ENOMEM, "read leases '%s'", origin);
		return error_set(err, 0, "read leases '%s:%zu': %s; correct or delete the line", origin, bad,
				 why.msg);
	}
	*out = t;
	return 0;

out_nomem:
	ipam_table_release(&t);
	return error_set(err, ENOMEM, "read leases '%s'", origin);
}

/* See ipam.h. */
int ipam_format(const struct ipam_table *t, char **out, size_t *len)
{
	char *text, *p, addr[INET_ADDRSTRLEN];
	size_t size = t->n * IPAM_LINE_MAX + 1;

	text = malloc(size);
	if (!text)
		return -ENOMEM;
	p = text;
	*p = '\0';
	for (size_t i = 0; i < t->n; i++) {
		inet_ntop(AF_INET, &t->v[i].addr, addr, sizeof(addr));
		p += snprintf(p, size - (size_t)(p - text), "%s %s %llu\n", t->v[i].name, addr,
			      (unsigned long long)t->v[i].last_used);
	}
	*out = text;
	*len = (size_t)(p - text);
	return 0;
}

/* The network and broadcast addresses of SUBNET, host byte order. */
static void ipam_bounds(const struct subnet *subnet, uint32_t *net, uint32_t *bcast)
{
	uint32_t mask = subnet->prefix ? 0xffffffffU << (32 - subnet->prefix) : 0;

	*net = ntohl(subnet->addr.s_addr) & mask;
	*bcast = *net | ~mask;
}

/* See ipam.h. */
bool ipam_usable(const struct subnet *subnet, struct in_addr addr)
{
	uint32_t net, bcast, a = ntohl(addr.s_addr);

	if (subnet->family != AF_INET || subnet->prefix < 1 || subnet->prefix > 30)
		return false;
	ipam_bounds(subnet, &net, &bcast);
	return a > net + 1 && a < bcast;
}

/* Order host-order addresses. */
static int ipam_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* NAME is one of the N names of V. */
static bool ipam_name_in(const char *name, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && strcmp(v[i], name) == 0)
			return true;
	return false;
}

/* The lowest usable address of SUBNET that no entry of T holds, in host order;
 * -ENOSPC when there is none. */
static int ipam_lowest_free(const struct ipam_table *t, const struct subnet *subnet, uint32_t *out)
{
	cleanup_free uint32_t *used = NULL;
	uint32_t net, bcast, candidate;
	size_t n = 0;

	ipam_bounds(subnet, &net, &bcast);
	used = malloc((t->n ? t->n : 1) * sizeof(*used));
	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		if (ipam_usable(subnet, t->v[i].addr))
			used[n++] = ntohl(t->v[i].addr.s_addr);
	qsort(used, n, sizeof(*used), ipam_u32_cmp);
	/* Skip the network address and the bridge's own, net + 1. */
	candidate = net + 2;
	for (size_t i = 0; i < n && used[i] <= candidate; i++)
		if (used[i] == candidate)
			candidate++;
	if (candidate >= bcast)
		return -ENOSPC;
	*out = candidate;
	return 0;
}

/* See ipam.h. */
int ipam_assign(struct ipam_table *t, const struct subnet *subnet, const char *name, char *const *active,
		size_t n_active, uint64_t now, struct in_addr *out, struct error *err)
{
	char net_text[INET_ADDRSTRLEN];
	struct ipam_entry e = {.last_used = now};
	size_t lru = SIZE_MAX;
	uint32_t net, bcast, host;
	int r;

	if (!value_is_name(name))
		return value_error(err, "service name", name,
				   "expected [a-z0-9][a-z0-9-]*, "
				   "at most %d characters",
				   NAME_MAX_LEN);
	if (subnet->family != AF_INET || subnet->prefix < 8 || subnet->prefix > 30)
		return error_set(err, EAFNOSUPPORT, "lease an address for '%s'", name);
	inet_ntop(AF_INET, &subnet->addr, net_text, sizeof(net_text));
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].name, name) != 0)
			continue;
		if (ipam_usable(subnet, t->v[i].addr)) {
			t->v[i].last_used = now;
			*out = t->v[i].addr;
			return 0;
		}
		/* A lease of an earlier subnet: NAME gets a new one below. */
		ipam_table_remove(t, i);
		break;
	}
	r = ipam_lowest_free(t, subnet, &host);
	if (r == -ENOMEM)
		return error_set(err, ENOMEM, "lease an address for '%s'", name);
	if (r == -ENOSPC) {
		/* Full: take over the lease unused for the longest time (the lowest
		 * address among equals, so the choice is reproducible). */
		for (size_t i = 0; i < t->n; i++) {
			if (!ipam_usable(subnet, t->v[i].addr) ||
			    ipam_name_in(t->v[i].name, active, n_active))
				continue;
			if (lru == SIZE_MAX || t->v[i].last_used < t->v[lru].last_used ||
			    (t->v[i].last_used == t->v[lru].last_used &&
			     ntohl(t->v[i].addr.s_addr) < ntohl(t->v[lru].addr.s_addr)))
				lru = i;
		}
		if (lru == SIZE_MAX) {
			ipam_bounds(subnet, &net, &bcast);
			error_set(err, 0,
				  "lease an address for '%s' in subnet '%s/%u': all %u "
				  "addresses are held by running services; set a larger [network] subnet",
				  name, net_text, subnet->prefix, bcast - net - 2);
			return -ENOSPC;
		}
		host = ntohl(t->v[lru].addr.s_addr);
		ipam_table_remove(t, lru);
	}
	memcpy(e.name, name, strlen(name) + 1); /* a name: at most NAME_MAX_LEN */
	e.addr.s_addr = htonl(host);
	if (ipam_table_push(t, &e) < 0)
		return error_set(err, ENOMEM, "lease an address for '%s'", name);
	*out = e.addr;
	return 0;
}

/* Read the leases file PATH (a regular file of at most IPAM_FILE_MAX bytes) into
 * a malloc'd buffer.  Returns -ENOENT, without touching ERR, when there is none. */
static int ipam_read(const char *path, char **out, size_t *len, struct error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	cleanup_free char *text = NULL;
	struct stat st;
	size_t have = 0;
	ssize_t n;

	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return error_set(err, errno, "open leases '%s'", path);
	}
	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "stat leases '%s'", path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, 0, "read leases '%s': not a regular file", path);
	if (st.st_size > (off_t)IPAM_FILE_MAX)
		return error_set(err, 0, "read leases '%s': larger than %u bytes", path, IPAM_FILE_MAX);
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return error_set(err, ENOMEM, "read leases '%s'", path);
	while (have < (size_t)st.st_size) {
		n = read(fd, text + have, (size_t)st.st_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(err, errno, "read leases '%s'", path);
		if (n == 0)
			break;
		have += (size_t)n;
	}
	text[have] = '\0';
	*out = TAKE_PTR(text);
	*len = have;
	return 0;
}

/* Replace DIR/leases by TEXT: write a temporary file, fsync it, rename it over
 * the old one and fsync DIR, so a crash leaves the old or the new table whole. */
static int ipam_write(const char *dir, const char *text, size_t len, struct error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	cleanup_close int fd = -1, dirfd = -1;
	size_t done = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/leases", dir);
	snprintf(tmp, sizeof(tmp), "%s/leases.tmp", dir);
	/* One fixed temporary name is enough: writers hold leases.lock. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return error_set(err, errno, "create '%s'", tmp);
	while (done < len) {
		n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_set(err, errno, "write '%s'", tmp);
			goto out_unlink;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0) {
		error_set(err, errno, "fsync '%s'", tmp);
		goto out_unlink;
	}
	if (rename(tmp, path) < 0) {
		error_set(err, errno, "rename '%s' to '%s'", tmp, path);
		goto out_unlink;
	}
	/* The rename itself is durable only once the directory is. */
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || fsync(dirfd) < 0)
		return error_set(err, errno, "fsync directory '%s'", dir);
	return 0;

out_unlink:
	unlink(tmp);
	return -(err->errnum ? err->errnum : EIO);
}

/* See ipam.h. */
int ipam_lease(const char *state_dir, const struct subnet *subnet, const char *name, char *const *active,
	       size_t n_active, struct in_addr *out, struct error *err)
{
	char path[PATH_MAX], lock[PATH_MAX];
	cleanup_close int lock_fd = -1;
	cleanup_free char *text = NULL, *new_text = NULL;
	struct ipam_table t = {0};
	struct in_addr addr;
	size_t len = 0;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/leases", state_dir) >= sizeof(path) ||
	    (size_t)snprintf(lock, sizeof(lock), "%s/leases.lock", state_dir) >= sizeof(lock))
		return error_set(err, ENAMETOOLONG, "open leases in '%s'", state_dir);
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
		return error_set(err, errno, "create state directory '%s'", state_dir);
	/* `pistack run` and the daemon may lease at the same time: the whole
	 * read-modify-write happens under an exclusive lock on a separate file
	 * (the leases file itself is replaced, so it cannot carry the lock). */
	lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0)
		return error_set(err, errno, "open lock '%s'", lock);
	while ((r = flock(lock_fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return error_set(err, errno, "lock '%s'", lock);
	r = ipam_read(path, &text, &len, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0) {
		r = ipam_parse(text, len, path, &t, err);
		if (r < 0)
			return r;
	}
	r = ipam_assign(&t, subnet, name, active, n_active, (uint64_t)time(NULL), &addr, err);
	if (r == 0 && ipam_format(&t, &new_text, &len) < 0)
		r = error_set(err, ENOMEM, "lease an address for '%s'", name);
	ipam_table_release(&t);
	if (r < 0)
		return r;
	r = ipam_write(state_dir, new_text, len, err);
	if (r < 0)
		return r;
	*out = addr;
	return 0;
}

/* See ipam.h. */
int ipam_lookup(const char *state_dir, const char *name, struct in_addr *out)
{
	char path[PATH_MAX];
	cleanup_free char *text = NULL;
	struct ipam_table t = {0};
	struct error err;
	size_t len;
	int r = -ENOENT;

	if ((size_t)snprintf(path, sizeof(path), "%s/leases", state_dir) >= sizeof(path))
		return -ENAMETOOLONG;
	r = ipam_read(path, &text, &len, &err);
	if (r < 0)
		return r;
	if (ipam_parse(text, len, path, &t, &err) < 0)
		return -EINVAL;
	r = -ENOENT;
	for (size_t i = 0; i < t.n; i++) {
		if (strcmp(t.v[i].name, name) == 0) {
			*out = t.v[i].addr;
			r = 0;
			break;
		}
	}
	ipam_table_release(&t);
	return r;
}
