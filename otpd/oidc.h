/*
 * oidc.h - organisation sign-in for guests: OpenID Connect, authorization
 * code flow with PKCE (S256), state and nonce, chosen by the mail domain.
 *
 * The flow as otpd's routes drive it:
 *   email step   p = oidc_provider_for_email(cfg, addr); NULL: the code flow.
 *                oidc_begin() -> authorization URL (redirect the browser there)
 *                and a pending record: oidc_pending_put() keeps it in LMDB
 *                under its state (10 minutes), and the route sets a cookie
 *                with the state so the callback comes from the same browser.
 *   callback     /oidc/callback?code=..&state=..: oidc_pending_take() by the
 *                cookie's state (gets and deletes: a state works once), then
 *                oidc_finish() with the query's state and code -> the verified
 *                identity or a named error.
 *   /login       oidc_begin_login() / oidc_finish_login(): the same without an
 *                invitation (the caller checks the guest's stored ones).
 * otpd's routes reach this through idp.h.
 *
 * Security: the ID token is verified here and nowhere else: signature (RS256
 * or ES256 only, keys from the provider's JWKS; "none", HS* and anything else
 * refused), iss, aud (and azp), exp, iat, nbf with OIDC_SKEW seconds of
 * clock skew, nonce. The verified email (email_verified true) must be one of
 * the invitation's guests: a provider never widens who may redeem. Whether
 * this provider may speak for that address at all (its domains, the typed
 * address) is decided where every sign-in ends: signin_finish.h. state
 * and nonce are compared in constant time. Nothing secret is logged.
 *
 * Failure: every error is an enum oidc_err; oidc_err_word() names it for
 * logs and JSON. The provider's documents are fetched with libcurl under a
 * timeout and a size cap (CAP_OIDC_DOC_BYTES) and cached; an unknown key id
 * refetches the JWKS at most once per OIDC_JWKS_REFETCH seconds.
 * A provider that hangs or fails costs other requests nothing: no lock is
 * held while a request waits on a provider; one fetch of a provider's
 * document is in flight at a time and the others meanwhile use the cached
 * one or fail at once (OIDC_ERR_PROVIDER: the guest is offered a code); a
 * failed fetch is not tried again for OIDC_BACKOFF_MIN seconds (doubling up
 * to OIDC_BACKOFF_MAX); and at most half the HTTP workers ([otpd] threads)
 * wait on providers at once, at most half of those on one provider, the
 * rest fail at once. The discovery document's token endpoint and jwks_uri
 * must be on the issuer's origin (no SSRF into otpd's network).
 *
 * Ownership and threads: struct oidc is made once at start (it reads the
 * client secrets, so before privileges are dropped) and shared by all HTTP
 * threads (each provider's cache has its own mutex). Pending records and
 * identities are plain caller-owned data; oidc_pending_clear() wipes and
 * frees the one heap field.
 */
#ifndef OTPD_OIDC_H
#define OTPD_OIDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "caps.h"
#include "otpd_config.h"
#include "store.h"
#include "token.h"

#define OIDC_PENDING_TTL 600		/* seconds from begin to callback */
#define OIDC_SKEW 120			/* seconds of clock skew allowed on exp, iat, nbf */
#define OIDC_DISCOVERY_TTL 3600		/* seconds a discovery document is kept */
#define OIDC_JWKS_TTL 3600		/* seconds a JWKS is kept */
#define OIDC_JWKS_REFETCH 60		/* least seconds between refetches for an unknown kid */
#define OIDC_BACKOFF_MIN 30		/* seconds before a failed discovery or JWKS fetch is tried again, */
#define OIDC_BACKOFF_MAX 300		/* doubling with each failure in a row up to this */
#define OIDC_RANDOM_TEXT 43		/* 32 random bytes, base64url: state, nonce, PKCE verifier */
#define OIDC_STATE_KEY_LEN 33		/* LMDB key of a pending record */
#define OIDC_CALLBACK_PATH "/oidc/callback"

enum oidc_err {
	OIDC_OK,
	OIDC_ERR_CONFIG,		/* unknown provider, unreadable secret */
	OIDC_ERR_PROVIDER,		/* discovery, JWKS or token endpoint failed or answered nonsense */
	OIDC_ERR_STATE,			/* no such pending sign-in (expired, replayed) or state mismatch */
	OIDC_ERR_MALFORMED,		/* the ID token is not a well-formed JWS with a JSON claims set */
	OIDC_ERR_ALG,			/* alg not RS256/ES256 (none, HS256, ...) or a crit header */
	OIDC_ERR_SIGNATURE,		/* bad signature, or no key with that kid even after a refetch */
	OIDC_ERR_ISSUER,
	OIDC_ERR_AUDIENCE,		/* aud lacks our client id, or azp is another client */
	OIDC_ERR_EXPIRED,		/* exp passed, iat or nbf in the future */
	OIDC_ERR_NONCE,
	OIDC_ERR_NO_EMAIL,		/* no (valid) email claim */
	OIDC_ERR_EMAIL_UNVERIFIED,	/* email_verified not true */
	OIDC_ERR_NOT_INVITED,		/* verified email is not one of the invitation's guests */
	OIDC_ERR_NOMEM,
};

/* A sign-in between oidc_begin() and oidc_finish(). */
struct oidc_pending {
	char provider[CAP_OIDC_NAME + 1];
	char state[OIDC_RANDOM_TEXT + 1];
	char nonce[OIDC_RANDOM_TEXT + 1];
	char verifier[OIDC_RANDOM_TEXT + 1];	/* PKCE code_verifier */
	char email[ADDR_BUF];			/* what the guest typed (normalized): login_hint */
	uint8_t invitation[TOKEN_ID_LEN];	/* all zero for a /login sign-in */
	uint64_t created_at, expires_at;
	char *link_token;			/* the accept-link token text (malloc'd); "" for /login */
	bool login;				/* a returning guest at /login: no invitation to check */
	char rd[CAP_URL_BYTES + 1];		/* /login: where the guest was going ("" = none); checked later */
};

/* What a verified ID token says about the guest. */
struct oidc_identity {
	char provider[CAP_OIDC_NAME + 1];
	char email[ADDR_BUF];			/* normalized, verified, invited */
	char sub[256];
	bool mfa;				/* amr/acr matched mfa_amr/mfa_acr */
};

struct oidc;

#define OIDC_WUR __attribute__((warn_unused_result))

/* oidc_new - caches for every [oidc NAME] of cfg (kept by pointer: cfg must outlive it);
 * reads each client_secret_file now. NULL with "file: reason" in err. No network. */
struct oidc *oidc_new(const struct otpd_config *cfg, char *err, size_t errsz) OIDC_WUR __attribute__((nonnull));
struct oidc *oidc_free(struct oidc *o);

/* Test hook: fetch url into out (capped) instead of libcurl; true on HTTP 200. */
typedef bool (*oidc_fetch_fn)(void *arg, const char *url, struct buf *out);
void oidc_set_fetcher(struct oidc *o, oidc_fetch_fn fn, void *arg) __attribute__((nonnull(1)));

/* oidc_provider_for_email - home-realm discovery: the provider whose domains hold exactly the
 * address's domain (no subdomains unless listed), or NULL for the code flow */
const struct oidc_provider *oidc_provider_for_email(const struct otpd_config *cfg, const char *addr)
	__attribute__((nonnull));

/* oidc_begin - new state, nonce and PKCE verifier; the authorization URL appended to url.
 * email: the normalized address the guest typed; tok/link_token: the verified invitation. */
enum oidc_err oidc_begin(struct oidc *o, const struct oidc_provider *p, const char *email, const struct token *tok,
			 const char *link_token, uint64_t now, struct oidc_pending *pending, struct buf *url)
	OIDC_WUR __attribute__((nonnull));

/* oidc_begin_login - the same for a returning guest at /login: no invitation; rd (may be "", at most
 * CAP_URL_BYTES) rides in the pending record and is checked against the guest's invitations after the
 * callback (oidc.c never follows it). */
enum oidc_err oidc_begin_login(struct oidc *o, const struct oidc_provider *p, const char *email, const char *rd,
			       uint64_t now, struct oidc_pending *pending, struct buf *url)
	OIDC_WUR __attribute__((nonnull));

/* oidc_finish - check state (constant time) and expiry, redeem code at the token endpoint,
 * verify the ID token, and check the email against the invitation's guests (tok, verified
 * by the caller from pending->link_token). The caller has already removed pending from the store. */
enum oidc_err oidc_finish(struct oidc *o, const struct oidc_pending *pending, const char *code,
			  const char *state_from_query, const struct token *tok, uint64_t now,
			  struct oidc_identity *id) OIDC_WUR __attribute__((nonnull));

/* oidc_finish_login - oidc_finish for a pending->login record: everything but the invitation check,
 * which the caller does with the guest's stored invitations (id->email is verified, not yet "invited").
 * A record from oidc_begin() is refused here (OIDC_ERR_STATE), and one from oidc_begin_login() by
 * oidc_finish(). */
enum oidc_err oidc_finish_login(struct oidc *o, const struct oidc_pending *pending, const char *code,
				const char *state_from_query, uint64_t now, struct oidc_identity *id)
	OIDC_WUR __attribute__((nonnull));

/* oidc_verify_id_token - the ID token checks alone (with the JWKS cache and one refetch on an
 * unknown kid); id gets email (not yet checked against an invitation), sub, mfa */
enum oidc_err oidc_verify_id_token(struct oidc *o, const struct oidc_provider *p, const char *jwt, size_t len,
				   const char *nonce, uint64_t now, struct oidc_identity *id)
	OIDC_WUR __attribute__((nonnull));

const char *oidc_err_word(enum oidc_err e);

/* Pending records: serialized for LMDB, at most CAP_OIDC_PENDING_BYTES. */
bool oidc_pending_encode(const struct oidc_pending *p, struct buf *out) OIDC_WUR __attribute__((nonnull));
bool oidc_pending_decode(const void *data, size_t len, struct oidc_pending *out) OIDC_WUR __attribute__((nonnull));
void oidc_pending_clear(struct oidc_pending *p) __attribute__((nonnull));
/* oidc_pending_key - the LMDB key of a state: 'O' + BLAKE2b-256(state) (sessions database) */
void oidc_pending_key(const char *state, uint8_t key[OIDC_STATE_KEY_LEN]) __attribute__((nonnull));

/* oidc_pending_put - keep p in the sessions database until p->expires_at */
enum store_status oidc_pending_put(struct store *st, const struct oidc_pending *p) OIDC_WUR __attribute__((nonnull));
/* oidc_pending_take - get and delete the record of state (one use); OIDC_ERR_STATE if none is live */
enum oidc_err oidc_pending_take(struct store *st, const char *state, uint64_t now, struct oidc_pending *out)
	OIDC_WUR __attribute__((nonnull));

/* A JWKS parsed on its own, and the ID token checks against it without any fetch
 * (unit tests and the fuzz target use these; oidc_verify_id_token wraps them). */
struct oidc_keys;
struct oidc_keys *oidc_keys_parse(const char *json, size_t len) OIDC_WUR __attribute__((nonnull));
struct oidc_keys *oidc_keys_free(struct oidc_keys *k);
size_t oidc_keys_count(const struct oidc_keys *k) __attribute__((nonnull));

struct oidc_expect {
	const char *issuer;
	const char *client_id;
	const char *nonce;
	const struct strlist *mfa_amr, *mfa_acr;
	uint64_t now;
};
/* OIDC_ERR_SIGNATURE with *unknown_kid set when no key matched (so a caller may refetch) */
enum oidc_err oidc_jwt_verify(const struct oidc_keys *k, const struct oidc_expect *want, const char *jwt, size_t len,
			      struct oidc_identity *id, bool *unknown_kid) OIDC_WUR __attribute__((nonnull));

#endif
