/*
 * doctor_parse.c - pure parsers for `pistack doctor`: kernel and systemd
 * versions, module lists, listening sockets of /proc/net/tcp, the Seccomp
 * field of /proc/self/status.  Nothing here touches the system.
 */
#include "cli/doctor.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

/* Parse a decimal number at *P (at most 9 digits), advancing *P; false when there is none. */
static bool dp_number(const char **p, unsigned *out)
{
	unsigned v = 0;
	int digits = 0;

	while (**p >= '0' && **p <= '9') {
		if (++digits > 9)
			return false;
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
	}
	*out = v;
	return digits > 0;
}

/* See doctor.h. */
int doctor_parse_kernel_version(const char *release, unsigned *major, unsigned *minor)
{
	const char *p = release;

	if (!dp_number(&p, major) || *p++ != '.' || !dp_number(&p, minor))
		return -EINVAL;
	return 0;
}

/* See doctor.h. */
int doctor_parse_systemd_version(const char *text, unsigned *version)
{
	const char *p = text;

	if (strncmp(p, "systemd ", 8) != 0)
		return -EINVAL;
	p += 8;
	if (!dp_number(&p, version))
		return -EINVAL;
	/* "systemd 252 (...)" or "systemd 252" alone on its line. */
	if (*p != ' ' && *p != '\n' && *p != '\0')
		return -EINVAL;
	return 0;
}

/* Whether A (LEN bytes) names module NAME: '-' and '_' are the same in module names. */
static bool dp_same_module(const char *a, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i < len && name[i]; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = name[i] == '-' ? '_' : name[i];

		if (x != y)
			return false;
	}
	return i == len && !name[i];
}

/* See doctor.h. */
bool doctor_module_listed(const char *text, const char *name)
{
	static const char *const suffixes[] = {".ko", ".ko.xz", ".ko.zst", ".ko.gz"};

	for (const char *line = text; *line;) {
		const char *eol = strchrnul(line, '\n');
		const char *end = memchr(line, ':', (size_t)(eol - line));
		const char *base;

		if (!end)
			end = eol;
		/* The module's file is the first field; its name is the last path component. */
		base = end;
		while (base > line && base[-1] != '/')
			base--;
		for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
			size_t n = strlen(suffixes[i]);

			if ((size_t)(end - base) > n && !memcmp(end - n, suffixes[i], n) &&
			    dp_same_module(base, (size_t)(end - base) - n, name))
				return true;
		}
		line = *eol ? eol + 1 : eol;
	}
	return false;
}

/* Split LINE..EOL into at most MAX blank-separated fields. */
static int dp_fields(const char *line, const char *eol, const char **start, size_t *len, int max)
{
	int n = 0;

	while (line < eol && n < max) {
		while (line < eol && (*line == ' ' || *line == '\t'))
			line++;
		if (line == eol)
			break;
		start[n] = line;
		while (line < eol && *line != ' ' && *line != '\t')
			line++;
		len[n] = (size_t)(line - start[n]);
		n++;
	}
	return n;
}

/* The value of LEN hex digits at S into OUT; false if any is not hex or it overflows. */
static bool dp_hex(const char *s, size_t len, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 2 * sizeof(v))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* See doctor.h. */
int doctor_parse_listeners(const char *text, unsigned port, unsigned long *inodes, int max)
{
	int found = 0;

	for (const char *line = text; *line && found < max;) {
		const char *eol = strchrnul(line, '\n');
		const char *f[10];
		size_t len[10];
		const char *colon;
		unsigned long p, st, inode = 0;
		int nf = dp_fields(line, eol, f, len, 10);

		line = *eol ? eol + 1 : eol;
		/* "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode";
		 * the header line fails the checks below. */
		if (nf < 10)
			continue;
		colon = memchr(f[1], ':', len[1]);
		if (!colon || !dp_hex(colon + 1, len[1] - (size_t)(colon + 1 - f[1]), &p) ||
		    !dp_hex(f[3], len[3], &st))
			continue;
		/* 0A is TCP_LISTEN. */
		if (p != port || st != 0x0A)
			continue;
		for (size_t i = 0; i < len[9]; i++) {
			if (f[9][i] < '0' || f[9][i] > '9' || inode > (ULONG_MAX - 9) / 10) {
				inode = 0;
				break;
			}
			inode = inode * 10 + (unsigned long)(f[9][i] - '0');
		}
		if (inode)
			inodes[found++] = inode;
	}
	return found;
}

/* See doctor.h. */
int doctor_parse_seccomp_mode(const char *text)
{
	for (const char *line = text; *line;) {
		const char *eol = strchrnul(line, '\n');

		if (!strncmp(line, "Seccomp:", 8)) {
			const char *p = line + 8;
			unsigned mode;

			while (*p == ' ' || *p == '\t')
				p++;
			if (!dp_number(&p, &mode) || mode > 2 || (p != eol))
				return -EINVAL;
			return (int)mode;
		}
		line = *eol ? eol + 1 : eol;
	}
	return -ENOENT;
}
