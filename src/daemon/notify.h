/*
 * notify.h - the service manager's readiness protocol (sd_notify(3)), spoken
 * without libsystemd: datagrams like "READY=1" to the socket named by
 * $NOTIFY_SOCKET, a path or an abstract name ("@...").
 */
#ifndef PISTACK_DAEMON_NOTIFY_H
#define PISTACK_DAEMON_NOTIFY_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Parse a $NOTIFY_SOCKET value: "/path" or "@abstract" into ADDR and its
 * length for sendto().  -EINVAL for anything else (empty, relative, too long,
 * "vsock:..."), -EAFNOSUPPORT for a vsock address.  Pure. */
int notify_parse_address(const char *value, struct sockaddr_un *addr, socklen_t *len);

/* Send STATE ("READY=1", "STOPPING=1", ...) to $NOTIFY_SOCKET.  0 when sent or
 * when there is no $NOTIFY_SOCKET (not started by a service manager); a
 * negative errno otherwise (the caller may ignore it: nothing depends on it). */
int notify_send(const char *state);

/* RELOADING=1 with MONOTONIC_USEC= (as Type=notify-reload wants); READY=1 must
 * follow once the reload is done. */
int notify_reloading(void);

#endif
