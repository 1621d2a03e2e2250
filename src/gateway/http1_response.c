/*
 * http1_response.c - parser for HTTP/1.x response heads from upstream
 * services, deciding how the body is delimited (RFC 9112 6.3).  Anything the
 * gateway could misframe is refused with 502 instead of forwarded.
 */
#include <string.h>

#include "gateway/http1.h"
#include "gateway/http1_internal.h"

/* Parse "HTTP/1.x SP 3DIGIT [SP reason]" of N bytes at LINE. */
static bool parse_status_line(const char *line, size_t n, struct http1_response *resp)
{
	if (n < 12 || memcmp(line, "HTTP/1.", 7) != 0 || !http1_is((unsigned char)line[7], H1_DIGIT) ||
	    line[8] != ' ')
		return false;
	resp->minor = line[7] == '0' ? 0 : 1;
	for (int i = 9; i < 12; i++)
		if (!http1_is((unsigned char)line[i], H1_DIGIT))
			return false;
	resp->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	if (resp->status < 100 || resp->status > 599)
		return false;
	/* Many servers omit the SP before an empty reason: accepted. */
	if (n > 12 && line[12] != ' ')
		return false;
	for (size_t i = 13; i < n; i++)
		if (!http1_is((unsigned char)line[i], H1_FVAL))
			return false;
	resp->reason = n > 13 ? (struct http1_slice){ line + 13, n - 13 }
			      : (struct http1_slice){ line + n, 0 };
	return true;
}

/* http1_start_line_fn for responses. */
static int status_line(char *buf, size_t start, size_t end, void *arg)
{
	char *line;
	size_t n;

	if (!http1_next_line(buf, &start, end, false, &line, &n) || !parse_status_line(line, n, arg))
		return -502;
	return 0;
}

/* Decide body framing and connection reuse.  0 or -502. */
static int response_semantics(struct http1_response *resp, bool request_was_head)
{
	struct http1_framing f;
	int s = resp->status;

	if (!http1_connection_collect(resp->headers, resp->n_headers, resp->connection,
				      &resp->n_connection))
		return -502;
	if (resp->minor == 1)
		resp->keep_alive = !http1_tokens_have(resp->connection, resp->n_connection, "close");
	else
		resp->keep_alive =
			http1_tokens_have(resp->connection, resp->n_connection, "keep-alive") &&
			!http1_tokens_have(resp->connection, resp->n_connection, "close");
	resp->upgrade = s == 101;

	http1_framing_collect(resp->headers, resp->n_headers, &f);
	/* Validated even where it frames nothing: for HEAD and 304 it is the
	 * size a GET would get, and the proxy forwards it. */
	if (f.has_cl && !f.cl_valid)
		return -502;
	if ((s >= 100 && s < 200) || s == 204 || s == 304 || request_was_head) {
		/* RFC 9112 6.3 rule 1: whatever the fields say, no body. */
		resp->body = HTTP1_BODY_NONE;
		resp->content_length = f.content_length;
		return 0;
	}
	if (f.has_te) {
		/* RFC 9112 6.1: an HTTP/1.0 message with TE has faulty framing;
		 * its end is the connection's end. */
		if (resp->minor == 0) {
			resp->body = HTTP1_BODY_CLOSE;
			resp->keep_alive = false;
			return 0;
		}
		/* Allowed (TE overrides) but a sign of a confused or hostile
		 * upstream: refused, like requests. */
		if (f.has_cl || !f.te_valid || f.te_chunked > 1)
			return -502;
		if (f.te_last_chunked) {
			resp->body = HTTP1_BODY_CHUNKED;
		} else {
			resp->body = HTTP1_BODY_CLOSE;
			resp->keep_alive = false;
		}
		return 0;
	}
	if (f.has_cl) {
		if (!f.cl_valid)
			return -502;
		resp->body = HTTP1_BODY_LENGTH;
		resp->content_length = f.content_length;
		return 0;
	}
	resp->body = HTTP1_BODY_CLOSE;
	resp->keep_alive = false;
	return 0;
}

int http1_parse_response(char *buf, size_t len, bool request_was_head,
			 struct http1_response *resp)
{
	struct http1_scan s;
	char *line;
	size_t pos, n;
	int r;

	memset(resp, 0, sizeof(*resp));
	r = http1_scan_head(buf, len, false, status_line, resp, &s);
	if (r <= 0)
		return r;
	/* The status line was parsed by status_line(). */
	pos = s.start;
	if (!http1_next_line(buf, &pos, s.end, false, &line, &n))
		return -502;
	for (;;) {
		if (!http1_next_line(buf, &pos, s.end, false, &line, &n))
			return -502;
		if (n == 0)
			break;
		if (!http1_parse_field_line(line, n, &resp->headers[resp->n_headers]))
			return -502;
		resp->n_headers++;
	}
	r = response_semantics(resp, request_was_head);
	if (r < 0)
		return r;
	resp->head_len = s.end;
	return (int)s.end;
}
