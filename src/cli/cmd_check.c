/*
 * cmd_check.c - `pistack check`: load the whole configuration root and print
 * "configuration OK", or one FILE:LINE line per problem and exit 3.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "config/config.h"

int cmd_check(const struct cli_opts *opts, int argc, char **argv)
{
	struct config cfg;

	(void)argv;
	if (argc > 1) {
		fputs("usage: pistack check\n", stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(opts, &cfg) != EXIT_OK)
		return EXIT_CONFIG;
	printf("configuration OK\n");
	config_release(&cfg);
	return EXIT_OK;
}
