/*
 * test_otpd_steps - otpd's request pipeline without HTTP (otpd/routes.c,
 * otpd/step.c, otpd/steps_*.c) as tables: which row a URL and a method
 * reach, what the table promises of every row, and what a step answers
 * (status, view or JSON word, cookies, Location) for a request, run through
 * routes_run with a real LMDB store, real keys and signed links.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "keys.h"
#include "log.h"
#include "routes.h"
#include "store_fixture.h"

static char dir[] = "/tmp/test-steps.XXXXXX";
static struct otpd_config cfg;
static struct keyring ring;
static struct mail_from from;
static struct store *st;
static struct secrets *sk;
static struct flow_ctx fx;
static char good_link[CAP_TOKEN_BYTES + 1], old_link[CAP_TOKEN_BYTES + 1];

static void mint(struct signing_key *key, uint64_t issued, uint64_t ttl, char out[CAP_TOKEN_BYTES + 1])
{
	struct token *t = calloc(1, sizeof(*t));
	char norm[ADDR_BUF];
	struct buf b;

	assert_non_null(t);
	assert_true(token_init(t, &key->guest, "staff@example.org", "https://teams.example.org/team/42", issued, ttl));
	assert_true(addr_normalize("guest@example.net", 17, norm) && token_add_guest(t, norm));
	buf_init(&b, CAP_TOKEN_BYTES);
	assert_true(token_encode(t, key, &b) && b.len < CAP_TOKEN_BYTES);
	memcpy(out, b.data, b.len + 1);
	buf_release(&b);
	free(t);
}

static int setup(void **state)
{
	char path[256], text[2048], err[CAP_ERRMSG];
	struct signing_key key;
	FILE *devnull = fopen("/dev/null", "w");
	uint64_t now = (uint64_t)time(NULL);

	(void)state;
	if (devnull == NULL || fixture_open(dir, 64u << 20, &st, &sk) != 0)
		return -1;
	log_open("test", LOG_SINK_STDERR, LOG_LEVEL_ERROR);
	snprintf(path, sizeof(path), "%s/keys", dir);
	if (!keys_generate(path, devnull, err, sizeof(err)))
		return -1;
	fclose(devnull);
	snprintf(text, sizeof(text),
		 "[guestlink]\npublic_url = https://guest.example.org\norg_name = Test University\n"
		 "internal_domains = example.org\n"
		 "[keys]\nverify_keys = %s/keys/\nsecret = %s/keys/otpd.secret\nguest_key = %s/keys/guest.key\n"
		 "[otpd]\nlisten = 127.0.0.1:1\ndatabase = %s\nsmtp_url = smtp://127.0.0.1:1\n"
		 "mail_from = Test <no-reply@example.org>\ncookie_secure = yes\n",
		 dir, dir, dir, dir);
	if (!otpd_config_load_string("steps.conf", text, &cfg, err, sizeof(err)) ||
	    !otpd_config_require(&cfg, CONFIG_NEED_OTPD, err, sizeof(err)) || !mailmsg_parse_from(cfg.mail_from, &from) ||
	    !keys_load_verify(cfg.verify_keys, &ring, err, sizeof(err)) ||
	    !keyring_load_guests(&ring, cfg.guest_key, cfg.guest_key_previous, err, sizeof(err))) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/keys/link.key", dir);
	if (!keys_load_signing(path, &key, err, sizeof(err)))
		return -1;
	snprintf(path, sizeof(path), "%s/keys/guest.key", dir);
	if (!keys_load_guest(path, &key.guest, err, sizeof(err)))
		return -1;
	mint(&key, now, 86400, good_link);
	mint(&key, now - 7200, 3600, old_link);
	keys_free_signing(&key);
	fx = (struct flow_ctx){ &cfg, st, sk, &ring, &from, NULL, NULL };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	otpd_config_free(&cfg);
	return fixture_close(dir, &st, &sk);
}

static const struct route *row(const char *name)
{
	size_t n;
	const struct route *t = routes_table(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	fail_msg("no row %s", name);
	return NULL;
}

/* ---- routing ---- */

static void test_match(void **state)
{
	static char long_tok[16 + CAP_TOKEN_BYTES + 2], max_tok[16 + CAP_TOKEN_BYTES + 1];
	const struct {
		const char *method, *url, *want;	/* want NULL: no route */
		size_t tok_len;
		bool allowed;
	} t[] = {
		{ "GET", "/healthz", "healthz", 0, true },
		{ "HEAD", "/healthz", "healthz", 0, true },
		{ "POST", "/healthz", "healthz", 0, false },
		{ "GET", "/healthz/", NULL, 0, false },
		{ "GET", "/auth", "auth", 0, true },
		{ "GET", "/accept/abc", "accept", 3, true },
		{ "GET", "/accept/abc/", "accept", 3, true },
		{ "GET", "/accept/", "accept", 0, true },
		{ "POST", "/accept/abc", "accept", 3, false },
		{ "POST", "/accept/a-b_c/email", "accept_email", 5, true },
		{ "GET", "/accept/abc/email", "accept_email", 3, false },
		{ "POST", "/accept/abc/code", "accept_code", 3, true },
		{ "POST", "/accept/abc/other", NULL, 0, false },
		{ "GET", "/accept/ab$c", NULL, 0, false },
		{ "GET", "/accept/abc/email/", NULL, 0, false },
		{ "POST", "/api/v1/accept/abc/email", "api_email", 3, true },
		{ "POST", "/api/v1/accept/abc/code", "api_code", 3, true },
		{ "GET", "/api/v1/accept/abc", NULL, 0, false },
		{ "POST", "/api/v1/invitations", "invitations", 0, true },
		{ "GET", "/login", "login", 0, true },
		{ "POST", "/login", "login", 0, false },
		{ "POST", "/login/email", "login_email", 0, true },
		{ "GET", "/mfa/setup", "mfa_setup", 0, true },
		{ "POST", "/mfa/setup", "mfa_setup", 0, true },
		{ "PUT", "/mfa/setup", "mfa_setup", 0, false },
		{ "POST", "/mfa/verify", "mfa_verify", 0, true },
		{ "GET", "/oidc/callback", "oidc_callback", 0, true },
		{ "GET", "/account", "account", 0, true },
		{ "POST", "/account", "account", 0, false },
		{ "POST", "/account/leave", "account_leave", 0, true },
		{ "POST", "/account/authenticator", "account_auth", 0, true },
		{ "POST", "/account/authenticator/email", "account_auth_email", 0, true },
		{ "POST", "/privacy", "privacy", 0, true },
		{ "GET", "/static/style.css", "style", 0, true },
		{ "GET", "/", NULL, 0, false },
		/* Security: the longest token is CAP_TOKEN_BYTES; one more is no route (issue 10, finding 3). */
		{ "GET", max_tok, "accept", CAP_TOKEN_BYTES, true },
		{ "GET", long_tok, NULL, 0, false },
	};

	(void)state;
	memcpy(max_tok, "/accept/", 8);
	memset(max_tok + 8, 'A', CAP_TOKEN_BYTES);
	memcpy(long_tok, "/accept/", 8);
	memset(long_tok + 8, 'A', CAP_TOKEN_BYTES + 1);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *tok;
		size_t tok_len;
		const struct route *r = routes_match(t[i].url, &tok, &tok_len);
		const char *got = r != NULL ? r->name : NULL;

		if ((got == NULL) != (t[i].want == NULL) || (got != NULL && strcmp(got, t[i].want) != 0))
			fail_msg("case %zu (%s %.40s): got %s, want %s", i, t[i].method, t[i].url, got ? got : "none",
				 t[i].want ? t[i].want : "none");
		if (r != NULL && tok_len != t[i].tok_len)
			fail_msg("case %zu (%.40s): got token length %zu, want %zu", i, t[i].url, tok_len, t[i].tok_len);
		if (r != NULL && routes_allows(r, t[i].method) != t[i].allowed)
			fail_msg("case %zu (%s %s): got allowed %d, want %d", i, t[i].method, t[i].url,
				 routes_allows(r, t[i].method), t[i].allowed);
	}
}

/* What the table promises of every row. */
static void test_table(void **state)
{
	size_t n;
	const struct route *t = routes_table(&n);

	(void)state;
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		const struct route *r = &t[i];

		if (r->step == NULL || r->cap == 0)
			fail_msg("row %s: no step or no body cap", r->name);
		/* Security: every page POST carries a CSRF token; the JSON routes take only application/json. */
		if ((r->methods & METHOD_POST) && r->answer == ANSWER_HTML && r->csrf == CSRF_NONE)
			fail_msg("row %s: a page POST without a CSRF context", r->name);
		if ((r->methods & METHOD_POST) && r->answer == ANSWER_HTML && r->body != BODY_FORM)
			fail_msg("row %s: a page POST that reads no form", r->name);
		if (r->answer == ANSWER_JSON && r->body != BODY_JSON && r->body != BODY_REPORT)
			fail_msg("row %s: a JSON route that reads no JSON", r->name);
		if (r->answer == ANSWER_HTML && r->views == 0)
			fail_msg("row %s: a page route that lists no view", r->name);
		if (r->csrf == CSRF_LINK && !r->token)
			fail_msg("row %s: the link's CSRF context without a link", r->name);
		if (r->cap > CAP_HTTP_REPORT_BYTES)
			fail_msg("row %s: body cap %zu over every cap", r->name, r->cap);
		for (size_t j = 0; j < i; j++)
			if (strcmp(t[j].name, r->name) == 0 ||
			    (strcmp(t[j].path, r->path) == 0 && strcmp(t[j].suffix, r->suffix) == 0))
				fail_msg("rows %s and %s: the same name or path", t[j].name, r->name);
	}
}

/* ---- steps ---- */

struct fake {
	const char *hdr[4][2];
	const char *query[2][2];
};

static const char *fake_header(void *conn, const char *name)
{
	struct fake *f = conn;

	for (size_t i = 0; i < 4; i++)
		if (f->hdr[i][0] != NULL && strcasecmp(f->hdr[i][0], name) == 0)
			return f->hdr[i][1];
	return NULL;
}

static size_t fake_count(void *conn, const char *name)
{
	struct fake *f = conn;
	size_t n = 0;

	for (size_t i = 0; i < 4; i++)
		n += f->hdr[i][0] != NULL && strcasecmp(f->hdr[i][0], name) == 0;
	return n;
}

static const char *fake_query(void *conn, const char *name)
{
	struct fake *f = conn;

	for (size_t i = 0; i < 2; i++)
		if (f->query[i][0] != NULL && strcmp(f->query[i][0], name) == 0)
			return f->query[i][1];
	return NULL;
}

enum link_kind { L_NONE, L_GOOD, L_BAD, L_OLD };
enum csrf_kind { C_NONE, C_GOOD, C_WRONG };

#define NOSRC { { { 0 } }, { { 0 } } }
#define HDR(...) { { __VA_ARGS__ }, { { 0 } } }
#define QRY(...) { { { 0 } }, { __VA_ARGS__ } }

struct step_case {
	const char *name, *route;
	bool post;
	enum link_kind link;
	enum csrf_kind csrf;
	const char *email, *code, *confirm, *rd;
	bool body_bad;				/* a JSON body that did not parse */
	struct fake src;
	unsigned want_status;
	int want_view;				/* -1: not a page */
	const char *want_word;			/* JSON word or plain text; NULL: not checked */
	const char *want_location;		/* NULL: no Location */
	const char *want_cookie;		/* a Set-Cookie starts so; NULL: none */
	bool want_new_csrf;			/* a new CSRF cookie goes with the page */
	const char *want_rd;			/* the page's rd; NULL: not checked */
};

static const struct step_case cases[] = {
	/* the link, checked before anything else */
	{ "accept page", "accept", false, L_GOOD, C_NONE, NULL, NULL, NULL, NULL, false, NOSRC, 200,
	  VIEW_ASK_EMAIL, NULL, NULL, NULL, true, NULL },
	{ "accept page, bad link", "accept", false, L_BAD, C_NONE, NULL, NULL, NULL, NULL, false, NOSRC, 404,
	  VIEW_BAD_LINK, NULL, NULL, NULL, false, NULL },
	{ "accept page, expired link", "accept", false, L_OLD, C_NONE, NULL, NULL, NULL, NULL, false, NOSRC,
	  410, VIEW_EXPIRED_LINK, NULL, NULL, NULL, false, NULL },
	{ "api email, bad link", "api_email", true, L_BAD, C_NONE, "guest@example.net", NULL, NULL, NULL, false,
	  NOSRC, 404, -1, "invalid_link", NULL, NULL, false, NULL },
	{ "api code, expired link", "api_code", true, L_OLD, C_NONE, "guest@example.net", "12345678", NULL, NULL, false,
	  NOSRC, 410, -1, "expired_link", NULL, NULL, false, NULL },
	/* CSRF and required fields */
	{ "email, no csrf", "accept_email", true, L_GOOD, C_NONE, "guest@example.net", NULL, NULL, NULL, false,
	  NOSRC, 400, VIEW_BAD_REQUEST, NULL, NULL, NULL, false, NULL },
	{ "email, wrong csrf", "accept_email", true, L_GOOD, C_WRONG, "guest@example.net", NULL, NULL, NULL, false,
	  NOSRC, 400, VIEW_BAD_REQUEST, NULL, NULL, NULL, false, NULL },
	{ "email, no address", "accept_email", true, L_GOOD, C_GOOD, NULL, NULL, NULL, NULL, false, NOSRC,
	  400, VIEW_BAD_REQUEST, NULL, NULL, NULL, false, NULL },
	{ "code, no code", "accept_code", true, L_GOOD, C_GOOD, "guest@example.net", NULL, NULL, NULL, false,
	  NOSRC, 400, VIEW_BAD_REQUEST, NULL, NULL, NULL, false, NULL },
	{ "api email, body not JSON", "api_email", true, L_GOOD, C_NONE, NULL, NULL, NULL, NULL, true, NOSRC,
	  400, -1, "bad_request", NULL, NULL, false, NULL },
	{ "api code, no code", "api_code", true, L_GOOD, C_NONE, "guest@example.net", NULL, NULL, NULL, false,
	  NOSRC, 400, -1, "bad_request", NULL, NULL, false, NULL },
	/* the email step: one answer, invited or not; page and API alike */
	{ "email, invited", "accept_email", true, L_GOOD, C_GOOD, "guest@example.net", NULL, NULL, NULL, false,
	  NOSRC, 200, VIEW_ASK_CODE, NULL, NULL, NULL, false, NULL },
	{ "email, not invited", "accept_email", true, L_GOOD, C_GOOD, "other@example.net", NULL, NULL, NULL, false,
	  NOSRC, 200, VIEW_ASK_CODE, NULL, NULL, NULL, false, NULL },
	{ "api email, invited", "api_email", true, L_GOOD, C_NONE, "guest@example.net", NULL, NULL, NULL, false,
	  NOSRC, 202, -1, "accepted", NULL, NULL, false, NULL },
	{ "api email, not invited", "api_email", true, L_GOOD, C_NONE, "nobody@example.com", NULL, NULL, NULL, false,
	  NOSRC, 202, -1, "accepted", NULL, NULL, false, NULL },
	{ "login email, unknown", "login_email", true, L_NONE, C_GOOD, "nobody@example.com", NULL, NULL, NULL, false,
	  NOSRC, 200, VIEW_LOGIN_CODE, NULL, NULL, NULL, false, NULL },
	/* the code step */
	{ "code, wrong", "accept_code", true, L_GOOD, C_GOOD, "guest@example.net", "00000000", NULL, NULL, false,
	  NOSRC, 401, VIEW_WRONG_CODE, NULL, NULL, NULL, false, NULL },
	{ "api code, wrong", "api_code", true, L_GOOD, C_NONE, "guest@example.net", "00000000", NULL, NULL, false,
	  NOSRC, 401, -1, "wrong_or_expired_code", NULL, NULL, false, NULL },
	{ "login code, wrong", "login_code", true, L_NONE, C_GOOD, "guest@example.net", "00000000", NULL, NULL, false,
	  NOSRC, 401, VIEW_LOGIN_WRONG_CODE, NULL, NULL, NULL, false, NULL },
	/* /login's rd: normalised, or dropped */
	{ "login page, rd", "login", false, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false,
	  QRY({ "rd", "https://Teams.example.org/a/../team/42" }), 200, VIEW_LOGIN, NULL, NULL, NULL,
	  true, "https://teams.example.org/team/42" },
	{ "login page, rd not absolute", "login", false, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false,
	  QRY({ "rd", "//evil.example/x" }), 200, VIEW_LOGIN, NULL, NULL, NULL, true, "" },
	{ "login email, rd kept", "login_email", true, L_NONE, C_GOOD, "nobody@example.com", NULL, NULL,
	  "https://teams.example.org/team/42", false, NOSRC, 200, VIEW_LOGIN_CODE, NULL, NULL, NULL, false,
	  "https://teams.example.org/team/42" },
	/* MFA, privacy and the account without a session */
	{ "mfa setup page, no session", "mfa_setup", false, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false, NOSRC,
	  401, VIEW_NEED_SIGNIN, NULL, NULL, NULL, true, NULL },
	{ "mfa verify, no csrf", "mfa_verify", true, L_NONE, C_NONE, NULL, "123456", NULL, NULL, false, NOSRC,
	  400, VIEW_BAD_REQUEST, NULL, NULL, NULL, true, NULL },
	{ "mfa verify, no session", "mfa_verify", true, L_NONE, C_GOOD, NULL, "123456", NULL, NULL, false,
	  NOSRC, 401, VIEW_NEED_SIGNIN, NULL, NULL, NULL, false, NULL },
	{ "mfa verify page, no session cookie", "mfa_verify", false, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false,
	  HDR({ "Cookie", "x" }), 401, VIEW_NEED_SIGNIN, NULL, NULL, NULL, true, NULL },
	{ "privacy, nothing to accept", "privacy", false, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false, NOSRC,
	  303, -1, NULL, "/mfa/setup?lang=en", NULL, false, NULL },
	{ "privacy, Dutch", "privacy", false, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false,
	  HDR({ "Accept-Language", "nl" }), 303, -1, NULL, "/mfa/setup?lang=nl", NULL, false, NULL },
	{ "account, no session", "account", false, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false, NOSRC, 401,
	  VIEW_NEED_SIGNIN, NULL, NULL, NULL, true, NULL },
	{ "leave, no csrf", "account_leave", true, L_NONE, C_WRONG, NULL, NULL, "yes", NULL, false, NOSRC, 400,
	  VIEW_BAD_REQUEST, NULL, NULL, NULL, false, NULL },
	{ "leave, no session", "account_leave", true, L_NONE, C_GOOD, NULL, NULL, "yes", NULL, false, NOSRC,
	  401, VIEW_NEED_SIGNIN, NULL, NULL, NULL, false, NULL },
	{ "new authenticator, no email code", "account_auth", true, L_NONE, C_GOOD, NULL, "123456", NULL, NULL, false,
	  NOSRC, 400, VIEW_BAD_REQUEST, NULL, NULL, NULL, false, NULL },
	/* the provider's callback without providers: a stale sign-in, the state cookie cleared */
	{ "callback, no provider", "oidc_callback", false, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false,
	  QRY({ "state", "abc" }, { "code", "def" }), 400, VIEW_IDP_PROBLEM, NULL, NULL,
	  "__Host-oidc_state=; Path=/; Max-Age=0", true, NULL },
	/* the service routes */
	{ "healthz", "healthz", false, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false, NOSRC, 200, -1, "ok\n",
	  NULL, NULL, false, NULL },
	{ "auth, no cookie", "auth", false, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false,
	  HDR({ "X-Original-URL", "https://teams.example.org/team/42" }), 401, -1, "", NULL, NULL, false, NULL },
	{ "auth, unknown session", "auth", false, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false,
	  HDR({ "Cookie", "__Host-guestlink_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
	      { "X-Original-URL", "https://teams.example.org/team/42" }),
	  401, -1, "", NULL, NULL, false, NULL },
	{ "invitations, unsigned", "invitations", true, L_NONE, C_NONE, NULL, NULL, NULL, NULL, false, NOSRC,
	  401, -1, "bad_signature", NULL, NULL, false, NULL },
};

/* family_get - the page whose GET hands out the CSRF token a POST of r must carry */
static const char *family_get(const struct route *r)
{
	switch (r->csrf) {
	case CSRF_LINK:
		return "accept";
	case CSRF_LOGIN:
		return "login";
	case CSRF_MFA:
		return "mfa_setup";
	case CSRF_ACCOUNT:
		return "account";
	default:
		return NULL;
	}
}

/* prepare - in for case c on row r (the pipeline's input as http.c fills it) */
static void prepare(struct step_in *in, struct fake *src, const struct step_case *c, const struct route *r,
		    unsigned i)
{
	char ip[32];

	memset(in, 0, sizeof(*in));
	*src = c->src;
	in->fx = &fx;
	in->rt = r;
	in->src = (struct step_source){ fake_header, fake_query, fake_count, src };
	in->now = (uint64_t)time(NULL);
	in->post = c->post;
	in->json = r->answer == ANSWER_JSON;
	in->tok = c->link == L_GOOD ? good_link : c->link == L_OLD ? old_link : "AAAAAAAA";
	in->tok_len = r->token ? strlen(in->tok) : 0;
	in->f.email = c->email;
	in->f.code = c->code;
	in->f.confirm = c->confirm;
	in->f.rd = c->rd;
	in->body_ok = !c->body_bad;
	step_read_cookies(in, fake_header(src, "Cookie"));
	in->lang = step_lang(in);
	snprintf(ip, sizeof(ip), "198.51.100.%u", i + 1);
	flow_client_from_text(ip, &in->client);
}

/* csrf_for - the CSRF cookie and token a browser got from the family's GET page */
static void csrf_for(const struct step_case *c, const struct route *r, char cookie[CSRF_TEXT], char token[CSRF_TEXT],
		     unsigned i)
{
	struct step_in *in = calloc(1, sizeof(*in));
	struct step_out *out = calloc(1, sizeof(*out));
	struct step_case get = *c;
	struct fake src;
	const struct route *g = row(family_get(r));

	assert_non_null(in);
	assert_non_null(out);
	get.post = false;
	prepare(in, &src, &get, g, i);
	step_out_init(out, in);
	routes_run(g, in, out);
	if (in->csrf_cookie[0] == '\0' || in->csrf[0] == '\0' || out->set_csrf[0] == '\0')
		fail_msg("case %u (%s): the %s page gave no CSRF cookie and token", i, c->name, g->name);
	memcpy(cookie, in->csrf_cookie, CSRF_TEXT);
	memcpy(token, in->csrf, CSRF_TEXT);
	step_out_release(out);
	free(in);
	free(out);
}

static bool has_cookie(const struct step_out *out, const char *prefix)
{
	for (size_t i = 0; i < STEP_COOKIES; i++)
		if (strncmp(out->cookies[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static void check(const struct step_case *c, const struct route *r, const struct step_out *out, unsigned i)
{
	const char *word = r->answer == ANSWER_TEXT ? out->text : out->word;

	if (out->status != c->want_status)
		fail_msg("case %u (%s): got status %u, want %u", i, c->name, out->status, c->want_status);
	if (c->want_view >= 0 && (int)out->pg.view != c->want_view)
		fail_msg("case %u (%s): got view %d, want %d", i, c->name, (int)out->pg.view, c->want_view);
	if (c->want_word != NULL && (word == NULL || strcmp(word, c->want_word) != 0))
		fail_msg("case %u (%s): got word '%s', want '%s'", i, c->name, word ? word : "(none)", c->want_word);
	if ((c->want_location == NULL) != (out->location == NULL) ||
	    (c->want_location != NULL && strcmp(out->location, c->want_location) != 0))
		fail_msg("case %u (%s): got Location %s, want %s", i, c->name, out->location ? out->location : "(none)",
			 c->want_location ? c->want_location : "(none)");
	if (c->want_cookie != NULL && !has_cookie(out, c->want_cookie))
		fail_msg("case %u (%s): got no Set-Cookie %s", i, c->name, c->want_cookie);
	if (c->want_cookie == NULL && out->cookies[0][0] != '\0')
		fail_msg("case %u (%s): got Set-Cookie %s, want none", i, c->name, out->cookies[0]);
	if (c->want_new_csrf != (out->set_csrf[0] != '\0'))
		fail_msg("case %u (%s): got a new CSRF cookie %d, want %d", i, c->name, out->set_csrf[0] != '\0',
			 c->want_new_csrf);
	if (c->want_rd != NULL && strcmp(out->pg.rd, c->want_rd) != 0)
		fail_msg("case %u (%s): got rd '%s', want '%s'", i, c->name, out->pg.rd, c->want_rd);
	/* Security: a refused link never echoes its token into the page's forms. */
	if (c->want_view == VIEW_BAD_LINK || c->want_view == VIEW_EXPIRED_LINK)
		if (out->pg.token[0] != '\0')
			fail_msg("case %u (%s): a refused link's page carries the token", i, c->name);
}

static void test_steps(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct step_case *c = &cases[i];
		const struct route *r = row(c->route);
		struct step_in *in = calloc(1, sizeof(*in));
		struct step_out *out = calloc(1, sizeof(*out));
		char cookie[CSRF_TEXT] = "", token[CSRF_TEXT] = "";
		struct fake src;

		assert_non_null(in);
		assert_non_null(out);
		if (c->csrf == C_GOOD)
			csrf_for(c, r, cookie, token, i);
		prepare(in, &src, c, r, i);
		if (c->csrf == C_GOOD) {
			memcpy(in->csrf_cookie, cookie, CSRF_TEXT);
			in->f.csrf = token;
		} else if (c->csrf == C_WRONG) {
			csrf_new_cookie(in->csrf_cookie);
			in->f.csrf = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
		}
		step_out_init(out, in);
		routes_run(r, in, out);
		check(c, r, out, i);
		step_out_release(out);
		free(in);
		free(out);
	}
}

/* A step that answers with a view its row does not list: the pipeline refuses it, and nothing it set goes
 * out (the table, not the step, says what a route may show). */
static void step_rogue(struct step_in *in, struct step_out *out)
{
	step_session_cookie(out, in->fx->cfg, "stolen", 60);
	out->pg.view = VIEW_MFA_DONE;
}

static void test_view_not_listed(void **state)
{
	struct route r = *row("login");
	struct step_in *in = calloc(1, sizeof(*in));
	struct step_out *out = calloc(1, sizeof(*out));
	struct step_case c = cases[0];
	struct fake src;

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	r.step = step_rogue;
	c.link = L_NONE;
	prepare(in, &src, &c, &r, 200);
	step_out_init(out, in);
	routes_run(&r, in, out);
	assert_int_equal(out->status, HTTP_INTERNAL_SERVER_ERROR);
	assert_int_equal(out->pg.view, VIEW_UNAVAILABLE);
	assert_string_equal(out->cookies[0], "");
	assert_string_equal(out->set_csrf, "");
	step_out_release(out);
	free(in);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_view_not_listed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
