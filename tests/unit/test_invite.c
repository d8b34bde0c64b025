/*
 * test_invite - the whole milter decision without libmilter: a collected
 * message in, verdict, new body, subject and signed links out.
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

#include "invite.h"
#include "keys.h"
#include "token.h"

static struct milter_config cfg;
static struct signing_key key;
static struct keyring ring;
static char keydir[64];

static int setup(void **state)
{
	char err[256], path[128];
	FILE *devnull = fopen("/dev/null", "w");

	(void)state;
	if (sodium_init() < 0)
		return -1;
	rewrite_init();
	snprintf(keydir, sizeof(keydir), "/tmp/guestlink-invite-XXXXXX");
	if (mkdtemp(keydir) == NULL || !keys_generate(keydir, devnull, err, sizeof(err)))
		return -1;
	fclose(devnull);
	snprintf(path, sizeof(path), "%s/link.key", keydir);
	if (!keys_load_signing(path, &key, err, sizeof(err)) || !keys_load_verify(keydir, &ring, err, sizeof(err)))
		return -1;
	snprintf(path, sizeof(path), "%s/guest.key", keydir);
	if (!keys_load_guest(path, &key.guest, err, sizeof(err)) ||
	    !keyring_load_guests(&ring, path, NULL, err, sizeof(err)))
		return -1;
	if (!milter_config_load_string("t.conf",
				"[guestlink]\npublic_url = https://guest.example.org\norg_name = Example University\n"
				"internal_domains = example.org\n"
				"[milter]\nresources = https://teams.example.org/ https://wiki.example.org/space/\n"
				"max_recipients = 3\n",
				&cfg, err, sizeof(err)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	keys_free_signing(&key);
	keyring_free(&ring);
	milter_config_free(&cfg);
	rewrite_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", keydir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *const two_guests[] = { "guest@gmail.com", "bcc@example.net" };

static void request(struct invite_request *req, const char *subject, const char *body, size_t n_guests)
{
	memset(req, 0, sizeof(*req));
	req->cfg = &cfg;
	req->key = &key;
	req->staff = STAFF_AUTH;
	req->sender = "alice@example.org";
	req->guests = two_guests;
	req->n_guests = n_guests;
	req->subject = subject;
	req->headers = "";
	req->body = body;
	req->body_len = strlen(body);
	req->now = 1700000000;
}

/* first_token - the token text after the first "/accept/" in s */
static const char *first_token(const char *s, size_t *len)
{
	const char *p = strstr(s, "https://guest.example.org/accept/");

	assert_non_null(p);
	return token_from_link(p, len);
}

static void test_invitation(void **state)
{
	struct invite_request req;
	struct invite_result res;
	struct token t;
	const char *tok;
	size_t len;

	(void)state;
	request(&req, "[invite] Join our research lab",
		"Hi,\r\n\r\nplease join https://teams.example.org/t/research-lab today.\r\n", 2);
	invite_result_init(&res);
	assert_int_equal(invite_process(&req, &res), VERDICT_REWRITE);
	assert_true(res.subject_changed);
	assert_string_equal(res.subject.data, "Join our research lab");
	assert_null(strstr(res.body.data, "https://teams.example.org/t/research-lab"));
	assert_non_null(strstr(res.body.data, "8-digit code"));
	assert_non_null(strstr(res.body.data, "code van 8 cijfers"));
	assert_int_equal(res.stats.links, 1);
	assert_int_equal(strlen(res.id_hex), 32);
	tok = first_token(res.body.data, &len);
	assert_int_equal(token_verify(tok, len, &ring, 1700000001, &t), TOKEN_OK);
	assert_string_equal(t.resource, "https://teams.example.org/t/research-lab");
	assert_string_equal(t.inviter, "alice@example.org");
	assert_int_equal(t.n_guests, 2);
	assert_true(token_has_guest(&t, "guest@gmail.com"));
	assert_true(token_has_guest(&t, "bcc@example.net"));
	assert_false(token_has_guest(&t, "alice@example.org"));
	assert_int_equal(t.expires_at - t.issued_at, 7 * 86400);
	/* the Bcc address is not in the body */
	assert_null(strstr(res.body.data, "bcc@example.net"));
	invite_result_free(&res);
}

static const struct {
	const char *name;
	enum staff_reason staff;
	const char *subject;
	const char *body;
	size_t n_guests;
	enum verdict want;
} cases[] = {
	{ "no tag", STAFF_AUTH, "Join", "https://teams.example.org/t/x\r\n", 1, VERDICT_PASS },
	{ "not staff", STAFF_NO, "[invite] Join", "https://teams.example.org/t/x\r\n", 1, VERDICT_PASS },
	{ "internal only", STAFF_AUTH, "[invite] Join", "https://teams.example.org/t/x\r\n", 0, VERDICT_PASS },
	{ "no subject", STAFF_AUTH, NULL, "https://teams.example.org/t/x\r\n", 1, VERDICT_PASS },
	{ "no link", STAFF_AUTH, "[invite] Join", "Come and see.\r\n", 1, VERDICT_REJECT_NO_LINK },
	{ "look-alike only", STAFF_AUTH, "[invite] Join", "https://teams.example.org.evil.net/\r\n", 1,
	  VERDICT_REJECT_NO_LINK },
	{ "inline PGP", STAFF_LOCAL, "[invite] Join",
	  "-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\nhttps://teams.example.org/t/x\r\n", 1,
	  VERDICT_REJECT_SIGNED },
};

static void test_verdicts(void **state)
{
	struct invite_request req;
	struct invite_result res;
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum verdict got;

		request(&req, cases[i].subject, cases[i].body, cases[i].n_guests);
		req.staff = cases[i].staff;
		invite_result_init(&res);
		got = invite_process(&req, &res);
		if (got != cases[i].want) {
			printf("%s: got %s, want %s\n", cases[i].name, policy_verdict_word(got),
			       policy_verdict_word(cases[i].want));
			failures++;
		}
		if (got != VERDICT_REWRITE && res.subject_changed) {
			printf("%s: subject changed on a %s\n", cases[i].name, policy_verdict_word(got));
			failures++;
		}
		invite_result_free(&res);
	}
	assert_int_equal(failures, 0);
}

static void test_too_many(void **state)
{
	static const char *const many[] = { "a@x.net", "b@x.net", "c@x.net", "d@x.net" };
	struct invite_request req;
	struct invite_result res;

	(void)state;
	request(&req, "[invite] Join", "https://teams.example.org/t/x\r\n", 4);
	req.guests = many;
	invite_result_init(&res);
	assert_int_equal(invite_process(&req, &res), VERDICT_REJECT_TOO_MANY);
	invite_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invitation),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_too_many),
	};

	return cmocka_run_group_tests_name("invite", tests, setup, teardown);
}
