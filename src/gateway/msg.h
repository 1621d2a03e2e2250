/*
 * msg.h - messages on the gateway's control channels: daemon -> master over
 * the spawn socketpair, master -> each worker over its own socketpair.
 *
 * Framing is common/ctl.h's (4-byte big-endian length, then the payload).
 * A message is one or more frames whose payload starts with the message type
 * and a continuation byte: '+' when more frames of the same message follow,
 * '.' on its last frame; the rest of each payload is the message's bytes.
 * So a message may exceed CTL_FRAME_MAX (route tables do).
 *
 * Types:
 *   MSG_ROUTES   routes_render() text (daemon -> master -> workers)
 *   MSG_SETTINGS settings_render() text: reload with these settings (daemon -> master)
 *   MSG_DRAIN    "BOUND_MS" or "BOUND_MS close-idle": stop accepting, finish
 *                connections within the bound, exit (master -> worker)
 */
#ifndef PISTACK_GATEWAY_MSG_H
#define PISTACK_GATEWAY_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

enum msg_type { MSG_ROUTES = 'r', MSG_SETTINGS = 's', MSG_DRAIN = 'd' };

/* Reassembles messages from a byte stream; zero it (or msg_reader_init) first. */
struct msg_reader {
	size_t max;                 /* longest message accepted */
	unsigned char hdr[4];
	size_t hdr_got;
	long frame_len;             /* -1 while reading a header */
	size_t frame_got;
	char frame_type;            /* type byte of the current frame, 0 = not yet read */
	char cont;                  /* its continuation byte */
	char type;                  /* type of the message being assembled, 0 = none */
	char *msg;                  /* its bytes so far (NUL-terminated), malloc'd */
	size_t msg_len, msg_cap;
	bool done;                  /* a whole message is in msg/msg_len */
	char in[8192];              /* msg_read(): bytes read but not fed yet */
	size_t in_off, in_len;
};

void msg_reader_init(struct msg_reader *r, size_t max);
void msg_reader_release(struct msg_reader *r);

/* Feed LEN bytes; stops after a complete message.  Returns the bytes
 * consumed (the caller feeds the rest after taking the message), or -EPROTO
 * for a malformed frame or a continuation of another type, -EMSGSIZE past
 * MAX or CTL_FRAME_MAX, -ENOMEM.  Pure: no I/O. */
long msg_reader_feed(struct msg_reader *r, const char *buf, size_t len);

/* With r->done: hand over the message (*TYPE, *DATA malloc'd and
 * NUL-terminated, *LEN) and reset for the next one. */
void msg_reader_take(struct msg_reader *r, char *type, char **data, size_t *len);

/* Read what FD has (non-blocking) into R until a message is complete or FD
 * would block.  Returns 1 with a message ready (leftover bytes are kept in
 * R), 0 when FD would block, -EPIPE at end of stream, or another -errno.
 * Bytes beyond the first complete message are kept for the next call. */
int msg_read(struct msg_reader *r, int fd);

/* Send message TYPE with LEN bytes of DATA over FD (blocking, or with a
 * send timeout set), as as many frames as needed.  Returns 0 or -errno. */
int msg_send(int fd, char type, const void *data, size_t len, struct error *err);

#endif
