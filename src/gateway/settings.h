/*
 * settings.h - the [gateway] settings a running gateway can change on
 * reload, as the master and workers keep them, and their text form for the
 * daemon -> master MSG_SETTINGS message ("key value" lines).  (unknown_host
 * travels in the route table, which the daemon renders from it.)
 */
#ifndef PISTACK_GATEWAY_SETTINGS_H
#define PISTACK_GATEWAY_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "config/config.h"

struct gw_settings {
	bool redirect_https;
	uint64_t hsts;                         /* max-age seconds, 0 = no header */
	uint64_t max_body;                     /* bytes */
	uint64_t header_timeout_ms, idle_timeout_ms, upstream_timeout_ms;
	unsigned workers;                      /* 0 = one per CPU */
};

/* The settings of G. */
void settings_from_global(struct gw_settings *s, const struct global_config *g);

/* Render S as text into BUF (SIZE bytes, 512 suffice); returns the length
 * or -ENOSPC. */
int settings_render(const struct gw_settings *s, char *buf, size_t size);

/* Parse LEN bytes of settings text into S (every key required once, values
 * range-checked, unknown keys refused).  Pure.  Returns 0 or -EINVAL. */
int settings_parse(const char *text, size_t len, struct gw_settings *s, struct error *err);

#endif
