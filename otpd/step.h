/*
 * step.h - one request of otpd as data, with no HTTP library in it.
 *
 *   http.c fills a struct step_in from the connection (cookies, the form or
 *   the JSON body, the client address, accessors for headers and the query);
 *   routes.c runs the route's row (link, CSRF, required fields) and its step;
 *   the step (steps_*.c) calls the flow modules and fills one struct
 *   step_out: status, the page's view (HTML) or the JSON word, Retry-After,
 *   cookies, Location; render.c writes it as HTML or JSON.
 *
 * So an HTML route and its JSON twin are one step: the step sets both the
 * view and the word, and the row's answer kind picks the renderer.
 * Ownership: step_in points into the request (form, body, connection) and
 * lives as long as it; step_out owns what its page points at (QR code,
 * recovery codes, the account view, ...): step_out_release() wipes and frees
 * it, and must be called once per step_out_init().
 * Security: the cookies, the CSRF context and what a page shows are chosen
 * here and in routes.c only, from the row: a step cannot answer with a view
 * its row does not list (routes.c refuses it with a 500).
 */
#ifndef OTPD_STEP_H
#define OTPD_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "caps.h"
#include "flow.h"
#include "idp.h"
#include "pages.h"
#include "session.h"
#include "signin.h"

/* The status codes otpd answers with (RFC 9110, 6585). */
enum http_status {
	HTTP_OK = 200,
	HTTP_CREATED = 201,
	HTTP_ACCEPTED = 202,
	HTTP_SEE_OTHER = 303,
	HTTP_BAD_REQUEST = 400,
	HTTP_UNAUTHORIZED = 401,
	HTTP_FORBIDDEN = 403,
	HTTP_NOT_FOUND = 404,
	HTTP_METHOD_NOT_ALLOWED = 405,
	HTTP_GONE = 410,
	HTTP_CONTENT_TOO_LARGE = 413,
	HTTP_UNSUPPORTED_MEDIA_TYPE = 415,
	HTTP_TOO_MANY_REQUESTS = 429,
	HTTP_HEADER_FIELDS_TOO_LARGE = 431,
	HTTP_INTERNAL_SERVER_ERROR = 500,
	HTTP_BAD_GATEWAY = 502,
	HTTP_SERVICE_UNAVAILABLE = 503,
};

struct privacy_done;
struct route;
struct step_in;

/* Accessors of the request the glue (or a unit test) provides: the first value of a header or query
 * argument, or NULL; how many header fields carry a name. */
struct step_source {
	const char *(*header)(void *conn, const char *name);
	const char *(*query)(void *conn, const char *name);
	size_t (*header_count)(void *conn, const char *name);
	void *conn;
};

struct step_in {
	const struct flow_ctx *fx;
	const struct route *rt;		/* the row */
	struct step_source src;
	uint64_t now;
	bool post;			/* POST; else GET or HEAD */
	bool json;			/* the row answers JSON */
	enum lang lang;			/* Accept-Language, then ?lang=, then the form's lang */
	/* An /accept route's link: its text (token, below, once routes.c verified it: have_link). */
	const char *tok;
	size_t tok_len;
	bool have_link;
	/* The form's or the JSON body's fields, NULL when absent. body_ok: the body parsed (a form that did
	 * not is an empty form; a JSON body that did not is a bad request). */
	struct {
		const char *email, *code, *email_code, *method, *csrf, *confirm, *rd, *lang;
	} f;
	bool body_ok;
	const char *body;		/* BODY_REPORT: the raw body */
	size_t body_len;
	/* Cookies, "" when absent. */
	char csrf_cookie[CSRF_TEXT];
	char session_cookie[SESSION_TEXT];
	char state_cookie[OIDC_RANDOM_TEXT + 1];
	char csrf[CSRF_TEXT];		/* the CSRF token of the page's forms (routes.c or step_csrf) */
	struct flow_client client;	/* POST only */
	/* Last, and large: cleared only by the routes that use them (routes_run), not per request. */
	char token[CAP_TOKEN_BYTES + 1];	/* the link's text, NUL-terminated */
	struct token t;				/* have_link: the verified token */
};

/* STEP_IN_HEAD - the part of struct step_in cleared (and wiped) per request; token and t are filled
 * before they are read */
#define STEP_IN_HEAD offsetof(struct step_in, token)

#define STEP_COOKIES 3
#define STEP_COOKIE_MAX CAP_SET_COOKIE_BYTES

struct step_out {
	unsigned status;
	struct page pg;			/* HTML: the page, pg.view */
	const char *key, *word;		/* JSON: {"key":"word"} */
	const char *next;		/* JSON: and "next":next */
	uint64_t retry_after;		/* seconds; 0: none */
	char cookies[STEP_COOKIES][STEP_COOKIE_MAX];	/* Set-Cookie values; "" unused */
	char set_csrf[STEP_COOKIE_MAX];	/* a new CSRF cookie: sent with a page, never with a redirect */
	const char *location;		/* a 303's target */
	const char *guest_email;	/* /auth: X-Guest-Email */
	const char *text;		/* a plain body (healthz, the stylesheet, /auth), with ctype */
	const char *ctype;
	bool cacheable;
	/* What the page and the headers point at; step_out_release frees it. */
	char addr[ADDR_BUF];
	char rd[CAP_URL_BYTES + 1];
	char next_buf[CAP_URL_BYTES + 64];
	struct buf url, qr, uri;
	struct signin_setup *setup;	/* sodium_malloc'd */
	struct signin_done *done;	/* sodium_malloc'd */
	struct idp_done *idp;
	struct privacy_done *privacy;	/* sodium_malloc'd */
	struct account_view *account;
	struct mfa_recovery *recovery;
};

typedef void step_fn(struct step_in *in, struct step_out *out);

/* step_out_init - an empty outcome: 200, the page's common parts from in (language, organisation, token, csrf) */
void step_out_init(struct step_out *out, const struct step_in *in) __attribute__((nonnull));
/* step_out_release - wipe (the page may have spelled a secret or recovery codes) and free what out holds */
void step_out_release(struct step_out *out) __attribute__((nonnull));

/* step_answer - status, view and JSON word at once (key "status" below 400, else "error") */
void step_answer(struct step_out *out, unsigned status, enum page_view view, const char *word)
	__attribute__((nonnull));
/* step_redirect - a 303 to to (which must outlive out) */
void step_redirect(struct step_out *out, const char *to) __attribute__((nonnull));
/* step_link_refused - the answer for a link that is not (or no longer) valid */
void step_link_refused(struct step_out *out, enum link_status ls) __attribute__((nonnull));
unsigned step_link_status(enum link_status ls);
enum page_view step_link_view(enum link_status ls);

/* Cookies. Security: with cookie_secure the CSRF cookie, and the session cookie unless cookie_domain
 * shares it, carry the __Host- prefix (a sibling host cannot plant or shadow them). */
const char *step_csrf_cookie_name(const struct otpd_config *cfg) __attribute__((nonnull));
const char *step_session_cookie_name(const struct otpd_config *cfg) __attribute__((nonnull));
const char *step_state_cookie_name(const struct otpd_config *cfg) __attribute__((nonnull));
/* step_read_cookies - the three cookies of a Cookie header (NULL: none) into in */
void step_read_cookies(struct step_in *in, const char *header) __attribute__((nonnull(1)));
/* step_session_cookie - Set-Cookie for the session cookie (value "" and max_age 0 clear it) */
void step_session_cookie(struct step_out *out, const struct otpd_config *cfg, const char *value, long long max_age)
	__attribute__((nonnull));
/* step_state_cookie - Set-Cookie for the organisation sign-in's state (value "", max_age 0: clear it) */
void step_state_cookie(struct step_out *out, const struct otpd_config *cfg, const char *value, long long max_age)
	__attribute__((nonnull));
/* step_csrf - make sure the browser has a CSRF cookie (out->set_csrf when new) and make in->csrf for ctx */
void step_csrf(struct step_in *in, struct step_out *out, const uint8_t ctx[TOKEN_ID_LEN]) __attribute__((nonnull));

/* step_lang - the request's language: Accept-Language, ?lang=, the form's lang field */
enum lang step_lang(const struct step_in *in) __attribute__((nonnull));
/* step_query - a query argument, or NULL */
const char *step_query(const struct step_in *in, const char *name) __attribute__((nonnull));
/* step_next_path - the MFA step after a code, in the guest's language (LANG_N: the plain path of the API) */
const char *step_next_path(enum flow_next next, enum lang l);
/* step_rd - a usable rd, normalised (resource.h) into out->rd, short enough for a form field; or "" */
const char *step_rd(struct step_out *out, const char *rd) __attribute__((nonnull(1)));

/* The steps: the accept link and /login (steps_signin.c), MFA and privacy (steps_mfa.c), the guest's own
 * page (steps_account.c), the provider's callback (steps_idp.c), and the service routes (steps_service.c). */
step_fn step_accept_page, step_login_page, step_email, step_code;
step_fn step_mfa_setup, step_mfa_verify, step_privacy;
step_fn step_account, step_account_recovery, step_account_auth_email, step_account_auth;
step_fn step_oidc_callback;
step_fn step_healthz, step_style, step_auth, step_invitations;

#endif
