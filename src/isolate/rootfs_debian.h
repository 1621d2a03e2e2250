/*
 * rootfs_debian.h - root filesystems of `rootfs = debian:PKG[,PKG...]`, built
 * by mmdebstrap (variant minbase, the host's apt sources and architecture)
 * into STATE/rootfs/KEY, KEY naming the sorted, de-duplicated package list.
 * A tree exists under its KEY only once complete: it is built in a temporary
 * directory and renamed into place.  Library code: errors go to the error
 * object, progress to a callback.
 */
#ifndef PISTACK_ISOLATE_ROOTFS_DEBIAN_H
#define PISTACK_ISOLATE_ROOTFS_DEBIAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "config/value.h"

/* A KEY is at most this long: the readable part (the packages joined by '_',
 * cut at ROOTFS_DEBIAN_READABLE_MAX) + '-' + ROOTFS_DEBIAN_HASH_HEX hex digits. */
#define ROOTFS_DEBIAN_READABLE_MAX 48
#define ROOTFS_DEBIAN_HASH_HEX 12
#define ROOTFS_DEBIAN_KEY_MAX (ROOTFS_DEBIAN_READABLE_MAX + 1 + ROOTFS_DEBIAN_HASH_HEX)

/* Whether NAME is a Debian package name as --include takes it:
 * [a-z0-9][a-z0-9+.-]+, at most 100 bytes. */
bool rootfs_debian_package_valid(const char *name);

/* PACKAGES (N names) sorted and de-duplicated into OUT (copies).  Fails on an
 * empty list or an invalid name. */
int rootfs_debian_normalise(char *const *packages, size_t n, struct strv *out, struct error *err);

/* The KEY of the tree of PACKAGES (any order, duplicates allowed) into KEY
 * (SIZE > ROOTFS_DEBIAN_KEY_MAX): "python3_python3-redis-1f0c9e2a7b3d", the
 * readable part cut short for long lists; the hash (SHA-256 of the build
 * recipe and the normalised list) tells any two lists apart. */
int rootfs_debian_key(char *const *packages, size_t n, char *key, size_t size, struct error *err);

/* "debian:a,b" of the normalised PACKAGES into BUF; for messages. */
void rootfs_debian_spec_text(const struct strv *packages, char *buf, size_t size);

/* STATE/rootfs/KEY of SPEC into PATH (SIZE bytes), built or not. */
int rootfs_debian_path(const char *state, const struct rootfs_spec *spec, char *path, size_t size,
		       struct error *err);
/* Whether the tree at PATH (from rootfs_debian_path) is built. */
bool rootfs_debian_is_built(const char *path);

/* VERSION_CODENAME of an os-release file's TEXT into OUT (SIZE bytes),
 * unquoted; false when there is none or it is not a plain word. */
bool rootfs_debian_codename(const char *text, char *out, size_t size);
/* Whether the one-line sources.list TEXT has an entry (a "deb" or "deb-src"
 * line): mmdebstrap refuses a file of comments only. */
bool rootfs_debian_sources_has_entry(const char *text);

/* A build.  PROGRESS (may be NULL) gets each line mmdebstrap prints, without
 * its newline, as it comes; it must not block for long. */
struct rootfs_debian_build {
	const char *state; /* [paths] state */
	const struct rootfs_spec *spec; /* ROOTFS_DEBIAN */
	void (*progress)(void *data, const char *line);
	void *data;
	/* Filled by rootfs_debian_build(): */
	char path[4096]; /* STATE/rootfs/KEY */
	char log[4096]; /* STATE/rootfs/KEY.log: mmdebstrap's whole output */
	bool waited; /* another build of the same KEY held the lock first */
};

/* Build the tree of B->spec unless it is built: take the lock
 * STATE/rootfs/.KEY.lock (a concurrent build of the same KEY waits, then
 * finds it built), remove a temporary directory a crashed build left, run
 * mmdebstrap in a private mount namespace into STATE/rootfs/.KEY.tmp, sync it
 * and rename it to STATE/rootfs/KEY.  On failure nothing is left but the log.
 * Returns 0 when built now, 1 when it was built already, or -errno.  Needs
 * root and the network. */
int rootfs_debian_build(struct rootfs_debian_build *b, struct error *err);

#endif
