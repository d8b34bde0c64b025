/*
 * test_otpd_privacy - privacy before consent where every sign-in ends
 * (otpd/signin_finish.c, otpd/privacy.c), on a real store: a full session is
 * refused (FINISH_PRIVACY, nothing written) to a guest who has not accepted
 * the privacy page, and started when the record or the request carries the
 * acceptance (which is then recorded once, with its time and an audit line);
 * a code-level sign-in is not held; a provider sign-in at /login of someone
 * with no guest record is refused as such, not held. A held sign-in's cookie is no session:
 * session_find() never finds it, privacy_state() says PRIVACY_NEEDED.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "guest.h"
#include "privacy.h"
#include "signin_finish.h"
#include "store_fixture.h"

#define NOW 1700000000u
#define ADDR "guest@example.net"

static char dir[] = "/tmp/test-privacy.XXXXXX";
static struct store *st;
static struct secrets *keys;
static struct otpd_config cfg;
static struct flow_ctx fx;

static int setup(void **state)
{
	(void)state;
	cfg.session_ttl = 3600;
	cfg.session_idle = 3600;
	if (fixture_open(dir, 1 << 22, &st, &keys) != 0)
		return -1;
	fx.cfg = &cfg;
	fx.st = st;
	fx.keys = keys;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fixture_close(dir, &st, &keys);
}

struct gate_case {
	uint64_t prior_at;		/* privacy_accepted_at of the guest record as the MFA step left it (0: none) */
	bool accepted_now;		/* rq.privacy_accepted */
	enum finish_result want;
	uint64_t want_at;		/* privacy_accepted_at in the saved record (0: no record saved) */
};

static const struct gate_case gates[] = {
	/* not accepted: no full session, nothing saved */
	{ 0, false, FINISH_PRIVACY, 0 },
	/* accepted before: signed in, the time kept */
	{ 1600000000u, false, FINISH_OK, 1600000000u },
	/* accepted with this request: signed in, the time recorded */
	{ 0, true, FINISH_OK, NOW },
	{ 1600000000u, true, FINISH_OK, 1600000000u },
};

struct gate_work {
	const struct gate_case *c;
	struct guest *rec;
	enum finish_result got;
	struct finish_done d;
};

static enum store_status gate_txn(struct store_txn *txn, void *arg)
{
	struct gate_work *w = arg;
	struct session_info prev;
	struct finish_req rq;

	memset(&prev, 0, sizeof(prev));
	prev.level = SESSION_CODE;
	memcpy(prev.addr, ADDR, sizeof(ADDR));
	memset(&rq, 0, sizeof(rq));
	rq.via = FINISH_MFA;
	rq.typed = ADDR;
	rq.prev = &prev;
	rq.rec = w->rec;
	rq.dest = "";
	rq.event = "mfa_signed_in";
	rq.privacy_accepted = w->c->accepted_now;
	return signin_finish(txn, &fx, &rq, NOW, &w->got, &w->d);
}

struct read_work {
	const char *cookie;
	bool session;
	uint64_t at;
	bool have_rec;
};

static enum store_status read_txn(struct store_txn *txn, void *arg)
{
	struct read_work *w = arg;
	struct session_limits lim = flow_session_limits(&fx);
	struct session_info si;
	struct guest *rec = guest_load(txn, ADDR, NOW);

	w->session = w->cookie[0] != '\0' && session_find(txn, keys, w->cookie, NOW, &lim, &si);
	w->have_rec = rec != NULL;
	w->at = rec != NULL ? rec->privacy_accepted_at : 0;
	guest_free(rec);
	return STORE_OK;
}

static enum store_status wipe_txn(struct store_txn *txn, void *arg)
{
	enum store_status s = store_del(txn, STORE_GUESTS, ADDR, strlen(ADDR));

	(void)arg;
	return s == STORE_NOTFOUND ? STORE_OK : s;
}

static void test_gate(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gates) / sizeof(gates[0]); i++) {
		const struct gate_case *c = &gates[i];
		struct gate_work w = { .c = c };
		struct read_work r = { .cookie = "" };

		assert_int_equal(store_write(st, wipe_txn, NULL), STORE_OK);
		w.rec = guest_new();
		assert_non_null(w.rec);
		w.rec->privacy_accepted_at = c->prior_at;
		assert_int_equal(store_write(st, gate_txn, &w), STORE_OK);
		if (w.got != c->want)
			fail_msg("case %zu prior=%llu accepted_now=%d: got %s, want %s", i, (unsigned long long)c->prior_at,
				 c->accepted_now,
				 signin_finish_word(w.got), signin_finish_word(c->want));
		r.cookie = w.d.session;
		assert_int_equal(store_read(st, read_txn, &r), STORE_OK);
		if (r.session != (c->want == FINISH_OK))
			fail_msg("case %zu: a session %s", i, r.session ? "started though held" : "missing");
		if (c->want_at == 0 && r.have_rec)
			fail_msg("case %zu: the record was saved though the sign-in was held", i);
		if (c->want_at != 0 && r.at != c->want_at)
			fail_msg("case %zu: privacy_accepted_at got %llu, want %llu", i, (unsigned long long)r.at,
				 (unsigned long long)c->want_at);
		guest_free(w.rec);
	}
}

/* A code-level sign-in (the emailed code at /login) is not held: the privacy page comes before its MFA step. */
static enum store_status code_txn(struct store_txn *txn, void *arg)
{
	struct gate_work *w = arg;
	struct finish_req rq;
	struct guest *rec = guest_new();
	enum store_status s = rec != NULL ? guest_save(txn, ADDR, rec, NOW) : STORE_ERROR;

	guest_free(rec);
	memset(&rq, 0, sizeof(rq));
	rq.via = FINISH_CODE;
	rq.typed = ADDR;
	rq.dest = "";
	rq.event = "login_code";
	return s == STORE_OK ? signin_finish(txn, &fx, &rq, NOW, &w->got, &w->d) : s;
}

static void test_code_level_not_held(void **state)
{
	struct gate_work w = { .c = NULL };

	(void)state;
	assert_int_equal(store_write(st, wipe_txn, NULL), STORE_OK);
	assert_int_equal(store_write(st, code_txn, &w), STORE_OK);
	if (w.got != FINISH_OK || w.d.level != SESSION_CODE)
		fail_msg("code sign-in of a guest who has not accepted: got %s level %d, want ok and a code-level session",
			 signin_finish_word(w.got), (int)w.d.level);
}

/* Provider MFA at /login (no invitation): who has no guest record gets "no access", never the privacy page. */
static enum store_status login_txn(struct store_txn *txn, void *arg)
{
	struct gate_work *w = arg;
	struct finish_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.via = FINISH_PROVIDER;
	rq.typed = "bob@partner.example";
	rq.provider = "partner";
	rq.asserted = "bob@partner.example";
	rq.provider_mfa = true;
	rq.dest = "";
	rq.event = "oidc_signed_in";
	return signin_finish(txn, &fx, &rq, NOW, &w->got, &w->d);
}

static void test_login_no_guest_not_held(void **state)
{
	static char *domains[] = { "partner.example" };
	struct gate_work w = { .c = NULL };

	(void)state;
	cfg.n_oidc = 1;
	cfg.oidc[0].name = "partner";
	cfg.oidc[0].domains.n = 1;
	cfg.oidc[0].domains.items = domains;
	assert_int_equal(store_write(st, login_txn, &w), STORE_OK);
	cfg.n_oidc = 0;
	if (w.got != FINISH_NO_ACCESS)
		fail_msg("provider /login without a guest record: got %s, want %s", signin_finish_word(w.got),
			 signin_finish_word(FINISH_NO_ACCESS));
}

struct hold_work {
	char cookie[SESSION_TEXT];
};

static enum store_status hold_txn(struct store_txn *txn, void *arg)
{
	struct hold_work *w = arg;
	struct privacy_hold h = { .provider = "partner", .typed = ADDR, .asserted = ADDR, .login = true,
				  .link_token = "", .rd = "https://teams.example.org/x" };

	return privacy_hold_put(txn, keys, &h, NOW, w->cookie);
}

static void test_hold_is_no_session(void **state)
{
	struct hold_work w;
	struct read_work r = { .cookie = w.cookie };
	char other[SESSION_TEXT];

	(void)state;
	assert_int_equal(store_write(st, hold_txn, &w), STORE_OK);
	assert_int_equal(strlen(w.cookie), SESSION_TEXT - 1);
	assert_int_equal(store_read(st, read_txn, &r), STORE_OK);
	if (r.session)
		fail_msg("a held sign-in's cookie is a session");
	assert_int_equal(privacy_state(&fx, w.cookie, NOW), PRIVACY_NEEDED);
	assert_int_equal(privacy_state(&fx, w.cookie, NOW + PRIVACY_HOLD_TTL + 1), PRIVACY_DONE);
	memcpy(other, w.cookie, sizeof(other));
	other[0] = other[0] == 'A' ? 'B' : 'A';
	assert_int_equal(privacy_state(&fx, other, NOW), PRIVACY_DONE);
	assert_int_equal(privacy_state(&fx, "", NOW), PRIVACY_DONE);
	assert_int_equal(privacy_state(&fx, "not-a-cookie", NOW), PRIVACY_DONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_code_level_not_held),
		cmocka_unit_test(test_login_no_guest_not_held),
		cmocka_unit_test(test_hold_is_no_session),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
