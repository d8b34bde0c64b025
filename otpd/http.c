/*
 * http.c - libmicrohttpd glue (see http.h): connection state, body
 * accumulation, the request as a struct step_in, the outcome as an answer.
 * What a route is, how big its body may be and what answers it lives in
 * routes.c; what it does in steps_*.c; how it looks in render.c.
 */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth_fast.h"
#include "caps.h"
#include "form.h"
#include "render.h"
#include "routes.h"
#include "step.h"

/*
 * Security: a strict CSP. form-action also governs the redirect that follows
 * a form POST (Chromium enforces it), so the origins of the configured
 * OpenID Connect providers are allowed there: the email step's 303 goes to a
 * provider's authorization endpoint, which must share its issuer's origin.
 * Built once at start-up (csp_build), read-only afterwards.
 */
#define CSP_HEAD "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'"
#define CSP_TAIL "; frame-ancestors 'none'; base-uri 'none'"
static char csp[CAP_CSP_BYTES] = CSP_HEAD CSP_TAIL;

struct http_server {
	struct MHD_Daemon *mhd;
	const struct flow_ctx *fx;
	int fd;
	struct auth_answers *auth;	/* /auth's answers, made once (auth_fast.h) */
};

/* A connection's request: its row (NULL: none) and its body so far. */
struct req {
	const struct route *rt;
	const char *tok;
	size_t tok_len;
	struct buf body;
	bool too_big;
};

/* send_answer - the outcome, rendered by the row's answer kind, with the headers every answer carries */
static enum MHD_Result send_answer(struct MHD_Connection *c, enum answer_kind kind, struct step_out *o)
{
	struct MHD_Response *r;
	struct buf body;
	unsigned status = o->status;
	const char *ctype;
	char retry[24];
	enum MHD_Result ret;

	buf_init(&body, CAP_PAGE_BYTES);
	ctype = kind == ANSWER_HTML ? render_html(o, &body, &status)
		: kind == ANSWER_JSON ? render_json(o, &body, &status)
				      : render_text(o, &body, &status);
	r = MHD_create_response_from_buffer(body.len, body.data, MHD_RESPMEM_MUST_COPY);
	/* Security: the page may have spelled the TOTP secret or recovery codes. */
	if (body.data != NULL)
		sodium_memzero(body.data, body.len);
	buf_release(&body);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cache-Control", o->cacheable ? "public, max-age=86400" : "no-store");
	for (size_t i = 0; i < STEP_COOKIES; i++)
		if (o->cookies[i][0] != '\0')
			MHD_add_response_header(r, "Set-Cookie", o->cookies[i]);
	if (o->set_csrf[0] != '\0')
		MHD_add_response_header(r, "Set-Cookie", o->set_csrf);
	if (o->retry_after > 0) {
		snprintf(retry, sizeof(retry), "%llu", (unsigned long long)o->retry_after);
		MHD_add_response_header(r, "Retry-After", retry);
	}
	if (o->location != NULL)
		MHD_add_response_header(r, "Location", o->location);
	if (o->guest_email != NULL)
		MHD_add_response_header(r, "X-Guest-Email", o->guest_email);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* send_plain - an answer made before any step: status, JSON word or text */
static enum MHD_Result send_plain(struct MHD_Connection *c, enum answer_kind kind, unsigned status, const char *word)
{
	struct step_out *o = calloc(1, sizeof(*o));
	enum MHD_Result ret;

	if (o == NULL)
		return MHD_NO;
	o->status = status;
	o->key = "error";
	o->word = word;
	o->text = word;
	ret = send_answer(c, kind, o);
	free(o);
	return ret;
}

/* xff_lines - every X-Forwarded-For line, joined with ',' in the order received (RFC 9110 5.3). When they do
 * not fit, the left is cut off: the walk below starts at the right, and a cut entry is no address. */
struct xff_join {
	char text[CAP_XFF_BYTES];
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
static void client_address(struct MHD_Connection *c, const struct otpd_config *cfg, struct flow_client *out)
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

static bool content_type_is(struct MHD_Connection *c, const char *want)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen(want);

	return ct != NULL && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static const char *src_header(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static const char *src_query(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
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

/* src_header_count - how many header fields named name (MHD_lookup_connection_value sees only the first) */
static size_t src_header_count(void *conn, const char *name)
{
	struct header_count hc = { name, 0 };

	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_one, &hc);
	return hc.n;
}

/* A request's input and the body it points into. */
struct input {
	struct step_in in;
	union {
		struct form form;
		struct api_body api;
	} b;
};

/* fill_body - the row's body kind: a form (else an empty one), the API's JSON object, or raw */
static void fill_body(struct MHD_Connection *c, const struct req *rq, struct input *x)
{
	struct step_in *in = &x->in;

	in->body_ok = true;
	if (!in->post)
		return;
	switch (rq->rt->body) {
	case BODY_FORM:
		if (!content_type_is(c, "application/x-www-form-urlencoded") ||
		    !form_parse(rq->body.data, rq->body.len, &x->b.form))
			x->b.form.n = 0;
		in->f.email = form_get(&x->b.form, "email");
		in->f.code = form_get(&x->b.form, "code");
		in->f.email_code = form_get(&x->b.form, "email_code");
		in->f.method = form_get(&x->b.form, "method");
		in->f.csrf = form_get(&x->b.form, "csrf");
		in->f.confirm = form_get(&x->b.form, "confirm");
		in->f.rd = form_get(&x->b.form, "rd");
		in->f.lang = form_get(&x->b.form, "lang");
		break;
	case BODY_JSON:
		in->body_ok = api_body_parse(rq->body.data, rq->body.len, &x->b.api);
		in->f.email = in->body_ok && x->b.api.has_email ? x->b.api.email : NULL;
		in->f.code = in->body_ok && x->b.api.has_code ? x->b.api.code : NULL;
		in->f.method = in->body_ok && x->b.api.has_method ? x->b.api.method : NULL;
		break;
	case BODY_REPORT:
		in->body = rq->body.data;
		in->body_len = rq->body.len;
		break;
	case BODY_NONE:
		break;
	}
}

/* run - the request as a step_in, the row's pipeline, the outcome sent */
static enum MHD_Result run(struct http_server *h, struct MHD_Connection *c, const struct req *rq, bool post)
{
	struct input *x = malloc(sizeof(*x));
	struct step_out *o = malloc(sizeof(*o));
	struct step_in *in;
	enum MHD_Result ret = MHD_NO;

	if (x == NULL || o == NULL)
		goto out;
	in = &x->in;
	memset(in, 0, STEP_IN_HEAD);
	in->token[0] = '\0';
	in->fx = h->fx;
	in->rt = rq->rt;
	in->src = (struct step_source){ src_header, src_query, src_header_count, c };
	in->now = (uint64_t)time(NULL);
	in->post = post;
	in->json = rq->rt->answer == ANSWER_JSON;
	in->tok = rq->tok;
	in->tok_len = rq->tok_len;
	fill_body(c, rq, x);
	in->lang = step_lang(in);
	step_read_cookies(in, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie"));
	if (post)
		client_address(c, h->fx->cfg, &in->client);
	step_out_init(o, in);
	routes_run(rq->rt, in, o);
	if (rq->rt->step == step_auth)
		/* /auth, the request of every resource page and asset: a prepared answer (auth_fast.h) */
		ret = auth_answer(h->auth, c, o->status == HTTP_OK ? AUTH_ALLOW
					      : o->status == HTTP_UNAUTHORIZED ? AUTH_DENY : AUTH_UNAVAILABLE,
				  o->guest_email);
	else
		ret = send_answer(c, rq->rt->answer, o);
	step_out_release(o);
out:
	if (x != NULL) {
		/* Security: the cookies and the form held session ids, codes and CSRF values. */
		sodium_memzero(&x->in, STEP_IN_HEAD);
		if (post)
			sodium_memzero(&x->b, sizeof(x->b));
		free(x);
	}
	free(o);
	return ret;
}

static enum MHD_Result dispatch(struct http_server *h, struct MHD_Connection *c, const char *url, const char *method,
				struct req *rq)
{
	/* The token's place in this call's url (the first call's may have been moved since). */
	rq->rt = routes_match(url, &rq->tok, &rq->tok_len);
	if (MHD_get_connection_values(c, MHD_HEADER_KIND, NULL, NULL) > (int)CAP_HTTP_HEADER_COUNT)
		return send_plain(c, ANSWER_TEXT, HTTP_HEADER_FIELDS_TOO_LARGE, "too many header fields\n");
	if (rq->rt == NULL && strncmp(url, "/api/", 5) == 0)
		/* A program gets JSON: a token too long or not base64url is a bad link like any other. */
		return send_plain(c, ANSWER_JSON, HTTP_NOT_FOUND,
				  strncmp(url, "/api/v1/accept/", 15) == 0 ? "invalid_link" : "not_found");
	if (rq->rt == NULL) {
		struct step_out *o = calloc(1, sizeof(*o));
		enum MHD_Result ret;

		if (o == NULL)
			return MHD_NO;
		step_answer(o, HTTP_NOT_FOUND, VIEW_NOT_FOUND, "not_found");
		o->pg = (struct page){ .view = VIEW_NOT_FOUND, .org_name = h->fx->cfg->org_name, .inviter = "",
				       .resource = "", .token = "", .csrf = "", .email = "" };
		o->pg.lang = lang_from_code(src_query(c, "lang"),
					    lang_from_header(src_header(c, "Accept-Language")));
		ret = send_answer(c, ANSWER_HTML, o);
		free(o);
		return ret;
	}
	if (!routes_allows(rq->rt, method))
		return send_plain(c, ANSWER_TEXT, HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (rq->too_big)
		return send_plain(c, ANSWER_JSON, HTTP_CONTENT_TOO_LARGE, "too_large");
	if ((rq->rt->body == BODY_JSON || rq->rt->body == BODY_REPORT) && !content_type_is(c, "application/json"))
		return send_plain(c, ANSWER_JSON, HTTP_UNSUPPORTED_MEDIA_TYPE, "content_type_must_be_json");
	return run(h, c, rq, strcmp(method, "POST") == 0);
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

	(void)version;
	if (rq == NULL) {
		/* First call: headers only. Never answer here (LIBRARY-NOTES: MHD would close the connection). */
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		rq->rt = routes_match(url, &rq->tok, &rq->tok_len);
		buf_init(&rq->body, rq->rt != NULL ? rq->rt->cap : CAP_HTTP_FORM_BYTES);
		*con_cls = rq;
		/* Security: a body announced bigger than the cap is refused before it is read; MHD then closes
		 * the connection instead of reading the rest (a chunked one is read and dropped up to the end). */
		if (declared_too_big(c, rq->body.max)) {
			rq->too_big = true;
			return send_plain(c, ANSWER_JSON, HTTP_CONTENT_TOO_LARGE, "too_large");
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
static void csp_build(const struct otpd_config *cfg)
{
	struct buf b;
	char origin[CAP_ORIGIN_BYTES];

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
	const struct otpd_config *cfg = fx->cfg;

	if (h == NULL)
		return NULL;
	h->fx = fx;
	h->fd = listen_fd;
	csp_build(cfg);
	if ((h->auth = auth_answers_new()) == NULL) {
		free(h);
		return NULL;
	}
	/* Not MHD_USE_TURBO: it saved about 1 µs per /auth, but it reads on after a 413 answered before the
	 * body (tests/otpd/t-hostile-http.sh saw the whole 10 MB read under load) and skips the shutdown()
	 * before a close. */
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
