/*
 * test_token - accept-link tokens: round trip, tampering, expiry, unknown key,
 * truncation, guest hashes, and the size of a one-guest link; version 2's
 * keyed guest hashes (known answers computed with Python's hashlib, an
 * implementation independent of libsodium), version 1 still verifying, a
 * wrong or missing guest key, kid confusion, every byte tampered.
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

#include "bytes.h"
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
	snprintf(path, sizeof(path), "%s/guest.key", f->dir);
	assert_true(keys_load_guest(path, &f->key.guest, err, sizeof(err)));
	assert_true(keyring_load_guests(&f->ring, path, NULL, err, sizeof(err)));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	keys_free_signing(&f->key);
	keyring_free(&f->ring);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void make(struct fixture *f, uint64_t now, struct buf *out)
{
	struct token t;

	assert_true(token_init(&t, &f->key.guest, "staff@example.org", "https://teams.example.org/t/research-lab", now, 7 * 86400));
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
	assert_int_equal(t.version, 2);
	assert_true(token_has_guest(&t, "guest@gmail.com"));
	assert_false(token_has_guest(&t, "other@gmail.com"));
	/* a one-guest link stays well under 400 characters (measured: 276 with this resource, 270 before version 2) */
	print_message("# one-guest link: %zu characters\n", strlen("https://guest.example.org/accept/") + b.len);
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

	assert_true(token_init(&t, &f->key.guest, "a@example.org", "https://teams.example.org/", 1700000000, 60));
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

/* A fixed guest key 00 01 .. 1f, loaded the way keys.c loads one. */
static void fixed_guest_key(struct guest_key *gk, uint8_t first)
{
	gk->key = sodium_malloc(KEYS_SECRET_LEN);
	assert_non_null(gk->key);
	for (int i = 0; i < KEYS_SECRET_LEN; i++)
		gk->key[i] = (uint8_t)(first + i);
	keys_guest_kid(gk->key, gk->kid);
}

static const uint8_t KAT_ID[TOKEN_ID_LEN] = { 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
					      0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f };
#define KAT_ADDR "hidden.bcc@example.net"

/* Known answers from Python:
 *   gkid = blake2b(b"guestlink guest key id", key=K, digest_size=32)[:4]
 *   sub  = blake2b(b"guestlink guest hash v2" + id, key=K, digest_size=32)
 *   v2   = blake2b(addr, key=sub, digest_size=16);  v1 = blake2b(addr, key=id, digest_size=16) */
static void test_guest_hash_known_answers(void **state)
{
	static const uint8_t gkid[4] = { 0x9e, 0x80, 0x19, 0xb1 };
	static const uint8_t v2[16] = { 0x87, 0xb4, 0x13, 0x48, 0x63, 0x5b, 0x96, 0xd2,
					0x82, 0x9c, 0xb9, 0xfa, 0x4c, 0x88, 0xc6, 0x63 };
	static const uint8_t v1[16] = { 0xca, 0x66, 0x86, 0xa1, 0x47, 0x55, 0x00, 0x6d,
					0xc2, 0xe7, 0x40, 0x21, 0x42, 0x33, 0xce, 0xf2 };
	struct guest_key gk;
	struct token t;

	(void)state;
	fixed_guest_key(&gk, 0);
	assert_memory_equal(gk.kid, gkid, 4);
	assert_true(token_init(&t, &gk, "staff@example.org", "https://teams.example.org/", 1700000000, 60));
	memcpy(t.id, KAT_ID, TOKEN_ID_LEN);
	assert_true(token_add_guest(&t, KAT_ADDR));
	assert_memory_equal(t.guests[0], v2, 16);
	assert_memory_equal(t.guest_kid, gkid, 4);
	assert_true(token_has_guest(&t, KAT_ADDR));
	/* The old, unkeyed computation does not give the hash any more. */
	assert_memory_not_equal(t.guests[0], v1, 16);
	/* A version 1 token with the v1 hash: still the guest (links from before the upgrade). */
	t.version = TOKEN_VERSION_V1;
	t.gk = NULL;
	memcpy(t.guests[0], v1, 16);
	assert_true(token_guest_key_held(&t));
	assert_true(token_has_guest(&t, KAT_ADDR));
	assert_false(token_has_guest(&t, "other@example.net"));
	keys_free_guest(&gk);
}

/* v1_token - a version 1 token as the milter made it before the guest key, signed with key */
static void v1_token(const struct signing_key *key, const char *guest, uint64_t now, struct buf *out)
{
	uint8_t bin[512], *p = bin;
	char text[1024];
	static const char inviter[] = "staff@example.org", resource[] = "https://teams.example.org/old";

	*p++ = 1;
	memcpy(p, key->kid, KEYS_KID_LEN);
	p += KEYS_KID_LEN;
	memcpy(p, KAT_ID, TOKEN_ID_LEN);
	p += TOKEN_ID_LEN;
	be_put(p, now, 8);
	p += 8;
	be_put(p, 86400, 4);
	p += 4;
	*p++ = 1;
	crypto_generichash(p, 16, (const unsigned char *)guest, strlen(guest), KAT_ID, TOKEN_ID_LEN);
	p += 16;
	*p++ = (uint8_t)(sizeof(inviter) - 1);
	memcpy(p, inviter, sizeof(inviter) - 1);
	p += sizeof(inviter) - 1;
	be_put(p, sizeof(resource) - 1, 2);
	p += 2;
	memcpy(p, resource, sizeof(resource) - 1);
	p += sizeof(resource) - 1;
	crypto_sign_detached(p, NULL, bin, (size_t)(p - bin), key->sk);
	p += 64;
	sodium_bin2base64(text, sizeof(text), bin, (size_t)(p - bin), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	buf_reset(out);
	assert_true(buf_puts(out, text));
}

static void test_v1_still_verifies(void **state)
{
	struct fixture *f = *state;
	struct keyring no_guest = f->ring;
	struct buf b;
	struct token t;

	no_guest.n_guest = 0;
	buf_init(&b, CAP_TOKEN_BYTES);
	v1_token(&f->key, "guest@gmail.com", 1700000000, &b);
	assert_int_equal(token_verify(b.data, b.len, &f->ring, 1700000001, &t), TOKEN_OK);
	assert_int_equal(t.version, 1);
	assert_string_equal(t.resource, "https://teams.example.org/old");
	assert_true(token_has_guest(&t, "guest@gmail.com"));
	assert_false(token_has_guest(&t, "other@gmail.com"));
	/* v1 needs no guest key; it expires as it always did. */
	assert_int_equal(token_verify(b.data, b.len, &no_guest, 1700000001, &t), TOKEN_OK);
	assert_true(token_has_guest(&t, "guest@gmail.com"));
	assert_int_equal(token_verify(b.data, b.len, &f->ring, 1700000000 + 86400, &t), TOKEN_EXPIRED);
	/* a version byte other than 1 or 2 is refused as malformed */
	for (int v = 0; v < 256; v += 3) {
		uint8_t bin[512];
		char text[1024];
		size_t blen;

		if (v == 1 || v == 2)
			continue;
		assert_int_equal(sodium_base642bin(bin, sizeof(bin), b.data, b.len, NULL, &blen, NULL,
						   sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
		bin[0] = (uint8_t)v;
		sodium_bin2base64(text, sizeof(text), bin, blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		assert_int_equal(token_verify(text, strlen(text), &f->ring, 1700000001, &t), TOKEN_MALFORMED);
	}
	buf_release(&b);
}

/* A wrong, missing or look-alike guest key: nobody is a guest. */
static void test_wrong_guest_key(void **state)
{
	struct fixture *f = *state;
	struct keyring other = f->ring, none = f->ring, both = f->ring;
	struct guest_key b_key, fake;
	struct buf b;
	struct token t;

	fixed_guest_key(&b_key, 7);
	other.n_guest = 1;
	other.guest[0] = b_key;
	none.n_guest = 0;
	buf_init(&b, CAP_TOKEN_BYTES);
	make(f, 1700000000, &b);
	/* Another guest key: the signature is fine, the guest is not found. */
	assert_int_equal(token_verify(b.data, b.len, &other, 1700000001, &t), TOKEN_OK);
	assert_null(t.gk);
	assert_false(token_guest_key_held(&t));
	assert_false(token_has_guest(&t, "guest@gmail.com"));
	/* No guest key at all. */
	assert_int_equal(token_verify(b.data, b.len, &none, 1700000001, &t), TOKEN_OK);
	assert_false(token_has_guest(&t, "guest@gmail.com"));
	/* A key with the right id but other bytes (a forged or colliding gkid). */
	fixed_guest_key(&fake, 9);
	memcpy(fake.kid, f->key.guest.kid, KEYS_GUEST_KID_LEN);
	other.guest[0] = fake;
	assert_int_equal(token_verify(b.data, b.len, &other, 1700000001, &t), TOKEN_OK);
	assert_non_null(t.gk);
	assert_false(token_has_guest(&t, "guest@gmail.com"));
	/* Rotation: the new key first, the old one as previous: old links keep their guests. */
	both.n_guest = 2;
	both.guest[0] = b_key;
	both.guest[1] = f->ring.guest[0];
	assert_int_equal(token_verify(b.data, b.len, &both, 1700000001, &t), TOKEN_OK);
	assert_true(token_has_guest(&t, "guest@gmail.com"));
	/* A token without its guest key cannot take guests. */
	t.gk = NULL;
	assert_false(token_add_guest(&t, "new@example.net"));
	keys_free_guest(&b_key);
	keys_free_guest(&fake);
	buf_release(&b);
}

/* Every byte of the binary token changed, one at a time: never TOKEN_OK. */
static void test_tamper_every_byte(void **state)
{
	struct fixture *f = *state;
	uint8_t bin[1024];
	char text[2048];
	size_t blen;
	struct buf b;
	struct token t;

	buf_init(&b, CAP_TOKEN_BYTES);
	make(f, 1700000000, &b);
	assert_int_equal(sodium_base642bin(bin, sizeof(bin), b.data, b.len, NULL, &blen, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	for (size_t i = 0; i < blen; i++)
		for (int bit = 0; bit < 8; bit++) {
			bin[i] ^= (uint8_t)(1u << bit);
			sodium_bin2base64(text, sizeof(text), bin, blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			if (token_verify(text, strlen(text), &f->ring, 1700000001, &t) == TOKEN_OK)
				fail_msg("byte %zu bit %d flipped: got TOKEN_OK", i, bit);
			bin[i] ^= (uint8_t)(1u << bit);
		}
	buf_release(&b);
}

/* Kid confusion: signed by key A but naming key B (both trusted): the signature fails. */
static void test_kid_confusion(void **state)
{
	struct fixture *f = *state;
	char dir[96], err[256], path[128];
	struct signing_key b_key, liar;
	struct keyring ring;
	FILE *devnull = fopen("/dev/null", "w");
	struct buf b;
	struct token t;

	snprintf(dir, sizeof(dir), "%s/b", f->dir);
	assert_true(keys_generate(dir, devnull, err, sizeof(err)));
	fclose(devnull);
	snprintf(path, sizeof(path), "%s/link.key", dir);
	assert_true(keys_load_signing(path, &b_key, err, sizeof(err)));
	ring = f->ring;
	ring.n = 2;
	memcpy(ring.keys[1].kid, b_key.kid, KEYS_KID_LEN);
	memcpy(ring.keys[1].pk, b_key.pk, KEYS_PK_LEN);
	liar = f->key;
	memcpy(liar.kid, b_key.kid, KEYS_KID_LEN);
	buf_init(&b, CAP_TOKEN_BYTES);
	{
		struct token m;

		assert_true(token_init(&m, &f->key.guest, "staff@example.org", "https://teams.example.org/", 1700000000, 60));
		assert_true(token_add_guest(&m, "guest@gmail.com"));
		assert_true(token_encode(&m, &liar, &b));
	}
	assert_int_equal(token_verify(b.data, b.len, &ring, 1700000001, &t), TOKEN_BAD_SIGNATURE);
	/* A kid that spells a path ("../x"): only looked up in the loaded ring, never a file name. */
	memcpy(liar.kid, "../x\0\0\0\0", KEYS_KID_LEN);
	buf_reset(&b);
	{
		struct token m;

		assert_true(token_init(&m, &f->key.guest, "staff@example.org", "https://teams.example.org/", 1700000000, 60));
		assert_true(token_add_guest(&m, "guest@gmail.com"));
		assert_true(token_encode(&m, &liar, &b));
	}
	assert_int_equal(token_verify(b.data, b.len, &ring, 1700000001, &t), TOKEN_UNKNOWN_KEY);
	/* B retired (its .pub removed from the ring): B's links are an unknown key. */
	buf_reset(&b);
	{
		struct token m;

		assert_true(token_init(&m, &f->key.guest, "staff@example.org", "https://teams.example.org/", 1700000000, 60));
		assert_true(token_add_guest(&m, "guest@gmail.com"));
		assert_true(token_encode(&m, &b_key, &b));
	}
	assert_int_equal(token_verify(b.data, b.len, &ring, 1700000001, &t), TOKEN_OK);
	assert_int_equal(token_verify(b.data, b.len, &f->ring, 1700000001, &t), TOKEN_UNKNOWN_KEY);
	keys_free_signing(&b_key);
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
		cmocka_unit_test(test_guest_hash_known_answers),
		cmocka_unit_test(test_v1_still_verifies),
		cmocka_unit_test(test_wrong_guest_key),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_kid_confusion),
	};

	return cmocka_run_group_tests_name("token", tests, setup, teardown);
}
