/*
 * codes.c - one-time codes in the codes database (see codes.h).
 *
 * Key: invitation id (16 bytes) then the normalized address.
 * Value: hash (32), wrong tries (1), issued_at (8, big-endian), key hash (32).
 * The digits are dead once wrong tries reach max_tries; the key hash stays
 * until the code is used, replaced or expires. A record of another length
 * (an older otpd) is treated as absent.
 */
#include "codes.h"

#include <sodium.h>
#include <string.h>

#define HASH_LEN 32
#define KEY_RAW 32
#define REC_LEN (HASH_LEN + 1 + 8 + HASH_LEN)
#define KEY_AT (HASH_LEN + 1 + 8)

static size_t code_key(uint8_t key[TOKEN_ID_LEN + ADDR_BUF], const uint8_t inv[TOKEN_ID_LEN], const char *addr)
{
	size_t alen = strnlen(addr, ADDR_BUF - 1);

	memcpy(key, inv, TOKEN_ID_LEN);
	memcpy(key + TOKEN_ID_LEN, addr, alen);
	return TOKEN_ID_LEN + alen;
}

/* code_hash - digits (tag 0) or a mail key (tag 1), bound to the invitation and address */
static void code_hash(const struct secrets *keys, const uint8_t *key, size_t klen, uint8_t tag, const char *code,
		      size_t len, uint8_t out[HASH_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, keys->code, sizeof(keys->code), HASH_LEN);
	crypto_generichash_update(&st, key, klen);
	crypto_generichash_update(&st, (const uint8_t *)"\0", 1);
	crypto_generichash_update(&st, &tag, 1);
	crypto_generichash_update(&st, (const uint8_t *)code, len);
	crypto_generichash_final(&st, out, HASH_LEN);
}

bool codes_key_well_formed(const char *in)
{
	size_t n = 0;

	for (; in[n] != '\0'; n++) {
		char c = in[n];

		if (n >= CODE_KEY_LEN ||
		    !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return n == CODE_KEY_LEN;
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

_Static_assert(sizeof(((struct code_made *)0)->rec) == REC_LEN, "struct code_made holds a record");

void codes_make(const struct secrets *keys, const uint8_t inv[TOKEN_ID_LEN], const char *addr, uint64_t now,
		char out[CODE_BUF], char mkey[CODE_KEY_BUF], struct code_made *m)
{
	uint8_t *key = m->key, *rec = m->rec, raw[KEY_RAW];
	size_t klen = m->klen = code_key(key, inv, addr);
	uint32_t v = randombytes_uniform(100000000u);
	uint64_t t = now;

	for (int i = CODE_DIGITS - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
	out[CODE_DIGITS] = '\0';
	code_hash(keys, key, klen, 0, out, CODE_DIGITS, rec);
	rec[HASH_LEN] = 0;
	for (int i = 7; i >= 0; i--, t >>= 8)
		rec[HASH_LEN + 1 + i] = (uint8_t)t;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(mkey, CODE_KEY_BUF, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	code_hash(keys, key, klen, 1, mkey, CODE_KEY_LEN, rec + KEY_AT);
}

enum store_status codes_put(struct store_txn *txn, const struct code_made *m, uint64_t now, uint64_t ttl)
{
	return store_put(txn, STORE_CODES, m->key, m->klen, m->rec, REC_LEN, now + ttl);
}

enum store_status codes_issue(struct store_txn *txn, const struct secrets *keys, const uint8_t inv[TOKEN_ID_LEN],
			      const char *addr, uint64_t now, uint64_t ttl, char out[CODE_BUF], char mkey[CODE_KEY_BUF])
{
	struct code_made m;
	enum store_status s;

	codes_make(keys, inv, addr, now, out, mkey, &m);
	s = codes_put(txn, &m, now, ttl);
	sodium_memzero(&m, sizeof(m));
	return s;
}

enum code_result codes_check(struct store_txn *txn, const struct secrets *keys, const uint8_t inv[TOKEN_ID_LEN],
			     const char *addr, const char *code, uint64_t now, unsigned max_tries, bool digits_ok)
{
	bool is_key = codes_key_well_formed(code);
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
	if (is_key) {
		code_hash(keys, key, klen, 1, code, CODE_KEY_LEN, hash);
		if (sodium_memcmp(hash, (const uint8_t *)v.data + KEY_AT, HASH_LEN) != 0)
			return CODE_ABSENT;
		sodium_memzero(hash, sizeof(hash));
		return store_del(txn, STORE_CODES, key, klen) == STORE_OK ? CODE_OK : CODE_STORE_ERROR;
	}
	/* Security: dead digits and digits past the caller's budget are not compared at all. */
	if (!digits_ok || ((const uint8_t *)v.data)[HASH_LEN] >= max_tries)
		return CODE_ABSENT;
	code_hash(keys, key, klen, 0, code, CODE_DIGITS, hash);
	if (sodium_memcmp(hash, v.data, HASH_LEN) == 0) {
		sodium_memzero(hash, sizeof(hash));
		return store_del(txn, STORE_CODES, key, klen) == STORE_OK ? CODE_OK : CODE_STORE_ERROR;
	}
	memcpy(rec, v.data, REC_LEN);
	rec[HASH_LEN]++;
	if (store_put(txn, STORE_CODES, key, klen, rec, sizeof(rec), v.expires_at) != STORE_OK)
		return CODE_STORE_ERROR;
	return rec[HASH_LEN] >= max_tries ? CODE_BURNED : CODE_WRONG;
}
