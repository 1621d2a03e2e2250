/*
 * http1_chunked.c - validates the framing of a chunked body (RFC 9112 7.1)
 * as it streams through the gateway unchanged, so that the gateway and the
 * peer behind it can never disagree on where the body ends.
 */
#include <string.h>

#include "gateway/http1.h"
#include "gateway/http1_internal.h"

#define CHUNK_SIZE_MAX (UINT64_C(1) << 62)
#define CHUNK_DIGITS_MAX 16

enum {
	CH_SIZE0,          /* first hex digit of a chunk size */
	CH_SIZE,           /* more hex digits, ';', BWS or CR */
	CH_SIZE_WS,        /* BWS after the size: only ';' may follow */
	CH_EXT,            /* chunk extensions up to CR */
	CH_SIZE_LF,        /* LF after the size line's CR */
	CH_DATA,           /* chunk data */
	CH_DATA_CR,        /* CR after the data */
	CH_DATA_LF,        /* LF after the data */
	CH_TRAILER_LINE,   /* start of a trailer line, or CR of the final CRLF */
	CH_TRAILER_NAME,   /* field name up to ':' */
	CH_TRAILER_VALUE,  /* field value up to CR */
	CH_TRAILER_LF,     /* LF after a trailer line */
	CH_FINAL_LF,       /* LF that ends the body */
	CH_DONE,
};

void http1_chunked_init(struct http1_chunked *c)
{
	memset(c, 0, sizeof(*c));
	c->state = CH_SIZE0;
}

/* Value of hex digit C (already known to be one). */
static unsigned hexval(unsigned char c)
{
	if (c <= '9')
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

int http1_chunked_scan(struct http1_chunked *c, const char *buf, size_t len, size_t *used)
{
	size_t i = 0, k;
	unsigned char ch;

	while (i < len) {
		if (c->state == CH_DONE)
			break;
		if (c->state == CH_DATA) {
			k = len - i;
			if (k > c->remaining)
				k = (size_t)c->remaining;
			i += k;
			c->remaining -= k;
			c->data_len = c->data_len + k < c->data_len ? UINT64_MAX : c->data_len + k;
			if (c->remaining == 0)
				c->state = CH_DATA_CR;
			continue;
		}
		ch = (unsigned char)buf[i];
		if (c->state >= CH_TRAILER_LINE && ++c->trailer_len > HTTP1_MAX_TRAILER)
			goto bad;
		switch (c->state) {
		case CH_SIZE0:
		case CH_SIZE:
			if (http1_is(ch, H1_HEX)) {
				/* Bounded digits (no endless leading zeros) and value
				 * (no overflow when the peer adds it up). */
				if (++c->digits > CHUNK_DIGITS_MAX || c->remaining > CHUNK_SIZE_MAX >> 4)
					goto bad;
				c->remaining = c->remaining * 16 + hexval(ch);
				if (c->remaining > CHUNK_SIZE_MAX)
					goto bad;
				c->state = CH_SIZE;
			} else if (c->state == CH_SIZE0) {
				goto bad;  /* "", "0x", "-1", " 1" */
			} else if (ch == ';') {
				c->state = CH_EXT;
			} else if (ch == ' ' || ch == '\t') {
				c->ext_len = 1;
				c->state = CH_SIZE_WS;
			} else if (ch == '\r') {
				c->state = CH_SIZE_LF;
			} else {
				goto bad;
			}
			break;
		case CH_SIZE_WS:
			if (++c->ext_len > HTTP1_MAX_CHUNK_EXT)
				goto bad;
			if (ch == ';')
				c->state = CH_EXT;
			else if (ch != ' ' && ch != '\t')
				goto bad;
			break;
		case CH_EXT:
			/* Extensions pass through unread, but a CR or LF inside one
			 * would end the size line early for some peers. */
			if (ch == '\r') {
				c->state = CH_SIZE_LF;
				break;
			}
			if (++c->ext_len > HTTP1_MAX_CHUNK_EXT || !http1_is(ch, H1_FVAL))
				goto bad;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				goto bad;
			c->state = c->remaining ? CH_DATA : CH_TRAILER_LINE;
			break;
		case CH_DATA_CR:
			if (ch != '\r')
				goto bad;
			c->state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				goto bad;
			c->state = CH_SIZE0;
			c->digits = 0;
			c->ext_len = 0;
			break;
		case CH_TRAILER_LINE:
			if (ch == '\r')
				c->state = CH_FINAL_LF;
			else if (http1_is(ch, H1_TCHAR))
				c->state = CH_TRAILER_NAME;
			else
				goto bad;  /* obs-fold, empty name, bare LF */
			break;
		case CH_TRAILER_NAME:
			if (ch == ':')
				c->state = CH_TRAILER_VALUE;
			else if (!http1_is(ch, H1_TCHAR))
				goto bad;
			break;
		case CH_TRAILER_VALUE:
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			else if (!http1_is(ch, H1_FVAL))
				goto bad;
			break;
		case CH_TRAILER_LF:
			if (ch != '\n')
				goto bad;
			c->state = CH_TRAILER_LINE;
			break;
		case CH_FINAL_LF:
			if (ch != '\n')
				goto bad;
			c->state = CH_DONE;
			break;
		default:
			goto bad;
		}
		i++;
	}
	*used = i;
	return c->state == CH_DONE ? 1 : 0;
bad:
	*used = i;
	return -400;
}
