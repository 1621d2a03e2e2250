/*
 * test_tls.c - real TLS handshakes between an OpenSSL client and the
 * gateway's store over a socketpair: certificate choice by SNI, protocol
 * versions, ALPN, cipher choice, and session tickets resumed by another
 * "worker" store that shares only the secret.
 */
#include "test.h"

#include <errno.h>
#include <unistd.h>
#include <openssl/err.h>

#include "gateway/test_tls.h"
#include "gateway/tls_internal.h"

struct fixture {
	char dir[64];
	struct tls_store *store;
	SSL_CTX *client;
};

/* Certificates example.com, *.example.com and, when WITH_DEFAULT, default; a store over them. */
static bool fixture_init(struct fixture *f, bool with_default, unsigned char secret_fill)
{
	struct tls_ticket_secret secret;
	struct error err;

	tt_dir_new(f->dir);
	if (tt_cert(f->dir, "example.com", "exact", "DNS:example.com", false, -1, 30) < 0 ||
	    tt_cert(f->dir, "_.example.com", "wildcard", "DNS:*.example.com", false, -1, 30) < 0 ||
	    tt_cert(f->dir, "other.org", "other", "DNS:other.org", false, -1, 30) < 0 ||
	    (with_default && tt_cert(f->dir, "default", "fallback", NULL, false, -1, 30) < 0)) {
		test_fail(__FILE__, __LINE__, "cannot make certificates");
		return false;
	}
	tt_secret(&secret, secret_fill);
	if (tls_store_load(&f->store, f->dir, &secret, &err) < 0) {
		test_fail(__FILE__, __LINE__, "load: %s", err.msg);
		return false;
	}
	f->client = tt_client_ctx(0, 0);
	return true;
}

/* Undo fixture_init(). */
static void fixture_release(struct fixture *f)
{
	tls_store_free(f->store);
	SSL_CTX_free(f->client);
	tt_dir_remove(f->dir);
}

/* Handshake for SNI and return the served certificate's common name ("" when it failed). */
static const char *served_cn(struct fixture *f, const char *sni, char *buf)
{
	struct tt_conn c;

	buf[0] = '\0';
	if (tt_handshake(&c, f->store, f->client, sni, NULL))
		tt_peer_cn(&c, buf);
	tt_close(&c);
	return buf;
}

TEST(tls_sni_chooses_the_certificate)
{
	struct fixture f;
	struct tt_conn c;
	char cn[256];

	if (!fixture_init(&f, true, 1))
		return;
	CHECK_STR(served_cn(&f, "example.com", cn), "exact");
	CHECK_STR(served_cn(&f, "EXAMPLE.COM", cn), "exact");
	CHECK_STR(served_cn(&f, "www.example.com", cn), "wildcard");
	CHECK_STR(served_cn(&f, "other.org", cn), "other");
	/* One label only, then the default. */
	CHECK_STR(served_cn(&f, "a.b.example.com", cn), "fallback");
	CHECK_STR(served_cn(&f, "unknown.net", cn), "fallback");
	CHECK_STR(served_cn(&f, NULL, cn), "fallback");
	/* The server name as the worker sees it. */
	CHECK(tt_handshake(&c, f.store, f.client, "WWW.Example.com", NULL));
	CHECK_STR(tls_conn_server_name(c.server), "www.example.com");
	tt_close(&c);
	CHECK(tt_handshake(&c, f.store, f.client, NULL, NULL));
	CHECK(tls_conn_server_name(c.server) == NULL);
	tt_close(&c);
	fixture_release(&f);
}

TEST(tls_unknown_name_without_default_is_refused)
{
	struct fixture f;
	struct tt_conn c;

	if (!fixture_init(&f, false, 1))
		return;
	CHECK(!tt_handshake(&c, f.store, f.client, "unknown.net", NULL));
	CHECK(!c.client_ok);
	CHECK_INT(c.server_result, TLS_ERROR);
	/* The client got the unrecognized_name alert. */
	CHECK_INT(ERR_GET_REASON(c.client_error), SSL_R_TLSV1_UNRECOGNIZED_NAME);
	tt_close(&c);
	CHECK(!tt_handshake(&c, f.store, f.client, NULL, NULL));
	CHECK_INT(ERR_GET_REASON(c.client_error), SSL_R_TLSV1_UNRECOGNIZED_NAME);
	tt_close(&c);
	CHECK(tt_handshake(&c, f.store, f.client, "example.com", NULL));
	tt_close(&c);
	fixture_release(&f);
}

TEST(tls_versions_1_2_and_1_3_only)
{
	struct fixture f;
	struct tt_conn c;
	SSL_CTX *old, *v12, *v13;

	if (!fixture_init(&f, false, 1))
		return;
	old = tt_client_ctx(TLS1_VERSION, TLS1_1_VERSION);
	v12 = tt_client_ctx(TLS1_2_VERSION, TLS1_2_VERSION);
	v13 = tt_client_ctx(TLS1_3_VERSION, TLS1_3_VERSION);
	CHECK(!tt_handshake(&c, f.store, old, "example.com", NULL));
	CHECK_INT(c.server_result, TLS_ERROR);
	CHECK(strstr(c.err.msg, "TLS handshake: unsupported protocol") != NULL);
	tt_close(&c);
	CHECK(tt_handshake(&c, f.store, v12, "example.com", NULL));
	CHECK_INT(SSL_version(c.server), TLS1_2_VERSION);
	/* OpenSSL clients list AES-256 first; the client's order wins. */
	CHECK_STR(SSL_get_cipher_name(c.client), "ECDHE-ECDSA-AES256-GCM-SHA384");
	tt_close(&c);
	CHECK(tt_handshake(&c, f.store, v13, "example.com", NULL));
	CHECK_INT(SSL_version(c.server), TLS1_3_VERSION);
	tt_close(&c);
	/* An unrestricted client gets 1.3 and X25519. */
	CHECK(tt_handshake(&c, f.store, f.client, "example.com", NULL));
	CHECK_INT(SSL_version(c.client), TLS1_3_VERSION);
	if (c.client_ok)
		CHECK_INT(SSL_get_negotiated_group(c.server), NID_X25519);
	tt_close(&c);
	SSL_CTX_free(old);
	SSL_CTX_free(v12);
	SSL_CTX_free(v13);
	fixture_release(&f);
}

TEST(tls_chacha20_for_clients_that_prefer_it)
{
	struct fixture f;
	struct tt_conn c;
	SSL_CTX *v12 = tt_client_ctx(TLS1_2_VERSION, TLS1_2_VERSION);

	if (!fixture_init(&f, false, 1))
		return;
	SSL_CTX_set_cipher_list(v12, "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256");
	CHECK(tt_handshake(&c, f.store, v12, "example.com", NULL));
	CHECK_STR(SSL_get_cipher_name(c.server), "ECDHE-ECDSA-CHACHA20-POLY1305");
	tt_close(&c);
	/* The client's order rules: AES first gets AES. */
	SSL_CTX_set_cipher_list(v12, "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305");
	CHECK(tt_handshake(&c, f.store, v12, "example.com", NULL));
	CHECK_STR(SSL_get_cipher_name(c.server), "ECDHE-ECDSA-AES256-GCM-SHA384");
	tt_close(&c);
	/* Ciphers outside the profile are refused. */
	SSL_CTX_set_cipher_list(v12, "ECDHE-ECDSA-AES128-SHA256:AES128-GCM-SHA256");
	CHECK(!tt_handshake(&c, f.store, v12, "example.com", NULL));
	tt_close(&c);
	SSL_CTX_set_ciphersuites(f.client, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256");
	CHECK(tt_handshake(&c, f.store, f.client, "example.com", NULL));
	CHECK_STR(SSL_get_cipher_name(c.server), "TLS_CHACHA20_POLY1305_SHA256");
	tt_close(&c);
	SSL_CTX_free(v12);
	fixture_release(&f);
}

TEST(tls_rsa_certificates_work_too)
{
	struct tls_ticket_secret secret;
	struct tls_store *store = NULL;
	SSL_CTX *v12 = tt_client_ctx(TLS1_2_VERSION, TLS1_2_VERSION);
	struct tt_conn c;
	struct error err;
	char dir[64];

	tt_dir_new(dir);
	CHECK_INT(tt_cert(dir, "rsa.example", "rsa", "DNS:rsa.example", true, -1, 30), 0);
	tt_secret(&secret, 1);
	CHECK_INT(tls_store_load(&store, dir, &secret, &err), 0);
	if (store) {
		CHECK(tt_handshake(&c, store, v12, "rsa.example", NULL));
		CHECK_STR(SSL_get_cipher_name(c.server), "ECDHE-RSA-AES256-GCM-SHA384");
		tt_close(&c);
	}
	tls_store_free(store);
	SSL_CTX_free(v12);
	tt_dir_remove(dir);
}

TEST(tls_alpn_is_http_1_1_only)
{
	static const unsigned char both[] = "\x02h2\x08http/1.1", h2[] = "\x02h2";
	const unsigned char *proto;
	unsigned int len;
	struct fixture f;
	struct tt_conn c;

	if (!fixture_init(&f, false, 1))
		return;
	SSL_CTX_set_alpn_protos(f.client, both, sizeof(both) - 1);
	CHECK(tt_handshake(&c, f.store, f.client, "example.com", NULL));
	SSL_get0_alpn_selected(c.client, &proto, &len);
	CHECK(len == 8 && memcmp(proto, "http/1.1", 8) == 0);
	tt_close(&c);
	SSL_CTX_set_alpn_protos(f.client, h2, sizeof(h2) - 1);
	CHECK(!tt_handshake(&c, f.store, f.client, "example.com", NULL));
	CHECK_INT(ERR_GET_REASON(c.client_error), SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL);
	tt_close(&c);
	fixture_release(&f);
}

TEST(tls_hello_retry_keeps_the_choice)
{
	struct fixture f;
	struct tt_conn c;
	char cn[256];

	if (!fixture_init(&f, false, 1))
		return;
	/* The first key share is for a group the server does not take: a HelloRetryRequest,
	 * and the ClientHello callback runs twice. */
	SSL_CTX_set1_groups_list(f.client, "ffdhe2048:X25519");
	if (tt_handshake(&c, f.store, f.client, "www.example.com", NULL)) {
		CHECK_STR(tt_peer_cn(&c, cn), "wildcard");
		CHECK_STR(tls_conn_server_name(c.server), "www.example.com");
		CHECK_INT(SSL_get_negotiated_group(c.server), NID_X25519);
	} else {
		test_fail(__FILE__, __LINE__, "handshake after HelloRetryRequest: %s", c.err.msg);
	}
	tt_close(&c);
	fixture_release(&f);
}

TEST(tls_read_write_and_close)
{
	struct fixture f;
	struct tt_conn c;
	char buf[64];
	size_t n;

	if (!fixture_init(&f, false, 1))
		return;
	if (!tt_handshake(&c, f.store, f.client, "example.com", NULL)) {
		test_fail(__FILE__, __LINE__, "handshake: %s", c.err.msg);
		tt_close(&c);
		fixture_release(&f);
		return;
	}
	/* Nothing yet: wait for readable (the tickets are sent, not application data). */
	CHECK_INT(tls_read(c.server, buf, sizeof(buf), &n, NULL), TLS_WANT_READ);
	CHECK_INT(SSL_write(c.client, "GET / HTTP/1.1\r\n", 16), 16);
	CHECK_INT(tls_read(c.server, buf, sizeof(buf), &n, NULL), TLS_DONE);
	CHECK_INT(n, 16);
	CHECK(memcmp(buf, "GET / HTTP/1.1\r\n", 16) == 0);
	CHECK_INT(tls_write(c.server, "HTTP/1.1 200 OK\r\n", 17, &n, NULL), TLS_DONE);
	CHECK_INT(n, 17);
	CHECK_INT(SSL_read(c.client, buf, sizeof(buf)), 17);
	/* close_notify from the client: closed. */
	SSL_shutdown(c.client);
	CHECK_INT(tls_read(c.server, buf, sizeof(buf), &n, NULL), TLS_CLOSED);
	CHECK_INT(tls_shutdown_step(c.server), TLS_DONE);
	tt_close(&c);
	/* After our close_notify the client's late bytes are still read (and dropped by the
	 * caller), then its close_notify ends the connection. */
	CHECK(tt_handshake(&c, f.store, f.client, "example.com", NULL));
	CHECK_INT(tls_read(c.server, buf, sizeof(buf), &n, NULL), TLS_WANT_READ);
	CHECK_INT(tls_shutdown_step(c.server), TLS_DONE);
	CHECK_INT(SSL_write(c.client, "late", 4), 4);
	CHECK_INT(tls_read(c.server, buf, sizeof(buf), &n, NULL), TLS_DONE);
	CHECK_INT(n, 4);
	CHECK_INT(tls_read(c.server, buf, sizeof(buf), &n, NULL), TLS_WANT_READ);
	CHECK_INT(SSL_read(c.client, buf, sizeof(buf)), 0);
	CHECK_INT(SSL_get_error(c.client, 0), SSL_ERROR_ZERO_RETURN);
	SSL_shutdown(c.client);
	CHECK_INT(tls_read(c.server, buf, sizeof(buf), &n, NULL), TLS_CLOSED);
	/* Calling again changes nothing. */
	CHECK_INT(tls_shutdown_step(c.server), TLS_DONE);
	tt_close(&c);
	/* Before the handshake finished there is nothing to close. */
	{
		SSL *idle = tls_conn_new(f.store, -1, &c.err);

		CHECK(idle != NULL);
		CHECK_INT(tls_shutdown_step(idle), TLS_DONE);
		SSL_free(idle);
	}
	/* A client that just goes away: closed as well, no error; whether it read all we sent
	 * (EOF) or not (the socket is reset). */
	for (int read_all = 0; read_all < 2; read_all++) {
		CHECK(tt_handshake(&c, f.store, f.client, "example.com", NULL));
		if (read_all)
			SSL_SESSION_free(tt_session(&c));
		close(c.fds[1]);
		c.fds[1] = -1;
		CHECK_INT(tls_read(c.server, buf, sizeof(buf), &n, &c.err), TLS_CLOSED);
		c.client_ok = false;
		tt_close(&c);
	}
	fixture_release(&f);
}

/* Issue a session on store A for VERSION, then try it on store B; returns whether B resumed. */
static bool resumes(struct tls_store *a, struct tls_store *b, int version, const char *sni_a,
		    const char *sni_b)
{
	SSL_CTX *cctx = tt_client_ctx(version, version);
	SSL_SESSION *sess = NULL;
	struct tt_conn c;
	bool reused = false;

	if (tt_handshake(&c, a, cctx, sni_a, NULL))
		sess = tt_session(&c);
	CHECK(sess != NULL);
	CHECK(!tls_conn_resumed(c.server));
	tt_close(&c);
	if (sess) {
		if (tt_handshake(&c, b, cctx, sni_b, sess)) {
			reused = tls_conn_resumed(c.server);
			CHECK(reused == (SSL_session_reused(c.client) == 1));
		}
		tt_close(&c);
	}
	SSL_SESSION_free(sess);
	SSL_CTX_free(cctx);
	return reused;
}

TEST(tls_tickets_resume_on_another_worker)
{
	struct tls_ticket_secret secret;
	struct tls_store *twin = NULL, *stranger = NULL;
	struct fixture f;
	struct error err;

	if (!fixture_init(&f, false, 7))
		return;
	/* A second "worker": the same files and secret, loaded on its own. */
	tt_secret(&secret, 7);
	CHECK_INT(tls_store_load(&twin, f.dir, &secret, &err), 0);
	tt_secret(&secret, 8);
	CHECK_INT(tls_store_load(&stranger, f.dir, &secret, &err), 0);
	if (twin && stranger) {
		for (int v = TLS1_2_VERSION; v <= TLS1_3_VERSION; v++) {
			CHECK(resumes(f.store, f.store, v, "example.com", "example.com"));
			CHECK(resumes(f.store, twin, v, "example.com", "example.com"));
			CHECK(resumes(twin, f.store, v, "www.example.com", "www.example.com"));
			CHECK(!resumes(f.store, stranger, v, "example.com", "example.com"));
			/* A session stays with its certificate. */
			CHECK(!resumes(f.store, twin, v, "example.com", "other.org"));
		}
	}
	tls_store_free(twin);
	tls_store_free(stranger);
	fixture_release(&f);
}

static time_t test_clock;

/* The tests' clock for ticket epochs. */
static time_t test_now(void)
{
	return test_clock;
}

TEST(tls_tickets_follow_the_epochs)
{
	struct fixture f;
	struct tt_conn c;
	SSL_CTX *v12;
	SSL_SESSION *sess = NULL, *renewed = NULL;
	const unsigned char *t1, *t2;
	size_t l1 = 0, l2 = 0;

	if (!fixture_init(&f, false, 3))
		return;
	v12 = tt_client_ctx(TLS1_2_VERSION, TLS1_2_VERSION);
	/* Late in an epoch, so the session (one epoch long) outlives it. */
	test_clock = (time(NULL) / TLS_TICKET_EPOCH_SECONDS) * TLS_TICKET_EPOCH_SECONDS - 60;
	f.store->ring.now = test_now;
	if (tt_handshake(&c, f.store, v12, "example.com", NULL))
		sess = tt_session(&c);
	tt_close(&c);
	CHECK(sess != NULL);
	/* Next epoch: resumed, and a new ticket under the new key. */
	test_clock += 120;
	if (sess) {
		if (tt_handshake(&c, f.store, v12, "example.com", sess)) {
			CHECK(tls_conn_resumed(c.server));
			renewed = tt_session(&c);
		}
		tt_close(&c);
	}
	CHECK(renewed != NULL);
	if (sess && renewed) {
		SSL_SESSION_get0_ticket(sess, &t1, &l1);
		SSL_SESSION_get0_ticket(renewed, &t2, &l2);
		CHECK(l1 > 16 && l2 > 16);
		CHECK(l1 < 16 || l2 < 16 || memcmp(t1, t2, 16) != 0);
	}
	/* Two epochs on: the old key is gone. */
	test_clock += TLS_TICKET_EPOCH_SECONDS;
	if (sess) {
		if (tt_handshake(&c, f.store, v12, "example.com", sess))
			CHECK(!tls_conn_resumed(c.server));
		tt_close(&c);
	}
	SSL_SESSION_free(sess);
	SSL_SESSION_free(renewed);
	SSL_CTX_free(v12);
	fixture_release(&f);
}

TEST(tls_ticket_keys_are_derived_alike)
{
	struct tls_ticket_secret s1, s2;
	struct tls_ticket_key a, b, c;

	tt_secret(&s1, 1);
	tt_secret(&s2, 2);
	CHECK_INT(tls_ticket_derive(&s1, 40000, &a), 0);
	CHECK_INT(tls_ticket_derive(&s1, 40000, &b), 0);
	CHECK(memcmp(&a.name, &b.name, sizeof(a.name)) == 0);
	CHECK(memcmp(a.aes, b.aes, sizeof(a.aes)) == 0 && memcmp(a.hmac, b.hmac, sizeof(a.hmac)) == 0);
	CHECK(memcmp(a.aes, a.hmac, sizeof(a.aes)) != 0);
	CHECK_INT(tls_ticket_derive(&s1, 40001, &c), 0);
	CHECK(memcmp(a.aes, c.aes, sizeof(a.aes)) != 0);
	CHECK(memcmp(a.name + 8, c.name + 8, 8) != 0);
	CHECK_INT(c.name[6], 40001 >> 8);
	CHECK_INT(c.name[7], 40001 & 0xff);
	CHECK_INT(tls_ticket_derive(&s2, 40000, &c), 0);
	CHECK(memcmp(a.name, c.name, 8) == 0 && memcmp(a.name + 8, c.name + 8, 8) != 0);
	CHECK(memcmp(a.aes, c.aes, sizeof(a.aes)) != 0);
}

TEST(tls_secret_is_random)
{
	struct tls_ticket_secret a, b;
	struct error err;

	CHECK_INT(tls_ticket_secret_generate(&a, &err), 0);
	CHECK_INT(tls_ticket_secret_generate(&b, &err), 0);
	CHECK(memcmp(&a, &b, sizeof(a)) != 0);
}
