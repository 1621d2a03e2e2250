/*
 * value.h - the typed values of configuration files, parsed from text.
 *
 * Every parser is a pure function over a NUL-terminated string: it returns 0
 * and fills OUT, or returns -EINVAL and fills ERR with what is wrong and the
 * expected form, e.g. "invalid size '12Q': expected a number with an optional
 * K, M, G or T suffix (powers of 1024), like 64K or 128M".  Nothing is logged.
 * Values the caller owns afterwards are released with the matching *_release().
 */
#ifndef PISTACK_CONFIG_VALUE_H
#define PISTACK_CONFIG_VALUE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

#define NAME_MAX_LEN 32      /* service and bundle names: DNS labels, cgroup names */
#define HOSTNAME_MAX_LEN 253 /* RFC 1035 */
#define SIZE_UNLIMITED UINT64_MAX

/* A growable array of owned strings, NULL-terminated (v[n] == NULL) when n > 0. */
struct strv {
	char **v;
	size_t n;
};
int strv_push(struct strv *sv, const char *s);   /* copies s; -ENOMEM */
int strv_copy(struct strv *dst, const struct strv *src);
void strv_release(struct strv *sv);

/* Helpers shared by the parsers (and usable by the loader for its own checks). */
/* Fill ERR with "invalid WHAT 'TEXT': REASON" where REASON is formatted from FMT (it says
 * what was expected); TEXT is echoed printable-ASCII only ('?' for other bytes), cut at 64
 * characters.  Returns -EINVAL. */
int value_error(struct error *err, const char *what, const char *text, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The next word of *P (words are separated by spaces and tabs): copied into BUF, cut to
 * SIZE - 1 bytes and NUL-terminated; *P moves past it.  Returns the word's full length
 * (>= SIZE means it did not fit), 0 when no word is left. */
size_t value_next_word(const char **p, char *buf, size_t size);

/* Scalars. */
int value_parse_bool(const char *s, bool *out, struct error *err);         /* yes/no/true/false/on/off/1/0, any case */
int value_parse_size(const char *s, uint64_t *out, struct error *err);     /* 0, 512, 64K, 128M, 1G, 2T (1024-based) */
int value_parse_limit(const char *s, uint64_t *out, struct error *err);    /* a size, or "max" -> SIZE_UNLIMITED */
int value_parse_duration(const char *s, uint64_t *out_ms, struct error *err); /* 500ms 10s 5m 1h 2d, "1m30s", "0" */
int value_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, struct error *err);
int value_parse_cpus(const char *s, uint32_t *out_millicpus, struct error *err); /* 0.5 -> 500, 2 -> 2000; 0.001..1024 */
int value_parse_port(const char *s, uint16_t *out, struct error *err);     /* 1..65535 */
int value_parse_signal(const char *s, int *out, struct error *err);        /* TERM, SIGTERM, term, 15 */
const char *value_signal_name(int sig);                                     /* "TERM" or NULL */

/* Names. */
bool value_is_name(const char *s);  /* [a-z0-9][a-z0-9-]*, <= 32, not ending in '-' */
int value_parse_name(const char *s, char out[NAME_MAX_LEN + 1], struct error *err);
int value_parse_env(const char *s, struct error *err);  /* KEY=VALUE, KEY [A-Za-z_][A-Za-z0-9_]* */
int value_parse_abspath(const char *s, char **out, struct error *err); /* absolute, normalised ("//" and "/." removed), no ".." */

/* An IPv4 subnet in CIDR form; host bits must be zero; prefix 8..30. */
struct subnet {
	int family;           /* AF_INET (AF_INET6 reserved for a ULA subnet) */
	struct in_addr addr;  /* network address */
	unsigned prefix;
};
int value_parse_subnet(const char *s, struct subnet *out, struct error *err);

/* An IPv4 or IPv6 address (upstream resolvers, listen addresses). */
struct ip_addr {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};
int value_parse_ip(const char *s, struct ip_addr *out, struct error *err);

/* Published ports: "[HOSTADDR:]HOSTPORT:PORT[/tcp|/udp]" separated by spaces. */
struct portmap {
	struct in_addr host_addr;  /* INADDR_ANY when not given */
	uint16_t host_port;
	uint16_t port;
	uint8_t proto;             /* IPPROTO_TCP or IPPROTO_UDP */
};
struct portmap_list {
	struct portmap *v;
	size_t n;
};
int value_parse_portmaps(const char *s, struct portmap_list *out, struct error *err);
void portmap_list_release(struct portmap_list *l);

/* Host names for the gateway: "www.example.org example.org *.example.org". Stored
 * lower-case; "*.example.org" is wildcard=true, name="example.org".  No duplicates. */
struct host_pattern {
	char name[HOSTNAME_MAX_LEN + 1];
	bool wildcard;
};
struct host_list {
	struct host_pattern *v;
	size_t n;
};
int value_parse_hostname(const char *s, struct host_pattern *out, struct error *err);
int value_parse_hosts(const char *s, struct host_list *out, struct error *err);
void host_list_release(struct host_list *l);

/* Capabilities: names with or without CAP_, any case; "ALL" sets every bit. */
int value_parse_cap(const char *s, int *out, struct error *err);
const char *value_cap_name(int cap);          /* "NET_ADMIN" or NULL */
int value_parse_caps(const char *s, uint64_t *out_bits, struct error *err); /* space-separated list */
#define CAPS_DOCKER_DEFAULT_NAMES \
	"CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP " \
	"NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE"
uint64_t caps_docker_default(void);
/* [security] caps: "default" | "none" | a list */
struct cap_spec {
	uint64_t bits;
};
int value_parse_cap_spec(const char *s, struct cap_spec *out, struct error *err);

/* user = NAME | UID | UID:GID.  A NAME is resolved later, inside the rootfs. */
struct user_spec {
	char name[NAME_MAX_LEN + 1];  /* empty when numeric */
	uid_t uid;
	gid_t gid;
	bool has_gid;                 /* numeric form with ":GID" */
};
int value_parse_user(const char *s, struct user_spec *out, struct error *err);

/* exec lines: argv split with shell-like quoting, no shell: whitespace separates
 * words; '...' is literal; "..." allows \" \\ \$ \` escapes; a backslash outside
 * quotes escapes the next character; no expansion of any kind.  Unterminated
 * quotes, a trailing backslash, and an empty line are errors. */
int value_parse_exec(const char *s, struct strv *out, struct error *err);

/* rootfs = host | dir:/ABS/PATH | debian:PKG[,PKG...] */
enum rootfs_kind { ROOTFS_HOST, ROOTFS_DIR, ROOTFS_DEBIAN };
struct rootfs_spec {
	enum rootfs_kind kind;
	char *path;          /* ROOTFS_DIR */
	struct strv packages;/* ROOTFS_DEBIAN: Debian package names, sorted, unique */
};
int value_parse_rootfs(const char *s, struct rootfs_spec *out, struct error *err);
void rootfs_spec_release(struct rootfs_spec *r);

/* [mount] TARGET = SOURCE [ro|rw] */
enum mount_kind { MOUNT_VOLUME, MOUNT_BUNDLE, MOUNT_HOST, MOUNT_TMPFS };
struct mount_spec {
	char *target;        /* absolute, normalised */
	enum mount_kind kind;
	char *source;        /* VOLUME: sub-path ("" = the volume itself); BUNDLE: relative path;
	                        HOST: absolute path; TMPFS: NULL */
	uint64_t tmpfs_size; /* TMPFS: bytes, 0 = kernel default */
	bool readonly;       /* default: ro for bundle:, rw for the others */
};
/* Parse one line; TARGET and VALUE are the key and value. Sub-paths and bundle paths
 * must be relative and contain no ".." component; targets must be absolute, not "/". */
int value_parse_mount(const char *target, const char *value, struct mount_spec *out,
		      struct error *err);
void mount_spec_release(struct mount_spec *m);

/* Enumerations. */
enum restart_policy { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS, RESTART_UNLESS_STOPPED };
int value_parse_restart(const char *s, enum restart_policy *out, struct error *err);
const char *value_restart_name(enum restart_policy p);

enum net_mode { NET_INTERCONTAINER, NET_NONE, NET_HOST };
int value_parse_net_mode(const char *s, enum net_mode *out, struct error *err);
const char *value_net_mode_name(enum net_mode m);

/* seccomp = default | unconfined | /ABS/PATH */
enum seccomp_kind { SECCOMP_DEFAULT, SECCOMP_UNCONFINED, SECCOMP_FILE };
struct seccomp_spec {
	enum seccomp_kind kind;
	char *path;
};
int value_parse_seccomp(const char *s, struct seccomp_spec *out, struct error *err);
void seccomp_spec_release(struct seccomp_spec *s);

/* An HTTP path prefix or health path: starts with '/', visible ASCII, no "..",
 * no '?', '#' or '%'-escapes of '/' or '.'. */
int value_parse_http_path(const char *s, char **out, struct error *err);

#endif
