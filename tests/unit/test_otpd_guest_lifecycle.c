/*
 * test_otpd_guest_lifecycle - the guest record's lifecycle fields (otpd/guest.c, issue 15) read from
 * records of every age: an older record without them is an enabled guest whose activity is its last
 * sign-in or redemption; a disabled one signs in again only with an invitation issued at or after the
 * disabling; and the maintenance interval the lifecycle asks for (otpd/lifecycle.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "guest.h"
#include "lifecycle.h"

struct rec_case {
	const char *json;
	uint64_t want_disabled_at;
	uint64_t want_last_active;
	const char *want_state;
	int64_t token_issued;	/* -1: no token (/login, MFA) */
	bool want_may;
};

static const struct rec_case cases[] = {
	/* before issue 15: no lifecycle fields at all */
	{ "{\"email\":\"g@x.example\",\"last_sign_in\":100,\"invitations\":[]}", 0, 100, "active", -1, true },
	{ "{\"email\":\"g@x.example\",\"last_sign_in\":100,\"invitations\":[{\"invitation\":\"00\",\"resource\":\"r\","
	  "\"redeemed_at\":50}]}", 0, 100, "active", 10, true },
	/* redeemed, never finished a sign-in: activity is the redemption */
	{ "{\"invitations\":[{\"invitation\":\"00\",\"resource\":\"r\",\"redeemed_at\":70},"
	  "{\"invitation\":\"01\",\"resource\":\"r\",\"redeemed_at\":90}]}", 0, 90, "active", -1, true },
	{ "{}", 0, 0, "active", -1, true },
	/* disabled: only an invitation issued at or after the disabling lets the guest in */
	{ "{\"last_sign_in\":100,\"disabled_at\":500}", 500, 100, "disabled", -1, false },
	{ "{\"last_sign_in\":100,\"disabled_at\":500}", 500, 100, "disabled", 499, false },
	{ "{\"last_sign_in\":100,\"disabled_at\":500}", 500, 100, "disabled", 500, true },
	{ "{\"last_sign_in\":100,\"disabled_at\":500}", 500, 100, "disabled", 501, true },
	/* junk in the fields reads as absent, never as disabled at 0 or a negative time */
	{ "{\"last_sign_in\":\"x\",\"disabled_at\":\"yes\"}", 0, 0, "active", -1, true },
	{ "{\"last_sign_in\":-5,\"disabled_at\":-1}", 0, 0, "active", -1, true },
	{ "{\"disabled_at\":0}", 0, 0, "active", -1, true },
};

static void test_records(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rec_case *c = &cases[i];
		struct guest g, *rec = &g;
		struct token t;

		/* The cases are records as the JSON-era otpd stored them: the decoder reads them as it did. */
		assert_int_equal(record_guest_decode(c->json, strlen(c->json), rec), RECORD_OK);
		memset(&t, 0, sizeof(t));
		t.issued_at = c->token_issued < 0 ? 0 : (uint64_t)c->token_issued;
		if (guest_disabled_at(rec) != c->want_disabled_at)
			fail_msg("case %zu %s: disabled_at got %llu, want %llu", i, c->json,
				 (unsigned long long)guest_disabled_at(rec), (unsigned long long)c->want_disabled_at);
		if (guest_last_active(rec) != c->want_last_active)
			fail_msg("case %zu %s: last_active got %llu, want %llu", i, c->json,
				 (unsigned long long)guest_last_active(rec), (unsigned long long)c->want_last_active);
		if (strcmp(guest_state_word(rec), c->want_state) != 0)
			fail_msg("case %zu %s: state got %s, want %s", i, c->json, guest_state_word(rec), c->want_state);
		if (guest_may_sign_in(rec, c->token_issued < 0 ? NULL : &t) != c->want_may)
			fail_msg("case %zu %s: may_sign_in got %d, want %d", i, c->json, !c->want_may, c->want_may);
		record_guest_clear(rec);
	}
}

/* Red team 2, finding 03: an invitation issued after the disabling enables the guest again for its own
 * resource only; the invitations held when disabled leave the record (their links stay closed, invite.c).
 * One issued before the disabling changes nothing. */
static void test_reenable(void **state)
{
	const char *json = "{\"last_sign_in\":100,\"disabled_at\":500,\"invitations\":["
			   "{\"invitation\":\"0123456789abcdef0123456789abcdef\",\"resource\":\"https://a.example/\","
			   "\"redeemed_at\":90,\"inviter\":\"alice@example.org\"}]}";
	struct guest g;
	struct token t;
	bool first = false;

	(void)state;
	assert_int_equal(record_guest_decode(json, strlen(json), &g), RECORD_OK);
	assert_int_equal(g.n_inv, 1);
	memset(&t, 0, sizeof(t));
	memset(t.id, 0x42, TOKEN_ID_LEN);
	snprintf(t.inviter, sizeof(t.inviter), "bob@example.org");
	snprintf(t.resource, sizeof(t.resource), "https://b.example/");
	t.issued_at = 499;
	assert_false(guest_may_sign_in(&g, &t));
	t.issued_at = 600;
	assert_true(guest_may_sign_in(&g, &t));
	assert_true(guest_note_redeemed(&g, &t, 700, &first));
	assert_true(first);
	assert_int_equal(guest_disabled_at(&g), 0);
	assert_int_equal(g.n_inv, 1);
	assert_string_equal(g.inv[0].resource, "https://b.example/");
	assert_string_equal(g.inv[0].inviter, "bob@example.org");
	assert_int_equal(g.inv[0].redeemed_at, 700);
	record_guest_clear(&g);
}

struct interval_case {
	long long disable, del;
	unsigned want;
};

static const struct interval_case intervals[] = {
	{ 90 * 86400LL, 30 * 86400LL, 60 },	/* the defaults: once a minute */
	{ 0, 0, 60 },				/* both off */
	{ 2, 0, 1 },				/* tests: every second */
	{ 0, 3, 1 },
	{ 90 * 86400LL, 119, 1 },
	{ 120, 0, 60 },
};

static void test_interval(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(intervals) / sizeof(intervals[0]); i++) {
		struct otpd_config cfg;
		unsigned got;

		memset(&cfg, 0, sizeof(cfg));
		cfg.guest_inactive_disable = intervals[i].disable;
		cfg.guest_disabled_delete = intervals[i].del;
		got = lifecycle_interval(&cfg, 60);
		if (got != intervals[i].want)
			fail_msg("case %zu (%lld, %lld): got %u, want %u", i, intervals[i].disable, intervals[i].del, got,
				 intervals[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_reenable),
		cmocka_unit_test(test_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
