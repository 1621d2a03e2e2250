/*
 * verb_stats.c - `stats [--json] [NAME...]`: what the cgroup of each running
 * service (or each named one) has counted: CPU time, memory, pids, I/O.
 * One read of each file per call: the daemon never waits to sample a rate.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/format.h"
#include "daemon/ctl_server.h"
#include "daemon/daemon.h"
#include "daemon/stats.h"
#include "daemon/verbs.h"
#include "isolate/cgroup.h"

#define STATS_UNKNOWN (ULLONG_MAX - 1)   /* the file is absent (controller off) */
#define STATS_COLS 8

/* The counters of one service; STATS_UNKNOWN where the file is absent,
 * ULLONG_MAX for a limit of "max". */
struct stats_sample {
	const char *name;
	bool have_cpu, have_io;
	struct stats_cpu cpu;
	struct stats_io io;
	unsigned long long mem, mem_max, pids, pids_max;
	char cells[STATS_COLS][48];
};

/* A single-number file of the cgroup DIRFD, or STATS_UNKNOWN. */
static unsigned long long stats_read_number(int dirfd, const char *file)
{
	cleanup_free char *text = NULL;
	unsigned long long v;

	if (dirfd < 0 || cgroup_read_file(dirfd, file, &text) < 0 || cgroup_parse_u64(text, &v) < 0)
		return STATS_UNKNOWN;
	return v;
}

/* Read the counters of service NAME from its cgroup under D's base. */
static void stats_sample_read(struct daemon *d, const char *name, struct stats_sample *s)
{
	cleanup_close int fd = cgroup_open_service(&d->cg, name, O_PATH);
	cleanup_free char *cpu = NULL, *io = NULL;

	s->name = name;
	s->have_cpu =
		fd >= 0 && cgroup_read_file(fd, "cpu.stat", &cpu) == 0 && stats_parse_cpu(cpu, &s->cpu) == 0;
	s->have_io = fd >= 0 && cgroup_read_file(fd, "io.stat", &io) == 0 && stats_parse_io(io, &s->io) == 0;
	s->mem = stats_read_number(fd, "memory.current");
	s->mem_max = stats_read_number(fd, "memory.max");
	s->pids = stats_read_number(fd, "pids.current");
	s->pids_max = stats_read_number(fd, "pids.max");
}

/* "USED/LIMIT" into BUF: sizes when SIZES, "max" for no limit, "-" unknown. */
static void stats_format_pair(char *buf, size_t size, unsigned long long used, unsigned long long limit,
			      bool sizes)
{
	char a[24], b[24];

	if (used == STATS_UNKNOWN) {
		snprintf(buf, size, "-");
		return;
	}
	if (sizes)
		format_size(a, sizeof(a), used);
	else
		snprintf(a, sizeof(a), "%llu", used);
	if (limit == STATS_UNKNOWN) {
		snprintf(buf, size, "%s", a);
		return;
	}
	if (limit == ULLONG_MAX)
		snprintf(b, sizeof(b), "max");
	else if (sizes)
		format_size(b, sizeof(b), limit);
	else
		snprintf(b, sizeof(b), "%llu", limit);
	snprintf(buf, size, "%s/%s", a, b);
}

/* The table cells of S. */
static void stats_sample_cells(struct stats_sample *s)
{
	snprintf(s->cells[0], sizeof(s->cells[0]), "%s", s->name);
	if (s->have_cpu) {
		stats_format_seconds(s->cells[1], sizeof(s->cells[1]), s->cpu.usage_usec);
		stats_format_seconds(s->cells[2], sizeof(s->cells[2]), s->cpu.user_usec);
		stats_format_seconds(s->cells[3], sizeof(s->cells[3]), s->cpu.system_usec);
	} else {
		for (int k = 1; k <= 3; k++)
			snprintf(s->cells[k], sizeof(s->cells[k]), "-");
	}
	stats_format_pair(s->cells[4], sizeof(s->cells[4]), s->mem, s->mem_max, true);
	stats_format_pair(s->cells[5], sizeof(s->cells[5]), s->pids, s->pids_max, false);
	if (s->have_io) {
		format_size(s->cells[6], sizeof(s->cells[6]), s->io.rbytes);
		format_size(s->cells[7], sizeof(s->cells[7]), s->io.wbytes);
	} else {
		snprintf(s->cells[6], sizeof(s->cells[6]), "-");
		snprintf(s->cells[7], sizeof(s->cells[7]), "-");
	}
}

/* V as a JSON number, or null when unknown (or unlimited, for a limit). */
static const char *stats_json_number(char *buf, size_t size, unsigned long long v)
{
	if (v == STATS_UNKNOWN || v == ULLONG_MAX)
		return "null";
	snprintf(buf, size, "%llu", v);
	return buf;
}

/* One JSON object per sample. */
static void stats_print_json(struct ctl_conn *c, const struct stats_sample *s, size_t n)
{
	ctl_out(c, "[");
	for (size_t i = 0; i < n; i++) {
		const struct stats_sample *x = &s[i];
		char b[9][24];
		ctl_out(c,
			"%s\n  {\"name\": \"%s\", \"cpu_usec\": %s, \"user_usec\": %s, \"system_usec\": %s, "
			"\"memory\": %s, \"memory_max\": %s, \"pids\": %s, \"pids_max\": %s, "
			"\"io_read\": %s, \"io_write\": %s}",
			i ? "," : "", x->name,
			stats_json_number(b[0], sizeof(b[0]),
					  x->have_cpu ? x->cpu.usage_usec : STATS_UNKNOWN),
			stats_json_number(b[1], sizeof(b[1]), x->have_cpu ? x->cpu.user_usec : STATS_UNKNOWN),
			stats_json_number(b[2], sizeof(b[2]),
					  x->have_cpu ? x->cpu.system_usec : STATS_UNKNOWN),
			stats_json_number(b[3], sizeof(b[3]), x->mem),
			stats_json_number(b[4], sizeof(b[4]), x->mem_max),
			stats_json_number(b[5], sizeof(b[5]), x->pids),
			stats_json_number(b[6], sizeof(b[6]), x->pids_max),
			stats_json_number(b[7], sizeof(b[7]), x->have_io ? x->io.rbytes : STATS_UNKNOWN),
			stats_json_number(b[8], sizeof(b[8]), x->have_io ? x->io.wbytes : STATS_UNKNOWN));
	}
	ctl_out(c, "%s]\n", n ? "\n" : "");
}

/* The table, each column as wide as its widest cell. */
static void stats_print_table(struct ctl_conn *c, const struct stats_sample *s, size_t n)
{
	static const char *const head[STATS_COLS] = {
		"NAME", "CPU", "USER", "SYSTEM", "MEMORY", "PIDS", "READ", "WRITE",
	};
	int w[STATS_COLS];

	for (int k = 0; k < STATS_COLS; k++) {
		w[k] = (int)strlen(head[k]);
		for (size_t i = 0; i < n; i++)
			if ((int)strlen(s[i].cells[k]) > w[k])
				w[k] = (int)strlen(s[i].cells[k]);
	}
	for (size_t i = 0; i <= n; i++) {
		for (int k = 0; k < STATS_COLS; k++) {
			const char *cell = i == 0 ? head[k] : s[i - 1].cells[k];
			if (k == STATS_COLS - 1)
				ctl_out(c, "%s\n", cell);
			else
				ctl_out(c, "%-*s ", w[k], cell);
		}
	}
}

/* See verbs.h. */
void verb_stats(struct daemon *d, struct ctl_conn *c, int argc, char **argv)
{
	struct stats_sample *s;
	bool json = false;
	int status = 0;
	size_t n = 0;

	if (argc > 1 && strcmp(argv[1], "--json") == 0) {
		json = true;
		argc--;
		argv++;
	}
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			ctl_err(c, "usage: pistack stats [--json] [NAME...]\n");
			ctl_finish(c, 2);
			return;
		}
	}
	s = calloc(argc > 1 ? (size_t)argc : d->n_svcs + 1, sizeof(*s));
	if (!s) {
		ctl_err(c, "pistack: unable to read stats: out of memory\n");
		ctl_finish(c, 1);
		return;
	}
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			struct service_rt *rt = daemon_find(d, argv[i]);
			if (!rt || rt->pid == 0) {
				ctl_err(c, "pistack: %s: unable to read stats of '%s': %s\n", argv[i],
					argv[i], rt ? "not running" : "no such service");
				status = 1;
				continue;
			}
			stats_sample_read(d, rt->name, &s[n++]);
		}
	} else {
		for (size_t i = 0; i < d->n_svcs; i++)
			if (d->svcs[i]->pid != 0)
				stats_sample_read(d, d->svcs[i]->name, &s[n++]);
	}
	for (size_t i = 0; i < n; i++)
		stats_sample_cells(&s[i]);
	if (json)
		stats_print_json(c, s, n);
	else
		stats_print_table(c, s, n);
	free(s);
	ctl_finish(c, status);
}
