/*
 * cmd_check.c - `pistack check`: load the whole configuration root and print
 * "configuration OK", or one FILE:LINE line per problem and exit 3.  Beyond
 * the loader's checks, every seccomp profile file a service names is parsed
 * and compiled, so a broken profile is found here and not at the next start.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "config/config.h"
#include "config/schema.h"
#include "isolate/security.h"

/* Compile the seccomp profiles named by services; print problems as FILE:LINE. */
static int check_seccomp_profiles(const struct config *cfg)
{
	const struct schema_key *k = schema_find(SCOPE_SERVICE, "security", "seccomp");
	int status = EXIT_OK;

	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct service_config *svc = &cfg->services[i];
		struct seccomp_program prog = { 0 };
		struct error err;
		if (svc->seccomp.kind != SECCOMP_FILE)
			continue;
		if (seccomp_program_build(&svc->seccomp, service_effective_caps(svc), &prog, &err) < 0) {
			const struct origin *o = &svc->origins[schema_index(k)];
			fprintf(stderr, "%s:%u: seccomp: unable to %s\n", o->file ? o->file : svc->file.file,
				o->file ? o->line : svc->file.line, err.msg);
			status = EXIT_CONFIG;
		}
		seccomp_program_release(&prog);
	}
	return status;
}

int cmd_check(const struct cli_opts *opts, int argc, char **argv)
{
	struct config cfg;
	int status;

	(void)argv;
	if (argc > 1) {
		fputs("usage: pistack check\n", stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(opts, &cfg) != EXIT_OK)
		return EXIT_CONFIG;
	status = check_seccomp_profiles(&cfg);
	if (status == EXIT_OK)
		printf("configuration OK\n");
	config_release(&cfg);
	return status;
}
