/*
 * mfa.c - TOTP enrolment and checks, recovery codes (see mfa.h).
 */
#include "mfa.h"

#include <sodium.h>
#include <string.h>

#include "text.h"

#define SEALED_LEN (crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + TOTP_SECRET_LEN + \
		    crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define HASH_LEN 32

static const char recovery_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";	/* no 0/o, 1/l/i */

bool mfa_enrolled(const json_t *rec)
{
	return json_is_string(json_object_get(json_object_get(rec, "totp"), "secret"));
}

unsigned mfa_recovery_left(const json_t *rec)
{
	return (unsigned)json_array_size(json_object_get(rec, "recovery"));
}

struct mfa_recovery *mfa_recovery_free(struct mfa_recovery *r)
{
	if (r != NULL)
		sodium_free(r);
	return NULL;
}

/* seal - encrypt a secret for addr as base64url text (a new JSON string) */
static json_t *seal(const struct secrets *keys, const char *addr, const uint8_t secret[TOTP_SECRET_LEN])
{
	uint8_t box[SEALED_LEN];
	char text[sodium_base64_ENCODED_LEN(SEALED_LEN, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	unsigned long long clen = 0;

	randombytes_buf(box, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, secret,
						   TOTP_SECRET_LEN, (const uint8_t *)addr, strlen(addr), NULL, box,
						   keys->totp);
	sodium_bin2base64(text, sizeof(text), box, sizeof(box), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return json_string(text);
}

/* unseal - decrypt into sodium_malloc'd memory; NULL if it does not decrypt (wrong key, other guest) */
static uint8_t *unseal(const struct secrets *keys, const char *addr, const json_t *sealed)
{
	const char *text = json_string_value(sealed);
	uint8_t box[SEALED_LEN], *secret;
	size_t len = 0;

	if (text == NULL ||
	    sodium_base642bin(box, sizeof(box), text, strlen(text), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || len != sizeof(box))
		return NULL;
	if ((secret = sodium_malloc(TOTP_SECRET_LEN)) == NULL)
		return NULL;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret, NULL, NULL, box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
						       sizeof(box) - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
						       (const uint8_t *)addr, strlen(addr), box, keys->totp) != 0) {
		sodium_free(secret);
		return NULL;
	}
	return secret;
}

bool mfa_begin(json_t *rec, const struct secrets *keys, const char *addr, uint64_t now, char b32[TOTP_B32_BUF],
	       bool *changed)
{
	json_t *pending = json_object_get(rec, "pending"), *created = json_object_get(pending, "created_at");
	uint8_t *secret = NULL;
	bool ok;

	*changed = false;
	/* Keep showing the same secret: a guest who scanned it and reloads the page must not get a new one. */
	if (json_is_integer(created) && (uint64_t)json_integer_value(created) + MFA_PENDING_TTL > now)
		secret = unseal(keys, addr, json_object_get(pending, "secret"));
	if (secret == NULL) {
		if ((secret = sodium_malloc(TOTP_SECRET_LEN)) == NULL)
			return false;
		/* Security: 160 bits from the CSPRNG (RFC 4226 section 4, R6). */
		randombytes_buf(secret, TOTP_SECRET_LEN);
		json_object_set_new(rec, "pending", json_pack("{s:o,s:I}", "secret", seal(keys, addr, secret),
							      "created_at", (json_int_t)now));
		*changed = true;
	}
	ok = totp_base32(secret, TOTP_SECRET_LEN, b32, TOTP_B32_BUF);
	sodium_free(secret);
	return ok;
}

static void recovery_hash(const struct secrets *keys, const char *addr, const char code[MFA_RECOVERY_CHARS + 1],
			  uint8_t out[HASH_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, keys->recovery, sizeof(keys->recovery), HASH_LEN);
	crypto_generichash_update(&st, (const uint8_t *)addr, strlen(addr));
	crypto_generichash_update(&st, (const uint8_t *)"\0", 1);
	crypto_generichash_update(&st, (const uint8_t *)code, MFA_RECOVERY_CHARS);
	crypto_generichash_final(&st, out, HASH_LEN);
}

/* new_recovery - 10 fresh codes into r, their hashes into rec */
static bool new_recovery(json_t *rec, const struct secrets *keys, const char *addr, struct mfa_recovery *r)
{
	json_t *list = json_array();
	char plain[MFA_RECOVERY_CHARS + 1], text[sodium_base64_ENCODED_LEN(HASH_LEN, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	uint8_t h[HASH_LEN];

	if (list == NULL)
		return false;
	for (size_t i = 0; i < MFA_RECOVERY_N; i++) {
		for (size_t j = 0, o = 0; j < MFA_RECOVERY_CHARS; j++) {
			plain[j] = recovery_alphabet[randombytes_uniform(sizeof(recovery_alphabet) - 1)];
			if (j > 0 && j % 4 == 0)
				r->code[i][o++] = '-';
			r->code[i][o++] = plain[j];
			r->code[i][o] = '\0';
		}
		plain[MFA_RECOVERY_CHARS] = '\0';
		recovery_hash(keys, addr, plain, h);
		sodium_bin2base64(text, sizeof(text), h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		json_array_append_new(list, json_string(text));
	}
	sodium_memzero(plain, sizeof(plain));
	json_object_set_new(rec, "recovery", list);
	return json_array_size(list) == MFA_RECOVERY_N;
}

enum mfa_result mfa_confirm(json_t *rec, const struct secrets *keys, const char *addr, const char *input,
			    uint64_t now, struct mfa_recovery **out)
{
	json_t *pending = json_object_get(rec, "pending");
	char code[TOTP_BUF];
	uint8_t *secret;
	uint64_t step = 0;
	enum totp_result tr;

	*out = NULL;
	if (mfa_enrolled(rec) || !json_is_object(pending))
		return MFA_NOT_READY;
	if (!totp_well_formed(input, code))
		return MFA_WRONG;
	if ((secret = unseal(keys, addr, json_object_get(pending, "secret"))) == NULL)
		return MFA_ERROR;
	tr = totp_verify(secret, code, now, 0, &step);
	sodium_memzero(code, sizeof(code));
	sodium_free(secret);
	if (tr == TOTP_ERROR)
		return MFA_ERROR;
	if (tr != TOTP_OK)
		return MFA_WRONG;
	if ((*out = sodium_malloc(sizeof(**out))) == NULL)
		return MFA_ERROR;
	if (!new_recovery(rec, keys, addr, *out)) {
		*out = mfa_recovery_free(*out);
		return MFA_ERROR;
	}
	/* The confirming code's step counts as used: it cannot sign in again. */
	json_object_set_new(rec, "totp", json_pack("{s:O,s:I,s:I}", "secret", json_object_get(pending, "secret"),
						   "last_step", (json_int_t)step, "enrolled_at", (json_int_t)now));
	json_object_del(rec, "pending");
	return MFA_OK;
}

static enum mfa_result check_recovery(json_t *rec, const struct secrets *keys, const char *addr,
				      const char code[MFA_RECOVERY_CHARS + 1])
{
	json_t *list = json_object_get(rec, "recovery");
	uint8_t want[HASH_LEN], have[HASH_LEN];
	size_t len, hit = (size_t)-1;

	recovery_hash(keys, addr, code, want);
	/* Compare against every stored hash, hit or not. */
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *t = json_string_value(json_array_get(list, i));

		if (t == NULL || sodium_base642bin(have, sizeof(have), t, strlen(t), NULL, &len, NULL,
						   sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || len != HASH_LEN)
			continue;
		if (sodium_memcmp(want, have, HASH_LEN) == 0 && hit == (size_t)-1)
			hit = i;
	}
	if (hit == (size_t)-1)
		return MFA_WRONG;
	/* Security: single use. */
	json_array_remove(list, hit);
	return MFA_OK_RECOVERY;
}

enum mfa_result mfa_check(json_t *rec, const struct secrets *keys, const char *addr, const char *input,
			  uint64_t now)
{
	json_t *totp = json_object_get(rec, "totp"), *last = json_object_get(totp, "last_step");
	char code[TOTP_BUF], rc[MFA_RECOVERY_CHARS + 1];
	uint8_t *secret;
	uint64_t step = 0;
	enum totp_result tr;
	enum mfa_result r;

	if (!mfa_enrolled(rec))
		return MFA_NOT_READY;
	if (mfa_recovery_well_formed(input, rc)) {
		r = check_recovery(rec, keys, addr, rc);
		sodium_memzero(rc, sizeof(rc));
		return r;
	}
	if (!totp_well_formed(input, code))
		return MFA_WRONG;
	if ((secret = unseal(keys, addr, json_object_get(totp, "secret"))) == NULL)
		return MFA_ERROR;
	tr = totp_verify(secret, code, now, json_is_integer(last) ? (uint64_t)json_integer_value(last) : 0, &step);
	sodium_memzero(code, sizeof(code));
	sodium_free(secret);
	if (tr == TOTP_ERROR)
		return MFA_ERROR;
	if (tr == TOTP_REPLAYED)
		return MFA_REPLAYED;
	if (tr != TOTP_OK)
		return MFA_WRONG;
	json_object_set_new(totp, "last_step", json_integer((json_int_t)step));
	return MFA_OK;
}

enum mfa_result mfa_renew_recovery(json_t *rec, const struct secrets *keys, const char *addr, const char *input,
				   uint64_t now, struct mfa_recovery **out)
{
	enum mfa_result r = mfa_check(rec, keys, addr, input, now);

	*out = NULL;
	if (r != MFA_OK && r != MFA_OK_RECOVERY)
		return r;
	if ((*out = sodium_malloc(sizeof(**out))) == NULL)
		return MFA_ERROR;
	if (!new_recovery(rec, keys, addr, *out)) {
		*out = mfa_recovery_free(*out);
		return MFA_ERROR;
	}
	return r;
}

void mfa_reset(json_t *rec)
{
	json_object_del(rec, "totp");
	json_object_del(rec, "pending");
	json_object_del(rec, "recovery");
}

bool mfa_uri(struct buf *b, const char *issuer, const char *account, const char *b32)
{
	return buf_puts(b, "otpauth://totp/") && text_urlencode(b, issuer) && buf_putc(b, ':') && text_urlencode(b, account) &&
	       buf_printf(b, "?secret=%s&issuer=", b32) && text_urlencode(b, issuer) &&
	       buf_printf(b, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_PERIOD);
}

bool mfa_recovery_well_formed(const char *in, char out[MFA_RECOVERY_CHARS + 1])
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		char c = *in;

		if (c == ' ' || c == '-' || c == '\t')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (n >= MFA_RECOVERY_CHARS || strchr(recovery_alphabet, c) == NULL)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == MFA_RECOVERY_CHARS;
}
