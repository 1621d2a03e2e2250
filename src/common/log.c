/*
 * log.c - write the CLI's and daemons' messages to stderr.
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int log_verbosity;

static void log_vprint(const char *fmt, va_list ap)
{
	fputs("pistack: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* Print one message line. */
void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}

/* Print one message line when verbose. */
void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity <= 0)
		return;
	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}

/* Print an error object in the project's grammar. */
void log_error(const char *who, const struct error *err)
{
	if (who)
		fprintf(stderr, "pistack: %s: unable to %s\n", who, err->msg);
	else
		fprintf(stderr, "pistack: unable to %s\n", err->msg);
}

/* Print and exit; for startup failures and broken invariants. */
void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
	exit(1);
}
