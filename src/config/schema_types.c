/*
 * schema_types.c - the value types of the schema table: each adapts a parser
 * of value.h to the field it fills in struct global_config or service_config.
 */
#include "config/schema_types.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "config/config.h"

#define FIELD(type, p) ((type *)(p))

static void release_str(void *f)
{
	free(*FIELD(char *, f));
	*FIELD(char *, f) = NULL;
}

static void release_strv(void *f)
{
	strv_release(f);
}

/* Replace the string in F by a copy of S. */
static int set_str(void *f, const char *s, struct error *err)
{
	char *copy = strdup(s);

	if (!copy)
		return error_set(err, ENOMEM, "copy value");
	free(*FIELD(char *, f));
	*FIELD(char *, f) = copy;
	return 0;
}

static int parse_text(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return set_str(f, s, err);
}

static int parse_abspath(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	char *p = NULL;
	int r = value_parse_abspath(s, &p, err);

	(void)k;
	if (r < 0)
		return r;
	free(*FIELD(char *, f));
	*FIELD(char *, f) = p;
	return 0;
}

/* "VOLUMES/..." defaults are filled after [paths] is known; see config_load(). */
static int parse_volpath(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	if (strncmp(s, "VOLUMES/", 8) == 0)
		return set_str(f, s, err);
	return parse_abspath(k, s, f, err);
}

static int parse_access_log(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	if (strcmp(s, "off") == 0) {
		release_str(f);
		return 0;
	}
	return parse_volpath(k, s, f, err);
}

static int parse_pathlist(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	cleanup_free char *copy = strdup(s);
	struct strv list = { 0 };
	char *save = NULL;

	(void)k;
	if (!copy)
		return error_set(err, ENOMEM, "copy value");
	for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		cleanup_free char *p = NULL;
		if (value_parse_abspath(tok, &p, err) < 0 || strv_push(&list, p) < 0) {
			strv_release(&list);
			return -EINVAL;
		}
	}
	strv_release(f);
	*FIELD(struct strv, f) = list;
	return 0;
}

static int parse_name(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return value_parse_name(s, f, err);
}

/* A network interface name: what the kernel accepts, kept to a safe alphabet. */
static int parse_ifname(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	size_t n = strlen(s);

	(void)k;
	if (n == 0 || n > 15 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return error_set(err, 0, "invalid interface name '%.32s': expected 1 to 15 of a-z 0-9 _ -", s);
	return set_str(f, s, err);
}

static int parse_domain(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct host_pattern h;
	int r = value_parse_hostname(s, &h, err);

	(void)k;
	if (r < 0)
		return r;
	if (h.wildcard)
		return error_set(err, 0, "invalid domain '%.64s': expected a domain name without '*'", s);
	return set_str(f, h.name, err);
}

static int parse_bool(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return value_parse_bool(s, f, err);
}

static int parse_uint(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	return value_parse_uint(s, k->min, k->max, f, err);
}

static int parse_uint_or_max(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	if (strcmp(s, "max") == 0) {
		*FIELD(uint64_t, f) = SIZE_UNLIMITED;
		return 0;
	}
	return value_parse_uint(s, k->min, k->max, f, err);
}

static int parse_size(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	uint64_t v;
	int r = value_parse_size(s, &v, err);

	if (r < 0)
		return r;
	if (v < k->min || v > k->max)
		return error_set(err, 0, "invalid size '%.32s': expected between %llu and %llu bytes", s,
				 (unsigned long long)k->min, (unsigned long long)k->max);
	*FIELD(uint64_t, f) = v;
	return 0;
}

static int parse_limit(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return value_parse_limit(s, f, err);
}

static int parse_duration(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	uint64_t v;
	int r = value_parse_duration(s, &v, err);

	if (r < 0)
		return r;
	if (v < k->min || v > k->max)
		return error_set(err, 0, "invalid duration '%.32s': expected between %llums and %llums", s,
				 (unsigned long long)k->min, (unsigned long long)k->max);
	*FIELD(uint64_t, f) = v;
	return 0;
}

static int parse_port(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return value_parse_port(s, f, err);
}

static int parse_cpus(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return value_parse_cpus(s, f, err);
}

static int parse_signal(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return value_parse_signal(s, f, err);
}

static int parse_subnet(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return value_parse_subnet(s, f, err);
}

/* Parse a space-separated list of addresses into V and N. */
static int parse_ip_list(const char *s, struct ip_addr **v, size_t *n, struct error *err)
{
	cleanup_free char *copy = strdup(s);
	struct ip_addr *list = NULL;
	size_t count = 0;
	char *save = NULL;

	if (!copy)
		return error_set(err, ENOMEM, "copy value");
	for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		struct ip_addr *nl = realloc(list, (count + 1) * sizeof(*nl));
		if (!nl) {
			free(list);
			return error_set(err, ENOMEM, "grow address list");
		}
		list = nl;
		if (value_parse_ip(tok, &list[count], err) < 0) {
			free(list);
			return -EINVAL;
		}
		count++;
	}
	if (count == 0) {
		free(list);
		return error_set(err, 0, "invalid address list '': expected IP addresses");
	}
	*v = list;
	*n = count;
	return 0;
}

static int parse_upstream(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct global_config *g = (struct global_config *)((char *)f - k->offset);

	free(g->upstream);
	g->upstream = NULL;
	g->n_upstream = 0;
	g->upstream_auto = strcmp(s, "auto") == 0;
	if (g->upstream_auto)
		return 0;
	return parse_ip_list(s, &g->upstream, &g->n_upstream, err);
}

static void release_upstream(void *f)
{
	struct global_config *g = (struct global_config *)((char *)f - offsetof(struct global_config, upstream_auto));

	free(g->upstream);
	g->upstream = NULL;
	g->n_upstream = 0;
}

static int parse_listen(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct global_config *g = (struct global_config *)((char *)f - k->offset);

	free(g->listen);
	g->listen = NULL;
	g->n_listen = 0;
	g->listen_any = strcmp(s, "*") == 0;
	if (g->listen_any)
		return 0;
	return parse_ip_list(s, &g->listen, &g->n_listen, err);
}

static void release_listen(void *f)
{
	struct global_config *g = (struct global_config *)((char *)f - offsetof(struct global_config, listen_any));

	free(g->listen);
	g->listen = NULL;
	g->n_listen = 0;
}

static int parse_workers(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	uint64_t v;

	if (strcmp(s, "auto") == 0) {
		*FIELD(unsigned, f) = 0;
		return 0;
	}
	if (value_parse_uint(s, k->min, k->max, &v, err) < 0)
		return error_set(err, 0, "invalid workers '%.32s': expected auto or a number from %llu to %llu",
				 s, (unsigned long long)k->min, (unsigned long long)k->max);
	*FIELD(unsigned, f) = (unsigned)v;
	return 0;
}

static int parse_unknown_host(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct global_config *g = (struct global_config *)((char *)f - k->offset);
	uint64_t code;
	struct error ignored;

	if (value_parse_uint(s, 400, 599, &code, &ignored) == 0) {
		g->unknown_host_status = (unsigned)code;
		g->unknown_host_service[0] = '\0';
		return 0;
	}
	if (!value_is_name(s))
		return error_set(err, 0, "invalid unknown_host '%.32s': expected a status code 400-599 or a service name", s);
	g->unknown_host_status = 0;
	strcpy(g->unknown_host_service, s);
	return 0;
}

static int parse_exec(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct strv argv = { 0 };
	int r = value_parse_exec(s, &argv, err);

	(void)k;
	if (r < 0)
		return r;
	strv_release(f);
	*FIELD(struct strv, f) = argv;
	return 0;
}

/* env accumulates; a later KEY=... replaces an earlier one of the same KEY. */
static int parse_env(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct strv *env = f;
	size_t keylen;
	int r = value_parse_env(s, err);

	(void)k;
	if (r < 0)
		return r;
	keylen = (size_t)(strchr(s, '=') - s);
	for (size_t i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], s, keylen + 1) == 0) {
			char *copy = strdup(s);
			if (!copy)
				return error_set(err, ENOMEM, "copy value");
			free(env->v[i]);
			env->v[i] = copy;
			return 0;
		}
	}
	if (strv_push(env, s) < 0)
		return error_set(err, ENOMEM, "copy value");
	return 0;
}

static int parse_user(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return value_parse_user(s, f, err);
}

static int parse_hostname(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	if (!value_is_name(s))
		return error_set(err, 0, "invalid hostname '%.64s': expected a DNS label of a-z 0-9 - (at most 32)", s);
	strcpy(f, s);
	return 0;
}

static int parse_rootfs(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct rootfs_spec r = { 0 };
	int ret = value_parse_rootfs(s, &r, err);

	(void)k;
	if (ret < 0)
		return ret;
	rootfs_spec_release(f);
	*FIELD(struct rootfs_spec, f) = r;
	return 0;
}

static void release_rootfs(void *f)
{
	rootfs_spec_release(f);
}

static int parse_restart(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return value_parse_restart(s, f, err);
}

/* hosts accumulate within one file (lines stay short); duplicates are errors. */
static int parse_hosts(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct host_list *dst = f, add = { 0 };
	struct host_pattern *nv;
	int r = value_parse_hosts(s, &add, err);

	(void)k;
	if (r < 0)
		return r;
	for (size_t i = 0; i < add.n; i++)
		for (size_t j = 0; j < dst->n; j++)
			if (add.v[i].wildcard == dst->v[j].wildcard && strcmp(add.v[i].name, dst->v[j].name) == 0) {
				r = error_set(err, 0, "invalid hosts '%.64s': '%s%s' is listed twice", s,
					      add.v[i].wildcard ? "*." : "", add.v[i].name);
				host_list_release(&add);
				return r;
			}
	nv = realloc(dst->v, (dst->n + add.n) * sizeof(*nv));
	if (!nv && dst->n + add.n > 0) {
		host_list_release(&add);
		return error_set(err, ENOMEM, "grow host list");
	}
	dst->v = nv;
	if (add.n)
		memcpy(dst->v + dst->n, add.v, add.n * sizeof(*nv));
	dst->n += add.n;
	host_list_release(&add);
	return 0;
}

static void release_hosts(void *f)
{
	host_list_release(f);
}

static int parse_http_path(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	char *p = NULL;
	int r = value_parse_http_path(s, &p, err);

	(void)k;
	if (r < 0)
		return r;
	free(*FIELD(char *, f));
	*FIELD(char *, f) = p;
	return 0;
}

static int parse_cap_spec(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return value_parse_cap_spec(s, f, err);
}

/* caps_add / caps_drop accumulate within one file. */
static int parse_caps(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	uint64_t bits;
	int r = value_parse_caps(s, &bits, err);

	(void)k;
	if (r < 0)
		return r;
	*FIELD(uint64_t, f) |= bits;
	return 0;
}

static int parse_seccomp(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct seccomp_spec sp = { 0 };
	int r = value_parse_seccomp(s, &sp, err);

	(void)k;
	if (r < 0)
		return r;
	seccomp_spec_release(f);
	*FIELD(struct seccomp_spec, f) = sp;
	return 0;
}

static void release_seccomp(void *f)
{
	seccomp_spec_release(f);
}

static int parse_net_mode(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	(void)k;
	return value_parse_net_mode(s, f, err);
}

/* ports accumulate within one file; the same host port twice is an error. */
static int parse_ports(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct portmap_list *dst = f, add = { 0 };
	struct portmap *nv;
	int r = value_parse_portmaps(s, &add, err);

	(void)k;
	if (r < 0)
		return r;
	for (size_t i = 0; i < add.n; i++)
		for (size_t j = 0; j < dst->n; j++)
			if (add.v[i].host_port == dst->v[j].host_port && add.v[i].proto == dst->v[j].proto &&
			    add.v[i].host_addr.s_addr == dst->v[j].host_addr.s_addr) {
				r = error_set(err, 0, "invalid ports '%.64s': host port %u/%s is published twice",
					      s, add.v[i].host_port, add.v[i].proto == IPPROTO_UDP ? "udp" : "tcp");
				portmap_list_release(&add);
				return r;
			}
	nv = realloc(dst->v, (dst->n + add.n) * sizeof(*nv));
	if (!nv && dst->n + add.n > 0) {
		portmap_list_release(&add);
		return error_set(err, ENOMEM, "grow port list");
	}
	dst->v = nv;
	if (add.n)
		memcpy(dst->v + dst->n, add.v, add.n * sizeof(*nv));
	dst->n += add.n;
	portmap_list_release(&add);
	return 0;
}

static void release_ports(void *f)
{
	portmap_list_release(f);
}

/* The [health] probe keys set the kind too; the schema offset is of the field. */
static int parse_health_cmd(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct service_config *svc = (struct service_config *)((char *)f - k->offset);
	int r = parse_exec(k, s, f, err);

	if (r == 0)
		svc->health_kind = HEALTH_CMD;
	return r;
}

static int parse_health_http(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct service_config *svc = (struct service_config *)((char *)f - k->offset);
	int r = parse_http_path(k, s, f, err);

	if (r == 0)
		svc->health_kind = HEALTH_HTTP;
	return r;
}

static int parse_health_tcp(const struct schema_key *k, const char *s, void *f, struct error *err)
{
	struct service_config *svc = (struct service_config *)((char *)f - k->offset);
	int r = parse_port(k, s, f, err);

	if (r == 0)
		svc->health_kind = HEALTH_TCP;
	return r;
}

const struct schema_type type_text = { "text", "any text", parse_text, release_str };
const struct schema_type type_abspath = { "path", "an absolute path", parse_abspath, release_str };
const struct schema_type type_volpath = { "path", "an absolute path (VOLUMES/... is under [paths] volumes)", parse_volpath, release_str };
const struct schema_type type_access_log = { "path|off", "an absolute path, or off", parse_access_log, release_str };
const struct schema_type type_pathlist = { "paths", "absolute paths separated by ':'", parse_pathlist, release_strv };
const struct schema_type type_name = { "name", "a name of a-z 0-9 - (at most 32)", parse_name, NULL };
const struct schema_type type_ifname = { "ifname", "an interface name (at most 15 characters)", parse_ifname, release_str };
const struct schema_type type_domain = { "domain", "a DNS domain name", parse_domain, release_str };
const struct schema_type type_bool = { "boolean", "yes/no, true/false, on/off, 1/0", parse_bool, NULL };
const struct schema_type type_uint = { "integer", "a decimal number", parse_uint, NULL };
const struct schema_type type_uint_or_max = { "integer|max", "a decimal number, or max", parse_uint_or_max, NULL };
const struct schema_type type_size = { "size", "bytes with K, M, G suffixes (1024-based)", parse_size, NULL };
const struct schema_type type_limit = { "size|max", "a size like 128M, or max", parse_limit, NULL };
const struct schema_type type_duration = { "duration", "like 500ms, 10s, 5m, 1h", parse_duration, NULL };
const struct schema_type type_port = { "port", "1-65535", parse_port, NULL };
const struct schema_type type_cpus = { "cpus", "CPUs as a decimal, like 0.5 or 2", parse_cpus, NULL };
const struct schema_type type_signal = { "signal", "a signal name like TERM, or a number", parse_signal, NULL };
const struct schema_type type_subnet = { "subnet", "an IPv4 network in CIDR form, like 10.213.0.0/24", parse_subnet, NULL };
const struct schema_type type_upstream = { "resolvers", "auto, or IP addresses", parse_upstream, release_upstream };
const struct schema_type type_listen = { "addresses", "*, or IP addresses", parse_listen, release_listen };
const struct schema_type type_workers = { "auto|integer", "auto (one per CPU), or a number", parse_workers, NULL };
const struct schema_type type_unknown_host = { "status|name", "an HTTP status code, or a service name", parse_unknown_host, NULL };
const struct schema_type type_exec = { "command", "argv with shell-like quoting, no shell", parse_exec, release_strv };
const struct schema_type type_env = { "KEY=VALUE", "an environment variable; may repeat", parse_env, release_strv };
const struct schema_type type_user = { "user", "a user name, UID or UID:GID", parse_user, NULL };
const struct schema_type type_hostname = { "label", "a DNS label", parse_hostname, NULL };
const struct schema_type type_rootfs = { "rootfs", "host, dir:PATH or debian:PKG,...", parse_rootfs, release_rootfs };
const struct schema_type type_restart = { "policy", "no, on-failure, always, unless-stopped", parse_restart, NULL };
const struct schema_type type_hosts = { "hosts", "host names, *.domain wildcards; may repeat", parse_hosts, release_hosts };
const struct schema_type type_http_path = { "path", "a URL path starting with /", parse_http_path, release_str };
const struct schema_type type_cap_spec = { "caps", "default, none, or capability names", parse_cap_spec, NULL };
const struct schema_type type_caps = { "caps", "capability names like NET_ADMIN, or ALL", parse_caps, NULL };
const struct schema_type type_seccomp = { "seccomp", "default, unconfined, or a profile path", parse_seccomp, release_seccomp };
const struct schema_type type_net_mode = { "mode", "intercontainer, none, host", parse_net_mode, NULL };
const struct schema_type type_ports = { "ports", "[ADDR:]HOST:PORT[/tcp|/udp] ...; may repeat", parse_ports, release_ports };
const struct schema_type type_health_cmd = { "command", "a command run inside the service", parse_health_cmd, release_strv };
const struct schema_type type_health_http = { "path", "an HTTP path GET on [http] port", parse_health_http, release_str };
const struct schema_type type_health_tcp = { "port", "a TCP port to connect to", parse_health_tcp, NULL };
