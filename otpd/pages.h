/*
 * pages.h - the HTML pages guests see, Dutch and English, compiled in.
 *
 * No external assets: one stylesheet served by otpd (/static/style.css),
 * no script. Every variable part is HTML-escaped. Pages are readable on a
 * 360-px-wide screen (one column, viewport meta, relative sizes). The QR
 * code is inline SVG (no image request, the CSP stays strict).
 * Security: recovery codes and the secret appear only on the pages that
 * show them once; those pages are no-store like every other.
 */
#ifndef OTPD_PAGES_H
#define OTPD_PAGES_H

#include <stdbool.h>

#include "buf.h"
#include "lang.h"

enum page_view {
	VIEW_ASK_EMAIL,		/* GET /accept/<token> */
	VIEW_ASK_CODE,		/* after the email step: "if invited, a code is on its way" */
	VIEW_WRONG_CODE,	/* wrong, old or reused code */
	VIEW_LIMITED,		/* too many tries */
	VIEW_SIGNED_IN,		/* on to the resource */
	VIEW_BAD_LINK,
	VIEW_EXPIRED_LINK,
	VIEW_REVOKED_LINK,
	VIEW_BAD_REQUEST,	/* a form that did not come from our page (CSRF) or is malformed */
	VIEW_UNAVAILABLE,
	VIEW_NOT_FOUND,
	VIEW_CODE_OK,		/* emailed code right: on to next_url (an MFA step) */
	VIEW_LOGIN,		/* GET /login: asks for the address */
	VIEW_LOGIN_CODE,	/* "if this address is known, a code is on its way" */
	VIEW_LOGIN_WRONG_CODE,
	VIEW_LOGIN_LIMITED,
	VIEW_MFA_SETUP,		/* QR code, secret, confirm (wrong: the same with an error) */
	VIEW_MFA_DONE,		/* enrolled: recovery codes, shown once, then on to the resource */
	VIEW_MFA_VERIFY,	/* TOTP or recovery code (wrong: the same with an error) */
	VIEW_MFA_LIMITED,
	VIEW_NEED_SIGNIN,	/* an MFA page without a live session */
	VIEW_ALREADY,		/* an MFA page with a full session */
	VIEW_NO_RESOURCE,	/* signed in, but no invitation is still valid */
	VIEW_IDP_PROBLEM,	/* organisation sign-in did not work: problem says why; a code instead */
	VIEW_DISABLED,		/* the guest was disabled for not signing in: ask the inviter for a new invitation */
	VIEW_ACCOUNT,		/* GET /account: resources, sign-in method, when access lapses, leave */
	VIEW_LEFT,		/* POST /account/leave done: the guest account is deleted */
	VIEW_PRIVACY,		/* GET /privacy: what is kept and for how long; accept to continue */
	VIEW_NEW_RECOVERY,	/* POST /account/recovery done: the new recovery codes, once */
	VIEW_NEW_AUTH,		/* a new authenticator: the emailed code and the current second factor */
};

/* What went wrong with a sign-in at the guest's own organisation (VIEW_IDP_PROBLEM). */
enum page_problem {
	PROBLEM_STALE,		/* no such pending sign-in: too slow, used already, or another browser */
	PROBLEM_NOT_INVITED,	/* the provider's verified address is not one of the invited */
	PROBLEM_UNVERIFIED,	/* the provider does not vouch for the address */
	PROBLEM_FAILED,		/* the ID token failed a check (signature, audience, time, nonce, ...) */
	PROBLEM_PROVIDER_DOWN,	/* the provider could not be reached or answered nonsense */
	PROBLEM_CANCELLED,	/* the provider sent an error back (the guest cancelled, or was refused) */
	PROBLEM_NO_ACCESS,	/* /login: signed in at home, but no live invitation here */
};

struct mfa_recovery;
struct account_view;

struct page {
	enum page_view view;
	enum lang lang;
	const char *org_name;
	const char *inviter;	/* "" when unknown */
	const char *resource;
	const char *token;	/* base64url, for form actions */
	const char *csrf;
	const char *email;	/* what the guest typed, or "" */
	const char *mail_key;	/* VIEW_ASK_EMAIL / VIEW_LOGIN: the key of a code mail's link (a confirm page), or NULL */
	/* Returning guests and MFA (NULL or "" when unused): */
	const char *rd;		/* /login?rd=: where the guest was going */
	const char *next_url;	/* VIEW_CODE_OK */
	const char *qr_svg;	/* VIEW_MFA_SETUP: <svg>…</svg> (ours, not escaped) */
	const char *secret;	/* VIEW_MFA_SETUP: base32, shown in groups of 4 */
	const char *otpauth;	/* VIEW_MFA_SETUP: the otpauth:// URI */
	const struct mfa_recovery *recovery;	/* VIEW_MFA_DONE */
	unsigned recovery_left;	/* VIEW_SIGNED_IN after a recovery code */
	bool used_recovery;
	bool wrong;		/* VIEW_MFA_SETUP / VIEW_MFA_VERIFY: the last code was wrong */
	/* Organisation sign-in: */
	bool idp;		/* VIEW_ASK_EMAIL / VIEW_LOGIN: some domains sign in at home: offer "a code instead" */
	enum page_problem problem;	/* VIEW_IDP_PROBLEM */
	bool code_option;	/* VIEW_IDP_PROBLEM: email (and token or rd) known: offer to retry or get a code */
	/* The guest's own page: */
	const struct account_view *account;	/* VIEW_ACCOUNT */
	bool wrong_code;	/* VIEW_ACCOUNT: the code for new recovery codes was wrong */
	unsigned audit_days;	/* VIEW_LEFT, VIEW_PRIVACY: how long the audit lines stay */
	/* VIEW_PRIVACY (days; 0: off): */
	const char *privacy_url;	/* the organisation's statement, or "" */
	unsigned keep_days, inactive_days, delete_days;
};

bool pages_render(const struct page *p, struct buf *out) __attribute__((warn_unused_result, nonnull));

/* pages_qr_label - the QR code's accessible name */
const char *pages_qr_label(enum lang l);

/* pages_stylesheet - the one stylesheet */
const char *pages_stylesheet(void);

#endif
