/*
 * addr.h - mail addresses as guestlink compares, hashes and puts them in headers.
 *
 * addr_normalize() takes an envelope or typed address ("<Guest@Example.ORG>",
 * " guest@example.org ") and gives the canonical form used for hashing and
 * lookups: no angle brackets or surrounding space, all lower case.
 * Security: it refuses anything with control characters, spaces, quotes,
 * commas, angle brackets or semicolons inside, so a normalized address can go
 * into a mail header or an SMTP command without injection.
 */
#ifndef GUESTLINK_ADDR_H
#define GUESTLINK_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"

#define ADDR_BUF (CAP_ADDR_BYTES + 1)

bool addr_normalize(const char *in, size_t len, char out[ADDR_BUF]) __attribute__((warn_unused_result, nonnull));

/* addr_domain - the part after the last '@' of a normalized address */
const char *addr_domain(const char *addr) __attribute__((nonnull));

#endif
