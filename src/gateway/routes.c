/*
 * routes.c - the gateway's route table: the text message the daemon renders
 * and the gateway parses (strictly: it crosses a process boundary), and the
 * per-request lookup by host and path prefix.  Format and matching rules are
 * in routes.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/routes.h"

/* One host pattern and its routes, longest path first. */
struct route_hostgroup {
	const char *key;    /* exact host, or the wildcard's suffix ".example.org" */
	size_t key_len;
	struct route *first;
	size_t count;
};

/* True for a byte allowed in a host label. */
static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Validate a host pattern: [*.]label(.label)*, no empty label. */
static bool valid_host_pattern(const char *s)
{
	size_t n = strlen(s), i = 0, label = 0;

	if (n == 0 || n > ROUTES_MAX_HOST)
		return false;
	if (s[0] == '*') {
		if (n < 3 || s[1] != '.')
			return false;
		i = 2;
	}
	for (; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (label_char(s[i])) {
			label++;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* Validate a path prefix: '/' then visible ASCII except '#'. */
static bool valid_path(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ROUTES_MAX_PATH || s[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '#')
			return false;
	return true;
}

/* Validate a service name: [A-Za-z0-9_.-]+. */
static bool valid_service(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ROUTES_MAX_SERVICE)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!label_char(s[i]) && s[i] != '.')
			return false;
	return true;
}

/* Parse a decimal without sign or leading zero in [MIN, MAX]. */
static bool parse_uint(const char *s, long min, long max, long *out)
{
	long v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 5 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Fill R's target from SERVICE ADDRESS PORT fields.  Returns the name of
 * the bad field, or NULL. */
static const char *parse_target(struct route *r, char **f)
{
	long port;

	if (!valid_service(f[0]))
		return "service";
	r->service = f[0];
	if (strcmp(f[1], "-") == 0) {
		r->running = false;
	} else {
		if (inet_pton(AF_INET, f[1], &r->addr) != 1)
			return "address";
		r->running = true;
	}
	if (!parse_uint(f[2], 1, 65535, &port))
		return "port";
	r->port = (uint16_t)port;
	return NULL;
}

/* Order routes by host pattern, then longest path first. */
static int route_cmp(const void *a, const void *b)
{
	const struct route *x = a, *y = b;
	int c = strcmp(x->host, y->host);

	if (c)
		return c;
	if (x->path_len != y->path_len)
		return x->path_len > y->path_len ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Order KEY/N against a group's key, as memcmp over bytes then length. */
static int key_cmp(const char *key, size_t n, const struct route_hostgroup *g)
{
	size_t m = n < g->key_len ? n : g->key_len;
	int c = memcmp(key, g->key, m);

	if (c)
		return c;
	return n < g->key_len ? -1 : n > g->key_len;
}

static int group_cmp(const void *a, const void *b)
{
	const struct route_hostgroup *x = a;

	return key_cmp(x->key, x->key_len, b);
}

/* Split LINE at single spaces into at most MAX fields; -1 on empty fields. */
static int split_fields(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *sp = strchr(p, ' ');

		if (n == max || *p == '\0' || sp == p)
			return -1;
		f[n++] = p;
		if (!sp)
			return n;
		*sp = '\0';
		p = sp + 1;
	}
}

/* Sort T's routes, refuse duplicates and build the host indexes. */
static int routes_index(struct route_table *t, struct error *err)
{
	size_t i, j;

	qsort(t->routes, t->n_routes, sizeof(*t->routes), route_cmp);
	t->exact = calloc(t->n_routes + 1, sizeof(*t->exact));
	t->wild = calloc(t->n_routes + 1, sizeof(*t->wild));
	if (!t->exact || !t->wild)
		return error_set(err, ENOMEM, "index routes");
	for (i = 0; i < t->n_routes; i = j) {
		struct route *r = &t->routes[i];
		struct route_hostgroup *g;

		for (j = i + 1; j < t->n_routes && strcmp(t->routes[j].host, r->host) == 0; j++)
			if (strcmp(t->routes[j].path, t->routes[j - 1].path) == 0)
				return error_set(err, 0, "parse routes: duplicate route '%s%s'",
						 r->host, t->routes[j].path);
		g = r->host[0] == '*' ? &t->wild[t->n_wild++] : &t->exact[t->n_exact++];
		g->key = r->host[0] == '*' ? r->host + 1 : r->host;
		g->key_len = r->host[0] == '*' ? r->host_len - 1 : r->host_len;
		g->first = r;
		g->count = j - i;
	}
	qsort(t->exact, t->n_exact, sizeof(*t->exact), group_cmp);
	qsort(t->wild, t->n_wild, sizeof(*t->wild), group_cmp);
	return 0;
}

/* Parse one line (NUL-terminated, in T's text copy) into T. */
static int parse_line(struct route_table *t, char *line, size_t lineno, struct error *err)
{
	char *f[7];
	const char *bad;
	int n = split_fields(line, f, 7);
	long status;

	if (n == 6 && strcmp(f[0], "route") == 0) {
		struct route *r = &t->routes[t->n_routes];

		if (t->n_routes == ROUTES_MAX)
			return error_set(err, 0, "parse routes line %zu: more than %d routes",
					 lineno, ROUTES_MAX);
		if (!valid_host_pattern(f[1]))
			return error_set(err, 0, "parse routes line %zu: bad host pattern '%.64s'",
					 lineno, f[1]);
		if (!valid_path(f[2]))
			return error_set(err, 0, "parse routes line %zu: bad path prefix '%.64s'",
					 lineno, f[2]);
		for (char *p = f[1]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		r->host = f[1];
		r->host_len = strlen(f[1]);
		r->path = f[2];
		r->path_len = strlen(f[2]);
		bad = parse_target(r, f + 3);
		if (bad)
			return error_set(err, 0, "parse routes line %zu: bad %s '%.64s'", lineno, bad,
					 f[bad[0] == 's' ? 3 : bad[0] == 'a' ? 4 : 5]);
		t->n_routes++;
		return 0;
	}
	if ((n == 2 || n == 4) && strcmp(f[0], "unknown") == 0) {
		if (t->unknown_status)
			return error_set(err, 0, "parse routes line %zu: second 'unknown' line", lineno);
		t->unknown_status = 404;
		if (n == 2) {
			if (!parse_uint(f[1], 400, 599, &status))
				return error_set(err, 0, "parse routes line %zu: bad status '%.64s'",
						 lineno, f[1]);
			t->unknown_status = (int)status;
			return 0;
		}
		t->unknown_route = calloc(1, sizeof(*t->unknown_route));
		if (!t->unknown_route)
			return error_set(err, ENOMEM, "parse routes line %zu", lineno);
		t->unknown_route->host = "";
		t->unknown_route->path = "/";
		t->unknown_route->path_len = 1;
		bad = parse_target(t->unknown_route, f + 1);
		if (bad)
			return error_set(err, 0, "parse routes line %zu: bad %s '%.64s'", lineno, bad,
					 f[bad[0] == 's' ? 1 : bad[0] == 'a' ? 2 : 3]);
		return 0;
	}
	return error_set(err, 0, "parse routes line %zu: expected 'route HOST PATH SERVICE ADDRESS PORT'"
			 " or 'unknown STATUS|SERVICE ADDRESS PORT'", lineno);
}

int routes_parse(const char *text, size_t len, struct route_table **out, struct error *err)
{
	struct route_table *t;
	size_t lines = 0, lineno = 0;
	char *p, *end;
	int r;

	*out = NULL;
	if (memchr(text, '\0', len))
		return error_set(err, 0, "parse routes: NUL byte in the table");
	if (len && text[len - 1] != '\n')
		return error_set(err, 0, "parse routes: last line lacks its newline");
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	t = calloc(1, sizeof(*t));
	if (!t)
		return error_set(err, ENOMEM, "parse routes");
	t->text = malloc(len + 1);
	t->routes = calloc(lines + 1, sizeof(*t->routes));
	if (!t->text || !t->routes) {
		r = error_set(err, ENOMEM, "parse routes");
		goto fail;
	}
	memcpy(t->text, text, len);
	t->text[len] = '\0';
	end = t->text + len;
	for (p = t->text; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		*nl = '\0';
		r = parse_line(t, p, ++lineno, err);
		if (r < 0)
			goto fail;
		p = nl + 1;
	}
	if (!t->unknown_status)
		t->unknown_status = 404;
	r = routes_index(t, err);
	if (r < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	routes_free(t);
	return r;
}

int routes_render(const struct route *routes, size_t n, const struct route *unknown_route,
		  int unknown_status, char **out, struct error *err)
{
	struct route_table *t;
	char addr[INET_ADDRSTRLEN];
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int r;

	*out = NULL;
	f = open_memstream(&buf, &size);
	if (!f)
		return error_set(err, errno, "render routes");
	for (size_t i = 0; i < n; i++) {
		const struct route *rt = &routes[i];

		fputs("route ", f);
		for (const char *h = rt->host; h && *h; h++)
			fputc(*h >= 'A' && *h <= 'Z' ? *h + 32 : *h, f);
		fprintf(f, " %s %s %s %u\n", rt->path ? rt->path : "", rt->service ? rt->service : "",
			rt->running ? inet_ntop(AF_INET, &rt->addr, addr, sizeof(addr)) : "-",
			rt->port);
	}
	if (unknown_route)
		fprintf(f, "unknown %s %s %u\n", unknown_route->service ? unknown_route->service : "",
			unknown_route->running ? inet_ntop(AF_INET, &unknown_route->addr, addr,
							   sizeof(addr))
					       : "-",
			unknown_route->port);
	else
		fprintf(f, "unknown %d\n", unknown_status);
	if (fclose(f) != 0) {
		free(buf);
		return error_set(err, ENOMEM, "render routes");
	}
	/* What the gateway will accept is defined by routes_parse: check the
	 * rendering with it, so the daemon learns of a bad route, not the
	 * gateway. */
	r = routes_parse(buf, size, &t, err);
	if (r < 0) {
		free(buf);
		error_prefix(err, "render routes");
		return r;
	}
	routes_free(t);
	*out = buf;
	return 0;
}

/* Binary search for KEY/N among the N_GROUPS sorted groups G. */
static const struct route_hostgroup *group_find(const struct route_hostgroup *g, size_t n_groups,
						const char *key, size_t n)
{
	size_t lo = 0, hi = n_groups;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(key, n, &g[mid]);

		if (c == 0)
			return &g[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct route *routes_lookup(const struct route_table *t, const char *host, size_t host_len,
				  const char *path, size_t path_len, int *status)
{
	const struct route_hostgroup *g;

	g = group_find(t->exact, t->n_exact, host, host_len);
	/* Longest wildcard first: the suffix from the leftmost dot is longest. */
	for (size_t i = 1; !g && i < host_len; i++)
		if (host[i] == '.')
			g = group_find(t->wild, t->n_wild, host + i, host_len - i);
	if (!g) {
		if (t->unknown_route)
			return t->unknown_route;
		if (status)
			*status = t->unknown_status;
		return NULL;
	}
	for (size_t i = 0; i < g->count; i++) {
		const struct route *r = &g->first[i];

		if (r->path_len <= path_len && memcmp(r->path, path, r->path_len) == 0)
			return r;
	}
	if (status)
		*status = 404;
	return NULL;
}

void routes_free(struct route_table *t)
{
	if (!t)
		return;
	free(t->routes);
	free(t->unknown_route);
	free(t->exact);
	free(t->wild);
	free(t->text);
	free(t);
}
