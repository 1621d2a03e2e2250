/*
 * dns_wire.h - the DNS message format (RFC 1035, EDNS0 of RFC 6891) as far as
 * the name server needs it: parse the header and question of a query (and
 * find its OPT record), build the few answers it gives itself, and check that
 * an upstream reply answers the query it was sent for.
 *
 * Pure functions over bytes: every offset is bounds-checked, compression
 * pointers must point strictly backwards (no loop can form), names keep to
 * 63-byte labels and 255 bytes in all.  Names are kept in wire form
 * (length-prefixed labels, ending with the root's zero byte), as sent, and
 * compared ignoring ASCII case.
 */
#ifndef PISTACK_NET_DNS_WIRE_H
#define PISTACK_NET_DNS_WIRE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_LABEL_MAX 63
#define DNS_NAME_MAX 255        /* wire form, the final zero byte included */
#define DNS_UDP_MIN 512         /* what any client takes over UDP */
#define DNS_EDNS_UDP_SIZE 1232  /* what we advertise (DNS flag day 2020) */
#define DNS_MSG_MAX 65535

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_ANY = 255,
};
enum dns_class { DNS_CLASS_IN = 1, DNS_CLASS_ANY = 255 };
enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
	DNS_RCODE_BADVERS = 16, /* extended: needs an OPT record to carry it */
};
#define DNS_OPCODE_QUERY 0

/* Bits of the header's flags word. */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_RCODE(flags) ((flags) & 0xf)

struct dns_header {
	uint16_t id, flags, qdcount, ancount, nscount, arcount;
};

/* What dns_parse_query() found in a message. */
struct dns_query {
	struct dns_header hdr;
	uint8_t qname[DNS_NAME_MAX];  /* wire form, decompressed, case as sent */
	size_t qname_len;             /* 1 for the root */
	uint16_t qtype, qclass;
	size_t question_end;          /* offset just after the question */
	bool edns;                    /* an OPT record was present */
	uint8_t edns_version;
	bool edns_do;                 /* DNSSEC OK */
	uint16_t edns_udp_size;       /* as advertised, at least DNS_UDP_MIN */
};

/* The header of MSG, when it is at least DNS_HEADER_LEN long: 0 or -EBADMSG. */
int dns_parse_header(const uint8_t *msg, size_t len, struct dns_header *out);

/* Read the name at *OFF of MSG into OUT (wire form, DNS_NAME_MAX bytes room),
 * following compression pointers; *OUT_LEN is its length and *OFF moves past
 * it (past the first pointer, if any).  -EBADMSG for a name running out of the
 * message, a pointer not pointing strictly before the labels it continues, a
 * reserved label type, or more than DNS_NAME_MAX bytes. */
int dns_read_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t *out_len);

/* Parse MSG as a query: the header, exactly one question, and every record
 * after it (skipped, bounds-checked) to find the OPT record.  Returns 0;
 * -EMSGSIZE when MSG is shorter than a header (nothing can be answered);
 * -EBADMSG when it is malformed (OUT->hdr is valid: answer FORMERR).  The
 * opcode is not checked here: a caller answers NOTIMP to what is no QUERY
 * before relying on the question. */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *out);

/* Whether the wire names A and B are equal, ignoring ASCII case. */
bool dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* Encode the dotted TEXT ("web.pistack.internal", a trailing dot allowed,
 * "" or "." for the root) in wire form into OUT (DNS_NAME_MAX bytes room).
 * Returns the length, or -EINVAL for an empty label or one past 63 bytes,
 * or a name past 255. */
int dns_name_from_text(const char *text, uint8_t *out);
/* The IPv4 address a name "D.C.B.A.in-addr.arpa" stands for (any case), as
 * in a PTR query: true and *OUT filled, or false for any other name. */
bool dns_name_to_inaddr(const uint8_t *name, size_t len, struct in_addr *out);
/* The name "D.C.B.A.in-addr.arpa" of ADDR in wire form into OUT; its length. */
size_t dns_inaddr_to_name(struct in_addr addr, uint8_t *out);

/* One record of an answer: its name is the question's. */
struct dns_answer {
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[DNS_NAME_MAX];
};
/* Fill ANS with an A record of ADDR, or a PTR record of the wire NAME. */
void dns_answer_a(struct dns_answer *ans, struct in_addr addr, uint32_t ttl);
void dns_answer_ptr(struct dns_answer *ans, const uint8_t *name, size_t len, uint32_t ttl);

/* Build the reply to Q into OUT (SIZE bytes): Q's ID, opcode, RD and CD, QR
 * and RA set, AA when AA, RCODE (its upper bits go into the OPT record, which
 * is added when Q had one, with Q's DO bit), the question as Q sent it, then
 * the N answers.  Returns the length, or -ENOSPC. */
int dns_build_reply(const struct dns_query *q, unsigned rcode, bool aa, const struct dns_answer *ans,
		    size_t n, uint8_t *out, size_t size);
/* Build a reply of RCODE with an empty body (FORMERR, NOTIMP) to the header H:
 * its ID, opcode and RD, QR set.  Needs DNS_HEADER_LEN bytes; returns that. */
int dns_build_error(const struct dns_header *h, unsigned rcode, uint8_t *out);
/* Turn the reply REPLY (LEN bytes, Q's reply) into a truncated one for a UDP
 * client that takes at most LIMIT bytes: the header with TC set and the
 * question, nothing else (plus an OPT record when Q had one).  Writes OUT
 * (SIZE bytes); returns the length or -ENOSPC. */
int dns_build_truncated(const struct dns_query *q, const uint8_t *reply, size_t len, uint8_t *out,
			size_t size);

/* Whether REPLY answers QUERY (both whole messages): same ID, QR set, same
 * opcode, and exactly QUERY's one question (name ignoring case, type, class). */
bool dns_reply_matches(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t rlen);

/* Read and write the 16-bit ID of a message of at least DNS_HEADER_LEN bytes. */
uint16_t dns_get_id(const uint8_t *msg);
void dns_set_id(uint8_t *msg, uint16_t id);

#endif
