/*
 * format.c - durations and sizes for tables; see format.h.
 */
#include "common/format.h"

#include <stdio.h>

/* See format.h. */
void format_duration(char *buf, size_t size, uint64_t s)
{
	if (s < 60)
		snprintf(buf, size, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%llum%llus", (unsigned long long)s / 60, (unsigned long long)s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lluh%llum", (unsigned long long)s / 3600, (unsigned long long)s % 3600 / 60);
	else
		snprintf(buf, size, "%llud%lluh", (unsigned long long)s / 86400, (unsigned long long)s % 86400 / 3600);
}

/* See format.h. */
void format_size(char *buf, size_t size, unsigned long long b)
{
	if (b < 1024)
		snprintf(buf, size, "%lluB", b);
	else if (b < 1024ULL * 1024)
		snprintf(buf, size, "%.1fK", (double)b / 1024);
	else if (b < 1024ULL * 1024 * 1024)
		snprintf(buf, size, "%.1fM", (double)b / (1024.0 * 1024));
	else
		snprintf(buf, size, "%.2fG", (double)b / (1024.0 * 1024 * 1024));
}
