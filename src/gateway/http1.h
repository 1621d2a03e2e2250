/*
 * http1.h - the gateway's HTTP/1.x parser: request and response heads,
 * chunked-body framing, hop-by-hop rules and canned error responses.
 *
 * Pure functions over bytes, no allocation, no I/O.  The gateway is a
 * security boundary, so requests are parsed strictly per RFC 9112 and
 * anything ambiguous is refused rather than repaired (see "Policy" below).
 * Slices point into the caller's buffer, which must stay put while they are
 * used.
 *
 * Policy (requests; each rule returns -STATUS, the caller answers STATUS and
 * closes the connection):
 *   - lines end in CRLF; a bare LF or a bare CR anywhere in the head -> 400
 *   - up to HTTP1_MAX_EMPTY_LINES empty lines before the request line are
 *     skipped (counted in head_len), more -> 400
 *   - request line: METHOD SP TARGET SP HTTP/1.x, exactly one SP each;
 *     method a token of at most HTTP1_MAX_METHOD bytes (longer -> 501);
 *     CONNECT -> 501 (the gateway is no forward proxy);
 *     version "HTTP/1.0" or "HTTP/1.1" ("HTTP/1.2".."HTTP/1.9" are taken as
 *     1.1 per RFC 9110 6.2), another major version -> 505, anything else 400
 *   - target: origin-form "/...", absolute-form "http://" or "https://"
 *     authority [path] (scheme case-insensitive, no userinfo), or "*" for
 *     OPTIONS only; authority-form or "*" with another method -> 400; bytes
 *     outside 0x21..0x7e and '#' -> 400; request line longer than
 *     HTTP1_MAX_REQUEST_LINE -> 414
 *   - header fields: name a token immediately followed by ':' (whitespace
 *     before the colon -> 400); obs-fold -> 400; value of VCHAR, obs-text,
 *     SP and HTAB only (NUL, CR, LF, other controls, DEL -> 400); more than
 *     HTTP1_MAX_HEADERS fields or a head longer than HTTP1_MAX_HEAD -> 431
 *   - Host: HTTP/1.1 needs exactly one; two Host fields -> 400 even when
 *     equal; value is reg-name (letters, digits, '-', '.', '_'; no empty
 *     label) or an IPv4 address or "[IPv6]" literal, optional ":PORT" with
 *     1-5 digits <= 65535; empty on HTTP/1.1 -> 400.  An absolute-form
 *     authority must be just as valid and wins over Host.
 *   - Content-Length: 1*DIGIT (no sign, space inside, hex), at most 18
 *     digits; several fields or a comma list are accepted only when every
 *     member is the same number ("5, 5"), else 400
 *   - Transfer-Encoding: HTTP/1.0 -> 400; with Content-Length -> 400;
 *     codings are tokens, "chunked" must be last and appear once, else 400;
 *     another coding before chunked ("gzip, chunked") -> 501
 *   - Connection: more than HTTP1_MAX_CONNECTION_TOKENS tokens -> 400
 */
#ifndef PISTACK_GATEWAY_HTTP1_H
#define PISTACK_GATEWAY_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP1_MAX_REQUEST_LINE 8192   /* bytes of the request line without CRLF -> 414 */
#define HTTP1_MAX_HEADERS 100         /* header fields in a head -> 431 (502 in a response) */
#define HTTP1_MAX_HEAD 16384          /* bytes of a head from its start line to the final
				       * CRLF (leading empty lines not counted) -> 431 / 502 */
#define HTTP1_MAX_METHOD 32           /* longer methods -> 501 */
#define HTTP1_MAX_EMPTY_LINES 4       /* CRLFs tolerated before a request line */
#define HTTP1_MAX_CONNECTION_TOKENS 16
#define HTTP1_MAX_HOST 255            /* bytes of a host name without port */
#define HTTP1_MAX_CHUNK_EXT 4096      /* bytes of one chunk's extensions */
#define HTTP1_MAX_TRAILER 16384       /* bytes of a chunked body's trailer section */
#define HTTP1_MAX_CONTENT_LENGTH 999999999999999999ULL  /* 18 digits */

/* A piece of a buffer; never NUL-terminated. */
struct http1_slice {
	const char *p;
	size_t n;
};

struct http1_header {
	struct http1_slice name;    /* as sent (case kept), never empty */
	struct http1_slice value;   /* leading and trailing SP/HTAB removed */
};

/* How the body that follows a head is delimited. */
enum http1_body {
	HTTP1_BODY_NONE,      /* no body */
	HTTP1_BODY_LENGTH,    /* exactly content_length bytes (may be 0) */
	HTTP1_BODY_CHUNKED,   /* chunked coding: feed it to http1_chunked_scan() */
	HTTP1_BODY_CLOSE,     /* responses only: everything until the server closes */
};

enum http1_target_form {
	HTTP1_TARGET_ORIGIN,     /* "/path?query" */
	HTTP1_TARGET_ABSOLUTE,   /* "http://authority/path?query" */
	HTTP1_TARGET_ASTERISK,   /* "*" (OPTIONS) */
};

struct http1_request {
	struct http1_slice method;          /* token, case-sensitive ("GET") */
	struct http1_slice target;          /* the request-target as sent (an absolute-form
					     * authority lower-cased in place) */
	struct http1_slice path;            /* "/path?query" to send upstream: the
					     * origin-form target, the path part of
					     * an absolute-form target ("/" when it
					     * has none), or "*" */
	enum http1_target_form form;
	bool https_scheme;                  /* absolute-form with "https://" */
	struct http1_slice host;            /* lower-cased in the buffer, port and one
					     * trailing dot removed; IPv6 keeps its
					     * brackets; n == 0 when absent (HTTP/1.0) */
	int port;                           /* port from the authority/Host, -1 if none */
	int minor;                          /* 0 or 1: HTTP/1.<minor> */
	struct http1_header headers[HTTP1_MAX_HEADERS];
	size_t n_headers;
	enum http1_body body;               /* NONE, LENGTH or CHUNKED */
	uint64_t content_length;            /* for HTTP1_BODY_LENGTH */
	bool keep_alive;                    /* 1.1 without "close", 1.0 with "keep-alive" */
	bool upgrade;                       /* HTTP/1.1, Connection has "upgrade" and an
					     * Upgrade field is present */
	struct http1_slice upgrade_protocols;  /* Upgrade field value when upgrade */
	bool expect_continue;               /* HTTP/1.1 "Expect: 100-continue" */
	struct http1_slice connection[HTTP1_MAX_CONNECTION_TOKENS];  /* Connection tokens */
	size_t n_connection;
	size_t head_len;                    /* bytes of the head incl. final CRLF */
};

/* Parse the request head at the start of BUF.  Returns the head length (> 0)
 * when complete, 0 when more bytes are needed, or -STATUS (-400, -414, -431,
 * -501, -505) for a request to refuse.  Bytes of BUF may be modified in place
 * (the host is lower-cased).  Stateless: call again with the grown buffer;
 * an incomplete head costs one memchr scan.  The limits (414, 431) and an
 * invalid request line are reported as soon as they are seen, before the
 * head is complete; the answer never depends on how the bytes were split
 * (any prefix answers 0 or what the whole buffer answers).  On an error the
 * fields of REQ are unspecified. */
int http1_parse_request(char *buf, size_t len, struct http1_request *req);

struct http1_response {
	int status;                         /* 100..599 */
	int minor;                          /* 0 or 1 */
	struct http1_slice reason;          /* may be empty */
	struct http1_header headers[HTTP1_MAX_HEADERS];
	size_t n_headers;
	enum http1_body body;
	uint64_t content_length;            /* for HTTP1_BODY_LENGTH; also the (validated)
					     * Content-Length of a HEAD or 304 response */
	bool keep_alive;                    /* the upstream connection may be reused
					     * after this response (false for CLOSE) */
	bool upgrade;                       /* 101 Switching Protocols */
	struct http1_slice connection[HTTP1_MAX_CONNECTION_TOKENS];
	size_t n_connection;
	size_t head_len;
};

/* Parse a response head from an upstream.  REQUEST_WAS_HEAD: the response
 * answers a HEAD request (no body whatever the fields say).  Returns the head
 * length, 0 for more bytes, or -502 for an invalid response.
 * Framing per RFC 9112 6.3: 1xx, 204, 304 and HEAD responses have no body;
 * Transfer-Encoding ending in chunked -> CHUNKED; Transfer-Encoding ending in
 * another coding, or on HTTP/1.0 -> CLOSE; Content-Length -> LENGTH; neither
 * -> CLOSE.  Content-Length is validated in every response, also where it
 * frames nothing (HEAD, 304), so it may be forwarded there.
 * Refused (-502): Transfer-Encoding together with Content-Length,
 * chunked twice or not last-but-present, bad or differing Content-Length,
 * whitespace before a colon, obs-fold, control bytes in values, bare CR,
 * over-long heads.  Unlike requests, bare LF line ends are accepted (RFC 9112
 * 2.2 allows it; the proxy re-serialises fields, so they never reach a
 * client).  1xx heads are returned on their own: the caller forwards a 100
 * or 103 and parses the next head, and tunnels after a 101. */
int http1_parse_response(char *buf, size_t len, bool request_was_head,
			 struct http1_response *resp);

/* State of a chunked body being streamed through; zero it with
 * http1_chunked_init() before the first byte. */
struct http1_chunked {
	int state;                /* internal */
	unsigned digits;          /* hex digits of the current chunk size */
	uint64_t remaining;       /* data bytes left in the current chunk */
	size_t ext_len;           /* bytes of the current chunk extension */
	size_t trailer_len;       /* bytes of the trailer section so far */
	uint64_t data_len;        /* chunk data bytes seen so far (for max_body),
				   * saturating */
};

void http1_chunked_init(struct http1_chunked *c);

/* Stream a chunked body through unchanged while validating its framing:
 * consumes up to LEN bytes of BUF and sets *USED to how many belong to the
 * body.  Returns 1 when the body (last chunk, trailer section, final CRLF)
 * ended within *USED bytes (what follows is the next message), 0 when all LEN
 * bytes were consumed and more are needed, -400 on a framing error: chunk
 * size not 1-16 hex digits or above 2^62, "0x", sign or space before the
 * size, whitespace after the size not followed by ';', control bytes or bare
 * CR/LF in an extension, an extension longer than HTTP1_MAX_CHUNK_EXT, data
 * not followed by CRLF, a malformed trailer field (same rules as header
 * fields) or a trailer section over HTTP1_MAX_TRAILER.  A response caller
 * maps -400 to 502.  After 1 further calls return 1 with *USED = 0. */
int http1_chunked_scan(struct http1_chunked *c, const char *buf, size_t len, size_t *used);

/* True when the field NAME is not forwarded as it is: Connection,
 * Keep-Alive, Proxy-Connection, TE, Upgrade (the proxy writes its own
 * "Connection: upgrade" + Upgrade for an upgrade), Transfer-Encoding and
 * Content-Length (framing: the proxy writes "Transfer-Encoding: chunked" or
 * "Content-Length: N" from body/content_length, so a validated value is what
 * goes upstream), and any field named by a Connection token.  A Connection
 * token naming Host is ignored: a client cannot strip the field the backend
 * routes on.  Trailer is end-to-end (the chunked trailers pass through). */
bool http1_is_hop_by_hop(const struct http1_request *req, struct http1_slice name);

/* The same for a response head. */
bool http1_response_is_hop_by_hop(const struct http1_response *resp, struct http1_slice name);

/* First header named NAME (case-insensitive) among HEADERS, or NULL. */
const struct http1_header *http1_find_header(const struct http1_header *headers, size_t n,
					     const char *name);

/* True when slice S equals the NUL-terminated LIT, ignoring ASCII case. */
bool http1_slice_eq_ci(struct http1_slice s, const char *lit);

/* True when the comma-separated token list VALUE contains TOKEN (ASCII
 * case-insensitive, OWS around members ignored). */
bool http1_list_has_token(struct http1_slice value, const char *token);

/* Reason phrase of STATUS ("Not Found"), "Unknown" for codes it lacks. */
const char *http1_reason(int status);

#define HTTP1_ERROR_KEEP_ALIVE 0x1   /* omit "Connection: close" */
#define HTTP1_ERROR_NO_BODY    0x2   /* answer to HEAD: headers only */

/* Write a complete plain-text error response into BUF (SIZE bytes):
 * "HTTP/1.1 STATUS REASON", Content-Type: text/plain, Content-Length,
 * "Connection: close" unless HTTP1_ERROR_KEEP_ALIVE, and the body
 * "STATUS REASON\n".  Returns the length written (no NUL counted) or
 * -ENOSPC when BUF is too small (256 bytes always suffice). */
int http1_write_error(char *buf, size_t size, int status, unsigned flags);

#endif
