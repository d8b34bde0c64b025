/*
 * account.c - the guest's own page (see account.h).
 */
#include "account.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"

#include "guest.h"
#include "invite.h"
#include "lifecycle.h"
#include "log.h"
#include "mfa.h"
#include "session.h"
#include "signin.h"

struct account_work {
	const struct flow_ctx *fx;
	const char *cookie;
	uint64_t now;
	struct account_view *view;	/* account_show */
	enum account_result result;
	const char *outcome;	/* for the log line */
	char addr[ADDR_BUF];
};

/* full_session - the cookie's live full session, or false */
static bool full_session(struct store_txn *txn, struct account_work *w, struct session_info *si)
{
	struct session_limits lim = flow_session_limits(w->fx);

	return session_find(txn, w->fx->keys, w->cookie, w->now, &lim, si) && session_is_full(si->level);
}

/* resources - the live (unrevoked) invitations' resources, newest first, each once */
static void resources(struct store_txn *txn, const struct guest *rec, uint64_t now, struct account_view *v)
{
	v->n_resources = 0;
	for (size_t i = rec->n_inv; i-- > 0 && v->n_resources < ACCOUNT_MAX_RESOURCES;) {
		const char *res = rec->inv[i].resource;
		bool dup = false;

		if (rec->inv[i].id_unknown || strlen(res) > CAP_URL_BYTES || invite_is_revoked(txn, rec->inv[i].id, now))
			continue;
		for (size_t j = 0; j < v->n_resources && !dup; j++)
			dup = strcmp(v->resources[j], res) == 0;
		if (!dup)
			memcpy(v->resources[v->n_resources++], res, strlen(res) + 1);
	}
}

static enum store_status show_txn(struct store_txn *txn, void *arg)
{
	struct account_work *w = arg;
	struct account_view *v = w->view;
	struct session_info si;
	struct guest *rec;

	if (!full_session(txn, w, &si) || (rec = guest_load(txn, si.addr, w->now)) == NULL) {
		w->result = ACCOUNT_NO_SESSION;
		return STORE_OK;
	}
	memcpy(v->addr, si.addr, strlen(si.addr) + 1);
	snprintf(v->method, sizeof(v->method), "%s", guest_sign_in_word(rec));
	v->totp = mfa_enrolled(rec);
	v->last_active = guest_last_active(rec);
	v->lapses_at = w->fx->cfg->guest_inactive_disable > 0 ? v->last_active + (uint64_t)w->fx->cfg->guest_inactive_disable
							      : 0;
	resources(txn, rec, w->now, v);
	guest_free(rec);
	w->result = ACCOUNT_OK;
	return STORE_OK;
}

enum account_result account_show(const struct flow_ctx *fx, const char *cookie, uint64_t now,
				 struct account_view *out)
{
	struct account_work w = { .fx = fx, .cookie = cookie, .now = now, .view = out, .result = ACCOUNT_NO_SESSION };

	memset(out, 0, sizeof(*out));
	if (cookie[0] == '\0')
		return ACCOUNT_NO_SESSION;
	if (store_read(fx->st, show_txn, &w) != STORE_OK)
		return ACCOUNT_UNAVAILABLE;
	return w.result;
}

struct recovery_work {
	struct account_work a;
	const char *code;
	const struct flow_client *client;
	struct mfa_recovery *out;
};

/* factor_result - an account step's outcome from signin_factor's (the word for the log line to *outcome) */
static enum account_result factor_result(enum factor_result fr, const char **outcome)
{
	switch (fr) {
	case FACTOR_OK:
	case FACTOR_OK_RECOVERY:
		*outcome = "ok";
		return ACCOUNT_OK;
	case FACTOR_LIMITED:
		*outcome = "client_limit";
		return ACCOUNT_LIMITED;
	case FACTOR_LOCKED:
		*outcome = "address_locked";
		return ACCOUNT_LIMITED;
	case FACTOR_NOT_READY:
		*outcome = "not_enrolled";
		return ACCOUNT_WRONG;
	case FACTOR_REPLAYED:
	case FACTOR_WRONG:
	default:
		*outcome = "wrong_code";
		return ACCOUNT_WRONG;
	}
}

static enum store_status recovery_txn(struct store_txn *txn, void *arg)
{
	struct recovery_work *w = arg;
	struct factor_try ft = { .use = FACTOR_RENEW, .code = w->code, .client = w->client, .now = w->a.now };
	struct factor_done fd = { .result = FACTOR_WRONG };
	struct session_info si;
	enum store_status s;
	struct guest *rec;

	w->out = mfa_recovery_free(w->out);
	w->a.result = ACCOUNT_NO_SESSION;
	w->a.outcome = "no_session";
	if (!full_session(txn, &w->a, &si) || (rec = guest_load(txn, si.addr, w->a.now)) == NULL)
		return STORE_OK;
	memcpy(w->a.addr, si.addr, strlen(si.addr) + 1);
	/* Security: a stolen cookie alone does not get new recovery codes: the current second factor is needed,
	 * checked as the MFA step checks it (signin_factor: its try budget, the address's failure bound). */
	s = signin_factor(txn, w->a.fx, &si, rec, &ft, &fd);
	w->out = fd.recovery;
	if (s == STORE_OK) {
		w->a.result = factor_result(fd.result, &w->a.outcome);
		if (w->a.result == ACCOUNT_OK)
			s = guest_save(txn, si.addr, rec, w->a.now);
		if (w->a.result == ACCOUNT_OK && s == STORE_OK)
			s = flow_audit(txn, w->a.now, "recovery_renewed", LIFECYCLE_ID, si.addr);
	}
	guest_free(rec);
	return s;
}

enum account_result account_new_recovery(const struct flow_ctx *fx, const char *cookie, const char *code,
					 const struct flow_client *client, uint64_t now, struct mfa_recovery **out)
{
	struct recovery_work w = { { .fx = fx, .cookie = cookie, .now = now, .result = ACCOUNT_NO_SESSION }, code,
				   client, NULL };
	enum store_status s;

	*out = NULL;
	if (cookie[0] == '\0')
		return ACCOUNT_NO_SESSION;
	s = store_write(fx->st, recovery_txn, &w);
	if (s != STORE_OK || w.a.result != ACCOUNT_OK) {
		w.out = mfa_recovery_free(w.out);
		if (s != STORE_OK)
			log_error("event=recovery_renewed outcome=store_%s", store_status_word(s));
		else
			log_info("event=recovery_renewed guest=%s outcome=%s", w.a.addr, w.a.outcome);
		return s != STORE_OK ? ACCOUNT_UNAVAILABLE : w.a.result;
	}
	log_info("event=recovery_renewed guest=%s outcome=ok", w.a.addr);
	*out = w.out;
	return ACCOUNT_OK;
}

/* code_slot - the pseudo invitation id the new authenticator's emailed code is kept under: the full session's
 * own (its database key, hashed). Security: no public code step names it (they know invitations and
 * FLOW_LOGIN_ID only), so guessing there cannot burn the guest's digits, and only this session checks them. */
static void code_slot(const struct session_info *si, uint8_t slot[TOKEN_ID_LEN])
{
	static const char tag[] = "guestlink account code";

	crypto_generichash(slot, TOKEN_ID_LEN, (const uint8_t *)tag, sizeof(tag) - 1, si->key, sizeof(si->key));
}

struct mail_work {
	struct account_work a;
	uint8_t slot[TOKEN_ID_LEN];
};

static enum store_status mail_txn(struct store_txn *txn, void *arg)
{
	struct mail_work *w = arg;
	struct session_info si;

	w->a.result = ACCOUNT_NO_SESSION;
	if (!full_session(txn, &w->a, &si) || !guest_exists(txn, si.addr, w->a.now))
		return STORE_OK;
	memcpy(w->a.addr, si.addr, strlen(si.addr) + 1);
	code_slot(&si, w->slot);
	w->a.result = ACCOUNT_OK;
	return STORE_OK;
}

enum account_result account_mail_code(const struct flow_ctx *fx, const char *cookie, const struct flow_client *client,
				      enum lang lang, uint64_t now)
{
	struct mail_work w = { { .fx = fx, .cookie = cookie, .now = now, .result = ACCOUNT_NO_SESSION }, { 0 } };

	if (cookie[0] == '\0')
		return ACCOUNT_NO_SESSION;
	if (store_read(fx->st, mail_txn, &w) != STORE_OK)
		return ACCOUNT_UNAVAILABLE;
	/* The /login email step's limits and outbox, to the guest's own address, the code in the session's slot. */
	if (w.a.result == ACCOUNT_OK && flow_account_email(fx, w.a.addr, w.slot, client, lang, now) != FLOW_ACCEPTED)
		w.a.result = ACCOUNT_UNAVAILABLE;
	return w.a.result;
}

struct auth_work {
	struct account_work a;
	const char *code, *email_code;
	const struct flow_client *client;
	char *session;
};

/* both_factors - the current second factor and the emailed code, in one try of signin_factor */
static enum store_status both_factors(struct store_txn *txn, struct auth_work *w, const struct session_info *si,
				      struct guest *rec)
{
	uint8_t slot[TOKEN_ID_LEN];
	struct factor_try ft = { .use = FACTOR_CHECK, .code = w->code, .email_slot = slot, .email_code = w->email_code,
				 .client = w->client, .now = w->a.now };
	struct factor_done fd = { .result = FACTOR_WRONG };
	enum store_status s;

	code_slot(si, slot);
	s = signin_factor(txn, w->a.fx, si, rec, &ft, &fd);

	fd.recovery = mfa_recovery_free(fd.recovery);
	if (s == STORE_OK)
		w->a.result = factor_result(fd.result, &w->a.outcome);
	return s;
}

static enum store_status auth_txn(struct store_txn *txn, void *arg)
{
	struct auth_work *w = arg;
	struct session_limits lim = flow_session_limits(w->a.fx);
	struct session_info si;
	enum store_status s = STORE_OK;
	size_t n = 0;
	struct guest *rec;

	w->session[0] = '\0';
	w->a.result = ACCOUNT_NO_SESSION;
	w->a.outcome = "no_session";
	if (!full_session(txn, &w->a, &si) || (rec = guest_load(txn, si.addr, w->a.now)) == NULL)
		return STORE_OK;
	memcpy(w->a.addr, si.addr, strlen(si.addr) + 1);
	/* Security: a stolen cookie alone cannot swap the authenticator: it takes the current one (or a recovery
	 * code) and the mailbox. Then every session ends; the new one may only enrol (SESSION_CODE). */
	if (mfa_enrolled(rec)) {
		s = both_factors(txn, w, &si, rec);
	} else {
		w->a.result = ACCOUNT_WRONG;
		w->a.outcome = "not_enrolled";
	}
	if (s == STORE_OK && w->a.result == ACCOUNT_OK) {
		mfa_reset(rec);
		s = guest_save(txn, si.addr, rec, w->a.now);
		if (s == STORE_OK)
			s = session_end_all(txn, si.addr, w->a.now, &n);
		if (s == STORE_OK)
			s = session_create(txn, w->a.fx->keys, si.addr, SESSION_CODE, "", w->a.now, &lim, w->session);
		if (s == STORE_OK)
			s = flow_audit(txn, w->a.now, "authenticator_reset", LIFECYCLE_ID, si.addr);
	}
	guest_free(rec);
	return s;
}

enum account_result account_new_authenticator(const struct flow_ctx *fx, const char *cookie, const char *code,
					      const char *email_code, const struct flow_client *client, uint64_t now,
					      char session[SESSION_TEXT])
{
	struct auth_work w = { { .fx = fx, .cookie = cookie, .now = now, .result = ACCOUNT_NO_SESSION }, code,
			       email_code, client, session };
	enum store_status s;

	session[0] = '\0';
	if (cookie[0] == '\0')
		return ACCOUNT_NO_SESSION;
	s = store_write(fx->st, auth_txn, &w);
	if (s != STORE_OK) {
		session[0] = '\0';
		log_error("event=authenticator_reset outcome=store_%s", store_status_word(s));
		return ACCOUNT_UNAVAILABLE;
	}
	log_info("event=authenticator_reset guest=%s outcome=%s", w.a.addr, w.a.outcome);
	if (w.a.result != ACCOUNT_OK)
		session[0] = '\0';
	return w.a.result;
}

static enum store_status leave_txn(struct store_txn *txn, void *arg)
{
	struct account_work *w = arg;
	struct session_info si;
	size_t n = 0;

	if (!full_session(txn, w, &si)) {
		w->result = ACCOUNT_NO_SESSION;
		return STORE_OK;
	}
	memcpy(w->addr, si.addr, strlen(si.addr) + 1);
	w->result = ACCOUNT_OK;
	return lifecycle_forget(txn, si.addr, "guest_left", w->now, &n);
}

enum account_result account_leave(const struct flow_ctx *fx, const char *cookie, uint64_t now)
{
	struct account_work w = { .fx = fx, .cookie = cookie, .now = now, .result = ACCOUNT_NO_SESSION };
	enum store_status s;

	if (cookie[0] == '\0')
		return ACCOUNT_NO_SESSION;
	s = store_write(fx->st, leave_txn, &w);
	if (s != STORE_OK) {
		log_error("event=guest_left outcome=store_%s", store_status_word(s));
		return ACCOUNT_UNAVAILABLE;
	}
	if (w.result == ACCOUNT_OK)
		log_info("event=guest_left guest=%s", w.addr);
	return w.result;
}
