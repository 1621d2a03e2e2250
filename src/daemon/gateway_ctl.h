/*
 * gateway_ctl.h - the daemon's side of the gateway (daemon/gateway_ctl.c).
 */
#ifndef PISTACK_DAEMON_GATEWAY_CTL_H
#define PISTACK_DAEMON_GATEWAY_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct daemon;

int gateway_ctl_init(struct daemon *d);
/* At exit: the master drains and stops. */
void gateway_ctl_shutdown(struct daemon *d);
/* Services changed: start or stop the gateway as needed, send new routes. */
void gateway_routes_changed(struct daemon *d);
/* After a reload: new settings and certificates, a new worker generation. */
void gateway_ctl_reload(struct daemon *d);
/* For `status`: false when the gateway never ran; PID 0 while it restarts. */
bool gateway_ctl_status(const struct daemon *d, pid_t *pid, uint64_t *started_wall, unsigned *restarts);

#endif
