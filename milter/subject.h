/*
 * subject.h - find and remove the invitation tag in a Subject header value.
 *
 * The tag is matched case-insensitively. A literal tag is removed from the
 * raw value byte for byte (with one neighbouring space), so the rest of the
 * subject stays exactly as the staff member wrote it. A tag inside RFC 2047
 * encoded words ("=?UTF-8?B?W2ludml0ZV0g...?=", as Outlook and phones send
 * non-ASCII subjects) is found by decoding with GMime; the subject is then
 * re-encoded as UTF-8 without the tag.
 *
 * Ownership: out is the caller's; it is filled only when the tag was found.
 */
#ifndef GUESTLINK_SUBJECT_H
#define GUESTLINK_SUBJECT_H

#include <stdbool.h>

#include "buf.h"

enum subject_tag {
	SUBJECT_UNTAGGED,
	SUBJECT_TAGGED,		/* out holds the new value */
	SUBJECT_ERROR,		/* tagged, but out of memory or cap */
};

enum subject_tag subject_strip_tag(const char *value, const char *tag, struct buf *out)
	__attribute__((warn_unused_result, nonnull));

#endif
