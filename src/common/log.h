/*
 * log.h - messages from the CLI and daemons, in the one grammar:
 *   pistack: NAME: unable to STEP 'OBJECT': reason
 */
#ifndef PISTACK_COMMON_LOG_H
#define PISTACK_COMMON_LOG_H

#include "common/error.h"

/* Verbosity set by -v; debug messages are printed only when > 0. */
extern int log_verbosity;

/* "pistack: MSG" on stderr. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "pistack: MSG" on stderr, only with -v. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "pistack: WHO: unable to ERR->msg" on stderr; WHO may be NULL. */
void log_error(const char *who, const struct error *err);
/* Print "pistack: MSG" and exit(1): startup failures and broken invariants only. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
