/*
 * store_impl.h - what store.c and its backends (store_lmdb.c, store_pg.c)
 * share; nothing else includes it.
 *
 * Each backend's store and transaction structs start with these bases, so
 * store.c calls through ops without knowing which backend it holds.
 */
#ifndef OTPD_STORE_IMPL_H
#define OTPD_STORE_IMPL_H

#include "store.h"

struct store_ops {
	void (*close)(struct store *st);
	enum store_status (*write)(struct store *st, store_fn fn, void *arg);
	void (*set_batch)(struct store *st, unsigned max);
	enum store_status (*read)(struct store *st, store_fn fn, void *arg);
	enum store_status (*get)(struct store_txn *txn, enum store_db db, const void *key, size_t klen, uint64_t now,
				 struct store_val *out);
	enum store_status (*put)(struct store_txn *txn, enum store_db db, const void *key, size_t klen, const void *val,
				 size_t vlen, uint64_t expires_at);
	enum store_status (*del)(struct store_txn *txn, enum store_db db, const void *key, size_t klen);
	enum store_status (*each)(struct store_txn *txn, enum store_db db, uint64_t now, store_each_fn fn, void *arg);
	size_t (*sweep)(struct store *st, uint64_t now);
	void (*check_readers)(struct store *st);
};

struct store {
	const struct store_ops *ops;
	bool shared;		/* other otpd hosts use the same database */
	char where[256];	/* for log lines: no password, no user, no query */
};

struct store_txn {
	const struct store_ops *ops;
};

struct store *store_lmdb_open(const char *dir, uint64_t max_size, char *err, size_t errsz)
	__attribute__((nonnull));
bool store_lmdb_chown(const char *dir, uid_t uid, gid_t gid) __attribute__((nonnull));

struct store *store_pg_open(const char *uri, const struct store_opts *o, char *err, size_t errsz)
	__attribute__((nonnull));

#endif
