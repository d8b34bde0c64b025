/*
 * subject.c - the subject tag (see subject.h).
 *
 * Failure: SUBJECT_ERROR only when the output does not fit or memory runs
 * out; the caller then tempfails (a tagged mail must never go out as is).
 */
#include "subject.h"

#include <gmime/gmime.h>
#include <string.h>
#include <strings.h>

/* find_ci - first case-insensitive occurrence of needle (ASCII) in hay */
static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return NULL;
	for (const char *p = hay; *p != '\0'; p++)
		if (strncasecmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/* strip_literal - copy value without [at, at+n) and one space next to it */
static bool strip_literal(const char *value, const char *at, size_t n, struct buf *out)
{
	const char *before_end = at, *after = at + n;

	if (*after == ' ')
		after++;
	else if (before_end > value && before_end[-1] == ' ')
		before_end--;
	return buf_append(out, value, (size_t)(before_end - value)) && buf_puts(out, after);
}

enum subject_tag subject_strip_tag(const char *value, const char *tag, struct buf *out)
{
	const char *at = find_ci(value, tag);
	enum subject_tag rc = SUBJECT_UNTAGGED;
	char *decoded, *encoded;
	struct buf plain;

	buf_reset(out);
	if (at != NULL)
		return strip_literal(value, at, strlen(tag), out) ? SUBJECT_TAGGED : SUBJECT_ERROR;
	if (strstr(value, "=?") == NULL)
		return SUBJECT_UNTAGGED;
	decoded = g_mime_utils_header_decode_text(NULL, value);
	if (decoded == NULL)
		return SUBJECT_UNTAGGED;
	at = find_ci(decoded, tag);
	if (at != NULL) {
		buf_init(&plain, out->max);
		rc = SUBJECT_ERROR;
		if (strip_literal(decoded, at, strlen(tag), &plain)) {
			encoded = g_mime_utils_header_encode_text(NULL, plain.data ? plain.data : "", "utf-8");
			if (encoded != NULL) {
				/* the encoder may fold; a header value given to libmilter must not start with space */
				const char *e = encoded;

				while (*e == ' ')
					e++;
				if (buf_puts(out, e))
					rc = SUBJECT_TAGGED;
				g_free(encoded);
			}
		}
		buf_release(&plain);
	}
	g_free(decoded);
	return rc;
}
