/*
 * test_policy - the rules of "When is a mail an invitation?" as a table,
 * the subject tag (plain and RFC 2047), and the reply texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>

#include "milter_config.h"
#include "policy.h"
#include "subject.h"

static struct milter_config cfg;

static int setup(void **state)
{
	char err[256];

	(void)state;
	g_mime_init();
	if (!milter_config_load_string("t.conf",
				"[guestlink]\npublic_url = https://g.example.org\ninternal_domains = example.org\n"
				"[milter]\nresources = https://teams.example.org/\nmax_recipients = 3\n"
				"login_domain = Lab.Example.ORG\nlocal_submitters = Staff@Example.org, ops@example.org\n",
				&cfg, err, sizeof(err)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	milter_config_free(&cfg);
	g_mime_shutdown();
	return 0;
}

/* staff - policy_staff's reason, and its inviter in *inviter */
static enum staff_reason staff(const struct milter_config *c, const char *auth, const char *sender, bool trusted, bool local,
			       const char **inviter)
{
	static char buf[ADDR_BUF];

	*inviter = buf;
	return policy_staff(c, auth, sender, trusted, local, buf);
}

static void test_staff(void **state)
{
	static const struct {
		const char *name, *auth, *sender;
		bool trusted, local;
		enum staff_reason want;
		const char *inviter;
	} t[] = {
		{ "login is the inviter, not the sender", "alice@example.org", "mallory@example.org", false, false,
		  STAFF_AUTH, "alice@example.org" },
		{ "login normalized", "Bob@Example.ORG", "", false, false, STAFF_AUTH, "bob@example.org" },
		{ "bare login + login_domain", "carol", "x@gmail.com", true, false, STAFF_AUTH, "carol@lab.example.org" },
		{ "login with a space", "dave smith", "dave@example.org", true, false, STAFF_LOGIN_REFUSED, "" },
		{ "login with a quote", "a\"b@example.org", "", false, false, STAFF_LOGIN_REFUSED, "" },
		{ "login wins over local", "alice@example.org", "staff@example.org", false, true, STAFF_AUTH,
		  "alice@example.org" },
		{ "empty login is no login", "", "x@example.org", false, false, STAFF_NO, "" },
		{ "trusted network: the sender", NULL, "staff@example.org", true, false, STAFF_NETWORK,
		  "staff@example.org" },
		{ "local, listed", NULL, "staff@example.org", false, true, STAFF_LOCAL, "staff@example.org" },
		{ "local, listed, trusted too", NULL, "staff@example.org", true, true, STAFF_LOCAL, "staff@example.org" },
		{ "local, unlisted, trusted loopback", NULL, "webapp@example.org", true, true, STAFF_LOCAL_REFUSED, "" },
		{ "local, null sender", NULL, "", true, true, STAFF_LOCAL_REFUSED, "" },
		{ "nobody", NULL, "staff@example.org", false, false, STAFF_NO, "" },
		/* the inviter must be of the organisation, whatever made the mail staff mail (red team 03) */
		{ "trusted network, outside sender", NULL, "security-team@bank.example", true, false,
		  STAFF_INVITER_REFUSED, "" },
		{ "trusted network, look-alike domain", NULL, "ceo@example.org.evil", true, false, STAFF_INVITER_REFUSED,
		  "" },
		{ "trusted network, subdomain", NULL, "x@lab.example.org", true, false, STAFF_NETWORK, "x@lab.example.org" },
		{ "trusted network, null sender", NULL, "", true, false, STAFF_INVITER_REFUSED, "" },
		{ "login that is an outside address", "bob@gmail.com", "", false, false, STAFF_INVITER_REFUSED, "" },
	};
	struct milter_config c2;
	char err[256];
	const char *inviter;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum staff_reason got = staff(&cfg, t[i].auth, t[i].sender, t[i].trusted, t[i].local, &inviter);

		if (got != t[i].want || strcmp(inviter, t[i].inviter) != 0)
			fail_msg("%s: got %s '%s', want %s '%s'", t[i].name, policy_staff_word(got), inviter,
				 policy_staff_word(t[i].want), t[i].inviter);
	}
	/* The defaults: no login_domain, no local submitters. */
	assert_true(milter_config_load_string("d.conf",
				       "[guestlink]\npublic_url = https://g.example.org\ninternal_domains = example.org\n"
				       "[milter]\nresources = https://teams.example.org/\n",
				       &c2, err, sizeof(err)));
	assert_int_equal(staff(&c2, "carol", "carol@example.org", true, false, &inviter), STAFF_LOGIN_REFUSED);
	assert_int_equal(staff(&c2, "carol@example.org", "", false, false, &inviter), STAFF_AUTH);
	assert_string_equal(inviter, "carol@example.org");
	assert_int_equal(staff(&c2, NULL, "staff@example.org", true, true, &inviter), STAFF_LOCAL_REFUSED);
	milter_config_free(&c2);
}

static const struct {
	const char *name;
	enum trigger trigger;
	struct policy_msg m;
	enum rewrite_result r;
	enum verdict before, after;
} cases[] = {
	{ "not staff", TRIGGER_TAG, { STAFF_NO, 1, true, false, 0 }, REWRITE_CHANGED, VERDICT_PASS, VERDICT_PASS },
	{ "internal only", TRIGGER_TAG, { STAFF_AUTH, 0, true, false, 0 }, REWRITE_CHANGED, VERDICT_PASS, VERDICT_PASS },
	{ "untagged", TRIGGER_TAG, { STAFF_AUTH, 1, false, false, 0 }, REWRITE_CHANGED, VERDICT_PASS, VERDICT_PASS },
	{ "invitation", TRIGGER_TAG, { STAFF_AUTH, 1, true, false, 0 }, REWRITE_CHANGED, VERDICT_REWRITE, VERDICT_REWRITE },
	{ "no link", TRIGGER_TAG, { STAFF_NETWORK, 2, true, false, 0 }, REWRITE_UNCHANGED, VERDICT_REWRITE,
	  VERDICT_REJECT_NO_LINK },
	{ "signed", TRIGGER_TAG, { STAFF_LOCAL, 1, true, false, 0 }, REWRITE_SIGNED, VERDICT_REWRITE, VERDICT_REJECT_SIGNED },
	{ "malformed", TRIGGER_TAG, { STAFF_AUTH, 1, true, false, 0 }, REWRITE_MALFORMED, VERDICT_REWRITE,
	  VERDICT_REJECT_MALFORMED },
	{ "error", TRIGGER_TAG, { STAFF_AUTH, 1, true, false, 0 }, REWRITE_ERROR, VERDICT_REWRITE, VERDICT_TEMPFAIL },
	{ "too many", TRIGGER_TAG, { STAFF_AUTH, 4, true, false, 0 }, REWRITE_CHANGED, VERDICT_REJECT_TOO_MANY,
	  VERDICT_REJECT_TOO_MANY },
	{ "too big", TRIGGER_TAG, { STAFF_AUTH, 1, true, true, 0 }, REWRITE_CHANGED, VERDICT_REJECT_TOO_BIG, VERDICT_REWRITE },
	{ "link mode, link", TRIGGER_LINK, { STAFF_AUTH, 1, false, false, 0 }, REWRITE_CHANGED, VERDICT_REWRITE,
	  VERDICT_REWRITE },
	{ "link mode, no link", TRIGGER_LINK, { STAFF_AUTH, 1, false, false, 0 }, REWRITE_UNCHANGED, VERDICT_REWRITE,
	  VERDICT_PASS },
	{ "link mode, signed", TRIGGER_LINK, { STAFF_AUTH, 1, false, false, 0 }, REWRITE_SIGNED, VERDICT_REWRITE,
	  VERDICT_PASS },
	{ "link mode, too big", TRIGGER_LINK, { STAFF_AUTH, 1, false, true, 0 }, REWRITE_CHANGED, VERDICT_PASS,
	  VERDICT_REWRITE },
	/* Outside recipients whose address addr_normalize refuses (quotes, spaces, brackets). */
	{ "bad address only", TRIGGER_TAG, { STAFF_AUTH, 0, true, false, 1 }, REWRITE_CHANGED,
	  VERDICT_REJECT_BAD_ADDRESS, VERDICT_REJECT_BAD_ADDRESS },
	{ "bad address and a guest", TRIGGER_TAG, { STAFF_NETWORK, 1, true, false, 1 }, REWRITE_CHANGED,
	  VERDICT_REJECT_BAD_ADDRESS, VERDICT_REJECT_BAD_ADDRESS },
	{ "bad address, untagged", TRIGGER_TAG, { STAFF_AUTH, 0, false, false, 1 }, REWRITE_CHANGED, VERDICT_PASS,
	  VERDICT_PASS },
	{ "bad address, not staff", TRIGGER_TAG, { STAFF_NO, 0, true, false, 1 }, REWRITE_CHANGED, VERDICT_PASS,
	  VERDICT_PASS },
	{ "link mode, bad address only", TRIGGER_LINK, { STAFF_AUTH, 0, false, false, 1 }, REWRITE_CHANGED,
	  VERDICT_PASS, VERDICT_PASS },
	{ "link mode, bad address and a guest", TRIGGER_LINK, { STAFF_AUTH, 1, false, false, 1 }, REWRITE_CHANGED,
	  VERDICT_REWRITE, VERDICT_REWRITE },
	{ "link mode, too many", TRIGGER_LINK, { STAFF_AUTH, 4, false, false, 0 }, REWRITE_CHANGED, VERDICT_REWRITE,
	  VERDICT_REJECT_TOO_MANY },
	/* sendmail from a sender not in local_submitters; a SASL login that is no address */
	{ "local refused", TRIGGER_TAG, { STAFF_LOCAL_REFUSED, 1, true, false, 0 }, REWRITE_CHANGED,
	  VERDICT_REJECT_LOCAL, VERDICT_REJECT_LOCAL },
	{ "local refused, too big", TRIGGER_TAG, { STAFF_LOCAL_REFUSED, 1, true, true, 0 }, REWRITE_CHANGED,
	  VERDICT_REJECT_LOCAL, VERDICT_REJECT_LOCAL },
	{ "local refused, untagged", TRIGGER_TAG, { STAFF_LOCAL_REFUSED, 1, false, false, 0 }, REWRITE_CHANGED,
	  VERDICT_PASS, VERDICT_PASS },
	{ "local refused, internal only", TRIGGER_TAG, { STAFF_LOCAL_REFUSED, 0, true, false, 0 }, REWRITE_CHANGED,
	  VERDICT_PASS, VERDICT_PASS },
	{ "link mode, local refused, untagged", TRIGGER_LINK, { STAFF_LOCAL_REFUSED, 1, false, false, 0 },
	  REWRITE_CHANGED, VERDICT_PASS, VERDICT_PASS },
	{ "login refused", TRIGGER_TAG, { STAFF_LOGIN_REFUSED, 1, true, false, 0 }, REWRITE_CHANGED,
	  VERDICT_REJECT_LOGIN, VERDICT_REJECT_LOGIN },
	{ "login refused, bad address", TRIGGER_TAG, { STAFF_LOGIN_REFUSED, 0, true, false, 1 }, REWRITE_CHANGED,
	  VERDICT_REJECT_LOGIN, VERDICT_REJECT_LOGIN },
	{ "login refused, untagged", TRIGGER_TAG, { STAFF_LOGIN_REFUSED, 1, false, false, 0 }, REWRITE_CHANGED,
	  VERDICT_PASS, VERDICT_PASS },
	{ "inviter outside", TRIGGER_TAG, { STAFF_INVITER_REFUSED, 1, true, false, 0 }, REWRITE_CHANGED,
	  VERDICT_REJECT_INVITER, VERDICT_REJECT_INVITER },
	{ "inviter outside, untagged", TRIGGER_TAG, { STAFF_INVITER_REFUSED, 1, false, false, 0 }, REWRITE_CHANGED,
	  VERDICT_PASS, VERDICT_PASS },
	{ "link mode, inviter outside, untagged", TRIGGER_LINK, { STAFF_INVITER_REFUSED, 1, false, false, 0 },
	  REWRITE_CHANGED, VERDICT_PASS, VERDICT_PASS },
};

static void test_verdicts(void **state)
{
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum verdict before, after;

		cfg.trigger = cases[i].trigger;
		before = policy_before_rewrite(&cfg, &cases[i].m);
		after = policy_after_rewrite(&cfg, &cases[i].m, cases[i].r);
		if (before != cases[i].before || after != cases[i].after) {
			printf("%s: got %s/%s, want %s/%s\n", cases[i].name, policy_verdict_word(before),
			       policy_verdict_word(after), policy_verdict_word(cases[i].before),
			       policy_verdict_word(cases[i].after));
			failures++;
		}
	}
	cfg.trigger = TRIGGER_TAG;
	assert_int_equal(failures, 0);
}

static void test_replies(void **state)
{
	struct policy_reply r;
	char text[512];

	(void)state;
	policy_reply(&cfg, VERDICT_REJECT_NO_LINK, text, sizeof(text), &r);
	assert_string_equal(r.rcode, "550");
	assert_string_equal(r.xcode, "5.7.1");
	assert_non_null(strstr(text, "https://teams.example.org/"));
	assert_non_null(strstr(text, "[invite]"));
	policy_reply(&cfg, VERDICT_REJECT_SIGNED, text, sizeof(text), &r);
	assert_non_null(strstr(text, "unsigned"));
	policy_reply(&cfg, VERDICT_REJECT_TOO_MANY, text, sizeof(text), &r);
	assert_string_equal(r.xcode, "5.5.3");
	assert_non_null(strstr(text, "at most 3"));
	policy_reply(&cfg, VERDICT_REJECT_BAD_ADDRESS, text, sizeof(text), &r);
	assert_string_equal(r.rcode, "550");
	assert_string_equal(r.xcode, "5.1.3");
	assert_non_null(strstr(text, "plain address"));
	assert_string_equal(policy_verdict_word(VERDICT_REJECT_BAD_ADDRESS), "reject_bad_address");
	policy_reply(&cfg, VERDICT_REJECT_LOCAL, text, sizeof(text), &r);
	assert_string_equal(r.rcode, "550");
	assert_string_equal(r.xcode, "5.7.1");
	assert_non_null(strstr(text, "local_submitters"));
	assert_string_equal(policy_verdict_word(VERDICT_REJECT_LOCAL), "reject_local");
	policy_reply(&cfg, VERDICT_REJECT_LOGIN, text, sizeof(text), &r);
	assert_string_equal(r.xcode, "5.7.1");
	assert_non_null(strstr(text, "login_domain"));
	assert_string_equal(policy_verdict_word(VERDICT_REJECT_LOGIN), "reject_login");
	policy_reply(&cfg, VERDICT_REJECT_INVITER, text, sizeof(text), &r);
	assert_string_equal(r.rcode, "550");
	assert_string_equal(r.xcode, "5.7.1");
	assert_non_null(strstr(text, "internal_domains"));
	assert_string_equal(policy_verdict_word(VERDICT_REJECT_INVITER), "reject_inviter");
	policy_reply_why(&cfg, VERDICT_REJECT_MALFORMED, "a multipart without a boundary", text, sizeof(text), &r);
	assert_string_equal(r.rcode, "550");
	assert_string_equal(r.xcode, "5.6.0");
	assert_non_null(strstr(text, "(a multipart without a boundary)"));
	assert_non_null(strstr(text, "new message"));
	assert_string_equal(policy_verdict_word(VERDICT_REJECT_MALFORMED), "reject_malformed");
	policy_reply(&cfg, VERDICT_REJECT_MALFORMED, text, sizeof(text), &r);
	assert_string_equal(r.xcode, "5.6.0");
	assert_non_null(strstr(text, "broken ("));
	policy_reply(&cfg, VERDICT_TEMPFAIL, text, sizeof(text), &r);
	assert_string_equal(r.rcode, "451");
	assert_string_equal(r.xcode, "4.7.1");
	policy_reply(&cfg, VERDICT_REWRITE, text, sizeof(text), &r);
	assert_null(r.rcode);
}

static const struct {
	const char *in;
	enum subject_tag want;
	const char *out;
} subjects[] = {
	{ "[invite] Join our research lab", SUBJECT_TAGGED, "Join our research lab" },
	{ "[Invite] Join", SUBJECT_TAGGED, "Join" },
	{ "Join our lab [INVITE]", SUBJECT_TAGGED, "Join our lab" },
	{ "Re: [invite]  two spaces", SUBJECT_TAGGED, "Re:  two spaces" },
	{ "Join our research lab", SUBJECT_UNTAGGED, NULL },
	{ "[invited] no", SUBJECT_UNTAGGED, NULL },
	{ "", SUBJECT_UNTAGGED, NULL },
	/* "[invite] Uitnodiging voor het lab" in UTF-8 base64, as phones send it */
	{ "=?UTF-8?B?W2ludml0ZV0gVWl0bm9kaWdpbmcgdm9vciBoZXQgbGFi?=", SUBJECT_TAGGED,
	  "Uitnodiging voor het lab" },
	/* "[invite] Café" in Q encoding */
	{ "=?ISO-8859-1?Q?=5Binvite=5D_Caf=E9?=", SUBJECT_TAGGED, "Café" },
	{ "=?UTF-8?B?SGVsbG8=?=", SUBJECT_UNTAGGED, NULL },
};

static void test_subjects(void **state)
{
	struct buf out;
	char *decoded;
	int failures = 0;

	(void)state;
	buf_init(&out, 4096);
	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		enum subject_tag got = subject_strip_tag(subjects[i].in, "[invite]", &out);

		if (got != subjects[i].want) {
			printf("subject %s: got %d, want %d\n", subjects[i].in, got, subjects[i].want);
			failures++;
			continue;
		}
		if (got != SUBJECT_TAGGED)
			continue;
		/* compare what a mail client shows */
		decoded = g_mime_utils_header_decode_text(NULL, out.data);
		if (strcmp(decoded, subjects[i].out) != 0) {
			printf("subject %s: got \"%s\" (raw \"%s\"), want \"%s\"\n", subjects[i].in, decoded, out.data,
			       subjects[i].out);
			failures++;
		}
		g_free(decoded);
	}
	buf_release(&out);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_staff),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_subjects),
	};

	return cmocka_run_group_tests_name("policy", tests, setup, teardown);
}
