/*
 * routes.h - the route table the daemon sends to the gateway, and the
 * per-request lookup.
 *
 * Message text, one line each, LF-terminated, single spaces between fields:
 *   route HOST_PATTERN PATH_PREFIX SERVICE ADDRESS PORT
 *   unknown STATUS                    (at most once; default "unknown 404")
 *   unknown SERVICE ADDRESS PORT      (unknown hosts go to SERVICE)
 * HOST_PATTERN is a host name ("example.org") or a wildcard ("*.example.org");
 * PATH_PREFIX starts with '/'; SERVICE is [A-Za-z0-9_.-]+; ADDRESS is an IPv4
 * address, or "-" when the service is not running (answer 503); PORT is
 * 1..65535; STATUS is 400..599.  Host patterns are compared lower-cased.
 *
 * Matching follows nginx's server_name + prefix location rules:
 *   - an exact host beats any wildcard; among wildcards the longest suffix
 *     wins; "*.example.org" matches "a.example.org" and "a.b.example.org" at
 *     any depth, but not "example.org" itself (list both for both);
 *   - once a host pattern is chosen, the longest PATH_PREFIX that is a plain
 *     byte prefix of the request path wins ("/api" matches "/api",
 *     "/api/x" and "/apix", like an nginx prefix location); if none matches
 *     the answer is 404, there is no fallback to a less specific host.
 * Duplicate (HOST_PATTERN, PATH_PREFIX) pairs are an error.
 */
#ifndef PISTACK_GATEWAY_ROUTES_H
#define PISTACK_GATEWAY_ROUTES_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define ROUTES_MAX 65536               /* routes in one table */
#define ROUTES_MAX_HOST 253            /* bytes of a host pattern */
#define ROUTES_MAX_PATH 1024           /* bytes of a path prefix */
#define ROUTES_MAX_SERVICE 64          /* bytes of a service name */

struct route {
	const char *host;         /* "example.org" or "*.example.org", lower-case */
	const char *path;         /* prefix, starts with '/' */
	const char *service;
	bool running;             /* false: ADDRESS was "-", answer 503 */
	struct in_addr addr;      /* valid when running */
	uint16_t port;
	size_t host_len, path_len;  /* strlen of host and path (filled by
				     * routes_parse; ignored by routes_render) */
};

struct route_hostgroup;

/* A parsed table; opaque apart from these read-only fields. */
struct route_table {
	struct route *routes;     /* n_routes entries, grouped by host pattern */
	size_t n_routes;
	int unknown_status;       /* status for unknown hosts when !unknown_route */
	struct route *unknown_route;  /* unknown hosts go here, or NULL */
	struct route_hostgroup *exact, *wild;   /* sorted lookup indexes */
	size_t n_exact, n_wild;
	char *text;               /* owned copy the strings point into */
};

/* Render the message text for ROUTES (N of them) and the unknown-host policy:
 * UNKNOWN_ROUTE (its service/running/addr/port; host and path ignored) when
 * unknown hosts go to a service, else UNKNOWN_STATUS.  Validates every field
 * (the output always parses back) and rejects duplicates.  On success *OUT is
 * a malloc'd NUL-terminated string and 0 is returned; on failure -EINVAL or
 * -ENOMEM and ERR says which route is wrong. */
int routes_render(const struct route *routes, size_t n, const struct route *unknown_route,
		  int unknown_status, char **out, struct error *err);

/* Parse message TEXT (LEN bytes, need not be NUL-terminated) strictly into a
 * new table (*OUT, free with routes_free()).  Returns 0, -EINVAL with ERR
 * naming the line ("parse routes line 3: bad port '0'"), or -ENOMEM. */
int routes_parse(const char *text, size_t len, struct route_table **out, struct error *err);

/* Find the route for HOST (lower-case, no port, no trailing dot, as
 * http1_parse_request leaves it) and PATH (the request path, query
 * included is fine).  Returns the route, or NULL with *STATUS (if STATUS is
 * not NULL) set to the answer to send: 404 when the host matched but no
 * prefix did, the table's unknown_status for an unknown host.  For an
 * unknown host with an unknown-host service, returns unknown_route.  A route
 * with !running means 503.  No allocation; O(labels * log n + routes of the
 * chosen host). */
const struct route *routes_lookup(const struct route_table *t, const char *host, size_t host_len,
				  const char *path, size_t path_len, int *status);

/* Free a table from routes_parse(); NULL is fine. */
void routes_free(struct route_table *t);

#endif
