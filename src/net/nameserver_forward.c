/*
 * nameserver_forward.c - the name server's queries to the upstream resolvers.
 * Each attempt uses a fresh socket connect()ed to the upstream (so the kernel
 * gives it a random source port and delivers only the upstream's datagrams)
 * and a fresh random ID; the client's bytes go out unchanged otherwise, EDNS
 * included.  A reply must answer the very question asked.  An upstream that
 * stays silent for NS_UPSTREAM_TIMEOUT_MS, refuses, or fails hands the query
 * to the next one; a truncated reply is asked again over TCP; when nothing
 * works the client gets SERVFAIL.
 */
#include "net/nameserver_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

static void ns_attempt_next(struct ns_query *qr);

/* A random 16-bit value from the kernel (the only source of query IDs). */
static uint16_t ns_random16(void)
{
	uint16_t v = 0;

	while (getrandom(&v, sizeof(v), 0) < 0 && errno == EINTR)
		;
	return v;
}

/* Send REPLY (LEN bytes) to the UDP client PEER, truncated to what Q takes. */
static void ns_udp_send(struct ns_server *srv, const struct dns_query *q, const uint8_t *reply, size_t len,
			const struct sockaddr_storage *peer, socklen_t peer_len)
{
	size_t limit = q->edns ? q->edns_udp_size : DNS_UDP_MIN;
	uint8_t small[DNS_UDP_MIN];

	if (len > limit) {
		int n = dns_build_truncated(q, reply, len, small, sizeof(small));

		if (n < 0)
			return;
		reply = small;
		len = (size_t)n;
	}
	/* A full socket buffer drops the reply, as the network could: the client
	 * asks again. */
	(void)sendto(srv->udp_fd, reply, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)peer,
		     peer_len);
}

/* Handle one message from a client; see nameserver_impl.h. */
void ns_handle(struct ns_server *srv, const uint8_t *msg, size_t len, struct ns_conn *conn,
	       const struct sockaddr_storage *peer, socklen_t peer_len)
{
	struct dns_query q;
	size_t out_len = 0;

	switch (ns_answer(&srv->zone, msg, len, &q, srv->reply, sizeof(srv->reply), &out_len)) {
	case NS_DROP:
		break;
	case NS_REPLY:
		if (conn)
			ns_tcp_send(conn, srv->reply, out_len);
		else
			ns_udp_send(srv, &q, srv->reply, out_len, peer, peer_len);
		break;
	case NS_FORWARD:
		ns_forward(srv, msg, len, &q, conn, peer, peer_len);
		break;
	}
}

/* Close the socket of QR's attempt and stop its timer. */
static void ns_attempt_close(struct ns_query *qr)
{
	loop_timer_cancel(qr->srv->loop, &qr->timer);
	if (qr->fd >= 0) {
		loop_del(qr->srv->loop, qr->fd);
		close(qr->fd);
		qr->fd = -1;
	}
	qr->in_len = qr->in_want = qr->out_off = 0;
}

/* Free QR and tell its TCP client. */
static void ns_query_free(struct ns_query *qr)
{
	struct ns_server *srv = qr->srv;
	struct ns_conn *conn = qr->conn;

	ns_attempt_close(qr);
	if (qr->prev)
		qr->prev->next = qr->next;
	else
		srv->queries = qr->next;
	if (qr->next)
		qr->next->prev = qr->prev;
	srv->n_queries--;
	free(qr->msg);
	free(qr->in);
	free(qr->fallback);
	free(qr);
	if (conn)
		ns_tcp_query_done(conn);
}

/* Give REPLY (LEN bytes, a valid answer to QR with our ID) to the client and
 * free QR. */
static void ns_deliver(struct ns_query *qr, uint8_t *reply, size_t len)
{
	dns_set_id(reply, qr->client_id);
	if (qr->from_tcp) {
		if (qr->conn)
			ns_tcp_send(qr->conn, reply, len);
	} else {
		ns_udp_send(qr->srv, &qr->q, reply, len, &qr->peer, qr->peer_len);
	}
	ns_query_free(qr);
}

/* Every upstream failed: the best reply seen, or SERVFAIL. */
static void ns_give_up(struct ns_query *qr)
{
	int n;

	if (qr->fallback) {
		ns_deliver(qr, qr->fallback, qr->fallback_len);
		return;
	}
	n = dns_build_reply(&qr->q, DNS_RCODE_SERVFAIL, false, NULL, 0, qr->srv->reply, sizeof(qr->srv->reply));
	if (n < 0) {
		ns_query_free(qr);
		return;
	}
	/* Built with the client's ID already; ns_deliver sets it again. */
	ns_deliver(qr, qr->srv->reply, (size_t)n);
}

/* Keep REPLY as QR's answer of last resort. */
static void ns_keep_fallback(struct ns_query *qr, const uint8_t *reply, size_t len)
{
	uint8_t *copy = malloc(len);

	if (!copy)
		return;
	memcpy(copy, reply, len);
	free(qr->fallback);
	qr->fallback = copy;
	qr->fallback_len = len;
}

/* The sockaddr of upstream IP, port 53. */
static socklen_t ns_upstream_addr(const struct ip_addr *ip, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(53);
		sin->sin_addr = ip->v4;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(53);
	sin6->sin6_addr = ip->v6;
	return sizeof(*sin6);
}

/* Move QR to the next upstream (the list may have changed meanwhile). */
static void ns_advance(struct ns_query *qr)
{
	size_t n = qr->srv->n_upstream;

	qr->upstream = n ? (qr->upstream + 1) % n : 0;
}

/* A valid reply REPLY (LEN bytes) came for QR from its current upstream. */
static void ns_got_reply(struct ns_query *qr, uint8_t *reply, size_t len)
{
	struct ns_server *srv = qr->srv;
	struct dns_header h;

	dns_parse_header(reply, len, &h);
	if ((h.flags & DNS_FLAG_TC) && !qr->tcp) {
		/* Truncated over UDP: the same upstream again, over TCP.  The
		 * truncated reply is kept, in case TCP fails: the client can still
		 * retry over TCP itself. */
		ns_keep_fallback(qr, reply, len);
		qr->tcp = true;
		qr->tried--;
		ns_attempt_close(qr);
		ns_attempt_next(qr);
		return;
	}
	if (DNS_RCODE(h.flags) == DNS_RCODE_SERVFAIL || DNS_RCODE(h.flags) == DNS_RCODE_REFUSED) {
		/* Another upstream may know better (the C library does the same). */
		ns_keep_fallback(qr, reply, len);
		ns_attempt_close(qr);
		ns_advance(qr);
		ns_attempt_next(qr);
		return;
	}
	srv->preferred = qr->upstream;
	ns_deliver(qr, reply, len);
}

/* This attempt failed: on to the next upstream. */
static void ns_attempt_failed(struct ns_query *qr)
{
	struct ns_server *srv = qr->srv;

	ns_attempt_close(qr);
	/* Later queries start with the next one rather than wait again. */
	if (srv->preferred == qr->upstream)
		srv->preferred = srv->n_upstream ? (qr->upstream + 1) % srv->n_upstream : 0;
	ns_advance(qr);
	ns_attempt_next(qr);
}

/* The upstream's UDP socket is readable (or failed). */
static void ns_udp_upstream_io(struct loop *l, int fd, uint32_t events, void *data)
{
	struct ns_query *qr = data;
	struct ns_server *srv = qr->srv;

	(void)l;
	(void)events;
	for (int i = 0; i < NS_UDP_BATCH; i++) {
		/* A connected socket: the kernel delivers only the upstream's datagrams. */
		ssize_t n = recv(fd, srv->buf, sizeof(srv->buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* ECONNREFUSED from an ICMP "port unreachable": next one now. */
			if (errno != EAGAIN)
				ns_attempt_failed(qr);
			return;
		}
		/* Anything not answering our question with our ID is ignored: a
		 * spoofer has to guess the port, the ID and the question. */
		if (dns_reply_matches(qr->msg + 2, qr->len, srv->buf, (size_t)n)) {
			ns_got_reply(qr, srv->buf, (size_t)n);
			return;
		}
	}
}

/* The upstream's TCP socket: connected, writable, or readable. */
static void ns_tcp_upstream_io(struct loop *l, int fd, uint32_t events, void *data)
{
	struct ns_query *qr = data;
	size_t total = 2 + qr->len;
	ssize_t n;

	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		ns_attempt_failed(qr);
		return;
	}
	if (qr->out_off < total) {
		n = send(fd, qr->msg + qr->out_off, total - qr->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			ns_attempt_failed(qr);
			return;
		}
		qr->out_off += (size_t)n;
		if (qr->out_off == total)
			loop_mod(l, fd, EPOLLIN);
		return;
	}
	/* The length first, into 2 bytes; then room for what it announces. */
	if (!qr->in && !(qr->in = malloc(2))) {
		ns_attempt_failed(qr);
		return;
	}
	/* The 2-byte length first, then exactly that many bytes. */
	n = recv(fd, qr->in + qr->in_len, (qr->in_want ? qr->in_want : 2) - qr->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ns_attempt_failed(qr);
		return;
	}
	qr->in_len += (size_t)n;
	if (qr->in_want == 0 && qr->in_len == 2) {
		uint8_t *p;

		qr->in_want = 2 + (size_t)(qr->in[0] << 8 | qr->in[1]);
		if (qr->in_want < 2 + DNS_HEADER_LEN || !(p = realloc(qr->in, qr->in_want))) {
			ns_attempt_failed(qr);
			return;
		}
		qr->in = p;
	}
	if (qr->in_want && qr->in_len == qr->in_want) {
		/* One query per connection: a reply that does not match ends it. */
		if (!dns_reply_matches(qr->msg + 2, qr->len, qr->in + 2, qr->in_len - 2)) {
			ns_attempt_failed(qr);
			return;
		}
		ns_got_reply(qr, qr->in + 2, qr->in_len - 2);
	}
}

/* No reply in time from QR's upstream. */
static void ns_attempt_timeout(struct loop *l, void *data)
{
	(void)l;
	ns_attempt_failed(data);
}

/* Start an attempt of QR with its current upstream; 0 or -errno. */
static int ns_attempt_start(struct ns_query *qr)
{
	struct ns_server *srv = qr->srv;
	const struct ip_addr *up = &srv->upstream[qr->upstream];
	struct sockaddr_storage ss;
	socklen_t sl = ns_upstream_addr(up, &ss);
	int fd, r;

	/* A new ID for every attempt: a late reply to an earlier one is ignored. */
	dns_set_id(qr->msg + 2, ns_random16());
	fd = socket(up->family, (qr->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* connect() picks a random ephemeral source port and, for UDP, makes the
	 * kernel drop datagrams from anyone but the upstream. */
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!qr->tcp && send(fd, qr->msg + 2, qr->len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = loop_add(srv->loop, fd, qr->tcp ? EPOLLOUT : EPOLLIN, qr->tcp ? ns_tcp_upstream_io : ns_udp_upstream_io,
		     qr);
	if (r < 0) {
		close(fd);
		return r;
	}
	qr->fd = fd;
	qr->timer.fn = ns_attempt_timeout;
	qr->timer.data = qr;
	loop_timer_arm(srv->loop, &qr->timer, NS_UPSTREAM_TIMEOUT_MS);
	return 0;
}

/* Start the next attempt of QR, or give up when every upstream was tried. */
static void ns_attempt_next(struct ns_query *qr)
{
	struct ns_server *srv = qr->srv;

	while (srv->n_upstream > 0 && qr->tried < srv->n_upstream) {
		qr->tried++;
		if (qr->upstream >= srv->n_upstream)
			qr->upstream = 0;
		if (ns_attempt_start(qr) == 0)
			return;
		ns_advance(qr);
	}
	ns_give_up(qr);
}

/* Forward a query; see nameserver_impl.h. */
void ns_forward(struct ns_server *srv, const uint8_t *msg, size_t len, const struct dns_query *q,
		struct ns_conn *conn, const struct sockaddr_storage *peer, socklen_t peer_len)
{
	struct ns_query *qr = NULL;
	int n;

	if (srv->n_upstream > 0 && srv->n_queries < NS_INFLIGHT_MAX && len <= DNS_MSG_MAX)
		qr = calloc(1, sizeof(*qr));
	if (qr)
		qr->msg = malloc(2 + len);
	if (!qr || !qr->msg) {
		/* No upstream, or too much at once: say so rather than be silent,
		 * which would only make the client ask again. */
		free(qr);
		n = dns_build_reply(q, DNS_RCODE_SERVFAIL, false, NULL, 0, srv->reply, sizeof(srv->reply));
		if (n < 0)
			return;
		if (conn)
			ns_tcp_send(conn, srv->reply, (size_t)n);
		else
			ns_udp_send(srv, q, srv->reply, (size_t)n, peer, peer_len);
		return;
	}
	/* The length prefix of TCP in front, so the query goes out in one send. */
	qr->msg[0] = (uint8_t)(len >> 8);
	qr->msg[1] = (uint8_t)len;
	memcpy(qr->msg + 2, msg, len);
	qr->len = len;
	qr->srv = srv;
	qr->client_id = dns_get_id(msg);
	qr->q = *q;
	qr->fd = -1;
	qr->from_tcp = qr->tcp = conn != NULL;
	qr->conn = conn;
	if (peer) {
		qr->peer = *peer;
		qr->peer_len = peer_len;
	}
	qr->upstream = srv->preferred < srv->n_upstream ? srv->preferred : 0;
	qr->next = srv->queries;
	if (srv->queries)
		srv->queries->prev = qr;
	srv->queries = qr;
	srv->n_queries++;
	if (conn)
		conn->inflight++;
	ns_attempt_next(qr);
}

/* Forget CONN; see nameserver_impl.h. */
void ns_forward_detach(struct ns_server *srv, struct ns_conn *conn)
{
	for (struct ns_query *qr = srv->queries; qr; qr = qr->next)
		if (qr->conn == conn)
			qr->conn = NULL;
}
