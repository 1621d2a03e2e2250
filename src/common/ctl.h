/*
 * ctl.h - the control protocol between the CLI and the daemon over
 * RUN/pistack.sock (SOCK_STREAM, mode 0600, peer credentials checked).
 *
 * A frame is a 4-byte big-endian length, then that many bytes of payload.
 *   request (client -> daemon): one frame whose payload is the command's
 *     arguments as NUL-terminated strings ("start\0web\0"), optionally with
 *     descriptors attached (SCM_RIGHTS: stdin, stdout, stderr for exec);
 *     after it, for `exec -i`, nothing more: the descriptors carry the data.
 *   replies (daemon -> client): frames whose first byte is the type:
 *     'o' bytes for stdout, 'e' bytes for stderr,
 *     'p' (the type byte alone) with one descriptor attached (SCM_RIGHTS):
 *       for `exec -t`, the master of the command's terminal, the first frame;
 *     'x' the exit status in decimal: the last frame of the reply.
 * Pure functions here; no I/O but what is named.
 */
#ifndef PISTACK_COMMON_CTL_H
#define PISTACK_COMMON_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define CTL_FRAME_MAX 65536   /* a larger frame is refused and the connection closed */
#define CTL_ARGS_MAX 256      /* arguments of one request */
#define CTL_FDS_MAX 3

enum ctl_reply_type { CTL_OUT = 'o', CTL_ERR = 'e', CTL_PTY = 'p', CTL_EXIT = 'x' };

/* ctl_read_reply(): a descriptor arrived, the reply goes on. */
#define CTL_REPLY_FD 256

/* Parse a request payload into ARGV (pointers into PAYLOAD, which must stay
 * alive; ARGV has room for CTL_ARGS_MAX + 1 and ends with NULL).  Refuses an
 * empty request, a missing final NUL, too many arguments, an empty command.
 * Returns argc or -EINVAL with ERR filled. */
int ctl_parse_request(const char *payload, size_t len, char **argv, struct error *err);

/* Encode ARGV as a request payload into BUF; returns the length or -E2BIG. */
int ctl_encode_request(char *const *argv, char *buf, size_t size);

/* The length announced by a 4-byte header, or -EMSGSIZE beyond CTL_FRAME_MAX. */
long ctl_frame_length(const unsigned char header[4]);
void ctl_frame_header(unsigned char header[4], uint32_t len);

/* Client side: send the request ARGV with FDS attached (n_fds may be 0). */
int ctl_send_request(int sock, char *const *argv, const int *fds, int n_fds, struct error *err);
/* Client side: read reply frames, writing 'o' to OUT_FD and 'e' to ERR_FD,
 * until 'x'; returns the exit status, or -errno when the daemon hung up.
 * With PTY non-NULL, a 'p' frame stops it early: CTL_REPLY_FD with its
 * descriptor (close-on-exec, the caller's) in *PTY; call again for the rest.
 * Otherwise, or when a 'p' frame carries no descriptor, -EPROTO.  Any other
 * descriptor that comes is closed. */
int ctl_read_reply(int sock, int out_fd, int err_fd, int *pty);

#endif
