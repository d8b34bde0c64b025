/*
 * resource.h - URL prefixes of the organisation's resources, and matching.
 *
 * The one URL normaliser of the project: every place that matches a URL
 * against a resource prefix (the milter's links, otpd's /auth, rd, the
 * redirect after sign-in, configured prefixes) judges the URL as the
 * resource server will see it (issue 10, finding 2):
 *   - scheme and host lower-cased, one trailing dot of the host dropped, the
 *     scheme's default port dropped (":443" = none for https);
 *   - percent-escapes of unreserved characters (ALPHA DIGIT - _ ~) decoded,
 *     every other escape kept with upper-case hex;
 *   - RFC 3986 section 5.2.4 dot-segment removal;
 *   - refused (URL_ENCODED_*, URL_BAD_*): an escape of "/", "\", ".", NUL or
 *     any control in the path, overlong or otherwise invalid UTF-8 (raw or
 *     escaped), a raw "\" or control anywhere, an empty segment ("//", which
 *     nginx merges before it resolves "..", unlike RFC 3986), a "." or ".."
 *     segment with ";parameters" (Tomcat's "..;/"), userinfo, an escape in
 *     the host, a bad port.
 * A candidate URL matches when scheme, host and port are equal and its
 * normalised path starts with the resource's at a segment boundary:
 *   https://wiki.example.org/space   matches .../space, .../space/x, .../space?q
 *                                    not .../spaces
 *   https://teams.example.org/        never matches teams.example.org.evil.net
 *
 * Ownership: lists are filled by resource_list_add() and freed with
 * resource_list_free(); matches point into the list. struct url owns its
 * normalised path; query points into the parsed text.
 */
#ifndef GUESTLINK_RESOURCE_H
#define GUESTLINK_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"

enum url_status {
	URL_OK,
	URL_NOT_HTTP,		/* not http:// or https:// */
	URL_USERINFO,		/* "@" before the host */
	URL_BAD_HOST,		/* empty, an escape, a character not of a DNS name */
	URL_BAD_PORT,
	URL_BAD_CHAR,		/* a raw "\", space or control */
	URL_BAD_ESCAPE,		/* "%" not followed by two hex digits */
	URL_ENCODED_SLASH,	/* %2F */
	URL_ENCODED_BACKSLASH,	/* %5C */
	URL_ENCODED_DOT,	/* %2E */
	URL_ENCODED_CONTROL,	/* %00 .. %1F, %7F */
	URL_BAD_UTF8,		/* overlong, surrogate, over U+10FFFF, truncated */
	URL_EMPTY_SEGMENT,	/* "//" in the path */
	URL_DOT_PARAMS,		/* "..;x" or ".;x" */
	URL_TOO_LONG,
};

struct url {
	bool https;
	bool bare;		/* nothing after the authority (not even "/") */
	char host[CAP_HOST_BYTES];	/* lower case, no trailing dot */
	unsigned port;		/* explicit or the scheme's default */
	char path[CAP_URL_BYTES + 1];	/* normalised, starts with "/" */
	size_t path_len;
	const char *query;	/* into the parsed text: "?..." without the fragment, or NULL */
	size_t query_len;
};

struct resource {
	char *text;		/* as configured */
	struct url url;
};

struct resource_list {
	size_t n;
	struct resource *items;
};

/* url_check - parse and normalise an absolute http(s) URL of len bytes; URL_OK or why not */
enum url_status url_check(const char *text, size_t len, struct url *out) __attribute__((warn_unused_result, nonnull));

/* url_parse - url_check() == URL_OK */
bool url_parse(const char *text, size_t len, struct url *out) __attribute__((warn_unused_result, nonnull));

/* url_status_word - a short reason for logs and config errors */
const char *url_status_word(enum url_status s);

/* url_format - the normalised URL as text (fragment dropped); false if it does not fit */
bool url_format(const struct url *u, char *out, size_t outsz) __attribute__((warn_unused_result, nonnull));

/* resource_list_add - parse and append one configured prefix; false with a reason */
bool resource_list_add(struct resource_list *list, const char *text, const char **why)
	__attribute__((warn_unused_result, nonnull));
void resource_list_free(struct resource_list *list) __attribute__((nonnull));

/* resource_match - the first resource whose prefix covers the URL, or NULL */
const struct resource *resource_match(const struct resource_list *list, const char *url, size_t len)
	__attribute__((nonnull));

/* url_under - is the candidate URL under the prefix URL (both as text, both normalised first)? */
bool url_under(const char *prefix, size_t plen, const char *url, size_t len) __attribute__((nonnull));

#endif
