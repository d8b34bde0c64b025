/*
 * invite.c - invitation records (see invite.h).
 */
#include "invite.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"

bool invite_id_parse(const char *hex, uint8_t id[TOKEN_ID_LEN])
{
	size_t bin_len = 0;

	if (strlen(hex) != 2 * TOKEN_ID_LEN)
		return false;
	return sodium_hex2bin(id, TOKEN_ID_LEN, hex, 2 * TOKEN_ID_LEN, NULL, &bin_len, NULL) == 0 &&
	       bin_len == TOKEN_ID_LEN;
}

static bool check_signature(const char *body, size_t len, const char *sig_header, const struct keyring *ring)
{
	const char *colon;
	uint8_t kid[KEYS_KID_LEN], sig[crypto_sign_BYTES];
	size_t bin_len = 0;
	const uint8_t *pk;

	if (sig_header == NULL || (colon = strchr(sig_header, ':')) == NULL || colon - sig_header != 2 * KEYS_KID_LEN)
		return false;
	if (sodium_hex2bin(kid, sizeof(kid), sig_header, 2 * KEYS_KID_LEN, NULL, &bin_len, NULL) != 0 ||
	    bin_len != sizeof(kid))
		return false;
	if (sodium_base642bin(sig, sizeof(sig), colon + 1, strlen(colon + 1), NULL, &bin_len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || bin_len != sizeof(sig))
		return false;
	pk = keyring_find(ring, kid);
	return pk != NULL && crypto_sign_verify_detached(sig, (const uint8_t *)body, len, pk) == 0;
}

static bool is_uint(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0;
}

enum invite_status invite_report_check(const char *body, size_t len, const char *sig_header, const struct keyring *ring,
				       uint64_t now, struct invite_report *rep)
{
	json_t *root, *res;
	json_error_t jerr;
	uint64_t sent;
	enum invite_status st = INVITE_MALFORMED;
	size_t i;
	json_t *v;

	memset(rep, 0, sizeof(*rep));
	if (len > CAP_HTTP_REPORT_BYTES || !check_signature(body, len, sig_header, ring))
		return INVITE_BAD_SIGNATURE;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return INVITE_MALFORMED;
	res = json_object_get(root, "resources");
	if (!json_is_object(root) || !json_is_string(json_object_get(root, "invitation")) ||
	    !invite_id_parse(json_string_value(json_object_get(root, "invitation")), rep->id) ||
	    !json_is_string(json_object_get(root, "inviter")) || !json_is_array(res) ||
	    !is_uint(json_object_get(root, "expires_at")) || !is_uint(json_object_get(root, "sent_at")) ||
	    !is_uint(json_object_get(root, "guests")))
		goto out;
	json_array_foreach(res, i, v)
		if (!json_is_string(v))
			goto out;
	sent = (uint64_t)json_integer_value(json_object_get(root, "sent_at"));
	if (sent + INVITE_SKEW < now || sent > now + INVITE_SKEW) {
		st = INVITE_BAD_SIGNATURE;
		goto out;
	}
	rep->expires_at = (uint64_t)json_integer_value(json_object_get(root, "expires_at"));
	json_object_set_new(root, "redeemed", json_array());
	rep->json = json_dumps(root, JSON_COMPACT);
	st = rep->json ? INVITE_OK : INVITE_MALFORMED;
out:
	json_decref(root);
	return st;
}

static json_t *load(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], uint64_t now, uint64_t *expires_at)
{
	struct store_val v;
	json_error_t jerr;

	if (store_get(txn, STORE_INVITATIONS, id, TOKEN_ID_LEN, now, &v) != STORE_OK)
		return NULL;
	*expires_at = v.expires_at;
	return json_loadb(v.data, v.len, 0, &jerr);
}

/* save - write an invitation record; a revoked one is kept for good, whatever the caller asked */
static enum store_status save(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], json_t *rec, uint64_t expires_at)
{
	char *text = json_dumps(rec, JSON_COMPACT);
	enum store_status s;

	if (is_uint(json_object_get(rec, "revoked_at")))
		expires_at = INVITE_REVOKED_KEEP;
	if (text == NULL)
		return STORE_ERROR;
	s = store_put(txn, STORE_INVITATIONS, id, TOKEN_ID_LEN, text, strlen(text), expires_at);
	free(text);
	return s;
}

enum store_status invite_store(struct store_txn *txn, const struct invite_report *rep, uint64_t now)
{
	struct store_val v;

	if (store_get(txn, STORE_INVITATIONS, rep->id, TOKEN_ID_LEN, now, &v) == STORE_OK)
		return STORE_OK;
	return store_put(txn, STORE_INVITATIONS, rep->id, TOKEN_ID_LEN, rep->json, strlen(rep->json),
			 rep->expires_at + INVITE_KEEP);
}

bool invite_is_revoked(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], uint64_t now)
{
	uint64_t exp;
	json_t *rec = load(txn, id, now, &exp);
	bool revoked = rec != NULL && is_uint(json_object_get(rec, "revoked_at"));

	json_decref(rec);
	return revoked;
}

static json_t *from_token(const struct token *t)
{
	char id[2 * TOKEN_ID_LEN + 1], kid[KEYS_KID_HEX];

	token_id_hex(t, id);
	keys_kid_hex(t->kid, kid);
	return json_pack("{s:s,s:s,s:s,s:[s],s:I,s:I,s:I,s:[]}", "invitation", id, "kid", kid, "inviter", t->inviter,
			 "resources", t->resource, "guests", (json_int_t)t->n_guests, "issued_at",
			 (json_int_t)t->issued_at, "expires_at", (json_int_t)t->expires_at, "redeemed");
}

enum store_status invite_redeemed(struct store_txn *txn, const struct token *t, const char *addr, uint64_t now)
{
	uint64_t exp = t->expires_at + INVITE_KEEP;
	json_t *rec = load(txn, t->id, now, &exp), *list;
	enum store_status s = STORE_ERROR;

	if (rec == NULL)
		rec = from_token(t);
	if (rec == NULL)
		return STORE_ERROR;
	list = json_object_get(rec, "redeemed");
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(rec, "redeemed", list);
	}
	if (list != NULL && json_array_size(list) < CAP_GUESTS &&
	    json_array_append_new(list, json_pack("{s:s,s:I}", "email", addr, "at", (json_int_t)now)) == 0)
		s = save(txn, t->id, rec, exp);
	json_decref(rec);
	return s;
}

enum store_status invite_revoke(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], uint64_t now)
{
	uint64_t exp = INVITE_REVOKED_KEEP;
	json_t *rec = load(txn, id, now, &exp);
	char hex[2 * TOKEN_ID_LEN + 1];
	enum store_status s;

	if (rec == NULL) {
		sodium_bin2hex(hex, sizeof(hex), id, TOKEN_ID_LEN);
		rec = json_pack("{s:s}", "invitation", hex);
	}
	if (rec == NULL)
		return STORE_ERROR;
	if (!is_uint(json_object_get(rec, "revoked_at")))
		json_object_set_new(rec, "revoked_at", json_integer((json_int_t)now));
	s = save(txn, id, rec, exp);
	json_decref(rec);
	return s;
}

struct list_ctx {
	uint64_t now;
	FILE *out;
};

static bool list_one(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	struct list_ctx *c = arg;
	json_error_t jerr;
	json_t *rec = json_loadb(v->data, v->len, 0, &jerr), *exp;
	const char *state = "sent";
	char *text;

	(void)key;
	(void)klen;
	if (rec == NULL)
		return true;
	exp = json_object_get(rec, "expires_at");
	if (is_uint(json_object_get(rec, "revoked_at")))
		state = "revoked";
	else if (is_uint(exp) && (uint64_t)json_integer_value(exp) <= c->now)
		state = "expired";
	else if (json_array_size(json_object_get(rec, "redeemed")) > 0)
		state = "redeemed";
	json_object_set_new(rec, "state", json_string(state));
	text = json_dumps(rec, JSON_COMPACT);
	if (text != NULL)
		fprintf(c->out, "%s\n", text);
	free(text);
	json_decref(rec);
	return true;
}

enum store_status invite_list(struct store_txn *txn, uint64_t now, FILE *out)
{
	struct list_ctx c = { now, out };

	return store_each(txn, STORE_INVITATIONS, now, list_one, &c);
}
