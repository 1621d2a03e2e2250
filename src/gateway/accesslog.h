/*
 * accesslog.h - one line per request in the combined log format, plus the
 * host, the upstream and timings:
 *
 *   CLIENT - - [TIME] "REQUEST" STATUS BYTES "REFERER" "USER_AGENT" "HOST" UPSTREAM USTATUS RT URT
 *
 * UPSTREAM is ADDR:PORT or "-"; USTATUS the upstream's status or "-"; RT the
 * request time and URT the upstream's response time (first byte of its
 * head), in seconds with milliseconds, "-" when there was no upstream.
 * Quoted fields escape '"', '\\' and bytes outside 0x20..0x7e as \xHH, so a
 * line can never be split or forged by what a client sends.  Each worker
 * writes whole lines with one write() to a file opened O_APPEND.
 */
#ifndef PISTACK_GATEWAY_ACCESSLOG_H
#define PISTACK_GATEWAY_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ACCESSLOG_LINE_MAX 4096

struct accesslog_entry {
	const char *client;                 /* address text */
	time_t when;                        /* when the request head arrived */
	const char *request;                /* request line (raw bytes), may be NULL */
	size_t request_len;
	int status;
	uint64_t bytes;                     /* body bytes sent to the client */
	const char *referer, *user_agent, *host;   /* raw bytes, may be NULL */
	size_t referer_len, user_agent_len, host_len;
	const char *upstream;               /* "ADDR:PORT" or NULL */
	int upstream_status;                /* 0 = none */
	uint64_t request_ms;
	int64_t upstream_ms;                /* -1 = none */
};

/* Format E as one line ending in '\n' into BUF (SIZE >= 256; long fields are
 * cut).  Returns the length.  Pure. */
size_t accesslog_format(const struct accesslog_entry *e, char *buf, size_t size);

/* Write E to FD (skipped when FD < 0) with one write(); returns 0 or -errno. */
int accesslog_write(int fd, const struct accesslog_entry *e);

#endif
