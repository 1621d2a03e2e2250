/*
 * test_nameserver_table.c - unit tests of src/net/nameserver_table.c: the
 * control messages (encoded, parsed back, and hostile ones refused) and the
 * name server's answer to each kind of query, from bytes to bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctl.h"
#include "net/nameserver_table.h"
#include "test.h"

/* Parse the NUL-terminated TEXT (or LEN bytes) from an exact heap copy. */
static int tb_parse(const char *text, size_t len, struct ns_msg *out, struct error *err)
{
	size_t n = len ? len : strlen(text);
	char *copy = malloc(n ? n : 1);
	int r;

	if (!copy)
		abort();
	memcpy(copy, text, n);
	r = ns_msg_parse(copy, n, out, err);
	free(copy);
	return r;
}

/* A table of web=10.213.0.2, db=10.213.0.3, cache-1=10.213.0.4. */
static void tb_table(struct ns_table *t)
{
	struct ns_msg m;
	struct error err;

	if (tb_parse("table\nweb 10.213.0.2\ndb 10.213.0.3\ncache-1 10.213.0.4\n", 0, &m, &err) < 0)
		abort();
	*t = m.table;
}

TEST(ns_msg_table_round_trip)
{
	struct nameserver_entry v[3] = { { "web", { 0 } }, { "db", { 0 } }, { "a-b9", { 0 } } };
	char buf[256];
	struct ns_msg m;
	struct error err;
	int len;

	inet_pton(AF_INET, "10.213.0.2", &v[0].addr);
	inet_pton(AF_INET, "10.213.0.3", &v[1].addr);
	inet_pton(AF_INET, "192.168.255.254", &v[2].addr);
	len = ns_msg_encode_table(v, 3, buf, sizeof(buf));
	CHECK_INT(len, (int)strlen("table\nweb 10.213.0.2\ndb 10.213.0.3\na-b9 192.168.255.254\n"));
	CHECK(memcmp(buf, "table\nweb 10.213.0.2\ndb 10.213.0.3\na-b9 192.168.255.254\n", (size_t)len) == 0);
	CHECK_INT(tb_parse(buf, (size_t)len, &m, &err), 0);
	CHECK_INT(m.kind, NS_MSG_TABLE);
	CHECK_UINT(m.table.n, 3);
	/* Sorted by name. */
	CHECK_STR(m.table.v[0].name, "a-b9");
	CHECK_STR(m.table.v[1].name, "db");
	CHECK_STR(m.table.v[2].name, "web");
	CHECK(m.table.v[2].addr.s_addr == v[0].addr.s_addr);
	ns_table_release(&m.table);
	/* An empty table is a table. */
	len = ns_msg_encode_table(NULL, 0, buf, sizeof(buf));
	CHECK_INT(len, 6);
	CHECK_INT(tb_parse(buf, (size_t)len, &m, &err), 0);
	CHECK_UINT(m.table.n, 0);
	ns_table_release(&m.table);
	/* Refused on encoding: a bad name, too small a buffer, too many. */
	strcpy(v[0].name, "Web");
	CHECK_INT(ns_msg_encode_table(v, 3, buf, sizeof(buf)), -EINVAL);
	strcpy(v[0].name, "web");
	CHECK_INT(ns_msg_encode_table(v, 3, buf, 20), -E2BIG);
	CHECK_INT(ns_msg_encode_table(v, NAMESERVER_TABLE_MAX + 1, buf, sizeof(buf)), -E2BIG);
}

TEST(ns_msg_full_table_fits_a_frame)
{
	struct nameserver_entry *v = calloc(NAMESERVER_TABLE_MAX, sizeof(*v));
	char *buf = malloc(CTL_FRAME_MAX);
	struct ns_msg m;
	struct error err;
	int len;

	for (size_t i = 0; i < NAMESERVER_TABLE_MAX; i++) {
		/* The longest names and addresses there are. */
		snprintf(v[i].name, sizeof(v[i].name), "%032zu", i);
		inet_pton(AF_INET, "255.255.255.255", &v[i].addr);
	}
	len = ns_msg_encode_table(v, NAMESERVER_TABLE_MAX, buf, CTL_FRAME_MAX);
	CHECK(len > 0);
	CHECK_INT(tb_parse(buf, (size_t)len, &m, &err), 0);
	CHECK_UINT(m.table.n, NAMESERVER_TABLE_MAX);
	ns_table_release(&m.table);
	free(v);
	free(buf);
}

TEST(ns_msg_upstreams)
{
	struct ip_addr v[2];
	char buf[128];
	struct ns_msg m;
	struct error err;
	int len;

	memset(v, 0, sizeof(v));
	v[0].family = AF_INET;
	inet_pton(AF_INET, "127.0.0.53", &v[0].v4);
	v[1].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::53", &v[1].v6);
	len = ns_msg_encode_upstreams(v, 2, buf, sizeof(buf));
	CHECK_INT(len, (int)strlen("upstreams\n127.0.0.53\n2001:db8::53\n"));
	CHECK_INT(tb_parse(buf, (size_t)len, &m, &err), 0);
	CHECK_INT(m.kind, NS_MSG_UPSTREAMS);
	CHECK_UINT(m.n_upstream, 2);
	CHECK(m.upstream[0].family == AF_INET && m.upstream[0].v4.s_addr == v[0].v4.s_addr);
	CHECK(m.upstream[1].family == AF_INET6 && memcmp(&m.upstream[1].v6, &v[1].v6, 16) == 0);
	v[0].family = 0;
	CHECK_INT(ns_msg_encode_upstreams(v, 2, buf, sizeof(buf)), -EINVAL);
	CHECK_INT(ns_msg_encode_upstreams(v, NAMESERVER_UPSTREAM_MAX + 1, buf, sizeof(buf)), -E2BIG);
	CHECK_INT(tb_parse("upstreams\n", 0, &m, &err), 0);
	CHECK_UINT(m.n_upstream, 0);
}

TEST(ns_msg_hostile)
{
	static const char *const bad[] = {
		"",
		"\n",
		"table",                          /* no newline */
		"table\nweb 10.0.0.1",            /* last line not ended */
		"tables\nweb 10.0.0.1\n",
		"TABLE\nweb 10.0.0.1\n",
		"table \nweb 10.0.0.1\n",
		"table\n\n",                      /* blank line */
		"table\nweb\n",
		"table\nweb  10.0.0.1\n",         /* two spaces */
		"table\n web 10.0.0.1\n",
		"table\nweb 10.0.0.1 \n",
		"table\nweb\t10.0.0.1\n",
		"table\nWeb 10.0.0.1\n",
		"table\n-web 10.0.0.1\n",
		"table\nweb- 10.0.0.1\n",
		"table\nweb.x 10.0.0.1\n",
		"table\nweb 10.0.0.256\n",
		"table\nweb 10.0.0\n",
		"table\nweb 010.0.0.1\n",
		"table\nweb 10.0.0.1.5\n",
		"table\nweb ::1\n",
		"table\nweb 10.0.0.1\r\n",
		"table\n123456789012345678901234567890123 10.0.0.1\n",  /* 33 characters */
		"table\nweb 10.0.0.1\nweb 10.0.0.2\n",                  /* twice */
		"upstreams\n1.2.3.4 \n",
		"upstreams\n1.2.3.4%eth0\n",
		"upstreams\nlocalhost\n",
		"upstreams\n1.1.1.1\n2.2.2.2\n3.3.3.3\n4.4.4.4\n5.5.5.5\n6.6.6.6\n7.7.7.7\n8.8.8.8\n9.9.9.9\n",
	};
	struct ns_msg m;
	struct error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = tb_parse(bad[i], 0, &m, &err);

		if (r != -EINVAL)
			test_fail(__FILE__, __LINE__, "message %zu was accepted: \"%s\"", i, bad[i]);
		CHECK(m.table.v == NULL);
	}
	/* A NUL inside. */
	CHECK_INT(tb_parse("table\nweb\0 10.0.0.1\n", 20, &m, &err), -EINVAL);
	CHECK_INT(tb_parse("table\nab 10.0.0.1\nx 1\n", 0, &m, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "line 3");
	/* Past the frame limit. */
	CHECK_INT(ns_msg_parse("table\n", CTL_FRAME_MAX + 1, &m, &err), -EINVAL);
}

TEST(ns_msg_too_many_entries)
{
	size_t n = NAMESERVER_TABLE_MAX + 1, len = 6;
	char *buf = malloc(6 + n * 16);
	struct ns_msg m;
	struct error err;

	memcpy(buf, "table\n", 6);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "n%zu 10.0.0.1\n", i);
	CHECK_INT(ns_msg_parse(buf, len, &m, &err), -EINVAL);
	CHECK(m.table.v == NULL);
	free(buf);
}

TEST(ns_table_find_labels)
{
	struct ns_table t;

	tb_table(&t);
	CHECK(ns_table_find(&t, (const uint8_t *)"web", 3) != NULL);
	CHECK(ns_table_find(&t, (const uint8_t *)"WeB", 3) != NULL);
	CHECK_STR(ns_table_find(&t, (const uint8_t *)"CACHE-1", 7)->name, "cache-1");
	CHECK(ns_table_find(&t, (const uint8_t *)"we", 2) == NULL);
	CHECK(ns_table_find(&t, (const uint8_t *)"webx", 4) == NULL);
	/* A NUL or a dot in a label never matches a shorter name. */
	CHECK(ns_table_find(&t, (const uint8_t *)"web\0x", 5) == NULL);
	CHECK(ns_table_find(&t, (const uint8_t *)"web.x", 5) == NULL);
	CHECK(ns_table_find(&t, (const uint8_t *)"", 0) == NULL);
	ns_table_release(&t);
	CHECK(ns_table_find(&t, (const uint8_t *)"web", 3) == NULL);
}

/* The result of asking Z the question NAME TYPE (as a UDP client would,
 * OPCODE 0), reply in OUT. */
struct tb_reply {
	enum ns_action action;
	uint8_t out[1024];
	size_t len;
	struct dns_query q;
};

/* Build a query with ID 0x5151 and FLAGS (RD when 0x0100) for NAME TYPE into BUF. */
static size_t tb_query(uint8_t *buf, uint16_t flags, const char *name, uint16_t type)
{
	int n;

	memset(buf, 0, 12);
	buf[0] = 0x51, buf[1] = 0x51;
	buf[2] = (uint8_t)(flags >> 8), buf[3] = (uint8_t)flags;
	buf[5] = 1;
	n = dns_name_from_text(name, buf + 12);
	if (n < 0)
		abort();
	buf[12 + n] = (uint8_t)(type >> 8), buf[13 + n] = (uint8_t)type;
	buf[14 + n] = 0, buf[15 + n] = 1;
	return 16 + (size_t)n;
}

/* Ask Z about MSG (LEN bytes). */
static void tb_ask(const struct ns_zone *z, const uint8_t *msg, size_t len, struct tb_reply *r)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, msg, len);
	r->len = 0;
	r->action = ns_answer(z, copy, len, &r->q, r->out, sizeof(r->out), &r->len);
	free(copy);
}

/* The zone of tb_table() with domain pistack.internal. */
static void tb_zone(struct ns_zone *z, struct ns_table *t)
{
	tb_table(t);
	z->table = t;
	if (ns_zone_set_domain(z, "pistack.internal.") < 0)
		abort();
}

TEST(ns_answer_service_names)
{
	static const char *const names[] = { "web", "WEB.", "web.pistack.internal", "Web.PISTACK.Internal." };
	struct ns_table t;
	struct ns_zone z;
	struct tb_reply r;
	uint8_t msg[512];

	tb_zone(&z, &t);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = tb_query(msg, 0x0100, names[i], DNS_TYPE_A);

		tb_ask(&z, msg, n, &r);
		CHECK_INT(r.action, NS_REPLY);
		CHECK(r.out[0] == 0x51 && r.out[1] == 0x51);
		CHECK_UINT(r.out[2], 0x85);          /* QR AA RD */
		CHECK_UINT(r.out[3] & 0xf, 0);
		CHECK_UINT(r.out[7], 1);             /* one answer */
		CHECK(memcmp(r.out + 12, msg + 12, n - 12) == 0);  /* the question as asked */
		CHECK(memcmp(r.out + r.len - 4, "\x0a\xd5\x00\x02", 4) == 0);  /* 10.213.0.2 */
	}
	/* ANY gets the A record too. */
	tb_ask(&z, msg, tb_query(msg, 0, "db", DNS_TYPE_ANY), &r);
	CHECK_UINT(r.out[7], 1);
	CHECK(memcmp(r.out + r.len - 4, "\x0a\xd5\x00\x03", 4) == 0);
	ns_table_release(&t);
}

TEST(ns_answer_nodata_nxdomain)
{
	struct ns_table t;
	struct ns_zone z;
	struct tb_reply r;
	uint8_t msg[512];

	tb_zone(&z, &t);
	/* Another type of a known name: NODATA. */
	tb_ask(&z, msg, tb_query(msg, 0x0100, "web.pistack.internal", DNS_TYPE_AAAA), &r);
	CHECK_INT(r.action, NS_REPLY);
	CHECK_UINT(r.out[3] & 0xf, DNS_RCODE_NOERROR);
	CHECK_UINT(r.out[7], 0);
	CHECK(r.out[2] & 0x04);  /* AA */
	/* Unknown names under the domain, and unknown bare names: NXDOMAIN. */
	tb_ask(&z, msg, tb_query(msg, 0, "nosuch.pistack.internal", DNS_TYPE_A), &r);
	CHECK_INT(r.action, NS_REPLY);
	CHECK_UINT(r.out[3] & 0xf, DNS_RCODE_NXDOMAIN);
	tb_ask(&z, msg, tb_query(msg, 0, "nosuch", DNS_TYPE_A), &r);
	CHECK_UINT(r.out[3] & 0xf, DNS_RCODE_NXDOMAIN);
	tb_ask(&z, msg, tb_query(msg, 0, "x.web.pistack.internal", DNS_TYPE_A), &r);
	CHECK_UINT(r.out[3] & 0xf, DNS_RCODE_NXDOMAIN);
	/* The domain itself: NODATA. */
	tb_ask(&z, msg, tb_query(msg, 0, "pistack.internal", DNS_TYPE_A), &r);
	CHECK_INT(r.action, NS_REPLY);
	CHECK_UINT(r.out[3] & 0xf, DNS_RCODE_NOERROR);
	CHECK_UINT(r.out[7], 0);
	/* A name that only ends like the domain is not under it. */
	tb_ask(&z, msg, tb_query(msg, 0, "web.xpistack.internal", DNS_TYPE_A), &r);
	CHECK_INT(r.action, NS_FORWARD);
	ns_table_release(&t);
}

TEST(ns_answer_ptr)
{
	struct ns_table t;
	struct ns_zone z;
	struct tb_reply r;
	uint8_t msg[512];
	static const uint8_t target[] = "\3web\7pistack\10internal";

	tb_zone(&z, &t);
	tb_ask(&z, msg, tb_query(msg, 0x0100, "2.0.213.10.in-addr.arpa", DNS_TYPE_PTR), &r);
	CHECK_INT(r.action, NS_REPLY);
	CHECK_UINT(r.out[7], 1);
	CHECK_UINT(r.out[r.len - sizeof(target) - 1], sizeof(target));  /* rdlength */
	CHECK(memcmp(r.out + r.len - sizeof(target), target, sizeof(target)) == 0);
	/* Another type of the reverse name: NODATA. */
	tb_ask(&z, msg, tb_query(msg, 0, "2.0.213.10.IN-ADDR.ARPA.", DNS_TYPE_A), &r);
	CHECK_INT(r.action, NS_REPLY);
	CHECK_UINT(r.out[7], 0);
	/* An address nobody has: the upstreams may know. */
	tb_ask(&z, msg, tb_query(msg, 0, "9.0.213.10.in-addr.arpa", DNS_TYPE_PTR), &r);
	CHECK_INT(r.action, NS_FORWARD);
	ns_table_release(&t);
}

TEST(ns_answer_forward_and_edns)
{
	struct ns_table t;
	struct ns_zone z;
	struct tb_reply r;
	uint8_t msg[512];
	size_t n;

	tb_zone(&z, &t);
	tb_ask(&z, msg, tb_query(msg, 0x0100, "example.org", DNS_TYPE_A), &r);
	CHECK_INT(r.action, NS_FORWARD);
	CHECK_UINT(r.q.qtype, DNS_TYPE_A);
	/* The root, and other classes of our own names, go out too. */
	tb_ask(&z, msg, tb_query(msg, 0, "", 2), &r);
	CHECK_INT(r.action, NS_FORWARD);
	n = tb_query(msg, 0, "web", 16);
	msg[n - 1] = 3;  /* CHAOS */
	tb_ask(&z, msg, n, &r);
	CHECK_INT(r.action, NS_FORWARD);
	/* An OPT record is echoed with the DO bit; version 1 gets BADVERS. */
	n = tb_query(msg, 0, "web", DNS_TYPE_A);
	msg[11] = 1;
	memcpy(msg + n, "\0\0\51\20\0\0\0\x80\0\0\0", 11);
	tb_ask(&z, msg, n + 11, &r);
	CHECK_INT(r.action, NS_REPLY);
	CHECK_UINT(r.out[11], 1);
	CHECK_UINT(r.out[r.len - 4], 0x80);
	msg[n + 6] = 1;
	tb_ask(&z, msg, n + 11, &r);
	CHECK_INT(r.action, NS_REPLY);
	CHECK_UINT(r.out[7], 0);
	CHECK_UINT(r.out[r.len - 6], 1);  /* BADVERS = 16: 1 in the OPT's extended RCODE */
	ns_table_release(&t);
}

TEST(ns_answer_hostile)
{
	struct ns_table t;
	struct ns_zone z;
	struct tb_reply r;
	uint8_t msg[512];
	size_t n;

	tb_zone(&z, &t);
	/* Garbage without a header: silence. */
	tb_ask(&z, (const uint8_t *)"\x12\x34\x01", 3, &r);
	CHECK_INT(r.action, NS_DROP);
	tb_ask(&z, msg, 0, &r);
	CHECK_INT(r.action, NS_DROP);
	/* A response: silence, whatever it holds. */
	n = tb_query(msg, 0x8000, "web", DNS_TYPE_A);
	tb_ask(&z, msg, n, &r);
	CHECK_INT(r.action, NS_DROP);
	/* Another opcode (NOTIFY, UPDATE): NOTIMP, even when malformed. */
	n = tb_query(msg, 0x2000 | 0x0100, "web", DNS_TYPE_A);
	tb_ask(&z, msg, n, &r);
	CHECK_INT(r.action, NS_REPLY);
	CHECK_UINT(r.len, 12);
	CHECK_UINT(r.out[3] & 0xf, DNS_RCODE_NOTIMP);
	CHECK_UINT(r.out[2], 0xa1);
	tb_ask(&z, msg, 13, &r);
	CHECK_UINT(r.out[3] & 0xf, DNS_RCODE_NOTIMP);
	/* A malformed query with a header: FORMERR with its ID. */
	n = tb_query(msg, 0x0100, "web", DNS_TYPE_A);
	tb_ask(&z, msg, n - 1, &r);
	CHECK_INT(r.action, NS_REPLY);
	CHECK_UINT(r.len, 12);
	CHECK(r.out[0] == 0x51 && r.out[1] == 0x51);
	CHECK_UINT(r.out[3] & 0xf, DNS_RCODE_FORMERR);
	msg[12] = 0xc0, msg[13] = 12;  /* a pointer to itself */
	tb_ask(&z, msg, n, &r);
	CHECK_UINT(r.out[3] & 0xf, DNS_RCODE_FORMERR);
	tb_ask(&z, msg, 12, &r);        /* no question */
	CHECK_UINT(r.out[3] & 0xf, DNS_RCODE_FORMERR);
	/* Before any table: nothing is known, bare names are NXDOMAIN. */
	{
		struct ns_table empty = { NULL, 0 };
		struct ns_zone z2 = z;

		z2.table = &empty;
		tb_ask(&z2, msg, tb_query(msg, 0, "web", DNS_TYPE_A), &r);
		CHECK_UINT(r.out[3] & 0xf, DNS_RCODE_NXDOMAIN);
	}
	ns_table_release(&t);
}

TEST(ns_zone_domain)
{
	struct ns_zone z;

	CHECK_INT(ns_zone_set_domain(&z, "pistack.internal"), 0);
	CHECK_UINT(z.domain_len, 18);
	CHECK_INT(ns_zone_set_domain(&z, ""), -EINVAL);
	CHECK_INT(ns_zone_set_domain(&z, "."), -EINVAL);
	CHECK_INT(ns_zone_set_domain(&z, "a..b"), -EINVAL);
}
