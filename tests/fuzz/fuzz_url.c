/*
 * fuzz_url - the URL normaliser (shared/resource.c) every resource match goes
 * through. Beyond "no crash": what it accepts is normalised for good - the
 * path starts with "/", holds no "//", no "." or ".." segment, no escape of
 * "/", "\" or ".", no control - and normalising it again changes nothing;
 * a prefix covers its own normalised form.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resource.h"

static void check_path(const struct url *u)
{
	const char *p = u->path;
	size_t n = u->path_len;

	if (n == 0 || p[0] != '/' || strlen(p) != n)
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c == 0x7f || c == '\\' || c >= 0x80)
			abort();
		if (c == '/' && i + 1 < n && p[i + 1] == '/')
			abort();
		if (c == '%' && i + 2 < n && (strncmp(p + i, "%2F", 3) == 0 || strncmp(p + i, "%5C", 3) == 0 ||
					      strncmp(p + i, "%2E", 3) == 0))
			abort();
		if (c == '/') {
			size_t e = i + 1;

			while (e < n && p[e] != '/')
				e++;
			if ((e - i - 1 == 1 && p[i + 1] == '.') || (e - i - 1 == 2 && p[i + 1] == '.' && p[i + 2] == '.'))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url u, v;
	static char text[CAP_URL_BYTES + 1], again[CAP_URL_BYTES + 1];

	if (url_check((const char *)data, size, &u) != URL_OK)
		return 0;
	check_path(&u);
	if (!url_format(&u, text, sizeof(text)))
		return 0;
	if (url_check(text, strlen(text), &v) != URL_OK || !url_format(&v, again, sizeof(again)) ||
	    strcmp(text, again) != 0)
		abort();
	if (u.query == NULL && !url_under(text, strlen(text), (const char *)data, size))
		abort();
	return 0;
}
