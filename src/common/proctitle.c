/*
 * proctitle.c - rewrite the process title shown by ps(1).  Only the argv
 * strings are reused (not environ), so the title is cut to the length of the
 * original command line, which "pistack: init NAME" fits for normal use.
 */
#include "common/proctitle.h"

#include <string.h>
#include <sys/prctl.h>

static char *title_start;
static size_t title_space;

/* Find the contiguous argv strings. */
void proctitle_init(int argc, char **argv)
{
	char *end;

	if (argc < 1 || !argv[0])
		return;
	end = argv[0] + strlen(argv[0]);
	for (int i = 1; i < argc; i++) {
		if (argv[i] != end + 1)
			break;
		end = argv[i] + strlen(argv[i]);
	}
	title_start = argv[0];
	title_space = (size_t)(end - argv[0]);
}

/* Show TITLE in ps; async-signal-safe (used in cloned children). */
void proctitle_set(const char *title)
{
	size_t n = strlen(title);

	prctl(PR_SET_NAME, (unsigned long)title, 0, 0, 0);
	if (!title_start)
		return;
	if (n > title_space)
		n = title_space;
	memcpy(title_start, title, n);
	memset(title_start + n, 0, title_space - n + 1);
}
