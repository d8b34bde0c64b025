/*
 * http.c - libmicrohttpd glue and routes (see http.h).
 *
 *   GET  /healthz, /static/style.css
 *   GET  /accept/<token>                   the invitation, asks for the address
 *   POST /accept/<token>/email             (email, csrf, lang)
 *   POST /accept/<token>/code              (email, code, csrf, lang)
 *   POST /api/v1/accept/<token>/email      {"email":...}
 *   POST /api/v1/accept/<token>/code       {"email":...,"code":...}
 *   POST /api/v1/invitations               the milter's signed report
 *   GET  /login[?rd=URL], POST /login/email, POST /login/code    returning guests
 *   GET/POST /mfa/setup                    enrolment: QR code, confirm, recovery codes
 *   GET/POST /mfa/verify                   TOTP or recovery code after an emailed code
 *   GET  /auth                             nginx auth_request: 200 + X-Guest-Email, or 401
 *   GET  /oidc/callback?code=&state=       back from the guest's own organisation (idp.h)
 *
 * The email steps (/accept/<token>/email, its JSON twin, /login/email) send an
 * address of a configured domain to its provider (idp_begin) unless the guest
 * asked for a code (method=code); every other address gets the code flow.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "auth_fast.h"
#include "caps.h"
#include "codes.h"
#include "form.h"
#include "guest.h"
#include "idp.h"
#include "invite.h"
#include "log.h"
#include "pages.h"
#include "privacy.h"
#include "qr.h"
#include "resource.h"
#include "signin.h"
#include "text.h"

/*
 * Security: a strict CSP. form-action also governs the redirect that follows
 * a form POST (Chromium enforces it), so the origins of the configured
 * OpenID Connect providers are allowed there: the email step's 303 goes to a
 * provider's authorization endpoint, which must share its issuer's origin.
 * Built once at start-up (csp_build), read-only afterwards.
 */
#define CSP_HEAD "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'"
#define CSP_TAIL "; frame-ancestors 'none'; base-uri 'none'"
static char csp[2048] = CSP_HEAD CSP_TAIL;

struct http_server {
	struct MHD_Daemon *mhd;
	const struct flow_ctx *fx;
	int fd;
	struct auth_answers *auth;	/* /auth's answers, made once (auth_fast.h) */
};

enum route {
	ROUTE_NONE,
	ROUTE_HEALTHZ,
	ROUTE_STYLE,
	ROUTE_ACCEPT,		/* GET page */
	ROUTE_EMAIL,
	ROUTE_CODE,
	ROUTE_API_EMAIL,
	ROUTE_API_CODE,
	ROUTE_API_INVITATIONS,
	ROUTE_AUTH,
	ROUTE_LOGIN,		/* GET page */
	ROUTE_LOGIN_EMAIL,
	ROUTE_LOGIN_CODE,
	ROUTE_MFA_SETUP,	/* GET page, POST confirm */
	ROUTE_MFA_VERIFY,	/* GET page, POST code */
	ROUTE_OIDC_CALLBACK,	/* GET: back from the provider */
	ROUTE_ACCOUNT,		/* GET: the guest's own page (account.h) */
	ROUTE_ACCOUNT_LEAVE,	/* POST: delete my guest account */
	ROUTE_ACCOUNT_RECOVERY,	/* POST: new recovery codes (with the current TOTP or a recovery code) */
	ROUTE_ACCOUNT_AUTH_EMAIL,	/* POST: a new authenticator, step 1: mail a code */
	ROUTE_ACCOUNT_AUTH,	/* POST: step 2: both codes, then /mfa/setup */
	ROUTE_PRIVACY,		/* GET page, POST accept (privacy.h) */
};

/* CSRF context ids of the page families without an invitation. */
static const uint8_t MFA_CSRF_ID[TOKEN_ID_LEN] = "guestlink-mfa-cs";
static const uint8_t ACCOUNT_CSRF_ID[TOKEN_ID_LEN] = "guestlink-accoun";

struct req {
	struct buf body;
	bool too_big;
};

/* A response being built: status, content, extra headers. */
struct answer {
	unsigned status;
	const char *ctype;
	struct buf body;
	const char *cookies[3];
	char retry_after[24];
	const char *location;
	bool cacheable;
};

static void answer_init(struct answer *a)
{
	memset(a, 0, sizeof(*a));
	buf_init(&a->body, CAP_PAGE_BYTES);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, struct answer *a)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(a->body.len, a->body.data, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	buf_release(&a->body);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", a->ctype ? a->ctype : "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cache-Control", a->cacheable ? "public, max-age=86400" : "no-store");
	for (size_t i = 0; i < 3; i++)
		if (a->cookies[i] != NULL)
			MHD_add_response_header(r, "Set-Cookie", a->cookies[i]);
	if (a->retry_after[0] != '\0')
		MHD_add_response_header(r, "Retry-After", a->retry_after);
	if (a->location != NULL)
		MHD_add_response_header(r, "Location", a->location);
	ret = MHD_queue_response(c, a->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, const char *key, const char *value,
				 uint64_t retry_after)
{
	struct answer a;

	answer_init(&a);
	a.status = status;
	a.ctype = "application/json";
	if (!buf_printf(&a.body, "{\"%s\":\"%s\"}\n", key, value))
		buf_reset(&a.body);
	if (retry_after > 0)
		snprintf(a.retry_after, sizeof(a.retry_after), "%llu", (unsigned long long)retry_after);
	return send_answer(c, &a);
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct answer a;

	answer_init(&a);
	a.status = status;
	if (!buf_puts(&a.body, text))
		buf_reset(&a.body);
	return send_answer(c, &a);
}

static bool b64url_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
	       ch == '_';
}

/*
 * parse_route - which route, and where the token is in url.
 * Security: the one place every request's URL passes through: a token longer
 * than CAP_TOKEN_BYTES is no route at all (404), so no route handler ever
 * copies more than its CAP_TOKEN_BYTES + 1 array holds (issue 10, finding 3:
 * page_req_init copied the token before anything looked at its length).
 */
static enum route parse_route(const char *url, const char **tok, size_t *tok_len)
{
	bool api = false;
	const char *p, *end;

	*tok = NULL;
	*tok_len = 0;
	if (strcmp(url, "/healthz") == 0)
		return ROUTE_HEALTHZ;
	if (strcmp(url, "/static/style.css") == 0)
		return ROUTE_STYLE;
	if (strcmp(url, "/api/v1/invitations") == 0)
		return ROUTE_API_INVITATIONS;
	if (strcmp(url, "/auth") == 0)
		return ROUTE_AUTH;
	if (strcmp(url, "/login") == 0)
		return ROUTE_LOGIN;
	if (strcmp(url, "/login/email") == 0)
		return ROUTE_LOGIN_EMAIL;
	if (strcmp(url, "/login/code") == 0)
		return ROUTE_LOGIN_CODE;
	if (strcmp(url, "/mfa/setup") == 0)
		return ROUTE_MFA_SETUP;
	if (strcmp(url, "/mfa/verify") == 0)
		return ROUTE_MFA_VERIFY;
	if (strcmp(url, OIDC_CALLBACK_PATH) == 0)
		return ROUTE_OIDC_CALLBACK;
	if (strcmp(url, "/account") == 0)
		return ROUTE_ACCOUNT;
	if (strcmp(url, "/account/leave") == 0)
		return ROUTE_ACCOUNT_LEAVE;
	if (strcmp(url, "/account/recovery") == 0)
		return ROUTE_ACCOUNT_RECOVERY;
	if (strcmp(url, "/account/authenticator/email") == 0)
		return ROUTE_ACCOUNT_AUTH_EMAIL;
	if (strcmp(url, "/account/authenticator") == 0)
		return ROUTE_ACCOUNT_AUTH;
	if (strcmp(url, "/privacy") == 0)
		return ROUTE_PRIVACY;
	if (strncmp(url, "/api/v1/accept/", 15) == 0) {
		api = true;
		p = url + 15;
	} else if (strncmp(url, "/accept/", 8) == 0) {
		p = url + 8;
	} else {
		return ROUTE_NONE;
	}
	for (end = p; *end != '\0' && b64url_char(*end); end++)
		if (end - p >= (ptrdiff_t)CAP_TOKEN_BYTES)
			return ROUTE_NONE;
	*tok = p;
	*tok_len = (size_t)(end - p);
	if (*end == '\0' || strcmp(end, "/") == 0)
		return api ? ROUTE_NONE : ROUTE_ACCEPT;
	if (strcmp(end, "/email") == 0)
		return api ? ROUTE_API_EMAIL : ROUTE_EMAIL;
	if (strcmp(end, "/code") == 0)
		return api ? ROUTE_API_CODE : ROUTE_CODE;
	return ROUTE_NONE;
}

static bool is_post_route(enum route r)
{
	return r == ROUTE_EMAIL || r == ROUTE_CODE || r == ROUTE_API_EMAIL || r == ROUTE_API_CODE ||
	       r == ROUTE_API_INVITATIONS || r == ROUTE_LOGIN_EMAIL || r == ROUTE_LOGIN_CODE || r == ROUTE_ACCOUNT_LEAVE ||
	       r == ROUTE_ACCOUNT_RECOVERY || r == ROUTE_ACCOUNT_AUTH_EMAIL || r == ROUTE_ACCOUNT_AUTH;
}

static bool is_get_and_post_route(enum route r)
{
	return r == ROUTE_MFA_SETUP || r == ROUTE_MFA_VERIFY || r == ROUTE_PRIVACY;
}

static size_t body_cap(enum route r)
{
	if (r == ROUTE_API_INVITATIONS)
		return CAP_HTTP_REPORT_BYTES;
	if (r == ROUTE_API_EMAIL || r == ROUTE_API_CODE)
		return CAP_HTTP_JSON_BYTES;
	return CAP_HTTP_FORM_BYTES;
}

static bool content_type_is(struct MHD_Connection *c, const char *want)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen(want);

	return ct != NULL && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* xff_lines - every X-Forwarded-For line, joined with ',' in the order received (RFC 9110 5.3). When they do
 * not fit, the left is cut off: the walk below starts at the right, and a cut entry is no address. */
struct xff_join {
	char text[1024];
	size_t len;
	bool cut;
};

static enum MHD_Result xff_line(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct xff_join *j = cls;
	size_t n = value != NULL ? strlen(value) : 0, need = n + (j->len > 0);

	(void)kind;
	if (key == NULL || strcasecmp(key, "X-Forwarded-For") != 0 || n == 0)
		return MHD_YES;
	if (need >= sizeof(j->text)) {
		/* This line alone is too long: keep its tail only. */
		memcpy(j->text, value + n - (sizeof(j->text) - 1), sizeof(j->text) - 1);
		j->len = sizeof(j->text) - 1;
		j->cut = true;
	} else {
		if (j->len + need >= sizeof(j->text)) {
			size_t drop = j->len + need - (sizeof(j->text) - 1);

			memmove(j->text, j->text + drop, j->len - drop);
			j->len -= drop;
			j->cut = true;
		}
		if (j->len > 0)
			j->text[j->len++] = ',';
		memcpy(j->text + j->len, value, n);
		j->len += n;
	}
	j->text[j->len] = '\0';
	return MHD_YES;
}

/* client_address - the guest's address: the peer, or from X-Forwarded-For when the peer is a trusted proxy.
 * Security: the client is the rightmost entry that is not one of trusted_proxies: entries on its left are
 * whatever the client sent. All X-Forwarded-For lines count, the last one last (a proxy that adds its own
 * line instead of appending); an entry that is no address stops the walk (one shared bucket). */
static void client_address(struct MHD_Connection *c, const struct config *cfg, struct flow_client *out)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	char peer[INET6_ADDRSTRLEN] = "", item[INET6_ADDRSTRLEN];
	const char *xff = NULL, *end;
	struct xff_join *j = NULL;
	bool trusted;

	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, peer, sizeof(peer));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, peer, sizeof(peer));
	trusted = sa == NULL || sa->sa_family == AF_UNIX || cidr_list_match_sa(&cfg->trusted_proxies, sa);
	if (trusted && (j = calloc(1, sizeof(*j))) != NULL) {
		MHD_get_connection_values(c, MHD_HEADER_KIND, xff_line, j);
		xff = j->len > 0 ? j->text : NULL;
	}
	if (xff != NULL) {
		for (end = xff + strlen(xff); end > xff;) {
			const char *start = end;
			size_t len;

			while (start > xff && start[-1] != ',')
				start--;
			while (start < end && *start == ' ')
				start++;
			len = (size_t)(end - start);
			while (len > 0 && start[len - 1] == ' ')
				len--;
			if (len >= sizeof(item) || (start == xff && j->cut)) {
				/* Not an address (or cut): stop; never believe what is further left. */
				peer[0] = '\0';
				break;
			}
			if (len > 0) {
				memcpy(item, start, len);
				item[len] = '\0';
				memcpy(peer, item, len + 1);
				if (!cidr_list_match(&cfg->trusted_proxies, item))
					break;
			}
			end = start > xff ? start - 1 : xff;
		}
	}
	free(j);
	flow_client_from_text(peer, out);
}

/* Cookie names. Security: with cookie_secure the CSRF cookie, and the session cookie unless cookie_domain
 * shares it, carry the __Host- prefix: a browser takes such a cookie only from this very host, Secure,
 * Path=/ and without Domain, so a sibling host (or a plain-http answer) cannot plant or shadow it. */
static const char *csrf_cookie_name(const struct config *cfg)
{
	return cfg->cookie_secure ? "__Host-" CSRF_COOKIE : CSRF_COOKIE;
}

static const char *session_cookie_name(const struct config *cfg)
{
	return cfg->cookie_secure && cfg->cookie_domain[0] == '\0' ? "__Host-" SESSION_COOKIE : SESSION_COOKIE;
}

/* make_cookie - Set-Cookie for the session (session true) or the CSRF cookie */
static void make_cookie(char *out, size_t outsz, const struct config *cfg, bool session, const char *value,
			long long max_age)
{
	/* cookie_domain is checked at start-up (main.c): letters, digits, dots and dashes only. */
	bool dom = cfg->cookie_domain[0] != '\0' && session;

	snprintf(out, outsz, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Lax%s%s%s",
		 session ? session_cookie_name(cfg) : csrf_cookie_name(cfg), value, max_age,
		 cfg->cookie_secure ? "; Secure" : "", dom ? "; Domain=" : "", dom ? cfg->cookie_domain : "");
}

/* state_cookie - the organisation sign-in's state, for the callback only (value "" and max_age 0: clear it).
 * Security: with cookie_secure it is __Host-oidc_state, which needs Path=/: a sibling host could otherwise
 * plant its own pending sign-in's state and sign the victim's browser in as the attacker (login CSRF). */
static const char *state_cookie_name(const struct config *cfg)
{
	return cfg->cookie_secure ? "__Host-" IDP_STATE_COOKIE : IDP_STATE_COOKIE;
}

static void state_cookie(char *out, size_t outsz, const struct config *cfg, const char *value, long long max_age)
{
	snprintf(out, outsz, "%s=%s; Path=%s; Max-Age=%lld; HttpOnly; SameSite=Lax%s", state_cookie_name(cfg), value,
		 cfg->cookie_secure ? "/" : OIDC_CALLBACK_PATH, max_age, cfg->cookie_secure ? "; Secure" : "");
}

/* idp_for - the provider of the address's domain, unless the guest asked for a code (method=code) */
static const struct oidc_provider *idp_for(const struct flow_ctx *fx, const char *email, const char *method)
{
	if (fx->oidc == NULL || (method != NULL && strcmp(method, "code") == 0))
		return NULL;
	return oidc_provider_for_email(fx->cfg, email);
}

static enum lang request_lang(struct MHD_Connection *c, const struct form *f)
{
	enum lang l = lang_from_header(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"));
	const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");

	l = lang_from_code(q, l);
	return f ? lang_from_code(form_get(f, "lang"), l) : l;
}

static enum MHD_Result send_page(struct MHD_Connection *c, unsigned status, struct page *pg, const char *cookie0,
				 const char *cookie1)
{
	struct answer a;

	answer_init(&a);
	a.status = status;
	a.ctype = "text/html; charset=utf-8";
	a.cookies[0] = cookie0;
	a.cookies[1] = cookie1;
	if (!pages_render(pg, &a.body)) {
		buf_reset(&a.body);
		a.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	return send_answer(c, &a);
}

/* send_redirect_with - 303 to a URL of ours or the provider's, setting up to two cookies */
static enum MHD_Result send_redirect_with(struct MHD_Connection *c, const char *to, const char *cookie0,
					  const char *cookie1)
{
	struct answer a;

	answer_init(&a);
	a.status = MHD_HTTP_SEE_OTHER;
	a.location = to;
	a.cookies[0] = cookie0;
	a.cookies[1] = cookie1;
	return send_answer(c, &a);
}

static unsigned link_http_status(enum link_status ls)
{
	switch (ls) {
	case LINK_OK:
		return MHD_HTTP_OK;
	case LINK_INVALID:
		return MHD_HTTP_NOT_FOUND;
	case LINK_EXPIRED:
	case LINK_REVOKED:
		return MHD_HTTP_GONE;
	case LINK_UNAVAILABLE:
		break;
	}
	return MHD_HTTP_SERVICE_UNAVAILABLE;
}

static const char *link_error_word(enum link_status ls)
{
	switch (ls) {
	case LINK_INVALID:
		return "invalid_link";
	case LINK_EXPIRED:
		return "expired_link";
	case LINK_REVOKED:
		return "revoked";
	default:
		return "unavailable";
	}
}

static enum page_view link_view(enum link_status ls)
{
	switch (ls) {
	case LINK_INVALID:
		return VIEW_BAD_LINK;
	case LINK_EXPIRED:
		return VIEW_EXPIRED_LINK;
	case LINK_REVOKED:
		return VIEW_REVOKED_LINK;
	default:
		return VIEW_UNAVAILABLE;
	}
}

/* A page request's common state. */
struct page_req {
	const struct flow_ctx *fx;
	struct token t;
	char token[CAP_TOKEN_BYTES + 1];
	char csrf_cookie[CSRF_TEXT];
	char csrf[CSRF_TEXT];
	char set_csrf[160];
	struct page pg;
	char session_cookie[SESSION_TEXT];	/* the request's, or "" */
	char rd[CAP_URL_BYTES + 1];		/* /login: rd normalised (rd_param) */
};

static void page_req_init(struct page_req *pr, struct MHD_Connection *c, const struct flow_ctx *fx, const char *tok,
			  size_t tok_len, const struct form *f)
{
	memset(&pr->pg, 0, sizeof(pr->pg));
	pr->fx = fx;
	/* parse_route refuses longer tokens; the callback's token comes from a CAP_TOKEN_BYTES + 1 array. */
	if (tok_len > CAP_TOKEN_BYTES)
		tok_len = 0;
	memcpy(pr->token, tok, tok_len);
	pr->token[tok_len] = '\0';
	pr->set_csrf[0] = '\0';
	pr->csrf[0] = '\0';
	pr->pg.lang = request_lang(c, f);
	pr->pg.org_name = fx->cfg->org_name;
	pr->pg.inviter = "";
	pr->pg.resource = "";
	pr->pg.token = pr->token;
	pr->pg.csrf = pr->csrf;
	pr->pg.email = "";
	pr->pg.rd = "";
	pr->pg.idp = fx->oidc != NULL;
	if (!cookie_get(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie"), csrf_cookie_name(fx->cfg),
			pr->csrf_cookie, sizeof(pr->csrf_cookie)))
		pr->csrf_cookie[0] = '\0';
	if (!cookie_get(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie"), session_cookie_name(fx->cfg),
			pr->session_cookie, sizeof(pr->session_cookie)))
		pr->session_cookie[0] = '\0';
}

/* page_csrf - make sure the browser has a CSRF cookie (set_csrf when new) and fill the form value */
static void page_csrf(struct page_req *pr, const uint8_t ctx[TOKEN_ID_LEN])
{
	if (pr->csrf_cookie[0] == '\0') {
		csrf_new_cookie(pr->csrf_cookie);
		make_cookie(pr->set_csrf, sizeof(pr->set_csrf), pr->fx->cfg, false, pr->csrf_cookie, 86400);
	}
	csrf_token(pr->fx->keys, pr->csrf_cookie, pr->session_cookie, ctx, pr->csrf);
}

/* idp_begin_page - the email step of a configured domain (accept link: t, or /login: t NULL): a redirect
 * to the provider with the state cookie; a page when limited or the provider is down. */
static enum MHD_Result idp_begin_page(struct MHD_Connection *c, const struct flow_ctx *fx,
				      const struct oidc_provider *prov, const struct token *t, struct page_req *pr,
				      const struct flow_client *client, uint64_t now)
{
	char state[OIDC_RANDOM_TEXT + 1], cookie[200];
	struct buf url;
	enum idp_result r;
	enum MHD_Result ret;
	unsigned status;

	buf_init(&url, CAP_URL_BYTES * 4);
	r = idp_begin(fx, prov, t, t != NULL ? pr->token : "", pr->pg.email, pr->pg.rd, client, now, &url, state);
	if (r == IDP_REDIRECT) {
		state_cookie(cookie, sizeof(cookie), fx->cfg, state, OIDC_PENDING_TTL);
		ret = send_redirect_with(c, url.data, cookie, pr->set_csrf[0] ? pr->set_csrf : NULL);
		sodium_memzero(state, sizeof(state));
		sodium_memzero(cookie, sizeof(cookie));
		buf_release(&url);
		return ret;
	}
	buf_release(&url);
	if (r == IDP_LIMITED) {
		pr->pg.view = t != NULL ? VIEW_LIMITED : VIEW_LOGIN_LIMITED;
		status = MHD_HTTP_TOO_MANY_REQUESTS;
	} else {
		pr->pg.view = VIEW_IDP_PROBLEM;
		pr->pg.problem = PROBLEM_PROVIDER_DOWN;
		pr->pg.code_option = true;
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	return send_page(c, status, &pr->pg, pr->set_csrf[0] ? pr->set_csrf : NULL, NULL);
}

/* next_path - the MFA step after a code, in the language the guest chose (a
 * GET there has no form to carry it, and Accept-Language may say otherwise) */
static const char *next_path(enum flow_next next, enum lang l)
{
	if (l == LANG_N)	/* the JSON API: a plain path, as documented */
		return next == NEXT_MFA_VERIFY ? "/mfa/verify" : "/mfa/setup";
	if (l == LANG_NL)
		return next == NEXT_MFA_VERIFY ? "/mfa/verify?lang=nl" : "/mfa/setup?lang=nl";
	return next == NEXT_MFA_VERIFY ? "/mfa/verify?lang=en" : "/mfa/setup?lang=en";
}

/* mail_key_param - ?k= of the link in a code mail: the confirm page carries it to the code POST (a GET spends
 * nothing: link scanners fetch every link) */
static const char *mail_key_param(struct MHD_Connection *c)
{
	const char *k = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "k");

	return k != NULL && codes_key_well_formed(k) ? k : NULL;
}

static enum MHD_Result route_accept_page(struct MHD_Connection *c, const struct flow_ctx *fx, const char *tok,
					 size_t tok_len)
{
	struct page_req *pr = malloc(sizeof(*pr));
	enum link_status ls;
	enum MHD_Result ret;

	if (pr == NULL)
		return MHD_NO;
	page_req_init(pr, c, fx, tok, tok_len, NULL);
	ls = flow_link(fx, tok, tok_len, (uint64_t)time(NULL), &pr->t);
	if (ls != LINK_OK) {
		pr->pg.view = link_view(ls);
		pr->pg.token = "";
		ret = send_page(c, link_http_status(ls), &pr->pg, NULL, NULL);
		free(pr);
		return ret;
	}
	if (pr->csrf_cookie[0] == '\0') {
		csrf_new_cookie(pr->csrf_cookie);
		make_cookie(pr->set_csrf, sizeof(pr->set_csrf), fx->cfg, false, pr->csrf_cookie, 86400);
	}
	csrf_token(fx->keys, pr->csrf_cookie, pr->session_cookie, pr->t.id, pr->csrf);
	pr->pg.view = VIEW_ASK_EMAIL;
	pr->pg.mail_key = mail_key_param(c);
	pr->pg.inviter = pr->t.inviter;
	pr->pg.resource = pr->t.resource;
	ret = send_page(c, MHD_HTTP_OK, &pr->pg, pr->set_csrf[0] ? pr->set_csrf : NULL, NULL);
	free(pr);
	return ret;
}

static enum MHD_Result route_form_post(struct MHD_Connection *c, const struct flow_ctx *fx, enum route rt,
				       const char *tok, size_t tok_len, const struct req *rq)
{
	struct page_req *pr = malloc(sizeof(*pr));
	struct form *f = malloc(sizeof(*f));
	char session[SESSION_TEXT], cookie[200];
	struct flow_client client;
	enum link_status ls;
	enum flow_result fr;
	enum flow_next next = NEXT_MFA_SETUP;
	enum MHD_Result ret;
	uint64_t retry = 0, now = (uint64_t)time(NULL);
	unsigned status = MHD_HTTP_OK;
	const char *email, *code;
	const struct oidc_provider *prov;

	if (pr == NULL || f == NULL) {
		free(pr);
		free(f);
		return MHD_NO;
	}
	if (!content_type_is(c, "application/x-www-form-urlencoded") || !form_parse(rq->body.data, rq->body.len, f))
		f->n = 0;
	page_req_init(pr, c, fx, tok, tok_len, f);
	ls = flow_link(fx, tok, tok_len, now, &pr->t);
	email = form_get(f, "email");
	code = form_get(f, "code");
	if (ls != LINK_OK) {
		pr->pg.view = link_view(ls);
		pr->pg.token = "";
		status = link_http_status(ls);
		goto out;
	}
	pr->pg.inviter = pr->t.inviter;
	pr->pg.resource = pr->t.resource;
	if (!csrf_check(fx->keys, pr->csrf_cookie, pr->session_cookie, pr->t.id, form_get(f, "csrf")) ||
	    email == NULL || (rt == ROUTE_CODE && code == NULL)) {
		pr->pg.view = VIEW_BAD_REQUEST;
		status = MHD_HTTP_BAD_REQUEST;
		goto out;
	}
	csrf_token(fx->keys, pr->csrf_cookie, pr->session_cookie, pr->t.id, pr->csrf);
	pr->pg.email = email;
	client_address(c, fx->cfg, &client);
	/* Home-realm discovery by domain only: the same answer for every address of that domain, invited or not. */
	if (rt == ROUTE_EMAIL && (prov = idp_for(fx, email, form_get(f, "method"))) != NULL) {
		ret = idp_begin_page(c, fx, prov, &pr->t, pr, &client, now);
		free(pr);
		free(f);
		return ret;
	}
	if (rt == ROUTE_EMAIL) {
		fr = flow_email(fx, &pr->t, tok, tok_len, email, &client, pr->pg.lang, now);
		pr->pg.view = fr == FLOW_ACCEPTED ? VIEW_ASK_CODE : VIEW_UNAVAILABLE;
		status = fr == FLOW_ACCEPTED ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
		goto out;
	}
	fr = flow_code(fx, &pr->t, email, code, &client, now, session, &retry, &next);
	switch (fr) {
	case FLOW_SIGNED_IN:
		make_cookie(cookie, sizeof(cookie), fx->cfg, true, session, fx->cfg->session_ttl);
		sodium_memzero(session, sizeof(session));
		pr->pg.view = VIEW_CODE_OK;
		pr->pg.next_url = next_path(next, pr->pg.lang);
		ret = send_page(c, MHD_HTTP_OK, &pr->pg, cookie, NULL);
		sodium_memzero(cookie, sizeof(cookie));
		free(pr);
		free(f);
		return ret;
	case FLOW_LIMITED:
		pr->pg.view = VIEW_LIMITED;
		status = MHD_HTTP_TOO_MANY_REQUESTS;
		break;
	case FLOW_UNAVAILABLE:
		pr->pg.view = VIEW_UNAVAILABLE;
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
		break;
	case FLOW_DISABLED:
		pr->pg.view = VIEW_DISABLED;
		status = MHD_HTTP_FORBIDDEN;
		break;
	default:
		pr->pg.view = VIEW_WRONG_CODE;
		status = MHD_HTTP_UNAUTHORIZED;
		break;
	}
out:
	ret = send_page(c, status, &pr->pg, NULL, NULL);
	free(pr);
	free(f);
	return ret;
}

/* api_idp_begin - the JSON email step of a configured domain: 200 {"status":"redirect","next":URL} and the
 * state cookie (the client follows next, signs in there, and comes back to /oidc/callback) */
static enum MHD_Result api_idp_begin(struct MHD_Connection *c, const struct flow_ctx *fx,
				     const struct oidc_provider *prov, const struct token *t, const char *tok,
				     size_t tok_len, const char *email, const struct flow_client *client, uint64_t now)
{
	char state[OIDC_RANDOM_TEXT + 1], cookie[200], *text = NULL, *link;
	struct buf url;
	struct answer a;
	enum idp_result r;
	enum MHD_Result ret;
	json_t *o;

	if ((link = malloc(tok_len + 1)) == NULL)
		return MHD_NO;
	memcpy(link, tok, tok_len);
	link[tok_len] = '\0';
	buf_init(&url, CAP_URL_BYTES * 4);
	r = idp_begin(fx, prov, t, link, email, "", client, now, &url, state);
	free(link);
	if (r != IDP_REDIRECT) {
		buf_release(&url);
		if (r == IDP_LIMITED)
			return send_json(c, MHD_HTTP_TOO_MANY_REQUESTS, "error", "too_many_attempts", 60);
		return send_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, "error", "unavailable", 0);
	}
	answer_init(&a);
	a.status = MHD_HTTP_OK;
	a.ctype = "application/json";
	state_cookie(cookie, sizeof(cookie), fx->cfg, state, OIDC_PENDING_TTL);
	a.cookies[0] = cookie;
	o = json_pack("{s:s,s:s}", "status", "redirect", "next", url.data);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (text == NULL || !buf_puts(&a.body, text) || !buf_putc(&a.body, '\n'))
		a.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	free(text);
	json_decref(o);
	buf_release(&url);
	ret = send_answer(c, &a);
	sodium_memzero(state, sizeof(state));
	sodium_memzero(cookie, sizeof(cookie));
	return ret;
}

static enum MHD_Result route_api(struct MHD_Connection *c, const struct flow_ctx *fx, enum route rt, const char *tok,
				 size_t tok_len, const struct req *rq)
{
	struct api_body body;
	struct token *t;
	struct flow_client client;
	enum link_status ls;
	enum flow_result fr;
	uint64_t retry = 0, now = (uint64_t)time(NULL);
	char session[SESSION_TEXT], cookie[200], next_url[512];
	enum flow_next next = NEXT_MFA_SETUP;
	struct answer a;
	enum MHD_Result ret;
	const struct oidc_provider *prov;

	if (!content_type_is(c, "application/json"))
		return send_json(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "error", "content_type_must_be_json", 0);
	t = malloc(sizeof(*t));
	if (t == NULL)
		return MHD_NO;
	ls = flow_link(fx, tok, tok_len, now, t);
	if (ls != LINK_OK) {
		free(t);
		return send_json(c, link_http_status(ls), "error", link_error_word(ls), 0);
	}
	if (!api_body_parse(rq->body.data, rq->body.len, &body) || !body.has_email ||
	    (rt == ROUTE_API_CODE && !body.has_code)) {
		free(t);
		return send_json(c, MHD_HTTP_BAD_REQUEST, "error", "bad_request", 0);
	}
	client_address(c, fx->cfg, &client);
	if (rt == ROUTE_API_EMAIL && (prov = idp_for(fx, body.email, body.has_method ? body.method : NULL)) != NULL) {
		ret = api_idp_begin(c, fx, prov, t, tok, tok_len, body.email, &client, now);
		free(t);
		return ret;
	}
	if (rt == ROUTE_API_EMAIL) {
		fr = flow_email(fx, t, tok, tok_len, body.email, &client, request_lang(c, NULL), now);
		free(t);
		if (fr != FLOW_ACCEPTED)
			return send_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, "error", "unavailable", 0);
		return send_json(c, MHD_HTTP_ACCEPTED, "status", "accepted", 0);
	}
	fr = flow_code(fx, t, body.email, body.code, &client, now, session, &retry, &next);
	if (fr != FLOW_SIGNED_IN) {
		free(t);
		if (fr == FLOW_LIMITED)
			return send_json(c, MHD_HTTP_TOO_MANY_REQUESTS, "error", "too_many_attempts", retry ? retry : 1);
		if (fr == FLOW_UNAVAILABLE)
			return send_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, "error", "unavailable", 0);
		if (fr == FLOW_DISABLED)
			return send_json(c, MHD_HTTP_FORBIDDEN, "error", "guest_disabled", 0);
		return send_json(c, MHD_HTTP_UNAUTHORIZED, "error", "wrong_or_expired_code", 0);
	}
	answer_init(&a);
	a.status = MHD_HTTP_OK;
	a.ctype = "application/json";
	make_cookie(cookie, sizeof(cookie), fx->cfg, true, session, fx->cfg->session_ttl);
	sodium_memzero(session, sizeof(session));
	a.cookies[0] = cookie;
	{
		/* next: the MFA step this session must do before the resource (docs/admin.md). */
		json_t *o;

		snprintf(next_url, sizeof(next_url), "%s%s", fx->cfg->public_url, next_path(next, LANG_N));
		o = json_pack("{s:s,s:s}", "status", "ok", "next", next_url);
		char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

		if (text == NULL || !buf_puts(&a.body, text) || !buf_putc(&a.body, '\n'))
			a.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		free(text);
		json_decref(o);
	}
	free(t);
	ret = send_answer(c, &a);
	sodium_memzero(cookie, sizeof(cookie));
	return ret;
}

/*
 * rd_param - a usable rd value, normalised into out (resource.h), short
 * enough to ride in a form field; or "". Security: what is checked against the
 * guest's invitations later (guest_resource) and followed after sign-in is
 * this normalised URL, never the text as sent; rd that is not an absolute
 * http(s) URL we can judge ("//evil", "/\\evil", "https:evil", encoded
 * traversal) is dropped here.
 */
static const char *rd_param(const char *rd, char out[CAP_URL_BYTES + 1])
{
	struct url *u;
	bool ok;

	if (rd == NULL || strlen(rd) > CAP_URL_BYTES || (u = malloc(sizeof(*u))) == NULL)
		return "";
	ok = url_parse(rd, strlen(rd), u) && url_format(u, out, CAP_URL_BYTES + 1) && strlen(out) < FORM_VALUE_MAX &&
	     text_safe_line(out);
	free(u);
	return ok ? out : "";
}

static enum MHD_Result route_login_page(struct MHD_Connection *c, const struct flow_ctx *fx)
{
	struct page_req *pr = malloc(sizeof(*pr));
	enum MHD_Result ret;

	if (pr == NULL)
		return MHD_NO;
	page_req_init(pr, c, fx, "", 0, NULL);
	pr->pg.rd = rd_param(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "rd"), pr->rd);
	page_csrf(pr, FLOW_LOGIN_ID);
	pr->pg.view = VIEW_LOGIN;
	pr->pg.mail_key = mail_key_param(c);
	ret = send_page(c, MHD_HTTP_OK, &pr->pg, pr->set_csrf[0] ? pr->set_csrf : NULL, NULL);
	free(pr);
	return ret;
}

/* route_login_post - POST /login/email and /login/code: the accept flow's twins for returning guests */
static enum MHD_Result route_login_post(struct MHD_Connection *c, const struct flow_ctx *fx, enum route rt,
					const struct req *rq)
{
	struct page_req *pr = malloc(sizeof(*pr));
	struct form *f = malloc(sizeof(*f));
	char session[SESSION_TEXT], cookie[200];
	struct flow_client client;
	enum flow_result fr;
	enum flow_next next = NEXT_MFA_SETUP;
	enum MHD_Result ret;
	uint64_t retry = 0, now = (uint64_t)time(NULL);
	unsigned status = MHD_HTTP_OK;
	const char *email, *code, *set = NULL;
	const struct oidc_provider *prov;

	if (pr == NULL || f == NULL) {
		free(pr);
		free(f);
		return MHD_NO;
	}
	if (!content_type_is(c, "application/x-www-form-urlencoded") || !form_parse(rq->body.data, rq->body.len, f))
		f->n = 0;
	page_req_init(pr, c, fx, "", 0, f);
	pr->pg.rd = rd_param(form_get(f, "rd"), pr->rd);
	email = form_get(f, "email");
	code = form_get(f, "code");
	if (!csrf_check(fx->keys, pr->csrf_cookie, pr->session_cookie, FLOW_LOGIN_ID, form_get(f, "csrf")) ||
	    email == NULL || (rt == ROUTE_LOGIN_CODE && code == NULL)) {
		pr->pg.view = VIEW_BAD_REQUEST;
		status = MHD_HTTP_BAD_REQUEST;
		goto out;
	}
	csrf_token(fx->keys, pr->csrf_cookie, pr->session_cookie, FLOW_LOGIN_ID, pr->csrf);
	pr->pg.email = email;
	client_address(c, fx->cfg, &client);
	/* A returning guest of a configured domain signs in at home too; whether they are a guest is checked
	 * after the callback, so this answer is the same for every address of the domain. */
	if (rt == ROUTE_LOGIN_EMAIL && (prov = idp_for(fx, email, form_get(f, "method"))) != NULL) {
		ret = idp_begin_page(c, fx, prov, NULL, pr, &client, now);
		free(pr);
		free(f);
		return ret;
	}
	if (rt == ROUTE_LOGIN_EMAIL) {
		/* Security: the same page for every address, known or not (flow_login_email does the same work). */
		fr = flow_login_email(fx, email, &client, pr->pg.lang, now);
		pr->pg.view = fr == FLOW_ACCEPTED ? VIEW_LOGIN_CODE : VIEW_UNAVAILABLE;
		status = fr == FLOW_ACCEPTED ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
		goto out;
	}
	fr = flow_login_code(fx, email, code, pr->pg.rd, &client, now, session, &retry, &next);
	switch (fr) {
	case FLOW_SIGNED_IN:
		make_cookie(cookie, sizeof(cookie), fx->cfg, true, session, fx->cfg->session_ttl);
		sodium_memzero(session, sizeof(session));
		set = cookie;
		pr->pg.view = VIEW_CODE_OK;
		pr->pg.next_url = next_path(next, pr->pg.lang);
		break;
	case FLOW_LIMITED:
		pr->pg.view = VIEW_LOGIN_LIMITED;
		status = MHD_HTTP_TOO_MANY_REQUESTS;
		break;
	case FLOW_UNAVAILABLE:
		pr->pg.view = VIEW_UNAVAILABLE;
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
		break;
	case FLOW_DISABLED:
		pr->pg.view = VIEW_DISABLED;
		status = MHD_HTTP_FORBIDDEN;
		break;
	default:
		pr->pg.view = VIEW_LOGIN_WRONG_CODE;
		status = MHD_HTTP_UNAUTHORIZED;
		break;
	}
out:
	ret = send_page(c, status, &pr->pg, set, pr->set_csrf[0] ? pr->set_csrf : NULL);
	sodium_memzero(cookie, sizeof(cookie));
	free(pr);
	free(f);
	return ret;
}

static enum MHD_Result send_redirect(struct MHD_Connection *c, const char *to)
{
	struct answer a;

	answer_init(&a);
	a.status = MHD_HTTP_SEE_OTHER;
	a.location = to;
	return send_answer(c, &a);
}

/* setup_page - fill pr->pg for the enrolment page; the strings live in bufs the caller releases */
static enum signin_result setup_page(struct page_req *pr, struct signin_setup *su, struct buf *qr, struct buf *uri,
				     uint64_t now)
{
	enum signin_result r = signin_setup_begin(pr->fx, pr->session_cookie, now, su);
	const char *issuer = pr->fx->cfg->org_name[0] ? pr->fx->cfg->org_name : "guestlink";

	if (r != SIGNIN_OK)
		return r;
	if (!mfa_uri(uri, issuer, su->addr, su->b32) || !qr_svg(qr, uri->data, pages_qr_label(pr->pg.lang)))
		return SIGNIN_UNAVAILABLE;
	pr->pg.view = VIEW_MFA_SETUP;
	pr->pg.qr_svg = qr->data;
	pr->pg.otpauth = uri->data;
	pr->pg.secret = su->b32;
	return SIGNIN_OK;
}

/* mfa_status - the page and status for an MFA outcome that is not a success */
static unsigned mfa_status(struct page_req *pr, enum signin_result r, enum route rt, const char **redirect)
{
	*redirect = NULL;
	switch (r) {
	case SIGNIN_NO_SESSION:
		pr->pg.view = VIEW_NEED_SIGNIN;
		return MHD_HTTP_UNAUTHORIZED;
	case SIGNIN_ENROLLED:
		*redirect = rt == ROUTE_MFA_VERIFY ? NULL : "/mfa/verify";
		return MHD_HTTP_SEE_OTHER;
	case SIGNIN_NOT_ENROLLED:
		*redirect = rt == ROUTE_MFA_SETUP ? NULL : "/mfa/setup";
		return MHD_HTTP_SEE_OTHER;
	case SIGNIN_LIMITED:
		pr->pg.view = VIEW_MFA_LIMITED;
		return MHD_HTTP_TOO_MANY_REQUESTS;
	case SIGNIN_OK:
		pr->pg.view = VIEW_ALREADY;
		return MHD_HTTP_OK;
	default:
		pr->pg.view = VIEW_UNAVAILABLE;
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
}

/* route_mfa - GET and POST of /mfa/setup and /mfa/verify */
static enum MHD_Result route_mfa(struct MHD_Connection *c, const struct flow_ctx *fx, enum route rt, bool post,
				 const struct req *rq)
{
	struct page_req *pr = malloc(sizeof(*pr));
	struct form *f = malloc(sizeof(*f));
	struct signin_setup *su = sodium_malloc(sizeof(*su));
	struct signin_done *done = sodium_malloc(sizeof(*done));
	char cookie[200] = "";
	struct buf qr, uri;
	struct flow_client client;
	enum signin_result r;
	enum MHD_Result ret = MHD_NO;
	uint64_t now = (uint64_t)time(NULL);
	unsigned status = MHD_HTTP_OK;
	const char *redirect = NULL;

	buf_init(&qr, CAP_PAGE_BYTES / 2);
	buf_init(&uri, 1024);
	if (pr == NULL || f == NULL || su == NULL || done == NULL)
		goto free;
	memset(done, 0, sizeof(*done));
	f->n = 0;
	if (post && (!content_type_is(c, "application/x-www-form-urlencoded") ||
		     !form_parse(rq->body.data, rq->body.len, f)))
		f->n = 0;
	page_req_init(pr, c, fx, "", 0, post ? f : NULL);
	page_csrf(pr, MFA_CSRF_ID);
	if (post && (!csrf_check(fx->keys, pr->csrf_cookie, pr->session_cookie, MFA_CSRF_ID, form_get(f, "csrf")) ||
		     form_get(f, "code") == NULL)) {
		pr->pg.view = VIEW_BAD_REQUEST;
		status = MHD_HTTP_BAD_REQUEST;
		goto send;
	}
	/* The privacy page comes first: the first sign-in does not finish before it is accepted (privacy.h). */
	if (rt == ROUTE_MFA_SETUP && privacy_state(fx, pr->session_cookie, now) == PRIVACY_NEEDED) {
		redirect = pr->pg.lang == LANG_NL ? "/privacy?lang=nl" : "/privacy?lang=en";
		goto send;
	}
	if (!post) {
		r = signin_step(fx, pr->session_cookie, now);
		if (rt == ROUTE_MFA_SETUP && r == SIGNIN_NOT_ENROLLED) {
			if ((r = setup_page(pr, su, &qr, &uri, now)) == SIGNIN_OK)
				goto send;
		} else if (rt == ROUTE_MFA_VERIFY && r == SIGNIN_ENROLLED) {
			pr->pg.view = VIEW_MFA_VERIFY;
			goto send;
		}
		status = mfa_status(pr, r, rt, &redirect);
		goto send;
	}
	client_address(c, fx->cfg, &client);
	r = rt == ROUTE_MFA_SETUP ? signin_setup_confirm(fx, pr->session_cookie, form_get(f, "code"), &client, now, done)
				  : signin_verify(fx, pr->session_cookie, form_get(f, "code"), &client, now, done);
	if (r == SIGNIN_OK) {
		make_cookie(cookie, sizeof(cookie), fx->cfg, true, done->session, fx->cfg->session_ttl);
		pr->pg.resource = done->dest;
		pr->pg.recovery = done->recovery;
		pr->pg.used_recovery = done->used_recovery;
		pr->pg.recovery_left = done->recovery_left;
		pr->pg.view = rt == ROUTE_MFA_SETUP ? VIEW_MFA_DONE : done->dest[0] ? VIEW_SIGNED_IN : VIEW_NO_RESOURCE;
	} else if (r == SIGNIN_WRONG || r == SIGNIN_REPLAYED) {
		status = MHD_HTTP_UNAUTHORIZED;
		pr->pg.wrong = true;
		pr->pg.view = VIEW_MFA_VERIFY;
		if (rt == ROUTE_MFA_SETUP && (r = setup_page(pr, su, &qr, &uri, now)) != SIGNIN_OK)
			status = mfa_status(pr, r, rt, &redirect);
	} else {
		status = mfa_status(pr, r, rt, &redirect);
	}
send:
	if (redirect != NULL)
		ret = send_redirect(c, redirect);
	else
		ret = send_page(c, status, &pr->pg, cookie[0] ? cookie : NULL, pr->set_csrf[0] ? pr->set_csrf : NULL);
free:
	if (done != NULL) {
		done->recovery = mfa_recovery_free(done->recovery);
		sodium_free(done);
	}
	if (su != NULL)
		sodium_free(su);
	/* Security: the QR code, the URI and the page itself spelled the secret or the recovery codes. */
	if (qr.data != NULL)
		sodium_memzero(qr.data, qr.len);
	if (uri.data != NULL)
		sodium_memzero(uri.data, uri.len);
	buf_release(&qr);
	buf_release(&uri);
	sodium_memzero(cookie, sizeof(cookie));
	free(pr);
	free(f);
	return ret;
}

/* problem_of - the page for a refused organisation sign-in, and its status */
static unsigned problem_of(enum oidc_err e, enum page_problem *pp)
{
	switch (e) {
	case OIDC_ERR_STATE:
		*pp = PROBLEM_STALE;
		return MHD_HTTP_BAD_REQUEST;
	case OIDC_ERR_NOT_INVITED:
		*pp = PROBLEM_NOT_INVITED;
		return MHD_HTTP_FORBIDDEN;
	case OIDC_ERR_EMAIL_UNVERIFIED:
	case OIDC_ERR_NO_EMAIL:
		*pp = PROBLEM_UNVERIFIED;
		return MHD_HTTP_FORBIDDEN;
	case OIDC_ERR_PROVIDER:
		*pp = PROBLEM_PROVIDER_DOWN;
		return MHD_HTTP_BAD_GATEWAY;
	default:
		*pp = PROBLEM_FAILED;
		return MHD_HTTP_UNAUTHORIZED;
	}
}

/* callback_page - what a callback that signed nobody in shows: what went wrong, and a code instead */
static unsigned callback_page(struct page_req *pr, const struct idp_done *d, enum idp_result r)
{
	unsigned status;

	pr->pg.view = VIEW_IDP_PROBLEM;
	switch (r) {
	case IDP_LINK:
		pr->pg.view = link_view(d->link);
		pr->pg.token = "";
		return link_http_status(d->link);
	case IDP_NO_ACCESS:
		pr->pg.problem = PROBLEM_NO_ACCESS;
		return MHD_HTTP_FORBIDDEN;
	case IDP_DISABLED:
		pr->pg.view = VIEW_DISABLED;
		return MHD_HTTP_FORBIDDEN;
	case IDP_CANCELLED:
		pr->pg.problem = PROBLEM_CANCELLED;
		status = MHD_HTTP_UNAUTHORIZED;
		break;
	case IDP_UNAVAILABLE:
		if (d->err != OIDC_ERR_PROVIDER) {
			pr->pg.view = VIEW_UNAVAILABLE;
			return MHD_HTTP_SERVICE_UNAVAILABLE;
		}
		/* fall through */
	default:
		status = problem_of(d->err, &pr->pg.problem);
		break;
	}
	/* With the pending sign-in known, the guest can retry or get a code for the same address and link. */
	pr->pg.code_option = d->have_pending && d->email[0] != '\0' && pr->pg.problem != PROBLEM_STALE;
	return status;
}

/* route_oidc_callback - GET /oidc/callback: the provider sends the browser back here */
static enum MHD_Result route_oidc_callback(struct MHD_Connection *c, const struct flow_ctx *fx)
{
	struct page_req *pr = malloc(sizeof(*pr));
	struct idp_done *d = malloc(sizeof(*d));
	char state[OIDC_RANDOM_TEXT + 1], clear[160], cookie[200];
	enum idp_result r;
	enum MHD_Result ret = MHD_NO;
	unsigned status;

	if (pr == NULL || d == NULL)
		goto out;
	if (!cookie_get(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie"), state_cookie_name(fx->cfg),
			state, sizeof(state)))
		state[0] = '\0';
	r = idp_callback(fx, state, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state"),
			 MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "code"),
			 MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "error") != NULL, (uint64_t)time(NULL), d);
	sodium_memzero(state, sizeof(state));
	/* The state was spent either way: the browser may forget it. */
	state_cookie(clear, sizeof(clear), fx->cfg, "", 0);
	if (r == IDP_SIGNED_IN || r == IDP_MFA_NEXT) {
		make_cookie(cookie, sizeof(cookie), fx->cfg, true, d->session, fx->cfg->session_ttl);
		/* Security: only the invitation's signed resource (or a checked rd), or the MFA step: never the query. */
		ret = send_redirect_with(c, r == IDP_SIGNED_IN ? d->dest : next_path(d->next, request_lang(c, NULL)), cookie, clear);
		sodium_memzero(cookie, sizeof(cookie));
		goto out;
	}
	page_req_init(pr, c, fx, d->login ? "" : d->link_token, d->login ? 0 : strlen(d->link_token), NULL);
	pr->pg.email = d->email;
	pr->pg.rd = d->login ? d->rd : "";
	page_csrf(pr, d->login ? FLOW_LOGIN_ID : d->invitation);
	status = callback_page(pr, d, r);
	ret = send_page(c, status, &pr->pg, clear, pr->set_csrf[0] ? pr->set_csrf : NULL);
out:
	if (d != NULL) {
		sodium_memzero(d->session, sizeof(d->session));
		free(d);
	}
	free(pr);
	return ret;
}

struct header_count {
	const char *name;
	size_t n;
};

static enum MHD_Result count_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct header_count *hc = cls;

	(void)kind;
	(void)value;
	if (strcasecmp(key, hc->name) == 0)
		hc->n++;
	return MHD_YES;
}

/* count_header - how many header fields named name (MHD_lookup_connection_value sees only the first) */
static size_t count_header(struct MHD_Connection *c, const char *name)
{
	struct header_count hc = { name, 0 };

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_one, &hc);
	return hc.n;
}

/*
 * auth_url - the URL nginx asks about, normalised (resource.h): X-Original-URL,
 * else X-Forwarded-Proto/Host/Uri. Security: nginx's auth_request passes the
 * client's own headers on to us, and proxy_set_header replaces only the ones
 * it names; so a request where the two ways disagree, or a header comes
 * twice, is answered no, whichever of them the client planted.
 */
/* host_only - X-Forwarded-Host is a host and an optional port, nothing that could start a path,
 * query, fragment or userinfo (finding 08: 'teams.example.org/team/42#' swallowed the real Uri) */
static bool host_only(const char *h)
{
	if (*h == '\0')
		return false;
	for (; *h != '\0'; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9') || *h == '-' ||
		      *h == '.' || *h == ':' || *h == '[' || *h == ']'))
			return false;
	return true;
}

static bool auth_url(struct MHD_Connection *c, char *out, size_t outsz)
{
	const char *orig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Original-URL");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Host");
	const char *uri = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Uri");
	const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
	char fwd[CAP_URL_BYTES + 1], fwd_norm[CAP_URL_BYTES + 1];
	struct url *u = malloc(sizeof(*u));
	bool ok = false;
	int n;

	if (u == NULL)
		return false;
	if (count_header(c, "X-Original-URL") > 1 || count_header(c, "X-Forwarded-Host") > 1 ||
	    count_header(c, "X-Forwarded-Uri") > 1 || count_header(c, "X-Forwarded-Proto") > 1)
		goto out;
	fwd_norm[0] = '\0';
	if (host != NULL && uri != NULL) {
		if (proto != NULL && strcmp(proto, "http") != 0 && strcmp(proto, "https") != 0)
			goto out;
		if (!host_only(host) || uri[0] != '/')
			goto out;
		n = snprintf(fwd, sizeof(fwd), "%s://%s%s", proto != NULL && strcmp(proto, "http") == 0 ? "http" : "https",
			     host, uri);
		if (n <= 0 || (size_t)n >= sizeof(fwd) || !url_parse(fwd, (size_t)n, u) ||
		    !url_format(u, fwd_norm, sizeof(fwd_norm)))
			goto out;
	} else if (host != NULL || uri != NULL) {
		goto out;
	}
	if (orig != NULL) {
		if (!url_parse(orig, strlen(orig), u) || !url_format(u, out, outsz))
			goto out;
		/* Both present: they must name the same URL. */
		ok = fwd_norm[0] == '\0' || strcmp(out, fwd_norm) == 0;
	} else if (fwd_norm[0] != '\0') {
		ok = (size_t)snprintf(out, outsz, "%s", fwd_norm) < outsz;
	}
out:
	free(u);
	return ok && text_safe_line(out);
}

/* route_auth - forward-auth for nginx auth_request */
static enum MHD_Result route_auth(struct MHD_Connection *c, const struct http_server *h)
{
	char session[SESSION_TEXT], url[CAP_URL_BYTES + 1], addr[ADDR_BUF];
	enum auth_result ar = AUTH_DENY;

	if (cookie_get(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie"), session_cookie_name(h->fx->cfg),
		       session, sizeof(session)) &&
	    auth_url(c, url, sizeof(url)))
		ar = signin_auth(h->fx, session, url, (uint64_t)time(NULL), addr);
	sodium_memzero(session, sizeof(session));
	return auth_answer(h->auth, c, ar, addr);
}

struct report_work {
	const struct invite_report *rep;
	uint64_t now;
};

static enum store_status report_txn(struct store_txn *txn, void *arg)
{
	struct report_work *w = arg;

	return invite_store(txn, w->rep, w->now);
}

static enum MHD_Result route_invitations(struct MHD_Connection *c, const struct flow_ctx *fx, const struct req *rq)
{
	struct invite_report rep;
	struct report_work w = { &rep, (uint64_t)time(NULL) };
	enum invite_status is;
	enum store_status ss;
	char id[2 * TOKEN_ID_LEN + 1];

	if (!content_type_is(c, "application/json"))
		return send_json(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "error", "content_type_must_be_json", 0);
	is = invite_report_check(rq->body.data ? rq->body.data : "", rq->body.len,
				 MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Guestlink-Signature"), fx->ring, w.now,
				 &rep);
	if (is == INVITE_BAD_SIGNATURE) {
		log_warn("event=invitation_report outcome=bad_signature");
		return send_json(c, MHD_HTTP_UNAUTHORIZED, "error", "bad_signature", 0);
	}
	if (is != INVITE_OK)
		return send_json(c, MHD_HTTP_BAD_REQUEST, "error", "bad_request", 0);
	ss = store_write(fx->st, report_txn, &w);
	free(rep.json);
	if (ss != STORE_OK)
		return send_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, "error", "unavailable", 0);
	sodium_bin2hex(id, sizeof(id), rep.id, TOKEN_ID_LEN);
	log_info("event=invitation_report invitation=%s outcome=stored", id);
	return send_json(c, MHD_HTTP_CREATED, "status", "stored", 0);
}

static enum store_status noop_txn(struct store_txn *txn, void *arg)
{
	(void)txn;
	(void)arg;
	return STORE_OK;
}

/* route_privacy - GET /privacy (what is kept; accept) and POST (CSRF): then on to /mfa/setup */
static enum MHD_Result route_privacy(struct MHD_Connection *c, const struct flow_ctx *fx, bool post,
				     const struct req *rq)
{
	struct page_req *pr = malloc(sizeof(*pr));
	struct form *f = malloc(sizeof(*f));
	enum MHD_Result ret = MHD_NO;
	uint64_t now = (uint64_t)time(NULL);
	enum privacy_state st;
	unsigned status = MHD_HTTP_OK;
	const struct config *cfg = fx->cfg;

	if (pr == NULL || f == NULL)
		goto free;
	f->n = 0;
	if (post && (!content_type_is(c, "application/x-www-form-urlencoded") ||
		     !form_parse(rq->body.data, rq->body.len, f)))
		f->n = 0;
	page_req_init(pr, c, fx, "", 0, post ? f : NULL);
	page_csrf(pr, MFA_CSRF_ID);
	if (post && !csrf_check(fx->keys, pr->csrf_cookie, pr->session_cookie, MFA_CSRF_ID, form_get(f, "csrf"))) {
		pr->pg.view = VIEW_BAD_REQUEST;
		status = MHD_HTTP_BAD_REQUEST;
	} else if ((st = post ? privacy_accept(fx, pr->session_cookie, now)
			      : privacy_state(fx, pr->session_cookie, now)) == PRIVACY_DONE) {
		ret = send_redirect(c, pr->pg.lang == LANG_NL ? "/mfa/setup?lang=nl" : "/mfa/setup?lang=en");
		goto free;
	} else if (st == PRIVACY_NEEDED && !post) {
		pr->pg.view = VIEW_PRIVACY;
		pr->pg.privacy_url = cfg->privacy_url;
		pr->pg.keep_days = (unsigned)(GUEST_KEEP / 86400);
		pr->pg.inactive_days = (unsigned)((cfg->guest_inactive_disable + 86399) / 86400);
		pr->pg.delete_days = (unsigned)((cfg->guest_disabled_delete + 86399) / 86400);
		pr->pg.audit_days = FLOW_AUDIT_DAYS;
	} else if (st == PRIVACY_NEEDED) {
		pr->pg.view = VIEW_NEED_SIGNIN;
		status = MHD_HTTP_UNAUTHORIZED;
	} else {
		pr->pg.view = VIEW_UNAVAILABLE;
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	ret = send_page(c, status, &pr->pg, NULL, pr->set_csrf[0] ? pr->set_csrf : NULL);
free:
	free(pr);
	free(f);
	return ret;
}

/* route_account_recovery - POST /account/recovery (CSRF, code): the new recovery codes, once */
static enum MHD_Result route_account_recovery(struct MHD_Connection *c, const struct flow_ctx *fx,
					      const struct req *rq)
{
	struct page_req *pr = malloc(sizeof(*pr));
	struct form *f = malloc(sizeof(*f));
	struct account_view *v = malloc(sizeof(*v));
	struct mfa_recovery *codes = NULL;
	struct flow_client client;
	enum account_result r;
	enum MHD_Result ret = MHD_NO;
	uint64_t now = (uint64_t)time(NULL);
	unsigned status = MHD_HTTP_OK;

	if (pr == NULL || f == NULL || v == NULL)
		goto free;
	if (!content_type_is(c, "application/x-www-form-urlencoded") || !form_parse(rq->body.data, rq->body.len, f))
		f->n = 0;
	page_req_init(pr, c, fx, "", 0, f);
	page_csrf(pr, ACCOUNT_CSRF_ID);
	if (!csrf_check(fx->keys, pr->csrf_cookie, pr->session_cookie, ACCOUNT_CSRF_ID, form_get(f, "csrf")) ||
	    form_get(f, "code") == NULL) {
		pr->pg.view = VIEW_BAD_REQUEST;
		status = MHD_HTTP_BAD_REQUEST;
		goto send;
	}
	client_address(c, fx->cfg, &client);
	r = account_new_recovery(fx, pr->session_cookie, form_get(f, "code"), &client, now, &codes);
	if (r == ACCOUNT_OK) {
		pr->pg.view = VIEW_NEW_RECOVERY;
		pr->pg.recovery = codes;
	} else if (r == ACCOUNT_WRONG && account_show(fx, pr->session_cookie, now, v) == ACCOUNT_OK) {
		pr->pg.view = VIEW_ACCOUNT;
		pr->pg.account = v;
		pr->pg.wrong_code = true;
		status = MHD_HTTP_UNAUTHORIZED;
	} else if (r == ACCOUNT_LIMITED) {
		pr->pg.view = VIEW_MFA_LIMITED;
		status = MHD_HTTP_TOO_MANY_REQUESTS;
	} else if (r == ACCOUNT_NO_SESSION) {
		pr->pg.view = VIEW_NEED_SIGNIN;
		status = MHD_HTTP_UNAUTHORIZED;
	} else {
		pr->pg.view = VIEW_UNAVAILABLE;
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
send:
	ret = send_page(c, status, &pr->pg, NULL, pr->set_csrf[0] ? pr->set_csrf : NULL);
free:
	codes = mfa_recovery_free(codes);
	free(v);
	free(pr);
	free(f);
	return ret;
}

/* route_account_auth - a new authenticator: step 1 mails a code (VIEW_NEW_AUTH), step 2 checks both codes;
 * then a code-level session cookie and on to /mfa/setup */
static enum MHD_Result route_account_auth(struct MHD_Connection *c, const struct flow_ctx *fx, enum route rt,
					  const struct req *rq)
{
	struct page_req *pr = malloc(sizeof(*pr));
	struct form *f = malloc(sizeof(*f));
	char session[SESSION_TEXT] = "", cookie[200] = "";
	struct flow_client client;
	enum account_result r;
	enum MHD_Result ret = MHD_NO;
	uint64_t now = (uint64_t)time(NULL);
	unsigned status = MHD_HTTP_OK;

	if (pr == NULL || f == NULL)
		goto free;
	if (!content_type_is(c, "application/x-www-form-urlencoded") || !form_parse(rq->body.data, rq->body.len, f))
		f->n = 0;
	page_req_init(pr, c, fx, "", 0, f);
	page_csrf(pr, ACCOUNT_CSRF_ID);
	if (!csrf_check(fx->keys, pr->csrf_cookie, pr->session_cookie, ACCOUNT_CSRF_ID, form_get(f, "csrf")) ||
	    (rt == ROUTE_ACCOUNT_AUTH && (form_get(f, "code") == NULL || form_get(f, "email_code") == NULL))) {
		pr->pg.view = VIEW_BAD_REQUEST;
		status = MHD_HTTP_BAD_REQUEST;
		goto send;
	}
	client_address(c, fx->cfg, &client);
	r = rt == ROUTE_ACCOUNT_AUTH_EMAIL
		    ? account_mail_code(fx, pr->session_cookie, &client, pr->pg.lang, now)
		    : account_new_authenticator(fx, pr->session_cookie, form_get(f, "code"), form_get(f, "email_code"),
						&client, now, session);
	if (r == ACCOUNT_OK && rt == ROUTE_ACCOUNT_AUTH) {
		make_cookie(cookie, sizeof(cookie), fx->cfg, true, session, fx->cfg->session_ttl);
		ret = send_redirect_with(c, pr->pg.lang == LANG_NL ? "/mfa/setup?lang=nl" : "/mfa/setup?lang=en", cookie,
					 NULL);
		goto free;
	}
	pr->pg.view = VIEW_NEW_AUTH;
	if (r == ACCOUNT_WRONG) {
		pr->pg.wrong = true;
		status = MHD_HTTP_UNAUTHORIZED;
	} else if (r == ACCOUNT_LIMITED) {
		pr->pg.view = VIEW_MFA_LIMITED;
		status = MHD_HTTP_TOO_MANY_REQUESTS;
	} else if (r == ACCOUNT_NO_SESSION) {
		pr->pg.view = VIEW_NEED_SIGNIN;
		status = MHD_HTTP_UNAUTHORIZED;
	} else if (r != ACCOUNT_OK) {
		pr->pg.view = VIEW_UNAVAILABLE;
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
send:
	ret = send_page(c, status, &pr->pg, NULL, pr->set_csrf[0] ? pr->set_csrf : NULL);
free:
	sodium_memzero(session, sizeof(session));
	sodium_memzero(cookie, sizeof(cookie));
	free(pr);
	free(f);
	return ret;
}

/* route_account - GET /account and POST /account/leave (CSRF, confirm=yes): account.h does the work */
static enum MHD_Result route_account(struct MHD_Connection *c, const struct flow_ctx *fx, bool post,
				     const struct req *rq)
{
	struct page_req *pr = malloc(sizeof(*pr));
	struct form *f = malloc(sizeof(*f));
	struct account_view *v = malloc(sizeof(*v));
	char clear[200] = "";
	enum account_result r = ACCOUNT_UNAVAILABLE;
	enum MHD_Result ret = MHD_NO;
	uint64_t now = (uint64_t)time(NULL);
	unsigned status = MHD_HTTP_OK;
	const char *confirm;

	if (pr == NULL || f == NULL || v == NULL)
		goto free;
	f->n = 0;
	if (post && (!content_type_is(c, "application/x-www-form-urlencoded") ||
		     !form_parse(rq->body.data, rq->body.len, f)))
		f->n = 0;
	page_req_init(pr, c, fx, "", 0, post ? f : NULL);
	page_csrf(pr, ACCOUNT_CSRF_ID);
	/* Security: leaving is a POST with the session-bound CSRF token and an explicit confirmation. */
	if (post && !csrf_check(fx->keys, pr->csrf_cookie, pr->session_cookie, ACCOUNT_CSRF_ID, form_get(f, "csrf"))) {
		pr->pg.view = VIEW_BAD_REQUEST;
		status = MHD_HTTP_BAD_REQUEST;
		goto send;
	}
	confirm = post ? form_get(f, "confirm") : NULL;
	if (post && confirm != NULL && strcmp(confirm, "yes") == 0) {
		r = account_leave(fx, pr->session_cookie, now);
		if (r == ACCOUNT_OK) {
			make_cookie(clear, sizeof(clear), fx->cfg, true, "", 0);
			pr->pg.view = VIEW_LEFT;
			pr->pg.audit_days = FLOW_AUDIT_DAYS;
			goto send;
		}
	} else {
		r = account_show(fx, pr->session_cookie, now, v);
		pr->pg.account = v;
		pr->pg.view = VIEW_ACCOUNT;
		pr->pg.wrong = post;	/* a leave without the box ticked */
		status = post ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK;
	}
	if (r == ACCOUNT_NO_SESSION) {
		pr->pg.view = VIEW_NEED_SIGNIN;
		status = MHD_HTTP_UNAUTHORIZED;
	} else if (r != ACCOUNT_OK) {
		pr->pg.view = VIEW_UNAVAILABLE;
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
send:
	ret = send_page(c, status, &pr->pg, clear[0] ? clear : NULL, pr->set_csrf[0] ? pr->set_csrf : NULL);
free:
	free(v);
	free(pr);
	free(f);
	return ret;
}

static enum MHD_Result dispatch(struct http_server *h, struct MHD_Connection *c, const char *url, const char *method,
				struct req *rq)
{
	const char *tok;
	size_t tok_len;
	enum route rt = parse_route(url, &tok, &tok_len);
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0;
	struct answer a;

	if (MHD_get_connection_values(c, MHD_HEADER_KIND, NULL, NULL) > (int)CAP_HTTP_HEADER_COUNT)
		return send_text(c, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "too many header fields\n");
	if (rt == ROUTE_NONE && strncmp(url, "/api/", 5) == 0)
		/* A program gets JSON: a token too long or not base64url is a bad link like any other. */
		return send_json(c, MHD_HTTP_NOT_FOUND, "error",
				 strncmp(url, "/api/v1/accept/", 15) == 0 ? "invalid_link" : "not_found", 0);
	if (rt == ROUTE_NONE) {
		struct page pg = { .view = VIEW_NOT_FOUND, .lang = request_lang(c, NULL), .org_name = h->fx->cfg->org_name,
				   .inviter = "", .resource = "", .token = "", .csrf = "", .email = "" };

		return send_page(c, MHD_HTTP_NOT_FOUND, &pg, NULL, NULL);
	}
	if (is_get_and_post_route(rt) ? !(get || post) : is_post_route(rt) ? !post : !get)
		return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (rq->too_big)
		return send_json(c, MHD_HTTP_CONTENT_TOO_LARGE, "error", "too_large", 0);
	switch (rt) {
	case ROUTE_HEALTHZ:
		if (store_read(h->fx->st, noop_txn, NULL) != STORE_OK)
			return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store unavailable\n");
		return send_text(c, MHD_HTTP_OK, "ok\n");
	case ROUTE_STYLE:
		answer_init(&a);
		a.status = MHD_HTTP_OK;
		a.ctype = "text/css; charset=utf-8";
		a.cacheable = true;
		if (!buf_puts(&a.body, pages_stylesheet()))
			buf_reset(&a.body);
		return send_answer(c, &a);
	case ROUTE_ACCEPT:
		return route_accept_page(c, h->fx, tok, tok_len);
	case ROUTE_EMAIL:
	case ROUTE_CODE:
		return route_form_post(c, h->fx, rt, tok, tok_len, rq);
	case ROUTE_API_EMAIL:
	case ROUTE_API_CODE:
		return route_api(c, h->fx, rt, tok, tok_len, rq);
	case ROUTE_API_INVITATIONS:
		return route_invitations(c, h->fx, rq);
	case ROUTE_AUTH:
		return route_auth(c, h);
	case ROUTE_LOGIN:
		return route_login_page(c, h->fx);
	case ROUTE_LOGIN_EMAIL:
	case ROUTE_LOGIN_CODE:
		return route_login_post(c, h->fx, rt, rq);
	case ROUTE_MFA_SETUP:
	case ROUTE_MFA_VERIFY:
		return route_mfa(c, h->fx, rt, post, rq);
	case ROUTE_OIDC_CALLBACK:
		return route_oidc_callback(c, h->fx);
	case ROUTE_ACCOUNT:
	case ROUTE_ACCOUNT_LEAVE:
		return route_account(c, h->fx, post, rq);
	case ROUTE_ACCOUNT_RECOVERY:
		return route_account_recovery(c, h->fx, rq);
	case ROUTE_ACCOUNT_AUTH_EMAIL:
	case ROUTE_ACCOUNT_AUTH:
		return route_account_auth(c, h->fx, rt, rq);
	case ROUTE_PRIVACY:
		return route_privacy(c, h->fx, post, rq);
	case ROUTE_NONE:
		break;
	}
	return MHD_NO;
}

/* declared_too_big - does the request announce (Content-Length) a body over cap? */
static bool declared_too_big(struct MHD_Connection *c, size_t cap)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	size_t n = 0;

	if (cl == NULL)
		return false;
	for (; *cl >= '0' && *cl <= '9'; cl++) {
		if (n > cap)
			return true;
		n = n * 10 + (size_t)(*cl - '0');
	}
	return n > cap;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_server *h = cls;
	struct req *rq = *con_cls;
	const char *tok;
	size_t tok_len;

	(void)version;
	if (rq == NULL) {
		/* First call: headers only. Never answer here (LIBRARY-NOTES: MHD would close the connection). */
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		buf_init(&rq->body, body_cap(parse_route(url, &tok, &tok_len)));
		*con_cls = rq;
		/* Security: a body announced bigger than the cap is refused before it is read; MHD then closes
		 * the connection instead of reading the rest (a chunked one is read and dropped up to the end). */
		if (declared_too_big(c, rq->body.max)) {
			rq->too_big = true;
			return send_json(c, MHD_HTTP_CONTENT_TOO_LARGE, "error", "too_large", 0);
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!rq->too_big && !buf_append(&rq->body, upload_data, *upload_data_size))
			rq->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return dispatch(h, c, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq != NULL) {
		if (rq->body.data != NULL)
			sodium_memzero(rq->body.data, rq->body.len);
		buf_release(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* origin_of - "scheme://host[:port]" of an absolute URL, if it has only URL-safe characters */
static bool origin_of(const char *url, char *out, size_t outsz)
{
	const char *p = strstr(url, "://"), *end;
	size_t n;

	if (p == NULL)
		return false;
	end = strchr(p + 3, '/');
	n = end ? (size_t)(end - url) : strlen(url);
	if (n == 0 || n >= outsz)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((url[i] >= 'a' && url[i] <= 'z') || (url[i] >= 'A' && url[i] <= 'Z') ||
		      (url[i] >= '0' && url[i] <= '9') || strchr(":/.-[]", url[i]) != NULL))
			return false;
	memcpy(out, url, n);
	out[n] = '\0';
	return true;
}

/* csp_build - the CSP with the providers' origins in form-action */
static void csp_build(const struct config *cfg)
{
	struct buf b;
	char origin[512];

	buf_init(&b, sizeof(csp) - 1);
	if (!buf_puts(&b, CSP_HEAD))
		goto out;
	for (size_t i = 0; i < cfg->n_oidc; i++)
		if (origin_of(cfg->oidc[i].issuer, origin, sizeof(origin)) && strstr(b.data, origin) == NULL &&
		    !(buf_putc(&b, ' ') && buf_puts(&b, origin)))
			goto out;
	if (buf_puts(&b, CSP_TAIL))
		memcpy(csp, b.data, b.len + 1);
out:
	buf_release(&b);
}

struct http_server *http_start(int listen_fd, const struct flow_ctx *fx)
{
	struct http_server *h = calloc(1, sizeof(*h));
	const struct config *cfg = fx->cfg;

	if (h == NULL)
		return NULL;
	h->fx = fx;
	h->fd = listen_fd;
	csp_build(cfg);
	if ((h->auth = auth_answers_new(csp)) == NULL) {
		free(h);
		return NULL;
	}
	h->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, on_request, h,
				  MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
				  MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->connection_timeout,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->connection_limit,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->per_ip_connection_limit,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->connection_memory,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				  MHD_OPTION_END);
	if (h->mhd == NULL) {
		auth_answers_free(h->auth);
		free(h);
		return NULL;
	}
	return h;
}

struct http_server *http_stop(struct http_server *h)
{
	if (h == NULL)
		return NULL;
	MHD_stop_daemon(h->mhd);
	auth_answers_free(h->auth);
	close(h->fd);
	free(h);
	return NULL;
}

static int listen_unix(const char *path, char *err, size_t errsz)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "listen: unix socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errsz, "listen: socket: %s", strerror(errno));
		return -1;
	}
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || chmod(path, 0660) != 0 || listen(fd, 128) != 0) {
		snprintf(err, errsz, "listen: %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int http_listen(const char *spec, char *err, size_t errsz)
{
	char host[256];
	const char *colon = strrchr(spec, ':'), *h = spec;
	size_t hlen;
	struct addrinfo hints, *res = NULL;
	int fd = -1, one = 1, rc;

	if (strncmp(spec, "unix:", 5) == 0)
		return listen_unix(spec + 5, err, errsz);
	if (colon == NULL) {
		snprintf(err, errsz, "listen: '%s' is not HOST:PORT", spec);
		return -1;
	}
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[' && hlen >= 2) {
		h = spec + 1;
		hlen -= 2;
	}
	if (hlen >= sizeof(host)) {
		snprintf(err, errsz, "listen: host too long");
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(hlen ? host : NULL, colon + 1, &hints, &res)) != 0) {
		snprintf(err, errsz, "listen: %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		snprintf(err, errsz, "listen: %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}
