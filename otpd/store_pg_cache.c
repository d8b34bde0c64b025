/*
 * store_pg_cache.c - the PostgreSQL store's read cache: hits only, for STORE_PG_CACHE_MS, dropped by
 * this host's own commits (see store_pg.c).
 */
#include "store_pg_impl.h"
#include "bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "errmsg.h"
#include "keys.h"
#include "log.h"

/* --- the read cache --- */

bool pgs_cacheable(enum store_db db)
{
	return db == STORE_SESSIONS || db == STORE_GUESTS || db == STORE_INVITATIONS;
}

static size_t slot_of(int db, const void *key, size_t klen)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)db;

	for (size_t i = 0; i < klen; i++)
		h = (h ^ ((const uint8_t *)key)[i]) * 1099511628211ull;
	return (size_t)(h % CACHE_SLOTS);
}

bool pgs_hold(struct store_txn_pg *t, void *p, bool is_result)
{
	if (t->nheld == t->capheld) {
		size_t cap = t->capheld ? t->capheld * 2 : 8;
		void **h = realloc(t->held, cap * sizeof(*h));
		bool *r;

		if (h == NULL)
			return false;
		t->held = h;
		r = realloc(t->held_is_result, cap * sizeof(*r));
		if (r == NULL)
			return false;
		t->held_is_result = r;
		t->capheld = cap;
	}
	t->held[t->nheld] = p;
	t->held_is_result[t->nheld++] = is_result;
	return true;
}

void pgs_release_held(struct store_txn_pg *t)
{
	for (size_t i = 0; i < t->nheld; i++) {
		if (t->held_is_result[i])
			PQclear(t->held[i]);
		else
			free(t->held[i]);
	}
	t->nheld = 0;
}

/* cache_get - a copy of a fresh entry, held by the transaction; false on a miss */
bool pgs_cache_get(struct store_txn_pg *t, int db, const void *key, size_t klen, struct store_val *out)
{
	struct store_pg *st = t->st;
	struct cache_ent *e;
	uint8_t *copy = NULL;
	bool hit = false;

	if (klen > CACHE_KEY_CAP)
		return false;
	pthread_mutex_lock(&st->cache_lock);
	e = &st->cache[slot_of(db, key, klen)];
	if (e->used && e->db == db && e->klen == klen && memcmp(e->key, key, klen) == 0 &&
	    pgs_mono_ms() - e->at_ms < STORE_PG_CACHE_MS && (copy = malloc(e->len ? e->len : 1)) != NULL) {
		memcpy(copy, e->data, e->len);
		out->data = copy;
		out->len = e->len;
		out->expires_at = e->expires_at;
		hit = true;
	}
	pthread_mutex_unlock(&st->cache_lock);
	if (hit && !pgs_hold(t, copy, false)) {
		free(copy);
		return false;
	}
	return hit;
}

void pgs_cache_put(struct store_pg *st, int db, const void *key, size_t klen, const struct store_val *v,
		      uint64_t at)
{
	struct cache_ent *e;
	uint8_t *copy;

	if (klen > CACHE_KEY_CAP || (copy = malloc(v->len ? v->len : 1)) == NULL)
		return;
	memcpy(copy, v->data, v->len);
	pthread_mutex_lock(&st->cache_lock);
	e = &st->cache[slot_of(db, key, klen)];
	free(e->data);
	*e = (struct cache_ent){ .used = true, .db = db, .klen = klen, .data = copy, .len = v->len,
				 .expires_at = v->expires_at, .at_ms = at };
	memcpy(e->key, key, klen);
	pthread_mutex_unlock(&st->cache_lock);
}

void pgs_cache_drop(struct store_pg *st, int db, const void *key, size_t klen)
{
	struct cache_ent *e;

	pthread_mutex_lock(&st->cache_lock);
	e = &st->cache[slot_of(db, key, klen)];
	if (e->used && e->db == db && e->klen == klen && memcmp(e->key, key, klen) == 0) {
		free(e->data);
		e->data = NULL;
		e->used = false;
	}
	pthread_mutex_unlock(&st->cache_lock);
}

void pgs_cache_clear(struct store_pg *st)
{
	pthread_mutex_lock(&st->cache_lock);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(st->cache[i].data);
		st->cache[i].data = NULL;
		st->cache[i].used = false;
	}
	pthread_mutex_unlock(&st->cache_lock);
}

/* touch - remember a written key, so the commit drops it from this host's cache */
void pgs_touch(struct store_txn_pg *t, int db, const void *key, size_t klen)
{
	if (!pgs_cacheable((enum store_db)db))
		return;
	if (klen > CACHE_KEY_CAP) {
		t->touched_overflow = true;
		return;
	}
	if (t->ntouched == t->captouched) {
		size_t cap = t->captouched ? t->captouched * 2 : 8;
		struct touched *n = realloc(t->touched, cap * sizeof(*n));

		if (n == NULL) {
			t->touched_overflow = true;
			return;
		}
		t->touched = n;
		t->captouched = cap;
	}
	t->touched[t->ntouched].db = db;
	t->touched[t->ntouched].klen = klen;
	memcpy(t->touched[t->ntouched++].key, key, klen);
}

