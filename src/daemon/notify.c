/*
 * notify.c - tell the service manager (systemd, Type=notify) that the daemon
 * is ready, reloading or stopping: one datagram per state change to the
 * AF_UNIX socket in $NOTIFY_SOCKET, as sd_notify(3) does, without libsystemd.
 */
#include "daemon/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"

/* See notify.h. */
int notify_parse_address(const char *value, struct sockaddr_un *addr, socklen_t *len)
{
	size_t n = value ? strlen(value) : 0;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (n >= 6 && !strncmp(value, "vsock:", 6))
		return -EAFNOSUPPORT;
	/* An abstract name has no terminating NUL, so it may fill sun_path; a path
	 * needs room for its NUL. */
	if (n < 2 || n > sizeof(addr->sun_path) || (value[0] != '/' && value[0] != '@') ||
	    (value[0] == '/' && n == sizeof(addr->sun_path)))
		return -EINVAL;
	memcpy(addr->sun_path, value, n);
	/* The abstract namespace: a leading NUL, and the length counts only the
	 * bytes of the name (no trailing NUL, which would become part of it). */
	if (value[0] == '@')
		addr->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (value[0] == '/'));
	return 0;
}

/* See notify.h. */
int notify_send(const char *state)
{
	const char *value = getenv("NOTIFY_SOCKET");
	cleanup_close int fd = -1;
	struct sockaddr_un addr;
	socklen_t len;
	size_t n = strlen(state);
	ssize_t sent;
	int r;

	if (!value || !*value)
		return 0;
	r = notify_parse_address(value, &addr, &len);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* One datagram: the manager reads each message whole. */
	sent = sendto(fd, state, n, MSG_NOSIGNAL, (struct sockaddr *)&addr, len);
	if (sent < 0)
		return -errno;
	return (size_t)sent == n ? 0 : -EIO;
}

/* See notify.h. */
int notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	return notify_send(msg);
}
