/*
 * tls_ticket.c - session ticket keys every worker derives alike: HKDF of the
 * master's secret per 12-hour epoch, so a ticket sealed by one worker opens in
 * any other, of this generation or the next, with no messages between them.
 */
#include "gateway/tls_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

/* Fill SECRET from the kernel's generator; see tls.h. */
int tls_ticket_secret_generate(struct tls_ticket_secret *secret, struct error *err)
{
	size_t got = 0;

	while (got < sizeof(secret->bytes)) {
		ssize_t n = getrandom(secret->bytes + got, sizeof(secret->bytes) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_set(err, errno, "generate 'ticket secret'");
		}
		got += (size_t)n;
	}
	return 0;
}

/* Derive the keys of EPOCH; see tls_internal.h. */
int tls_ticket_derive(const struct tls_ticket_secret *secret, uint64_t epoch, struct tls_ticket_key *key)
{
	static const char salt[] = "pistack session ticket keys v1";
	unsigned char info[8], out[8 + sizeof(key->hmac) + sizeof(key->aes)];
	OSSL_PARAM params[5];
	EVP_KDF_CTX *kctx;
	EVP_KDF *kdf;
	int ok;

	for (int i = 0; i < 8; i++)
		info[i] = (unsigned char)(epoch >> (56 - 8 * i));
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	if (!kctx)
		return -EIO;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret->bytes,
						      sizeof(secret->bytes));
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, sizeof(salt) - 1);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info));
	params[4] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(kctx, out, sizeof(out), params) == 1;
	EVP_KDF_CTX_free(kctx);
	if (!ok)
		return -EIO;
	/* The name starts with the epoch so decryption knows which key to derive;
	 * the rest, derived from the secret, tells apart another secret's tickets. */
	memcpy(key->name, info, 8);
	memcpy(key->name + 8, out, 8);
	memcpy(key->hmac, out + 8, sizeof(key->hmac));
	memcpy(key->aes, out + 8 + sizeof(key->hmac), sizeof(key->aes));
	key->epoch = epoch;
	key->valid = true;
	OPENSSL_cleanse(out, sizeof(out));
	return 0;
}

/* Prepare RING; see tls_internal.h. */
int tls_ticket_ring_init(struct tls_ticket_ring *ring, const struct tls_ticket_secret *secret,
			 struct error *err)
{
	memset(ring, 0, sizeof(*ring));
	ring->secret = *secret;
	ring->now = NULL;
	/* Fetched once: an implicit fetch per handshake takes OpenSSL 3's locks. */
	ring->cipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
	if (!ring->cipher)
		return tls_error_set(err, "not available", "fetch cipher 'AES-256-CBC'");
	return 0;
}

/* Release RING; see tls_internal.h. */
void tls_ticket_ring_release(struct tls_ticket_ring *ring)
{
	EVP_CIPHER_free(ring->cipher);
	ring->cipher = NULL;
	OPENSSL_cleanse(ring->keys, sizeof(ring->keys));
	OPENSSL_cleanse(&ring->secret, sizeof(ring->secret));
}

/* The keys of EPOCH from RING's two slots, derived into the older slot when absent. */
static const struct tls_ticket_key *ticket_key(struct tls_ticket_ring *ring, uint64_t epoch)
{
	struct tls_ticket_key *slot = &ring->keys[0];

	for (int i = 0; i < 2; i++) {
		if (ring->keys[i].valid && ring->keys[i].epoch == epoch)
			return &ring->keys[i];
	}
	if (ring->keys[0].valid && (!ring->keys[1].valid || ring->keys[1].epoch < ring->keys[0].epoch))
		slot = &ring->keys[1];
	if (tls_ticket_derive(&ring->secret, epoch, slot) < 0) {
		slot->valid = false;
		return NULL;
	}
	return slot;
}

/* Point the cipher and MAC contexts at KEY; returns false on failure. */
static bool ticket_key_apply(struct tls_ticket_ring *ring, const struct tls_ticket_key *key,
			     const unsigned char *iv, EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	OSSL_PARAM params[3];

	params[0] =
		OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)key->hmac, sizeof(key->hmac));
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_CipherInit_ex2(cctx, ring->cipher, key->aes, iv, enc, NULL) != 1)
		return false;
	return EVP_MAC_CTX_set_params(hctx, params) == 1;
}

/* OpenSSL's ticket key callback: seal with the current epoch's key; open tickets of the
 * current epoch (1) and of the previous one (2: OpenSSL then issues a fresh ticket). */
int tls_ticket_key_cb(SSL *ssl, unsigned char key_name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
		      EVP_MAC_CTX *hctx, int enc)
{
	struct tls_store *store = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_ctx_index());
	struct tls_ticket_ring *ring;
	const struct tls_ticket_key *key;
	uint64_t now_epoch, epoch = 0;
	time_t now;

	if (!store)
		return -1;
	ring = &store->ring;
	now = ring->now ? ring->now() : time(NULL);
	now_epoch = now > 0 ? (uint64_t)now / TLS_TICKET_EPOCH_SECONDS : 0;
	if (enc) {
		key = ticket_key(ring, now_epoch);
		if (!key)
			return -1;
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(ring->cipher)) != 1)
			return -1;
		memcpy(key_name, key->name, sizeof(key->name));
		return ticket_key_apply(ring, key, iv, cctx, hctx, 1) ? 1 : -1;
	}
	for (int i = 0; i < 8; i++)
		epoch = epoch << 8 | key_name[i];
	/* 0: unknown key, the client gets a full handshake and a new ticket. */
	if (epoch != now_epoch && epoch + 1 != now_epoch)
		return 0;
	key = ticket_key(ring, epoch);
	if (!key || CRYPTO_memcmp(key_name, key->name, sizeof(key->name)) != 0)
		return 0;
	if (!ticket_key_apply(ring, key, iv, cctx, hctx, 0))
		return -1;
	return epoch == now_epoch ? 1 : 2;
}
