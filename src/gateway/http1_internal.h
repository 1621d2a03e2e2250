/*
 * http1_internal.h - pieces shared by the request, response and chunked
 * parsers: byte classes, the head scanner, field-line and list parsing.
 * Not part of the gateway's API.
 */
#ifndef PISTACK_GATEWAY_HTTP1_INTERNAL_H
#define PISTACK_GATEWAY_HTTP1_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/http1.h"

/* Byte classes (bits of http1_ctype[]). */
#define H1_TCHAR  0x01   /* token character (RFC 9110 5.6.2) */
#define H1_FVAL   0x02   /* field value byte: VCHAR, obs-text, SP, HTAB */
#define H1_TARGET 0x04   /* request-target byte: 0x21..0x7e except '#' */
#define H1_HOST   0x08   /* host name byte: letters, digits, '-', '.', '_' */
#define H1_HEX    0x10
#define H1_DIGIT  0x20

extern const uint8_t http1_ctype[256];

static inline bool http1_is(unsigned char c, uint8_t cls)
{
	return (http1_ctype[c] & cls) != 0;
}

/* Where a complete head lies in the buffer. */
struct http1_scan {
	size_t start;   /* first byte of the start line */
	size_t end;     /* just past the LF of the empty line that ends the head */
};

/* Called by http1_scan_head with the start line [START, END) (END just past
 * its LF) as soon as it is complete; returns 0 or -STATUS. */
typedef int http1_start_line_fn(char *buf, size_t start, size_t end, void *arg);

/* Find the end of a head and enforce the size limits.  REQUEST: skip up to
 * HTTP1_MAX_EMPTY_LINES leading CRLFs and report 400/414/431; otherwise no
 * skipping and every failure is 502.  START_LINE checks the start line the
 * moment it is complete, so garbage is refused without waiting for a whole
 * head, in the same order whatever the buffer size.  Returns 1 (S filled), 0
 * for more bytes or -STATUS. */
int http1_scan_head(char *buf, size_t len, bool request, http1_start_line_fn *start_line, void *arg,
		    struct http1_scan *s);

/* Cut the next line off [*POS, END): sets *LINE and *N to its content without
 * the line end and advances *POS past the LF.  STRICT: the LF must follow a
 * CR.  Returns false when the line end is invalid. */
bool http1_next_line(char *buf, size_t *pos, size_t end, bool strict, char **line, size_t *n);

/* Parse one "name: value" line of N bytes at P into H.  Returns false for an
 * empty or non-token name, whitespace before the colon, obs-fold or a
 * forbidden byte in the value. */
bool http1_parse_field_line(char *p, size_t n, struct http1_header *h);

/* Which framing fields a head carries, collected from its header list. */
struct http1_framing {
	bool has_cl, has_te;
	bool cl_valid;            /* every Content-Length member the same number */
	uint64_t content_length;
	bool te_valid;            /* every coding a plain token, no empty member */
	int te_chunked;           /* how many times chunked appears */
	bool te_last_chunked;
	bool te_other;            /* a coding other than chunked appears */
};

/* Fill F from the Content-Length and Transfer-Encoding fields among HEADERS. */
void http1_framing_collect(const struct http1_header *headers, size_t n, struct http1_framing *f);

/* Collect the tokens of every Connection field into CONN (at most
 * HTTP1_MAX_CONNECTION_TOKENS).  Returns false for too many or a non-token
 * member; empty members are skipped (RFC 9110 5.6.1). */
bool http1_connection_collect(const struct http1_header *headers, size_t n,
			      struct http1_slice *conn, size_t *n_conn);

/* True when one of the N tokens in CONN equals TOKEN (case-insensitive). */
bool http1_tokens_have(const struct http1_slice *conn, size_t n, const char *token);

/* Iterate the members of a comma-separated list: from *POS within V, set
 * *M to the next member with OWS trimmed (possibly empty).  Returns false at
 * the end of the list. */
bool http1_list_next(struct http1_slice v, size_t *pos, struct http1_slice *m);

#endif
