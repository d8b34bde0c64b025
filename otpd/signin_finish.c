/*
 * signin_finish.c - the one end of every sign-in (see signin_finish.h).
 */
#include "signin_finish.h"

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "guest.h"
#include "invite.h"
#include "mfa.h"
#include "notice.h"
#include "privacy.h"

enum finish_result signin_finish_identity(const struct otpd_config *cfg, const char *provider, const char *asserted,
					  const char *typed, char addr[ADDR_BUF])
{
	char said[ADDR_BUF];
	const struct oidc_provider *p;

	if (!addr_normalize(typed, strlen(typed), addr)) {
		addr[0] = '\0';
		return FINISH_BAD_ADDRESS;
	}
	if (provider == NULL)
		return FINISH_OK;	/* the code went to the typed address: that is who proved it */
	if (asserted == NULL || !addr_normalize(asserted, strlen(asserted), said)) {
		addr[0] = '\0';
		return FINISH_BAD_ADDRESS;
	}
	/* Security: the provider speaks only for the domains its own section lists (exact match, no
	 * subdomains unless listed), and only for the person who typed the address at the email step. */
	p = otpd_config_oidc_for_domain(cfg, addr_domain(said));
	if (p == NULL || strcmp(p->name, provider) != 0) {
		addr[0] = '\0';
		return FINISH_FOREIGN_DOMAIN;
	}
	if (strcmp(said, addr) != 0) {
		addr[0] = '\0';
		return FINISH_NOT_TYPED;
	}
	return FINISH_OK;
}

const char *signin_finish_word(enum finish_result r)
{
	switch (r) {
	case FINISH_OK:
		return "ok";
	case FINISH_BAD_ADDRESS:
		return "not_an_address";
	case FINISH_FOREIGN_DOMAIN:
		return "foreign_domain";
	case FINISH_NOT_TYPED:
		return "not_typed_address";
	case FINISH_NOT_INVITED:
		return "not_invited";
	case FINISH_NO_ACCESS:
		return "no_live_invitation";
	case FINISH_DISABLED:
		return "guest_disabled";
	case FINISH_PRIVACY:
		return "privacy_first";
	}
	return "unknown";
}

/* pick_dest - want when one of the guest's live invitations covers it, else the latest live resource */
static bool pick_dest(struct store_txn *txn, const struct guest *rec, const char *want, uint64_t now,
		      char dest[CAP_URL_BYTES + 1])
{
	if (want[0] != '\0' && strlen(want) <= CAP_URL_BYTES && guest_resource(txn, rec, want, now, dest)) {
		memcpy(dest, want, strlen(want) + 1);
		return true;
	}
	if (guest_resource(txn, rec, NULL, now, dest))
		return true;
	dest[0] = '\0';
	return false;
}

static enum session_level level_of(const struct finish_req *rq)
{
	if (rq->via == FINISH_MFA)
		return SESSION_FULL;
	if (rq->via == FINISH_PROVIDER && rq->provider_mfa)
		return SESSION_ORG_MFA;
	return SESSION_CODE;
}

/* destination - where a full session goes, and what a code-level one keeps for after MFA. false: a
 * provider sign-in at /login whose guest holds no live invitation (nothing to sign in to). */
static bool destination(struct store_txn *txn, const struct finish_req *rq, const struct guest *rec, uint64_t now,
			struct finish_done *out)
{
	const char *want = rq->t != NULL ? rq->t->resource : rq->dest;

	/* Security: /login has no invitation to check against: the guest must hold a redeemed, unrevoked one;
	 * rd is followed only when one of them covers it. */
	if (session_is_full(out->level) || (rq->via == FINISH_PROVIDER && rq->t == NULL)) {
		if (!pick_dest(txn, rec, want, now, out->dest) && rq->via == FINISH_PROVIDER && rq->t == NULL)
			return false;
		if (!session_is_full(out->level))
			snprintf(out->dest, sizeof(out->dest), "%s", want);
		return true;
	}
	snprintf(out->dest, sizeof(out->dest), "%s", want);
	return true;
}

/* note_method - how the guest signed in, and when (full sign-ins only) */
static void note_method(const struct finish_req *rq, struct guest *rec, const struct finish_done *out, uint64_t now)
{
	char method[sizeof("oidc:") + CAP_OIDC_NAME];

	if (rq->via == FINISH_CODE) {
		guest_set_sign_in(rec, "code", false);
	} else if (rq->via == FINISH_PROVIDER) {
		snprintf(method, sizeof(method), "oidc:%s", rq->provider);
		guest_set_sign_in(rec, method, rq->provider_mfa);
	}
	if (session_is_full(out->level))
		guest_signed_in(rec, now);
}

/* start - the new session (a new id at every level change) and the audit line. The address's wrong
 * second-factor codes are not forgotten here: only time gives them back (flow.c 'f'), or a mailbox reader
 * would get new guesses with each of the guest's own sign-ins. */
static enum store_status start(struct store_txn *txn, const struct flow_ctx *fx, const struct finish_req *rq,
			       uint64_t now, struct finish_done *out)
{
	struct session_limits lim = flow_session_limits(fx);
	enum store_status s = STORE_OK;

	if (rq->via == FINISH_MFA)
		s = session_end(txn, rq->prev);
	if (s == STORE_OK)
		s = session_create(txn, fx->keys, out->addr, out->level, out->dest, now, &lim, out->session);
	if (s == STORE_OK)
		s = flow_audit(txn, now, rq->event, rq->t != NULL ? rq->t->id : FLOW_LOGIN_ID, out->addr);
	return s;
}

/* disabled - is the guest's record there and disabled, with nothing in rq that enables it again, or is rq's
 * link one that was closed to addr when the guest was disabled (issued before the mark)? */
static bool disabled(struct store_txn *txn, const struct finish_req *rq, const struct guest *rec, const char *addr,
		     uint64_t now)
{
	const struct token *t = rq->via == FINISH_MFA ? NULL : rq->t;
	uint64_t closed;

	if (rec != NULL && !guest_may_sign_in(rec, t))
		return true;
	/* Security: the mark is in the invitation's record, which outlives the guest record (deleted
	 * guest_disabled_delete after the disabling) and a re-enabling by another invitation. */
	return t != NULL && (closed = invite_closed_at(txn, t->id, addr, now)) != 0 && t->issued_at < closed;
}

/* privacy_first - would the new session be full for a guest (rec: their record, NULL: none yet) who has not
 * accepted the privacy page, with no acceptance in rq? */
static bool privacy_first(const struct finish_req *rq, const struct guest *rec)
{
	return session_is_full(level_of(rq)) && !rq->privacy_accepted && (rec == NULL || !privacy_accepted(rec));
}

/* redeem - the invitation is addr's now (in rec, saved by the caller); the first time, the inviter hears of it */
static enum store_status redeem(struct store_txn *txn, const struct flow_ctx *fx, const struct finish_req *rq,
				struct guest *rec, uint64_t now, struct finish_done *out)
{
	char id[2 * TOKEN_ID_LEN + 1];
	bool first = false;
	enum store_status s = guest_note_redeemed(rec, rq->t, now, &first) ? STORE_OK : STORE_ERROR;
	struct notice_params np = {
		.kind = NOTICE_ACCEPTED, .guest = out->addr, .resource = rq->t->resource, .invitation = id,
		.method = rq->via == FINISH_PROVIDER ? "oidc" : "code", .at = now, .now = now,
	};

	if (s == STORE_OK)
		s = invite_redeemed(txn, rq->t, out->addr, now);
	if (s != STORE_OK || !first)
		return s;
	token_id_hex(rq->t, id);
	return notice_queue(txn, fx, &np, rq->t->inviter, &out->notified);
}

enum store_status signin_finish(struct store_txn *txn, const struct flow_ctx *fx, const struct finish_req *rq,
				uint64_t now, enum finish_result *res, struct finish_done *out)
{
	enum store_status s = STORE_OK;
	struct guest *own = NULL, *rec;
	bool marked, held = false;

	memset(out, 0, sizeof(*out));
	if (rq->via == FINISH_MFA && (rq->prev == NULL || rq->rec == NULL || rq->prev->level != SESSION_CODE)) {
		*res = FINISH_NO_ACCESS;
		return STORE_OK;
	}
	*res = signin_finish_identity(fx->cfg, rq->via == FINISH_PROVIDER ? rq->provider : NULL, rq->asserted,
				      rq->via == FINISH_MFA ? rq->prev->addr : rq->typed, out->addr);
	if (*res != FINISH_OK)
		return STORE_OK;
	/* Security: whoever vouched for the address, it must be one of this invitation's guests. */
	if (rq->t != NULL && rq->via != FINISH_MFA && !token_has_guest(rq->t, out->addr)) {
		*res = FINISH_NOT_INVITED;
		return STORE_OK;
	}
	/* One guest record for the whole sign-in: the MFA step's, or loaded once here; changed in memory
	 * (redemption, method, time) and saved once below. */
	rec = rq->via == FINISH_MFA ? rq->rec : (own = guest_load(txn, out->addr, now));
	/* Security: a disabled guest gets in again only by an invitation sent after the disabling, and never by
	 * a link the disabling closed. */
	if (disabled(txn, rq, rec, out->addr, now)) {
		guest_free(own);
		*res = FINISH_DISABLED;
		memset(out, 0, sizeof(*out));
		return STORE_OK;
	}
	/* Security: nothing of a full session (no redemption, no notice, no session) before the guest accepted
	 * the privacy page; the caller holds the sign-in and finishes it here with the acceptance (privacy.h).
	 * With an invitation that is decided before the redemption changes anything; without one (/login, MFA)
	 * nothing is written before the destination check below, which first refuses who has no access. */
	if (rq->t != NULL && rq->via != FINISH_MFA) {
		if (privacy_first(rq, rec)) {
			guest_free(own);
			*res = FINISH_PRIVACY;
			memset(out, 0, sizeof(*out));
			return STORE_OK;
		}
		if (rec == NULL && (rec = own = guest_new()) == NULL)
			return STORE_ERROR;
		if ((s = redeem(txn, fx, rq, rec, now, out)) != STORE_OK) {
			guest_free(own);
			return s;
		}
	}
	out->level = level_of(rq);
	if (rec == NULL || !destination(txn, rq, rec, now, out) || (held = privacy_first(rq, rec))) {
		guest_free(own);
		*res = held ? FINISH_PRIVACY : FINISH_NO_ACCESS;
		memset(out, 0, sizeof(*out));
		return STORE_OK;
	}
	out->next = mfa_enrolled(rec) ? NEXT_MFA_VERIFY : NEXT_MFA_SETUP;
	note_method(rq, rec, out, now);
	marked = rq->privacy_accepted && !privacy_accepted(rec);
	if (marked)
		privacy_mark(rec, now);
	s = guest_save(txn, out->addr, rec, now);
	guest_free(own);
	if (s == STORE_OK)
		s = start(txn, fx, rq, now, out);
	if (s == STORE_OK && marked)
		s = flow_audit(txn, now, "privacy_accepted", rq->t != NULL ? rq->t->id : FLOW_LOGIN_ID, out->addr);
	return s;
}
