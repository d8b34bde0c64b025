/*
 * flow.h - the guest's way in, with no HTTP in it: check a link, ask for a
 * code, type the code. Routes (http.c) parse, call these, render.
 *
 * Security: flow_email() gives the caller nothing that tells an invited
 * address from another: both paths do the same write transaction and the
 * caller answers the same. Limits (GCRA in LMDB) burn codes and refuse
 * mails; they never change what the email step answers.
 * The same for returning guests (/login): flow_login_email() and
 * flow_login_code() answer an unknown address exactly as a known one.
 * Every code mail carries the 8-digit code and a mail key (a link, 256 bits):
 * flow_code()/flow_login_code() take either in `code`. Wrong digits spend
 * the code's tries and the invitation+address guess budget
 * (max_failed_tries); the key is never budgeted, so nobody without the mail
 * can lock the guest out (docs/security.md).
 * A right emailed code gives a SESSION_CODE session only; *next says
 * which MFA step must follow (signin.h finishes it).
 * Failure: FLOW_UNAVAILABLE when the store cannot record (answer 503).
 */
#ifndef OTPD_FLOW_H
#define OTPD_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "otpd_config.h"
#include "keys.h"
#include "lang.h"
#include "mailmsg.h"
#include "outbox.h"
#include "secrets.h"
#include "session.h"
#include "store.h"
#include "token.h"

struct oidc;

struct flow_ctx {
	const struct otpd_config *cfg;
	struct store *st;
	const struct secrets *keys;
	const struct keyring *ring;
	const struct mail_from *from;
	struct outbox *ob;		/* may be NULL (tests) */
	struct oidc *oidc;		/* organisation sign-in (idp.h); NULL: codes only */
};

enum link_status { LINK_OK, LINK_INVALID, LINK_EXPIRED, LINK_REVOKED, LINK_UNAVAILABLE };

enum flow_result {
	FLOW_ACCEPTED,		/* email step: the one answer */
	FLOW_SIGNED_IN,
	FLOW_WRONG_CODE,	/* wrong, expired, spent, burned or never sent */
	FLOW_LIMITED,		/* too many tries: retry_after says when */
	FLOW_UNAVAILABLE,
	FLOW_DISABLED,		/* right code, but the guest is disabled (lifecycle.h): ask for a new invitation */
};

/* After a right emailed code. */
enum flow_next {
	NEXT_MFA_SETUP,		/* no authenticator yet: /mfa/setup */
	NEXT_MFA_VERIFY,	/* enrolled: /mfa/verify (TOTP or recovery code) */
};

/* The pseudo invitation id of /login codes and limits. */
extern const uint8_t FLOW_LOGIN_ID[TOKEN_ID_LEN];

/* client: the limit key of the client address (IPv4, or the /64 of IPv6) */
struct flow_client {
	uint8_t key[9];
	size_t len;
};

void flow_client_from_text(const char *ip, struct flow_client *out) __attribute__((nonnull));

enum link_status flow_link(const struct flow_ctx *fx, const char *text, size_t len, uint64_t now, struct token *t)
	__attribute__((warn_unused_result, nonnull));

/* flow_email - tok/tok_len: the link's token text, for the link in the code mail (…/accept/<tok>?k=KEY) */
enum flow_result flow_email(const struct flow_ctx *fx, const struct token *t, const char *tok, size_t tok_len,
			    const char *email, const struct flow_client *client, enum lang lang, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

enum flow_result flow_code(const struct flow_ctx *fx, const struct token *t, const char *email, const char *code,
			   const struct flow_client *client, uint64_t now, char session[SESSION_TEXT],
			   uint64_t *retry_after, enum flow_next *next) __attribute__((warn_unused_result, nonnull));

/* flow_login_email - /login: mail a sign-in code if addr is a known guest; FLOW_ACCEPTED either way */
enum flow_result flow_login_email(const struct flow_ctx *fx, const char *email, const struct flow_client *client,
				  enum lang lang, uint64_t now) __attribute__((warn_unused_result, nonnull));

/* flow_account_email - /account: mail a signed-in guest (addr) the code for a new authenticator, stored in
 * slot (a pseudo invitation id bound to the session: account.c) and checked there by signin_factor; the
 * address's /login mail limits apply; FLOW_ACCEPTED when it is queued or a limit held it back */
enum flow_result flow_account_email(const struct flow_ctx *fx, const char *addr, const uint8_t slot[TOKEN_ID_LEN],
				    const struct flow_client *client, enum lang lang, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* flow_login_code - /login: the emailed code; rd (may be NULL) is kept in the session, checked after MFA */
enum flow_result flow_login_code(const struct flow_ctx *fx, const char *email, const char *code, const char *rd,
				 const struct flow_client *client, uint64_t now, char session[SESSION_TEXT],
				 uint64_t *retry_after, enum flow_next *next)
	__attribute__((warn_unused_result, nonnull(1, 2, 3, 5, 7, 8, 9)));

/* flow_take_step - one redirect to a provider asked for from client (idp.c; ip_mails_per_hour, in a bucket of
 * its own: the code mails' budget is per client and address); false when over the limit. */
bool flow_take_step(struct store_txn *txn, const struct flow_ctx *fx, const struct flow_client *client, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* Shared with signin.c: limits, failures, audit, session lifetimes. flow_take_try: one typed code (digits or
 * malformed; never a mail key) from client, ip_tries_per_hour. */
bool flow_take_try(struct store_txn *txn, const struct flow_ctx *fx, const struct flow_client *client, uint64_t now,
		   uint64_t *retry_after) __attribute__((warn_unused_result, nonnull));
/* flow_take_mfa_try - one second-factor try of a session's address addr from client (ip_tries_per_hour, per
 * client and address: only someone with a session of that guest can spend it). Take it after finding the
 * session (signin_factor does). */
bool flow_take_mfa_try(struct store_txn *txn, const struct flow_ctx *fx, const struct flow_client *client,
		       const char *addr, uint64_t now, uint64_t *retry_after) __attribute__((warn_unused_result, nonnull));
bool flow_locked_out(struct store_txn *txn, const struct flow_ctx *fx, const char *addr, uint64_t now,
		     uint64_t *retry_after) __attribute__((nonnull));
enum store_status flow_count_failure(struct store_txn *txn, const struct flow_ctx *fx, const char *addr, uint64_t now)
	__attribute__((warn_unused_result, nonnull));
/* How long audit lines are kept (days). */
#define FLOW_AUDIT_DAYS 90u

enum store_status flow_audit(struct store_txn *txn, uint64_t now, const char *event, const uint8_t inv[TOKEN_ID_LEN],
			     const char *addr) __attribute__((nonnull));
struct session_limits flow_session_limits(const struct flow_ctx *fx) __attribute__((nonnull));

#endif
