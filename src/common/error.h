/*
 * error.h - the error object library code fills instead of printing.
 *
 * Library layers (config, isolate, net) never log: they describe what failed
 * as "STEP 'OBJECT': reason" and return a negative errno.  The CLI and the
 * daemon decide how to show it, normally as
 *   pistack: NAME: unable to STEP 'OBJECT': reason
 */
#ifndef PISTACK_COMMON_ERROR_H
#define PISTACK_COMMON_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#define ERROR_MSG_MAX 512

struct error {
	int errnum;                /* errno of the failure, 0 when not a system error */
	char msg[ERROR_MSG_MAX];   /* "STEP 'OBJECT': reason", without "unable to" */
};

/* Fill ERR with a formatted step and object, plus strerror(ERRNUM) when ERRNUM != 0.
 * Returns -ERRNUM (or -EINVAL when ERRNUM is 0) so callers can `return error_set(...)`. */
int error_set(struct error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same as error_set() with a va_list. */
int error_setv(struct error *err, int errnum, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Prefix an already filled error with more context: "CONTEXT: old message". */
void error_prefix(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reset ERR to "no error". */
void error_clear(struct error *err);

#endif
