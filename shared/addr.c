/*
 * addr.c - normalize and validate mail addresses (see addr.h).
 *
 * Deliberately stricter than RFC 5321: quoted local parts and address
 * literals are refused. Guests are people at ordinary domains; an exotic
 * address is far more likely an attack on a header than a real guest.
 */
#include "addr.h"

#include <string.h>

static bool addr_char_ok(unsigned char c)
{
	if (c <= ' ' || c >= 0x7f)
		return false;
	return strchr("\"(),:;<>[\\]", c) == NULL;
}

bool addr_normalize(const char *in, size_t len, char out[ADDR_BUF])
{
	const char *end = in + len, *at = NULL;
	size_t n = 0;

	while (in < end && (*in == ' ' || *in == '\t'))
		in++;
	while (end > in && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end - in >= 2 && in[0] == '<' && end[-1] == '>') {
		in++;
		end--;
	}
	if (end - in < 3 || (size_t)(end - in) > CAP_ADDR_BYTES)
		return false;
	for (const char *p = in; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '@') {
			if (at != NULL)
				return false;
			at = p;
		} else if (!addr_char_ok(c)) {
			return false;
		}
		out[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	out[n] = '\0';
	/* a local part, a dotted domain that neither starts nor ends with a dot */
	if (at == NULL || at == in || end - at < 4 || at[1] == '.' || end[-1] == '.' ||
	    memchr(at, '.', (size_t)(end - at)) == NULL || strstr(out, "..") != NULL)
		return false;
	return true;
}

const char *addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : addr;
}
