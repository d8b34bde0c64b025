/*
 * privacy.c - the privacy step (see privacy.h).
 *
 * Held record: key 'P' + BLAKE2b-256(session key, "privacy-hold" || id), value
 * JSON {"v":1,"provider":…,"typed":…,"asserted":…,"login":B,"link":…,"rd":…},
 * store expiry now + PRIVACY_HOLD_TTL. Sessions' own keys are 32 bytes and the
 * OIDC pending records' start with 'O': no clash, and session_end_all()
 * passes the held ones by.
 */
#include "privacy.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"
#include "log.h"
#include "outbox.h"
#include "session.h"
#include "signin_finish.h"

#define HOLD_VERSION 1
#define HOLD_ID_LEN 32

bool privacy_accepted(const struct guest *rec)
{
	return rec->privacy_accepted_at != 0;
}

void privacy_mark(struct guest *rec, uint64_t now)
{
	rec->privacy_accepted_at = now;
}

/* hold_key - the database key of a held sign-in's cookie value; false if it is not one of ours */
static bool hold_key(const struct secrets *keys, const char *cookie, uint8_t key[PRIVACY_HOLD_KEY_LEN])
{
	static const char tag[] = "privacy-hold";
	uint8_t id[HOLD_ID_LEN];
	size_t len = 0;
	crypto_generichash_state st;

	if (strlen(cookie) != SESSION_TEXT - 1 ||
	    sodium_base642bin(id, sizeof(id), cookie, SESSION_TEXT - 1, NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || len != sizeof(id))
		return false;
	key[0] = 'P';
	crypto_generichash_init(&st, keys->session, sizeof(keys->session), PRIVACY_HOLD_KEY_LEN - 1);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof(tag) - 1);
	crypto_generichash_update(&st, id, sizeof(id));
	crypto_generichash_final(&st, key + 1, PRIVACY_HOLD_KEY_LEN - 1);
	sodium_memzero(id, sizeof(id));
	return true;
}

enum store_status privacy_hold_put(struct store_txn *txn, const struct secrets *keys, const struct privacy_hold *h,
				   uint64_t now, char out[SESSION_TEXT])
{
	uint8_t id[HOLD_ID_LEN], key[PRIVACY_HOLD_KEY_LEN];
	json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:b, s:s, s:s}", "v", HOLD_VERSION, "provider", h->provider,
			      "typed", h->typed, "asserted", h->asserted, "login", h->login, "link", h->link_token,
			      "rd", h->rd);
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	enum store_status s = STORE_ERROR;

	out[0] = '\0';
	json_decref(o);
	if (text == NULL)
		return STORE_ERROR;
	randombytes_buf(id, sizeof(id));
	sodium_bin2base64(out, SESSION_TEXT, id, sizeof(id), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(id, sizeof(id));
	if (strlen(text) <= CAP_OIDC_PENDING_BYTES && hold_key(keys, out, key))
		s = store_put(txn, STORE_SESSIONS, key, sizeof(key), text, strlen(text), now + PRIVACY_HOLD_TTL);
	free(text);
	if (s != STORE_OK)
		sodium_memzero(out, SESSION_TEXT);
	return s;
}

/* A held record as read back. */
struct held {
	char provider[CAP_OIDC_NAME + 1];
	char typed[ADDR_BUF], asserted[ADDR_BUF];
	bool login;
	char link[CAP_TOKEN_BYTES + 1];
	char rd[CAP_URL_BYTES + 1];
};

/* copy_str - member name of o, a string shorter than outsz, into out */
static bool copy_str(const json_t *o, const char *name, char *out, size_t outsz)
{
	const json_t *v = json_object_get(o, name);
	size_t len;

	if (!json_is_string(v) || (len = json_string_length(v)) >= outsz || memchr(json_string_value(v), '\0', len))
		return false;
	memcpy(out, json_string_value(v), len + 1);
	return true;
}

/* hold_get - the live held record of key into h (NULL: only whether there is one) */
static bool hold_get(struct store_txn *txn, const uint8_t key[PRIVACY_HOLD_KEY_LEN], uint64_t now, struct held *h)
{
	struct store_val v;
	json_t *o;
	bool ok;

	if (store_get(txn, STORE_SESSIONS, key, PRIVACY_HOLD_KEY_LEN, now, &v) != STORE_OK ||
	    v.len > CAP_OIDC_PENDING_BYTES || (o = json_loadb(v.data, v.len, 0, NULL)) == NULL)
		return false;
	ok = json_integer_value(json_object_get(o, "v")) == HOLD_VERSION && json_is_boolean(json_object_get(o, "login"));
	if (ok && h != NULL) {
		h->login = json_is_true(json_object_get(o, "login"));
		ok = copy_str(o, "provider", h->provider, sizeof(h->provider)) &&
		     copy_str(o, "typed", h->typed, sizeof(h->typed)) &&
		     copy_str(o, "asserted", h->asserted, sizeof(h->asserted)) &&
		     copy_str(o, "link", h->link, sizeof(h->link)) && copy_str(o, "rd", h->rd, sizeof(h->rd));
	}
	json_decref(o);
	return ok;
}

struct privacy_work {
	const struct flow_ctx *fx;
	const char *cookie;
	uint64_t now;
	bool accept;
	enum privacy_state state;
	char addr[ADDR_BUF];
	bool have_key;			/* the cookie is no session; key: its held record's */
	uint8_t key[PRIVACY_HOLD_KEY_LEN];
	struct held *held;		/* accept: the held record, once found */
	const struct token *t;		/* finish: the link, checked again */
	struct privacy_done *out;
	bool notified;
	enum finish_result finish;
};

/* privacy_txn - a code-level session: is it accepted (accept: record it)? Else, is the cookie a held sign-in's? */
static enum store_status privacy_txn(struct store_txn *txn, void *arg)
{
	struct privacy_work *w = arg;
	struct session_limits lim = flow_session_limits(w->fx);
	struct session_info si;
	enum store_status s = STORE_OK;
	struct guest *rec;

	w->state = w->accept ? PRIVACY_NEEDED : PRIVACY_DONE;
	w->have_key = false;
	if (w->cookie[0] == '\0')
		return STORE_OK;
	if (!session_find(txn, w->fx->keys, w->cookie, w->now, &lim, &si)) {
		if (hold_key(w->fx->keys, w->cookie, w->key) && hold_get(txn, w->key, w->now, w->accept ? w->held : NULL)) {
			w->have_key = true;
			w->state = PRIVACY_NEEDED;
		}
		return STORE_OK;
	}
	if (si.level != SESSION_CODE || (rec = guest_load(txn, si.addr, w->now)) == NULL)
		return STORE_OK;
	if (privacy_accepted(rec)) {
		w->state = PRIVACY_DONE;
	} else if (!w->accept) {
		w->state = PRIVACY_NEEDED;
	} else {
		privacy_mark(rec, w->now);
		s = guest_save(txn, si.addr, rec, w->now);
		if (s == STORE_OK)
			s = flow_audit(txn, w->now, "privacy_accepted", FLOW_LOGIN_ID, si.addr);
		memcpy(w->addr, si.addr, strlen(si.addr) + 1);
		w->state = PRIVACY_DONE;
	}
	guest_free(rec);
	return s;
}

/* finish_txn - the held sign-in, taken (one use, whatever follows), finished with the acceptance */
static enum store_status finish_txn(struct store_txn *txn, void *arg)
{
	struct privacy_work *w = arg;
	struct held *h = w->held;
	struct finish_req rq = { .via = FINISH_PROVIDER, .t = w->t, .typed = h->typed, .provider = h->provider,
				 .asserted = h->asserted, .provider_mfa = true, .dest = h->login ? h->rd : "",
				 .event = "oidc_signed_in", .privacy_accepted = true };
	struct finish_done d;
	enum store_status s;

	w->state = PRIVACY_REFUSED;
	w->finish = FINISH_NO_ACCESS;
	w->out->finish = (int)FINISH_NO_ACCESS;
	if (!hold_get(txn, w->key, w->now, NULL))
		return STORE_OK;	/* taken meanwhile (a second click) */
	if ((s = store_del(txn, STORE_SESSIONS, w->key, sizeof(w->key))) != STORE_OK)
		return s;
	if (w->t == NULL && !h->login) {
		w->out->finish = -1;	/* the link failed its check again: only the take is committed */
		return STORE_OK;
	}
	s = signin_finish(txn, w->fx, &rq, w->now, &w->finish, &d);
	if (s == STORE_OK && w->finish == FINISH_OK) {
		w->state = PRIVACY_SIGNED_IN;
		w->notified = d.notified;
		memcpy(w->addr, d.addr, sizeof(w->addr));
		memcpy(w->out->session, d.session, sizeof(w->out->session));
		memcpy(w->out->dest, d.dest, sizeof(w->out->dest));
	}
	w->out->finish = (int)w->finish;
	sodium_memzero(&d, sizeof(d));
	return s;
}

enum privacy_state privacy_state(const struct flow_ctx *fx, const char *cookie, uint64_t now)
{
	struct privacy_work w = { .fx = fx, .cookie = cookie, .now = now, .state = PRIVACY_DONE };

	/* A write transaction, though it writes nothing: it reads past the PostgreSQL read cache, which may
	 * still hold this guest's record from before another host recorded the acceptance (the guest would be
	 * asked again, for up to STORE_PG_CACHE_MS). On LMDB a commit with nothing written costs no sync. */
	return store_write(fx->st, privacy_txn, &w) == STORE_OK ? w.state : PRIVACY_UNAVAILABLE;
}

/* accept_held - the held sign-in of w->key: the link checked again (outside the transaction: flow_link reads
 * the store itself), then finish_txn */
static enum privacy_state accept_held(struct privacy_work *w)
{
	struct token *t = NULL;
	enum store_status s;

	w->out->link = LINK_OK;
	if (!w->held->login) {
		if ((t = malloc(sizeof(*t))) == NULL)
			return PRIVACY_UNAVAILABLE;
		w->out->link = flow_link(w->fx, w->held->link, strlen(w->held->link), w->now, t);
		if (w->out->link == LINK_UNAVAILABLE) {
			free(t);
			return PRIVACY_UNAVAILABLE;
		}
		w->t = w->out->link == LINK_OK ? t : NULL;
	}
	s = store_write(w->fx->st, finish_txn, w);
	free(t);
	if (s != STORE_OK) {
		sodium_memzero(w->out->session, sizeof(w->out->session));
		log_error("event=privacy_accepted held=provider outcome=store_%s", store_status_word(s));
		return PRIVACY_UNAVAILABLE;
	}
	if (w->notified)
		outbox_kick(w->fx->ob);
	if (w->state == PRIVACY_SIGNED_IN)
		log_info("event=privacy_accepted guest=%s held=provider outcome=signed_in_provider_mfa", w->addr);
	else
		log_info("event=privacy_accepted held=provider outcome=%s",
			 w->out->finish < 0 ? "link_no_longer_valid" : signin_finish_word(w->finish));
	return w->state;
}

enum privacy_state privacy_accept(const struct flow_ctx *fx, const char *cookie, uint64_t now,
				  struct privacy_done *out)
{
	struct privacy_work w = { .fx = fx, .cookie = cookie, .now = now, .accept = true, .state = PRIVACY_NEEDED,
				  .out = out };
	enum privacy_state r;

	memset(out, 0, sizeof(*out));
	if ((w.held = malloc(sizeof(*w.held))) == NULL)
		return PRIVACY_UNAVAILABLE;
	if (store_write(fx->st, privacy_txn, &w) != STORE_OK) {
		r = PRIVACY_UNAVAILABLE;
	} else if (w.have_key) {
		r = accept_held(&w);
	} else {
		if (w.addr[0] != '\0')
			log_info("event=privacy_accepted guest=%s", w.addr);
		r = w.state;
	}
	sodium_memzero(w.held, sizeof(*w.held));
	free(w.held);
	return r;
}
