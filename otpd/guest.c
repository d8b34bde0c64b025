/*
 * guest.c - guest records (see guest.h).
 *
 *   {"email":"…","last_sign_in":N,"sign_in":"code"|"oidc:NAME","sign_in_mfa":true|false,
 *    "invitations":[{"invitation":"<hex>","resource":"…","redeemed_at":N,"inviter":"…"},…],
 *    "disabled_at":N, "privacy_accepted_at":N,
 *    "totp":{…},"pending":{…},"recovery":[…]}          (the last three: mfa.c)
 *
 * Added for the lifecycle (issue 15), each optional, so an older record loads as before: an invitation's
 * "inviter" (whom the disable notice goes to), "disabled_at" (lifecycle.h; absent: enabled) and
 * "privacy_accepted_at" (when the guest accepted the privacy page; absent: not yet).
 */
#include "guest.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "invite.h"
#include "mfa.h"
#include "resource.h"

json_t *guest_load(struct store_txn *txn, const char *addr, uint64_t now)
{
	struct store_val v;
	json_error_t jerr;
	json_t *rec;

	if (store_get(txn, STORE_GUESTS, addr, strlen(addr), now, &v) != STORE_OK)
		return NULL;
	if (v.len == 8) {
		const uint8_t *p = v.data;
		uint64_t last = 0;

		for (int i = 0; i < 8; i++)
			last = (last << 8) | p[i];
		return json_pack("{s:s,s:I,s:[]}", "email", addr, "last_sign_in", (json_int_t)last, "invitations");
	}
	rec = json_loadb(v.data, v.len, JSON_REJECT_DUPLICATES, &jerr);
	if (rec != NULL && !json_is_object(rec)) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

enum store_status guest_save(struct store_txn *txn, const char *addr, json_t *rec, uint64_t now)
{
	char *text;
	enum store_status s;

	json_object_set_new(rec, "email", json_string(addr));
	text = json_dumps(rec, JSON_COMPACT);
	if (text == NULL)
		return STORE_ERROR;
	s = store_put(txn, STORE_GUESTS, addr, strlen(addr), text, strlen(text), now + GUEST_KEEP);
	free(text);
	return s;
}

enum store_status guest_redeemed(struct store_txn *txn, const char *addr, const struct token *t, uint64_t now,
				 bool *first)
{
	json_t *rec = guest_load(txn, addr, now), *list, *item;
	char id[2 * TOKEN_ID_LEN + 1];
	enum store_status s;
	size_t i;

	if (rec == NULL)
		rec = json_object();
	if (rec == NULL)
		return STORE_ERROR;
	list = json_object_get(rec, "invitations");
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(rec, "invitations", list);
	}
	token_id_hex(t, id);
	*first = true;
	/* The same invitation again only moves to the end (the latest). */
	json_array_foreach(list, i, item) {
		if (json_is_string(json_object_get(item, "invitation")) &&
		    strcmp(json_string_value(json_object_get(item, "invitation")), id) == 0) {
			json_array_remove(list, i);
			*first = false;
			break;
		}
	}
	while (json_array_size(list) >= GUEST_MAX_INVITATIONS)
		json_array_remove(list, 0);
	json_array_append_new(list, json_pack("{s:s,s:s,s:I,s:s}", "invitation", id, "resource", t->resource,
					      "redeemed_at", (json_int_t)now, "inviter", t->inviter));
	/* An invitation sent after the guest was disabled gives the access back (guest_may_sign_in). */
	if (guest_disabled_at(rec) != 0 && t->issued_at >= guest_disabled_at(rec))
		json_object_del(rec, "disabled_at");
	s = guest_save(txn, addr, rec, now);
	json_decref(rec);
	return s;
}

uint64_t guest_disabled_at(const json_t *rec)
{
	json_t *v = json_object_get(rec, "disabled_at");

	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

bool guest_may_sign_in(const json_t *rec, const struct token *t)
{
	uint64_t off = guest_disabled_at(rec);

	return off == 0 || (t != NULL && t->issued_at >= off);
}

uint64_t guest_last_active(const json_t *rec)
{
	json_t *v = json_object_get(rec, "last_sign_in"), *list = json_object_get(rec, "invitations");
	uint64_t last = json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;

	/* A guest who redeemed but never finished a sign-in counts from the redemption. */
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *at = json_object_get(json_array_get(list, i), "redeemed_at");

		if (json_is_integer(at) && json_integer_value(at) > 0 && (uint64_t)json_integer_value(at) > last)
			last = (uint64_t)json_integer_value(at);
	}
	return last;
}

const char *guest_state_word(const json_t *rec)
{
	return guest_disabled_at(rec) != 0 ? "disabled" : "active";
}

void guest_signed_in(json_t *rec, uint64_t now)
{
	json_object_set_new(rec, "last_sign_in", json_integer((json_int_t)now));
}

void guest_set_sign_in(json_t *rec, const char *method, bool provider_mfa)
{
	json_object_set_new(rec, "sign_in", json_string(method));
	json_object_set_new(rec, "sign_in_mfa", json_boolean(provider_mfa));
}

/* mfa_word - what otpctl guests says of the second factor */
static const char *mfa_word(const json_t *rec)
{
	if (mfa_enrolled(rec))
		return "totp";
	return json_is_true(json_object_get(rec, "sign_in_mfa")) ? "provider" : "none";
}

bool guest_resource(struct store_txn *txn, const json_t *rec, const char *url, uint64_t now,
		    char out[CAP_URL_BYTES + 1])
{
	json_t *list = json_object_get(rec, "invitations");

	/* Newest first: the latest invitation wins when several cover the URL. */
	for (size_t i = json_array_size(list); i-- > 0;) {
		json_t *item = json_array_get(list, i);
		const char *res = json_string_value(json_object_get(item, "resource"));
		const char *hex = json_string_value(json_object_get(item, "invitation"));
		uint8_t id[TOKEN_ID_LEN];
		size_t rlen;

		if (res == NULL || hex == NULL || !invite_id_parse(hex, id) || (rlen = strlen(res)) > CAP_URL_BYTES)
			continue;
		if (url != NULL && !url_under(res, rlen, url, strlen(url)))
			continue;
		/* Security: a revoked invitation stops giving access at once, even to a live session. */
		if (invite_is_revoked(txn, id, now))
			continue;
		memcpy(out, res, rlen + 1);
		return true;
	}
	return false;
}

struct list_ctx {
	FILE *out;
	uint64_t now;
};

static bool list_one(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	struct list_ctx *c = arg;
	char addr[ADDR_BUF];
	json_t *rec = NULL, *o;
	json_error_t jerr;
	char *text;

	if (klen == 0 || klen >= ADDR_BUF)
		return true;
	memcpy(addr, key, klen);
	addr[klen] = '\0';
	if (v->len == 8)
		rec = json_pack("{s:I,s:[]}", "last_sign_in", (json_int_t)0, "invitations");
	else
		rec = json_loadb(v->data, v->len, 0, &jerr);
	if (!json_is_object(rec)) {
		json_decref(rec);
		return true;
	}
	o = json_pack("{s:s,s:s,s:s,s:O,s:O,s:i}", "email", addr,
		      "sign_in", json_is_string(json_object_get(rec, "sign_in")) ?
				 json_string_value(json_object_get(rec, "sign_in")) : "code",
		      "mfa", mfa_word(rec),
		      "last_sign_in", json_object_get(rec, "last_sign_in") ? json_object_get(rec, "last_sign_in") : json_null(),
		      "invitations", json_object_get(rec, "invitations") ? json_object_get(rec, "invitations") : json_null(),
		      "recovery_codes_left", (int)mfa_recovery_left(rec));
	if (o != NULL) {
		json_object_set_new(o, "state", json_string(guest_state_word(rec)));
		if (guest_disabled_at(rec) != 0)
			json_object_set_new(o, "disabled_at", json_integer((json_int_t)guest_disabled_at(rec)));
		if (json_is_integer(json_object_get(rec, "privacy_accepted_at")))
			json_object_set(o, "privacy_accepted_at", json_object_get(rec, "privacy_accepted_at"));
	}
	if (o != NULL && mfa_enrolled(rec))
		json_object_set(o, "enrolled_at", json_object_get(json_object_get(rec, "totp"), "enrolled_at"));
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (text != NULL)
		fprintf(c->out, "%s\n", text);
	free(text);
	json_decref(o);
	json_decref(rec);
	return true;
}

enum store_status guest_list(struct store_txn *txn, uint64_t now, FILE *out)
{
	struct list_ctx c = { out, now };

	return store_each(txn, STORE_GUESTS, now, list_one, &c);
}
