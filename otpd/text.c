/*
 * text.c - escaping and encoding (see text.h).
 */
#include "text.h"

#include <sodium.h>
#include <string.h>

bool text_html(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		bool ok;

		switch (*s) {
		case '&':
			ok = buf_puts(b, "&amp;");
			break;
		case '<':
			ok = buf_puts(b, "&lt;");
			break;
		case '>':
			ok = buf_puts(b, "&gt;");
			break;
		case '"':
			ok = buf_puts(b, "&quot;");
			break;
		case '\'':
			ok = buf_puts(b, "&#39;");
			break;
		default:
			ok = buf_putc(b, *s);
		}
		if (!ok)
			return false;
	}
	return true;
}

bool text_urlencode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			     c == '.' || c == '_' || c == '~';

		if (!(plain ? buf_putc(b, (char)c) : buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15])))
			return false;
	}
	return true;
}

bool text_safe_line(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

bool text_qp(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool eol = c == '\r' && i + 1 < len && s[i + 1] == '\n';
		bool lit = (c >= 33 && c <= 126 && c != '=') ||
			   ((c == ' ' || c == '\t') && !(i + 1 < len && s[i + 1] == '\r') && i + 1 < len);

		if (eol) {
			if (!buf_puts(b, "\r\n"))
				return false;
			i++;
			col = 0;
			continue;
		}
		if (col + (lit ? 1 : 3) > 75) {
			if (!buf_puts(b, "=\r\n"))
				return false;
			col = 0;
		}
		if (lit) {
			if (!buf_putc(b, (char)c))
				return false;
			col++;
		} else {
			char e[3] = { '=', hex[c >> 4], hex[c & 15] };

			if (!buf_append(b, e, 3))
				return false;
			col += 3;
		}
	}
	return true;
}

bool text_header_word(struct buf *b, const char *s)
{
	size_t len = strlen(s);
	bool plain = true;
	char enc[512];

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < ' ' || (unsigned char)s[i] > '~' || (s[i] == '=' && s[i + 1] == '?'))
			plain = false;
	if (plain)
		return buf_puts(b, s);
	/* Encoded words stay under 75 characters: 45 input bytes a word, split at UTF-8 boundaries. */
	for (size_t off = 0; off < len;) {
		size_t n = len - off > 45 ? 45 : len - off;

		while (off + n < len && n > 1 && ((unsigned char)s[off + n] & 0xC0) == 0x80)
			n--;
		sodium_bin2base64(enc, sizeof(enc), (const unsigned char *)s + off, n, sodium_base64_VARIANT_ORIGINAL);
		if (!buf_printf(b, "%s=?UTF-8?B?%s?=", off ? "\r\n " : "", enc))
			return false;
		off += n;
	}
	return true;
}

bool text_b64url(struct buf *b, const uint8_t *p, size_t len)
{
	char out[256];

	if (sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > sizeof(out))
		return false;
	sodium_bin2base64(out, sizeof(out), p, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return buf_puts(b, out);
}
