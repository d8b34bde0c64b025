/*
 * store.h - otpd's narrow storage interface: LMDB on one host (store_lmdb.c)
 * or PostgreSQL shared by several otpd hosts (store_pg.c).
 *
 * One environment, named databases, and every record carries its expiry:
 * reads treat an expired record as absent, store_sweep() deletes them.
 * Work happens inside store_read()/store_write(), which run a callback in a
 * transaction: store_write() commits (durably: fsync) before it returns, so
 * a reply sent after it never promises something a crash could lose. With
 * store_set_batch(), concurrent writers share one commit (group commit);
 * each callback still sees and commits its own transaction, or none of it.
 *
 * Failure: when the map is full, store_write() aborts, grows the map up to
 * the configured maximum and runs the callback again (callbacks must not
 * have side effects outside the transaction); past the maximum it returns
 * STORE_FULL and the caller answers 503. Stale reader slots are cleared at
 * open and by store_check_readers().
 *
 * PostgreSQL: a write transaction locks every key it reads or writes (store_pg.c)
 * and is run again on a serialization failure or deadlock (40001, 40P01), which is why callbacks
 * must have no side effects outside the transaction; a lost connection is
 * STORE_ERROR (the caller answers 503) and the next call reconnects.
 * store_set_batch() is LMDB's; PostgreSQL commits each transaction itself.
 *
 * Ownership: values handed to callbacks point into the database and are
 * valid only inside the callback's transaction.
 */
#ifndef OTPD_STORE_H
#define OTPD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum store_db {
	STORE_CODES,
	STORE_LIMITS,
	STORE_GUESTS,
	STORE_SESSIONS,
	STORE_INVITATIONS,
	STORE_OUTBOX,
	STORE_AUDIT,
	STORE_NDB
};

enum store_status {
	STORE_OK,
	STORE_NOTFOUND,
	STORE_FULL,	/* map full and at its maximum: answer 503 */
	STORE_ERROR,
	STORE_ABORT,	/* a callback's own "roll back, nothing wrong" */
};

struct store;
struct store_txn;

struct store_val {
	const void *data;
	size_t len;
	uint64_t expires_at;
};

#define STORE_WUR __attribute__((warn_unused_result))

struct store_opts {
	uint64_t max_size;		/* LMDB: the most the map may grow to */
	const char *password_file;	/* PostgreSQL: NULL or "": none (libpq's PGPASSFILE still works) */
	unsigned connections;		/* PostgreSQL: the pool; 0: a default */
};

/* store_is_uri - database names PostgreSQL (postgresql:// or postgres://), not an LMDB directory */
bool store_is_uri(const char *database) __attribute__((nonnull));

/* store_open_with - open (creating) the store database names; NULL with a reason (never the password) */
struct store *store_open_with(const char *database, const struct store_opts *o, char *err, size_t errsz) STORE_WUR
	__attribute__((nonnull));
/* store_open - store_open_with() with only max_size */
struct store *store_open(const char *database, uint64_t max_size, char *err, size_t errsz) STORE_WUR
	__attribute__((nonnull));
struct store *store_close(struct store *st);

/* store_chown - give the environment's files to the user otpd will run as (nothing to do for PostgreSQL) */
bool store_chown(const char *database, uid_t uid, gid_t gid) STORE_WUR __attribute__((nonnull));

/* store_where - the database for log lines: the LMDB directory, or postgresql://HOST:PORT/DBNAME */
const char *store_where(const struct store *st) __attribute__((nonnull));
/* store_is_shared - other hosts may write the same database (PostgreSQL) */
bool store_is_shared(const struct store *st) __attribute__((nonnull));

typedef enum store_status (*store_fn)(struct store_txn *txn, void *arg);

/* store_write - run fn in a write transaction; commit if it returns STORE_OK */
enum store_status store_write(struct store *st, store_fn fn, void *arg) STORE_WUR __attribute__((nonnull(1, 2)));
/* store_set_batch - group commit: up to max concurrent store_write()s share one commit (1: off, the default).
 * Call before any thread writes. */
void store_set_batch(struct store *st, unsigned max) __attribute__((nonnull));
/* store_read - run fn in a read-only transaction */
enum store_status store_read(struct store *st, store_fn fn, void *arg) STORE_WUR __attribute__((nonnull(1, 2)));

enum store_status store_get(struct store_txn *txn, enum store_db db, const void *key, size_t klen, uint64_t now,
			    struct store_val *out) STORE_WUR __attribute__((nonnull));
enum store_status store_put(struct store_txn *txn, enum store_db db, const void *key, size_t klen, const void *val,
			    size_t vlen, uint64_t expires_at) STORE_WUR __attribute__((nonnull(1, 3)));
enum store_status store_del(struct store_txn *txn, enum store_db db, const void *key, size_t klen)
	__attribute__((nonnull));

/* store_each - call fn for every live record (key order); fn returns false to stop */
typedef bool (*store_each_fn)(const void *key, size_t klen, const struct store_val *v, void *arg);
enum store_status store_each(struct store_txn *txn, enum store_db db, uint64_t now, store_each_fn fn, void *arg)
	__attribute__((nonnull(1, 4)));

/* store_sweep - delete expired records; returns how many */
size_t store_sweep(struct store *st, uint64_t now) __attribute__((nonnull));

/* store_check_readers - clear reader slots of dead processes */
void store_check_readers(struct store *st) __attribute__((nonnull));

const char *store_status_word(enum store_status s);

#endif
