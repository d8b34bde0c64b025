/*
 * resource.c - strict http(s) URL parsing, normalisation and prefix matching
 * (see resource.h).
 *
 * Written by hand on purpose: the rules are about where a resource server
 * (nginx in front, an application behind) and we could disagree on the path
 * a request names, so we refuse every form on which servers differ (encoded
 * "/", "\", "." and controls, "//" before "..", "..;") instead of guessing,
 * and normalise the rest the way RFC 3986 says. No library URL parser
 * (libcurl's CURLU included) refuses those forms or offers that choice.
 * Fails by returning a url_status; never allocates.
 */
#include "resource.h"

#include <stdio.h>
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

static bool is_unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '~';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
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

/* A growing text of bounded size. */
struct out {
	char *p;
	size_t len, cap;
	bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_escape(struct out *o, unsigned v)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3] = { '%', hex[(v >> 4) & 15], hex[v & 15] };

	put(o, e, 3);
}

/* next_byte - the byte at *i (raw, or a %XX escape) and the index after it; -1: bad escape */
static int next_byte(const char *p, size_t len, size_t *i, bool *escaped)
{
	int h, l;

	if (p[*i] != '%') {
		*escaped = false;
		return (unsigned char)p[(*i)++];
	}
	if (*i + 2 >= len)
		return -1;
	h = hexval((unsigned char)p[*i + 1]);
	l = hexval((unsigned char)p[*i + 2]);
	if (h < 0 || l < 0)
		return -1;
	*escaped = true;
	*i += 3;
	return h * 16 + l;
}

/*
 * utf8_rest - after lead byte b (>= 0x80) at the position before *i, check
 * and emit the whole sequence escaped. Security: overlong forms ("%C0%AE" for
 * ".", "%C0%AF" for "/") are how IIS and others were fooled; refuse them,
 * surrogates and anything over U+10FFFF.
 */
static enum url_status utf8_rest(const char *p, size_t len, size_t *i, int b, struct out *o)
{
	int need, lo = 0x80, hi = 0xbf;
	bool esc;

	if (b >= 0xc2 && b <= 0xdf)
		need = 1;
	else if (b >= 0xe0 && b <= 0xef)
		need = 2;
	else if (b >= 0xf0 && b <= 0xf4)
		need = 3;
	else
		return URL_BAD_UTF8;
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	put_escape(o, (unsigned)b);
	for (int k = 0; k < need; k++) {
		int c;

		if (*i >= len)
			return URL_BAD_UTF8;
		c = next_byte(p, len, i, &esc);
		if (c < 0)
			return URL_BAD_ESCAPE;
		if (c < lo || c > hi)
			return URL_BAD_UTF8;
		put_escape(o, (unsigned)c);
		lo = 0x80;
		hi = 0xbf;
	}
	return URL_OK;
}

/* decode_path - [p, p+len) to o: unreserved escapes decoded, the rest checked and kept escaped */
static enum url_status decode_path(const char *p, size_t len, struct out *o)
{
	size_t i = 0;

	while (i < len) {
		bool esc;
		int c = next_byte(p, len, &i, &esc);
		char ch;

		if (c < 0)
			return URL_BAD_ESCAPE;
		if (c >= 0x80) {
			enum url_status s = utf8_rest(p, len, &i, c, o);

			if (s != URL_OK)
				return s;
			continue;
		}
		if (!esc) {
			if (c <= ' ' || c == 0x7f || c == '\\')
				return URL_BAD_CHAR;
			ch = (char)c;
			put(o, &ch, 1);
			continue;
		}
		if (c == '/')
			return URL_ENCODED_SLASH;
		if (c == '\\')
			return URL_ENCODED_BACKSLASH;
		if (c == '.')
			return URL_ENCODED_DOT;
		if (c < 0x20 || c == 0x7f)
			return URL_ENCODED_CONTROL;
		if (is_unreserved(c)) {
			ch = (char)c;
			put(o, &ch, 1);
		} else {
			put_escape(o, (unsigned)c);
		}
	}
	return URL_OK;
}

/* remove_dots - RFC 3986 5.2.4 on an absolute path d (only raw "/" and "." left in it) into o */
static enum url_status remove_dots(const char *d, size_t len, struct out *o)
{
	size_t i = 1;	/* d[0] == '/' */
	bool trailing = false;

	while (i <= len) {
		size_t s = i, n;
		bool last;

		while (i < len && d[i] != '/')
			i++;
		n = i - s;
		last = i >= len;
		i++;
		trailing = false;
		if (n == 0) {
			/* Security: nginx merges "//" before it resolves "..", RFC 3986 does not. */
			if (!last)
				return URL_EMPTY_SEGMENT;
			trailing = true;
		} else if (n == 1 && d[s] == '.') {
			trailing = last;
		} else if (n == 2 && d[s] == '.' && d[s + 1] == '.') {
			while (o->len > 0 && o->p[o->len - 1] != '/')
				o->len--;
			if (o->len > 0)
				o->len--;
			trailing = last;
		} else if ((n > 1 && d[s] == '.' && d[s + 1] == ';') ||
			   (n > 2 && d[s] == '.' && d[s + 1] == '.' && d[s + 2] == ';')) {
			/* Security: Tomcat and Jetty read "..;x" as "..". */
			return URL_DOT_PARAMS;
		} else {
			put(o, "/", 1);
			put(o, d + s, n);
		}
	}
	if (trailing || o->len == 0)
		put(o, "/", 1);
	return o->full ? URL_TOO_LONG : URL_OK;
}

/* parse_authority - host and port of [p, end) */
static enum url_status parse_authority(const char *p, const char *end, struct url *u)
{
	const char *colon = NULL;
	size_t hlen;

	for (const char *q = p; q < end; q++) {
		/* Security: userinfo and backslashes make hosts ambiguous. */
		if (*q == '@')
			return URL_USERINFO;
		if (*q == '\\' || (unsigned char)*q <= ' ' || *q == 0x7f)
			return URL_BAD_CHAR;
		if (*q == ':')
			colon = q;
	}
	if (colon != NULL && !parse_port(colon + 1, end, &u->port))
		return URL_BAD_PORT;
	hlen = (size_t)((colon ? colon : end) - p);
	/* One trailing dot names the same host (nginx drops it too). */
	if (hlen > 1 && p[hlen - 1] == '.')
		hlen--;
	if (hlen == 0 || hlen >= sizeof(u->host))
		return URL_BAD_HOST;
	for (size_t i = 0; i < hlen; i++) {
		int c = lower((unsigned char)p[i]);

		/* No empty label: ".x", "a..b", and "a.." (one trailing dot is dropped above). */
		if (!is_host_char(c) || (c == '.' && (i == 0 || i == hlen - 1 || p[i - 1] == '.')))
			return URL_BAD_HOST;
		u->host[i] = (char)c;
	}
	u->host[hlen] = '\0';
	return URL_OK;
}

enum url_status url_check(const char *text, size_t len, struct url *out)
{
	const char *p = text, *end = text + len, *auth, *pend, *qend;
	char tmp[3 * CAP_URL_BYTES + 1];
	struct out d = { tmp, 0, sizeof(tmp), false }, o;
	enum url_status s;

	memset(out, 0, sizeof(*out));
	if (len > CAP_URL_BYTES)
		return URL_TOO_LONG;
	if (len >= 8 && strncasecmp(p, "https://", 8) == 0) {
		out->https = true;
		out->port = 443;
		p += 8;
	} else if (len >= 7 && strncasecmp(p, "http://", 7) == 0) {
		out->port = 80;
		p += 7;
	} else {
		return URL_NOT_HTTP;
	}
	for (auth = p; p < end && *p != '/' && *p != '?' && *p != '#'; p++)
		;
	if ((s = parse_authority(auth, p, out)) != URL_OK)
		return s;
	out->bare = p == end;
	for (const char *q = p; q < end; q++)
		if (*q == '\\' || (unsigned char)*q <= ' ' || *q == 0x7f)
			return URL_BAD_CHAR;
	for (pend = p; pend < end && *pend != '?' && *pend != '#'; pend++)
		;
	for (qend = pend; qend < end && *qend != '#'; qend++)
		;
	put(&d, "/", 1);
	if ((s = decode_path(p < pend && *p == '/' ? p + 1 : p, (size_t)(pend - p) - (p < pend && *p == '/'), &d)) !=
	    URL_OK)
		return s;
	if (d.full)
		return URL_TOO_LONG;
	o = (struct out){ out->path, 0, sizeof(out->path) - 1, false };
	if ((s = remove_dots(tmp, d.len, &o)) != URL_OK)
		return s;
	out->path[o.len] = '\0';
	out->path_len = o.len;
	if (pend < end && *pend == '?') {
		out->query = pend;
		out->query_len = (size_t)(qend - pend);
	}
	return URL_OK;
}

bool url_parse(const char *text, size_t len, struct url *out)
{
	return url_check(text, len, out) == URL_OK;
}

const char *url_status_word(enum url_status s)
{
	switch (s) {
	case URL_OK:
		return "ok";
	case URL_NOT_HTTP:
		return "not an http:// or https:// URL";
	case URL_USERINFO:
		return "has a user name before the host";
	case URL_BAD_HOST:
		return "has a bad host name";
	case URL_BAD_PORT:
		return "has a bad port";
	case URL_BAD_CHAR:
		return "has a '\\', space or control character";
	case URL_BAD_ESCAPE:
		return "has a '%' not followed by two hex digits";
	case URL_ENCODED_SLASH:
		return "has an encoded '/' (%2F) in the path";
	case URL_ENCODED_BACKSLASH:
		return "has an encoded '\\' (%5C) in the path";
	case URL_ENCODED_DOT:
		return "has an encoded '.' (%2E) in the path";
	case URL_ENCODED_CONTROL:
		return "has an encoded NUL or control character in the path";
	case URL_BAD_UTF8:
		return "has overlong or invalid UTF-8 in the path";
	case URL_EMPTY_SEGMENT:
		return "has an empty path segment ('//')";
	case URL_DOT_PARAMS:
		return "has a '.' or '..' segment with ';' parameters";
	case URL_TOO_LONG:
		return "is too long";
	}
	return "is not a URL";
}

bool url_format(const struct url *u, char *out, size_t outsz)
{
	char port[8] = "";
	int n;

	if (u->port != (u->https ? 443u : 80u))
		snprintf(port, sizeof(port), ":%u", u->port);
	n = snprintf(out, outsz, "%s://%s%s%s%.*s", u->https ? "https" : "http", u->host, port, u->path,
		     (int)u->query_len, u->query != NULL ? u->query : "");
	return n > 0 && (size_t)n < outsz;
}

/* url_covers - is candidate c under prefix r (normalised paths, segment boundaries)? */
static bool url_covers(const struct url *r, const struct url *c)
{
	size_t rl = r->path_len;

	if (r->https != c->https || r->port != c->port || strcmp(r->host, c->host) != 0)
		return false;
	if (r->query != NULL)
		/* A prefix with a query (an invitation's exact link): that page and query only. */
		return strcmp(r->path, c->path) == 0 && c->query != NULL && c->query_len >= r->query_len &&
		       memcmp(c->query, r->query, r->query_len) == 0;
	if (c->path_len < rl || memcmp(c->path, r->path, rl) != 0)
		return false;
	return r->path[rl - 1] == '/' || c->path_len == rl || c->path[rl] == '/';
}

bool resource_list_add(struct resource_list *list, const char *text, const char **why)
{
	struct resource *items, *r;
	size_t len = strlen(text);
	enum url_status s;

	items = realloc(list->items, (list->n + 1) * sizeof(*items));
	if (items == NULL) {
		*why = "out of memory";
		return false;
	}
	list->items = items;
	r = &items[list->n];
	if (memchr(text, '?', len) != NULL || memchr(text, '#', len) != NULL) {
		*why = "must not contain '?' or '#': a resource is a host and a path prefix";
		return false;
	}
	if ((s = url_check(text, len, &r->url)) != URL_OK) {
		*why = url_status_word(s);
		return false;
	}
	/* Security: the prefix is kept normalised, so it is compared as the candidates are. */
	r->text = malloc(CAP_URL_BYTES + 1);
	if (r->text == NULL) {
		*why = "out of memory";
		return false;
	}
	if (!url_format(&r->url, r->text, CAP_URL_BYTES + 1)) {
		free(r->text);
		*why = "is too long";
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
