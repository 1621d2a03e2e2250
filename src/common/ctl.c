/*
 * ctl.c - the control protocol of ctl.h: pure framing and request parsing
 * (the daemon runs them on bytes from any local root process, so they trust
 * nothing), plus the client's blocking send of a request and read of a reply.
 */
#include "common/ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/cleanup.h"

/* Parse a request payload into ARGV; see ctl.h. */
int ctl_parse_request(const char *payload, size_t len, char **argv, struct error *err)
{
	size_t off = 0;
	int argc = 0;

	if (len == 0)
		return error_set(err, 0, "read the control request: it is empty");
	if (len > CTL_FRAME_MAX)
		return error_set(err, 0, "read the control request: %zu bytes, more than %d", len,
				 CTL_FRAME_MAX);
	/* The last byte must end the last argument, so every string below is
	 * terminated inside the payload and no strlen() can run past it. */
	if (payload[len - 1] != '\0')
		return error_set(err, 0, "read the control request: its last argument is not terminated");
	while (off < len) {
		const char *arg = payload + off;
		size_t n = strlen(arg);

		if (argc == CTL_ARGS_MAX)
			return error_set(err, 0, "read the control request: more than %d arguments",
					 CTL_ARGS_MAX);
		argv[argc++] = (char *)arg;
		off += n + 1;
	}
	argv[argc] = NULL;
	if (argv[0][0] == '\0')
		return error_set(err, 0, "read the control request: the command is empty");
	return argc;
}

/* Encode ARGV as a request payload; see ctl.h. */
int ctl_encode_request(char *const *argv, char *buf, size_t size)
{
	size_t off = 0;
	int argc;

	for (argc = 0; argv[argc]; argc++) {
		size_t n = strlen(argv[argc]) + 1;

		if (argc == CTL_ARGS_MAX || n > size - off || n > CTL_FRAME_MAX - off)
			return -E2BIG;
		memcpy(buf + off, argv[argc], n);
		off += n;
	}
	/* An empty argv would encode to the empty payload the daemon refuses. */
	if (argc == 0)
		return -EINVAL;
	return (int)off;
}

/* The length a frame header announces; see ctl.h. */
long ctl_frame_length(const unsigned char header[4])
{
	uint32_t len = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 |
		       (uint32_t)header[2] << 8 | (uint32_t)header[3];

	if (len > CTL_FRAME_MAX)
		return -EMSGSIZE;
	return (long)len;
}

/* Write the big-endian header of a LEN-byte frame. */
void ctl_frame_header(unsigned char header[4], uint32_t len)
{
	header[0] = (unsigned char)(len >> 24);
	header[1] = (unsigned char)(len >> 16);
	header[2] = (unsigned char)(len >> 8);
	header[3] = (unsigned char)len;
}

/* Send the request ARGV, FDS riding on its first byte; see ctl.h. */
int ctl_send_request(int sock, char *const *argv, const int *fds, int n_fds, struct error *err)
{
	cleanup_free char *frame = malloc(4 + CTL_FRAME_MAX);
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * CTL_FDS_MAX)];
	} control;
	struct iovec iov;
	struct msghdr msg;
	size_t off = 0, total;
	int len;

	if (!frame)
		return error_set(err, ENOMEM, "send the control request '%s'", argv[0] ? argv[0] : "");
	if (n_fds < 0 || n_fds > CTL_FDS_MAX)
		return error_set(err, EINVAL, "send the control request '%s'", argv[0] ? argv[0] : "");
	len = ctl_encode_request(argv, frame + 4, CTL_FRAME_MAX);
	if (len < 0)
		return error_set(err, -len, "encode the control request '%s'", argv[0] ? argv[0] : "");
	ctl_frame_header((unsigned char *)frame, (uint32_t)len);
	total = 4 + (size_t)len;
	memset(&msg, 0, sizeof(msg));
	if (n_fds > 0) {
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n_fds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n_fds);
	}
	while (off < total) {
		ssize_t n;

		iov.iov_base = frame + off;
		iov.iov_len = total - off;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		/* MSG_NOSIGNAL: a daemon gone away is an error to report, not SIGPIPE. */
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_set(err, errno, "send the control request '%s'", argv[0]);
		}
		off += (size_t)n;
		/* The descriptors went with the first bytes; never send them twice. */
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	return 0;
}

/* Keep the first descriptor of MSG's SCM_RIGHTS in *FD (when -1); close the others. */
static void ctl_take_fds(struct msghdr *msg, int *fd)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int one;

			memcpy(&one, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = one;
			else
				close(one);
		}
	}
}

/* Read exactly LEN bytes of socket FD, and the first descriptor that comes
 * with them into *PASSED (which stays as it is without one); 0, -ECONNRESET
 * at end of stream, or -errno.  recvmsg(), not read(): read() would drop
 * (close) a descriptor riding on the bytes. */
static int ctl_read_full(int fd, void *buf, size_t len, int *passed)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * CTL_FDS_MAX)];
	} control;
	size_t off = 0;

	while (off < len) {
		struct iovec iov = { .iov_base = (char *)buf + off, .iov_len = len - off };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control.buf, .msg_controllen = sizeof(control.buf)
		};
		ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);

		if (n >= 0)
			ctl_take_fds(&msg, passed);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		off += (size_t)n;
	}
	return 0;
}

/* Write all of BUF to FD; 0 or -errno. */
static int ctl_write_full(int fd, const void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, (const char *)buf + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)n;
	}
	return 0;
}

/* The status of an 'x' payload ("0".."255"), or -EPROTO. */
static int ctl_parse_status(const char *s, size_t len)
{
	int status = 0;

	if (len == 0 || len > 3)
		return -EPROTO;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EPROTO;
		status = status * 10 + (s[i] - '0');
	}
	return status <= 255 ? status : -EPROTO;
}

/* Relay reply frames until 'x'; see ctl.h. */
int ctl_read_reply(int sock, int out_fd, int err_fd, int *pty)
{
	cleanup_free char *payload = malloc(CTL_FRAME_MAX);

	if (!payload)
		return -ENOMEM;
	for (;;) {
		unsigned char header[4];
		cleanup_close int passed = -1;
		long len;
		int r;

		/* The daemon attaches a descriptor to the header of its 'p' frame;
		 * one on any other frame is closed with it. */
		r = ctl_read_full(sock, header, sizeof(header), &passed);
		if (r < 0)
			return r;
		len = ctl_frame_length(header);
		/* A reply frame holds at least its type byte. */
		if (len <= 0)
			return len < 0 ? len : -EPROTO;
		r = ctl_read_full(sock, payload, (size_t)len, &passed);
		if (r < 0)
			return r;
		switch (payload[0]) {
		case CTL_PTY:
			/* Unasked for, or empty: the daemon is not the one we speak to. */
			if (!pty || passed < 0 || len != 1)
				return -EPROTO;
			*pty = passed;
			passed = -1;
			return CTL_REPLY_FD;
		case CTL_OUT:
		case CTL_ERR:
			r = ctl_write_full(payload[0] == CTL_OUT ? out_fd : err_fd, payload + 1,
					   (size_t)len - 1);
			if (r < 0)
				return r;
			break;
		case CTL_EXIT:
			return ctl_parse_status(payload + 1, (size_t)len - 1);
		default:
			/* Unknown types are for newer clients: skip them. */
			break;
		}
	}
}
