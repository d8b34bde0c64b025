/*
 * auth_fast.h - the answers of GET /auth (nginx auth_request), built once
 * and reused instead of once per request.
 *
 * /auth is the request every resource page and every asset of it makes, so
 * its answer costs what a hello-world costs: the 401 and the 503 are made at
 * start-up (libmicrohttpd responses are reference-counted and may be queued
 * on any number of connections at once); a 200, which names the guest in
 * X-Guest-Email, is kept per address in a small table and made again only
 * when its slot held another address. The headers are those every otpd
 * answer carries (http.c send_answer). Only the answer is reused, never the
 * decision: each request is judged (signin_auth) before it is answered.
 */
#ifndef OTPD_AUTH_FAST_H
#define OTPD_AUTH_FAST_H

#include <microhttpd.h>

#include "signin.h"

struct auth_answers;

/* auth_answers_new - the answers (Content-Type, nosniff, no-store; no page headers); NULL if out of memory */
struct auth_answers *auth_answers_new(void) __attribute__((warn_unused_result));

/* auth_answer - queue the answer to ar on c; addr: the guest (AUTH_ALLOW only) */
enum MHD_Result auth_answer(struct auth_answers *aa, struct MHD_Connection *c, enum auth_result ar,
			    const char *addr) __attribute__((nonnull(1, 2)));

void auth_answers_free(struct auth_answers *aa);

#endif
