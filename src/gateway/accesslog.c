/*
 * accesslog.c - access log lines of the gateway workers; see accesslog.h.
 * Formatting is pure and escapes everything a client controls; writing is
 * one write() per line on an O_APPEND descriptor, so lines of concurrent
 * workers never interleave.
 */
#include "gateway/accesslog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Room kept free at the end of a line for the fields after a long one. */
#define ACCESSLOG_TAIL 160

struct line {
	char *buf;
	size_t size, len;   /* len < size always; buf[len] is kept a NUL */
};

/* Append printf output, cut at the end of the buffer. */
static void __attribute__((format(printf, 2, 3))) line_printf(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	l->len += (size_t)n < l->size - l->len ? (size_t)n : l->size - l->len - 1;
}

/* Append P (N bytes) quoted and escaped, leaving RESERVE bytes free; "-"
 * when absent. */
static void line_quoted(struct line *l, const char *p, size_t n, size_t reserve)
{
	static const char hex[] = "0123456789abcdef";

	if (!p) {
		line_printf(l, "\"-\"");
		return;
	}
	line_printf(l, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (l->len + 4 + 1 + reserve >= l->size)
			break;
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
			l->buf[l->len++] = '\\';
			l->buf[l->len++] = 'x';
			l->buf[l->len++] = hex[c >> 4];
			l->buf[l->len++] = hex[c & 15];
		} else {
			l->buf[l->len++] = (char)c;
		}
	}
	l->buf[l->len] = '\0';
	line_printf(l, "\"");
}

/* Format an entry; see accesslog.h. */
size_t accesslog_format(const struct accesslog_entry *e, char *buf, size_t size)
{
	struct line l = { buf, size, 0 };
	size_t share = size > 4 * ACCESSLOG_TAIL ? (size - 2 * ACCESSLOG_TAIL) / 4 : 16;
	char when[64];
	struct tm tm;

	buf[0] = '\0';
	localtime_r(&e->when, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S %z", &tm);
	line_printf(&l, "%s - - [%s] ", e->client ? e->client : "-", when);
	/* The request line may take the room of the fields that are short. */
	line_quoted(&l, e->request, e->request_len, 3 * share + ACCESSLOG_TAIL);
	line_printf(&l, " %d %" PRIu64 " ", e->status, e->bytes);
	line_quoted(&l, e->referer, e->referer_len, 2 * share + ACCESSLOG_TAIL);
	line_printf(&l, " ");
	line_quoted(&l, e->user_agent, e->user_agent_len, share + ACCESSLOG_TAIL);
	line_printf(&l, " ");
	line_quoted(&l, e->host, e->host_len, ACCESSLOG_TAIL);
	line_printf(&l, " %s", e->upstream ? e->upstream : "-");
	if (e->upstream_status > 0)
		line_printf(&l, " %d", e->upstream_status);
	else
		line_printf(&l, " -");
	line_printf(&l, " %" PRIu64 ".%03" PRIu64, e->request_ms / 1000, e->request_ms % 1000);
	if (e->upstream_ms >= 0)
		line_printf(&l, " %" PRId64 ".%03" PRId64 "\n", e->upstream_ms / 1000, e->upstream_ms % 1000);
	else
		line_printf(&l, " -\n");
	/* A cut line still ends the record. */
	if (l.len > 0 && buf[l.len - 1] != '\n')
		buf[l.len - 1] = '\n';
	return l.len;
}

/* Write one line; see accesslog.h. */
int accesslog_write(int fd, const struct accesslog_entry *e)
{
	char buf[ACCESSLOG_LINE_MAX];
	size_t n;

	if (fd < 0)
		return 0;
	n = accesslog_format(e, buf, sizeof(buf));
	/* One write() on O_APPEND: the line lands whole after any other worker's. */
	if (write(fd, buf, n) < 0)
		return -errno;
	return 0;
}
