/*
 * stats.h - pure functions over the text of a service's cgroup files for
 * `pistack stats` (daemon/verb_stats.c): cpu.stat and io.stat.
 */
#ifndef PISTACK_DAEMON_STATS_H
#define PISTACK_DAEMON_STATS_H

#include <stddef.h>

struct stats_cpu {
	unsigned long long usage_usec, user_usec, system_usec;
};

struct stats_io {
	unsigned long long rbytes, wbytes;   /* summed over the devices, saturating */
};

/* Parse a cpu.stat TEXT ("KEY VALUE" lines; unknown keys are skipped).
 * Returns 0, or -EINVAL when usage_usec is missing or a known value is not a
 * decimal number that fits. */
int stats_parse_cpu(const char *text, struct stats_cpu *out);

/* Sum rbytes= and wbytes= of an io.stat TEXT ("MAJ:MIN KEY=VALUE..." lines;
 * empty when there was no I/O).  Returns 0, or -EINVAL on a malformed line. */
int stats_parse_io(const char *text, struct stats_io *out);

/* USEC as seconds with two decimals, rounded: "12.35s". */
void stats_format_seconds(char *buf, size_t size, unsigned long long usec);

#endif
