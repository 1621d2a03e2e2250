/*
 * diag.h - a list of configuration problems, each "FILE:LINE: message", so that
 * `pistack check` can report every error in every file at once.
 */
#ifndef PISTACK_CONFIG_DIAG_H
#define PISTACK_CONFIG_DIAG_H

#include <stddef.h>

struct diag_list {
	char **v;
	size_t n;
};

/* Append "FILE:LINE: message" (LINE 0 prints as FILE: message). */
void diag_add(struct diag_list *d, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_release(struct diag_list *d);

#endif
