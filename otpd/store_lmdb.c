/*
 * store_lmdb.c - the LMDB side of store.h (store.c dispatches here for a directory).
 *
 * Record layout: 8-byte big-endian expiry (seconds since the epoch), then
 * the payload. Growing the map (mdb_env_set_mapsize) is only allowed while
 * this process has no transaction open, so every transaction holds a read
 * lock on st->resize and growth takes it for writing.
 *
 * Group commit: LMDB has one writer at a time and each commit costs two
 * fsyncs (~2,600 durable commits/s here). store_write() callers queue; the
 * first becomes the leader, takes up to write_batch queued requests, runs
 * each callback in a nested transaction of one parent (an aborting or
 * failing callback only rolls back its own child) and commits the parent
 * once; then every request of the batch returns. Requests that arrive
 * during that fsync form the next batch, so a lone request waits for no
 * one, and no reply is sent before its write is durable. If anything in a
 * batch fails below the callbacks (map full, map resized, the commit), the
 * batch is rolled back and each request runs again alone, as before.
 *
 * Gathering: the writers of one batch come back at about the same time (each
 * answers its client, reads the next request, prepares it), but not at the
 * same instant, so a leader that took only what was queued ran batches of
 * 1, 3, 1, 3: the first back committed alone while the rest queued behind
 * it. So a leader that finds fewer queued than its last batch held waits for
 * them, at most a quarter of the recent commit time and STORE_GATHER_MAX_US.
 * What it waits for adapts: one more than came when all it waited for came
 * (so batches grow to the number of writers), what came when the wait ran
 * out. So a lone writer waits that short while at most every other write.
 *
 * Reads reuse their transactions: a finished read is reset (mdb_txn_reset:
 * it keeps its reader slot, holds no snapshot) and kept for the next read,
 * which renews it, instead of a malloc and a scan of the reader table under
 * its lock for every /auth.
 */
#include "store_impl.h"
#include "bytes.h"

#include "errmsg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"

#define STORE_INITIAL_MAP (16ull * 1024 * 1024)
#define STORE_WRITE_TRIES 8
#define STORE_SWEEP_BATCH 1000
#define STORE_GATHER_MAX_US 2000	/* the longest a leader waits for the rest of its batch */
#define STORE_IDLE_READERS 32	/* reset read transactions kept (about one per thread that reads) */

static const char *const db_names[STORE_NDB] = {
	"codes", "limits", "guests", "sessions", "invitations", "outbox", "audit",
};

/* A queued store_write() (group commit): lives on the caller's stack until done. */
struct write_req {
	store_fn fn;
	void *arg;
	enum store_status status;
	bool done;
	struct write_req *next;
};

struct store_lmdb {
	struct store base;	/* first: store.c's dispatch */
	MDB_env *env;
	MDB_dbi dbi[STORE_NDB];
	uint64_t max_size;
	pthread_rwlock_t resize;
	pthread_mutex_t wlock;		/* the write queue below */
	pthread_cond_t wdone;
	struct write_req *head, **tail;
	bool leader;			/* a thread is running a batch */
	unsigned batch_max;		/* 1: a commit per request */
	pthread_cond_t wqueued;		/* a request was queued (a gathering leader waits on it) */
	size_t n_queued;		/* requests in the queue */
	size_t expect;			/* how many the last batch held */
	uint64_t commit_ns;		/* recent time of one batch's transaction and commit (moving average) */
	pthread_mutex_t rlock;		/* the idle read transactions below */
	MDB_txn *idle[STORE_IDLE_READERS];
	size_t n_idle;
};

struct store_txn_lmdb {
	struct store_txn base;
	struct store_lmdb *st;
	MDB_txn *txn;
	int mdb_err;	/* first LMDB error inside the callback */
};

static const struct store_ops lmdb_ops;

static struct store_lmdb *L(struct store *s)
{
	return (struct store_lmdb *)s;
}

static struct store_txn_lmdb *LT(struct store_txn *t)
{
	return (struct store_txn_lmdb *)t;
}

static void lmdb_close(struct store *s);

struct store *store_lmdb_open(const char *dir, uint64_t max_size, char *err, size_t errsz)
{
	struct store_lmdb *st = calloc(1, sizeof(*st));
	pthread_rwlockattr_t attr;
	MDB_txn *txn = NULL;
	int rc, dead = 0;

	if (st == NULL) {
		errmsg_set(err, errsz, "out of memory");
		return NULL;
	}
	st->base.ops = &lmdb_ops;
	st->max_size = max_size;
	st->batch_max = 1;
	st->expect = 1;
	st->tail = &st->head;
	pthread_mutex_init(&st->wlock, NULL);
	pthread_cond_init(&st->wdone, NULL);
	{
		pthread_condattr_t ca;	/* gather() waits on CLOCK_MONOTONIC */

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&st->wqueued, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_mutex_init(&st->rlock, NULL);
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st->resize, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		errmsg_set(err, errsz, "%s: cannot create: %s", dir, strerror(errno));
		goto bad;
	}
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, STORE_NDB)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, STORE_INITIAL_MAP < max_size ? STORE_INITIAL_MAP : max_size)) != 0 ||
	    (rc = mdb_env_open(st->env, dir, MDB_NOTLS, 0600)) != 0) {
		errmsg_set(err, errsz, "%s: cannot open the database: %s", dir, mdb_strerror(rc));
		goto bad;
	}
	mdb_reader_check(st->env, &dead);
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
		errmsg_set(err, errsz, "%s: %s", dir, mdb_strerror(rc));
		goto bad;
	}
	for (int i = 0; i < STORE_NDB; i++) {
		if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &st->dbi[i])) != 0) {
			mdb_txn_abort(txn);
			errmsg_set(err, errsz, "%s: database %s: %s", dir, db_names[i], mdb_strerror(rc));
			goto bad;
		}
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		errmsg_set(err, errsz, "%s: %s", dir, mdb_strerror(rc));
		goto bad;
	}
	if (dead > 0)
		log_warn("event=store_stale_readers cleared=%d", dead);
	return &st->base;
bad:
	lmdb_close(&st->base);
	return NULL;
}

static void lmdb_close(struct store *s)
{
	struct store_lmdb *st = L(s);

	for (size_t i = 0; i < st->n_idle; i++)
		mdb_txn_abort(st->idle[i]);
	if (st->env != NULL)
		mdb_env_close(st->env);
	pthread_rwlock_destroy(&st->resize);
	pthread_mutex_destroy(&st->rlock);
	pthread_mutex_destroy(&st->wlock);
	pthread_cond_destroy(&st->wdone);
	pthread_cond_destroy(&st->wqueued);
	free(st);
}

bool store_lmdb_chown(const char *dir, uid_t uid, gid_t gid)
{
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	char path[CAP_PATH_BYTES];

	if (chown(dir, uid, gid) != 0)
		return false;
	for (size_t i = 0; i < 2; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, files[i]) >= sizeof(path))
			return false;
		if (chown(path, uid, gid) != 0 && errno != ENOENT)
			return false;
	}
	return true;
}

/* grow - double the map (up to max_size); false when already at the maximum */
static bool grow(struct store_lmdb *st)
{
	MDB_envinfo info;
	uint64_t size;
	bool ok = false;

	pthread_rwlock_wrlock(&st->resize);
	if (mdb_env_info(st->env, &info) == 0 && info.me_mapsize < st->max_size) {
		size = (uint64_t)info.me_mapsize * 2;
		if (size > st->max_size)
			size = st->max_size;
		ok = mdb_env_set_mapsize(st->env, (size_t)size) == 0;
		if (ok)
			log_info("event=store_grow map_size=%llu", (unsigned long long)size);
	}
	pthread_rwlock_unlock(&st->resize);
	return ok;
}

/* adopt_size - another process (otpctl) grew the map: take its size */
static void adopt_size(struct store_lmdb *st)
{
	pthread_rwlock_wrlock(&st->resize);
	mdb_env_set_mapsize(st->env, 0);
	pthread_rwlock_unlock(&st->resize);
}

static enum store_status map_err(int rc)
{
	if (rc == 0)
		return STORE_OK;
	if (rc == MDB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL)
		return STORE_FULL;
	return STORE_ERROR;
}

/* read_begin - a read transaction: an idle one renewed, else a new one */
static int read_begin(struct store_lmdb *st, MDB_txn **txn)
{
	MDB_txn *t = NULL;
	int rc;

	pthread_mutex_lock(&st->rlock);
	if (st->n_idle > 0)
		t = st->idle[--st->n_idle];
	pthread_mutex_unlock(&st->rlock);
	if (t != NULL) {
		if ((rc = mdb_txn_renew(t)) == 0) {
			*txn = t;
			return 0;
		}
		mdb_txn_abort(t);
		return rc;
	}
	return mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
}

/* read_end - reset a finished read and keep it for the next one (it holds no snapshot while idle) */
static void read_end(struct store_lmdb *st, MDB_txn *txn)
{
	mdb_txn_reset(txn);
	pthread_mutex_lock(&st->rlock);
	if (st->n_idle < STORE_IDLE_READERS) {
		st->idle[st->n_idle++] = txn;
		txn = NULL;
	}
	pthread_mutex_unlock(&st->rlock);
	if (txn != NULL)
		mdb_txn_abort(txn);
}

/* run - one attempt: begin, callback, commit or abort */
static enum store_status run(struct store_lmdb *st, bool write, store_fn fn, void *arg, int *mdb_rc)
{
	struct store_txn_lmdb t = { .base = { &lmdb_ops }, .st = st };
	enum store_status s;
	int rc;

	pthread_rwlock_rdlock(&st->resize);
	rc = write ? mdb_txn_begin(st->env, NULL, 0, &t.txn) : read_begin(st, &t.txn);
	if (rc != 0) {
		pthread_rwlock_unlock(&st->resize);
		*mdb_rc = rc;
		return map_err(rc) == STORE_FULL ? STORE_FULL : STORE_ERROR;
	}
	s = fn(&t.base, arg);
	if (s == STORE_OK && t.mdb_err != 0)
		s = map_err(t.mdb_err);
	if (s == STORE_OK && write) {
		rc = mdb_txn_commit(t.txn);
		s = map_err(rc);
		*mdb_rc = rc;
	} else if (!write) {
		read_end(st, t.txn);
		*mdb_rc = t.mdb_err;
	} else {
		mdb_txn_abort(t.txn);
		*mdb_rc = t.mdb_err;
	}
	pthread_rwlock_unlock(&st->resize);
	return s;
}

/*
 * error_reason - words for an LMDB failure in a log line. On a disk that is
 * (nearly) full a page write comes back short, which LMDB reports as EIO:
 * say what the admin has to do about it instead.
 */
static const char *error_reason(struct store_lmdb *st, int rc)
{
	struct statvfs vfs;
	int fd;

	if (rc == EIO && mdb_env_get_fd(st->env, &fd) == 0 && fstatvfs(fd, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < 1024 * 1024)
		return strerror(ENOSPC);	/* what it is, whatever LMDB called it */
	return mdb_strerror(rc);
}

static enum store_status run_retrying(struct store_lmdb *st, bool write, store_fn fn, void *arg)
{
	enum store_status s = STORE_ERROR;
	int rc = 0;

	for (int i = 0; i < STORE_WRITE_TRIES; i++) {
		s = run(st, write, fn, arg, &rc);
		if (rc == MDB_MAP_RESIZED) {
			adopt_size(st);
			continue;
		}
		if (s != STORE_FULL)
			break;
		if (!grow(st)) {
			log_error("event=store_full max_size=%llu", (unsigned long long)st->max_size);
			return STORE_FULL;
		}
	}
	/* reason= (not error=) for LMDB's message: tests/hardening/t-otpd-store-faults.sh greps it. */
	if (s == STORE_ERROR)
		log_error("event=store_error reason=\"%s\"", error_reason(st, rc));
	return s;
}

static void lmdb_set_batch(struct store *s, unsigned max)
{
	struct store_lmdb *st = L(s);

	st->batch_max = max < 1 ? 1 : max;
}

/* run_batch - n >= 2 requests in one parent transaction, one child each; false: run each alone */
static bool run_batch(struct store_lmdb *st, struct write_req *batch, size_t n)
{
	MDB_txn *parent;
	struct write_req *r = batch;
	bool ok = true;
	int rc;

	pthread_rwlock_rdlock(&st->resize);
	if (mdb_txn_begin(st->env, NULL, 0, &parent) != 0) {
		pthread_rwlock_unlock(&st->resize);
		return false;
	}
	for (size_t i = 0; i < n && ok; i++, r = r->next) {
		struct store_txn_lmdb t = { .base = { &lmdb_ops }, .st = st };

		if (mdb_txn_begin(st->env, parent, 0, &t.txn) != 0) {
			ok = false;
			break;
		}
		r->status = r->fn(&t.base, r->arg);
		if (r->status == STORE_OK && t.mdb_err != 0) {
			/* LMDB failed under the callback (map full, ...): the single path knows what to do. */
			mdb_txn_abort(t.txn);
			ok = false;
		} else if (r->status == STORE_OK) {
			ok = mdb_txn_commit(t.txn) == 0;
		} else {
			mdb_txn_abort(t.txn);
			ok = t.mdb_err == 0;
			if (ok && r->status == STORE_ERROR)	/* as run_retrying() logs it */
				log_error("event=store_error reason=\"%s\"", mdb_strerror(0));
		}
	}
	if (ok) {
		rc = mdb_txn_commit(parent);
		ok = rc == 0;
	} else {
		mdb_txn_abort(parent);
	}
	pthread_rwlock_unlock(&st->resize);
	return ok;
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* gather - wait (wlock held) for st->expect requests, for a short while; then set what the next one expects */
static void gather(struct store_lmdb *st)
{
	uint64_t wait_ns = st->commit_ns / 4, end;
	struct timespec until;
	bool full = true;

	if (st->expect > st->batch_max)
		st->expect = st->batch_max;
	if (st->n_queued >= st->expect)
		goto out;
	if (wait_ns > STORE_GATHER_MAX_US * 1000ull)
		wait_ns = STORE_GATHER_MAX_US * 1000ull;
	clock_gettime(CLOCK_MONOTONIC, &until);
	end = (uint64_t)until.tv_sec * 1000000000u + (uint64_t)until.tv_nsec + wait_ns;
	until.tv_sec = (time_t)(end / 1000000000u);
	until.tv_nsec = (long)(end % 1000000000u);
	while (st->n_queued < st->expect)
		if (pthread_cond_timedwait(&st->wqueued, &st->wlock, &until) != 0) {
			full = false;
			break;
		}
out:
	/* Came in full: try for one more next time; else expect what came. */
	st->expect = full ? st->n_queued + 1 : st->n_queued;
}

/* lead - run queued requests until mine is done (called and returns with wlock held) */
static void lead(struct store_lmdb *st, struct write_req *mine)
{
	while (!mine->done) {
		struct write_req *batch, *r, *last;
		size_t n = 0;
		uint64_t t0;

		gather(st);
		batch = r = last = st->head;
		for (; r != NULL && n < st->batch_max; r = r->next, n++)
			last = r;
		st->head = r;
		if (st->head == NULL)
			st->tail = &st->head;
		last->next = NULL;
		st->n_queued -= n;
		pthread_mutex_unlock(&st->wlock);
		t0 = mono_ns();
		if (n == 1 || !run_batch(st, batch, n)) {
			for (r = batch; r != NULL; r = r->next)
				r->status = run_retrying(st, true, r->fn, r->arg);
		}
		t0 = mono_ns() - t0;
		pthread_mutex_lock(&st->wlock);
		st->commit_ns = (3 * st->commit_ns + t0) / 4;
		for (r = batch; r != NULL; r = r->next)
			r->done = true;
		pthread_cond_broadcast(&st->wdone);
	}
}

static enum store_status lmdb_write(struct store *s, store_fn fn, void *arg)
{
	struct store_lmdb *st = L(s);
	struct write_req me = { .fn = fn, .arg = arg, .status = STORE_ERROR };

	if (st->batch_max <= 1)
		return run_retrying(st, true, fn, arg);
	pthread_mutex_lock(&st->wlock);
	*st->tail = &me;
	st->tail = &me.next;
	st->n_queued++;
	pthread_cond_signal(&st->wqueued);
	while (!me.done && st->leader)
		pthread_cond_wait(&st->wdone, &st->wlock);
	if (!me.done) {
		st->leader = true;
		lead(st, &me);
		st->leader = false;
		/* Someone queued behind my batch: wake them, one becomes the leader. */
		pthread_cond_broadcast(&st->wdone);
	}
	pthread_mutex_unlock(&st->wlock);
	return me.status;
}

static enum store_status lmdb_read(struct store *s, store_fn fn, void *arg)
{
	return run_retrying(L(s), false, fn, arg);
}

static enum store_status note(struct store_txn_lmdb *txn, int rc)
{
	if (rc != 0 && rc != MDB_NOTFOUND && txn->mdb_err == 0)
		txn->mdb_err = rc;
	return map_err(rc);
}

static bool decode(const MDB_val *v, uint64_t now, struct store_val *out)
{
	if (v->mv_size < 8)
		return false;
	out->expires_at = be_get(v->mv_data, 8);
	out->data = (const uint8_t *)v->mv_data + 8;
	out->len = v->mv_size - 8;
	return out->expires_at > now;
}

static enum store_status lmdb_get(struct store_txn *pt, enum store_db db, const void *key, size_t klen, uint64_t now,
				  struct store_val *out)
{
	struct store_txn_lmdb *txn = LT(pt);
	MDB_val k = { klen, (void *)(uintptr_t)key }, v;
	int rc = mdb_get(txn->txn, txn->st->dbi[db], &k, &v);

	if (rc != 0)
		return note(txn, rc);
	return decode(&v, now, out) ? STORE_OK : STORE_NOTFOUND;
}

static enum store_status lmdb_put(struct store_txn *pt, enum store_db db, const void *key, size_t klen, const void *val,
				  size_t vlen, uint64_t expires_at)
{
	struct store_txn_lmdb *txn = LT(pt);
	MDB_val k = { klen, (void *)(uintptr_t)key }, v = { vlen + 8, NULL };
	int rc;

	if (vlen > CAP_RECORD_BYTES)
		return STORE_ERROR;
	rc = mdb_put(txn->txn, txn->st->dbi[db], &k, &v, MDB_RESERVE);
	if (rc != 0)
		return note(txn, rc);
	be_put(v.mv_data, expires_at, 8);
	if (vlen > 0)
		memcpy((uint8_t *)v.mv_data + 8, val, vlen);
	return STORE_OK;
}

static enum store_status lmdb_del(struct store_txn *pt, enum store_db db, const void *key, size_t klen)
{
	struct store_txn_lmdb *txn = LT(pt);
	MDB_val k = { klen, (void *)(uintptr_t)key };

	return note(txn, mdb_del(txn->txn, txn->st->dbi[db], &k, NULL));
}

static enum store_status lmdb_each(struct store_txn *pt, enum store_db db, uint64_t now, store_each_fn fn, void *arg)
{
	struct store_txn_lmdb *txn = LT(pt);
	MDB_cursor *cur;
	MDB_val k, v;
	struct store_val sv;
	int rc = mdb_cursor_open(txn->txn, txn->st->dbi[db], &cur);

	if (rc != 0)
		return note(txn, rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (decode(&v, now, &sv) && !fn(k.mv_data, k.mv_size, &sv, arg))
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : note(txn, rc);
}

struct sweep {
	uint64_t now;
	size_t deleted;
	bool more;
};

static enum store_status sweep_some(struct store_txn *pt, void *arg)
{
	struct store_txn_lmdb *txn = LT(pt);
	struct sweep *sw = arg;
	size_t n = 0;

	sw->more = false;
	for (int db = 0; db < STORE_NDB; db++) {
		MDB_cursor *cur;
		MDB_val k, v;
		int rc = mdb_cursor_open(txn->txn, txn->st->dbi[db], &cur);

		if (rc != 0)
			return note(txn, rc);
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (v.mv_size >= 8 && be_get(v.mv_data, 8) > sw->now)
				continue;
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
			if (++n >= STORE_SWEEP_BATCH) {
				sw->more = true;
				break;
			}
		}
		mdb_cursor_close(cur);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return note(txn, rc);
		if (sw->more)
			break;
	}
	sw->deleted += n;
	return STORE_OK;
}

static size_t lmdb_sweep(struct store *st, uint64_t now)
{
	struct sweep sw = { .now = now };
	size_t before;

	do {
		before = sw.deleted;
		if (lmdb_write(st, sweep_some, &sw) != STORE_OK)
			break;
	} while (sw.more && sw.deleted > before);
	return sw.deleted;
}

static void lmdb_check_readers(struct store *s)
{
	struct store_lmdb *st = L(s);
	int dead = 0;

	if (mdb_reader_check(st->env, &dead) == 0 && dead > 0)
		log_warn("event=store_stale_readers cleared=%d", dead);
}

static const struct store_ops lmdb_ops = {
	.close = lmdb_close,
	.write = lmdb_write,
	.set_batch = lmdb_set_batch,
	.read = lmdb_read,
	.get = lmdb_get,
	.put = lmdb_put,
	.del = lmdb_del,
	.each = lmdb_each,
	.sweep = lmdb_sweep,
	.check_readers = lmdb_check_readers,
};
