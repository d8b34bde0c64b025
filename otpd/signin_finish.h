/*
 * signin_finish.h - the one place where every sign-in ends, whatever way it
 * took: the emailed code (accept link or /login, flow.c), the guest's own
 * provider (accept link or /login, idp.c) and the MFA step (signin.c). In
 * the caller's write transaction it
 *   1. decides who is signing in (signin_finish_identity) and refuses
 *      anyone else,
 *   2. checks that address against the invitation (accept) or the guest's
 *      record (/login, MFA),
 *   3. refuses a disabled guest (lifecycle.h) unless the invitation was sent
 *      after the disabling, redeems the invitation (the first redemption
 *      of an invitation by a guest queues the inviter's notice, notice.h),
 *      notes how the guest signed in,
 *   3a. refuses a full session (MFA done, or a provider that asserted MFA) to
 *      a guest who has not accepted the privacy page (privacy.h), unless
 *      the request carries the acceptance, which is then recorded (with an
 *      invitation before it is redeemed; without, after the check that the
 *      guest has access at all, so who has none is told so),
 *   4. starts the session (ending the code-level one it replaces: a new id
 *      at each level change), forgets the failed tries of a full sign-in,
 *   5. writes the audit line.
 * Security: a provider's identity counts only if its verified address is of
 * a domain that very [oidc NAME] section serves (exactly the domains listed,
 * as docs/admin.md says) AND is the address typed at the email step (kept
 * in the pending sign-in, which is bound to the browser's state), both
 * after addr_normalize(). So a provider can never speak for a domain it does
 * not serve, nor swap the guest for another of the invited. A code or MFA
 * sign-in is the typed address (the code mail went there) or the code
 * session's.
 * Failure: store errors come back as store_status (the caller's transaction
 * aborts); a refusal is *res != FINISH_OK with nothing written.
 */
#ifndef OTPD_SIGNIN_FINISH_H
#define OTPD_SIGNIN_FINISH_H

#include <stdbool.h>

#include "otpd_config.h"
#include "flow.h"
#include "record.h"
#include "session.h"

enum finish_via {
	FINISH_CODE,		/* a right emailed code */
	FINISH_PROVIDER,	/* a verified ID token of an [oidc NAME] provider */
	FINISH_MFA,		/* a right TOTP or recovery code on a code-level session */
};

enum finish_result {
	FINISH_OK,
	FINISH_BAD_ADDRESS,	/* not an address */
	FINISH_FOREIGN_DOMAIN,	/* provider: the asserted address is not of a domain it serves */
	FINISH_NOT_TYPED,	/* provider: the asserted address is not the one typed at the email step */
	FINISH_NOT_INVITED,	/* not one of the invitation's guests */
	FINISH_NO_ACCESS,	/* /login or MFA: no guest record (with a live invitation, where one is needed) */
	FINISH_DISABLED,	/* the guest was disabled for inactivity: ask the inviter for a new invitation */
	FINISH_PRIVACY,		/* a full session, but the guest has not accepted the privacy page: hold it (privacy.h) */
};

struct finish_req {
	enum finish_via via;
	const struct token *t;			/* the invitation to redeem; NULL at /login and for MFA */
	const char *typed;			/* the address typed at the email step (MFA: ignored) */
	const char *provider;			/* FINISH_PROVIDER: NAME of the section the pending sign-in names */
	const char *asserted;			/* FINISH_PROVIDER: the ID token's verified email */
	bool provider_mfa;			/* FINISH_PROVIDER: its amr/acr counts as MFA */
	const struct session_info *prev;	/* FINISH_MFA: the code-level session it ends */
	struct guest *rec;			/* FINISH_MFA: the guest record as the MFA step left it */
	const char *dest;			/* rd, or "" (accept: the invitation's resource is used) */
	const char *event;			/* the audit line's event */
	bool privacy_accepted;			/* the guest accepted the privacy page just now: record it */
};

struct finish_done {
	char addr[ADDR_BUF];			/* who signed in */
	enum session_level level;		/* the new session's */
	char session[SESSION_TEXT];		/* its cookie value */
	char dest[CAP_URL_BYTES + 1];		/* full session: where to go ("" = no live invitation) */
	enum flow_next next;			/* SESSION_CODE: the MFA step that must follow */
	bool notified;				/* an inviter's notice was queued: outbox_kick() after the commit */
};

/* signin_finish_identity - who signs in: for a provider (provider != NULL) the asserted address, only
 * when it is of a domain that provider serves and equals the typed one; else the typed address. addr
 * gets the normalized address on FINISH_OK. */
enum finish_result signin_finish_identity(const struct otpd_config *cfg, const char *provider, const char *asserted,
					  const char *typed, char addr[ADDR_BUF])
	__attribute__((warn_unused_result, nonnull(1, 4, 5)));

/* signin_finish - steps 1 to 5 above in txn; *res says whether it signed anyone in */
enum store_status signin_finish(struct store_txn *txn, const struct flow_ctx *fx, const struct finish_req *rq,
				uint64_t now, enum finish_result *res, struct finish_done *out)
	__attribute__((warn_unused_result, nonnull));

/* signin_finish_word - the log word of a refusal */
const char *signin_finish_word(enum finish_result r);

#endif
