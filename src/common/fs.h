/*
 * fs.h - small file-system helpers shared by the daemon and the isolation
 * library.
 */
#ifndef PISTACK_COMMON_FS_H
#define PISTACK_COMMON_FS_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p: create PATH and missing parents (parents 0755, PATH itself MODE;
 * existing ones are left as they are).  Returns 0 or -errno, with the
 * directory that failed in FAILED (of SIZE bytes) when FAILED is not NULL. */
int fs_mkdir_parents(const char *path, mode_t mode, char *failed, size_t size);

/* Close every descriptor from FROM up, but the N of KEEP (negative ones are
 * ignored; at most FS_KEEP_MAX).  For a forked child that must hold nothing
 * of its parent's: an init, the name server, the gateway master. */
#define FS_KEEP_MAX 16
void fs_close_all_but(unsigned from, const int *keep, size_t n);

/* read(2) FD into BUF until SIZE bytes or the end of the file (interrupted
 * reads are retried): how many bytes were read, or -errno. */
ssize_t fs_read_full(int fd, char *buf, size_t size);

#endif
