/*
 * cmd_enable.c - `pistack enable [--now] NAME...` and `pistack disable
 * [--now] NAME...`: the services the daemon starts whenever it starts.
 * Checked against the configuration first, then changed all or nothing in
 * STATE/enabled/ (see daemon/enabled.c); no daemon needed.  --now also starts
 * (stops) them through the daemon, as `start` (`stop`) does.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"
#include "daemon/enabled.h"

/* Print the usage line of CMD; returns EXIT_USAGE. */
static int enable_usage(const char *cmd)
{
	const struct cli_command *c = cli_find_command(cmd);

	fprintf(stderr, "usage: pistack %s %s\n", cmd, c ? c->args : "NAME...");
	return EXIT_USAGE;
}

/* Whether every name of NAMES[0..N) may be changed: a configured service, or
 * (for disable) one that is still marked though its file is gone.  Prints one
 * line per name that may not. */
static bool enable_names_known(const struct config *cfg, const char *cmd, bool on, char **names, int n)
{
	bool ok = true;

	for (int i = 0; i < n; i++) {
		if (config_find_service(cfg, names[i]))
			continue;
		if (!on && enabled_is(cfg->global.state, names[i]))
			continue;
		fprintf(stderr, "pistack: %s: unable to %s '%s': no such service in %s/conf.d\n", names[i],
			cmd, names[i], cfg->root);
		ok = false;
	}
	return ok;
}

int cmd_enable(const struct cli_opts *opts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{"now", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = argv[0];
	bool on = strcmp(cmd, "enable") == 0, now = false;
	struct config cfg;
	struct error err;
	char name[NAME_MAX_LEN + 1];
	int c, n, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (c != 'n') {
			fprintf(stderr, "pistack: %s: unknown option '%s'\n", cmd, argv[optind - 1]);
			return enable_usage(cmd);
		}
		now = true;
	}
	n = argc - optind;
	if (n < 1)
		return enable_usage(cmd);
	for (int i = optind; i < argc; i++) {
		if (value_parse_name(argv[i], name, &err) < 0) {
			fprintf(stderr, "pistack: %s: %s\n", cmd, err.msg);
			return enable_usage(cmd);
		}
	}
	/* Validate everything before changing anything. */
	if (cli_load_config(opts, &cfg) != EXIT_OK)
		return EXIT_CONFIG;
	if (!enable_names_known(&cfg, cmd, on, argv + optind, n)) {
		config_release(&cfg);
		return EXIT_FAILED;
	}
	r = enabled_apply(cfg.global.state, argv + optind, (size_t)n, on, &err);
	config_release(&cfg);
	if (r < 0) {
		fprintf(stderr, "pistack: %s: unable to %s\n", cmd, err.msg);
		return EXIT_FAILED;
	}
	if (!now)
		return EXIT_OK;
	/* --now: `start` or `stop` of the same names, which argv still holds
	 * right after the command's slot. */
	argv[optind - 1] = on ? "start" : "stop";
	return cmd_ctl(opts, n + 1, argv + optind - 1);
}
