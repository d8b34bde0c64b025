/*
 * http.h - otpd's HTTP front: the libmicrohttpd glue. The request becomes
 * a struct step_in, its row of the route table (routes.h) runs its step
 * (step.h), and the outcome is rendered (render.h) and sent. A response is
 * queued only once the request is complete. Every response carries a strict CSP, no-store and
 * no-referrer (the URL holds the token).
 * Ownership: http_start() takes an already-bound listening socket (opened
 * before privileges were dropped); http_stop() stops the threads and
 * closes it (listen.h opens it).
 */
#ifndef OTPD_HTTP_H
#define OTPD_HTTP_H

#include "otpd_config.h"
#include "flow.h"

struct http_server;

struct http_server *http_start(int listen_fd, const struct flow_ctx *fx) __attribute__((warn_unused_result, nonnull));
struct http_server *http_stop(struct http_server *h);

#endif
