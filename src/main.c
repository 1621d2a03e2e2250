/*
 * main.c - the pistack binary: global options, then one command from the
 * command table.  Every role (CLI, daemon, gateway, container init) is a
 * command of this one binary.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "common/proctitle.h"

const struct cli_command cli_commands[] = {
	{ "run", "[--rm] NAME [-- CMD ARG...]", "run one service in the foreground, without the daemon", cmd_run },
	{ "start", "NAME...", "start services under the daemon", cmd_ctl },
	{ "stop", "NAME...", "stop services (stop_signal, then SIGKILL after stop_timeout)", cmd_ctl },
	{ "restart", "NAME...", "stop, then start services", cmd_ctl },
	{ "status", "[--json] [NAME...]", "a table of services (alias: ps)", cmd_ctl },
	{ "ps", "[--json] [NAME...]", "same as status", cmd_ctl },
	{ "logs", "[-f] [-n N] NAME", "the service's captured stdout and stderr", cmd_ctl },
	{ "exec", "[-i] [-t] NAME CMD [ARG...]", "run a command inside a running service", cmd_ctl },
	{ "stats", "[--json] [NAME...]", "CPU, memory, pids and I/O of services", cmd_ctl },
	{ "reload", "", "re-read the configuration and apply it", cmd_ctl },
	{ "check", "", "validate every configuration file", cmd_check },
	{ "build", "NAME...", "build the root filesystems of debian: services ahead", cmd_build },
	{ "down", "", "stop every service and the daemon", cmd_ctl },
	{ "enable", "[--now] NAME...", "start services whenever the daemon starts", cmd_enable },
	{ "disable", "[--now] NAME...", "no longer start services with the daemon", cmd_enable },
	{ "doctor", "", "check what this host supports and say what to fix", cmd_doctor },
	{ "daemon", "[-f]", "the supervisor (in the foreground with -f)", cmd_daemon },
	{ "version", "", "print the version", cmd_version },
	{ "help", "[COMMAND | config]", "this text, a command's usage, or the configuration keys", cmd_help },
	{ NULL, NULL, NULL, NULL },
};

/* The entry of command NAME, or NULL. */
const struct cli_command *cli_find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* The synopsis, as in pistack(8). */
void cli_usage(FILE *out)
{
	fputs("usage: pistack [-C DIR] [-v] COMMAND [ARGS]\n"
	      "  -C DIR   configuration root holding conf.d/ and bundles/\n"
	      "           (default /etc/pistack; environment PISTACK_CONF)\n"
	      "  -v       more messages\n"
	      "\ncommands:\n", out);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-8s %-28s %s\n", c->name, c->args, c->summary);
}

int main(int argc, char **argv)
{
	struct cli_opts opts = { .conf_root = getenv("PISTACK_CONF") };
	const struct cli_command *cmd;
	int opt;

	proctitle_init(argc, argv);
	if (!opts.conf_root || !*opts.conf_root)
		opts.conf_root = "/etc/pistack";
	/* '+': stop at the command, whose own options follow it. */
	while ((opt = getopt(argc, argv, "+C:vh")) != -1) {
		switch (opt) {
		case 'C':
			opts.conf_root = optarg;
			break;
		case 'v':
			opts.verbose++;
			break;
		case 'h':
			cli_usage(stdout);
			return EXIT_OK;
		default:
			cli_usage(stderr);
			return EXIT_USAGE;
		}
	}
	log_verbosity = opts.verbose;
	if (optind >= argc) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = cli_find_command(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "pistack: unknown command '%s'; see 'pistack help'\n", argv[optind]);
		return EXIT_USAGE;
	}
	optind++;
	return cmd->run(&opts, argc - optind + 1, argv + optind - 1);
}
