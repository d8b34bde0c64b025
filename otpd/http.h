/*
 * http.h - otpd's HTTP front: libmicrohttpd, routes, responses.
 *
 * Routes are thin: parse the request (form.h), call the flow (flow.h),
 * render (pages.h) or answer JSON. A response is queued only once the
 * request is complete. Every response carries a strict CSP, no-store and
 * no-referrer (the URL holds the token).
 * Ownership: http_start() takes an already-bound listening socket (opened
 * before privileges were dropped); http_stop() stops the threads and
 * closes it.
 */
#ifndef OTPD_HTTP_H
#define OTPD_HTTP_H

#include "otpd_config.h"
#include "flow.h"

struct http_server;

struct http_server *http_start(int listen_fd, const struct flow_ctx *fx) __attribute__((warn_unused_result, nonnull));
struct http_server *http_stop(struct http_server *h);

/* http_listen - bind and listen on "host:port", "[v6]:port" or "unix:/path"; -1 with a reason */
int http_listen(const char *spec, char *err, size_t errsz) __attribute__((nonnull));

#endif
