/*
 * steps_account.c - the guest's own page (account.h): GET /account, POST
 * /account/leave, /account/recovery, /account/authenticator/email and
 * /account/authenticator. routes.c checked the session-bound CSRF token and
 * the required fields.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "routes.h"
#include "step.h"

/* common - the outcomes every account step shares */
static void common(struct step_out *out, enum account_result r)
{
	if (r == ACCOUNT_LIMITED)
		step_answer(out, HTTP_TOO_MANY_REQUESTS, VIEW_MFA_LIMITED, "too_many_attempts");
	else if (r == ACCOUNT_NO_SESSION)
		step_answer(out, HTTP_UNAUTHORIZED, VIEW_NEED_SIGNIN, "no_session");
	else
		step_answer(out, HTTP_SERVICE_UNAVAILABLE, VIEW_UNAVAILABLE, "unavailable");
}

/* show - the account page into out (out->account holds the view) */
static enum account_result show(struct step_in *in, struct step_out *out)
{
	if (out->account == NULL && (out->account = malloc(sizeof(*out->account))) == NULL)
		return ACCOUNT_UNAVAILABLE;
	out->pg.account = out->account;
	out->pg.view = VIEW_ACCOUNT;
	return account_show(in->fx, in->session_cookie, in->now, out->account);
}

/* step_account - GET /account, and POST /account/leave (confirm=yes).
 * Security: leaving is a POST with the session-bound CSRF token and an explicit confirmation. */
void step_account(struct step_in *in, struct step_out *out)
{
	enum account_result r;

	if (in->post && in->f.confirm != NULL && strcmp(in->f.confirm, "yes") == 0) {
		if ((r = account_leave(in->fx, in->session_cookie, in->now)) == ACCOUNT_OK) {
			step_session_cookie(out, in->fx->cfg, "", 0);
			out->pg.view = VIEW_LEFT;
			out->pg.audit_days = FLOW_AUDIT_DAYS;
			return;
		}
	} else {
		r = show(in, out);
		out->pg.wrong = in->post;	/* a leave without the box ticked */
		out->status = in->post ? HTTP_BAD_REQUEST : HTTP_OK;
	}
	if (r != ACCOUNT_OK)
		common(out, r == ACCOUNT_LIMITED ? ACCOUNT_UNAVAILABLE : r);
}

/* step_account_recovery - POST /account/recovery (code): the new recovery codes, once */
void step_account_recovery(struct step_in *in, struct step_out *out)
{
	enum account_result r =
		account_new_recovery(in->fx, in->session_cookie, in->f.code, &in->client, in->now, &out->recovery);

	if (r == ACCOUNT_OK) {
		out->pg.view = VIEW_NEW_RECOVERY;
		out->pg.recovery = out->recovery;
	} else if (r == ACCOUNT_WRONG && show(in, out) == ACCOUNT_OK) {
		step_answer(out, HTTP_UNAUTHORIZED, VIEW_ACCOUNT, "wrong_code");
		out->pg.wrong_code = true;
	} else {
		common(out, r == ACCOUNT_WRONG ? ACCOUNT_UNAVAILABLE : r);
	}
}

/* step_account_auth_email - a new authenticator, step 1: mail a code */
void step_account_auth_email(struct step_in *in, struct step_out *out)
{
	enum account_result r = account_mail_code(in->fx, in->session_cookie, &in->client, in->lang, in->now);

	out->pg.view = VIEW_NEW_AUTH;
	if (r == ACCOUNT_WRONG) {
		step_answer(out, HTTP_UNAUTHORIZED, VIEW_NEW_AUTH, "wrong_code");
		out->pg.wrong = true;
	} else if (r != ACCOUNT_OK) {
		common(out, r);
	}
}

/* step_account_auth - step 2: both codes; then a code-level session cookie and on to /mfa/setup */
void step_account_auth(struct step_in *in, struct step_out *out)
{
	char session[SESSION_TEXT] = "";
	enum account_result r = account_new_authenticator(in->fx, in->session_cookie, in->f.code, in->f.email_code,
							  &in->client, in->now, session);

	if (r == ACCOUNT_OK) {
		step_session_cookie(out, in->fx->cfg, session, in->fx->cfg->session_ttl);
		step_redirect(out, out->pg.lang == LANG_NL ? "/mfa/setup?lang=nl" : "/mfa/setup?lang=en");
	} else if (r == ACCOUNT_WRONG) {
		step_answer(out, HTTP_UNAUTHORIZED, VIEW_NEW_AUTH, "wrong_code");
		out->pg.wrong = true;
	} else {
		common(out, r);
	}
	sodium_memzero(session, sizeof(session));
}
