/*
 * mailmsg.c - compose the code mail (see mailmsg.h).
 *
 * Lines end in CRLF; the bodies are quoted-printable so the code stays a
 * plain line of eight digits in the raw message, easy to copy and to find.
 */
#include "mailmsg.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#include "caps.h"
#include "text.h"

struct mail_text {
	const char *subject;	/* %s: org name */
	const char *intro;	/* %s: inviter */
	const char *after;	/* %u: minutes */
	const char *ignore;
	const char *other;	/* the short note in the other language; %s inviter, %u minutes */
	const char *login_intro;	/* %s: org name */
	const char *login_other;	/* %s: org name, %u minutes */
	const char *auth_intro;		/* %s: org name */
	const char *auth_other;		/* %s: org name, %u minutes */
	const char *link;	/* before the mail key's link */
};

static const struct mail_text texts[LANG_N] = {
	[LANG_EN] = {
		"Your code for %s",
		"Your code to accept the invitation from %s is:",
		"Type it on the page where you asked for it. It is valid for %u minutes and works once.",
		"If you did not ask for a code, you can ignore this mail.",
		"(English) Your code to accept the invitation from %s is the 8-digit number above. "
		"It is valid for %u minutes.",
		"Your code to sign in to %s is:",
		"(English) Your code to sign in to %s is the 8-digit number above. It is valid for %u minutes.",
		"Your code to set up a new authenticator app for %s is:",
		"(English) Your code to set up a new authenticator app for %s is the 8-digit number above. "
		"It is valid for %u minutes.",
		"If the code does not work, open this link instead (as long as the code is valid; it is for you only, "
		"do not forward it):",
	},
	[LANG_NL] = {
		"Je code voor %s",
		"Je code om de uitnodiging van %s te accepteren is:",
		"Typ hem in op de pagina waar je hem hebt aangevraagd. Hij is %u minuten geldig en werkt \xc3\xa9\xc3\xa9n keer.",
		"Heb je geen code aangevraagd? Dan kun je deze mail negeren.",
		"(Nederlands) Je code om de uitnodiging van %s te accepteren is het getal van 8 cijfers hierboven. "
		"Hij is %u minuten geldig.",
		"Je code om in te loggen bij %s is:",
		"(Nederlands) Je code om in te loggen bij %s is het getal van 8 cijfers hierboven. "
		"Hij is %u minuten geldig.",
		"Je code om een nieuwe authenticator-app in te stellen voor %s is:",
		"(Nederlands) Je code om een nieuwe authenticator-app in te stellen voor %s is het getal van 8 cijfers "
		"hierboven. Hij is %u minuten geldig.",
		"Werkt de code niet? Open dan deze link (zolang de code geldig is; hij is alleen voor jou, "
		"stuur hem niet door):",
	},
};

/* fill - append a template with its "%s" and "%u" replaced (templates are ours, never input) */
static bool fill(struct buf *b, const char *tmpl, const char *s, unsigned u)
{
	for (const char *p = tmpl; *p != '\0'; p++) {
		bool ok;

		if (p[0] == '%' && p[1] == 's') {
			ok = buf_puts(b, s);
			p++;
		} else if (p[0] == '%' && p[1] == 'u') {
			ok = buf_printf(b, "%u", u);
			p++;
		} else {
			ok = buf_putc(b, *p);
		}
		if (!ok)
			return false;
	}
	return true;
}

bool mailmsg_parse_from(const char *text, struct mail_from *out)
{
	const char *lt = strrchr(text, '<'), *gt;
	size_t nlen;

	memset(out, 0, sizeof(*out));
	if (!text_safe_line(text))
		return false;
	if (lt == NULL)
		return addr_normalize(text, strlen(text), out->addr);
	gt = strchr(lt, '>');
	if (gt == NULL || gt[1] != '\0' || !addr_normalize(lt + 1, (size_t)(gt - lt - 1), out->addr))
		return false;
	nlen = (size_t)(lt - text);
	while (nlen > 0 && text[nlen - 1] == ' ')
		nlen--;
	while (nlen > 0 && *text == ' ')
		text++, nlen--;
	if (nlen >= 2 && text[0] == '"' && text[nlen - 1] == '"')
		text++, nlen -= 2;
	if (nlen >= sizeof(out->name) || memchr(text, '"', nlen) != NULL || memchr(text, '\\', nlen) != NULL)
		return false;
	memcpy(out->name, text, nlen);
	out->name[nlen] = '\0';
	return true;
}

/* name_needs_quotes - a display name with RFC 5322 specials goes in quotes */
static bool name_needs_quotes(const char *s)
{
	return strpbrk(s, "()<>[]:;@,.\\") != NULL;
}

static bool put_from(struct buf *b, const struct mail_from *f)
{
	bool ascii = true;

	if (f->name[0] == '\0')
		return buf_printf(b, "From: <%s>\r\n", f->addr);
	for (const char *p = f->name; *p; p++)
		if ((unsigned char)*p > '~')
			ascii = false;
	if (!buf_puts(b, "From: "))
		return false;
	if (ascii && name_needs_quotes(f->name)) {
		if (!buf_printf(b, "\"%s\"", f->name))
			return false;
	} else if (!text_header_word(b, f->name)) {
		return false;
	}
	return buf_printf(b, " <%s>\r\n", f->addr);
}

static bool put_date(struct buf *b, uint64_t now)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)now;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return false;
	return buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
			  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool put_headers(struct buf *b, const struct mailmsg_params *p, const char *boundary)
{
	const struct mail_text *tx = &texts[p->lang];
	struct buf subj;
	uint8_t rnd[16];
	char id[33];
	bool ok;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
	buf_init(&subj, 512);
	ok = fill(&subj, tx->subject, p->org_name[0] ? p->org_name : p->from->addr, 0) &&
	     put_from(b, p->from) && buf_printf(b, "To: <%s>\r\n", p->to) && buf_puts(b, "Subject: ") &&
	     text_header_word(b, subj.data) && buf_puts(b, "\r\n") && put_date(b, p->now) &&
	     buf_printf(b, "Message-ID: <%s@%s>\r\n", id, addr_domain(p->from->addr)) &&
	     buf_puts(b, "MIME-Version: 1.0\r\n"
			 "Auto-Submitted: auto-generated\r\n"
			 "X-Auto-Response-Suppress: All\r\n") &&
	     buf_printf(b, "Content-Language: %s\r\n", lang_code(p->lang)) &&
	     buf_printf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
	buf_release(&subj);
	return ok;
}

/* intro, other, arg - the purpose's sentences and what fills their %s */
static const char *intro(const struct mail_text *tx, const struct mailmsg_params *p)
{
	return p->purpose == MAIL_SIGN_IN ? tx->login_intro : p->purpose == MAIL_NEW_AUTH ? tx->auth_intro : tx->intro;
}

static const char *other(const struct mail_text *tx, const struct mailmsg_params *p)
{
	return p->purpose == MAIL_SIGN_IN ? tx->login_other : p->purpose == MAIL_NEW_AUTH ? tx->auth_other : tx->other;
}

static const char *arg(const struct mailmsg_params *p)
{
	if (p->purpose == MAIL_ACCEPT)
		return p->inviter;
	return p->org_name[0] ? p->org_name : p->from->addr;
}

static bool text_body(struct buf *t, const struct mailmsg_params *p)
{
	const struct mail_text *tx = &texts[p->lang], *ot = &texts[p->lang == LANG_NL ? LANG_EN : LANG_NL];

	return buf_puts(t, p->lang == LANG_NL ? "Hallo,\r\n\r\n" : "Hello,\r\n\r\n") &&
	       fill(t, intro(tx, p), arg(p), 0) && buf_printf(t, "\r\n\r\n%s\r\n\r\n", p->code) &&
	       fill(t, tx->after, "", p->ttl_minutes) &&
	       (p->link == NULL || buf_printf(t, "\r\n\r\n%s\r\n%s", tx->link, p->link)) &&
	       buf_printf(t, "\r\n%s\r\n\r\n", tx->ignore) &&
	       buf_printf(t, "%s\r\n\r\n-- \r\n", p->org_name) && fill(t, other(ot, p), arg(p), p->ttl_minutes) &&
	       buf_puts(t, "\r\n");
}

static bool html_printf_escaped(struct buf *h, const char *fmt, const char *arg)
{
	const char *s = strstr(fmt, "%s");

	if (s == NULL)
		return text_html(h, fmt);
	return buf_append(h, fmt, (size_t)(s - fmt)) && text_html(h, arg) && text_html(h, s + 2);
}

static bool html_body(struct buf *h, const struct mailmsg_params *p)
{
	const struct mail_text *tx = &texts[p->lang], *ot = &texts[p->lang == LANG_NL ? LANG_EN : LANG_NL];
	struct buf tmp;
	bool ok;

	buf_init(&tmp, 2048);
	ok = buf_printf(h, "<!DOCTYPE html>\r\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
			   "<meta name=\"viewport\" content=\"width=device-width\"></head>\r\n"
			   "<body style=\"font-family:sans-serif;font-size:16px;line-height:1.5;color:#222\">\r\n<p>",
			lang_code(p->lang)) &&
	     buf_puts(h, p->lang == LANG_NL ? "Hallo," : "Hello,") && buf_puts(h, "</p>\r\n<p>") &&
	     html_printf_escaped(h, intro(tx, p), arg(p)) &&
	     buf_puts(h, "</p>\r\n<p style=\"font-family:monospace;font-size:32px;letter-spacing:6px;"
			 "font-weight:bold\">\r\n") &&
	     buf_printf(h, "%s\r\n</p>\r\n<p>", p->code) && fill(&tmp, tx->after, "", p->ttl_minutes) &&
	     text_html(h, tmp.data) &&
	     (p->link == NULL || (buf_puts(h, "</p>\r\n<p>") && text_html(h, tx->link) && buf_puts(h, "<br>\r\n<a href=\"") &&
				  text_html(h, p->link) && buf_puts(h, "\">") && text_html(h, p->link) &&
				  buf_puts(h, "</a></p>\r\n<p>"))) &&
	     (p->link != NULL || buf_puts(h, "<br>\r\n")) && text_html(h, tx->ignore) &&
	     buf_puts(h, "</p>\r\n<p>") && text_html(h, p->org_name) &&
	     buf_puts(h, "</p>\r\n<hr>\r\n<p style=\"color:#555\">");
	buf_reset(&tmp);
	ok = ok && fill(&tmp, other(ot, p), arg(p), p->ttl_minutes) && text_html(h, tmp.data) &&
	     buf_puts(h, "</p>\r\n</body></html>\r\n");
	buf_release(&tmp);
	return ok;
}

bool mailmsg_compose(const struct mailmsg_params *p, struct buf *out)
{
	struct buf part;
	uint8_t rnd[12];
	char hex[25], boundary[40];
	bool ok;

	if (!text_safe_line(p->to) || !text_safe_line(p->inviter) || !text_safe_line(p->org_name) ||
	    (p->link != NULL && !text_safe_line(p->link)))
		return false;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	memcpy(boundary, "=_gl_", 5);
	memcpy(boundary + 5, hex, sizeof(hex));
	buf_init(&part, CAP_MAIL_BYTES);
	ok = put_headers(out, p, boundary) &&
	     buf_printf(out, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
			     "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary) &&
	     text_body(&part, p) && text_qp(out, part.data, part.len);
	buf_reset(&part);
	ok = ok && buf_printf(out, "\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
				   "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary) &&
	     html_body(&part, p) && text_qp(out, part.data, part.len) && buf_printf(out, "\r\n--%s--\r\n", boundary);
	buf_release(&part);
	return ok;
}

/* put_time - "2026-12-01 21:40 UTC" */
static bool put_time(struct buf *b, uint64_t at)
{
	time_t t = (time_t)at;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return false;
	return buf_printf(b, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			  tm.tm_min);
}

/* notice_how - how the guest signed in, in words */
static const char *notice_how(const struct notice_params *p, enum lang l)
{
	bool code = p->method == NULL || strcmp(p->method, "code") == 0;

	if (l == LANG_NL)
		return code ? "met een gemailde code" : "met het account van de eigen organisatie";
	return code ? "with an emailed code" : "with the account of their own organisation";
}

/* notice_lang - one language's text of the notice */
static bool notice_lang(struct buf *t, const struct notice_params *p, enum lang l)
{
	bool nl = l == LANG_NL, ok;

	if (p->kind == NOTICE_ACCEPTED) {
		ok = buf_printf(t, nl ? "%s heeft je uitnodiging voor\r\n  %s\r\ngeaccepteerd op "
				      : "%s accepted your invitation to\r\n  %s\r\non ", p->guest, p->resource) &&
		     put_time(t, p->at) && buf_printf(t, ", %s.\r\n\r\n", notice_how(p, l)) &&
		     buf_printf(t, nl ? "Uitnodiging: %s\r\n\r\nWil je de toegang intrekken? Vraag je beheerder om\r\n"
					"  otpctl revoke %s\r\nof om het intrekken van deze uitnodiging.\r\n"
				      : "Invitation: %s\r\n\r\nTo take the access away, ask your admin to run\r\n"
					"  otpctl revoke %s\r\nor to revoke this invitation.\r\n",
				p->invitation, p->invitation);
	} else {
		ok = buf_printf(t, nl ? "%s, die je hebt uitgenodigd voor\r\n  %s\r\nheeft sinds "
				      : "%s, whom you invited to\r\n  %s\r\nhas not signed in since ", p->guest,
				p->resource) &&
		     put_time(t, p->at) &&
		     buf_puts(t, nl ? " niet meer ingelogd en is daarom uitgeschakeld.\r\n"
				    : " and has therefore been disabled.\r\n");
		if (ok && p->until != 0)
			ok = buf_puts(t, nl ? "Het gastaccount wordt verwijderd op " : "The guest account will be deleted on ") &&
			     put_time(t, p->until) && buf_puts(t, ".\r\n");
		ok = ok && buf_puts(t, nl ? "Moet de gast weer toegang krijgen? Stuur de uitnodiging dan opnieuw.\r\n"
					  : "Should the guest have access again? Send the invitation again.\r\n");
	}
	return ok;
}

bool mailmsg_notice(const struct notice_params *p, struct buf *out)
{
	struct buf subj, body;
	uint8_t rnd[16];
	char id[33];
	bool ok;

	/* Security: the guest and inviter are normalized addresses, the resource a signed URL: still, nothing
	 * with a control character goes into a header or the body. */
	if (!text_safe_line(p->to) || !text_safe_line(p->guest) || !text_safe_line(p->resource) ||
	    !text_safe_line(p->org_name) || (p->invitation != NULL && !text_safe_line(p->invitation)))
		return false;
	if (p->kind == NOTICE_ACCEPTED && p->invitation == NULL)
		return false;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
	buf_init(&subj, 512);
	buf_init(&body, CAP_MAIL_BYTES);
	ok = buf_printf(&subj, p->kind == NOTICE_ACCEPTED ? "%s accepted your invitation / heeft je uitnodiging geaccepteerd"
							  : "Guest disabled / gast uitgeschakeld: %s", p->guest) &&
	     put_from(out, p->from) && buf_printf(out, "To: <%s>\r\n", p->to) && buf_puts(out, "Subject: ") &&
	     text_header_word(out, subj.data) && buf_puts(out, "\r\n") && put_date(out, p->now) &&
	     buf_printf(out, "Message-ID: <%s@%s>\r\n", id, addr_domain(p->from->addr)) &&
	     buf_puts(out, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\n"
			   "Content-Language: en, nl\r\nContent-Type: text/plain; charset=utf-8\r\n"
			   "Content-Transfer-Encoding: quoted-printable\r\n\r\n") &&
	     buf_puts(&body, "Hello,\r\n\r\n") && notice_lang(&body, p, LANG_EN) &&
	     buf_printf(&body, "\r\n%s\r\n\r\n-- \r\nHallo,\r\n\r\n", p->org_name) && notice_lang(&body, p, LANG_NL) &&
	     buf_printf(&body, "\r\n%s\r\n", p->org_name) && text_qp(out, body.data, body.len);
	buf_release(&subj);
	buf_release(&body);
	return ok;
}
