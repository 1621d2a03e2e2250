/*
 * msg.c - framed messages on the gateway's control channels; see msg.h.
 * The reader is a pure byte-stream state machine (fuzzed and unit-tested);
 * msg_read() and msg_send() are the only I/O.
 */
#include "gateway/msg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/ctl.h"

/* Prepare R for messages of at most MAX bytes. */
void msg_reader_init(struct msg_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
	r->frame_len = -1;
}

/* Free what R holds. */
void msg_reader_release(struct msg_reader *r)
{
	free(r->msg);
	r->msg = NULL;
	r->msg_len = r->msg_cap = 0;
}

/* Append N bytes to the message being assembled. */
static int msg_append(struct msg_reader *r, const char *p, size_t n)
{
	if (n > r->max - r->msg_len)
		return -EMSGSIZE;
	if (r->msg_len + n + 1 > r->msg_cap) {
		size_t cap = r->msg_cap ? r->msg_cap : 256;
		char *m;

		while (cap < r->msg_len + n + 1)
			cap *= 2;
		m = realloc(r->msg, cap);
		if (!m)
			return -ENOMEM;
		r->msg = m;
		r->msg_cap = cap;
	}
	memcpy(r->msg + r->msg_len, p, n);
	r->msg_len += n;
	r->msg[r->msg_len] = '\0';
	return 0;
}

/* Feed bytes; see msg.h. */
long msg_reader_feed(struct msg_reader *r, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len && !r->done) {
		if (r->frame_len < 0) {
			r->hdr[r->hdr_got++] = (unsigned char)buf[off++];
			if (r->hdr_got < 4)
				continue;
			r->hdr_got = 0;
			r->frame_len = ctl_frame_length(r->hdr);
			if (r->frame_len < 0)
				return -EMSGSIZE;
			/* Type and continuation bytes are mandatory. */
			if (r->frame_len < 2)
				return -EPROTO;
			r->frame_got = 0;
			r->frame_type = 0;
			continue;
		}
		if (r->frame_got == 0) {
			r->frame_type = buf[off++];
			r->frame_got = 1;
			/* A continuation must carry the type it continues. */
			if (r->frame_type == 0 || (r->type && r->frame_type != r->type))
				return -EPROTO;
			r->type = r->frame_type;
			if (!r->msg && msg_append(r, "", 0) < 0)
				return -ENOMEM;
			continue;
		}
		if (r->frame_got == 1) {
			r->cont = buf[off++];
			r->frame_got = 2;
			if (r->cont != '+' && r->cont != '.')
				return -EPROTO;
		} else {
			size_t want = (size_t)r->frame_len - r->frame_got, n = len - off;
			int e;

			if (n > want)
				n = want;
			e = msg_append(r, buf + off, n);
			if (e < 0)
				return e;
			off += n;
			r->frame_got += n;
		}
		if (r->frame_got == (size_t)r->frame_len) {
			r->frame_len = -1;
			if (r->cont == '.')
				r->done = true;
		}
	}
	return (long)off;
}

/* Hand over a complete message; see msg.h. */
void msg_reader_take(struct msg_reader *r, char *type, char **data, size_t *len)
{
	*type = r->type;
	*data = r->msg;
	*len = r->msg_len;
	r->msg = NULL;
	r->msg_len = r->msg_cap = 0;
	r->type = 0;
	r->done = false;
}

/* Read from FD until a message is complete; see msg.h. */
int msg_read(struct msg_reader *r, int fd)
{
	for (;;) {
		if (r->in_off < r->in_len) {
			long n = msg_reader_feed(r, r->in + r->in_off, r->in_len - r->in_off);
			if (n < 0)
				return (int)n;
			r->in_off += (size_t)n;
		}
		if (r->done)
			return 1;
		ssize_t got = read(fd, r->in, sizeof(r->in));
		if (got == 0)
			return -EPIPE;
		if (got < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno == EINTR ? 0 : -errno;
		r->in_off = 0;
		r->in_len = (size_t)got;
	}
}

/* Write all of IOV (blocking, or bounded by a send timeout). */
static int msg_write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Send a message as frames; see msg.h. */
int msg_send(int fd, char type, const void *data, size_t len, struct error *err)
{
	const char *p = data;
	const size_t chunk_max = CTL_FRAME_MAX - 2;

	do {
		size_t n = len < chunk_max ? len : chunk_max;
		unsigned char hdr[4];
		char tc[2] = { type, n == len ? '.' : '+' };
		struct iovec iov[3] = {
			{ hdr, sizeof(hdr) }, { tc, sizeof(tc) }, { (void *)p, n },
		};
		int e;

		ctl_frame_header(hdr, (uint32_t)(n + 2));
		e = msg_write_all(fd, iov, n ? 3 : 2);
		if (e < 0)
			return error_set(err, -e, "send the gateway message '%c'", type);
		p += n;
		len -= n;
	} while (len > 0);
	return 0;
}
