/*
 * store.c - one entry to the store interface (store.h): the `database`
 * value picks the backend, a directory for LMDB (store_lmdb.c) or a libpq
 * URI for PostgreSQL (store_pg.c); every call after store_open() goes
 * through the backend's ops.
 */
#include "store_impl.h"

#include <stdio.h>
#include <string.h>

const char *store_status_word(enum store_status s)
{
	switch (s) {
	case STORE_OK:
		return "ok";
	case STORE_NOTFOUND:
		return "not_found";
	case STORE_FULL:
		return "full";
	case STORE_ABORT:
		return "abort";
	case STORE_ERROR:
		break;
	}
	return "error";
}

bool store_is_uri(const char *database)
{
	return strncmp(database, "postgresql://", 13) == 0 || strncmp(database, "postgres://", 11) == 0;
}

struct store *store_open_with(const char *database, const struct store_opts *o, char *err, size_t errsz)
{
	struct store *st;

	if (store_is_uri(database))
		return store_pg_open(database, o, err, errsz);
	st = store_lmdb_open(database, o->max_size, err, errsz);
	if (st != NULL)
		snprintf(st->where, sizeof(st->where), "%s", database);
	return st;
}

struct store *store_open(const char *dir, uint64_t max_size, char *err, size_t errsz)
{
	struct store_opts o = { .max_size = max_size };

	return store_open_with(dir, &o, err, errsz);
}

struct store *store_close(struct store *st)
{
	if (st != NULL)
		st->ops->close(st);
	return NULL;
}

bool store_chown(const char *database, uid_t uid, gid_t gid)
{
	/* PostgreSQL: nothing on this host's disk belongs to otpd. */
	return store_is_uri(database) || store_lmdb_chown(database, uid, gid);
}

const char *store_where(const struct store *st)
{
	return st->where;
}

bool store_is_shared(const struct store *st)
{
	return st->shared;
}

enum store_status store_write(struct store *st, store_fn fn, void *arg)
{
	return st->ops->write(st, fn, arg);
}

void store_set_batch(struct store *st, unsigned max)
{
	st->ops->set_batch(st, max);
}

enum store_status store_read(struct store *st, store_fn fn, void *arg)
{
	return st->ops->read(st, fn, arg);
}

enum store_status store_get(struct store_txn *txn, enum store_db db, const void *key, size_t klen, uint64_t now,
			    struct store_val *out)
{
	return txn->ops->get(txn, db, key, klen, now, out);
}

enum store_status store_put(struct store_txn *txn, enum store_db db, const void *key, size_t klen, const void *val,
			    size_t vlen, uint64_t expires_at)
{
	return txn->ops->put(txn, db, key, klen, val, vlen, expires_at);
}

enum store_status store_del(struct store_txn *txn, enum store_db db, const void *key, size_t klen)
{
	return txn->ops->del(txn, db, key, klen);
}

enum store_status store_each(struct store_txn *txn, enum store_db db, uint64_t now, store_each_fn fn, void *arg)
{
	return txn->ops->each(txn, db, now, fn, arg);
}

size_t store_sweep(struct store *st, uint64_t now)
{
	return st->ops->sweep(st, now);
}

void store_check_readers(struct store *st)
{
	st->ops->check_readers(st);
}
