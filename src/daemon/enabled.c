/*
 * enabled.c - `pistack enable` marks: STATE/enabled/NAME, one empty file per
 * service that starts with the daemon.  Changed all or nothing by the CLI
 * (no daemon needed) and read once by the daemon at start, after it has
 * re-adopted what kept running.
 */
#include "daemon/enabled.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "config/value.h"
#include "daemon/daemon.h"

/* STATE_DIR/enabled into BUF. */
static void enabled_dir(const char *state_dir, char *buf, size_t size)
{
	snprintf(buf, size, "%s/enabled", state_dir);
}

/* See enabled.h. */
bool enabled_is(const char *state_dir, const char *name)
{
	char path[4096];
	struct stat st;

	if (!value_is_name(name))
		return false;
	snprintf(path, sizeof(path), "%s/enabled/%s", state_dir, name);
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Make the mark NAME in DIRFD; 1 when it was made, 0 when it was there. */
static int enabled_mark(int dirfd, const char *name)
{
	struct stat st;
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (errno != EEXIST)
		return -errno;
	/* Something else of that name (a directory, a link) is no mark. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return S_ISREG(st.st_mode) ? 0 : -EEXIST;
}

/* Remove the mark NAME from DIRFD; 1 when it was removed, 0 when there was none. */
static int enabled_unmark(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0)
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

/* See enabled.h. */
int enabled_apply(const char *state_dir, char *const *names, size_t n, bool on, struct error *err)
{
	cleanup_close int dirfd = -1;
	cleanup_free bool *changed = calloc(n ? n : 1, sizeof(*changed));
	char dir[4096], failed[4096];
	size_t i;
	int r = 0;

	if (!changed)
		return error_set(err, ENOMEM, "%s services", on ? "enable" : "disable");
	for (i = 0; i < n; i++)
		if (!value_is_name(names[i]))
			return error_set(err, EINVAL, "%s '%s'", on ? "enable" : "disable", names[i]);
	enabled_dir(state_dir, dir, sizeof(dir));
	if (on) {
		/* STATE holds leases and built roots too: only root reads it. */
		r = fs_mkdir_parents(state_dir, 0700, failed, sizeof(failed));
		if (r == 0 && mkdir(dir, 0755) < 0 && errno != EEXIST) {
			r = -errno;
			snprintf(failed, sizeof(failed), "%s", dir);
		}
		if (r < 0)
			return error_set(err, -r, "create directory '%s'", failed);
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		/* Nothing was ever enabled: nothing to disable. */
		if (!on && errno == ENOENT)
			return 0;
		return error_set(err, errno, "open directory '%s'", dir);
	}
	for (i = 0; i < n; i++) {
		r = on ? enabled_mark(dirfd, names[i]) : enabled_unmark(dirfd, names[i]);
		if (r < 0)
			break;
		changed[i] = r == 1;
	}
	if (r < 0) {
		error_set(err, -r, "%s '%s/%s'", on ? "create" : "remove", dir, names[i]);
		/* All or nothing: undo, newest first. */
		while (i-- > 0) {
			if (!changed[i])
				continue;
			if (on)
				(void)unlinkat(dirfd, names[i], 0);
			else
				(void)enabled_mark(dirfd, names[i]);
		}
		return -err->errnum;
	}
	/* The marks must survive a power cut right after the command (an SD card
	 * on a Raspberry Pi): make the directory's new entries durable. */
	if (fsync(dirfd) < 0)
		return error_set(err, errno, "sync directory '%s'", dir);
	return 0;
}

/* Log the marks in STATE/enabled that name no configured service. */
static void enabled_log_unknown(struct daemon *d)
{
	char dir[4096];
	struct dirent **ents = NULL;
	int n;

	enabled_dir(d->cfg.global.state, dir, sizeof(dir));
	n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (value_is_name(name) && !daemon_find(d, name))
			log_msg("%s: enabled, but not configured (no %s/conf.d/%s.ini); not started", name,
				d->conf_root, name);
		free(ents[i]);
	}
	free(ents);
}

/* See enabled.h. */
void enabled_start(struct daemon *d)
{
	for (size_t i = 0; i < d->n_svcs; i++) {
		struct service_rt *rt = d->svcs[i];

		/* Up, starting, stopping or in backoff: re-adopted or already on its way. */
		if (rt->state != SVC_EXITED && rt->state != SVC_FAILED)
			continue;
		if (!enabled_is(d->cfg.global.state, rt->name))
			continue;
		log_debug("%s: enabled: starting it", rt->name);
		supervise_event(rt, EV_START);
	}
	enabled_log_unknown(d);
}
