/*
 * codes.c - one-time codes in the codes database (see codes.h).
 *
 * Key: invitation id (16 bytes) then the normalized address.
 * Value: hash (32), wrong tries (1), issued_at (8, big-endian).
 */
#include "codes.h"

#include <sodium.h>
#include <string.h>

#define HASH_LEN 32
#define REC_LEN (HASH_LEN + 1 + 8)

static size_t code_key(uint8_t key[TOKEN_ID_LEN + ADDR_BUF], const uint8_t inv[TOKEN_ID_LEN], const char *addr)
{
	size_t alen = strnlen(addr, ADDR_BUF - 1);

	memcpy(key, inv, TOKEN_ID_LEN);
	memcpy(key + TOKEN_ID_LEN, addr, alen);
	return TOKEN_ID_LEN + alen;
}

static void code_hash(const struct secrets *keys, const uint8_t *key, size_t klen, const char *code,
		      uint8_t out[HASH_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, keys->code, sizeof(keys->code), HASH_LEN);
	crypto_generichash_update(&st, key, klen);
	crypto_generichash_update(&st, (const uint8_t *)"\0", 1);
	crypto_generichash_update(&st, (const uint8_t *)code, CODE_DIGITS);
	crypto_generichash_final(&st, out, HASH_LEN);
}

bool codes_well_formed(const char *in, char out[CODE_BUF])
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		if (*in == ' ' || *in == '-' || *in == '\t')
			continue;
		if (*in < '0' || *in > '9' || n >= CODE_DIGITS)
			return false;
		out[n++] = *in;
	}
	out[n] = '\0';
	return n == CODE_DIGITS;
}

enum store_status codes_issue(struct store_txn *txn, const struct secrets *keys, const uint8_t inv[TOKEN_ID_LEN],
			      const char *addr, uint64_t now, uint64_t ttl, char out[CODE_BUF])
{
	uint8_t key[TOKEN_ID_LEN + ADDR_BUF], rec[REC_LEN];
	size_t klen = code_key(key, inv, addr);
	uint32_t v = randombytes_uniform(100000000u);
	uint64_t t = now;

	for (int i = CODE_DIGITS - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
	out[CODE_DIGITS] = '\0';
	code_hash(keys, key, klen, out, rec);
	rec[HASH_LEN] = 0;
	for (int i = 7; i >= 0; i--, t >>= 8)
		rec[HASH_LEN + 1 + i] = (uint8_t)t;
	return store_put(txn, STORE_CODES, key, klen, rec, sizeof(rec), now + ttl);
}

enum code_result codes_check(struct store_txn *txn, const struct secrets *keys, const uint8_t inv[TOKEN_ID_LEN],
			     const char *addr, const char *code, uint64_t now, unsigned max_tries)
{
	uint8_t key[TOKEN_ID_LEN + ADDR_BUF], hash[HASH_LEN], rec[REC_LEN];
	size_t klen = code_key(key, inv, addr);
	struct store_val v;
	enum store_status s = store_get(txn, STORE_CODES, key, klen, now, &v);

	if (s == STORE_NOTFOUND)
		return CODE_ABSENT;
	if (s != STORE_OK)
		return CODE_STORE_ERROR;
	if (v.len != REC_LEN)
		return store_del(txn, STORE_CODES, key, klen) == STORE_OK ? CODE_ABSENT : CODE_STORE_ERROR;
	code_hash(keys, key, klen, code, hash);
	if (sodium_memcmp(hash, v.data, HASH_LEN) == 0) {
		sodium_memzero(hash, sizeof(hash));
		return store_del(txn, STORE_CODES, key, klen) == STORE_OK ? CODE_OK : CODE_STORE_ERROR;
	}
	memcpy(rec, v.data, REC_LEN);
	rec[HASH_LEN]++;
	if (rec[HASH_LEN] >= max_tries)
		return store_del(txn, STORE_CODES, key, klen) == STORE_OK ? CODE_BURNED : CODE_STORE_ERROR;
	if (store_put(txn, STORE_CODES, key, klen, rec, sizeof(rec), v.expires_at) != STORE_OK)
		return CODE_STORE_ERROR;
	return CODE_WRONG;
}
