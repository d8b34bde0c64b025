/*
 * test_otpd_shared - what several otpd hosts on one store rely on, raced by threads: a code signs in once,
 * wrong tries are counted once each, each queued mail is sent once.
 *
 * With GUESTLINK_TEST_STORE=pg (tests/pg/run.sh) every other thread uses a second store handle on the same
 * database, with its own connections, as a second host would; with LMDB they share one handle (one
 * process may open an environment once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>
#include <unistd.h>

#include "codes.h"
#include "outbox.h"
#include "secrets.h"
#include "store.h"
#include "store_fixture.h"

#define THREADS 8
#define MAILS 40

static char dir[] = "/tmp/otpd-unit.XXXXXX";
static struct store *st, *st2;
static struct secrets *keys;
static const uint8_t inv[TOKEN_ID_LEN] = { 7, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static int setup(void **state)
{
	char err[256];

	(void)state;
	if (fixture_open(dir, 1024 * 1024 * 64, &st, &keys) != 0)
		return -1;
	st2 = st;
	if (fixture_is_pg()) {
		struct store_opts o = { .password_file = getenv("GUESTLINK_TEST_PG_PASSWORD_FILE") };

		st2 = store_open_with(getenv("GUESTLINK_TEST_PG_URI"), &o, err, sizeof(err));
		if (st2 == NULL) {
			fprintf(stderr, "second handle: %s\n", err);
			return -1;
		}
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (st2 != st)
		st2 = store_close(st2);
	return fixture_close(dir, &st, &keys);
}

static struct store *handle(int thread)
{
	return thread % 2 ? st2 : st;
}

struct code_work {
	const char *addr;
	char code[CODE_BUF];
	char key[CODE_KEY_BUF];
	const char *try;
	uint64_t now;
	enum code_result result;
};

static enum store_status issue(struct store_txn *txn, void *arg)
{
	struct code_work *w = arg;

	return codes_issue(txn, keys, inv, w->addr, w->now, 600, w->code, w->key);
}

static enum store_status check(struct store_txn *txn, void *arg)
{
	struct code_work *w = arg;

	w->result = codes_check(txn, keys, inv, w->addr, w->try, w->now, 5, true);
	return STORE_OK;
}

struct racer {
	int thread;
	const char *addr;
	const char *code;
	pthread_barrier_t *go;
	enum code_result result;
	enum store_status status;
};

static void *race_check(void *arg)
{
	struct racer *r = arg;
	struct code_work w = { .addr = r->addr, .try = r->code, .now = 1001 };

	pthread_barrier_wait(r->go);
	r->status = store_write(handle(r->thread), check, &w);
	r->result = w.result;
	return NULL;
}

/* race - THREADS threads try code for addr at once; counts of each result */
static void race(const char *addr, const char *code, int counts[5])
{
	pthread_t th[THREADS];
	struct racer r[THREADS];
	pthread_barrier_t go;

	memset(counts, 0, 5 * sizeof(int));
	pthread_barrier_init(&go, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		r[i] = (struct racer){ .thread = i, .addr = addr, .code = code, .go = &go };
		assert_int_equal(pthread_create(&th[i], NULL, race_check, &r[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (r[i].status != STORE_OK)
			fail_msg("thread %d: store_write got %s, want ok", i, store_status_word(r[i].status));
		counts[r[i].result]++;
	}
	pthread_barrier_destroy(&go);
}

static void test_code_once(void **state)
{
	struct code_work w = { .addr = "once@example.net", .now = 1000 };
	int counts[5];

	(void)state;
	for (int round = 0; round < 5; round++) {
		assert_int_equal(store_write(st, issue, &w), STORE_OK);
		race(w.addr, w.code, counts);
		if (counts[CODE_OK] != 1 || counts[CODE_ABSENT] != THREADS - 1)
			fail_msg("round %d: got %d sign-ins and %d absent, want 1 and %d", round, counts[CODE_OK],
				 counts[CODE_ABSENT], THREADS - 1);
	}
}

static void test_tries_counted(void **state)
{
	struct code_work w = { .addr = "tries@example.net", .now = 1000 };
	char wrong[CODE_BUF];
	int counts[5];

	(void)state;
	assert_int_equal(store_write(st, issue, &w), STORE_OK);
	memcpy(wrong, w.code, CODE_BUF);
	wrong[3] = wrong[3] == '9' ? '0' : (char)(wrong[3] + 1);
	/* Eight wrong tries at once against five allowed: four wrong, the fifth burns it, the rest find none. */
	race(w.addr, wrong, counts);
	if (counts[CODE_WRONG] != 4 || counts[CODE_BURNED] != 1 || counts[CODE_ABSENT] != THREADS - 5)
		fail_msg("got wrong=%d burned=%d absent=%d, want 4, 1, %d", counts[CODE_WRONG], counts[CODE_BURNED],
			 counts[CODE_ABSENT], THREADS - 5);
}

struct ob_work {
	uint8_t slot[TOKEN_ID_LEN];
	char msg[32];
	uint64_t now;
};

static enum store_status queue(struct store_txn *txn, void *arg)
{
	struct ob_work *w = arg;

	return outbox_put(txn, keys, w->slot, "g@example.net", w->msg, strlen(w->msg), w->now, w->now + 600);
}

static int sent[MAILS];
static pthread_mutex_t sent_lock = PTHREAD_MUTEX_INITIALIZER;

static bool count_send(void *arg, const char *rcpt, const char *msg, size_t len)
{
	int n = 0;

	(void)arg;
	(void)rcpt;
	(void)len;
	for (const char *p = msg + 5; *p >= '0' && *p <= '9'; p++)	/* "mail-N" */
		n = n * 10 + (*p - '0');
	pthread_mutex_lock(&sent_lock);
	if (n >= 0 && n < MAILS)
		sent[n]++;
	pthread_mutex_unlock(&sent_lock);
	usleep(2000);	/* a relay takes a moment: the other senders run meanwhile */
	return true;
}

static void *sender(void *arg)
{
	int t = (int)(intptr_t)arg;

	for (int i = 0; i < 4; i++)
		outbox_deliver_due(handle(t), keys, 5000 + (uint64_t)i, count_send, NULL);
	return NULL;
}

static void test_mail_once(void **state)
{
	pthread_t th[THREADS];

	(void)state;
	for (int i = 0; i < MAILS; i++) {
		struct ob_work w = { { 0xee, (uint8_t)i }, "", 5000 };

		snprintf(w.msg, sizeof(w.msg), "mail-%d", i);
		assert_int_equal(store_write(handle(i), queue, &w), STORE_OK);
	}
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, sender, (void *)(intptr_t)t), 0);
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	for (int i = 0; i < MAILS; i++) {
		/* LMDB is one host: no claim, several senders may each send (at least once); shared: exactly once. */
		if (store_is_shared(st) ? sent[i] != 1 : sent[i] < 1)
			fail_msg("mail-%d: sent %d times, want %s", i, sent[i], store_is_shared(st) ? "1" : ">= 1");
	}
	assert_int_equal(outbox_deliver_due(st, keys, 6000, count_send, NULL), 0);
}

/* Absent keys are locked too: THREADS threads (two handles) each add 1 to a counter that starts absent,
 * COUNTS times. Read committed without a lock on the absent key loses increments (two see "absent" and
 * both write 1); serializable or key-locked transactions end at THREADS * COUNTS. */
#define COUNTS 25

static enum store_status bump(struct store_txn *txn, void *arg)
{
	const char *key = arg;
	struct store_val v;
	uint8_t n[4] = { 0 };
	uint32_t c = 0;
	enum store_status s = store_get(txn, STORE_LIMITS, key, strlen(key), 1, &v);

	if (s == STORE_OK && v.len == 4)
		c = ((uint32_t)((const uint8_t *)v.data)[0] << 24) | ((uint32_t)((const uint8_t *)v.data)[1] << 16) |
		    ((uint32_t)((const uint8_t *)v.data)[2] << 8) | ((const uint8_t *)v.data)[3];
	else if (s != STORE_NOTFOUND)
		return STORE_ERROR;
	c++;
	n[0] = (uint8_t)(c >> 24);
	n[1] = (uint8_t)(c >> 16);
	n[2] = (uint8_t)(c >> 8);
	n[3] = (uint8_t)c;
	return store_put(txn, STORE_LIMITS, key, strlen(key), n, sizeof(n), 9999);
}

struct bumper {
	int thread;
	char *key;
	int bad;
};

static char counter_key[] = "counter";

static void *bump_thread(void *arg)
{
	struct bumper *b = arg;

	for (int i = 0; i < COUNTS; i++)
		if (store_write(handle(b->thread), bump, b->key) != STORE_OK)
			b->bad++;
	return NULL;
}

static enum store_status read_count(struct store_txn *txn, void *arg)
{
	uint32_t *c = arg;
	struct store_val v;
	enum store_status s = store_get(txn, STORE_LIMITS, "counter", 7, 1, &v);

	if (s == STORE_OK && v.len == 4)
		*c = ((uint32_t)((const uint8_t *)v.data)[0] << 24) | ((uint32_t)((const uint8_t *)v.data)[1] << 16) |
		     ((uint32_t)((const uint8_t *)v.data)[2] << 8) | ((const uint8_t *)v.data)[3];
	return s;
}

static void test_absent_key_counted(void **state)
{
	pthread_t th[THREADS];
	struct bumper b[THREADS];
	uint32_t c = 0;

	(void)state;
	for (int i = 0; i < THREADS; i++) {
		b[i] = (struct bumper){ i, counter_key, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, bump_thread, &b[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(b[i].bad, 0);
	}
	assert_int_equal(store_read(st, read_count, &c), STORE_OK);
	assert_int_equal(c, THREADS * COUNTS);
}

/* Write skew on absent keys: each of two transactions writes its own key only if neither key exists.
 * Run one after the other, exactly one key is written; snapshot isolation without locks lets both. */
struct skew {
	int thread;
	char mine[32], other[32];
	pthread_barrier_t *go;
};

static enum store_status skew_txn(struct store_txn *txn, void *arg)
{
	const struct skew *k = arg;
	struct store_val v;
	enum store_status a = store_get(txn, STORE_GUESTS, k->mine, strlen(k->mine), 1, &v);
	enum store_status b;

	usleep(2000);	/* both transactions have read before either writes */
	b = store_get(txn, STORE_GUESTS, k->other, strlen(k->other), 1, &v);
	if (a == STORE_ERROR || b == STORE_ERROR)
		return STORE_ERROR;
	if (a == STORE_OK || b == STORE_OK)
		return STORE_ABORT;
	return store_put(txn, STORE_GUESTS, k->mine, strlen(k->mine), "x", 1, 9999);
}

static void *skew_thread(void *arg)
{
	struct skew *k = arg;
	enum store_status s;

	pthread_barrier_wait(k->go);
	s = store_write(handle(k->thread), skew_txn, k);
	return (void *)(intptr_t)(s == STORE_OK || s == STORE_ABORT ? 0 : 1);
}

static enum store_status count_present(struct store_txn *txn, void *arg)
{
	struct skew *k = arg;
	struct store_val v;
	int n = 0;

	for (int i = 0; i < 2; i++)
		if (store_get(txn, STORE_GUESTS, k[i].mine, strlen(k[i].mine), 1, &v) == STORE_OK)
			n++;
	return n == 1 ? STORE_OK : STORE_NOTFOUND;
}

static void test_no_write_skew(void **state)
{
	(void)state;
	for (int round = 0; round < 20; round++) {
		pthread_barrier_t go;
		pthread_t th[2];
		struct skew k[2];
		void *bad;

		pthread_barrier_init(&go, NULL, 2);
		for (int i = 0; i < 2; i++) {
			k[i].thread = i;
			k[i].go = &go;
			snprintf(k[i].mine, sizeof(k[i].mine), "skew-%d-%d", round, i);
			snprintf(k[i].other, sizeof(k[i].other), "skew-%d-%d", round, 1 - i);
		}
		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_create(&th[i], NULL, skew_thread, &k[i]), 0);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(pthread_join(th[i], &bad), 0);
			assert_null(bad);
		}
		pthread_barrier_destroy(&go);
		if (store_read(st, count_present, k) != STORE_OK)
			fail_msg("round %d: not exactly one of the two keys written", round);
	}
}

/* each walks every live record once, in key order, across PostgreSQL's pages (store_pg.c fetches 64 at a
 * time), and stops when told to */
#define EACH_N 300

static enum store_status fill_each(struct store_txn *txn, void *arg)
{
	char key[16];
	enum store_status s = STORE_OK;

	(void)arg;
	for (int i = 0; i < EACH_N && s == STORE_OK; i++) {
		snprintf(key, sizeof(key), "e%04d", i);
		/* every seventh expired */
		s = store_put(txn, STORE_AUDIT, key, strlen(key), key, strlen(key), i % 7 == 3 ? 5 : 9999);
	}
	return s;
}

struct walk {
	int seen, stop_at;
	char last[16];
	bool bad;
};

static bool walk_one(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	struct walk *w = arg;
	char k[16];

	if (klen >= sizeof(k) || v->len != klen || memcmp(key, v->data, klen) != 0) {
		w->bad = true;
		return false;
	}
	memcpy(k, key, klen);
	k[klen] = '\0';
	if (strcmp(k, w->last) <= 0 || (k[0] == 'e' && (int)strtol(k + 1, NULL, 10) % 7 == 3))
		w->bad = true;
	memcpy(w->last, k, klen + 1);
	return ++w->seen != w->stop_at;
}

static enum store_status walk_txn(struct store_txn *txn, void *arg)
{
	return store_each(txn, STORE_AUDIT, 10, walk_one, arg);
}

static void test_each_pages(void **state)
{
	int live = 0;

	(void)state;
	for (int i = 0; i < EACH_N; i++)
		live += i % 7 != 3;
	assert_int_equal(store_write(st, fill_each, NULL), STORE_OK);
	for (int write = 0; write < 2; write++) {
		struct walk all = { 0, -1, "", false }, some = { 0, 100, "", false };

		assert_int_equal(write ? store_write(st, walk_txn, &all) : store_read(st, walk_txn, &all), STORE_OK);
		assert_false(all.bad);
		assert_int_equal(all.seen, live);
		assert_int_equal(write ? store_write(st, walk_txn, &some) : store_read(st, walk_txn, &some), STORE_OK);
		assert_false(some.bad);
		assert_int_equal(some.seen, 100);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_once),
		cmocka_unit_test(test_tries_counted),
		cmocka_unit_test(test_mail_once),
		cmocka_unit_test(test_absent_key_counted),
		cmocka_unit_test(test_no_write_skew),
		cmocka_unit_test(test_each_pages),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
