/*
 * value.c - configuration values that are plain scalars: the error and word helpers every
 * parser shares, string vectors, booleans, sizes, durations, numbers, CPUs, signals and the
 * keyword enumerations, and environment entries.  Names, paths, users and exec lines are in
 * value_text.c.
 */
#include "config/value.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"

#define VALUE_ECHO_MAX 64

/* Copy LEN bytes of TEXT for a message: printable ASCII only, cut at VALUE_ECHO_MAX. */
static void value_echo(char *buf, size_t size, const char *text, size_t len)
{
	size_t n = len > VALUE_ECHO_MAX ? VALUE_ECHO_MAX : len;
	size_t i;

	if (n > size - 4)
		n = size - 4;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		/* These messages reach terminals: never let escape sequences through. */
		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n < len) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
}

/* "invalid WHAT 'TEXT': REASON" with TEXT of LEN bytes; see value_error(). */
static int value_errorv(struct error *err, const char *what, const char *text, size_t len,
			const char *fmt, va_list ap)
{
	char echo[VALUE_ECHO_MAX + 4];
	char reason[ERROR_MSG_MAX];

	value_echo(echo, sizeof(echo), text, len);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	return error_set(err, 0, "invalid %s '%s': %s", what, echo, reason);
}

/* Describe a value that does not parse; see value.h. */
int value_error(struct error *err, const char *what, const char *text, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = value_errorv(err, what, text, strlen(text), fmt, ap);
	va_end(ap);
	return ret;
}

/* Same as value_error() for the first LEN bytes of TEXT. */
__attribute__((format(printf, 5, 6))) static int
value_errorn(struct error *err, const char *what, const char *text, size_t len, const char *fmt,
	     ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = value_errorv(err, what, text, len, fmt, ap);
	va_end(ap);
	return ret;
}

/* Split off the next blank-separated word; see value.h. */
size_t value_next_word(const char **p, char *buf, size_t size)
{
	const char *s = *p + strspn(*p, " \t");
	size_t len = strcspn(s, " \t");
	size_t n = len < size ? len : size - 1;

	memcpy(buf, s, n);
	buf[n] = '\0';
	*p = s + len;
	return len;
}

/* Append a copy of S, keeping the vector NULL-terminated. */
int strv_push(struct strv *sv, const char *s)
{
	char **v;
	char *copy;

	if (!s)
		return -EINVAL;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	v = realloc(sv->v, (sv->n + 2) * sizeof(*v));
	if (!v) {
		free(copy);
		return -ENOMEM;
	}
	v[sv->n++] = copy;
	v[sv->n] = NULL;
	sv->v = v;
	return 0;
}

/* Fill DST with copies of SRC's strings; DST's previous content is not freed. */
int strv_copy(struct strv *dst, const struct strv *src)
{
	struct strv copy = { NULL, 0 };

	for (size_t i = 0; i < src->n; i++) {
		int r = strv_push(&copy, src->v[i]);

		if (r < 0) {
			strv_release(&copy);
			return r;
		}
	}
	*dst = copy;
	return 0;
}

/* Free every string and the array; leave SV empty. */
void strv_release(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* Read decimal digits at *P into *OUT; false when there are none.  On overflow *OVERFLOW is
 * set and the digits are still consumed, so callers can judge the form first. */
static bool value_digits(const char **p, uint64_t *out, bool *overflow)
{
	const char *s = *p;
	uint64_t n = 0;

	*overflow = false;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (n > (UINT64_MAX - d) / 10)
			*overflow = true;
		else
			n = n * 10 + d;
	}
	if (s == *p)
		return false;
	*out = n;
	*p = s;
	return true;
}

/* yes/no/true/false/on/off/1/0, any case. */
int value_parse_bool(const char *s, bool *out, struct error *err)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return value_error(err, "boolean", s, "expected yes, no, true, false, on, off, 1 or 0");
}

#define SIZE_FORM "a number with an optional K, M, G or T suffix (powers of 1024), like 64K or 128M"

/* A byte count: digits and an optional K/M/G/T suffix, 1024-based. */
int value_parse_size(const char *s, uint64_t *out, struct error *err)
{
	const char *p = s;
	uint64_t n, mult = 1;
	bool overflow;

	if (!value_digits(&p, &n, &overflow))
		return value_error(err, "size", s, "expected " SIZE_FORM);
	/* At most one suffix character, and nothing after it. */
	if (*p) {
		static const char suffixes[] = "KMGT";
		const char *suffix = strchr(suffixes, *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);

		if (!suffix || !*suffix || p[1])
			return value_error(err, "size", s, "expected " SIZE_FORM);
		mult = 1ULL << (10 * (suffix - suffixes + 1));
	}
	if (overflow || n > UINT64_MAX / mult)
		return value_error(err, "size", s,
				   "too large, expected at most 18446744073709551615 bytes");
	*out = n * mult;
	return 0;
}

/* A size, or "max" for no limit. */
int value_parse_limit(const char *s, uint64_t *out, struct error *err)
{
	if (strcasecmp(s, "max") == 0) {
		*out = SIZE_UNLIMITED;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return value_error(err, "limit", s, "expected max or " SIZE_FORM);
	return value_parse_size(s, out, err);
}

#define DURATION_FORM "a duration like 500ms, 10s, 5m or 1h"

/* NUMBER UNIT groups ("1m30s") summed in milliseconds; a bare "0" is zero. */
int value_parse_duration(const char *s, uint64_t *out_ms, struct error *err)
{
	const char *p = s;
	uint64_t total = 0;
	bool too_large = false;

	if (strcmp(s, "0") == 0) {
		*out_ms = 0;
		return 0;
	}
	if (!*s)
		return value_error(err, "duration", s, "expected " DURATION_FORM);
	while (*p) {
		uint64_t n, unit;
		bool overflow;

		if (!value_digits(&p, &n, &overflow))
			return value_error(err, "duration", s, "expected " DURATION_FORM);
		if (p[0] == 'm' && p[1] == 's')
			unit = 1, p += 2;
		else if (*p == 's')
			unit = 1000, p++;
		else if (*p == 'm')
			unit = 60 * 1000, p++;
		else if (*p == 'h')
			unit = 3600 * 1000, p++;
		else if (*p == 'd')
			unit = 86400 * 1000, p++;
		else
			return value_error(err, "duration", s, "expected " DURATION_FORM);
		if (overflow || n > UINT64_MAX / unit || total > UINT64_MAX - n * unit)
			too_large = true;
		else
			total += n * unit;
	}
	if (too_large)
		return value_error(err, "duration", s, "too large, expected at most 213503982334d");
	*out_ms = total;
	return 0;
}

/* A decimal number within [MIN, MAX]. */
int value_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, struct error *err)
{
	const char *p = s;
	uint64_t n;
	bool overflow;

	if (!value_digits(&p, &n, &overflow) || *p || overflow || n < min || n > max)
		return value_error(err, "number", s, "expected a number from %llu to %llu",
				   (unsigned long long)min, (unsigned long long)max);
	*out = n;
	return 0;
}

#define CPUS_FORM "a number of CPUs from 0.001 to 1024, like 0.5 or 2"

/* CPUs with up to three decimals, as thousandths. */
int value_parse_cpus(const char *s, uint32_t *out_millicpus, struct error *err)
{
	const char *p = s;
	uint64_t whole, milli = 0;
	bool overflow;

	if (!value_digits(&p, &whole, &overflow))
		return value_error(err, "CPU count", s, "expected " CPUS_FORM);
	if (*p == '.') {
		unsigned scale = 100, digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits < 3)
				milli += (uint64_t)(*p - '0') * scale;
			scale /= 10;
		}
		if (digits == 0)
			return value_error(err, "CPU count", s, "expected " CPUS_FORM);
		if (digits > 3 && !*p)
			return value_error(err, "CPU count", s,
					   "expected at most 3 decimals, like 0.125");
	}
	if (*p || overflow || whole > 1024 || whole * 1000 + milli > 1024000 ||
	    whole * 1000 + milli == 0)
		return value_error(err, "CPU count", s, "expected " CPUS_FORM);
	*out_millicpus = (uint32_t)(whole * 1000 + milli);
	return 0;
}

/* A TCP or UDP port, 1..65535. */
int value_parse_port(const char *s, uint16_t *out, struct error *err)
{
	const char *p = s;
	uint64_t n;
	bool overflow;

	if (!value_digits(&p, &n, &overflow) || *p || overflow || n < 1 || n > 65535)
		return value_error(err, "port", s, "expected a port number from 1 to 65535");
	*out = (uint16_t)n;
	return 0;
}

/* The names of signal(7) for 1..31, indexed by number. */
static const char *const value_signal_names[32] = {
	[SIGHUP] = "HUP",
	[SIGINT] = "INT",
	[SIGQUIT] = "QUIT",
	[SIGILL] = "ILL",
	[SIGTRAP] = "TRAP",
	[SIGABRT] = "ABRT",
	[SIGBUS] = "BUS",
	[SIGFPE] = "FPE",
	[SIGKILL] = "KILL",
	[SIGUSR1] = "USR1",
	[SIGSEGV] = "SEGV",
	[SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE",
	[SIGALRM] = "ALRM",
	[SIGTERM] = "TERM",
#ifdef SIGSTKFLT
	[SIGSTKFLT] = "STKFLT",
#endif
	[SIGCHLD] = "CHLD",
	[SIGCONT] = "CONT",
	[SIGSTOP] = "STOP",
	[SIGTSTP] = "TSTP",
	[SIGTTIN] = "TTIN",
	[SIGTTOU] = "TTOU",
	[SIGURG] = "URG",
	[SIGXCPU] = "XCPU",
	[SIGXFSZ] = "XFSZ",
	[SIGVTALRM] = "VTALRM",
	[SIGPROF] = "PROF",
	[SIGWINCH] = "WINCH",
	[SIGIO] = "IO",
	[SIGPWR] = "PWR",
	[SIGSYS] = "SYS",
};

#define SIGNAL_MAX 64 /* the kernel's _NSIG - 1 on every Linux architecture we run on */
#define SIGNAL_FORM "a signal name like TERM, SIGHUP or int, or a number from 1 to 64"

/* A signal by name (SIG prefix optional, any case) or number 1..64. */
int value_parse_signal(const char *s, int *out, struct error *err)
{
	const char *name = s;

	if (*s >= '0' && *s <= '9') {
		const char *p = s;
		uint64_t n;
		bool overflow;

		if (!value_digits(&p, &n, &overflow) || *p || overflow || n < 1 || n > SIGNAL_MAX)
			return value_error(err, "signal", s, "expected " SIGNAL_FORM);
		*out = (int)n;
		return 0;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (int i = 1; i < 32; i++) {
		if (value_signal_names[i] && strcasecmp(name, value_signal_names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return value_error(err, "signal", s, "expected " SIGNAL_FORM);
}

/* The signal(7) name without "SIG", or NULL for a signal without one. */
const char *value_signal_name(int sig)
{
	if (sig < 1 || sig >= 32)
		return NULL;
	return value_signal_names[sig];
}

/* Look up S (any case) in NAMES[0..N); the index, or -1. */
static int value_keyword(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

static const char *const value_restart_names[] = {
	[RESTART_NO] = "no",
	[RESTART_ON_FAILURE] = "on-failure",
	[RESTART_ALWAYS] = "always",
	[RESTART_UNLESS_STOPPED] = "unless-stopped",
};

/* no | on-failure | always | unless-stopped, any case. */
int value_parse_restart(const char *s, enum restart_policy *out, struct error *err)
{
	int i = value_keyword(s, value_restart_names, ARRAY_SIZE(value_restart_names));

	if (i < 0)
		return value_error(err, "restart policy", s,
				   "expected no, on-failure, always or unless-stopped");
	*out = (enum restart_policy)i;
	return 0;
}

/* The canonical spelling of a restart policy, or NULL. */
const char *value_restart_name(enum restart_policy p)
{
	if ((unsigned)p >= ARRAY_SIZE(value_restart_names))
		return NULL;
	return value_restart_names[p];
}

static const char *const value_net_mode_names[] = {
	[NET_INTERCONTAINER] = "intercontainer",
	[NET_NONE] = "none",
	[NET_HOST] = "host",
};

/* intercontainer | none | host, any case. */
int value_parse_net_mode(const char *s, enum net_mode *out, struct error *err)
{
	int i = value_keyword(s, value_net_mode_names, ARRAY_SIZE(value_net_mode_names));

	if (i < 0)
		return value_error(err, "network mode", s, "expected intercontainer, none or host");
	*out = (enum net_mode)i;
	return 0;
}

/* The canonical spelling of a network mode, or NULL. */
const char *value_net_mode_name(enum net_mode m)
{
	if ((unsigned)m >= ARRAY_SIZE(value_net_mode_names))
		return NULL;
	return value_net_mode_names[m];
}

/* An environment entry KEY=VALUE; only the key has rules.  Only the key is echoed on error:
 * values are often secrets. */
int value_parse_env(const char *s, struct error *err)
{
	const char *eq = strchr(s, '=');
	size_t keylen = eq ? (size_t)(eq - s) : strlen(s);
	bool ok = eq && keylen > 0 && !(s[0] >= '0' && s[0] <= '9');

	for (size_t i = 0; ok && i < keylen; i++) {
		char c = s[i];

		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '_';
	}
	if (!ok)
		return value_errorn(err, "environment variable", s, keylen,
				    "expected KEY=VALUE, KEY of letters, digits and '_', "
				    "not starting with a digit");
	return 0;
}
