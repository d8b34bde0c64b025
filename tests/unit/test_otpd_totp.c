/*
 * test_otpd_totp - RFC 6238 (SHA-1) and RFC 4226 known answers, the
 * verification window and replay rule, base32 (RFC 4648), input parsing,
 * and the MFA record: enrolment, replay, single-use recovery codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "guest.h"
#include "mfa.h"
#include "secrets.h"
#include "totp.h"

static const uint8_t rfc_key[20] = "12345678901234567890";

/* RFC 6238 appendix B, the SHA1 rows (8 digits, 30 s steps). */
static const struct {
	uint64_t t;
	const char *want;
} rfc6238[] = {
	{ 59, "94287082" },
	{ 1111111109, "07081804" },
	{ 1111111111, "14050471" },
	{ 1234567890, "89005924" },
	{ 2000000000, "69279037" },
	{ 20000000000ull, "65353130" },
};

/* RFC 4226 appendix D: HOTP, 6 digits, counters 0..9. */
static const char *const rfc4226[] = {
	"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489",
};

static void test_rfc6238(void **state)
{
	char got[9];

	(void)state;
	for (size_t i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
		if (!totp_hotp(rfc_key, sizeof(rfc_key), totp_step(rfc6238[i].t), 8, got))
			fail_msg("T=%llu: totp_hotp failed", (unsigned long long)rfc6238[i].t);
		if (strcmp(got, rfc6238[i].want) != 0)
			fail_msg("T=%llu: got %s, want %s", (unsigned long long)rfc6238[i].t, got, rfc6238[i].want);
	}
}

static void test_rfc4226(void **state)
{
	char got[7];

	(void)state;
	for (uint64_t c = 0; c < 10; c++) {
		if (!totp_hotp(rfc_key, sizeof(rfc_key), c, 6, got) || strcmp(got, rfc4226[c]) != 0)
			fail_msg("counter %llu: got %s, want %s", (unsigned long long)c, got, rfc4226[c]);
	}
}

/* Verify at now = 1111111111 (step 37037037) against codes of other steps. */
static const struct {
	const char *name;
	int64_t code_step_delta;	/* the code is for step now + delta */
	bool has_last;			/* a step was used before: */
	int64_t last_step_delta;	/* last used = now + this */
	enum totp_result want;
} verify_cases[] = {
	{ "current step", 0, false, 0, TOTP_OK },
	{ "one step back", -1, false, 0, TOTP_OK },
	{ "one step ahead", 1, false, 0, TOTP_OK },
	{ "two steps back", -2, false, 0, TOTP_WRONG },
	{ "two steps ahead", 2, false, 0, TOTP_WRONG },
	{ "last used long ago", 0, true, -1000, TOTP_OK },
	{ "last used one step back", 0, true, -1, TOTP_OK },
	{ "current step already used", 0, true, 0, TOTP_REPLAYED },
	{ "previous step, current used", -1, true, 0, TOTP_REPLAYED },
	{ "next step, current used", 1, true, 0, TOTP_OK },
};

static void test_verify(void **state)
{
	const uint64_t now = 1111111111, cur = totp_step(now);
	char code[9];
	uint64_t step;

	(void)state;
	for (size_t i = 0; i < sizeof(verify_cases) / sizeof(verify_cases[0]); i++) {
		uint64_t last = verify_cases[i].has_last ? (uint64_t)((int64_t)cur + verify_cases[i].last_step_delta) : 0;
		enum totp_result got;

		assert_true(totp_hotp(rfc_key, 20, (uint64_t)((int64_t)cur + verify_cases[i].code_step_delta), 6, code));
		got = totp_verify(rfc_key, code, now, last, &step);
		if (got != verify_cases[i].want)
			fail_msg("%s: got %d, want %d", verify_cases[i].name, got, verify_cases[i].want);
		if (got == TOTP_OK && step != (uint64_t)((int64_t)cur + verify_cases[i].code_step_delta))
			fail_msg("%s: got step %llu, want %llu", verify_cases[i].name, (unsigned long long)step,
				 (unsigned long long)((int64_t)cur + verify_cases[i].code_step_delta));
	}
}

/* Replay: a code works once; an older step after a newer one is refused too. */
static void test_replay(void **state)
{
	const uint64_t now = 1234567890, cur = totp_step(now);
	char code[9], prev[9];
	uint64_t step = 0, last;

	(void)state;
	assert_true(totp_hotp(rfc_key, 20, cur, 6, code));
	assert_true(totp_hotp(rfc_key, 20, cur - 1, 6, prev));
	if (totp_verify(rfc_key, code, now, 0, &step) != TOTP_OK)
		fail_msg("first use: got not OK, want OK");
	last = step;
	if (totp_verify(rfc_key, code, now, last, &step) != TOTP_REPLAYED)
		fail_msg("second use: got not REPLAYED, want REPLAYED");
	if (totp_verify(rfc_key, prev, now, last, &step) != TOTP_REPLAYED)
		fail_msg("older step after newer: got not REPLAYED, want REPLAYED");
}

static const struct {
	const char *in, *want;
} b32_cases[] = {
	{ "", "" }, { "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" }, { "foob", "MZXW6YQ" },
	{ "fooba", "MZXW6YTB" }, { "foobar", "MZXW6YTBOI" },
	{ "12345678901234567890", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" },
};

static void test_base32(void **state)
{
	char got[TOTP_B32_BUF];

	(void)state;
	for (size_t i = 0; i < sizeof(b32_cases) / sizeof(b32_cases[0]); i++) {
		if (!totp_base32((const uint8_t *)b32_cases[i].in, strlen(b32_cases[i].in), got, sizeof(got)) ||
		    strcmp(got, b32_cases[i].want) != 0)
			fail_msg("base32(\"%s\"): got %s, want %s", b32_cases[i].in, got, b32_cases[i].want);
	}
	if (totp_base32(rfc_key, 20, got, 32))
		fail_msg("base32 into a short buffer: got true, want false");
}

static const struct {
	const char *in;
	bool totp;		/* totp_well_formed */
	const char *totp_out;
	bool recovery;		/* mfa_recovery_well_formed */
	const char *rec_out;
} input_cases[] = {
	{ "123456", true, "123456", false, NULL },
	{ "123 456", true, "123456", false, NULL },
	{ " 123-456 ", true, "123456", false, NULL },
	{ "12345", false, NULL, false, NULL },
	{ "1234567", false, NULL, false, NULL },
	{ "12345a", false, NULL, false, NULL },
	{ "", false, NULL, false, NULL },
	{ "abcd-efgh-jkmn", false, NULL, true, "abcdefghjkmn" },
	{ "ABCD EFGH JKMN", false, NULL, true, "abcdefghjkmn" },
	{ "abcd-efgh-jkm", false, NULL, false, NULL },
	{ "abcd-efgh-jkmno", false, NULL, false, NULL },	/* 'o' is not in the alphabet; 13 letters */
	{ "abcd-efgh-jkm1", false, NULL, false, NULL },		/* '1' is not either */
	{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", false, NULL, false, NULL },
};

static void test_inputs(void **state)
{
	char t[TOTP_BUF], r[MFA_RECOVERY_CHARS + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(input_cases) / sizeof(input_cases[0]); i++) {
		bool got_t = totp_well_formed(input_cases[i].in, t), got_r = mfa_recovery_well_formed(input_cases[i].in, r);

		if (got_t != input_cases[i].totp || (got_t && strcmp(t, input_cases[i].totp_out) != 0))
			fail_msg("totp \"%s\": got %d \"%s\", want %d \"%s\"", input_cases[i].in, got_t, got_t ? t : "",
				 input_cases[i].totp, input_cases[i].totp_out ? input_cases[i].totp_out : "");
		if (got_r != input_cases[i].recovery || (got_r && strcmp(r, input_cases[i].rec_out) != 0))
			fail_msg("recovery \"%s\": got %d, want %d", input_cases[i].in, got_r, input_cases[i].recovery);
	}
}

static void test_uri(void **state)
{
	struct buf b;
	const char *want = "otpauth://totp/Example%20University:guest%40example.net?secret=GEZDGNBVGY3TQOJQ"
			   "&issuer=Example%20University&algorithm=SHA1&digits=6&period=30";

	(void)state;
	buf_init(&b, 1024);
	assert_true(mfa_uri(&b, "Example University", "guest@example.net", "GEZDGNBVGY3TQOJQ"));
	if (strcmp(b.data, want) != 0)
		fail_msg("uri: got %s, want %s", b.data, want);
	buf_release(&b);
}

/* decode_b32 - the test's own base32 decoder (the enrolment hands out text only) */
static size_t decode_b32(const char *s, uint8_t *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	for (; *s; s++) {
		const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", *p = strchr(a, *s);

		acc = (acc << 5) | (uint32_t)(p - a);
		bits += 5;
		if (bits >= 8) {
			out[n++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return n;
}

/* The record: pending secret stays stable, confirm, replay refused, recovery single use, reset. */
static void test_mfa_record(void **state)
{
	uint8_t master[32] = { 7 }, key[32];
	struct secrets *keys = secrets_derive(master);
	struct guest *rec = guest_new();
	char b32[TOTP_B32_BUF], again[TOTP_B32_BUF], code[9], used[MFA_RECOVERY_BUF];
	struct mfa_recovery *rc = NULL;
	const uint64_t now = 1700000000;
	uint8_t s1[MFA_BIND_LEN], s2[MFA_BIND_LEN];
	bool changed;

	(void)state;
	memset(s1, 1, sizeof(s1));
	memset(s2, 2, sizeof(s2));
	assert_non_null(keys);
	assert_true(mfa_begin(rec, keys, "guest@example.net", s1, now, b32, &changed));
	assert_true(changed);
	assert_true(mfa_begin(rec, keys, "guest@example.net", s1, now + 60, again, &changed));
	if (changed || strcmp(b32, again) != 0)
		fail_msg("pending secret: got a new one on reload, want the same");
	/* Another guest's address does not decrypt it: a fresh one is made. */
	assert_true(mfa_begin(rec, keys, "other@example.net", s1, now, again, &changed));
	if (!changed || strcmp(b32, again) == 0)
		fail_msg("pending secret under another address: got the same, want a new one");
	/* Red team 5, finding 01: another session of the same address does not see it either; its new one
	 * replaces it, and the first session's code for the old one is then wrong. */
	assert_true(mfa_begin(rec, keys, "guest@example.net", s1, now, b32, &changed));
	assert_true(mfa_begin(rec, keys, "guest@example.net", s2, now, again, &changed));
	if (!changed || strcmp(b32, again) == 0)
		fail_msg("pending secret in another session: got the same, want a new one");
	assert_int_equal(decode_b32(b32, key), 20);
	assert_true(totp_hotp(key, 20, totp_step(now), 6, code));
	if (mfa_confirm(rec, keys, "guest@example.net", s1, code, now, &rc) != MFA_WRONG || rc != NULL)
		fail_msg("confirm of a secret another session replaced: got not WRONG, want WRONG");
	if (mfa_confirm(rec, keys, "guest@example.net", s2, code, now, &rc) != MFA_WRONG || rc != NULL)
		fail_msg("confirm in the other session with the first secret's code: got not WRONG, want WRONG");
	assert_true(mfa_begin(rec, keys, "guest@example.net", s1, now, b32, &changed));
	assert_int_equal(decode_b32(b32, key), 20);
	assert_true(totp_hotp(key, 20, totp_step(now), 6, code));
	if (mfa_confirm(rec, keys, "guest@example.net", s1, "000000", now, &rc) != MFA_WRONG || rc != NULL)
		fail_msg("confirm with a wrong code: got not WRONG, want WRONG");
	if (mfa_confirm(rec, keys, "guest@example.net", s1, code, now, &rc) != MFA_OK || rc == NULL)
		fail_msg("confirm: got not OK, want OK");
	assert_true(mfa_enrolled(rec));
	assert_int_equal(mfa_recovery_left(rec), MFA_RECOVERY_N);
	if (mfa_check(rec, keys, "guest@example.net", code, now) != MFA_REPLAYED)
		fail_msg("the confirming code again: got not REPLAYED, want REPLAYED");
	assert_true(totp_hotp(key, 20, totp_step(now) + 1, 6, code));
	if (mfa_check(rec, keys, "guest@example.net", code, now + 30) != MFA_OK)
		fail_msg("next step's code: got not OK, want OK");
	memcpy(used, rc->code[3], sizeof(used));
	if (mfa_check(rec, keys, "guest@example.net", used, now) != MFA_OK_RECOVERY)
		fail_msg("recovery code: got not OK_RECOVERY, want OK_RECOVERY");
	if (mfa_check(rec, keys, "guest@example.net", used, now) != MFA_WRONG)
		fail_msg("recovery code twice: got not WRONG, want WRONG");
	/* The hashes are bound to the address: the same code under another address is wrong. */
	if (mfa_check(rec, keys, "other@example.net", rc->code[4], now) != MFA_WRONG)
		fail_msg("recovery code under another address: got not WRONG, want WRONG");
	assert_int_equal(mfa_recovery_left(rec), MFA_RECOVERY_N - 1);
	mfa_reset(rec);
	if (mfa_enrolled(rec) || mfa_recovery_left(rec) != 0)
		fail_msg("reset: got enrolled, want nothing");
	rc = mfa_recovery_free(rc);
	guest_free(rec);
	secrets_free(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238), cmocka_unit_test(test_rfc4226), cmocka_unit_test(test_verify),
		cmocka_unit_test(test_replay),	cmocka_unit_test(test_base32),	cmocka_unit_test(test_inputs),
		cmocka_unit_test(test_uri),	cmocka_unit_test(test_mfa_record),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
