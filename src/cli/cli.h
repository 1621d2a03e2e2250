/*
 * cli.h - the commands of the pistack binary.  Each cmd_* gets the global
 * options and its own arguments (argv[0] is the command name) and returns
 * the process exit status.
 */
#ifndef PISTACK_CLI_CLI_H
#define PISTACK_CLI_CLI_H

#include <stdio.h>

/* Exit statuses of interface.md. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_CONFIG = 3,
	EXIT_RUN_FAILED = 125,
	EXIT_CANNOT_EXEC = 126,
	EXIT_NOT_FOUND = 127,
};

struct cli_opts {
	const char *conf_root;  /* -C DIR, PISTACK_CONF, or /etc/pistack */
	int verbose;
};

struct cli_command {
	const char *name;
	const char *args;       /* synopsis of the arguments */
	const char *summary;
	int (*run)(const struct cli_opts *opts, int argc, char **argv);
};

extern const struct cli_command cli_commands[];

struct config;
/* Load the configuration root of OPTS into CFG: EXIT_OK, or EXIT_CONFIG after
 * printing every FILE:LINE problem. */
int cli_load_config(const struct cli_opts *opts, struct config *cfg);
/* The same for conf.d/pistack.ini alone (paths of the daemon's socket). */
int cli_load_global_config(const struct cli_opts *opts, struct config *cfg);

const struct cli_command *cli_find_command(const char *name);
void cli_usage(FILE *out);

int cmd_run(const struct cli_opts *opts, int argc, char **argv);
int cmd_daemon(const struct cli_opts *opts, int argc, char **argv);
int cmd_check(const struct cli_opts *opts, int argc, char **argv);
/* start stop restart status ps logs exec stats reload down: talk to the daemon. */
int cmd_ctl(const struct cli_opts *opts, int argc, char **argv);
int cmd_help(const struct cli_opts *opts, int argc, char **argv);
/* enable disable: the services the daemon starts when it starts. */
int cmd_enable(const struct cli_opts *opts, int argc, char **argv);
int cmd_doctor(const struct cli_opts *opts, int argc, char **argv);
int cmd_version(const struct cli_opts *opts, int argc, char **argv);
/* build: the root filesystems of `rootfs = debian:PKG,...` services. */
int cmd_build(const struct cli_opts *opts, int argc, char **argv);
struct service_config;
/* Build the debian: rootfs of SVC unless it is built (nothing to do for other
 * kinds), showing progress on stderr and the result on OUT (`run` calls it
 * before it prepares the service).  EXIT_OK, or EXIT_FAILED after printing
 * the error. */
int cli_build_rootfs(const struct config *cfg, const struct service_config *svc, FILE *out);

#endif
