/*
 * errmsg.h - fill a caller's error buffer with a sentence for a person.
 *
 * Functions that can fail in ways an admin must read ("file:line: reason")
 * take (char *err, size_t errsz) and end with "return errmsg_set(err, errsz,
 * ...);", which formats, truncates safely and returns false.
 */
#ifndef GUESTLINK_ERRMSG_H
#define GUESTLINK_ERRMSG_H

#include <stdbool.h>
#include <stddef.h>

bool errmsg_set(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4), nonnull(1, 3)));

#endif
