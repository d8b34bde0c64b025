/*
 * lmdb_ceiling - the durable-write ceiling otpd's code steps are measured
 * against: a loop of single put+commit transactions, fully synced (LMDB's
 * default: data and meta page fsynced), on the directory given (put it on
 * the same filesystem as otpd's database), with otpd's environment flags.
 *
 *   lmdb_ceiling DIR SECONDS
 *
 * Prints key=value: commits, commits_per_s, p50_us, p99_us.
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;
	double secs, t0, end, *lat;
	size_t n = 0, cap = 1 << 20;
	unsigned char key[16], val[64];
	int rc;

	if (argc != 3) {
		fputs("usage: lmdb_ceiling DIR SECONDS\n", stderr);
		return 2;
	}
	secs = strtod(argv[2], NULL);
	lat = malloc(cap * sizeof(*lat));
	if (lat == NULL || mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 8) != 0 ||
	    mdb_env_set_mapsize(env, 256u << 20) != 0 || (rc = mdb_env_open(env, argv[1], MDB_NOTLS, 0600)) != 0) {
		fprintf(stderr, "lmdb_ceiling: %s: cannot open\n", argv[1]);
		return 1;
	}
	if (mdb_txn_begin(env, NULL, 0, &txn) != 0 || mdb_dbi_open(txn, "codes", MDB_CREATE, &dbi) != 0 ||
	    mdb_txn_commit(txn) != 0)
		return 1;
	memset(val, 'v', sizeof(val));
	end = now_s() + secs;
	for (t0 = now_s(); t0 < end && n < cap; ) {
		MDB_val k = { sizeof(key), key }, v = { sizeof(val), val };
		double t1;

		for (size_t i = 0; i < sizeof(key); i++)
			key[i] = (unsigned char)(rand() & 0xff);
		if (mdb_txn_begin(env, NULL, 0, &txn) != 0 || mdb_put(txn, dbi, &k, &v, 0) != 0 ||
		    mdb_txn_commit(txn) != 0) {
			fputs("lmdb_ceiling: write failed\n", stderr);
			return 1;
		}
		t1 = now_s();
		lat[n++] = t1 - t0;
		t0 = t1;
	}
	secs = 0;
	for (size_t i = 0; i < n; i++)
		secs += lat[i];
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("commits=%zu commits_per_s=%.0f p50_us=%.0f p99_us=%.0f\n", n, (double)n / secs, lat[n / 2] * 1e6,
	       lat[n * 99 / 100] * 1e6);
	mdb_env_close(env);
	free(lat);
	return 0;
}
