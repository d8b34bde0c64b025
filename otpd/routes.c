/*
 * routes.c - the route table and the pipeline that runs a row (see routes.h).
 *
 * To add a route: a row here (path, methods, body, CSRF context, required
 * fields, answer kind, step, views) and its step in a steps_*.c file;
 * nothing else routes, caps or dispatches (docs/internals.md).
 */
#include "routes.h"

#include <string.h>

#include "log.h"

/* CSRF context ids of the page families without an invitation. */
static const uint8_t MFA_CSRF_ID[TOKEN_ID_LEN] = "guestlink-mfa-cs";
static const uint8_t ACCOUNT_CSRF_ID[TOKEN_ID_LEN] = "guestlink-accoun";

#define GET METHOD_GET
#define POST METHOD_POST
#define FORM CAP_HTTP_FORM_BYTES

/* The views each family may answer with (pages.h). */
#define V_EMAIL (VIEWS(VIEW_UNAVAILABLE) | VIEWS(VIEW_IDP_PROBLEM))
#define V_CODE (VIEWS(VIEW_CODE_OK) | VIEWS(VIEW_UNAVAILABLE) | VIEWS(VIEW_DISABLED))
#define V_MFA (VIEWS(VIEW_MFA_VERIFY) | VIEWS(VIEW_MFA_LIMITED) | VIEWS(VIEW_NEED_SIGNIN) | VIEWS(VIEW_ALREADY) | \
	       VIEWS(VIEW_UNAVAILABLE))
#define V_ACCOUNT (VIEWS(VIEW_NEED_SIGNIN) | VIEWS(VIEW_UNAVAILABLE))

static const struct route table[] = {
	{ "healthz", "/healthz", "", false, GET, BODY_NONE, FORM, CSRF_NONE, false, 0, ANSWER_TEXT, step_healthz,
	  0 },
	{ "style", "/static/style.css", "", false, GET, BODY_NONE, FORM, CSRF_NONE, false, 0, ANSWER_TEXT,
	  step_style, 0 },
	{ "auth", "/auth", "", false, GET, BODY_NONE, FORM, CSRF_NONE, false, 0, ANSWER_TEXT, step_auth, 0 },
	{ "invitations", "/api/v1/invitations", "", false, POST, BODY_REPORT, CAP_HTTP_REPORT_BYTES, CSRF_NONE,
	  false, 0, ANSWER_JSON, step_invitations, 0 },
	{ "login", "/login", "", false, GET, BODY_NONE, FORM, CSRF_LOGIN, false, 0, ANSWER_HTML, step_login_page,
	  VIEWS(VIEW_LOGIN) },
	{ "login_email", "/login/email", "", false, POST, BODY_FORM, FORM, CSRF_LOGIN, false, NEED_EMAIL,
	  ANSWER_HTML, step_email, V_EMAIL | VIEWS(VIEW_LOGIN_CODE) | VIEWS(VIEW_LOGIN_LIMITED) },
	{ "login_code", "/login/code", "", false, POST, BODY_FORM, FORM, CSRF_LOGIN, false, NEED_EMAIL | NEED_CODE,
	  ANSWER_HTML, step_code, V_CODE | VIEWS(VIEW_LOGIN_WRONG_CODE) | VIEWS(VIEW_LOGIN_LIMITED) },
	{ "mfa_setup", "/mfa/setup", "", false, GET | POST, BODY_FORM, FORM, CSRF_MFA, true, NEED_CODE, ANSWER_HTML,
	  step_mfa_setup, V_MFA | VIEWS(VIEW_MFA_SETUP) | VIEWS(VIEW_MFA_DONE) },
	{ "mfa_verify", "/mfa/verify", "", false, GET | POST, BODY_FORM, FORM, CSRF_MFA, true, NEED_CODE,
	  ANSWER_HTML, step_mfa_verify, V_MFA | VIEWS(VIEW_SIGNED_IN) | VIEWS(VIEW_NO_RESOURCE) },
	{ "oidc_callback", OIDC_CALLBACK_PATH, "", false, GET, BODY_NONE, FORM, CSRF_NONE, false, 0, ANSWER_HTML,
	  step_oidc_callback,
	  VIEWS(VIEW_BAD_LINK) | VIEWS(VIEW_EXPIRED_LINK) | VIEWS(VIEW_REVOKED_LINK) | VIEWS(VIEW_UNAVAILABLE) |
		  VIEWS(VIEW_IDP_PROBLEM) | VIEWS(VIEW_DISABLED) },
	{ "account", "/account", "", false, GET, BODY_NONE, FORM, CSRF_ACCOUNT, true, 0, ANSWER_HTML, step_account,
	  V_ACCOUNT | VIEWS(VIEW_ACCOUNT) },
	{ "account_leave", "/account/leave", "", false, POST, BODY_FORM, FORM, CSRF_ACCOUNT, true, 0, ANSWER_HTML,
	  step_account, V_ACCOUNT | VIEWS(VIEW_ACCOUNT) | VIEWS(VIEW_LEFT) },
	{ "account_recovery", "/account/recovery", "", false, POST, BODY_FORM, FORM, CSRF_ACCOUNT, true, NEED_CODE,
	  ANSWER_HTML, step_account_recovery,
	  V_ACCOUNT | VIEWS(VIEW_NEW_RECOVERY) | VIEWS(VIEW_ACCOUNT) | VIEWS(VIEW_MFA_LIMITED) },
	{ "account_auth_email", "/account/authenticator/email", "", false, POST, BODY_FORM, FORM, CSRF_ACCOUNT, true,
	  0, ANSWER_HTML, step_account_auth_email, V_ACCOUNT | VIEWS(VIEW_NEW_AUTH) | VIEWS(VIEW_MFA_LIMITED) },
	{ "account_auth", "/account/authenticator", "", false, POST, BODY_FORM, FORM, CSRF_ACCOUNT, true,
	  NEED_CODE | NEED_EMAIL_CODE, ANSWER_HTML, step_account_auth,
	  V_ACCOUNT | VIEWS(VIEW_NEW_AUTH) | VIEWS(VIEW_MFA_LIMITED) },
	{ "privacy", "/privacy", "", false, GET | POST, BODY_FORM, FORM, CSRF_MFA, true, 0, ANSWER_HTML,
	  step_privacy, VIEWS(VIEW_PRIVACY) | VIEWS(VIEW_NEED_SIGNIN) | VIEWS(VIEW_UNAVAILABLE) | VIEWS(VIEW_DISABLED) |
		  VIEWS(VIEW_BAD_LINK) | VIEWS(VIEW_EXPIRED_LINK) | VIEWS(VIEW_REVOKED_LINK) },
	/* The accept link: /accept/<token>[/...], and the same flow as JSON under /api/v1/. */
	{ "accept", "/accept/", "", true, GET, BODY_NONE, FORM, CSRF_LINK, false, 0, ANSWER_HTML, step_accept_page,
	  VIEWS(VIEW_ASK_EMAIL) },
	{ "accept_email", "/accept/", "/email", true, POST, BODY_FORM, FORM, CSRF_LINK, false, NEED_EMAIL,
	  ANSWER_HTML, step_email, V_EMAIL | VIEWS(VIEW_ASK_CODE) | VIEWS(VIEW_LIMITED) },
	{ "accept_code", "/accept/", "/code", true, POST, BODY_FORM, FORM, CSRF_LINK, false, NEED_EMAIL | NEED_CODE,
	  ANSWER_HTML, step_code, V_CODE | VIEWS(VIEW_WRONG_CODE) | VIEWS(VIEW_LIMITED) },
	{ "api_email", "/api/v1/accept/", "/email", true, POST, BODY_JSON, CAP_HTTP_JSON_BYTES, CSRF_NONE, false,
	  NEED_EMAIL, ANSWER_JSON, step_email, 0 },
	{ "api_code", "/api/v1/accept/", "/code", true, POST, BODY_JSON, CAP_HTTP_JSON_BYTES, CSRF_NONE, false,
	  NEED_EMAIL | NEED_CODE, ANSWER_JSON, step_code, 0 },
};

#define N_ROUTES (sizeof(table) / sizeof(table[0]))

const struct route *routes_table(size_t *n)
{
	*n = N_ROUTES;
	return table;
}

static bool b64url_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
	       ch == '_';
}

/* token_end - the end of the base64url run at p, or NULL when it is longer than CAP_TOKEN_BYTES */
static const char *token_end(const char *p)
{
	const char *end;

	for (end = p; *end != '\0' && b64url_char(*end); end++)
		if (end - p >= (ptrdiff_t)CAP_TOKEN_BYTES)
			return NULL;
	return end;
}

const struct route *routes_match(const char *url, const char **tok, size_t *tok_len)
{
	*tok = NULL;
	*tok_len = 0;
	for (size_t i = 0; i < N_ROUTES; i++)
		if (!table[i].token && strcmp(url, table[i].path) == 0)
			return &table[i];
	for (size_t i = 0; i < N_ROUTES; i++) {
		const struct route *r = &table[i];
		size_t n = strlen(r->path);
		const char *end;

		if (!r->token || strncmp(url, r->path, n) != 0)
			continue;
		if ((end = token_end(url + n)) == NULL)
			return NULL;
		if (strcmp(end, r->suffix) == 0 || (r->suffix[0] == '\0' && strcmp(end, "/") == 0)) {
			*tok = url + n;
			*tok_len = (size_t)(end - *tok);
			return r;
		}
	}
	return NULL;
}

bool routes_allows(const struct route *r, const char *method)
{
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return (r->methods & METHOD_GET) != 0;
	if (strcmp(method, "POST") == 0)
		return (r->methods & METHOD_POST) != 0;
	return false;
}

static const uint8_t *csrf_id(const struct route *r, const struct step_in *in)
{
	switch (r->csrf) {
	case CSRF_LINK:
		return in->t.id;
	case CSRF_LOGIN:
		return FLOW_LOGIN_ID;
	case CSRF_MFA:
		return MFA_CSRF_ID;
	case CSRF_ACCOUNT:
		return ACCOUNT_CSRF_ID;
	case CSRF_NONE:
		break;
	}
	return NULL;
}

static bool has_needed(const struct route *r, const struct step_in *in)
{
	return in->body_ok && (!(r->need & NEED_EMAIL) || in->f.email != NULL) &&
	       (!(r->need & NEED_CODE) || in->f.code != NULL) &&
	       (!(r->need & NEED_EMAIL_CODE) || in->f.email_code != NULL);
}

void routes_run(const struct route *r, struct step_in *in, struct step_out *out)
{
	const uint8_t *ctx;
	enum link_status ls;

	if (r->token) {
		/* routes_match refused longer tokens. */
		memcpy(in->token, in->tok, in->tok_len);
		in->token[in->tok_len] = '\0';
		if ((ls = flow_link(in->fx, in->tok, in->tok_len, in->now, &in->t)) != LINK_OK) {
			step_link_refused(out, ls);
			return;
		}
		in->have_link = true;
		out->pg.inviter = in->t.inviter;
		out->pg.resource = in->t.resource;
	}
	ctx = csrf_id(r, in);
	if (ctx != NULL && (!in->post || r->csrf_first))
		step_csrf(in, out, ctx);
	/* Security: every POST of a page carries the CSRF token of its context (bound to the browser's cookie
	 * and session); the JSON API has no cookie to ride on but needs application/json (http.c). */
	if (in->post && ((ctx != NULL && !csrf_check(in->fx->keys, in->csrf_cookie, in->session_cookie, ctx,
						      in->f.csrf)) ||
			 !has_needed(r, in))) {
		step_answer(out, HTTP_BAD_REQUEST, VIEW_BAD_REQUEST, "bad_request");
		return;
	}
	if (ctx != NULL && in->post && !r->csrf_first)
		csrf_token(in->fx->keys, in->csrf_cookie, in->session_cookie, ctx, in->csrf);
	r->step(in, out);
	/* A new CSRF cookie goes with the page that carries its token, never with a redirect. */
	if (out->location != NULL)
		out->set_csrf[0] = '\0';
	if (r->answer == ANSWER_HTML && out->location == NULL && !(r->views & VIEWS(out->pg.view))) {
		/* Our bug: the step answered with a page its row does not list. Nothing it set goes out. */
		log_error("event=route route=%s reason=view_not_listed view=%d", r->name, (int)out->pg.view);
		memset(out->cookies, 0, sizeof(out->cookies));
		out->set_csrf[0] = '\0';
		step_answer(out, HTTP_INTERNAL_SERVER_ERROR, VIEW_UNAVAILABLE, "unavailable");
	}
}
