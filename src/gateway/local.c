/*
 * local.c - responses the gateway makes itself: errors (from http1's
 * writer, with Retry-After, HSTS and keep-alive added), the HTTP -> HTTPS
 * redirect, and ACME http-01 challenge files from the webroot, opened
 * beneath it only (openat2 RESOLVE_BENEATH) with a strict token alphabet.
 */
#include "gateway/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

#define ACME_PREFIX "/.well-known/acme-challenge/"
#define ACME_TOKEN_MAX 255

/* Start sending the response with STATUS now in C->hb. */
static int local_send(struct conn *c, int status)
{
	c->hb_to_client = true;
	c->state = CS_LOCAL;
	c->resp.status = status;
	if (c->log) {
		const char *end = memmem(c->hb.data, c->hb.end, "\r\n\r\n", 4);

		c->log->status = status;
		c->log->bytes = end ? c->hb.end - (size_t)(end + 4 - c->hb.data) : 0;
	}
	return 1;
}

/* Whether the connection stays open after a local answer. */
static bool local_keep(struct conn *c, bool can_keep)
{
	/* An unread body would be taken for the next request: never keep. */
	bool no_body = c->req.body.kind == HTTP1_BODY_NONE ||
		       (c->req.body.kind == HTTP1_BODY_LENGTH && c->req.body.remaining == 0);
	bool keep = can_keep && no_body && c->req.keep_alive && !c->close_after &&
		    !c->w->draining;

	if (!keep)
		c->close_after = true;
	return keep;
}

/* Insert the NUL-terminated header lines EXTRA after the status line of
 * the LEN-byte response in BUF (SIZE bytes).  Returns the new length or -1. */
static int local_splice(char *buf, size_t len, size_t size, const char *extra)
{
	char *eol = memmem(buf, len, "\r\n", 2);
	size_t n = strlen(extra), at;

	if (!eol || len + n > size)
		return -1;
	at = (size_t)(eol - buf) + 2;
	memmove(buf + at + n, buf + at, len - at);
	memcpy(buf + at, extra, n);
	return (int)(len + n);
}

/* Header lines every local response of C carries. */
static void local_common_fields(struct conn *c, bool keep, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	if (keep && c->req.minor == 0)
		n += (size_t)snprintf(out + n, size - n, "Connection: keep-alive\r\n");
	if (c->tls && c->w->set.hsts > 0 && n < size)
		snprintf(out + n, size - n, "Strict-Transport-Security: max-age=%" PRIu64 "\r\n",
			 c->w->set.hsts);
}

/* Answer STATUS with the gateway's error page; see worker.h. */
int local_error(struct conn *c, int status, bool can_keep)
{
	char extra[256];
	size_t n;
	int len;
	bool keep;

	if (buf_get(c->w, &c->hb) < 0)
		return -1;
	keep = local_keep(c, can_keep);
	len = http1_write_error(c->hb.data, GW_BUF_SIZE, status,
				(keep ? HTTP1_ERROR_KEEP_ALIVE : 0) |
				(c->req.head_method ? HTTP1_ERROR_NO_BODY : 0));
	if (len < 0)
		return -1;
	local_common_fields(c, keep, extra, sizeof(extra));
	n = strlen(extra);
	if (status == 503)
		snprintf(extra + n, sizeof(extra) - n, "Retry-After: %d\r\n", GW_RETRY_AFTER);
	len = local_splice(c->hb.data, (size_t)len, GW_BUF_SIZE, extra);
	if (len < 0)
		return -1;
	c->hb.start = 0;
	c->hb.end = (size_t)len;
	return local_send(c, status);
}

/* 308 to the same host and path over HTTPS; see worker.h. */
int local_redirect(struct conn *c, struct http1_slice host, struct http1_slice path)
{
	static const char body[] = "308 Permanent Redirect\n";
	char port[16] = "", extra[256];
	bool keep;
	int len;

	if (buf_get(c->w, &c->hb) < 0)
		return -1;
	keep = local_keep(c, true);
	if (c->w->https_port != 443)
		snprintf(port, sizeof(port), ":%u", c->w->https_port);
	/* "OPTIONS *" has no path to keep. */
	if (path.n == 1 && path.p[0] == '*')
		path = (struct http1_slice){ "/", 1 };
	local_common_fields(c, keep, extra, sizeof(extra));
	/* The parser let no byte outside 0x21..0x7e into the path or host:
	 * nothing can break the Location line. */
	len = snprintf(c->hb.data, GW_BUF_SIZE,
		       "HTTP/1.1 308 Permanent Redirect\r\nLocation: https://%.*s%s%.*s\r\n"
		       "Content-Type: text/plain\r\nContent-Length: %zu\r\n%s%s\r\n%s",
		       (int)host.n, host.p, port, (int)path.n, path.p, sizeof(body) - 1,
		       keep ? "" : "Connection: close\r\n", extra, c->req.head_method ? "" : body);
	if (len < 0 || (size_t)len >= GW_BUF_SIZE)
		return local_error(c, 414, false);
	c->hb.start = 0;
	c->hb.end = (size_t)len;
	return local_send(c, 308);
}

/* Whether PATH asks for an ACME http-01 challenge. */
bool local_is_acme(struct http1_slice path)
{
	size_t n = sizeof(ACME_PREFIX) - 1;

	return path.n > n && memcmp(path.p, ACME_PREFIX, n) == 0;
}

/* Open the challenge file TOKEN beneath the webroot: no "..", no absolute
 * path, no symlink out of it, no magic link. */
static int local_acme_open(int root, const char *token)
{
	char rel[sizeof(ACME_PREFIX) + ACME_TOKEN_MAX + 1];
	struct open_how how;

	snprintf(rel, sizeof(rel), "%s%s", &ACME_PREFIX[1], token);
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
}

/* Serve a challenge file from the ACME webroot; see worker.h. */
int local_acme(struct conn *c, const struct http1_request *req)
{
	struct http1_slice path = req->path;
	size_t n = sizeof(ACME_PREFIX) - 1, tlen = 0;
	char token[ACME_TOKEN_MAX + 1], extra[256];
	cleanup_close int fd = -1;
	struct stat st;
	bool keep;
	int len;

	if (!(req->method.n == 3 && memcmp(req->method.p, "GET", 3) == 0) && !c->req.head_method)
		return local_error(c, 405, true);
	/* base64url tokens (RFC 8555 8.3) only; the query is ignored. */
	for (size_t i = n; i < path.n && path.p[i] != '?'; i++) {
		char ch = path.p[i];

		if (tlen == ACME_TOKEN_MAX ||
		    !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return local_error(c, 404, true);
		token[tlen++] = ch;
	}
	token[tlen] = '\0';
	if (tlen == 0 || c->w->acme_fd < 0)
		return local_error(c, 404, true);
	fd = local_acme_open(c->w->acme_fd, token);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > GW_ACME_MAX)
		return local_error(c, 404, true);
	if (buf_get(c->w, &c->hb) < 0)
		return -1;
	keep = local_keep(c, true);
	local_common_fields(c, keep, extra, sizeof(extra));
	len = snprintf(c->hb.data, GW_BUF_SIZE,
		       "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
		       "Content-Length: %lld\r\n%s%s\r\n",
		       (long long)st.st_size, keep ? "" : "Connection: close\r\n", extra);
	if (len < 0 || (size_t)len + GW_ACME_MAX > GW_BUF_SIZE)
		return -1;
	if (!c->req.head_method) {
		/* A regular file of at most GW_ACME_MAX bytes: one read is
		 * short only if it changed meanwhile, then the length lies. */
		ssize_t got = pread(fd, c->hb.data + len, (size_t)st.st_size, 0);

		if (got != (ssize_t)st.st_size)
			return local_error(c, 404, true);
		len += (int)got;
	}
	c->hb.start = 0;
	c->hb.end = (size_t)len;
	return local_send(c, 200);
}
