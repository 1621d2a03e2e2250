/*
 * worker.h - what the gateway worker's files share: the worker (one per
 * process, one epoll loop), client connections and upstream connections.
 * Only the worker's loop touches these; nothing here is seen by the master
 * but worker_main().
 *
 * I/O is edge-triggered: every socket is registered once for input and
 * output, events only set the rd_ready/wr_ready flags, and conn_drive()
 * moves bytes until nothing more can move.  Timeouts are deadlines checked
 * by one sweep timer per worker, so the hot path makes no timer syscalls.
 */
#ifndef PISTACK_GATEWAY_WORKER_H
#define PISTACK_GATEWAY_WORKER_H

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>
#include <time.h>

#include "common/loop.h"
#include "gateway/http1.h"
#include "gateway/msg.h"
#include "gateway/proxy_head.h"
#include "gateway/routes.h"
#include "gateway/settings.h"
#include "gateway/tls.h"

/* Every buffer has this size: a whole request or response head
 * (HTTP1_MAX_HEAD) plus what the proxy adds to a head it rewrites. */
#define GW_BUF_SIZE (HTTP1_MAX_HEAD + 2048)
#define GW_MAX_CONNS 4096           /* per worker, lowered to fit RLIMIT_NOFILE */
#define GW_SWEEP_MS 250             /* how often deadlines are checked */
#define GW_CLIENT_IO_MS 30000       /* a client that neither sends the body nor reads
                                     * the response for this long is dropped */
#define GW_LINGER_MS 2000           /* reading what a client still sends after an error */
#define GW_POOL_IDLE_MS 2000        /* idle upstream connections are closed after this */
/* Idle connections kept per upstream address.  Not smaller than the requests
 * a busy service has in flight: each one closed past the limit is reopened
 * at once, and its TIME_WAIT (we close first) piles up toward the end of the
 * port range (measured: 32 with 64 clients fell from 21k to 1.7k req/s).
 * The per-worker total (POOL_MAX, upstream.c) still bounds them all. */
#define GW_POOL_PER_UPSTREAM 256
#define GW_ACME_MAX 8192            /* largest challenge file served */
#define GW_RETRY_AFTER 5            /* seconds, with 503 for a service that is not running */

struct worker;
struct conn;

/* A fixed-size buffer; data is [start, end). */
struct gw_buf {
	char *data;                 /* GW_BUF_SIZE bytes, or NULL when released */
	size_t start, end;
};

/* A connection to an upstream service. */
struct upstream {
	struct worker *w;
	int fd;
	struct conn *owner;         /* NULL while idle in the pool */
	struct sockaddr_in addr;
	bool connected, rd_ready, wr_ready, rd_eof;
	bool reused;                /* taken from the pool (a stale one may fail: retry) */
	struct gw_buf in;           /* bytes from the upstream */
	uint64_t idle_since;
	struct upstream *pool_next; /* in the pool's idle list */
};

enum conn_state {
	CS_HANDSHAKE,   /* TLS handshake */
	CS_HEAD,        /* reading a request head (or idle between requests) */
	CS_PROXY,       /* a request is being proxied */
	CS_LOCAL,       /* writing a response the gateway made itself */
	CS_TUNNEL,      /* after 101: bytes both ways */
	CS_LINGER,      /* response sent, write side shut: draining the client's input */
	CS_CLOSED,
};

/* What the current request needs after its head has been parsed. */
/* A body on its way through the gateway, in either direction: its framing,
 * how much of the buffered input is cleared to forward, and what went. */
struct body_fwd {
	enum http1_body kind;       /* NONE, LENGTH, CHUNKED (or CLOSE: a response until EOF) */
	uint64_t remaining;         /* LENGTH: body bytes still to forward */
	struct http1_chunked chunked;
	size_t fwd;                 /* bytes at the input's start cleared to forward */
	bool chunked_end;           /* the scanner saw the end of the chunked body */
	uint64_t bytes;             /* body bytes written on */
};

struct req_state {
	bool head_method;           /* HEAD: the response has no body */
	bool keep_alive;            /* the client asked to keep the connection */
	bool upgrade;
	int minor;
	bool idempotent;            /* may be retried on a fresh upstream connection */
	struct body_fwd body;       /* client -> service, from c->in */
	bool done;                  /* the whole request is forwarded */
};

/* What the current response needs after its head has been parsed. */
struct resp_state {
	bool head_done;             /* the final head (not 1xx) was parsed */
	struct body_fwd body;       /* service -> client, from up->in */
	bool done;                  /* the whole body is forwarded */
	bool reusable;              /* the upstream connection may go back to the pool */
	bool got_bytes;             /* the service sent something */
	bool client_started;        /* the client got a byte of the response */
	bool retried;               /* sent again on a fresh connection once */
	int status;
};

/* For the access log: copies, since the buffers are reused. */
struct req_log {
	char request[1024];
	size_t request_len;
	char referer[256], user_agent[256], host[256];
	size_t referer_len, user_agent_len, host_len;
	char upstream[32];          /* "ADDR:PORT", "" when none */
	int upstream_status;        /* 0 = none */
	int64_t upstream_ms;        /* -1 = none */
	time_t when;                /* 0: nothing to log */
	uint64_t start_ms;
	int status;                 /* what the client got */
	uint64_t bytes;
};

struct conn {
	struct worker *w;
	struct conn *prev, *next;       /* every connection of the worker */
	int fd;
	SSL *ssl;                       /* NULL on plain HTTP */
	bool tls;
	bool rd_ready, wr_ready;
	bool rd_wants_wr, wr_wants_rd;  /* TLS needs the other direction first */
	bool rd_eof;
	bool close_after;               /* close once the current response is out */
	bool wr_shut;                   /* tunnel: our write side to the client shut */
	bool up_shut;                   /* tunnel: our write side to the service shut */
	enum conn_state state;
	unsigned requests;              /* requests started on this connection */
	bool head_started;              /* the header timeout runs for this request */
	uint64_t deadline;              /* CS_HANDSHAKE / CS_HEAD / CS_LINGER: absolute ms */
	uint64_t last_client_io, last_up_io;   /* last byte moved on either side */
	bool waits_client, waits_up;    /* what the last conn_drive() stopped on */
	uint64_t client_since, up_since;       /* ... and since when, without progress */
	bool pending;                   /* in the worker's pending list */
	struct conn *pend_next;
	char client[INET6_ADDRSTRLEN];
	uint16_t local_port;
	struct gw_buf in;               /* from the client */
	struct gw_buf hb;               /* head out: upstream request head, then the
	                                 * response head or a local response */
	bool hb_to_client;              /* hb holds bytes for the client (else upstream) */
	struct upstream *up;
	struct req_state req;
	struct resp_state resp;
	struct req_log *log;            /* NULL when the access log is off */
	uint64_t up_start_ms;           /* when the upstream request started */
};

/* A listening socket. */
struct listener {
	struct worker *w;
	int fd;
	bool tls;
	bool watched;
	uint16_t port;
};

struct worker {
	struct loop *loop;
	struct gw_settings set;
	struct tls_store *tls;
	struct route_table *routes;
	struct listener listeners[4];
	size_t n_listeners;
	uint16_t https_port;            /* for redirects; 0 when no TLS listener */
	int ctl_fd;
	struct msg_reader ctl;
	int log_fd;
	int acme_fd;                    /* O_PATH of the ACME webroot, or -1 */
	struct conn *conns;
	size_t n_conns, max_conns;
	bool accept_paused;             /* at max_conns: listeners unwatched */
	struct conn *pending;           /* connections with work left after their turn */
	struct conn *running;           /* the batch of them being run */
	int pending_fd;                 /* eventfd that wakes the loop for them */
	bool draining;
	bool close_idle;                /* draining closes idle keep-alive connections */
	uint64_t drain_deadline;
	struct loop_timer sweep;
	struct upstream *pool;          /* idle upstream connections, newest first */
	size_t n_pool;
	char **free_bufs;               /* released buffers for reuse */
	size_t n_free_bufs, cap_free_bufs;
	uint64_t rng;                   /* request ids */
	struct http1_request req;       /* parse scratch (large) */
	struct http1_response resp;
};

/* What worker_main() gets from the master (copied into the worker). */
struct worker_params {
	struct gw_settings set;
	struct tls_store *tls;
	struct route_table *routes;
	const int *fds;
	const bool *fd_tls;
	size_t n_fds;
	int ctl_fd;
	int log_fd;
	int acme_fd;
};

/* I/O results of conn_read/conn_write/upstream_read/upstream_write:
 * > 0 bytes moved, IO_AGAIN (wait for the event), IO_EOF, IO_ERROR. */
#define IO_AGAIN 0
#define IO_EOF (-1)
#define IO_ERROR (-2)

/* worker.c */
int worker_main(const struct worker_params *p);
/* Give B a buffer (from the free list or malloc) unless it has one, which
 * is left as it is; 0 or -ENOMEM. */
int buf_get(struct worker *w, struct gw_buf *b);
/* Return B's buffer to the free list. */
void buf_put(struct worker *w, struct gw_buf *b);
/* Move B's bytes to the start of its buffer. */
void buf_compact(struct gw_buf *b);
/* Before reading more into B: rewound when empty, compacted when its bytes
 * reach the buffer's end (it may still be full: a head over the limit). */
void buf_make_room(struct gw_buf *b);
/* A fresh random request id: 32 hex digits. */
void worker_request_id(struct worker *w, char out[33]);
/* Let C run again after the other ready connections (fairness). */
void worker_defer(struct worker *w, struct conn *c);
/* A connection is gone: maybe accept again, maybe the drain is over. */
void worker_conn_gone(struct worker *w);

/* conn.c */
void conn_accept(struct worker *w, int fd, bool tls, uint16_t port, const struct sockaddr_storage *peer);
void conn_drive(struct conn *c);
void conn_close(struct conn *c);
/* Deadlines: close (or answer 408/504) what ran out of time. */
void conn_sweep(struct conn *c, uint64_t now);
/* Close C if it idles between requests (drain, or room for a new one). */
bool conn_close_if_idle(struct conn *c);
ssize_t conn_read(struct conn *c, void *buf, size_t n);
ssize_t conn_write(struct conn *c, const void *buf, size_t n);
/* Write the access log line of the request that just ended. */
void conn_log_write(struct conn *c);
/* The response is out: log it, then next request, linger or close (-1). */
int conn_response_done(struct conn *c);

/* local.c */
int local_error(struct conn *c, int status, bool can_keep);
int local_redirect(struct conn *c, struct http1_slice host, struct http1_slice path);
int local_acme(struct conn *c, const struct http1_request *req);
bool local_is_acme(struct http1_slice path);

/* proxy.c */
int proxy_start(struct conn *c, const struct http1_request *req, const struct route *r);
int proxy_step(struct conn *c);
/* Drop C's upstream side (error or close); the upstream is not reused. */
void proxy_abort(struct conn *c);
/* Deadlines of a proxied request or tunnel. */
void proxy_sweep(struct conn *c, uint64_t now);

/* upstream.c */
struct upstream *upstream_get(struct worker *w, const struct sockaddr_in *addr, bool fresh, int *err);
void upstream_release(struct upstream *u, bool reusable);
void upstream_pool_sweep(struct worker *w, uint64_t now);
void upstream_pool_close(struct worker *w);
ssize_t upstream_read(struct upstream *u, void *buf, size_t n);
ssize_t upstream_write(struct upstream *u, const void *buf, size_t n);
/* Finish a non-blocking connect: 1 connected, 0 not yet, -errno failed. */
int upstream_connected(struct upstream *u);

#endif
