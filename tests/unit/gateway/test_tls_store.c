/*
 * test_tls_store.c - loading the certificate directory: names, wildcard and
 * default, errors that name the file (key mismatch, missing key, bad name,
 * damaged PEM, encrypted key), warnings, change detection and self-signed
 * certificate creation.
 */
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "gateway/test_tls.h"
#include "gateway/tls_internal.h"

/* Write TEXT as DIR/FILE. */
static void write_text(const char *dir, const char *file, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* Load DIR expecting failure; returns the message. */
static const char *load_fails(const char *dir, struct error *err)
{
	struct tls_ticket_secret secret;
	struct tls_store *store = NULL;

	tt_secret(&secret, 1);
	if (tls_store_load(&store, dir, &secret, err) == 0) {
		tls_store_free(store);
		return "(loaded)";
	}
	return err->msg;
}

TEST(tls_store_loads_exact_wildcard_and_default)
{
	struct tls_ticket_secret secret;
	struct tls_store *store = NULL;
	struct error err;
	char dir[64];

	tt_dir_new(dir);
	CHECK_INT(tt_cert(dir, "example.com", "example.com", "DNS:example.com", false, -1, 30), 0);
	CHECK_INT(tt_cert(dir, "_.example.com", "wild", "DNS:*.example.com", false, -1, 30), 0);
	CHECK_INT(tt_cert(dir, "Other.ORG", "other", "DNS:other.org", false, -1, 30), 0);
	tt_secret(&secret, 1);
	CHECK_INT(tls_store_load(&store, dir, &secret, &err), 0);
	if (!store) {
		test_fail(__FILE__, __LINE__, "load: %s", err.msg);
		tt_dir_remove(dir);
		return;
	}
	CHECK_INT(tls_store_count(store), 3);
	CHECK(!tls_store_has_default(store));
	CHECK_INT(tls_store_warning_count(store), 0);
	CHECK(tls_store_has_cert(store, "example.com"));
	CHECK(tls_store_has_cert(store, "EXAMPLE.com."));
	CHECK(tls_store_has_cert(store, "www.example.com"));
	CHECK(tls_store_has_cert(store, "other.org"));
	/* A wildcard covers one label: not the name itself, not two labels. */
	CHECK(!tls_store_has_cert(store, "a.b.example.com"));
	CHECK(!tls_store_has_cert(store, "www.other.org"));
	CHECK(!tls_store_has_cert(store, "example.org"));
	CHECK(!tls_store_has_cert(store, ""));
	CHECK(!tls_store_has_cert(store, "*.example.com"));
	CHECK(!tls_store_has_cert(store, "default"));
	CHECK(tls_store_lookup(store, "example.com") != tls_store_lookup(store, "www.example.com"));
	CHECK(tls_store_ctx(store) != NULL);
	tls_store_free(store);
	tt_dir_remove(dir);
}

TEST(tls_store_default_and_empty_directory)
{
	struct tls_ticket_secret secret;
	struct tls_store *store = NULL;
	struct error err;
	char dir[64];

	tt_dir_new(dir);
	tt_secret(&secret, 1);
	/* Empty: loads, serves nothing. */
	CHECK_INT(tls_store_load(&store, dir, &secret, &err), 0);
	CHECK_INT(tls_store_count(store), 0);
	tls_store_free(store);
	store = NULL;
	/* Hidden files and other extensions are ignored. */
	write_text(dir, ".hidden.crt", "junk");
	write_text(dir, "notes.txt", "junk");
	CHECK_INT(tt_cert(dir, "default", "fallback", NULL, false, -1, 30), 0);
	CHECK_INT(tls_store_load(&store, dir, &secret, &err), 0);
	CHECK_INT(tls_store_count(store), 1);
	CHECK(tls_store_has_default(store));
	CHECK(!tls_store_has_cert(store, "anything.example"));
	tls_store_free(store);
	tt_dir_remove(dir);
}

TEST(tls_store_errors_name_the_file)
{
	struct error err;
	char dir[64], want[256], path[512], path2[512];

	tt_dir_new(dir);
	/* A key of another certificate. */
	CHECK_INT(tt_cert(dir, "a.example", "a", "DNS:a.example", false, -1, 30), 0);
	CHECK_INT(tt_cert(dir, "b.example", "b", "DNS:b.example", false, -1, 30), 0);
	snprintf(path, sizeof(path), "%s/b.example.key", dir);
	snprintf(path2, sizeof(path2), "%s/a.example.key", dir);
	CHECK_INT(rename(path, path2), 0);
	snprintf(want, sizeof(want),
		 "check key '%s/a.example.key': it does not match certificate '%s/a.example.crt'", dir, dir);
	CHECK_STR(load_fails(dir, &err), want);
	/* A key of another type (RSA for an EC certificate). */
	CHECK_INT(tt_cert(dir, "r.example", "r", NULL, true, -1, 30), 0);
	snprintf(path, sizeof(path), "%s/r.example.key", dir);
	CHECK_INT(rename(path, path2), 0);
	CHECK_STR(load_fails(dir, &err), want);
	/* b.example.crt has lost its key. */
	unlink(path2);
	snprintf(path, sizeof(path), "%s/a.example.crt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/r.example.crt", dir);
	unlink(path);
	snprintf(want, sizeof(want), "open '%s/b.example.key': No such file or directory", dir);
	CHECK_STR(load_fails(dir, &err), want);
	CHECK_INT(err.errnum, ENOENT);
	snprintf(path, sizeof(path), "%s/b.example.crt", dir);
	unlink(path);
	/* Damaged or empty PEM. */
	write_text(dir, "c.example.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
	write_text(dir, "c.example.key", "");
	snprintf(want, sizeof(want), "read certificate '%s/c.example.crt': ", dir);
	CHECK(strncmp(load_fails(dir, &err), want, strlen(want)) == 0);
	write_text(dir, "c.example.crt", "not a certificate\n");
	snprintf(want, sizeof(want), "read certificate '%s/c.example.crt': no PEM certificate in it", dir);
	CHECK_STR(load_fails(dir, &err), want);
	snprintf(path, sizeof(path), "%s/c.example.crt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/c.example.key", dir);
	unlink(path);
	/* An unreadable file name. */
	CHECK_INT(tt_cert(dir, "bad name", "x", NULL, false, -1, 30), 0);
	snprintf(
		want, sizeof(want),
		"load certificate '%s/bad name.crt': the name is not DOMAIN.crt, _.DOMAIN.crt or default.crt",
		dir);
	CHECK_STR(load_fails(dir, &err), want);
	tt_dir_remove(dir);
	/* Two files for one name. */
	tt_dir_new(dir);
	CHECK_INT(tt_cert(dir, "d.example", "d", NULL, false, -1, 30), 0);
	CHECK_INT(tt_cert(dir, "D.Example", "d", NULL, false, -1, 30), 0);
	snprintf(want, sizeof(want),
		 "load certificate '%s/d.example.crt': a second certificate for 'd.example'", dir);
	CHECK_STR(load_fails(dir, &err), want);
	tt_dir_remove(dir);
	/* No directory at all. */
	snprintf(want, sizeof(want), "read directory '%s': No such file or directory", dir);
	CHECK_STR(load_fails(dir, &err), want);
}

TEST(tls_store_refuses_encrypted_keys)
{
	struct error err;
	char dir[64], want[256], path[512];
	EVP_PKEY *key;
	FILE *f;

	tt_dir_new(dir);
	CHECK_INT(tt_cert(dir, "e.example", "e", NULL, false, -1, 30), 0);
	snprintf(path, sizeof(path), "%s/e.example.key", dir);
	f = fopen(path, "r");
	key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	f = fopen(path, "w");
	CHECK(key && f);
	if (key && f)
		PEM_write_PrivateKey(f, key, EVP_aes_128_cbc(), (unsigned char *)"secret", 6, NULL, NULL);
	if (f)
		fclose(f);
	EVP_PKEY_free(key);
	snprintf(want, sizeof(want), "read key '%s/e.example.key': encrypted keys are not supported", dir);
	CHECK_STR(load_fails(dir, &err), want);
	tt_dir_remove(dir);
}

TEST(tls_store_warns_about_certificates_clients_refuse)
{
	struct tls_ticket_secret secret;
	struct tls_store *store = NULL;
	struct error err;
	char dir[64], want[256];

	tt_dir_new(dir);
	CHECK_INT(tt_cert(dir, "old.example", "old", "DNS:old.example", false, -30, -1), 0);
	CHECK_INT(tt_cert(dir, "new.example", "new", "DNS:new.example", false, 2, 30), 0);
	CHECK_INT(tt_cert(dir, "wrong.example", "wrong", "DNS:right.example", false, -1, 30), 0);
	CHECK_INT(tt_cert(dir, "_.w.example", "w", "DNS:*.w.example", false, -1, 30), 0);
	CHECK_INT(tt_cert(dir, "_.v.example", "v", "DNS:v.example", false, -1, 30), 0);
	tt_secret(&secret, 1);
	CHECK_INT(tls_store_load(&store, dir, &secret, &err), 0);
	if (!store) {
		tt_dir_remove(dir);
		return;
	}
	/* Sorted by file: _.v, _.w, new, old, wrong. */
	CHECK_INT(tls_store_warning_count(store), 4);
	snprintf(want, sizeof(want), "check certificate '%s/_.v.example.crt': not valid for '*.v.example'",
		 dir);
	CHECK_STR(tls_store_warning(store, 0), want);
	snprintf(want, sizeof(want), "check certificate '%s/new.example.crt': not valid before ", dir);
	CHECK(strncmp(tls_store_warning(store, 1), want, strlen(want)) == 0);
	snprintf(want, sizeof(want), "check certificate '%s/old.example.crt': expired on ", dir);
	CHECK(strncmp(tls_store_warning(store, 2), want, strlen(want)) == 0);
	CHECK(strstr(tls_store_warning(store, 2), " UTC") != NULL);
	snprintf(want, sizeof(want),
		 "check certificate '%s/wrong.example.crt': not valid for 'wrong.example'", dir);
	CHECK_STR(tls_store_warning(store, 3), want);
	CHECK(tls_store_warning(store, 4) == NULL);
	/* They still serve. */
	CHECK(tls_store_has_cert(store, "old.example"));
	tls_store_free(store);
	tt_dir_remove(dir);
}

TEST(tls_store_detects_changed_files)
{
	struct tls_ticket_secret secret;
	struct tls_store *store = NULL;
	struct timespec times[2] = {{1000, 0}, {1000, 0}};
	struct error err;
	char dir[64], path[512];
	uint64_t sig1, sig2;

	tt_dir_new(dir);
	CHECK_INT(tt_cert(dir, "a.example", "a", NULL, false, -1, 30), 0);
	tt_secret(&secret, 1);
	CHECK_INT(tls_store_load(&store, dir, &secret, &err), 0);
	if (!store) {
		tt_dir_remove(dir);
		return;
	}
	CHECK_INT(tls_dir_signature(dir, &sig1, &err), 0);
	CHECK_UINT(sig1, tls_store_signature(store));
	CHECK(!tls_store_changed(store, dir));
	/* Unrelated files do not count. */
	write_text(dir, "README", "x");
	CHECK(!tls_store_changed(store, dir));
	/* A new modification time does. */
	snprintf(path, sizeof(path), "%s/a.example.key", dir);
	CHECK_INT(utimensat(AT_FDCWD, path, times, 0), 0);
	CHECK(tls_store_changed(store, dir));
	CHECK_INT(tls_dir_signature(dir, &sig2, &err), 0);
	CHECK(sig1 != sig2);
	/* A new certificate does. */
	tls_store_free(store);
	CHECK_INT(tls_store_load(&store, dir, &secret, &err), 0);
	CHECK(!tls_store_changed(store, dir));
	CHECK_INT(tt_cert(dir, "b.example", "b", NULL, false, -1, 30), 0);
	CHECK(tls_store_changed(store, dir));
	/* An unreadable directory counts as changed, so the reload reports it. */
	tt_dir_remove(dir);
	CHECK(tls_store_changed(store, dir));
	CHECK(tls_dir_signature(dir, &sig2, &err) == -ENOENT);
	tls_store_free(store);
}

TEST(tls_self_signed_creates_a_loadable_default)
{
	struct tls_ticket_secret secret;
	struct tls_store *store = NULL;
	struct error err;
	char dir[64], path[512], want[256];
	struct stat st, st2;
	X509 *x = NULL;
	FILE *f;

	tt_dir_new(dir);
	CHECK_INT(tls_self_signed_create(dir, "localhost", TLS_DEFAULT_NAME, &err), 0);
	snprintf(path, sizeof(path), "%s/default.key", dir);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	snprintf(path, sizeof(path), "%s/default.crt", dir);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0644);
	f = fopen(path, "r");
	if (f) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	CHECK(x != NULL);
	if (x) {
		GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);

		/* OpenSSL's own check refuses a wildcard over a single label (*.localhost), so
		 * look at the names themselves. */
		CHECK_INT(X509_check_host(x, "localhost", 0, 0, NULL), 1);
		CHECK(san && sk_GENERAL_NAME_num(san) == 2);
		if (san && sk_GENERAL_NAME_num(san) == 2) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(san, 1);

			CHECK_INT(g->type, GEN_DNS);
			CHECK_STR((const char *)ASN1_STRING_get0_data(g->d.dNSName), "*.localhost");
		}
		GENERAL_NAMES_free(san);
		/* About a year. */
		CHECK(X509_cmp_time(X509_get0_notAfter(x), &(time_t){time(NULL) + 364 * 86400L}) > 0);
		CHECK(X509_cmp_time(X509_get0_notAfter(x), &(time_t){time(NULL) + 366 * 86400L}) < 0);
		CHECK_INT(EVP_PKEY_get_base_id(X509_get0_pubkey(x)), EVP_PKEY_EC);
		X509_free(x);
	}
	tt_secret(&secret, 1);
	CHECK_INT(tls_store_load(&store, dir, &secret, &err), 0);
	if (store) {
		CHECK(tls_store_has_default(store));
		CHECK_INT(tls_store_warning_count(store), 0);
		tls_store_free(store);
	}
	/* Never overwritten. */
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(tls_self_signed_create(dir, "localhost", TLS_DEFAULT_NAME, &err), -EEXIST);
	snprintf(want, sizeof(want), "create '%s/default.key': File exists", dir);
	CHECK_STR(err.msg, want);
	CHECK_INT(stat(path, &st2), 0);
	CHECK_INT(st.st_ino, st2.st_ino);
	/* The name is the base by default; a bad name is refused. */
	CHECK_INT(tls_self_signed_create(dir, "Pi.Example", NULL, &err), 0);
	snprintf(path, sizeof(path), "%s/pi.example.crt", dir);
	f = fopen(path, "r");
	x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	CHECK(x != NULL);
	if (x) {
		CHECK_INT(X509_check_host(x, "pi.example", 0, 0, NULL), 1);
		CHECK_INT(X509_check_host(x, "www.pi.example", 0, 0, NULL), 1);
		CHECK_INT(X509_check_host(x, "a.b.pi.example", 0, 0, NULL), 0);
		X509_free(x);
	}
	CHECK_INT(tls_self_signed_create(dir, "bad name", NULL, &err), -EINVAL);
	CHECK_INT(tls_self_signed_create(dir, "ok", "../escape", &err), -EINVAL);
	/* Nothing left behind: exactly the four files. */
	{
		struct dirent **names;
		int n = scandir(dir, &names, NULL, alphasort);

		CHECK_INT(n, 6);
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	tt_dir_remove(dir);
	/* No directory. */
	CHECK(tls_self_signed_create(dir, "localhost", NULL, &err) < 0);
}
