/*
 * seccomp_cache.c - the daemon's compiled seccomp programs; see
 * seccomp_cache.h.  Entries are never dropped while the daemon runs:
 * running instances and exec point at them, and there are only as many as
 * distinct profiles and capability sets.
 */
#include "isolate/seccomp_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

#define DISK_MAGIC "PSBPF01\n"
#define PROFILE_MAX (1 << 20)

/* What a program file on disk starts with. */
struct disk_header {
	char magic[8];
	uint64_t key;
	uint32_t len;
	uint32_t pad;
};

struct seccomp_cache_entry {
	enum seccomp_kind kind;
	char *path;                    /* SECCOMP_FILE */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	uint64_t caps;
	struct seccomp_program prog;
	struct seccomp_cache_entry *next;
};

/* Whether E was compiled from SPEC and CAPS as they are now (ST: the file). */
static bool entry_matches(const struct seccomp_cache_entry *e, const struct seccomp_spec *spec, uint64_t caps,
			  const struct stat *st)
{
	if (e->kind != spec->kind || e->caps != caps)
		return false;
	if (spec->kind != SECCOMP_FILE)
		return true;
	return strcmp(e->path, spec->path) == 0 && e->dev == st->st_dev && e->ino == st->st_ino &&
	       e->size == st->st_size && e->mtime.tv_sec == st->st_mtim.tv_sec &&
	       e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* FNV-1a over LEN bytes of P, continuing H. */
static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* The key of a program on disk: everything it was compiled from.  The
 * binary's identity stands for the default profile compiled into it. */
static int disk_key(const struct seccomp_spec *spec, uint64_t caps, uint64_t *key)
{
	const struct scmp_version *v = seccomp_version();
	uint32_t arch = seccomp_arch_native();
	struct stat exe;
	uint64_t h = 0xcbf29ce484222325ULL;

	if (stat("/proc/self/exe", &exe) < 0)
		return -errno;
	h = fnv(h, &spec->kind, sizeof(spec->kind));
	h = fnv(h, &caps, sizeof(caps));
	h = fnv(h, &arch, sizeof(arch));
	h = fnv(h, v, sizeof(*v));
	h = fnv(h, &exe.st_dev, sizeof(exe.st_dev));
	h = fnv(h, &exe.st_ino, sizeof(exe.st_ino));
	h = fnv(h, &exe.st_size, sizeof(exe.st_size));
	h = fnv(h, &exe.st_mtim, sizeof(exe.st_mtim));
	if (spec->kind == SECCOMP_FILE) {
		char buf[4096];
		size_t total = 0;
		ssize_t n;
		cleanup_close int fd = open(spec->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		while ((n = read(fd, buf, sizeof(buf))) > 0 && total < PROFILE_MAX) {
			h = fnv(h, buf, (size_t)n);
			total += (size_t)n;
		}
		if (n < 0)
			return -errno;
	}
	*key = h;
	return 0;
}

/* Read the program of KEY from DIR; false when absent or not intact. */
static bool disk_load(const char *dir, uint64_t key, struct seccomp_program *prog)
{
	char path[4096];
	struct disk_header h;
	struct stat st;
	cleanup_close int fd = -1;

	snprintf(path, sizeof(path), "%s/%016llx.bpf", dir, (unsigned long long)key);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || read(fd, &h, sizeof(h)) != (ssize_t)sizeof(h))
		return false;
	if (memcmp(h.magic, DISK_MAGIC, 8) != 0 || h.key != key || h.len == 0 || h.len > BPF_MAXINSNS ||
	    (size_t)st.st_size != sizeof(h) + h.len * sizeof(struct sock_filter))
		return false;
	prog->filter = malloc(h.len * sizeof(struct sock_filter));
	if (!prog->filter)
		return false;
	if (read(fd, prog->filter, h.len * sizeof(struct sock_filter)) != (ssize_t)(h.len * sizeof(struct sock_filter))) {
		free(prog->filter);
		prog->filter = NULL;
		return false;
	}
	prog->len = (unsigned short)h.len;
	return true;
}

/* Keep PROG as KEY in DIR (best effort: write, fsync, rename). */
static void disk_save(const char *dir, uint64_t key, const struct seccomp_program *prog)
{
	char path[4096], tmp[4120];
	struct disk_header h = { .key = key, .len = prog->len };
	int fd;
	bool ok;

	/* Root-only: a program read from here is loaded into services unchecked. */
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	memcpy(h.magic, DISK_MAGIC, 8);
	snprintf(path, sizeof(path), "%s/%016llx.bpf", dir, (unsigned long long)key);
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	ok = write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
	     write(fd, prog->filter, prog->len * sizeof(struct sock_filter)) ==
		     (ssize_t)(prog->len * sizeof(struct sock_filter)) &&
	     fsync(fd) == 0;
	close(fd);
	if (!ok || rename(tmp, path) < 0)
		unlink(tmp);
}

/* See seccomp_cache.h. */
int seccomp_cache_get(struct seccomp_cache *cache, const struct seccomp_spec *spec, uint64_t caps,
		      const struct seccomp_program **out, struct error *err)
{
	struct seccomp_cache_entry *e;
	struct stat st;
	int r;

	memset(&st, 0, sizeof(st));
	/* The filter does not depend on capabilities without the default profile
	 * (cap-gated rules are the default profile's), nor on anything when unconfined. */
	if (spec->kind != SECCOMP_DEFAULT)
		caps = 0;
	if (spec->kind == SECCOMP_FILE && stat(spec->path, &st) < 0)
		return error_set(err, errno, "read seccomp profile '%s'", spec->path);
	for (e = cache->head; e; e = e->next) {
		if (entry_matches(e, spec, caps, &st)) {
			*out = &e->prog;
			return 0;
		}
	}
	e = calloc(1, sizeof(*e));
	if (!e || (spec->kind == SECCOMP_FILE && !(e->path = strdup(spec->path)))) {
		free(e);
		return error_set(err, ENOMEM, "cache a seccomp program");
	}
	{
		uint64_t key = 0;
		bool on_disk = cache->dir && spec->kind != SECCOMP_UNCONFINED && disk_key(spec, caps, &key) == 0;
		if (on_disk && disk_load(cache->dir, key, &e->prog)) {
			r = 0;
		} else {
			r = seccomp_program_build(spec, caps, &e->prog, err);
			if (r == 0 && on_disk)
				disk_save(cache->dir, key, &e->prog);
		}
	}
	if (r < 0) {
		free(e->path);
		free(e);
		return r;
	}
	e->kind = spec->kind;
	e->caps = caps;
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->size = st.st_size;
	e->mtime = st.st_mtim;
	e->next = cache->head;
	cache->head = e;
	/* Give libseccomp's scratch memory back now: processes forked later
	 * would otherwise carry it, each as its own copy once we touch it. */
	malloc_trim(0);
	*out = &e->prog;
	return 0;
}

/* See seccomp_cache.h. */
void seccomp_cache_release(struct seccomp_cache *cache)
{
	while (cache->head) {
		struct seccomp_cache_entry *e = cache->head;
		cache->head = e->next;
		seccomp_program_release(&e->prog);
		free(e->path);
		free(e);
	}
}
