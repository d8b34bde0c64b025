/*
 * lang.c - Accept-Language parsing (see lang.h). Never fails: anything odd is English.
 */
#include "lang.h"

#include <string.h>
#include <strings.h>

const char *lang_code(enum lang l)
{
	return l == LANG_NL ? "nl" : "en";
}

enum lang lang_from_code(const char *code, enum lang fallback)
{
	if (code == NULL)
		return fallback;
	if (strcasecmp(code, "nl") == 0)
		return LANG_NL;
	if (strcasecmp(code, "en") == 0)
		return LANG_EN;
	return fallback;
}

/* parse_q - "q=0.8" to 0..1000; 1000 when absent or odd */
static int parse_q(const char *p, const char *end)
{
	int q = 0, scale = 1000;

	while (p < end && (*p == ' ' || *p == ';'))
		p++;
	if (end - p < 3 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return 1000;
	p += 2;
	if (*p == '1')
		return 1000;
	if (*p != '0')
		return 1000;
	p++;
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9' && scale > 1; p++) {
			scale /= 10;
			q += (*p - '0') * scale;
		}
	}
	return q;
}

enum lang lang_from_header(const char *h)
{
	enum lang best = LANG_EN;
	int best_q = -1;
	const char *p = h;

	if (h == NULL)
		return LANG_EN;
	for (int items = 0; *p != '\0' && items < 32; items++) {
		const char *end = strchr(p, ',');
		const char *semi;
		size_t tag_len;
		int q;

		if (end == NULL)
			end = p + strlen(p);
		while (p < end && *p == ' ')
			p++;
		semi = memchr(p, ';', (size_t)(end - p));
		tag_len = (size_t)((semi ? semi : end) - p);
		while (tag_len > 0 && p[tag_len - 1] == ' ')
			tag_len--;
		q = semi ? parse_q(semi, end) : 1000;
		if (q > best_q && tag_len >= 2 && (tag_len == 2 || p[2] == '-')) {
			if (strncasecmp(p, "nl", 2) == 0) {
				best = LANG_NL;
				best_q = q;
			} else if (strncasecmp(p, "en", 2) == 0) {
				best = LANG_EN;
				best_q = q;
			}
		}
		p = *end ? end + 1 : end;
	}
	return best;
}
