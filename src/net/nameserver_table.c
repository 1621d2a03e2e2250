/*
 * nameserver_table.c - the name server's pure logic (see nameserver_table.h):
 * the control messages that carry the name table and the upstreams, and the
 * answer to each query from the table.  No I/O: unit-tested and fuzzed.
 */
#include "net/nameserver_table.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctl.h"
#include "config/value.h"

#define NS_TTL 0  /* a local answer is never cached: a change is seen at once */

/* Free the entries of T. */
void ns_table_release(struct ns_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* strcmp of two entries' names, for qsort. */
static int ns_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nameserver_entry *)a)->name, ((const struct nameserver_entry *)b)->name);
}

/* Append the formatted line to BUF at *OFF; -E2BIG when it does not fit. */
static int ns_put(char *buf, size_t size, size_t *off, const char *fmt, const char *a, const char *b)
{
	int n = snprintf(buf + *off, size - *off, fmt, a, b);

	if (n < 0 || (size_t)n >= size - *off)
		return -E2BIG;
	*off += (size_t)n;
	return 0;
}

/* Encode a table message; see nameserver_table.h. */
int ns_msg_encode_table(const struct nameserver_entry *v, size_t n, char *buf, size_t size)
{
	size_t off = 0;

	if (n > NAMESERVER_TABLE_MAX || size == 0 || ns_put(buf, size, &off, "table\n%s%s", "", "") < 0)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		char addr[INET_ADDRSTRLEN];

		if (!value_is_name(v[i].name))
			return -EINVAL;
		inet_ntop(AF_INET, &v[i].addr, addr, sizeof(addr));
		if (ns_put(buf, size, &off, "%s %s\n", v[i].name, addr) < 0)
			return -E2BIG;
	}
	return off > INT32_MAX ? -E2BIG : (int)off;
}

/* Encode an upstreams message; see nameserver_table.h. */
int ns_msg_encode_upstreams(const struct ip_addr *v, size_t n, char *buf, size_t size)
{
	size_t off = 0;

	if (n > NAMESERVER_UPSTREAM_MAX || size == 0 || ns_put(buf, size, &off, "upstreams\n%s%s", "", "") < 0)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		char addr[INET6_ADDRSTRLEN];

		if ((v[i].family != AF_INET && v[i].family != AF_INET6) ||
		    !inet_ntop(v[i].family, v[i].family == AF_INET ? (const void *)&v[i].v4 : (const void *)&v[i].v6,
			       addr, sizeof(addr)))
			return -EINVAL;
		if (ns_put(buf, size, &off, "%s%s\n", addr, "") < 0)
			return -E2BIG;
	}
	return (int)off;
}

/* Copy the N bytes of S into BUF (SIZE bytes) as a string; false if too long. */
static bool ns_copy(const char *s, size_t n, char *buf, size_t size)
{
	if (n >= size)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

/* Parse the table line LINE (N bytes) into E. */
static bool ns_parse_entry(const char *line, size_t n, struct nameserver_entry *e)
{
	const char *space = memchr(line, ' ', n);
	char addr[INET_ADDRSTRLEN];

	if (!space || !ns_copy(line, (size_t)(space - line), e->name, sizeof(e->name)) || !value_is_name(e->name))
		return false;
	if (!ns_copy(space + 1, n - (size_t)(space + 1 - line), addr, sizeof(addr)))
		return false;
	/* inet_pton takes only the four dotted decimals, without leading zeros. */
	return inet_pton(AF_INET, addr, &e->addr) == 1;
}

/* Parse the upstream line LINE (N bytes) into IP. */
static bool ns_parse_upstream(const char *line, size_t n, struct ip_addr *ip)
{
	char addr[INET6_ADDRSTRLEN];

	memset(ip, 0, sizeof(*ip));
	if (!ns_copy(line, n, addr, sizeof(addr)))
		return false;
	if (inet_pton(AF_INET, addr, &ip->v4) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &ip->v6) == 1)
		ip->family = AF_INET6;
	return ip->family != 0;
}

/* Parse a control payload; see nameserver_table.h. */
int ns_msg_parse(const char *payload, size_t len, struct ns_msg *out, struct error *err)
{
	size_t off, line_no = 1, max;
	const char *nl;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > CTL_FRAME_MAX)
		return error_set(err, 0, "parse the name server message: %zu bytes", len);
	if (memchr(payload, '\0', len) || payload[len - 1] != '\n')
		return error_set(err, 0, "parse the name server message: not lines of text");
	nl = memchr(payload, '\n', len);
	off = (size_t)(nl - payload) + 1;
	if (off == sizeof("table") && memcmp(payload, "table", off - 1) == 0) {
		out->kind = NS_MSG_TABLE;
		max = NAMESERVER_TABLE_MAX;
		/* One entry takes at least 9 bytes ("a 1.2.3.4\n"). */
		out->table.v = calloc(len / 9 + 1 < max ? len / 9 + 1 : max, sizeof(*out->table.v));
		if (!out->table.v)
			return error_set(err, ENOMEM, "parse the name table");
	} else if (off == sizeof("upstreams") && memcmp(payload, "upstreams", off - 1) == 0) {
		out->kind = NS_MSG_UPSTREAMS;
		max = NAMESERVER_UPSTREAM_MAX;
	} else {
		return error_set(err, 0, "parse the name server message: unknown kind");
	}
	while (off < len) {
		size_t n;
		bool ok;

		line_no++;
		nl = memchr(payload + off, '\n', len - off);
		n = (size_t)(nl - (payload + off));
		if (out->kind == NS_MSG_TABLE) {
			ok = out->table.n < max && ns_parse_entry(payload + off, n, &out->table.v[out->table.n]);
			out->table.n += ok;
		} else {
			ok = out->n_upstream < max && ns_parse_upstream(payload + off, n, &out->upstream[out->n_upstream]);
			out->n_upstream += ok;
		}
		if (!ok) {
			ns_table_release(&out->table);
			return error_set(err, 0, "parse the name server message: line %zu: %s", line_no,
					 out->kind == NS_MSG_TABLE ? "expected NAME ADDRESS" : "expected an address");
		}
		off += n + 1;
	}
	if (out->kind == NS_MSG_TABLE) {
		qsort(out->table.v, out->table.n, sizeof(*out->table.v), ns_entry_cmp);
		for (size_t i = 1; i < out->table.n; i++) {
			if (strcmp(out->table.v[i - 1].name, out->table.v[i].name) == 0) {
				int r = error_set(err, 0, "parse the name table: '%s' appears twice",
						  out->table.v[i].name);
				ns_table_release(&out->table);
				return r;
			}
		}
	}
	return 0;
}

/* Find the entry of a wire label; see nameserver_table.h. */
const struct nameserver_entry *ns_table_find(const struct ns_table *t, const uint8_t *label, size_t len)
{
	struct nameserver_entry key;

	if (len == 0 || len > NAME_MAX_LEN || t->n == 0)
		return NULL;
	/* Only the bytes a name may hold: a NUL or a dot inside a label must not
	 * match a shorter name. */
	for (size_t i = 0; i < len; i++) {
		uint8_t c = label[i] >= 'A' && label[i] <= 'Z' ? (uint8_t)(label[i] + 32) : label[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return NULL;
		key.name[i] = (char)c;
	}
	key.name[len] = '\0';
	return bsearch(&key, t->v, t->n, sizeof(*t->v), ns_entry_cmp);
}

/* Set the domain of Z; see nameserver_table.h. */
int ns_zone_set_domain(struct ns_zone *z, const char *domain)
{
	int n = dns_name_from_text(domain, z->domain);

	/* The root would make every name ours. */
	if (n <= 1)
		return -EINVAL;
	z->domain_len = (size_t)n;
	return 0;
}

/* The number of labels of the wire name NAME (LEN bytes, valid). */
static size_t ns_labels(const uint8_t *name, size_t len)
{
	size_t count = 0;

	for (size_t pos = 0; pos < len && name[pos]; pos += 1 + name[pos])
		count++;
	return count;
}

/* Where DOMAIN starts in NAME as a whole-label suffix, or -1. */
static long ns_suffix(const uint8_t *name, size_t len, const uint8_t *domain, size_t dlen)
{
	for (size_t pos = 0; pos < len; pos += 1 + name[pos]) {
		if (len - pos == dlen && dns_name_equal(name + pos, len - pos, domain, dlen))
			return (long)pos;
		if (!name[pos])
			break;
	}
	return -1;
}

/* The reply for entry E (NULL: no such name) to Q. */
static enum ns_action ns_reply_entry(const struct dns_query *q, const struct nameserver_entry *e, uint8_t *out,
				     size_t size, size_t *out_len)
{
	struct dns_answer ans;
	bool a = e && (q->qtype == DNS_TYPE_A || q->qtype == DNS_TYPE_ANY);
	int n;

	if (a)
		dns_answer_a(&ans, e->addr, NS_TTL);
	n = dns_build_reply(q, e ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN, true, &ans, a ? 1 : 0, out, size);
	if (n < 0)
		return NS_DROP;
	*out_len = (size_t)n;
	return NS_REPLY;
}

/* The PTR reply for entry E to Q: NAME.DOMAIN. */
static enum ns_action ns_reply_ptr(const struct ns_zone *z, const struct dns_query *q,
				   const struct nameserver_entry *e, uint8_t *out, size_t size, size_t *out_len)
{
	uint8_t name[DNS_NAME_MAX];
	struct dns_answer ans;
	size_t nlen = strlen(e->name);
	bool ptr = q->qtype == DNS_TYPE_PTR || q->qtype == DNS_TYPE_ANY;
	int n;

	if (1 + nlen + z->domain_len > DNS_NAME_MAX)
		ptr = false;
	if (ptr) {
		name[0] = (uint8_t)nlen;
		memcpy(name + 1, e->name, nlen);
		memcpy(name + 1 + nlen, z->domain, z->domain_len);
		dns_answer_ptr(&ans, name, 1 + nlen + z->domain_len, NS_TTL);
	}
	n = dns_build_reply(q, DNS_RCODE_NOERROR, true, &ans, ptr ? 1 : 0, out, size);
	if (n < 0)
		return NS_DROP;
	*out_len = (size_t)n;
	return NS_REPLY;
}

/* Decide about one message; see nameserver_table.h. */
enum ns_action ns_answer(const struct ns_zone *z, const uint8_t *msg, size_t len, struct dns_query *q,
			 uint8_t *out, size_t size, size_t *out_len)
{
	int r = dns_parse_query(msg, len, q), n;
	struct in_addr addr;
	long at;

	/* No header: no ID to answer to.  A response: answering it could start
	 * a loop between two servers. */
	if (r == -EMSGSIZE || (q->hdr.flags & DNS_FLAG_QR) || size < DNS_UDP_MIN)
		return NS_DROP;
	if (DNS_OPCODE(q->hdr.flags) != DNS_OPCODE_QUERY || r < 0) {
		*out_len = (size_t)dns_build_error(&q->hdr, r < 0 && DNS_OPCODE(q->hdr.flags) == DNS_OPCODE_QUERY ?
							      DNS_RCODE_FORMERR : DNS_RCODE_NOTIMP, out);
		return NS_REPLY;
	}
	/* RFC 6891 6.1.3: a version we do not speak gets BADVERS. */
	if (q->edns && q->edns_version > 0) {
		n = dns_build_reply(q, DNS_RCODE_BADVERS, false, NULL, 0, out, size);
		if (n < 0)
			return NS_DROP;
		*out_len = (size_t)n;
		return NS_REPLY;
	}
	if (q->qclass != DNS_CLASS_IN && q->qclass != DNS_CLASS_ANY)
		return NS_FORWARD;
	/* A bare name is a service or nothing: never asked of the Internet. */
	if (ns_labels(q->qname, q->qname_len) == 1)
		return ns_reply_entry(q, ns_table_find(z->table, q->qname + 1, q->qname[0]), out, size, out_len);
	at = ns_suffix(q->qname, q->qname_len, z->domain, z->domain_len);
	if (at == 0) {
		/* DOMAIN itself exists (it holds the services) but has no record. */
		n = dns_build_reply(q, DNS_RCODE_NOERROR, true, NULL, 0, out, size);
		if (n < 0)
			return NS_DROP;
		*out_len = (size_t)n;
		return NS_REPLY;
	}
	if (at > 0) {
		const struct nameserver_entry *e = NULL;

		/* Only NAME.DOMAIN: below a service name there is nothing. */
		if ((size_t)at == 1 + (size_t)q->qname[0])
			e = ns_table_find(z->table, q->qname + 1, q->qname[0]);
		return ns_reply_entry(q, e, out, size, out_len);
	}
	if (dns_name_to_inaddr(q->qname, q->qname_len, &addr)) {
		for (size_t i = 0; i < z->table->n; i++)
			if (z->table->v[i].addr.s_addr == addr.s_addr)
				return ns_reply_ptr(z, q, &z->table->v[i], out, size, out_len);
	}
	return NS_FORWARD;
}
