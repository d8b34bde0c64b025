/*
 * steps_signin.c - the way in: the accept link's page, /login's page, the
 * email step and the code step. One step serves the accept link's form, its
 * JSON twin and /login: routes.c verified the link (in->have_link) or there
 * is none (/login); the row's answer kind picks HTML or JSON.
 *
 * The email step sends an address of a configured domain to its provider
 * (idp_begin) unless the guest asked for a code (method=code); every other
 * address gets the code flow.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "codes.h"
#include "routes.h"
#include "step.h"

/* mail_key - ?k= of the link in a code mail: the confirm page carries it to the code POST (a GET spends
 * nothing: link scanners fetch every link) */
static const char *mail_key(const struct step_in *in)
{
	const char *k = step_query(in, "k");

	return k != NULL && codes_key_well_formed(k) ? k : NULL;
}

void step_accept_page(struct step_in *in, struct step_out *out)
{
	out->pg.view = VIEW_ASK_EMAIL;
	out->pg.mail_key = mail_key(in);
}

void step_login_page(struct step_in *in, struct step_out *out)
{
	out->pg.rd = step_rd(out, step_query(in, "rd"));
	out->pg.view = VIEW_LOGIN;
	out->pg.mail_key = mail_key(in);
}

/* idp_for - the provider of the address's domain, unless the guest asked for a code (method=code) */
static const struct oidc_provider *idp_for(const struct step_in *in)
{
	if (in->fx->oidc == NULL || (in->f.method != NULL && strcmp(in->f.method, "code") == 0))
		return NULL;
	return oidc_provider_for_email(in->fx->cfg, in->f.email);
}

/* idp_step - the email step of a configured domain: to the provider with the state cookie (a page: a 303;
 * the API: {"status":"redirect","next":URL}); a refusal when limited or the provider is down. */
static void idp_step(struct step_in *in, struct step_out *out, const struct oidc_provider *prov)
{
	char state[OIDC_RANDOM_TEXT + 1];
	enum idp_result r;

	r = idp_begin(in->fx, prov, in->have_link ? &in->t : NULL, in->have_link ? in->token : "", in->f.email,
		      out->pg.rd, &in->client, in->now, &out->url, state);
	if (r == IDP_REDIRECT) {
		step_state_cookie(out, in->fx->cfg, state, OIDC_PENDING_TTL);
		sodium_memzero(state, sizeof(state));
		step_answer(out, HTTP_OK, VIEW_ASK_CODE, "redirect");
		out->next = out->url.data;
		if (!in->json)
			step_redirect(out, out->url.data);
		return;
	}
	if (r == IDP_LIMITED) {
		step_answer(out, HTTP_TOO_MANY_REQUESTS, in->have_link ? VIEW_LIMITED : VIEW_LOGIN_LIMITED,
			    "too_many_attempts");
		out->retry_after = 60;
		return;
	}
	step_answer(out, HTTP_SERVICE_UNAVAILABLE, VIEW_IDP_PROBLEM, "unavailable");
	out->pg.problem = PROBLEM_PROVIDER_DOWN;
	out->pg.code_option = true;
}

/* step_email - POST /accept/<token>/email, /api/v1/accept/<token>/email, /login/email.
 * Security: the same answer for every address, invited or known or not (flow.h); home-realm discovery is by
 * domain only, so a configured domain answers the same for all its addresses too. */
void step_email(struct step_in *in, struct step_out *out)
{
	const struct oidc_provider *prov;
	enum flow_result fr;

	out->pg.email = in->f.email;
	if (!in->have_link)
		out->pg.rd = step_rd(out, in->f.rd);
	if ((prov = idp_for(in)) != NULL) {
		idp_step(in, out, prov);
		return;
	}
	fr = in->have_link ? flow_email(in->fx, &in->t, in->tok, in->tok_len, in->f.email, &in->client, in->lang,
					in->now)
			   : flow_login_email(in->fx, in->f.email, &in->client, in->lang, in->now);
	if (fr == FLOW_ACCEPTED)
		step_answer(out, in->json ? HTTP_ACCEPTED : HTTP_OK, in->have_link ? VIEW_ASK_CODE : VIEW_LOGIN_CODE,
			    "accepted");
	else
		step_answer(out, HTTP_SERVICE_UNAVAILABLE, VIEW_UNAVAILABLE, "unavailable");
}

/* step_code - POST /accept/<token>/code, /api/v1/accept/<token>/code, /login/code: a right emailed code gives
 * a code-level session and the MFA step that must follow (next) */
void step_code(struct step_in *in, struct step_out *out)
{
	char session[SESSION_TEXT];
	enum flow_next next = NEXT_MFA_SETUP;
	enum flow_result fr;
	uint64_t retry = 0;
	bool login = !in->have_link;

	out->pg.email = in->f.email;
	if (login)
		out->pg.rd = step_rd(out, in->f.rd);
	fr = login ? flow_login_code(in->fx, in->f.email, in->f.code, out->pg.rd, &in->client, in->now, session,
				     &retry, &next)
		   : flow_code(in->fx, &in->t, in->f.email, in->f.code, &in->client, in->now, session, &retry, &next);
	switch (fr) {
	case FLOW_SIGNED_IN:
		step_session_cookie(out, in->fx->cfg, session, in->fx->cfg->session_ttl);
		step_answer(out, HTTP_OK, VIEW_CODE_OK, "ok");
		out->pg.next_url = step_next_path(next, out->pg.lang);
		/* next: the MFA step this session must do before the resource (docs/admin.md). */
		snprintf(out->next_buf, sizeof(out->next_buf), "%s%s", in->fx->cfg->public_url,
			 step_next_path(next, LANG_N));
		out->next = out->next_buf;
		break;
	case FLOW_LIMITED:
		step_answer(out, HTTP_TOO_MANY_REQUESTS, login ? VIEW_LOGIN_LIMITED : VIEW_LIMITED, "too_many_attempts");
		out->retry_after = retry ? retry : 1;
		break;
	case FLOW_UNAVAILABLE:
		step_answer(out, HTTP_SERVICE_UNAVAILABLE, VIEW_UNAVAILABLE, "unavailable");
		break;
	case FLOW_DISABLED:
		step_answer(out, HTTP_FORBIDDEN, VIEW_DISABLED, "guest_disabled");
		break;
	default:
		step_answer(out, HTTP_UNAUTHORIZED, login ? VIEW_LOGIN_WRONG_CODE : VIEW_WRONG_CODE,
			    "wrong_or_expired_code");
		break;
	}
	sodium_memzero(session, sizeof(session));
}
