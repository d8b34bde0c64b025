/*
 * idp.c - organisation sign-in as a way into otpd (see idp.h).
 */
#include "idp.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"
#include "invite.h"
#include "log.h"
#include "mfa.h"
#include "outbox.h"
#include "privacy.h"
#include "signin_finish.h"

struct step_work {
	const struct flow_ctx *fx;
	const struct flow_client *client;
	uint64_t now;
	bool ok;
};

static enum store_status step_txn(struct store_txn *txn, void *arg)
{
	struct step_work *w = arg;

	w->ok = flow_take_step(txn, w->fx, w->client, w->now);
	return STORE_OK;
}

/* log_id - the invitation id in hex, or "login" */
static void log_id(const struct token *t, char out[2 * TOKEN_ID_LEN + 1])
{
	if (t != NULL)
		token_id_hex(t, out);
	else
		memcpy(out, "login", sizeof("login"));
}

enum idp_result idp_begin(const struct flow_ctx *fx, const struct oidc_provider *p, const struct token *t,
			  const char *link_token, const char *email, const char *rd, const struct flow_client *client,
			  uint64_t now, struct buf *url, char state[OIDC_RANDOM_TEXT + 1])
{
	struct step_work w = { fx, client, now, false };
	struct oidc_pending pend;
	char id[2 * TOKEN_ID_LEN + 1];
	enum oidc_err e;
	enum idp_result r = IDP_UNAVAILABLE;
	const char *outcome;

	state[0] = '\0';
	log_id(t, id);
	memset(&pend, 0, sizeof(pend));
	if (fx->oidc == NULL)
		return IDP_UNAVAILABLE;
	/* Security: a redirect costs a durable write of ours, so it counts against the client like a code mail. */
	if (store_write(fx->st, step_txn, &w) != STORE_OK) {
		log_error("event=oidc_begin provider=%s invitation=%s outcome=store_error", p->name, id);
		return IDP_UNAVAILABLE;
	}
	if (!w.ok) {
		log_info("event=oidc_begin provider=%s invitation=%s outcome=client_limit", p->name, id);
		return IDP_LIMITED;
	}
	e = t != NULL ? oidc_begin(fx->oidc, p, email, t, link_token, now, &pend, url)
		      : oidc_begin_login(fx->oidc, p, email, rd, now, &pend, url);
	if (e == OIDC_OK && oidc_pending_put(fx->st, &pend) != STORE_OK)
		outcome = "store_error";
	else if (e != OIDC_OK)
		outcome = oidc_err_word(e);
	else {
		memcpy(state, pend.state, sizeof(pend.state));
		outcome = "redirect";
		r = IDP_REDIRECT;
	}
	oidc_pending_clear(&pend);
	if (r != IDP_REDIRECT)
		buf_reset(url);
	log_info("event=oidc_begin provider=%s invitation=%s outcome=%s", p->name, id, outcome);
	return r;
}

struct signin_work {
	const struct flow_ctx *fx;
	const struct token *t;			/* NULL: /login */
	const struct oidc_pending *pend;
	const struct oidc_identity *id;
	uint64_t now;
	struct idp_done *out;
	enum idp_result result;
	enum finish_result finish;
	const char *outcome;
	bool notified;		/* the inviter's notice was queued (notice.h) */
};

/* signin_txn - the verified ID token: signin_finish decides whether it signs anyone in (the provider's
 * domains, the typed address, the invitation or the guest's record), then redeems and starts the session */
static enum store_status signin_txn(struct store_txn *txn, void *arg)
{
	struct signin_work *w = arg;
	struct idp_done *out = w->out;
	struct finish_req rq = { .via = FINISH_PROVIDER, .t = w->t, .typed = w->pend->email,
				 .provider = w->pend->provider, .asserted = w->id->email,
				 .provider_mfa = w->id->mfa, .dest = w->pend->rd, .event = "oidc_signed_in" };
	struct finish_done d;
	enum store_status s = signin_finish(txn, w->fx, &rq, w->now, &w->finish, &d);

	if (s == STORE_OK && w->finish == FINISH_OK) {
		w->notified = d.notified;
		memcpy(out->session, d.session, sizeof(out->session));
		memcpy(out->dest, d.dest, sizeof(out->dest));
		out->next = d.next;
		w->result = session_is_full(d.level) ? IDP_SIGNED_IN : IDP_MFA_NEXT;
		w->outcome = w->result == IDP_SIGNED_IN ? "signed_in_provider_mfa"
			     : d.next == NEXT_MFA_VERIFY ? "ok_totp_next" : "ok_enrol_next";
	} else if (s == STORE_OK && w->finish == FINISH_PRIVACY) {
		/* Verified, but the privacy page comes first: keep what was verified for when it is accepted. */
		struct privacy_hold h = { .login = w->pend->login, .link_token = w->pend->link_token ? w->pend->link_token : "",
					  .rd = w->pend->rd };

		snprintf(h.provider, sizeof(h.provider), "%s", w->pend->provider);
		snprintf(h.typed, sizeof(h.typed), "%s", w->pend->email);
		snprintf(h.asserted, sizeof(h.asserted), "%s", w->id->email);
		s = privacy_hold_put(txn, w->fx->keys, &h, w->now, out->session);
		w->result = IDP_PRIVACY;
		w->outcome = signin_finish_word(w->finish);
	} else if (s == STORE_OK) {
		/* Security: a provider that speaks for a domain it does not serve, or for someone other than
		 * the typed address, is refused like an account that was not invited. */
		w->result = w->t == NULL && w->finish == FINISH_NO_ACCESS ? IDP_NO_ACCESS
			    : w->finish == FINISH_DISABLED		  ? IDP_DISABLED
								  : IDP_REFUSED;
		if (w->result == IDP_REFUSED)
			out->err = OIDC_ERR_NOT_INVITED;
		w->outcome = signin_finish_word(w->finish);
	}
	sodium_memzero(&d, sizeof(d));
	return s;
}

/* keep - what the page needs from the pending sign-in */
static void keep(struct idp_done *out, const struct oidc_pending *p)
{
	out->have_pending = true;
	out->login = p->login;
	memcpy(out->email, p->email, sizeof(out->email));
	memcpy(out->invitation, p->invitation, TOKEN_ID_LEN);
	memcpy(out->rd, p->rd, sizeof(out->rd));
	memcpy(out->provider, p->provider, sizeof(out->provider));
	snprintf(out->link_token, sizeof(out->link_token), "%s", p->link_token ? p->link_token : "");
}

/* finish_run - the callback after the pending record was taken and the link checked again */
static enum idp_result finish_run(const struct flow_ctx *fx, const struct token *t, const struct oidc_pending *pend,
				  const char *query_state, const char *code, uint64_t now, struct idp_done *out)
{
	struct oidc_identity id;
	struct signin_work w = { fx, t, pend, &id, now, out, IDP_UNAVAILABLE, FINISH_OK, "", false };
	char inv[2 * TOKEN_ID_LEN + 1];
	enum store_status s;

	log_id(t, inv);
	if (query_state == NULL)
		out->err = OIDC_ERR_STATE;
	else if (code == NULL)
		out->err = OIDC_ERR_PROVIDER;
	else if (t != NULL)
		out->err = oidc_finish(fx->oidc, pend, code, query_state, t, now, &id);
	else
		out->err = oidc_finish_login(fx->oidc, pend, code, query_state, now, &id);
	if (out->err != OIDC_OK) {
		/* oidc_finish logged what went wrong */
		sodium_memzero(&id, sizeof(id));
		return out->err == OIDC_ERR_PROVIDER || out->err == OIDC_ERR_NOMEM || out->err == OIDC_ERR_CONFIG
			       ? IDP_UNAVAILABLE
			       : IDP_REFUSED;
	}
	s = store_write(fx->st, signin_txn, &w);
	if (s != STORE_OK) {
		sodium_memzero(out->session, sizeof(out->session));
		log_error("event=oidc_signin provider=%s invitation=%s outcome=store_%s", id.provider, inv,
			  store_status_word(s));
		return IDP_UNAVAILABLE;
	}
	log_info("event=oidc_signin provider=%s invitation=%s guest=%s mfa=%s outcome=%s", id.provider, inv, id.email,
		 id.mfa ? "provider" : "no", w.outcome);
	if (w.notified)
		outbox_kick(fx->ob);
	if (w.result != IDP_SIGNED_IN && w.result != IDP_MFA_NEXT && w.result != IDP_PRIVACY)
		sodium_memzero(out->session, sizeof(out->session));
	sodium_memzero(&id, sizeof(id));
	return w.result;
}

enum idp_result idp_callback(const struct flow_ctx *fx, const char *cookie_state, const char *query_state,
			     const char *code, bool provider_error, uint64_t now, struct idp_done *out)
{
	struct oidc_pending pend;
	struct token *t = NULL;
	enum idp_result r;

	memset(out, 0, sizeof(*out));
	out->err = OIDC_ERR_STATE;
	out->link = LINK_OK;
	if (fx->oidc == NULL || cookie_state[0] == '\0') {
		log_info("event=oidc_signin outcome=bad_state reason=no_state_cookie");
		return IDP_REFUSED;
	}
	/* Security: taken (deleted) first, whatever follows: a state works once. */
	out->err = oidc_pending_take(fx->st, cookie_state, now, &pend);
	if (out->err != OIDC_OK) {
		log_info("event=oidc_signin outcome=%s", oidc_err_word(out->err));
		return out->err == OIDC_ERR_STATE ? IDP_REFUSED : IDP_UNAVAILABLE;
	}
	keep(out, &pend);
	if (provider_error) {
		log_info("event=oidc_signin provider=%s outcome=provider_error_answer", pend.provider);
		oidc_pending_clear(&pend);
		return IDP_CANCELLED;
	}
	if (!pend.login) {
		/* The link may have been revoked, or have expired, since the email step. */
		if ((t = malloc(sizeof(*t))) == NULL) {
			oidc_pending_clear(&pend);
			return IDP_UNAVAILABLE;
		}
		out->link = flow_link(fx, pend.link_token, strlen(pend.link_token), now, t);
		if (out->link != LINK_OK) {
			log_info("event=oidc_signin provider=%s outcome=link_%s", pend.provider,
				 out->link == LINK_REVOKED ? "revoked" : out->link == LINK_EXPIRED ? "expired" : "invalid");
			free(t);
			oidc_pending_clear(&pend);
			return out->link == LINK_UNAVAILABLE ? IDP_UNAVAILABLE : IDP_LINK;
		}
	}
	r = finish_run(fx, t, &pend, query_state, code, now, out);
	free(t);
	oidc_pending_clear(&pend);
	return r;
}
