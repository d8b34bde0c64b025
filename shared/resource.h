/*
 * resource.h - URL prefixes of the organisation's resources, and matching.
 *
 * A resource is an http(s) URL prefix from the config ("resources = ...").
 * A candidate URL matches when scheme, host (both case-insensitive) and port
 * are equal and its path starts with the resource path at a path boundary:
 *   https://wiki.example.org/space   matches .../space, .../space/x, .../space?q
 *                                    not .../spaces
 *   https://teams.example.org/        never matches teams.example.org.evil.net
 * Security: candidates with userinfo, backslashes, percent-escapes in the
 * host, or dot segments in the path never match (they are where browsers and
 * parsers disagree about which host or path is meant).
 *
 * Ownership: lists are filled by resource_list_add() and freed with
 * resource_list_free(); matches point into the list.
 */
#ifndef GUESTLINK_RESOURCE_H
#define GUESTLINK_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>

struct url {
	bool https;
	char host[256];		/* lower case */
	unsigned port;		/* explicit or the scheme's default */
	const char *path;	/* into the parsed text: path, query, fragment ("" = "/") */
	size_t path_len;
};

struct resource {
	char *text;		/* as configured */
	struct url url;		/* url.path points into text */
};

struct resource_list {
	size_t n;
	struct resource *items;
};

/* url_parse - parse an absolute http(s) URL of len bytes; false if it is not one we trust */
bool url_parse(const char *text, size_t len, struct url *out) __attribute__((warn_unused_result, nonnull));

/* resource_list_add - parse and append one configured prefix; false with a reason */
bool resource_list_add(struct resource_list *list, const char *text, const char **why)
	__attribute__((warn_unused_result, nonnull));
void resource_list_free(struct resource_list *list) __attribute__((nonnull));

/* resource_match - the first resource whose prefix covers the URL, or NULL */
const struct resource *resource_match(const struct resource_list *list, const char *url, size_t len)
	__attribute__((nonnull));

/* url_under - is the candidate URL under the prefix URL (both as text)? */
bool url_under(const char *prefix, size_t plen, const char *url, size_t len) __attribute__((nonnull));

#endif
