/*
 * schema_types.h - the value types the schema table refers to.
 */
#ifndef PISTACK_CONFIG_SCHEMA_TYPES_H
#define PISTACK_CONFIG_SCHEMA_TYPES_H

#include "config/schema.h"

extern const struct schema_type type_text;
extern const struct schema_type type_abspath;
extern const struct schema_type type_volpath;
extern const struct schema_type type_access_log;
extern const struct schema_type type_pathlist;
extern const struct schema_type type_name;
extern const struct schema_type type_ifname;
extern const struct schema_type type_domain;
extern const struct schema_type type_bool;
extern const struct schema_type type_uint;
extern const struct schema_type type_uint_or_max;
extern const struct schema_type type_size;
extern const struct schema_type type_limit;
extern const struct schema_type type_duration;
extern const struct schema_type type_port;
extern const struct schema_type type_cpus;
extern const struct schema_type type_signal;
extern const struct schema_type type_subnet;
extern const struct schema_type type_upstream;
extern const struct schema_type type_listen;
extern const struct schema_type type_workers;
extern const struct schema_type type_unknown_host;
extern const struct schema_type type_exec;
extern const struct schema_type type_env;
extern const struct schema_type type_user;
extern const struct schema_type type_hostname;
extern const struct schema_type type_rootfs;
extern const struct schema_type type_restart;
extern const struct schema_type type_hosts;
extern const struct schema_type type_http_path;
extern const struct schema_type type_cap_spec;
extern const struct schema_type type_caps;
extern const struct schema_type type_seccomp;
extern const struct schema_type type_net_mode;
extern const struct schema_type type_ports;
extern const struct schema_type type_health_cmd;
extern const struct schema_type type_health_http;
extern const struct schema_type type_health_tcp;

#endif
