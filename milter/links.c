/*
 * links.c - find resource links in decoded text and HTML and replace them
 * (see links.h). No MIME, no charsets: the caller hands us ASCII-compatible
 * bytes and gets the whole new text appended to its buffer.
 *
 * The HTML scanner is a small subset of the HTML5 tokenizer: tags, their
 * attributes (quoted or not), comments, <!...>/<?...> and the raw text of
 * <script>/<style>. It errs on one side only: it may rewrite something a
 * browser would not treat as a link (harmless), but it must never miss an
 * href a browser would follow. That is why end tags are parsed like start
 * tags and comments close where HTML5 closes them ("-->", "--!>", "<!-->").
 *
 * Ownership: nothing kept between calls; scratch buffers are freed before
 * return. Failure: false (out incomplete) on a full buffer, a failed link_fn
 * or too many links (ctx->too_many).
 */
#include "links.h"

#include <string.h>
#include <strings.h>

#include "caps.h"

/* Scratch for one decoded href value: a URL longer than this cannot be a resource link we sign. */
#define HREF_SCRATCH_MAX (CAP_URL_BYTES * 4u)

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

/* is_html_space - whitespace as the HTML tokenizer sees it */
static bool is_html_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* emit_link - ask link_fn for the accept link, counting it against CAP_LINKS */
static bool emit_link(struct links_ctx *ctx, const struct resource *res, const char *url, size_t len,
		      struct buf *out)
{
	if (ctx->replaced >= CAP_LINKS) {
		ctx->too_many = true;
		return false;
	}
	if (!ctx->link_fn(ctx->link_ctx, res, url, len, out))
		return false;
	ctx->replaced++;
	return true;
}

/* ---- plain text ---- */

static bool is_text_url_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '<' && c != '>' && c != '"';
}

/* text_url_start - does a link start at p[i]: "http://" or "https://" after a word boundary? */
static size_t text_url_start(const char *p, size_t len, size_t i)
{
	size_t n;

	if (len - i >= 8 && strncasecmp(p + i, "https://", 8) == 0)
		n = 8;
	else if (len - i >= 7 && strncasecmp(p + i, "http://", 7) == 0)
		n = 7;
	else
		return 0;
	if (i > 0) {
		unsigned char b = (unsigned char)p[i - 1];

		if (is_alnum(b) || b == '+' || b == '-' || b == '.')
			return 0;
	}
	return n;
}

/* text_url_end - end of the link starting at i: stop characters, then trailing punctuation off */
static size_t text_url_end(const char *p, size_t len, size_t i)
{
	size_t j = i, open_paren = 0, close_paren = 0, open_sq = 0, close_sq = 0;

	for (; j < len && is_text_url_char((unsigned char)p[j]); j++) {
		open_paren += p[j] == '(';
		close_paren += p[j] == ')';
		open_sq += p[j] == '[';
		close_sq += p[j] == ']';
	}
	while (j > i) {
		char c = p[j - 1];

		if (strchr(".,;:!?'", c) != NULL) {
			j--;
		} else if (c == ')' && close_paren > open_paren) {
			close_paren--;
			j--;
		} else if (c == ']' && close_sq > open_sq) {
			close_sq--;
			j--;
		} else {
			break;
		}
	}
	return j;
}

bool links_rewrite_text(struct links_ctx *ctx, const char *text, size_t len, struct buf *out)
{
	size_t copied = 0, i = 0;

	while (i < len) {
		const struct resource *res;
		size_t scheme, end;

		while (i < len && (text[i] | 0x20) != 'h')
			i++;
		if (i >= len)
			break;
		scheme = text_url_start(text, len, i);
		if (scheme == 0) {
			i++;
			continue;
		}
		end = text_url_end(text, len, i + scheme);
		res = resource_match(ctx->resources, text + i, end - i);
		if (res != NULL) {
			if (!buf_append(out, text + copied, i - copied) || !emit_link(ctx, res, text + i, end - i, out))
				return false;
			copied = end;
		}
		i = end > i + scheme ? end : i + scheme;
	}
	return buf_append(out, text + copied, len - copied);
}

/* ---- HTML entities ---- */

struct entity {
	const char *name;
	const char *text;
};

/*
 * Security: every HTML5 named character reference whose value is ASCII, so
 * that "https&colon;//teams&period;example&period;org" is seen as the link a
 * browser follows. Non-ASCII ones are left as written: they cannot form the
 * scheme or host of a resource, and the path past the prefix does not matter.
 */
static const struct entity ascii_entities[] = {
	{ "Tab", "\t" }, { "NewLine", "\n" }, { "excl", "!" }, { "quot", "\"" }, { "QUOT", "\"" },
	{ "num", "#" }, { "dollar", "$" }, { "percnt", "%" }, { "amp", "&" }, { "AMP", "&" },
	{ "apos", "'" }, { "lpar", "(" }, { "rpar", ")" }, { "ast", "*" }, { "midast", "*" },
	{ "plus", "+" }, { "comma", "," }, { "period", "." }, { "sol", "/" }, { "colon", ":" },
	{ "semi", ";" }, { "lt", "<" }, { "LT", "<" }, { "equals", "=" }, { "gt", ">" }, { "GT", ">" },
	{ "quest", "?" }, { "commat", "@" }, { "lsqb", "[" }, { "lbrack", "[" }, { "bsol", "\\" },
	{ "rsqb", "]" }, { "rbrack", "]" }, { "Hat", "^" }, { "lowbar", "_" }, { "UnderBar", "_" },
	{ "grave", "`" }, { "DiacriticalGrave", "`" }, { "lcub", "{" }, { "lbrace", "{" },
	{ "verbar", "|" }, { "vert", "|" }, { "VerticalLine", "|" }, { "rcub", "}" }, { "rbrace", "}" },
	{ "fjlig", "fj" },
};

/* Legacy names a browser decodes without ';' (the ASCII ones). */
static const char *const legacy_entities[] = { "amp", "AMP", "lt", "LT", "gt", "GT", "quot", "QUOT" };

static const char *entity_lookup(const char *name, size_t len)
{
	for (size_t k = 0; k < sizeof(ascii_entities) / sizeof(ascii_entities[0]); k++)
		if (strlen(ascii_entities[k].name) == len && memcmp(ascii_entities[k].name, name, len) == 0)
			return ascii_entities[k].text;
	return NULL;
}

static bool is_legacy_entity(const char *name, size_t len)
{
	for (size_t k = 0; k < sizeof(legacy_entities) / sizeof(legacy_entities[0]); k++)
		if (strlen(legacy_entities[k]) == len && memcmp(legacy_entities[k], name, len) == 0)
			return true;
	return false;
}

/* put_utf8 - a code point as UTF-8 (invalid ones as U+FFFD, as browsers do) */
static bool put_utf8(struct buf *out, unsigned long cp)
{
	char u[4];

	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80)
		return buf_putc(out, (char)cp);
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		return buf_append(out, u, 2);
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		return buf_append(out, u, 3);
	}
	u[0] = (char)(0xF0 | (cp >> 18));
	u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	u[3] = (char)(0x80 | (cp & 0x3F));
	return buf_append(out, u, 4);
}

static int hex_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* numeric_entity - "&#NN;" / "&#xHH;" at p (after "&#"); returns bytes used after '&', 0 if none */
static size_t numeric_entity(const char *p, size_t len, struct buf *out, bool *ok)
{
	size_t i = 0, digits = 0;
	unsigned long cp = 0;
	bool hex = false;

	if (i < len && (p[i] == 'x' || p[i] == 'X')) {
		hex = true;
		i++;
	}
	for (; i < len; i++, digits++) {
		int v = hex ? hex_value((unsigned char)p[i]) : (is_digit((unsigned char)p[i]) ? p[i] - '0' : -1);

		if (v < 0)
			break;
		if (cp <= 0x10FFFF)
			cp = cp * (hex ? 16 : 10) + (unsigned long)v;
	}
	if (digits == 0)
		return 0;
	if (i < len && p[i] == ';')
		i++;
	*ok = put_utf8(out, cp);
	return i + 1;	/* the '#' */
}

/* named_entity - "&name;" at p (after '&'); returns bytes used after '&', 0 if not decoded */
static size_t named_entity(const char *p, size_t len, struct buf *out, bool *ok)
{
	size_t n = 0;
	const char *text;

	while (n < len && n < 32 && is_alnum((unsigned char)p[n]))
		n++;
	if (n == 0)
		return 0;
	if (n < len && p[n] == ';') {
		text = entity_lookup(p, n);
		if (text == NULL)
			return 0;
		*ok = buf_puts(out, text);
		return n + 1;
	}
	/* In an attribute, a legacy name followed by '=' stays literal (HTML5 8.2.4.72). */
	if (!is_legacy_entity(p, n) || (n < len && p[n] == '='))
		return 0;
	*ok = buf_puts(out, entity_lookup(p, n));
	return n;
}

/* decode_href - entity-decode an attribute value and clean it as a browser's URL parser does */
static bool decode_href(const char *v, size_t len, struct buf *out)
{
	struct buf tmp;
	size_t i = 0, a, b;
	bool ok = true;

	buf_init(&tmp, HREF_SCRATCH_MAX);
	while (i < len && ok) {
		size_t used = 0;

		if (v[i] == '&' && i + 1 < len) {
			if (v[i + 1] == '#')
				used = numeric_entity(v + i + 2, len - i - 2, &tmp, &ok);
			else
				used = named_entity(v + i + 1, len - i - 1, &tmp, &ok);
		}
		if (used > 0)
			i += used + 1;
		else
			ok = buf_putc(&tmp, v[i++]);
	}
	/* Security: browsers drop tabs and newlines anywhere in a URL and trim C0 and spaces at both ends. */
	a = 0;
	b = tmp.len;
	while (ok && a < b && (unsigned char)tmp.data[a] <= ' ')
		a++;
	while (ok && b > a && (unsigned char)tmp.data[b - 1] <= ' ')
		b--;
	for (size_t k = a; ok && k < b; k++)
		if (tmp.data[k] != '\t' && tmp.data[k] != '\n' && tmp.data[k] != '\r')
			ok = buf_putc(out, tmp.data[k]);
	buf_release(&tmp);
	return ok;
}

/* href_plain - is decode_href(v) just v? (no '&', no byte a browser drops or trims) */
static bool href_plain(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] <= ' ' || v[i] == '&')
			return false;
	return len <= HREF_SCRATCH_MAX;
}

/* ---- HTML tags ---- */

struct html_scan {
	struct links_ctx *ctx;
	const char *p;
	size_t len;
	size_t copied;		/* p[0..copied) is already in out */
	struct buf *out;
	bool in_a;		/* between <a ...> and </a>: text there is an existing link's text */
};

/* put_attr_escaped - the accept link inside an attribute value quoted with q */
static bool put_attr_escaped(struct buf *out, const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		bool ok;

		switch (s[k]) {
		case '&': ok = buf_puts(out, "&amp;"); break;
		case '"': ok = buf_puts(out, "&quot;"); break;
		case '\'': ok = buf_puts(out, "&#39;"); break;
		case '<': ok = buf_puts(out, "&lt;"); break;
		case '>': ok = buf_puts(out, "&gt;"); break;
		default: ok = buf_putc(out, s[k]); break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/*
 * href_replace - the value of one href attribute: name at [ns..), value at
 * [vs, ve), quote char q (0 if unquoted), token ends at te. Replaces the whole
 * value when the decoded URL is a resource link.
 */
static bool href_replace(struct html_scan *s, size_t ns, size_t vs, size_t ve, char q, size_t te)
{
	struct buf url, link;
	const struct resource *res;
	const char *u = s->p + vs;
	size_t ulen = ve - vs;
	bool ok;

	buf_init(&url, HREF_SCRATCH_MAX);
	/*
	 * Most values need no decoding (no entity, no white space or control
	 * character to drop): match them where they lie, without a copy. This
	 * runs for every href of every mail.
	 */
	if (!href_plain(u, ulen)) {
		if (!decode_href(u, ulen, &url)) {
			buf_release(&url);
			/* Too long to be a URL we would sign: leave it. */
			return true;
		}
		u = url.data ? url.data : "";
		ulen = url.len;
	}
	res = ulen > 0 ? resource_match(s->ctx->resources, u, ulen) : NULL;
	if (res == NULL) {
		buf_release(&url);
		return true;
	}
	buf_init(&link, CAP_TOKEN_BYTES + CAP_URL_BYTES);
	ok = emit_link(s->ctx, res, u, ulen, &link);
	/* Everything up to the attribute name, a line break if asked, the name and '=' as written. */
	ok = ok && buf_append(s->out, s->p + s->copied, ns - s->copied);
	ok = ok && (!s->ctx->break_lines || buf_puts(s->out, "\r\n"));
	ok = ok && buf_append(s->out, s->p + ns, (q != 0 ? vs - 1 : vs) - ns);
	if (q == 0)
		q = '"';
	ok = ok && buf_putc(s->out, q) && put_attr_escaped(s->out, link.data, link.len) && buf_putc(s->out, q);
	s->copied = te;
	buf_release(&url);
	buf_release(&link);
	return ok;
}

/*
 * scan_attrs - the attributes of a tag from i (just past the tag name) to
 * the '>' (HTML5 "before attribute name" and following states). Returns the
 * index just past the tag, or len when the tag never closes.
 */
static bool scan_attrs(struct html_scan *s, size_t i, size_t *end)
{
	const char *p = s->p;
	size_t len = s->len;

	for (;;) {
		size_t ns, ne, vs, ve, te;
		char q = 0;

		while (i < len && (is_html_space((unsigned char)p[i]) || p[i] == '/'))
			i++;
		if (i >= len || p[i] == '>')
			break;
		ns = i++;	/* a first '=' belongs to the name */
		while (i < len && !is_html_space((unsigned char)p[i]) && p[i] != '/' && p[i] != '>' && p[i] != '=')
			i++;
		ne = i;
		while (i < len && is_html_space((unsigned char)p[i]))
			i++;
		if (i >= len || p[i] != '=')
			continue;
		i++;
		while (i < len && is_html_space((unsigned char)p[i]))
			i++;
		if (i < len && (p[i] == '"' || p[i] == '\'')) {
			const char *close;

			q = p[i++];
			vs = i;
			close = memchr(p + i, q, len - i);
			ve = close ? (size_t)(close - p) : len;
			te = close ? ve + 1 : len;
		} else {
			vs = i;
			while (i < len && !is_html_space((unsigned char)p[i]) && p[i] != '>')
				i++;
			ve = te = i;
		}
		i = te;
		if (ne - ns == 4 && strncasecmp(p + ns, "href", 4) == 0 && !href_replace(s, ns, vs, ve, q, te))
			return false;
	}
	*end = i < len ? i + 1 : len;
	return true;
}

/* find_ci - first case-insensitive occurrence of needle in p[from..len), or len */
static size_t find_ci(const char *p, size_t len, size_t from, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = from; i + n <= len; i++)
		if (strncasecmp(p + i, needle, n) == 0)
			return i;
	return len;
}

/* raw_text_end - where the raw text of <script>/<style> ends: at "</name" + space, '/' or '>' */
static size_t raw_text_end(const char *p, size_t len, size_t from, const char *close)
{
	size_t n = strlen(close);

	for (;;) {
		size_t at = find_ci(p, len, from, close);

		if (at >= len)
			return len;
		if (at + n >= len || is_html_space((unsigned char)p[at + n]) || p[at + n] == '/' || p[at + n] == '>')
			return at;
		from = at + 1;
	}
}

/* comment_end - just past a comment starting at i ("<!--"), as HTML5 closes it */
static size_t comment_end(const char *p, size_t len, size_t i)
{
	size_t j = i + 4;

	if (j < len && p[j] == '>')
		return j + 1;
	if (j + 1 < len && p[j] == '-' && p[j + 1] == '>')
		return j + 2;
	for (; j + 2 < len; j++) {
		if (p[j] != '-' || p[j + 1] != '-')
			continue;
		if (p[j + 2] == '>')
			return j + 3;
		if (p[j + 2] == '!' && j + 3 < len && p[j + 3] == '>')
			return j + 4;
	}
	return len;
}

/* scan_tag - a tag at i ('<' then a letter, or "</" then a letter); returns the index after it */
static bool scan_tag(struct html_scan *s, size_t i, size_t *next)
{
	const char *p = s->p;
	size_t len = s->len, ns, ne, end;
	bool closing = p[i + 1] == '/';

	ns = i + (closing ? 2 : 1);
	ne = ns;
	while (ne < len && !is_html_space((unsigned char)p[ne]) && p[ne] != '/' && p[ne] != '>')
		ne++;
	if (!scan_attrs(s, ne, &end))
		return false;
	if (!closing && ne - ns == 6 && strncasecmp(p + ns, "script", 6) == 0)
		end = raw_text_end(p, len, end, "</script");
	else if (!closing && ne - ns == 5 && strncasecmp(p + ns, "style", 5) == 0)
		end = raw_text_end(p, len, end, "</style");
	else if (!closing && ne - ns == 5 && strncasecmp(p + ns, "title", 5) == 0)
		end = raw_text_end(p, len, end, "</title");	/* RCDATA: no tags, no link shown */
	else if (!closing && ne - ns == 8 && strncasecmp(p + ns, "textarea", 8) == 0)
		end = raw_text_end(p, len, end, "</textarea");
	*next = end;
	return true;
}

/*
 * html_entity_stop - does an entity that ends a URL in HTML text start at
 * p[i] ("&nbsp;", "&lt;", "&gt;", "&quot;" and their numeric forms)?
 * Autolinkers decode the text first, and those characters end a link.
 */
static bool html_entity_stop(const char *p, size_t len, size_t i)
{
	static const char *const stops[] = { "&nbsp;", "&lt;", "&gt;", "&quot;", "&#160;", "&#xa0;", "&#60;",
					     "&#62;", "&#34;", "&#x3c;", "&#x3e;", "&#x22;" };

	for (size_t k = 0; k < sizeof(stops) / sizeof(stops[0]); k++) {
		size_t n = strlen(stops[k]);

		if (len - i >= n && strncasecmp(p + i, stops[k], n) == 0)
			return true;
	}
	return false;
}

/*
 * text_urls_html - bare resource URLs in the HTML text p[from, to) (outside
 * any tag, comment, <script>, <style>, <a>). Mail readers (Gmail, Outlook,
 * Apple Mail) turn such a URL into a link when they show the mail, so it
 * becomes <a href="ACCEPT">ACCEPT</a>: the accept link, clickable in every
 * reader, and shown as itself - a link whose text is a URL other than its
 * href draws phishing warnings (Thunderbird), and a copied URL must work.
 */
static bool text_urls_html(struct html_scan *s, size_t from, size_t to)
{
	const char *p = s->p;
	size_t i = from;

	while (i < to) {
		const struct resource *res;
		size_t scheme, cut, end;
		struct buf url, link;
		bool ok;

		while (i < to && (p[i] | 0x20) != 'h')
			i++;
		if (i >= to)
			break;
		if ((scheme = text_url_start(p, to, i)) == 0) {
			i++;
			continue;
		}
		for (cut = i + scheme; cut < to && is_text_url_char((unsigned char)p[cut]); cut++)
			if (p[cut] == '&' && html_entity_stop(p, to, cut))
				break;
		end = text_url_end(p, cut, i + scheme);
		buf_init(&url, HREF_SCRATCH_MAX);
		if (!decode_href(p + i, end - i, &url) || url.len == 0 ||
		    (res = resource_match(s->ctx->resources, url.data, url.len)) == NULL) {
			buf_release(&url);
			i = end > i + scheme ? end : i + scheme;
			continue;
		}
		buf_init(&link, CAP_TOKEN_BYTES + CAP_URL_BYTES);
		ok = emit_link(s->ctx, res, url.data, url.len, &link);
		ok = ok && buf_append(s->out, p + s->copied, i - s->copied) && buf_puts(s->out, "<a") &&
		     (!s->ctx->break_lines || buf_puts(s->out, "\r\n")) && buf_puts(s->out, " href=\"") &&
		     put_attr_escaped(s->out, link.data, link.len) && buf_puts(s->out, "\">") &&
		     put_attr_escaped(s->out, link.data, link.len) && buf_puts(s->out, "</a>");
		buf_release(&url);
		buf_release(&link);
		if (!ok)
			return false;
		s->copied = i = end;
	}
	return true;
}

/* tag_is - is the tag at i ('<' or "</" then a name) named name (any case)? */
static bool tag_is(const char *p, size_t len, size_t i, const char *name)
{
	size_t n = strlen(name), ns = i + (p[i + 1] == '/' ? 2 : 1);

	return len - ns >= n && strncasecmp(p + ns, name, n) == 0 &&
	       (ns + n == len || is_html_space((unsigned char)p[ns + n]) || p[ns + n] == '/' || p[ns + n] == '>');
}

/*
 * mso_conditional - just past the "<!--[if COND]>" at i when COND names
 * Outlook's renderer (mso, vml): Outlook for Windows shows what such a
 * comment holds, so its links (VML v:shape, v:roundrect, v:rect hrefs:
 * linked pictures, "bulletproof buttons") are clicked there. 0 for any
 * other comment.
 */
static size_t mso_conditional(const char *p, size_t len, size_t i)
{
	size_t j = i + 4, close;
	bool outlook = false;

	if (len - j < 3 || strncasecmp(p + j, "[if", 3) != 0)
		return 0;
	for (close = j + 3; close + 1 < len && !(p[close] == ']' && p[close + 1] == '>'); close++)
		if (p[close] == '-' && close + 2 < len && p[close + 1] == '-' && p[close + 2] == '>')
			return 0;	/* the comment ends before its condition does */
	if (close + 1 >= len)
		return 0;
	for (size_t k = j + 3; k + 3 <= close; k++)
		if (strncasecmp(p + k, "mso", 3) == 0 || strncasecmp(p + k, "vml", 3) == 0)
			outlook = true;
	return outlook ? close + 2 : 0;
}

bool links_rewrite_html(struct links_ctx *ctx, const char *text, size_t len, struct buf *out)
{
	struct html_scan s = { .ctx = ctx, .p = text, .len = len, .copied = 0, .out = out };
	size_t i = 0;

	while (i < len) {
		const char *lt = memchr(text + i, '<', len - i);
		size_t j, lti = lt ? (size_t)(lt - text) : len;

		if (!s.in_a && !text_urls_html(&s, i, lti))
			return false;
		if (lt == NULL)
			break;
		i = lti;
		if (len - i >= 4 && memcmp(text + i, "<!--", 4) == 0) {
			/* The content of an Outlook conditional is read as HTML; its "<![endif]-->" is skipped below. */
			j = mso_conditional(text, len, i);
			i = j > 0 ? j : comment_end(text, len, i);
		} else if (i + 1 < len && is_alpha((unsigned char)text[i + 1])) {
			if (tag_is(text, len, i, "a"))
				s.in_a = true;
			if (!scan_tag(&s, i, &j))
				return false;
			i = j;
		} else if (i + 2 < len && text[i + 1] == '/' && is_alpha((unsigned char)text[i + 2])) {
			if (tag_is(text, len, i, "a"))
				s.in_a = false;
			if (!scan_tag(&s, i, &j))
				return false;
			i = j;
		} else if (i + 1 < len && (text[i + 1] == '!' || text[i + 1] == '?' || text[i + 1] == '/')) {
			/* <!DOCTYPE>, <?...>, "</ x": bogus comments that end at the first '>' */
			const char *gt = memchr(text + i, '>', len - i);

			i = gt ? (size_t)(gt - text) + 1 : len;
		} else {
			i++;
		}
	}
	return buf_append(out, text + s.copied, len - s.copied);
}

/* ---- iCalendar (RFC 5545) ---- */

#define CAL_LINE_MAX 75u	/* octets per line, without the line break (RFC 5545 3.1) */

/* cal_line_end - just past the content line at i, its folded continuation lines included */
static size_t cal_line_end(const char *p, size_t len, size_t i)
{
	for (;;) {
		const char *nl = memchr(p + i, '\n', len - i);

		if (nl == NULL)
			return len;
		i = (size_t)(nl - p) + 1;
		if (i >= len || (p[i] != ' ' && p[i] != '\t'))
			return i;
	}
}

/* cal_unfold - a content line without its folds (a line break and the one white space after it) */
static bool cal_unfold(const char *p, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 2 < n && p[i + 1] == '\n' && (p[i + 2] == ' ' || p[i + 2] == '\t'))
			i += 2;
		else if (p[i] == '\n' && i + 1 < n && (p[i + 1] == ' ' || p[i + 1] == '\t'))
			i += 1;
		else if (!buf_putc(out, p[i]))
			return false;
	}
	return true;
}

/* cal_value_at - where the value starts: past the first ':' outside a quoted parameter value */
static size_t cal_value_at(const char *p, size_t n)
{
	bool quoted = false;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			quoted = !quoted;
		else if (p[i] == ':' && !quoted)
			return i + 1;
	}
	return 0;
}

/* cal_unescape - RFC 5545 3.3.11 TEXT: \\ \; \, \n \N; any other backslash stays as written */
static bool cal_unescape(const char *p, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (c == '\\' && i + 1 < n) {
			char d = p[i + 1];

			if (d == '\\' || d == ';' || d == ',')
				c = d, i++;
			else if (d == 'n' || d == 'N')
				c = '\n', i++;
		}
		if (!buf_putc(out, c))
			return false;
	}
	return true;
}

static bool cal_escape(const char *p, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		bool ok;

		switch (p[i]) {
		case '\\': ok = buf_puts(out, "\\\\"); break;
		case ';': ok = buf_puts(out, "\\;"); break;
		case ',': ok = buf_puts(out, "\\,"); break;
		case '\n': ok = buf_puts(out, "\\n"); break;
		default: ok = buf_putc(out, p[i]); break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* cal_fold - a content line in lines of at most 75 octets, never inside a UTF-8 sequence or an escape */
static bool cal_fold(const char *p, size_t n, const char *eol, struct buf *out)
{
	size_t col = 0;

	for (size_t i = 0; i < n;) {
		size_t c = 1;

		if ((unsigned char)p[i] >= 0xC0)
			while (c < 4 && i + c < n && ((unsigned char)p[i + c] & 0xC0) == 0x80)
				c++;
		else if (p[i] == '\\' && i + 1 < n)
			c = 2;	/* an escape stays on one line: not required, but kinder to readers */
		if (col + c > CAL_LINE_MAX) {
			if (!buf_puts(out, eol) || !buf_putc(out, ' '))
				return false;
			col = 1;
		}
		if (!buf_append(out, p + i, c))
			return false;
		col += c;
		i += c;
	}
	return buf_puts(out, eol);
}

/* cal_html_value - X-ALT-DESC;FMTTYPE=text/html: the value is HTML */
static bool cal_html_value(const char *params, size_t n)
{
	for (size_t i = 0; i + 17 <= n; i++)
		if (strncasecmp(params + i, "FMTTYPE=text/html", 17) == 0 ||
		    (i + 19 <= n && strncasecmp(params + i, "FMTTYPE=\"text/html\"", 19) == 0))
			return true;
	return false;
}

/*
 * cal_property - one unfolded DESCRIPTION or X-ALT-DESC line: its value
 * unescaped, links rewritten (as HTML for FMTTYPE=text/html), escaped and
 * folded again into out. *changed false: nothing written, keep the original.
 */
static bool cal_property(struct links_ctx *ctx, const char *u, size_t un, bool html, const char *eol,
			 struct buf *out, bool *changed)
{
	size_t at = cal_value_at(u, un), before = ctx->replaced;
	struct buf val, rew, line;
	bool ok, break_lines = ctx->break_lines;

	*changed = false;
	if (at == 0)
		return true;
	ctx->break_lines = false;	/* lines are folded below; a CRLF in a value would be text */
	buf_init(&val, out->max);
	buf_init(&rew, out->max);
	buf_init(&line, out->max);
	ok = cal_unescape(u + at, un - at, &val);
	ok = ok && (html ? links_rewrite_html(ctx, val.data ? val.data : "", val.len, &rew)
			 : links_rewrite_text(ctx, val.data ? val.data : "", val.len, &rew));
	if (ok && ctx->replaced > before) {
		*changed = true;
		ok = buf_append(&line, u, at) && cal_escape(rew.data ? rew.data : "", rew.len, &line) &&
		     cal_fold(line.data, line.len, eol, out);
	}
	ctx->break_lines = break_lines;
	buf_release(&val);
	buf_release(&rew);
	buf_release(&line);
	return ok;
}

bool links_rewrite_calendar(struct links_ctx *ctx, const char *text, size_t len, struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		size_t end = cal_line_end(text, len, i), eol_len = 0, nl;
		const char *name = text + i;
		bool html, ok = true, changed = false;
		struct buf u;

		for (nl = 0; i + nl < end && name[nl] != ';' && name[nl] != ':' && name[nl] != '\r' && name[nl] != '\n';)
			nl++;
		html = nl == 10 && strncasecmp(name, "X-ALT-DESC", 10) == 0;
		if (!(nl == 11 && strncasecmp(name, "DESCRIPTION", 11) == 0) && !html) {
			if (!buf_append(out, text + i, end - i))
				return false;
			i = end;
			continue;
		}
		if (end > i && text[end - 1] == '\n')
			eol_len = end - i >= 2 && text[end - 2] == '\r' ? 2 : 1;
		buf_init(&u, out->max);
		ok = cal_unfold(text + i, end - i - eol_len, &u);
		html = html && cal_html_value(u.data ? u.data : "", u.len);
		ok = ok && cal_property(ctx, u.data ? u.data : "", u.len, html,
					eol_len == 2 ? "\r\n" : eol_len == 1 ? "\n" : "", out, &changed);
		buf_release(&u);
		if (!ok)
			return false;
		/* Every other line, and a property without a resource link, stays byte for byte. */
		if (!changed && !buf_append(out, text + i, end - i))
			return false;
		i = end;
	}
	return true;
}
