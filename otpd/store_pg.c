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
#include "store_pg_impl.h"
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
static const struct store_ops pg_ops;

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
	if (!pgs_describe(uri, st->base.where, sizeof(st->base.where), err, errsz))
		goto bad;
	if (o->password_file != NULL && o->password_file[0] != '\0' &&
	    !pgs_read_password(o->password_file, &st->password, err, errsz))
		goto bad;
	st->uri = strdup(uri);
	st->conns = calloc(st->nconns, sizeof(*st->conns));
	st->cache = calloc(CACHE_SLOTS, sizeof(*st->cache));
	if (st->uri == NULL || st->conns == NULL || st->cache == NULL) {
		errmsg_set(err, errsz, "out of memory");
		goto bad;
	}
	/* One connection now: it proves the URI, the password and the database, and migrates. */
	st->conns[0].pg = pgs_connect_db(st);
	if (st->conns[0].pg == NULL || PQstatus(st->conns[0].pg) != CONNECTION_OK) {
		pgs_first_line(st->conns[0].pg ? PQerrorMessage(st->conns[0].pg) : "out of memory", why, sizeof(why));
		errmsg_set(err, errsz, "%s: cannot connect: %s", st->base.where, why);
		goto bad;
	}
	PQsetNoticeProcessor(st->conns[0].pg, pgs_quiet, NULL);
	if (!pgs_migrate(st, st->conns[0].pg, err, errsz))
		goto bad;
	if (!pgs_prepare(st->conns[0].pg)) {
		pgs_first_line(PQerrorMessage(st->conns[0].pg), why, sizeof(why));
		errmsg_set(err, errsz, "%s: %s", st->base.where, why);
		goto bad;
	}
	st->conns[0].ready = true;
	return &st->base;
bad:
	pg_close(&st->base);
	return NULL;
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
	pgs_first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(t->c->pg), why, sizeof(why));
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
	if ((t->c = pgs_acquire(t->st)) == NULL) {
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
	uint64_t at = pgs_mono_ms();
	PGresult *r;

	if (t->failed)
		return STORE_ERROR;
	if (!t->write && pgs_cacheable(db) && pgs_cache_get(t, (int)db, key, klen, out))
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
	if (!pgs_hold(t, r, true)) {
		PQclear(r);
		t->failed = true;
		return STORE_ERROR;
	}
	out->data = PQgetvalue(r, 0, 0);
	out->len = (size_t)PQgetlength(r, 0, 0);
	out->expires_at = be_get((const uint8_t *)PQgetvalue(r, 0, 1), 8);
	if (!t->write && pgs_cacheable(db))
		pgs_cache_put(t->st, (int)db, key, klen, out, at);
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
	pgs_touch(t, (int)db, key, klen);
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
	pgs_touch(t, (int)db, key, klen);
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
		if (!pgs_hold(t, r, true)) {
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
	pgs_release_held(t);
	if (t->c != NULL)
		pgs_release(t->st, t->c);
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
				pgs_cache_clear(t.st);
			for (size_t j = 0; j < t.ntouched; j++)
				pgs_cache_drop(t.st, t.touched[j].db, t.touched[j].key, t.touched[j].klen);
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
	struct conn *c = pgs_acquire(st);
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
	pgs_release(st, c);
	/* Reads already treat what was swept as absent; dropping the cache too keeps it from outliving the row. */
	if (total > 0)
		pgs_cache_clear(st);
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
