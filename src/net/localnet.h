/*
 * localnet.h - published ports reached through 127.0.0.0/8 on the host, with
 * neither route_localnet nor a proxy process.
 *
 * DNAT cannot do it: a packet from 127.0.0.1 sent to a service's address is
 * dropped by the kernel unless route_localnet=1, and route_localnet=1 lets
 * other hosts reach the host's 127.0.0.1 services (CVE-2020-8558).  Instead,
 * cgroup sock_addr eBPF programs attached to the root of the cgroup2
 * hierarchy rewrite, in the host's network namespace only, a connect() or
 * sendto() to 127.x.y.z:HOSTPORT into SERVICE:PORT before the socket is
 * routed; replies (recvmsg) and getpeername() are rewritten back so programs
 * see the address they used.  The programs are written here with the raw
 * bpf(2) syscall; no libbpf.  Needs Linux 5.14 (SO_NETNS_COOKIE) with
 * CONFIG_CGROUP_BPF; without it, localnet_open() fails and published ports
 * stay reachable on the host's other addresses only (nat.h).
 *
 * Only AF_INET sockets are redirected: an AF_INET6 socket connecting to ::1
 * or ::ffff:127.0.0.1 is not (clients such as curl fall back to 127.0.0.1).
 * A published host port hides a host program listening on the same port of
 * 127.0.0.0/8, as the port would be taken anyway with a proxy process.
 *
 * Lifetime: attached programs belong to the cgroup, not to our descriptors.
 * localnet_close() leaves them attached and working with the ports last set,
 * so services that outlive the daemon stay reachable; the next localnet_open()
 * (a daemon restart) loads fresh programs and a fresh map, attaches them and
 * detaches every older pistack program, and the daemon then calls
 * localnet_set() with the services it re-adopted.  localnet_remove() detaches
 * them for good.  Library code: errors go to the error object.
 */
#ifndef PISTACK_NET_LOCALNET_H
#define PISTACK_NET_LOCALNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "net/nat.h"

enum {
	LOCALNET_CONNECT, /* BPF_CGROUP_INET4_CONNECT: tcp and connected udp */
	LOCALNET_SENDMSG, /* BPF_CGROUP_UDP4_SENDMSG: unconnected udp */
	LOCALNET_RECVMSG, /* BPF_CGROUP_UDP4_RECVMSG: the reply's source, back */
	LOCALNET_GETPEERNAME, /* BPF_CGROUP_INET4_GETPEERNAME: the peer, back (all four are in 5.14) */
	LOCALNET_NPROGS
};

struct localnet {
	int cgroup_fd; /* root of the cgroup2 hierarchy */
	int ports_fd; /* map: loopback host port -> service address:port */
	int peers_fd; /* map: (socket, service address:port) -> what it used */
	int prog_fd[LOCALNET_NPROGS]; /* -1 when not loaded */
	uint64_t netns_cookie; /* the host's network namespace */
};

/* Find the cgroup2 root, create the maps, load the programs and attach them
 * (BPF_F_ALLOW_MULTI, so programs of systemd and others keep running), then
 * detach older pistack programs (found by name through BPF_PROG_QUERY).  The
 * map starts empty: call localnet_set() next.  On failure nothing of ours is
 * left attached, older pistack programs included. */
int localnet_open(struct localnet *ln, struct error *err);

/* Make the map hold exactly the loopback-reachable ports of the N services V
 * (ports published on any address or on a 127.0.0.0/8 address).  Entries
 * that stay are never removed in between. */
int localnet_set(struct localnet *ln, const struct nat_service *v, size_t n, struct error *err);

/* Close our descriptors; the programs stay attached (see above). */
void localnet_close(struct localnet *ln);

/* Detach every pistack program from the cgroup2 root (none attached is fine). */
int localnet_remove(struct error *err);

/* Load the programs without attaching them, to tell whether this kernel
 * accepts them (the verifier's complaint is in ERR otherwise). */
int localnet_probe(struct error *err);

/* One map entry, as the programs read it; exposed for the unit tests.  All
 * fields are in network byte order; addr 0 matches all of 127.0.0.0/8. */
struct localnet_key {
	uint32_t addr;
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};
struct localnet_target {
	uint32_t addr;
	uint16_t port;
	uint16_t pad;
};

/* The map entries for V (pure): fills at most MAX pairs, returns how many
 * there are (may exceed MAX). */
size_t localnet_entries(const struct nat_service *v, size_t n, struct localnet_key *keys,
			struct localnet_target *targets, size_t max);

#endif
