/*
 * tls.h - the gateway's TLS: a certificate store chosen by SNI, Mozilla
 * "intermediate" settings, session tickets any worker can resume, and
 * non-blocking handshake/read/write helpers for the worker loop.
 *
 * Certificate directory (gateway `certs`), PEM files:
 *   DOMAIN.crt + DOMAIN.key       exact host name DOMAIN (the .crt may hold the chain after the leaf)
 *   _.DOMAIN.crt + _.DOMAIN.key   wildcard *.DOMAIN: covers exactly one more label, as X.509 does
 *                                 (a.DOMAIN, not DOMAIN itself nor a.b.DOMAIN)
 *   default.crt + default.key     optional: served for an unknown host name and when the client
 *                                 sends no SNI.  Without it such handshakes are refused with the
 *                                 unrecognized_name alert.  (So no host can be named "default".)
 * File names are host names (letters, digits, '-', '_', '.'; upper case is folded).  Names
 * starting with '.' and files not ending in ".crt" are ignored; a .crt without its .key is an
 * error.  An exact name beats a wildcard.  Encrypted keys are refused (nothing may prompt).
 *
 * Life cycle: the gateway master calls tls_ticket_secret_generate() once at start (kept across
 * reloads), tls_store_load() at start and on each reload, then forks workers; every SSL_CTX is
 * built once per load, never per connection.  Workers SSL_new(tls_store_ctx(store)); the
 * ClientHello callback switches each connection to the context of its certificate.
 *
 * Session resumption is stateless: tickets only (TLS 1.2 and 1.3), no server-side session cache.
 * Ticket keys are derived from the shared secret per 12-hour epoch; tickets are sealed with the
 * current epoch's key and accepted for the current and the previous epoch (renewed when from the
 * previous), so any worker of any generation resumes a ticket issued by any other, with no
 * messages between them.  The session lifetime is one epoch (12 h).
 *
 * Protocol profile (Mozilla guideline 6.0 "intermediate"): TLS 1.2 and 1.3, ECDHE-ECDSA/RSA with
 * AES-GCM or ChaCha20-Poly1305 (no DHE), groups X25519, P-256, P-384 (X25519MLKEM768 first where
 * OpenSSL has it), the client's cipher order (so clients preferring ChaCha20 get it), no
 * compression, no renegotiation, no 0-RTT, ALPN "http/1.1" only (a client offering only other
 * protocols gets no_application_protocol).  ECDSA P-256 certificates are much cheaper to serve
 * than RSA ones.
 *
 * A store and the SSL objects made from it are used by one thread.  Free the store only after
 * every SSL made from it has been freed.  The store keeps its data under ex_data indices of its
 * own: SSL_set_app_data() is free for the caller.  OpenSSL writes to sockets with write(2):
 * the process ignores SIGPIPE.  Library code: errors are reported through struct error,
 * nothing is printed.
 */
#ifndef PISTACK_GATEWAY_TLS_H
#define PISTACK_GATEWAY_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#include "common/error.h"

/* Base name of the optional default certificate: CERTS/default.crt and CERTS/default.key. */
#define TLS_DEFAULT_NAME "default"

/* Longest host name, plus its NUL. */
#define TLS_HOST_MAX 256

/* Length of a ticket key epoch: keys change every 12 hours. */
#define TLS_TICKET_EPOCH_SECONDS (12 * 60 * 60)

/* The secret every worker derives its ticket keys from; generated once by the master. */
struct tls_ticket_secret {
	unsigned char bytes[32];
};

struct tls_store;

/* Fill SECRET with random bytes from the kernel.  Returns 0 or -errno. */
int tls_ticket_secret_generate(struct tls_ticket_secret *secret, struct error *err);

/*
 * Load every certificate of CERTS_DIR and build one SSL_CTX per certificate, with the ticket
 * keys derived from SECRET (copied).  A missing or unreadable file, a key that does not match
 * its certificate, a bad file name or a duplicate name fails the whole load with an error that
 * names the file; an empty directory gives a store that refuses every handshake.  Expired or
 * not yet valid certificates, and certificates that do not cover their file's name, load with a
 * warning (tls_store_warning()).  Returns 0 and sets *OUT, or -errno.
 */
int tls_store_load(struct tls_store **out, const char *certs_dir, const struct tls_ticket_secret *secret,
		   struct error *err);

/* Free STORE and its contexts (NULL is fine). */
void tls_store_free(struct tls_store *store);

/* The context to SSL_new() every accepted connection from; SNI later switches it. */
SSL_CTX *tls_store_ctx(struct tls_store *store);

/* Whether STORE has a certificate for HOST itself (exact or wildcard; the default certificate
 * does not count).  HOST may have upper case and one trailing dot.  For redirect_https. */
bool tls_store_has_cert(const struct tls_store *store, const char *host);

/* Number of certificates loaded, the default one included. */
size_t tls_store_count(const struct tls_store *store);

/* Whether STORE has a default certificate. */
bool tls_store_has_default(const struct tls_store *store);

/* Number of warnings the load produced, and the Ith of them ("STEP 'FILE': reason" wording,
 * e.g. "check certificate '/c/a.crt': expired on 2024-01-01 00:00:00 UTC"), for the master to log. */
size_t tls_store_warning_count(const struct tls_store *store);
const char *tls_store_warning(const struct tls_store *store, size_t i);

/*
 * Change detection for reloads.  tls_dir_signature() hashes the names, sizes, modification
 * times and inode numbers of the .crt/.key files of CERTS_DIR (following symbolic links);
 * a store remembers the signature taken just before it read the files.  The master polls
 * tls_store_changed() and reloads when it returns true: it also does when the directory
 * cannot be read, so that the reload reports the error.
 */
int tls_dir_signature(const char *certs_dir, uint64_t *sig, struct error *err);
uint64_t tls_store_signature(const struct tls_store *store);
bool tls_store_changed(const struct tls_store *store, const char *certs_dir);

/*
 * Create a self-signed ECDSA P-256 certificate for NAME, valid one year, whose subjectAltName
 * holds NAME and *.NAME, as CERTS_DIR/BASE.crt and CERTS_DIR/BASE.key (BASE is NAME when NULL).
 * The key is written mode 0600, each file through a temporary file linked into place, so a
 * reader never sees a partial file.  Existing files are never overwritten: -EEXIST when either
 * exists.  The demo uses tls_self_signed_create(dir, "localhost", TLS_DEFAULT_NAME, err): the
 * default certificate then serves localhost, hello.localhost and any other name.
 */
int tls_self_signed_create(const char *certs_dir, const char *name, const char *base, struct error *err);

/* Outcome of a non-blocking TLS step. */
enum tls_result {
	TLS_DONE = 0, /* handshake finished / bytes moved (see *DONE) / shutdown complete */
	TLS_WANT_READ, /* wait until the socket is readable, then call again */
	TLS_WANT_WRITE, /* wait until the socket is writable, then call again */
	TLS_CLOSED, /* the peer closed (close_notify or EOF): close the connection */
	TLS_ERROR, /* fatal protocol or socket error: close the connection */
};

/*
 * A server-side SSL for accepted socket FD (non-blocking, not taken over: close it yourself
 * after SSL_free()), in accept state.  Partial writes are on and the write buffer may move
 * between retries; idle buffers are released.  Returns NULL with ERR filled on failure.
 */
SSL *tls_conn_new(struct tls_store *store, int fd, struct error *err);

/* Advance the handshake.  On TLS_ERROR, ERR (may be NULL) says why, e.g.
 * "TLS handshake: unsupported protocol". */
enum tls_result tls_handshake_step(SSL *ssl, struct error *err);

/* Read up to LEN (> 0) bytes of application data into BUF; on TLS_DONE *DONE is the count (> 0).
 * An EOF without close_notify, and a reset, are TLS_CLOSED too: HTTP framing detects truncation. */
enum tls_result tls_read(SSL *ssl, void *buf, size_t len, size_t *done, struct error *err);

/* Write up to LEN (> 0) bytes from BUF; on TLS_DONE *DONE is the count (> 0, maybe < LEN).
 * After WANT_*, retry with at least the bytes not yet written (the buffer may move). */
enum tls_result tls_write(SSL *ssl, const void *buf, size_t len, size_t *done, struct error *err);

/* Send close_notify without waiting for the peer's; TLS_DONE once sent, and from then on.
 * Before the handshake finished and after TLS_ERROR there is nothing to send: TLS_DONE.
 * tls_read() still returns what the peer sends afterwards, then TLS_CLOSED. */
enum tls_result tls_shutdown_step(SSL *ssl);

/* The host name the client asked for (SNI), lower case without trailing dot, or NULL when it
 * sent none; valid until SSL_free(). */
const char *tls_conn_server_name(const SSL *ssl);

/* Whether the handshake resumed a session (for logs and tests). */
bool tls_conn_resumed(const SSL *ssl);

#endif
