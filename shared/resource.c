/*
 * resource.c - strict http(s) URL parsing and prefix matching (see resource.h).
 *
 * Written by hand on purpose: no library URL parser tells us the byte
 * extent of the path within the original text, and we need to refuse the
 * ambiguous forms (userinfo, "\", dot segments) rather than normalise them.
 */
#include "resource.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool is_host_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* parse_port - 1..65535 from digits [p, end) */
static bool parse_port(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;

	if (p == end)
		return false;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > 65535)
			return false;
	}
	if (v == 0)
		return false;
	*out = v;
	return true;
}

/* has_dot_segment - does the path (before ? or #) hold "." or ".." segments, plain or %2e? */
static bool has_dot_segment(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] != '?' && p[i] != '#') {
		size_t start = i, dots = 0, other = 0;

		while (i < len && p[i] != '/' && p[i] != '?' && p[i] != '#') {
			if (p[i] == '.') {
				dots++;
				i++;
			} else if (p[i] == '%' && i + 2 < len && p[i + 1] == '2' && lower(p[i + 2]) == 'e') {
				dots++;
				i += 3;
			} else {
				other++;
				i++;
			}
		}
		if (i > start && other == 0 && dots <= 2)
			return true;
		if (i < len && p[i] == '/')
			i++;
	}
	return false;
}

bool url_parse(const char *text, size_t len, struct url *out)
{
	const char *p = text, *end = text + len, *auth, *aend, *colon = NULL;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (len >= 8 && strncasecmp(p, "https://", 8) == 0) {
		out->https = true;
		out->port = 443;
		p += 8;
	} else if (len >= 7 && strncasecmp(p, "http://", 7) == 0) {
		out->port = 80;
		p += 7;
	} else {
		return false;
	}
	auth = p;
	while (p < end && *p != '/' && *p != '?' && *p != '#') {
		/* Security: userinfo and backslashes make hosts ambiguous. */
		if (*p == '@' || *p == '\\' || *p == '%')
			return false;
		if (*p == ':')
			colon = p;
		p++;
	}
	aend = p;
	if (colon != NULL && !parse_port(colon + 1, aend, &out->port))
		return false;
	hlen = (size_t)((colon ? colon : aend) - auth);
	if (hlen == 0 || hlen >= sizeof(out->host))
		return false;
	for (size_t i = 0; i < hlen; i++) {
		int c = lower((unsigned char)auth[i]);

		if (!is_host_char(c))
			return false;
		out->host[i] = (char)c;
	}
	out->host[hlen] = '\0';
	for (const char *q = p; q < end; q++)
		if (*q == '\\' || (unsigned char)*q <= ' ' || *q == 0x7f)
			return false;
	out->path = p;
	out->path_len = (size_t)(end - p);
	if (has_dot_segment(p, out->path_len))
		return false;
	return true;
}

/* url_covers - is candidate c under prefix r? */
static bool url_covers(const struct url *r, const struct url *c)
{
	const char *rp = r->path, *cp = c->path;
	size_t rl = r->path_len, cl = c->path_len;

	if (r->https != c->https || r->port != c->port || strcmp(r->host, c->host) != 0)
		return false;
	if (rl == 0) {
		rp = "/";
		rl = 1;
	}
	if (cl == 0 || cp[0] == '?' || cp[0] == '#') {
		/* "https://h?q" has the path "/" */
		if (rl == 1)
			return true;
		return false;
	}
	if (cl < rl || memcmp(cp, rp, rl) != 0)
		return false;
	if (rp[rl - 1] == '/' || cl == rl)
		return true;
	return cp[rl] == '/' || cp[rl] == '?' || cp[rl] == '#';
}

bool resource_list_add(struct resource_list *list, const char *text, const char **why)
{
	struct resource *items, *r;
	size_t len = strlen(text);

	items = realloc(list->items, (list->n + 1) * sizeof(*items));
	if (items == NULL) {
		*why = "out of memory";
		return false;
	}
	list->items = items;
	r = &items[list->n];
	r->text = strdup(text);
	if (r->text == NULL) {
		*why = "out of memory";
		return false;
	}
	if (!url_parse(r->text, len, &r->url)) {
		free(r->text);
		*why = "is not an absolute http:// or https:// URL without user name, '\\', '%' in the host or dot segments";
		return false;
	}
	if (memchr(r->text, '?', len) != NULL || memchr(r->text, '#', len) != NULL) {
		free(r->text);
		*why = "must not contain '?' or '#': a resource is a host and a path prefix";
		return false;
	}
	list->n++;
	return true;
}

void resource_list_free(struct resource_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->items[i].text);
	free(list->items);
	list->items = NULL;
	list->n = 0;
}

const struct resource *resource_match(const struct resource_list *list, const char *url, size_t len)
{
	struct url c;

	if (!url_parse(url, len, &c))
		return NULL;
	for (size_t i = 0; i < list->n; i++)
		if (url_covers(&list->items[i].url, &c))
			return &list->items[i];
	return NULL;
}

bool url_under(const char *prefix, size_t plen, const char *url, size_t len)
{
	struct url r, c;

	return url_parse(prefix, plen, &r) && url_parse(url, len, &c) && url_covers(&r, &c);
}
