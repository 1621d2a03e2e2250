/*
 * seccomp_cache.h - compiled seccomp programs kept for the life of a daemon,
 * one per (profile, capability set).  Compiling the default filter takes
 * ~20 ms and leaves libseccomp's ~1.5 MiB of scratch heap behind; compiled
 * once, every service start reuses it and the inits forked afterwards share
 * the daemon's pages instead of each owning a private copy.
 */
#ifndef PISTACK_ISOLATE_SECCOMP_CACHE_H
#define PISTACK_ISOLATE_SECCOMP_CACHE_H

#include <stdint.h>
#include <sys/types.h>

#include "isolate/security.h"

struct seccomp_cache_entry;

struct seccomp_cache {
	struct seccomp_cache_entry *head;
	/* Where compiled programs are also kept across processes (STATE/seccomp,
	 * root-only), or NULL: `pistack run` compiles once per profile, caps and
	 * pistack binary instead of on every run. */
	const char *dir;
};

/* The program for SPEC and CAPS, compiled on first use.  A profile file is
 * recompiled when its inode, size or modification time changed; programs
 * handed out stay valid until seccomp_cache_release(). */
int seccomp_cache_get(struct seccomp_cache *cache, const struct seccomp_spec *spec, uint64_t caps,
		      const struct seccomp_program **out, struct error *err);
void seccomp_cache_release(struct seccomp_cache *cache);

#endif
