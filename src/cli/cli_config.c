/*
 * cli_config.c - load the configuration root for a command, printing every
 * problem as `pistack check` does.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "config/config.h"

/* See cli.h. */
int cli_load_config(const struct cli_opts *opts, struct config *cfg)
{
	struct diag_list diags = { 0 };

	if (config_load(cfg, opts->conf_root, &diags) == 0)
		return EXIT_OK;
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "%s\n", diags.v[i]);
	if (diags.n == 0)
		fprintf(stderr, "pistack: unable to load '%s': out of memory\n", opts->conf_root);
	diag_release(&diags);
	return EXIT_CONFIG;
}
