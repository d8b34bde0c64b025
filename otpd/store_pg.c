/*
 * store_pg.c - the PostgreSQL side of store.h, for several otpd hosts on
 * one database (store.c dispatches here for a postgresql:// URI).
 *
 * Schema: one table guestlink_records (db, k, v, expires_at), the named
 * databases being the db column; guestlink_schema holds the version, and
 * store_pg_open() runs the missing migrations under an advisory lock, so
 * hosts starting together migrate once. A newer schema than this otpd
 * knows is refused.
 *
 * Transactions: a write runs at READ COMMITTED under key locks: every key
 * it reads, writes or deletes is locked (an advisory lock on a hash of db
 * and key, taken in the same statement, held to the end of the
 * transaction), present or absent, and a range read (each) locks its whole
 * database, which every put and delete shares. That is strict two-phase
 * locking, so write transactions are serializable: two hosts spending the
 * same code or the same rate-limit token run one after the other, and the
 * second sees what the first committed (each statement's snapshot is taken
 * after its lock). SERIALIZABLE gave the same answers but rolled back
 * about one transaction in two under load: its predicate locks are btree
 * pages, and all databases share one index, so unrelated keys on one page
 * conflicted. A deadlock (40P01) is rolled back and the callback runs
 * again (callbacks have no side effects outside the transaction, store.h).
 * A read runs at REPEATABLE READ READ ONLY (one snapshot, no locks).
 * Expiry is judged against the caller's now, as in LMDB; any host's
 * sweeper deletes expired rows.
 *
 * Connections: a pool, one connection per concurrent transaction. A
 * connection lost (PostgreSQL restarted) is reset at the next use; a
 * transaction whose COMMIT never answered returns STORE_ERROR (503: the
 * guest was not told it worked), one that failed before COMMIT runs again
 * on a fresh connection. While PostgreSQL is down every call answers
 * STORE_ERROR at once (connect_timeout bounds a hung network).
 *
 * Read cache: /auth reads a session, a guest and invitations on every
 * request. Read transactions keep what they found in sessions, guests and
 * invitations for STORE_PG_CACHE_MS (below a second, so `otpctl revoke` and
 * `revoke-sessions` reach every host within one); absence is never cached
 * (a session made on another host is seen at once), writes never read the
 * cache, and this host's own committed writes drop what they touched.
 *
 * Ownership: values handed to callbacks live until the transaction ends
 * (the PGresults and cache copies are held by the transaction).
 * Security: the URI and the password never reach a log line or an error
 * message; store_where() names only host, port and database.
 */
#include "store_impl.h"
#include "bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <pthread.h>
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

/* Version n's statements are migrations[n - 1]. Append; never edit a released one. */
static const char *const migrations[] = {
	"CREATE TABLE guestlink_records ("
	" db integer NOT NULL,"
	" k bytea NOT NULL,"
	" v bytea NOT NULL,"
	" expires_at bigint NOT NULL,"
	" PRIMARY KEY (db, k));"
	"CREATE INDEX guestlink_records_expiry ON guestlink_records (expires_at);",
	/* 2: writes take key locks (see "Transactions" above) instead of running at SERIALIZABLE. Each function
	 * takes its lock first, then runs its statement with a snapshot taken after the lock (a VOLATILE function
	 * at READ COMMITTED takes one per statement), so it sees what the lock's last holder committed. */
	"CREATE FUNCTION guestlink_get_locked(p_db integer, p_k bytea, p_l1 integer, p_l2 integer)"
	" RETURNS TABLE (v bytea, expires_at bigint) LANGUAGE plpgsql VOLATILE AS $f$"
	" BEGIN PERFORM pg_advisory_xact_lock(p_l1, p_l2);"
	" RETURN QUERY SELECT r.v, r.expires_at FROM guestlink_records r WHERE r.db = p_db AND r.k = p_k; END $f$;"
	"CREATE FUNCTION guestlink_put_locked(p_db integer, p_k bytea, p_v bytea, p_exp bigint, p_l1 integer,"
	" p_l2 integer) RETURNS void LANGUAGE plpgsql VOLATILE AS $f$"
	" BEGIN PERFORM pg_advisory_xact_lock_shared(" DB_LOCK_BASE " + p_db); PERFORM pg_advisory_xact_lock(p_l1, p_l2);"
	" INSERT INTO guestlink_records (db, k, v, expires_at) VALUES (p_db, p_k, p_v, p_exp)"
	" ON CONFLICT (db, k) DO UPDATE SET v = EXCLUDED.v, expires_at = EXCLUDED.expires_at; END $f$;"
	"CREATE FUNCTION guestlink_del_locked(p_db integer, p_k bytea, p_l1 integer, p_l2 integer)"
	" RETURNS bigint LANGUAGE plpgsql VOLATILE AS $f$ DECLARE n bigint;"
	" BEGIN PERFORM pg_advisory_xact_lock_shared(" DB_LOCK_BASE " + p_db); PERFORM pg_advisory_xact_lock(p_l1, p_l2);"
	" DELETE FROM guestlink_records r WHERE r.db = p_db AND r.k = p_k; GET DIAGNOSTICS n = ROW_COUNT;"
	" RETURN n; END $f$;",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))
/* Any constant both hosts agree on: serialises the migrations. */
#define MIGRATE_LOCK "7263115419"

static const struct {
	const char *name, *sql;
	int nparams;
	Oid types[6];
} stmts[] = {
	{ "get", "SELECT v, expires_at FROM guestlink_records WHERE db = $1 AND k = $2", 2, { OID_INT4, OID_BYTEA } },
	{ "put",
	  "INSERT INTO guestlink_records (db, k, v, expires_at) VALUES ($1, $2, $3, $4) "
	  "ON CONFLICT (db, k) DO UPDATE SET v = EXCLUDED.v, expires_at = EXCLUDED.expires_at",
	  4, { OID_INT4, OID_BYTEA, OID_BYTEA, OID_INT8 } },
	{ "del", "DELETE FROM guestlink_records WHERE db = $1 AND k = $2", 2, { OID_INT4, OID_BYTEA } },
	/* each walks the key order a page at a time (EACH_PAGE rows), so a walk that stops early reads no more, and
	 * the plan is the primary key's range scan (a whole-range SELECT was planned as a bitmap AND with the
	 * expiry index, which scans every live record of every database). */
	{ "each", "SELECT k, v, expires_at FROM guestlink_records WHERE db = $1 AND expires_at > $2 ORDER BY k LIMIT "
		  STR(EACH_PAGE), 2, { OID_INT4, OID_INT8 } },
	{ "each_next", "SELECT k, v, expires_at FROM guestlink_records WHERE db = $1 AND expires_at > $2 AND k > $3 "
		       "ORDER BY k LIMIT " STR(EACH_PAGE), 3, { OID_INT4, OID_INT8, OID_BYTEA } },
	/* A write transaction's: the same, under the key's lock (or the database's, for each). */
	{ "get_w", "SELECT v, expires_at FROM guestlink_get_locked($1, $2, $3, $4)", 4,
	  { OID_INT4, OID_BYTEA, OID_INT4, OID_INT4 } },
	{ "put_w", "SELECT guestlink_put_locked($1, $2, $3, $4, $5, $6)", 6,
	  { OID_INT4, OID_BYTEA, OID_BYTEA, OID_INT8, OID_INT4, OID_INT4 } },
	{ "del_w", "SELECT guestlink_del_locked($1, $2, $3, $4)", 4, { OID_INT4, OID_BYTEA, OID_INT4, OID_INT4 } },
	{ "lock_db", "SELECT pg_advisory_xact_lock(" DB_LOCK_BASE " + $1)", 1, { OID_INT4 } },
	{ "sweep",
	  "DELETE FROM guestlink_records WHERE ctid = ANY (ARRAY(SELECT ctid FROM guestlink_records "
	  "WHERE expires_at <= $1 LIMIT 1000))",
	  1, { OID_INT8 } },
};
#define N_STMTS (sizeof(stmts) / sizeof(stmts[0]))

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

static const struct store_ops pg_ops;

static struct store_pg *P(struct store *s)
{
	return (struct store_pg *)s;
}

static struct store_txn_pg *PT(struct store_txn *t)
{
	return (struct store_txn_pg *)t;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* first_line - libpq's message up to its first newline, for one log line */
static void first_line(const char *msg, char *out, size_t outsz)
{
	size_t n = 0;

	for (; msg != NULL && msg[n] != '\0' && msg[n] != '\n' && n + 1 < outsz; n++)
		out[n] = msg[n] == '"' ? '\'' : msg[n];
	out[n] = '\0';
}

/* read_password - database_password_file, with the checks of a key file (keys.h) */
static bool read_password(const char *path, char **out, char *err, size_t errsz)
{
	return keys_load_line(path, PG_PASSWORD_CAP, "the database password", out, err, errsz);
}

/* describe - postgresql://HOST:PORT/DBNAME from the URI's own parts; false if libpq cannot parse it */
static bool describe(const char *uri, char *out, size_t outsz, char *err, size_t errsz)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &perr);
	const char *host = "", *port = "", *db = "";

	if (opts == NULL) {
		char line[200];

		first_line(perr, line, sizeof(line));
		PQfreemem(perr);
		/* Security: libpq's message about the syntax, never the URI (it may hold a password). */
		return errmsg_set(err, errsz, "database: not a usable PostgreSQL URI: %s", line);
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
	}
	snprintf(out, outsz, "postgresql://%s:%s/%s", host[0] ? host : "localhost", port[0] ? port : "5432", db);
	PQconninfoFree(opts);
	return true;
}

static PGconn *connect_db(struct store_pg *st)
{
	const char *kw[] = { "dbname", "password", "connect_timeout", "application_name", "keepalives_idle", NULL };
	const char *val[] = { st->uri, st->password, "5", "otpd", "30", NULL };

	if (st->password == NULL) {
		kw[1] = "connect_timeout";
		val[1] = "5";
	}
	return PQconnectdbParams(kw, val, 1);
}

static void quiet(void *arg, const char *msg)
{
	/* NOTICEs ("already exists, skipping") are not otpd's to print on stderr. */
	(void)arg;
	(void)msg;
}

/* prepare - the statements every transaction uses, once per connection */
static bool prepare(PGconn *pg)
{
	PQsetNoticeProcessor(pg, quiet, NULL);
	for (size_t i = 0; i < N_STMTS; i++) {
		PGresult *r = PQprepare(pg, stmts[i].name, stmts[i].sql, stmts[i].nparams, stmts[i].types);
		bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;

		PQclear(r);
		if (!ok)
			return false;
	}
	return true;
}

/* conn_ready - connect (or reconnect) and prepare; false with PostgreSQL's reason logged once per outage */
static bool conn_ready(struct store_pg *st, struct conn *c)
{
	char why[CAP_DB_ERROR_BYTES];

	if (c->ready && PQstatus(c->pg) == CONNECTION_OK)
		return true;
	c->ready = false;
	if (c->pg == NULL)
		c->pg = connect_db(st);
	else
		PQreset(c->pg);
	if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK && prepare(c->pg)) {
		c->ready = true;
		if (st->down_logged) {
			st->down_logged = false;
			log_info("event=store_reconnected database=%s", st->base.where);
		}
		return true;
	}
	first_line(c->pg ? PQerrorMessage(c->pg) : "out of memory", why, sizeof(why));
	if (!st->down_logged) {
		st->down_logged = true;
		log_error("event=store_unavailable database=%s error=\"%s\"", st->base.where, why);
	}
	return false;
}

static struct conn *acquire(struct store_pg *st)
{
	struct conn *c = NULL;

	pthread_mutex_lock(&st->lock);
	for (;;) {
		for (unsigned i = 0; i < st->nconns && c == NULL; i++)
			if (!st->conns[i].busy)
				c = &st->conns[i];
		if (c != NULL)
			break;
		pthread_cond_wait(&st->freed, &st->lock);
	}
	c->busy = true;
	pthread_mutex_unlock(&st->lock);
	if (!conn_ready(st, c)) {
		pthread_mutex_lock(&st->lock);
		c->busy = false;
		pthread_cond_signal(&st->freed);
		pthread_mutex_unlock(&st->lock);
		return NULL;
	}
	return c;
}

static void release(struct store_pg *st, struct conn *c)
{
	pthread_mutex_lock(&st->lock);
	c->busy = false;
	pthread_cond_signal(&st->freed);
	pthread_mutex_unlock(&st->lock);
}

/* simple - one statement without parameters; true on success */
static bool simple(PGconn *pg, const char *sql, char *why, size_t whysz)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType rs = PQresultStatus(r);
	bool ok = rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK;

	if (!ok && why != NULL)
		first_line(PQresultErrorMessage(r), why, whysz);
	PQclear(r);
	return ok;
}

/* migrate - bring the schema to SCHEMA_VERSION (the first host to take the lock does it) */
static bool migrate(struct store_pg *st, PGconn *pg, char *err, size_t errsz)
{
	char why[CAP_DB_ERROR_BYTES] = "", sql[96];
	PGresult *r;
	int version = 0;

	if (!simple(pg, "BEGIN", why, sizeof(why)) ||
	    !simple(pg, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", why, sizeof(why)) ||
	    !simple(pg, "CREATE TABLE IF NOT EXISTS guestlink_schema (version integer NOT NULL)", why, sizeof(why)))
		goto bad;
	r = PQexec(pg, "SELECT max(version) FROM guestlink_schema");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		first_line(PQresultErrorMessage(r), why, sizeof(why));
		PQclear(r);
		goto bad;
	}
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
		const char *p = PQgetvalue(r, 0, 0);

		for (; *p >= '0' && *p <= '9' && version < 1000000; p++)
			version = version * 10 + (*p - '0');
	}
	PQclear(r);
	if (version > SCHEMA_VERSION) {
		simple(pg, "ROLLBACK", NULL, 0);
		return errmsg_set(err, errsz, "%s: schema version %d is newer than this otpd knows (%d): upgrade otpd",
				  st->base.where, version, SCHEMA_VERSION);
	}
	for (int v = version; v < SCHEMA_VERSION; v++) {
		if (!simple(pg, migrations[v], why, sizeof(why)))
			goto bad;
		snprintf(sql, sizeof(sql), "DELETE FROM guestlink_schema; INSERT INTO guestlink_schema VALUES (%d)", v + 1);
		if (!simple(pg, sql, why, sizeof(why)))
			goto bad;
		log_info("event=store_migrated database=%s schema_version=%d", st->base.where, v + 1);
	}
	if (!simple(pg, "COMMIT", why, sizeof(why)))
		goto bad;
	return true;
bad:
	simple(pg, "ROLLBACK", NULL, 0);
	return errmsg_set(err, errsz, "%s: cannot set up the schema: %s", st->base.where, why);
}

static void pg_close(struct store *s)
{
	struct store_pg *st = P(s);

	for (unsigned i = 0; st->conns != NULL && i < st->nconns; i++)
		if (st->conns[i].pg != NULL)
			PQfinish(st->conns[i].pg);
	free(st->conns);
	for (size_t i = 0; st->cache != NULL && i < CACHE_SLOTS; i++)
		free(st->cache[i].data);
	free(st->cache);
	if (st->uri != NULL) {
		sodium_memzero(st->uri, strlen(st->uri));
		free(st->uri);
	}
	if (st->password != NULL)
		sodium_free(st->password);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->freed);
	pthread_mutex_destroy(&st->cache_lock);
	free(st);
}

struct store *store_pg_open(const char *uri, const struct store_opts *o, char *err, size_t errsz)
{
	struct store_pg *st = calloc(1, sizeof(*st));
	char why[CAP_DB_ERROR_BYTES];

	if (st == NULL) {
		errmsg_set(err, errsz, "out of memory");
		return NULL;
	}
	st->base.ops = &pg_ops;
	st->base.shared = true;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->freed, NULL);
	pthread_mutex_init(&st->cache_lock, NULL);
	st->nconns = o->connections == 0 ? PG_DEFAULT_CONNS : o->connections > PG_MAX_CONNS ? PG_MAX_CONNS
											    : o->connections;
	if (!describe(uri, st->base.where, sizeof(st->base.where), err, errsz))
		goto bad;
	if (o->password_file != NULL && o->password_file[0] != '\0' &&
	    !read_password(o->password_file, &st->password, err, errsz))
		goto bad;
	st->uri = strdup(uri);
	st->conns = calloc(st->nconns, sizeof(*st->conns));
	st->cache = calloc(CACHE_SLOTS, sizeof(*st->cache));
	if (st->uri == NULL || st->conns == NULL || st->cache == NULL) {
		errmsg_set(err, errsz, "out of memory");
		goto bad;
	}
	/* One connection now: it proves the URI, the password and the database, and migrates. */
	st->conns[0].pg = connect_db(st);
	if (st->conns[0].pg == NULL || PQstatus(st->conns[0].pg) != CONNECTION_OK) {
		first_line(st->conns[0].pg ? PQerrorMessage(st->conns[0].pg) : "out of memory", why, sizeof(why));
		errmsg_set(err, errsz, "%s: cannot connect: %s", st->base.where, why);
		goto bad;
	}
	PQsetNoticeProcessor(st->conns[0].pg, quiet, NULL);
	if (!migrate(st, st->conns[0].pg, err, errsz))
		goto bad;
	if (!prepare(st->conns[0].pg)) {
		first_line(PQerrorMessage(st->conns[0].pg), why, sizeof(why));
		errmsg_set(err, errsz, "%s: %s", st->base.where, why);
		goto bad;
	}
	st->conns[0].ready = true;
	return &st->base;
bad:
	pg_close(&st->base);
	return NULL;
}

/* --- the read cache --- */

static bool cacheable(enum store_db db)
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

static bool hold(struct store_txn_pg *t, void *p, bool is_result)
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

static void release_held(struct store_txn_pg *t)
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
static bool cache_get(struct store_txn_pg *t, int db, const void *key, size_t klen, struct store_val *out)
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
	    mono_ms() - e->at_ms < STORE_PG_CACHE_MS && (copy = malloc(e->len ? e->len : 1)) != NULL) {
		memcpy(copy, e->data, e->len);
		out->data = copy;
		out->len = e->len;
		out->expires_at = e->expires_at;
		hit = true;
	}
	pthread_mutex_unlock(&st->cache_lock);
	if (hit && !hold(t, copy, false)) {
		free(copy);
		return false;
	}
	return hit;
}

static void cache_put(struct store_pg *st, int db, const void *key, size_t klen, const struct store_val *v,
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

static void cache_drop(struct store_pg *st, int db, const void *key, size_t klen)
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

static void cache_clear(struct store_pg *st)
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
static void touch(struct store_txn_pg *t, int db, const void *key, size_t klen)
{
	if (!cacheable((enum store_db)db))
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

/* --- statements --- */

/* note_failure - a statement failed: the transaction is dead; say whether a rerun may cure it */
static void note_failure(struct store_txn_pg *t, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	char why[CAP_DB_ERROR_BYTES];

	t->failed = true;
	if (state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)) {
		t->retry = true;
		return;
	}
	if (PQstatus(t->c->pg) != CONNECTION_OK) {
		t->lost = true;
		t->c->ready = false;
		return;
	}
	first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(t->c->pg), why, sizeof(why));
	log_error("event=store_error database=%s sqlstate=%s error=\"%s\"", t->st->base.where, state ? state : "-",
		  why);
}

/* --- the pipeline ---
 * A transaction's statements go out in libpq's pipeline mode: BEGIN, every put and a range read's lock are
 * sent without waiting for their answers, which are read with the next statement that needs its own answer
 * (a get, a delete, a page of each) or with COMMIT and the Sync that ends the transaction. A code issue went
 * from 11 round trips to 4, and a key lock is held that much shorter. A put that failed fails the
 * transaction at its next answered statement or at COMMIT (callbacks have no side effects outside it). */

#define MAX_UNANSWERED 256

/* collect - read the answers of the statements sent so far, in order; the last one's result when keep_last
 * and it is what was wanted (else NULL). The first failure is noted when note. */
static PGresult *collect(struct store_txn_pg *t, bool keep_last, ExecStatusType want, bool note)
{
	PGresult *last = NULL;

	while (t->pending > 0) {
		PGresult *r = PQgetResult(t->c->pg), *x;
		bool is_last = t->pending == 1;
		ExecStatusType rs;

		if (r == NULL) {
			/* The connection went (or the answers are out of step): reset it before its next use. */
			t->pending = 0;
			t->broken = true;
			t->c->ready = false;
			if (!t->failed)
				note_failure(t, NULL);
			t->failed = true;
			break;
		}
		rs = PQresultStatus(r);
		while ((x = PQgetResult(t->c->pg)) != NULL)	/* each statement's answers end with a NULL */
			PQclear(x);
		t->pending--;
		if (rs == PGRES_PIPELINE_ABORTED) {	/* skipped after an earlier failure, noted then */
			t->failed = true;
			PQclear(r);
			continue;
		}
		if (is_last && keep_last && rs == want && !t->failed) {
			last = r;
			continue;
		}
		if (is_last && keep_last ? rs != want : rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
			if (note && !t->failed)
				note_failure(t, r);
			t->failed = true;
		}
		PQclear(r);
	}
	return last;
}

/* send - one statement into the pipeline: a prepared one (name) or sql without parameters */
static bool send(struct store_txn_pg *t, const char *name, const char *sql, int n, const char *const *vals,
		 const int *lens)
{
	static const int fmts[6] = { 1, 1, 1, 1, 1, 1 };
	int ok = name != NULL ? PQsendQueryPrepared(t->c->pg, name, n, vals, lens, fmts, 1)
			      : PQsendQueryParams(t->c->pg, sql, 0, NULL, NULL, NULL, NULL, 1);

	if (!ok) {
		note_failure(t, NULL);
		t->c->ready = false;
		t->broken = true;
		return false;
	}
	t->pending++;
	return true;
}

/* flush - send what is queued and ask the server for its answers so far */
static bool flush(struct store_txn_pg *t)
{
	if (PQsendFlushRequest(t->c->pg) == 1 && PQflush(t->c->pg) == 0)
		return true;
	note_failure(t, NULL);
	t->c->ready = false;
	t->broken = true;
	return false;
}

static bool begin(struct store_txn_pg *t)
{
	if (t->c != NULL)
		return true;
	if ((t->c = acquire(t->st)) == NULL) {
		t->failed = true;
		return false;
	}
	if (PQenterPipelineMode(t->c->pg) != 1) {
		note_failure(t, NULL);
		t->c->ready = false;
		return false;
	}
	t->pipelined = true;
	return send(t, NULL,
		    t->write ? "BEGIN ISOLATION LEVEL READ COMMITTED" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		    0, NULL, NULL);
}

/* exec - a prepared statement in t's transaction, answered now; the result (NULL when dead) */
static PGresult *exec(struct store_txn_pg *t, const char *name, int n, const char *const *vals, const int *lens,
		      ExecStatusType want)
{
	if (t->failed || !begin(t) || !send(t, name, NULL, n, vals, lens) || !flush(t))
		return NULL;
	return collect(t, true, want, true);
}

/* exec_later - a prepared statement whose answer is read with the next answered one (or at COMMIT) */
static bool exec_later(struct store_txn_pg *t, const char *name, int n, const char *const *vals, const int *lens)
{
	if (t->failed || !begin(t) || !send(t, name, NULL, n, vals, lens))
		return false;
	/* Bounded: a transaction of thousands of puts (otpctl migrate) reads its answers now and then. */
	if (t->pending >= MAX_UNANSWERED && flush(t))
		collect(t, false, PGRES_COMMAND_OK, true);
	return !t->failed;
}

/* end_pipeline - the Sync that closes t's statements, every answer read (failures noted when note), out of
 * pipeline mode; a transaction left open by a failure is rolled back */
static void end_pipeline(struct store_txn_pg *t, bool note)
{
	PGconn *pg = t->c->pg;
	PGresult *r;

	if (t->pipelined) {
		if (!t->broken && PQpipelineSync(pg) == 1) {
			collect(t, false, PGRES_COMMAND_OK, note);
			if (!t->broken) {
				r = PQgetResult(pg);
				if (r == NULL || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
					t->c->ready = false;
				PQclear(r);
			}
		} else {
			if (note && !t->failed)
				note_failure(t, NULL);
			t->failed = true;
			t->c->ready = false;
		}
		t->pending = 0;
		if (PQexitPipelineMode(pg) != 1)
			t->c->ready = false;
		t->pipelined = false;
	}
	if (PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE)
		PQclear(PQexec(pg, "ROLLBACK"));
}

static uint64_t clamp(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v;
}

/* key_lock - the two integers of the advisory lock that stands for (db, key) in every host: a hash, so two keys
 * may share a lock (they then wait for each other, nothing worse) */
static void key_lock(int db, const void *key, size_t klen, uint8_t l1[4], uint8_t l2[4])
{
	uint8_t h[8], dbv[4];
	crypto_generichash_state gs;

	be_put(dbv, (uint64_t)db, 4);
	crypto_generichash_init(&gs, NULL, 0, sizeof(h));
	crypto_generichash_update(&gs, dbv, sizeof(dbv));
	crypto_generichash_update(&gs, key, klen);
	crypto_generichash_final(&gs, h, sizeof(h));
	memcpy(l1, h, 4);
	memcpy(l2, h + 4, 4);
}

static enum store_status pg_get(struct store_txn *pt, enum store_db db, const void *key, size_t klen, uint64_t now,
				struct store_val *out)
{
	struct store_txn_pg *t = PT(pt);
	uint8_t dbv[4], l1[4], l2[4];
	const char *vals[4] = { (const char *)dbv, key, (const char *)l1, (const char *)l2 };
	int lens[4] = { 4, (int)klen, 4, 4 };
	uint64_t at = mono_ms();
	PGresult *r;

	if (t->failed)
		return STORE_ERROR;
	if (!t->write && cacheable(db) && cache_get(t, (int)db, key, klen, out))
		return out->expires_at > now ? STORE_OK : STORE_NOTFOUND;
	be_put(dbv, (uint64_t)db, 4);
	/* A write transaction reads under the key's lock, held to its end: nobody changes (or creates) what it
	 * read before it commits. */
	if (t->write)
		key_lock((int)db, key, klen, l1, l2);
	if ((r = exec(t, t->write ? "get_w" : "get", t->write ? 4 : 2, vals, lens, PGRES_TUPLES_OK)) == NULL)
		return STORE_ERROR;
	if (PQntuples(r) != 1 || PQgetlength(r, 0, 1) != 8) {
		PQclear(r);
		return STORE_NOTFOUND;
	}
	if (!hold(t, r, true)) {
		PQclear(r);
		t->failed = true;
		return STORE_ERROR;
	}
	out->data = PQgetvalue(r, 0, 0);
	out->len = (size_t)PQgetlength(r, 0, 0);
	out->expires_at = be_get((const uint8_t *)PQgetvalue(r, 0, 1), 8);
	if (!t->write && cacheable(db))
		cache_put(t->st, (int)db, key, klen, out, at);
	return out->expires_at > now ? STORE_OK : STORE_NOTFOUND;
}

static enum store_status pg_put(struct store_txn *pt, enum store_db db, const void *key, size_t klen, const void *val,
				size_t vlen, uint64_t expires_at)
{
	struct store_txn_pg *t = PT(pt);
	uint8_t dbv[4], exp[8], l1[4], l2[4];
	const char *vals[6] = { (const char *)dbv, key, vlen ? val : "", (const char *)exp, (const char *)l1,
				(const char *)l2 };
	int lens[6] = { 4, (int)klen, (int)vlen, 8, 4, 4 };

	if (vlen > CAP_RECORD_BYTES || !t->write)
		return STORE_ERROR;
	be_put(dbv, (uint64_t)db, 4);
	be_put(exp, clamp(expires_at), 8);
	key_lock((int)db, key, klen, l1, l2);
	if (!exec_later(t, "put_w", 6, vals, lens))
		return STORE_ERROR;
	touch(t, (int)db, key, klen);
	return STORE_OK;
}

static enum store_status pg_del(struct store_txn *pt, enum store_db db, const void *key, size_t klen)
{
	struct store_txn_pg *t = PT(pt);
	uint8_t dbv[4], l1[4], l2[4];
	const char *vals[4] = { (const char *)dbv, key, (const char *)l1, (const char *)l2 };
	int lens[4] = { 4, (int)klen, 4, 4 };
	PGresult *r;
	bool gone;

	if (!t->write)
		return STORE_ERROR;
	be_put(dbv, (uint64_t)db, 4);
	key_lock((int)db, key, klen, l1, l2);
	if ((r = exec(t, "del_w", 4, vals, lens, PGRES_TUPLES_OK)) == NULL)
		return STORE_ERROR;
	gone = PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 8 && be_get((const uint8_t *)PQgetvalue(r, 0, 0), 8) > 0;
	PQclear(r);
	touch(t, (int)db, key, klen);
	return gone ? STORE_OK : STORE_NOTFOUND;
}

static enum store_status pg_each(struct store_txn *pt, enum store_db db, uint64_t now, store_each_fn fn, void *arg)
{
	struct store_txn_pg *t = PT(pt);
	uint8_t dbv[4], nowv[8];
	const char *vals[3] = { (const char *)dbv, (const char *)nowv, NULL };
	int lens[3] = { 4, 8, 0 };
	PGresult *r;
	bool more = true;

	be_put(dbv, (uint64_t)db, 4);
	be_put(nowv, clamp(now), 8);
	/* A write transaction's range read: the whole database's lock, so no put or delete in it (each shares
	 * that lock) lands in the range before this transaction ends. */
	if (t->write && !exec_later(t, "lock_db", 1, vals, lens))
		return STORE_ERROR;
	/* Pages after the first start past the last key of the one before (held: it is the parameter). The pages
	 * see one snapshot in a read transaction; in a write transaction the database's lock keeps the range. */
	while (more) {
		int n;

		if ((r = exec(t, vals[2] == NULL ? "each" : "each_next", vals[2] == NULL ? 2 : 3, vals, lens,
			      PGRES_TUPLES_OK)) == NULL)
			return STORE_ERROR;
		if (!hold(t, r, true)) {
			PQclear(r);
			t->failed = true;
			return STORE_ERROR;
		}
		n = PQntuples(r);
		more = n == EACH_PAGE;
		for (int i = 0; i < n; i++) {
			struct store_val v = {
				.data = PQgetvalue(r, i, 1),
				.len = (size_t)PQgetlength(r, i, 1),
				.expires_at = PQgetlength(r, i, 2) == 8 ? be_get((const uint8_t *)PQgetvalue(r, i, 2), 8)
									 : 0,
			};

			if (v.expires_at > now && !fn(PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0), &v, arg))
				return STORE_OK;
		}
		if (n > 0) {
			vals[2] = PQgetvalue(r, n - 1, 0);
			lens[2] = PQgetlength(r, n - 1, 0);
		}
	}
	return STORE_OK;
}

/* --- transactions --- */

/* finish - commit or roll back; STORE_OK only when PostgreSQL said COMMIT */
static enum store_status finish(struct store_txn_pg *t, enum store_status s, bool *committed_unknown)
{
	*committed_unknown = false;
	/* A transaction that needed no statement (a read served from the cache) still proves the database
	 * is there when it touched nothing at all (/healthz's empty read), so that one begins here. */
	if (t->c == NULL && !t->failed && t->nheld == 0)
		begin(t);
	/* Security: no connection could be had (PostgreSQL down): whatever the callback decided on what it
	 * could not read is not committed, so it is an error, never its STORE_OK. */
	if (t->c == NULL)
		return t->failed ? STORE_ERROR : s;
	if (!t->failed && s == STORE_OK && t->write) {
		/* COMMIT goes with the puts not answered yet; a failure of any of them is the transaction's. */
		send(t, NULL, "COMMIT", 0, NULL, NULL);
		end_pipeline(t, true);
		/* Security: the connection died in the batch that carried COMMIT: it may have committed or not;
		 * report a failure (503) rather than run the callback again and, say, issue a second code. */
		if (t->lost)
			*committed_unknown = true;
		return t->failed ? STORE_ERROR : STORE_OK;
	}
	/* A read commits (its BEGIN may not be answered yet: /healthz's empty read checks it here); a write
	 * the callback did not want, or that failed, rolls back, and its unanswered puts do not matter. */
	if (!t->failed && PQstatus(t->c->pg) == CONNECTION_OK)
		send(t, NULL, t->write ? "ROLLBACK" : "COMMIT", 0, NULL, NULL);
	end_pipeline(t, !t->write);
	return t->failed ? STORE_ERROR : s;
}

static void txn_reset(struct store_txn_pg *t)
{
	release_held(t);
	if (t->c != NULL)
		release(t->st, t->c);
	t->c = NULL;
	t->failed = t->retry = t->lost = t->broken = t->pipelined = false;
	t->pending = 0;
	t->ntouched = 0;
	t->touched_overflow = false;
}

static enum store_status run(struct store *s, bool write, store_fn fn, void *arg)
{
	struct store_txn_pg t = { .base = { &pg_ops }, .st = P(s), .write = write };
	enum store_status res = STORE_ERROR;
	int lost = 0, reruns = 0;

	for (int i = 0; i < PG_TRIES; i++) {
		bool unknown;

		res = fn(&t.base, arg);
		res = finish(&t, res, &unknown);
		if (res == STORE_OK && write) {
			if (t.touched_overflow)
				cache_clear(t.st);
			for (size_t j = 0; j < t.ntouched; j++)
				cache_drop(t.st, t.touched[j].db, t.touched[j].key, t.touched[j].klen);
		}
		if (t.retry) {
			reruns++;
			txn_reset(&t);
			/* Back off a little, more each time, so the hosts stop colliding. */
			usleep((useconds_t)(randombytes_uniform(1000u << (i < 5 ? i : 5)) + 100));
			continue;
		}
		/* A connection lost before COMMIT: nothing was written; once more on a fresh one. */
		if (t.lost && !unknown && lost++ < 1) {
			txn_reset(&t);
			continue;
		}
		break;
	}
	/* (txn_reset clears t.retry, so the reruns say whether the last try failed too) */
	if (reruns >= PG_TRIES)
		log_error("event=store_error database=%s reason=serialization_failures attempts=%d",
			  t.st->base.where, PG_TRIES);
	else if (reruns > 0)
		/* Countable: key locks leave only deadlocks (40P01) to rerun, so this should be rare. */
		log_info("event=store_rerun database=%s reruns=%d", t.st->base.where, reruns);
	txn_reset(&t);
	free(t.held);
	free(t.held_is_result);
	free(t.touched);
	return res;
}

static enum store_status pg_write(struct store *s, store_fn fn, void *arg)
{
	return run(s, true, fn, arg);
}

static enum store_status pg_read(struct store *s, store_fn fn, void *arg)
{
	return run(s, false, fn, arg);
}

static void pg_set_batch(struct store *s, unsigned max)
{
	/* PostgreSQL has its own group commit (commit_delay); each transaction commits itself. */
	(void)s;
	(void)max;
}

static size_t pg_sweep(struct store *s, uint64_t now)
{
	struct store_pg *st = P(s);
	struct conn *c = acquire(st);
	uint8_t nowv[8];
	const char *vals[1] = { (const char *)nowv };
	static const int lens[1] = { 8 }, fmts[1] = { 1 };
	size_t total = 0, n;

	if (c == NULL)
		return 0;
	be_put(nowv, clamp(now), 8);
	do {
		PGresult *r = PQexecPrepared(c->pg, "sweep", 1, vals, lens, fmts, 1);
		const char *p;

		n = 0;
		if (PQresultStatus(r) == PGRES_COMMAND_OK)
			for (p = PQcmdTuples(r); *p >= '0' && *p <= '9'; p++)
				n = n * 10 + (size_t)(*p - '0');
		else if (PQstatus(c->pg) != CONNECTION_OK)
			c->ready = false;
		PQclear(r);
		total += n;
	} while (n >= PG_SWEEP_BATCH);
	release(st, c);
	/* Reads already treat what was swept as absent; dropping the cache too keeps it from outliving the row. */
	if (total > 0)
		cache_clear(st);
	return total;
}

static void pg_check_readers(struct store *s)
{
	/* LMDB's reader table has no PostgreSQL counterpart. */
	(void)s;
}

static const struct store_ops pg_ops = {
	.close = pg_close,
	.write = pg_write,
	.set_batch = pg_set_batch,
	.read = pg_read,
	.get = pg_get,
	.put = pg_put,
	.del = pg_del,
	.each = pg_each,
	.sweep = pg_sweep,
	.check_readers = pg_check_readers,
};
