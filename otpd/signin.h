/*
 * signin.h - the second half of signing in, and the check nginx asks for:
 * enrolment (/mfa/setup), the TOTP or recovery code step (/mfa/verify),
 * and forward-auth (/auth). No HTTP in here: routes parse, call, render.
 *
 * A SESSION_CODE session (emailed code only) may do exactly one of the
 * MFA steps, chosen by the guest record: setup when no authenticator is
 * enrolled, verify when one is. Success ends that session and starts a
 * SESSION_FULL one under a new id. /auth answers yes only for a full
 * session whose guest holds a redeemed, unrevoked invitation covering the
 * URL.
 * Security: every second factor, here and at /account, goes through
 * signin_factor(): wrong codes count as failed tries of the address, which
 * bound it (max_failed_tries), and use the try budget of the client and
 * guest (flow.h); a TOTP step is used once; the destination
 * after sign-in is only ever a URL under one of the guest's invitations.
 * Failure: SIGNIN_UNAVAILABLE when the store fails (answer 503).
 */
#ifndef OTPD_SIGNIN_H
#define OTPD_SIGNIN_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "mfa.h"
#include "session.h"
#include "totp.h"

enum signin_result {
	SIGNIN_OK,
	SIGNIN_NO_SESSION,	/* no live session (or a full one where a code session is needed) */
	SIGNIN_ENROLLED,	/* setup asked, but the guest has an authenticator: verify instead */
	SIGNIN_NOT_ENROLLED,	/* verify asked, but nothing enrolled: setup instead */
	SIGNIN_WRONG,
	SIGNIN_REPLAYED,	/* a TOTP code already used */
	SIGNIN_LIMITED,
	SIGNIN_UNAVAILABLE,
};

enum auth_result { AUTH_ALLOW, AUTH_DENY, AUTH_UNAVAILABLE };

/* What the enrolment page shows. sodium_malloc it: b32 is the secret. */
struct signin_setup {
	char addr[ADDR_BUF];
	char b32[TOTP_B32_BUF];
};

/* A finished sign-in. */
struct signin_done {
	char session[SESSION_TEXT];		/* the new full session's cookie value */
	char dest[CAP_URL_BYTES + 1];		/* where to send the guest ("" = no live invitation) */
	struct mfa_recovery *recovery;		/* enrolment only: the codes to show once (mfa_recovery_free) */
	bool used_recovery;
	unsigned recovery_left;
	uint64_t retry_after;			/* SIGNIN_LIMITED */
};

/* What a second factor is checked for (signin_factor). */
enum factor_use {
	FACTOR_CONFIRM,		/* /mfa/setup: the first code of the pending secret (mfa_confirm) */
	FACTOR_CHECK,		/* /mfa/verify, /account/authenticator: a TOTP or recovery code (mfa_check) */
	FACTOR_RENEW,		/* /account/recovery: as FACTOR_CHECK, then new recovery codes (mfa_renew_recovery) */
};

enum factor_result {
	FACTOR_OK,		/* a right TOTP code (enrolment: the guest is enrolled) */
	FACTOR_OK_RECOVERY,	/* a right recovery code (now spent) */
	FACTOR_WRONG,		/* wrong (or the emailed code beside it wrong): counted as a failure of the address */
	FACTOR_REPLAYED,	/* a TOTP step already used: counted too */
	FACTOR_NOT_READY,	/* nothing to check against (nothing pending, nothing enrolled) */
	FACTOR_LIMITED,		/* the try budget of this client and guest is spent: retry_after */
	FACTOR_LOCKED,		/* the address has max_failed_tries failures since the session began */
};

/* One try of a second factor. */
struct factor_try {
	enum factor_use use;
	const char *code;			/* as typed */
	const uint8_t *email_slot;		/* also needed: the emailed digits of this code slot (NULL: none) */
	const char *email_code;			/* as typed (email_slot only) */
	const struct flow_client *client;
	uint64_t now;
};

struct factor_done {
	enum factor_result result;
	uint64_t retry_after;			/* FACTOR_LIMITED, FACTOR_LOCKED */
	struct mfa_recovery *recovery;		/* FACTOR_CONFIRM, FACTOR_RENEW on success (mfa_recovery_free) */
};

/* signin_factor - the one check of a known guest's second factor, in the caller's write transaction, for
 * the MFA steps and the account's: the try budget of client and guest, the address's failure bound
 * (flow_locked_out, against si->created_at: a session begun after the last failure proves the mailbox),
 * the code (and the emailed digits), and a failure counted for the address. rec is changed as the mfa_*
 * function changes it: the caller saves it on success only. */
enum store_status signin_factor(struct store_txn *txn, const struct flow_ctx *fx, const struct session_info *si,
				struct guest *rec, const struct factor_try *ft, struct factor_done *out)
	__attribute__((warn_unused_result, nonnull));

/* signin_setup_begin - the pending secret for the enrolment page */
enum signin_result signin_setup_begin(const struct flow_ctx *fx, const char *cookie, uint64_t now,
				      struct signin_setup *out) __attribute__((warn_unused_result, nonnull));

/* signin_setup_confirm - the first code from the app: enrol, make recovery codes, full session */
enum signin_result signin_setup_confirm(const struct flow_ctx *fx, const char *cookie, const char *code,
					const struct flow_client *client, uint64_t now, struct signin_done *out)
	__attribute__((warn_unused_result, nonnull));

/* signin_verify - a TOTP or recovery code of an enrolled guest: full session */
enum signin_result signin_verify(const struct flow_ctx *fx, const char *cookie, const char *code,
				 const struct flow_client *client, uint64_t now, struct signin_done *out)
	__attribute__((warn_unused_result, nonnull));

/* signin_step - which MFA page a cookie belongs on (SIGNIN_ENROLLED: verify, SIGNIN_NOT_ENROLLED: setup,
 * SIGNIN_OK: already full) */
enum signin_result signin_step(const struct flow_ctx *fx, const char *cookie, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* signin_auth - may the cookie's session use url? the guest's address to addr on AUTH_ALLOW */
enum auth_result signin_auth(const struct flow_ctx *fx, const char *cookie, const char *url, uint64_t now,
			     char addr[ADDR_BUF]) __attribute__((warn_unused_result, nonnull));

#endif
