/*
 * test_tls.h - helpers the TLS unit tests share: certificates made at test
 * time in a temporary directory, and a client/server pair on a socketpair
 * driven in one thread.
 */
#ifndef PISTACK_TEST_TLS_H
#define PISTACK_TEST_TLS_H

#include <stdbool.h>
#include <openssl/ssl.h>

#include "gateway/tls.h"

/* Create a temporary directory into DIR (64 bytes). */
void tt_dir_new(char *dir);

/* Remove DIR and the files in it. */
void tt_dir_remove(const char *dir);

/* Write DIR/BASE.crt and DIR/BASE.key: a self-signed certificate with common name CN and
 * subjectAltName SAN ("DNS:a,DNS:b", or NULL), an RSA-2048 or EC P-256 key, valid from
 * FROM_DAYS to TO_DAYS from now.  Returns 0 or -1. */
int tt_cert(const char *dir, const char *base, const char *cn, const char *san, bool rsa, long from_days,
	    long to_days);

/* A fixed secret for the ticket tests ("worker" stores share it). */
void tt_secret(struct tls_ticket_secret *secret, unsigned char fill);

/* A client context allowing protocol versions MIN to MAX (0: library default). */
SSL_CTX *tt_client_ctx(int min, int max);

struct tt_conn {
	int fds[2]; /* server end, client end */
	SSL *server, *client;
	enum tls_result server_result;
	bool client_ok;
	unsigned long client_error; /* the client's last OpenSSL error when it failed */
	struct error err; /* the server's error */
};

/* Connect a client of CCTX asking for SNI (NULL: none), resuming SESS (may be NULL), to
 * STORE over a socketpair and run the handshake on both ends.  Returns true when both
 * finished it. */
bool tt_handshake(struct tt_conn *c, struct tls_store *store, SSL_CTX *cctx, const char *sni,
		  SSL_SESSION *sess);

/* Send a few bytes server to client, so the client takes in the tickets that came before
 * them, and return the client's session (to free). */
SSL_SESSION *tt_session(struct tt_conn *c);

/* The common name of the certificate the client got, or "" into BUF (256 bytes). */
const char *tt_peer_cn(const struct tt_conn *c, char *buf);

/* Free both ends. */
void tt_close(struct tt_conn *c);

#endif
