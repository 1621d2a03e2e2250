/*
 * settings.c - the gateway's reloadable settings and their "key value" text
 * form (daemon -> master on reload).  The parser is pure and refuses what
 * the configuration schema would refuse, so a damaged message cannot give a
 * worker a zero timeout or an absurd worker count.
 */
#include "gateway/settings.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define DAY_MS (24ULL * 3600 * 1000)   /* the schema's bound on timeouts */

/* Copy G's reloadable [gateway] settings. */
void settings_from_global(struct gw_settings *s, const struct global_config *g)
{
	memset(s, 0, sizeof(*s));
	s->redirect_https = g->redirect_https;
	s->hsts = g->hsts;
	s->max_body = g->max_body;
	s->header_timeout_ms = g->header_timeout_ms;
	s->idle_timeout_ms = g->idle_timeout_ms;
	s->upstream_timeout_ms = g->upstream_timeout_ms;
	s->workers = g->workers;
}

/* Render S as "key value" lines. */
int settings_render(const struct gw_settings *s, char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 "redirect_https %d\nhsts %" PRIu64 "\nmax_body %" PRIu64
			 "\nheader_timeout %" PRIu64 "\nidle_timeout %" PRIu64
			 "\nupstream_timeout %" PRIu64 "\nworkers %u\n",
			 s->redirect_https ? 1 : 0, s->hsts, s->max_body, s->header_timeout_ms,
			 s->idle_timeout_ms, s->upstream_timeout_ms, s->workers);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

/* Parse the decimal V into *OUT within [MIN, MAX]. */
static bool settings_number(const char *v, size_t n, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		if (x > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x < min || x > max)
		return false;
	*out = x;
	return true;
}

enum { K_REDIRECT, K_HSTS, K_MAX_BODY, K_HEADER, K_IDLE, K_UPSTREAM, K_WORKERS, K_N };
static const char *const settings_keys[K_N] = {
	"redirect_https", "hsts", "max_body",
	"header_timeout", "idle_timeout", "upstream_timeout", "workers",
};

/* Apply one "KEY VALUE" line; returns the key index or -1. */
static int settings_line(const char *line, size_t n, struct gw_settings *s)
{
	const char *sp = memchr(line, ' ', n);
	size_t kn, vn;
	const char *v;
	uint64_t x = 0;
	int k;

	if (!sp)
		return -1;
	kn = (size_t)(sp - line);
	v = sp + 1;
	vn = n - kn - 1;
	for (k = 0; k < K_N; k++)
		if (strlen(settings_keys[k]) == kn && memcmp(settings_keys[k], line, kn) == 0)
			break;
	switch (k) {
	case K_REDIRECT:
		if (!settings_number(v, vn, 0, 1, &x))
			return -1;
		s->redirect_https = x == 1;
		return k;
	case K_HSTS:
		return settings_number(v, vn, 0, 63072000, &s->hsts) ? k : -1;
	case K_MAX_BODY:
		return settings_number(v, vn, 0, UINT64_MAX, &s->max_body) ? k : -1;
	case K_HEADER:
		return settings_number(v, vn, 100, DAY_MS, &s->header_timeout_ms) ? k : -1;
	case K_IDLE:
		return settings_number(v, vn, 100, DAY_MS, &s->idle_timeout_ms) ? k : -1;
	case K_UPSTREAM:
		return settings_number(v, vn, 100, DAY_MS, &s->upstream_timeout_ms) ? k : -1;
	case K_WORKERS:
		if (!settings_number(v, vn, 0, 64, &x))
			return -1;
		s->workers = (unsigned)x;
		return k;
	default:
		return -1;
	}
}

/* Parse settings text; see settings.h. */
int settings_parse(const char *text, size_t len, struct gw_settings *s, struct error *err)
{
	struct gw_settings t;
	unsigned seen = 0;
	size_t off = 0, lineno = 0;

	memset(&t, 0, sizeof(t));
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		int k;

		lineno++;
		k = settings_line(text + off, n, &t);
		if (k < 0 || (seen & (1u << k)))
			return error_set(err, 0, "read the gateway settings: line %zu is invalid", lineno);
		seen |= 1u << k;
		off += n + (nl ? 1 : 0);
	}
	if (seen != (1u << K_N) - 1)
		return error_set(err, 0, "read the gateway settings: a setting is missing");
	*s = t;
	return 0;
}
