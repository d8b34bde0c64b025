/*
 * mfa.c - TOTP enrolment and checks, recovery codes (see mfa.h).
 */
#include "mfa.h"

#include <sodium.h>
#include <string.h>

#include "text.h"

#define SEALED_LEN RECORD_SEALED_LEN
#define HASH_LEN RECORD_HASH_LEN

static const char recovery_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";	/* no 0/o, 1/l/i */

bool mfa_enrolled(const struct guest *rec)
{
	return rec->mfa.has_totp;
}

unsigned mfa_recovery_left(const struct guest *rec)
{
	return rec->mfa.n_recovery;
}

struct mfa_recovery *mfa_recovery_free(struct mfa_recovery *r)
{
	if (r != NULL)
		sodium_free(r);
	return NULL;
}

/* sealed_ad - what a box is bound to: the address, and for a pending secret the session it was shown to */
static size_t sealed_ad(const char *addr, const uint8_t *bind, uint8_t ad[ADDR_BUF + 1 + MFA_BIND_LEN])
{
	size_t n = strlen(addr);

	memcpy(ad, addr, n);
	if (bind == NULL)
		return n;
	ad[n] = 0;
	memcpy(ad + n + 1, bind, MFA_BIND_LEN);
	return n + 1 + MFA_BIND_LEN;
}

/* seal - encrypt a secret for addr (and bind, when not NULL) into box */
static void seal(const struct secrets *keys, const char *addr, const uint8_t *bind,
		 const uint8_t secret[TOTP_SECRET_LEN], uint8_t box[SEALED_LEN])
{
	uint8_t ad[ADDR_BUF + 1 + MFA_BIND_LEN];
	size_t adlen = sealed_ad(addr, bind, ad);
	unsigned long long clen = 0;

	randombytes_buf(box, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, secret,
						   TOTP_SECRET_LEN, ad, adlen, NULL, box, keys->totp);
}

/* unseal - decrypt into sodium_malloc'd memory; NULL if it does not decrypt (wrong key, other guest, or a
 * pending secret shown to another session) */
static uint8_t *unseal(const struct secrets *keys, const char *addr, const uint8_t *bind, const uint8_t box[SEALED_LEN])
{
	uint8_t ad[ADDR_BUF + 1 + MFA_BIND_LEN];
	size_t adlen = sealed_ad(addr, bind, ad);
	uint8_t *secret;

	if ((secret = sodium_malloc(TOTP_SECRET_LEN)) == NULL)
		return NULL;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret, NULL, NULL, box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
						       SEALED_LEN - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
						       ad, adlen, box, keys->totp) != 0) {
		sodium_free(secret);
		return NULL;
	}
	return secret;
}

bool mfa_begin(struct guest *rec, const struct secrets *keys, const char *addr, const uint8_t bind[MFA_BIND_LEN],
	       uint64_t now, char b32[TOTP_B32_BUF], bool *changed)
{
	struct guest_mfa *m = &rec->mfa;
	uint8_t *secret = NULL;
	bool ok;

	*changed = false;
	/* Keep showing the same secret: a guest who scanned it and reloads the page must not get a new one.
	 * Security (red team 5, finding 01): only to the session it was made for (bind, in the box's associated
	 * data). Shown to every code session of the address, it let whoever reads the guest's mail open the
	 * setup page first, leave it, and then hold the authenticator the guest confirmed. Another session gets
	 * a new secret instead, which replaces this one: the guest's confirm then fails and the page shows a
	 * new one, so nobody shares a secret with the guest unseen. */
	if (m->has_pending && m->pending_created_at + MFA_PENDING_TTL > now)
		secret = unseal(keys, addr, bind, m->pending_secret);
	if (secret == NULL) {
		if ((secret = sodium_malloc(TOTP_SECRET_LEN)) == NULL)
			return false;
		/* Security: 160 bits from the CSPRNG (RFC 4226 section 4, R6). */
		randombytes_buf(secret, TOTP_SECRET_LEN);
		seal(keys, addr, bind, secret, m->pending_secret);
		m->has_pending = true;
		m->pending_created_at = now;
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
static bool new_recovery(struct guest *rec, const struct secrets *keys, const char *addr, struct mfa_recovery *r)
{
	char plain[MFA_RECOVERY_CHARS + 1];

	for (size_t i = 0; i < MFA_RECOVERY_N; i++) {
		for (size_t j = 0, o = 0; j < MFA_RECOVERY_CHARS; j++) {
			plain[j] = recovery_alphabet[randombytes_uniform(sizeof(recovery_alphabet) - 1)];
			if (j > 0 && j % 4 == 0)
				r->code[i][o++] = '-';
			r->code[i][o++] = plain[j];
			r->code[i][o] = '\0';
		}
		plain[MFA_RECOVERY_CHARS] = '\0';
		recovery_hash(keys, addr, plain, rec->mfa.recovery[i]);
	}
	sodium_memzero(plain, sizeof(plain));
	rec->mfa.n_recovery = MFA_RECOVERY_N;
	return true;
}

enum mfa_result mfa_confirm(struct guest *rec, const struct secrets *keys, const char *addr,
			    const uint8_t bind[MFA_BIND_LEN], const char *input, uint64_t now, struct mfa_recovery **out)
{
	struct guest_mfa *m = &rec->mfa;
	char code[TOTP_BUF];
	uint8_t *secret;
	uint64_t step = 0;
	enum totp_result tr;

	*out = NULL;
	if (mfa_enrolled(rec) || !m->has_pending)
		return MFA_NOT_READY;
	if (!totp_well_formed(input, code))
		return MFA_WRONG;
	/* Another session's pending secret (or one of an older otpd) does not open: as a wrong code. */
	if ((secret = unseal(keys, addr, bind, m->pending_secret)) == NULL) {
		sodium_memzero(code, sizeof(code));
		return MFA_WRONG;
	}
	tr = totp_verify(secret, code, now, 0, &step);
	sodium_memzero(code, sizeof(code));
	if (tr != TOTP_OK) {
		sodium_free(secret);
		return tr == TOTP_ERROR ? MFA_ERROR : MFA_WRONG;
	}
	if ((*out = sodium_malloc(sizeof(**out))) == NULL || !new_recovery(rec, keys, addr, *out)) {
		sodium_free(secret);
		*out = mfa_recovery_free(*out);
		return MFA_ERROR;
	}
	/* The confirming code's step counts as used: it cannot sign in again. The enrolled secret is bound to
	 * the address only (every later session checks it). */
	seal(keys, addr, NULL, secret, m->totp_secret);
	sodium_free(secret);
	m->has_totp = true;
	m->totp_last_step = step;
	m->totp_enrolled_at = now;
	m->has_pending = false;
	sodium_memzero(m->pending_secret, SEALED_LEN);
	m->pending_created_at = 0;
	return MFA_OK;
}

static enum mfa_result check_recovery(struct guest *rec, const struct secrets *keys, const char *addr,
				      const char code[MFA_RECOVERY_CHARS + 1])
{
	struct guest_mfa *m = &rec->mfa;
	uint8_t want[HASH_LEN];
	size_t hit = (size_t)-1;

	recovery_hash(keys, addr, code, want);
	/* Compare against every stored hash, hit or not. */
	for (size_t i = 0; i < m->n_recovery; i++)
		if (sodium_memcmp(want, m->recovery[i], HASH_LEN) == 0 && hit == (size_t)-1)
			hit = i;
	if (hit == (size_t)-1)
		return MFA_WRONG;
	/* Security: single use. */
	memmove(m->recovery[hit], m->recovery[hit + 1], (m->n_recovery - hit - 1) * HASH_LEN);
	m->n_recovery--;
	sodium_memzero(m->recovery[m->n_recovery], HASH_LEN);
	return MFA_OK_RECOVERY;
}

enum mfa_result mfa_check(struct guest *rec, const struct secrets *keys, const char *addr, const char *input,
			  uint64_t now)
{
	struct guest_mfa *m = &rec->mfa;
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
	if ((secret = unseal(keys, addr, NULL, m->totp_secret)) == NULL)
		return MFA_ERROR;
	tr = totp_verify(secret, code, now, m->totp_last_step, &step);
	sodium_memzero(code, sizeof(code));
	sodium_free(secret);
	if (tr == TOTP_ERROR)
		return MFA_ERROR;
	if (tr == TOTP_REPLAYED)
		return MFA_REPLAYED;
	if (tr != TOTP_OK)
		return MFA_WRONG;
	m->totp_last_step = step;
	return MFA_OK;
}

enum mfa_result mfa_renew_recovery(struct guest *rec, const struct secrets *keys, const char *addr, const char *input,
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

void mfa_reset(struct guest *rec)
{
	sodium_memzero(&rec->mfa, sizeof(rec->mfa));
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
