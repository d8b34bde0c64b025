/*
 * account.h - the guest's own page, /account: what a signed-in guest may
 * reach, how they sign in, when the access lapses if unused, and leaving
 * (deleting the guest account and what is kept about them).
 *
 * Only a full session (past every MFA step) sees or changes the account.
 * Leaving ends every session of the guest, deletes the guest record (with
 * the TOTP secret and recovery codes) and leaves only the audit lines
 * (lifecycle_forget()).
 * Ownership: struct account_view is the caller's (it is big: malloc it).
 */
#ifndef OTPD_ACCOUNT_H
#define OTPD_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "caps.h"
#include "flow.h"
#include "lang.h"
#include "session.h"

#define ACCOUNT_MAX_RESOURCES 16	/* the newest live invitations shown */

enum account_result {
	ACCOUNT_OK,
	ACCOUNT_WRONG,		/* new recovery codes: the TOTP or recovery code was wrong (or replayed) */
	ACCOUNT_LIMITED,	/* too many tries from this client for this guest, or the address is locked (signin_factor) */
	ACCOUNT_NO_SESSION,	/* no live full session: sign in first */
	ACCOUNT_UNAVAILABLE,
};

struct account_view {
	char addr[ADDR_BUF];
	char method[sizeof("oidc:") + CAP_OIDC_NAME];	/* "code" or "oidc:NAME" */
	bool totp;			/* an authenticator app is enrolled */
	uint64_t last_active;		/* the last sign-in (or redemption) */
	uint64_t lapses_at;		/* disabled then if unused; 0: never (guest_inactive_disable = 0) */
	size_t n_resources;
	char resources[ACCOUNT_MAX_RESOURCES][CAP_URL_BYTES + 1];	/* live invitations, newest first */
};

/* account_show - the cookie's full session's account */
enum account_result account_show(const struct flow_ctx *fx, const char *cookie, uint64_t now,
				 struct account_view *out) __attribute__((warn_unused_result, nonnull));

struct mfa_recovery;

/* account_new_recovery - code (the current TOTP or a recovery code) right: 10 new recovery codes replace the
 * old ones; *out holds them (mfa_recovery_free it) */
enum account_result account_new_recovery(const struct flow_ctx *fx, const char *cookie, const char *code,
					 const struct flow_client *client, uint64_t now, struct mfa_recovery **out)
	__attribute__((warn_unused_result, nonnull));

/* account_new_authenticator - code (the current TOTP or a recovery code) and email_code (a fresh code from
 * account_mail_code) both right: the authenticator and recovery codes are forgotten, every session of the
 * guest ends, and a code-level session (its cookie to session) must enrol again at /mfa/setup */
enum account_result account_new_authenticator(const struct flow_ctx *fx, const char *cookie, const char *code,
					      const char *email_code, const struct flow_client *client, uint64_t now,
					      char session[SESSION_TEXT]) __attribute__((warn_unused_result, nonnull));

/* account_mail_code - a fresh emailed code for the cookie's guest (the /login code mail) */
enum account_result account_mail_code(const struct flow_ctx *fx, const char *cookie, const struct flow_client *client,
				      enum lang lang, uint64_t now) __attribute__((warn_unused_result, nonnull));

/* account_leave - delete the cookie's guest: every session, the record; the audit line "guest_left" */
enum account_result account_leave(const struct flow_ctx *fx, const char *cookie, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

#endif
