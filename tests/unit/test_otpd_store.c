/*
 * test_otpd_store - LMDB store, codes, expiry and the outbox on a real environment in a temp dir.
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
#include "gcra.h"
#include "outbox.h"
#include "secrets.h"
#include "store.h"
#include "store_fixture.h"

static char dir[] = "/tmp/otpd-unit.XXXXXX";
static struct store *st;
static struct secrets *keys;
static const uint8_t inv[TOKEN_ID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static int setup(void **state)
{
	(void)state;
	return fixture_open(dir, 1024 * 1024 * 64, &st, &keys);
}

static int teardown(void **state)
{
	(void)state;
	return fixture_close(dir, &st, &keys);
}

struct kv {
	const char *key, *val;
	uint64_t exp, now;
	enum store_status want;
};

static enum store_status put_kv(struct store_txn *txn, void *arg)
{
	struct kv *kv = arg;

	return store_put(txn, STORE_GUESTS, kv->key, strlen(kv->key), kv->val, strlen(kv->val), kv->exp);
}

static enum store_status get_kv(struct store_txn *txn, void *arg)
{
	struct kv *kv = arg;
	struct store_val v;

	return store_get(txn, STORE_GUESTS, kv->key, strlen(kv->key), kv->now, &v);
}

static void test_expiry(void **state)
{
	struct kv kv = { "a@example.net", "x", 1000, 0, STORE_OK };

	(void)state;
	assert_int_equal(store_write(st, put_kv, &kv), STORE_OK);
	kv.now = 999;
	assert_int_equal(store_read(st, get_kv, &kv), STORE_OK);
	kv.now = 1000;
	assert_int_equal(store_read(st, get_kv, &kv), STORE_NOTFOUND);
	assert_int_equal(store_sweep(st, 1000), 1);
	kv.now = 0;
	assert_int_equal(store_read(st, get_kv, &kv), STORE_NOTFOUND);
}

struct code_work {
	char code[CODE_BUF], key[CODE_KEY_BUF];
	const char *try;
	bool digits_ok;
	uint64_t now;
	enum code_result result;
};

static enum store_status issue(struct store_txn *txn, void *arg)
{
	struct code_work *w = arg;

	return codes_issue(txn, keys, inv, "g@example.net", w->now, 600, w->code, w->key);
}

static enum store_status check(struct store_txn *txn, void *arg)
{
	struct code_work *w = arg;

	w->result = codes_check(txn, keys, inv, "g@example.net", w->try, w->now, 5, w->digits_ok);
	return STORE_OK;
}

static enum code_result try_budget(const char *code, uint64_t now, bool digits_ok)
{
	struct code_work w = { .try = code, .now = now, .digits_ok = digits_ok };

	assert_int_equal(store_write(st, check, &w), STORE_OK);
	return w.result;
}

static enum code_result try_code(const char *code, uint64_t now)
{
	struct code_work w = { .try = code, .now = now, .digits_ok = true };

	assert_int_equal(store_write(st, check, &w), STORE_OK);
	return w.result;
}

static void test_codes(void **state)
{
	struct code_work w = { .now = 1000 };
	char wrong[CODE_BUF], old[CODE_BUF];

	(void)state;
	assert_int_equal(store_write(st, issue, &w), STORE_OK);
	assert_int_equal(strlen(w.code), 8);
	memcpy(wrong, w.code, CODE_BUF);
	wrong[0] = wrong[0] == '9' ? '0' : (char)(wrong[0] + 1);
	/* single use */
	assert_int_equal(try_code(w.code, 1001), CODE_OK);
	assert_int_equal(try_code(w.code, 1002), CODE_ABSENT);
	/* expiry */
	assert_int_equal(store_write(st, issue, &w), STORE_OK);
	assert_int_equal(try_code(w.code, 1600), CODE_ABSENT);
	/* five wrong tries burn it */
	w.now = 2000;
	assert_int_equal(store_write(st, issue, &w), STORE_OK);
	memcpy(wrong, w.code, CODE_BUF);
	wrong[7] = wrong[7] == '9' ? '0' : (char)(wrong[7] + 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(try_code(wrong, 2001), CODE_WRONG);
	assert_int_equal(try_code(wrong, 2001), CODE_BURNED);
	assert_int_equal(try_code(w.code, 2001), CODE_ABSENT);
	/* ... but not the mail key: a wrong key is never a match and never a try */
	assert_int_equal(strlen(w.key), CODE_KEY_LEN);
	assert_true(codes_key_well_formed(w.key));
	{
		char bad[CODE_KEY_BUF];

		memcpy(bad, w.key, CODE_KEY_BUF);
		bad[0] = bad[0] == 'A' ? 'B' : 'A';
		assert_int_equal(try_code(bad, 2001), CODE_ABSENT);
	}
	assert_int_equal(try_code(w.key, 2001), CODE_OK);
	assert_int_equal(try_code(w.key, 2002), CODE_ABSENT);
	/* the caller's budget spent: the digits are not compared, the key still works */
	assert_int_equal(store_write(st, issue, &w), STORE_OK);
	assert_int_equal(try_budget(w.code, 2003, false), CODE_ABSENT);
	assert_int_equal(try_budget(w.key, 2003, false), CODE_OK);
	/* a new code replaces the old */
	assert_int_equal(store_write(st, issue, &w), STORE_OK);
	memcpy(old, w.code, CODE_BUF);
	do
		assert_int_equal(store_write(st, issue, &w), STORE_OK);
	while (strcmp(old, w.code) == 0);
	{
		char old_key[CODE_KEY_BUF];

		memcpy(old_key, w.key, CODE_KEY_BUF);
		do
			assert_int_equal(store_write(st, issue, &w), STORE_OK);
		while (strcmp(old, w.code) == 0);
		assert_int_equal(try_code(old_key, 2002), CODE_ABSENT);
	}
	assert_int_equal(try_code(old, 2002), CODE_WRONG);
	assert_int_equal(try_code(w.code, 2002), CODE_OK);
}

static void test_well_formed(void **state)
{
	static const struct {
		const char *in;
		bool ok;
		const char *out;
	} cases[] = {
		{ "12345678", true, "12345678" }, { "1234 5678", true, "12345678" }, { "1234-5678", true, "12345678" },
		{ "1234567", false, "" }, { "123456789", false, "" }, { "1234567a", false, "" }, { "", false, "" },
	};
	char out[CODE_BUF];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = codes_well_formed(cases[i].in, out);

		if (got != cases[i].ok || (got && strcmp(out, cases[i].out) != 0))
			fail_msg("codes_well_formed(%s): got %d %s, want %d %s", cases[i].in, got, out, cases[i].ok,
				 cases[i].out);
	}
}

struct ob_work {
	uint8_t slot[TOKEN_ID_LEN];
	const char *msg;
	uint64_t now, exp;
};

static enum store_status queue(struct store_txn *txn, void *arg)
{
	struct ob_work *w = arg;

	return outbox_put(txn, keys, w->slot, "g@example.net", w->msg, strlen(w->msg), w->now, w->exp);
}

struct sink {
	int calls;
	bool up;
	char last[64];
};

static bool fake_send(void *arg, const char *rcpt, const char *msg, size_t len)
{
	struct sink *s = arg;

	s->calls++;
	if (strcmp(rcpt, "g@example.net") != 0 || len >= sizeof(s->last))
		return false;
	memcpy(s->last, msg, len + 1);
	return s->up;
}

static void test_outbox(void **state)
{
	struct ob_work w = { { 9 }, "first", 5000, 5600 };
	struct sink s = { 0, false, "" };

	(void)state;
	assert_int_equal(store_write(st, queue, &w), STORE_OK);
	/* relay down: kept, retried later */
	assert_int_equal(outbox_deliver_due(st, keys, 5000, fake_send, &s), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(outbox_deliver_due(st, keys, 5000, fake_send, &s), 0);
	assert_int_equal(s.calls, 1);	/* backoff: not due yet */
	assert_true(outbox_next_due(st, 5000, 30) >= 1);
	/* a newer mail in the same slot replaces it */
	w.msg = "second";
	assert_int_equal(store_write(st, queue, &w), STORE_OK);
	s.up = true;
	assert_int_equal(outbox_deliver_due(st, keys, 5010, fake_send, &s), 1);
	assert_string_equal(s.last, "second");
	assert_int_equal(outbox_deliver_due(st, keys, 5020, fake_send, &s), 0);
	/* expired mails are never sent */
	w.msg = "late";
	assert_int_equal(store_write(st, queue, &w), STORE_OK);
	s.calls = 0;
	assert_int_equal(outbox_deliver_due(st, keys, 5600, fake_send, &s), 0);
	assert_int_equal(s.calls, 0);
}

/* Group commit: concurrent writers share commits; each callback's work commits or rolls back on its own. */
#define GC_THREADS 12
#define GC_WRITES 150

struct gc_write {
	int thread, i;
};

static enum store_status gc_put(struct store_txn *txn, void *arg)
{
	const struct gc_write *g = arg;
	char key[32];
	enum store_status s;

	snprintf(key, sizeof(key), "gc-%d-%d", g->thread, g->i);
	s = store_put(txn, STORE_AUDIT, key, strlen(key), "v", 1, 9999);
	if (s != STORE_OK)
		return s;
	if (g->i % 5 == 1)
		return STORE_ABORT;	/* rolled back: its put must not survive */
	if (g->i % 7 == 2)
		return STORE_ERROR;	/* likewise, and the caller sees the error */
	return STORE_OK;
}

static enum store_status gc_get(struct store_txn *txn, void *arg)
{
	const struct gc_write *g = arg;
	char key[32];
	struct store_val v;

	snprintf(key, sizeof(key), "gc-%d-%d", g->thread, g->i);
	return store_get(txn, STORE_AUDIT, key, strlen(key), 1, &v);
}

static void *gc_thread(void *arg)
{
	struct gc_write g = { (int)(intptr_t)arg, 0 };
	intptr_t bad = 0;

	for (g.i = 0; g.i < GC_WRITES; g.i++) {
		enum store_status want = g.i % 5 == 1 ? STORE_ABORT : g.i % 7 == 2 ? STORE_ERROR : STORE_OK;

		if (store_write(st, gc_put, &g) != want)
			bad++;
	}
	return (void *)bad;
}

static void test_group_commit(void **state)
{
	pthread_t th[GC_THREADS];

	(void)state;
	store_set_batch(st, 8);
	for (int t = 0; t < GC_THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, gc_thread, (void *)(intptr_t)t), 0);
	for (int t = 0; t < GC_THREADS; t++) {
		void *bad;

		assert_int_equal(pthread_join(th[t], &bad), 0);
		if (bad != NULL)
			fail_msg("thread %d: got %ld unexpected store_write results, want 0", t, (long)(intptr_t)bad);
	}
	for (int t = 0; t < GC_THREADS; t++) {
		for (int i = 0; i < GC_WRITES; i++) {
			struct gc_write g = { t, i };
			enum store_status want = i % 5 == 1 || i % 7 == 2 ? STORE_NOTFOUND : STORE_OK;

			if (store_read(st, gc_get, &g) != want)
				fail_msg("gc-%d-%d: got %s, want %s", t, i, store_status_word(store_read(st, gc_get, &g)),
					 store_status_word(want));
		}
	}
	store_set_batch(st, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_outbox),
		cmocka_unit_test(test_group_commit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
