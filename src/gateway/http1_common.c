/*
 * http1_common.c - what the HTTP/1.x request and response parsers share:
 * byte classes, the head scanner with its size limits, field lines, list
 * members, framing and Connection fields, hop-by-hop rules, reason phrases
 * and the canned error response.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gateway/http1.h"
#include "gateway/http1_internal.h"

#define TCHAR_SYM (H1_TCHAR | H1_FVAL | H1_TARGET)
#define ALNUM     (H1_TCHAR | H1_FVAL | H1_TARGET | H1_HOST)

const uint8_t http1_ctype[256] = {
	['\t'] = H1_FVAL,
	[' '] = H1_FVAL,
	['!'] = TCHAR_SYM, ['#'] = H1_TCHAR | H1_FVAL, ['$'] = TCHAR_SYM,
	['%'] = TCHAR_SYM, ['&'] = TCHAR_SYM, ['\''] = TCHAR_SYM, ['*'] = TCHAR_SYM,
	['+'] = TCHAR_SYM, ['-'] = TCHAR_SYM | H1_HOST, ['.'] = TCHAR_SYM | H1_HOST,
	['^'] = TCHAR_SYM, ['_'] = TCHAR_SYM | H1_HOST, ['`'] = TCHAR_SYM,
	['|'] = TCHAR_SYM, ['~'] = TCHAR_SYM,
	['"'] = H1_FVAL | H1_TARGET, ['('] = H1_FVAL | H1_TARGET, [')'] = H1_FVAL | H1_TARGET,
	[','] = H1_FVAL | H1_TARGET, ['/'] = H1_FVAL | H1_TARGET, [':'] = H1_FVAL | H1_TARGET,
	[';'] = H1_FVAL | H1_TARGET, ['<'] = H1_FVAL | H1_TARGET, ['='] = H1_FVAL | H1_TARGET,
	['>'] = H1_FVAL | H1_TARGET, ['?'] = H1_FVAL | H1_TARGET, ['@'] = H1_FVAL | H1_TARGET,
	['['] = H1_FVAL | H1_TARGET, ['\\'] = H1_FVAL | H1_TARGET, [']'] = H1_FVAL | H1_TARGET,
	['{'] = H1_FVAL | H1_TARGET, ['}'] = H1_FVAL | H1_TARGET,
	['0' ... '9'] = ALNUM | H1_HEX | H1_DIGIT,
	['A' ... 'F'] = ALNUM | H1_HEX,
	['G' ... 'Z'] = ALNUM,
	['a' ... 'f'] = ALNUM | H1_HEX,
	['g' ... 'z'] = ALNUM,
	[0x80 ... 0xff] = H1_FVAL,
};

/* ASCII lower case of C. */
static inline unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* True when slices A and B are equal ignoring ASCII case. */
static bool slices_eq_ci(struct http1_slice a, struct http1_slice b)
{
	if (a.n != b.n)
		return false;
	for (size_t i = 0; i < a.n; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
			return false;
	return true;
}

bool http1_slice_eq_ci(struct http1_slice s, const char *lit)
{
	return slices_eq_ci(s, (struct http1_slice){ lit, strlen(lit) });
}

int http1_scan_head(char *buf, size_t len, bool request, http1_start_line_fn *start_line, void *arg,
		    struct http1_scan *s)
{
	int too_long = request ? -414 : -502, too_big = request ? -431 : -502, r;
	size_t pos = 0, start, lines = 0, content;
	unsigned empty = 0;
	const char *lf;

	/* RFC 9112 2.2: a server SHOULD ignore at least one empty line before the
	 * request line; a few are allowed, more look like an attack. */
	while (request && pos < len) {
		if (buf[pos] == '\n')
			return -400;
		if (buf[pos] != '\r')
			break;
		if (pos + 1 == len)
			return 0;
		if (buf[pos + 1] != '\n')
			break;  /* bare CR: the request-line parser refuses it */
		if (++empty > HTTP1_MAX_EMPTY_LINES)
			return -400;
		pos += 2;
	}
	start = pos;
	/* A method is a token: anything else (a TLS ClientHello on port 80,
	 * binary noise) is refused at once instead of after 8 KiB or a timeout.
	 * Checked first in every call, so the answer is the same for any split. */
	for (size_t i = start; request && i < len && buf[i] != ' '; i++)
		if (!http1_is((unsigned char)buf[i], H1_TCHAR))
			return -400;
	/* The limits are checked in the same order whether the head arrives at
	 * once or a byte at a time, so both give the same answer. */
	for (;;) {
		lf = memchr(buf + pos, '\n', len - pos);
		if (!lf) {
			content = len - pos;
			if (content && buf[len - 1] == '\r')
				content--;
			if (lines == 0 && content > HTTP1_MAX_REQUEST_LINE)
				return too_long;
			if (len - start > HTTP1_MAX_HEAD)
				return too_big;
			return 0;
		}
		content = (size_t)(lf - (buf + pos));
		if (content && lf[-1] == '\r')
			content--;
		if (lines == 0 && content > HTTP1_MAX_REQUEST_LINE)
			return too_long;
		if ((size_t)(lf + 1 - buf) - start > HTTP1_MAX_HEAD)
			return too_big;
		if (lines == 0 && (r = start_line(buf, start, (size_t)(lf + 1 - buf), arg)) < 0)
			return r;
		if (content == 0 && lines > 0) {
			s->start = start;
			s->end = (size_t)(lf + 1 - buf);
			return 1;
		}
		if (++lines > HTTP1_MAX_HEADERS + 1)
			return too_big;
		pos = (size_t)(lf + 1 - buf);
	}
}

bool http1_next_line(char *buf, size_t *pos, size_t end, bool strict, char **line, size_t *n)
{
	char *p = buf + *pos;
	char *lf = memchr(p, '\n', end - *pos);
	size_t k;

	if (!lf)
		return false;
	k = (size_t)(lf - p);
	if (k && lf[-1] == '\r')
		k--;
	else if (strict)
		return false;  /* bare LF */
	*line = p;
	*n = k;
	*pos = (size_t)(lf + 1 - buf);
	return true;
}

bool http1_parse_field_line(char *p, size_t n, struct http1_header *h)
{
	size_t i = 0, vs, ve;

	/* A line starting with SP/HTAB (obs-fold) has no token: refused here. */
	while (i < n && http1_is((unsigned char)p[i], H1_TCHAR))
		i++;
	if (i == 0 || i == n || p[i] != ':')
		return false;
	h->name = (struct http1_slice){ p, i };
	vs = i + 1;
	while (vs < n && (p[vs] == ' ' || p[vs] == '\t'))
		vs++;
	ve = n;
	while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
		ve--;
	for (i = vs; i < ve; i++)
		if (!http1_is((unsigned char)p[i], H1_FVAL))
			return false;
	h->value = (struct http1_slice){ p + vs, ve - vs };
	return true;
}

bool http1_list_next(struct http1_slice v, size_t *pos, struct http1_slice *m)
{
	size_t i = *pos, s, e;

	if (i > v.n)
		return false;
	s = i;
	while (i < v.n && v.p[i] != ',')
		i++;
	e = i;
	while (s < e && (v.p[s] == ' ' || v.p[s] == '\t'))
		s++;
	while (e > s && (v.p[e - 1] == ' ' || v.p[e - 1] == '\t'))
		e--;
	*pos = i + 1;
	*m = (struct http1_slice){ v.p + s, e - s };
	return true;
}

/* True when all N bytes at P are token characters and N > 0. */
static bool is_token(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!http1_is((unsigned char)p[i], H1_TCHAR))
			return false;
	return true;
}

/* Parse a Content-Length member: 1..18 digits, nothing else. */
static bool parse_length(struct http1_slice m, uint64_t *out)
{
	uint64_t v = 0;

	if (m.n == 0 || m.n > 18)
		return false;
	for (size_t i = 0; i < m.n; i++) {
		if (!http1_is((unsigned char)m.p[i], H1_DIGIT))
			return false;
		v = v * 10 + (uint64_t)(m.p[i] - '0');
	}
	*out = v;
	return true;
}

void http1_framing_collect(const struct http1_header *headers, size_t n, struct http1_framing *f)
{
	struct http1_slice m;
	uint64_t v;
	size_t pos;

	memset(f, 0, sizeof(*f));
	f->cl_valid = true;
	f->te_valid = true;
	for (size_t i = 0; i < n; i++) {
		if (http1_slice_eq_ci(headers[i].name, "content-length")) {
			/* RFC 9110 8.6: "5, 5" and repeated equal fields are one
			 * value; anything else is unrecoverable. */
			pos = 0;
			while (http1_list_next(headers[i].value, &pos, &m)) {
				if (!parse_length(m, &v) || (f->has_cl && v != f->content_length))
					f->cl_valid = false;
				else
					f->content_length = v;
				f->has_cl = true;
			}
		} else if (http1_slice_eq_ci(headers[i].name, "transfer-encoding")) {
			f->has_te = true;
			pos = 0;
			while (http1_list_next(headers[i].value, &pos, &m)) {
				f->te_last_chunked = false;
				if (!is_token(m.p, m.n))
					f->te_valid = false;
				else if (http1_slice_eq_ci(m, "chunked"))
					f->te_chunked++, f->te_last_chunked = true;
				else
					f->te_other = true;
			}
		}
	}
}

bool http1_connection_collect(const struct http1_header *headers, size_t n,
			      struct http1_slice *conn, size_t *n_conn)
{
	struct http1_slice m;
	size_t pos;

	*n_conn = 0;
	for (size_t i = 0; i < n; i++) {
		if (!http1_slice_eq_ci(headers[i].name, "connection"))
			continue;
		pos = 0;
		while (http1_list_next(headers[i].value, &pos, &m)) {
			if (m.n == 0)
				continue;
			if (!is_token(m.p, m.n) || *n_conn == HTTP1_MAX_CONNECTION_TOKENS)
				return false;
			conn[(*n_conn)++] = m;
		}
	}
	return true;
}

bool http1_tokens_have(const struct http1_slice *conn, size_t n, const char *token)
{
	for (size_t i = 0; i < n; i++)
		if (http1_slice_eq_ci(conn[i], token))
			return true;
	return false;
}

bool http1_list_has_token(struct http1_slice value, const char *token)
{
	struct http1_slice m;
	size_t pos = 0;

	while (http1_list_next(value, &pos, &m))
		if (http1_slice_eq_ci(m, token))
			return true;
	return false;
}

const struct http1_header *http1_find_header(const struct http1_header *headers, size_t n,
					     const char *name)
{
	struct http1_slice want = { name, strlen(name) };

	for (size_t i = 0; i < n; i++)
		if (slices_eq_ci(headers[i].name, want))
			return &headers[i];
	return NULL;
}

/* Shared by the request and response variants. */
static bool hop_by_hop(const struct http1_slice *conn, size_t n, struct http1_slice name)
{
	static const char *const fixed[] = {
		"connection", "keep-alive", "proxy-connection", "te", "upgrade",
		"transfer-encoding", "content-length",
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (http1_slice_eq_ci(name, fixed[i]))
			return true;
	/* "Connection: host" must not strip the field the backend routes on. */
	if (http1_slice_eq_ci(name, "host"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (slices_eq_ci(conn[i], name))
			return true;
	return false;
}

bool http1_is_hop_by_hop(const struct http1_request *req, struct http1_slice name)
{
	return hop_by_hop(req->connection, req->n_connection, name);
}

bool http1_response_is_hop_by_hop(const struct http1_response *resp, struct http1_slice name)
{
	return hop_by_hop(resp->connection, resp->n_connection, name);
}

const char *http1_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 103: return "Early Hints";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

int http1_write_error(char *buf, size_t size, int status, unsigned flags)
{
	const char *reason = http1_reason(status);
	char body[96];
	int blen, n;

	if (status < 100 || status > 999)
		status = 500, reason = http1_reason(500);
	blen = snprintf(body, sizeof(body), "%d %s\n", status, reason);
	n = snprintf(buf, size,
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: text/plain\r\n"
		     "Content-Length: %d\r\n"
		     "%s"
		     "\r\n"
		     "%s",
		     status, reason, blen,
		     (flags & HTTP1_ERROR_KEEP_ALIVE) ? "" : "Connection: close\r\n",
		     (flags & HTTP1_ERROR_NO_BODY) ? "" : body);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}
