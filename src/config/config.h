/*
 * config.h - the configuration model: global settings from conf.d/pistack.ini
 * and the resolved settings of each service (defaults < [defaults] <
 * bundle.ini < conf.d/NAME.ini).  Filled by config_load(); read-only afterwards.
 */
#ifndef PISTACK_CONFIG_CONFIG_H
#define PISTACK_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "config/diag.h"
#include "config/value.h"

/* Where a value came from: FILE:LINE, or the built-in default (file == NULL). */
struct origin {
	const char *file;  /* owned by the config's file-name pool */
	unsigned line;
};

struct global_config {
	/* [paths] */
	char *volumes, *state, *run, *logs;
	struct strv bundle_paths;
	/* [network] */
	char *bridge;
	struct subnet subnet;
	char *domain;
	bool upstream_auto;
	struct ip_addr *upstream;
	size_t n_upstream;
	bool nat;
	/* [gateway] */
	bool listen_any;                /* "*" */
	struct ip_addr *listen;
	size_t n_listen;
	uint16_t http_port, https_port;
	unsigned workers;               /* 0 = auto: one per CPU */
	char *certs, *acme_webroot;
	bool redirect_https;
	uint64_t hsts;                  /* max-age seconds, 0 = no header */
	unsigned unknown_host_status;   /* a status code, or 0 when unknown_host_service is set */
	char unknown_host_service[NAME_MAX_LEN + 1];
	uint64_t max_body;
	uint64_t header_timeout_ms, idle_timeout_ms, upstream_timeout_ms;
	char *access_log;               /* NULL = off */
};

enum health_kind { HEALTH_NONE, HEALTH_CMD, HEALTH_HTTP, HEALTH_TCP };

struct service_config {
	char name[NAME_MAX_LEN + 1];
	char bundle[NAME_MAX_LEN + 1];  /* the bundle it instantiates ("" = none) */
	char *bundle_dir;               /* absolute directory of that bundle, or NULL */
	/* [service] */
	char *description;
	struct rootfs_spec rootfs;
	struct strv exec;
	struct user_spec user;
	char *workdir;
	struct strv env;                /* KEY=VALUE, later layers replace the same KEY */
	char hostname[NAME_MAX_LEN + 1];
	enum restart_policy restart;
	int stop_signal;
	uint64_t stop_timeout_ms;
	bool readonly;
	/* [mount] */
	struct mount_spec *mounts;
	size_t n_mounts;
	/* [http] */
	struct host_list hosts;
	uint16_t http_port;
	char *http_path;
	/* [limits]: SIZE_UNLIMITED / 0 mean "not limited" where noted */
	uint64_t memory, memory_swap;   /* SIZE_UNLIMITED = max */
	uint32_t cpus_milli;            /* 0 = no cpu.max */
	uint64_t cpu_weight, pids, nofile, io_weight;
	/* [security] */
	struct cap_spec caps;
	uint64_t caps_add, caps_drop;
	struct seccomp_spec seccomp;
	bool no_new_privs, userns;
	/* [network] */
	enum net_mode net_mode;
	struct portmap_list ports;
	/* [health] */
	enum health_kind health_kind;
	struct strv health_cmd;
	char *health_http;
	uint16_t health_tcp;
	uint64_t health_interval_ms, health_timeout_ms, health_start_period_ms, health_retries;
	/* [log] */
	uint64_t log_size, log_files;

	/* Where each schema key got its value (index = schema row), for diagnostics
	 * and to tell a configured limit from a default. */
	struct origin *origins;
	struct origin file;             /* conf.d/NAME.ini itself, line 1 */
	/* A digest of every resolved setting (FNV-1a over "key=value" lines):
	 * equal fingerprints mean `reload` may leave the service running. */
	uint64_t fingerprint;
};

struct config {
	char *root;                     /* the configuration root (-C DIR) */
	struct global_config global;
	struct service_config *services;/* sorted by name */
	size_t n_services;
	struct strv files;              /* pool of file names that origins point into */
};

/* Load and validate everything under ROOT (conf.d/ and bundles/).  Returns 0, or
 * a negative errno with every problem appended to DIAGS as "FILE:LINE: message";
 * on failure CFG is left released. */
int config_load(struct config *cfg, const char *root, struct diag_list *diags);
void config_release(struct config *cfg);

/* Load only conf.d/pistack.ini's global settings (for commands that need the
 * paths, like the control socket's, even while a service file is broken). */
int config_load_global(struct config *cfg, const char *root, struct diag_list *diags);

/* The service NAME, or NULL. */
const struct service_config *config_find_service(const struct config *cfg, const char *name);

/* The effective capability set of a service: caps, plus caps_add, minus caps_drop. */
uint64_t service_effective_caps(const struct service_config *svc);

/* Whether the schema key SECTION.KEY was set by a file (not the built-in default). */
bool service_key_configured(const struct service_config *svc, const char *section, const char *key);

#endif
