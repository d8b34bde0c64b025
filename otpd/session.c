/*
 * session.c - sessions and CSRF tokens (see session.h).
 *
 * Session record: key = BLAKE2b-256(session key, id); value = address,
 * NUL, invitation id (16), resource.
 */
#include "session.h"

#include <sodium.h>
#include <string.h>

#define ID_LEN 32

static void to_text(const uint8_t *p, size_t len, char *out, size_t outsz)
{
	sodium_bin2base64(out, outsz, p, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

enum store_status session_create(struct store_txn *txn, const struct secrets *keys, const char *addr,
				 const struct token *t, uint64_t now, uint64_t ttl, char out[SESSION_TEXT])
{
	uint8_t id[ID_LEN], key[32], rec[ADDR_BUF + TOKEN_ID_LEN + CAP_URL_BYTES];
	size_t alen = strlen(addr), rlen = strlen(t->resource);
	enum store_status s;

	if (alen >= ADDR_BUF || rlen > CAP_URL_BYTES)
		return STORE_ERROR;
	randombytes_buf(id, sizeof(id));
	crypto_generichash(key, sizeof(key), id, sizeof(id), keys->session, sizeof(keys->session));
	memcpy(rec, addr, alen + 1);
	memcpy(rec + alen + 1, t->id, TOKEN_ID_LEN);
	memcpy(rec + alen + 1 + TOKEN_ID_LEN, t->resource, rlen);
	s = store_put(txn, STORE_SESSIONS, key, sizeof(key), rec, alen + 1 + TOKEN_ID_LEN + rlen, now + ttl);
	if (s == STORE_OK)
		to_text(id, sizeof(id), out, SESSION_TEXT);
	sodium_memzero(id, sizeof(id));
	return s;
}

bool session_find(struct store_txn *txn, const struct secrets *keys, const char *cookie, uint64_t now,
		  char addr[ADDR_BUF])
{
	uint8_t id[ID_LEN], key[32];
	size_t len = 0;
	struct store_val v;
	const char *nul;

	if (sodium_base642bin(id, sizeof(id), cookie, strlen(cookie), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || len != sizeof(id))
		return false;
	crypto_generichash(key, sizeof(key), id, sizeof(id), keys->session, sizeof(keys->session));
	sodium_memzero(id, sizeof(id));
	if (store_get(txn, STORE_SESSIONS, key, sizeof(key), now, &v) != STORE_OK)
		return false;
	nul = memchr(v.data, '\0', v.len < ADDR_BUF ? v.len : ADDR_BUF);
	if (nul == NULL)
		return false;
	memcpy(addr, v.data, (size_t)(nul - (const char *)v.data) + 1);
	return true;
}

void csrf_new_cookie(char out[CSRF_TEXT])
{
	uint8_t r[32];

	randombytes_buf(r, sizeof(r));
	to_text(r, sizeof(r), out, CSRF_TEXT);
}

void csrf_token(const struct secrets *keys, const char *cookie, const uint8_t inv[TOKEN_ID_LEN], char out[CSRF_TEXT])
{
	crypto_generichash_state st;
	uint8_t mac[32];

	crypto_generichash_init(&st, keys->csrf, sizeof(keys->csrf), sizeof(mac));
	crypto_generichash_update(&st, inv, TOKEN_ID_LEN);
	crypto_generichash_update(&st, (const uint8_t *)cookie, strnlen(cookie, 256));
	crypto_generichash_final(&st, mac, sizeof(mac));
	to_text(mac, sizeof(mac), out, CSRF_TEXT);
}

bool csrf_check(const struct secrets *keys, const char *cookie, const uint8_t inv[TOKEN_ID_LEN], const char *form)
{
	char want[CSRF_TEXT];

	csrf_token(keys, cookie, inv, want);
	if (form == NULL || cookie[0] == '\0' || strlen(form) != strlen(want))
		return false;
	return sodium_memcmp(want, form, strlen(want)) == 0;
}
