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

#include "config.h"
#include "policy.h"
#include "subject.h"

static struct config cfg;

static int setup(void **state)
{
	char err[256];

	(void)state;
	g_mime_init();
	if (!config_load_string("t.conf",
				"[guestlink]\npublic_url = https://g.example.org\ninternal_domains = example.org\n"
				"[milter]\nresources = https://teams.example.org/\nmax_recipients = 3\n",
				&cfg, err, sizeof(err)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	config_free(&cfg);
	g_mime_shutdown();
	return 0;
}

static void test_staff(void **state)
{
	(void)state;
	assert_int_equal(policy_staff("alice", false, false), STAFF_AUTH);
	assert_int_equal(policy_staff("", false, false), STAFF_NO);
	assert_int_equal(policy_staff(NULL, true, false), STAFF_NETWORK);
	assert_int_equal(policy_staff(NULL, false, true), STAFF_LOCAL);
	assert_int_equal(policy_staff(NULL, false, false), STAFF_NO);
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
