/*
 * session.h - sign-in sessions and CSRF tokens.
 *
 * A session id is 256 random bits, given to the browser base64url-encoded
 * in a cookie; the database keeps only a keyed hash of it (a stolen
 * database holds no usable cookie). A session has a level: SESSION_CODE
 * after the emailed code alone (it may only finish MFA: /mfa/setup,
 * /mfa/verify), SESSION_FULL after MFA (it passes /auth), SESSION_ORG_MFA
 * after a provider sign-in that asserted MFA (passes too). It ends at the
 * first of: created + session_ttl (absolute), last use + session_idle.
 * CSRF: the pages set a random pre-session cookie; each form carries a
 * keyed hash of it, of the session cookie the browser holds ("" before
 * sign-in) and of a context id (the invitation, or a fixed id per page
 * family), and a POST must bring all of them. With cookie_secure the
 * cookies are named __Host-... (http.c), and a name sent twice counts as
 * absent (cookie_get), so a sibling host can neither plant nor shadow them.
 * Security: ids and CSRF values never go to a log; compares are constant
 * time; a session that reaches SESSION_FULL gets a new id (the old one is
 * deleted), so an id seen before MFA is worth nothing after it.
 * Ownership: struct session_info is the caller's; it holds no secret.
 */
#ifndef OTPD_SESSION_H
#define OTPD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "caps.h"
#include "secrets.h"
#include "store.h"
#include "token.h"

#define SESSION_COOKIE "guestlink_session"
#define CSRF_COOKIE "guestlink_csrf"
#define SESSION_TEXT 44		/* base64url of 32 bytes (43) + NUL */
#define CSRF_TEXT 44
#define SESSION_KEY_LEN 32
#define SESSION_TOUCH_EVERY 60	/* seconds: last-use time is written at most this often */

enum session_level {
	SESSION_CODE = 1,	/* emailed code (or a provider sign-in without MFA) only: MFA still to do */
	SESSION_FULL = 2,	/* MFA done: /auth lets it through */
	SESSION_ORG_MFA = 3,	/* the guest's own provider asserted MFA (idp.h): full, with no TOTP here */
};

/* session_is_full - may this level use resources (past every MFA step)? */
static inline bool session_is_full(enum session_level l)
{
	return l == SESSION_FULL || l == SESSION_ORG_MFA;
}

/* Lifetimes, from [otpd] session_ttl and session_idle. */
struct session_limits {
	uint64_t ttl;
	uint64_t idle;
};

struct session_info {
	uint8_t key[SESSION_KEY_LEN];	/* the database key (keyed hash of the id) */
	enum session_level level;
	uint64_t created_at;
	uint64_t last_seen;
	char addr[ADDR_BUF];
	char dest[CAP_URL_BYTES + 1];	/* where to go after sign-in ("" = the guest's latest resource) */
};

/* session_create - store a new session; its cookie value goes to out */
enum store_status session_create(struct store_txn *txn, const struct secrets *keys, const char *addr,
				 enum session_level level, const char *dest, uint64_t now,
				 const struct session_limits *lim, char out[SESSION_TEXT])
	__attribute__((warn_unused_result, nonnull));

/* session_find - is the cookie value a live session (within both lifetimes)? fills out */
bool session_find(struct store_txn *txn, const struct secrets *keys, const char *cookie, uint64_t now,
		  const struct session_limits *lim, struct session_info *out) __attribute__((warn_unused_result, nonnull));

/* session_touch - record a use at now (idle lifetime starts again) */
enum store_status session_touch(struct store_txn *txn, const struct session_info *s, uint64_t now,
				const struct session_limits *lim) __attribute__((warn_unused_result, nonnull));

/* session_end - delete one session */
enum store_status session_end(struct store_txn *txn, const struct session_info *s) __attribute__((nonnull));

/* session_end_all - delete every session of addr; *n = how many */
enum store_status session_end_all(struct store_txn *txn, const char *addr, uint64_t now, size_t *n)
	__attribute__((warn_unused_result, nonnull));

/* csrf_new_cookie - a fresh random pre-session cookie value */
void csrf_new_cookie(char out[CSRF_TEXT]) __attribute__((nonnull));
/* csrf_token - the form value for this pre-session cookie, session cookie ("" if none) and context id */
void csrf_token(const struct secrets *keys, const char *cookie, const char *session, const uint8_t ctx[TOKEN_ID_LEN],
		char out[CSRF_TEXT]) __attribute__((nonnull));
/* csrf_check - does the form value match the cookie and the session? */
bool csrf_check(const struct secrets *keys, const char *cookie, const char *session, const uint8_t ctx[TOKEN_ID_LEN],
		const char *form) __attribute__((warn_unused_result, nonnull(1, 2, 3, 4)));

#endif
