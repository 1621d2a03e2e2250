/*
 * schema.c - the table of every configuration key and what derives from it:
 * lookups for the loader, and the renderings for the man page, the default
 * conf.d/pistack.ini and `pistack help config`.
 */
#include "config/schema.h"

#include <stddef.h>
#include <string.h>

#include "config/config.h"
#include "config/schema_types.h"

#define G(sec, name, type, field, def, doc, ...) \
	{ SCOPE_GLOBAL, sec, name, &type, offsetof(struct global_config, field), def, doc, __VA_ARGS__ }
#define S(sec, name, type, field, def, doc, ...) \
	{ SCOPE_SERVICE, sec, name, &type, offsetof(struct service_config, field), def, doc, __VA_ARGS__ }

#define SEC 1000ULL
#define DAY (86400ULL * SEC)

const struct schema_key schema_keys[] = {
	G("paths", "volumes", type_abspath, volumes, "/var/vol", "service data: VOLUMES/NAME", 0, 0, 0),
	G("paths", "state", type_abspath, state, "/var/lib/pistack", "leases, service state, built root filesystems", 0, 0, 0),
	G("paths", "run", type_abspath, run, "/run/pistack", "control socket pistack.sock, runtime files", 0, 0, 0),
	G("paths", "logs", type_abspath, logs, "/var/log/pistack", "captured service output", 0, 0, 0),
	G("paths", "bundles", type_pathlist, bundle_paths, "/usr/local/share/pistack/bundles", "more bundle directories, ':'-separated", 0, 0, 0),

	G("network", "bridge", type_ifname, bridge, "intercontainer", "the bridge every service joins", 0, 0, 0),
	G("network", "subnet", type_subnet, subnet, "10.213.0.0/24", "the bridge takes the first address", 0, 0, 0),
	G("network", "domain", type_domain, domain, "pistack.internal", "NAME and NAME.DOMAIN resolve to the service", 0, 0, 0),
	G("network", "upstream", type_upstream, upstream_auto, "auto", "resolvers for other names: auto = from /etc/resolv.conf", 0, 0, 0),
	G("network", "nat", type_bool, nat, "yes", "masquerade outgoing traffic of services", 0, 0, 0),

	G("gateway", "listen", type_listen, listen_any, "*", "addresses of the gateway: * = all IPv4 and IPv6", 0, 0, 0),
	G("gateway", "http_port", type_port, http_port, "80", "plain HTTP port", 0, 0, 0),
	G("gateway", "https_port", type_port, https_port, "443", "HTTPS port", 0, 0, 0),
	G("gateway", "workers", type_workers, workers, "auto", "worker processes: auto = one per CPU", 0, 1, 64),
	G("gateway", "certs", type_volpath, certs, "VOLUMES/gateway/certs", "DOMAIN.crt + DOMAIN.key (PEM), wildcard as _.DOMAIN", 0, 0, 0),
	G("gateway", "acme_webroot", type_volpath, acme_webroot, "VOLUMES/gateway/acme", "served at /.well-known/acme-challenge/", 0, 0, 0),
	G("gateway", "redirect_https", type_bool, redirect_https, "yes", "redirect to HTTPS when a certificate exists for the host", 0, 0, 0),
	G("gateway", "hsts", type_uint, hsts, "0", "Strict-Transport-Security max-age in seconds; 0 = no header", 0, 0, 63072000),
	G("gateway", "unknown_host", type_unknown_host, unknown_host_status, "404", "status code, or a service NAME that takes all unknown hosts", 0, 0, 0),
	G("gateway", "max_body", type_size, max_body, "1M", "largest request body", 0, 0, UINT64_MAX),
	G("gateway", "header_timeout", type_duration, header_timeout_ms, "10s", "time to receive a whole request header", 0, 100, DAY),
	G("gateway", "idle_timeout", type_duration, idle_timeout_ms, "75s", "keep-alive idle time", 0, 100, DAY),
	G("gateway", "upstream_timeout", type_duration, upstream_timeout_ms, "60s", "time a service may take to answer", 0, 100, DAY),
	G("gateway", "access_log", type_access_log, access_log, "VOLUMES/gateway/access.log", "access log path, or off", 0, 0, 0),

	S("service", "bundle", type_name, bundle, NULL, "the bundle this service instantiates (default: NAME)", KEY_CONFD_ONLY | KEY_NO_DEFAULTS, 0, 0),
	S("service", "description", type_text, description, NULL, "one line shown by status and help", KEY_NO_DEFAULTS, 0, 0),
	S("service", "rootfs", type_rootfs, rootfs, "host", "host | dir:PATH | debian:PKG[,PKG...]", 0, 0, 0),
	S("service", "exec", type_exec, exec, NULL, "the command: argv with shell-like quoting, no shell", KEY_REQUIRED, 0, 0),
	S("service", "user", type_user, user, "root", "user name (resolved in the rootfs) or UID[:GID]", 0, 0, 0),
	S("service", "workdir", type_abspath, workdir, "/", "working directory", 0, 0, 0),
	S("service", "env", type_env, env, NULL, "KEY=VALUE; may repeat", KEY_LIST, 0, 0),
	S("service", "hostname", type_hostname, hostname, NULL, "host name inside the service (default: NAME)", KEY_NO_DEFAULTS, 0, 0),
	S("service", "restart", type_restart, restart, "on-failure", "no | on-failure | always | unless-stopped", 0, 0, 0),
	S("service", "stop_signal", type_signal, stop_signal, "TERM", "signal that asks the service to stop", 0, 0, 0),
	S("service", "stop_timeout", type_duration, stop_timeout_ms, "10s", "time before SIGKILL", 0, 0, DAY),
	S("service", "readonly", type_bool, readonly, "yes", "read-only root filesystem", 0, 0, 0),

	S("http", "hosts", type_hosts, hosts, NULL, "host names the gateway sends here; may repeat", KEY_LIST | KEY_NO_DEFAULTS, 0, 0),
	S("http", "port", type_port, http_port, "80", "the service's HTTP port", 0, 0, 0),
	S("http", "path", type_http_path, http_path, "/", "path prefix routed here (longest wins)", 0, 0, 0),

	S("limits", "memory", type_limit, memory, "max", "memory.max", 0, 0, 0),
	S("limits", "memory_swap", type_limit, memory_swap, "max", "memory.swap.max", 0, 0, 0),
	S("limits", "cpus", type_cpus, cpus_milli, NULL, "cpu.max as a number of CPUs", 0, 0, 0),
	S("limits", "cpu_weight", type_uint, cpu_weight, "100", "cpu.weight", 0, 1, 10000),
	S("limits", "pids", type_uint_or_max, pids, "1024", "pids.max", 0, 1, 4194304),
	S("limits", "nofile", type_uint, nofile, "1024", "RLIMIT_NOFILE", 0, 16, 1048576),
	S("limits", "io_weight", type_uint, io_weight, "100", "io.weight", 0, 1, 10000),

	S("security", "caps", type_cap_spec, caps, "default", "default (Docker's 14) | none | capability names", 0, 0, 0),
	S("security", "caps_add", type_caps, caps_add, NULL, "capabilities added to caps; may repeat", KEY_LIST, 0, 0),
	S("security", "caps_drop", type_caps, caps_drop, NULL, "capabilities removed from caps; may repeat", KEY_LIST, 0, 0),
	S("security", "seccomp", type_seccomp, seccomp, "default", "default | unconfined | PATH", 0, 0, 0),
	S("security", "no_new_privs", type_bool, no_new_privs, "yes", "PR_SET_NO_NEW_PRIVS before exec", 0, 0, 0),
	S("security", "userns", type_bool, userns, "no", "container root is an unprivileged host uid", 0, 0, 0),

	S("network", "mode", type_net_mode, net_mode, "intercontainer", "intercontainer | none | host", 0, 0, 0),
	S("network", "ports", type_ports, ports, NULL, "published ports HOST:PORT[/udp]; may repeat", KEY_LIST | KEY_NO_DEFAULTS, 0, 0),

	S("health", "cmd", type_health_cmd, health_cmd, NULL, "healthy when this command exits 0", KEY_HEALTH_PROBE, 0, 0),
	S("health", "http", type_health_http, health_http, NULL, "healthy when GET PATH on [http] port answers 2xx/3xx", KEY_HEALTH_PROBE, 0, 0),
	S("health", "tcp", type_health_tcp, health_tcp, NULL, "healthy when PORT accepts a connection", KEY_HEALTH_PROBE, 0, 0),
	S("health", "interval", type_duration, health_interval_ms, "10s", "time between checks", 0, 100, DAY),
	S("health", "timeout", type_duration, health_timeout_ms, "2s", "time one check may take", 0, 100, DAY),
	S("health", "retries", type_uint, health_retries, "3", "failures in a row that make it unhealthy", 0, 1, 100),
	S("health", "start_period", type_duration, health_start_period_ms, "0s", "failures during this time after start do not count", 0, 0, DAY),

	S("log", "size", type_size, log_size, "1M", "rotate the log at this size", 0, 4096, 1ULL << 40),
	S("log", "files", type_uint, log_files, "3", "number of log files kept", 0, 1, 100),
};
const size_t schema_n_keys = sizeof(schema_keys) / sizeof(schema_keys[0]);

/* Find SECTION.KEY in SCOPE. */
const struct schema_key *schema_find(enum schema_scope scope, const char *section, const char *key)
{
	for (size_t i = 0; i < schema_n_keys; i++) {
		const struct schema_key *k = &schema_keys[i];
		if (k->scope == scope && strcmp(k->section, section) == 0 && strcmp(k->key, key) == 0)
			return k;
	}
	return NULL;
}

/* Whether SECTION exists in SCOPE. */
bool schema_has_section(enum schema_scope scope, const char *section)
{
	if (scope == SCOPE_SERVICE && strcmp(section, "mount") == 0)
		return true;
	if (scope == SCOPE_GLOBAL && strcmp(section, "defaults") == 0)
		return true;
	for (size_t i = 0; i < schema_n_keys; i++)
		if (schema_keys[i].scope == scope && strcmp(schema_keys[i].section, section) == 0)
			return true;
	return false;
}

/* Find a service key by its bare name; service key names are unique across sections. */
const struct schema_key *schema_find_service_key(const char *key)
{
	const struct schema_key *found = NULL;

	for (size_t i = 0; i < schema_n_keys; i++) {
		const struct schema_key *k = &schema_keys[i];
		if (k->scope != SCOPE_SERVICE || strcmp(k->key, key) != 0)
			continue;
		if (found)
			return NULL;
		found = k;
	}
	return found;
}

/* The row number of K. */
size_t schema_index(const struct schema_key *k)
{
	return (size_t)(k - schema_keys);
}

/* Parse TEXT for K into BASE. */
int schema_parse(const struct schema_key *k, const char *text, void *base, struct error *err)
{
	return k->type->parse(k, text, (char *)base + k->offset, err);
}

/* Release every allocated field of SCOPE in BASE. */
void schema_release_all(enum schema_scope scope, void *base)
{
	for (size_t i = 0; i < schema_n_keys; i++) {
		const struct schema_key *k = &schema_keys[i];
		if (k->scope == scope && k->type->release)
			k->type->release((char *)base + k->offset);
	}
}

/* Escape roff-special characters at the start of S for a table cell. */
static void man_cell(FILE *out, const char *s)
{
	if (!s || !*s) {
		fputs("\\-", out);
		return;
	}
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

/* Render one tbl(1) table per section. */
void schema_print_man(FILE *out)
{
	const char *section = NULL;
	enum schema_scope scope = SCOPE_GLOBAL;

	for (size_t i = 0; i < schema_n_keys; i++) {
		const struct schema_key *k = &schema_keys[i];
		if (!section || strcmp(section, k->section) != 0 || scope != k->scope) {
			if (section)
				fputs(".TE\n", out);
			if (scope != k->scope || !section)
				fprintf(out, ".SS %s\n", k->scope == SCOPE_GLOBAL ? "conf.d/pistack.ini" :
					"bundle.ini and conf.d/NAME.ini");
			section = k->section;
			scope = k->scope;
			fprintf(out, ".PP\n.B [%s]\n.TS\nl l l lx.\nkey\ttype\tdefault\tmeaning\n", section);
		}
		man_cell(out, k->key);
		fputc('\t', out);
		man_cell(out, k->type->name);
		fputc('\t', out);
		man_cell(out, k->def);
		fputs("\tT{\n", out);
		man_cell(out, k->doc);
		fputs("\nT}\n", out);
	}
	fputs(".TE\n", out);
}

/* Render conf.d/pistack.ini: every global key at its default, documented. */
void schema_print_ini(FILE *out)
{
	const char *section = NULL;

	fputs("; pistack.ini - global settings of pistack; see pistack.ini(5).\n"
	      "; Every key is shown at its default.  Services are conf.d/NAME.ini.\n", out);
	for (size_t i = 0; i < schema_n_keys; i++) {
		const struct schema_key *k = &schema_keys[i];
		if (k->scope != SCOPE_GLOBAL)
			continue;
		if (!section || strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(out, "\n[%s]\n", section);
		}
		fprintf(out, "; %s\n%s = %s\n", k->doc, k->key, k->def ? k->def : "");
	}
	fputs("\n[defaults]\n; any service key (like memory = 64M), applied to every service\n", out);
}

/* Render the key reference for `pistack help config`. */
void schema_print_help(FILE *out)
{
	const char *section = NULL;
	enum schema_scope scope = SCOPE_GLOBAL;

	for (size_t i = 0; i < schema_n_keys; i++) {
		const struct schema_key *k = &schema_keys[i];
		if (!section || strcmp(section, k->section) != 0 || scope != k->scope) {
			if (!section || scope != k->scope)
				fprintf(out, "%s%s:\n", section ? "\n" : "",
					k->scope == SCOPE_GLOBAL ? "conf.d/pistack.ini" : "bundle.ini, conf.d/NAME.ini");
			section = k->section;
			scope = k->scope;
			fprintf(out, "  [%s]\n", section);
		}
		fprintf(out, "    %-16s %-14s %-24s %s\n", k->key, k->type->name, k->def ? k->def : "-", k->doc);
		if (k->scope == SCOPE_SERVICE && strcmp(k->key, "readonly") == 0)
			fputs("  [mount]\n    TARGET = SOURCE [ro|rw]  SOURCE: volume, volume:SUB, bundle:PATH, host:PATH, tmpfs[:SIZE]\n", out);
	}
}
