/*
 * test_otpd_session - session lifetimes (idle and absolute), levels, touch,
 * ending all of a guest's sessions; a table of events on one session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "session.h"
#include "store_fixture.h"

static char dir[] = "/tmp/otpd-session.XXXXXX";
static struct store *st;
static struct secrets *keys;
static const struct session_limits lim = { 8 * 3600, 3600 };	/* ttl 8 h, idle 1 h */

static int setup(void **state)
{
	(void)state;
	return fixture_open(dir, 1024 * 1024 * 16, &st, &keys);
}

static int teardown(void **state)
{
	(void)state;
	return fixture_close(dir, &st, &keys);
}

enum op { OP_FIND, OP_TOUCH };

struct step {
	enum op op;
	uint64_t at;		/* seconds after creation */
	bool live;		/* OP_FIND: want found */
};

struct work {
	const char *addr;
	enum session_level level;
	uint64_t now;
	char cookie[SESSION_TEXT];
	bool found;
	struct session_info si;
	size_t ended;
};

static enum store_status create_txn(struct store_txn *txn, void *arg)
{
	struct work *w = arg;

	return session_create(txn, keys, w->addr, w->level, "https://teams.example.org/t/1", w->now, &lim, w->cookie);
}

static enum store_status find_txn(struct store_txn *txn, void *arg)
{
	struct work *w = arg;

	w->found = session_find(txn, keys, w->cookie, w->now, &lim, &w->si);
	return STORE_OK;
}

static enum store_status touch_txn(struct store_txn *txn, void *arg)
{
	struct work *w = arg;

	if (!session_find(txn, keys, w->cookie, w->now, &lim, &w->si))
		return STORE_ABORT;
	return session_touch(txn, &w->si, w->now, &lim);
}

static enum store_status end_all_txn(struct store_txn *txn, void *arg)
{
	struct work *w = arg;

	return session_end_all(txn, w->addr, w->now, &w->ended);
}

static const struct {
	const char *name;
	struct step steps[8];
	size_t n;
} cases[] = {
	{ "idle ends it", { { OP_FIND, 0, true }, { OP_FIND, 3599, true }, { OP_FIND, 3600, false } }, 3 },
	{ "use keeps it", { { OP_TOUCH, 3000, true }, { OP_FIND, 6599, true }, { OP_FIND, 6600, false } }, 3 },
	{ "absolute limit wins over use",
	  { { OP_TOUCH, 3500, true }, { OP_TOUCH, 7000, true }, { OP_TOUCH, 10500, true }, { OP_TOUCH, 14000, true },
	    { OP_TOUCH, 17500, true }, { OP_TOUCH, 21000, true }, { OP_TOUCH, 24500, true }, { OP_FIND, 28800, false } },
	  8 },
};

static void test_lifetimes(void **state)
{
	const uint64_t t0 = 1700000000;

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct work w = { .addr = "guest@example.net", .level = SESSION_FULL, .now = t0 };

		assert_int_equal(store_write(st, create_txn, &w), STORE_OK);
		for (size_t i = 0; i < cases[c].n; i++) {
			const struct step *s = &cases[c].steps[i];
			bool got;

			w.now = t0 + s->at;
			if (s->op == OP_TOUCH) {
				got = store_write(st, touch_txn, &w) == STORE_OK;
			} else {
				assert_int_equal(store_read(st, find_txn, &w), STORE_OK);
				got = w.found;
			}
			if (got != s->live)
				fail_msg("%s, step %zu at +%llu s: got live=%d, want live=%d", cases[c].name, i,
					 (unsigned long long)s->at, got, s->live);
		}
	}
}

static void test_levels_and_end_all(void **state)
{
	struct work a = { .addr = "guest2@example.net", .level = SESSION_CODE, .now = 1700000000 };
	struct work b = { .addr = "guest2@example.net", .level = SESSION_FULL, .now = 1700000000 };
	struct work o = { .addr = "other@example.net", .level = SESSION_FULL, .now = 1700000000 };

	(void)state;
	assert_int_equal(store_write(st, create_txn, &a), STORE_OK);
	assert_int_equal(store_write(st, create_txn, &b), STORE_OK);
	assert_int_equal(store_write(st, create_txn, &o), STORE_OK);
	assert_int_equal(store_read(st, find_txn, &a), STORE_OK);
	if (!a.found || a.si.level != SESSION_CODE || strcmp(a.si.addr, "guest2@example.net") != 0 ||
	    strcmp(a.si.dest, "https://teams.example.org/t/1") != 0)
		fail_msg("code session: got found=%d level=%d addr=%s, want a code session of guest", a.found,
			 a.si.level, a.si.addr);
	a.cookie[5] ^= 1;
	assert_int_equal(store_read(st, find_txn, &a), STORE_OK);
	if (a.found)
		fail_msg("a changed cookie: got found, want not");
	assert_int_equal(store_write(st, end_all_txn, &b), STORE_OK);
	if (b.ended != 2)
		fail_msg("end_all: got %zu ended, want 2", b.ended);
	assert_int_equal(store_read(st, find_txn, &b), STORE_OK);
	assert_int_equal(store_read(st, find_txn, &o), STORE_OK);
	if (b.found || !o.found)
		fail_msg("after end_all: got guest=%d other=%d, want guest=0 other=1", b.found, o.found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifetimes),
		cmocka_unit_test(test_levels_and_end_all),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
