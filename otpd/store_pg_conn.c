/*
 * store_pg_conn.c - the PostgreSQL store's connections: the pool, reconnecting, the prepared
 * statements, and the versioned schema with its migrations (see store_pg.c).
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

uint64_t pgs_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* first_line - libpq's message up to its first newline, for one log line */
void pgs_first_line(const char *msg, char *out, size_t outsz)
{
	size_t n = 0;

	for (; msg != NULL && msg[n] != '\0' && msg[n] != '\n' && n + 1 < outsz; n++)
		out[n] = msg[n] == '"' ? '\'' : msg[n];
	out[n] = '\0';
}

/* read_password - database_password_file, with the checks of a key file (keys.h) */
bool pgs_read_password(const char *path, char **out, char *err, size_t errsz)
{
	return keys_load_line(path, PG_PASSWORD_CAP, "the database password", out, err, errsz);
}

/* describe - postgresql://HOST:PORT/DBNAME from the URI's own parts; false if libpq cannot parse it */
bool pgs_describe(const char *uri, char *out, size_t outsz, char *err, size_t errsz)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &perr);
	const char *host = "", *port = "", *db = "";

	if (opts == NULL) {
		char line[200];

		pgs_first_line(perr, line, sizeof(line));
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

PGconn *pgs_connect_db(struct store_pg *st)
{
	const char *kw[] = { "dbname", "password", "connect_timeout", "application_name", "keepalives_idle", NULL };
	const char *val[] = { st->uri, st->password, "5", "otpd", "30", NULL };

	if (st->password == NULL) {
		kw[1] = "connect_timeout";
		val[1] = "5";
	}
	return PQconnectdbParams(kw, val, 1);
}

void pgs_quiet(void *arg, const char *msg)
{
	/* NOTICEs ("already exists, skipping") are not otpd's to print on stderr. */
	(void)arg;
	(void)msg;
}

/* prepare - the statements every transaction uses, once per connection */
bool pgs_prepare(PGconn *pg)
{
	PQsetNoticeProcessor(pg, pgs_quiet, NULL);
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
bool pgs_conn_ready(struct store_pg *st, struct conn *c)
{
	char why[CAP_DB_ERROR_BYTES];

	if (c->ready && PQstatus(c->pg) == CONNECTION_OK)
		return true;
	c->ready = false;
	if (c->pg == NULL)
		c->pg = pgs_connect_db(st);
	else
		PQreset(c->pg);
	if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK && pgs_prepare(c->pg)) {
		c->ready = true;
		if (st->down_logged) {
			st->down_logged = false;
			log_info("event=store_reconnected database=%s", st->base.where);
		}
		return true;
	}
	pgs_first_line(c->pg ? PQerrorMessage(c->pg) : "out of memory", why, sizeof(why));
	if (!st->down_logged) {
		st->down_logged = true;
		log_error("event=store_unavailable database=%s error=\"%s\"", st->base.where, why);
	}
	return false;
}

struct conn *pgs_acquire(struct store_pg *st)
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
	if (!pgs_conn_ready(st, c)) {
		pthread_mutex_lock(&st->lock);
		c->busy = false;
		pthread_cond_signal(&st->freed);
		pthread_mutex_unlock(&st->lock);
		return NULL;
	}
	return c;
}

void pgs_release(struct store_pg *st, struct conn *c)
{
	pthread_mutex_lock(&st->lock);
	c->busy = false;
	/* A lost connection: the server went away or restarted, so the idle ones were cut too, though libpq
	 * learns it only when their next query fails (the request that runs it would answer 503 after the
	 * server is back: tests/pg/t-pg-restart.sh). Each reconnects before its next use instead. */
	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK)
		for (unsigned i = 0; i < st->nconns; i++)
			if (!st->conns[i].busy)
				st->conns[i].ready = false;
	pthread_cond_signal(&st->freed);
	pthread_mutex_unlock(&st->lock);
}

/* simple - one statement without parameters; true on success */
bool pgs_simple(PGconn *pg, const char *sql, char *why, size_t whysz)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType rs = PQresultStatus(r);
	bool ok = rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK;

	if (!ok && why != NULL)
		pgs_first_line(PQresultErrorMessage(r), why, whysz);
	PQclear(r);
	return ok;
}

/* migrate - bring the schema to SCHEMA_VERSION (the first host to take the lock does it) */
bool pgs_migrate(struct store_pg *st, PGconn *pg, char *err, size_t errsz)
{
	char why[CAP_DB_ERROR_BYTES] = "", sql[96];
	PGresult *r;
	int version = 0;

	if (!pgs_simple(pg, "BEGIN", why, sizeof(why)) ||
	    !pgs_simple(pg, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", why, sizeof(why)) ||
	    !pgs_simple(pg, "CREATE TABLE IF NOT EXISTS guestlink_schema (version integer NOT NULL)", why, sizeof(why)))
		goto bad;
	r = PQexec(pg, "SELECT max(version) FROM guestlink_schema");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pgs_first_line(PQresultErrorMessage(r), why, sizeof(why));
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
		pgs_simple(pg, "ROLLBACK", NULL, 0);
		return errmsg_set(err, errsz, "%s: schema version %d is newer than this otpd knows (%d): upgrade otpd",
				  st->base.where, version, SCHEMA_VERSION);
	}
	for (int v = version; v < SCHEMA_VERSION; v++) {
		if (!pgs_simple(pg, migrations[v], why, sizeof(why)))
			goto bad;
		snprintf(sql, sizeof(sql), "DELETE FROM guestlink_schema; INSERT INTO guestlink_schema VALUES (%d)", v + 1);
		if (!pgs_simple(pg, sql, why, sizeof(why)))
			goto bad;
		log_info("event=store_migrated database=%s schema_version=%d", st->base.where, v + 1);
	}
	if (!pgs_simple(pg, "COMMIT", why, sizeof(why)))
		goto bad;
	return true;
bad:
	pgs_simple(pg, "ROLLBACK", NULL, 0);
	return errmsg_set(err, errsz, "%s: cannot set up the schema: %s", st->base.where, why);
}

