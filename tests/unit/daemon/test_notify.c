/*
 * test_notify.c - $NOTIFY_SOCKET addresses (paths, abstract names, hostile
 * values) and the datagrams notify_send() delivers to a socket we bind.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/notify.h"
#include "test.h"

TEST(notify_parse_path)
{
	struct sockaddr_un a;
	socklen_t len = 0;

	CHECK_INT(notify_parse_address("/run/systemd/notify", &a, &len), 0);
	CHECK_INT(a.sun_family, AF_UNIX);
	CHECK_STR(a.sun_path, "/run/systemd/notify");
	/* A path counts its terminating NUL. */
	CHECK_INT(len, offsetof(struct sockaddr_un, sun_path) + strlen("/run/systemd/notify") + 1);
}

TEST(notify_parse_abstract)
{
	struct sockaddr_un a;
	socklen_t len = 0;

	CHECK_INT(notify_parse_address("@/org/freedesktop/systemd1/notify/123", &a, &len), 0);
	CHECK_INT(a.sun_path[0], 0);
	CHECK(memcmp(a.sun_path + 1, "/org/freedesktop/systemd1/notify/123", 36) == 0);
	/* No trailing NUL: it would become part of the name. */
	CHECK_INT(len, offsetof(struct sockaddr_un, sun_path) + 37);
}

TEST(notify_parse_hostile)
{
	struct sockaddr_un a;
	socklen_t len;
	char longest[sizeof(a.sun_path) + 2];

	CHECK_INT(notify_parse_address(NULL, &a, &len), -EINVAL);
	CHECK_INT(notify_parse_address("", &a, &len), -EINVAL);
	CHECK_INT(notify_parse_address("@", &a, &len), -EINVAL);
	CHECK_INT(notify_parse_address("/", &a, &len), -EINVAL);
	CHECK_INT(notify_parse_address("relative/socket", &a, &len), -EINVAL);
	CHECK_INT(notify_parse_address("vsock:2:1234", &a, &len), -EAFNOSUPPORT);
	/* A path must leave room for its NUL; an abstract name may fill sun_path. */
	memset(longest, 'x', sizeof(longest));
	longest[0] = '/';
	longest[sizeof(a.sun_path)] = '\0';
	CHECK_INT(notify_parse_address(longest, &a, &len), -EINVAL);
	longest[0] = '@';
	CHECK_INT(notify_parse_address(longest, &a, &len), 0);
	CHECK_INT(len, sizeof(struct sockaddr_un));
	longest[sizeof(a.sun_path)] = 'x';
	longest[sizeof(a.sun_path) + 1] = '\0';
	CHECK_INT(notify_parse_address(longest, &a, &len), -EINVAL);
}

/* Bind a datagram socket at VALUE (a $NOTIFY_SOCKET value); -1 on failure. */
static int notify_listen(const char *value)
{
	struct sockaddr_un a;
	socklen_t len;
	struct timeval tv = {.tv_sec = 2};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || notify_parse_address(value, &a, &len) < 0 || bind(fd, (struct sockaddr *)&a, len) < 0) {
		test_fail(__FILE__, __LINE__, "bind '%s': %s", value, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Receive one datagram from FD into BUF. */
static void notify_recv(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

TEST(notify_send_abstract_and_path)
{
	char name[64], path[128], buf[256];
	const char *tmp = getenv("TMPDIR");
	int fd;

	/* No $NOTIFY_SOCKET: nothing to do, no error. */
	unsetenv("NOTIFY_SOCKET");
	CHECK_INT(notify_send("READY=1"), 0);

	snprintf(name, sizeof(name), "@pistack-test-notify-%d", (int)getpid());
	fd = notify_listen(name);
	if (fd >= 0) {
		setenv("NOTIFY_SOCKET", name, 1);
		CHECK_INT(notify_send("READY=1"), 0);
		notify_recv(fd, buf, sizeof(buf));
		CHECK_STR(buf, "READY=1");
		CHECK_INT(notify_reloading(), 0);
		notify_recv(fd, buf, sizeof(buf));
		CHECK(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
		CHECK(strlen(buf) > 27 && strspn(buf + 27, "0123456789") == strlen(buf + 27));
		close(fd);
	}

	snprintf(path, sizeof(path), "%s/pistack-test-notify-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	fd = notify_listen(path);
	if (fd >= 0) {
		setenv("NOTIFY_SOCKET", path, 1);
		CHECK_INT(notify_send("STOPPING=1"), 0);
		notify_recv(fd, buf, sizeof(buf));
		CHECK_STR(buf, "STOPPING=1");
		close(fd);
		unlink(path);
		/* Nobody listens any more: the error is returned, not raised. */
		CHECK_INT(notify_send("READY=1"), -ENOENT);
	}
	setenv("NOTIFY_SOCKET", "not-absolute", 1);
	CHECK_INT(notify_send("READY=1"), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}
