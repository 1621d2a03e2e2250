/*
 * cli_config.c - load the configuration root for a command, printing every
 * problem as `pistack check` does.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "config/config.h"

/* Print every problem of a failed load. */
static int cli_config_failed(const struct cli_opts *opts, struct diag_list *diags)
{
	for (size_t i = 0; i < diags->n; i++)
		fprintf(stderr, "%s\n", diags->v[i]);
	if (diags->n == 0)
		fprintf(stderr, "pistack: unable to load '%s': out of memory\n", opts->conf_root);
	diag_release(diags);
	return EXIT_CONFIG;
}

/* See cli.h. */
int cli_load_global_config(const struct cli_opts *opts, struct config *cfg)
{
	struct diag_list diags = { 0 };

	if (config_load_global(cfg, opts->conf_root, &diags) == 0)
		return EXIT_OK;
	return cli_config_failed(opts, &diags);
}

/* See cli.h. */
int cli_load_config(const struct cli_opts *opts, struct config *cfg)
{
	struct diag_list diags = { 0 };

	if (config_load(cfg, opts->conf_root, &diags) == 0)
		return EXIT_OK;
	return cli_config_failed(opts, &diags);
}
