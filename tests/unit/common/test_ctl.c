/*
 * test_ctl.c - unit tests of src/common/ctl.c: frame headers, request parsing
 * and encoding with hostile input at the exact limits, and the client's
 * send/read over a socketpair (descriptors included).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/ctl.h"
#include "test.h"

/* A heap copy of LEN bytes, exactly sized so ASan sees any read past it. */
static char *ctl_test_copy(const void *p, size_t len)
{
	char *s = malloc(len ? len : 1);

	if (!s)
		abort();
	if (len)
		memcpy(s, p, len);
	return s;
}

/* An argv array of exactly CTL_ARGS_MAX + 1 slots, on the heap for ASan. */
static char **ctl_test_argv(void)
{
	char **argv = calloc(CTL_ARGS_MAX + 1, sizeof(*argv));

	if (!argv)
		abort();
	return argv;
}

/* Parse LEN bytes of P from an exact heap copy; ARGV must be ctl_test_argv(). */
static int ctl_test_parse(const void *p, size_t len, char **argv, struct error *err)
{
	char *copy = ctl_test_copy(p, len);
	int r = ctl_parse_request(copy, len, argv, err);

	/* ARGV points into COPY: the callers check it before we free. */
	if (r >= 0)
		for (int i = 0; i < r; i++)
			argv[i] = argv[i] ? strdup(argv[i]) : NULL;
	free(copy);
	return r;
}

/* Free what ctl_test_parse() duplicated. */
static void ctl_test_free_args(char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
}

/* A payload of N arguments "a".."a". */
static char *ctl_test_many_args(int n, size_t *len)
{
	char *p = malloc((size_t)n * 2);

	if (!p)
		abort();
	for (int i = 0; i < n; i++) {
		p[2 * i] = 'a';
		p[2 * i + 1] = '\0';
	}
	*len = (size_t)n * 2;
	return p;
}

TEST(ctl_parse_simple)
{
	char **argv = ctl_test_argv();
	struct error err;
	int argc = ctl_test_parse("start\0web\0db\0", 13, argv, &err);

	CHECK_INT(argc, 3);
	CHECK_STR(argv[0], "start");
	CHECK_STR(argv[1], "web");
	CHECK_STR(argv[2], "db");
	CHECK(argv[3] == NULL);
	ctl_test_free_args(argv, argc);
	free(argv);
}

TEST(ctl_parse_command_only)
{
	char **argv = ctl_test_argv();
	struct error err;
	int argc = ctl_test_parse("down", 5, argv, &err);

	CHECK_INT(argc, 1);
	CHECK_STR(argv[0], "down");
	CHECK(argv[1] == NULL);
	ctl_test_free_args(argv, argc);
	free(argv);
}

TEST(ctl_parse_empty_arguments_kept)
{
	/* `exec web printf ''`: an empty argument is data, not an error. */
	char **argv = ctl_test_argv();
	struct error err;
	int argc = ctl_test_parse("exec\0web\0printf\0\0", 17, argv, &err);

	CHECK_INT(argc, 4);
	CHECK_STR(argv[3], "");
	CHECK(argv[4] == NULL);
	ctl_test_free_args(argv, argc);
	free(argv);
}

TEST(ctl_parse_refuses_empty)
{
	char **argv = ctl_test_argv();
	struct error err;

	CHECK_INT(ctl_test_parse("", 0, argv, &err), -EINVAL);
	CHECK_STR(err.msg, "read the control request: it is empty");
	free(argv);
}

TEST(ctl_parse_refuses_missing_final_nul)
{
	char **argv = ctl_test_argv();
	struct error err;

	CHECK_INT(ctl_test_parse("start\0web", 9, argv, &err), -EINVAL);
	CHECK_STR(err.msg, "read the control request: its last argument is not terminated");
	CHECK_INT(ctl_test_parse("x", 1, argv, &err), -EINVAL);
	free(argv);
}

TEST(ctl_parse_refuses_empty_command)
{
	char **argv = ctl_test_argv();
	struct error err;

	CHECK_INT(ctl_test_parse("\0", 1, argv, &err), -EINVAL);
	CHECK_STR(err.msg, "read the control request: the command is empty");
	CHECK_INT(ctl_test_parse("\0\0\0\0", 4, argv, &err), -EINVAL);
	CHECK_INT(ctl_test_parse("\0start\0web\0", 11, argv, &err), -EINVAL);
	free(argv);
}

TEST(ctl_parse_argument_count_limit)
{
	char **argv = ctl_test_argv();
	struct error err;
	size_t len;
	char *p = ctl_test_many_args(CTL_ARGS_MAX, &len);
	int argc = ctl_test_parse(p, len, argv, &err);

	CHECK_INT(argc, CTL_ARGS_MAX);
	CHECK(argv[CTL_ARGS_MAX] == NULL);
	ctl_test_free_args(argv, argc);
	free(p);

	/* 257: refused before ARGV (257 slots) could overflow. */
	p = ctl_test_many_args(CTL_ARGS_MAX + 1, &len);
	CHECK_INT(ctl_test_parse(p, len, argv, &err), -EINVAL);
	CHECK_STR(err.msg, "read the control request: more than 256 arguments");
	free(p);

	/* Many NULs: each is an (empty) argument and counts. */
	p = calloc(1, 4096);
	p[0] = 's';
	CHECK_INT(ctl_test_parse(p, 4096, argv, &err), -EINVAL);
	free(p);
	free(argv);
}

TEST(ctl_parse_size_limit)
{
	char **argv = ctl_test_argv();
	struct error err;
	char *p = malloc(CTL_FRAME_MAX + 1);
	int argc;

	/* Exactly CTL_FRAME_MAX bytes: one long argument, accepted. */
	memset(p, 'x', CTL_FRAME_MAX + 1);
	p[CTL_FRAME_MAX - 1] = '\0';
	argc = ctl_test_parse(p, CTL_FRAME_MAX, argv, &err);
	CHECK_INT(argc, 1);
	CHECK_UINT(argv[0] ? strlen(argv[0]) : 0, CTL_FRAME_MAX - 1);
	ctl_test_free_args(argv, argc);

	/* One more byte is more than any frame can hold. */
	p[CTL_FRAME_MAX] = '\0';
	CHECK_INT(ctl_test_parse(p, CTL_FRAME_MAX + 1, argv, &err), -EINVAL);
	CHECK_CONTAINS(err.msg, "more than 65536");

	/* A whole frame without any NUL. */
	memset(p, 'x', CTL_FRAME_MAX);
	CHECK_INT(ctl_test_parse(p, CTL_FRAME_MAX, argv, &err), -EINVAL);
	free(p);
	free(argv);
}

TEST(ctl_parse_binary_bytes_pass_through)
{
	/* Bytes other than NUL are the verbs' to judge: the parser only splits. */
	static const char payload[] = "status\0\xff\xfe\n\r\t\x01\0--json\0";
	char **argv = ctl_test_argv();
	struct error err;
	int argc = ctl_test_parse(payload, sizeof(payload) - 1, argv, &err);

	CHECK_INT(argc, 3);
	CHECK_STR(argv[1], "\xff\xfe\n\r\t\x01");
	CHECK_STR(argv[2], "--json");
	ctl_test_free_args(argv, argc);
	free(argv);
}

TEST(ctl_frame_length_limits)
{
	unsigned char h[4];

	ctl_frame_header(h, 0);
	CHECK_INT(ctl_frame_length(h), 0);
	ctl_frame_header(h, 1);
	CHECK_INT(ctl_frame_length(h), 1);
	ctl_frame_header(h, CTL_FRAME_MAX);
	CHECK_INT(ctl_frame_length(h), CTL_FRAME_MAX);
	ctl_frame_header(h, CTL_FRAME_MAX + 1);
	CHECK_INT(ctl_frame_length(h), -EMSGSIZE);
	ctl_frame_header(h, 0x80000000u);  /* 2 GiB */
	CHECK_INT(ctl_frame_length(h), -EMSGSIZE);
	ctl_frame_header(h, 0xffffffffu);
	CHECK_INT(ctl_frame_length(h), -EMSGSIZE);
}

TEST(ctl_frame_header_big_endian)
{
	unsigned char h[4];
	static const unsigned char want[4] = { 0x00, 0x00, 0x01, 0x02 };
	static const unsigned char little[4] = { 0x02, 0x01, 0x00, 0x00 };
	static const unsigned char all[4] = { 0x01, 0x02, 0x03, 0x04 };

	ctl_frame_header(h, 0x0102u);
	CHECK(memcmp(h, want, 4) == 0);
	CHECK_INT(ctl_frame_length(want), 0x102);
	/* A little-endian 258, read big-endian, is 32 MiB: refused. */
	CHECK_INT(ctl_frame_length(little), -EMSGSIZE);
	ctl_frame_header(h, 0x01020304u);
	CHECK(memcmp(h, all, 4) == 0);
}

TEST(ctl_encode_round_trip)
{
	char *args[] = { "exec", "-i", "web", "sh", "-c", "echo ''", "", NULL };
	char **argv = ctl_test_argv();
	struct error err;
	char buf[128];
	int len = ctl_encode_request(args, buf, sizeof(buf)), argc;

	CHECK_INT(len, 5 + 3 + 4 + 3 + 3 + 8 + 1);
	argc = ctl_test_parse(buf, (size_t)len, argv, &err);
	CHECK_INT(argc, 7);
	for (int i = 0; i < 7 && i < argc; i++)
		CHECK_STR(argv[i], args[i]);
	ctl_test_free_args(argv, argc);
	free(argv);
}

TEST(ctl_encode_limits)
{
	char *args[] = { "start", "web", NULL };
	char *none[] = { NULL };
	char buf[10];
	char **many = calloc(CTL_ARGS_MAX + 2, sizeof(*many));
	char *big = malloc(CTL_FRAME_MAX + 1);
	char *out = malloc(2 * CTL_FRAME_MAX);
	char *two[] = { big, NULL };

	/* "start\0web\0" is 10 bytes: fits exactly, not in 9. */
	CHECK_INT(ctl_encode_request(args, buf, 10), 10);
	CHECK_INT(ctl_encode_request(args, buf, 9), -E2BIG);
	CHECK_INT(ctl_encode_request(args, buf, 0), -E2BIG);
	CHECK_INT(ctl_encode_request(none, buf, sizeof(buf)), -EINVAL);

	for (int i = 0; i < CTL_ARGS_MAX + 1; i++)
		many[i] = "a";
	CHECK_INT(ctl_encode_request(many, out, 2 * CTL_FRAME_MAX), -E2BIG);
	many[CTL_ARGS_MAX] = NULL;
	CHECK_INT(ctl_encode_request(many, out, 2 * CTL_FRAME_MAX), 2 * CTL_ARGS_MAX);

	/* The frame limit holds even with a bigger buffer. */
	memset(big, 'x', CTL_FRAME_MAX);
	big[CTL_FRAME_MAX] = '\0';
	CHECK_INT(ctl_encode_request(two, out, 2 * CTL_FRAME_MAX), -E2BIG);
	big[CTL_FRAME_MAX - 1] = '\0';
	CHECK_INT(ctl_encode_request(two, out, 2 * CTL_FRAME_MAX), CTL_FRAME_MAX);
	free(many);
	free(big);
	free(out);
}

/* Read one whole frame from FD with its descriptors into PAYLOAD. */
static long ctl_test_recv_frame(int fd, char *payload, size_t size, int *fds, int *n_fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} control;
	unsigned char header[4];
	struct iovec iov = { .iov_base = header, .iov_len = 4 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	long len;

	*n_fds = 0;
	if (recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL) != 4)
		return -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			*n_fds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(cm), (size_t)*n_fds * sizeof(int));
		}
	len = ctl_frame_length(header);
	if (len < 0 || (size_t)len > size)
		return -1;
	if (len > 0 && recv(fd, payload, (size_t)len, MSG_WAITALL) != len)
		return -1;
	return len;
}

TEST(ctl_send_request_with_descriptors)
{
	char *args[] = { "exec", "web", "cat", NULL };
	struct error err;
	char payload[64], got[8] = "";
	int sv[2], p[2], fds[8], n_fds = -1;
	long len;

	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_INT(pipe2(p, O_CLOEXEC), 0);
	int send_fds[3] = { p[0], p[1], p[1] };
	CHECK_INT(ctl_send_request(sv[0], args, send_fds, 3, &err), 0);
	len = ctl_test_recv_frame(sv[1], payload, sizeof(payload), fds, &n_fds);
	CHECK_INT(len, 13);
	CHECK(memcmp(payload, "exec\0web\0cat\0", 13) == 0);
	CHECK_INT(n_fds, 3);
	/* The received write end is the same pipe. */
	if (n_fds == 3) {
		CHECK_INT(write(fds[1], "hi", 2), 2);
		CHECK_INT(read(p[0], got, sizeof(got)), 2);
		CHECK_STR(got, "hi");
		for (int i = 0; i < 3; i++)
			close(fds[i]);
	}
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

TEST(ctl_send_request_refuses)
{
	char *args[] = { "status", NULL };
	char *none[] = { NULL };
	int fds[4] = { 0, 1, 2, 2 };
	struct error err;
	int sv[2];

	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK(ctl_send_request(sv[0], args, fds, 4, &err) < 0);
	CHECK(ctl_send_request(sv[0], none, NULL, 0, &err) < 0);
	/* A daemon gone away: an error, not SIGPIPE. */
	close(sv[1]);
	CHECK_INT(ctl_send_request(sv[0], args, NULL, 0, &err), -EPIPE);
	CHECK_CONTAINS(err.msg, "send the control request 'status'");
	close(sv[0]);
}

/* Write raw bytes to FD. */
static void ctl_test_put(int fd, const void *p, size_t len)
{
	if (write(fd, p, len) != (ssize_t)len)
		abort();
}

/* Write one frame of TYPE + DATA to FD. */
static void ctl_test_put_frame(int fd, char type, const char *data, size_t len)
{
	unsigned char h[4];

	ctl_frame_header(h, (uint32_t)len + 1);
	ctl_test_put(fd, h, 4);
	ctl_test_put(fd, &type, 1);
	if (len)
		ctl_test_put(fd, data, len);
}

/* Run ctl_read_reply on the bytes the daemon side WRITE_FN wrote then closed;
 * OUT and ERR receive what the client printed. */
static int ctl_test_reply(void (*write_fn)(int fd), char *out, char *err, size_t size)
{
	int sv[2], po[2], pe[2], r;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(po, O_CLOEXEC) < 0 ||
	    pipe2(pe, O_CLOEXEC) < 0)
		abort();
	write_fn(sv[1]);
	close(sv[1]);
	r = ctl_read_reply(sv[0], po[1], pe[1], NULL);
	close(po[1]);
	close(pe[1]);
	n = read(po[0], out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	n = read(pe[0], err, size - 1);
	err[n > 0 ? n : 0] = '\0';
	close(po[0]);
	close(pe[0]);
	close(sv[0]);
	return r;
}

static void ctl_test_reply_normal(int fd)
{
	ctl_test_put_frame(fd, 'o', "NAME STATE\n", 11);
	ctl_test_put_frame(fd, 'e', "pistack: oops\n", 14);
	ctl_test_put_frame(fd, 'z', "from the future", 15);
	ctl_test_put_frame(fd, 'o', "", 0);
	ctl_test_put_frame(fd, 'o', "web running\n", 12);
	ctl_test_put_frame(fd, 'x', "3", 1);
	ctl_test_put_frame(fd, 'o', "after the end", 13);
}

TEST(ctl_read_reply_relays_until_exit)
{
	char out[256], err[256];

	CHECK_INT(ctl_test_reply(ctl_test_reply_normal, out, err, sizeof(out)), 3);
	CHECK_STR(out, "NAME STATE\nweb running\n");
	CHECK_STR(err, "pistack: oops\n");
}

static void ctl_test_reply_status_255(int fd)
{
	ctl_test_put_frame(fd, 'x', "255", 3);
}

static void ctl_test_reply_status_256(int fd)
{
	ctl_test_put_frame(fd, 'x', "256", 3);
}

static void ctl_test_reply_status_empty(int fd)
{
	ctl_test_put_frame(fd, 'x', "", 0);
}

static void ctl_test_reply_status_negative(int fd)
{
	ctl_test_put_frame(fd, 'x', "-1", 2);
}

static void ctl_test_reply_status_garbage(int fd)
{
	ctl_test_put_frame(fd, 'x', "1a", 2);
}

static void ctl_test_reply_status_long(int fd)
{
	ctl_test_put_frame(fd, 'x', "0000", 4);
}

TEST(ctl_read_reply_exit_status)
{
	char out[64], err[64];

	CHECK_INT(ctl_test_reply(ctl_test_reply_status_255, out, err, sizeof(out)), 255);
	CHECK_INT(ctl_test_reply(ctl_test_reply_status_256, out, err, sizeof(out)), -EPROTO);
	CHECK_INT(ctl_test_reply(ctl_test_reply_status_empty, out, err, sizeof(out)), -EPROTO);
	CHECK_INT(ctl_test_reply(ctl_test_reply_status_negative, out, err, sizeof(out)), -EPROTO);
	CHECK_INT(ctl_test_reply(ctl_test_reply_status_garbage, out, err, sizeof(out)), -EPROTO);
	CHECK_INT(ctl_test_reply(ctl_test_reply_status_long, out, err, sizeof(out)), -EPROTO);
}

static void ctl_test_reply_nothing(int fd)
{
	(void)fd;
}

static void ctl_test_reply_huge_header(int fd)
{
	static const unsigned char h[4] = { 0x80, 0, 0, 0 };  /* 2 GiB */

	ctl_test_put_frame(fd, 'o', "partial ", 8);
	ctl_test_put(fd, h, 4);
	ctl_test_put(fd, "o", 1);
}

static void ctl_test_reply_truncated(int fd)
{
	unsigned char h[4];

	ctl_frame_header(h, 100);
	ctl_test_put(fd, h, 4);
	ctl_test_put(fd, "ohalf", 5);
}

static void ctl_test_reply_half_header(int fd)
{
	ctl_test_put(fd, "\0\0", 2);
}

static void ctl_test_reply_empty_frame(int fd)
{
	ctl_test_put(fd, "\0\0\0\0", 4);
}

TEST(ctl_read_reply_hostile)
{
	char out[64], err[64];

	CHECK_INT(ctl_test_reply(ctl_test_reply_nothing, out, err, sizeof(out)), -ECONNRESET);
	CHECK_INT(ctl_test_reply(ctl_test_reply_huge_header, out, err, sizeof(out)), -EMSGSIZE);
	CHECK_STR(out, "partial ");
	CHECK_INT(ctl_test_reply(ctl_test_reply_truncated, out, err, sizeof(out)), -ECONNRESET);
	CHECK_STR(out, "");
	CHECK_INT(ctl_test_reply(ctl_test_reply_half_header, out, err, sizeof(out)), -ECONNRESET);
	CHECK_INT(ctl_test_reply(ctl_test_reply_empty_frame, out, err, sizeof(out)), -EPROTO);
}

static void ctl_test_reply_max_frame(int fd)
{
	char *data = malloc(CTL_FRAME_MAX - 1);

	memset(data, 'y', CTL_FRAME_MAX - 1);
	ctl_test_put_frame(fd, 'o', data, CTL_FRAME_MAX - 1);
	ctl_test_put_frame(fd, 'x', "0", 1);
	free(data);
}

TEST(ctl_read_reply_largest_frame)
{
	char out[16], err[16];

	/* 4 + 65536 bytes: the socketpair and the pipe both hold them. */
	CHECK_INT(ctl_test_reply(ctl_test_reply_max_frame, out, err, sizeof(out)), 0);
	CHECK_STR(out, "yyyyyyyyyyyyyyy");
}

/* Send a frame of TYPE + DATA to FD with descriptor PASSED on its first byte. */
static void ctl_test_put_frame_fd(int fd, char type, const char *data, size_t len, int passed)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	char frame[64];
	struct iovec iov = { .iov_base = frame, .iov_len = 5 + len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)
	};
	struct cmsghdr *cm;

	if (len > sizeof(frame) - 5)
		abort();
	ctl_frame_header((unsigned char *)frame, (uint32_t)len + 1);
	frame[4] = type;
	memcpy(frame + 5, data, len);
	memset(&control, 0, sizeof(control));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &passed, sizeof(int));
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) != (ssize_t)iov.iov_len)
		abort();
}

/* True when nothing but the read end of pipe RD's pair is left open. */
static bool ctl_test_pipe_closed(int rd)
{
	char c;

	return read(rd, &c, 1) == 0;
}

TEST(ctl_read_reply_pty_frame)
{
	int sv[2], po[2], pe[2], pp[2], pty = -1;
	char out[64];
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(po, O_CLOEXEC) < 0 ||
	    pipe2(pe, O_CLOEXEC) < 0 || pipe2(pp, O_CLOEXEC) < 0)
		abort();
	/* Output before the 'p' frame is relayed, the descriptor handed over,
	 * and the rest of the reply read by the next call. */
	ctl_test_put_frame(sv[1], 'o', "before ", 7);
	ctl_test_put_frame_fd(sv[1], 'p', "", 0, pp[1]);
	close(pp[1]);
	ctl_test_put_frame(sv[1], 'o', "after", 5);
	ctl_test_put_frame(sv[1], 'x', "7", 1);
	close(sv[1]);
	CHECK_INT(ctl_read_reply(sv[0], po[1], pe[1], &pty), CTL_REPLY_FD);
	CHECK(pty >= 0);
	CHECK_INT(fcntl(pty, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	CHECK_INT((int)write(pty, "!", 1), 1);
	close(pty);
	CHECK(read(pp[0], out, 1) == 1 && out[0] == '!');
	CHECK(ctl_test_pipe_closed(pp[0]));
	CHECK_INT(ctl_read_reply(sv[0], po[1], pe[1], NULL), 7);
	close(po[1]);
	n = read(po[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	CHECK_STR(out, "before after");
	close(po[0]);
	close(pe[0]);
	close(pe[1]);
	close(pp[0]);
	close(sv[0]);
}

/* A 'p' frame the client did not ask for, one without a descriptor, one
 * with a payload, and a descriptor on an 'o' frame: protocol errors, or
 * (the last) a descriptor closed; none leaks. */
TEST(ctl_read_reply_pty_frame_hostile)
{
	static const struct {
		char type;
		const char *data;
		bool with_fd, want_pty;
		int result;
	} cases[] = {
		{ 'p', "", true, false, -EPROTO },
		{ 'p', "", false, true, -EPROTO },
		{ 'p', "x", true, true, -EPROTO },
		{ 'o', "", true, true, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int sv[2], pn[2], pp[2], pty = -1;

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(pn, O_CLOEXEC) < 0 ||
		    pipe2(pp, O_CLOEXEC) < 0)
			abort();
		if (cases[i].with_fd)
			ctl_test_put_frame_fd(sv[1], cases[i].type, cases[i].data, strlen(cases[i].data), pp[1]);
		else
			ctl_test_put_frame(sv[1], cases[i].type, cases[i].data, strlen(cases[i].data));
		close(pp[1]);
		ctl_test_put_frame(sv[1], 'x', "0", 1);
		close(sv[1]);
		CHECK_INT(ctl_read_reply(sv[0], pn[1], pn[1], cases[i].want_pty ? &pty : NULL), cases[i].result);
		CHECK_INT(pty, -1);
		CHECK(ctl_test_pipe_closed(pp[0]));
		close(pp[0]);
		close(pn[0]);
		close(pn[1]);
		close(sv[0]);
	}
}
