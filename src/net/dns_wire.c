/*
 * dns_wire.c - parse and build DNS messages (see dns_wire.h).  Everything
 * here reads bytes from the network: no offset is used before it is checked
 * against the message's length, and no loop runs longer than the message.
 */
#include "net/dns_wire.h"

#include <errno.h>
#include <string.h>

/* The big-endian 16-bit value at P. */
static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Store V big-endian at P. */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Store V big-endian at P. */
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The header of MSG; see dns_wire.h. */
int dns_parse_header(const uint8_t *msg, size_t len, struct dns_header *out)
{
	if (len < DNS_HEADER_LEN)
		return -EBADMSG;
	out->id = get16(msg);
	out->flags = get16(msg + 2);
	out->qdcount = get16(msg + 4);
	out->ancount = get16(msg + 6);
	out->nscount = get16(msg + 8);
	out->arcount = get16(msg + 10);
	return 0;
}

/* Read a possibly compressed name; see dns_wire.h. */
int dns_read_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t *out_len)
{
	size_t pos = *off, n = 0, after = 0;
	/* Every pointer must land strictly before the start of the labels that
	 * led to it: LIMIT only decreases, so the walk ends within LEN jumps
	 * whatever the message holds (a pointer to itself, to a later byte, or
	 * two labels pointing at each other). */
	size_t limit = pos;
	bool jumped = false;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return -EBADMSG;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return -EBADMSG;
			target = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			if (target >= limit)
				return -EBADMSG;
			if (!jumped)
				after = pos + 2;
			jumped = true;
			pos = limit = target;
			continue;
		}
		/* 0x40 and 0x80 are the extended label types of RFC 6891, unused. */
		if (c & 0xc0)
			return -EBADMSG;
		if (pos + 1 + c > len || n + 1 + c > DNS_NAME_MAX)
			return -EBADMSG;
		memcpy(out + n, msg + pos, (size_t)c + 1);
		n += (size_t)c + 1;
		pos += (size_t)c + 1;
		if (c == 0)
			break;
	}
	*out_len = n;
	*off = jumped ? after : pos;
	return 0;
}

/* Skip one resource record at *OFF; report an OPT record in Q when ADDITIONAL. */
static int dns_skip_record(const uint8_t *msg, size_t len, size_t *off, bool additional, struct dns_query *q)
{
	uint8_t name[DNS_NAME_MAX];
	size_t name_len, pos = *off;
	uint16_t type, klass, rdlen;
	int r;

	if ((r = dns_read_name(msg, len, &pos, name, &name_len)) < 0)
		return r;
	if (len - pos < 10)
		return -EBADMSG;
	type = get16(msg + pos);
	klass = get16(msg + pos + 2);
	rdlen = get16(msg + pos + 8);
	if (len - pos - 10 < rdlen)
		return -EBADMSG;
	if (type == DNS_TYPE_OPT) {
		/* RFC 6891 6.1.1: one OPT, in the additional section, owned by the root. */
		if (!additional || q->edns || name_len != 1)
			return -EBADMSG;
		q->edns = true;
		q->edns_udp_size = klass < DNS_UDP_MIN ? DNS_UDP_MIN : klass;
		q->edns_version = msg[pos + 5];
		q->edns_do = (msg[pos + 6] & 0x80) != 0;
	}
	*off = pos + 10 + rdlen;
	return 0;
}

/* Parse a query; see dns_wire.h. */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *out)
{
	size_t pos = DNS_HEADER_LEN, records;
	int r;

	memset(out, 0, sizeof(*out));
	out->edns_udp_size = DNS_UDP_MIN;
	if (dns_parse_header(msg, len, &out->hdr) < 0)
		return -EMSGSIZE;
	if (out->hdr.qdcount != 1)
		return -EBADMSG;
	if ((r = dns_read_name(msg, len, &pos, out->qname, &out->qname_len)) < 0)
		return r;
	if (len - pos < 4)
		return -EBADMSG;
	out->qtype = get16(msg + pos);
	out->qclass = get16(msg + pos + 2);
	pos += 4;
	out->question_end = pos;
	/* A record takes at least 11 bytes: counts the rest cannot hold are
	 * refused before walking them. */
	records = (size_t)out->hdr.ancount + out->hdr.nscount + out->hdr.arcount;
	if (records > (len - pos) / 11)
		return -EBADMSG;
	for (size_t i = 0; i < records; i++) {
		bool additional = i >= (size_t)out->hdr.ancount + out->hdr.nscount;

		if ((r = dns_skip_record(msg, len, &pos, additional, out)) < 0)
			return r;
	}
	return 0;
}

/* ASCII lower case of C; other bytes as they are. */
static uint8_t dns_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Compare wire names ignoring ASCII case; see dns_wire.h. */
bool dns_name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	/* Length bytes are below 64, never letters: comparing them lowered is exact. */
	for (size_t i = 0; i < alen; i++)
		if (dns_lower(a[i]) != dns_lower(b[i]))
			return false;
	return true;
}

/* Encode dotted TEXT in wire form; see dns_wire.h. */
int dns_name_from_text(const char *text, uint8_t *out)
{
	size_t n = 0, tlen = strlen(text);

	if (tlen > 0 && text[tlen - 1] == '.')
		tlen--;
	if (tlen == 0) {
		out[0] = 0;
		return 1;
	}
	for (size_t start = 0; start <= tlen;) {
		const char *dot = memchr(text + start, '.', tlen - start);
		size_t label = dot ? (size_t)(dot - (text + start)) : tlen - start;

		if (label == 0 || label > DNS_LABEL_MAX || n + 1 + label + 1 > DNS_NAME_MAX)
			return -EINVAL;
		out[n] = (uint8_t)label;
		memcpy(out + n + 1, text + start, label);
		n += 1 + label;
		start += label + 1;
	}
	out[n++] = 0;
	return (int)n;
}

/* The value of a decimal label of 1 to 3 digits up to 255 (no leading zero), or -1. */
static int dns_octet_label(const uint8_t *label, size_t n)
{
	int v = 0;

	if (n == 0 || n > 3 || (n > 1 && label[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (label[i] < '0' || label[i] > '9')
			return -1;
		v = v * 10 + (label[i] - '0');
	}
	return v <= 255 ? v : -1;
}

/* Parse "D.C.B.A.in-addr.arpa"; see dns_wire.h. */
bool dns_name_to_inaddr(const uint8_t *name, size_t len, struct in_addr *out)
{
	static const uint8_t suffix[] = "\7in-addr\4arpa";  /* and the final zero */
	uint8_t octets[4];
	size_t pos = 0;

	for (int i = 0; i < 4; i++) {
		int v;

		if (pos >= len || pos + 1 + name[pos] > len)
			return false;
		v = dns_octet_label(name + pos + 1, name[pos]);
		if (v < 0)
			return false;
		octets[3 - i] = (uint8_t)v;
		pos += 1 + name[pos];
	}
	if (!dns_name_equal(name + pos, len - pos, suffix, sizeof(suffix)))
		return false;
	memcpy(&out->s_addr, octets, 4);
	return true;
}

/* The reverse name of ADDR; see dns_wire.h. */
size_t dns_inaddr_to_name(struct in_addr addr, uint8_t *out)
{
	static const uint8_t suffix[] = "\7in-addr\4arpa";
	const uint8_t *o = (const uint8_t *)&addr.s_addr;
	size_t n = 0;

	for (int i = 3; i >= 0; i--) {
		uint8_t v = o[i], digits = v >= 100 ? 3 : v >= 10 ? 2 : 1;

		out[n++] = digits;
		for (int d = digits - 1; d >= 0; d--, v /= 10)
			out[n + (size_t)d] = (uint8_t)('0' + v % 10);
		n += digits;
	}
	memcpy(out + n, suffix, sizeof(suffix));
	return n + sizeof(suffix);
}

/* An A record; see dns_wire.h. */
void dns_answer_a(struct dns_answer *ans, struct in_addr addr, uint32_t ttl)
{
	ans->type = DNS_TYPE_A;
	ans->ttl = ttl;
	ans->rdlen = 4;
	memcpy(ans->rdata, &addr.s_addr, 4);
}

/* A PTR record; see dns_wire.h. */
void dns_answer_ptr(struct dns_answer *ans, const uint8_t *name, size_t len, uint32_t ttl)
{
	ans->type = DNS_TYPE_PTR;
	ans->ttl = ttl;
	ans->rdlen = (uint16_t)(len > DNS_NAME_MAX ? DNS_NAME_MAX : len);
	memcpy(ans->rdata, name, ans->rdlen);
}

/* Append an OPT record for Q's reply with the extended bits of RCODE at OUT + *N. */
static int dns_put_opt(const struct dns_query *q, unsigned rcode, uint8_t *out, size_t size, size_t *n)
{
	if (size - *n < 11)
		return -ENOSPC;
	out[*n] = 0;                                 /* the root */
	put16(out + *n + 1, DNS_TYPE_OPT);
	put16(out + *n + 3, DNS_EDNS_UDP_SIZE);
	out[*n + 5] = (uint8_t)(rcode >> 4);         /* extended RCODE */
	out[*n + 6] = 0;                             /* version 0 */
	/* RFC 3225: the DO bit of the query is copied into the reply. */
	out[*n + 7] = q->edns_do ? 0x80 : 0;
	out[*n + 8] = 0;
	put16(out + *n + 9, 0);                      /* no options */
	*n += 11;
	return 0;
}

/* The flags of a reply to H: opcode, RD and CD kept, QR and RA set. */
static uint16_t dns_reply_flags(const struct dns_header *h, unsigned rcode)
{
	return (uint16_t)(DNS_FLAG_QR | DNS_FLAG_RA | (h->flags & (0x7800 | DNS_FLAG_RD | DNS_FLAG_CD)) |
			  (rcode & 0xf));
}

/* Build a reply to Q; see dns_wire.h. */
int dns_build_reply(const struct dns_query *q, unsigned rcode, bool aa, const struct dns_answer *ans,
		    size_t n_ans, uint8_t *out, size_t size)
{
	size_t n = DNS_HEADER_LEN;

	if (size < DNS_HEADER_LEN + q->qname_len + 4 || n_ans > 64)
		return -ENOSPC;
	put16(out, q->hdr.id);
	put16(out + 2, (uint16_t)(dns_reply_flags(&q->hdr, rcode) | (aa ? DNS_FLAG_AA : 0)));
	put16(out + 4, 1);
	put16(out + 6, (uint16_t)n_ans);
	put16(out + 8, 0);
	put16(out + 10, q->edns ? 1 : 0);
	memcpy(out + n, q->qname, q->qname_len);
	n += q->qname_len;
	put16(out + n, q->qtype);
	put16(out + n + 2, q->qclass);
	n += 4;
	for (size_t i = 0; i < n_ans; i++) {
		if (size - n < 12 + (size_t)ans[i].rdlen)
			return -ENOSPC;
		/* The owner is the question's name, always at offset 12. */
		put16(out + n, 0xc000 | DNS_HEADER_LEN);
		put16(out + n + 2, ans[i].type);
		put16(out + n + 4, DNS_CLASS_IN);
		put32(out + n + 6, ans[i].ttl);
		put16(out + n + 10, ans[i].rdlen);
		memcpy(out + n + 12, ans[i].rdata, ans[i].rdlen);
		n += 12 + (size_t)ans[i].rdlen;
	}
	if (q->edns && dns_put_opt(q, rcode, out, size, &n) < 0)
		return -ENOSPC;
	return (int)n;
}

/* Build a bare error reply; see dns_wire.h. */
int dns_build_error(const struct dns_header *h, unsigned rcode, uint8_t *out)
{
	put16(out, h->id);
	/* RA only means something to a query we could serve. */
	put16(out + 2, (uint16_t)(dns_reply_flags(h, rcode) & ~DNS_FLAG_RA));
	memset(out + 4, 0, 8);
	return DNS_HEADER_LEN;
}

/* Build a truncated reply; see dns_wire.h. */
int dns_build_truncated(const struct dns_query *q, const uint8_t *reply, size_t len, uint8_t *out,
			size_t size)
{
	struct dns_header h;
	int n;

	if (dns_parse_header(reply, len, &h) < 0)
		return -EBADMSG;
	n = dns_build_reply(q, DNS_RCODE(h.flags), (h.flags & DNS_FLAG_AA) != 0, NULL, 0, out, size);
	if (n < 0)
		return n;
	/* The upstream's flags (AD, RA...) with TC: the client retries over TCP. */
	put16(out + 2, (uint16_t)(h.flags | DNS_FLAG_TC));
	return n;
}

/* Whether REPLY answers QUERY; see dns_wire.h. */
bool dns_reply_matches(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t rlen)
{
	struct dns_header qh, rh;
	uint8_t qname[DNS_NAME_MAX], rname[DNS_NAME_MAX];
	size_t qpos = DNS_HEADER_LEN, rpos = DNS_HEADER_LEN, qn, rn;

	if (dns_parse_header(query, qlen, &qh) < 0 || dns_parse_header(reply, rlen, &rh) < 0)
		return false;
	if (rh.id != qh.id || !(rh.flags & DNS_FLAG_QR) || DNS_OPCODE(rh.flags) != DNS_OPCODE(qh.flags) ||
	    qh.qdcount != 1 || rh.qdcount != 1)
		return false;
	if (dns_read_name(query, qlen, &qpos, qname, &qn) < 0 || dns_read_name(reply, rlen, &rpos, rname, &rn) < 0)
		return false;
	if (qlen - qpos < 4 || rlen - rpos < 4)
		return false;
	return dns_name_equal(qname, qn, rname, rn) && memcmp(query + qpos, reply + rpos, 4) == 0;
}

/* The ID of MSG. */
uint16_t dns_get_id(const uint8_t *msg)
{
	return get16(msg);
}

/* Set the ID of MSG. */
void dns_set_id(uint8_t *msg, uint16_t id)
{
	put16(msg, id);
}
