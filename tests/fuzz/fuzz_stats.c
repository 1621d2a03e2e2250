/*
 * fuzz_stats.c - libFuzzer target for the cgroup statistics parsers of
 * `pistack stats` (stats_parse_cpu, stats_parse_io): the input, NUL-terminated
 * in a buffer of exactly that size, so that any read past the end trips ASan.
 * Checks what a parse promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stats_cpu cpu;
	struct stats_io io;
	char *text = malloc(size + 1), buf[32];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* usage_usec is required: an input without the key cannot parse. */
	if (stats_parse_cpu(text, &cpu) == 0 && !strstr(text, "usage_usec "))
		abort();
	/* Sums only grow: an input without bytes counters sums to zero. */
	if (stats_parse_io(text, &io) == 0 && !strstr(text, "bytes=") && (io.rbytes || io.wbytes))
		abort();
	stats_format_seconds(buf, sizeof(buf), cpu.usage_usec);
	if (strlen(buf) < 5 || buf[strlen(buf) - 1] != 's')
		abort();
	free(text);
	return 0;
}
