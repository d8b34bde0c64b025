/*
 * steps_idp.c - GET /oidc/callback: the guest's own organisation sends the
 * browser back here (idp.h does the work). A sign-in goes on to the
 * invitation's resource or the MFA step; a refusal shows what went wrong
 * and, when the pending sign-in is known, offers a code instead.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "step.h"

/* problem_of - the page for a refused organisation sign-in, and its status */
static unsigned problem_of(enum oidc_err e, enum page_problem *pp)
{
	switch (e) {
	case OIDC_ERR_STATE:
		*pp = PROBLEM_STALE;
		return HTTP_BAD_REQUEST;
	case OIDC_ERR_NOT_INVITED:
		*pp = PROBLEM_NOT_INVITED;
		return HTTP_FORBIDDEN;
	case OIDC_ERR_EMAIL_UNVERIFIED:
	case OIDC_ERR_NO_EMAIL:
		*pp = PROBLEM_UNVERIFIED;
		return HTTP_FORBIDDEN;
	case OIDC_ERR_PROVIDER:
		*pp = PROBLEM_PROVIDER_DOWN;
		return HTTP_BAD_GATEWAY;
	default:
		*pp = PROBLEM_FAILED;
		return HTTP_UNAUTHORIZED;
	}
}

/* problem_page - what a callback that signed nobody in shows */
static void problem_page(struct step_out *out, const struct idp_done *d, enum idp_result r)
{
	out->pg.view = VIEW_IDP_PROBLEM;
	out->key = "error";
	out->word = "refused";
	switch (r) {
	case IDP_LINK:
		step_link_refused(out, d->link);
		return;
	case IDP_NO_ACCESS:
		out->pg.problem = PROBLEM_NO_ACCESS;
		out->status = HTTP_FORBIDDEN;
		return;
	case IDP_DISABLED:
		step_answer(out, HTTP_FORBIDDEN, VIEW_DISABLED, "guest_disabled");
		return;
	case IDP_CANCELLED:
		out->pg.problem = PROBLEM_CANCELLED;
		out->status = HTTP_UNAUTHORIZED;
		break;
	case IDP_UNAVAILABLE:
		if (d->err != OIDC_ERR_PROVIDER) {
			step_answer(out, HTTP_SERVICE_UNAVAILABLE, VIEW_UNAVAILABLE, "unavailable");
			return;
		}
		/* fall through */
	default:
		out->status = problem_of(d->err, &out->pg.problem);
		break;
	}
	/* With the pending sign-in known, the guest can retry or get a code for the same address and link. */
	out->pg.code_option = d->have_pending && d->email[0] != '\0' && out->pg.problem != PROBLEM_STALE;
}

void step_oidc_callback(struct step_in *in, struct step_out *out)
{
	struct idp_done *d;
	enum idp_result r;

	if ((d = out->idp = malloc(sizeof(*d))) == NULL) {
		step_answer(out, HTTP_SERVICE_UNAVAILABLE, VIEW_UNAVAILABLE, "unavailable");
		return;
	}
	r = idp_callback(in->fx, in->state_cookie, step_query(in, "state"), step_query(in, "code"),
			 step_query(in, "error") != NULL, in->now, d);
	sodium_memzero(in->state_cookie, sizeof(in->state_cookie));
	if (r == IDP_SIGNED_IN || r == IDP_MFA_NEXT || r == IDP_PRIVACY) {
		step_session_cookie(out, in->fx->cfg, d->session, in->fx->cfg->session_ttl);
		/* The state was spent either way: the browser may forget it. */
		step_state_cookie(out, in->fx->cfg, "", 0);
		/* Security: only the invitation's signed resource (or a checked rd), the privacy page (a held sign-in,
		 * privacy.h) or the MFA step: never the query. */
		step_redirect(out, r == IDP_SIGNED_IN ? d->dest
				   : r == IDP_PRIVACY ? (in->lang == LANG_NL ? "/privacy?lang=nl" : "/privacy?lang=en")
						      : step_next_path(d->next, in->lang));
		return;
	}
	step_state_cookie(out, in->fx->cfg, "", 0);
	out->pg.token = d->login ? "" : d->link_token;
	out->pg.email = d->email;
	out->pg.rd = d->login ? d->rd : "";
	step_csrf(in, out, d->login ? FLOW_LOGIN_ID : d->invitation);
	problem_page(out, d, r);
}
