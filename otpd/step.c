/*
 * step.c - what every step shares: the outcome's life, cookies, CSRF,
 * language, the answer to a bad link (see step.h).
 */
#include "step.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "mfa.h"
#include "resource.h"
#include "text.h"

void step_out_init(struct step_out *out, const struct step_in *in)
{
	memset(out, 0, sizeof(*out));
	out->status = HTTP_OK;
	out->pg.lang = in->lang;
	out->pg.org_name = in->fx->cfg->org_name;
	out->pg.inviter = "";
	out->pg.resource = "";
	out->pg.token = in->token;
	out->pg.csrf = in->csrf;
	out->pg.email = "";
	out->pg.rd = "";
	out->pg.idp = in->fx->oidc != NULL;
	buf_init(&out->url, CAP_URL_BYTES * 4);
	buf_init(&out->qr, CAP_PAGE_BYTES / 2);
	buf_init(&out->uri, 1024);
}

static void wipe_buf(struct buf *b)
{
	if (b->data != NULL)
		sodium_memzero(b->data, b->len);
	buf_release(b);
}

void step_out_release(struct step_out *out)
{
	/* Security: the QR code and its URI spell the TOTP secret; the cookies carry session ids. */
	wipe_buf(&out->url);
	wipe_buf(&out->qr);
	wipe_buf(&out->uri);
	if (out->done != NULL) {
		out->done->recovery = mfa_recovery_free(out->done->recovery);
		sodium_free(out->done);
	}
	if (out->setup != NULL)
		sodium_free(out->setup);
	if (out->idp != NULL) {
		sodium_memzero(out->idp->session, sizeof(out->idp->session));
		free(out->idp);
	}
	free(out->account);
	if (out->privacy != NULL)
		sodium_free(out->privacy);	/* sodium_free wipes: the full session's id */
	out->privacy = NULL;
	out->recovery = mfa_recovery_free(out->recovery);
	sodium_memzero(out->cookies, sizeof(out->cookies));
	out->done = NULL;
	out->setup = NULL;
	out->idp = NULL;
	out->account = NULL;
}

void step_answer(struct step_out *out, unsigned status, enum page_view view, const char *word)
{
	out->status = status;
	out->pg.view = view;
	out->key = status < 400 ? "status" : "error";
	out->word = word;
}

void step_redirect(struct step_out *out, const char *to)
{
	out->status = HTTP_SEE_OTHER;
	out->location = to;
}

unsigned step_link_status(enum link_status ls)
{
	switch (ls) {
	case LINK_OK:
		return HTTP_OK;
	case LINK_INVALID:
		return HTTP_NOT_FOUND;
	case LINK_EXPIRED:
	case LINK_REVOKED:
		return HTTP_GONE;
	case LINK_UNAVAILABLE:
		break;
	}
	return HTTP_SERVICE_UNAVAILABLE;
}

enum page_view step_link_view(enum link_status ls)
{
	switch (ls) {
	case LINK_INVALID:
		return VIEW_BAD_LINK;
	case LINK_EXPIRED:
		return VIEW_EXPIRED_LINK;
	case LINK_REVOKED:
		return VIEW_REVOKED_LINK;
	default:
		return VIEW_UNAVAILABLE;
	}
}

static const char *link_word(enum link_status ls)
{
	switch (ls) {
	case LINK_INVALID:
		return "invalid_link";
	case LINK_EXPIRED:
		return "expired_link";
	case LINK_REVOKED:
		return "revoked";
	default:
		return "unavailable";
	}
}

void step_link_refused(struct step_out *out, enum link_status ls)
{
	step_answer(out, step_link_status(ls), step_link_view(ls), link_word(ls));
	out->pg.token = "";
}

const char *step_csrf_cookie_name(const struct otpd_config *cfg)
{
	return cfg->cookie_secure ? "__Host-" CSRF_COOKIE : CSRF_COOKIE;
}

const char *step_session_cookie_name(const struct otpd_config *cfg)
{
	return cfg->cookie_secure && cfg->cookie_domain[0] == '\0' ? "__Host-" SESSION_COOKIE : SESSION_COOKIE;
}

/* Security: with cookie_secure the state cookie is __Host-oidc_state, which needs Path=/: a sibling host
 * could otherwise plant its own pending sign-in's state and sign the victim's browser in as the attacker. */
const char *step_state_cookie_name(const struct otpd_config *cfg)
{
	return cfg->cookie_secure ? "__Host-" IDP_STATE_COOKIE : IDP_STATE_COOKIE;
}

void step_read_cookies(struct step_in *in, const char *header)
{
	const struct otpd_config *cfg = in->fx->cfg;

	if (!cookie_get(header, step_csrf_cookie_name(cfg), in->csrf_cookie, sizeof(in->csrf_cookie)))
		in->csrf_cookie[0] = '\0';
	if (!cookie_get(header, step_session_cookie_name(cfg), in->session_cookie, sizeof(in->session_cookie)))
		in->session_cookie[0] = '\0';
	if (!cookie_get(header, step_state_cookie_name(cfg), in->state_cookie, sizeof(in->state_cookie)))
		in->state_cookie[0] = '\0';
}

/* cookie_slot - the first unused Set-Cookie of out (the last one if all are used: a bug, seen in tests) */
static char *cookie_slot(struct step_out *out)
{
	for (size_t i = 0; i < STEP_COOKIES; i++)
		if (out->cookies[i][0] == '\0')
			return out->cookies[i];
	return out->cookies[STEP_COOKIES - 1];
}

/* make_cookie - Set-Cookie for the session (session true) or the CSRF cookie */
static void make_cookie(char *to, const struct otpd_config *cfg, bool session, const char *value, long long max_age)
{
	/* cookie_domain is checked at start-up (main.c): letters, digits, dots and dashes only. */
	bool dom = cfg->cookie_domain[0] != '\0' && session;

	snprintf(to, STEP_COOKIE_MAX, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Lax%s%s%s",
		 session ? step_session_cookie_name(cfg) : step_csrf_cookie_name(cfg), value, max_age,
		 cfg->cookie_secure ? "; Secure" : "", dom ? "; Domain=" : "", dom ? cfg->cookie_domain : "");
}

void step_session_cookie(struct step_out *out, const struct otpd_config *cfg, const char *value, long long max_age)
{
	make_cookie(cookie_slot(out), cfg, true, value, max_age);
}

void step_state_cookie(struct step_out *out, const struct otpd_config *cfg, const char *value, long long max_age)
{
	snprintf(cookie_slot(out), STEP_COOKIE_MAX, "%s=%s; Path=%s; Max-Age=%lld; HttpOnly; SameSite=Lax%s",
		 step_state_cookie_name(cfg), value, cfg->cookie_secure ? "/" : OIDC_CALLBACK_PATH, max_age,
		 cfg->cookie_secure ? "; Secure" : "");
}

void step_csrf(struct step_in *in, struct step_out *out, const uint8_t ctx[TOKEN_ID_LEN])
{
	if (in->csrf_cookie[0] == '\0') {
		csrf_new_cookie(in->csrf_cookie);
		make_cookie(out->set_csrf, in->fx->cfg, false, in->csrf_cookie, 86400);
	}
	csrf_token(in->fx->keys, in->csrf_cookie, in->session_cookie, ctx, in->csrf);
}

const char *step_query(const struct step_in *in, const char *name)
{
	return in->src.query != NULL ? in->src.query(in->src.conn, name) : NULL;
}

enum lang step_lang(const struct step_in *in)
{
	const char *al = in->src.header != NULL ? in->src.header(in->src.conn, "Accept-Language") : NULL;
	enum lang l = lang_from_code(step_query(in, "lang"), lang_from_header(al));

	return in->f.lang != NULL ? lang_from_code(in->f.lang, l) : l;
}

const char *step_next_path(enum flow_next next, enum lang l)
{
	if (l == LANG_N)	/* the JSON API: a plain path, as documented */
		return next == NEXT_MFA_VERIFY ? "/mfa/verify" : "/mfa/setup";
	if (l == LANG_NL)
		return next == NEXT_MFA_VERIFY ? "/mfa/verify?lang=nl" : "/mfa/setup?lang=nl";
	return next == NEXT_MFA_VERIFY ? "/mfa/verify?lang=en" : "/mfa/setup?lang=en";
}

/*
 * step_rd - Security: what is checked against the guest's invitations later (guest_resource) and followed
 * after sign-in is this normalised URL, never the text as sent; rd that is not an absolute http(s) URL we
 * can judge ("//evil", "/\\evil", "https:evil", encoded traversal) is dropped here.
 */
const char *step_rd(struct step_out *out, const char *rd)
{
	struct url *u;
	bool ok;

	if (rd == NULL || strlen(rd) > CAP_URL_BYTES || (u = malloc(sizeof(*u))) == NULL)
		return "";
	ok = url_parse(rd, strlen(rd), u) && url_format(u, out->rd, sizeof(out->rd)) &&
	     strlen(out->rd) < FORM_VALUE_MAX && text_safe_line(out->rd);
	free(u);
	return ok ? out->rd : "";
}
