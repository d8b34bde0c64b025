/*
 * test_otpd_oidc - ID token checks against tokens signed here with keys made
 * here (RS256, ES256), the JWKS cache with its refetch on an unknown kid (an
 * injected fetcher stands in for the provider), home-realm discovery, the
 * authorization URL, pending records and their one-use store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "otpd_config.h"
#include "oidc.h"
#include "store.h"
#include "token.h"

#define ISS "https://idp.partner.example"
#define CLIENT "guestlink"
#define NONCE "n-0S6_WzA2Mj"
#define NOW 1800000000ULL

static EVP_PKEY *rsa_key, *rsa_other, *ec_key;

static void b64url(const void *in, size_t len, char *out, size_t outsz)
{
	sodium_bin2base64(out, outsz, in, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void bn_b64(EVP_PKEY *k, const char *name, char *out, size_t outsz)
{
	BIGNUM *bn = NULL;
	unsigned char bin[1024];
	int n;

	assert_int_equal(EVP_PKEY_get_bn_param(k, name, &bn), 1);
	n = BN_bn2bin(bn, bin);
	b64url(bin, (size_t)n, out, outsz);
	BN_free(bn);
}

/* jwk - the public JWK of k with kid */
static void jwk(EVP_PKEY *k, const char *kid, char *out, size_t outsz)
{
	char a[700], b[700];

	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
		bn_b64(k, OSSL_PKEY_PARAM_RSA_N, a, sizeof(a));
		bn_b64(k, OSSL_PKEY_PARAM_RSA_E, b, sizeof(b));
		snprintf(out, outsz, "{\"kty\":\"RSA\",\"kid\":\"%s\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"%s\",\"e\":\"%s\"}",
			 kid, a, b);
	} else {
		unsigned char pub[65];
		size_t len = 0;

		assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &len), 1);
		assert_int_equal(len, 65);
		b64url(pub + 1, 32, a, sizeof(a));
		b64url(pub + 33, 32, b, sizeof(b));
		snprintf(out, outsz, "{\"kty\":\"EC\",\"kid\":\"%s\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", kid, a, b);
	}
}

/* sign_jwt - compact JWS of header and claims (JSON text) with k; alg decides the form */
static char *sign_jwt(EVP_PKEY *k, const char *header, const char *claims)
{
	char h[2048], p[4096], sig64[1024];
	unsigned char sig[1024];
	size_t slen = sizeof(sig);
	char *out = malloc(8192);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	b64url(header, strlen(header), h, sizeof(h));
	b64url(claims, strlen(claims), p, sizeof(p));
	snprintf(out, 8192, "%s.%s", h, p);
	if (k == NULL) {	/* alg none: empty signature part */
		strncat(out, ".", 8192 - strlen(out) - 1);
		EVP_MD_CTX_free(ctx);
		return out;
	}
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &slen, (unsigned char *)out, strlen(out)), 1);
	EVP_MD_CTX_free(ctx);
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {	/* DER to r||s */
		const unsigned char *d = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &d, (long)slen);
		unsigned char rs[64];

		BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, 32);
		BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + 32, 32);
		ECDSA_SIG_free(es);
		memcpy(sig, rs, 64);
		slen = 64;
	}
	b64url(sig, slen, sig64, sizeof(sig64));
	strncat(out, ".", 8192 - strlen(out) - 1);
	strncat(out, sig64, 8192 - strlen(out) - 1);
	return out;
}

static char *hs256(const char *claims)
{
	char h[256], p[4096], mac64[64];
	unsigned char mac[crypto_auth_hmacsha256_BYTES], key[32] = { 1 };
	char *out = malloc(8192);
	const char *header = "{\"alg\":\"HS256\",\"kid\":\"r1\"}";

	b64url(header, strlen(header), h, sizeof(h));
	b64url(claims, strlen(claims), p, sizeof(p));
	snprintf(out, 8192, "%s.%s", h, p);
	crypto_auth_hmacsha256(mac, (unsigned char *)out, strlen(out), key);
	b64url(mac, sizeof(mac), mac64, sizeof(mac64));
	strncat(out, ".", 8192 - strlen(out) - 1);
	strncat(out, mac64, 8192 - strlen(out) - 1);
	return out;
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa_other = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return rsa_key && rsa_other && ec_key ? 0 : -1;
}

static char tmpdir[] = "/tmp/test_oidc.XXXXXX";

static int teardown(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/client.secret", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(rsa_other);
	EVP_PKEY_free(ec_key);
	return 0;
}

static char *jwks_of(const char *kid_rsa, const char *kid_ec)
{
	char a[2048] = "", b[512] = "";
	char *out = malloc(4096);

	if (kid_rsa)
		jwk(rsa_key, kid_rsa, a, sizeof(a));
	if (kid_ec)
		jwk(ec_key, kid_ec, b, sizeof(b));
	snprintf(out, 4096, "{\"keys\":[%s%s%s,{\"kty\":\"oct\",\"k\":\"AQAB\"}]}", a, a[0] && b[0] ? "," : "", b);
	return out;
}

#define GOOD_CLAIMS(extra) \
	"{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1800000600,\"iat\":1800000000," \
	"\"nonce\":\"" NONCE "\",\"email\":\"Guest@Partner.example\",\"email_verified\":true" extra "}"

enum signer { S_RSA, S_EC, S_OTHER, S_NONE, S_HS256, S_TAMPER };

static const struct {
	const char *name;
	enum signer signer;
	const char *header;
	const char *claims;
	enum oidc_err want;
	bool mfa;
} cases[] = {
	{ "happy RS256", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD_CLAIMS(""), OIDC_OK, false },
	{ "happy ES256", S_EC, "{\"alg\":\"ES256\",\"kid\":\"e1\",\"typ\":\"JWT\"}", GOOD_CLAIMS(""), OIDC_OK, false },
	{ "no kid, one key of the type", S_EC, "{\"alg\":\"ES256\"}", GOOD_CLAIMS(""), OIDC_OK, false },
	{ "amr mfa", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD_CLAIMS(",\"amr\":[\"pwd\",\"mfa\"]"), OIDC_OK, true },
	{ "amr pwd only", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD_CLAIMS(",\"amr\":[\"pwd\"],\"acr\":\"0\""), OIDC_OK, false },
	{ "acr listed", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD_CLAIMS(",\"acr\":\"phr\""), OIDC_OK, true },
	{ "email_verified as \"true\"", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1800000600,\"iat\":1800000000,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"guest@partner.example\",\"email_verified\":\"true\"}", OIDC_OK, false },
	{ "aud array with azp", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  NULL /* built in the loop */, OIDC_OK, false },
	{ "wrong aud", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"other\",\"exp\":1800000600,\"iat\":1800000000,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"guest@partner.example\",\"email_verified\":true}", OIDC_ERR_AUDIENCE, false },
	{ "aud array without azp", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":[\"other\",\"" CLIENT "\"],\"exp\":1800000600,\"iat\":1800000000,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"guest@partner.example\",\"email_verified\":true}", OIDC_ERR_AUDIENCE, false },
	{ "azp another client", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"azp\":\"other\",\"exp\":1800000600,\"iat\":1800000000,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"guest@partner.example\",\"email_verified\":true}", OIDC_ERR_AUDIENCE, false },
	{ "expired", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1799999800,\"iat\":1799999000,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"guest@partner.example\",\"email_verified\":true}", OIDC_ERR_EXPIRED, false },
	{ "expired within skew is fine", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1799999950,\"iat\":1799999000,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"guest@partner.example\",\"email_verified\":true}", OIDC_OK, false },
	{ "issued in the future", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1800009600,\"iat\":1800003600,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"guest@partner.example\",\"email_verified\":true}", OIDC_ERR_EXPIRED, false },
	{ "no exp", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"iat\":1800000000,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"guest@partner.example\",\"email_verified\":true}", OIDC_ERR_MALFORMED, false },
	{ "bad signature (other key, same kid)", S_OTHER, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD_CLAIMS(""),
	  OIDC_ERR_SIGNATURE, false },
	{ "bad signature (claims changed after signing)", S_TAMPER, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD_CLAIMS(""),
	  OIDC_ERR_SIGNATURE, false },
	{ "ES256 header on an RSA key id", S_RSA, "{\"alg\":\"ES256\",\"kid\":\"r1\"}", GOOD_CLAIMS(""), OIDC_ERR_SIGNATURE, false },
	{ "wrong nonce", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1800000600,\"iat\":1800000000,"
	  "\"nonce\":\"n-0S6_WzA2Mk\",\"email\":\"guest@partner.example\",\"email_verified\":true}", OIDC_ERR_NONCE, false },
	{ "no nonce", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1800000600,\"iat\":1800000000,"
	  "\"email\":\"guest@partner.example\",\"email_verified\":true}", OIDC_ERR_NONCE, false },
	{ "wrong iss", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "/\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1800000600,\"iat\":1800000000,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"guest@partner.example\",\"email_verified\":true}", OIDC_ERR_ISSUER, false },
	{ "alg none", S_NONE, "{\"alg\":\"none\"}", GOOD_CLAIMS(""), OIDC_ERR_ALG, false },
	{ "alg HS256", S_HS256, NULL, GOOD_CLAIMS(""), OIDC_ERR_ALG, false },
	{ "crit header", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\",\"crit\":[\"exp\"]}", GOOD_CLAIMS(""), OIDC_ERR_ALG, false },
	{ "unverified email", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1800000600,\"iat\":1800000000,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"guest@partner.example\",\"email_verified\":false}", OIDC_ERR_EMAIL_UNVERIFIED, false },
	{ "email_verified missing", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1800000600,\"iat\":1800000000,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"guest@partner.example\"}", OIDC_ERR_EMAIL_UNVERIFIED, false },
	{ "no email", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1800000600,\"iat\":1800000000,"
	  "\"nonce\":\"" NONCE "\",\"email_verified\":true}", OIDC_ERR_NO_EMAIL, false },
	{ "email with a header-injection attempt", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
	  "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1800000600,\"iat\":1800000000,"
	  "\"nonce\":\"" NONCE "\",\"email\":\"a@b.example\\r\\nBcc: x@y\",\"email_verified\":true}", OIDC_ERR_NO_EMAIL, false },
	{ "unknown kid", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r9\"}", GOOD_CLAIMS(""), OIDC_ERR_SIGNATURE, false },
	{ "duplicate claim", S_RSA, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD_CLAIMS(",\"nonce\":\"x\""), OIDC_ERR_MALFORMED, false },
};

static void test_verify_table(void **state)
{
	char *jwks = jwks_of("r1", "e1");
	struct oidc_keys *k = oidc_keys_parse(jwks, strlen(jwks));
	struct strlist amr = { 1, (char *[]){ "mfa" } }, acr = { 1, (char *[]){ "phr" } };
	struct oidc_expect want = { ISS, CLIENT, NONCE, &amr, &acr, NOW };

	(void)state;
	assert_non_null(k);
	assert_int_equal(oidc_keys_count(k), 2);	/* the "oct" key is skipped */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *claims = cases[i].claims;
		char *jwt;
		struct oidc_identity id;
		bool unknown;
		enum oidc_err got;

		if (claims == NULL)	/* the aud-array-with-azp case */
			claims = "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":[\"other\",\"" CLIENT "\"],\"azp\":\"" CLIENT
				 "\",\"exp\":1800000600,\"iat\":1800000000,\"nonce\":\"" NONCE
				 "\",\"email\":\"guest@partner.example\",\"email_verified\":true}";
		switch (cases[i].signer) {
		case S_RSA: jwt = sign_jwt(rsa_key, cases[i].header, claims); break;
		case S_EC: jwt = sign_jwt(ec_key, cases[i].header, claims); break;
		case S_OTHER: jwt = sign_jwt(rsa_other, cases[i].header, claims); break;
		case S_NONE: jwt = sign_jwt(NULL, cases[i].header, claims); break;
		case S_HS256: jwt = hs256(claims); break;
		default: {
			char *good = sign_jwt(rsa_key, cases[i].header, claims);
			char *evil = sign_jwt(rsa_key, cases[i].header,
					      "{\"iss\":\"" ISS "\",\"sub\":\"u1\",\"aud\":\"" CLIENT "\",\"exp\":1800000600,"
					      "\"iat\":1800000000,\"nonce\":\"" NONCE "\",\"email\":\"boss@partner.example\","
					      "\"email_verified\":true}");
			char *d1 = strchr(good, '.'), *d2 = strrchr(evil, '.');

			/* good's header, evil's claims, good's signature */
			jwt = malloc(8192);
			snprintf(jwt, 8192, "%.*s%.*s%s", (int)(d1 - good), good, (int)(d2 - strchr(evil, '.')),
				 strchr(evil, '.'), strrchr(good, '.'));
			free(good);
			free(evil);
		}
		}
		got = oidc_jwt_verify(k, &want, jwt, strlen(jwt), &id, &unknown);
		if (got != cases[i].want)
			fail_msg("%s: got %s, want %s", cases[i].name, oidc_err_word(got), oidc_err_word(cases[i].want));
		if (got == OIDC_OK) {
			assert_string_equal(id.email, "guest@partner.example");
			assert_string_equal(id.sub, "u1");
			if (id.mfa != cases[i].mfa)
				fail_msg("%s: got mfa %d, want %d", cases[i].name, id.mfa, cases[i].mfa);
		}
		if (strcmp(cases[i].name, "unknown kid") == 0)
			assert_true(unknown);
		free(jwt);
	}
	oidc_keys_free(k);
	free(jwks);
}

static void test_malformed(void **state)
{
	static const char *const inputs[] = {
		"", ".", "..", "a.b", "a.b.c.d", "eyJhbGciOiJSUzI1NiJ9..sig", "eyJhbGciOiJSUzI1NiJ9.e30.",
		"!!.e30.c2ln", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln=", "W10.e30.c2ln",
	};
	char *jwks = jwks_of("r1", NULL);
	struct oidc_keys *k = oidc_keys_parse(jwks, strlen(jwks));
	struct oidc_expect want = { ISS, CLIENT, NONCE, NULL, NULL, NOW };

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct oidc_identity id;
		bool unknown;
		enum oidc_err got = oidc_jwt_verify(k, &want, inputs[i], strlen(inputs[i]), &id, &unknown);

		if (got == OIDC_OK)
			fail_msg("input %zu: got ok, want an error", i);
	}
	/* JWKS that are not: each parses to NULL or to zero usable keys. */
	assert_null(oidc_keys_parse("[]", 2));
	assert_null(oidc_keys_parse("{\"keys\":{}}", 11));
	{
		const char *weak = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
				   "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}]}";
		struct oidc_keys *w = oidc_keys_parse(weak, strlen(weak));

		assert_non_null(w);
		assert_int_equal(oidc_keys_count(w), 0);
		oidc_keys_free(w);
	}
	oidc_keys_free(k);
	free(jwks);
}

/* ---- the provider cache, with a fetcher standing in for the provider ---- */

struct fake_idp {
	const char *jwks;
	int discovery_fetches, jwks_fetches;
};

static bool fake_fetch(void *arg, const char *url, struct buf *out)
{
	struct fake_idp *f = arg;

	if (strcmp(url, ISS "/.well-known/openid-configuration") == 0) {
		f->discovery_fetches++;
		return buf_puts(out, "{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS "/auth?tenant=1\","
				     "\"token_endpoint\":\"" ISS "/token\",\"jwks_uri\":\"" ISS "/jwks\"}");
	}
	if (strcmp(url, ISS "/jwks") == 0) {
		f->jwks_fetches++;
		return buf_puts(out, f->jwks);
	}
	return false;
}

static bool load_cfg(struct otpd_config *cfg, mode_t secret_mode)
{
	char path[256], text[1024], err[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/client.secret", tmpdir);
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("s3cret\n", f);
	fclose(f);
	chmod(path, secret_mode);
	snprintf(text, sizeof(text),
		 "[guestlink]\npublic_url = https://guest.example.org\n"
		 "[oidc partner]\nissuer = " ISS "\nclient_id = " CLIENT "\nclient_secret_file = %s\n"
		 "domains = partner.example\nmfa_acr = phr\n", path);
	if (!otpd_config_load_string("t.conf", text, cfg, err, sizeof(err)))
		fail_msg("config: %s", err);
	return true;
}

static void test_refetch(void **state)
{
	struct otpd_config cfg;
	struct oidc *o;
	char err[512], *jwks_old = jwks_of("r0", NULL), *jwks_new = jwks_of("r1", "e1");
	struct fake_idp idp = { jwks_old, 0, 0 };
	struct oidc_identity id;
	char *jwt = sign_jwt(rsa_key, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", GOOD_CLAIMS(""));
	char *jwt9 = sign_jwt(rsa_key, "{\"alg\":\"RS256\",\"kid\":\"r9\"}", GOOD_CLAIMS(""));

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	load_cfg(&cfg, 0600);
	o = oidc_new(&cfg, err, sizeof(err));
	if (o == NULL)
		fail_msg("oidc_new: %s", err);
	oidc_set_fetcher(o, fake_fetch, &idp);

	/* The cached JWKS knows only r0: the first check refetches and finds r1. */
	assert_int_equal(oidc_verify_id_token(o, &cfg.oidc[0], jwt, strlen(jwt), NONCE, NOW, &id), OIDC_ERR_SIGNATURE);
	assert_int_equal(idp.jwks_fetches, 2);	/* load, then one refetch: still r0 */
	idp.jwks = jwks_new;
	/* Within OIDC_JWKS_REFETCH seconds no second refetch: still refused. */
	assert_int_equal(oidc_verify_id_token(o, &cfg.oidc[0], jwt, strlen(jwt), NONCE, NOW + 10, &id),
			 OIDC_ERR_SIGNATURE);
	assert_int_equal(idp.jwks_fetches, 2);
	/* Later, the unknown kid refetches once and the rotated key verifies. */
	assert_int_equal(oidc_verify_id_token(o, &cfg.oidc[0], jwt, strlen(jwt), NONCE, NOW + 61, &id), OIDC_OK);
	assert_int_equal(idp.jwks_fetches, 3);
	assert_string_equal(id.provider, "partner");
	/* A known kid needs no fetch. */
	assert_int_equal(oidc_verify_id_token(o, &cfg.oidc[0], jwt, strlen(jwt), NONCE, NOW + 62, &id), OIDC_OK);
	assert_int_equal(idp.jwks_fetches, 3);
	/* An unknown kid right after a refetch: refused without fetching again. */
	assert_int_equal(oidc_verify_id_token(o, &cfg.oidc[0], jwt9, strlen(jwt9), NONCE, NOW + 63, &id),
			 OIDC_ERR_SIGNATURE);
	assert_int_equal(idp.jwks_fetches, 3);
	assert_int_equal(idp.discovery_fetches, 1);
	oidc_free(o);
	otpd_config_free(&cfg);
	free(jwt);
	free(jwt9);
	free(jwks_old);
	free(jwks_new);
}

static void test_secret_mode(void **state)
{
	struct otpd_config cfg;
	char err[512];

	(void)state;
	load_cfg(&cfg, 0640);
	assert_null(oidc_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "lets group or others read it; run chmod 600"));
	otpd_config_free(&cfg);
}

static void test_realm(void **state)
{
	struct otpd_config cfg;

	(void)state;
	load_cfg(&cfg, 0600);
	assert_ptr_equal(oidc_provider_for_email(&cfg, "guest@partner.example"), &cfg.oidc[0]);
	assert_ptr_equal(oidc_provider_for_email(&cfg, " <Guest@Partner.EXAMPLE>"), &cfg.oidc[0]);
	assert_null(oidc_provider_for_email(&cfg, "guest@sub.partner.example"));
	assert_null(oidc_provider_for_email(&cfg, "guest@partner.example.org"));
	assert_null(oidc_provider_for_email(&cfg, "guest@gmail.com"));
	assert_null(oidc_provider_for_email(&cfg, "not an address"));
	otpd_config_free(&cfg);
}

static const char *param(const char *url, const char *name, char *out, size_t outsz)
{
	char key[64];
	const char *p, *end;

	snprintf(key, sizeof(key), "&%s=", name);
	p = strstr(url, key);
	if (p == NULL)
		return NULL;
	p += strlen(key);
	end = strchr(p, '&');
	snprintf(out, outsz, "%.*s", (int)(end ? end - p : (long)strlen(p)), p);
	return out;
}

static void test_begin_and_pending(void **state)
{
	struct otpd_config cfg;
	struct oidc *o;
	char err[512], v[512], dir[] = "/tmp/test_oidc_store.XXXXXX";
	struct fake_idp idp = { "{\"keys\":[]}", 0, 0 };
	struct token tok;
	struct guest_key gk;
	struct oidc_pending p, q;
	struct oidc_identity id;
	struct buf url, enc;
	unsigned char digest[32];
	char challenge[64];
	struct store *st;

	(void)state;
	load_cfg(&cfg, 0600);
	o = oidc_new(&cfg, err, sizeof(err));
	assert_non_null(o);
	oidc_set_fetcher(o, fake_fetch, &idp);
	gk.key = sodium_malloc(KEYS_SECRET_LEN);
	assert_non_null(gk.key);
	randombytes_buf(gk.key, KEYS_SECRET_LEN);
	keys_guest_kid(gk.key, gk.kid);
	assert_true(token_init(&tok, &gk, "staff@example.org", "https://wiki.example.org/x", NOW, 3600));
	assert_true(token_add_guest(&tok, "guest@partner.example"));
	buf_init(&url, 4096);
	assert_int_equal(oidc_begin(o, &cfg.oidc[0], "Guest@Partner.example", &tok, "TOKENTEXT", NOW, &p, &url), OIDC_OK);
	/* The endpoint's own query is kept; ours follows with '&'. */
	assert_true(strncmp(url.data, ISS "/auth?tenant=1&response_type=code&client_id=" CLIENT "&", 70) == 0 ||
		    strstr(url.data, ISS "/auth?tenant=1&response_type=code&client_id=" CLIENT "&") == url.data);
	assert_string_equal(param(url.data, "redirect_uri", v, sizeof(v)),
			    "https%3A%2F%2Fguest.example.org%2Foidc%2Fcallback");
	assert_string_equal(param(url.data, "scope", v, sizeof(v)), "openid%20email");
	assert_string_equal(param(url.data, "state", v, sizeof(v)), p.state);
	assert_string_equal(param(url.data, "nonce", v, sizeof(v)), p.nonce);
	assert_string_equal(param(url.data, "code_challenge_method", v, sizeof(v)), "S256");
	assert_string_equal(param(url.data, "login_hint", v, sizeof(v)), "guest%40partner.example");
	crypto_hash_sha256(digest, (unsigned char *)p.verifier, strlen(p.verifier));
	b64url(digest, 32, challenge, sizeof(challenge));
	assert_string_equal(param(url.data, "code_challenge", v, sizeof(v)), challenge);
	assert_int_equal(strlen(p.state), OIDC_RANDOM_TEXT);
	assert_string_not_equal(p.state, p.nonce);
	assert_int_equal(p.expires_at, NOW + OIDC_PENDING_TTL);

	/* Round trip, and every truncation refused. */
	buf_init(&enc, CAP_OIDC_PENDING_BYTES);
	assert_true(oidc_pending_encode(&p, &enc));
	assert_true(oidc_pending_decode(enc.data, enc.len, &q));
	assert_string_equal(q.state, p.state);
	assert_string_equal(q.verifier, p.verifier);
	assert_string_equal(q.email, "guest@partner.example");
	assert_string_equal(q.link_token, "TOKENTEXT");
	assert_memory_equal(q.invitation, tok.id, TOKEN_ID_LEN);
	assert_false(q.login);
	assert_string_equal(q.rd, "");
	oidc_pending_clear(&q);
	for (size_t n = 0; n < enc.len; n++) {
		assert_false(oidc_pending_decode(enc.data, n, &q));
		oidc_pending_clear(&q);
	}
	buf_release(&enc);

	/* A /login sign-in: no invitation, rd kept; each kind is refused by the other's finish. */
	{
		struct oidc_pending l;
		struct buf url2;

		buf_init(&url2, 4096);
		assert_int_equal(oidc_begin_login(o, &cfg.oidc[0], "guest@partner.example", "https://wiki.example.org/x/y",
						  NOW, &l, &url2), OIDC_OK);
		assert_true(l.login);
		assert_string_equal(l.link_token, "");
		assert_string_equal(param(url2.data, "login_hint", v, sizeof(v)), "guest%40partner.example");
		buf_init(&enc, CAP_OIDC_PENDING_BYTES);
		assert_true(oidc_pending_encode(&l, &enc));
		assert_true(oidc_pending_decode(enc.data, enc.len, &q));
		assert_true(q.login);
		assert_string_equal(q.rd, "https://wiki.example.org/x/y");
		oidc_pending_clear(&q);
		buf_release(&enc);
		assert_false(q.login);
		assert_int_equal(oidc_finish(o, &l, "code", l.state, &tok, NOW, &id), OIDC_ERR_STATE);
		assert_int_equal(oidc_finish_login(o, &p, "code", p.state, NOW, &id), OIDC_ERR_STATE);
		assert_int_equal(oidc_finish_login(o, &l, "code", "wrong-state", NOW, &id), OIDC_ERR_STATE);
		oidc_pending_clear(&l);
		buf_release(&url2);
	}

	/* State checks come before any network. */
	assert_int_equal(oidc_finish(o, &p, "code", "wrong-state", &tok, NOW, &id), OIDC_ERR_STATE);
	assert_int_equal(oidc_finish(o, &p, "code", p.state, &tok, NOW + OIDC_PENDING_TTL + 1, &id), OIDC_ERR_STATE);

	/* One use in the store: the second take finds nothing. */
	assert_non_null(mkdtemp(dir));
	st = store_open(dir, 16 * 1024 * 1024, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(oidc_pending_put(st, &p), STORE_OK);
	assert_int_equal(oidc_pending_take(st, p.state, NOW, &q), OIDC_OK);
	assert_string_equal(q.nonce, p.nonce);
	oidc_pending_clear(&q);
	assert_int_equal(oidc_pending_take(st, p.state, NOW, &q), OIDC_ERR_STATE);
	assert_int_equal(oidc_pending_put(st, &p), STORE_OK);
	assert_int_equal(oidc_pending_take(st, p.state, NOW + OIDC_PENDING_TTL + 1, &q), OIDC_ERR_STATE);
	store_close(st);
	snprintf(v, sizeof(v), "%s/data.mdb", dir);
	unlink(v);
	snprintf(v, sizeof(v), "%s/lock.mdb", dir);
	unlink(v);
	rmdir(dir);

	oidc_pending_clear(&p);
	buf_release(&url);
	oidc_free(o);
	otpd_config_free(&cfg);
	keys_free_guest(&gk);
}

/* ---- the discovery document's endpoints, a failing provider, one fetch at a time ---- */

struct doc_idp {
	const char *issuer, *az, *tk, *jw;
	bool fail;				/* the provider does not answer */
	int fetches;
	pthread_mutex_t mu;			/* gate: a fetch waits while held open */
	pthread_cond_t cv;
	bool hold, inside;
};

static bool doc_fetch(void *arg, const char *url, struct buf *out)
{
	struct doc_idp *f = arg;
	char want[512];

	pthread_mutex_lock(&f->mu);
	f->fetches++;
	f->inside = true;
	pthread_cond_broadcast(&f->cv);
	while (f->hold)
		pthread_cond_wait(&f->cv, &f->mu);
	f->inside = false;
	pthread_mutex_unlock(&f->mu);
	snprintf(want, sizeof(want), "%s/.well-known/openid-configuration", f->issuer);
	if (f->fail || strcmp(url, want) != 0)
		return false;
	return buf_puts(out, "{\"issuer\":\"") && buf_puts(out, f->issuer) &&
	       buf_puts(out, "\",\"authorization_endpoint\":\"") && buf_puts(out, f->az) &&
	       buf_puts(out, "\",\"token_endpoint\":\"") && buf_puts(out, f->tk) && buf_puts(out, "\",\"jwks_uri\":\"") &&
	       buf_puts(out, f->jw) && buf_puts(out, "\"}");
}

static void load_issuer(struct otpd_config *cfg, const char *issuer, const char *extra)
{
	char path[256], text[1024], err[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/client.secret", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("s3cret\n", f);
	fclose(f);
	chmod(path, 0600);
	snprintf(text, sizeof(text),
		 "[guestlink]\npublic_url = https://guest.example.org\n"
		 "[oidc partner]\nissuer = %s\nclient_id = " CLIENT "\nclient_secret_file = %s\n"
		 "domains = partner.example\n%s", issuer, path, extra ? extra : "");
	if (!otpd_config_load_string("t.conf", text, cfg, err, sizeof(err)))
		fail_msg("config: %s", err);
}

/* begin_with - oidc_begin against a provider whose document names az, tk and jw */
static enum oidc_err begin_with(const char *issuer, const char *az, const char *tk, const char *jw, const char *extra)
{
	struct otpd_config cfg;
	struct oidc *o;
	struct doc_idp idp = { .issuer = issuer, .az = az, .tk = tk, .jw = jw };
	struct oidc_pending p;
	struct buf url;
	char err[512];
	enum oidc_err e;

	pthread_mutex_init(&idp.mu, NULL);
	pthread_cond_init(&idp.cv, NULL);
	load_issuer(&cfg, issuer, extra);
	o = oidc_new(&cfg, err, sizeof(err));
	assert_non_null(o);
	oidc_set_fetcher(o, doc_fetch, &idp);
	buf_init(&url, 4096);
	e = oidc_begin_login(o, &cfg.oidc[0], "guest@partner.example", "", NOW, &p, &url);
	oidc_pending_clear(&p);
	buf_release(&url);
	oidc_free(o);
	otpd_config_free(&cfg);
	return e;
}

#define HI "http://127.0.0.1:9000"
static const struct {
	const char *issuer, *az, *tk, *jw;
	enum oidc_err want;
	const char *extra;		/* more [oidc partner] lines */
} endpoint_cases[] = {
	{ ISS, ISS "/auth", ISS "/token", ISS "/jwks", OIDC_OK, NULL },
	{ ISS, ISS "/auth", "https://IDP.partner.example/token", ISS ":443/jwks", OIDC_OK, NULL },
	{ ISS, "https://login.partner.example/auth", ISS "/token", ISS "/jwks", OIDC_OK, NULL },	/* browser only */
	{ ISS, ISS "/auth", "http://127.0.0.1/token", ISS "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ ISS, ISS "/auth", "http://localhost:8080/token", ISS "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ ISS, ISS "/auth", "http://idp.partner.example/token", ISS "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ ISS, ISS "/auth", ISS ":8443/token", ISS "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ ISS, ISS "/auth", "https://evil.example/token", ISS "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ ISS, ISS "/auth", "https://idp.partner.example.evil.example/token", ISS "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ ISS, ISS "/auth", "https://idp.partner.example@evil.example/token", ISS "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ ISS, ISS "/auth", "https://[::1]/token", ISS "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ ISS, ISS "/auth", ISS "/token#x", ISS "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ ISS, ISS "/auth", ISS "/token", "https://169.254.169.254/latest/meta-data", OIDC_ERR_PROVIDER, NULL },
	{ ISS, ISS "/auth", ISS "/token", "http://127.0.0.1:2379/v2/keys", OIDC_ERR_PROVIDER, NULL },
	{ ISS, ISS "/auth", ISS "/token", "file:///etc/passwd", OIDC_ERR_PROVIDER, NULL },
	{ ISS, "http://evil.example/auth", ISS "/token", ISS "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ ISS, "javascript:alert(1)", ISS "/token", ISS "/jwks", OIDC_ERR_PROVIDER, NULL },
	/* configured endpoints (token_endpoint, jwks_uri) are the admin's word: any host, the document's ignored */
	{ ISS, ISS "/auth", "https://oauth2.googleapis.com/token", "https://www.googleapis.com/oauth2/v3/certs",
	  OIDC_OK, "token_endpoint = https://oauth2.googleapis.com/token\njwks_uri = https://www.googleapis.com/oauth2/v3/certs\n" },
	{ ISS, ISS "/auth", "http://127.0.0.1:8500/token", ISS "/jwks", OIDC_OK,
	  "token_endpoint = https://oauth2.googleapis.com/token\n" },
	{ ISS, ISS "/auth", ISS "/token", "http://127.0.0.1:6379/", OIDC_OK, "jwks_uri = " ISS "/keys\n" },
	{ ISS, ISS "/auth", "https://oauth2.googleapis.com/token", "https://www.googleapis.com/oauth2/v3/certs",
	  OIDC_ERR_PROVIDER, "token_endpoint = https://oauth2.googleapis.com/token\n" },	/* jwks not configured */
	{ ISS, ISS "/auth", ISS "/token", ISS "/jwks", OIDC_OK, "token_endpoint =\njwks_uri =\n" },
	/* an issuer that is http on loopback (the tests' glewlwyd): exactly its origin */
	{ HI, HI "/auth", HI "/token", HI "/jwks", OIDC_OK, NULL },
	{ HI, HI "/auth", "http://127.0.0.1:9001/token", HI "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ HI, HI "/auth", HI "/token", "http://127.0.0.1:6379/jwks", OIDC_ERR_PROVIDER, NULL },
	{ HI, HI "/auth", "https://127.0.0.1:9000/token", HI "/jwks", OIDC_ERR_PROVIDER, NULL },
	{ HI, HI "/auth", "http://10.0.0.1:9000/token", HI "/jwks", OIDC_ERR_PROVIDER, NULL },
};

static void test_endpoint_origin(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(endpoint_cases) / sizeof(endpoint_cases[0]); i++) {
		enum oidc_err got = begin_with(endpoint_cases[i].issuer, endpoint_cases[i].az, endpoint_cases[i].tk,
					       endpoint_cases[i].jw, endpoint_cases[i].extra);

		if (got != endpoint_cases[i].want)
			fail_msg("case %zu (token %s, jwks %s, authz %s): got %s, want %s", i, endpoint_cases[i].tk,
				 endpoint_cases[i].jw, endpoint_cases[i].az, oidc_err_word(got),
				 oidc_err_word(endpoint_cases[i].want));
	}
}

struct begin_arg {
	struct oidc *o;
	const struct oidc_provider *pc;
	uint64_t now;
	enum oidc_err e;
};

static enum oidc_err begin_at(struct oidc *o, const struct oidc_provider *pc, uint64_t now)
{
	struct oidc_pending p;
	struct buf url;
	enum oidc_err e;

	buf_init(&url, 4096);
	e = oidc_begin_login(o, pc, "guest@partner.example", "", now, &p, &url);
	oidc_pending_clear(&p);
	buf_release(&url);
	return e;
}

static void *begin_thread(void *arg)
{
	struct begin_arg *a = arg;

	a->e = begin_at(a->o, a->pc, a->now);
	return NULL;
}

/* A provider that does not answer: its failure is remembered (backoff 30 s, doubling), and while one
 * request fetches, the others do not wait for it: they fail at once, or use the stale document. */
static void test_backoff_single_flight(void **state)
{
	struct otpd_config cfg;
	struct oidc *o;
	struct doc_idp idp = { .issuer = ISS, .az = ISS "/auth", .tk = ISS "/token", .jw = ISS "/jwks", .fail = true };
	struct begin_arg a;
	pthread_t th;
	char err[512];

	(void)state;
	pthread_mutex_init(&idp.mu, NULL);
	pthread_cond_init(&idp.cv, NULL);
	load_issuer(&cfg, ISS, NULL);
	o = oidc_new(&cfg, err, sizeof(err));
	assert_non_null(o);
	oidc_set_fetcher(o, doc_fetch, &idp);
	assert_int_equal(begin_at(o, &cfg.oidc[0], NOW), OIDC_ERR_PROVIDER);
	assert_int_equal(idp.fetches, 1);
	assert_int_equal(begin_at(o, &cfg.oidc[0], NOW + 1), OIDC_ERR_PROVIDER);
	assert_int_equal(begin_at(o, &cfg.oidc[0], NOW + OIDC_BACKOFF_MIN - 1), OIDC_ERR_PROVIDER);
	assert_int_equal(idp.fetches, 1);	/* remembered: not asked again */
	assert_int_equal(begin_at(o, &cfg.oidc[0], NOW + OIDC_BACKOFF_MIN), OIDC_ERR_PROVIDER);
	assert_int_equal(idp.fetches, 2);
	/* the second failure in a row waits twice as long */
	assert_int_equal(begin_at(o, &cfg.oidc[0], NOW + 3 * OIDC_BACKOFF_MIN - 1), OIDC_ERR_PROVIDER);
	assert_int_equal(idp.fetches, 2);
	assert_int_equal(begin_at(o, &cfg.oidc[0], NOW + 3 * OIDC_BACKOFF_MIN), OIDC_ERR_PROVIDER);
	assert_int_equal(idp.fetches, 3);
	/* many failures: never more than OIDC_BACKOFF_MAX */
	for (int i = 0; i < 10; i++)
		assert_int_equal(begin_at(o, &cfg.oidc[0], NOW + 100000 + (uint64_t)i * OIDC_BACKOFF_MAX), OIDC_ERR_PROVIDER);
	assert_int_equal(idp.fetches, 13);

	/* One fetch in flight (held open by the gate): another request does not wait and does not fetch. */
	idp.fail = false;
	idp.hold = true;
	a = (struct begin_arg){ o, &cfg.oidc[0], NOW + 200000, OIDC_ERR_CONFIG };
	assert_int_equal(pthread_create(&th, NULL, begin_thread, &a), 0);
	pthread_mutex_lock(&idp.mu);
	while (!idp.inside)
		pthread_cond_wait(&idp.cv, &idp.mu);
	pthread_mutex_unlock(&idp.mu);
	assert_int_equal(begin_at(o, &cfg.oidc[0], NOW + 200000), OIDC_ERR_PROVIDER);
	assert_int_equal(idp.fetches, 14);
	pthread_mutex_lock(&idp.mu);
	idp.hold = false;
	pthread_cond_broadcast(&idp.cv);
	pthread_mutex_unlock(&idp.mu);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(a.e, OIDC_OK);
	assert_int_equal(begin_at(o, &cfg.oidc[0], NOW + 200001), OIDC_OK);
	assert_int_equal(idp.fetches, 14);

	/* Stale after OIDC_DISCOVERY_TTL, the provider down: the old document serves, refetched once a backoff. */
	idp.fail = true;
	assert_int_equal(begin_at(o, &cfg.oidc[0], NOW + 200000 + OIDC_DISCOVERY_TTL), OIDC_OK);
	assert_int_equal(idp.fetches, 15);
	assert_int_equal(begin_at(o, &cfg.oidc[0], NOW + 200001 + OIDC_DISCOVERY_TTL), OIDC_OK);
	assert_int_equal(idp.fetches, 15);
	/* and while a refresh is in flight, the others use the stale document at once */
	idp.hold = true;
	a = (struct begin_arg){ o, &cfg.oidc[0], NOW + 200000 + OIDC_DISCOVERY_TTL + OIDC_BACKOFF_MIN, OIDC_ERR_CONFIG };
	assert_int_equal(pthread_create(&th, NULL, begin_thread, &a), 0);
	pthread_mutex_lock(&idp.mu);
	while (!idp.inside)
		pthread_cond_wait(&idp.cv, &idp.mu);
	pthread_mutex_unlock(&idp.mu);
	assert_int_equal(begin_at(o, &cfg.oidc[0], a.now), OIDC_OK);
	assert_int_equal(idp.fetches, 16);
	pthread_mutex_lock(&idp.mu);
	idp.hold = false;
	pthread_cond_broadcast(&idp.cv);
	pthread_mutex_unlock(&idp.mu);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(a.e, OIDC_OK);
	oidc_free(o);
	otpd_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_table),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_refetch),
		cmocka_unit_test(test_secret_mode),
		cmocka_unit_test(test_realm),
		cmocka_unit_test(test_begin_and_pending),
		cmocka_unit_test(test_endpoint_origin),
		cmocka_unit_test(test_backoff_single_flight),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
