/*
 * oidc_impl.h - what oidc.c (the provider cache and the sign-in), oidc_jws.c
 * (JWKS and ID token checks) and oidc_pending.c (the pending sign-in record)
 * share. Private to those three files; the interface is oidc.h.
 */
#ifndef OTPD_OIDC_IMPL_H
#define OTPD_OIDC_IMPL_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>

#include "oidc.h"

#define KID_MAX 128

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

/* oidc_json_str - a string member of obj, or NULL */
const char *oidc_json_str(const json_t *obj, const char *key);
/* oidc_ct_equal - two strings equal, compared in constant time for their length */
bool oidc_ct_equal(const char *a, const char *b) __attribute__((nonnull));

#endif
