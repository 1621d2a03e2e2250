/*
 * test_dns_wire.c - unit tests of src/net/dns_wire.c: queries that parse,
 * and the hostile ones that must not (truncation at every byte, compression
 * loops, pointers to themselves or forward, reserved label types, labels and
 * names past their limits, counts the message cannot hold, OPT records where
 * none may be); the replies built; the check of upstream replies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/dns_wire.h"
#include "test.h"

/* Write a query for NAME (dotted) and TYPE into BUF; with UDP > 0 an OPT
 * record advertising it (and DO when DNSSEC).  Returns the length. */
static size_t q_build(uint8_t *buf, uint16_t id, const char *name, uint16_t type, uint16_t udp, bool dnssec)
{
	size_t n = 12;
	int len;

	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8), buf[1] = (uint8_t)id;
	buf[2] = 0x01;  /* RD */
	buf[5] = 1;     /* QDCOUNT */
	len = dns_name_from_text(name, buf + n);
	if (len < 0)
		abort();
	n += (size_t)len;
	buf[n++] = (uint8_t)(type >> 8), buf[n++] = (uint8_t)type;
	buf[n++] = 0, buf[n++] = 1;
	if (udp) {
		buf[11] = 1;  /* ARCOUNT */
		buf[n++] = 0;
		buf[n++] = 0, buf[n++] = 41;
		buf[n++] = (uint8_t)(udp >> 8), buf[n++] = (uint8_t)udp;
		buf[n++] = 0, buf[n++] = 0;
		buf[n++] = dnssec ? 0x80 : 0, buf[n++] = 0;
		buf[n++] = 0, buf[n++] = 0;
	}
	return n;
}

/* Parse LEN bytes of P from an exact heap copy, so ASan sees any overread. */
static int q_parse(const uint8_t *p, size_t len, struct dns_query *q)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	if (!copy)
		abort();
	memcpy(copy, p, len);
	r = dns_parse_query(copy, len, q);
	free(copy);
	return r;
}

TEST(dns_parse_simple_query)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t n = q_build(buf, 0x1234, "Web.Pistack.Internal.", DNS_TYPE_A, 0, false);

	CHECK_INT(q_parse(buf, n, &q), 0);
	CHECK_UINT(q.hdr.id, 0x1234);
	CHECK_UINT(q.qtype, DNS_TYPE_A);
	CHECK_UINT(q.qclass, DNS_CLASS_IN);
	CHECK_UINT(q.qname_len, 22);
	CHECK(memcmp(q.qname, "\3Web\7Pistack\10Internal", 22) == 0);
	CHECK(!q.edns);
	CHECK_UINT(q.edns_udp_size, 512);
	CHECK_UINT(q.question_end, n);
}

TEST(dns_parse_edns)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t n = q_build(buf, 1, "example.org", DNS_TYPE_AAAA, 4096, true);

	CHECK_INT(q_parse(buf, n, &q), 0);
	CHECK(q.edns);
	CHECK(q.edns_do);
	CHECK_UINT(q.edns_udp_size, 4096);
	CHECK_UINT(q.edns_version, 0);
	/* A size below 512 means 512 (RFC 6891 6.2.3). */
	n = q_build(buf, 1, "example.org", DNS_TYPE_A, 100, false);
	CHECK_INT(q_parse(buf, n, &q), 0);
	CHECK_UINT(q.edns_udp_size, 512);
	CHECK(!q.edns_do);
}

TEST(dns_parse_truncated_everywhere)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t n = q_build(buf, 7, "www.example.org", DNS_TYPE_A, 1232, false);

	for (size_t len = 0; len < n; len++) {
		int r = q_parse(buf, len, &q);

		if (len < DNS_HEADER_LEN)
			CHECK_INT(r, -EMSGSIZE);
		else
			CHECK_INT(r, -EBADMSG);
	}
	CHECK_INT(q_parse(buf, n, &q), 0);
	/* Trailing bytes after the last record are tolerated. */
	buf[n] = 0xff;
	CHECK_INT(q_parse(buf, n + 1, &q), 0);
}

TEST(dns_parse_question_count)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t n = q_build(buf, 7, "a", DNS_TYPE_A, 0, false);

	buf[5] = 0;
	CHECK_INT(q_parse(buf, n, &q), -EBADMSG);
	CHECK_UINT(q.hdr.id, 7);  /* the header is there for FORMERR */
	buf[5] = 2;
	CHECK_INT(q_parse(buf, n, &q), -EBADMSG);
	buf[4] = 0xff, buf[5] = 0xff;
	CHECK_INT(q_parse(buf, n, &q), -EBADMSG);
}

TEST(dns_parse_huge_counts)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t n = q_build(buf, 7, "a", DNS_TYPE_A, 0, false);

	for (int field = 6; field <= 10; field += 2) {
		buf[field] = 0xff, buf[field + 1] = 0xff;
		CHECK_INT(q_parse(buf, n, &q), -EBADMSG);
		buf[field] = 0, buf[field + 1] = 0;
	}
	/* One record announced, none there. */
	buf[7] = 1;
	CHECK_INT(q_parse(buf, n, &q), -EBADMSG);
}

TEST(dns_parse_compression_loops)
{
	struct dns_query q;
	/* The question's name is a pointer to itself (offset 12). */
	uint8_t self[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
	/* A pointer forward, to a label after it. */
	uint8_t fwd[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 18, 0, 1, 0, 1, 1, 'a', 0 };
	/* A label then a pointer back to that label: a loop through it. */
	uint8_t loop[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 12, 0, 1, 0, 1 };
	/* Into the header, whose last bytes read as a label running into the pointer again. */
	uint8_t hdr[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 'x', 0xc0, 10, 0, 1, 0, 1 };
	/* Into the header, where a zero byte ends the name: odd, but no loop. */
	uint8_t odd[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 2, 0, 1, 0, 1 };
	/* Half a pointer at the end. */
	uint8_t half[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0 };

	CHECK_INT(q_parse(self, sizeof(self), &q), -EBADMSG);
	CHECK_INT(q_parse(fwd, sizeof(fwd), &q), -EBADMSG);
	CHECK_INT(q_parse(loop, sizeof(loop), &q), -EBADMSG);
	CHECK_INT(q_parse(hdr, sizeof(hdr), &q), -EBADMSG);
	CHECK_INT(q_parse(odd, sizeof(odd), &q), 0);
	CHECK_UINT(q.qname_len, 1);
	CHECK_INT(q_parse(half, sizeof(half), &q), -EBADMSG);
}

TEST(dns_parse_pointer_chain)
{
	struct dns_query q;
	uint8_t msg[64];
	size_t n, off;
	uint8_t name[DNS_NAME_MAX];
	size_t len;

	/* The question "a.b", then one answer whose name is "x" + pointer to "b"
	 * inside the question: valid compression. */
	n = q_build(msg, 1, "a.b", DNS_TYPE_A, 0, false);
	msg[7] = 1;
	off = n;
	msg[n++] = 1, msg[n++] = 'x', msg[n++] = 0xc0, msg[n++] = 14;
	memcpy(msg + n, "\0\1\0\1\0\0\0\0\0\0", 10);
	n += 10;
	CHECK_INT(q_parse(msg, n, &q), 0);
	CHECK_INT(dns_read_name(msg, n, &off, name, &len), 0);
	CHECK_UINT(len, 5);
	CHECK(memcmp(name, "\1x\1b", 5) == 0);
	CHECK_UINT(off, q.question_end + 4);
	/* Two pointers pointing at each other in records after the question. */
	msg[q.question_end + 2] = 0xc0, msg[q.question_end + 3] = (uint8_t)(q.question_end);
	CHECK_INT(q_parse(msg, n, &q), -EBADMSG);
}

TEST(dns_parse_label_types_and_limits)
{
	uint8_t msg[600];
	struct dns_query q;
	size_t n = 12;

	memset(msg, 0, sizeof(msg));
	msg[5] = 1;
	/* 0x40: the extended label type, a length of 64 to a naive parser. */
	msg[n] = 0x40;
	memset(msg + n + 1, 'a', 64);
	msg[n + 65] = 0;
	memcpy(msg + n + 66, "\0\1\0\1", 4);
	CHECK_INT(q_parse(msg, n + 70, &q), -EBADMSG);
	msg[n] = 0x80;
	CHECK_INT(q_parse(msg, n + 70, &q), -EBADMSG);
	/* 63 is the longest label. */
	msg[n] = 63;
	msg[n + 64] = 0;
	memcpy(msg + n + 65, "\0\1\0\1", 4);
	CHECK_INT(q_parse(msg, n + 69, &q), 0);

	/* Names: 255 bytes pass, 257 do not (4 labels of 63 + 1 of 1 or 3). */
	n = 12;
	for (int i = 0; i < 3; i++) {
		msg[n] = 63;
		memset(msg + n + 1, 'b', 63);
		n += 64;
	}
	msg[n] = 61;
	memset(msg + n + 1, 'c', 61);
	n += 62;
	msg[n++] = 0;
	CHECK_UINT(n - 12, 255);
	memcpy(msg + n, "\0\1\0\1", 4);
	CHECK_INT(q_parse(msg, n + 4, &q), 0);
	CHECK_UINT(q.qname_len, 255);
	msg[12 + 192] = 63;   /* the last label grows by two bytes */
	memset(msg + 12 + 193, 'c', 63);
	msg[12 + 256] = 0;
	memcpy(msg + 12 + 257, "\0\1\0\1", 4);
	CHECK_INT(q_parse(msg, 12 + 261, &q), -EBADMSG);
}

TEST(dns_parse_opt_rules)
{
	uint8_t buf[512];
	struct dns_query q;
	size_t n = q_build(buf, 1, "a", DNS_TYPE_A, 1232, false), opt = n - 11;

	/* Two OPT records. */
	memcpy(buf + n, buf + opt, 11);
	buf[11] = 2;
	CHECK_INT(q_parse(buf, n + 11, &q), -EBADMSG);
	/* OPT in the answer section. */
	buf[11] = 0, buf[7] = 1;
	CHECK_INT(q_parse(buf, n, &q), -EBADMSG);
	/* OPT owned by a name other than the root. */
	buf[7] = 0, buf[11] = 1;
	memmove(buf + opt + 2, buf + opt, 11);
	buf[opt] = 1, buf[opt + 1] = 'x', buf[opt + 2] = 0;
	CHECK_INT(q_parse(buf, n + 2, &q), -EBADMSG);
	/* OPT with an rdata length past the end. */
	n = q_build(buf, 1, "a", DNS_TYPE_A, 1232, false);
	buf[n - 1] = 5;
	CHECK_INT(q_parse(buf, n, &q), -EBADMSG);
}

TEST(dns_names_text_and_case)
{
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX];
	char label[70], longname[300];

	CHECK_INT(dns_name_from_text("web", a), 5);
	CHECK_INT(dns_name_from_text("web.", b), 5);
	CHECK(dns_name_equal(a, 5, b, 5));
	CHECK_INT(dns_name_from_text("WEB", b), 5);
	CHECK(dns_name_equal(a, 5, b, 5));
	CHECK_INT(dns_name_from_text("wec", b), 5);
	CHECK(!dns_name_equal(a, 5, b, 5));
	CHECK(!dns_name_equal(a, 5, b, 4));
	CHECK_INT(dns_name_from_text("", a), 1);
	CHECK_INT(dns_name_from_text(".", a), 1);
	CHECK_INT(dns_name_from_text("a..b", a), -EINVAL);
	CHECK_INT(dns_name_from_text(".a", a), -EINVAL);
	memset(label, 'x', 64);
	label[64] = '\0';
	CHECK_INT(dns_name_from_text(label, a), -EINVAL);
	label[63] = '\0';
	CHECK_INT(dns_name_from_text(label, a), 65);
	/* 4 x 63 + dots = 255 characters: 257 bytes of wire form. */
	snprintf(longname, sizeof(longname), "%s.%s.%s.%s", label, label, label, label);
	CHECK_INT(dns_name_from_text(longname, a), -EINVAL);
	longname[253] = '\0';
	CHECK_INT(dns_name_from_text(longname, a), 255);
	/* Bytes that are letters only in other encodings are compared exactly. */
	a[0] = 1, a[1] = 0xc1, a[2] = 0;
	b[0] = 1, b[1] = 0xe1, b[2] = 0;
	CHECK(!dns_name_equal(a, 3, b, 3));
}

TEST(dns_reverse_names)
{
	uint8_t name[DNS_NAME_MAX];
	struct in_addr addr, got;
	size_t n;
	int len;

	inet_pton(AF_INET, "10.213.0.2", &addr);
	n = dns_inaddr_to_name(addr, name);
	CHECK_UINT(n, sizeof("\1" "2\1" "0\3" "213\2" "10\7in-addr\4arpa"));
	CHECK(memcmp(name, "\1" "2\1" "0\3" "213\2" "10\7in-addr\4arpa", n) == 0);
	CHECK(dns_name_to_inaddr(name, n, &got));
	CHECK(got.s_addr == addr.s_addr);
	len = dns_name_from_text("4.3.2.1.IN-ADDR.ARPA.", name);
	CHECK(dns_name_to_inaddr(name, (size_t)len, &got));
	CHECK_STR(inet_ntoa(got), "1.2.3.4");
	len = dns_name_from_text("256.3.2.1.in-addr.arpa", name);
	CHECK(!dns_name_to_inaddr(name, (size_t)len, &got));
	len = dns_name_from_text("04.3.2.1.in-addr.arpa", name);
	CHECK(!dns_name_to_inaddr(name, (size_t)len, &got));
	len = dns_name_from_text("3.2.1.in-addr.arpa", name);
	CHECK(!dns_name_to_inaddr(name, (size_t)len, &got));
	len = dns_name_from_text("5.4.3.2.1.in-addr.arpa", name);
	CHECK(!dns_name_to_inaddr(name, (size_t)len, &got));
	len = dns_name_from_text("4.3.2.1.in-addr.arpa.com", name);
	CHECK(!dns_name_to_inaddr(name, (size_t)len, &got));
	len = dns_name_from_text("a.3.2.1.in-addr.arpa", name);
	CHECK(!dns_name_to_inaddr(name, (size_t)len, &got));
	/* A label running past the name's length. */
	CHECK(!dns_name_to_inaddr((const uint8_t *)"\5" "1", 2, &got));
}

TEST(dns_build_a_reply)
{
	uint8_t buf[512], out[512];
	struct dns_query q;
	struct dns_answer ans;
	struct in_addr addr;
	size_t n = q_build(buf, 0xbeef, "WEB", DNS_TYPE_A, 0, false);
	int len;

	CHECK_INT(q_parse(buf, n, &q), 0);
	inet_pton(AF_INET, "10.213.0.5", &addr);
	dns_answer_a(&ans, addr, 0);
	len = dns_build_reply(&q, DNS_RCODE_NOERROR, true, &ans, 1, out, sizeof(out));
	CHECK_INT(len, 12 + 5 + 4 + 16);
	CHECK(out[0] == 0xbe && out[1] == 0xef);
	CHECK_UINT(out[2], 0x85);   /* QR AA RD */
	CHECK_UINT(out[3], 0x80);   /* RA, NOERROR */
	CHECK(out[5] == 1 && out[7] == 1 && out[9] == 0 && out[11] == 0);
	CHECK(memcmp(out + 12, "\3WEB\0\0\1\0\1", 9) == 0);  /* the question as sent */
	CHECK(memcmp(out + 21, "\xc0\x0c\0\1\0\1\0\0\0\0\0\4", 12) == 0);
	CHECK(memcmp(out + 33, &addr.s_addr, 4) == 0);
	/* Too small a buffer. */
	CHECK_INT(dns_build_reply(&q, DNS_RCODE_NOERROR, true, &ans, 1, out, 30), -ENOSPC);
	CHECK_INT(dns_build_reply(&q, DNS_RCODE_NOERROR, true, &ans, 1, out, 10), -ENOSPC);
}

TEST(dns_build_reply_echoes_edns)
{
	uint8_t buf[512], out[512];
	struct dns_query q;
	size_t n = q_build(buf, 1, "x.example", 16 /* TXT */, 4096, true);
	int len;

	CHECK_INT(q_parse(buf, n, &q), 0);
	len = dns_build_reply(&q, DNS_RCODE_NXDOMAIN, true, NULL, 0, out, sizeof(out));
	CHECK_INT(len, 12 + 11 + 4 + 11);
	CHECK_UINT(out[3] & 0xf, DNS_RCODE_NXDOMAIN);
	CHECK_UINT(out[11], 1);
	CHECK(memcmp(out + 27, "\0\0\51\4\xd0\0\0\x80\0\0\0", 11) == 0);  /* 1232, DO */
	/* BADVERS: 16 = extended 1 in the OPT, 0 in the header. */
	len = dns_build_reply(&q, DNS_RCODE_BADVERS, false, NULL, 0, out, sizeof(out));
	CHECK_UINT(out[3] & 0xf, 0);
	CHECK_UINT(out[len - 6], 1);
}

TEST(dns_build_error_replies)
{
	struct dns_header h = { .id = 0x4242, .flags = 0x2900 };  /* opcode 5 (UPDATE), RD */
	uint8_t out[DNS_HEADER_LEN];

	CHECK_INT(dns_build_error(&h, DNS_RCODE_NOTIMP, out), 12);
	CHECK(out[0] == 0x42 && out[1] == 0x42);
	CHECK_UINT(out[2], 0xa9);  /* QR, opcode 5, RD */
	CHECK_UINT(out[3], 4);
	for (int i = 4; i < 12; i++)
		CHECK_UINT(out[i], 0);
}

TEST(dns_build_truncated_reply)
{
	uint8_t buf[512], reply[600], out[512];
	struct dns_query q;
	size_t n = q_build(buf, 9, "big.example", 16 /* TXT */, 0, false);
	int len;

	CHECK_INT(q_parse(buf, n, &q), 0);
	memset(reply, 0, sizeof(reply));
	reply[0] = 0, reply[1] = 9, reply[2] = 0x81, reply[3] = 0xa0;  /* QR RD, RA AD */
	len = dns_build_truncated(&q, reply, sizeof(reply), out, sizeof(out));
	CHECK_INT(len, (int)n);
	CHECK_UINT(out[2], 0x83);  /* TC added */
	CHECK_UINT(out[3], 0xa0);
	CHECK(out[5] == 1 && out[7] == 0);
	CHECK_INT(dns_build_truncated(&q, reply, 5, out, sizeof(out)), -EBADMSG);
}

TEST(dns_reply_matching)
{
	uint8_t qbuf[512], rbuf[512];
	size_t qn = q_build(qbuf, 0x1111, "Example.org", DNS_TYPE_A, 1232, false), rn;

	rn = q_build(rbuf, 0x1111, "example.ORG", DNS_TYPE_A, 0, false);
	CHECK(!dns_reply_matches(qbuf, qn, rbuf, rn));  /* QR not set */
	rbuf[2] |= 0x80;
	CHECK(dns_reply_matches(qbuf, qn, rbuf, rn));
	rbuf[1] = 0x12;
	CHECK(!dns_reply_matches(qbuf, qn, rbuf, rn));  /* another ID */
	rbuf[1] = 0x11;
	rbuf[rn - 3] = DNS_TYPE_AAAA;
	CHECK(!dns_reply_matches(qbuf, qn, rbuf, rn));  /* another type */
	rbuf[rn - 3] = DNS_TYPE_A;
	rbuf[rn - 1] = 3;
	CHECK(!dns_reply_matches(qbuf, qn, rbuf, rn));  /* another class */
	rbuf[rn - 1] = 1;
	rbuf[14] = 'y';
	CHECK(!dns_reply_matches(qbuf, qn, rbuf, rn));  /* another name */
	rbuf[14] = 'x';
	CHECK(dns_reply_matches(qbuf, qn, rbuf, rn));
	CHECK(!dns_reply_matches(qbuf, qn, rbuf, rn - 1));  /* cut */
	rbuf[5] = 0;
	CHECK(!dns_reply_matches(qbuf, qn, rbuf, rn));  /* no question */
	rbuf[5] = 1;
	rbuf[2] = (uint8_t)(rbuf[2] | 0x10);  /* opcode 2 */
	CHECK(!dns_reply_matches(qbuf, qn, rbuf, rn));
	CHECK(!dns_reply_matches(qbuf, 5, rbuf, rn));
}

TEST(dns_parse_survives_mutations)
{
	uint8_t base[512], buf[512];
	struct dns_query q;
	size_t n = q_build(base, 3, "a.b.example.org", DNS_TYPE_A, 1232, true);
	uint32_t seed = 12345;

	/* Deterministic random byte changes and cuts: never a crash or an
	 * overread (ASan), never a name longer than the limit. */
	for (int i = 0; i < 20000; i++) {
		size_t len = n;

		memcpy(buf, base, n);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245 + 12345;
			buf[(seed >> 8) % n] = (uint8_t)(seed >> 16);
		}
		if (i % 7 == 0)
			len = (seed >> 4) % (n + 1);
		if (q_parse(buf, len, &q) == 0)
			CHECK(q.qname_len <= DNS_NAME_MAX && q.question_end <= len);
	}
}
