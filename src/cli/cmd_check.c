/*
 * cmd_check.c - `pistack check`: load the whole configuration root and print
 * "configuration OK", or one FILE:LINE line per problem and exit 3.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "config/config.h"

int cmd_check(const struct cli_opts *opts, int argc, char **argv)
{
	struct diag_list diags = { 0 };
	struct config cfg;

	(void)argv;
	if (argc > 1) {
		fputs("usage: pistack check\n", stderr);
		return EXIT_USAGE;
	}
	if (config_load(&cfg, opts->conf_root, &diags) < 0) {
		for (size_t i = 0; i < diags.n; i++)
			fprintf(stderr, "%s\n", diags.v[i]);
		if (diags.n == 0)
			fprintf(stderr, "pistack: unable to load '%s': out of memory\n", opts->conf_root);
		diag_release(&diags);
		return EXIT_CONFIG;
	}
	printf("configuration OK\n");
	config_release(&cfg);
	return EXIT_OK;
}
