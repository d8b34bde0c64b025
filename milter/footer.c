/*
 * footer.c - render the invitation footer (see footer.h).
 *
 * The wording follows what a guest will see, in order; keep it in step with
 * docs/guest.md and otpd's pages.
 */
#include "footer.h"

#include <string.h>
#include <time.h>

static const char footer_text_fmt[] =
	"-- \n"
	"%s%s%s\n"
	"\n"
	"EN: The link above is your personal invitation. Open it and enter your\n"
	"email address; we then mail you an 8-digit code to type in. The first\n"
	"time you will also set up an authenticator app (such as Microsoft or\n"
	"Google Authenticator). The link works until %s.\n"
	"\n"
	"NL: De link hierboven is je persoonlijke uitnodiging. Open hem en vul je\n"
	"e-mailadres in; we mailen je dan een code van 8 cijfers om in te typen.\n"
	"De eerste keer stel je ook een authenticator-app in (zoals Microsoft of\n"
	"Google Authenticator). De link werkt tot %s.\n";

static const char footer_html_fmt[] =
	"<hr style=\"border:none;border-top:1px solid #ccc;margin:24px 0 8px\">"
	"<div style=\"font-size:13px;color:#555\">"
	"<p><strong>%s%s%s</strong></p>"
	"<p lang=\"en\">The link above is your personal invitation. Open it and enter your email address; "
	"we then mail you an 8-digit code to type in. The first time you will also set up an authenticator app "
	"(such as Microsoft or Google Authenticator). The link works until %s.</p>"
	"<p lang=\"nl\">De link hierboven is je persoonlijke uitnodiging. Open hem en vul je e-mailadres in; "
	"we mailen je dan een code van 8 cijfers om in te typen. De eerste keer stel je ook een "
	"authenticator-app in (zoals Microsoft of Google Authenticator). De link werkt tot %s.</p>"
	"</div>";

/* printable_ascii - may the name go into an ASCII footer as is? */
static bool printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* html_escape - the name as HTML text */
static bool html_escape(const char *s, struct buf *out)
{
	for (; *s != '\0'; s++) {
		bool ok;

		switch (*s) {
		case '<': ok = buf_puts(out, "&lt;"); break;
		case '>': ok = buf_puts(out, "&gt;"); break;
		case '&': ok = buf_puts(out, "&amp;"); break;
		case '"': ok = buf_puts(out, "&quot;"); break;
		default: ok = buf_putc(out, *s); break;
		}
		if (!ok)
			return false;
	}
	return true;
}

bool footer_render(const char *org_name, uint64_t expires_at, struct buf *text, struct buf *html)
{
	char date[32];
	struct tm tm;
	time_t t = (time_t)expires_at;
	const char *name = printable_ascii(org_name) ? org_name : "";
	struct buf esc;
	bool ok;

	if (gmtime_r(&t, &tm) == NULL || strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		return false;
	buf_init(&esc, 1024);
	ok = html_escape(name, &esc) &&
	     buf_printf(text, footer_text_fmt, "Guest access / Gasttoegang", name[0] ? " - " : "", name, date,
			date) &&
	     buf_printf(html, footer_html_fmt, "Guest access / Gasttoegang", esc.len ? " &ndash; " : "",
			esc.data ? esc.data : "", date, date);
	buf_release(&esc);
	return ok;
}
