/*
 * test_routes.c - unit tests of src/gateway/routes.c: the strict message
 * parser, render/parse round trips, and lookup precedence (exact host over
 * wildcard, longest wildcard, longest path prefix, unknown-host policy).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/routes.h"
#include "test.h"

/* Parse the NUL-terminated TEXT; the table or NULL. */
static struct route_table *rt_parse(const char *text, struct error *err)
{
	struct route_table *t = NULL;
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, text, len);
	if (routes_parse(copy, len, &t, err) < 0)
		t = NULL;
	free(copy);
	return t;
}

/* Service name the lookup of HOST and PATH gives, or "STATUS" as text. */
static const char *rt_find(const struct route_table *t, const char *host, const char *path)
{
	static char out[64];
	const struct route *r;
	int status = 0;

	r = routes_lookup(t, host, strlen(host), path, strlen(path), &status);
	if (r)
		snprintf(out, sizeof(out), "%s%s", r->service, r->running ? "" : "(503)");
	else
		snprintf(out, sizeof(out), "%d", status);
	return out;
}

static const char rt_table[] =
	"route example.org / root 10.0.0.2 8080\n"
	"route example.org /api api 10.0.0.3 80\n"
	"route example.org /api/v2/ api2 10.0.0.4 80\n"
	"route *.example.org / wild 10.0.0.5 80\n"
	"route *.b.example.org / wildb 10.0.0.6 80\n"
	"route www.example.org /x wwwx 10.0.0.7 80\n"
	"route Stopped.Example.ORG / stopped - 80\n"
	"route only.example.net /app app 10.0.0.8 3000\n"
	"unknown 503\n";

TEST(routes_lookup_precedence)
{
	struct error err;
	struct route_table *t = rt_parse(rt_table, &err);
	const struct route *r;

	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_UINT(t->n_routes, 8);
	CHECK_STR(rt_find(t, "example.org", "/"), "root");
	CHECK_STR(rt_find(t, "example.org", "/index.html?x"), "root");
	CHECK_STR(rt_find(t, "example.org", "/api"), "api");
	CHECK_STR(rt_find(t, "example.org", "/apix"), "api");       /* plain prefix, like nginx */
	CHECK_STR(rt_find(t, "example.org", "/api/v2"), "api");
	CHECK_STR(rt_find(t, "example.org", "/api/v2/users"), "api2");
	/* Wildcards match any depth, never the apex; longest suffix wins. */
	CHECK_STR(rt_find(t, "a.example.org", "/"), "wild");
	CHECK_STR(rt_find(t, "a.c.example.org", "/"), "wild");
	CHECK_STR(rt_find(t, "a.b.example.org", "/"), "wildb");
	CHECK_STR(rt_find(t, "x.y.b.example.org", "/q"), "wildb");
	CHECK_STR(rt_find(t, "b.example.org", "/"), "wild");
	CHECK_STR(rt_find(t, "xexample.org", "/"), "503");
	/* An exact host beats a wildcard, with no fallback to it on a path miss. */
	CHECK_STR(rt_find(t, "www.example.org", "/x/1"), "wwwx");
	CHECK_STR(rt_find(t, "www.example.org", "/"), "404");
	CHECK_STR(rt_find(t, "stopped.example.org", "/"), "stopped(503)");
	CHECK_STR(rt_find(t, "only.example.net", "/"), "404");
	CHECK_STR(rt_find(t, "only.example.net", "/app"), "app");
	CHECK_STR(rt_find(t, "only.example.net", "*"), "404");
	CHECK_STR(rt_find(t, "example.net", "/app"), "503");
	CHECK_STR(rt_find(t, "", "/"), "503");
	CHECK_STR(rt_find(t, "org", "/"), "503");
	CHECK_STR(rt_find(t, ".example.org", "/"), "503");
	/* Lookup is by exact bytes: a host as the parser left it. */
	CHECK_STR(rt_find(t, "EXAMPLE.org", "/"), "503");
	r = routes_lookup(t, "example.org", 11, "/api/v2/x", 9, NULL);
	CHECK(r && r->port == 80 && r->addr.s_addr == inet_addr("10.0.0.4"));
	/* host_len bounds the host: "example.orgXYZ" cut to 11 bytes. */
	CHECK_STR(rt_find(t, "example.org", "/"), "root");
	r = routes_lookup(t, "example.orgXYZ", 11, "/", 1, NULL);
	CHECK(r && strcmp(r->service, "root") == 0);
	routes_free(t);
}

TEST(routes_unknown_policy)
{
	struct error err;
	struct route_table *t;

	t = rt_parse("route a.org / a 10.0.0.2 80\n", &err);
	CHECK(t && t->unknown_status == 404 && !t->unknown_route);
	if (t)
		CHECK_STR(rt_find(t, "b.org", "/"), "404");
	routes_free(t);
	t = rt_parse("unknown fallback 10.0.0.9 8000\nroute a.org /x a 10.0.0.2 80\n", &err);
	CHECK(t != NULL);
	if (t) {
		CHECK_STR(rt_find(t, "b.org", "/"), "fallback");
		CHECK_STR(rt_find(t, "a.org", "/"), "404");  /* known host: no fallback */
		CHECK_UINT(t->unknown_route->port, 8000);
	}
	routes_free(t);
	t = rt_parse("unknown fallback - 8000\n", &err);
	CHECK(t && t->n_routes == 0);
	if (t)
		CHECK_STR(rt_find(t, "b.org", "/"), "fallback(503)");
	routes_free(t);
	t = rt_parse("", &err);
	CHECK(t && t->n_routes == 0 && t->unknown_status == 404);
	routes_free(t);
}

TEST(routes_parse_rejects)
{
	static const char *const bad[] = {
		"route a.org / a 10.0.0.2 80",               /* no final newline */
		"\n",                                        /* empty line */
		"route a.org / a 10.0.0.2 80\n\n",
		"route  a.org / a 10.0.0.2 80\n",            /* double space */
		"route a.org / a 10.0.0.2 80 \n",
		" route a.org / a 10.0.0.2 80\n",
		"route\ta.org / a 10.0.0.2 80\n",
		"route a.org / a 10.0.0.2 80\r\n",
		"route a.org / a 10.0.0.2\n",
		"route a.org / a 10.0.0.2 80 x\n",
		"Route a.org / a 10.0.0.2 80\n",
		"cert a.org\n",
		"route a.org / a 10.0.0.2 0\n",              /* ports */
		"route a.org / a 10.0.0.2 65536\n",
		"route a.org / a 10.0.0.2 080\n",
		"route a.org / a 10.0.0.2 -80\n",
		"route a.org / a 10.0.0.2 8a\n",
		"route a.org / a 10.0.0 80\n",               /* addresses */
		"route a.org / a 256.0.0.1 80\n",
		"route a.org / a 010.0.0.1 80\n",
		"route a.org / a ::1 80\n",
		"route a.org / a -- 80\n",
		"route a.org / a 10.0.0.2. 80\n",
		"route * / a 10.0.0.2 80\n",                 /* host patterns */
		"route *. / a 10.0.0.2 80\n",
		"route *.*.a.org / a 10.0.0.2 80\n",
		"route a*.org / a 10.0.0.2 80\n",
		"route *a.org / a 10.0.0.2 80\n",
		"route a..org / a 10.0.0.2 80\n",
		"route .a.org / a 10.0.0.2 80\n",
		"route a.org. / a 10.0.0.2 80\n",
		"route a/b / a 10.0.0.2 80\n",
		"route a:80 / a 10.0.0.2 80\n",
		"route [::1] / a 10.0.0.2 80\n",
		"route a.org x a 10.0.0.2 80\n",             /* paths */
		"route a.org /a#b a 10.0.0.2 80\n",
		"route a.org /\x7f a 10.0.0.2 80\n",
		"route a.org /\xc3\xa9 a 10.0.0.2 80\n",
		"route a.org / a/b 10.0.0.2 80\n",           /* services */
		"route a.org / a:b 10.0.0.2 80\n",
		"route a.org / a 10.0.0.2 80\nroute A.org / b 10.0.0.3 80\n",  /* duplicate */
		"unknown 200\n",
		"unknown 600\n",
		"unknown 0404\n",
		"unknown 404\nunknown 503\n",
		"unknown x\n",
		"unknown x 10.0.0.2\n",
		"unknown x 10.0.0.2 80 y\n",
	};
	struct error err;
	struct route_table *t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = rt_parse(bad[i], &err);
		if (t) {
			test_fail(__FILE__, __LINE__, "routes '%s' accepted", bad[i]);
			routes_free(t);
		}
	}
	CHECK(rt_parse("route a.org / a 10.0.0.2 99999\n", &err) == NULL);
	CHECK_STR(err.msg, "parse routes line 1: bad port '99999'");
	CHECK(rt_parse("route a.org / a 10.0.0.2 80\nroute a.org / b 10.0.0.2 80\n", &err) == NULL);
	CHECK_CONTAINS(err.msg, "duplicate route 'a.org/'");
	CHECK(rt_parse("route a.org / a 10.0.0.2 80\nroute a.org / a 10.0.0.2 80x\n", &err) == NULL);
	CHECK_CONTAINS(err.msg, "line 2");
	t = NULL;
	CHECK_INT(routes_parse("route a.org / a 10.0.0.2 80\0\n", 29, &t, &err), -EINVAL);
	CHECK(t == NULL);
}

TEST(routes_render_round_trip)
{
	struct route in[3] = {
		{ .host = "Example.org", .path = "/", .service = "web", .running = true, .port = 8080 },
		{ .host = "*.example.org", .path = "/api", .service = "api", .running = false, .port = 80 },
		{ .host = "x.org", .path = "/", .service = "x", .running = true, .port = 1 },
	};
	struct route fallback = { .service = "fb", .running = true, .port = 9 };
	struct route_table *t;
	struct error err;
	char *text = NULL;

	inet_pton(AF_INET, "10.213.0.5", &in[0].addr);
	inet_pton(AF_INET, "10.213.0.7", &in[2].addr);
	inet_pton(AF_INET, "10.213.0.9", &fallback.addr);
	CHECK_INT(routes_render(in, 3, NULL, 421, &text, &err), 0);
	CHECK_STR(text, "route example.org / web 10.213.0.5 8080\n"
			"route *.example.org /api api - 80\n"
			"route x.org / x 10.213.0.7 1\n"
			"unknown 421\n");
	t = rt_parse(text, &err);
	CHECK(t != NULL);
	if (t) {
		CHECK_STR(rt_find(t, "a.example.org", "/api/x"), "api(503)");
		CHECK_STR(rt_find(t, "example.org", "/api/x"), "web");
		CHECK_STR(rt_find(t, "nope.org", "/"), "421");
	}
	routes_free(t);
	free(text);
	CHECK_INT(routes_render(in, 1, &fallback, 0, &text, &err), 0);
	CHECK_STR(text, "route example.org / web 10.213.0.5 8080\nunknown fb 10.213.0.9 9\n");
	free(text);
	CHECK_INT(routes_render(NULL, 0, NULL, 404, &text, &err), 0);
	CHECK_STR(text, "unknown 404\n");
	free(text);

	/* Bad input is the daemon's error, reported before the gateway sees it. */
	text = NULL;
	in[1].path = "api";
	CHECK_INT(routes_render(in, 3, NULL, 404, &text, &err), -EINVAL);
	CHECK(text == NULL);
	CHECK_CONTAINS(err.msg, "line 2: bad path prefix 'api'");
	in[1].path = "/";
	in[1].host = "example.org";
	CHECK_INT(routes_render(in, 3, NULL, 404, &text, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "duplicate route");
	in[1].host = "a b";
	CHECK_INT(routes_render(in, 3, NULL, 404, &text, &err), -EINVAL);
	in[1].host = "ok.org";
	in[1].service = "";
	CHECK_INT(routes_render(in, 3, NULL, 404, &text, &err), -EINVAL);
	in[1].service = "ok";
	in[1].port = 0;
	CHECK_INT(routes_render(in, 3, NULL, 404, &text, &err), -EINVAL);
	in[1].port = 1;
	CHECK_INT(routes_render(in, 3, NULL, 200, &text, &err), -EINVAL);
	CHECK_INT(routes_render(in, 3, NULL, 404, &text, &err), 0);
	free(text);
}

TEST(routes_many)
{
	char *text = NULL, name[64];
	struct route *in = calloc(3000, sizeof(*in));
	char (*hosts)[32] = calloc(3000, sizeof(*hosts));
	struct route_table *t = NULL;
	struct error err;

	CHECK(in && hosts);
	if (!in || !hosts)
		return;
	for (int i = 0; i < 3000; i++) {
		snprintf(hosts[i], sizeof(hosts[i]), "%sh%d.example.org", i % 3 == 0 ? "*." : "", i / 2);
		in[i] = (struct route){ .host = hosts[i], .path = i % 2 ? "/a" : "/", .service = "s",
					.running = false, .port = (uint16_t)(i + 1) };
	}
	CHECK_INT(routes_render(in, 3000, NULL, 404, &text, &err), 0);
	CHECK_INT(routes_parse(text, strlen(text), &t, &err), 0);
	for (int i = 0; t && i < 3000; i++) {
		const struct route *r;

		snprintf(name, sizeof(name), "%sh%d.example.org", i % 3 == 0 ? "x." : "", i / 2);
		r = routes_lookup(t, name, strlen(name), in[i].path, strlen(in[i].path), NULL);
		if (!r || r->port != i + 1)
			test_fail(__FILE__, __LINE__, "route %d: got port %d", i, r ? r->port : -1);
	}
	routes_free(t);
	free(text);
	free(in);
	free(hosts);
}
