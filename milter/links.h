/*
 * links.h - find and replace resource links in decoded text (no MIME here).
 *
 * links_rewrite_text: plain text. A link starts at "http://" or "https://"
 * (any case) not preceded by a letter, digit or one of "+-." and runs to the
 * first space, control character, '<', '>', '"', or non-ASCII byte; trailing
 * ".,;:!?'" and an unbalanced ')' or ']' are not part of it.
 * links_rewrite_html: HTML. href attribute values (any element, any
 * quoting, names any case) change; entities in the value (&amp; &#58; &#x3a;
 * ...) are decoded before matching; the visible text stays. A bare URL in
 * the text outside any <a> (as for plain text, entities decoded, ended by
 * &nbsp; &lt; &gt; &quot;) becomes <a href="LINK">LINK</a>, since mail
 * readers make it a link. Comments, <script>, <style>, <title> and
 * <textarea> contents are skipped, except Outlook conditional comments
 * ("<!--[if mso]>", "<!--[if gte vml 1]>" ...), whose content Outlook
 * renders and which are scanned as HTML (VML v:roundrect/v:shape/v:rect
 * hrefs).
 *
 * Both append the whole new text to out and count replaced links; a link is
 * replaced only when resource_match() covers it. They return false when out
 * or a scratch buffer is full, link_fn fails, or more than CAP_LINKS links
 * would be replaced (then too_many is set); out is then incomplete.
 */
#ifndef GUESTLINK_LINKS_H
#define GUESTLINK_LINKS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "resource.h"
#include "rewrite.h"

struct links_ctx {
	const struct resource_list *resources;
	rewrite_link_fn link_fn;
	void *link_ctx;
	bool break_lines;	/* HTML: put a CRLF before each rewritten href (for the 998 limit) */
	size_t replaced;	/* out: links replaced so far */
	bool too_many;		/* out: CAP_LINKS reached (the call returned false) */
};

bool links_rewrite_text(struct links_ctx *ctx, const char *text, size_t len, struct buf *out)
	__attribute__((warn_unused_result, nonnull));
bool links_rewrite_html(struct links_ctx *ctx, const char *text, size_t len, struct buf *out)
	__attribute__((warn_unused_result, nonnull));
/*
 * links_rewrite_calendar - iCalendar text (RFC 5545, a meeting request):
 * DESCRIPTION and X-ALT-DESC values are unfolded, unescaped, rewritten (as
 * HTML for X-ALT-DESC;FMTTYPE=text/html, else as plain text), escaped and
 * folded at 75 octets again (never inside a UTF-8 sequence); a property
 * with no resource link, and every other line, stays byte for byte.
 */
bool links_rewrite_calendar(struct links_ctx *ctx, const char *text, size_t len, struct buf *out)
	__attribute__((warn_unused_result, nonnull));

#endif
