/*
 * rewrite.c - rewrite resource links in a mail body (see rewrite.h).
 *
 * How: GMime parses headers + body from one memory stream with a persistent
 * stream, so every leaf knows the byte range of its content in our copy of
 * the message. We walk the tree, decode each text/plain and text/html leaf
 * ourselves (transfer encoding, then charset when it is not ASCII-compatible),
 * let links.c replace the links, add the footer, re-encode in the part's own
 * transfer encoding, and splice the new content into the ORIGINAL bytes.
 * Nothing GMime would write is used: headers, boundaries, preamble, epilogue,
 * untouched parts and even malformed lines stay exactly as received.
 *
 * Outcomes, checked in this order:
 *   SIGNED     multipart/signed, multipart/encrypted, application/(x-)pkcs7-mime
 *              anywhere in the tree, or an inline PGP block in a text/plain
 *              leaf - whether or not there are links;
 *   MALFORMED  GMime reported a structural problem (see bad_warning), a
 *              Content-* header is repeated, nesting > CAP_MIME_DEPTH, more
 *              than CAP_MIME_PARTS parts, a text leaf whose transfer encoding
 *              or charset we cannot decode exactly, more than CAP_LINKS links.
 *              Decided without looking for links: when the structure is in
 *              doubt we cannot say whether a link is there (a parser
 *              differential is exactly a link we do not see), so malformed
 *              mail is MALFORMED with or without links.
 *   ERROR      memory or a buffer cap, link_fn failed, a changed part cannot
 *              be encoded back (charset round trip).
 * A top-level 7bit/8bit part whose lines would pass 998 is encoded
 * quoted-printable and stats->top_qp tells the caller to change the
 * message's Content-Transfer-Encoding header.
 *   UNCHANGED  no resource link in any text leaf: out untouched.
 *   CHANGED    out holds the new body.
 * The caller passes ordinary mail unchanged on anything but CHANGED and
 * rejects or tempfails an invitation.
 *
 * Cost: the message is parsed where the caller keeps it when headers and
 * body lie back to back (no copy); a 7bit/8bit ASCII-compatible leaf is
 * read in place, other leaves are decoded once into scratch->decoded; a
 * changed leaf's new text goes into scratch->text and is encoded straight
 * into out, which is written in message order from the first changed part
 * (no list of splices, no second copy of the body).
 *
 * Ownership: GMime objects live for one call; the scratch buffers are the
 * caller's when in->scratch is given (kept for the next call), else live for
 * one call. out is the caller's: untouched unless a part changed (reset
 * first), emptied when a later part fails. Thread-safe once rewrite_init()
 * has run, with one scratch per concurrent call.
 */
#define _GNU_SOURCE	/* memmem */
#include "rewrite.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "caps.h"
#include "links.h"

/* The caps as the staff texts below spell them. */
_Static_assert(CAP_MIME_DEPTH == 32u && CAP_MIME_PARTS == 1000u && CAP_LINKS == 200u, "update the texts");

#define SMTP_LINE_MAX 998u	/* RFC 5322 2.1.1, without the CRLF */
#define QP_LINE_MAX 76u
#define B64_LINE_IN 57u		/* input bytes per 76-character base64 line */

enum leaf_kind { LEAF_PLAIN, LEAF_HTML, LEAF_CALENDAR };

enum leaf_cte { CTE_IDENTITY, CTE_QP, CTE_BASE64 };

/* charset_mode - how we get ASCII-compatible text out of a leaf */
enum charset_mode { CHARSET_ASCII_COMPAT, CHARSET_CONVERT };

struct leaf {
	GMimeObject *obj;
	enum leaf_kind kind;
	enum leaf_cte cte;
	bool top;		/* the message's own part: its headers are not in the body */
	size_t start, end;	/* content in msg */
	char iconv_name[64];	/* charset to convert through, when mode is CHARSET_CONVERT */
	enum charset_mode mode;
	bool text_raw;		/* the text is msg[start, end) itself (7bit/8bit, ASCII-compatible) */
	size_t toff, tlen;	/* else: decoded text (UTF-8 when converted) in scratch->decoded */
};

/*
 * struct rewrite_scratch - every buffer one rewrite needs besides the input
 * and the output, kept between calls so that a milter connection (or a pool
 * of them) pays for its memory once, not per message: with buffers past
 * glibc's mmap threshold every message mapped, faulted in and unmapped
 * fresh pages, about half of the milter's CPU.
 */
struct rewrite_scratch {
	struct buf decoded;	/* the decoded text of every leaf that needs decoding, back to back */
	struct buf text;	/* one leaf's rewritten text */
	struct buf conv;	/* charset conversions (UTF-16, ISO-2022-JP ... only) */
	struct leaf *leaves;
	size_t leaves_size;
};

struct walk {
	const char *msg;
	size_t msg_len;
	size_t body_start;	/* offset of the body in msg */
	unsigned parts;
	bool is_signed;
	bool malformed;
	const char *why;	/* the first reason for malformed, for the staff member */
	struct leaf *leaves;
	size_t nleaves, leaves_size;
};

struct job {
	const struct rewrite_input *in;
	struct rewrite_scratch *s;
	struct walk w;
	struct links_ctx lctx;
	struct buf *out;	/* written in message order, from the first changed part on */
	bool writing;		/* out was reset and holds msg[body_start, pos) rewritten */
	size_t pos;		/* msg up to here is in out */
	size_t parts_changed;
	bool top_qp;		/* the top-level part became quoted-printable */
};

/* mark_malformed - the message's own structure is at fault; the first reason is the one staff see */
static void mark_malformed(struct walk *w, const char *why)
{
	w->malformed = true;
	if (w->why == NULL)
		w->why = why;
}

/* ---- building the parse input ---- */

/*
 * contiguous_message - the input as one block without a copy, when the
 * caller already keeps headers, CRLF and body back to back (the milter
 * does, so does the test corpus): NULL when it does not.
 */
static char *contiguous_message(const struct rewrite_input *in, size_t *len, size_t *body_start)
{
	const char *h = in->headers;
	size_t hl = in->headers_len;

	if (h == NULL || (hl > 0 && h[hl - 1] != '\n') || in->body != h + hl + 2 || memcmp(h + hl, "\r\n", 2) != 0 ||
	    hl > CAP_MESSAGE_BYTES || in->body_len > CAP_MESSAGE_BYTES - hl - 4)
		return NULL;
	*len = hl + 2 + in->body_len;
	*body_start = hl + 2;
	/* GMime's memory stream takes a mutable pointer; parsing only reads it. */
	return (char *)(uintptr_t)h;
}

/* build_message - headers (ending in a line break) + blank line + body, in one g_malloc'd block */
static char *build_message(const struct rewrite_input *in, size_t *len, size_t *body_start)
{
	bool need_eol = in->headers_len > 0 && in->headers[in->headers_len - 1] != '\n';
	size_t hl = in->headers_len + (need_eol ? 2 : 0), n;
	char *m;

	if (in->headers_len > CAP_MESSAGE_BYTES || in->body_len > CAP_MESSAGE_BYTES - in->headers_len - 4)
		return NULL;
	n = hl + 2 + in->body_len;
	m = g_try_malloc(n + 1);
	if (m == NULL)
		return NULL;
	if (in->headers_len > 0)
		memcpy(m, in->headers, in->headers_len);
	if (need_eol)
		memcpy(m + in->headers_len, "\r\n", 2);
	memcpy(m + hl, "\r\n", 2);
	if (in->body_len > 0)
		memcpy(m + hl + 2, in->body, in->body_len);
	m[n] = '\0';
	*len = n;
	*body_start = hl + 2;
	return m;
}

/*
 * on_parser_warning - GMime's report of what it had to guess.
 * Security: each guess is a place where a mail client may guess otherwise
 * and see a part (and a link) we do not, so these make the mail MALFORMED.
 * Cosmetic ones (8-bit or bad RFC 2047 in headers, address lists, repeated
 * identical headers or parameters) do not change the structure.
 */
/* parser_warning_why - what GMime had to guess, in words a staff member can act on */
static const char *parser_warning_why(GMimeParserWarning code)
{
	switch (code) {
	case GMIME_WARN_INVALID_CONTENT_TYPE: return "a Content-Type header that cannot be read";
	case GMIME_WARN_MALFORMED_MULTIPART: return "a multipart with no parts in it";
	case GMIME_WARN_TRUNCATED_MESSAGE: return "a multipart whose boundary never occurs or never closes";
	case GMIME_WARN_MALFORMED_MESSAGE: return "a broken message structure";
	case GMIME_CRIT_INVALID_HEADER_NAME: return "a line among the headers that is not a header";
	case GMIME_CRIT_CONFLICTING_HEADER: return "a header given twice with different values";
	case GMIME_CRIT_CONFLICTING_PARAMETER: return "a header parameter (such as the boundary) given twice";
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "a multipart without a boundary";
	case GMIME_WARN_INVALID_PARAMETER: return "a header parameter that cannot be read";
	case GMIME_CRIT_NESTING_OVERFLOW: return "parts nested too deeply";
	case GMIME_WARN_PART_WITHOUT_CONTENT: return "a part whose headers run into a boundary";
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "a part with neither headers nor content";
	default: return "a structure mail programs read differently";
	}
}

static void on_parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
	struct walk *w = data;

	(void)offset;
	(void)item;
	switch (code) {
	case GMIME_WARN_DUPLICATED_HEADER:
	case GMIME_WARN_DUPLICATED_PARAMETER:
	case GMIME_WARN_UNENCODED_8BIT_HEADER:
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
	case GMIME_WARN_INVALID_ADDRESS_LIST:
		break;
	case GMIME_WARN_INVALID_CONTENT_TYPE:
		/* RFC 2045 5.2: text/plain, as mail readers show it (walk_part). */
		break;
	default:
		mark_malformed(w, parser_warning_why(code));
		break;
	}
}

/* ---- the walk ---- */

static bool type_is(GMimeContentType *ct, const char *type, const char *sub)
{
	return ct != NULL && g_mime_content_type_is_type(ct, type, sub);
}

/* repeated_content_header - is a structural header given twice? (readers pick different ones) */
static bool repeated_content_header(GMimeObject *obj)
{
	static const char *const names[] = { "Content-Type", "Content-Transfer-Encoding", "Content-Disposition" };
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int n = hl ? g_mime_header_list_get_count(hl) : 0;

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		int seen = 0;

		for (int i = 0; i < n; i++)
			if (g_ascii_strcasecmp(g_mime_header_get_name(g_mime_header_list_get_header_at(hl, i)),
					       names[k]) == 0)
				seen++;
		if (seen > 1)
			return true;
	}
	return false;
}

static bool leaf_cte_of(GMimeContentEncoding enc, enum leaf_cte *out)
{
	switch (enc) {
	case GMIME_CONTENT_ENCODING_DEFAULT:
	case GMIME_CONTENT_ENCODING_7BIT:
	case GMIME_CONTENT_ENCODING_8BIT:
	case GMIME_CONTENT_ENCODING_BINARY:
		*out = CTE_IDENTITY;
		return true;
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
		*out = CTE_QP;
		return true;
	case GMIME_CONTENT_ENCODING_BASE64:
		*out = CTE_BASE64;
		return true;
	default:
		return false;	/* uuencode and unknown: we cannot read what the client shows */
	}
}

/*
 * charset_needs_convert - charsets where ASCII bytes are not ASCII text
 * (multi-byte units, or shift states that reuse ASCII bytes for other
 * characters): a "http" in the raw bytes may not be one, and a real one may
 * not look like one.
 */
static bool charset_needs_convert(const char *cs)
{
	static const char *const prefixes[] = { "utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4",
						"ucs4", "utf-7", "utf7", "unicode", "iso-2022", "iso2022",
						"csiso2022", "hz", "x-imap4", "ebcdic", "ibm037", "cp037",
						"ibm500", "cp500", "ibm1047", "cp1047" };

	for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
		if (g_ascii_strncasecmp(cs, prefixes[k], strlen(prefixes[k])) == 0)
			return true;
	return false;
}

static bool add_leaf(struct walk *w, const struct leaf *l)
{
	if (w->nleaves == w->leaves_size) {
		size_t size = w->leaves_size ? w->leaves_size * 2 : 8;
		struct leaf *p = realloc(w->leaves, size * sizeof(*p));

		if (p == NULL)
			return false;
		w->leaves = p;
		w->leaves_size = size;
	}
	w->leaves[w->nleaves++] = *l;
	return true;
}

static bool is_ct_token_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* skip_cfws - white space and (nested) comments of a structured header value */
static const char *skip_cfws(const char *p)
{
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			break;
		else if (depth > 0 && *p == '\\' && p[1] != '\0')
			p++;
	}
	return p;
}

/*
 * content_type_invalid - a Content-Type header whose value is not
 * "type/subtype" (RFC 2045 5.1), such as "text; charset=us-ascii". RFC 2045
 * 5.2 reads such a part as text/plain; charset=us-ascii, and so do mail
 * readers; GMime guesses application/octet-stream, and a link in it would
 * be shown raw.
 */
static bool content_type_invalid(GMimeObject *obj)
{
	const char *v = g_mime_object_get_header(obj, "Content-Type"), *p;

	if (v == NULL)
		return false;	/* absent: GMime applies the RFC 2045 default itself */
	p = skip_cfws(v);
	if (!is_ct_token_char((unsigned char)*p))
		return true;
	while (is_ct_token_char((unsigned char)*p))
		p++;
	p = skip_cfws(p);
	if (*p != '/')
		return true;
	p = skip_cfws(p + 1);
	return !is_ct_token_char((unsigned char)*p);
}

/* walk_part - a leaf: note it when it is a text body we must look at */
static bool walk_part(struct walk *w, GMimeObject *obj, bool top)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GMimeContentDisposition *cd = g_mime_object_get_content_disposition(obj);
	GMimeDataWrapper *dw;
	GMimeStream *st;
	struct leaf l;
	const char *cs;
	bool invalid_ct = type_is(ct, "application", "octet-stream") && content_type_invalid(obj);

	if (type_is(ct, "application", "pkcs7-mime") || type_is(ct, "application", "x-pkcs7-mime")) {
		w->is_signed = true;
		return true;
	}
	if (!invalid_ct && !type_is(ct, "text", "plain") && !type_is(ct, "text", "html") &&
	    !type_is(ct, "text", "calendar"))
		return true;
	if (cd != NULL && g_mime_content_disposition_is_attachment(cd))
		return true;
	memset(&l, 0, sizeof(l));
	l.obj = obj;
	l.top = top;
	l.kind = LEAF_PLAIN;
	if (!invalid_ct && type_is(ct, "text", "html"))
		l.kind = LEAF_HTML;
	else if (!invalid_ct && type_is(ct, "text", "calendar"))
		l.kind = LEAF_CALENDAR;	/* a meeting request: DESCRIPTION and X-ALT-DESC */
	if (!leaf_cte_of(g_mime_part_get_content_encoding(GMIME_PART(obj)), &l.cte)) {
		mark_malformed(w, "a text part in a transfer encoding mail programs decode differently (such as uuencode)");
		return true;
	}
	dw = g_mime_part_get_content(GMIME_PART(obj));
	st = dw ? g_mime_data_wrapper_get_stream(dw) : NULL;
	if (st == NULL)
		return true;	/* no content at all: nothing to rewrite */
	/* Security: only trust ranges inside the body we were given. */
	if (st->bound_start < (gint64)w->body_start || st->bound_end < st->bound_start ||
	    st->bound_end > (gint64)w->msg_len) {
		mark_malformed(w, "a part that lies outside the message body");
		return true;
	}
	l.start = (size_t)st->bound_start;
	l.end = (size_t)st->bound_end;
	cs = invalid_ct ? NULL : g_mime_object_get_content_type_parameter(obj, "charset");
	l.mode = CHARSET_ASCII_COMPAT;
	if (cs != NULL && charset_needs_convert(cs)) {
		l.mode = CHARSET_CONVERT;
		g_strlcpy(l.iconv_name, cs, sizeof(l.iconv_name));
	}
	return add_leaf(w, &l);
}

/*
 * boundary_lines_exact - every line starting with "--" + boundary is exactly
 * a delimiter ("--b" or "--b--", then only white space).
 * Security: readers that match boundaries by prefix would cut parts where
 * GMime does not (an inner boundary "abcdef" under an outer "abc"), and see
 * another structure than ours.
 */
static bool boundary_lines_exact(const struct walk *w, const char *b)
{
	size_t bl = strlen(b), i = w->body_start;

	while (i < w->msg_len) {
		const char *nl = memchr(w->msg + i, '\n', w->msg_len - i);
		size_t end = nl ? (size_t)(nl - w->msg) : w->msg_len, k;

		if (end - i >= bl + 2 && w->msg[i] == '-' && w->msg[i + 1] == '-' &&
		    memcmp(w->msg + i + 2, b, bl) == 0) {
			k = i + 2 + bl;
			if (end - k >= 2 && w->msg[k] == '-' && w->msg[k + 1] == '-')
				k += 2;
			while (k < end && (w->msg[k] == ' ' || w->msg[k] == '\t' || w->msg[k] == '\r'))
				k++;
			if (k != end)
				return false;
		}
		i = end + 1;
	}
	return true;
}

/* walk_tree - collect text leaves, note signatures and structure we will not trust */
static bool walk_tree(struct walk *w, GMimeObject *obj, unsigned depth, bool top)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	if (depth > CAP_MIME_DEPTH) {
		mark_malformed(w, "parts nested more than 32 deep");
		return true;
	}
	if (++w->parts > CAP_MIME_PARTS) {
		mark_malformed(w, "more than 1000 parts");
		return true;
	}
	if (repeated_content_header(obj))
		mark_malformed(w, "a Content-Type, Content-Transfer-Encoding or Content-Disposition header given twice");
	if (type_is(ct, "multipart", "signed") || type_is(ct, "multipart", "encrypted")) {
		w->is_signed = true;
		return true;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		const char *b = g_mime_multipart_get_boundary(mp);

		if (b == NULL || *b == '\0')
			mark_malformed(w, "a multipart without a boundary");
		else if (n <= 0)
			mark_malformed(w, "a multipart whose boundary never occurs");
		else if (!boundary_lines_exact(w, b))
			mark_malformed(w, "a line that starts like a boundary but is not one (ambiguous boundaries)");
		for (int i = 0; i < n; i++)
			if (!walk_tree(w, g_mime_multipart_get_part(mp, i), depth + 1, false))
				return false;
		return true;
	}
	if (GMIME_IS_PART(obj))
		return walk_part(w, obj, top);
	/* message/rfc822 and anything else: never descended into, never touched. */
	return true;
}

/* ---- decoding ---- */

/* qp_valid - every '=' starts a hex pair or a soft line break: nothing for readers to guess */
static bool qp_valid(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (p[i] != '=')
			continue;
		if (i + 2 < n && g_ascii_isxdigit(p[i + 1]) && g_ascii_isxdigit(p[i + 2])) {
			i += 2;
			continue;
		}
		for (j = i + 1; j < n && (p[j] == ' ' || p[j] == '\t'); j++)
			;
		if (j < n && p[j] != '\r' && p[j] != '\n')
			return false;
	}
	return true;
}

/*
 * base64_valid - only the alphabet, white space, and '=' padding at the end
 * with whole quanta. Security: GMime skips junk and stops at the first '=',
 * other readers do not; such a part could show a link we never decoded.
 */
static bool base64_valid(const char *p, size_t n)
{
	size_t sig = 0;
	bool pad = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad = true;
		} else if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
			return false;
		}
		sig++;
	}
	return sig % 4 == 0;
}

/* decode_cte - the transfer encoding off, straight into out (no scratch copy) */
static bool decode_cte(const struct leaf *l, const char *raw, size_t n, struct buf *out)
{
	GMimeEncoding st;
	size_t max;

	if (l->cte == CTE_IDENTITY)
		return buf_append(out, raw, n);
	g_mime_encoding_init_decode(&st, l->cte == CTE_QP ? GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
							: GMIME_CONTENT_ENCODING_BASE64);
	max = g_mime_encoding_outlen(&st, n);
	if (!buf_grow(out, max))
		return false;
	buf_commit(out, g_mime_encoding_flush(&st, raw, n, out->data + out->len));
	return true;
}

/* iconv_all - convert the whole input, refusing anything not exactly representable */
static bool iconv_all(const char *to, const char *from, const char *in, size_t n, struct buf *out)
{
	iconv_t cd = g_mime_iconv_open(to, from);
	char chunk[CAP_ICONV_CHUNK];
	char *ip = (char *)(uintptr_t)in, *op;
	size_t il = n, ol, r;
	bool ok = true;

	if (cd == (iconv_t)-1)
		return false;
	while (ok && il > 0) {
		op = chunk;
		ol = sizeof(chunk);
		r = iconv(cd, &ip, &il, &op, &ol);
		/* Failed, or approximated ("irreversible"): not the same text. */
		if ((r == (size_t)-1 && errno != E2BIG) || (r != (size_t)-1 && r > 0))
			ok = false;
		ok = ok && buf_append(out, chunk, (size_t)(op - chunk));
	}
	op = chunk;
	ol = sizeof(chunk);
	/* The shift back to the initial state (ISO-2022-*). */
	if (ok && iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
		ok = false;
	ok = ok && buf_append(out, chunk, (size_t)(op - chunk));
	g_mime_iconv_close(cd);
	return ok;
}

/*
 * wire_charset - the iconv name to use for a converted leaf. UTF-16/32
 * without an explicit byte order follow the BOM (big-endian without one, RFC
 * 2781), so the BOM survives as a character and the bytes round-trip.
 */
static const char *wire_charset(const struct leaf *l, const struct buf *raw)
{
	const unsigned char *b = (const unsigned char *)raw->data;
	bool le16 = raw->len >= 2 && b[0] == 0xFF && b[1] == 0xFE;
	bool le32 = raw->len >= 4 && le16 && b[2] == 0 && b[3] == 0;
	const char *cs = l->iconv_name;

	if (g_ascii_strcasecmp(cs, "utf-16") == 0 || g_ascii_strcasecmp(cs, "utf16") == 0)
		return le16 ? "UTF-16LE" : "UTF-16BE";
	if (g_ascii_strcasecmp(cs, "utf-32") == 0 || g_ascii_strcasecmp(cs, "utf32") == 0)
		return le32 ? "UTF-32LE" : "UTF-32BE";
	return cs;
}

/* ---- encoding ---- */

/* qp_eol_next - does a line break (or the end) follow p[i]? White space there must be encoded. */
static bool qp_eol_next(const char *p, size_t n, size_t i)
{
	return i + 1 >= n || p[i + 1] == '\n' || (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n');
}

#define ENCODE_BLOCK 4096u	/* input bytes per buf_grow() of the encoders */

/*
 * encode_qp - quoted-printable, CRLF hard breaks, lines of at most 76,
 * written straight into out: room for the worst case of each block of
 * input (4 bytes out per byte in) is made once, then the loop writes
 * through a pointer. This loop runs over every byte of every changed part.
 */
static bool encode_qp(const char *p, size_t n, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0, i = 0;

	while (i < n) {
		size_t end = n - i > ENCODE_BLOCK ? i + ENCODE_BLOCK : n;
		char *o, *w;

		if (!buf_grow(out, 4 * (end - i) + 16))
			return false;
		o = w = out->data + out->len;
		for (; i < end; i++) {
			unsigned char c = (unsigned char)p[i];
			size_t need;

			if (c >= 33 && c <= 126 && c != '=') {
				need = 1;
			} else if (c == '\r' && i + 1 < n && p[i + 1] == '\n') {
				continue;
			} else if (c == '\n') {
				*o++ = '\r';
				*o++ = '\n';
				col = 0;
				continue;
			} else {
				need = (c == ' ' || c == '\t') && !qp_eol_next(p, n, i) ? 1 : 3;
			}
			if (col + need > QP_LINE_MAX - 1) {
				*o++ = '=';
				*o++ = '\r';
				*o++ = '\n';
				col = 0;
			}
			if (need == 1) {
				*o++ = (char)c;
			} else {
				*o++ = '=';
				*o++ = hex[c >> 4];
				*o++ = hex[c & 15];
			}
			col += need;
		}
		buf_commit(out, (size_t)(o - w));
	}
	return true;
}

/* encode_base64 - 76-character lines, each ended by CRLF, straight into out */
static bool encode_base64(const char *p, size_t n, struct buf *out)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += B64_LINE_IN) {
		size_t end = i + B64_LINE_IN < n ? i + B64_LINE_IN : n;
		char *o, *w;

		if (!buf_grow(out, 80))
			return false;
		o = w = out->data + out->len;
		for (size_t k = i; k < end; k += 3) {
			unsigned v = (unsigned)(unsigned char)p[k] << 16;

			if (k + 1 < end)
				v |= (unsigned)(unsigned char)p[k + 1] << 8;
			if (k + 2 < end)
				v |= (unsigned char)p[k + 2];
			*o++ = al[(v >> 18) & 63];
			*o++ = al[(v >> 12) & 63];
			*o++ = k + 1 < end ? al[(v >> 6) & 63] : '=';
			*o++ = k + 2 < end ? al[v & 63] : '=';
		}
		*o++ = '\r';
		*o++ = '\n';
		buf_commit(out, (size_t)(o - w));
	}
	return true;
}

static size_t longest_line(const char *p, size_t n)
{
	size_t best = 0, cur = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			cur -= cur > 0 && p[i - 1] == '\r';
			best = cur > best ? cur : best;
			cur = 0;
		} else {
			cur++;
		}
	}
	return cur > best ? cur : best;
}

/* ---- footers ---- */

/* final_eol_len - length of the line break the text ends with (0, 1 or 2) */
static size_t final_eol_len(const struct buf *t)
{
	if (t->len >= 2 && t->data[t->len - 2] == '\r' && t->data[t->len - 1] == '\n')
		return 2;
	return t->len >= 1 && t->data[t->len - 1] == '\n' ? 1 : 0;
}

/*
 * add_footer_text - blank line + footer, in the text's own line breaks. The
 * text keeps its ending: with or without a final line break, so the line
 * break before a boundary (which belongs to the boundary) stays single.
 */
static bool add_footer_text(struct buf *t, const char *footer)
{
	const char *d = t->data ? t->data : "", *nl = memchr(d, '\n', t->len);
	const char *eol = nl != NULL && (nl == d || nl[-1] != '\r') ? "\n" : "\r\n";
	size_t fe = final_eol_len(t), flen = strlen(footer);
	char saved[2];
	bool ok;

	if (flen == 0 || t->data == NULL)
		return flen == 0;
	memcpy(saved, t->data + t->len - fe, fe);
	t->len -= fe;
	ok = buf_puts(t, eol) && buf_puts(t, eol);
	if (flen > 0 && footer[flen - 1] == '\n')
		flen--;
	for (size_t i = 0; ok && i < flen; i++)
		ok = footer[i] == '\n' ? buf_puts(t, eol) : buf_putc(t, footer[i]);
	return ok && buf_append(t, saved, fe);
}

/* add_footer_html - before the last "</body" (any case), or at the end (before a final line break) */
static bool add_footer_html(struct buf *t, const char *footer)
{
	size_t flen = strlen(footer), at = t->len - final_eol_len(t);

	if (flen == 0)
		return true;
	for (size_t i = t->len; i >= 6; i--)
		if (g_ascii_strncasecmp(t->data + i - 6, "</body", 6) == 0) {
			at = i - 6;
			break;
		}
	if (!buf_grow(t, flen))
		return false;
	memmove(t->data + at + flen, t->data + at, t->len - at);
	memcpy(t->data + at, footer, flen);
	buf_commit(t, flen);
	return true;
}

/* ---- per leaf ---- */

/*
 * out_to - copy the original bytes up to msg offset at into out. The first
 * call starts the output (out is only touched once a part changes).
 * Security: parts come in message order; a range before what is written is
 * our bug, and never written.
 */
static bool out_to(struct job *j, size_t at)
{
	if (!j->writing) {
		buf_reset(j->out);
		j->writing = true;
		j->pos = j->w.body_start;
	}
	if (at < j->pos || at > j->w.msg_len)
		return false;
	if (!buf_append(j->out, j->w.msg + j->pos, at - j->pos))
		return false;
	j->pos = at;
	return true;
}

static const char *leaf_text(const struct job *j, const struct leaf *l)
{
	if (l->text_raw)
		return j->w.msg + l->start;
	return j->s->decoded.data ? j->s->decoded.data + l->toff : "";
}

/*
 * leaf_decode - transfer encoding and charset off; MALFORMED when we cannot
 * do it exactly. 7bit/8bit text in an ASCII-compatible charset is read
 * where it lies in msg: no copy.
 */
static enum rewrite_result leaf_decode(struct job *j, struct leaf *l)
{
	struct walk *w = &j->w;
	struct rewrite_scratch *s = j->s;
	const char *raw = w->msg + l->start;
	size_t n = l->end - l->start;
	bool ok;

	if (l->cte == CTE_QP && !qp_valid(raw, n)) {
		mark_malformed(w, "broken quoted-printable encoding in a text part");
		return REWRITE_MALFORMED;
	}
	if (l->cte == CTE_BASE64 && !base64_valid(raw, n)) {
		mark_malformed(w, "broken base64 encoding in a text part");
		return REWRITE_MALFORMED;
	}
	if (l->mode == CHARSET_ASCII_COMPAT && l->cte == CTE_IDENTITY) {
		l->text_raw = true;
		l->tlen = n;
		return REWRITE_UNCHANGED;
	}
	l->toff = s->decoded.len;
	if (l->mode == CHARSET_ASCII_COMPAT) {
		ok = decode_cte(l, raw, n, &s->decoded);
		l->tlen = s->decoded.len - l->toff;
		return ok ? REWRITE_UNCHANGED : REWRITE_ERROR;
	}
	buf_reset(&s->conv);
	if (!decode_cte(l, raw, n, &s->conv))
		return REWRITE_ERROR;
	ok = iconv_all("UTF-8", wire_charset(l, &s->conv), s->conv.data ? s->conv.data : "", s->conv.len,
		       &s->decoded);
	l->tlen = s->decoded.len - l->toff;
	/* Keep the wire name decided from the BOM for the way back. */
	g_strlcpy(l->iconv_name, wire_charset(l, &s->conv), sizeof(l->iconv_name));
	if (!ok)
		mark_malformed(w, "text that is not valid in the charset its part declares");
	return ok ? REWRITE_UNCHANGED : REWRITE_MALFORMED;
}

static bool leaf_is_pgp(const struct job *j, const struct leaf *l)
{
	const char *t = leaf_text(j, l);

	return l->kind == LEAF_PLAIN && (memmem(t, l->tlen, "-----BEGIN PGP SIGNED MESSAGE-----", 34) != NULL ||
					 memmem(t, l->tlen, "-----BEGIN PGP MESSAGE-----", 27) != NULL);
}

/* leaf_links - rewrite links and add the footer; *changed says whether any link was replaced */
static enum rewrite_result leaf_links(struct job *j, const struct leaf *l, bool break_lines, struct buf *out,
				      bool *changed)
{
	size_t before = j->lctx.replaced;
	const char *t = leaf_text(j, l);
	bool ok;

	j->lctx.break_lines = break_lines;
	if (l->kind == LEAF_HTML)
		ok = links_rewrite_html(&j->lctx, t, l->tlen, out);
	else if (l->kind == LEAF_CALENDAR)
		ok = links_rewrite_calendar(&j->lctx, t, l->tlen, out);
	else
		ok = links_rewrite_text(&j->lctx, t, l->tlen, out);
	if (!ok && j->lctx.too_many)
		mark_malformed(&j->w, "more than 200 resource links");
	if (!ok)
		return j->lctx.too_many ? REWRITE_MALFORMED : REWRITE_ERROR;
	*changed = j->lctx.replaced > before;
	if (!*changed)
		return REWRITE_UNCHANGED;
	if (l->kind == LEAF_CALENDAR)
		ok = true;	/* the footer goes in the text parts; a calendar has none */
	else if (l->kind == LEAF_HTML)
		ok = j->in->footer_html == NULL || add_footer_html(out, j->in->footer_html);
	else
		ok = j->in->footer_text == NULL || add_footer_text(out, j->in->footer_text);
	return ok ? REWRITE_CHANGED : REWRITE_ERROR;
}

/* header_field_end - end of the header field at off (its folded lines included) */
static size_t header_field_end(const char *m, size_t len, size_t off)
{
	size_t i = off;

	for (;;) {
		const char *nl = memchr(m + i, '\n', len - i);

		if (nl == NULL)
			return len;
		i = (size_t)(nl - m) + 1;
		if (i >= len || (m[i] != ' ' && m[i] != '\t'))
			return i;
	}
}

/*
 * switch_to_qp - splice "Content-Transfer-Encoding: quoted-printable" over the
 * part's CTE field, or before its first header when it has none.
 */
static enum rewrite_result switch_to_qp(struct job *j, const struct leaf *l)
{
	static const char field[] = "Content-Transfer-Encoding: quoted-printable\r\n";
	GMimeHeaderList *hl = g_mime_object_get_header_list(l->obj);
	int n = hl ? g_mime_header_list_get_count(hl) : 0;
	size_t at = l->start, end;
	bool found = false;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		gint64 off = g_mime_header_get_offset(h);

		if (off < (gint64)j->w.body_start || off >= (gint64)l->start)
			return REWRITE_ERROR;	/* offsets we cannot trust */
		if (!found && g_ascii_strcasecmp(g_mime_header_get_name(h), "Content-Transfer-Encoding") == 0) {
			at = (size_t)off;
			found = true;
		} else if (!found && (size_t)off < at) {
			at = (size_t)off;
		}
	}
	if (n == 0) {
		/* No headers: the blank line just before the content starts the header block. */
		if (at > j->w.body_start && j->w.msg[at - 1] == '\n')
			at--;
		if (at > j->w.body_start && j->w.msg[at - 1] == '\r')
			at--;
	}
	end = found ? header_field_end(j->w.msg, l->start, at) : at;
	if (!out_to(j, at) || !buf_append(j->out, field, sizeof(field) - 1))
		return REWRITE_ERROR;
	j->pos = end;
	return REWRITE_CHANGED;
}

static bool raw_ends_eol(const struct job *j, const struct leaf *l)
{
	return l->end > l->start && j->w.msg[l->end - 1] == '\n';
}

/*
 * leaf_encode - the new text back into wire form (charset, transfer
 * encoding), written into out in place of the part's content.
 */
static enum rewrite_result leaf_encode(struct job *j, const struct leaf *l, enum leaf_cte cte, const struct buf *t)
{
	struct buf *conv = &j->s->conv, *wire = j->out;
	const struct buf *src = t;
	size_t start;
	bool ok = true;

	if (l->mode == CHARSET_CONVERT) {
		buf_reset(conv);
		if (!iconv_all(l->iconv_name, "UTF-8", t->data ? t->data : "", t->len, conv))
			return REWRITE_ERROR;	/* cannot go back: never send the link unrewritten */
		src = conv;
	}
	if (!out_to(j, l->start))
		return REWRITE_ERROR;
	start = wire->len;
	if (cte == CTE_IDENTITY) {
		ok = buf_append(wire, src->data ? src->data : "", src->len);
	} else if (cte == CTE_QP) {
		ok = encode_qp(src->data ? src->data : "", src->len, wire);
		if (ok && raw_ends_eol(j, l) && (wire->len == start || final_eol_len(wire) == 0))
			ok = buf_puts(wire, "=\r\n");
	} else {
		ok = encode_base64(src->data ? src->data : "", src->len, wire);
		if (ok && !raw_ends_eol(j, l) && wire->len > start && final_eol_len(wire) == 2)
			wire->len -= 2, wire->data[wire->len] = '\0';
		else if (ok && raw_ends_eol(j, l) && (wire->len == start || final_eol_len(wire) == 0))
			ok = buf_puts(wire, "\r\n");
	}
	j->pos = l->end;
	return ok ? REWRITE_CHANGED : REWRITE_ERROR;
}

/*
 * leaf_rewrite - one text leaf, end to end. A 7bit/8bit part whose lines
 * would pass 998: HTML first gets line breaks inside the rewritten tags,
 * then anything still too long becomes quoted-printable.
 */
static enum rewrite_result leaf_rewrite(struct job *j, const struct leaf *l)
{
	struct buf *t = &j->s->text;
	enum rewrite_result r;
	enum leaf_cte cte = l->cte;
	size_t before = j->lctx.replaced;
	bool changed = false;

	buf_reset(t);
	r = leaf_links(j, l, false, t, &changed);
	if (r == REWRITE_CHANGED && cte == CTE_IDENTITY && longest_line(t->data, t->len) > SMTP_LINE_MAX &&
	    l->kind == LEAF_HTML) {
		buf_reset(t);
		j->lctx.replaced = before;
		r = leaf_links(j, l, true, t, &changed);
	}
	if (r == REWRITE_CHANGED && cte == CTE_IDENTITY && longest_line(t->data, t->len) > SMTP_LINE_MAX) {
		/* The top part's Content-Transfer-Encoding is in the message headers:
		 * the caller changes it (stats->top_qp). */
		if (l->top)
			j->top_qp = true;
		else
			r = switch_to_qp(j, l);
		cte = CTE_QP;
	}
	if (r == REWRITE_CHANGED)
		r = leaf_encode(j, l, cte, t);
	if (r == REWRITE_CHANGED)
		j->parts_changed++;
	return r;
}

/* ---- the whole message ---- */

/* rewrite_leaves - decode all text leaves (signatures first), then rewrite them */
static enum rewrite_result rewrite_leaves(struct job *j)
{
	enum rewrite_result worst = REWRITE_UNCHANGED;

	for (size_t k = 0; k < j->w.nleaves; k++) {
		enum rewrite_result r = leaf_decode(j, &j->w.leaves[k]);

		if (r == REWRITE_UNCHANGED && leaf_is_pgp(j, &j->w.leaves[k]))
			return REWRITE_SIGNED;
		if (r != REWRITE_UNCHANGED && worst == REWRITE_UNCHANGED)
			worst = r;
	}
	if (worst != REWRITE_UNCHANGED)
		return worst;
	for (size_t k = 0; k < j->w.nleaves; k++) {
		enum rewrite_result r = leaf_rewrite(j, &j->w.leaves[k]);

		if (r != REWRITE_CHANGED && r != REWRITE_UNCHANGED)
			return r;
	}
	if (j->parts_changed == 0)
		return REWRITE_UNCHANGED;
	return out_to(j, j->w.msg_len) ? REWRITE_CHANGED : REWRITE_ERROR;
}

/* job_done - hand the arrays back to the scratch for the next message */
static void job_done(struct job *j)
{
	j->s->leaves = j->w.leaves;
	j->s->leaves_size = j->w.leaves_size;
}

/* parse_and_walk - GMime over our copy; the classification of the tree */
static enum rewrite_result parse_and_walk(struct job *j, GMimeStream *stream)
{
	GMimeParserOptions *opts = g_mime_parser_options_new();
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *message;
	GMimeObject *top;
	enum rewrite_result r = REWRITE_UNCHANGED;

	g_mime_parser_options_set_warning_callback(opts, on_parser_warning, &j->w);
	g_mime_parser_set_persist_stream(parser, TRUE);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	message = g_mime_parser_construct_message(parser, opts);
	top = message ? g_mime_message_get_mime_part(message) : NULL;
	if (message == NULL) {
		mark_malformed(&j->w, "a message GMime cannot parse");
		r = REWRITE_MALFORMED;
	}
	else if (top != NULL && !walk_tree(&j->w, top, 0, true))
		r = REWRITE_ERROR;
	else if (j->w.is_signed)
		r = REWRITE_SIGNED;
	else if (j->w.malformed)
		r = REWRITE_MALFORMED;
	else
		r = rewrite_leaves(j);
	if (message != NULL)
		g_object_unref(message);
	g_object_unref(parser);
	g_mime_parser_options_free(opts);
	return r;
}

struct rewrite_scratch *rewrite_scratch_new(void)
{
	struct rewrite_scratch *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	buf_init(&s->decoded, CAP_MESSAGE_BYTES);
	buf_init(&s->text, CAP_MESSAGE_BYTES);
	buf_init(&s->conv, CAP_MESSAGE_BYTES);
	return s;
}

struct rewrite_scratch *rewrite_scratch_free(struct rewrite_scratch *s)
{
	if (s == NULL)
		return NULL;
	buf_release(&s->decoded);
	buf_release(&s->text);
	buf_release(&s->conv);
	free(s->leaves);
	free(s);
	return NULL;
}

static void trim_buf(struct buf *b, size_t keep)
{
	if (b->size > keep)
		buf_release(b);
	else
		buf_reset(b);
}

void rewrite_scratch_trim(struct rewrite_scratch *s, size_t keep)
{
	trim_buf(&s->decoded, keep);
	trim_buf(&s->text, keep);
	trim_buf(&s->conv, keep);
	if (s->leaves_size * sizeof(*s->leaves) > keep) {
		free(s->leaves);
		s->leaves = NULL;
		s->leaves_size = 0;
	}
}

enum rewrite_result rewrite_body(const struct rewrite_input *in, struct buf *out, struct rewrite_stats *stats)
{
	struct rewrite_scratch local, *s = in->scratch;
	struct job j;
	GByteArray *arr;
	GMimeStream *stream;
	enum rewrite_result r;
	char *msg;
	size_t len, body_start;
	bool borrowed;

	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (in->resources == NULL || in->link_fn == NULL || (in->body_len > 0 && in->body == NULL) ||
	    (in->headers_len > 0 && in->headers == NULL))
		return REWRITE_ERROR;
	msg = contiguous_message(in, &len, &body_start);
	borrowed = msg != NULL;
	if (msg == NULL && (msg = build_message(in, &len, &body_start)) == NULL)
		return REWRITE_ERROR;
	if (s == NULL) {
		memset(&local, 0, sizeof(local));
		buf_init(&local.decoded, CAP_MESSAGE_BYTES);
		buf_init(&local.text, CAP_MESSAGE_BYTES);
		buf_init(&local.conv, CAP_MESSAGE_BYTES);
		s = &local;
	}
	buf_reset(&s->decoded);
	memset(&j, 0, sizeof(j));
	j.in = in;
	j.s = s;
	j.out = out;
	j.w.msg = msg;
	j.w.msg_len = len;
	j.w.body_start = body_start;
	j.w.leaves = s->leaves;
	j.w.leaves_size = s->leaves_size;
	j.lctx.resources = in->resources;
	j.lctx.link_fn = in->link_fn;
	j.lctx.link_ctx = in->link_ctx;
	arr = g_byte_array_new_take((guint8 *)msg, len);
	stream = g_mime_stream_mem_new_with_byte_array(arr);	/* owns arr, and msg unless borrowed */
	if (borrowed)
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	r = parse_and_walk(&j, stream);
	if (r != REWRITE_CHANGED && j.writing)
		buf_reset(out);	/* a part failed after others were written: nothing half done */
	if (r == REWRITE_MALFORMED && stats != NULL)
		stats->why = j.w.why ? j.w.why : "a structure mail programs read differently";
	if (r == REWRITE_CHANGED && stats != NULL) {
		stats->links = j.lctx.replaced;
		stats->parts = j.parts_changed;
		stats->top_qp = j.top_qp;
	}
	job_done(&j);
	g_object_unref(stream);
	if (borrowed)
		g_byte_array_free(arr, FALSE);	/* the wrapper only: msg is the caller's */
	if (s == &local) {
		buf_release(&local.decoded);
		buf_release(&local.text);
		buf_release(&local.conv);
		free(local.leaves);
	}
	return r;
}

void rewrite_init(void)
{
	g_mime_init();
}

void rewrite_shutdown(void)
{
	g_mime_shutdown();
}

const char *rewrite_result_word(enum rewrite_result r)
{
	switch (r) {
	case REWRITE_UNCHANGED: return "unchanged";
	case REWRITE_CHANGED: return "changed";
	case REWRITE_SIGNED: return "signed";
	case REWRITE_MALFORMED: return "malformed";
	case REWRITE_ERROR: return "error";
	}
	return "unknown";
}
