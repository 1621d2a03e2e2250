/*
 * cmd_build.c - `pistack build NAME...`: build the root filesystems of
 * services with `rootfs = debian:PKG,...` ahead of their start (the daemon
 * does not build), and cli_build_rootfs(), which `pistack run` calls to build
 * on demand.  The build itself is rootfs_debian_build(); this file shows its
 * progress: one updating line on a terminal, mmdebstrap's status lines
 * otherwise.
 */
#include <errno.h>
#include <fts.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/format.h"
#include "common/log.h"
#include "config/config.h"
#include "isolate/rootfs_debian.h"

struct build_view {
	const char *name; /* the service */
	bool tty; /* stderr is a terminal: one line, redrawn */
	unsigned columns;
	bool drawn; /* the progress line is on the screen */
	struct timespec t0; /* when the build began */
};

/* Seconds since T0. */
static long long build_elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t0->tv_sec);
}

/* One line of mmdebstrap's output: on a terminal it replaces the progress
 * line, after the seconds spent (cut to the terminal's width, so it never
 * wraps); otherwise only its status lines ("I: ", "W: ", "E: ") are printed,
 * the rest is in the log. */
static void build_progress(void *data, const char *line)
{
	struct build_view *v = data;
	char buf[512];
	int n;

	if (!v->tty) {
		if (strncmp(line, "I: ", 3) == 0 || strncmp(line, "W: ", 3) == 0 ||
		    strncmp(line, "E: ", 3) == 0 || strncmp(line, "waiting ", 8) == 0)
			fprintf(stderr, "pistack: %s: %s\n", v->name, line);
		return;
	}
	n = snprintf(buf, sizeof(buf), "  %3llds  %s", build_elapsed(&v->t0), line);
	if (n < 0)
		return;
	/* Control characters of apt's would move the cursor. */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 127)
			*p = ' ';
	fprintf(stderr, "\r\033[K%.*s", (int)(v->columns > 1 ? v->columns - 1 : 79), buf);
	fflush(stderr);
	v->drawn = true;
}

/* Remove the progress line from the terminal. */
static void build_progress_clear(struct build_view *v)
{
	if (v->drawn)
		fputs("\r\033[K", stderr);
	v->drawn = false;
}

/* The disk use of the tree at PATH ("170M"), staying on its filesystem. */
static void build_tree_size(const char *path, char *buf, size_t size)
{
	char *paths[] = {(char *)path, NULL};
	unsigned long long bytes = 0;
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
	FTSENT *e;

	if (!fts) {
		snprintf(buf, size, "?");
		return;
	}
	while ((e = fts_read(fts)))
		if (e->fts_info != FTS_DP && e->fts_statp)
			bytes += (unsigned long long)e->fts_statp->st_blocks * 512;
	fts_close(fts);
	format_size(buf, size, bytes);
}

/* See cli.h. */
int cli_build_rootfs(const struct config *cfg, const struct service_config *svc, FILE *out)
{
	struct rootfs_debian_build b = {.state = cfg->global.state, .spec = &svc->rootfs};
	struct build_view v = {.name = svc->name, .tty = isatty(STDERR_FILENO)};
	struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
	struct winsize ws;
	struct error err;
	char shown[256], size[32];
	int r;

	if (svc->rootfs.kind != ROOTFS_DEBIAN)
		return EXIT_OK;
	rootfs_debian_spec_text(&svc->rootfs.packages, shown, sizeof(shown));
	if ((r = rootfs_debian_path(cfg->global.state, &svc->rootfs, b.path, sizeof(b.path), &err)) < 0) {
		log_error(svc->name, &err);
		return EXIT_FAILED;
	}
	if (rootfs_debian_is_built(b.path))
		return EXIT_OK;
	if (geteuid() != 0) {
		fprintf(stderr, "pistack: %s: unable to build rootfs '%s': building needs root\n", svc->name,
			shown);
		return EXIT_FAILED;
	}
	v.columns = v.tty && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
	b.progress = build_progress;
	b.data = &v;
	fprintf(stderr, "pistack: %s: building rootfs '%s' with mmdebstrap into %s\n", svc->name, shown,
		b.path);
	clock_gettime(CLOCK_MONOTONIC, &v.t0);
	/* As system() does: ^C goes to mmdebstrap, which cleans up and fails;
	 * pistack stays to remove the half-built tree and say so. */
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	r = rootfs_debian_build(&b, &err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	build_progress_clear(&v);
	if (r < 0) {
		log_error(svc->name, &err);
		return EXIT_FAILED;
	}
	if (r == 0) {
		build_tree_size(b.path, size, sizeof(size));
		fprintf(out, "%s: built rootfs '%s' in %lld s (%s): %s\n", svc->name, shown,
			build_elapsed(&v.t0), size, b.path);
	} else {
		/* Another build of the same list, waited for, made it. */
		fprintf(out, "%s: rootfs '%s' is built: %s\n", svc->name, shown, b.path);
	}
	return EXIT_OK;
}

int cmd_build(const struct cli_opts *opts, int argc, char **argv)
{
	const struct service_config *svc;
	struct config cfg;
	int status = EXIT_OK;

	if (argc < 2 || argv[1][0] == '-') {
		fputs("usage: pistack build NAME...\n", stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(opts, &cfg) != EXIT_OK)
		return EXIT_CONFIG;
	/* Every name is checked before anything is built. */
	for (int i = 1; i < argc; i++) {
		if (config_find_service(&cfg, argv[i]))
			continue;
		fprintf(stderr, "pistack: %s: unable to build '%s': no such service in %s/conf.d\n", argv[i],
			argv[i], cfg.root);
		status = EXIT_FAILED;
	}
	for (int i = 1; i < argc && status == EXIT_OK; i++) {
		char path[4096], shown[256];
		struct error err;

		svc = config_find_service(&cfg, argv[i]);
		if (svc->rootfs.kind != ROOTFS_DEBIAN) {
			printf("%s: rootfs %s: nothing to build\n", svc->name,
			       svc->rootfs.kind == ROOTFS_HOST ? "host" : "dir:...");
			continue;
		}
		if (rootfs_debian_path(cfg.global.state, &svc->rootfs, path, sizeof(path), &err) == 0 &&
		    rootfs_debian_is_built(path)) {
			rootfs_debian_spec_text(&svc->rootfs.packages, shown, sizeof(shown));
			printf("%s: rootfs '%s' is built: %s\n", svc->name, shown, path);
			continue;
		}
		status = cli_build_rootfs(&cfg, svc, stdout);
	}
	config_release(&cfg);
	return status;
}
