/*
 * ipam.h - stable addresses for services on the bridge subnet.
 *
 * A service keeps the address it had last time: leases live in
 * STATE_DIR/leases, one "NAME ADDRESS LAST_USED" line each (LAST_USED in
 * seconds since the epoch), replaced atomically under an flock on
 * STATE_DIR/leases.lock so `pistack run` and the daemon can both lease.
 * The network address, the bridge's (first) address and the broadcast address
 * are never leased.
 */
#ifndef PISTACK_NET_IPAM_H
#define PISTACK_NET_IPAM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "config/value.h"

#define IPAM_FILE_MAX (4u << 20) /* a leases file larger than this is refused */

struct ipam_entry {
	char name[NAME_MAX_LEN + 1];
	struct in_addr addr;
	uint64_t last_used; /* seconds since the epoch */
};

/* The leases of a file, in file order.  Names and addresses are unique. */
struct ipam_table {
	struct ipam_entry *v;
	size_t n;
	size_t cap; /* allocated entries of v */
};

/* Lease an address for NAME in SUBNET: its existing lease when that is a usable
 * address of SUBNET, else the lowest free one, else (SUBNET full) the least
 * recently used lease of a name not in ACTIVE.  The lease's LAST_USED becomes now.
 * Creates STATE_DIR (0700) when missing.  A malformed leases file is reported as
 * "read leases 'PATH:LINE': ..." and left untouched.  Returns 0, -ENOSPC when
 * every address is held by an ACTIVE name, or another -errno. */
int ipam_lease(const char *state_dir, const struct subnet *subnet, const char *name, char *const *active,
	       size_t n_active, struct in_addr *out, struct error *err);

/* The address leased to NAME, whatever the subnet (for status after a daemon restart).
 * Reads without the lock: the file is only ever replaced by rename().  Returns 0,
 * -ENOENT when NAME has no lease, -EINVAL when the file is malformed, or -errno. */
int ipam_lookup(const char *state_dir, const char *name, struct in_addr *out);

/* The pure parts, exposed for tests and the fuzzer. */

/* Parse the leases file TEXT of LEN bytes (NUL bytes are errors).  ORIGIN names the
 * file in messages: "read leases 'ORIGIN:LINE': REASON".  Blank lines are allowed. */
int ipam_parse(const char *text, size_t len, const char *origin, struct ipam_table *out, struct error *err);

/* The file text of T: one line per entry; *OUT is malloc'd, NUL-terminated. */
int ipam_format(const struct ipam_table *t, char **out, size_t *len);

/* Choose NAME's address in T as ipam_lease() does, updating T (the entry of NAME
 * gets NOW as LAST_USED; a reused lease loses its old name). */
int ipam_assign(struct ipam_table *t, const struct subnet *subnet, const char *name, char *const *active,
		size_t n_active, uint64_t now, struct in_addr *out, struct error *err);

/* ADDR is inside SUBNET and neither its network, first (bridge) nor broadcast address. */
bool ipam_usable(const struct subnet *subnet, struct in_addr addr);

void ipam_table_release(struct ipam_table *t);

#endif
