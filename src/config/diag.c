/*
 * diag.c - collect configuration problems as "FILE:LINE: message" lines.
 */
#include "config/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"

/* Append one problem; out of memory here is a broken invariant. */
void diag_add(struct diag_list *d, const char *file, unsigned line, const char *fmt, ...)
{
	char msg[1024];
	char *s = NULL;
	char **nv;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		n = asprintf(&s, "%s:%u: %s", file, line, msg);
	else
		n = asprintf(&s, "%s: %s", file, msg);
	nv = realloc(d->v, (d->n + 1) * sizeof(*nv));
	if (n < 0 || !nv)
		fatal("out of memory");
	d->v = nv;
	d->v[d->n++] = s;
}

/* Free every line. */
void diag_release(struct diag_list *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i]);
	free(d->v);
	d->v = NULL;
	d->n = 0;
}
