/*
 * cleanup.h - scope-bound ownership for locals (fds, heap buffers, FILE *).
 *
 * A local declared `cleanup_free char *p = NULL;` is freed when it leaves
 * scope; hand it on with TAKE_PTR(p) to transfer ownership.
 */
#ifndef PISTACK_COMMON_CLEANUP_H
#define PISTACK_COMMON_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_free_fn(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_close_fn(const int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void cleanup_fclose_fn(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define cleanup_free __attribute__((cleanup(cleanup_free_fn)))
#define cleanup_close __attribute__((cleanup(cleanup_close_fn)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclose_fn)))

/* Return the pointer and clear the variable so its cleanup does nothing. */
#define TAKE_PTR(p) ({ __typeof__(p) take_ptr_tmp_ = (p); (p) = NULL; take_ptr_tmp_; })
/* Same for a descriptor. */
#define TAKE_FD(fd) ({ int take_fd_tmp_ = (fd); (fd) = -1; take_fd_tmp_; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
