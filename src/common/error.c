/*
 * error.c - fill and extend the error object of error.h.
 */
#include "common/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Describe a failure; see error.h. */
int error_setv(struct error *err, int errnum, const char *fmt, va_list ap)
{
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);

	if (n < 0)
		err->msg[0] = '\0', n = 0;
	if (errnum != 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
	err->errnum = errnum;
	return errnum ? -errnum : -EINVAL;
}

/* Describe a failure; see error.h. */
int error_set(struct error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = error_setv(err, errnum, fmt, ap);
	va_end(ap);
	return ret;
}

/* Prepend context to the message already in ERR. */
void error_prefix(struct error *err, const char *fmt, ...)
{
	char joined[2 * ERROR_MSG_MAX + 2];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(joined, ERROR_MSG_MAX, fmt, ap);
	va_end(ap);
	n = strlen(joined);
	joined[n++] = ':';
	joined[n++] = ' ';
	memcpy(joined + n, err->msg, strnlen(err->msg, ERROR_MSG_MAX - 1) + 1);
	joined[ERROR_MSG_MAX - 1] = '\0';
	memcpy(err->msg, joined, ERROR_MSG_MAX);
}

/* Reset ERR. */
void error_clear(struct error *err)
{
	err->errnum = 0;
	err->msg[0] = '\0';
}
