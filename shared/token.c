/*
 * token.c - sign, parse and verify accept-link tokens (see token.h).
 *
 * Failure: decode/verify return a token_status and never read past the
 * input; encode returns false only when the output buffer's cap is hit.
 * Security: the signature is checked before any field is trusted; expiry is
 * checked only after the signature, so an attacker cannot learn anything
 * from "expired" on a forged token.
 */
#include "token.h"
#include "bytes.h"

#include <sodium.h>
#include <string.h>

#define TOKEN_FIXED_V1 (1 + KEYS_KID_LEN + TOKEN_ID_LEN + 8 + 4 + 1)
#define TOKEN_FIXED (TOKEN_FIXED_V1 + KEYS_GUEST_KID_LEN)
#define TOKEN_MAX_BIN (TOKEN_FIXED + CAP_GUESTS * TOKEN_GUEST_LEN + 1 + CAP_ADDR_BYTES + 2 + CAP_URL_BYTES + TOKEN_SIG_LEN)

bool token_init(struct token *t, const struct guest_key *gk, const char *inviter, const char *resource,
		uint64_t now, uint64_t ttl)
{
	size_t il = strlen(inviter), rl = strlen(resource);

	memset(t, 0, sizeof(*t));
	if (gk->key == NULL || il > CAP_ADDR_BYTES || rl > CAP_URL_BYTES || ttl == 0 || ttl > UINT32_MAX)
		return false;
	t->version = TOKEN_VERSION;
	t->gk = gk;
	memcpy(t->guest_kid, gk->kid, KEYS_GUEST_KID_LEN);
	randombytes_buf(t->id, sizeof(t->id));
	t->issued_at = now;
	t->expires_at = now + ttl;
	memcpy(t->inviter, inviter, il + 1);
	memcpy(t->resource, resource, rl + 1);
	return true;
}

/* guest_hash - the guest hash of addr in t (layout in token.h); false if t's guest key is not held */
static bool guest_hash(const struct token *t, const char *addr, uint8_t out[TOKEN_GUEST_LEN])
{
	static const char label[] = "guestlink guest hash v2";
	uint8_t msg[sizeof(label) - 1 + TOKEN_ID_LEN], sub[crypto_generichash_KEYBYTES];

	if (t->version == TOKEN_VERSION_V1) {
		crypto_generichash(out, TOKEN_GUEST_LEN, (const unsigned char *)addr, strlen(addr), t->id,
				   TOKEN_ID_LEN);
		return true;
	}
	if (t->gk == NULL || t->gk->key == NULL ||
	    sodium_memcmp(t->gk->kid, t->guest_kid, KEYS_GUEST_KID_LEN) != 0) {
		memset(out, 0, TOKEN_GUEST_LEN);
		return false;
	}
	/* A per-invitation subkey, so equal addresses hash differently in every link. */
	memcpy(msg, label, sizeof(label) - 1);
	memcpy(msg + sizeof(label) - 1, t->id, TOKEN_ID_LEN);
	crypto_generichash(sub, sizeof(sub), msg, sizeof(msg), t->gk->key, KEYS_SECRET_LEN);
	crypto_generichash(out, TOKEN_GUEST_LEN, (const unsigned char *)addr, strlen(addr), sub, sizeof(sub));
	sodium_memzero(sub, sizeof(sub));
	return true;
}

bool token_guest_key_held(const struct token *t)
{
	uint8_t h[TOKEN_GUEST_LEN];

	return guest_hash(t, "", h);
}

bool token_add_guest(struct token *t, const char *addr)
{
	uint8_t h[TOKEN_GUEST_LEN];

	if (t->n_guests >= CAP_GUESTS || t->version != TOKEN_VERSION || !guest_hash(t, addr, h))
		return false;
	for (size_t i = 0; i < t->n_guests; i++)
		if (memcmp(t->guests[i], h, sizeof(h)) == 0)
			return false;
	memcpy(t->guests[t->n_guests++], h, sizeof(h));
	return true;
}

bool token_has_guest(const struct token *t, const char *addr)
{
	uint8_t h[TOKEN_GUEST_LEN];
	bool found = false, held = guest_hash(t, addr, h);

	/* Security: compare every entry in constant time, no early exit. */
	for (size_t i = 0; i < t->n_guests; i++)
		found |= sodium_memcmp(t->guests[i], h, sizeof(h)) == 0;
	return found && held;
}

bool token_encode(const struct token *t, const struct signing_key *key, struct buf *out)
{
	uint8_t bin[TOKEN_MAX_BIN], *p = bin;
	size_t il = strlen(t->inviter), rl = strlen(t->resource), blen;
	char text[sodium_base64_ENCODED_LEN(TOKEN_MAX_BIN, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	if (t->version != TOKEN_VERSION || t->n_guests == 0 || t->n_guests > CAP_GUESTS || il > CAP_ADDR_BYTES ||
	    rl > CAP_URL_BYTES || t->expires_at <= t->issued_at || t->expires_at - t->issued_at > UINT32_MAX)
		return false;
	*p++ = TOKEN_VERSION;
	memcpy(p, key->kid, KEYS_KID_LEN);
	p += KEYS_KID_LEN;
	memcpy(p, t->guest_kid, KEYS_GUEST_KID_LEN);
	p += KEYS_GUEST_KID_LEN;
	memcpy(p, t->id, TOKEN_ID_LEN);
	p += TOKEN_ID_LEN;
	be_put(p, t->issued_at, 8);
	p += 8;
	be_put(p, t->expires_at - t->issued_at, 4);
	p += 4;
	*p++ = (uint8_t)t->n_guests;
	memcpy(p, t->guests, t->n_guests * TOKEN_GUEST_LEN);
	p += t->n_guests * TOKEN_GUEST_LEN;
	*p++ = (uint8_t)il;
	memcpy(p, t->inviter, il);
	p += il;
	be_put(p, rl, 2);
	p += 2;
	memcpy(p, t->resource, rl);
	p += rl;
	crypto_sign_detached(p, NULL, bin, (size_t)(p - bin), key->sk);
	p += TOKEN_SIG_LEN;
	blen = (size_t)(p - bin);
	sodium_bin2base64(text, sizeof(text), bin, blen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return buf_puts(out, text);
}

/* decode_bin - base64url text to bytes; false if anything but the alphabet */
static bool decode_bin(const char *text, size_t len, uint8_t *bin, size_t *blen)
{
	const char *end = NULL;

	if (len == 0 || len > CAP_TOKEN_BYTES)
		return false;
	if (sodium_base642bin(bin, TOKEN_MAX_BIN, text, len, NULL, blen, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return false;
	return end == text + len;
}

/* parse_bin - the fields of a decoded token; *signed_len is the length covered by the signature */
static enum token_status parse_bin(const uint8_t *bin, size_t blen, struct token *t, size_t *signed_len)
{
	const uint8_t *p = bin, *end;
	size_t n, il, rl;
	uint64_t ttl;

	memset(t, 0, sizeof(*t));
	if (blen < TOKEN_FIXED_V1 + TOKEN_GUEST_LEN + 1 + 2 + TOKEN_SIG_LEN)
		return TOKEN_MALFORMED;
	end = bin + blen - TOKEN_SIG_LEN;
	t->version = *p++;
	if (t->version != TOKEN_VERSION && t->version != TOKEN_VERSION_V1)
		return TOKEN_MALFORMED;
	if (t->version == TOKEN_VERSION && blen < TOKEN_FIXED + TOKEN_GUEST_LEN + 1 + 2 + TOKEN_SIG_LEN)
		return TOKEN_MALFORMED;
	memcpy(t->kid, p, KEYS_KID_LEN);
	p += KEYS_KID_LEN;
	if (t->version == TOKEN_VERSION) {
		memcpy(t->guest_kid, p, KEYS_GUEST_KID_LEN);
		p += KEYS_GUEST_KID_LEN;
	}
	memcpy(t->id, p, TOKEN_ID_LEN);
	p += TOKEN_ID_LEN;
	t->issued_at = be_get(p, 8);
	p += 8;
	ttl = be_get(p, 4);
	p += 4;
	if (ttl == 0 || t->issued_at > UINT64_MAX - ttl)
		return TOKEN_MALFORMED;
	t->expires_at = t->issued_at + ttl;
	n = *p++;
	if (n == 0 || (size_t)(end - p) < n * TOKEN_GUEST_LEN + 1)
		return TOKEN_MALFORMED;
	memcpy(t->guests, p, n * TOKEN_GUEST_LEN);
	t->n_guests = n;
	p += n * TOKEN_GUEST_LEN;
	il = *p++;
	if (il > CAP_ADDR_BYTES || (size_t)(end - p) < il + 2)
		return TOKEN_MALFORMED;
	memcpy(t->inviter, p, il);
	t->inviter[il] = '\0';
	p += il;
	rl = (size_t)be_get(p, 2);
	p += 2;
	if (rl > CAP_URL_BYTES || (size_t)(end - p) != rl)
		return TOKEN_MALFORMED;
	memcpy(t->resource, p, rl);
	t->resource[rl] = '\0';
	/* No NULs hidden in the text fields. */
	if (strlen(t->inviter) != il || strlen(t->resource) != rl)
		return TOKEN_MALFORMED;
	*signed_len = blen - TOKEN_SIG_LEN;
	return TOKEN_OK;
}

enum token_status token_decode(const char *text, size_t len, struct token *out)
{
	uint8_t bin[TOKEN_MAX_BIN];
	size_t blen = 0, signed_len;

	if (!decode_bin(text, len, bin, &blen)) {
		memset(out, 0, sizeof(*out));
		return TOKEN_MALFORMED;
	}
	return parse_bin(bin, blen, out, &signed_len);
}

enum token_status token_verify(const char *text, size_t len, const struct keyring *ring, uint64_t now,
			       struct token *out)
{
	uint8_t bin[TOKEN_MAX_BIN];
	size_t blen = 0, signed_len = 0;
	const uint8_t *pk;
	enum token_status st;

	if (!decode_bin(text, len, bin, &blen)) {
		memset(out, 0, sizeof(*out));
		return TOKEN_MALFORMED;
	}
	st = parse_bin(bin, blen, out, &signed_len);
	if (st != TOKEN_OK)
		return st;
	pk = keyring_find(ring, out->kid);
	if (pk == NULL)
		return TOKEN_UNKNOWN_KEY;
	if (crypto_sign_verify_detached(bin + signed_len, bin, signed_len, pk) != 0)
		return TOKEN_BAD_SIGNATURE;
	if (out->version == TOKEN_VERSION)
		out->gk = keyring_find_guest(ring, out->guest_kid);
	if (now >= out->expires_at)
		return TOKEN_EXPIRED;
	return TOKEN_OK;
}

const char *token_status_word(enum token_status st)
{
	switch (st) {
	case TOKEN_OK:
		return "ok";
	case TOKEN_MALFORMED:
		return "malformed";
	case TOKEN_UNKNOWN_KEY:
		return "unknown_key";
	case TOKEN_BAD_SIGNATURE:
		return "bad_signature";
	case TOKEN_EXPIRED:
		return "expired";
	}
	return "malformed";
}

void token_id_hex(const struct token *t, char out[2 * TOKEN_ID_LEN + 1])
{
	sodium_bin2hex(out, 2 * TOKEN_ID_LEN + 1, t->id, TOKEN_ID_LEN);
}

static bool is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

const char *token_from_link(const char *link, size_t *len)
{
	const char *p = strstr(link, "/accept/");
	size_t n = 0;

	p = p ? p + 8 : link;
	while (p[n] != '\0' && is_b64url(p[n]))
		n++;
	*len = n;
	return p;
}
