/*
 * test_token - accept-link tokens: round trip, tampering, expiry, unknown key,
 * truncation, guest hashes, and the size of a one-guest link.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "token.h"

struct fixture {
	char dir[64];
	struct signing_key key;
	struct keyring ring;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256], path[128];
	FILE *devnull = fopen("/dev/null", "w");

	assert_int_equal(sodium_init() >= 0, 1);
	snprintf(f->dir, sizeof(f->dir), "/tmp/guestlink-token-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_true(keys_generate(f->dir, devnull, err, sizeof(err)));
	fclose(devnull);
	snprintf(path, sizeof(path), "%s/link.key", f->dir);
	assert_true(keys_load_signing(path, &f->key, err, sizeof(err)));
	assert_true(keys_load_verify(f->dir, &f->ring, err, sizeof(err)));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	keys_free_signing(&f->key);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void make(struct fixture *f, uint64_t now, struct buf *out)
{
	struct token t;

	assert_true(token_init(&t, "staff@example.org", "https://teams.example.org/t/research-lab", now, 7 * 86400));
	assert_true(token_add_guest(&t, "guest@gmail.com"));
	assert_true(token_encode(&t, &f->key, out));
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	struct token t;

	buf_init(&b, CAP_TOKEN_BYTES);
	make(f, 1700000000, &b);
	assert_int_equal(token_verify(b.data, b.len, &f->ring, 1700000001, &t), TOKEN_OK);
	assert_string_equal(t.inviter, "staff@example.org");
	assert_string_equal(t.resource, "https://teams.example.org/t/research-lab");
	assert_int_equal(t.n_guests, 1);
	assert_int_equal(t.expires_at, 1700000000 + 7 * 86400);
	assert_true(token_has_guest(&t, "guest@gmail.com"));
	assert_false(token_has_guest(&t, "other@gmail.com"));
	/* a one-guest link stays well under 400 characters */
	if (strlen("https://guest.example.org/accept/") + b.len >= 400)
		fail_msg("link length: got %zu, want < 400", b.len + 33);
	buf_release(&b);
}

static void test_tamper_every_char(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	struct token t;

	buf_init(&b, CAP_TOKEN_BYTES);
	make(f, 1700000000, &b);
	for (size_t i = 0; i < b.len; i++) {
		char saved = b.data[i];
		enum token_status st;

		b.data[i] = saved == 'A' ? 'B' : 'A';
		st = token_verify(b.data, b.len, &f->ring, 1700000001, &t);
		/* the last character carries only some bits; a change there may decode to the same bytes */
		if (st == TOKEN_OK && i != b.len - 1)
			fail_msg("tampered at %zu: got TOKEN_OK, want a refusal", i);
		b.data[i] = saved;
	}
	buf_release(&b);
}

static void test_expired_and_truncated(void **state)
{
	struct fixture *f = *state;
	struct buf b;
	struct token t;

	buf_init(&b, CAP_TOKEN_BYTES);
	make(f, 1700000000, &b);
	assert_int_equal(token_verify(b.data, b.len, &f->ring, 1700000000 + 7 * 86400, &t), TOKEN_EXPIRED);
	for (size_t n = 0; n < b.len; n += 7)
		assert_int_not_equal(token_verify(b.data, n, &f->ring, 1700000001, &t), TOKEN_OK);
	assert_int_equal(token_verify("!!!", 3, &f->ring, 0, &t), TOKEN_MALFORMED);
	buf_release(&b);
}

static void test_unknown_key(void **state)
{
	struct fixture *f = *state;
	struct keyring empty = { 0 };
	struct buf b;
	struct token t;

	buf_init(&b, CAP_TOKEN_BYTES);
	make(f, 1700000000, &b);
	assert_int_equal(token_verify(b.data, b.len, &empty, 1700000001, &t), TOKEN_UNKNOWN_KEY);
	buf_release(&b);
}

static void test_from_link(void **state)
{
	size_t len;
	const char *p = token_from_link("https://guest.example.org/accept/abc-_9/email", &len);

	(void)state;
	assert_int_equal(len, 6);
	assert_memory_equal(p, "abc-_9", 6);
	p = token_from_link("abc", &len);
	assert_int_equal(len, 3);
}

static void test_many_guests(void **state)
{
	struct fixture *f = *state;
	struct token t, back;
	char addr[64];
	struct buf b;

	assert_true(token_init(&t, "a@example.org", "https://teams.example.org/", 1700000000, 60));
	for (int i = 0; i < 50; i++) {
		snprintf(addr, sizeof(addr), "guest%d@example.net", i);
		assert_true(token_add_guest(&t, addr));
	}
	assert_false(token_add_guest(&t, "guest7@example.net"));	/* duplicate */
	buf_init(&b, CAP_TOKEN_BYTES);
	assert_true(token_encode(&t, &f->key, &b));
	assert_int_equal(token_verify(b.data, b.len, &f->ring, 1700000001, &back), TOKEN_OK);
	assert_int_equal(back.n_guests, 50);
	assert_true(token_has_guest(&back, "guest49@example.net"));
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tamper_every_char),
		cmocka_unit_test(test_expired_and_truncated),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_from_link),
		cmocka_unit_test(test_many_guests),
	};

	return cmocka_run_group_tests_name("token", tests, setup, teardown);
}
