/*
 * test_config.c - the loader: precedence of defaults < [defaults] < bundle <
 * conf.d, bundle lookup, and every FILE:LINE error `pistack check` reports.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "test.h"

/* A temporary configuration root. */
struct root {
	char dir[64];
};

static void root_init(struct root *r)
{
	snprintf(r->dir, sizeof(r->dir), "/tmp/pistack-unit-XXXXXX");
	if (!mkdtemp(r->dir))
		abort();
}

/* Write ROOT/REL (creating parent directories) with printf-style content. */
static void root_write(struct root *r, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void root_write(struct root *r, const char *rel, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", r->dir, rel);
	for (char *p = path + strlen(r->dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	if (!f)
		abort();
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void root_release(struct root *r)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	if (system(cmd) != 0)
		abort();
}

/* Load R; return the diagnostics joined by newlines (caller frees) or NULL when OK. */
static char *load(struct root *r, struct config *cfg)
{
	struct diag_list d = { 0 };
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (config_load(cfg, r->dir, &d) == 0) {
		CHECK_INT(d.n, 0);
		return NULL;
	}
	f = open_memstream(&out, &len);
	for (size_t i = 0; i < d.n; i++) {
		/* Show paths relative to the root, as a user of -C . would see them. */
		const char *s = d.v[i];
		if (strncmp(s, r->dir, strlen(r->dir)) == 0)
			s += strlen(r->dir) + 1;
		fprintf(f, "%s\n", s);
	}
	fclose(f);
	diag_release(&d);
	return out;
}

/* Expect loading to fail with a diagnostic containing WANT. */
static void expect_error(struct root *r, const char *want)
{
	struct config cfg;
	char *got = load(r, &cfg);

	if (!got) {
		test_fail(__FILE__, __LINE__, "loaded fine, want error containing \"%s\"", want);
		config_release(&cfg);
		return;
	}
	CHECK_CONTAINS(got, want);
	free(got);
}

TEST(config_empty_root_has_global_defaults)
{
	struct root r;
	struct config cfg;

	root_init(&r);
	mkdir(strcat(strcpy((char[128]){ 0 }, r.dir), "/conf.d"), 0755);
	CHECK(load(&r, &cfg) == NULL);
	CHECK_STR(cfg.global.volumes, "/var/vol");
	CHECK_STR(cfg.global.bridge, "intercontainer");
	CHECK_UINT(cfg.global.subnet.prefix, 24);
	CHECK_UINT(cfg.global.http_port, 80);
	CHECK_UINT(cfg.global.https_port, 443);
	CHECK_UINT(cfg.global.workers, 0);
	CHECK(cfg.global.upstream_auto);
	CHECK(cfg.global.listen_any);
	CHECK_STR(cfg.global.certs, "/var/vol/gateway/certs");
	CHECK_STR(cfg.global.access_log, "/var/vol/gateway/access.log");
	CHECK_UINT(cfg.global.max_body, 1024 * 1024);
	CHECK_UINT(cfg.global.idle_timeout_ms, 75000);
	CHECK_UINT(cfg.global.unknown_host_status, 404);
	CHECK_INT(cfg.n_services, 0);
	config_release(&cfg);
	root_release(&r);
}

TEST(config_volumes_prefix_follows_paths)
{
	struct root r;
	struct config cfg;

	root_init(&r);
	root_write(&r, "conf.d/pistack.ini", "[paths]\nvolumes = /srv/vol\n[gateway]\naccess_log = off\n");
	CHECK(load(&r, &cfg) == NULL);
	CHECK_STR(cfg.global.certs, "/srv/vol/gateway/certs");
	CHECK(cfg.global.access_log == NULL);
	config_release(&cfg);
	root_release(&r);
}

TEST(config_precedence_defaults_bundle_confd)
{
	struct root r;
	struct config cfg;
	const struct service_config *s;

	root_init(&r);
	root_write(&r, "conf.d/pistack.ini", "[defaults]\nmemory = 64M\nlimits.pids = 50\nrestart = always\n");
	root_write(&r, "bundles/web/bundle.ini",
		   "[service]\nexec = /usr/bin/python3 -m http.server 8080\nrestart = no\nenv = A=bundle\nenv = B=bundle\n"
		   "[limits]\npids = 100\n[mount]\n/data = volume\n/srv = volume:www ro\n");
	root_write(&r, "conf.d/web.ini", "[service]\nenv = B=confd\nenv = C=confd\n[limits]\nmemory = 128M\n"
		   "[mount]\n/srv = volume:site\n");
	CHECK(load(&r, &cfg) == NULL);
	s = config_find_service(&cfg, "web");
	CHECK(s != NULL);
	if (!s)
		goto out;
	CHECK_STR(s->bundle, "web");
	CHECK_INT(s->exec.n, 4);
	CHECK_STR(s->exec.v[0], "/usr/bin/python3");
	CHECK_UINT(s->memory, 128ULL << 20);       /* conf.d beats [defaults] */
	CHECK_UINT(s->pids, 100);                  /* bundle beats [defaults] */
	CHECK_INT(s->restart, RESTART_NO);         /* bundle beats [defaults] */
	CHECK_UINT(s->nofile, 1024);               /* built-in default */
	CHECK_INT(s->env.n, 3);                    /* merged by KEY */
	CHECK_STR(s->env.v[0], "A=bundle");
	CHECK_STR(s->env.v[1], "B=confd");
	CHECK_STR(s->env.v[2], "C=confd");
	CHECK_INT(s->n_mounts, 2);                 /* merged by target */
	CHECK_STR(s->mounts[1].target, "/srv");
	CHECK_STR(s->mounts[1].source, "site");
	CHECK(!s->mounts[1].readonly);
	CHECK_STR(s->hostname, "web");
	CHECK(service_key_configured(s, "limits", "memory"));
	CHECK(!service_key_configured(s, "limits", "cpus"));
	CHECK(s->bundle_dir && strstr(s->bundle_dir, "/bundles/web"));
out:
	config_release(&cfg);
	root_release(&r);
}

TEST(config_bundle_other_and_search_path)
{
	struct root r, extra;
	struct config cfg;
	const struct service_config *a, *b;

	root_init(&r);
	root_init(&extra);
	root_write(&extra, "shared/bundle.ini", "[service]\nexec = /bin/true\ndescription = from elsewhere\n");
	root_write(&r, "conf.d/pistack.ini", "[paths]\nbundles = /nonexistent:%s\n", extra.dir);
	root_write(&r, "conf.d/one.ini", "[service]\nbundle = shared\n");
	root_write(&r, "conf.d/two.ini", "[service]\nbundle = shared\nexec = /bin/false\n");
	CHECK(load(&r, &cfg) == NULL);
	a = config_find_service(&cfg, "one");
	b = config_find_service(&cfg, "two");
	CHECK(a && b);
	if (a && b) {
		CHECK_STR(a->description, "from elsewhere");
		CHECK_STR(a->exec.v[0], "/bin/true");
		CHECK_STR(b->exec.v[0], "/bin/false");
		CHECK_STR(b->bundle, "shared");
	}
	config_release(&cfg);
	root_release(&r);
	root_release(&extra);
}

TEST(config_service_without_bundle)
{
	struct root r;
	struct config cfg;

	root_init(&r);
	root_write(&r, "conf.d/solo.ini", "[service]\nexec = /bin/true\n");
	CHECK(load(&r, &cfg) == NULL);
	CHECK_INT(cfg.n_services, 1);
	CHECK_STR(cfg.services[0].bundle, "");
	CHECK(cfg.services[0].bundle_dir == NULL);
	config_release(&cfg);
	root_release(&r);
}

TEST(config_health_probe_later_layer_replaces)
{
	struct root r;
	struct config cfg;

	root_init(&r);
	root_write(&r, "bundles/db/bundle.ini", "[service]\nexec = /bin/true\n[health]\ncmd = /bin/check\n");
	root_write(&r, "conf.d/db.ini", "[health]\ntcp = 5432\n");
	CHECK(load(&r, &cfg) == NULL);
	CHECK_INT(cfg.services[0].health_kind, HEALTH_TCP);
	CHECK_UINT(cfg.services[0].health_tcp, 5432);
	CHECK_INT(cfg.services[0].health_cmd.n, 0);
	config_release(&cfg);
	root_release(&r);
}

TEST(config_error_unknown_section_and_key)
{
	struct root r;

	root_init(&r);
	root_write(&r, "conf.d/web.ini", "[service]\nexec = /bin/true\nexecc = x\n[servic]\nfoo = 1\n");
	expect_error(&r, "conf.d/web.ini:3: unknown key 'execc' in [service]");
	expect_error(&r, "conf.d/web.ini:4: unknown section [servic]");
	root_release(&r);
}

TEST(config_error_bad_value_names_form)
{
	struct root r;

	root_init(&r);
	root_write(&r, "conf.d/web.ini", "[service]\nexec = /bin/true\n[limits]\nmemory = 12Q\n");
	expect_error(&r, "conf.d/web.ini:4: memory: invalid size '12Q'");
	root_release(&r);
}

TEST(config_error_missing_exec)
{
	struct root r;

	root_init(&r);
	root_write(&r, "bundles/web/bundle.ini", "[service]\ndescription = no command\n");
	root_write(&r, "conf.d/web.ini", "[limits]\nmemory = 1G\n");
	expect_error(&r, "conf.d/web.ini:1: missing required key 'exec' in [service] (not set by bundle 'web' either)");
	root_release(&r);
}

TEST(config_error_bad_service_names)
{
	struct root r;

	root_init(&r);
	root_write(&r, "conf.d/Web.ini", "[service]\nexec = /bin/true\n");
	root_write(&r, "conf.d/gateway.ini", "[service]\nexec = /bin/true\n");
	root_write(&r, "conf.d/this-name-is-far-too-long-for-a-dns-label.ini", "[service]\nexec = /bin/true\n");
	expect_error(&r, "conf.d/Web.ini:1: invalid service name 'Web'");
	expect_error(&r, "conf.d/gateway.ini:1: the name 'gateway' is reserved");
	expect_error(&r, "conf.d/this-name-is-far-too-long-for-a-dns-label.ini:1: invalid service name");
	root_release(&r);
}

TEST(config_error_bundle_traversal_and_missing)
{
	struct root r;

	root_init(&r);
	root_write(&r, "conf.d/a.ini", "[service]\nbundle = ../etc\nexec = /bin/true\n");
	root_write(&r, "conf.d/b.ini", "[service]\nbundle = nothere\nexec = /bin/true\n");
	expect_error(&r, "conf.d/a.ini:2: bundle: invalid name '../etc'");
	expect_error(&r, "conf.d/b.ini:2: bundle 'nothere' not found");
	root_release(&r);
}

TEST(config_error_duplicate_host_across_services)
{
	struct root r;

	root_init(&r);
	root_write(&r, "conf.d/a.ini", "[service]\nexec = /bin/true\n[http]\nhosts = example.org www.example.org\n");
	root_write(&r, "conf.d/b.ini", "[service]\nexec = /bin/true\n[http]\nhosts = WWW.example.org.\n");
	expect_error(&r, "conf.d/b.ini:4: host 'www.example.org' (path /) is already routed to service 'a' (");
	root_release(&r);
}

TEST(config_same_host_other_path_is_fine)
{
	struct root r;
	struct config cfg;

	root_init(&r);
	root_write(&r, "conf.d/a.ini", "[service]\nexec = /bin/true\n[http]\nhosts = example.org\n");
	root_write(&r, "conf.d/b.ini", "[service]\nexec = /bin/true\n[http]\nhosts = example.org\npath = /api\n");
	CHECK(load(&r, &cfg) == NULL);
	config_release(&cfg);
	root_release(&r);
}

TEST(config_error_port_conflicts)
{
	struct root r;

	root_init(&r);
	root_write(&r, "conf.d/a.ini", "[service]\nexec = /bin/true\n[network]\nports = 2222:22 5353:53/udp\n");
	root_write(&r, "conf.d/b.ini", "[service]\nexec = /bin/true\n[network]\nports = 127.0.0.1:2222:2222\n");
	root_write(&r, "conf.d/c.ini", "[service]\nexec = /bin/true\n[network]\nports = 5353:53\n");
	root_write(&r, "conf.d/d.ini", "[service]\nexec = /bin/true\n[http]\nhosts = d.example\n[network]\nports = 443:8443\n");
	expect_error(&r, "conf.d/b.ini:4: host port 2222/tcp is already published by service 'a'");
	expect_error(&r, "conf.d/d.ini:6: port 443/tcp is the gateway's");
	root_release(&r);
	/* 5353/tcp and 5353/udp do not clash. */
	root_init(&r);
	root_write(&r, "conf.d/a.ini", "[service]\nexec = /bin/true\n[network]\nports = 5353:53/udp\n");
	root_write(&r, "conf.d/c.ini", "[service]\nexec = /bin/true\n[network]\nports = 5353:53\n");
	{
		struct config cfg;
		CHECK(load(&r, &cfg) == NULL);
		config_release(&cfg);
	}
	root_release(&r);
}

TEST(config_error_ports_need_bridge)
{
	struct root r;

	root_init(&r);
	root_write(&r, "conf.d/a.ini", "[service]\nexec = /bin/true\n[network]\nmode = none\nports = 80:80\n");
	expect_error(&r, "conf.d/a.ini:5: [network] ports need mode intercontainer");
	root_release(&r);
}

TEST(config_error_mounts)
{
	struct root r;

	root_init(&r);
	root_write(&r, "bundles/web/bundle.ini", "[service]\nexec = /bin/true\n[mount]\n/etc/app.conf = bundle:app.conf\n"
		   "/etc/x = bundle:../../etc/passwd\ndata = volume\n/a = volume\n/a = tmpfs\n");
	root_write(&r, "bundles/web/app.conf", "x=1\n");
	root_write(&r, "conf.d/web.ini", "[mount]\n/b = bundle:missing.conf\n");
	expect_error(&r, "bundles/web/bundle.ini:5: [mount]");
	expect_error(&r, "bundles/web/bundle.ini:6: [mount] invalid path 'data': expected an absolute path");
	expect_error(&r, "bundles/web/bundle.ini:8: [mount] /a is mounted twice (first at line 7)");
	expect_error(&r, "conf.d/web.ini:2: [mount] /b: bundle file 'missing.conf' not found");
	root_release(&r);
}

TEST(config_error_bundle_symlink_escape)
{
	struct root r;
	char link[256];

	root_init(&r);
	root_write(&r, "bundles/web/bundle.ini", "[service]\nexec = /bin/true\n[mount]\n/etc/x = bundle:leak\n");
	snprintf(link, sizeof(link), "%s/bundles/web/leak", r.dir);
	CHECK_INT(symlink("/etc/passwd", link), 0);
	root_write(&r, "conf.d/web.ini", "[service]\n");
	expect_error(&r, "bundles/web/bundle.ini:4: [mount] /etc/x: bundle:leak escapes the bundle directory");
	root_release(&r);
}

TEST(config_error_file_syntax)
{
	struct root r;
	char longline[400];

	root_init(&r);
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	root_write(&r, "conf.d/web.ini",
		   "exec = /bin/true\n[service]\nexec = /bin/true\n  continued\njunk line\nexec = /bin/false\n"
		   "description = %s\nuser: root\n[unterminated\n", longline);
	expect_error(&r, "conf.d/web.ini:1: key outside of a section");
	expect_error(&r, "conf.d/web.ini:4: expected KEY = VALUE, got 'continued'");
	expect_error(&r, "conf.d/web.ini:5: expected KEY = VALUE, got 'junk line'");
	expect_error(&r, "conf.d/web.ini:6: exec is set twice (first at line 3)");
	expect_error(&r, "conf.d/web.ini:7: line is longer than");
	expect_error(&r, "conf.d/web.ini:8: expected KEY = VALUE, got 'user: root'");
	expect_error(&r, "conf.d/web.ini:9: expected [SECTION]");
	root_release(&r);
}

TEST(config_error_scope_rules)
{
	struct root r;

	root_init(&r);
	root_write(&r, "conf.d/pistack.ini", "[service]\nexec = x\n[defaults]\nhosts = a.example\nnope = 1\n"
		   "[gateway]\nhttp_port = 8080\nhttps_port = 8080\n");
	root_write(&r, "bundles/web/bundle.ini", "[service]\nbundle = other\nexec = /bin/true\n[paths]\nrun = /x\n");
	expect_error(&r, "conf.d/pistack.ini:1: unknown section [service] in pistack.ini");
	expect_error(&r, "conf.d/pistack.ini:4: hosts cannot be set in [defaults]");
	expect_error(&r, "conf.d/pistack.ini:5: unknown service key 'nope' in [defaults]");
	expect_error(&r, "conf.d/pistack.ini:8: http_port and https_port are both 8080");
	expect_error(&r, "bundles/web/bundle.ini:2: bundle can only be set in conf.d/NAME.ini");
	expect_error(&r, "bundles/web/bundle.ini:4: unknown section [paths]");
	root_release(&r);
}

TEST(config_error_health_probe_twice_in_one_file)
{
	struct root r;

	root_init(&r);
	root_write(&r, "conf.d/a.ini", "[service]\nexec = /bin/true\n[health]\ncmd = /bin/true\nhttp = /healthz\n");
	expect_error(&r, "conf.d/a.ini:5: [health] takes one of cmd, http, tcp; cmd is already set at line 4");
	root_release(&r);
}

TEST(config_error_unknown_host_service)
{
	struct root r;

	root_init(&r);
	root_write(&r, "conf.d/pistack.ini", "[gateway]\nunknown_host = catchall\n");
	expect_error(&r, "conf.d/pistack.ini:2: unknown_host: no service named 'catchall'");
	root_release(&r);
}

TEST(config_reports_every_error_in_every_file)
{
	struct root r;
	struct config cfg;
	char *got;
	int lines = 0;

	root_init(&r);
	root_write(&r, "conf.d/a.ini", "[service]\nexec = '\n");
	root_write(&r, "conf.d/b.ini", "[limits]\ncpus = -1\n[service]\nexec = /bin/true\n");
	root_write(&r, "bundles/c/bundle.ini", "[log]\nfiles = 0\n");
	got = load(&r, &cfg);
	CHECK(got != NULL);
	for (char *p = got; p && (p = strchr(p, '\n')); p++)
		lines++;
	CHECK_INT(lines, 3);
	CHECK_CONTAINS(got, "conf.d/a.ini:2: exec:");
	CHECK_CONTAINS(got, "conf.d/b.ini:2: cpus:");
	CHECK_CONTAINS(got, "bundles/c/bundle.ini:2: files:");
	free(got);
	root_release(&r);
}

TEST(config_error_bad_bundle_dir_name)
{
	struct root r;

	root_init(&r);
	root_write(&r, "bundles/Bad_Name/bundle.ini", "[service]\nexec = /bin/true\n");
	root_write(&r, "bundles/empty/README", "no bundle.ini here\n");
	expect_error(&r, "bundles: invalid bundle name 'Bad_Name'");
	expect_error(&r, "bundles/empty/bundle.ini: missing");
	root_release(&r);
}

TEST(config_missing_root)
{
	struct config cfg;
	struct diag_list d = { 0 };

	CHECK(config_load(&cfg, "/nonexistent/pistack-root", &d) < 0);
	CHECK_INT(d.n, 1);
	if (d.n)
		CHECK_CONTAINS(d.v[0], "/nonexistent/pistack-root: not a configuration root");
	diag_release(&d);
}

TEST(config_fingerprint_tracks_settings)
{
	struct root r;
	struct config cfg;
	uint64_t a = 0, b = 0, c = 0;

	root_init(&r);
	root_write(&r, "conf.d/web.ini", "[service]\nexec = /bin/true\n[limits]\nmemory = 64M\n");
	root_write(&r, "conf.d/db.ini", "[service]\nexec = /bin/true\n");
	CHECK(load(&r, &cfg) == NULL);
	a = config_find_service(&cfg, "web")->fingerprint;
	c = config_find_service(&cfg, "db")->fingerprint;
	config_release(&cfg);
	root_write(&r, "conf.d/web.ini", "; a comment moves lines\n[service]\nexec = /bin/true\n[limits]\nmemory = 128M\n");
	CHECK(load(&r, &cfg) == NULL);
	b = config_find_service(&cfg, "web")->fingerprint;
	CHECK(a != b);
	CHECK(c == config_find_service(&cfg, "db")->fingerprint);
	config_release(&cfg);
	root_write(&r, "conf.d/web.ini", "[service]\nexec = /bin/true\n\n[limits]\nmemory = 64M\n");
	CHECK(load(&r, &cfg) == NULL);
	CHECK(a == config_find_service(&cfg, "web")->fingerprint);
	config_release(&cfg);
	root_release(&r);
}
