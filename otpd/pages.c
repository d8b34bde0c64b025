/*
 * pages.c - page templates (see pages.h). Texts are tables per language;
 * the layout is one function per part of a page.
 */
#include "pages.h"

#include <string.h>

#include "text.h"

struct words {
	const char *title, *invited_by, *to, *ask_email, *email_label, *send_code, *code_sent, *code_label,
		*sign_in, *wrong_code, *new_code, *limited, *signed_in, *continue_to, *bad_link, *expired_link,
		*revoked_link, *bad_request, *unavailable, *not_found, *other_lang, *code_help;
};

static const struct words words[LANG_N] = {
	[LANG_EN] = {
		.title = "Accept your invitation",
		.invited_by = "invited you to",
		.to = "",
		.ask_email = "Type the email address this invitation was sent to. We will mail you an 8-digit code.",
		.email_label = "Email address",
		.send_code = "Send me a code",
		.code_sent = "If this address was invited, a code is on its way. It can take a minute; "
			     "look in your spam folder too. The code is valid for a few minutes and works once.",
		.code_label = "8-digit code",
		.sign_in = "Sign in",
		.wrong_code = "That code is wrong, too old, or already used. Check the latest mail, "
			      "or ask for a new code.",
		.new_code = "Send me a new code",
		.limited = "Too many tries. Wait a while and ask for a new code. If this keeps happening, "
			   "ask the person who invited you to send the invitation again.",
		.signed_in = "You are signed in.",
		.continue_to = "Continue to",
		.bad_link = "This link is not valid. Check that you copied all of it, or ask the person who "
			    "invited you to send it again.",
		.expired_link = "This invitation has expired. Ask the person who invited you to send a new one.",
		.revoked_link = "This invitation was withdrawn. Ask the person who invited you if you need access.",
		.bad_request = "This form has expired or did not come from this page. Open the link from your "
			       "invitation again.",
		.unavailable = "Something went wrong on our side. Please try again in a few minutes.",
		.not_found = "This page does not exist.",
		.other_lang = "Nederlands",
		.code_help = "Type the 8 digits from the mail.",
	},
	[LANG_NL] = {
		.title = "Accepteer je uitnodiging",
		.invited_by = "heeft je uitgenodigd voor",
		.to = "",
		.ask_email = "Typ het e-mailadres waar deze uitnodiging naartoe is gestuurd. We mailen je een "
			     "code van 8 cijfers.",
		.email_label = "E-mailadres",
		.send_code = "Stuur me een code",
		.code_sent = "Als dit adres is uitgenodigd, is er een code onderweg. Dat kan een minuut duren; "
			     "kijk ook in je spammap. De code is een paar minuten geldig en werkt \xc3\xa9\xc3\xa9n keer.",
		.code_label = "Code van 8 cijfers",
		.sign_in = "Inloggen",
		.wrong_code = "Die code klopt niet, is te oud of is al gebruikt. Kijk in de nieuwste mail, "
			      "of vraag een nieuwe code aan.",
		.new_code = "Stuur me een nieuwe code",
		.limited = "Te veel pogingen. Wacht even en vraag een nieuwe code aan. Blijft dit gebeuren, "
			   "vraag dan degene die je uitnodigde om de uitnodiging opnieuw te sturen.",
		.signed_in = "Je bent ingelogd.",
		.continue_to = "Verder naar",
		.bad_link = "Deze link is niet geldig. Controleer of je hem helemaal hebt gekopieerd, of vraag "
			    "degene die je uitnodigde om hem opnieuw te sturen.",
		.expired_link = "Deze uitnodiging is verlopen. Vraag degene die je uitnodigde om een nieuwe.",
		.revoked_link = "Deze uitnodiging is ingetrokken. Vraag degene die je uitnodigde als je toegang nodig hebt.",
		.bad_request = "Dit formulier is verlopen of kwam niet van deze pagina. Open de link uit je "
			       "uitnodiging opnieuw.",
		.unavailable = "Er ging bij ons iets mis. Probeer het over een paar minuten opnieuw.",
		.not_found = "Deze pagina bestaat niet.",
		.other_lang = "English",
		.code_help = "Typ de 8 cijfers uit de mail.",
	},
};

static const char stylesheet[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:1.05rem;"
	"line-height:1.5;color:#1b1b1b;background:#f4f5f7}"
	"main{max-width:34rem;margin:0 auto;padding:1.25rem 1rem}"
	".card{background:#fff;border-radius:.5rem;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}"
	"h1{font-size:1.4rem;margin:0 0 .75rem}"
	"header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;margin-bottom:1rem;"
	"color:#444;font-size:.95rem}"
	"label{display:block;font-weight:600;margin:.75rem 0 .25rem}"
	"input[type=email],input[type=text]{width:100%;font-size:1.1rem;padding:.6rem;border:1px solid #888;"
	"border-radius:.35rem}"
	"input.code{font-family:ui-monospace,monospace;font-size:1.5rem;letter-spacing:.3rem}"
	"button{margin-top:1rem;width:100%;font-size:1.1rem;padding:.7rem;border:0;border-radius:.35rem;"
	"background:#0b57d0;color:#fff;cursor:pointer}"
	"button.secondary{background:#e3e7ee;color:#1b1b1b}"
	".notice{padding:.75rem;border-radius:.35rem;background:#e8f0fe;margin:.75rem 0}"
	".error{padding:.75rem;border-radius:.35rem;background:#fce8e6;margin:.75rem 0}"
	".resource{word-break:break-all}"
	"a{color:#0b57d0}";

const char *pages_stylesheet(void)
{
	return stylesheet;
}

static bool head(struct buf *b, const struct page *p, const char *title)
{
	const struct words *w = &words[p->lang];
	enum lang other = p->lang == LANG_NL ? LANG_EN : LANG_NL;

	if (!buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
			   "<meta name=\"referrer\" content=\"no-referrer\">\n<title>", lang_code(p->lang)) ||
	    !text_html(b, title) ||
	    !buf_puts(b, "</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n") ||
	    (p->view == VIEW_SIGNED_IN && (!buf_puts(b, "<meta http-equiv=\"refresh\" content=\"1;url=") ||
					   !text_html(b, p->resource) || !buf_puts(b, "\">\n"))) ||
	    !buf_puts(b, "</head><body><main>\n<header><span>") || !text_html(b, p->org_name) ||
	    !buf_puts(b, "</span>"))
		return false;
	if (p->token != NULL && p->token[0] != '\0') {
		if (!buf_puts(b, "<a href=\"/accept/") || !text_html(b, p->token) ||
		    !buf_printf(b, "?lang=%s\" hreflang=\"%s\">", lang_code(other), lang_code(other)) ||
		    !text_html(b, w->other_lang) || !buf_puts(b, "</a>"))
			return false;
	}
	return buf_puts(b, "</header>\n<div class=\"card\">\n<h1>") && text_html(b, title) && buf_puts(b, "</h1>\n");
}

static bool tail(struct buf *b)
{
	return buf_puts(b, "</div>\n</main></body></html>\n");
}

static bool invitation_line(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

	return buf_puts(b, "<p><strong>") && text_html(b, p->inviter) && buf_puts(b, "</strong> ") &&
	       text_html(b, w->invited_by) && buf_puts(b, " <span class=\"resource\">") && text_html(b, p->resource) &&
	       buf_puts(b, "</span></p>\n");
}

static bool form_start(struct buf *b, const struct page *p, const char *step)
{
	return buf_puts(b, "<form method=\"post\" action=\"/accept/") && text_html(b, p->token) &&
	       buf_printf(b, "/%s\">\n<input type=\"hidden\" name=\"csrf\" value=\"", step) && text_html(b, p->csrf) &&
	       buf_printf(b, "\">\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n", lang_code(p->lang));
}

static bool email_form(struct buf *b, const struct page *p, const char *button, bool secondary)
{
	const struct words *w = &words[p->lang];

	if (!form_start(b, p, "email"))
		return false;
	if (secondary) {
		if (!buf_puts(b, "<input type=\"hidden\" name=\"email\" value=\"") || !text_html(b, p->email) ||
		    !buf_puts(b, "\">\n"))
			return false;
	} else if (!buf_puts(b, "<label for=\"email\">") || !text_html(b, w->email_label) ||
		   !buf_puts(b, "</label>\n<input id=\"email\" type=\"email\" name=\"email\" required "
				"autocomplete=\"email\" inputmode=\"email\" maxlength=\"254\" value=\"") ||
		   !text_html(b, p->email) || !buf_puts(b, "\">\n")) {
		return false;
	}
	return buf_printf(b, "<button type=\"submit\"%s>", secondary ? " class=\"secondary\"" : "") &&
	       text_html(b, button) && buf_puts(b, "</button>\n</form>\n");
}

static bool code_form(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

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

bool pages_render(const struct page *p, struct buf *b)
{
	const struct words *w = &words[p->lang];

	switch (p->view) {
	case VIEW_ASK_EMAIL:
		return head(b, p, w->title) && invitation_line(b, p) && buf_puts(b, "<p>") && text_html(b, w->ask_email) &&
		       buf_puts(b, "</p>\n") && email_form(b, p, w->send_code, false) && tail(b);
	case VIEW_ASK_CODE:
		return head(b, p, w->title) && invitation_line(b, p) && box(b, "notice", w->code_sent) && code_form(b, p) &&
		       email_form(b, p, w->new_code, true) && tail(b);
	case VIEW_WRONG_CODE:
		return head(b, p, w->title) && box(b, "error", w->wrong_code) && code_form(b, p) &&
		       email_form(b, p, w->new_code, true) && tail(b);
	case VIEW_LIMITED:
		return head(b, p, w->title) && box(b, "error", w->limited) && email_form(b, p, w->new_code, true) &&
		       tail(b);
	case VIEW_SIGNED_IN:
		return head(b, p, w->title) && box(b, "notice", w->signed_in) && buf_puts(b, "<p>") &&
		       text_html(b, w->continue_to) && buf_puts(b, " <a class=\"resource\" href=\"") &&
		       text_html(b, p->resource) && buf_puts(b, "\">") && text_html(b, p->resource) &&
		       buf_puts(b, "</a></p>\n") && tail(b);
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
	}
	return false;
}
