/*
 * oidc.c - OpenID Connect relying party for guest sign-in (see oidc.h).
 *
 * Three parts: the provider cache (discovery document and JWKS, fetched with
 * libcurl, capped and timed out), the ID token checks (JWS with OpenSSL,
 * claims with jansson), and the pending sign-in record (state, nonce, PKCE
 * verifier) that otpd keeps in LMDB between the redirect and the callback.
 *
 * Why OpenSSL and not a JOSE library: two algorithms are all we accept, and
 * doing the JWS ourselves keeps the allow-list in one switch (no library
 * default can bring "none", HS256 keyed with an RSA key, or JWE in). OpenSSL
 * is already on every otpd host for libcurl.
 *
 * Failure: every function returns an enum oidc_err; nothing here exits.
 */
#include "oidc.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "keys.h"

#define PENDING_VERSION 2	/* 2: a flags byte (1 = /login) and rd after the link token */
#define KID_MAX 128
#define RSA_MIN_BITS 2048
#define RSA_MAX_BYTES 1024	/* 8192-bit modulus */
#define CODE_MAX 2048		/* an authorization code from the query */

enum key_type { KEY_RSA, KEY_EC };

struct oidc_key {
	char kid[KID_MAX];	/* "" when the JWK has none */
	enum key_type type;
	EVP_PKEY *pkey;
};

struct oidc_keys {
	size_t n;
	unsigned refs;		/* holders: the cache and verifiers in flight (under the provider's mutex) */
	struct oidc_key k[CAP_OIDC_KEYS];
};

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

static bool b64url_decode(const char *in, size_t len, uint8_t **out, size_t *outlen)
{
	size_t max = len / 4 * 3 + 3;

	*out = malloc(max + 1);
	if (*out == NULL)
		return false;
	if (sodium_base642bin(*out, max, in, len, NULL, outlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		free(*out);
		*out = NULL;
		return false;
	}
	(*out)[*outlen] = 0;
	return true;
}

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

static const char *json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* ---- JWKS ---- */

static BIGNUM *jwk_bn(const json_t *jwk, const char *name, size_t maxbytes)
{
	const char *s = json_str(jwk, name);
	uint8_t *bin;
	size_t len;
	BIGNUM *bn;

	if (s == NULL || strlen(s) > maxbytes * 2 || !b64url_decode(s, strlen(s), &bin, &len))
		return NULL;
	bn = len > 0 && len <= maxbytes ? BN_bin2bn(bin, (int)len, NULL) : NULL;
	free(bin);
	return bn;
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static EVP_PKEY *jwk_rsa(const json_t *jwk)
{
	BIGNUM *n = jwk_bn(jwk, "n", RSA_MAX_BYTES), *e = jwk_bn(jwk, "e", 8);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;

	/* Security: no short moduli, whatever the provider publishes. */
	if (n != NULL && e != NULL && bld != NULL && BN_num_bits(n) >= RSA_MIN_BITS && BN_is_odd(e) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL)
		pkey = pkey_fromdata("RSA", params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

static bool jwk_coord(const json_t *jwk, const char *name, uint8_t out[32])
{
	const char *s = json_str(jwk, name);
	uint8_t *bin;
	size_t len;
	bool ok;

	if (s == NULL || strlen(s) > 64 || !b64url_decode(s, strlen(s), &bin, &len))
		return false;
	ok = len == 32;
	if (ok)
		memcpy(out, bin, 32);
	free(bin);
	return ok;
}

static EVP_PKEY *jwk_ec(const json_t *jwk)
{
	uint8_t pub[65];
	char group[] = "prime256v1";
	OSSL_PARAM params[3];
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *check;

	if (json_str(jwk, "crv") == NULL || strcmp(json_str(jwk, "crv"), "P-256") != 0 ||
	    !jwk_coord(jwk, "x", pub + 1) || !jwk_coord(jwk, "y", pub + 33))
		return NULL;
	pub[0] = 4;	/* uncompressed point */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub));
	params[2] = OSSL_PARAM_construct_end();
	pkey = pkey_fromdata("EC", params);
	if (pkey == NULL)
		return NULL;
	/* Security: the point must be on the curve (invalid-curve attacks). */
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (check == NULL || EVP_PKEY_public_check(check) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(check);
	return pkey;
}

/* jwk_add - one JWK into k if it is a signing key we can use; others are skipped */
static void jwk_add(struct oidc_keys *k, const json_t *jwk)
{
	const char *kty = json_str(jwk, "kty"), *use = json_str(jwk, "use"), *alg = json_str(jwk, "alg");
	const char *kid = json_str(jwk, "kid");
	struct oidc_key *key = &k->k[k->n];

	if (!json_is_object(jwk) || kty == NULL || (use != NULL && strcmp(use, "sig") != 0) ||
	    (kid != NULL && strlen(kid) >= KID_MAX) || (json_object_get(jwk, "kid") != NULL && kid == NULL))
		return;
	if (strcmp(kty, "RSA") == 0 && (alg == NULL || strcmp(alg, "RS256") == 0)) {
		key->type = KEY_RSA;
		key->pkey = jwk_rsa(jwk);
	} else if (strcmp(kty, "EC") == 0 && (alg == NULL || strcmp(alg, "ES256") == 0)) {
		key->type = KEY_EC;
		key->pkey = jwk_ec(jwk);
	}
	if (key->pkey == NULL)
		return;
	snprintf(key->kid, sizeof(key->kid), "%s", kid ? kid : "");
	k->n++;
}

struct oidc_keys *oidc_keys_parse(const char *json, size_t len)
{
	json_t *root, *arr;
	struct oidc_keys *k;
	size_t i;

	if (len > CAP_OIDC_DOC_BYTES)
		return NULL;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	arr = json_object_get(root, "keys");
	if (!json_is_array(arr) || (k = calloc(1, sizeof(*k))) == NULL) {
		json_decref(root);
		return NULL;
	}
	k->refs = 1;
	for (i = 0; i < json_array_size(arr) && k->n < CAP_OIDC_KEYS; i++)
		jwk_add(k, json_array_get(arr, i));
	json_decref(root);
	return k;
}

struct oidc_keys *oidc_keys_free(struct oidc_keys *k)
{
	if (k == NULL)
		return NULL;
	for (size_t i = 0; i < k->n; i++)
		EVP_PKEY_free(k->k[i].pkey);
	free(k);
	return NULL;
}

size_t oidc_keys_count(const struct oidc_keys *k)
{
	return k->n;
}

/* ---- JWS ---- */

static bool verify_rs256(EVP_PKEY *pkey, const uint8_t *msg, size_t mlen, const uint8_t *sig, size_t slen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
		  EVP_DigestVerify(ctx, sig, slen, msg, mlen) == 1;

	EVP_MD_CTX_free(ctx);
	return ok;
}

/* verify_es256 - JWS carries r||s (RFC 7518 3.4); OpenSSL wants DER */
static bool verify_es256(EVP_PKEY *pkey, const uint8_t *msg, size_t mlen, const uint8_t *sig, size_t slen)
{
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	unsigned char *der = NULL;
	int dlen;
	bool ok;

	if (slen != 64 || (es = ECDSA_SIG_new()) == NULL)
		return false;
	r = BN_bin2bn(sig, 32, NULL);
	s = BN_bin2bn(sig + 32, 32, NULL);
	if (r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return false;
	}
	dlen = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	ok = dlen > 0 && verify_rs256(pkey, msg, mlen, der, (size_t)dlen);	/* same EVP call, EC key */
	OPENSSL_free(der);
	return ok;
}

/* jws_split - header, payload and signature of a compact JWS; false unless exactly three parts */
static bool jws_split(const char *jwt, size_t len, size_t *dot1, size_t *dot2)
{
	size_t dots = 0;

	for (size_t i = 0; i < len; i++) {
		char c = jwt[i];

		if (c == '.') {
			if (dots == 0)
				*dot1 = i;
			else if (dots == 1)
				*dot2 = i;
			if (++dots > 2)
				return false;
		} else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			     c == '_'))
			return false;
	}
	/* an empty signature is let through to be refused by alg (none) or by the check */
	return dots == 2 && *dot1 > 0 && *dot2 > *dot1 + 1;
}

static json_t *decode_json_part(const char *p, size_t len)
{
	uint8_t *bin;
	size_t blen;
	json_t *j;

	if (!b64url_decode(p, len, &bin, &blen))
		return NULL;
	j = json_loadb((const char *)bin, blen, JSON_REJECT_DUPLICATES, NULL);
	free(bin);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* check_header - alg RS256 or ES256, no crit; the kid (or "") into kid */
static enum oidc_err check_header(const json_t *hdr, enum key_type *type, const char **kid)
{
	const char *alg = json_str(hdr, "alg");

	/* Security: an allow-list of two; "none", HS256 (an RSA key used as an HMAC
	 * secret) and every other alg are refused before any key is looked at. */
	if (alg == NULL || json_object_get(hdr, "crit") != NULL)
		return OIDC_ERR_ALG;
	if (strcmp(alg, "RS256") == 0)
		*type = KEY_RSA;
	else if (strcmp(alg, "ES256") == 0)
		*type = KEY_EC;
	else
		return OIDC_ERR_ALG;
	if (json_object_get(hdr, "kid") != NULL && json_str(hdr, "kid") == NULL)
		return OIDC_ERR_MALFORMED;
	*kid = json_str(hdr, "kid") ? json_str(hdr, "kid") : "";
	return OIDC_OK;
}

/* check_signature - try the keys of the right type (with that kid, if the header names one) */
static enum oidc_err check_signature(const struct oidc_keys *k, enum key_type type, const char *kid,
				     const char *jwt, size_t dot2, bool *unknown_kid)
{
	uint8_t *sig;
	size_t slen, tried = 0;
	bool ok = false;
	size_t tlen = strlen(jwt + dot2 + 1);

	if (!b64url_decode(jwt + dot2 + 1, tlen, &sig, &slen))
		return OIDC_ERR_MALFORMED;
	for (size_t i = 0; i < k->n && !ok; i++) {
		const struct oidc_key *key = &k->k[i];

		if (key->type != type || (kid[0] != '\0' && strcmp(key->kid, kid) != 0))
			continue;
		tried++;
		ok = type == KEY_RSA ? verify_rs256(key->pkey, (const uint8_t *)jwt, dot2, sig, slen)
				     : verify_es256(key->pkey, (const uint8_t *)jwt, dot2, sig, slen);
	}
	free(sig);
	if (tried == 0)
		*unknown_kid = true;
	return ok ? OIDC_OK : OIDC_ERR_SIGNATURE;
}

static bool ct_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la == lb && sodium_memcmp(a, b, la) == 0;
}

static enum oidc_err check_audience(const json_t *claims, const char *client_id)
{
	const json_t *aud = json_object_get(claims, "aud");
	const char *azp = json_str(claims, "azp");
	bool found = false;
	size_t n = 1;

	if (json_is_string(aud))
		found = strcmp(json_string_value(aud), client_id) == 0;
	else if (json_is_array(aud)) {
		n = json_array_size(aud);
		for (size_t i = 0; i < n; i++)
			if (json_is_string(json_array_get(aud, i)) &&
			    strcmp(json_string_value(json_array_get(aud, i)), client_id) == 0)
				found = true;
	} else
		return OIDC_ERR_AUDIENCE;
	/* OIDC Core 3.1.3.7: with several audiences azp must be there; where it is, it must be us. */
	if (!found || (n > 1 && azp == NULL) || (json_object_get(claims, "azp") != NULL &&
						 (azp == NULL || strcmp(azp, client_id) != 0)))
		return OIDC_ERR_AUDIENCE;
	return OIDC_OK;
}

/* claim_time - a NumericDate claim; false when absent or not a sane number */
static bool claim_time(const json_t *claims, const char *name, double *out)
{
	const json_t *v = json_object_get(claims, name);

	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return isfinite(*out) && *out >= 0 && *out < 1e13;
}

static enum oidc_err check_times(const json_t *claims, uint64_t now)
{
	double exp, iat, nbf;

	if (!claim_time(claims, "exp", &exp) || !claim_time(claims, "iat", &iat))
		return OIDC_ERR_MALFORMED;
	if ((double)now > exp + OIDC_SKEW || iat > (double)now + OIDC_SKEW)
		return OIDC_ERR_EXPIRED;
	if (json_object_get(claims, "nbf") != NULL &&
	    (!claim_time(claims, "nbf", &nbf) || nbf > (double)now + OIDC_SKEW))
		return OIDC_ERR_EXPIRED;
	return OIDC_OK;
}

static bool in_list(const struct strlist *l, const char *s)
{
	for (size_t i = 0; l != NULL && i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

static bool claims_mfa(const json_t *claims, const struct oidc_expect *want)
{
	const json_t *amr = json_object_get(claims, "amr");
	const char *acr = json_str(claims, "acr");

	for (size_t i = 0; json_is_array(amr) && i < json_array_size(amr); i++) {
		const char *v = json_string_value(json_array_get(amr, i));

		if (v != NULL && in_list(want->mfa_amr, v))
			return true;
	}
	return acr != NULL && in_list(want->mfa_acr, acr);
}

/* check_claims - iss, aud, times, nonce, then who it is */
static enum oidc_err check_claims(const json_t *claims, const struct oidc_expect *want, struct oidc_identity *id)
{
	const char *iss = json_str(claims, "iss"), *nonce = json_str(claims, "nonce");
	const char *sub = json_str(claims, "sub"), *email = json_str(claims, "email");
	const json_t *verified = json_object_get(claims, "email_verified");
	enum oidc_err e;

	if (iss == NULL || strcmp(iss, want->issuer) != 0)
		return OIDC_ERR_ISSUER;
	if ((e = check_audience(claims, want->client_id)) != OIDC_OK || (e = check_times(claims, want->now)) != OIDC_OK)
		return e;
	if (nonce == NULL || !ct_equal(nonce, want->nonce))
		return OIDC_ERR_NONCE;
	if (sub == NULL || sub[0] == '\0' || strlen(sub) >= sizeof(id->sub))
		return OIDC_ERR_MALFORMED;
	if (email == NULL || !addr_normalize(email, strlen(email), id->email))
		return OIDC_ERR_NO_EMAIL;
	/* Some providers send the string "true"; anything else is not verified. */
	if (!json_is_true(verified) && !(json_is_string(verified) && strcmp(json_string_value(verified), "true") == 0))
		return OIDC_ERR_EMAIL_UNVERIFIED;
	snprintf(id->sub, sizeof(id->sub), "%s", sub);
	id->mfa = claims_mfa(claims, want);
	return OIDC_OK;
}

enum oidc_err oidc_jwt_verify(const struct oidc_keys *k, const struct oidc_expect *want, const char *jwt, size_t len,
			      struct oidc_identity *id, bool *unknown_kid)
{
	size_t dot1 = 0, dot2 = 0;
	json_t *hdr = NULL, *claims = NULL;
	enum key_type type = KEY_RSA;
	const char *kid = "";
	char *text;
	enum oidc_err e;

	*unknown_kid = false;
	memset(id, 0, sizeof(*id));
	if (len > CAP_OIDC_JWT_BYTES || !jws_split(jwt, len, &dot1, &dot2))
		return OIDC_ERR_MALFORMED;
	if ((text = strndup(jwt, len)) == NULL)
		return OIDC_ERR_NOMEM;
	if ((hdr = decode_json_part(text, dot1)) == NULL)
		e = OIDC_ERR_MALFORMED;
	else if ((e = check_header(hdr, &type, &kid)) == OIDC_OK &&
		 (e = check_signature(k, type, kid, text, dot2, unknown_kid)) == OIDC_OK) {
		/* Security: claims are read only after the signature holds. */
		claims = decode_json_part(text + dot1 + 1, dot2 - dot1 - 1);
		e = claims == NULL ? OIDC_ERR_MALFORMED : check_claims(claims, want, id);
	}
	json_decref(hdr);
	json_decref(claims);
	free(text);
	if (e != OIDC_OK) {
		bool keep = *unknown_kid;

		memset(id, 0, sizeof(*id));
		*unknown_kid = keep;
	}
	return e;
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
	iss = json_str(doc, "issuer");
	az = json_str(doc, "authorization_endpoint");
	tk = tk_fixed != NULL && tk_fixed[0] != '\0' ? tk_fixed : json_str(doc, "token_endpoint");
	jw = jw_fixed != NULL && jw_fixed[0] != '\0' ? jw_fixed : json_str(doc, "jwks_uri");
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
			if (status == 200 && json_str(doc, "id_token") != NULL) {
				*jwt = strdup(json_str(doc, "id_token"));
				e = *jwt ? OIDC_OK : OIDC_ERR_NOMEM;
			} else
				log_warn("event=oidc_token provider=%s outcome=refused status=%ld error=%s",
					 p->cfg->name, status, safe_word(json_str(doc, "error")));
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
	if (!ct_equal(state_from_query, pending->state) || now > pending->expires_at ||
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

/* ---- pending records ---- */

static bool put_u64(struct buf *b, uint64_t v)
{
	uint8_t x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (56 - 8 * i));
	return buf_append(b, x, 8);
}

static bool put_str(struct buf *b, const char *s, bool wide)
{
	size_t len = strlen(s);
	uint8_t n[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (len > (wide ? 0xffffu : 0xffu))
		return false;
	return (wide ? buf_append(b, n, 2) : buf_append(b, n + 1, 1)) && buf_append(b, s, len);
}

bool oidc_pending_encode(const struct oidc_pending *p, struct buf *out)
{
	uint8_t v = PENDING_VERSION, flags = p->login ? 1 : 0;

	return p->link_token != NULL && buf_append(out, &v, 1) && buf_append(out, &flags, 1) &&
	       put_u64(out, p->created_at) && put_u64(out, p->expires_at) &&
	       buf_append(out, p->invitation, TOKEN_ID_LEN) && put_str(out, p->provider, false) &&
	       put_str(out, p->state, false) && put_str(out, p->nonce, false) && put_str(out, p->verifier, false) &&
	       put_str(out, p->email, false) && put_str(out, p->link_token, true) && put_str(out, p->rd, true) &&
	       out->len <= CAP_OIDC_PENDING_BYTES;
}

struct cursor {
	const uint8_t *p, *end;
};

static bool get_bytes(struct cursor *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return false;
	memcpy(out, c->p, n);
	c->p += n;
	return true;
}

static bool get_u64(struct cursor *c, uint64_t *v)
{
	uint8_t x[8];

	if (!get_bytes(c, x, 8))
		return false;
	*v = 0;
	for (int i = 0; i < 8; i++)
		*v = *v << 8 | x[i];
	return true;
}

/* get_str - a length-prefixed string into out (size outsz, NUL added); no NUL inside */
static bool get_str(struct cursor *c, bool wide, char *out, size_t outsz)
{
	uint8_t n[2] = { 0, 0 };
	size_t len;

	if (!(wide ? get_bytes(c, n, 2) : get_bytes(c, n + 1, 1)))
		return false;
	len = (size_t)n[0] << 8 | n[1];
	if (len >= outsz || !get_bytes(c, out, len) || memchr(out, '\0', len) != NULL)
		return false;
	out[len] = '\0';
	return true;
}

bool oidc_pending_decode(const void *data, size_t len, struct oidc_pending *out)
{
	struct cursor c = { data, (const uint8_t *)data + len };
	uint8_t v = 0, flags = 0xff;
	char *link;

	memset(out, 0, sizeof(*out));
	if (len > CAP_OIDC_PENDING_BYTES || (link = malloc(CAP_TOKEN_BYTES + 1)) == NULL)
		return false;
	if (get_bytes(&c, &v, 1) && v == PENDING_VERSION && get_bytes(&c, &flags, 1) && flags <= 1 &&
	    get_u64(&c, &out->created_at) &&
	    get_u64(&c, &out->expires_at) && get_bytes(&c, out->invitation, TOKEN_ID_LEN) &&
	    get_str(&c, false, out->provider, sizeof(out->provider)) &&
	    get_str(&c, false, out->state, sizeof(out->state)) && get_str(&c, false, out->nonce, sizeof(out->nonce)) &&
	    get_str(&c, false, out->verifier, sizeof(out->verifier)) &&
	    get_str(&c, false, out->email, sizeof(out->email)) && get_str(&c, true, link, CAP_TOKEN_BYTES + 1) &&
	    get_str(&c, true, out->rd, sizeof(out->rd)) && c.p == c.end) {
		out->login = flags == 1;
		out->link_token = link;
		return true;
	}
	free(link);
	oidc_pending_clear(out);
	return false;
}

void oidc_pending_clear(struct oidc_pending *p)
{
	free(p->link_token);
	sodium_memzero(p, sizeof(*p));
}

void oidc_pending_key(const char *state, uint8_t key[OIDC_STATE_KEY_LEN])
{
	key[0] = 'O';	/* sessions' own keys are 32 bytes: no clash */
	crypto_generichash(key + 1, OIDC_STATE_KEY_LEN - 1, (const uint8_t *)state, strlen(state), NULL, 0);
}

struct pending_op {
	uint8_t key[OIDC_STATE_KEY_LEN];
	const struct buf *val;
	uint64_t now, expires_at;
	struct oidc_pending *out;
	bool found;
};

static enum store_status pending_put_cb(struct store_txn *txn, void *arg)
{
	struct pending_op *op = arg;

	return store_put(txn, STORE_SESSIONS, op->key, sizeof(op->key), op->val->data, op->val->len, op->expires_at);
}

enum store_status oidc_pending_put(struct store *st, const struct oidc_pending *p)
{
	struct buf b;
	struct pending_op op = { .expires_at = p->expires_at };
	enum store_status s = STORE_ERROR;

	buf_init(&b, CAP_OIDC_PENDING_BYTES);
	oidc_pending_key(p->state, op.key);
	op.val = &b;
	if (oidc_pending_encode(p, &b))
		s = store_write(st, pending_put_cb, &op);
	if (b.data != NULL)
		sodium_memzero(b.data, b.len);	/* it holds the nonce and the PKCE verifier */
	buf_release(&b);
	return s;
}

static enum store_status pending_take_cb(struct store_txn *txn, void *arg)
{
	struct pending_op *op = arg;
	struct store_val v;
	enum store_status s = store_get(txn, STORE_SESSIONS, op->key, sizeof(op->key), op->now, &v);

	if (s == STORE_NOTFOUND)
		return STORE_ABORT;
	if (s != STORE_OK)
		return s;
	oidc_pending_clear(op->out);
	op->found = oidc_pending_decode(v.data, v.len, op->out);
	/* Security: one use, whatever comes of it (a replayed state finds nothing). */
	return store_del(txn, STORE_SESSIONS, op->key, sizeof(op->key));
}

enum oidc_err oidc_pending_take(struct store *st, const char *state, uint64_t now, struct oidc_pending *out)
{
	struct pending_op op = { .now = now, .out = out };
	enum store_status s;

	memset(out, 0, sizeof(*out));
	if (strlen(state) != OIDC_RANDOM_TEXT)
		return OIDC_ERR_STATE;
	oidc_pending_key(state, op.key);
	s = store_write(st, pending_take_cb, &op);
	if (s == STORE_OK && op.found)
		return OIDC_OK;
	oidc_pending_clear(out);
	return s == STORE_OK || s == STORE_ABORT ? OIDC_ERR_STATE : OIDC_ERR_PROVIDER;
}
