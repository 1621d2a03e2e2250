/*
 * resolv_conf.h - the nameserver lines of /etc/resolv.conf, read the way the
 * C library reads them: the upstream resolvers of `upstream = auto`.
 */
#ifndef PISTACK_NET_RESOLV_CONF_H
#define PISTACK_NET_RESOLV_CONF_H

#include <stddef.h>

#include "common/error.h"
#include "config/value.h"

#define RESOLV_CONF_MAX 3        /* MAXNS of the C library: later lines are ignored */
#define RESOLV_CONF_SIZE_MAX 65536

/* The addresses of the "nameserver ADDR" lines of TEXT (LEN bytes, no NUL
 * needed), in order, at most RESOLV_CONF_MAX into OUT.  Like the C library:
 * comments ('#' or ';' first on a line) and other keywords are skipped, and
 * so is a line whose address does not parse (or carries an IPv6 zone, which
 * an ip_addr cannot hold); duplicates are kept once.  Returns how many. */
size_t resolv_conf_parse(const char *text, size_t len, struct ip_addr *out);

/* Read the file PATH (normally "/etc/resolv.conf") and parse it; returns how
 * many addresses, or -errno with ERR filled when it cannot be read. */
int resolv_conf_load(const char *path, struct ip_addr *out, struct error *err);

#endif
