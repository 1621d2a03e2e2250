/*
 * tls_selfsigned.c - create a self-signed ECDSA P-256 certificate and key in
 * the certs directory (the demo's default certificate, or a placeholder until
 * a real one is issued), written so that no reader sees a partial file and no
 * existing file is replaced.
 */
#include "gateway/tls_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "common/cleanup.h"

#define TLS_SELF_SIGNED_DAYS 365

/* Move TMP to PATH unless PATH exists: atomic, never replacing. */
static int tls_publish(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	/* File systems without RENAME_NOREPLACE: a hard link fails the same way on an existing name. */
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -errno;
	if (link(tmp, path) < 0)
		return -errno;
	unlink(tmp);
	return 0;
}

/* Write LEN bytes of DATA as the new file PATH (in DIR) with MODE, through a temporary file. */
static int tls_write_new(const char *dir, const char *file, const char *data, size_t len, mode_t mode,
			 struct error *err)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	cleanup_close int fd = -1;
	size_t off = 0;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, file) >= sizeof(tmp))
		return error_set(err, ENAMETOOLONG, "create '%s/%s'", dir, file);
	/* mkostemp() creates the file 0600: a key is never readable by others, not even briefly.
	 * Its name starts with '.', which the loader ignores. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "create '%s'", tmp);
	if (fchmod(fd, mode) < 0) {
		r = error_set(err, errno, "chmod '%s'", tmp);
		goto fail;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = error_set(err, errno, "write '%s'", tmp);
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		r = error_set(err, errno, "write '%s'", tmp);
		goto fail;
	}
	r = tls_publish(tmp, path);
	if (r < 0) {
		r = error_set(err, -r, "create '%s'", path);
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	return r;
}

/* Add extension NID with VALUE (openssl.cnf syntax) to the self-signed X. */
static bool tls_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return false;
	ok = X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* Build the certificate of HOST for KEY: one year, SAN HOST and *.HOST, a server certificate. */
static X509 *tls_self_signed_build(const char *host, EVP_PKEY *key)
{
	unsigned char serial[16];
	char san[2 * TLS_HOST_MAX + 16];
	X509 *x = X509_new();
	BIGNUM *bn = NULL;
	X509_NAME *name;
	bool ok;

	if (!x || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f; /* a positive serial number of at most 20 bytes (RFC 5280) */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	snprintf(san, sizeof(san), "DNS:%s,DNS:*.%s", host, host);
	name = X509_get_subject_name(x);
	/* Backdated an hour, for clients whose clock is a little behind. */
	ok = bn && X509_set_version(x, X509_VERSION_3) == 1 &&
		BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
		X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
		X509_gmtime_adj(X509_getm_notAfter(x), 86400L * TLS_SELF_SIGNED_DAYS) != NULL &&
		X509_set_pubkey(x, key) == 1 &&
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)host, -1, -1,
					   0) == 1 &&
		X509_set_issuer_name(x, name) == 1 &&
		tls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
		tls_add_ext(x, NID_key_usage, "critical,digitalSignature") &&
		tls_add_ext(x, NID_ext_key_usage, "serverAuth") &&
		tls_add_ext(x, NID_subject_key_identifier, "hash") &&
		tls_add_ext(x, NID_subject_alt_name, san) && X509_sign(x, key, EVP_sha256()) > 0;
	BN_free(bn);
	if (ok)
		return x;
fail:
	X509_free(x);
	return NULL;
}

/* Whether DIR/FILE exists (or cannot be checked), filling ERR. */
static bool tls_file_taken(const char *dir, const char *file, struct error *err)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (lstat(path, &st) == 0) {
		error_set(err, EEXIST, "create '%s'", path);
		return true;
	}
	if (errno != ENOENT) {
		error_set(err, errno, "stat '%s'", path);
		return true;
	}
	return false;
}

/* Create a self-signed certificate and key; see tls.h. */
int tls_self_signed_create(const char *certs_dir, const char *name, const char *base, struct error *err)
{
	char host[TLS_HOST_MAX], crt[TLS_HOST_MAX + 8], key[TLS_HOST_MAX + 8];
	BIO *kbio = NULL, *cbio = NULL;
	EVP_PKEY *pkey = NULL;
	char *kdata, *cdata;
	long klen, clen;
	X509 *x = NULL;
	int r;

	if (tls_host_normalize(name, strlen(name), host) < 0)
		return error_set(err, EINVAL, "create certificate for '%s'", name);
	if (!base)
		base = host;
	if (base[0] == '\0' || base[0] == '.' || strchr(base, '/') || strlen(base) >= TLS_HOST_MAX)
		return error_set(err, EINVAL, "create certificate '%s'", base);
	snprintf(crt, sizeof(crt), "%s.crt", base);
	snprintf(key, sizeof(key), "%s.key", base);
	if (tls_file_taken(certs_dir, key, err) || tls_file_taken(certs_dir, crt, err))
		return err->errnum ? -err->errnum : -EEXIST;
	pkey = EVP_EC_gen("P-256");
	x = pkey ? tls_self_signed_build(host, pkey) : NULL;
	kbio = BIO_new(BIO_s_mem());
	cbio = BIO_new(BIO_s_mem());
	if (!x || !kbio || !cbio || PEM_write_bio_PrivateKey(kbio, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cbio, x) != 1) {
		r = tls_error_set(err, "failed", "create certificate for '%s'", host);
		goto out;
	}
	klen = BIO_get_mem_data(kbio, &kdata);
	clen = BIO_get_mem_data(cbio, &cdata);
	/* The key first: a .crt that exists always has its key. */
	r = tls_write_new(certs_dir, key, kdata, (size_t)klen, 0600, err);
	if (r < 0)
		goto out;
	r = tls_write_new(certs_dir, crt, cdata, (size_t)clen, 0644, err);
	if (r < 0) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", certs_dir, key);
		unlink(path);
		goto out;
	}
out:
	if (kbio) {
		BUF_MEM *mem;

		/* Wipe the key's PEM text before the buffer is freed. */
		BIO_get_mem_ptr(kbio, &mem);
		if (mem && mem->data)
			OPENSSL_cleanse(mem->data, mem->length);
	}
	BIO_free(kbio);
	BIO_free(cbio);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return r;
}
