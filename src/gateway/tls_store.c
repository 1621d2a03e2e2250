/*
 * tls_store.c - the certificate store: one SSL_CTX per certificate of the
 * certs directory, all with the same Mozilla "intermediate" settings, and the
 * ClientHello callback that picks the certificate from the SNI host name.
 */
#include "gateway/tls_internal.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/err.h>
#include <openssl/evp.h>

/*
 * Mozilla server-side TLS guideline 6.0, "intermediate": TLS 1.2 and 1.3, ECDHE only (6.0
 * dropped the DHE suites of 5.7, which cost a 2048-bit modular exponentiation per handshake),
 * no server cipher order.  Clients that prefer ChaCha20 (phones, Pi-class machines without AES
 * instructions) therefore get it.  X25519MLKEM768 is offered where OpenSSL knows it (>= 3.5).
 */
#define TLS12_CIPHERS                                                                                        \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                         \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                         \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS13_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
static const char *const tls_group_lists[] = {
	"X25519MLKEM768:X25519:prime256v1:secp384r1",
	"X25519:prime256v1:secp384r1",
};

static int tls_ctx_ex_index = -1;
static int tls_ssl_ex_index = -1;
static pthread_once_t tls_index_once = PTHREAD_ONCE_INIT;

/* Free a connection's state when OpenSSL frees the SSL. */
static void tls_ssl_name_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	free(ptr);
}

/* Reserve the ex_data indices, once per process. */
static void tls_index_init(void)
{
	tls_ctx_ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	tls_ssl_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, tls_ssl_name_free);
}

/* The SSL_CTX ex_data index pointing to the store; see tls_internal.h. */
int tls_ctx_index(void)
{
	pthread_once(&tls_index_once, tls_index_init);
	return tls_ctx_ex_index;
}

/* The SSL ex_data index of the connection state; see tls_internal.h. */
int tls_ssl_index(void)
{
	pthread_once(&tls_index_once, tls_index_init);
	return tls_ssl_ex_index;
}

/* Describe an OpenSSL failure; see tls_internal.h. */
int tls_error_set(struct error *err, const char *fallback, const char *fmt, ...)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	error_setv(err, 0, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", reason ? reason : fallback);
	ERR_clear_error();
	return e && ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE ? -ENOMEM : -EIO;
}

/* Add a warning; see tls_internal.h. */
int tls_store_warn(struct tls_store *store, const char *fmt, ...)
{
	char **grown, *msg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	grown = realloc(store->warnings, (store->nwarnings + 1) * sizeof(*grown));
	if (!grown) {
		free(msg);
		return -ENOMEM;
	}
	store->warnings = grown;
	store->warnings[store->nwarnings++] = msg;
	return 0;
}

/* Order certificates by name, for bsearch(). */
static int tls_cert_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tls_cert *)a)->name, ((const struct tls_cert *)b)->name);
}

/* Find the certificate named exactly NAME. */
static SSL_CTX *tls_store_find(const struct tls_store *store, const char *name)
{
	struct tls_cert key, *found;

	if (store->ncerts == 0)
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	found = bsearch(&key, store->certs, store->ncerts, sizeof(*store->certs), tls_cert_cmp);
	return found ? found->ctx : NULL;
}

/* The context for a normalized HOST; see tls_internal.h. */
SSL_CTX *tls_store_lookup(const struct tls_store *store, const char *host)
{
	char wildcard[TLS_HOST_MAX + 1];
	const char *dot;
	SSL_CTX *ctx;

	ctx = tls_store_find(store, host);
	if (ctx)
		return ctx;
	/* A wildcard stands for exactly one label: a.b.example.org only matches *.b.example.org. */
	dot = strchr(host, '.');
	if (!dot || dot == host)
		return NULL;
	snprintf(wildcard, sizeof(wildcard), "*%s", dot);
	return tls_store_find(store, wildcard);
}

/* ClientHello callback: choose the certificate before version, cipher and session resumption
 * are decided, so that all of them follow the chosen context. */
static int tls_client_hello_cb(SSL *ssl, int *alert, void *arg)
{
	struct tls_store *store = arg;
	struct tls_conn_state *state;
	const unsigned char *ext;
	char host[TLS_HOST_MAX];
	bool have_host = false;
	SSL_CTX *ctx = NULL;
	size_t len;

	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &len)) {
		int r = tls_sni_parse(ext, len, host);

		if (r == -EBADMSG) {
			*alert = SSL_AD_DECODE_ERROR;
			return SSL_CLIENT_HELLO_ERROR;
		}
		have_host = r == 0;
	}
	if (have_host)
		ctx = tls_store_lookup(store, host);
	if (!ctx)
		ctx = store->default_ctx;
	if (!ctx) {
		*alert = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_CLIENT_HELLO_ERROR;
	}
	/* Called again after a HelloRetryRequest: the state is there already. */
	state = SSL_get_ex_data(ssl, tls_ssl_index());
	if (!state) {
		state = calloc(1, sizeof(*state));
		if (!state || SSL_set_ex_data(ssl, tls_ssl_index(), state) != 1) {
			free(state);
			*alert = SSL_AD_INTERNAL_ERROR;
			return SSL_CLIENT_HELLO_ERROR;
		}
	}
	state->has_name = have_host;
	if (have_host)
		memcpy(state->name, host, sizeof(host));
	/* Every context carries the same options and callbacks, so switching only changes the
	 * certificate and the session id context. */
	if (SSL_set_SSL_CTX(ssl, ctx) != ctx) {
		*alert = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* ALPN: HTTP/1.1 only; a client offering protocols but not http/1.1 is refused with
 * no_application_protocol (RFC 7301 §3.2). */
static int tls_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
		       unsigned int inlen, void *arg)
{
	static const unsigned char http11[] = "\x08http/1.1";
	unsigned char *selected;
	unsigned char selected_len;

	(void)ssl, (void)arg;
	if (SSL_select_next_proto(&selected, &selected_len, http11, sizeof(http11) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = selected;
	*outlen = selected_len;
	return SSL_TLSEXT_ERR_OK;
}

/* Set the key exchange groups, with the first list this OpenSSL accepts. */
static int tls_ctx_set_groups(struct tls_store *store, SSL_CTX *ctx, struct error *err)
{
	if (store->groups) {
		if (SSL_CTX_set1_groups_list(ctx, store->groups) == 1)
			return 0;
		return tls_error_set(err, "refused", "set TLS groups '%s'", store->groups);
	}
	for (size_t i = 0; i < sizeof(tls_group_lists) / sizeof(tls_group_lists[0]); i++) {
		if (SSL_CTX_set1_groups_list(ctx, tls_group_lists[i]) == 1) {
			store->groups = tls_group_lists[i];
			ERR_clear_error();
			return 0;
		}
	}
	return tls_error_set(err, "refused", "set TLS groups '%s'", tls_group_lists[0]);
}

/* Build a context with the store's settings and no certificate; see tls_internal.h. */
SSL_CTX *tls_ctx_new(struct tls_store *store, struct error *err)
{
	SSL_CTX *ctx = SSL_CTX_new_ex(NULL, NULL, TLS_server_method());

	if (!ctx) {
		tls_error_set(err, "out of memory", "create TLS context");
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
		tls_error_set(err, "refused", "set TLS versions '1.2-1.3'");
		goto fail;
	}
	/* PRIORITIZE_CHACHA only acts with server cipher order, which stays off: the client's
	 * order already gives ChaCha20 to clients that prefer it; the flag keeps that true if
	 * server order is ever turned on. */
	SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
	SSL_CTX_set_options(ctx,
			    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_PRIORITIZE_CHACHA |
				    SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		tls_error_set(err, "refused", "set TLS 1.2 ciphers '%s'", TLS12_CIPHERS);
		goto fail;
	}
	if (SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES) != 1) {
		tls_error_set(err, "refused", "set TLS 1.3 cipher suites '%s'", TLS13_SUITES);
		goto fail;
	}
	if (tls_ctx_set_groups(store, ctx, err) < 0)
		goto fail;
	/* The worker loop retries writes with a buffer that may have moved, accepts partial
	 * writes, and idle connections give their 34 KiB of record buffers back. */
	SSL_CTX_set_mode(ctx,
			 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				 SSL_MODE_RELEASE_BUFFERS);
	/* Stateless tickets only: a per-process session cache would miss on every other worker. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_timeout(ctx, TLS_TICKET_EPOCH_SECONDS);
	SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_key_cb);
	/* Set on every context: after a HelloRetryRequest OpenSSL calls the switched context's. */
	SSL_CTX_set_client_hello_cb(ctx, tls_client_hello_cb, store);
	SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_cb, NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (tls_ctx_index() < 0 || SSL_CTX_set_ex_data(ctx, tls_ctx_index(), store) != 1) {
		tls_error_set(err, "out of memory", "create TLS context");
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* Keep regular-looking certificate files: NAME.crt, not hidden. */
static int tls_crt_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".crt") == 0;
}

/* Turn the base of a file name into a certificate name: host, *.host or the default. */
static int tls_cert_name(const char *base, size_t len, char name[TLS_HOST_MAX])
{
	char host[TLS_HOST_MAX];

	if (len == strlen(TLS_DEFAULT_NAME) && strncasecmp(base, TLS_DEFAULT_NAME, len) == 0) {
		strcpy(name, TLS_DEFAULT_NAME);
		return 0;
	}
	if (len > 2 && base[0] == '_' && base[1] == '.') {
		size_t n;

		if (tls_host_normalize(base + 2, len - 2, host) < 0 || base[len - 1] == '.')
			return -EINVAL;
		n = strlen(host);
		if (n + 3 > TLS_HOST_MAX)
			return -EINVAL;
		memcpy(name, "*.", 2);
		memcpy(name + 2, host, n + 1);
		return 0;
	}
	if (base[len - 1] == '.')
		return -EINVAL;
	return tls_host_normalize(base, len, name);
}

/* Load CERTS_DIR/FILE (a .crt) and its key as the next certificate of STORE. */
static int tls_store_add(struct tls_store *store, const char *certs_dir, const char *file, struct error *err)
{
	size_t len = strlen(file) - 4;
	char crt[PATH_MAX], key[PATH_MAX], name[TLS_HOST_MAX];
	unsigned char sid[EVP_MAX_MD_SIZE];
	unsigned int sid_len = 0;
	SSL_CTX *ctx;
	int r;

	if ((size_t)snprintf(crt, sizeof(crt), "%s/%s", certs_dir, file) >= sizeof(crt) ||
	    (size_t)snprintf(key, sizeof(key), "%s/%.*s.key", certs_dir, (int)len, file) >= sizeof(key))
		return error_set(err, ENAMETOOLONG, "open '%s/%s'", certs_dir, file);
	if (tls_cert_name(file, len, name) < 0)
		return error_set(err, 0,
				 "load certificate '%s': the name is not DOMAIN.crt, _.DOMAIN.crt or %s.crt",
				 crt, TLS_DEFAULT_NAME);
	if (strcmp(name, TLS_DEFAULT_NAME) == 0 ? store->default_ctx != NULL
						: tls_store_find(store, name) != NULL)
		return error_set(err, 0, "load certificate '%s': a second certificate for '%s'", crt, name);
	ctx = tls_ctx_new(store, err);
	if (!ctx)
		return -EIO;
	r = tls_cert_install(store, ctx, name, crt, key, err);
	/* A session resumes only under the certificate it was made with. */
	if (r == 0 &&
	    (EVP_Digest(name, strlen(name), sid, &sid_len, EVP_sha256(), NULL) != 1 ||
	     SSL_CTX_set_session_id_context(ctx, sid, sid_len) != 1))
		r = tls_error_set(err, "refused", "set session id context of '%s'", crt);
	if (r < 0) {
		SSL_CTX_free(ctx);
		return r;
	}
	if (strcmp(name, TLS_DEFAULT_NAME) == 0) {
		store->default_ctx = ctx;
		return 0;
	}
	snprintf(store->certs[store->ncerts].name, TLS_HOST_MAX, "%s", name);
	store->certs[store->ncerts++].ctx = ctx;
	/* Keep the table sorted as it grows, so duplicates are found by bsearch(). */
	qsort(store->certs, store->ncerts, sizeof(*store->certs), tls_cert_cmp);
	return 0;
}

/* Load every certificate of CERTS_DIR; see tls.h. */
int tls_store_load(struct tls_store **out, const char *certs_dir, const struct tls_ticket_secret *secret,
		   struct error *err)
{
	struct tls_store *store = calloc(1, sizeof(*store));
	struct dirent **files = NULL;
	int n = 0, r;

	if (!store)
		return error_set(err, ENOMEM, "load certificates '%s'", certs_dir);
	r = tls_ticket_ring_init(&store->ring, secret, err);
	if (r < 0)
		goto out;
	/* The signature is taken before reading: a file changed meanwhile triggers another load. */
	r = tls_dir_signature(certs_dir, &store->signature, err);
	if (r < 0)
		goto out;
	store->front = tls_ctx_new(store, err);
	if (!store->front) {
		r = -EIO;
		goto out;
	}
	n = scandir(certs_dir, &files, tls_crt_filter, alphasort);
	if (n < 0) {
		n = 0;
		r = error_set(err, errno, "read directory '%s'", certs_dir);
		goto out;
	}
	store->certs = calloc((size_t)n + 1, sizeof(*store->certs));
	if (!store->certs) {
		r = error_set(err, ENOMEM, "load certificates '%s'", certs_dir);
		goto out;
	}
	for (int i = 0; i < n && r == 0; i++)
		r = tls_store_add(store, certs_dir, files[i]->d_name, err);
out:
	for (int i = 0; i < n; i++)
		free(files[i]);
	free(files);
	if (r < 0) {
		tls_store_free(store);
		return r;
	}
	*out = store;
	return 0;
}

/* Free STORE; see tls.h. */
void tls_store_free(struct tls_store *store)
{
	if (!store)
		return;
	for (size_t i = 0; i < store->ncerts; i++)
		SSL_CTX_free(store->certs[i].ctx);
	free(store->certs);
	SSL_CTX_free(store->default_ctx);
	SSL_CTX_free(store->front);
	tls_ticket_ring_release(&store->ring);
	for (size_t i = 0; i < store->nwarnings; i++)
		free(store->warnings[i]);
	free(store->warnings);
	free(store);
}

/* The context new connections start from; see tls.h. */
SSL_CTX *tls_store_ctx(struct tls_store *store)
{
	return store->front;
}

/* Whether HOST has its own certificate; see tls.h. */
bool tls_store_has_cert(const struct tls_store *store, const char *host)
{
	char name[TLS_HOST_MAX];

	if (tls_host_normalize(host, strlen(host), name) < 0)
		return false;
	return tls_store_lookup(store, name) != NULL;
}

/* Number of certificates; see tls.h. */
size_t tls_store_count(const struct tls_store *store)
{
	return store->ncerts + (store->default_ctx != NULL);
}

/* Whether a default certificate is loaded; see tls.h. */
bool tls_store_has_default(const struct tls_store *store)
{
	return store->default_ctx != NULL;
}

/* Number of load warnings; see tls.h. */
size_t tls_store_warning_count(const struct tls_store *store)
{
	return store->nwarnings;
}

/* The Ith load warning; see tls.h. */
const char *tls_store_warning(const struct tls_store *store, size_t i)
{
	return i < store->nwarnings ? store->warnings[i] : NULL;
}

/* The signature taken when STORE was loaded; see tls.h. */
uint64_t tls_store_signature(const struct tls_store *store)
{
	return store->signature;
}

/* Whether CERTS_DIR differs from what STORE was loaded from; see tls.h. */
bool tls_store_changed(const struct tls_store *store, const char *certs_dir)
{
	struct error err;
	uint64_t sig;

	if (tls_dir_signature(certs_dir, &sig, &err) < 0)
		return true;
	return sig != store->signature;
}
