/*
 * ctl_server.h - the daemon's side of the control socket: accept, check the
 * peer, read one request per connection with size limits and a deadline,
 * hand it to verb_dispatch(), and stream the reply.  A hostile or stalled
 * client can neither crash nor block the daemon: every connection is
 * non-blocking with bounded buffers.
 */
#ifndef PISTACK_DAEMON_CTL_SERVER_H
#define PISTACK_DAEMON_CTL_SERVER_H

#include <stdarg.h>
#include <stddef.h>

#include "daemon/daemon.h"

/* Bind RUN/pistack.sock (0600) and start accepting on D's loop. */
int ctl_server_start(struct daemon *d, const char *path, struct error *err);
void ctl_server_stop(struct daemon *d);

/* Reply output of a verb (buffered; the connection writes when it can). */
void ctl_out(struct ctl_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_err(struct ctl_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_write(struct ctl_conn *c, char type, const void *buf, size_t len);
/* Send a 'p' frame with FD attached (a copy: FD stays the caller's), now:
 * only as the first thing of a reply.  0, or -EBUSY (output already
 * queued), -EAGAIN (the socket is full) or -errno; the reply goes on. */
int ctl_send_fd(struct ctl_conn *c, int fd);
/* End the reply with STATUS; the connection closes once it is flushed. */
void ctl_finish(struct ctl_conn *c, int status);

/* For streaming verbs (logs -f, exec): keep the connection after the verb
 * returns; ON_CLOSE runs when the client goes away (and DATA is theirs). */
void ctl_keep(struct ctl_conn *c, void (*on_close)(struct ctl_conn *c, void *data), void *data);
/* Bytes queued and not yet written: streaming verbs pause above a limit. */
size_t ctl_pending(const struct ctl_conn *c);

#endif
