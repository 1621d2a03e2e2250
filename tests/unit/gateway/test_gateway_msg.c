/*
 * test_gateway_msg.c - unit tests of the gateway's control messages
 * (src/gateway/msg.c: frames, continuation, limits, hostile streams),
 * settings text (src/gateway/settings.c) and access log lines
 * (src/gateway/accesslog.c: escaping and cutting).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/ctl.h"
#include "gateway/accesslog.h"
#include "gateway/msg.h"
#include "gateway/settings.h"
#include "test.h"

/* Field by field: padding bytes are no part of the value. */
static bool settings_same(const struct gw_settings *a, const struct gw_settings *b)
{
	return a->redirect_https == b->redirect_https && a->hsts == b->hsts &&
	       a->max_body == b->max_body && a->header_timeout_ms == b->header_timeout_ms &&
	       a->idle_timeout_ms == b->idle_timeout_ms &&
	       a->upstream_timeout_ms == b->upstream_timeout_ms && a->workers == b->workers;
}

/* Feed all of BUF to R, one byte at a time when BYTEWISE. */
static long gm_feed(struct msg_reader *r, const char *buf, size_t len, bool bytewise)
{
	size_t off = 0;

	while (off < len && !r->done) {
		long n = msg_reader_feed(r, buf + off, bytewise ? 1 : len - off);
		if (n < 0)
			return n;
		off += (size_t)n;
	}
	return (long)off;
}

TEST(gateway_msg_roundtrip_over_socketpair)
{
	struct msg_reader r;
	struct error err;
	size_t big = CTL_FRAME_MAX * 2 + 123, len;
	char *text = malloc(big), *data, type;
	int sv[2];

	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (size_t i = 0; i < big; i++)
		text[i] = (char)('a' + i % 26);
	msg_reader_init(&r, big);
	/* Sent from a child: the pair's buffer is smaller than the message. */
	if (fork() == 0) {
		msg_send(sv[0], MSG_ROUTES, text, big, &err);
		msg_send(sv[0], MSG_DRAIN, "", 0, &err);
		_exit(0);
	}
	int got = 0;
	while (got == 0)
		got = msg_read(&r, sv[1]);
	CHECK_INT(got, 1);
	msg_reader_take(&r, &type, &data, &len);
	CHECK_INT(type, MSG_ROUTES);
	CHECK_UINT(len, big);
	CHECK(data && memcmp(data, text, big) == 0 && data[big] == '\0');
	free(data);
	got = 0;
	while (got == 0)
		got = msg_read(&r, sv[1]);
	CHECK_INT(got, 1);
	msg_reader_take(&r, &type, &data, &len);
	CHECK_INT(type, MSG_DRAIN);
	CHECK_UINT(len, 0);
	free(data);
	close(sv[0]);
	CHECK_INT(msg_read(&r, sv[1]), -EPIPE);
	close(sv[1]);
	msg_reader_release(&r);
	free(text);
}

TEST(gateway_msg_bytewise_and_two_in_one)
{
	/* Two messages back to back: "r" in two frames, then "d". */
	static const char stream[] = "\0\0\0\x04r+ab" "\0\0\0\x03r.c" "\0\0\0\x02" "d.";
	struct msg_reader r;
	char type, *data;
	size_t len;
	long n;

	msg_reader_init(&r, 100);
	n = gm_feed(&r, stream, sizeof(stream) - 1, true);
	CHECK_INT(n, 15);
	CHECK(r.done);
	msg_reader_take(&r, &type, &data, &len);
	CHECK_INT(type, 'r');
	CHECK_UINT(len, 3);
	CHECK_STR(data, "abc");
	free(data);
	CHECK_INT(gm_feed(&r, stream + 15, sizeof(stream) - 1 - 15, false), 6);
	msg_reader_take(&r, &type, &data, &len);
	CHECK_INT(type, 'd');
	CHECK_UINT(len, 0);
	free(data);
	msg_reader_release(&r);
}

TEST(gateway_msg_hostile_frames)
{
	struct msg_reader r;

	/* A frame without type and continuation bytes. */
	msg_reader_init(&r, 100);
	CHECK_INT(gm_feed(&r, "\0\0\0\x01r", 5, false), -EPROTO);
	msg_reader_release(&r);
	/* A bad continuation byte. */
	msg_reader_init(&r, 100);
	CHECK_INT(gm_feed(&r, "\0\0\0\x02rx", 6, false), -EPROTO);
	msg_reader_release(&r);
	/* A continuation of another type. */
	msg_reader_init(&r, 100);
	CHECK_INT(gm_feed(&r, "\0\0\0\x03r+a\0\0\0\x03s.b", 14, false), -EPROTO);
	msg_reader_release(&r);
	/* A frame over CTL_FRAME_MAX, and a message over the reader's max. */
	msg_reader_init(&r, 100);
	CHECK_INT(gm_feed(&r, "\x7f\0\0\0", 4, false), -EMSGSIZE);
	msg_reader_release(&r);
	msg_reader_init(&r, 3);
	CHECK_INT(gm_feed(&r, "\0\0\0\x03r+a\0\0\0\x05r.bcd", 16, false), -EMSGSIZE);
	msg_reader_release(&r);
	/* A zero type byte. */
	msg_reader_init(&r, 100);
	CHECK_INT(gm_feed(&r, "\0\0\0\x02\0.", 6, false), -EPROTO);
	msg_reader_release(&r);
}

TEST(gateway_settings_roundtrip)
{
	struct gw_settings s = {
		.redirect_https = true, .hsts = 31536000, .max_body = 1048576,
		.header_timeout_ms = 10000, .idle_timeout_ms = 75000, .upstream_timeout_ms = 60000,
		.workers = 3,
	}, t;
	struct error err;
	char buf[512];
	int n = settings_render(&s, buf, sizeof(buf));

	CHECK(n > 0);
	CHECK_INT(settings_parse(buf, (size_t)n, &t, &err), 0);
	CHECK(settings_same(&s, &t));
	CHECK_INT(settings_render(&s, buf, 16), -ENOSPC);
}

TEST(gateway_settings_hostile)
{
	static const char *const bad[] = {
		"",
		"redirect_https 1\n",                                 /* missing keys */
		"redirect_https 2\nhsts 0\nmax_body 1\nheader_timeout 100\nidle_timeout 100\nupstream_timeout 100\nworkers 1\n",
		"redirect_https 1\nhsts 0\nmax_body 1\nheader_timeout 99\nidle_timeout 100\nupstream_timeout 100\nworkers 1\n",
		"redirect_https 1\nhsts 0\nmax_body 1\nheader_timeout 100\nidle_timeout 100\nupstream_timeout 100\nworkers 65\n",
		"redirect_https 1\nhsts 0\nmax_body 99999999999999999999\nheader_timeout 100\nidle_timeout 100\nupstream_timeout 100\nworkers 1\n",
		"redirect_https 1\nhsts 0\nmax_body 1\nheader_timeout 100\nidle_timeout 100\nupstream_timeout 100\nworkers 1\nworkers 1\n",
		"redirect_https 1\nhsts -1\nmax_body 1\nheader_timeout 100\nidle_timeout 100\nupstream_timeout 100\nworkers 1\n",
		"redirect_https 1\nhsts 0\nmax_body 1\nheader_timeout 100\nidle_timeout 100\nupstream_timeout 100\nworkers 1\nother 1\n",
		"redirect_https  1\nhsts 0\nmax_body 1\nheader_timeout 100\nidle_timeout 100\nupstream_timeout 100\nworkers 1\n",
	};
	struct gw_settings s;
	struct error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(settings_parse(bad[i], strlen(bad[i]), &s, &err), -EINVAL);
}

TEST(gateway_accesslog_escapes)
{
	static const char req[] = "GET /\"a\\b\x01\xff HTTP/1.1";
	struct accesslog_entry e = {
		.client = "192.0.2.1", .when = 0, .request = req, .request_len = sizeof(req) - 1,
		.status = 200, .bytes = 12, .referer = NULL, .user_agent = "ua\n\"x", .user_agent_len = 5,
		.host = "h", .host_len = 1, .upstream = "10.0.0.2:80", .upstream_status = 200,
		.request_ms = 1234, .upstream_ms = 5,
	};
	char buf[ACCESSLOG_LINE_MAX];
	size_t n = accesslog_format(&e, buf, sizeof(buf));

	CHECK_UINT(n, strlen(buf));
	CHECK(strstr(buf, "\"GET /\\x22a\\x5cb\\x01\\xff HTTP/1.1\" 200 12 \"-\" \"ua\\x0a\\x22x\" \"h\" "
			  "10.0.0.2:80 200 1.234 0.005\n") != NULL);
	CHECK(strncmp(buf, "192.0.2.1 - - [", 15) == 0);
	CHECK(strchr(buf, '\n') == buf + n - 1);
}

TEST(gateway_accesslog_cuts_long_fields)
{
	char *huge = malloc(20000);
	struct accesslog_entry e = { .client = "c", .status = 404, .upstream_ms = -1 };
	char buf[ACCESSLOG_LINE_MAX];
	size_t n;

	memset(huge, '"', 20000);
	e.request = e.referer = e.user_agent = e.host = huge;
	e.request_len = e.referer_len = e.user_agent_len = e.host_len = 20000;
	n = accesslog_format(&e, buf, sizeof(buf));
	CHECK(n < sizeof(buf));
	CHECK(buf[n - 1] == '\n');
	CHECK(strchr(buf, '\n') == buf + n - 1);
	/* Every field still shows, the last ones whole. */
	CHECK(strstr(buf, " 404 0 ") != NULL);
	CHECK(strstr(buf, " - - 0.000 -\n") != NULL);
	free(huge);
}
