/*
 * tls_internal.h - what the gateway's TLS files share and the unit tests may
 * reach: the SNI/host-name parser, ticket key derivation, the store's layout
 * and OpenSSL error wording.  Not for the rest of the gateway: use tls.h.
 */
#ifndef PISTACK_GATEWAY_TLS_INTERNAL_H
#define PISTACK_GATEWAY_TLS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "gateway/tls.h"

/*
 * Parse the body of a ClientHello server_name extension (RFC 6066 §3): a 2-byte list length,
 * then exactly one entry of type host_name (as OpenSSL itself requires).  On success HOST gets
 * the name normalized by tls_host_normalize().  Returns 0; -EBADMSG when the extension is
 * malformed (a decode_error); -EINVAL when the name is not a valid host name (an unknown name).
 */
int tls_sni_parse(const unsigned char *data, size_t len, char host[TLS_HOST_MAX]);

/* Copy the LEN bytes of IN into OUT lower-cased, without one trailing dot, after checking it is a
 * host name: labels of 1-63 letters, digits, '-' or '_', 253 bytes at most.  Returns 0 or -EINVAL. */
int tls_host_normalize(const char *in, size_t len, char out[TLS_HOST_MAX]);

/* One epoch's ticket keys: the 16-byte key name (epoch, big endian, then 8 bytes derived from the
 * secret), the HMAC-SHA256 key and the AES-256-CBC key. */
struct tls_ticket_key {
	uint64_t epoch;
	bool valid;
	unsigned char name[16];
	unsigned char hmac[32];
	unsigned char aes[32];
};

/* The ticket keys a store uses: the secret, the two epochs last derived and the algorithms,
 * fetched once. */
struct tls_ticket_ring {
	struct tls_ticket_secret secret;
	struct tls_ticket_key keys[2];
	EVP_CIPHER *cipher;
	time_t (*now)(void); /* the clock; tests move it */
};

/* Derive the keys of EPOCH from SECRET (HKDF-SHA256).  Returns 0 or -EIO. */
int tls_ticket_derive(const struct tls_ticket_secret *secret, uint64_t epoch, struct tls_ticket_key *key);

/* Prepare RING for SECRET.  Returns 0 or -errno. */
int tls_ticket_ring_init(struct tls_ticket_ring *ring, const struct tls_ticket_secret *secret,
			 struct error *err);

/* Release what RING holds and wipe its keys. */
void tls_ticket_ring_release(struct tls_ticket_ring *ring);

/* The OpenSSL ticket key callback installed on every context of a store. */
int tls_ticket_key_cb(SSL *ssl, unsigned char key_name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
		      EVP_MAC_CTX *hctx, int enc);

/* One certificate: its name ("example.com", "*.example.com" or TLS_DEFAULT_NAME) and context. */
struct tls_cert {
	char name[TLS_HOST_MAX];
	SSL_CTX *ctx;
};

struct tls_store {
	SSL_CTX *front; /* no certificate: SSL_new() from it, SNI switches */
	struct tls_cert *certs; /* exact and wildcard names, sorted by name */
	size_t ncerts;
	SSL_CTX *default_ctx; /* NULL without default.crt */
	struct tls_ticket_ring ring;
	uint64_t signature; /* tls_dir_signature() taken before reading the files */
	char **warnings;
	size_t nwarnings;
	const char *groups; /* the group list this OpenSSL accepted */
};

/* The context to serve HOST (normalized) with: exact name, else wildcard, else NULL. */
SSL_CTX *tls_store_lookup(const struct tls_store *store, const char *host);

/* Build a context with every setting of the store but no certificate.  Returns NULL with ERR filled. */
SSL_CTX *tls_ctx_new(struct tls_store *store, struct error *err);

/* Load the certificate chain CRT and key KEY of NAME into CTX, check that they match, and add a
 * warning to STORE when the certificate is expired, not yet valid or does not cover NAME.
 * Returns 0 or -errno with ERR naming the file. */
int tls_cert_install(struct tls_store *store, SSL_CTX *ctx, const char *name, const char *crt,
		     const char *key, struct error *err);

/* Add a formatted warning to STORE.  Returns 0 or -ENOMEM. */
int tls_store_warn(struct tls_store *store, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The ex_data index under which every context of a store points to the store. */
int tls_ctx_index(void);

/* What a connection keeps beside its SSL (ex_data, malloc'd, freed with the SSL). */
struct tls_conn_state {
	bool close_sent; /* close_notify is out: tls_shutdown_step() does nothing more */
	bool has_name;
	char name[TLS_HOST_MAX]; /* the SNI host name, normalized */
};

/* The ex_data index of a connection's struct tls_conn_state. */
int tls_ssl_index(void);

/* error_set() with the first queued OpenSSL reason appended (or FALLBACK when the queue is empty);
 * empties the queue.  Returns -EIO, or -ENOMEM when OpenSSL ran out of memory. */
int tls_error_set(struct error *err, const char *fallback, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
