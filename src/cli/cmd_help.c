/*
 * cmd_help.c - `pistack help [COMMAND | config]` and `pistack version`.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config/schema.h"

int cmd_help(const struct cli_opts *opts, int argc, char **argv)
{
	const struct cli_command *cmd;

	(void)opts;
	if (argc < 2) {
		cli_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "config") == 0) {
		schema_print_help(stdout);
		return EXIT_OK;
	}
	/* Machine renderings used by the build to keep docs in step with the schema. */
	if (strcmp(argv[1], "--schema-man") == 0) {
		schema_print_man(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--schema-ini") == 0) {
		schema_print_ini(stdout);
		return EXIT_OK;
	}
	cmd = cli_find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "pistack: help: unknown command '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	printf("usage: pistack %s%s%s\n  %s\n", cmd->name, *cmd->args ? " " : "", cmd->args, cmd->summary);
	return EXIT_OK;
}

int cmd_version(const struct cli_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	printf("pistack %s\n", PISTACK_VERSION);
	return EXIT_OK;
}
