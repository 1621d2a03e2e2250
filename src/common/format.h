/*
 * format.h - human-readable durations and sizes for tables (status, stats).
 */
#ifndef PISTACK_COMMON_FORMAT_H
#define PISTACK_COMMON_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "42s", "3m12s", "5h3m", "2d4h". */
void format_duration(char *buf, size_t size, uint64_t seconds);
/* "512B", "12.3K", "4.5M", "1.25G" (powers of 1024). */
void format_size(char *buf, size_t size, unsigned long long bytes);

#endif
