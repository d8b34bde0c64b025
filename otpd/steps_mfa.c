/*
 * steps_mfa.c - the second factor (GET and POST /mfa/setup and /mfa/verify,
 * signin.h) and the privacy page that comes before a first enrolment
 * (GET and POST /privacy, privacy.h). routes.c checked the CSRF token and
 * that a POST has its code.
 */
#include <sodium.h>
#include <string.h>

#include "guest.h"
#include "privacy.h"
#include "qr.h"
#include "routes.h"
#include "signin_finish.h"
#include "step.h"

/* setup_page - the enrolment page: QR code, secret, the otpauth URI (out holds them) */
static enum signin_result setup_page(struct step_in *in, struct step_out *out)
{
	const char *issuer = in->fx->cfg->org_name[0] ? in->fx->cfg->org_name : "guestlink";
	enum signin_result r;

	if (out->setup == NULL && (out->setup = sodium_malloc(sizeof(*out->setup))) == NULL)
		return SIGNIN_UNAVAILABLE;
	if ((r = signin_setup_begin(in->fx, in->session_cookie, in->now, out->setup)) != SIGNIN_OK)
		return r;
	buf_reset(&out->qr);
	buf_reset(&out->uri);
	if (!mfa_uri(&out->uri, issuer, out->setup->addr, out->setup->b32) ||
	    !qr_svg(&out->qr, out->uri.data, pages_qr_label(out->pg.lang)))
		return SIGNIN_UNAVAILABLE;
	out->pg.view = VIEW_MFA_SETUP;
	out->pg.qr_svg = out->qr.data;
	out->pg.otpauth = out->uri.data;
	out->pg.secret = out->setup->b32;
	return SIGNIN_OK;
}

/* refused - the page (or the other MFA step) for an outcome that is not a success */
static void refused(struct step_out *out, enum signin_result r, bool setup)
{
	switch (r) {
	case SIGNIN_NO_SESSION:
		step_answer(out, HTTP_UNAUTHORIZED, VIEW_NEED_SIGNIN, "no_session");
		break;
	case SIGNIN_ENROLLED:
		if (!setup)
			step_answer(out, HTTP_SEE_OTHER, out->pg.view, "redirect");
		else
			step_redirect(out, "/mfa/verify");
		break;
	case SIGNIN_NOT_ENROLLED:
		if (setup)
			step_answer(out, HTTP_SEE_OTHER, out->pg.view, "redirect");
		else
			step_redirect(out, "/mfa/setup");
		break;
	case SIGNIN_LIMITED:
		step_answer(out, HTTP_TOO_MANY_REQUESTS, VIEW_MFA_LIMITED, "too_many_attempts");
		break;
	case SIGNIN_OK:
		step_answer(out, HTTP_OK, VIEW_ALREADY, "ok");
		break;
	default:
		step_answer(out, HTTP_SERVICE_UNAVAILABLE, VIEW_UNAVAILABLE, "unavailable");
		break;
	}
}

static void mfa_get(struct step_in *in, struct step_out *out, bool setup)
{
	enum signin_result r = signin_step(in->fx, in->session_cookie, in->now);

	if (setup && r == SIGNIN_NOT_ENROLLED) {
		if ((r = setup_page(in, out)) == SIGNIN_OK)
			return;
	} else if (!setup && r == SIGNIN_ENROLLED) {
		out->pg.view = VIEW_MFA_VERIFY;
		return;
	}
	refused(out, r, setup);
}

static void mfa_post(struct step_in *in, struct step_out *out, bool setup)
{
	enum signin_result r;

	if ((out->done = sodium_malloc(sizeof(*out->done))) == NULL) {
		refused(out, SIGNIN_UNAVAILABLE, setup);
		return;
	}
	memset(out->done, 0, sizeof(*out->done));
	r = setup ? signin_setup_confirm(in->fx, in->session_cookie, in->f.code, &in->client, in->now, out->done)
		  : signin_verify(in->fx, in->session_cookie, in->f.code, &in->client, in->now, out->done);
	if (r == SIGNIN_OK) {
		struct signin_done *d = out->done;

		step_session_cookie(out, in->fx->cfg, d->session, in->fx->cfg->session_ttl);
		sodium_memzero(d->session, sizeof(d->session));
		out->pg.resource = d->dest;
		out->pg.recovery = d->recovery;
		out->pg.used_recovery = d->used_recovery;
		out->pg.recovery_left = d->recovery_left;
		out->pg.view = setup ? VIEW_MFA_DONE : d->dest[0] ? VIEW_SIGNED_IN : VIEW_NO_RESOURCE;
	} else if (r == SIGNIN_WRONG || r == SIGNIN_REPLAYED) {
		step_answer(out, HTTP_UNAUTHORIZED, VIEW_MFA_VERIFY, "wrong_code");
		out->pg.wrong = true;
		if (setup && (r = setup_page(in, out)) != SIGNIN_OK)
			refused(out, r, setup);
	} else {
		refused(out, r, setup);
	}
}

/* mfa - GET shows the step the session belongs on; POST checks its code. A SIGNIN_ENROLLED on setup (or
 * NOT_ENROLLED on verify) sends the browser to the other step. */
static void mfa(struct step_in *in, struct step_out *out, bool setup)
{
	/* The privacy page comes first: the first sign-in does not finish before it is accepted (privacy.h). */
	if (privacy_state(in->fx, in->session_cookie, in->now) == PRIVACY_NEEDED) {
		step_redirect(out, out->pg.lang == LANG_NL ? "/privacy?lang=nl" : "/privacy?lang=en");
		return;
	}
	if (in->post)
		mfa_post(in, out, setup);
	else
		mfa_get(in, out, setup);
}

void step_mfa_setup(struct step_in *in, struct step_out *out)
{
	mfa(in, out, true);
}

void step_mfa_verify(struct step_in *in, struct step_out *out)
{
	mfa(in, out, false);
}

/* step_privacy - GET /privacy (what is kept; accept) and POST (CSRF): then on to /mfa/setup, or, for a held
 * provider sign-in, with the full session to where it goes */
void step_privacy(struct step_in *in, struct step_out *out)
{
	const struct otpd_config *cfg = in->fx->cfg;
	struct privacy_done *done;
	enum privacy_state st;

	if ((done = out->privacy = sodium_malloc(sizeof(*done))) == NULL) {
		step_answer(out, HTTP_SERVICE_UNAVAILABLE, VIEW_UNAVAILABLE, "unavailable");
		return;
	}
	st = in->post ? privacy_accept(in->fx, in->session_cookie, in->now, done)
		      : privacy_state(in->fx, in->session_cookie, in->now);
	if (st == PRIVACY_DONE) {
		step_redirect(out, out->pg.lang == LANG_NL ? "/mfa/setup?lang=nl" : "/mfa/setup?lang=en");
	} else if (st == PRIVACY_SIGNED_IN) {
		step_session_cookie(out, cfg, done->session, cfg->session_ttl);
		step_redirect(out, done->dest);	/* the signed resource, or a checked rd */
	} else if (st == PRIVACY_REFUSED) {
		if (done->finish < 0)
			step_link_refused(out, done->link);
		else if (done->finish == FINISH_DISABLED)
			step_answer(out, HTTP_FORBIDDEN, VIEW_DISABLED, "guest_disabled");
		else
			step_answer(out, HTTP_UNAUTHORIZED, VIEW_NEED_SIGNIN, "no_session");
	} else if (st == PRIVACY_NEEDED && !in->post) {
		out->pg.view = VIEW_PRIVACY;
		out->pg.privacy_url = cfg->privacy_url;
		out->pg.keep_days = (unsigned)(GUEST_KEEP / 86400);
		out->pg.inactive_days = (unsigned)((cfg->guest_inactive_disable + 86399) / 86400);
		out->pg.delete_days = (unsigned)((cfg->guest_disabled_delete + 86399) / 86400);
		out->pg.audit_days = FLOW_AUDIT_DAYS;
	} else if (st == PRIVACY_NEEDED) {
		step_answer(out, HTTP_UNAUTHORIZED, VIEW_NEED_SIGNIN, "no_session");
	} else {
		step_answer(out, HTTP_SERVICE_UNAVAILABLE, VIEW_UNAVAILABLE, "unavailable");
	}
}
