/*
 * tls_certfile.c - read one certificate chain and its private key from PEM
 * files into a context, with errors that name the file and warnings for
 * certificates that clients will reject (expired, wrong name).
 */
#include "gateway/tls_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/cleanup.h"
#include "common/fs.h"

/* A PEM file of a chain is a few KiB; refuse anything absurd before reading it. */
#define TLS_FILE_MAX (1024 * 1024)

/* Wildcard certificates are checked with a name under them no one would use. */
#define TLS_WILDCARD_PROBE "pistack-wildcard-probe"

/* Read PATH into a BIO. */
static int tls_file_bio(const char *path, BIO **out, struct error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *buf = NULL;
	ssize_t len;
	struct stat st;
	BIO *bio;

	if (fd < 0)
		return error_set(err, errno, "open '%s'", path);
	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "stat '%s'", path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "read '%s': not a regular file", path);
	if (st.st_size > TLS_FILE_MAX)
		return error_set(err, EFBIG, "read '%s'", path);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return error_set(err, ENOMEM, "read '%s'", path);
	len = fs_read_full(fd, buf, (size_t)st.st_size);
	if (len < 0)
		return error_set(err, (int)-len, "read '%s'", path);
	bio = BIO_new(BIO_s_mem());
	if (!bio || BIO_write(bio, buf, (int)len) != (int)len) {
		BIO_free(bio);
		return error_set(err, ENOMEM, "read '%s'", path);
	}
	OPENSSL_cleanse(buf, (size_t)len);
	*out = bio;
	return 0;
}

/* Whether the last PEM read failed only because no (further) PEM object was found; clears
 * the error queue in that case. */
static bool tls_pem_empty(void)
{
	unsigned long e = ERR_peek_last_error();

	if (e && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE))
		return false;
	ERR_clear_error();
	return true;
}

/* Passphrase callback: never prompt (the gateway has no terminal); note that one was wanted. */
static int tls_no_passphrase(char *buf, int size, int rwflag, void *asked)
{
	(void)buf, (void)size, (void)rwflag;
	*(bool *)asked = true;
	return -1;
}

/* Format an ASN.1 time as "YYYY-MM-DD HH:MM:SS UTC". */
static void tls_time_format(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "an unreadable date");
}

/* Warn about a certificate clients will refuse: out of its validity period or not for NAME. */
static int tls_cert_warn(struct tls_store *store, X509 *leaf, const char *name, const char *crt)
{
	char when[64], probe[TLS_HOST_MAX + sizeof(TLS_WILDCARD_PROBE)];
	int r = 0;

	if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0) {
		tls_time_format(X509_get0_notAfter(leaf), when, sizeof(when));
		r = tls_store_warn(store, "check certificate '%s': expired on %s", crt, when);
	}
	if (r == 0 && X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0) {
		tls_time_format(X509_get0_notBefore(leaf), when, sizeof(when));
		r = tls_store_warn(store, "check certificate '%s': not valid before %s", crt, when);
	}
	if (r == 0 && strcmp(name, TLS_DEFAULT_NAME) != 0) {
		if (name[0] == '*')
			snprintf(probe, sizeof(probe), "%s%s", TLS_WILDCARD_PROBE, name + 1);
		else
			snprintf(probe, sizeof(probe), "%s", name);
		if (X509_check_host(leaf, probe, 0, 0, NULL) != 1)
			r = tls_store_warn(store, "check certificate '%s': not valid for '%s'", crt, name);
	}
	ERR_clear_error();
	return r;
}

/* Read the leaf certificate and the chain after it from CRT into CTX. */
static int tls_chain_install(struct tls_store *store, SSL_CTX *ctx, const char *name, const char *crt,
			     struct error *err)
{
	bool asked = false;
	X509 *leaf, *x;
	BIO *bio;
	int r;

	r = tls_file_bio(crt, &bio, err);
	if (r < 0)
		return r;
	leaf = PEM_read_bio_X509_AUX(bio, NULL, tls_no_passphrase, &asked);
	if (!leaf) {
		BIO_free(bio);
		if (tls_pem_empty())
			return error_set(err, 0, "read certificate '%s': no PEM certificate in it", crt);
		tls_error_set(err, "damaged", "read certificate '%s'", crt);
		return -EINVAL;
	}
	if (SSL_CTX_use_certificate(ctx, leaf) != 1) {
		r = tls_error_set(err, "refused", "use certificate '%s'", crt);
		goto out;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, tls_no_passphrase, &asked))) {
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			r = tls_error_set(err, "refused", "use certificate chain '%s'", crt);
			goto out;
		}
	}
	/* The loop ends at the end of the file ("no start line"); anything else is damage. */
	if (!tls_pem_empty()) {
		tls_error_set(err, "damaged", "read certificate chain '%s'", crt);
		r = -EINVAL;
		goto out;
	}
	r = tls_cert_warn(store, leaf, name, crt);
	if (r < 0)
		error_set(err, -r, "load certificate '%s'", crt);
out:
	X509_free(leaf);
	BIO_free(bio);
	return r;
}

/* Read the private key KEY into CTX and check it matches the certificate from CRT. */
static int tls_key_install(SSL_CTX *ctx, const char *crt, const char *key, struct error *err)
{
	bool asked = false;
	EVP_PKEY *pkey;
	BIO *bio;
	int r;

	r = tls_file_bio(key, &bio, err);
	if (r < 0)
		return r;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, tls_no_passphrase, &asked);
	BIO_free(bio);
	if (!pkey) {
		if (asked) {
			ERR_clear_error();
			return error_set(err, 0, "read key '%s': encrypted keys are not supported", key);
		}
		if (tls_pem_empty())
			return error_set(err, 0, "read key '%s': no PEM private key in it", key);
		tls_error_set(err, "damaged", "read key '%s'", key);
		return -EINVAL;
	}
	/* A key of another type lands in another slot; the check below catches that too. */
	r = SSL_CTX_use_PrivateKey(ctx, pkey) == 1 && SSL_CTX_check_private_key(ctx) == 1 ? 0 : -EINVAL;
	EVP_PKEY_free(pkey);
	if (r < 0) {
		ERR_clear_error();
		return error_set(err, 0, "check key '%s': it does not match certificate '%s'", key, crt);
	}
	return 0;
}

/* Load a certificate and its key into CTX; see tls_internal.h. */
int tls_cert_install(struct tls_store *store, SSL_CTX *ctx, const char *name, const char *crt,
		     const char *key, struct error *err)
{
	int r = tls_chain_install(store, ctx, name, crt, err);

	if (r < 0)
		return r;
	return tls_key_install(ctx, crt, key, err);
}
