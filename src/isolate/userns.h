/*
 * userns.h - host uid ranges for services with `userns = yes`: each service
 * name keeps one 65536-id range for good (its volumes are owned by it), in
 * STATE/userns/NAME, allocated as the lowest free range.
 */
#ifndef PISTACK_ISOLATE_USERNS_H
#define PISTACK_ISOLATE_USERNS_H

#include <sys/types.h>

#include "common/error.h"

#define USERNS_FIRST_BASE 0x100000UL   /* 1048576: above any normal user */
#define USERNS_SIZE 65536UL

/* The host uid of container uid 0 for service NAME, allocating it when new. */
int userns_lease(const char *state_dir, const char *name, uid_t *base, struct error *err);

#endif
