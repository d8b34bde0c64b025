/*
 * record_legacy.c - guest and invitation records as earlier otpd wrote them
 * (JSON text, jansson), read into the typed records (see record.h).
 *
 * Only record.c calls these, and only for a record whose first byte is '{':
 * no JSON is written any more, and a record read here is written back in the
 * binary format the next time it changes. Field by field this reads what the
 * JSON-era code read: a field of the wrong type reads as absent, as it did.
 *
 *   guest:      {"email":"…","last_sign_in":N,"sign_in":"code"|"oidc:NAME","sign_in_mfa":B,
 *                "invitations":[{"invitation":"<hex>","resource":"…","redeemed_at":N,"inviter":"…"},…],
 *                "disabled_at":N,"privacy_accepted_at":N,"mfa_reset_at":N,
 *                "totp":{"secret":S,"last_step":N,"enrolled_at":N},"pending":{"secret":S,"created_at":N},
 *                "recovery":[H,…]}      (S, H: base64url, see mfa.h)
 *   invitation: {"invitation":"<hex>","kid":"…","inviter":"…","resources":["…"],"guests":N,"issued_at":N,
 *                "expires_at":N,"queue_id":"…","sent_at":N,"redeemed":[{"email":"…","at":N}],"revoked_at":N}
 */
#include "record.h"

#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* positive - an integer field above 0, else 0 (junk, negative and absent all read as "not set") */
static uint64_t positive(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* uint_field - an integer field of at least 0 */
static bool uint_field(const json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

/* text - a string field of at most max bytes with no NUL, else NULL */
static const char *text(const json_t *o, const char *key, size_t max)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) > max || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static char *dup_text(const json_t *o, const char *key, size_t max, bool *oom)
{
	const char *s = text(o, key, max);
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = record_strdup(s, strlen(s))) == NULL)
		*oom = true;
	return d;
}

/* unbase64 - base64url text into exactly len bytes; false (out zeroed) if it is not that */
static bool unbase64(const json_t *v, uint8_t *out, size_t len)
{
	const char *t = json_string_value(v);
	size_t got = 0;

	if (t == NULL || sodium_base642bin(out, len, t, strlen(t), NULL, &got, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || got != len) {
		memset(out, 0, len);
		return false;
	}
	return true;
}

static void legacy_mfa(const json_t *rec, struct guest_mfa *m)
{
	const json_t *totp = json_object_get(rec, "totp"), *pending = json_object_get(rec, "pending"),
		     *list = json_object_get(rec, "recovery");
	uint64_t v;

	/* A secret that does not decode stays "enrolled" with one that never decrypts (MFA_ERROR), as before. */
	if ((m->has_totp = json_is_string(json_object_get(totp, "secret")))) {
		(void)unbase64(json_object_get(totp, "secret"), m->totp_secret, RECORD_SEALED_LEN);
		m->totp_last_step = uint_field(totp, "last_step", &v) ? v : 0;
		m->totp_enrolled_at = uint_field(totp, "enrolled_at", &v) ? v : 0;
	}
	if ((m->has_pending = json_is_object(pending))) {
		(void)unbase64(json_object_get(pending, "secret"), m->pending_secret, RECORD_SEALED_LEN);
		m->pending_created_at = uint_field(pending, "created_at", &v) ? v : 0;
	}
	for (size_t i = 0; i < json_array_size(list) && m->n_recovery < RECORD_RECOVERY_N; i++)
		if (unbase64(json_array_get(list, i), m->recovery[m->n_recovery], RECORD_HASH_LEN))
			m->n_recovery++;
}

static bool legacy_invitations(const json_t *list, struct guest *g)
{
	size_t n = json_array_size(list), from = n > RECORD_GUEST_INVITATIONS ? n - RECORD_GUEST_INVITATIONS : 0;
	bool oom = false;

	for (size_t i = from; i < n && !oom; i++) {
		const json_t *item = json_array_get(list, i);
		const char *res = text(item, "resource", CAP_URL_BYTES), *hex = text(item, "invitation", 64);
		struct guest_invitation *gi = &g->inv[g->n_inv];
		size_t got = 0;

		if (res == NULL)
			continue;
		gi->id_unknown = hex == NULL || strlen(hex) != 2 * TOKEN_ID_LEN ||
				 sodium_hex2bin(gi->id, TOKEN_ID_LEN, hex, strlen(hex), NULL, &got, NULL) != 0 ||
				 got != TOKEN_ID_LEN;
		if (gi->id_unknown)
			memset(gi->id, 0, TOKEN_ID_LEN);
		gi->redeemed_at = positive(item, "redeemed_at");
		gi->inviter = dup_text(item, "inviter", CAP_ADDR_BYTES, &oom);
		if ((gi->resource = record_strdup(res, strlen(res))) == NULL)
			oom = true;
		g->n_inv++;
	}
	return !oom;
}

enum record_status record_legacy_guest(const void *data, size_t len, struct guest *g)
{
	json_error_t jerr;
	json_t *rec = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *method;
	bool ok;

	if (!json_is_object(rec)) {
		json_decref(rec);
		return RECORD_MALFORMED;
	}
	g->last_sign_in = positive(rec, "last_sign_in");
	g->disabled_at = positive(rec, "disabled_at");
	g->privacy_accepted_at = positive(rec, "privacy_accepted_at");
	g->mfa_reset_at = positive(rec, "mfa_reset_at");
	if ((method = text(rec, "sign_in", sizeof(g->sign_in) - 1)) != NULL)
		memcpy(g->sign_in, method, strlen(method) + 1);
	g->sign_in_mfa = json_is_true(json_object_get(rec, "sign_in_mfa"));
	legacy_mfa(rec, &g->mfa);
	ok = legacy_invitations(json_object_get(rec, "invitations"), g);
	json_decref(rec);
	return ok ? RECORD_OK : RECORD_NOMEM;
}

static bool legacy_lists(const json_t *rec, struct invitation *inv)
{
	const json_t *res = json_object_get(rec, "resources"), *red = json_object_get(rec, "redeemed");

	if (json_is_array(res))
		inv->has |= INVITATION_HAS_RESOURCES;
	for (size_t i = 0; i < json_array_size(res); i++) {
		const char *s = json_string_value(json_array_get(res, i));

		if (s != NULL && strlen(s) <= CAP_URL_BYTES && inv->n_resources < CAP_LINKS &&
		    !record_invitation_add_resource(inv, s))
			return false;
	}
	if (json_is_array(red))
		inv->has |= INVITATION_HAS_REDEEMED;
	for (size_t i = 0; i < json_array_size(red); i++) {
		const json_t *item = json_array_get(red, i);
		const char *email = text(item, "email", CAP_ADDR_BYTES);
		uint64_t at = 0;

		if (email == NULL || inv->n_redeemed >= CAP_GUESTS)
			continue;
		(void)uint_field(item, "at", &at);
		if (!record_invitation_add_redeemer(inv, email, at))
			return false;
	}
	return true;
}

enum record_status record_legacy_invitation(const void *data, size_t len, struct invitation *inv)
{
	json_error_t jerr;
	json_t *rec = json_loadb(data, len, 0, &jerr);
	const char *hex;
	size_t got = 0;
	bool oom = false;
	static const struct {
		const char *key;
		unsigned bit;
		size_t off;
	} ints[] = {
		{ "guests", INVITATION_HAS_GUESTS, offsetof(struct invitation, guests) },
		{ "issued_at", INVITATION_HAS_ISSUED_AT, offsetof(struct invitation, issued_at) },
		{ "expires_at", INVITATION_HAS_EXPIRES_AT, offsetof(struct invitation, expires_at) },
		{ "sent_at", INVITATION_HAS_SENT_AT, offsetof(struct invitation, sent_at) },
		{ "revoked_at", INVITATION_HAS_REVOKED_AT, offsetof(struct invitation, revoked_at) },
	};

	if (!json_is_object(rec) || (hex = text(rec, "invitation", 2 * TOKEN_ID_LEN)) == NULL ||
	    strlen(hex) != 2 * TOKEN_ID_LEN ||
	    sodium_hex2bin(inv->id, TOKEN_ID_LEN, hex, strlen(hex), NULL, &got, NULL) != 0 || got != TOKEN_ID_LEN) {
		json_decref(rec);
		return RECORD_MALFORMED;
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (uint_field(rec, ints[i].key, (uint64_t *)(void *)((char *)inv + ints[i].off)))
			inv->has |= ints[i].bit;
	if ((inv->kid = dup_text(rec, "kid", RECORD_KID_MAX, &oom)) != NULL)
		inv->has |= INVITATION_HAS_KID;
	if ((inv->inviter = dup_text(rec, "inviter", RECORD_TEXT_MAX, &oom)) != NULL)
		inv->has |= INVITATION_HAS_INVITER;
	if ((inv->queue_id = dup_text(rec, "queue_id", RECORD_TEXT_MAX, &oom)) != NULL)
		inv->has |= INVITATION_HAS_QUEUE_ID;
	if (!oom && !legacy_lists(rec, inv))
		oom = true;
	json_decref(rec);
	return oom ? RECORD_NOMEM : RECORD_OK;
}

enum record_status record_legacy_invitation_revoked(const void *data, size_t len, bool *revoked)
{
	json_error_t jerr;
	json_t *rec = json_loadb(data, len, 0, &jerr);
	uint64_t at;

	*revoked = false;
	if (rec == NULL)
		return RECORD_MALFORMED;
	*revoked = uint_field(rec, "revoked_at", &at);
	json_decref(rec);
	return RECORD_OK;
}
