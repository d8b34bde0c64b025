/*
 * idp.h - signing in at the guest's own organisation (OpenID Connect, oidc.h)
 * as a way into otpd, with no HTTP in it: the email step of a configured
 * domain (accept link or /login) and the callback. Steps (steps_*.c) parse,
 * call these, render.
 *
 *   idp_begin     a pending sign-in kept in LMDB under a fresh state; the
 *                 caller sets the state cookie and redirects to url.
 *   idp_callback  takes the pending sign-in of the browser's state cookie
 *                 (one use), checks the link again (revoked, expired),
 *                 redeems the code and verifies the ID token (oidc.c); then
 *                 signin_finish() (signin_finish.h) accepts the address only
 *                 if it is of a domain this provider serves and is the one
 *                 typed, and redeems the invitation exactly as a right
 *                 emailed code does, or, for /login, requires a guest record
 *                 holding a redeemed, unrevoked invitation.
 *
 * Sessions: a provider sign-in that asserts MFA (mfa_amr / mfa_acr) gives a
 * SESSION_ORG_MFA session (full: it passes /auth, no TOTP here), once the
 * guest has accepted the privacy page: before that the callback holds the
 * sign-in (IDP_PRIVACY, privacy.h) and nothing is redeemed; one that
 * does not gives a SESSION_CODE session that must do /mfa/setup or
 * /mfa/verify like a code guest (signin.h).
 * Security: home-realm discovery is by domain only and happens before any
 * invitation is looked at, so the email step still tells nothing about who
 * was invited; the provider's verified address is checked at the callback,
 * where the person has proven they own it. After sign-in the destination is
 * the invitation's signed resource, or for /login an rd that one of the
 * guest's invitations covers: never a URL from the callback's query.
 * Nothing secret (state, code, nonce, session id) is logged here.
 * Failure: IDP_UNAVAILABLE when the store or the provider fails.
 */
#ifndef OTPD_IDP_H
#define OTPD_IDP_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "flow.h"
#include "oidc.h"

#define IDP_STATE_COOKIE "oidc_state"

enum idp_result {
	IDP_REDIRECT,		/* begin: send the browser to url, with the state cookie */
	IDP_SIGNED_IN,		/* callback: a full session (provider MFA): on to out->dest */
	IDP_MFA_NEXT,		/* callback: a session that must do out->next first */
	IDP_PRIVACY,		/* callback: held until the guest accepts the privacy page (out->session: the hold's) */
	IDP_REFUSED,		/* callback: out->err says why */
	IDP_CANCELLED,		/* callback: the provider answered with an error (the guest cancelled) */
	IDP_DISABLED,		/* callback: verified, but the guest is disabled (lifecycle.h) */
	IDP_NO_ACCESS,		/* /login callback: verified, but no guest with a live invitation */
	IDP_LINK,		/* callback: the invitation is no longer valid: out->link */
	IDP_LIMITED,		/* begin: too many email steps from this client */
	IDP_UNAVAILABLE,	/* the store, or the provider (out->err / begin) */
};

/* What a callback leaves for the page: enough to offer "email me a code instead". Heap it (large). */
struct idp_done {
	enum oidc_err err;
	enum link_status link;
	bool login;				/* the sign-in began at /login */
	bool have_pending;			/* the fields below are known */
	char email[ADDR_BUF];			/* what the guest typed */
	char link_token[CAP_TOKEN_BYTES + 1];	/* accept: the link's token text */
	uint8_t invitation[TOKEN_ID_LEN];	/* accept: the CSRF context of the link's forms */
	char rd[CAP_URL_BYTES + 1];		/* /login: where the guest was going */
	char provider[CAP_OIDC_NAME + 1];
	char session[SESSION_TEXT];		/* IDP_SIGNED_IN / IDP_MFA_NEXT / IDP_PRIVACY: the session cookie's value */
	char dest[CAP_URL_BYTES + 1];		/* IDP_SIGNED_IN: where to go */
	enum flow_next next;			/* IDP_MFA_NEXT */
};

/* idp_begin - the email step for an address of p's domain. t and link_token: the verified invitation, or
 * NULL and "" at /login (then rd, may be "", is kept for after the callback). url gets the authorization
 * URL, state the value for the IDP_STATE_COOKIE cookie. */
enum idp_result idp_begin(const struct flow_ctx *fx, const struct oidc_provider *p, const struct token *t,
			  const char *link_token, const char *email, const char *rd, const struct flow_client *client,
			  uint64_t now, struct buf *url, char state[OIDC_RANDOM_TEXT + 1])
	__attribute__((warn_unused_result, nonnull(1, 2, 4, 5, 6, 7, 9, 10)));

/* idp_callback - cookie_state: the browser's state cookie ("" if none); query_state and code from the
 * query (NULL when absent); provider_error: the query had error=... instead of a code. */
enum idp_result idp_callback(const struct flow_ctx *fx, const char *cookie_state, const char *query_state,
			     const char *code, bool provider_error, uint64_t now, struct idp_done *out)
	__attribute__((warn_unused_result, nonnull(1, 2, 7)));

#endif
