/*
 * store_pg_impl.h - what store_pg.c (transactions), store_pg_conn.c (the pool, the schema) and
 * store_pg_cache.c (the 0.5 s read cache) share; nothing outside them includes it.
 */
#ifndef OTPD_STORE_PG_IMPL_H
#define OTPD_STORE_PG_IMPL_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_impl.h"


#define PG_DEFAULT_CONNS 8
#define PG_MAX_CONNS 256
#define PG_TRIES 30		/* serialization failures before giving up */
#define PG_SWEEP_BATCH 1000
#define PG_PASSWORD_CAP 1024
#define STORE_PG_CACHE_MS 500
#define CACHE_SLOTS 4096
#define CACHE_KEY_CAP 320

/* OIDs of the parameter types (pg_type.h is the server's header). */
#define OID_INT4 23
#define OID_INT8 20
#define OID_BYTEA 17

/* Locks of a whole named database (bigint advisory locks DB_LOCK_BASE + db): a range read in a write transaction
 * takes it exclusively, every put and delete shares it. Key locks are the two-integer kind, a separate space. */
#define DB_LOCK_BASE "7263115420"
#define EACH_PAGE 64
#define STR_(x) #x
#define STR(x) STR_(x)

struct conn {
	PGconn *pg;
	bool busy;
	bool ready;	/* connected and statements prepared */
};

struct cache_ent {
	bool used;
	int db;
	size_t klen;
	uint8_t key[CACHE_KEY_CAP];
	uint8_t *data;
	size_t len;
	uint64_t expires_at;
	uint64_t at_ms;	/* monotonic: when it was read */
};

struct store_pg {
	struct store base;
	char *uri;
	char *password;		/* sodium_malloc'd, or NULL */
	pthread_mutex_t lock;	/* the pool */
	pthread_cond_t freed;
	struct conn *conns;
	unsigned nconns;
	bool down_logged;
	pthread_mutex_t cache_lock;
	struct cache_ent *cache;
};

/* What a transaction touched that this host's cache must forget after the commit. */
struct touched {
	int db;
	size_t klen;
	uint8_t key[CACHE_KEY_CAP];
};

struct store_txn_pg {
	struct store_txn base;
	struct store_pg *st;
	struct conn *c;		/* NULL: no statement yet (a read served from the cache) */
	bool write;
	bool failed;		/* a statement failed: the transaction is dead */
	bool retry;		/* ... with 40001 or 40P01: run it again */
	bool lost;		/* ... because the connection is gone */
	bool pipelined;		/* c is in pipeline mode for this transaction */
	bool broken;		/* ... and out of step: no Sync, reset the connection */
	unsigned pending;	/* statements sent whose answers are not read yet */
	void **held;		/* PGresults and cache copies handed to the callback */
	bool *held_is_result;
	size_t nheld, capheld;
	struct touched *touched;
	size_t ntouched, captouched;
	bool touched_overflow;
};

static inline struct store_pg *P(struct store *s)
{
	return (struct store_pg *)s;
}

static inline struct store_txn_pg *PT(struct store_txn *t)
{
	return (struct store_txn_pg *)t;
}

/* store_pg_conn.c */
void pgs_quiet(void *arg, const char *msg);
bool pgs_prepare(PGconn *pg);
uint64_t pgs_mono_ms(void);
void pgs_first_line(const char *msg, char *out, size_t outsz);
bool pgs_read_password(const char *path, char **out, char *err, size_t errsz);
bool pgs_describe(const char *uri, char *out, size_t outsz, char *err, size_t errsz);
PGconn *pgs_connect_db(struct store_pg *st);
bool pgs_conn_ready(struct store_pg *st, struct conn *c);
struct conn *pgs_acquire(struct store_pg *st);
void pgs_release(struct store_pg *st, struct conn *c);
bool pgs_simple(PGconn *pg, const char *sql, char *why, size_t whysz);
bool pgs_migrate(struct store_pg *st, PGconn *pg, char *err, size_t errsz);

/* store_pg_cache.c */
bool pgs_cacheable(enum store_db db);
bool pgs_hold(struct store_txn_pg *t, void *p, bool is_result);
void pgs_release_held(struct store_txn_pg *t);
bool pgs_cache_get(struct store_txn_pg *t, int db, const void *key, size_t klen, struct store_val *out);
void pgs_cache_put(struct store_pg *st, int db, const void *key, size_t klen, const struct store_val *v, uint64_t at);
void pgs_cache_drop(struct store_pg *st, int db, const void *key, size_t klen);
void pgs_cache_clear(struct store_pg *st);
void pgs_touch(struct store_txn_pg *t, int db, const void *key, size_t klen);

#endif
