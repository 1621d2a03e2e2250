/*
 * tls_conn.c - one TLS connection for the worker's non-blocking loop: create
 * it on an accepted socket, step the handshake, read, write and shut down,
 * turning OpenSSL's results into "wait for readable/writable", "closed" or
 * "error".
 */
#include "gateway/tls_internal.h"

#include <errno.h>
#include <string.h>
#include <openssl/err.h>

/* Create the SSL of an accepted socket; see tls.h. */
SSL *tls_conn_new(struct tls_store *store, int fd, struct error *err)
{
	SSL *ssl = SSL_new(store->front);

	if (!ssl) {
		tls_error_set(err, "out of memory", "create TLS connection");
		return NULL;
	}
	/* SSL_set_fd() leaves the descriptor open at SSL_free(): the loop owns it. */
	if (SSL_set_fd(ssl, fd) != 1) {
		tls_error_set(err, "out of memory", "create TLS connection");
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_accept_state(ssl);
	return ssl;
}

/* Turn the failed result R of an SSL call on SSL into a tls_result, describing errors
 * in ERR (may be NULL) as "STEP: reason". */
static enum tls_result tls_result_of(SSL *ssl, int r, const char *step, struct error *err)
{
	int saved_errno = errno;
	unsigned long e;

	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_CLOSED;
	case SSL_ERROR_SYSCALL:
		e = ERR_peek_last_error();
		/* An empty queue and no errno, or a reset: the peer closed the socket. */
		if (!e && (saved_errno == 0 || saved_errno == ECONNRESET || saved_errno == EPIPE))
			return TLS_CLOSED;
		if (err && !e)
			error_set(err, saved_errno, "%s", step);
		else if (err)
			tls_error_set(err, "failed", "%s", step);
		ERR_clear_error();
		return TLS_ERROR;
	default:
		if (err)
			tls_error_set(err, "failed", "%s", step);
		ERR_clear_error();
		return TLS_ERROR;
	}
}

/* Advance the handshake; see tls.h. */
enum tls_result tls_handshake_step(SSL *ssl, struct error *err)
{
	int r;

	/* SSL_get_error() reads the thread's error queue: it must hold only this call's errors. */
	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(ssl);
	if (r == 1)
		return TLS_DONE;
	return tls_result_of(ssl, r, "TLS handshake", err);
}

/* Read application data; see tls.h. */
enum tls_result tls_read(SSL *ssl, void *buf, size_t len, size_t *done, struct error *err)
{
	int r;

	*done = 0;
	ERR_clear_error();
	errno = 0;
	r = SSL_read_ex(ssl, buf, len, done);
	if (r == 1)
		return TLS_DONE;
	return tls_result_of(ssl, r, "TLS read", err);
}

/* Write application data; see tls.h. */
enum tls_result tls_write(SSL *ssl, const void *buf, size_t len, size_t *done, struct error *err)
{
	int r;

	*done = 0;
	ERR_clear_error();
	errno = 0;
	r = SSL_write_ex(ssl, buf, len, done);
	if (r == 1)
		return TLS_DONE;
	return tls_result_of(ssl, r, "TLS write", err);
}

/* Send close_notify; see tls.h. */
enum tls_result tls_shutdown_step(SSL *ssl)
{
	struct tls_conn_state *state = SSL_get_ex_data(ssl, tls_ssl_index());
	enum tls_result res;
	int r;

	/* Nothing to send before the handshake finished, nor after a fatal error (OpenSSL
	 * puts the connection back "in init" then); once sent, another SSL_shutdown() would
	 * start reading the peer's close_notify. */
	if (!state || state->close_sent || !SSL_is_init_finished(ssl))
		return TLS_DONE;
	ERR_clear_error();
	errno = 0;
	r = SSL_shutdown(ssl);
	/* 0: ours is sent, the peer's not read yet; the gateway does not wait for it. */
	if (r >= 0) {
		state->close_sent = true;
		return TLS_DONE;
	}
	res = tls_result_of(ssl, r, "TLS shutdown", NULL);
	if (res != TLS_WANT_WRITE)
		state->close_sent = true;
	return res;
}

/* The SNI host name; see tls.h. */
const char *tls_conn_server_name(const SSL *ssl)
{
	const struct tls_conn_state *state = SSL_get_ex_data(ssl, tls_ssl_index());

	return state && state->has_name ? state->name : NULL;
}

/* Whether the session was resumed; see tls.h. */
bool tls_conn_resumed(const SSL *ssl)
{
	return SSL_session_reused(ssl) == 1;
}
