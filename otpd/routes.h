/*
 * routes.h - otpd's route table: one row per route, and the pipeline that
 * runs a row. Routing, body limits and dispatch read only the table.
 *
 *   routes_match  the row of a path (and where its token is), or NULL
 *   routes_run    the row's checks in a fixed order, then its step:
 *                   1. a link route: the token must verify (flow_link);
 *                   2. the CSRF context: a GET gets a token (and a cookie),
 *                      a POST must carry one that matches;
 *                   3. a POST must have the row's required fields;
 *                   4. the step; its view must be one the row lists.
 * The glue (http.c) checks method, size and Content-Type from the row
 * before routes_run. No libmicrohttpd in here.
 * Security: the one place every URL passes through: a token longer than
 * CAP_TOKEN_BYTES or not base64url is no route at all (404), so no step
 * copies more than in->token holds.
 */
#ifndef OTPD_ROUTES_H
#define OTPD_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "step.h"

enum route_method {
	METHOD_GET = 1,			/* HEAD too */
	METHOD_POST = 2,
};

enum body_kind {
	BODY_NONE,			/* no body is read */
	BODY_FORM,			/* application/x-www-form-urlencoded, else an empty form */
	BODY_JSON,			/* the API's flat object; another Content-Type is a 415 */
	BODY_REPORT,			/* the milter's signed JSON report, raw; another Content-Type is a 415 */
};

enum answer_kind {
	ANSWER_HTML,			/* pages (render_html) */
	ANSWER_JSON,			/* {"status":...} / {"error":...} (render_json) */
	ANSWER_TEXT,			/* the step's plain text (healthz, stylesheet, /auth) */
};

enum csrf_ctx {
	CSRF_NONE,
	CSRF_LINK,			/* the invitation's id: the accept link's forms */
	CSRF_LOGIN,			/* FLOW_LOGIN_ID: /login */
	CSRF_MFA,			/* /mfa/..., /privacy */
	CSRF_ACCOUNT,			/* /account/... */
};

/* Fields a POST must carry (else 400). */
#define NEED_EMAIL 1u
#define NEED_CODE 2u
#define NEED_EMAIL_CODE 4u

/* A set of page views (bit VIEW_x). */
#define VIEWS(x) (UINT64_C(1) << (x))

struct route {
	const char *name;		/* for logs and tests */
	const char *path;		/* exact, or with token: the prefix before it */
	const char *suffix;		/* token routes: what follows the token ("" also takes "/") */
	bool token;
	unsigned methods;		/* enum route_method bits */
	enum body_kind body;
	size_t cap;			/* body bytes */
	enum csrf_ctx csrf;
	bool csrf_first;		/* a POST gets its CSRF cookie before the check (the page answers set it) */
	unsigned need;			/* NEED_* bits */
	enum answer_kind answer;
	step_fn *step;
	uint64_t views;			/* ANSWER_HTML: the views the step may answer with */
};

/* routes_match - the row of url, with the token's place for token rows; NULL: no route */
const struct route *routes_match(const char *url, const char **tok, size_t *tok_len) __attribute__((nonnull));

/* routes_allows - may the row be called with this method ("GET", "HEAD", "POST", ...)? */
bool routes_allows(const struct route *r, const char *method) __attribute__((nonnull));

/* routes_run - steps 1 to 4 above; out must be step_out_init'ed by the caller (after in is filled) */
void routes_run(const struct route *r, struct step_in *in, struct step_out *out) __attribute__((nonnull));

/* routes_table - the rows, for tests and docs; *n gets their number */
const struct route *routes_table(size_t *n) __attribute__((nonnull));

#endif
