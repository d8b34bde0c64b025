/*
 * oidc.c - OpenID Connect relying party for guest sign-in (see oidc.h).
 *
 * Three parts: the provider cache (discovery document and JWKS, fetched with
 * libcurl, capped and timed out) and the sign-in (here), the ID token checks
 * (JWS with OpenSSL, claims with jansson: oidc_jws.c), and the pending sign-in
 * record (state, nonce, PKCE verifier) that otpd keeps in LMDB between the
 * redirect and the callback (oidc_pending.c).
 *
 * Why OpenSSL and not a JOSE library: two algorithms are all we accept, and
 * doing the JWS ourselves keeps the allow-list in one switch (no library
 * default can bring "none", HS256 keyed with an RSA key, or JWE in). OpenSSL
 * is already on every otpd host for libcurl.
 *
 * Failure: every function returns an enum oidc_err; nothing here exits.
 */
#include "oidc.h"
#include "oidc_impl.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "keys.h"

#define CODE_MAX 2048		/* an authorization code from the query */

/* One provider's cache; everything below mu is guarded by it (calls: by oidc's calls_mu).
 * Security: mu is held only to read or swap the cache, never across a request to the provider: one
 * request fetches (busy), the others meanwhile use what is cached or fail at once; a failed fetch is
 * not repeated before *_retry (backoff doubling from OIDC_BACKOFF_MIN to OIDC_BACKOFF_MAX). */
struct prov {
	const struct oidc_provider *cfg;
	uint8_t *secret;	/* sodium_malloc'd, NUL-terminated */
	pthread_mutex_t mu;
	char *authz_ep, *token_ep, *jwks_uri;
	uint64_t disc_at;
	struct oidc_keys *keys;
	uint64_t keys_at, refetch_at;
	bool disc_busy, keys_busy;		/* a fetch is in flight */
	unsigned disc_fails, keys_fails;	/* failed fetches in a row */
	uint64_t disc_retry, keys_retry;	/* no fetch before this, after a failure */
	unsigned calls;				/* requests to this provider in flight */
};

struct oidc {
	const struct otpd_config *cfg;
	size_t n;
	struct prov p[CAP_OIDC_PROVIDERS];
	oidc_fetch_fn fetch;
	void *fetch_arg;
	/* Security: provider requests in flight, all providers and per provider, stay below the HTTP
	 * worker count, so a provider that hangs can hold some workers for its timeout, never all. */
	pthread_mutex_t calls_mu;
	unsigned calls, max_calls, max_prov_calls;
};

const char *oidc_err_word(enum oidc_err e)
{
	static const char *const words[] = {
		[OIDC_OK] = "ok",
		[OIDC_ERR_CONFIG] = "config",
		[OIDC_ERR_PROVIDER] = "provider_error",
		[OIDC_ERR_STATE] = "bad_state",
		[OIDC_ERR_MALFORMED] = "malformed_id_token",
		[OIDC_ERR_ALG] = "bad_algorithm",
		[OIDC_ERR_SIGNATURE] = "bad_signature",
		[OIDC_ERR_ISSUER] = "wrong_issuer",
		[OIDC_ERR_AUDIENCE] = "wrong_audience",
		[OIDC_ERR_EXPIRED] = "expired_id_token",
		[OIDC_ERR_NONCE] = "nonce_mismatch",
		[OIDC_ERR_NO_EMAIL] = "no_email",
		[OIDC_ERR_EMAIL_UNVERIFIED] = "email_unverified",
		[OIDC_ERR_NOT_INVITED] = "not_invited",
		[OIDC_ERR_NOMEM] = "out_of_memory",
	};

	return (unsigned)e < sizeof(words) / sizeof(words[0]) && words[e] ? words[e] : "unknown";
}

/* ---- small helpers ---- */

static void b64url_encode(const uint8_t *in, size_t len, char *out, size_t outsz)
{
	sodium_bin2base64(out, outsz, in, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void random_text(char out[OIDC_RANDOM_TEXT + 1])
{
	uint8_t r[32];

	randombytes_buf(r, sizeof(r));
	b64url_encode(r, sizeof(r), out, OIDC_RANDOM_TEXT + 1);
	sodium_memzero(r, sizeof(r));
}

/* put_escaped - RFC 3986 percent-encoding of everything but unreserved characters */
static bool put_escaped(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			     c == '-' || c == '.' || c == '_' || c == '~';

		if (plain ? !buf_putc(b, (char)c)
			  : !buf_putc(b, '%') || !buf_putc(b, hex[c >> 4]) || !buf_putc(b, hex[c & 15]))
			return false;
	}
	return true;
}

static bool put_param(struct buf *b, bool first, const char *name, const char *value)
{
	return (first || buf_putc(b, '&')) && buf_puts(b, name) && buf_putc(b, '=') && put_escaped(b, value);
}

static bool is_loopback_host(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
	       strcmp(host, "::1") == 0;
}

/* url_of - a URL a discovery document names, parsed; false if it is none we would use */
static bool url_of(const char *text, struct url *u)
{
	size_t len = strlen(text);

	return len < CAP_URL_BYTES && url_parse(text, len, u) && memchr(text, '#', len) == NULL;
}

/* endpoint_refusal - NULL if the authorization endpoint az, token endpoint tk and jwks_uri jw of
 * issuer's document may be used, else why not (a log word). tk_fixed, jw_fixed: that one is configured
 * (token_endpoint, jwks_uri: the admin's word, checked by config.c), not the document's.
 * Security: otpd itself calls the token endpoint and the JWKS: unless configured they must be on the
 * issuer's own origin (scheme, host, port), so a document cannot point otpd at its host's loopback, the
 * cloud metadata address or an inside host (SSRF). The issuer is https, or http to loopback (config.c),
 * so that is https except in a test setup on loopback. The authorization endpoint is only where the
 * browser goes: https, or http to loopback. */
static const char *endpoint_refusal(const char *issuer, const char *az, const char *tk, const char *jw,
				    bool tk_fixed, bool jw_fixed)
{
	struct url *iss = malloc(sizeof(*iss)), *u = malloc(sizeof(*u));
	const char *why = NULL;

	if (iss == NULL || u == NULL)
		why = "out_of_memory";
	else if (!url_parse(issuer, strlen(issuer), iss))
		why = "issuer_not_a_url";
	else if (!url_of(az, u))
		why = "authorization_endpoint_not_a_url";
	else if (!u->https && !is_loopback_host(u->host))
		why = "authorization_endpoint_not_https";
	else if (!url_of(tk, u))
		why = "token_endpoint_not_a_url";
	else if (!tk_fixed && (u->https != iss->https || strcmp(u->host, iss->host) != 0 || u->port != iss->port))
		why = "token_endpoint_not_on_issuer_origin";
	else if (!url_of(jw, u))
		why = "jwks_uri_not_a_url";
	else if (!jw_fixed && (u->https != iss->https || strcmp(u->host, iss->host) != 0 || u->port != iss->port))
		why = "jwks_uri_not_on_issuer_origin";
	free(iss);
	free(u);
	return why;
}

/* ---- fetching ---- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	size_t n = size * nmemb;

	return buf_append(arg, ptr, n) ? n : 0;	/* past the cap: curl aborts */
}

/* http_call - GET url (or POST form when body is set); the body into out; the status into *status */
static bool http_call(const struct prov *p, const char *url, const char *body, const char *auth, struct buf *out,
		      long *status)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *hdrs = NULL, *h;
	CURLcode rc;

	*status = 0;
	if (curl == NULL)
		return false;
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (hdrs != NULL && auth != NULL && (h = curl_slist_append(hdrs, auth)) != NULL)
		hdrs = h;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	/* Security: the whole request, connect included, within the provider's timeout: a worker waits no
	 * longer (and only up to max_calls of them, see call_take). */
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)p->cfg->timeout * 1000L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)p->cfg->timeout * 1000L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)out->max);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "guestlink-otpd");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	if (body != NULL)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	else
		log_warn("event=oidc_fetch provider=%s outcome=failed error=\"%s\"", p->cfg->name,
			 curl_easy_strerror(rc));
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	return rc == CURLE_OK;
}

static bool fetch_doc(const struct oidc *o, const struct prov *p, const char *url, struct buf *out)
{
	long status;

	if (o->fetch != NULL)
		return o->fetch(o->fetch_arg, url, out);
	if (!http_call(p, url, NULL, NULL, out, &status))
		return false;
	if (status != 200)
		log_warn("event=oidc_fetch provider=%s outcome=failed status=%ld", p->cfg->name, status);
	return status == 200;
}

/* call_take - a slot for one request to p, or false at once when p or all providers have their most in
 * flight (see struct oidc); call_give gives it back */
static bool call_take(struct oidc *o, struct prov *p)
{
	bool ok;

	pthread_mutex_lock(&o->calls_mu);
	ok = o->calls < o->max_calls && p->calls < o->max_prov_calls;
	if (ok)
		o->calls++, p->calls++;
	pthread_mutex_unlock(&o->calls_mu);
	return ok;
}

static void call_give(struct oidc *o, struct prov *p)
{
	pthread_mutex_lock(&o->calls_mu);
	o->calls--, p->calls--;
	pthread_mutex_unlock(&o->calls_mu);
}

/* backoff_until - when a fetch that failed fails times in a row may be tried again */
static uint64_t backoff_until(uint64_t now, unsigned fails)
{
	uint64_t wait = OIDC_BACKOFF_MIN;

	for (unsigned i = 1; i < fails && wait < OIDC_BACKOFF_MAX; i++)
		wait *= 2;
	return now + (wait < OIDC_BACKOFF_MAX ? wait : OIDC_BACKOFF_MAX);
}

/* fetch_start - whether this request may fetch (busy, retry_at: p's flags for the document); under p->mu.
 * NULL: it may, *busy is set and a call slot is taken; else the word why not. */
static const char *fetch_start(struct oidc *o, struct prov *p, bool *busy, uint64_t retry_at, uint64_t now)
{
	if (*busy)
		return "busy";
	if (now < retry_at)
		return "backoff";
	if (!call_take(o, p))
		return "no_slot";
	*busy = true;
	return NULL;
}

struct endpoints {
	char *az, *tk, *jw;
};

/* fetch_discovery - GET the discovery document and check it (no lock held): the endpoints, malloc'd */
static enum oidc_err fetch_discovery(const struct oidc *o, const struct prov *p, struct endpoints *ep)
{
	struct buf b;
	char url[CAP_URL_BYTES + 64];
	json_t *doc = NULL;
	const char *iss, *az, *tk, *jw, *why;
	const char *tk_fixed = p->cfg->token_endpoint, *jw_fixed = p->cfg->jwks_uri;
	size_t ilen = strlen(p->cfg->issuer);
	enum oidc_err e = OIDC_ERR_PROVIDER;

	memset(ep, 0, sizeof(*ep));
	while (ilen > 0 && p->cfg->issuer[ilen - 1] == '/')
		ilen--;
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration", (int)ilen, p->cfg->issuer);
	buf_init(&b, CAP_OIDC_DOC_BYTES);
	if (!fetch_doc(o, p, url, &b)) {
		buf_release(&b);
		return OIDC_ERR_PROVIDER;
	}
	doc = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
	iss = oidc_json_str(doc, "issuer");
	az = oidc_json_str(doc, "authorization_endpoint");
	tk = tk_fixed != NULL && tk_fixed[0] != '\0' ? tk_fixed : oidc_json_str(doc, "token_endpoint");
	jw = jw_fixed != NULL && jw_fixed[0] != '\0' ? jw_fixed : oidc_json_str(doc, "jwks_uri");
	/* Security: the document must name the issuer we trust (OIDC Discovery 4.3). */
	if (iss == NULL || strcmp(iss, p->cfg->issuer) != 0)
		why = "wrong_issuer";
	else if (az == NULL || tk == NULL || jw == NULL)
		why = "missing_endpoint";
	else
		why = endpoint_refusal(p->cfg->issuer, az, tk, jw, tk == tk_fixed, jw == jw_fixed);
	if (why != NULL)
		log_warn("event=oidc_discovery provider=%s outcome=refused reason=%s", p->cfg->name, why);
	else if ((ep->az = strdup(az)) == NULL || (ep->tk = strdup(tk)) == NULL || (ep->jw = strdup(jw)) == NULL) {
		free(ep->az), free(ep->tk), free(ep->jw);
		memset(ep, 0, sizeof(*ep));
		e = OIDC_ERR_NOMEM;
	} else
		e = OIDC_OK;
	json_decref(doc);
	buf_release(&b);
	return e;
}

/* discover - the provider's endpoints, from its discovery document cached OIDC_DISCOVERY_TTL; called
 * without p->mu. While another request fetches, after a failed fetch (until its backoff ends) or with
 * no call slot free: the stale document if there is one, else OIDC_ERR_PROVIDER at once. */
static enum oidc_err discover(struct oidc *o, struct prov *p, uint64_t now)
{
	struct endpoints ep;
	const char *why;
	bool have;
	enum oidc_err e;

	pthread_mutex_lock(&p->mu);
	have = p->authz_ep != NULL;
	if (have && now < p->disc_at + OIDC_DISCOVERY_TTL) {
		pthread_mutex_unlock(&p->mu);
		return OIDC_OK;
	}
	why = fetch_start(o, p, &p->disc_busy, p->disc_retry, now);
	pthread_mutex_unlock(&p->mu);
	if (why != NULL) {
		if (!have)
			log_info("event=oidc_discovery provider=%s outcome=skipped reason=%s", p->cfg->name, why);
		return have ? OIDC_OK : OIDC_ERR_PROVIDER;
	}
	e = fetch_discovery(o, p, &ep);
	pthread_mutex_lock(&p->mu);
	if (e == OIDC_OK) {
		free(p->authz_ep);
		free(p->token_ep);
		free(p->jwks_uri);
		p->authz_ep = ep.az, p->token_ep = ep.tk, p->jwks_uri = ep.jw;
		p->disc_at = now;
		p->disc_fails = 0;
		p->disc_retry = 0;
	} else {
		p->disc_fails += p->disc_fails < 100;
		p->disc_retry = backoff_until(now, p->disc_fails);
		log_warn("event=oidc_discovery provider=%s outcome=failed retry_in=%llus stale=%s", p->cfg->name,
			 (unsigned long long)(p->disc_retry - now), have ? "yes" : "no");
	}
	p->disc_busy = false;
	pthread_mutex_unlock(&p->mu);
	call_give(o, p);
	/* A stale document beats none while the provider has a bad minute. */
	return e != OIDC_OK && have ? OIDC_OK : e;
}

static void keys_release(struct oidc_keys *k)
{
	if (k != NULL && --k->refs == 0)
		oidc_keys_free(k);
}

/* load_keys - the JWKS, cached OIDC_JWKS_TTL; force: an unknown kid, at most once per OIDC_JWKS_REFETCH.
 * Called without p->mu, after discover(); single flight and backoff as there. */
static enum oidc_err load_keys(struct oidc *o, struct prov *p, uint64_t now, bool force)
{
	struct buf b;
	struct oidc_keys *k = NULL;
	char url[CAP_URL_BYTES];
	const char *why;
	bool have;

	pthread_mutex_lock(&p->mu);
	have = p->keys != NULL;
	if ((!force && have && now < p->keys_at + OIDC_JWKS_TTL) ||
	    (force && p->refetch_at != 0 && now < p->refetch_at + OIDC_JWKS_REFETCH) || p->jwks_uri == NULL) {
		pthread_mutex_unlock(&p->mu);
		return have ? OIDC_OK : OIDC_ERR_PROVIDER;
	}
	if ((why = fetch_start(o, p, &p->keys_busy, p->keys_retry, now)) != NULL) {
		pthread_mutex_unlock(&p->mu);
		if (!have)
			log_info("event=oidc_jwks provider=%s outcome=skipped reason=%s", p->cfg->name, why);
		return have ? OIDC_OK : OIDC_ERR_PROVIDER;
	}
	if (force)
		p->refetch_at = now;
	/* a copy: discover() may replace p->jwks_uri while we fetch */
	snprintf(url, sizeof(url), "%s", p->jwks_uri);
	pthread_mutex_unlock(&p->mu);
	buf_init(&b, CAP_OIDC_DOC_BYTES);
	if (fetch_doc(o, p, url, &b))
		k = oidc_keys_parse(b.data, b.len);
	buf_release(&b);
	pthread_mutex_lock(&p->mu);
	if (k != NULL) {
		log_info("event=oidc_jwks provider=%s keys=%zu refetch=%s", p->cfg->name, k->n, force ? "yes" : "no");
		keys_release(p->keys);
		p->keys = k;
		p->keys_at = now;
		p->keys_fails = 0;
		p->keys_retry = 0;
		have = true;
	} else {
		p->keys_fails += p->keys_fails < 100;
		p->keys_retry = backoff_until(now, p->keys_fails);
		log_warn("event=oidc_jwks provider=%s outcome=failed retry_in=%llus", p->cfg->name,
			 (unsigned long long)(p->keys_retry - now));
	}
	p->keys_busy = false;
	pthread_mutex_unlock(&p->mu);
	call_give(o, p);
	return have ? OIDC_OK : OIDC_ERR_PROVIDER;
}

/* current_keys - a reference to the provider's keys (release with put_keys) */
static enum oidc_err current_keys(struct oidc *o, struct prov *p, uint64_t now, bool force,
				  struct oidc_keys **out)
{
	enum oidc_err e;

	*out = NULL;
	if ((e = discover(o, p, now)) != OIDC_OK || (e = load_keys(o, p, now, force)) != OIDC_OK)
		return e;
	pthread_mutex_lock(&p->mu);
	if (p->keys != NULL) {
		*out = p->keys;
		p->keys->refs++;
	} else
		e = OIDC_ERR_PROVIDER;
	pthread_mutex_unlock(&p->mu);
	return e;
}

static void put_keys(struct prov *p, struct oidc_keys *k)
{
	pthread_mutex_lock(&p->mu);
	keys_release(k);
	pthread_mutex_unlock(&p->mu);
}

/* ---- the provider set ---- */

/* read_secret - the client secret file, with the checks of a key file (keys.h) */
static bool read_secret(const char *path, uint8_t **out, char *err, size_t errsz)
{
	char *s;

	if (!keys_load_line(path, CAP_OIDC_SECRET_BYTES, "the client secret", &s, err, errsz))
		return false;
	*out = (uint8_t *)s;
	return true;
}

struct oidc *oidc_new(const struct otpd_config *cfg, char *err, size_t errsz)
{
	struct oidc *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	o->cfg = cfg;
	/* Half the workers at most wait on providers, and one provider gets at most half of those. */
	o->max_calls = cfg->threads >= 2 ? (unsigned)cfg->threads / 2 : 1;
	o->max_prov_calls = (o->max_calls + 1) / 2;
	pthread_mutex_init(&o->calls_mu, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (size_t i = 0; i < cfg->n_oidc; i++) {
		struct prov *p = &o->p[i];

		p->cfg = &cfg->oidc[i];
		pthread_mutex_init(&p->mu, NULL);
		o->n++;
		if (!read_secret(p->cfg->client_secret_file, &p->secret, err, errsz))
			return oidc_free(o);
	}
	return o;
}

struct oidc *oidc_free(struct oidc *o)
{
	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < o->n; i++) {
		struct prov *p = &o->p[i];

		sodium_free(p->secret);
		free(p->authz_ep);
		free(p->token_ep);
		free(p->jwks_uri);
		keys_release(p->keys);
		pthread_mutex_destroy(&p->mu);
	}
	curl_global_cleanup();
	pthread_mutex_destroy(&o->calls_mu);
	free(o);
	return NULL;
}

void oidc_set_fetcher(struct oidc *o, oidc_fetch_fn fn, void *arg)
{
	o->fetch = fn;
	o->fetch_arg = arg;
}

static struct prov *prov_of(struct oidc *o, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->p[i].cfg->name, name) == 0)
			return &o->p[i];
	return NULL;
}

const struct oidc_provider *oidc_provider_for_email(const struct otpd_config *cfg, const char *addr)
{
	char norm[ADDR_BUF];

	if (!addr_normalize(addr, strlen(addr), norm))
		return NULL;
	return otpd_config_oidc_for_domain(cfg, addr_domain(norm));
}

/* ---- the flow ---- */

/* begin - oidc_begin and oidc_begin_login: tok NULL for /login (then rd is kept instead of a link token) */
static enum oidc_err begin(struct oidc *o, const struct oidc_provider *pc, const char *email, const struct token *tok,
			   const char *link_token, const char *rd, uint64_t now, struct oidc_pending *pending,
			   struct buf *url)
{
	struct prov *p = prov_of(o, pc->name);
	uint8_t digest[crypto_hash_sha256_BYTES];
	char challenge[OIDC_RANDOM_TEXT + 1], redirect[CAP_URL_BYTES + 32];
	enum oidc_err e;
	bool ok;

	memset(pending, 0, sizeof(*pending));
	if (p == NULL || o->cfg->public_url == NULL)
		return OIDC_ERR_CONFIG;
	if (!addr_normalize(email, strlen(email), pending->email) || strlen(rd) > CAP_URL_BYTES)
		return OIDC_ERR_CONFIG;
	e = discover(o, p, now);
	if (e != OIDC_OK)
		return e;
	if ((pending->link_token = strdup(link_token)) == NULL)
		return OIDC_ERR_NOMEM;
	snprintf(pending->provider, sizeof(pending->provider), "%s", pc->name);
	random_text(pending->state);
	random_text(pending->nonce);
	random_text(pending->verifier);
	if (tok != NULL)
		memcpy(pending->invitation, tok->id, TOKEN_ID_LEN);
	pending->login = tok == NULL;
	/* Security: rd comes from the request; the callers keep it short (rd_param), this array is what counts. */
	if (strlen(rd) < sizeof(pending->rd))
		memcpy(pending->rd, rd, strlen(rd) + 1);
	else
		pending->rd[0] = '\0';
	pending->created_at = now;
	pending->expires_at = now + OIDC_PENDING_TTL;
	crypto_hash_sha256(digest, (const uint8_t *)pending->verifier, strlen(pending->verifier));
	b64url_encode(digest, sizeof(digest), challenge, sizeof(challenge));
	snprintf(redirect, sizeof(redirect), "%s%s", o->cfg->public_url, OIDC_CALLBACK_PATH);
	pthread_mutex_lock(&p->mu);
	ok = buf_puts(url, p->authz_ep) && buf_putc(url, strchr(p->authz_ep, '?') ? '&' : '?') &&
	     put_param(url, true, "response_type", "code") && put_param(url, false, "client_id", pc->client_id) &&
	     put_param(url, false, "redirect_uri", redirect) && put_param(url, false, "scope", pc->scopes) &&
	     put_param(url, false, "state", pending->state) && put_param(url, false, "nonce", pending->nonce) &&
	     put_param(url, false, "code_challenge", challenge) &&
	     put_param(url, false, "code_challenge_method", "S256") &&
	     put_param(url, false, "login_hint", pending->email);
	pthread_mutex_unlock(&p->mu);
	if (!ok) {
		oidc_pending_clear(pending);
		return OIDC_ERR_NOMEM;
	}
	return OIDC_OK;
}

enum oidc_err oidc_begin(struct oidc *o, const struct oidc_provider *pc, const char *email, const struct token *tok,
			 const char *link_token, uint64_t now, struct oidc_pending *pending, struct buf *url)
{
	return begin(o, pc, email, tok, link_token, "", now, pending, url);
}

enum oidc_err oidc_begin_login(struct oidc *o, const struct oidc_provider *pc, const char *email, const char *rd,
			       uint64_t now, struct oidc_pending *pending, struct buf *url)
{
	return begin(o, pc, email, NULL, "", rd, now, pending, url);
}

/* basic_auth - "Authorization: Basic b64(urlenc(id):urlenc(secret))" (RFC 6749 2.3.1) */
static bool basic_auth(const struct prov *p, struct buf *hdr)
{
	struct buf raw;
	bool ok;

	buf_init(&raw, 4 * CAP_OIDC_SECRET_BYTES);
	ok = put_escaped(&raw, p->cfg->client_id) && buf_putc(&raw, ':') && put_escaped(&raw, (const char *)p->secret);
	if (ok) {
		size_t need = sodium_base64_ENCODED_LEN(raw.len, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = malloc(need);

		ok = b64 != NULL && buf_puts(hdr, "Authorization: Basic ");
		if (ok) {
			sodium_bin2base64(b64, need, (const uint8_t *)raw.data, raw.len, sodium_base64_VARIANT_ORIGINAL);
			ok = buf_puts(hdr, b64);
			sodium_memzero(b64, need);
		}
		free(b64);
	}
	if (raw.data != NULL)
		sodium_memzero(raw.data, raw.len);
	buf_release(&raw);
	return ok;
}

/* safe_word - an OAuth error code fit for a log line, or "other" */
static const char *safe_word(const char *s)
{
	if (s == NULL || s[0] == '\0' || strlen(s) > 40)
		return "other";
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || *c == '_'))
			return "other";
	return s;
}

/* redeem - the code at the token endpoint; the ID token (malloc'd) into *jwt */
static enum oidc_err redeem(struct oidc *o, struct prov *p, const struct oidc_pending *pending, const char *code,
			    char **jwt)
{
	struct buf body, hdr, resp;
	char redirect[CAP_URL_BYTES + 32], token_ep[CAP_URL_BYTES];
	json_t *doc = NULL;
	long status = 0;
	enum oidc_err e = OIDC_ERR_PROVIDER;
	bool ok;

	*jwt = NULL;
	pthread_mutex_lock(&p->mu);
	snprintf(token_ep, sizeof(token_ep), "%s", p->token_ep);
	pthread_mutex_unlock(&p->mu);
	snprintf(redirect, sizeof(redirect), "%s%s", o->cfg->public_url, OIDC_CALLBACK_PATH);
	buf_init(&body, 4 * (CODE_MAX + CAP_OIDC_SECRET_BYTES + CAP_URL_BYTES));
	buf_init(&hdr, 4 * CAP_OIDC_SECRET_BYTES);
	buf_init(&resp, CAP_OIDC_DOC_BYTES);
	ok = put_param(&body, true, "grant_type", "authorization_code") && put_param(&body, false, "code", code) &&
	     put_param(&body, false, "redirect_uri", redirect) &&
	     put_param(&body, false, "code_verifier", pending->verifier);
	if (p->cfg->token_auth == OIDC_AUTH_POST)
		ok = ok && put_param(&body, false, "client_id", p->cfg->client_id) &&
		     put_param(&body, false, "client_secret", (const char *)p->secret);
	else
		ok = ok && put_param(&body, false, "client_id", p->cfg->client_id) && basic_auth(p, &hdr);
	if (!ok)
		e = OIDC_ERR_NOMEM;
	else if (!call_take(o, p))
		log_warn("event=oidc_token provider=%s outcome=skipped reason=no_slot", p->cfg->name);
	else {
		bool answered = http_call(p, token_ep, body.data, p->cfg->token_auth == OIDC_AUTH_BASIC ? hdr.data : NULL,
					  &resp, &status);

		call_give(o, p);
		if (answered) {
			doc = json_loadb(resp.data, resp.len, JSON_REJECT_DUPLICATES, NULL);
			if (status == 200 && oidc_json_str(doc, "id_token") != NULL) {
				*jwt = strdup(oidc_json_str(doc, "id_token"));
				e = *jwt ? OIDC_OK : OIDC_ERR_NOMEM;
			} else
				log_warn("event=oidc_token provider=%s outcome=refused status=%ld error=%s",
					 p->cfg->name, status, safe_word(oidc_json_str(doc, "error")));
		}
	}
	json_decref(doc);
	/* Security: the body and header held the code and the client secret. */
	if (body.data != NULL)
		sodium_memzero(body.data, body.len);
	if (hdr.data != NULL)
		sodium_memzero(hdr.data, hdr.len);
	buf_release(&body);
	buf_release(&hdr);
	buf_release(&resp);
	return e;
}

enum oidc_err oidc_verify_id_token(struct oidc *o, const struct oidc_provider *pc, const char *jwt, size_t len,
				   const char *nonce, uint64_t now, struct oidc_identity *id)
{
	struct prov *p = prov_of(o, pc->name);
	struct oidc_expect want = { pc->issuer, pc->client_id, nonce, &pc->mfa_amr, &pc->mfa_acr, now };
	struct oidc_keys *k;
	bool unknown = false;
	enum oidc_err e;

	memset(id, 0, sizeof(*id));
	if (p == NULL)
		return OIDC_ERR_CONFIG;
	if ((e = current_keys(o, p, now, false, &k)) != OIDC_OK)
		return e;
	e = oidc_jwt_verify(k, &want, jwt, len, id, &unknown);
	put_keys(p, k);
	if (e == OIDC_ERR_SIGNATURE && unknown) {
		/* A key rotation we have not seen yet: refetch (rate-limited) and try once more. */
		if ((e = current_keys(o, p, now, true, &k)) != OIDC_OK)
			return e;
		e = oidc_jwt_verify(k, &want, jwt, len, id, &unknown);
		put_keys(p, k);
	}
	if (e == OIDC_OK)
		snprintf(id->provider, sizeof(id->provider), "%s", pc->name);
	return e;
}

static bool code_ok(const char *code)
{
	size_t len = strlen(code);

	if (len == 0 || len > CODE_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (code[i] <= ' ' || code[i] > '~')
			return false;
	return true;
}

/* finish - oidc_finish (tok: the invitation) and oidc_finish_login (tok NULL) */
static enum oidc_err finish(struct oidc *o, const struct oidc_pending *pending, const char *code,
			    const char *state_from_query, const struct token *tok, uint64_t now,
			    struct oidc_identity *id)
{
	struct prov *p = prov_of(o, pending->provider);
	char *jwt = NULL;
	enum oidc_err e;

	memset(id, 0, sizeof(*id));
	if (p == NULL)
		return OIDC_ERR_CONFIG;
	/* Security: the state comes back through the browser; compare in constant time,
	 * and a record past its time or for another invitation is no record. */
	if (!oidc_ct_equal(state_from_query, pending->state) || now > pending->expires_at ||
	    pending->login != (tok == NULL) ||
	    (tok != NULL && sodium_memcmp(pending->invitation, tok->id, TOKEN_ID_LEN) != 0))
		return OIDC_ERR_STATE;
	if (!code_ok(code))
		return OIDC_ERR_PROVIDER;
	e = discover(o, p, now);
	if (e != OIDC_OK || (e = redeem(o, p, pending, code, &jwt)) != OIDC_OK)
		return e;
	e = oidc_verify_id_token(o, p->cfg, jwt, strlen(jwt), pending->nonce, now, id);
	sodium_memzero(jwt, strlen(jwt));
	free(jwt);
	/* Security: a provider never widens who may redeem. */
	if (e == OIDC_OK && tok != NULL && !token_has_guest(tok, id->email))
		e = OIDC_ERR_NOT_INVITED;
	if (e != OIDC_OK) {
		log_info("event=oidc_signin provider=%s outcome=%s", p->cfg->name, oidc_err_word(e));
		if (e != OIDC_ERR_NOT_INVITED)
			memset(id, 0, sizeof(*id));
	}
	return e;
}

enum oidc_err oidc_finish(struct oidc *o, const struct oidc_pending *pending, const char *code,
			  const char *state_from_query, const struct token *tok, uint64_t now,
			  struct oidc_identity *id)
{
	return finish(o, pending, code, state_from_query, tok, now, id);
}

enum oidc_err oidc_finish_login(struct oidc *o, const struct oidc_pending *pending, const char *code,
				const char *state_from_query, uint64_t now, struct oidc_identity *id)
{
	return finish(o, pending, code, state_from_query, NULL, now, id);
}
