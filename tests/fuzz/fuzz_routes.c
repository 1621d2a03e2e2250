/*
 * fuzz_routes.c - libFuzzer target for the gateway's route-table parser and
 * lookup.  A table that parses must render back to text that parses to the
 * same table (render is a fixed point after one round), and every exact host
 * in it must be found by lookup.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Render T; aborts on failure (a parsed table always renders). */
static char *render(const struct route_table *t)
{
	struct error err;
	char *text = NULL;

	if (routes_render(t->routes, t->n_routes, t->unknown_route, t->unknown_status, &text, &err) < 0)
		abort();
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_table *t = NULL, *t2 = NULL;
	struct error err;
	char *text, *again, *buf;
	int status;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (routes_parse(buf, size, &t, &err) < 0) {
		if (t)
			abort();
		free(buf);
		return 0;
	}
	free(buf);
	text = render(t);
	if (routes_parse(text, strlen(text), &t2, &err) < 0 || t2->n_routes != t->n_routes)
		abort();
	again = render(t2);
	if (strcmp(text, again) != 0)
		abort();
	for (size_t i = 0; i < t->n_routes; i++) {
		const struct route *r = &t->routes[i];
		const struct route *got;

		if (r->host[0] == '*')
			continue;
		got = routes_lookup(t, r->host, r->host_len, r->path, r->path_len, &status);
		if (got != r)
			abort();
	}
	/* Arbitrary bytes as host and path must be harmless. */
	routes_lookup(t, (const char *)data, size / 2, (const char *)data + size / 2,
		      size - size / 2, &status);
	free(text);
	free(again);
	routes_free(t);
	routes_free(t2);
	return 0;
}
