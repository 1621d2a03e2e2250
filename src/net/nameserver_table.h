/*
 * nameserver_table.h - the pure half of the name server: the messages the
 * daemon sends it over the control socket, and the decision, for each query,
 * between a local answer, forwarding, and silence.
 *
 * Control messages are frames of ctl.h (4-byte big-endian length, payload)
 * whose payload is text, one item a line, every line ended by '\n':
 *   "table\n" then "NAME ADDRESS\n" per entry: a service name, one space, a
 *     dotted-quad IPv4 address; no name twice; at most NAMESERVER_TABLE_MAX;
 *   "upstreams\n" then "ADDRESS\n" per resolver: IPv4 or IPv6; at most
 *     NAMESERVER_UPSTREAM_MAX.
 * Nothing else: no blank line, no comment, no NUL, no carriage return.
 */
#ifndef PISTACK_NET_NAMESERVER_TABLE_H
#define PISTACK_NET_NAMESERVER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "net/dns_wire.h"
#include "net/nameserver.h"

/* A parsed table, sorted by name for lookups. */
struct ns_table {
	struct nameserver_entry *v;
	size_t n;
};
void ns_table_release(struct ns_table *t);

enum ns_msg_kind { NS_MSG_TABLE, NS_MSG_UPSTREAMS };

/* A parsed control message: a table, or upstreams. */
struct ns_msg {
	enum ns_msg_kind kind;
	struct ns_table table;
	struct ip_addr upstream[NAMESERVER_UPSTREAM_MAX];
	size_t n_upstream;
};

/* Encode a table or upstream message into BUF (SIZE bytes); its length, or
 * -E2BIG (too many items, or BUF too small), -EINVAL for a bad name. */
int ns_msg_encode_table(const struct nameserver_entry *v, size_t n, char *buf, size_t size);
int ns_msg_encode_upstreams(const struct ip_addr *v, size_t n, char *buf, size_t size);

/* Parse a control payload of LEN bytes (not NUL-terminated).  0 with OUT
 * filled (release OUT->table), or -EINVAL with ERR saying which line is wrong. */
int ns_msg_parse(const char *payload, size_t len, struct ns_msg *out, struct error *err);

/* The entry for the wire label LABEL (LEN bytes, without its length byte),
 * ignoring case, or NULL. */
const struct nameserver_entry *ns_table_find(const struct ns_table *t, const uint8_t *label, size_t len);

/* What to do with a message that came in. */
enum ns_action {
	NS_DROP,     /* nothing to answer: not even a header, or a response */
	NS_REPLY,    /* OUT holds the reply */
	NS_FORWARD,  /* a query for the upstreams; Q is filled */
};

/* The name server's view of one query. */
struct ns_zone {
	const struct ns_table *table;
	uint8_t domain[DNS_NAME_MAX];  /* wire form, e.g. "\7pistack\10internal\0" */
	size_t domain_len;
};
/* Set Z's domain from its text ("pistack.internal", trailing dot allowed); -EINVAL. */
int ns_zone_set_domain(struct ns_zone *z, const char *domain);

/* Decide about MSG (LEN bytes) as nameserver.h describes; a reply goes into
 * OUT (SIZE bytes, at least 512) with its length in *OUT_LEN. */
enum ns_action ns_answer(const struct ns_zone *z, const uint8_t *msg, size_t len, struct dns_query *q,
			 uint8_t *out, size_t size, size_t *out_len);

#endif
