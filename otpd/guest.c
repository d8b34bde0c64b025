/*
 * guest.c - guest records (see guest.h; the format is record.h's struct guest).
 *
 * Added for the lifecycle (issue 15), each optional, so an older record loads as before: an invitation's
 * inviter (whom the disable notice goes to), disabled_at (lifecycle.h; 0: enabled) and
 * privacy_accepted_at (when the guest accepted the privacy page; 0: not yet).
 */
#include "guest.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "invite.h"
#include "mfa.h"
#include "resource.h"

struct guest *guest_new(void)
{
	return calloc(1, sizeof(struct guest));
}

struct guest *guest_free(struct guest *g)
{
	if (g != NULL) {
		record_guest_clear(g);
		free(g);
	}
	return NULL;
}

struct guest *guest_load(struct store_txn *txn, const char *addr, uint64_t now)
{
	struct store_val v;
	struct guest *g;

	if (store_get(txn, STORE_GUESTS, addr, strlen(addr), now, &v) != STORE_OK || (g = guest_new()) == NULL)
		return NULL;
	if (record_guest_decode(v.data, v.len, g) != RECORD_OK)
		g = guest_free(g);
	return g;
}

bool guest_exists(struct store_txn *txn, const char *addr, uint64_t now)
{
	struct store_val v;
	struct guest_view view;
	struct guest *g;
	bool there;

	if (store_get(txn, STORE_GUESTS, addr, strlen(addr), now, &v) != STORE_OK)
		return false;
	if (record_guest_view(v.data, v.len, &view) == RECORD_OK)
		return true;	/* checked in place: nothing to copy */
	g = guest_load(txn, addr, now);
	there = g != NULL;
	guest_free(g);
	return there;
}

enum store_status guest_save(struct store_txn *txn, const char *addr, const struct guest *rec, uint64_t now)
{
	struct buf b;
	enum store_status s;

	buf_init(&b, CAP_RECORD_BYTES);
	if (record_guest_encode(rec, &b) != RECORD_OK) {
		buf_release(&b);
		return STORE_ERROR;
	}
	s = store_put(txn, STORE_GUESTS, addr, strlen(addr), b.data, b.len, now + GUEST_KEEP);
	buf_release(&b);
	return s;
}

/* drop - remove invitation i, keeping the order */
static void drop(struct guest *rec, size_t i)
{
	free(rec->inv[i].inviter);
	free(rec->inv[i].resource);
	memmove(&rec->inv[i], &rec->inv[i + 1], (rec->n_inv - i - 1) * sizeof(rec->inv[0]));
	rec->n_inv--;
	memset(&rec->inv[rec->n_inv], 0, sizeof(rec->inv[0]));
}

bool guest_note_redeemed(struct guest *rec, const struct token *t, uint64_t now, bool *first)
{
	char *res = strdup(t->resource), *who = strdup(t->inviter);
	struct guest_invitation *gi;

	*first = true;
	if (res == NULL || who == NULL) {
		free(res);
		free(who);
		return false;
	}
	/* The same invitation again only moves to the end (the latest). */
	for (size_t i = 0; i < rec->n_inv; i++) {
		if (!rec->inv[i].id_unknown && memcmp(rec->inv[i].id, t->id, TOKEN_ID_LEN) == 0) {
			drop(rec, i);
			*first = false;
			break;
		}
	}
	/* Security: an invitation sent after the guest was disabled gives the access back (guest_may_sign_in), to
	 * its own resource only: the invitations the guest held when disabled stay closed (their links are
	 * refused, invite_close) until their own inviters send them again, so they leave the record. */
	if (rec->disabled_at != 0 && t->issued_at >= rec->disabled_at) {
		while (rec->n_inv > 0)
			drop(rec, rec->n_inv - 1);
		rec->disabled_at = 0;
	}
	while (rec->n_inv >= GUEST_MAX_INVITATIONS)
		drop(rec, 0);
	gi = &rec->inv[rec->n_inv++];
	memcpy(gi->id, t->id, TOKEN_ID_LEN);
	gi->id_unknown = false;
	gi->redeemed_at = now;
	gi->inviter = who;
	gi->resource = res;
	return true;
}

enum store_status guest_redeemed(struct store_txn *txn, const char *addr, const struct token *t, uint64_t now,
				 bool *first)
{
	struct guest *rec = guest_load(txn, addr, now);
	enum store_status s;

	if (rec == NULL && (rec = guest_new()) == NULL)
		return STORE_ERROR;
	s = guest_note_redeemed(rec, t, now, first) ? guest_save(txn, addr, rec, now) : STORE_ERROR;
	guest_free(rec);
	return s;
}

uint64_t guest_disabled_at(const struct guest *rec)
{
	return rec->disabled_at;
}

bool guest_may_sign_in(const struct guest *rec, const struct token *t)
{
	uint64_t off = guest_disabled_at(rec);

	return off == 0 || (t != NULL && t->issued_at >= off);
}

uint64_t guest_last_active(const struct guest *rec)
{
	uint64_t last = rec->last_sign_in;

	/* A guest who redeemed but never finished a sign-in counts from the redemption. */
	for (size_t i = 0; i < rec->n_inv; i++)
		if (rec->inv[i].redeemed_at > last)
			last = rec->inv[i].redeemed_at;
	return last;
}

const char *guest_sign_in_word(const struct guest *rec)
{
	return rec->sign_in[0] != '\0' ? rec->sign_in : "code";
}

const char *guest_state_word(const struct guest *rec)
{
	return guest_disabled_at(rec) != 0 ? "disabled" : "active";
}

void guest_signed_in(struct guest *rec, uint64_t now)
{
	rec->last_sign_in = now;
}

void guest_set_sign_in(struct guest *rec, const char *method, bool provider_mfa)
{
	snprintf(rec->sign_in, sizeof(rec->sign_in), "%s", method);
	rec->sign_in_mfa = provider_mfa;
}

/* mfa_word - what otpctl guests says of the second factor */
static const char *mfa_word(const struct guest *rec)
{
	if (mfa_enrolled(rec))
		return "totp";
	return rec->sign_in_mfa ? "provider" : "none";
}

/* covers - does this redeemed invitation give access to url (NULL: to anything)? */
static bool covers(struct store_txn *txn, const uint8_t *id, bool id_unknown, const char *res, size_t rlen,
		   const char *url, uint64_t now)
{
	if (id_unknown || rlen > CAP_URL_BYTES)
		return false;
	if (url != NULL && !url_under(res, rlen, url, strlen(url)))
		return false;
	/* Security: a revoked invitation stops giving access at once, even to a live session. */
	return !invite_is_revoked(txn, id, now);
}

bool guest_resource(struct store_txn *txn, const struct guest *rec, const char *url, uint64_t now,
		    char out[CAP_URL_BYTES + 1])
{
	/* Newest first: the latest invitation wins when several cover the URL. */
	for (size_t i = rec->n_inv; i-- > 0;) {
		const struct guest_invitation *gi = &rec->inv[i];
		size_t rlen = strlen(gi->resource);

		if (covers(txn, gi->id, gi->id_unknown, gi->resource, rlen, url, now)) {
			memcpy(out, gi->resource, rlen + 1);
			return true;
		}
	}
	return false;
}

bool guest_may_use(struct store_txn *txn, const char *addr, bool provider_mfa, const char *url, uint64_t now)
{
	struct store_val v;
	struct guest_view view;
	struct guest *rec;
	char res[CAP_URL_BYTES + 1];
	bool ok;

	if (store_get(txn, STORE_GUESTS, addr, strlen(addr), now, &v) != STORE_OK)
		return false;
	if (record_guest_view(v.data, v.len, &view) == RECORD_OK) {
		/* Security: a full session needs the authenticator still enrolled, unless the guest's own
		 * provider did the MFA. */
		if (!provider_mfa && view.totp_secret == NULL)
			return false;
		for (size_t i = view.n_inv; i-- > 0;)
			if (covers(txn, view.inv[i].id, view.inv[i].id_unknown, view.inv[i].resource,
				   view.inv[i].resource_len, url, now))
				return true;
		return false;
	}
	/* A record of an older format (written again at the guest's next sign-in): the full decoder. */
	if ((rec = guest_load(txn, addr, now)) == NULL)
		return false;
	ok = (provider_mfa || mfa_enrolled(rec)) && guest_resource(txn, rec, url, now, res);
	guest_free(rec);
	return ok;
}

struct list_ctx {
	FILE *out;
	uint64_t now;
};

/* list_invitations - the record's invitations as otpctl guests has always shown them */
static json_t *list_invitations(const struct guest *rec)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < rec->n_inv; i++) {
		const struct guest_invitation *gi = &rec->inv[i];
		char hex[2 * TOKEN_ID_LEN + 1] = "";
		json_t *o;

		if (!gi->id_unknown)
			sodium_bin2hex(hex, sizeof(hex), gi->id, TOKEN_ID_LEN);
		o = json_pack("{s:s,s:s,s:I}", "invitation", hex, "resource", gi->resource, "redeemed_at",
			      (json_int_t)gi->redeemed_at);
		if (o != NULL && gi->inviter != NULL)
			json_object_set_new(o, "inviter", json_string(gi->inviter));
		json_array_append_new(a, o);
	}
	return a;
}

/* list_one - one line of otpctl guests (JSON is the output format here, never the record's) */
static bool list_one(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	struct list_ctx *c = arg;
	char addr[ADDR_BUF];
	struct guest rec;
	json_t *o;
	char *text;

	if (klen == 0 || klen >= ADDR_BUF)
		return true;
	memcpy(addr, key, klen);
	addr[klen] = '\0';
	if (record_guest_decode(v->data, v->len, &rec) != RECORD_OK)
		return true;
	o = json_pack("{s:s,s:s,s:s,s:o,s:o,s:i}", "email", addr, "sign_in", guest_sign_in_word(&rec), "mfa",
		      mfa_word(&rec), "last_sign_in",
		      rec.last_sign_in != 0 ? json_integer((json_int_t)rec.last_sign_in) : json_null(), "invitations",
		      list_invitations(&rec), "recovery_codes_left", (int)mfa_recovery_left(&rec));
	if (o != NULL) {
		json_object_set_new(o, "state", json_string(guest_state_word(&rec)));
		if (guest_disabled_at(&rec) != 0)
			json_object_set_new(o, "disabled_at", json_integer((json_int_t)guest_disabled_at(&rec)));
		if (rec.privacy_accepted_at != 0)
			json_object_set_new(o, "privacy_accepted_at", json_integer((json_int_t)rec.privacy_accepted_at));
	}
	if (o != NULL && mfa_enrolled(&rec))
		json_object_set_new(o, "enrolled_at", json_integer((json_int_t)rec.mfa.totp_enrolled_at));
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (text != NULL)
		fprintf(c->out, "%s\n", text);
	free(text);
	json_decref(o);
	record_guest_clear(&rec);
	return true;
}

enum store_status guest_list(struct store_txn *txn, uint64_t now, FILE *out)
{
	struct list_ctx c = { out, now };

	return store_each(txn, STORE_GUESTS, now, list_one, &c);
}
