/*
 * oidc_jws.c - the provider's keys (JWKS) and the ID token's checks: JWS
 * with OpenSSL (RS256 and ES256 only; oidc.c says why not a JOSE library),
 * claims with jansson (see oidc.h).
 *
 * Failure: every function returns an enum oidc_err or NULL; nothing here exits.
 */
#include <jansson.h>
#include <math.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "oidc_impl.h"

#define RSA_MIN_BITS 2048
#define RSA_MAX_BYTES 1024	/* 8192-bit modulus */

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

const char *oidc_json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* ---- JWKS ---- */

static BIGNUM *jwk_bn(const json_t *jwk, const char *name, size_t maxbytes)
{
	const char *s = oidc_json_str(jwk, name);
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
	const char *s = oidc_json_str(jwk, name);
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

	if (oidc_json_str(jwk, "crv") == NULL || strcmp(oidc_json_str(jwk, "crv"), "P-256") != 0 ||
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
	const char *kty = oidc_json_str(jwk, "kty"), *use = oidc_json_str(jwk, "use"), *alg = oidc_json_str(jwk, "alg");
	const char *kid = oidc_json_str(jwk, "kid");
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
	const char *alg = oidc_json_str(hdr, "alg");

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
	if (json_object_get(hdr, "kid") != NULL && oidc_json_str(hdr, "kid") == NULL)
		return OIDC_ERR_MALFORMED;
	*kid = oidc_json_str(hdr, "kid") ? oidc_json_str(hdr, "kid") : "";
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

bool oidc_ct_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la == lb && sodium_memcmp(a, b, la) == 0;
}

static enum oidc_err check_audience(const json_t *claims, const char *client_id)
{
	const json_t *aud = json_object_get(claims, "aud");
	const char *azp = oidc_json_str(claims, "azp");
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
	const char *acr = oidc_json_str(claims, "acr");

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
	const char *iss = oidc_json_str(claims, "iss"), *nonce = oidc_json_str(claims, "nonce");
	const char *sub = oidc_json_str(claims, "sub"), *email = oidc_json_str(claims, "email");
	const json_t *verified = json_object_get(claims, "email_verified");
	enum oidc_err e;

	if (iss == NULL || strcmp(iss, want->issuer) != 0)
		return OIDC_ERR_ISSUER;
	if ((e = check_audience(claims, want->client_id)) != OIDC_OK || (e = check_times(claims, want->now)) != OIDC_OK)
		return e;
	if (nonce == NULL || !oidc_ct_equal(nonce, want->nonce))
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
