/*
 * listen.h - the daemons' listen specs: "host:port", "[v6]:port" or
 * "unix:/path" (otpd's listen), "unix:/path" or "local:/path" (the milter's
 * socket, which libmilter opens itself, "inet:PORT@HOST" included).
 *
 * listen_open binds and listens (a unix socket mode 0660, an old socket file
 * replaced); call it before privileges are dropped. The fd is the caller's.
 * Failure: -1 and a reason in err that names the spec.
 */
#ifndef SHARED_LISTEN_H
#define SHARED_LISTEN_H

#include <stddef.h>

/* listen_open - a listening stream socket for spec; -1 with a reason */
int listen_open(const char *spec, char *err, size_t errsz) __attribute__((warn_unused_result, nonnull));

/* listen_unix_path - the file of a "unix:" or "local:" spec, or NULL (a network socket) */
const char *listen_unix_path(const char *spec) __attribute__((nonnull));

#endif
