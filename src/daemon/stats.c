/*
 * stats.c - parsers for the cgroup v2 statistics files `pistack stats`
 * reads.  Pure functions over NUL-terminated text: the kernel's format is
 * trusted no more than any other input.
 */
#include "daemon/stats.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Parse the decimal number of LEN bytes at S (no sign, no blank); false when
 * empty, not a number or beyond unsigned long long. */
static bool stats_parse_number(const char *s, size_t len, unsigned long long *out)
{
	unsigned long long v = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (s[i] < '0' || s[i] > '9' || v > (ULLONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Whether the LEN bytes at S are exactly the string WORD. */
static bool stats_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* See stats.h. */
int stats_parse_cpu(const char *text, struct stats_cpu *out)
{
	bool have_usage = false;

	memset(out, 0, sizeof(*out));
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		size_t klen = strcspn(line, " \n");
		const char *val = line + klen + 1;
		unsigned long long *slot = NULL;

		if (stats_is(line, klen, "usage_usec"))
			slot = &out->usage_usec;
		else if (stats_is(line, klen, "user_usec"))
			slot = &out->user_usec;
		else if (stats_is(line, klen, "system_usec"))
			slot = &out->system_usec;
		if (slot) {
			if (klen >= len || !stats_parse_number(val, len - klen - 1, slot))
				return -EINVAL;
			if (slot == &out->usage_usec)
				have_usage = true;
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	return have_usage ? 0 : -EINVAL;
}

/* Whether the LEN bytes at S are a device number "MAJ:MIN". */
static bool stats_is_device(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	unsigned long long v;

	return colon && stats_parse_number(s, (size_t)(colon - s), &v) &&
	       stats_parse_number(colon + 1, len - (size_t)(colon - s) - 1, &v);
}

/* A + B, or ULLONG_MAX when it does not fit. */
static unsigned long long stats_add(unsigned long long a, unsigned long long b)
{
	return a > ULLONG_MAX - b ? ULLONG_MAX : a + b;
}

/* See stats.h. */
int stats_parse_io(const char *text, struct stats_io *out)
{
	memset(out, 0, sizeof(*out));
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		const char *end = line + len, *p = line;
		size_t tlen = strcspn(p, " \n");

		if (len > 0 && !stats_is_device(p, tlen))
			return -EINVAL;
		for (p += tlen; p < end;) {
			const char *eq;
			unsigned long long v;

			while (p < end && *p == ' ')
				p++;
			tlen = strcspn(p, " \n");
			if (tlen == 0)
				break;
			eq = memchr(p, '=', tlen);
			if (!eq)
				return -EINVAL;
			if (stats_is(p, (size_t)(eq - p), "rbytes") ||
			    stats_is(p, (size_t)(eq - p), "wbytes")) {
				if (!stats_parse_number(eq + 1, tlen - (size_t)(eq - p) - 1, &v))
					return -EINVAL;
				if (*p == 'r')
					out->rbytes = stats_add(out->rbytes, v);
				else
					out->wbytes = stats_add(out->wbytes, v);
			}
			p += tlen;
		}
		line = *end ? end + 1 : end;
	}
	return 0;
}

/* See stats.h. */
void stats_format_seconds(char *buf, size_t size, unsigned long long usec)
{
	unsigned long long cs = usec / 10000 + (usec % 10000 >= 5000);

	snprintf(buf, size, "%llu.%02llus", cs / 100, cs % 100);
}
