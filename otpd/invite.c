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

static bool is_uint(const json_t *v)
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
	/* The record is the report as signed, with no one yet redeemed (and no revocation, whatever it says). */
	switch (record_legacy_invitation(body, len, &rep->rec)) {
	case RECORD_OK:
		rep->rec.has = (rep->rec.has & ~(unsigned)INVITATION_HAS_REVOKED_AT) | INVITATION_HAS_REDEEMED;
		rep->rec.revoked_at = 0;
		for (size_t k = 0; k < rep->rec.n_redeemed; k++)
			free(rep->rec.redeemed[k].email);
		rep->rec.n_redeemed = 0;
		st = INVITE_OK;
		break;
	default:
		st = INVITE_MALFORMED;
		break;
	}
out:
	json_decref(root);
	return st;
}

void invite_report_clear(struct invite_report *rep)
{
	record_invitation_clear(&rep->rec);
}

/* load - the invitation record of id into inv; false if there is none that decodes */
static bool load(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], uint64_t now, uint64_t *expires_at,
		 struct invitation *inv)
{
	struct store_val v;

	if (store_get(txn, STORE_INVITATIONS, id, TOKEN_ID_LEN, now, &v) != STORE_OK ||
	    record_invitation_decode(v.data, v.len, inv) != RECORD_OK)
		return false;
	*expires_at = v.expires_at;
	return true;
}

/* save - write an invitation record; a revoked one is kept for good, whatever the caller asked */
static enum store_status save(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], const struct invitation *rec,
			      uint64_t expires_at)
{
	struct buf b;
	enum store_status s;

	if ((rec->has & INVITATION_HAS_REVOKED_AT) != 0)
		expires_at = INVITE_REVOKED_KEEP;
	buf_init(&b, CAP_RECORD_BYTES);
	if (record_invitation_encode(rec, &b) != RECORD_OK) {
		buf_release(&b);
		return STORE_ERROR;
	}
	s = store_put(txn, STORE_INVITATIONS, id, TOKEN_ID_LEN, b.data, b.len, expires_at);
	buf_release(&b);
	return s;
}

enum store_status invite_store(struct store_txn *txn, const struct invite_report *rep, uint64_t now)
{
	struct store_val v;

	if (store_get(txn, STORE_INVITATIONS, rep->id, TOKEN_ID_LEN, now, &v) == STORE_OK)
		return STORE_OK;
	return save(txn, rep->id, &rep->rec, rep->expires_at + INVITE_KEEP);
}

bool invite_is_revoked(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], uint64_t now)
{
	struct store_val v;
	bool revoked = false;

	/* Only the record's head: /auth asks this for every invitation that covers the URL. */
	if (store_get(txn, STORE_INVITATIONS, id, TOKEN_ID_LEN, now, &v) != STORE_OK ||
	    record_invitation_revoked(v.data, v.len, &revoked) != RECORD_OK)
		return false;
	return revoked;
}

/* from_token - the record of an invitation otpd never heard of, from what its token says */
static bool from_token(const struct token *t, struct invitation *inv)
{
	char kid[KEYS_KID_HEX];

	memset(inv, 0, sizeof(*inv));
	keys_kid_hex(t->kid, kid);
	memcpy(inv->id, t->id, TOKEN_ID_LEN);
	inv->has = INVITATION_HAS_KID | INVITATION_HAS_INVITER | INVITATION_HAS_GUESTS | INVITATION_HAS_ISSUED_AT |
		   INVITATION_HAS_EXPIRES_AT | INVITATION_HAS_REDEEMED;
	inv->guests = t->n_guests;
	inv->issued_at = t->issued_at;
	inv->expires_at = t->expires_at;
	inv->kid = record_strdup(kid, strlen(kid));
	inv->inviter = record_strdup(t->inviter, strlen(t->inviter));
	return inv->kid != NULL && inv->inviter != NULL && record_invitation_add_resource(inv, t->resource);
}

enum store_status invite_redeemed(struct store_txn *txn, const struct token *t, const char *addr, uint64_t now)
{
	uint64_t exp = t->expires_at + INVITE_KEEP;
	struct invitation rec;
	enum store_status s = STORE_ERROR;

	if (!load(txn, t->id, now, &exp, &rec) && !from_token(t, &rec)) {
		record_invitation_clear(&rec);
		return STORE_ERROR;
	}
	if (record_invitation_add_redeemer(&rec, addr, now))
		s = save(txn, t->id, &rec, exp);
	record_invitation_clear(&rec);
	return s;
}

enum store_status invite_close(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], const char *addr, uint64_t now)
{
	uint64_t exp = 0;
	struct invitation rec;
	enum store_status s;
	bool seen = false;

	if (!load(txn, id, now, &exp, &rec))
		return STORE_OK;
	/* Every redemption added a redeemer (invite_redeemed): close each of addr's. */
	for (size_t i = 0; i < rec.n_redeemed; i++) {
		if (strcmp(rec.redeemed[i].email, addr) == 0) {
			seen = true;
			if (rec.redeemed[i].closed_at == 0)
				rec.redeemed[i].closed_at = now;
		}
	}
	/* Security: a record that does not list addr (an old one) must refuse the link too: add addr, closed; if
	 * that cannot be done, fail (the sweeper tries again) rather than let the link back in. */
	if (!seen) {
		if (!record_invitation_add_redeemer(&rec, addr, 0)) {
			record_invitation_clear(&rec);
			return STORE_ERROR;
		}
		rec.redeemed[rec.n_redeemed - 1].closed_at = now;
	}
	s = save(txn, id, &rec, exp);
	record_invitation_clear(&rec);
	return s;
}

uint64_t invite_closed_at(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], const char *addr, uint64_t now)
{
	uint64_t exp, at = 0;
	struct invitation rec;

	if (!load(txn, id, now, &exp, &rec))
		return 0;
	for (size_t i = 0; i < rec.n_redeemed; i++)
		if (strcmp(rec.redeemed[i].email, addr) == 0 && rec.redeemed[i].closed_at > at)
			at = rec.redeemed[i].closed_at;
	record_invitation_clear(&rec);
	return at;
}

enum store_status invite_revoke(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], uint64_t now)
{
	uint64_t exp = INVITE_REVOKED_KEEP;
	struct invitation rec;
	enum store_status s;

	if (!load(txn, id, now, &exp, &rec)) {
		memset(&rec, 0, sizeof(rec));
		memcpy(rec.id, id, TOKEN_ID_LEN);
	}
	if ((rec.has & INVITATION_HAS_REVOKED_AT) == 0) {
		rec.has |= INVITATION_HAS_REVOKED_AT;
		rec.revoked_at = now;
	}
	s = save(txn, id, &rec, exp);
	record_invitation_clear(&rec);
	return s;
}

struct list_ctx {
	uint64_t now;
	FILE *out;
};

/* to_json - the record as otpctl invitations has always printed it: the fields it was given, in this order */
static json_t *to_json(const struct invitation *r, uint64_t now)
{
	char hex[2 * TOKEN_ID_LEN + 1];
	json_t *o = json_object(), *a;
	const char *state = "sent";

	if (o == NULL)
		return NULL;
	sodium_bin2hex(hex, sizeof(hex), r->id, TOKEN_ID_LEN);
	json_object_set_new(o, "invitation", json_string(hex));
	if (r->has & INVITATION_HAS_KID)
		json_object_set_new(o, "kid", json_string(r->kid ? r->kid : ""));
	if (r->has & INVITATION_HAS_INVITER)
		json_object_set_new(o, "inviter", json_string(r->inviter ? r->inviter : ""));
	if (r->has & INVITATION_HAS_RESOURCES) {
		json_object_set_new(o, "resources", a = json_array());
		for (size_t i = 0; i < r->n_resources; i++)
			json_array_append_new(a, json_string(r->resources[i]));
	}
	if (r->has & INVITATION_HAS_GUESTS)
		json_object_set_new(o, "guests", json_integer((json_int_t)r->guests));
	if (r->has & INVITATION_HAS_ISSUED_AT)
		json_object_set_new(o, "issued_at", json_integer((json_int_t)r->issued_at));
	if (r->has & INVITATION_HAS_EXPIRES_AT)
		json_object_set_new(o, "expires_at", json_integer((json_int_t)r->expires_at));
	if (r->has & INVITATION_HAS_QUEUE_ID)
		json_object_set_new(o, "queue_id", json_string(r->queue_id ? r->queue_id : ""));
	if (r->has & INVITATION_HAS_SENT_AT)
		json_object_set_new(o, "sent_at", json_integer((json_int_t)r->sent_at));
	if (r->has & INVITATION_HAS_REDEEMED) {
		json_object_set_new(o, "redeemed", a = json_array());
		for (size_t i = 0; i < r->n_redeemed; i++) {
			const struct invitation_redeemer *rd = &r->redeemed[i];
			json_t *e = json_pack("{s:s,s:I}", "email", rd->email, "at", (json_int_t)rd->at);

			if (e != NULL && rd->closed_at != 0)
				json_object_set_new(e, "closed_at", json_integer((json_int_t)rd->closed_at));
			json_array_append_new(a, e);
		}
	}
	if (r->has & INVITATION_HAS_REVOKED_AT)
		json_object_set_new(o, "revoked_at", json_integer((json_int_t)r->revoked_at));
	if (r->has & INVITATION_HAS_REVOKED_AT)
		state = "revoked";
	else if ((r->has & INVITATION_HAS_EXPIRES_AT) && r->expires_at <= now)
		state = "expired";
	else if (r->n_redeemed > 0)
		state = "redeemed";
	json_object_set_new(o, "state", json_string(state));
	return o;
}

static bool list_one(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	struct list_ctx *c = arg;
	struct invitation rec;
	json_t *o;
	char *text;

	(void)key;
	(void)klen;
	if (record_invitation_decode(v->data, v->len, &rec) != RECORD_OK)
		return true;
	o = to_json(&rec, c->now);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (text != NULL)
		fprintf(c->out, "%s\n", text);
	free(text);
	json_decref(o);
	record_invitation_clear(&rec);
	return true;
}

enum store_status invite_list(struct store_txn *txn, uint64_t now, FILE *out)
{
	struct list_ctx c = { now, out };

	return store_each(txn, STORE_INVITATIONS, now, list_one, &c);
}
