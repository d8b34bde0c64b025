/*
 * session.h - sign-in sessions and CSRF tokens.
 *
 * A session id is 256 random bits, given to the browser base64url-encoded
 * in a cookie; the database keeps only a keyed hash of it (a stolen
 * database holds no usable cookie). CSRF: the pages set a random pre-session
 * cookie; each form carries a keyed hash of it and the invitation id, and a
 * POST must bring both.
 * Security: ids and CSRF values never go to a log; compares are constant time.
 */
#ifndef OTPD_SESSION_H
#define OTPD_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "secrets.h"
#include "store.h"
#include "token.h"

#define SESSION_COOKIE "guestlink_session"
#define CSRF_COOKIE "guestlink_csrf"
#define SESSION_TEXT 44		/* base64url of 32 bytes (43) + NUL */
#define CSRF_TEXT 44

/* session_create - store a new session; its cookie value goes to out */
enum store_status session_create(struct store_txn *txn, const struct secrets *keys, const char *addr,
				 const struct token *t, uint64_t now, uint64_t ttl, char out[SESSION_TEXT])
	__attribute__((warn_unused_result, nonnull));

/* session_find - is the cookie value a live session? fills addr */
bool session_find(struct store_txn *txn, const struct secrets *keys, const char *cookie, uint64_t now,
		  char addr[ADDR_BUF]) __attribute__((warn_unused_result, nonnull));

/* csrf_new_cookie - a fresh random pre-session cookie value */
void csrf_new_cookie(char out[CSRF_TEXT]) __attribute__((nonnull));
/* csrf_token - the form value for this cookie and invitation */
void csrf_token(const struct secrets *keys, const char *cookie, const uint8_t inv[TOKEN_ID_LEN], char out[CSRF_TEXT])
	__attribute__((nonnull));
/* csrf_check - does the form value match the cookie? */
bool csrf_check(const struct secrets *keys, const char *cookie, const uint8_t inv[TOKEN_ID_LEN], const char *form)
	__attribute__((warn_unused_result, nonnull(1, 3)));

#endif
