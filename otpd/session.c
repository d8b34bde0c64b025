/*
 * session.c - sessions and CSRF tokens (see session.h).
 *
 * Session record: key = BLAKE2b-256(session key, id); value = struct session
 * (record.h: v3 written, v2 read). The store expiry is the earlier of the
 * two lifetimes, so the sweeper removes a session as soon as it is dead.
 * Records of another version are treated as absent (sign in again).
 */
#include "session.h"
#include "record.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define ID_LEN 32

static void to_text(const uint8_t *p, size_t len, char *out, size_t outsz)
{
	sodium_bin2base64(out, outsz, p, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static uint64_t ends_at(uint64_t created, uint64_t last_seen, const struct session_limits *lim)
{
	uint64_t a = created + lim->ttl, b = last_seen + lim->idle;

	return a < b ? a : b;
}

static enum store_status put_record(struct store_txn *txn, const uint8_t key[SESSION_KEY_LEN], const char *addr,
				    enum session_level level, const char *dest, uint64_t created, uint64_t seen,
				    const struct session_limits *lim)
{
	struct session rec = { .level = (uint8_t)level, .created_at = created, .last_seen = seen };
	uint8_t out[RECORD_SESSION_MAX];
	size_t alen = strlen(addr), dlen = strlen(dest), len;

	if (alen >= ADDR_BUF || dlen > CAP_URL_BYTES)
		return STORE_ERROR;
	memcpy(rec.addr, addr, alen + 1);
	memcpy(rec.dest, dest, dlen + 1);
	if (record_session_encode(&rec, out, &len) != RECORD_OK)
		return STORE_ERROR;
	return store_put(txn, STORE_SESSIONS, key, SESSION_KEY_LEN, out, len, ends_at(created, seen, lim));
}

enum store_status session_create(struct store_txn *txn, const struct secrets *keys, const char *addr,
				 enum session_level level, const char *dest, uint64_t now,
				 const struct session_limits *lim, char out[SESSION_TEXT])
{
	uint8_t id[ID_LEN], key[SESSION_KEY_LEN];
	enum store_status s;

	randombytes_buf(id, sizeof(id));
	crypto_generichash(key, sizeof(key), id, sizeof(id), keys->session, sizeof(keys->session));
	s = put_record(txn, key, addr, level, dest, now, now, lim);
	if (s == STORE_OK)
		to_text(id, sizeof(id), out, SESSION_TEXT);
	sodium_memzero(id, sizeof(id));
	return s;
}

/* decode - a record into out (key not touched); false if malformed or of an unknown level */
static bool decode(const struct store_val *v, struct session_info *out)
{
	struct session rec;

	if (record_session_decode(v->data, v->len, &rec) != RECORD_OK ||
	    (rec.level != SESSION_CODE && rec.level != SESSION_FULL && rec.level != SESSION_ORG_MFA))
		return false;
	out->level = (enum session_level)rec.level;
	out->created_at = rec.created_at;
	out->last_seen = rec.last_seen;
	memcpy(out->addr, rec.addr, sizeof(out->addr));
	memcpy(out->dest, rec.dest, sizeof(out->dest));
	return true;
}

bool session_find(struct store_txn *txn, const struct secrets *keys, const char *cookie, uint64_t now,
		  const struct session_limits *lim, struct session_info *out)
{
	uint8_t id[ID_LEN];
	size_t len = 0;
	struct store_val v;

	if (strlen(cookie) != SESSION_TEXT - 1 ||
	    sodium_base642bin(id, sizeof(id), cookie, SESSION_TEXT - 1, NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || len != sizeof(id))
		return false;
	crypto_generichash(out->key, sizeof(out->key), id, sizeof(id), keys->session, sizeof(keys->session));
	sodium_memzero(id, sizeof(id));
	if (store_get(txn, STORE_SESSIONS, out->key, sizeof(out->key), now, &v) != STORE_OK || !decode(&v, out))
		return false;
	/* Security: both lifetimes are checked here too, whatever the stored expiry says (config may have shrunk). */
	return now < ends_at(out->created_at, out->last_seen, lim);
}

enum store_status session_touch(struct store_txn *txn, const struct session_info *s, uint64_t now,
				const struct session_limits *lim)
{
	return put_record(txn, s->key, s->addr, s->level, s->dest, s->created_at, now, lim);
}

enum store_status session_end(struct store_txn *txn, const struct session_info *s)
{
	enum store_status st = store_del(txn, STORE_SESSIONS, s->key, sizeof(s->key));

	return st == STORE_NOTFOUND ? STORE_OK : st;
}

struct end_all {
	const char *addr;
	uint8_t (*keys)[SESSION_KEY_LEN];
	size_t n, max;
	bool overflow;
};

static bool collect(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	struct end_all *e = arg;
	struct session_info info;

	if (klen != SESSION_KEY_LEN || !decode(v, &info) || strcmp(info.addr, e->addr) != 0)
		return true;
	if (e->n == e->max) {
		size_t max = e->max ? e->max * 2 : 16;
		uint8_t(*k)[SESSION_KEY_LEN] = realloc(e->keys, max * SESSION_KEY_LEN);

		if (k == NULL) {
			e->overflow = true;
			return false;
		}
		e->keys = k;
		e->max = max;
	}
	memcpy(e->keys[e->n++], key, SESSION_KEY_LEN);
	return true;
}

enum store_status session_end_all(struct store_txn *txn, const char *addr, uint64_t now, size_t *n)
{
	struct end_all e = { addr, NULL, 0, 0, false };
	enum store_status s = store_each(txn, STORE_SESSIONS, now, collect, &e);

	/* Deleting while a cursor walks the database is not allowed: collect first, then delete. */
	for (size_t i = 0; s == STORE_OK && i < e.n; i++) {
		s = store_del(txn, STORE_SESSIONS, e.keys[i], SESSION_KEY_LEN);
		if (s == STORE_NOTFOUND)
			s = STORE_OK;
	}
	*n = e.n;
	free(e.keys);
	return e.overflow ? STORE_ERROR : s;
}

void csrf_new_cookie(char out[CSRF_TEXT])
{
	uint8_t r[32];

	randombytes_buf(r, sizeof(r));
	to_text(r, sizeof(r), out, CSRF_TEXT);
}

void csrf_token(const struct secrets *keys, const char *cookie, const char *session, const uint8_t ctx[TOKEN_ID_LEN],
		char out[CSRF_TEXT])
{
	crypto_generichash_state st;
	uint8_t mac[32], sep = 0;

	/* Security: bound to the pre-session cookie AND the session the browser holds ("" before sign-in), so
	 * a token minted in another browser or for another session (a planted cookie pair) is worth nothing. */
	crypto_generichash_init(&st, keys->csrf, sizeof(keys->csrf), sizeof(mac));
	crypto_generichash_update(&st, ctx, TOKEN_ID_LEN);
	crypto_generichash_update(&st, (const uint8_t *)cookie, strnlen(cookie, 256));
	crypto_generichash_update(&st, &sep, 1);
	crypto_generichash_update(&st, (const uint8_t *)session, strnlen(session, 256));
	crypto_generichash_final(&st, mac, sizeof(mac));
	to_text(mac, sizeof(mac), out, CSRF_TEXT);
}

bool csrf_check(const struct secrets *keys, const char *cookie, const char *session, const uint8_t ctx[TOKEN_ID_LEN],
		const char *form)
{
	char want[CSRF_TEXT];

	csrf_token(keys, cookie, session, ctx, want);
	if (form == NULL || cookie[0] == '\0' || strlen(form) != strlen(want))
		return false;
	return sodium_memcmp(want, form, strlen(want)) == 0;
}
