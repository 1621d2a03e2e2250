/*
 * fuzz_dns.c - libFuzzer target for the name server's parsers, each given
 * the whole input: a DNS query (dns_parse_query, then the name server's
 * answer from a fixed table), a DNS reply against a fixed query
 * (dns_reply_matches), the control message carrying the table or the
 * upstreams (ns_msg_parse), and /etc/resolv.conf (resolv_conf_parse).
 * Properties checked: a parsed query gets a reply that answers it; a parsed
 * control message encodes back to a message that parses the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctl.h"
#include "net/dns_wire.h"
#include "net/nameserver_table.h"
#include "net/resolv_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A query for "web.pistack.internal" A with ID 0x0102, as an upstream sees it. */
static const uint8_t fuzz_query[] = {
	1, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	3, 'w', 'e', 'b', 7, 'p', 'i', 's', 't', 'a', 'c', 'k', 8, 'i', 'n', 't', 'e', 'r', 'n', 'a', 'l', 0,
	0, 1, 0, 1,
};

/* The DNS side: INPUT as a query and as a reply. */
static void fuzz_dns_messages(const uint8_t *in, size_t size)
{
	static struct ns_table table;
	static struct ns_zone zone;
	static bool ready;
	uint8_t out[1024], small[DNS_UDP_MIN];
	struct dns_query q;
	size_t out_len = 0;
	int n;

	if (!ready) {
		struct ns_msg m;
		struct error err;
		static const char text[] = "table\nweb 10.213.0.2\ndb 10.213.0.3\n";

		if (ns_msg_parse(text, sizeof(text) - 1, &m, &err) < 0 || ns_zone_set_domain(&zone, "pistack.internal") < 0)
			abort();
		table = m.table;
		zone.table = &table;
		ready = true;
	}
	if (dns_parse_query(in, size, &q) == 0) {
		if (q.qname_len < 1 || q.qname_len > DNS_NAME_MAX || q.question_end > size)
			abort();
		n = dns_build_reply(&q, DNS_RCODE_SERVFAIL, false, NULL, 0, out, sizeof(out));
		if (n < 0 || !dns_reply_matches(in, size, out, (size_t)n))
			abort();
		if (dns_build_truncated(&q, out, (size_t)n, small, sizeof(small)) < 0)
			abort();
	}
	switch (ns_answer(&zone, in, size, &q, out, sizeof(out), &out_len)) {
	case NS_REPLY:
		if (out_len < DNS_HEADER_LEN || out_len > sizeof(out) || !(out[2] & 0x80))
			abort();
		break;
	case NS_FORWARD:
	case NS_DROP:
		break;
	}
	(void)dns_reply_matches(fuzz_query, sizeof(fuzz_query), in, size);
}

/* The control message side: parse, encode back, parse again. */
static void fuzz_ctl_message(const char *in, size_t size)
{
	struct ns_msg m, again;
	struct error err;
	char *buf;
	int n;

	if (ns_msg_parse(in, size, &m, &err) < 0) {
		if (err.msg[0] == '\0')
			abort();
		return;
	}
	buf = malloc(CTL_FRAME_MAX);
	if (!buf)
		abort();
	if (m.kind == NS_MSG_TABLE)
		n = ns_msg_encode_table(m.table.v, m.table.n, buf, CTL_FRAME_MAX);
	else
		n = ns_msg_encode_upstreams(m.upstream, m.n_upstream, buf, CTL_FRAME_MAX);
	if (n < 0 || ns_msg_parse(buf, (size_t)n, &again, &err) < 0 || again.kind != m.kind ||
	    again.table.n != m.table.n || again.n_upstream != m.n_upstream ||
	    (m.table.n && memcmp(again.table.v, m.table.v, m.table.n * sizeof(*m.table.v)) != 0))
		abort();
	ns_table_release(&again.table);
	ns_table_release(&m.table);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ip_addr servers[RESOLV_CONF_MAX];
	/* An exact copy: ASan sees any read past the input. */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fuzz_dns_messages(copy, size);
	fuzz_ctl_message((const char *)copy, size);
	if (resolv_conf_parse((const char *)copy, size, servers) > RESOLV_CONF_MAX)
		abort();
	free(copy);
	return 0;
}
