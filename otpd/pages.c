/*
 * pages.c - page templates (see pages.h). Texts are tables per language
 * (pages_words.c); the layout is one function per part of a page.
 */
#include "pages.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "mfa.h"
#include "pages_words.h"
#include "text.h"

/* self_link - the GET page to switch language on, or NULL */
static const char *self_path(const struct page *p)
{
	switch (p->view) {
	case VIEW_LOGIN:
	case VIEW_LOGIN_CODE:
	case VIEW_LOGIN_WRONG_CODE:
	case VIEW_LOGIN_LIMITED:
	case VIEW_NEED_SIGNIN:
		return "/login";
	case VIEW_MFA_SETUP:
		return "/mfa/setup";
	case VIEW_MFA_VERIFY:
		return "/mfa/verify";
	case VIEW_ACCOUNT:
		return "/account";
	case VIEW_PRIVACY:
		return "/privacy";
	default:
		return NULL;	/* VIEW_MFA_DONE above all: reloading would lose the codes */
	}
}

static bool lang_link(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];
	enum lang other = p->lang == LANG_NL ? LANG_EN : LANG_NL;
	const char *self = self_path(p);

	bool key = p->mail_key != NULL && p->mail_key[0] != '\0';

	/* The confirm page of a code mail's link keeps its key (base64url) across the switch. */
	if (p->token != NULL && p->token[0] != '\0') {
		if (!buf_puts(b, "<a href=\"/accept/") || !text_html(b, p->token) ||
		    !buf_printf(b, "?lang=%s", lang_code(other)) ||
		    (key && (!buf_puts(b, "&amp;k=") || !text_html(b, p->mail_key))) || !buf_putc(b, '"'))
			return false;
	} else if (self != NULL) {
		if (!buf_printf(b, "<a href=\"%s?lang=%s", self, lang_code(other)))
			return false;
		if (strcmp(self, "/login") == 0 && p->rd != NULL && p->rd[0] != '\0' &&
		    (!buf_puts(b, "&amp;rd=") || !text_urlencode(b, p->rd)))
			return false;
		if (strcmp(self, "/login") == 0 && key && (!buf_puts(b, "&amp;k=") || !text_html(b, p->mail_key)))
			return false;
		if (!buf_putc(b, '"'))
			return false;
	} else {
		return true;
	}
	return buf_printf(b, " hreflang=\"%s\">", lang_code(other)) && text_html(b, w->other_lang) &&
	       buf_puts(b, "</a>");
}

/* refresh_to - where a page sends the browser on by itself, or NULL */
static const char *refresh_to(const struct page *p)
{
	if (p->view == VIEW_SIGNED_IN && !p->used_recovery && p->resource != NULL && p->resource[0] != '\0')
		return p->resource;
	if (p->view == VIEW_CODE_OK && p->next_url != NULL)
		return p->next_url;
	return NULL;
}

static bool head(struct buf *b, const struct page *p, const char *title)
{
	const char *to = refresh_to(p);

	if (!buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
			   "<meta name=\"referrer\" content=\"no-referrer\">\n<title>", lang_code(p->lang)) ||
	    !text_html(b, title) ||
	    !buf_puts(b, "</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n") ||
	    (to != NULL && (!buf_puts(b, "<meta http-equiv=\"refresh\" content=\"1;url=") || !text_html(b, to) ||
			    !buf_puts(b, "\">\n"))) ||
	    !buf_puts(b, "</head><body><main>\n<header><span>") || !text_html(b, p->org_name) ||
	    !buf_puts(b, "</span>") || !lang_link(b, p))
		return false;
	return buf_puts(b, "</header>\n<div class=\"card\">\n<h1>") && text_html(b, title) && buf_puts(b, "</h1>\n");
}

static bool tail(struct buf *b)
{
	return buf_puts(b, "</div>\n</main></body></html>\n");
}

static bool invitation_line(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];

	return buf_puts(b, "<p><strong>") && text_html(b, p->inviter) && buf_puts(b, "</strong> ") &&
	       text_html(b, w->invited_by) && buf_puts(b, " <span class=\"resource\">") && text_html(b, p->resource) &&
	       buf_puts(b, "</span></p>\n");
}

/* form_start - step "email"/"code" (of the invitation, or of /login when there is no token) or "mfa/…" */
static bool form_start(struct buf *b, const struct page *p, const char *step)
{
	bool mfa = strncmp(step, "mfa/", 4) == 0 || strncmp(step, "account/", 8) == 0 || strcmp(step, "privacy") == 0,
	     accept = p->token != NULL && p->token[0] != '\0';

	if (!buf_puts(b, "<form method=\"post\" action=\""))
		return false;
	if (mfa ? !buf_printf(b, "/%s", step)
		: accept ? !buf_puts(b, "/accept/") || !text_html(b, p->token) || !buf_printf(b, "/%s", step)
			 : !buf_printf(b, "/login/%s", step))
		return false;
	if (!mfa && !accept && p->rd != NULL && p->rd[0] != '\0' &&
	    (!buf_puts(b, "\">\n<input type=\"hidden\" name=\"rd\" value=\"") || !text_html(b, p->rd)))
		return false;
	return buf_puts(b, "\">\n<input type=\"hidden\" name=\"csrf\" value=\"") && text_html(b, p->csrf) &&
	       buf_printf(b, "\">\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n", lang_code(p->lang));
}

/* The email forms: the step itself (a visible field), a resend of the code (hidden address, always a code),
 * and a retry of organisation sign-in (hidden address, discovery as usual). */
enum email_kind { EMAIL_ASK, EMAIL_RESEND, EMAIL_RETRY };

static bool hidden_email(struct buf *b, const struct page *p)
{
	return buf_puts(b, "<input type=\"hidden\" name=\"email\" value=\"") && text_html(b, p->email) &&
	       buf_puts(b, "\">\n");
}

static bool email_form(struct buf *b, const struct page *p, const char *button, enum email_kind kind)
{
	const struct words *w = &pages_words[p->lang];

	if (!form_start(b, p, "email"))
		return false;
	if (kind == EMAIL_RESEND) {
		if (!hidden_email(b, p) || !buf_puts(b, "<input type=\"hidden\" name=\"method\" value=\"code\">\n"))
			return false;
	} else if (kind == EMAIL_RETRY) {
		if (!hidden_email(b, p))
			return false;
	} else if (!buf_puts(b, "<label for=\"email\">") || !text_html(b, w->email_label) ||
		   !buf_puts(b, "</label>\n<input id=\"email\" type=\"email\" name=\"email\" required "
				"autocomplete=\"email\" inputmode=\"email\" maxlength=\"254\" value=\"") ||
		   !text_html(b, p->email) || !buf_puts(b, "\">\n")) {
		return false;
	}
	if (!buf_printf(b, "<button type=\"submit\"%s>", kind == EMAIL_RESEND ? " class=\"secondary\"" : "") ||
	    !text_html(b, kind == EMAIL_ASK && p->idp ? w->go_on : button) || !buf_puts(b, "</button>\n"))
		return false;
	/* The guest may always skip their organisation's sign-in and get a code (the same form, method=code). */
	if (kind == EMAIL_ASK && p->idp &&
	    (!buf_puts(b, "<button type=\"submit\" name=\"method\" value=\"code\" class=\"secondary\">") ||
	     !text_html(b, w->code_instead) || !buf_puts(b, "</button>\n")))
		return false;
	return buf_puts(b, "</form>\n");
}

/* code_instead_form - hidden address, method=code: the way out of a failed organisation sign-in */
static bool code_instead_form(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];

	return form_start(b, p, "email") && hidden_email(b, p) &&
	       buf_puts(b, "<input type=\"hidden\" name=\"method\" value=\"code\">\n"
			   "<button type=\"submit\" class=\"secondary\">") &&
	       text_html(b, w->code_instead) && buf_puts(b, "</button>\n</form>\n");
}

static bool code_form(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];

	return form_start(b, p, "code") && buf_puts(b, "<input type=\"hidden\" name=\"email\" value=\"") &&
	       text_html(b, p->email) && buf_puts(b, "\">\n<label for=\"code\">") && text_html(b, w->code_label) &&
	       buf_puts(b, "</label>\n<input id=\"code\" class=\"code\" type=\"text\" name=\"code\" required "
			   "inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9 ]{8,9}\" "
			   "maxlength=\"9\" aria-describedby=\"codehelp\">\n<p id=\"codehelp\">") &&
	       text_html(b, w->code_help) && buf_puts(b, "</p>\n<button type=\"submit\">") && text_html(b, w->sign_in) &&
	       buf_puts(b, "</button>\n</form>\n");
}

static bool box(struct buf *b, const char *cls, const char *text)
{
	return buf_printf(b, "<p class=\"%s\">", cls) && text_html(b, text) && buf_puts(b, "</p>\n");
}

/* key_form - the confirm page of the link in a code mail: the address, the mail key hidden, posting to the
 * code step (the GET that shows this spent nothing) */
static bool key_form(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];

	return box(b, "notice", w->key_ask) && form_start(b, p, "code") && buf_puts(b, "<label for=\"email\">") &&
	       text_html(b, w->email_label) &&
	       buf_puts(b, "</label>\n<input id=\"email\" type=\"email\" name=\"email\" required "
			   "autocomplete=\"email\" inputmode=\"email\" maxlength=\"254\" value=\"") &&
	       text_html(b, p->email) && buf_puts(b, "\">\n<input type=\"hidden\" name=\"code\" value=\"") &&
	       text_html(b, p->mail_key) && buf_puts(b, "\">\n<button type=\"submit\">") && text_html(b, w->sign_in) &&
	       buf_puts(b, "</button>\n</form>\n");
}

static bool link_button(struct buf *b, const char *href, const char *text)
{
	return buf_puts(b, "<a class=\"button\" href=\"") && text_html(b, href) && buf_puts(b, "\">") &&
	       text_html(b, text) && buf_puts(b, "</a>\n");
}

static bool render_login(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];
	const char *title = p->token != NULL && p->token[0] != '\0' ? w->title : w->login_title;

	switch (p->view) {
	case VIEW_CODE_OK:
		return head(b, p, title) &&
		       box(b, "notice", strncmp(p->next_url, "/mfa/verify", 11) == 0 ? w->code_ok_verify : w->code_ok_setup) &&
		       link_button(b, p->next_url, w->go_on) && tail(b);
	case VIEW_LOGIN:
		if (p->mail_key != NULL && p->mail_key[0] != '\0')
			return head(b, p, title) && key_form(b, p) && tail(b);
		return head(b, p, title) && buf_puts(b, "<p>") && text_html(b, p->idp ? w->login_ask_idp : w->login_ask) &&
		       buf_puts(b, "</p>\n") &&
		       email_form(b, p, w->send_code, EMAIL_ASK) && tail(b);
	case VIEW_LOGIN_CODE:
		return head(b, p, title) && box(b, "notice", w->login_sent) && code_form(b, p) &&
		       email_form(b, p, w->new_code, EMAIL_RESEND) && tail(b);
	case VIEW_LOGIN_WRONG_CODE:
		return head(b, p, title) && box(b, "error", w->wrong_code) && code_form(b, p) &&
		       email_form(b, p, w->new_code, EMAIL_RESEND) && tail(b);
	default:
		return head(b, p, title) && box(b, "error", w->limited) && email_form(b, p, w->new_code, EMAIL_RESEND) &&
		       tail(b);
	}
}

/* secret_groups - the base32 key in groups of 4 */
static bool secret_groups(struct buf *b, const char *secret)
{
	for (size_t i = 0; secret[i] != '\0'; i++)
		if ((i > 0 && i % 4 == 0 && !buf_putc(b, ' ')) || !buf_putc(b, secret[i]))
			return false;
	return true;
}

/* totp_form - one code field and a button, posting to action ("mfa/setup" or "mfa/verify") */
static bool totp_form(struct buf *b, const struct page *p, const char *action, const char *label,
		      const char *button, bool recovery_ok)
{
	return form_start(b, p, action) && buf_puts(b, "<label for=\"code\">") && text_html(b, label) &&
	       buf_printf(b, "</label>\n<input id=\"code\" class=\"code\" type=\"text\" name=\"code\" required "
			     "autocomplete=\"one-time-code\" %s>\n<button type=\"submit\">",
			  recovery_ok ? "autocapitalize=\"none\" spellcheck=\"false\" maxlength=\"20\""
				      : "inputmode=\"numeric\" pattern=\"[0-9 ]{6,7}\" maxlength=\"7\"") &&
	       text_html(b, button) && buf_puts(b, "</button>\n</form>\n");
}

static bool render_setup(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];

	if (!head(b, p, w->setup_title) || (p->wrong && !box(b, "error", w->wrong_totp)) ||
	    !buf_puts(b, "<p>") || !text_html(b, w->setup_intro) || !buf_puts(b, "</p>\n<ol class=\"steps\">\n"))
		return false;
	for (size_t i = 0; i < 3; i++)
		if (!buf_puts(b, "<li>") || !text_html(b, w->setup_steps[i]) || !buf_puts(b, "</li>\n"))
			return false;
	return buf_puts(b, "</ol>\n") && buf_puts(b, p->qr_svg) && buf_puts(b, "\n<p>") && text_html(b, w->no_scan) &&
	       buf_puts(b, "</p>\n<p><a class=\"app\" href=\"") && text_html(b, p->otpauth) && buf_puts(b, "\">") &&
	       text_html(b, w->open_app) && buf_puts(b, "</a></p>\n<p>") && text_html(b, w->key_label) &&
	       buf_puts(b, ":</p>\n<p class=\"secret\" id=\"secret\">") && secret_groups(b, p->secret) &&
	       buf_puts(b, "</p>\n") && totp_form(b, p, "mfa/setup", w->totp_label, w->confirm, false) && tail(b);
}

static bool render_done(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];

	if (!head(b, p, w->done_title) || !box(b, "notice", w->done_intro) || !buf_puts(b, "<ol class=\"codes\">\n"))
		return false;
	for (size_t i = 0; i < MFA_RECOVERY_N; i++)
		if (!buf_puts(b, "<li><code>") || !text_html(b, p->recovery->code[i]) || !buf_puts(b, "</code></li>\n"))
			return false;
	if (!buf_puts(b, "</ol>\n"))
		return false;
	if (p->resource[0] == '\0')
		return box(b, "error", w->no_resource) && tail(b);
	return link_button(b, p->resource, w->done_continue) && buf_puts(b, "<p class=\"resource\">") &&
	       text_html(b, p->resource) && buf_puts(b, "</p>\n") && tail(b);
}

static bool render_mfa_other(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];

	switch (p->view) {
	case VIEW_MFA_VERIFY:
		return head(b, p, w->verify_title) && (!p->wrong || box(b, "error", w->wrong_totp)) &&
		       buf_puts(b, "<p>") && text_html(b, w->verify_intro) && buf_puts(b, "</p>\n") &&
		       totp_form(b, p, "mfa/verify", w->verify_label, w->sign_in, true) && tail(b);
	case VIEW_MFA_LIMITED:
		return head(b, p, w->verify_title) && box(b, "error", w->mfa_limited) &&
		       link_button(b, "/login", w->sign_in_again) && tail(b);
	case VIEW_NEED_SIGNIN:
		return head(b, p, w->login_title) && box(b, "error", w->need_signin) &&
		       link_button(b, "/login", w->sign_in_again) && tail(b);
	case VIEW_ALREADY:
		return head(b, p, w->login_title) && box(b, "notice", w->already) && tail(b);
	default:
		return head(b, p, w->login_title) && box(b, "error", w->no_resource) && tail(b);
	}
}

/* signed_in - on to the resource; after a recovery code, say how many are left and do not move on by itself */
static bool signed_in(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];
	char left[400];

	if (!head(b, p, w->signed_in_title) || !box(b, "notice", w->signed_in))
		return false;
	if (p->used_recovery) {
		const char *pct = strstr(w->recovery_left, "%u");

		if (pct == NULL || snprintf(left, sizeof(left), "%.*s%u%s", (int)(pct - w->recovery_left),
					    w->recovery_left, p->recovery_left, pct + 2) >= (int)sizeof(left) ||
		    !box(b, "error", left))
			return false;
	}
	return buf_puts(b, "<p>") && text_html(b, w->continue_to) && buf_puts(b, " <a class=\"resource\" href=\"") &&
	       text_html(b, p->resource) && buf_puts(b, "\">") && text_html(b, p->resource) &&
	       buf_puts(b, "</a></p>\n") && tail(b);
}

/* idp_problem - organisation sign-in failed: say what happened; offer to retry and to get a code instead */
static bool idp_problem(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];
	bool retry = p->problem != PROBLEM_NOT_INVITED && p->problem != PROBLEM_UNVERIFIED &&
		     p->problem != PROBLEM_NO_ACCESS;

	if (!head(b, p, w->idp_title) || !box(b, "error", w->problem[p->problem]))
		return false;
	if (p->code_option && ((retry && !email_form(b, p, w->try_again, EMAIL_RETRY)) || !code_instead_form(b, p)))
		return false;
	return tail(b);
}

/* fill_one - tmpl with its one "%s" or "%u" replaced, HTML-escaped */
static bool fill_one(struct buf *b, const char *tmpl, const char *s, unsigned u)
{
	const char *pct = strstr(tmpl, "%");
	char num[24], pre[512];
	size_t n;

	if (pct == NULL || (pct[1] != 's' && pct[1] != 'u'))
		return text_html(b, tmpl);
	n = (size_t)(pct - tmpl);
	if (n >= sizeof(pre))
		return false;
	memcpy(pre, tmpl, n);
	pre[n] = '\0';
	snprintf(num, sizeof(num), "%u", u);
	return text_html(b, pre) && text_html(b, pct[1] == 's' ? s : num) && text_html(b, pct + 2);
}

/* section - an h2 and a paragraph */
static bool section(struct buf *b, const char *h, const char *text)
{
	return buf_puts(b, "<h2>") && text_html(b, h) && buf_puts(b, "</h2>\n<p>") && text_html(b, text) &&
	       buf_puts(b, "</p>\n");
}

/* render_account - /account: who, what, how, until when; and the leave form (checkbox to confirm) */
static bool render_account(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];
	const struct account_view *a = p->account;
	bool oidc = strncmp(a->method, "oidc:", 5) == 0;
	char day[32] = "";
	time_t t = (time_t)a->lapses_at;
	struct tm tm;

	if (a->lapses_at != 0 && gmtime_r(&t, &tm) != NULL)
		strftime(day, sizeof(day), "%Y-%m-%d %H:%M", &tm);
	if (!head(b, p, w->account_title) || (p->wrong && !box(b, "error", w->leave_unconfirmed)) ||
	    !buf_puts(b, "<p>") || !text_html(b, w->account_as) || !buf_puts(b, " <strong id=\"account-email\">") ||
	    !text_html(b, a->addr) || !buf_puts(b, "</strong></p>\n<h2>") || !text_html(b, w->res_h) ||
	    !buf_puts(b, "</h2>\n"))
		return false;
	if (a->n_resources == 0 && (!buf_puts(b, "<p>") || !text_html(b, w->no_res) || !buf_puts(b, "</p>\n")))
		return false;
	if (a->n_resources > 0 && !buf_puts(b, "<ul class=\"resources\">\n"))
		return false;
	for (size_t i = 0; i < a->n_resources; i++)
		if (!buf_puts(b, "<li><a class=\"resource\" href=\"") || !text_html(b, a->resources[i]) ||
		    !buf_puts(b, "\">") || !text_html(b, a->resources[i]) || !buf_puts(b, "</a></li>\n"))
			return false;
	if ((a->n_resources > 0 && !buf_puts(b, "</ul>\n")) ||
	    !section(b, w->method_h, oidc ? w->method_oidc : a->totp ? w->method_code_totp : w->method_code) ||
	    !buf_puts(b, "<h2>") || !text_html(b, w->lapse_h) || !buf_puts(b, "</h2>\n<p id=\"lapse\">") ||
	    !(a->lapses_at != 0 ? fill_one(b, w->lapse, day, 0) : text_html(b, w->lapse_never)) ||
	    !buf_puts(b, "</p>\n") ||
	    (a->totp && (!section(b, w->renew_h, w->renew_text) || (p->wrong_code && !box(b, "error", w->wrong_totp)) ||
			 !totp_form(b, p, "account/recovery", w->verify_label, w->renew_button, true) ||
			 !section(b, w->auth_h, w->auth_text) || !form_start(b, p, "account/authenticator/email") ||
			 !buf_puts(b, "<button type=\"submit\" class=\"secondary\">") || !text_html(b, w->auth_mail) ||
			 !buf_puts(b, "</button>\n</form>\n"))) ||
	    !buf_puts(b, "<h2>") || !text_html(b, w->leave_h) || !buf_puts(b, "</h2>\n<p>") ||
	    !text_html(b, w->leave_text) || !buf_puts(b, "</p>\n") || !form_start(b, p, "account/leave"))
		return false;
	return buf_puts(b, "<label class=\"check\"><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> ") &&
	       text_html(b, w->leave_confirm) && buf_puts(b, "</label>\n<button type=\"submit\" class=\"danger\">") &&
	       text_html(b, w->leave_button) && buf_puts(b, "</button>\n</form>\n") && tail(b);
}

/* render_new_recovery - the new recovery codes, once, and the way back to /account */
static bool render_new_recovery(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];

	if (!head(b, p, w->renew_title) || !box(b, "notice", w->renew_intro) || !buf_puts(b, "<ol class=\"codes\">\n"))
		return false;
	for (size_t i = 0; i < MFA_RECOVERY_N; i++)
		if (!buf_puts(b, "<li><code>") || !text_html(b, p->recovery->code[i]) || !buf_puts(b, "</code></li>\n"))
			return false;
	return buf_puts(b, "</ol>\n") && link_button(b, p->lang == LANG_NL ? "/account?lang=nl" : "/account?lang=en",
							w->back_account) && tail(b);
}

/* render_new_auth - both codes for a new authenticator (the mail is on its way) */
static bool render_new_auth(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];

	return head(b, p, w->auth_title) && box(b, p->wrong ? "error" : "notice", p->wrong ? w->auth_wrong : w->auth_sent) &&
	       form_start(b, p, "account/authenticator") && buf_puts(b, "<label for=\"email_code\">") &&
	       text_html(b, w->auth_email_label) &&
	       buf_puts(b, "</label>\n<input id=\"email_code\" class=\"code\" type=\"text\" name=\"email_code\" required "
			   "inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"9\">\n<label for=\"code\">") &&
	       text_html(b, w->verify_label) &&
	       buf_puts(b, "</label>\n<input id=\"code\" class=\"code\" type=\"text\" name=\"code\" required "
			   "autocapitalize=\"none\" spellcheck=\"false\" maxlength=\"20\">\n<button type=\"submit\">") &&
	       text_html(b, w->auth_button) && buf_puts(b, "</button>\n</form>\n") &&
	       link_button(b, p->lang == LANG_NL ? "/account?lang=nl" : "/account?lang=en", w->back_account) && tail(b);
}

/* para - a paragraph with one number filled in */
static bool para(struct buf *b, const char *tmpl, unsigned u)
{
	return buf_puts(b, "<p>") && fill_one(b, tmpl, "", u) && buf_puts(b, "</p>\n");
}

/* render_privacy - what is kept, for how long, the organisation's statement, and the accept button */
static bool render_privacy(struct buf *b, const struct page *p)
{
	const struct words *w = &pages_words[p->lang];

	if (!head(b, p, w->privacy_title) || !buf_puts(b, "<p>") || !text_html(b, w->privacy_intro) ||
	    !buf_puts(b, "</p>\n<ul class=\"kept\">\n"))
		return false;
	for (size_t i = 0; i < 5; i++)
		if (!buf_puts(b, "<li>") || !text_html(b, w->privacy_items[i]) || !buf_puts(b, "</li>\n"))
			return false;
	if (!buf_puts(b, "</ul>\n") ||
	    !(p->inactive_days ? para(b, w->privacy_inactive, p->inactive_days) : para(b, w->privacy_no_inactive, 0)) ||
	    (p->inactive_days && p->delete_days && !para(b, w->privacy_delete, p->delete_days)) ||
	    !para(b, w->privacy_keep, p->keep_days) || !para(b, w->privacy_leave, 0) ||
	    !para(b, w->privacy_audit, p->audit_days))
		return false;
	if (p->privacy_url != NULL && p->privacy_url[0] != '\0' &&
	    (!buf_puts(b, "<p><a id=\"privacy-statement\" href=\"") || !text_html(b, p->privacy_url) ||
	     !buf_puts(b, "\">") || !text_html(b, w->privacy_link) || !buf_puts(b, "</a></p>\n")))
		return false;
	return form_start(b, p, "privacy") && buf_puts(b, "<button type=\"submit\">") &&
	       text_html(b, w->privacy_accept) && buf_puts(b, "</button>\n</form>\n") && tail(b);
}

bool pages_render(const struct page *p, struct buf *b)
{
	const struct words *w = &pages_words[p->lang];

	switch (p->view) {
	case VIEW_ASK_EMAIL:
		if (p->mail_key != NULL && p->mail_key[0] != '\0')
			return head(b, p, w->title) && invitation_line(b, p) && key_form(b, p) && tail(b);
		return head(b, p, w->title) && invitation_line(b, p) && buf_puts(b, "<p>") &&
		       text_html(b, p->idp ? w->ask_email_idp : w->ask_email) &&
		       buf_puts(b, "</p>\n") && email_form(b, p, w->send_code, EMAIL_ASK) && tail(b);
	case VIEW_ASK_CODE:
		return head(b, p, w->title) && invitation_line(b, p) && box(b, "notice", w->code_sent) && code_form(b, p) &&
		       email_form(b, p, w->new_code, EMAIL_RESEND) && tail(b);
	case VIEW_WRONG_CODE:
		return head(b, p, w->title) && box(b, "error", w->wrong_code) && code_form(b, p) &&
		       email_form(b, p, w->new_code, EMAIL_RESEND) && tail(b);
	case VIEW_LIMITED:
		return head(b, p, w->title) && box(b, "error", w->limited) && email_form(b, p, w->new_code, EMAIL_RESEND) &&
		       tail(b);
	case VIEW_SIGNED_IN:
		return signed_in(b, p);
	case VIEW_BAD_LINK:
		return head(b, p, w->title) && box(b, "error", w->bad_link) && tail(b);
	case VIEW_EXPIRED_LINK:
		return head(b, p, w->title) && box(b, "error", w->expired_link) && tail(b);
	case VIEW_REVOKED_LINK:
		return head(b, p, w->title) && box(b, "error", w->revoked_link) && tail(b);
	case VIEW_BAD_REQUEST:
		return head(b, p, w->title) && box(b, "error", w->bad_request) && tail(b);
	case VIEW_UNAVAILABLE:
		return head(b, p, w->title) && box(b, "error", w->unavailable) && tail(b);
	case VIEW_NOT_FOUND:
		return head(b, p, w->title) && box(b, "error", w->not_found) && tail(b);
	case VIEW_CODE_OK:
	case VIEW_LOGIN:
	case VIEW_LOGIN_CODE:
	case VIEW_LOGIN_WRONG_CODE:
	case VIEW_LOGIN_LIMITED:
		return render_login(b, p);
	case VIEW_MFA_SETUP:
		return render_setup(b, p);
	case VIEW_MFA_DONE:
		return render_done(b, p);
	case VIEW_MFA_VERIFY:
	case VIEW_MFA_LIMITED:
	case VIEW_NEED_SIGNIN:
	case VIEW_ALREADY:
	case VIEW_NO_RESOURCE:
		return render_mfa_other(b, p);
	case VIEW_IDP_PROBLEM:
		return idp_problem(b, p);
	case VIEW_DISABLED:
		return head(b, p, w->disabled_title) && box(b, "error", w->disabled) && tail(b);
	case VIEW_ACCOUNT:
		return p->account != NULL && render_account(b, p);
	case VIEW_PRIVACY:
		return render_privacy(b, p);
	case VIEW_NEW_RECOVERY:
		return render_new_recovery(b, p);
	case VIEW_NEW_AUTH:
		return render_new_auth(b, p);
	case VIEW_LEFT:
		return head(b, p, w->left_title) && buf_puts(b, "<p class=\"notice\">") &&
		       fill_one(b, w->left, "", p->audit_days) && buf_puts(b, "</p>\n") && tail(b);
	}
	return false;
}
