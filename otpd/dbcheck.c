/*
 * dbcheck.c - is the LMDB environment otpd is about to open its own, and whole? (see dbcheck.h)
 *
 * LMDB keeps no checksums: a data.mdb with sane meta pages and garbage
 * B-tree pages makes the first read fault (SIGBUS or SIGSEGV) inside
 * liblmdb. So the check reads every record of every database in a child
 * process, with an environment of its own (LMDB forbids using one across
 * fork): if the child dies of a signal, the file is corrupt and otpd says
 * so and refuses to start, instead of crashing. The child also refuses a
 * foreign environment: one whose main database holds anything but otpd's
 * named databases. Runs before any thread starts.
 */
#define _GNU_SOURCE
#include "dbcheck.h"

#include <errno.h>
#include <lmdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"

/* Child exit statuses. */
enum dbcheck_exit {
	DBCHECK_EXIT_OK,
	DBCHECK_EXIT_INVALID,	/* not an LMDB file (mdb_env_open) */
	DBCHECK_EXIT_FOREIGN,	/* something in the main database that is not one of ours */
	DBCHECK_EXIT_ERROR,	/* another LMDB error while reading */
};

static const char *const names[] = { "codes", "limits", "guests", "sessions", "invitations", "outbox", "audit" };
#define NNAMES (sizeof(names) / sizeof(names[0]))

static bool ours(const MDB_val *k)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (k->mv_size == strlen(names[i]) && memcmp(k->mv_data, names[i], k->mv_size) == 0)
			return true;
	return false;
}

/* walk - read every key and value of one database; false on an LMDB error */
static bool walk(MDB_txn *txn, MDB_dbi dbi, unsigned *sum)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if (mdb_cursor_open(txn, dbi, &cur) != 0)
		return false;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		for (size_t i = 0; i < k.mv_size; i++)
			*sum += ((const unsigned char *)k.mv_data)[i];
		for (size_t i = 0; i < v.mv_size; i++)
			*sum += ((const unsigned char *)v.mv_data)[i];
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND;
}

static enum dbcheck_exit child(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi main_dbi, dbi;
	MDB_cursor *cur;
	MDB_val k, v;
	volatile unsigned sum = 0;
	unsigned s = 0;
	int rc;

	if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, NNAMES) != 0)
		return DBCHECK_EXIT_ERROR;
	rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOLOCK, 0600);
	if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
		return DBCHECK_EXIT_INVALID;
	if (rc != 0 || mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0 || mdb_dbi_open(txn, NULL, 0, &main_dbi) != 0 ||
	    mdb_cursor_open(txn, main_dbi, &cur) != 0)
		return DBCHECK_EXIT_ERROR;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (!ours(&k))
			return DBCHECK_EXIT_FOREIGN;
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return DBCHECK_EXIT_ERROR;
	for (size_t i = 0; i < NNAMES; i++) {
		rc = mdb_dbi_open(txn, names[i], 0, &dbi);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc == MDB_INCOMPATIBLE)
			return DBCHECK_EXIT_FOREIGN;
		if (rc != 0 || !walk(txn, dbi, &s))
			return DBCHECK_EXIT_ERROR;
	}
	sum = s;	/* keep the reads */
	(void)sum;
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return DBCHECK_EXIT_OK;
}

static bool fail(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return false;
}

bool dbcheck_run(const char *dir, char *err, size_t errsz)
{
	char path[CAP_PATH_BYTES];
	struct stat st;
	pid_t pid;
	int status;

	if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) >= sizeof(path))
		return fail(err, errsz, "%s: path too long", dir);
	if (stat(path, &st) != 0)
		return errno == ENOENT ? true : fail(err, errsz, "%s: %s", path, strerror(errno));
	fflush(NULL);
	if ((pid = fork()) < 0)
		return fail(err, errsz, "%s: cannot check it: fork: %s", path, strerror(errno));
	if (pid == 0) {
		signal(SIGBUS, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		_exit(child(dir));
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail(err, errsz, "%s: cannot check it: waitpid: %s", path, strerror(errno));
	if (WIFSIGNALED(status))
		return fail(err, errsz, "%s: corrupt: reading it failed (%s); restore it from a backup or move it "
			    "away to start with an empty database", path, strsignal(WTERMSIG(status)));
	switch (WEXITSTATUS(status)) {
	case DBCHECK_EXIT_OK:
		return true;
	case DBCHECK_EXIT_INVALID:
		return fail(err, errsz, "%s: not an LMDB database file (corrupt or something else's); restore it "
			    "from a backup or move it away to start with an empty database", path);
	case DBCHECK_EXIT_FOREIGN:
		return fail(err, errsz, "%s: an LMDB database, but not otpd's (it holds other databases) or "
			    "corrupt; check [otpd] database, or restore the file from a backup", path);
	default:
		return fail(err, errsz, "%s: corrupt: LMDB could not read all of it; restore it from a backup or "
			    "move it away to start with an empty database", path);
	}
}
