/*
 * nameserver_impl.h - the inside of the name server process, shared by its
 * files: nameserver_child.c (setup, control socket, UDP service),
 * nameserver_tcp.c (TCP clients) and nameserver_forward.c (upstreams).
 * Everything here runs sandboxed, in one event loop, in the child only.
 */
#ifndef PISTACK_NET_NAMESERVER_IMPL_H
#define PISTACK_NET_NAMESERVER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/loop.h"
#include "net/dns_wire.h"
#include "net/nameserver.h"
#include "net/nameserver_table.h"

#define NS_INFLIGHT_MAX 512        /* forwarded queries at once: more get SERVFAIL */
#define NS_UPSTREAM_TIMEOUT_MS 2000 /* per upstream and attempt, then the next one */
#define NS_TCP_CONN_MAX 64         /* TCP clients at once: more are closed at once */
#define NS_TCP_IDLE_MS 10000       /* a TCP client silent this long is closed */
#define NS_TCP_CONN_INFLIGHT 16    /* a TCP client's queries at once; then it is not read */
#define NS_TCP_OUT_MAX (256 * 1024) /* replies a TCP client does not read: then it is closed */
#define NS_UDP_BATCH 64            /* datagrams read per wake-up, for fairness */

struct ns_conn;

/* A query being forwarded. */
struct ns_query {
	struct ns_query *prev, *next;
	struct ns_server *srv;
	uint8_t *msg;                  /* the client's bytes with our ID */
	size_t len;
	uint16_t client_id;
	struct dns_query q;            /* the parsed query (size limit, truncation) */
	/* The client: a TCP connection (NULL once it closed), or a UDP peer. */
	bool from_tcp;
	struct ns_conn *conn;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	/* The current attempt. */
	size_t upstream;               /* index in srv->upstream */
	size_t tried;                  /* upstreams tried so far, this one included */
	bool tcp;                      /* over TCP: the client's choice, or after TC */
	int fd;
	struct loop_timer timer;
	uint8_t *in;                   /* TCP: the reply being read, length prefix first */
	size_t in_len, in_want;
	size_t out_off;                /* TCP: bytes of the query sent, prefix included */
	/* A valid but unhelpful reply (truncated, SERVFAIL, REFUSED) to give the
	 * client when no upstream does better. */
	uint8_t *fallback;
	size_t fallback_len;
};

/* A TCP client. */
struct ns_conn {
	struct ns_conn *prev, *next;
	struct ns_server *srv;
	int fd;
	uint8_t *in;                   /* messages read, grown up to 2 + DNS_MSG_MAX bytes */
	size_t in_len, in_cap;
	uint8_t *out;                  /* replies not written yet */
	size_t out_len, out_off, out_cap;
	unsigned inflight;             /* its queries being forwarded */
	bool paused;                   /* not read: too many in flight, or output pending */
	bool eof;                      /* the client sent all it will send */
	bool failed;                   /* to be closed by RESUME, from the loop */
	struct loop_timer idle;
	struct loop_timer resume;      /* deferred work, at 0 ms */
};

struct ns_server {
	struct loop *loop;
	int udp_fd, tcp_fd, ctl_fd;
	struct in_addr listen;
	struct ns_table table;
	struct ns_zone zone;
	bool serving;                  /* the first table arrived: the sockets are read */
	struct ip_addr upstream[NAMESERVER_UPSTREAM_MAX];
	size_t n_upstream;
	size_t preferred;              /* the upstream that answered last */
	/* The control socket's frame being read. */
	uint8_t ctl_header[4];
	size_t ctl_have;
	char *ctl_payload;
	size_t ctl_len;
	struct ns_query *queries;
	size_t n_queries;
	struct ns_conn *conns;
	size_t n_conns;
	uint8_t buf[DNS_MSG_MAX];      /* one message at a time: received or built */
	uint8_t reply[DNS_MSG_MAX];
	int exit_code;
};

/* nameserver_child.c: the child's life, from the fork to exit. */
__attribute__((noreturn)) void ns_child_main(const struct nameserver_config *cfg, int ctl_fd, int status_fd);
/* Keep the upstreams of V that are not the name server itself. */
void ns_set_upstreams(struct ns_server *srv, const struct ip_addr *v, size_t n);

/* nameserver_forward.c */
/* Handle one message from a client (UDP: CONN NULL and PEER set): answer,
 * forward or drop it. */
void ns_handle(struct ns_server *srv, const uint8_t *msg, size_t len, struct ns_conn *conn,
	       const struct sockaddr_storage *peer, socklen_t peer_len);
/* Forward the query MSG (LEN bytes, parsed into Q) for a UDP client PEER or a
 * TCP client CONN; the reply reaches the client later, or SERVFAIL does. */
void ns_forward(struct ns_server *srv, const uint8_t *msg, size_t len, const struct dns_query *q,
		struct ns_conn *conn, const struct sockaddr_storage *peer, socklen_t peer_len);
/* Forget CONN in every query of it (it closed): their replies are dropped. */
void ns_forward_detach(struct ns_server *srv, struct ns_conn *conn);

/* nameserver_tcp.c */
/* Accept the TCP clients waiting on the listening socket. */
void ns_tcp_accept(struct loop *l, int fd, uint32_t events, void *data);
/* Queue the reply MSG (LEN bytes) to CONN, with its length prefix. */
void ns_tcp_send(struct ns_conn *conn, const uint8_t *msg, size_t len);
/* A forwarded query of CONN is done: it may be read again. */
void ns_tcp_query_done(struct ns_conn *conn);

#endif
