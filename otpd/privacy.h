/*
 * privacy.h - privacy before consent: before a guest's first sign-in
 * finishes, the guest sees once what is kept about them and for how long
 * (with a link to the organisation's statement when [guestlink] privacy_url
 * is set), and accepts it. The acceptance and its time are recorded in the
 * guest record ("privacy_accepted_at") and as an audit line.
 *
 * Two ways to be at the privacy page, both in the browser's session cookie:
 *   - a code-level session (the emailed code, or a provider without MFA):
 *     /mfa/setup and /mfa/verify send it to /privacy first; accepting
 *     records it and the MFA step follows;
 *   - a held sign-in: a provider that asserted MFA would give a full session
 *     at the callback, but signin_finish() refuses a full session to a guest
 *     who has not accepted (FINISH_PRIVACY). The callback keeps what it
 *     verified (provider, typed and asserted address, the link or rd) in a
 *     held record (sessions database, key 'P' + keyed hash of a random id,
 *     PRIVACY_HOLD_TTL) and gives the browser that id as its session cookie.
 *     Accepting (CSRF, bound to that cookie) takes the record (one use),
 *     checks the link again and finishes the sign-in through signin_finish()
 *     with the acceptance, in one transaction.
 * Security: a held record is no session: session_find() never finds it, so
 * /auth, /account and the MFA steps refuse its cookie; the invitation is not
 * redeemed and the inviter not told before the guest accepts. Only a keyed
 * hash of the id is stored. A guest who accepted once is never asked again.
 * Failure: PRIVACY_UNAVAILABLE when the store fails (answer 503).
 */
#ifndef OTPD_PRIVACY_H
#define OTPD_PRIVACY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "guest.h"

#define PRIVACY_HOLD_TTL 1800	/* seconds a held provider sign-in waits for the acceptance */
#define PRIVACY_HOLD_KEY_LEN 33

enum privacy_state {
	PRIVACY_DONE,		/* accepted (or nothing to accept: no code-level session or held sign-in) */
	PRIVACY_NEEDED,		/* a code-level session or a held sign-in whose guest has not accepted yet */
	PRIVACY_SIGNED_IN,	/* accept: the held sign-in finished, a full session in out->session */
	PRIVACY_REFUSED,	/* accept: the held sign-in no longer signs anyone in (out->finish, out->link) */
	PRIVACY_UNAVAILABLE,
};

/* A provider sign-in held at the callback until the guest accepts (what signin_finish needs again). */
struct privacy_hold {
	char provider[CAP_OIDC_NAME + 1];
	char typed[ADDR_BUF];			/* the address typed at the email step */
	char asserted[ADDR_BUF];		/* the provider's verified address */
	bool login;				/* began at /login: rd, no invitation */
	const char *link_token;			/* accept: the link's token text ("" for /login) */
	const char *rd;				/* /login: where the guest was going ("" = none) */
};

/* What an accepted held sign-in gives. */
struct privacy_done {
	char session[SESSION_TEXT];		/* PRIVACY_SIGNED_IN: the full session's cookie value */
	char dest[CAP_URL_BYTES + 1];		/* PRIVACY_SIGNED_IN: where to go */
	int finish;				/* PRIVACY_REFUSED: the enum finish_result, or -1: the link */
	enum link_status link;			/* PRIVACY_REFUSED by the link: why */
};

/* privacy_accepted - has the guest of rec accepted the privacy page? */
bool privacy_accepted(const struct guest *rec) __attribute__((nonnull));

/* privacy_mark - record the acceptance at now in rec (the caller saves rec) */
void privacy_mark(struct guest *rec, uint64_t now) __attribute__((nonnull));

/* privacy_hold_put - keep h in txn until now + PRIVACY_HOLD_TTL; the browser's cookie value to out */
enum store_status privacy_hold_put(struct store_txn *txn, const struct secrets *keys, const struct privacy_hold *h,
				   uint64_t now, char out[SESSION_TEXT]) __attribute__((warn_unused_result, nonnull));

/* privacy_state - does the cookie's session (or held sign-in) still have to accept the privacy page? */
enum privacy_state privacy_state(const struct flow_ctx *fx, const char *cookie, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* privacy_accept - record the acceptance at now. A code-level session: PRIVACY_DONE (PRIVACY_NEEDED: nothing
 * to accept for). A held sign-in: PRIVACY_SIGNED_IN with out filled, or PRIVACY_REFUSED. */
enum privacy_state privacy_accept(const struct flow_ctx *fx, const char *cookie, uint64_t now,
				  struct privacy_done *out) __attribute__((warn_unused_result, nonnull));

#endif
