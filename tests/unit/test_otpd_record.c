/*
 * test_otpd_record - the binary codec of guests, invitations and sessions (otpd/record.c): every field
 * survives a round trip; the JSON-era records and the 8-byte first guest form read field by field as the
 * JSON code read them; v2 sessions still read; and a table of damaged records (cut short, a byte too many,
 * an unknown version or flag, a length past its cap, a NUL in a string) reads as malformed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "record.h"

static const uint8_t id1[TOKEN_ID_LEN] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
					   0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

static void full_guest(struct guest *g)
{
	memset(g, 0, sizeof(*g));
	g->last_sign_in = 1700000100;
	g->disabled_at = 1700000200;
	g->privacy_accepted_at = 1700000300;
	g->mfa_reset_at = 1700000400;
	snprintf(g->sign_in, sizeof(g->sign_in), "oidc:partner");
	g->sign_in_mfa = true;
	g->mfa.has_totp = true;
	memset(g->mfa.totp_secret, 0xa5, RECORD_SEALED_LEN);
	g->mfa.totp_last_step = 56666670;
	g->mfa.totp_enrolled_at = 1700000010;
	g->mfa.has_pending = true;
	memset(g->mfa.pending_secret, 0x5a, RECORD_SEALED_LEN);
	g->mfa.pending_created_at = 1700000020;
	g->mfa.n_recovery = 3;
	for (unsigned i = 0; i < 3; i++)
		memset(g->mfa.recovery[i], (int)(i + 1), RECORD_HASH_LEN);
	g->n_inv = 2;
	memcpy(g->inv[0].id, id1, TOKEN_ID_LEN);
	g->inv[0].redeemed_at = 1700000001;
	g->inv[0].inviter = NULL;	/* redeemed before records named the inviter */
	g->inv[0].resource = strdup("https://teams.example.org/team/42");
	g->inv[1].id_unknown = true;
	g->inv[1].redeemed_at = 1700000002;
	g->inv[1].inviter = strdup("staff@example.org");
	g->inv[1].resource = strdup("https://wiki.example.org/space/x");
}

static void same_guest(const struct guest *a, const struct guest *b)
{
	assert_int_equal(a->last_sign_in, b->last_sign_in);
	assert_int_equal(a->disabled_at, b->disabled_at);
	assert_int_equal(a->privacy_accepted_at, b->privacy_accepted_at);
	assert_int_equal(a->mfa_reset_at, b->mfa_reset_at);
	assert_string_equal(a->sign_in, b->sign_in);
	assert_int_equal(a->sign_in_mfa, b->sign_in_mfa);
	assert_memory_equal(&a->mfa, &b->mfa, sizeof(a->mfa));
	assert_int_equal(a->n_inv, b->n_inv);
	for (size_t i = 0; i < a->n_inv; i++) {
		assert_memory_equal(a->inv[i].id, b->inv[i].id, TOKEN_ID_LEN);
		assert_int_equal(a->inv[i].id_unknown, b->inv[i].id_unknown);
		assert_int_equal(a->inv[i].redeemed_at, b->inv[i].redeemed_at);
		assert_string_equal(a->inv[i].resource, b->inv[i].resource);
		if (a->inv[i].inviter == NULL || b->inv[i].inviter == NULL)
			assert_true(a->inv[i].inviter == b->inv[i].inviter);
		else
			assert_string_equal(a->inv[i].inviter, b->inv[i].inviter);
	}
}

static void test_guest_round_trip(void **state)
{
	struct guest g, back, empty;
	struct buf b;

	(void)state;
	full_guest(&g);
	buf_init(&b, CAP_RECORD_BYTES);
	assert_int_equal(record_guest_encode(&g, &b), RECORD_OK);
	assert_int_equal(((const uint8_t *)b.data)[0], RECORD_GUEST_V1);
	assert_int_equal(record_guest_decode(b.data, b.len, &back), RECORD_OK);
	same_guest(&g, &back);
	record_guest_clear(&back);
	/* An empty guest too: no record of any length is mistaken for the 8-byte form. */
	memset(&empty, 0, sizeof(empty));
	buf_reset(&b);
	assert_int_equal(record_guest_encode(&empty, &b), RECORD_OK);
	if (b.len == 8)
		fail_msg("an empty guest encodes to 8 bytes: it would read as the first version");
	assert_int_equal(record_guest_decode(b.data, b.len, &back), RECORD_OK);
	same_guest(&empty, &back);
	record_guest_clear(&back);
	/* The most invitations with the longest strings still fit a record. */
	for (size_t i = 2; i < RECORD_GUEST_INVITATIONS; i++) {
		g.inv[i].resource = calloc(1, CAP_URL_BYTES + 1);
		assert_non_null(g.inv[i].resource);
		memset(g.inv[i].resource, 'u', i < 20 ? CAP_URL_BYTES : 40);
	}
	g.n_inv = RECORD_GUEST_INVITATIONS;
	buf_reset(&b);
	assert_int_equal(record_guest_encode(&g, &b), RECORD_OK);
	assert_int_equal(record_guest_decode(b.data, b.len, &back), RECORD_OK);
	same_guest(&g, &back);
	record_guest_clear(&back);
	record_guest_clear(&g);
	buf_release(&b);
}

struct legacy_case {
	const char *json;
	uint64_t last_sign_in, disabled_at;
	const char *sign_in;
	bool totp, pending;
	unsigned recovery;
	size_t n_inv;
	bool first_id_unknown;
	const char *first_inviter;	/* NULL: none */
};

/* The JSON-era guest records: what each field read as then, it reads as now. */
static const struct legacy_case legacy[] = {
	{ "{}", 0, 0, "", false, false, 0, 0, false, NULL },
	{ "{\"email\":\"g@x.example\",\"last_sign_in\":100,\"sign_in\":\"code\",\"invitations\":[{\"invitation\":"
	  "\"0123456789abcdef0123456789abcdef\",\"resource\":\"https://r.example/\",\"redeemed_at\":50}]}",
	  100, 0, "code", false, false, 0, 1, false, NULL },
	{ "{\"invitations\":[{\"invitation\":\"00\",\"resource\":\"r\",\"redeemed_at\":70,\"inviter\":\"s@x.example\"}],"
	  "\"disabled_at\":500}", 0, 500, "", false, false, 0, 1, true, "s@x.example" },
	/* an invitation without a resource grants nothing and is dropped */
	{ "{\"invitations\":[{\"invitation\":\"0123456789abcdef0123456789abcdef\",\"redeemed_at\":5}]}", 0, 0, "",
	  false, false, 0, 0, false, NULL },
	{ "{\"last_sign_in\":\"x\",\"disabled_at\":-1,\"sign_in\":7}", 0, 0, "", false, false, 0, 0, false, NULL },
	/* MFA: a totp secret that is a string is enrolment, even one that does not decode (it never decrypts) */
	{ "{\"totp\":{\"secret\":\"not base64\",\"last_step\":3,\"enrolled_at\":9},\"pending\":{},"
	  "\"recovery\":[\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE\",\"junk\"]}", 0, 0, "", true, true, 1, 0, false, NULL },
	{ "{\"totp\":{\"last_step\":3}}", 0, 0, "", false, false, 0, 0, false, NULL },
};

static void test_legacy_guest(void **state)
{
	struct guest g;
	const uint8_t first[8] = { 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00 };

	(void)state;
	for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
		const struct legacy_case *c = &legacy[i];

		if (record_guest_decode(c->json, strlen(c->json), &g) != RECORD_OK)
			fail_msg("case %zu %s: got malformed, want a guest", i, c->json);
		if (g.last_sign_in != c->last_sign_in || g.disabled_at != c->disabled_at || strcmp(g.sign_in, c->sign_in))
			fail_msg("case %zu %s: got last %llu disabled %llu sign_in '%s'", i, c->json,
				 (unsigned long long)g.last_sign_in, (unsigned long long)g.disabled_at, g.sign_in);
		if (g.mfa.has_totp != c->totp || g.mfa.has_pending != c->pending || g.mfa.n_recovery != c->recovery)
			fail_msg("case %zu %s: got totp %d pending %d recovery %u", i, c->json, g.mfa.has_totp,
				 g.mfa.has_pending, g.mfa.n_recovery);
		if (g.n_inv != c->n_inv)
			fail_msg("case %zu %s: got %zu invitations, want %zu", i, c->json, g.n_inv, c->n_inv);
		if (c->n_inv > 0 && (g.inv[0].id_unknown != c->first_id_unknown ||
				     (c->first_inviter == NULL) != (g.inv[0].inviter == NULL) ||
				     (c->first_inviter != NULL && strcmp(c->first_inviter, g.inv[0].inviter) != 0)))
			fail_msg("case %zu %s: first invitation read wrong", i, c->json);
		record_guest_clear(&g);
	}
	assert_int_equal(record_guest_decode("{\"a\":1,\"a\":2}", 13, &g), RECORD_MALFORMED);
	assert_int_equal(record_guest_decode("[]", 2, &g), RECORD_MALFORMED);
	assert_int_equal(record_guest_decode(first, sizeof(first), &g), RECORD_OK);
	assert_int_equal(g.last_sign_in, 1700000000);
	assert_int_equal(g.n_inv, 0);
	record_guest_clear(&g);
}

static void test_invitation_round_trip(void **state)
{
	struct invitation inv, back;
	struct buf b;
	bool revoked = true;
	const char *json = "{\"invitation\":\"0123456789abcdef0123456789abcdef\",\"kid\":\"e9f3f861c550a418\",\"inviter\":"
			   "\"staff@example.org\",\"resources\":[\"https://teams.example.org/team/42\"],\"guests\":2,"
			   "\"issued_at\":10,\"expires_at\":20,\"queue_id\":\"4XyZ1Q2\",\"sent_at\":11,\"redeemed\":"
			   "[{\"email\":\"g@example.net\",\"at\":15}]}";

	(void)state;
	assert_int_equal(record_invitation_decode(json, strlen(json), &inv), RECORD_OK);
	assert_memory_equal(inv.id, id1, TOKEN_ID_LEN);
	assert_int_equal(inv.has, INVITATION_HAS_ALL & ~(unsigned)INVITATION_HAS_REVOKED_AT);
	assert_string_equal(inv.queue_id, "4XyZ1Q2");
	assert_int_equal(inv.n_resources, 1);
	assert_int_equal(inv.n_redeemed, 1);
	assert_string_equal(inv.redeemed[0].email, "g@example.net");
	assert_int_equal(record_invitation_revoked(json, strlen(json), &revoked), RECORD_OK);
	assert_false(revoked);
	assert_true(record_invitation_add_redeemer(&inv, "h@example.net", 16));
	inv.has |= INVITATION_HAS_REVOKED_AT;
	inv.revoked_at = 17;
	buf_init(&b, CAP_RECORD_BYTES);
	assert_int_equal(record_invitation_encode(&inv, &b), RECORD_OK);
	assert_int_equal(record_invitation_decode(b.data, b.len, &back), RECORD_OK);
	assert_int_equal(back.has, INVITATION_HAS_ALL);
	assert_string_equal(back.kid, "e9f3f861c550a418");
	assert_string_equal(back.inviter, "staff@example.org");
	assert_string_equal(back.resources[0], "https://teams.example.org/team/42");
	assert_int_equal(back.guests, 2);
	assert_int_equal(back.issued_at, 10);
	assert_int_equal(back.expires_at, 20);
	assert_int_equal(back.sent_at, 11);
	assert_int_equal(back.revoked_at, 17);
	assert_int_equal(back.n_redeemed, 2);
	assert_string_equal(back.redeemed[1].email, "h@example.net");
	assert_int_equal(back.redeemed[1].at, 16);
	assert_int_equal(record_invitation_revoked(b.data, b.len, &revoked), RECORD_OK);
	assert_true(revoked);
	/* A revocation-only record (otpctl revoke of an invitation otpd never heard of). */
	json = "{\"invitation\":\"0123456789abcdef0123456789abcdef\",\"revoked_at\":0}";
	record_invitation_clear(&back);
	assert_int_equal(record_invitation_decode(json, strlen(json), &back), RECORD_OK);
	assert_int_equal(back.has, INVITATION_HAS_REVOKED_AT);
	record_invitation_clear(&back);
	assert_int_equal(record_invitation_revoked(json, strlen(json), &revoked), RECORD_OK);
	assert_true(revoked);
	record_invitation_clear(&inv);
	buf_release(&b);
}

/* An invitation v2 keeps each redeemer's closed_at (the guest was disabled); a v1 record (no closed_at)
 * still reads, every redeemer open, and is written back as v2. */
static void test_invitation_closed(void **state)
{
	struct invitation inv, back;
	struct buf b;
	bool revoked = true;

	(void)state;
	memset(&inv, 0, sizeof(inv));
	memcpy(inv.id, id1, TOKEN_ID_LEN);
	inv.has = INVITATION_HAS_INVITER;
	inv.inviter = record_strdup("staff@example.org", strlen("staff@example.org"));
	assert_non_null(inv.inviter);
	assert_true(record_invitation_add_redeemer(&inv, "g@example.net", 15));
	assert_int_equal(inv.redeemed[0].closed_at, 0);
	inv.redeemed[0].closed_at = 0x0102030405060708ull;
	buf_init(&b, CAP_RECORD_BYTES);
	assert_int_equal(record_invitation_encode(&inv, &b), RECORD_OK);
	assert_int_equal(b.data[0], RECORD_INVITATION_V2);
	assert_int_equal(record_invitation_decode(b.data, b.len, &back), RECORD_OK);
	assert_int_equal(back.n_redeemed, 1);
	assert_string_equal(back.redeemed[0].email, "g@example.net");
	assert_int_equal(back.redeemed[0].at, 15);
	assert_int_equal(back.redeemed[0].closed_at, 0x0102030405060708ull);
	assert_int_equal(record_invitation_revoked(b.data, b.len, &revoked), RECORD_OK);
	assert_false(revoked);
	record_invitation_clear(&back);
	/* The same record as v1 wrote it: the last redeemer's closed_at (the record's last 8 bytes) was not there. */
	assert_memory_equal(b.data + b.len - 8, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	b.data[0] = RECORD_INVITATION_V1;
	assert_int_equal(record_invitation_decode(b.data, b.len - 8, &back), RECORD_OK);
	assert_int_equal(back.n_redeemed, 1);
	assert_int_equal(back.redeemed[0].at, 15);
	assert_int_equal(back.redeemed[0].closed_at, 0);
	assert_int_equal(record_invitation_revoked(b.data, b.len - 8, &revoked), RECORD_OK);
	/* v1 bytes with the 8 more of v2 are left over: malformed, as is an unknown version. */
	record_invitation_clear(&inv);	/* the decodes below fill inv again */
	assert_int_equal(record_invitation_decode(b.data, b.len, &inv), RECORD_MALFORMED);
	b.data[0] = RECORD_INVITATION_V2 + 1;
	assert_int_equal(record_invitation_decode(b.data, b.len, &inv), RECORD_MALFORMED);
	assert_int_equal(record_invitation_revoked(b.data, b.len, &revoked), RECORD_MALFORMED);
	record_invitation_clear(&back);
	record_invitation_clear(&inv);
	buf_release(&b);
}

static void test_session(void **state)
{
	struct session s = { .level = 2, .created_at = 1700000000, .last_seen = 1700000060 }, back;
	uint8_t out[RECORD_SESSION_MAX], v2[64];
	size_t len;

	(void)state;
	snprintf(s.addr, sizeof(s.addr), "guest@example.net");
	snprintf(s.dest, sizeof(s.dest), "https://teams.example.org/team/42?x=1");
	assert_int_equal(record_session_encode(&s, out, &len), RECORD_OK);
	assert_int_equal(out[0], RECORD_SESSION_V3);
	assert_int_equal(record_session_decode(out, len, &back), RECORD_OK);
	assert_memory_equal(&s, &back, sizeof(s));
	/* The v2 record of the sessions otpd wrote before. */
	memset(v2, 0, sizeof(v2));
	v2[0] = RECORD_SESSION_V2;
	v2[1] = 3;
	v2[9] = 7;
	v2[17] = 9;
	memcpy(v2 + 18, "g@x.example\0https://r.example/", 30);
	assert_int_equal(record_session_decode(v2, 48, &back), RECORD_OK);
	assert_int_equal(back.level, 3);
	assert_int_equal(back.created_at, 7);
	assert_int_equal(back.last_seen, 9);
	assert_string_equal(back.addr, "g@x.example");
	assert_string_equal(back.dest, "https://r.example/");
	/* v2 with no NUL after the address, or an empty address */
	assert_int_equal(record_session_decode(v2, 29, &back), RECORD_MALFORMED);
	v2[18] = '\0';
	assert_int_equal(record_session_decode(v2, 48, &back), RECORD_MALFORMED);
}

/* damage - every cut of rec (but one of skip bytes), and rec with a byte more, read as malformed */
static void damage(const char *what, const uint8_t *rec, size_t len, size_t skip,
		   enum record_status (*decode)(const uint8_t *, size_t))
{
	uint8_t *more = malloc(len + 1);

	assert_non_null(more);
	for (size_t cut = 0; cut < len; cut++)
		if (cut != skip && decode(rec, cut) != RECORD_MALFORMED)
			fail_msg("%s cut to %zu of %zu bytes: got not malformed, want malformed", what, cut, len);
	memcpy(more, rec, len);
	more[len] = 0;
	if (decode(more, len + 1) != RECORD_MALFORMED)
		fail_msg("%s with a byte too many: got not malformed, want malformed", what);
	free(more);
}

static enum record_status guest_dec(const uint8_t *p, size_t n)
{
	struct guest g;
	enum record_status s = record_guest_decode(p, n, &g);

	record_guest_clear(&g);
	return s;
}

static enum record_status inv_dec(const uint8_t *p, size_t n)
{
	struct invitation inv;
	enum record_status s = record_invitation_decode(p, n, &inv);

	record_invitation_clear(&inv);
	return s;
}

static enum record_status session_dec(const uint8_t *p, size_t n)
{
	struct session s;

	return record_session_decode(p, n, &s);
}

struct poke {
	const char *what;
	size_t at;		/* byte offset in the encoded record */
	uint8_t value;
};

/* One entry per address: the first redemption's time stays; a full list of duplicates (older records)
 * still takes a new address; CAP_GUESTS different addresses are the most (red team 2, finding 08). */
static void test_redeemers_unique(void **state)
{
	struct invitation inv;
	char addr[64];

	(void)state;
	memset(&inv, 0, sizeof(inv));
	for (int i = 0; i < 300; i++)
		assert_true(record_invitation_add_redeemer(&inv, "mallory@example.net", 1000 + (uint64_t)i));
	assert_int_equal(inv.n_redeemed, 1);
	assert_int_equal(inv.redeemed[0].at, 1000);
	assert_true(record_invitation_add_redeemer(&inv, "victim@example.com", 2000));
	assert_int_equal(inv.n_redeemed, 2);
	record_invitation_clear(&inv);

	/* a record written before entries were unique: CAP_GUESTS copies of one address */
	memset(&inv, 0, sizeof(inv));
	inv.redeemed = calloc(CAP_GUESTS, sizeof(*inv.redeemed));
	assert_non_null(inv.redeemed);
	for (size_t i = 0; i < CAP_GUESTS; i++) {
		inv.redeemed[i].email = strdup("mallory@example.net");
		assert_non_null(inv.redeemed[i].email);
		inv.redeemed[i].at = 1000 + i;
	}
	inv.n_redeemed = CAP_GUESTS;
	assert_true(record_invitation_add_redeemer(&inv, "victim@example.com", 2000));
	assert_int_equal(inv.n_redeemed, 2);
	assert_int_equal(inv.redeemed[0].at, 1000);
	record_invitation_clear(&inv);

	memset(&inv, 0, sizeof(inv));
	for (size_t i = 0; i < CAP_GUESTS; i++) {
		snprintf(addr, sizeof(addr), "g%zu@example.net", i);
		assert_true(record_invitation_add_redeemer(&inv, addr, 1000));
	}
	assert_false(record_invitation_add_redeemer(&inv, "one-more@example.net", 1000));
	assert_true(record_invitation_add_redeemer(&inv, "g7@example.net", 1001));
	assert_int_equal(inv.n_redeemed, CAP_GUESTS);
	record_invitation_clear(&inv);
}

static void test_malformed(void **state)
{
	struct guest g;
	struct invitation inv;
	struct session s = { .level = 1, .created_at = 1, .last_seen = 2 };
	struct buf b;
	uint8_t sess[RECORD_SESSION_MAX], *copy;
	size_t len;
	/* Offsets in full_guest()'s encoding: 0 version, 1 flags, 34 sign_in length, 35.. sign_in. */
	static const struct poke guest_pokes[] = {
		{ "unknown version", 0, 9 },
		{ "unknown guest flag", 1, 0x80 },
		{ "sign_in length past its cap", 34, 200 },
		{ "NUL in sign_in", 36, 0 },
	};

	(void)state;
	full_guest(&g);
	buf_init(&b, CAP_RECORD_BYTES);
	assert_int_equal(record_guest_encode(&g, &b), RECORD_OK);
	damage("guest", (const uint8_t *)b.data, b.len, 8, guest_dec);	/* 8 bytes: the first version */
	copy = malloc(b.len);
	assert_non_null(copy);
	for (size_t i = 0; i < sizeof(guest_pokes) / sizeof(guest_pokes[0]); i++) {
		memcpy(copy, b.data, b.len);
		copy[guest_pokes[i].at] = guest_pokes[i].value;
		if (guest_dec(copy, b.len) != RECORD_MALFORMED)
			fail_msg("guest, %s: got not malformed, want malformed", guest_pokes[i].what);
	}
	/* The invitation count and the recovery count past their caps. */
	memcpy(copy, b.data, b.len);
	copy[35 + strlen(g.sign_in) + 2 * RECORD_SEALED_LEN + 24] = RECORD_RECOVERY_N + 1;
	assert_int_equal(guest_dec(copy, b.len), RECORD_MALFORMED);
	free(copy);
	record_guest_clear(&g);

	buf_reset(&b);
	memset(&inv, 0, sizeof(inv));
	memcpy(inv.id, id1, TOKEN_ID_LEN);
	inv.has = INVITATION_HAS_ALL;
	inv.kid = strdup("k");
	inv.inviter = strdup("staff@example.org");
	inv.queue_id = strdup("Q");
	assert_true(record_invitation_add_resource(&inv, "https://r.example/"));
	assert_true(record_invitation_add_redeemer(&inv, "g@example.net", 5));
	assert_int_equal(record_invitation_encode(&inv, &b), RECORD_OK);
	damage("invitation", (const uint8_t *)b.data, b.len, SIZE_MAX, inv_dec);
	((uint8_t *)b.data)[1] = 0xff;	/* an unknown "has" bit */
	assert_int_equal(inv_dec((const uint8_t *)b.data, b.len), RECORD_MALFORMED);
	record_invitation_clear(&inv);

	snprintf(s.addr, sizeof(s.addr), "g@example.net");
	assert_int_equal(record_session_encode(&s, sess, &len), RECORD_OK);
	damage("session", sess, len, SIZE_MAX, session_dec);
	sess[18] = 0;	/* an empty address */
	memmove(sess + 19, sess + 19 + 13, len - 19 - 13);
	assert_int_equal(session_dec(sess, len - 13), RECORD_MALFORMED);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guest_round_trip), cmocka_unit_test(test_legacy_guest),
		cmocka_unit_test(test_invitation_round_trip),
		cmocka_unit_test(test_invitation_closed), cmocka_unit_test(test_session),
		cmocka_unit_test(test_malformed), cmocka_unit_test(test_redeemers_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
