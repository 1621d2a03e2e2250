/*
 * test_tls_helpers.c - certificates made with the OpenSSL API at test time
 * (no key is committed) and an in-process TLS client/server pair over a
 * non-blocking socketpair, for the TLS unit tests.
 */
#include "gateway/test_tls.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* Create a temporary directory; see test_tls.h. */
void tt_dir_new(char *dir)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, 64, "%s/pistack-tls-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
}

/* Remove a temporary directory; see test_tls.h. */
void tt_dir_remove(const char *dir)
{
	char path[512];
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		unlink(path);
	}
	closedir(dp);
	rmdir(dir);
}

/* Write PEM text of KEY or X to DIR/BASE.EXT. */
static int tt_write_pem(const char *dir, const char *base, const char *ext, EVP_PKEY *key, X509 *x)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, base, ext);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, x);
	return fclose(f) == 0 && ok == 1 ? 0 : -1;
}

/* Write a test certificate and key; see test_tls.h. */
int tt_cert(const char *dir, const char *base, const char *cn, const char *san, bool rsa, long from_days,
	    long to_days)
{
	EVP_PKEY *key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_EXTENSION *ext = NULL;
	X509V3_CTX v3;
	int r = -1;

	if (!key || !x)
		goto out;
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400L);
	X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400L);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)cn,
				   -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (san) {
		X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
		if (!ext || X509_add_ext(x, ext, -1) != 1)
			goto out;
	}
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		goto out;
	if (tt_write_pem(dir, base, "key", key, NULL) < 0 || tt_write_pem(dir, base, "crt", NULL, x) < 0)
		goto out;
	r = 0;
out:
	X509_EXTENSION_free(ext);
	X509_free(x);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return r;
}

/* A fixed ticket secret; see test_tls.h. */
void tt_secret(struct tls_ticket_secret *secret, unsigned char fill)
{
	memset(secret->bytes, fill, sizeof(secret->bytes));
}

/* A client context; see test_tls.h. */
SSL_CTX *tt_client_ctx(int min, int max)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		abort();
	if (min && min < TLS1_2_VERSION)
		SSL_CTX_set_security_level(ctx, 0); /* old versions need it on OpenSSL 3 */
	if (min)
		SSL_CTX_set_min_proto_version(ctx, min);
	if (max)
		SSL_CTX_set_max_proto_version(ctx, max);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
	return ctx;
}

/* One client handshake step: 1 done, 0 waiting, -1 failed. */
static int tt_client_step(struct tt_conn *c)
{
	int r;

	ERR_clear_error();
	r = SSL_do_handshake(c->client);
	if (r == 1)
		return 1;
	r = SSL_get_error(c->client, r);
	if (r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE)
		return 0;
	c->client_error = ERR_peek_last_error();
	ERR_clear_error();
	return -1;
}

/* Run a handshake over a socketpair; see test_tls.h. */
bool tt_handshake(struct tt_conn *c, struct tls_store *store, SSL_CTX *cctx, const char *sni,
		  SSL_SESSION *sess)
{
	int server_state = 0, client_state = 0;

	memset(c, 0, sizeof(*c));
	error_clear(&c->err);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, c->fds) < 0)
		abort();
	c->server = tls_conn_new(store, c->fds[0], &c->err);
	c->client = SSL_new(cctx);
	if (!c->server || !c->client)
		abort();
	SSL_set_fd(c->client, c->fds[1]);
	SSL_set_connect_state(c->client);
	if (sni)
		SSL_set_tlsext_host_name(c->client, sni);
	if (sess)
		SSL_set_session(c->client, sess);
	/* Alternate until both ends are done or have failed; a failed end's alert still
	 * reaches the other, which then fails too. */
	for (int i = 0; i < 200 && (server_state == 0 || client_state == 0); i++) {
		if (server_state == 0) {
			c->server_result = tls_handshake_step(c->server, &c->err);
			if (c->server_result == TLS_DONE)
				server_state = 1;
			else if (c->server_result == TLS_CLOSED || c->server_result == TLS_ERROR)
				server_state = -1;
		}
		if (client_state == 0)
			client_state = tt_client_step(c);
	}
	c->client_ok = client_state == 1;
	return server_state == 1 && client_state == 1;
}

/* Let the client take its tickets and return its session; see test_tls.h. */
SSL_SESSION *tt_session(struct tt_conn *c)
{
	char buf[16];
	size_t n;

	if (tls_write(c->server, "ping", 4, &n, NULL) != TLS_DONE)
		return NULL;
	if (SSL_read_ex(c->client, buf, sizeof(buf), &n) != 1 || n != 4)
		return NULL;
	return SSL_get1_session(c->client);
}

/* The served certificate's common name; see test_tls.h. */
const char *tt_peer_cn(const struct tt_conn *c, char *buf)
{
	X509 *x = SSL_get0_peer_certificate(c->client);

	buf[0] = '\0';
	if (x)
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, 256);
	return buf;
}

/* Free both ends; see test_tls.h. */
void tt_close(struct tt_conn *c)
{
	/* Freed without close_notify, OpenSSL marks the client's session not resumable. */
	if (c->client_ok)
		SSL_shutdown(c->client);
	SSL_free(c->server);
	SSL_free(c->client);
	close(c->fds[0]);
	close(c->fds[1]);
	ERR_clear_error();
}
